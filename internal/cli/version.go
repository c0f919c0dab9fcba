package cli

import (
	"fmt"
	"runtime"

	"github.com/spf13/cobra"
)

func (a *app) versionCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print version, commit and the embedded data snapshot's date",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			v := struct {
				Version  string `json:"version"`
				Commit   string `json:"commit"`
				GeoData  string `json:"geo_data"`
				Go       string `json:"go"`
				Platform string `json:"platform"`
			}{a.build.Version, a.build.Commit, embeddedDate(), runtime.Version(), runtime.GOOS + "/" + runtime.GOARCH}
			if asJSON {
				return writeJSON(cmd.OutOrStdout(), v)
			}
			_, err := fmt.Fprintf(cmd.OutOrStdout(), "seawall %s\ncommit     %s\ngeo data   %s (embedded snapshot)\nbuilt with %s %s\n", v.Version, v.Commit, v.GeoData, v.Go, v.Platform)
			return err
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

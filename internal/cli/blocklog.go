package cli

import (
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/seawall/seawall/internal/journal"
)

func (a *app) blockLogCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "log",
		Short: "Show the journal of enforcement changes: who changed what, and when",
		Long: `Show seawall's append-only journal (journal.jsonl in the data directory):
every block apply and remove, every country database update, and every use
of --force, with the account, the account behind sudo and the SSH client
that made it. Oldest first. A damaged line is reported with its line number.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := a.config()
			if err != nil {
				return err
			}
			entries, err := journal.Read(c.DataDir)
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			if asJSON {
				if entries == nil {
					entries = []journal.Entry{}
				}
				return writeJSON(w, entries)
			}
			if len(entries) == 0 {
				_, err := fmt.Fprintf(w, "no changes recorded in %s\n", c.DataDir)
				return err
			}
			tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "TIME\tWHO\tACTION\tSUMMARY")
			for _, e := range entries {
				who := e.Actor.User
				if e.Actor.SudoUser != "" {
					who += " (sudo by " + e.Actor.SudoUser + ")"
				}
				if e.Actor.SSHClient != "" {
					who += " from " + e.Actor.SSHClient
				}
				action := e.Action
				if e.Forced {
					action += " --force"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", e.Time.UTC().Format("2006-01-02 15:04:05Z"), who, action, strings.ReplaceAll(e.Summary, "\n", " "))
			}
			return tw.Flush()
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the entries as a JSON array")
	return cmd
}

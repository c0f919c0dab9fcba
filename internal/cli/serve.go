package cli

import (
	"log/slog"

	"github.com/spf13/cobra"

	"github.com/seawall/seawall/internal/daemon"
)

func (a *app) serveCmd() *cobra.Command {
	var debug bool
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the seawall daemon (BGP blackhole speaker, control socket)",
		Long: `Run seawall's long-lived part until interrupted (SIGINT or SIGTERM).

It compiles the block: policy against the country database and, when
bgp.enabled is true, announces the blocked prefixes to the configured
routers with the BLACKHOLE (65535:666) and NO_EXPORT communities; when
nftables.enabled is true, it installs the block in the kernel at start and
on every reload, through one long-lived backend so that an update is a small
delta. serve changes no firewall and opens no BGP session unless the
configuration enables that backend. A reload that fails (broken database,
guard refusal) keeps the previous rules and announcements.

The CLI reaches a running serve through the Unix socket seawall.sock in the
data directory (mode 0600): 'seawall block status' shows the BGP sessions,
and 'seawall serve reload' makes it reread the policy and the database.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := a.config()
			if err != nil {
				return err
			}
			level := slog.LevelInfo
			if debug {
				level = slog.LevelDebug
			}
			logger := slog.New(slog.NewTextHandler(a.io.Err, &slog.HandlerOptions{Level: level}))
			d, err := daemon.New(c, daemon.Options{GeoDB: a.geoDB, Logger: logger})
			if err != nil {
				return err
			}
			return d.Run(cmd.Context())
		},
	}
	a.addGeoDBFlag(cmd)
	cmd.Flags().BoolVar(&debug, "debug", false, "log at debug level")
	cmd.AddCommand(&cobra.Command{
		Use:   "reload",
		Short: "Ask a running serve to reread the policy and the country database",
		Long: `Ask the running serve to recompile the block policy. If the new policy or
database is broken, serve keeps announcing what it had and this command
says why.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := a.config()
			if err != nil {
				return err
			}
			cl, err := daemon.Dial(c.DataDir)
			if err != nil {
				return err
			}
			return cl.Reload(cmd.Context())
		},
	})
	return cmd
}

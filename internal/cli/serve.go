package cli

import (
	"fmt"
	"io"
	"log/slog"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/seawall/seawall/internal/daemon"
)

func (a *app) serveCmd() *cobra.Command {
	var debug bool
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the seawall daemon (flow collector, BGP blackhole speaker, control socket)",
		Long: `Run seawall's long-lived part until interrupted (SIGINT or SIGTERM).

It compiles the block: policy against the country database and, when
bgp.enabled is true, announces the blocked prefixes to the configured
routers with the BLACKHOLE (65535:666) and NO_EXPORT communities; when
nftables.enabled is true, it installs the block in the kernel at start and
on every reload, through one long-lived backend so that an update is a small
delta. serve changes no firewall and opens no BGP session unless the
configuration enables that backend. A reload that fails (broken database,
guard refusal) keeps the previous rules and announcements.

Unless flows.enabled is false, serve collects NetFlow v5/v9 and IPFIX on
UDP :2055 and sFlow on UDP :6343 (flows.netflow, flows.sflow), with
several SO_REUSEPORT sockets per port, and serves Prometheus metrics on
127.0.0.1:9750 (flows.metrics). NetFlow v9/IPFIX templates are saved in
the data directory, so data decode at once after a restart.

The CLI reaches a running serve through the Unix socket seawall.sock in the
data directory (mode 0600): 'seawall serve status' shows the policy, the
BGP sessions and the flow listeners and exporters, and 'seawall serve
reload' makes it reread seawall.yaml (the block: and flows: sections) and
the database. A reload restarts the flow listeners only when their
addresses or socket settings change.`,
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
			d, err := daemon.New(c, daemon.Options{GeoDB: a.geoDB, Logger: logger, Reconfigure: a.config})
			if err != nil {
				return err
			}
			return d.Run(cmd.Context())
		},
	}
	a.addGeoDBFlag(cmd)
	cmd.Flags().BoolVar(&debug, "debug", false, "log at debug level")
	cmd.AddCommand(a.serveStatusCmd(), &cobra.Command{
		Use:   "reload",
		Short: "Ask a running serve to reread seawall.yaml and the country database",
		Long: `Ask the running serve to reread seawall.yaml and recompile the block policy,
and to apply the flows: section. If the new configuration, policy or
database is broken, serve keeps announcing and collecting as it did and
this command says why. Other sections take effect at the next start.`,
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

func (a *app) serveStatusCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show what a running serve does: policy, BGP, flow listeners and exporters",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := a.config()
			if err != nil {
				return err
			}
			cl, err := daemon.Dial(c.DataDir)
			if err != nil {
				return err
			}
			st, err := cl.Status(cmd.Context())
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			if asJSON {
				return writeJSON(w, st)
			}
			printServe(w, &st)
			return printFlows(w, st.Flows)
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the status as JSON")
	return cmd
}

// printFlows prints the collector's listeners and exporters.
func printFlows(w io.Writer, f *daemon.FlowStatus) error {
	if f == nil {
		_, err := fmt.Fprintln(w, "flows     not collecting (flows.enabled is false)")
		return err
	}
	fmt.Fprintf(w, "flows     %d records handled", f.Handled)
	if f.Metrics != "" {
		fmt.Fprintf(w, "; metrics on http://%s/metrics", f.Metrics)
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "LISTENER\tADDRESS\tSOCKETS\tRCVBUF\tDATAGRAMS\tFLOWS\tERRORS\tKERNEL DROPS\tNOT ALLOWED")
	for _, l := range f.Listeners {
		buf := fmt.Sprintf("%d", l.ReadBuffer)
		if !l.Forced {
			buf += " (rmem_max)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%d\t%d\t%d\t%d\t%d\n", l.Protocol, l.Address, l.Sockets, buf, l.Datagrams, l.Flows, l.Errors, l.KernelDrops, l.NotAllowed)
	}
	if len(f.Exporters) > 0 {
		fmt.Fprintln(tw, "\nEXPORTER\tPROTOCOL\tDATAGRAMS\tFLOWS\tERRORS\tTEMPLATES\tLAST SEEN")
		for _, e := range f.Exporters {
			fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%d\t%s\n", e.Address, e.Protocol, e.Datagrams, e.Flows, e.Errors, e.Templates, e.LastSeen.Format(time.RFC3339))
		}
	}
	return tw.Flush()
}

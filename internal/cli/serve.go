package cli

import (
	"fmt"
	"io"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/seawall/seawall/internal/daemon"
)

func (a *app) serveCmd() *cobra.Command {
	var debug bool
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the seawall daemon (flow collection and detection, BGP blackhole speaker, control socket)",
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

Every flow is tagged (country, block policy, ASN from enrich.asn, threat
lists from enrich.lists, inventory roles) and run through the flow
detections (DET-FLOW-*, tuned in detect:). Alerts are appended as JSON
lines to alerts.file.path (default alerts.jsonl in the data directory),
sent to alerts.syslog and alerts.webhook when configured, and stored with
per-minute flow aggregates and exporter counters in the data directory's
store ('seawall alerts list', 'seawall flows top').

The CLI reaches a running serve through the Unix socket seawall.sock in the
data directory (mode 0600): 'seawall serve status' shows the policy, the
BGP sessions, the flow listeners and exporters and the pipeline's
counters, and 'seawall serve reload' (or SIGHUP) makes it reread
seawall.yaml (the block:, flows:, inventory:, enrich: and detect:
sections) and the database, and reopen the alert file (for logrotate). A
reload restarts the flow listeners only when their addresses or socket
settings change, keeps the last good enrichment table when an ASN table or
threat list is broken, and builds a new detection engine only when
detect:, inventory: or the threat lists' names change: what the old one
had learned (baselines, exporters' intervals) starts over.`,
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
to apply the flows:, inventory:, enrich: and detect: sections, and to
reopen the alert file. If the new configuration, policy, database, ASN
table or threat list is broken, serve keeps announcing, collecting and
enriching as it did and this command says why. Other sections (alerts:,
store:) take effect at the next start.`,
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
		Short: "Show what a running serve does: policy, BGP, flow listeners and exporters, pipeline",
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
			if err := printFlows(w, st.Flows); err != nil {
				return err
			}
			return printPipeline(w, st.Pipeline)
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

// printPipeline prints enrichment, detection, the alert destinations and
// the store.
func printPipeline(w io.Writer, p *daemon.PipelineStatus) error {
	if p == nil {
		return nil
	}
	fmt.Fprintf(w, "\npipeline  %d flows enriched; %d batches, %d dropped (pipeline behind)\n", p.Enriched, p.Batches, p.DroppedBatches)
	e := p.Enrich
	fmt.Fprintf(w, "enrich    loaded %s: %d ASN ranges, threat lists [%s]\n", e.Loaded.Format(time.RFC3339), e.ASNRanges, strings.Join(e.Lists, ", "))
	if e.Error != "" {
		fmt.Fprintf(w, "          last load failed (the table above is in use): %s\n", e.Error)
	}
	fmt.Fprintf(w, "detect    engine since %s; %d dedup windows open, %d repeats folded\n", p.Detect.Started.Format(time.RFC3339), p.Detect.DedupOpen, p.Detect.Folded)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	if len(p.Alerts) > 0 {
		fmt.Fprintln(tw, "\nRULE\tALERTS")
		for _, r := range slices.Sorted(maps.Keys(p.Alerts)) {
			fmt.Fprintf(tw, "%s\t%d\n", r, p.Alerts[r])
		}
	}
	if len(p.Sinks) > 0 {
		fmt.Fprintln(tw, "\nSINK\tQUEUED\tSENT\tDROPPED\tRETRIES\tLAST ERROR")
		for _, s := range p.Sinks {
			fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%s\n", s.Sink, s.Queued, s.Sent, s.Dropped(), s.Retries, oneLine(s.LastError))
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if s := p.Store; s != nil {
		fmt.Fprintf(w, "\nstore     %s: %d rows in %d flushes, %d pending, %d flush errors, %d rows dropped, %d pruned\n",
			p.StorePath, s.Rows, s.Flushes, s.Pending, s.FlushErrors, s.DroppedRows, s.Pruned)
		if s.LastError != "" {
			fmt.Fprintf(w, "          last error: %s\n", oneLine(s.LastError))
		}
	}
	return nil
}

package cli

import (
	"bufio"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/seawall/seawall/internal/severity"
)

func (a *app) alertsCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "alerts",
		Short: "List the alerts seawall serve has raised",
		Long: `Alerts are what flow and log detection raise. 'seawall serve' stores them in
the data directory and sends them to the destinations of the alerts:
section of the configuration (a JSON lines file, syslog, a webhook).`,
		Args: cobra.ArbitraryArgs,
		RunE: runGroup,
	}
	cmd.AddCommand(a.alertsListCmd())
	return cmd
}

func (a *app) alertsListCmd() *cobra.Command {
	var (
		since, sev string
		limit      int
		asJSON     bool
	)
	cmd := &cobra.Command{
		Use:   "list [--since 24h] [--severity LEVEL]",
		Short: "List stored alerts, newest first",
		Long: `List the alerts in the data directory's store whose last evidence is within
--since, at or above --severity (info, low, medium, high, critical), newest
first. With --json each alert is one JSON object per line, the format of the
alert file. The store is opened read-only, so this is safe while the daemon
runs.`,
		Example: `  seawall alerts list
  seawall alerts list --since 7d --severity high
  seawall alerts list --json | jq -r .key`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			from, err := parseSince(since, time.Now())
			if err != nil {
				return err
			}
			min, err := severity.Parse(sev)
			if err != nil {
				return usagef("--severity: %v", err)
			}
			if limit <= 0 {
				return usagef("--limit %d must be positive", limit)
			}
			s, err := a.openStore(cmd)
			if err != nil {
				return err
			}
			defer s.Close()
			alerts, err := s.Alerts(cmd.Context(), from, min, limit)
			if err != nil {
				return err
			}
			w := bufio.NewWriter(cmd.OutOrStdout())
			defer w.Flush()
			if asJSON {
				for _, al := range alerts {
					if err := writeLine(w, al); err != nil {
						return err
					}
				}
				return w.Flush()
			}
			if len(alerts) == 0 {
				fmt.Fprintf(w, "no alerts at or above %s since %s\n", min, from.UTC().Format(time.RFC3339))
				return w.Flush()
			}
			tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "last\tseverity\trule\tcount\tkey\tmessage")
			for _, al := range alerts {
				msg := al.Message
				if msg == "" {
					msg = al.Title
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\n", time.Unix(0, al.Last).UTC().Format(time.RFC3339),
					al.Severity, al.Rule, al.Count, oneLine(al.Key), oneLine(msg))
			}
			if err := tw.Flush(); err != nil {
				return err
			}
			return w.Flush()
		},
	}
	cmd.Flags().StringVar(&since, "since", "24h", "from this long ago (90s, 15m, 1h, 7d) or this RFC 3339 time")
	cmd.Flags().StringVar(&sev, "severity", "info", "lowest severity to show: info, low, medium, high or critical")
	cmd.Flags().IntVarP(&limit, "limit", "n", 100, "show at most this many alerts")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print one JSON object per alert")
	return cmd
}

// oneLine keeps a table row on one line, whatever a message holds.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

package cli

import (
	"context"
	"fmt"
	"net/netip"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/seawall/seawall/internal/flow/capture"
	"github.com/seawall/seawall/internal/ingest"
)

func (a *app) flowsReplayCmd() *cobra.Command {
	var (
		to        string
		rate      float64
		loops     int
		exporters int
		duration  time.Duration
		retime    bool
	)
	cmd := &cobra.Command{
		Use:   "replay FILE --to HOST:PORT",
		Short: "Re-send a capture's flow datagrams to a collector on this host",
		Long: `Re-send the NetFlow v5/v9, IPFIX and sFlow datagrams of a pcap or pcapng
capture to a collector listening on an IPv4 loopback address, for testing
a collector (seawall's or another) and for load tests.

Each exporter of the capture sends from its own source address, 127.0.0.1,
127.0.0.2, … in order of first appearance (Linux accepts any 127/8 source
on loopback), so the collector keeps templates apart as it would for real
routers; each exporter's datagrams keep their capture order. Other UDP
datagrams are skipped.

--rate paces the replay in flows per second (the flows of each datagram
are counted by decoding it): a token bucket that sleeps when more than a
millisecond ahead, so the average rate holds without a sleep per packet.
--exporters K sends from K addresses, sender i replaying original
exporter i mod N, to multiply the exporters of a small capture.`,
		Example: `  seawall flows replay lab.pcap --to 127.0.0.1:2055
  seawall flows replay lab.pcap --to 127.0.0.1:2055 --rate 200000 --loop 0 --duration 60s --exporters 16`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dst, err := netip.ParseAddrPort(to)
			if err != nil {
				return usagef("--to %q: want IPv4:PORT on loopback, e.g. 127.0.0.1:2055", to)
			}
			if rate < 0 || loops < 0 || exporters < 0 || duration < 0 {
				return usagef("--rate, --loop, --exporters and --duration must not be negative")
			}
			b, err := os.ReadFile(args[0])
			if err != nil {
				return err
			}
			dgs, err := capture.UDP(b)
			if err != nil {
				return fmt.Errorf("%s: %w", args[0], err)
			}
			r, err := ingest.NewReplay(dgs)
			if err != nil {
				return fmt.Errorf("%s: %w", args[0], err)
			}
			ctx := cmd.Context()
			if duration > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, duration)
				defer cancel()
			}
			st, err := r.Run(ctx, ingest.ReplayOptions{To: dst, Rate: rate, Loops: loops, Exporters: exporters, Retime: retime})
			secs := st.Elapsed.Seconds()
			if secs <= 0 {
				secs = 1e-9
			}
			fmt.Fprintf(a.io.Out, "replayed %d flows in %d datagrams from %d exporters to %s in %s: %.0f flows/s, %.0f datagrams/s",
				st.Flows, st.Datagrams, st.Exporters, dst, st.Elapsed.Round(time.Millisecond), float64(st.Flows)/secs, float64(st.Datagrams)/secs)
			if st.SendErrors > 0 {
				fmt.Fprintf(a.io.Out, "; %d datagrams not sent (send buffer full)", st.SendErrors)
			}
			if r.Skipped > 0 {
				fmt.Fprintf(a.io.Out, "; %d non-flow UDP datagrams skipped", r.Skipped)
			}
			fmt.Fprintln(a.io.Out)
			return err
		},
	}
	f := cmd.Flags()
	f.StringVar(&to, "to", "", "collector address, IPv4 loopback HOST:PORT (required)")
	f.Float64Var(&rate, "rate", 0, "flows per second (0: as fast as possible)")
	f.IntVar(&loops, "loop", 1, "passes over the capture (0: until --duration or Ctrl-C)")
	f.IntVar(&exporters, "exporters", 0, "exporter addresses to send from (default: one per exporter in the capture)")
	f.DurationVar(&duration, "duration", 0, "stop after this long (0: when the passes are done)")
	f.BoolVar(&retime, "retime", false, "rewrite each datagram's export time to the moment it is sent, so old captures replay as current traffic (NetFlow v5/v9 flow times follow; IPFIX absolute record times do not)")
	_ = cmd.MarkFlagRequired("to")
	return cmd
}

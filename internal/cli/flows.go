package cli

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/netip"
	"os"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/seawall/seawall/internal/flow"
	"github.com/seawall/seawall/internal/flow/capture"
	"github.com/seawall/seawall/internal/flow/netflow"
	"github.com/seawall/seawall/internal/flow/sflow"
	"github.com/seawall/seawall/internal/store"
)

func (a *app) flowsCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "flows",
		Short: "Decode flow captures and query the flow store",
		Long: `Work with NetFlow v5/v9, IPFIX and sFlow v5: decode a packet capture offline,
and rank the traffic 'seawall serve' has aggregated in the data directory.`,
		Args: cobra.ArbitraryArgs,
		RunE: runGroup,
	}
	cmd.AddCommand(a.flowsDecodeCmd(), a.flowsTopCmd())
	cmd.AddCommand(a.flowsExtraCmds()...) // subcommands of other files (flows_extra.go)
	return cmd
}

// flowJSON is one decoded flow in `flows decode --json`.
type flowJSON struct {
	Time         string `json:"time"`
	Frame        int    `json:"frame"`
	Exporter     string `json:"exporter"`
	Source       string `json:"source"`
	Proto        uint8  `json:"proto"`
	Src          string `json:"src,omitempty"`
	SrcPort      uint16 `json:"src_port,omitempty"`
	Dst          string `json:"dst,omitempty"`
	DstPort      uint16 `json:"dst_port,omitempty"`
	Bytes        uint64 `json:"bytes"`
	Packets      uint64 `json:"packets"`
	SamplingRate uint32 `json:"sampling_rate,omitempty"`
	InIf         uint32 `json:"in_if,omitempty"`
	OutIf        uint32 `json:"out_if,omitempty"`
	SrcAS        uint32 `json:"src_as,omitempty"`
	DstAS        uint32 `json:"dst_as,omitempty"`
	TCPFlags     uint8  `json:"tcp_flags,omitempty"`
	Direction    string `json:"direction,omitempty"`
	NextHop      string `json:"next_hop,omitempty"`
	VLAN         uint16 `json:"vlan,omitempty"`
}

// counterSampleJSON is one sFlow counter sample in `flows decode --counters
// --json`: its key, the generic interface counters flattened (absent when
// the sample has none) and the Ethernet counters as an object.
type counterSampleJSON struct {
	Time        string `json:"time"`
	Frame       int    `json:"frame"`
	Agent       string `json:"agent"`
	SubAgent    uint32 `json:"sub_agent"`
	Sequence    uint32 `json:"sequence"`
	SourceType  uint32 `json:"source_type"`
	SourceIndex uint32 `json:"source_index"`
	Uptime      uint32 `json:"uptime_ms"`
	*IfCountersJSON
	Ethernet *ethJSON `json:"ethernet,omitempty"`
	// Skipped counts the records of other formats.
	Skipped uint16 `json:"skipped_records,omitempty"`
}

// IfCountersJSON is the generic interface counters record of a
// counterSampleJSON, exported only so that encoding/json can fill the
// embedded pointer when decoding.
type IfCountersJSON struct {
	IfIndex         uint32 `json:"if_index"`
	IfType          uint32 `json:"if_type"`
	IfSpeed         uint64 `json:"if_speed"`
	IfDirection     uint32 `json:"if_direction"`
	IfStatus        uint32 `json:"if_status"`
	InOctets        uint64 `json:"in_octets"`
	InPackets       uint64 `json:"in_packets"`
	InUcast         uint32 `json:"in_ucast_packets"`
	InMulticast     uint32 `json:"in_multicast_packets"`
	InBroadcast     uint32 `json:"in_broadcast_packets"`
	InDiscards      uint32 `json:"in_discards"`
	InErrors        uint32 `json:"in_errors"`
	InUnknownProtos uint32 `json:"in_unknown_protos"`
	OutOctets       uint64 `json:"out_octets"`
	OutPackets      uint64 `json:"out_packets"`
	OutUcast        uint32 `json:"out_ucast_packets"`
	OutMulticast    uint32 `json:"out_multicast_packets"`
	OutBroadcast    uint32 `json:"out_broadcast_packets"`
	OutDiscards     uint32 `json:"out_discards"`
	OutErrors       uint32 `json:"out_errors"`
	Promiscuous     uint32 `json:"promiscuous_mode"`
}

// ethJSON is the Ethernet (dot3Stats) counters record of a counterSampleJSON.
type ethJSON struct {
	AlignmentErrors           uint32 `json:"alignment_errors"`
	FCSErrors                 uint32 `json:"fcs_errors"`
	SingleCollisionFrames     uint32 `json:"single_collision_frames"`
	MultipleCollisionFrames   uint32 `json:"multiple_collision_frames"`
	SQETestErrors             uint32 `json:"sqe_test_errors"`
	DeferredTransmissions     uint32 `json:"deferred_transmissions"`
	LateCollisions            uint32 `json:"late_collisions"`
	ExcessiveCollisions       uint32 `json:"excessive_collisions"`
	InternalMACTransmitErrors uint32 `json:"internal_mac_transmit_errors"`
	CarrierSenseErrors        uint32 `json:"carrier_sense_errors"`
	FrameTooLongs             uint32 `json:"frame_too_longs"`
	InternalMACReceiveErrors  uint32 `json:"internal_mac_receive_errors"`
	SymbolErrors              uint32 `json:"symbol_errors"`
}

// exporterSummary counts one exporter's datagrams in a capture.
type exporterSummary struct {
	addr                               netip.Addr
	datagrams, flows, counters, errors int
}

// maxErrorLines bounds the per-datagram errors printed; the summary counts
// them all.
const maxErrorLines = 20

func (a *app) flowsDecodeCmd() *cobra.Command {
	var asJSON, counters bool
	cmd := &cobra.Command{
		Use:   "decode FILE",
		Short: "Decode the NetFlow, IPFIX and sFlow datagrams of a pcap or pcapng capture",
		Long: `Decode every UDP datagram of a packet capture (pcap or pcapng; Ethernet,
VLAN, Linux cooked or raw IP) as NetFlow v5, v9, IPFIX or sFlow v5, chosen
by the version field the datagram starts with, whatever its port.

One line per flow is printed: time, exporter, protocol source, IP protocol,
source and destination, bytes, packets and sampling (1:N, "unsampled", or
"-" when the exporter does not say). Bytes and packets are as exported, not
multiplied by the sampling rate. The time is the flow's end as the
exporter reports it, or the capture time for sFlow, in UTC. With --json each
flow is one JSON object per line.

With --counters the sFlow counter samples are printed instead of flows,
one line per sample: capture time, agent, ifIndex, then input and output
octets, packets (unicast + multicast + broadcast), errors and discards
from the generic interface counters record. These are the agent's running
totals, not rates. A sample without that record (host sFlow, say) prints
its data source instead. With --json each sample is one JSON object with
every generic and Ethernet (dot3Stats) counter.

NetFlow v9 and IPFIX data can only be decoded after their template: a
capture that starts mid-stream loses the records before the exporter's
next template refresh. A summary of datagrams, flows (and counter
samples with --counters) and errors per exporter goes to standard error.
The exit code is 1 when any datagram could not be decoded.`,
		Example: `  tcpdump -i eth0 -w flows.pcap udp port 2055 or udp port 4739 or udp port 6343
  seawall flows decode flows.pcap
  seawall flows decode --json flows.pcapng | jq 'select(.dst_port == 23)'
  seawall flows decode --counters --json sflow.pcap | jq 'select(.in_errors > 0)'`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usagef("decode takes one argument, the capture file")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			data, err := os.ReadFile(args[0])
			if err != nil {
				return err
			}
			grams, capErr := capture.UDP(data)
			if capErr != nil && len(grams) == 0 {
				return fmt.Errorf("%s: %w", args[0], capErr)
			}
			w := bufio.NewWriter(cmd.OutOrStdout())
			defer w.Flush()
			nf := netflow.New(netflow.Config{})
			sf := sflow.New(0)
			var (
				recs    []flow.Record
				ctrs    []sflow.Counters
				byAddr  = map[netip.Addr]*exporterSummary{}
				errs    int
				printed int
			)
			for _, d := range grams {
				sum := byAddr[d.Src]
				if sum == nil {
					sum = &exporterSummary{addr: d.Src}
					byAddr[d.Src] = sum
				}
				sum.datagrams++
				var err error
				p := d.Payload
				switch {
				case len(p) >= 4 && binary.BigEndian.Uint32(p) == 5:
					recs, ctrs, err = sf.DecodeAll(d.Src, p, recs[:0], ctrs[:0])
				case len(p) >= 2 && slices.Contains([]uint16{5, 9, 10}, binary.BigEndian.Uint16(p)):
					recs, err = nf.Decode(d.Src, p, recs[:0])
				default:
					recs, err = recs[:0], errors.New("not a NetFlow v5/v9, IPFIX or sFlow v5 datagram")
				}
				if err != nil {
					sum.errors++
					errs++
					if printed < maxErrorLines {
						printed++
						fmt.Fprintf(a.io.Err, "seawall: %s: frame %d from %s port %d: %v\n", args[0], d.Frame, d.Src, d.SrcPort, err)
					}
				}
				sum.flows += len(recs)
				if counters {
					sum.counters += len(ctrs)
					for i := range ctrs {
						if err := writeCounters(w, &ctrs[i], d, asJSON); err != nil {
							return err
						}
					}
					ctrs = ctrs[:0]
					continue
				}
				for i := range recs {
					if err := writeFlow(w, &recs[i], d, asJSON); err != nil {
						return err
					}
				}
			}
			if err := w.Flush(); err != nil {
				return err
			}
			if printed < errs {
				fmt.Fprintf(a.io.Err, "seawall: ... and %d more datagram errors\n", errs-printed)
			}
			if capErr != nil {
				fmt.Fprintf(a.io.Err, "seawall: %s: the capture ends badly after %d datagrams: %v\n", args[0], len(grams), capErr)
			}
			summarize(a.io.Err, byAddr, counters)
			if errs > 0 || capErr != nil {
				return exitError{ExitFailure}
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print one JSON object per flow")
	cmd.Flags().BoolVar(&counters, "counters", false, "print sFlow interface counter samples instead of flows")
	return cmd
}

// writeCounters prints one sFlow counter sample, stamped with the
// capture time (counter samples carry none).
func writeCounters(w io.Writer, c *sflow.Counters, d capture.Datagram, asJSON bool) error {
	ts := time.Unix(0, d.Time).UTC()
	g := &c.Interface
	if asJSON {
		j := counterSampleJSON{
			Time: ts.Format(time.RFC3339Nano), Frame: d.Frame, Agent: c.Agent.String(), SubAgent: c.SubAgent,
			Sequence: c.Sequence, SourceType: c.SourceType, SourceIndex: c.SourceIndex, Uptime: c.Uptime, Skipped: c.Skipped,
		}
		if c.HasInterface {
			j.IfCountersJSON = &IfCountersJSON{
				IfIndex: g.Index, IfType: g.Type, IfSpeed: g.Speed, IfDirection: g.Direction, IfStatus: g.Status,
				InOctets: g.InOctets, InPackets: g.InPackets(), InUcast: g.InUcastPkts, InMulticast: g.InMulticastPkts,
				InBroadcast: g.InBroadcastPkts, InDiscards: g.InDiscards, InErrors: g.InErrors, InUnknownProtos: g.InUnknownProtos,
				OutOctets: g.OutOctets, OutPackets: g.OutPackets(), OutUcast: g.OutUcastPkts, OutMulticast: g.OutMulticastPkts,
				OutBroadcast: g.OutBroadcastPkts, OutDiscards: g.OutDiscards, OutErrors: g.OutErrors, Promiscuous: g.Promiscuous,
			}
		}
		if c.HasEthernet {
			j.Ethernet = (*ethJSON)(&c.Ethernet)
		}
		return writeLine(w, j)
	}
	if !c.HasInterface {
		_, err := fmt.Fprintf(w, "%s %s source %d:%d no interface counters\n",
			ts.Format("2006-01-02T15:04:05.000Z"), c.Agent, c.SourceType, c.SourceIndex)
		return err
	}
	_, err := fmt.Fprintf(w, "%s %s ifIndex %d in %d bytes %d packets %d errors %d discards out %d bytes %d packets %d errors %d discards\n",
		ts.Format("2006-01-02T15:04:05.000Z"), c.Agent, g.Index,
		g.InOctets, g.InPackets(), g.InErrors, g.InDiscards, g.OutOctets, g.OutPackets(), g.OutErrors, g.OutDiscards)
	return err
}

func writeFlow(w io.Writer, r *flow.Record, d capture.Datagram, asJSON bool) error {
	t := r.End
	if t == 0 {
		t = d.Time
	}
	ts := time.Unix(0, t).UTC()
	exp := r.Exporter
	if !exp.IsValid() {
		exp = d.Src
	}
	if asJSON {
		j := flowJSON{
			Time: ts.Format(time.RFC3339Nano), Frame: d.Frame, Exporter: exp.String(), Source: r.Source.String(),
			Proto: r.Proto, SrcPort: r.SrcPort, DstPort: r.DstPort, Bytes: r.Bytes, Packets: r.Packets,
			SamplingRate: r.SamplingRate, InIf: r.InIf, OutIf: r.OutIf, SrcAS: r.SrcAS, DstAS: r.DstAS, TCPFlags: r.TCPFlags, VLAN: r.VLAN,
		}
		if r.SrcAddr.IsValid() {
			j.Src = r.SrcAddr.String()
		}
		if r.DstAddr.IsValid() {
			j.Dst = r.DstAddr.String()
		}
		if r.NextHop.IsValid() {
			j.NextHop = r.NextHop.String()
		}
		if r.Direction != flow.DirUnknown {
			j.Direction = r.Direction.String()
		}
		return writeLine(w, j)
	}
	_, err := fmt.Fprintf(w, "%s %s %s %s %s -> %s %d bytes %d packets %s\n",
		ts.Format("2006-01-02T15:04:05.000Z"), exp, r.Source, flow.ProtoName(r.Proto),
		endpoint(r.SrcAddr, r.SrcPort), endpoint(r.DstAddr, r.DstPort), r.Bytes, r.Packets, sampling(r.SamplingRate))
	return err
}

// endpoint prints address:port, [v6]:port, or the address alone for
// port-less protocols.
func endpoint(a netip.Addr, port uint16) string {
	if !a.IsValid() {
		return "-"
	}
	if port == 0 {
		return a.String()
	}
	return netip.AddrPortFrom(a, port).String()
}

func sampling(rate uint32) string {
	switch rate {
	case 0:
		return "-"
	case 1:
		return "unsampled"
	}
	return "1:" + strconv.FormatUint(uint64(rate), 10)
}

// summarize prints the per-exporter table, with a counters column when
// counter samples were printed.
func summarize(w io.Writer, byAddr map[netip.Addr]*exporterSummary, counters bool) {
	sums := make([]*exporterSummary, 0, len(byAddr))
	for _, s := range byAddr {
		sums = append(sums, s)
	}
	slices.SortFunc(sums, func(a, b *exporterSummary) int { return a.addr.Compare(b.addr) })
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	row := func(name string, s *exporterSummary) {
		if counters {
			fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\n", name, s.datagrams, s.flows, s.counters, s.errors)
		} else {
			fmt.Fprintf(tw, "%s\t%d\t%d\t%d\n", name, s.datagrams, s.flows, s.errors)
		}
	}
	if counters {
		fmt.Fprintln(tw, "exporter\tdatagrams\tflows\tcounters\terrors")
	} else {
		fmt.Fprintln(tw, "exporter\tdatagrams\tflows\terrors")
	}
	var total exporterSummary
	for _, s := range sums {
		row(s.addr.String(), s)
		total.datagrams += s.datagrams
		total.flows += s.flows
		total.counters += s.counters
		total.errors += s.errors
	}
	if len(sums) != 1 {
		row("total", &total)
	}
	_ = tw.Flush()
}

// openStore opens the data directory's store read-only, or says how to
// get one.
func (a *app) openStore(cmd *cobra.Command) (*store.Store, error) {
	c, err := a.config()
	if err != nil {
		return nil, err
	}
	path := store.Path(c.DataDir)
	s, err := store.OpenReadOnly(cmd.Context(), path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("no flow store yet at %s; run seawall serve", path)
	}
	return s, err
}

// parseSince reads --since: a duration back from now (90s, 15m, 1h,
// 7d) or an RFC 3339 time.
func parseSince(s string, now time.Time) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if d, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(d)
		if err == nil && n >= 0 {
			return now.Add(-time.Duration(n) * 24 * time.Hour), nil
		}
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return time.Time{}, usagef("--since %q is neither a duration (90s, 15m, 1h, 7d) nor an RFC 3339 time", s)
	}
	return now.Add(-d), nil
}

func (a *app) flowsTopCmd() *cobra.Command {
	var (
		by, since string
		limit     int
		asJSON    bool
	)
	dims := make([]string, len(store.Dims))
	for i, d := range store.Dims {
		dims[i] = string(d)
	}
	cmd := &cobra.Command{
		Use:   "top [--by " + strings.Join(dims, "|") + "] [--since 1h]",
		Short: "Rank the traffic seawall serve has recorded",
		Long: `Rank the traffic in the flow store of the data directory by bytes, from
the per-minute aggregates 'seawall serve' writes:

  country   traffic to or from each country (a flow within one country
            counts once)
  asn       the same for origin ASes
  exporter  the exporter that metered it
  port      protocol and service port (tcp/443)
  proto     IP protocol

Bytes and packets are as the daemon aggregated them (scaled by the
exporters' sampling rates). The store is opened read-only, so this is
safe while the daemon runs.`,
		Example: `  seawall flows top
  seawall flows top --by asn --since 24h -n 20
  seawall flows top --by port --since 2025-06-01T00:00:00Z --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			dim, err := store.ParseDim(by)
			if err != nil {
				return usagef("--by: %v", err)
			}
			from, err := parseSince(since, time.Now())
			if err != nil {
				return err
			}
			if limit <= 0 {
				return usagef("--limit %d must be positive", limit)
			}
			s, err := a.openStore(cmd)
			if err != nil {
				return err
			}
			defer s.Close()
			rows, err := s.TopBy(cmd.Context(), dim, from, limit)
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			if asJSON {
				if rows == nil {
					rows = []store.TopRow{}
				}
				return writeJSON(w, struct {
					By    string         `json:"by"`
					Since string         `json:"since"`
					Rows  []store.TopRow `json:"rows"`
				}{string(dim), from.UTC().Format(time.RFC3339), rows})
			}
			if len(rows) == 0 {
				_, err := fmt.Fprintf(w, "no flows recorded since %s\n", from.UTC().Format(time.RFC3339))
				return err
			}
			return writeTop(w, string(dim), rows)
		},
	}
	cmd.Flags().StringVar(&by, "by", string(store.ByCountry), "rank by "+strings.Join(dims, ", "))
	cmd.Flags().StringVar(&since, "since", "1h", "from this long ago (90s, 15m, 1h, 7d) or this RFC 3339 time")
	cmd.Flags().IntVarP(&limit, "limit", "n", 10, "show at most this many rows")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

// writeTop prints the ranking: the key left-aligned, numbers right.
func writeTop(w io.Writer, dim string, rows []store.TopRow) error {
	cells := [][4]string{{dim, "bytes", "packets", "flows"}}
	for _, r := range rows {
		cells = append(cells, [4]string{r.Key, humanBytes(r.Bytes), group(strconv.FormatUint(r.Packets, 10)), group(strconv.FormatUint(r.Flows, 10))})
	}
	var width [4]int
	for _, c := range cells {
		for i, s := range c {
			width[i] = max(width[i], len(s))
		}
	}
	bw := bufio.NewWriter(w)
	for _, c := range cells {
		fmt.Fprintf(bw, "%-*s  %*s  %*s  %*s\n", width[0], c[0], width[1], c[1], width[2], c[2], width[3], c[3])
	}
	return bw.Flush()
}

// humanBytes prints a byte count in decimal units, as link speeds are.
func humanBytes(n uint64) string {
	const unit = 1000
	if n < unit {
		return strconv.FormatUint(n, 10) + " B"
	}
	div, exp := uint64(unit), 0
	for m := n / unit; m >= unit && exp < 5; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %cB", float64(n)/float64(div), "kMGTPE"[exp])
}

package sflow_test

import (
	"encoding/binary"
	"errors"
	"net/netip"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/seawall/seawall/internal/flow"
	"github.com/seawall/seawall/internal/flow/sflow"
	"github.com/seawall/seawall/internal/testenv"
)

var addrEqual = cmp.Comparer(func(x, y netip.Addr) bool { return x == y })

// decodeCounters returns the counter samples of a capture by frame.
func decodeCounters(t testing.TB, name string) (map[int][]sflow.Counters, *sflow.Decoder) {
	t.Helper()
	d := sflow.New(0)
	out := map[int][]sflow.Counters{}
	for _, dg := range readCapture(t, name) {
		_, cs, err := d.DecodeAll(dg.Src, dg.Payload, nil, nil)
		if err == nil && len(cs) > 0 {
			out[dg.Frame] = cs
		}
	}
	return out, d
}

// TestCounters checks chosen counter samples field by field against
// tshark -V -d udp.port==6343,sflow.
func TestCounters(t *testing.T) {
	a := netip.MustParseAddr
	tests := []struct {
		capture      string
		frame, index int
		want         sflow.Counters
	}{
		// Compact counters sample (format 2), Ethernet record first; a
		// 400 Gb/s ifSpeed needs the full 64 bits.
		{"tcpdump-sflow/sflow-print-v6.pcap", 4, 0, sflow.Counters{
			Agent: a("30::1:1:1"), DatagramSeq: 112, Uptime: 116000, Sequence: 27, SourceIndex: 19001,
			HasInterface: true, HasEthernet: true, Records: 2,
			Interface: sflow.Interface{Index: 19001, Type: 6, Speed: 400_000_000_000, Direction: 1, Status: 3,
				OutOctets: 9717, OutMulticastPkts: 79},
		}},
		// Expanded counters sample (format 4) with input errors, FCS and
		// symbol errors.
		{"tcpdump-sflow/sflow_multiple_counter_30_pdus.pcap", 7, 0, sflow.Counters{
			Agent: a("15.184.8.4"), SubAgent: 2, DatagramSeq: 204721, Uptime: 2612972594, Sequence: 87243, SourceIndex: 105,
			HasInterface: true, HasEthernet: true, Records: 2,
			Interface: sflow.Interface{Index: 105, Type: 117, Speed: 10_000_000_000, Direction: 1, Status: 3,
				InOctets: 1063772406, InUcastPkts: 81120, InMulticastPkts: 174318, InBroadcastPkts: 3847558651, InErrors: 6,
				OutOctets: 3728106697, OutUcastPkts: 53832149, OutMulticastPkts: 218554, OutBroadcastPkts: 2160868, Promiscuous: 2},
			Ethernet: sflow.Ethernet{FCSErrors: 6, SymbolErrors: 4},
		}},
		{"tcpdump-sflow/sflow_multiple_counter_30_pdus.pcap", 1, 0, sflow.Counters{
			Agent: a("15.184.8.4"), SubAgent: 2, DatagramSeq: 204720, Uptime: 2612972293, Sequence: 87096, SourceIndex: 55,
			HasInterface: true, HasEthernet: true, Records: 2,
			Interface: sflow.Interface{Index: 55, Type: 117, Speed: 1_000_000_000, Direction: 1, Status: 3,
				InOctets: 820721, InUcastPkts: 9601, InBroadcastPkts: 1302,
				OutOctets: 178785248, OutUcastPkts: 9736, OutMulticastPkts: 132958, OutBroadcastPkts: 2213534, Promiscuous: 2},
		}},
		// Host sFlow records only (formats 2001, 2005, 2004, 2003, 2006,
		// 2000 per the raw bytes; tshark misparses them as 100BaseVG and
		// Ethernet counters): all six skipped by their lengths.
		{"tcpdump-sflow/sflow_multiple_counter_30_pdus.pcap", 18, 0, sflow.Counters{
			Agent: a("15.184.13.52"), SubAgent: 100, DatagramSeq: 26626, Uptime: 798762000, Sequence: 26626,
			SourceType: 2, SourceIndex: 1, Skipped: 6,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.capture, func(t *testing.T) {
			byFrame, _ := decodeCounters(t, tt.capture)
			cs := byFrame[tt.frame]
			if tt.index >= len(cs) {
				t.Fatalf("frame %d: %d counter samples", tt.frame, len(cs))
			}
			if diff := cmp.Diff(tt.want, cs[tt.index], addrEqual); diff != "" {
				t.Errorf("frame %d sample %d (-want +got):\n%s", tt.frame, tt.index, diff)
			}
		})
	}
}

// TestCountersCorpus checks counts per capture (tshark -V: 48 samples
// with a generic and an Ethernet record each in sflow-print-v6; 142
// such samples and two host-sFlow samples of six records each in the
// ProCurve capture) and that Stats agrees with what DecodeAll returned.
func TestCountersCorpus(t *testing.T) {
	type counts struct{ Samples, Interface, Ethernet, Skipped int }
	want := map[string]counts{
		"tcpdump-sflow/sflow-print-v6.pcap":                 {48, 48, 48, 0},
		"tcpdump-sflow/sflow_multiple_counter_30_pdus.pcap": {144, 142, 142, 12},
	}
	for _, c := range sflowCaptures {
		t.Run(c, func(t *testing.T) {
			byFrame, d := decodeCounters(t, c)
			var got counts
			for _, cs := range byFrame {
				for _, x := range cs {
					got.Samples++
					if x.HasInterface {
						got.Interface++
					}
					if x.HasEthernet {
						got.Ethernet++
					}
					got.Skipped += int(x.Skipped)
				}
			}
			if diff := cmp.Diff(want[c], got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			var st sflow.Stats
			for _, a := range d.Exporters() {
				s, _ := d.Stats(a)
				st.CounterSamples += s.CounterSamples
				st.CounterRecords += s.CounterRecords
				st.UnknownCounterRecords += s.UnknownCounterRecords
			}
			if int(st.CounterSamples) != got.Samples || int(st.CounterRecords) != got.Interface+got.Ethernet || int(st.UnknownCounterRecords) != got.Skipped {
				t.Errorf("stats %+v disagree with decoded %+v", st, got)
			}
		})
	}
}

// xdrBuf builds synthetic datagrams.
type xdrBuf []byte

func (b xdrBuf) u32(vs ...uint32) xdrBuf {
	for _, v := range vs {
		b = binary.BigEndian.AppendUint32(b, v)
	}
	return b
}

// counterDatagram is one compact counter sample (source 0:7) holding
// the given records (format, body).
func counterDatagram(recs ...[]uint32) []byte {
	var body xdrBuf
	body = body.u32(9, 7, uint32(len(recs)))
	for _, r := range recs {
		body = body.u32(r[0], uint32(4*(len(r)-1))).u32(r[1:]...)
	}
	var b xdrBuf
	b = b.u32(5, 1, 0xc0000201, 3, 11, 22, 1, 2, uint32(len(body)))
	return append(b, body...)
}

func TestCountersSynthetic(t *testing.T) {
	eth := []uint32{2, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13}
	generic := []uint32{1, 7, 6, 0, 1000, 1, 3, 0, 500, 10, 1, 2, 3, 4, 5, 0, 600, 20, 0, 0, 6, 7, 2}
	base := sflow.Counters{Agent: netip.MustParseAddr("192.0.2.1"), SubAgent: 3, DatagramSeq: 11, Uptime: 22, Sequence: 9, SourceIndex: 7}
	withEth := base
	withEth.HasEthernet, withEth.Ethernet, withEth.Records = true, sflow.Ethernet{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13}, 1
	full := withEth
	full.HasInterface, full.Records = true, 2
	full.Interface = sflow.Interface{Index: 7, Type: 6, Speed: 1000, Direction: 1, Status: 3, InOctets: 500, InUcastPkts: 10,
		InMulticastPkts: 1, InBroadcastPkts: 2, InDiscards: 3, InErrors: 4, InUnknownProtos: 5, OutOctets: 600, OutUcastPkts: 20,
		OutDiscards: 6, OutErrors: 7, Promiscuous: 2}
	short := withEth
	short.Skipped = 1
	unknown := withEth
	unknown.Skipped = 2
	tests := []struct {
		name string
		b    []byte
		want sflow.Counters
	}{
		{"ethernet only", counterDatagram(eth), withEth},
		{"generic and ethernet", counterDatagram(generic, eth), full},
		{"short generic record skipped", counterDatagram(generic[:10], eth), short},
		{"unknown and enterprise formats skipped", counterDatagram([]uint32{1005, 1, 2}, eth, []uint32{4300<<12 | 1, 9}), unknown},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := sflow.New(0)
			recs, cs, err := d.DecodeAll(netip.MustParseAddr("192.0.2.9"), tt.b, nil, nil)
			if err != nil || len(recs) != 0 || len(cs) != 1 {
				t.Fatalf("%d records, %d counters, %v", len(recs), len(cs), err)
			}
			if diff := cmp.Diff(tt.want, cs[0], addrEqual); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			if got := cs[0].Interface.InPackets(); got != uint64(tt.want.Interface.InUcastPkts)+uint64(tt.want.Interface.InMulticastPkts)+uint64(tt.want.Interface.InBroadcastPkts) {
				t.Errorf("InPackets %d", got)
			}
		})
	}
	// A record overrunning its sample drops the datagram: both buffers
	// come back as they were.
	bad := counterDatagram(eth)
	bad = bad[:len(bad)-4]
	prev := []sflow.Counters{base}
	recs, cs, err := sflow.New(0).DecodeAll(netip.MustParseAddr("192.0.2.9"), bad, []flow.Record{{}}, prev)
	if !errors.Is(err, sflow.ErrSample) || len(recs) != 1 || len(cs) != 1 {
		t.Errorf("overrun: %d records, %d counters, %v", len(recs), len(cs), err)
	}
}

func counterDatagramFromCapture(t testing.TB) []byte {
	t.Helper()
	for _, dg := range readCapture(t, "tcpdump-sflow/sflow_multiple_counter_30_pdus.pcap") {
		if _, cs, err := sflow.New(0).DecodeAll(dg.Src, dg.Payload, nil, nil); err == nil && len(cs) >= 4 {
			return dg.Payload
		}
	}
	t.Fatal("no datagram with counter samples")
	return nil
}

func TestDecodeAllAllocs(t *testing.T) {
	testenv.SkipIfRace(t)
	d := sflow.New(0)
	ex := netip.MustParseAddr("192.0.2.1")
	for _, b := range [][]byte{v6Datagram(t), counterDatagramFromCapture(t)} {
		recs, cs, _ := d.DecodeAll(ex, b, nil, nil)
		allocs := testing.AllocsPerRun(100, func() { recs, cs, _ = d.DecodeAll(ex, b, recs[:0], cs[:0]) })
		if allocs != 0 {
			t.Errorf("%v allocations per datagram, want 0", allocs)
		}
	}
}

func BenchmarkDecodeAllCounters(b *testing.B) {
	dg := counterDatagramFromCapture(b)
	d := sflow.New(0)
	ex := netip.MustParseAddr("192.0.2.1")
	recs, cs, _ := d.DecodeAll(ex, dg, nil, nil)
	n := len(cs)
	b.ReportAllocs()
	for b.Loop() {
		recs, cs, _ = d.DecodeAll(ex, dg, recs[:0], cs[:0])
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/sample")
}

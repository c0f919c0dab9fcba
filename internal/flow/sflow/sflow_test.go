package sflow_test

import (
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/seawall/seawall/internal/flow"
	"github.com/seawall/seawall/internal/flow/capture"
	"github.com/seawall/seawall/internal/flow/sflow"
	"github.com/seawall/seawall/internal/testenv"
)

// readCapture returns a capture's UDP datagrams: tcpdump-sflow/* from
// testdata (BSD), others from ../shared/data/flows (AGPL, read in place).
func readCapture(t testing.TB, name string) []capture.Datagram {
	t.Helper()
	var p string
	if rest, ok := strings.CutPrefix(name, "tcpdump-sflow/"); ok {
		p = filepath.Join("testdata", rest)
	} else {
		p = testenv.SharedData(t, filepath.Join("flows", name))
	}
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	ds, err := capture.UDP(b)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return ds
}

type result struct {
	Datagrams, Records, Counters, Errors int
}

func decodeCapture(t testing.TB, name string) (result, []flow.Record) {
	t.Helper()
	d := sflow.New(0)
	var recs []flow.Record
	res := result{}
	for _, dg := range readCapture(t, name) {
		res.Datagrams++
		var err error
		recs, err = d.Decode(dg.Src, dg.Payload, recs)
		if err != nil {
			res.Errors++
			if !errors.Is(err, sflow.ErrVersion) && !errors.Is(err, sflow.ErrSample) && !errors.Is(err, sflow.ErrTruncated) && !errors.Is(err, sflow.ErrAddress) && !errors.Is(err, sflow.ErrLimit) {
				t.Errorf("frame %d: unexpected error kind %v", dg.Frame, err)
			}
		}
	}
	for _, a := range d.Exporters() {
		s, _ := d.Stats(a)
		res.Counters += int(s.CounterSamples)
	}
	res.Records = len(recs)
	return res, recs
}

var sflowCaptures = []string{
	"akvorado-sflow/data-1140.pcap",
	"akvorado-sflow/data-discard-interface.pcap",
	"akvorado-sflow/data-encap-vxlan.pcap",
	"akvorado-sflow/data-icmpv4.pcap",
	"akvorado-sflow/data-icmpv6.pcap",
	"akvorado-sflow/data-local-interface.pcap",
	"akvorado-sflow/data-multiple-interfaces.pcap",
	"akvorado-sflow/data-qinq.pcap",
	"akvorado-sflow/data-sflow-expanded-sample.pcap",
	"akvorado-sflow/data-sflow-ipv4-data.pcap",
	"akvorado-sflow/data-sflow-raw-ipv4.pcap",
	"tcpdump-sflow/sflow-print-v6.pcap",
	"tcpdump-sflow/sflow_multiple_counter_30_pdus.pcap",
	"tcpdump-sflow/sflow_print-segv.pcap",
}

// TestCorpus checks sample counts against tshark -V (flow and counter
// samples per capture) and tcpdump's own notes: 5 of the 30 ProCurve
// datagrams are not sFlow v5 and sflow_print-segv is a crafted crash
// reproducer; both count as errors.
func TestCorpus(t *testing.T) {
	want := map[string]result{
		"akvorado-sflow/data-1140.pcap":                     {Datagrams: 1, Records: 5},
		"akvorado-sflow/data-discard-interface.pcap":        {Datagrams: 1, Records: 1},
		"akvorado-sflow/data-encap-vxlan.pcap":              {Datagrams: 1, Records: 1},
		"akvorado-sflow/data-icmpv4.pcap":                   {Datagrams: 1, Records: 1},
		"akvorado-sflow/data-icmpv6.pcap":                   {Datagrams: 1, Records: 1},
		"akvorado-sflow/data-local-interface.pcap":          {Datagrams: 1, Records: 1},
		"akvorado-sflow/data-multiple-interfaces.pcap":      {Datagrams: 1, Records: 1},
		"akvorado-sflow/data-qinq.pcap":                     {Datagrams: 1, Records: 1},
		"akvorado-sflow/data-sflow-expanded-sample.pcap":    {Datagrams: 1, Records: 1},
		"akvorado-sflow/data-sflow-ipv4-data.pcap":          {Datagrams: 1, Records: 1},
		"akvorado-sflow/data-sflow-raw-ipv4.pcap":           {Datagrams: 1, Records: 2},
		"tcpdump-sflow/sflow-print-v6.pcap":                 {Datagrams: 25, Records: 13, Counters: 48},
		"tcpdump-sflow/sflow_multiple_counter_30_pdus.pcap": {Datagrams: 30, Counters: 144, Errors: 5},
		"tcpdump-sflow/sflow_print-segv.pcap":               {Datagrams: 1, Errors: 1},
	}
	for _, c := range sflowCaptures {
		t.Run(c, func(t *testing.T) {
			got, _ := decodeCapture(t, c)
			if diff := cmp.Diff(want[c], got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// TestCorpusRecords checks chosen records field by field (tshark -V).
func TestCorpusRecords(t *testing.T) {
	a := netip.MustParseAddr
	tests := []struct {
		capture string
		index   int
		want    flow.Record
	}{
		{"akvorado-sflow/data-qinq.pcap", 0, flow.Record{
			Exporter: a("172.17.128.58"), ObservationDomain: 100, Source: flow.SourceSFlowV5,
			SrcAddr: a("49.49.49.2"), DstAddr: a("49.49.49.109"), SrcPort: 32017, DstPort: 443,
			Proto: 6, TCPFlags: 0x10, EtherType: 0x0800, Bytes: 106, Packets: 1, SamplingRate: 4096,
			InIf: 369098852, OutIf: 369098851, VLAN: 1062, InnerVLAN: 1493,
		}},
		{"akvorado-sflow/data-discard-interface.pcap", 0, flow.Record{
			Exporter: a("172.16.0.3"), Source: flow.SourceSFlowV5,
			SrcAddr: a("2a0c:8880:2:0:185:21:130:38"), DstAddr: a("2a0c:8880:2:0:185:21:130:39"),
			SrcPort: 46026, DstPort: 22, Proto: 6, TCPFlags: 0x10, ToS: 8, EtherType: 0x86dd,
			Bytes: 1518, Packets: 1, SamplingRate: 1024, InIf: 27, ForwardingStatus: 0x80, VLAN: 100,
		}},
		{"akvorado-sflow/data-sflow-expanded-sample.pcap", 0, flow.Record{
			Exporter: a("49.49.49.49"), Source: flow.SourceSFlowV5,
			SrcAddr: a("52.52.52.52"), DstAddr: a("53.53.53.53"), NextHop: a("54.54.54.54"), BGPNextHop: a("54.54.54.54"),
			SrcPort: 22, DstPort: 52237, Proto: 6, TCPFlags: 0x18, ToS: 8, EtherType: 0x0800, SrcMask: 32, DstMask: 22,
			Bytes: 126, Packets: 1, SamplingRate: 1000, InIf: 29001, OutIf: 1285816721, SrcAS: 203476, DstAS: 203361, VLAN: 809,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.capture, func(t *testing.T) {
			_, recs := decodeCapture(t, tt.capture)
			if tt.index >= len(recs) {
				t.Fatalf("%d records", len(recs))
			}
			if diff := cmp.Diff(tt.want, recs[tt.index], cmp.Comparer(func(x, y netip.Addr) bool { return x == y })); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func decodeOne(b []byte) ([]flow.Record, error) {
	return sflow.New(0).Decode(netip.MustParseAddr("192.0.2.1"), b, nil)
}

package sflow_test

import (
	"bytes"
	"fmt"
	"net/netip"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	gfsflow "github.com/netsampler/goflow2/v2/decoders/sflow"
	gfproto "github.com/netsampler/goflow2/v2/producer/proto"

	"github.com/seawall/seawall/internal/flow"
	"github.com/seawall/seawall/internal/flow/sflow"
)

type peerRecord struct {
	SrcAddr, DstAddr netip.Addr
	SrcPort, DstPort uint16
	Proto            uint8
	Bytes, Packets   uint64
	SamplingRate     uint32
	InIf, OutIf      uint32
}

func goflow2Decode(cfg gfproto.ProtoProducerConfig, b []byte) ([]peerRecord, error) {
	var p gfsflow.Packet
	if err := gfsflow.DecodeMessageVersion(bytes.NewBuffer(b), &p); err != nil {
		return nil, err
	}
	ms, err := gfproto.ProcessMessageSFlowConfig(&p, cfg)
	if err != nil {
		return nil, err
	}
	var out []peerRecord
	for _, m := range ms {
		fm := m.(*gfproto.ProtoProducerMessage)
		src, _ := netip.AddrFromSlice(fm.SrcAddr)
		dst, _ := netip.AddrFromSlice(fm.DstAddr)
		out = append(out, peerRecord{src, dst, uint16(fm.SrcPort), uint16(fm.DstPort), uint8(fm.Proto),
			fm.Bytes, fm.Packets, uint32(fm.SamplingRate), fm.InIf, fm.OutIf})
	}
	return out, nil
}

func oursPeer(r flow.Record) peerRecord {
	return peerRecord{r.SrcAddr, r.DstAddr, r.SrcPort, r.DstPort, r.Proto, r.Bytes, r.Packets, r.SamplingRate, r.InIf, r.OutIf}
}

// knownDifferences: capture → field → verdict (checked with tshark -V and
// the sFlow v5 specification). The test fails on anything unlisted and on
// listed differences that no longer occur.
var knownDifferences = map[string]map[string]string{
	"akvorado-sflow/data-discard-interface.pcap": {"interfaces": "seawall: output format 1 means dropped (value = reason, tshark); " +
		"seawall sets OutIf 0 and ForwardingStatus dropped, goflow2 reports the raw word 0x40000000|reason as an ifIndex"},
	"akvorado-sflow/data-multiple-interfaces.pcap": {"interfaces": "seawall: output format 2 is a count of interfaces, not an " +
		"ifIndex; seawall reports 0, goflow2 the raw word 0x80000000|count"},
	"akvorado-sflow/data-local-interface.pcap": {"interfaces": localVerdict},
	"tcpdump-sflow/sflow-print-v6.pcap": {"interfaces": "seawall: frame 21 has output format 2 (multiple interfaces, " +
		"tshark); seawall reports 0, goflow2 the raw word 0x80000000"},
	"akvorado-sflow/data-sflow-ipv4-data.pcap": {"Bytes": "by design: the sample has a raw header (frame length 1390, " +
		"L2 octets on the wire as in every other sample) and an IPv4 data record (IP length 1344, tshark); seawall keeps " +
		"the frame length, goflow2 takes whichever record comes last"},
	"akvorado-sflow/data-sflow-raw-ipv4.pcap": {"SrcAddr": rawIPv4, "DstAddr": rawIPv4, "Proto": rawIPv4},
	"akvorado-sflow/data-encap-vxlan.pcap":    {"interfaces": localVerdict},
	"akvorado-sflow/data-icmpv4.pcap":         {"interfaces": localVerdict},
	"akvorado-sflow/data-icmpv6.pcap":         {"interfaces": localVerdict},
}

const rawIPv4 = "seawall: the second sample's raw header has header protocol 11 (IPv4, no Ethernet; tshark decodes it); " +
	"seawall parses it, goflow2 parses Ethernet headers only and reports no addresses"

const localVerdict = "seawall: ifIndex 0x3fffffff is the agent itself (sFlow v5 §5, local delivery), not an interface; " +
	"seawall reports 0, goflow2 0x3fffffff"

func TestDifferentialGoflow2(t *testing.T) {
	cfg, err := (&gfproto.ProducerConfig{}).Compile()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range sflowCaptures {
		t.Run(c, func(t *testing.T) {
			diffs := map[string]string{}
			for _, dg := range readCapture(t, c) {
				ours, oerr := decodeOne(dg.Payload)
				theirs, gerr := goflow2Decode(cfg, dg.Payload)
				if (oerr != nil) != (gerr != nil) || len(ours) != len(theirs) {
					diffs["count"] = fmt.Sprintf("frame %d: seawall %d (%v), goflow2 %d (%v)", dg.Frame, len(ours), oerr, len(theirs), gerr)
					continue
				}
				for i := range ours {
					o, th := oursPeer(ours[i]), theirs[i]
					check := func(name string, same bool) {
						if !same {
							diffs[name] = fmt.Sprintf("frame %d record %d: seawall %+v goflow2 %+v", dg.Frame, i, o, th)
						}
					}
					check("SrcAddr", o.SrcAddr == th.SrcAddr)
					check("DstAddr", o.DstAddr == th.DstAddr)
					check("ports", o.SrcPort == th.SrcPort && o.DstPort == th.DstPort)
					check("Proto", o.Proto == th.Proto)
					check("Bytes", o.Bytes == th.Bytes)
					check("Packets", o.Packets == th.Packets)
					check("SamplingRate", o.SamplingRate == th.SamplingRate)
					check("interfaces", o.InIf == th.InIf && o.OutIf == th.OutIf)
				}
			}
			for f, ex := range diffs {
				if _, ok := knownDifferences[c][f]; !ok {
					t.Errorf("unexplained difference in %s: %s", f, ex)
				}
			}
			for f := range knownDifferences[c] {
				if _, ok := diffs[f]; !ok {
					t.Errorf("listed difference %s no longer occurs", f)
				}
			}
		})
	}
}

// peerCounters is a counter sample as goflow2 decodes it.
type peerCounters struct {
	Agent                              netip.Addr
	SubAgent, Sequence, SrcType, SrcID uint32
	If                                 *gfsflow.IfCounters
	Eth                                *gfsflow.EthernetCounters
}

func goflow2Counters(b []byte) ([]peerCounters, error) {
	var p gfsflow.Packet
	if err := gfsflow.DecodeMessageVersion(bytes.NewBuffer(b), &p); err != nil {
		return nil, err
	}
	agent, _ := netip.AddrFromSlice(p.AgentIP)
	var out []peerCounters
	for _, s := range p.Samples {
		cs, ok := s.(gfsflow.CounterSample)
		if !ok {
			continue
		}
		pc := peerCounters{Agent: agent.Unmap(), SubAgent: p.SubAgentId, Sequence: cs.Header.SampleSequenceNumber,
			SrcType: cs.Header.SourceIdType, SrcID: cs.Header.SourceIdValue}
		for _, r := range cs.Records {
			switch v := r.Data.(type) {
			case gfsflow.IfCounters:
				pc.If = &v
			case gfsflow.EthernetCounters:
				pc.Eth = &v
			}
		}
		out = append(out, pc)
	}
	return out, nil
}

func oursCounters(c *sflow.Counters) peerCounters {
	pc := peerCounters{Agent: c.Agent, SubAgent: c.SubAgent, Sequence: c.Sequence, SrcType: c.SourceType, SrcID: c.SourceIndex}
	if c.HasInterface {
		i := &c.Interface
		pc.If = &gfsflow.IfCounters{
			IfIndex: i.Index, IfType: i.Type, IfSpeed: i.Speed, IfDirection: i.Direction, IfStatus: i.Status,
			IfInOctets: i.InOctets, IfInUcastPkts: i.InUcastPkts, IfInMulticastPkts: i.InMulticastPkts,
			IfInBroadcastPkts: i.InBroadcastPkts, IfInDiscards: i.InDiscards, IfInErrors: i.InErrors,
			IfInUnknownProtos: i.InUnknownProtos, IfOutOctets: i.OutOctets, IfOutUcastPkts: i.OutUcastPkts,
			IfOutMulticastPkts: i.OutMulticastPkts, IfOutBroadcastPkts: i.OutBroadcastPkts, IfOutDiscards: i.OutDiscards,
			IfOutErrors: i.OutErrors, IfPromiscuousMode: i.Promiscuous,
		}
	}
	if c.HasEthernet {
		e := &c.Ethernet
		pc.Eth = &gfsflow.EthernetCounters{
			Dot3StatsAlignmentErrors: e.AlignmentErrors, Dot3StatsFCSErrors: e.FCSErrors,
			Dot3StatsSingleCollisionFrames: e.SingleCollisionFrames, Dot3StatsMultipleCollisionFrames: e.MultipleCollisionFrames,
			Dot3StatsSQETestErrors: e.SQETestErrors, Dot3StatsDeferredTransmissions: e.DeferredTransmissions,
			Dot3StatsLateCollisions: e.LateCollisions, Dot3StatsExcessiveCollisions: e.ExcessiveCollisions,
			Dot3StatsInternalMacTransmitErrors: e.InternalMACTransmitErrors, Dot3StatsCarrierSenseErrors: e.CarrierSenseErrors,
			Dot3StatsFrameTooLongs: e.FrameTooLongs, Dot3StatsInternalMacReceiveErrors: e.InternalMACReceiveErrors,
			Dot3StatsSymbolErrors: e.SymbolErrors,
		}
	}
	return pc
}

// TestDifferentialGoflow2Counters compares every counter sample, key and
// generic and Ethernet records, with goflow2's decoder. No differences
// are known: the captures' counter samples decode identically.
func TestDifferentialGoflow2Counters(t *testing.T) {
	for _, c := range sflowCaptures {
		t.Run(c, func(t *testing.T) {
			d := sflow.New(0)
			compared := 0
			for _, dg := range readCapture(t, c) {
				_, ours, oerr := d.DecodeAll(dg.Src, dg.Payload, nil, nil)
				theirs, gerr := goflow2Counters(dg.Payload)
				if (oerr != nil) != (gerr != nil) {
					t.Errorf("frame %d: seawall %v, goflow2 %v", dg.Frame, oerr, gerr)
				}
				if oerr != nil || gerr != nil {
					continue
				}
				compared += len(ours)
				got := make([]peerCounters, len(ours))
				for i := range ours {
					got[i] = oursCounters(&ours[i])
				}
				if diff := cmp.Diff(theirs, got, cmpopts.EquateEmpty(), cmp.Comparer(func(x, y netip.Addr) bool { return x == y })); diff != "" {
					t.Errorf("frame %d (-goflow2 +seawall):\n%s", dg.Frame, diff)
				}
			}
			var total uint64
			for _, a := range d.Exporters() {
				st, _ := d.Stats(a)
				total += st.CounterSamples
			}
			if uint64(compared) != total {
				t.Errorf("compared %d of %d counter samples", compared, total)
			}
		})
	}
}

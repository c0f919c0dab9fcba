// Package flow defines Record, the one shape every flow decoder (NetFlow v5,
// v9, IPFIX, sFlow) produces, and the sampled-frame parser the decoders
// share for sFlow raw headers and IPFIX data-link sections.
//
// Records are plain values with no pointers other than netip.Addr's
// interned zone, so decoders can append them into a caller's buffer and a
// steady-state decode allocates nothing.
package flow

import (
	"net/netip"
	"strconv"
)

// Direction says on which side of the observation point the flow was
// metered, when the exporter says so (IPFIX flowDirection, IE 61).
type Direction uint8

// Directions. Unknown is the zero value: most exporters do not say.
const (
	DirUnknown Direction = iota
	DirIngress
	DirEgress
)

// String returns "ingress", "egress" or "unknown".
func (d Direction) String() string {
	switch d {
	case DirIngress:
		return "ingress"
	case DirEgress:
		return "egress"
	}
	return "unknown"
}

// Source says which protocol a record came from.
type Source uint8

// Sources, one per wire protocol.
const (
	SourceUnknown Source = iota
	SourceNetFlowV5
	SourceNetFlowV9
	SourceIPFIX
	SourceSFlowV5
)

// String returns the protocol's usual name.
func (s Source) String() string {
	switch s {
	case SourceNetFlowV5:
		return "netflow-v5"
	case SourceNetFlowV9:
		return "netflow-v9"
	case SourceIPFIX:
		return "ipfix"
	case SourceSFlowV5:
		return "sflow-v5"
	}
	return "unknown"
}

// Record is one flow (NetFlow/IPFIX) or one sampled packet (sFlow).
//
// Counters are as exported: Bytes and Packets are not multiplied by
// SamplingRate, so consumers scale them once, knowing the rate.
// Zero means "not exported" for every field except where noted.
type Record struct {
	// Exporter is the device that metered the flow: the UDP source of a
	// NetFlow/IPFIX datagram, the agent address of an sFlow datagram.
	Exporter netip.Addr
	// ObservationDomain is the IPFIX observation domain, the NetFlow v9
	// source id, the v5 engine type<<8|engine id, or the sFlow sub-agent id.
	ObservationDomain uint32
	// Source is the protocol the record was decoded from.
	Source Source

	SrcAddr, DstAddr netip.Addr
	// NextHop is the IP next hop; BGPNextHop the BGP one.
	NextHop, BGPNextHop netip.Addr
	SrcPort, DstPort    uint16
	// Proto is the IP protocol number (6 TCP, 17 UDP, ...).
	Proto uint8
	// TCPFlags is the union of TCP flags seen (low 8 bits of tcpControlBits).
	TCPFlags uint8
	// ToS is the IPv4 type of service / IPv6 traffic class byte.
	ToS uint8
	// EtherType is 0x0800 or 0x86dd when known.
	EtherType uint16
	// SrcMask and DstMask are prefix lengths of the routes the addresses matched.
	SrcMask, DstMask uint8

	Bytes, Packets uint64
	// SamplingRate is N of 1-in-N packet sampling; 0 when unknown, 1 when
	// unsampled.
	SamplingRate uint32
	// SamplerID is the sampler (v9 FLOW_SAMPLER_ID / IPFIX samplerId or
	// selectorId) the exporter says selected this flow.
	SamplerID uint64

	// InIf and OutIf are SNMP ifIndexes (for sFlow, only when the sample
	// names a single interface).
	InIf, OutIf  uint32
	SrcAS, DstAS uint32

	// Start and End are the flow's first and last packet times, Unix
	// nanoseconds, derived from the datagram's export time as the protocol
	// defines (v5/v9 sysUpTime offsets, IPFIX absolute or delta times).
	// When the record carries no time they are the export time; sFlow
	// carries none and leaves them 0 (ingest stamps the receive time).
	Start, End int64

	Direction Direction
	// ForwardingStatus is IPFIX IE 89 (two high bits: 1 forwarded,
	// 2 dropped, 3 consumed); sFlow discards set it to 0x80.
	ForwardingStatus uint8
	// ICMPType and ICMPCode are set for ICMP and ICMPv6 flows.
	ICMPType, ICMPCode uint8
	// VLAN is the (outer) 802.1Q VLAN id; InnerVLAN the inner one of QinQ.
	VLAN, InnerVLAN uint16
	// MPLSLabel is the top label (20 bits) of the MPLS stack.
	MPLSLabel uint32
}

// ProtoName names the IP protocols operators name (tcp, udp, icmp, gre,
// esp, ...); others stay numbers.
func ProtoName(p uint8) string {
	switch p {
	case 1:
		return "icmp"
	case 6:
		return "tcp"
	case 17:
		return "udp"
	case 47:
		return "gre"
	case 50:
		return "esp"
	case 51:
		return "ah"
	case 58:
		return "ipv6-icmp"
	case 132:
		return "sctp"
	}
	return strconv.Itoa(int(p))
}

// SetEtherTypeFromAddr fills EtherType from the source address's family
// when the exporter did not say which IP version the flow was.
func (r *Record) SetEtherTypeFromAddr() {
	if r.EtherType != 0 {
		return
	}
	switch {
	case r.SrcAddr.Is4():
		r.EtherType = 0x0800
	case r.SrcAddr.Is6():
		r.EtherType = 0x86dd
	}
}

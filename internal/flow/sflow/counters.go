package sflow

import "net/netip"

// Counters is one counter sample (format 2, or expanded format 4): the
// agent's interface counters at one polling instant. It is keyed by
// Agent, SubAgent, the data source (SourceType, SourceIndex) and
// Sequence, the data source's counter sample sequence number, which
// grows by one per sample so a gap means a lost sample and a reset means
// the agent restarted. Like flow.Record it holds no pointers, so
// DecodeAll appends it to a caller's buffer without allocating.
//
// The counters are the agent's running totals (SNMP ifTable/dot3Stats
// semantics), not deltas: rates come from differences between two
// samples of the same key.
type Counters struct {
	Agent    netip.Addr
	SubAgent uint32
	// DatagramSeq and Uptime (the agent's uptime in milliseconds) are the
	// carrying datagram's header: the sampling context, since counter
	// samples have no time of their own.
	DatagramSeq uint32
	Uptime      uint32
	Sequence    uint32
	// SourceType is the data source's type (0 ifIndex, 1 smonVlanDataSource,
	// 2 entPhysicalEntry) and SourceIndex its index; compact samples pack
	// them as 8 and 24 bits, expanded ones carry 32 bits each.
	SourceType  uint32
	SourceIndex uint32

	// HasInterface and HasEthernet say which records were present.
	HasInterface bool
	HasEthernet  bool
	Interface    Interface
	Ethernet     Ethernet

	// Records counts the records decoded into Interface or Ethernet;
	// Skipped the others (other formats, enterprise-specific, or too
	// short for their format).
	Records uint16
	Skipped uint16
}

// Interface is the generic interface counters record (enterprise 0,
// format 1), the RFC 2233 ifTable and ifXTable counters.
type Interface struct {
	Index uint32
	Type  uint32 // IANAifType
	Speed uint64 // bits per second
	// Direction: 0 unknown, 1 full-duplex, 2 half-duplex, 3 in, 4 out.
	Direction uint32
	// Status: bit 0 ifAdminStatus up, bit 1 ifOperStatus up.
	Status uint32

	InOctets        uint64
	InUcastPkts     uint32
	InMulticastPkts uint32
	InBroadcastPkts uint32
	InDiscards      uint32
	InErrors        uint32
	InUnknownProtos uint32

	OutOctets        uint64
	OutUcastPkts     uint32
	OutMulticastPkts uint32
	OutBroadcastPkts uint32
	OutDiscards      uint32
	OutErrors        uint32

	// Promiscuous is ifPromiscuousMode: 1 true, 2 false.
	Promiscuous uint32
}

// InPackets is the sum of the unicast, multicast and broadcast packets
// received.
func (i *Interface) InPackets() uint64 {
	return uint64(i.InUcastPkts) + uint64(i.InMulticastPkts) + uint64(i.InBroadcastPkts)
}

// OutPackets is the sum of the unicast, multicast and broadcast packets
// sent.
func (i *Interface) OutPackets() uint64 {
	return uint64(i.OutUcastPkts) + uint64(i.OutMulticastPkts) + uint64(i.OutBroadcastPkts)
}

// Ethernet is the Ethernet interface counters record (enterprise 0,
// format 2), the RFC 2358 dot3StatsTable.
type Ethernet struct {
	AlignmentErrors           uint32
	FCSErrors                 uint32
	SingleCollisionFrames     uint32
	MultipleCollisionFrames   uint32
	SQETestErrors             uint32
	DeferredTransmissions     uint32
	LateCollisions            uint32
	ExcessiveCollisions       uint32
	InternalMACTransmitErrors uint32
	CarrierSenseErrors        uint32
	FrameTooLongs             uint32
	InternalMACReceiveErrors  uint32
	SymbolErrors              uint32
}

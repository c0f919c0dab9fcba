package netflow

// op is what decoding does with a field, resolved once when the template
// is learned so the per-record loop is a single switch.
type op uint8

const (
	opSkip op = iota
	opBytes
	opPackets
	opOutBytes
	opOutPackets
	opTotalBytes
	opTotalPackets
	opInitiatorBytes
	opResponderBytes
	opInitiatorPackets
	opResponderPackets
	opProto
	opToS
	opTCPFlags
	opSrcPort
	opDstPort
	opSrcAddr4
	opDstAddr4
	opSrcAddr6
	opDstAddr6
	opSrcMask
	opDstMask
	opInIf
	opOutIf
	opPhysInIf
	opPhysOutIf
	opNextHop4
	opNextHop6
	opBGPNextHop4
	opBGPNextHop6
	opSrcAS
	opDstAS
	opEndUptime
	opStartUptime
	opICMPTypeCode
	opICMPType
	opICMPCode
	opSamplingInterval
	opSamplerID
	opSamplerRandomInterval
	opPacketInterval
	opPacketSpace
	opSampleSize
	opSamplePopulation
	opVLAN
	opInnerVLAN
	opIPVersion
	opDirection
	opMPLSTop
	opForwardingStatus
	opStartSec
	opEndSec
	opStartMilli
	opEndMilli
	opStartMicro
	opEndMicro
	opStartNano
	opEndNano
	opStartDeltaMicro
	opEndDeltaMicro
	opSysInitMilli
	opFrameSize
	opFrameSection
	numOps // not an op: the count, at most 64 (see fastPlan.vals)
)

// Information element identifiers (RFC 7012 / IANA IPFIX registry; the
// NetFlow v9 field types below 128 are the same numbers, and Cisco's v9
// types above 127 follow the IPFIX registry).
var ieOps = map[uint16]op{
	1:   opBytes,            // octetDeltaCount / IN_BYTES
	2:   opPackets,          // packetDeltaCount / IN_PKTS
	4:   opProto,            // protocolIdentifier
	5:   opToS,              // ipClassOfService
	6:   opTCPFlags,         // tcpControlBits
	7:   opSrcPort,          // sourceTransportPort
	8:   opSrcAddr4,         // sourceIPv4Address
	9:   opSrcMask,          // sourceIPv4PrefixLength
	10:  opInIf,             // ingressInterface
	11:  opDstPort,          // destinationTransportPort
	12:  opDstAddr4,         // destinationIPv4Address
	13:  opDstMask,          // destinationIPv4PrefixLength
	14:  opOutIf,            // egressInterface
	15:  opNextHop4,         // ipNextHopIPv4Address
	16:  opSrcAS,            // bgpSourceAsNumber
	17:  opDstAS,            // bgpDestinationAsNumber
	18:  opBGPNextHop4,      // bgpNextHopIPv4Address
	21:  opEndUptime,        // flowEndSysUpTime / LAST_SWITCHED
	22:  opStartUptime,      // flowStartSysUpTime / FIRST_SWITCHED
	23:  opOutBytes,         // postOctetDeltaCount / OUT_BYTES
	24:  opOutPackets,       // postPacketDeltaCount / OUT_PKTS
	27:  opSrcAddr6,         // sourceIPv6Address
	28:  opDstAddr6,         // destinationIPv6Address
	29:  opSrcMask,          // sourceIPv6PrefixLength
	30:  opDstMask,          // destinationIPv6PrefixLength
	32:  opICMPTypeCode,     // icmpTypeCodeIPv4
	34:  opSamplingInterval, // samplingInterval (deprecated in IPFIX, common in v9)
	48:  opSamplerID,        // samplerId / FLOW_SAMPLER_ID
	50:  opSamplerRandomInterval,
	58:  opVLAN, // vlanId / SRC_VLAN
	60:  opIPVersion,
	61:  opDirection,
	62:  opNextHop6,    // ipNextHopIPv6Address
	63:  opBGPNextHop6, // bgpNextHopIPv6Address
	70:  opMPLSTop,     // mplsTopLabelStackSection
	85:  opTotalBytes,  // octetTotalCount
	86:  opTotalPackets,
	89:  opForwardingStatus,
	139: opICMPTypeCode, // icmpTypeCodeIPv6
	150: opStartSec,
	151: opEndSec,
	152: opStartMilli,
	153: opEndMilli,
	154: opStartMicro,
	155: opEndMicro,
	156: opStartNano,
	157: opEndNano,
	158: opStartDeltaMicro,
	159: opEndDeltaMicro,
	160: opSysInitMilli,
	176: opICMPType, // icmpTypeIPv4
	177: opICMPCode,
	178: opICMPType, // icmpTypeIPv6
	179: opICMPCode,
	231: opInitiatorBytes, // initiatorOctets (Cisco ASA NF_F_FWD_FLOW_DELTA_BYTES)
	232: opResponderBytes,
	243: opVLAN,      // dot1qVlanId
	245: opInnerVLAN, // dot1qCustomerVlanId
	252: opPhysInIf,  // ingressPhysicalInterface
	253: opPhysOutIf,
	298: opInitiatorPackets,
	299: opResponderPackets,
	302: opSamplerID, // selectorId
	305: opPacketInterval,
	306: opPacketSpace,
	309: opSampleSize,       // samplingSize
	310: opSamplePopulation, // samplingPopulation
	312: opFrameSize,        // dataLinkFrameSize
	315: opFrameSection,     // dataLinkFrameSection
}

// opFor resolves a template field. Enterprise-specific fields are kept
// (their lengths matter) but not interpreted. NetFlow v9 scope fields use
// their own type space (1 system, 2 interface, 3 line card, 4 cache,
// 5 template), so they never alias information elements.
func opFor(version uint16, f field, v9Scope bool) op {
	if f.pen != 0 || (version == 9 && v9Scope) {
		return opSkip
	}
	return ieOps[f.id]
}

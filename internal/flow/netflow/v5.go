package netflow

import (
	"encoding/binary"
	"net/netip"

	"github.com/seawall/seawall/internal/flow"
)

const (
	v5HeaderLen = 24
	v5RecordLen = 48
	// v5MaxRecords is the most records a v5 datagram carries (Cisco's
	// definition); larger counts are how broken or hostile datagrams look.
	v5MaxRecords = 30
)

var (
	errShortHeader = errAt(ReasonTruncated, "datagram shorter than its header")
	errVersion     = errAt(ReasonVersion, "version is not 5, 9 or 10")
	errV5Count     = errAt(ReasonCount, "v5 record count above 30")
	errV5Short     = errAt(ReasonTruncated, "v5 datagram shorter than its record count")
)

// decodeV5 reads a NetFlow v5 datagram: a 24-octet header and count
// fixed 48-octet records.
func decodeV5(e *exporter, exporter netip.Addr, b []byte, out []flow.Record) ([]flow.Record, error) {
	if len(b) < v5HeaderLen {
		return out, errShortHeader
	}
	count := int(binary.BigEndian.Uint16(b[2:]))
	if count > v5MaxRecords {
		return out, errV5Count
	}
	if len(b) < v5HeaderLen+count*v5RecordLen {
		return out, errV5Short
	}
	uptime := binary.BigEndian.Uint32(b[4:])
	exportNs := int64(binary.BigEndian.Uint32(b[8:]))*1e9 + int64(binary.BigEndian.Uint32(b[12:]))
	domain := uint32(b[20])<<8 | uint32(b[21])
	// Two high bits: sampling mode; the low 14: the interval.
	rate := uint32(binary.BigEndian.Uint16(b[22:]) & 0x3fff)
	_ = e
	for i := range count {
		p := b[v5HeaderLen+i*v5RecordLen:]
		p = p[:v5RecordLen]
		r := flow.Record{
			Exporter:          exporter,
			ObservationDomain: domain,
			Source:            flow.SourceNetFlowV5,
			SrcAddr:           netip.AddrFrom4([4]byte(p[0:4])),
			DstAddr:           netip.AddrFrom4([4]byte(p[4:8])),
			NextHop:           netip.AddrFrom4([4]byte(p[8:12])),
			InIf:              uint32(binary.BigEndian.Uint16(p[12:])),
			OutIf:             uint32(binary.BigEndian.Uint16(p[14:])),
			Packets:           uint64(binary.BigEndian.Uint32(p[16:])),
			Bytes:             uint64(binary.BigEndian.Uint32(p[20:])),
			Start:             exportNs - uptimeDelta(uptime, binary.BigEndian.Uint32(p[24:])),
			End:               exportNs - uptimeDelta(uptime, binary.BigEndian.Uint32(p[28:])),
			SrcPort:           binary.BigEndian.Uint16(p[32:]),
			DstPort:           binary.BigEndian.Uint16(p[34:]),
			TCPFlags:          p[37],
			Proto:             p[38],
			ToS:               p[39],
			SrcAS:             uint32(binary.BigEndian.Uint16(p[40:])),
			DstAS:             uint32(binary.BigEndian.Uint16(p[42:])),
			SrcMask:           p[44],
			DstMask:           p[45],
			SamplingRate:      rate,
			EtherType:         0x0800,
		}
		icmpFromPort(&r)
		out = append(out, r)
	}
	return out, nil
}

// uptimeDelta is how long before the export a sysUpTime stamp was, in
// nanoseconds. The difference is taken modulo 2^32 and read as signed, so
// it survives the uptime counter wrapping (every 49.7 days) and stamps a
// few milliseconds after the header's uptime, which some exporters emit.
func uptimeDelta(uptime, stamp uint32) int64 {
	return int64(int32(uptime-stamp)) * 1e6
}

// icmpFromPort applies the NetFlow convention of carrying ICMP type and
// code in the destination port (type<<8 | code) when the record has no
// ICMP fields of its own.
func icmpFromPort(r *flow.Record) {
	if (r.Proto == 1 || r.Proto == 58) && r.ICMPType == 0 && r.ICMPCode == 0 && r.SrcPort == 0 {
		r.ICMPType = uint8(r.DstPort >> 8)
		r.ICMPCode = uint8(r.DstPort)
	}
}

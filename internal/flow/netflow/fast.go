package netflow

import (
	"cmp"
	"encoding/binary"
	"net/netip"

	"github.com/seawall/seawall/internal/flow"
)

// The fast path for the common fixed-length data templates.
//
// flowRecord's general loop switches on each field's op: ~20 indirect
// jumps per record, each case branching again on the field length (be),
// and the loop spilling and reloading a dozen accumulators around the
// switch (profiled: most of the decode time). Yet nearly every field of a real template is an integer
// whose value simply lands somewhere. For templates made only of such
// fields and of addresses, newFastPlan splits the fields in two:
//
//   - scalars are read without any branch: one 8-octet load of a window
//     holding the field, then a shift and a mask computed from the
//     field's offset and length when the template is learned. The value
//     goes to vals[op]; a later field with the same op overwrites it, as
//     in the general loop (last value wins);
//   - addresses keep their own short loop, for setAddr's rule that a
//     zero address does not replace a set one.
//
// fastRecord then fills the record from vals in straight-line code,
// with the template's kinds (has an ingress interface, which time
// fields, ...) decided once per template instead of tracked per field.
// Templates the plan does not cover (variable-length fields, RFC 7133
// frames, records under 8 octets, repeated fields whose effect depends
// on their value) keep the general loop.

// scalarField is one integer field: its value is
// BigEndian.Uint64(rec[pos:]) >> shift & mask.
type scalarField struct {
	mask  uint64
	pos   uint16
	shift uint8
	op    op
}

// addrField is one address field of a fast template, 4 or 16 octets.
type addrField struct {
	op     op
	off, n uint16
}

type fastPlan struct {
	scalars []scalarField
	addrs   []addrField
	// vals holds the record being decoded, indexed by op. It lives with
	// the template rather than on the stack so that it never needs
	// zeroing: every record of the template writes the same slots, so
	// slots of ops the template lacks stay 0 (absent) for good. A
	// Decoder is single-goroutine, so one scratch per template suffices.
	vals [64]uint64
	// The last op of the template that sets the start / end time, the
	// ICMP type / code (several IEs set them; the last field wins), or
	// opSkip for none.
	startOp, endOp, icmpTypeOp, icmpCodeOp op
	hasIn, hasOut, hasStartUp, hasEndUp    bool
	hasICMP, hasDirection, hasIPVersion    bool
	hasSampling                            bool
}

// Compile-time check that every op indexes fastPlan.vals.
var _ [64 - numOps]struct{}

// newFastPlan returns the plan of a fixed-length data template, or nil
// when the template needs the general loop.
func newFastPlan(t *template) *fastPlan {
	if !t.fixed || t.options || t.minLen < 8 {
		return nil
	}
	p := &fastPlan{}
	var seen [numOps]int
	for _, h := range t.hot {
		seen[h.op]++
		off, n := int(h.off), int(h.length)
		switch h.op {
		case opSkip:
			continue
		case opFrameSize, opFrameSection:
			return nil // sampled frames: rare, and parsing dominates
		case opDirection, opIPVersion:
			if seen[h.op] > 1 {
				// Only some values set the record: with repeats the
				// last valid one wins, which vals cannot tell.
				return nil
			}
		case opSrcAddr4, opDstAddr4, opSrcAddr6, opDstAddr6, opNextHop4, opBGPNextHop4, opNextHop6, opBGPNextHop6:
			want := 16
			switch h.op {
			case opSrcAddr4, opDstAddr4, opSrcAddr6, opDstAddr6:
				want = n // setAddr takes either family
			case opNextHop4, opBGPNextHop4:
				want = 4
			}
			if (n == 4 || n == 16) && n == want {
				p.addrs = append(p.addrs, addrField{op: h.op, off: h.off, n: h.length})
			}
			// Other lengths leave the record unchanged: dropped.
			continue
		case opMPLSTop:
			// Only the first label stack entry, 3 octets, counts.
			if n < 3 {
				continue
			}
			n = 3
		case opStartSec, opStartMilli, opStartMicro, opStartNano, opStartDeltaMicro:
			p.startOp = h.op
		case opEndSec, opEndMilli, opEndMicro, opEndNano, opEndDeltaMicro:
			p.endOp = h.op
		case opICMPTypeCode:
			p.icmpTypeOp, p.icmpCodeOp = h.op, h.op
		case opICMPType:
			p.icmpTypeOp = h.op
		case opICMPCode:
			p.icmpCodeOp = h.op
		}
		p.scalars = append(p.scalars, scalarAt(h.op, off, n))
	}
	p.hasIn, p.hasOut = seen[opInIf] > 0, seen[opOutIf] > 0
	p.hasStartUp, p.hasEndUp = seen[opStartUptime] > 0, seen[opEndUptime] > 0
	p.hasICMP = p.icmpTypeOp != opSkip || p.icmpCodeOp != opSkip
	p.hasDirection, p.hasIPVersion = seen[opDirection] > 0, seen[opIPVersion] > 0
	for _, o := range [...]op{opSamplingInterval, opSamplerRandomInterval, opPacketInterval, opPacketSpace, opSampleSize, opSamplePopulation} {
		p.hasSampling = p.hasSampling || seen[o] > 0
	}
	return p
}

// scalarAt is the load of the n-octet field at off in a record of at
// least 8 octets: the 8-octet window ends with the field, or starts the
// record when the field ends before octet 8. Like be, a field longer
// than 8 octets yields its last 8.
func scalarAt(o op, off, n int) scalarField {
	pos := max(off+n-8, 0)
	f := scalarField{op: o, pos: uint16(pos), shift: uint8(8 * (pos + 8 - off - n)), mask: ^uint64(0)}
	if n < 8 {
		f.mask = 1<<(8*n) - 1
	}
	return f
}

// load reads the scalar fields of record rec into vals. It is a
// function of its own so that its loop gets the registers to itself:
// inlined into fastRecord the loop spilled and reloaded its state on
// every field.
//
//go:noinline
func (p *fastPlan) load(rec []byte) {
	v := &p.vals
	for _, f := range p.scalars {
		x := binary.BigEndian.Uint64(rec[f.pos : int(f.pos)+8])
		v[f.op&63] = x >> (f.shift & 63) & f.mask
	}
}

// fastRecord is flowRecord for templates with a fast plan.
func (m *msg) fastRecord(e *exporter, t *template, b []byte, r *flow.Record) (int, error) {
	if len(b) < t.minLen {
		return 0, errRecordOverrun
	}
	rec := b[:t.minLen]
	p := t.fast
	p.load(rec)
	v := &p.vals
	r.Exporter = m.exporter
	r.ObservationDomain = m.domain
	r.Source = m.source
	for _, a := range p.addrs {
		switch a.op {
		case opSrcAddr4, opSrcAddr6:
			setAddr(&r.SrcAddr, rec[a.off:a.off+a.n])
		case opDstAddr4, opDstAddr6:
			setAddr(&r.DstAddr, rec[a.off:a.off+a.n])
		case opNextHop4:
			r.NextHop = netip.AddrFrom4([4]byte(rec[a.off:]))
		case opNextHop6:
			r.NextHop = netip.AddrFrom16([16]byte(rec[a.off:]))
		case opBGPNextHop4:
			r.BGPNextHop = netip.AddrFrom4([4]byte(rec[a.off:]))
		case opBGPNextHop6:
			r.BGPNextHop = netip.AddrFrom16([16]byte(rec[a.off:]))
		}
	}

	r.Proto = uint8(v[opProto])
	r.ToS = uint8(v[opToS])
	r.TCPFlags = uint8(v[opTCPFlags])
	r.SrcPort = uint16(v[opSrcPort])
	r.DstPort = uint16(v[opDstPort])
	r.SrcMask = uint8(v[opSrcMask])
	r.DstMask = uint8(v[opDstMask])
	r.SrcAS = uint32(v[opSrcAS])
	r.DstAS = uint32(v[opDstAS])
	r.SamplerID = v[opSamplerID]
	r.ForwardingStatus = uint8(v[opForwardingStatus])
	r.VLAN = uint16(v[opVLAN]) & 0x0fff
	r.InnerVLAN = uint16(v[opInnerVLAN]) & 0x0fff
	r.MPLSLabel = uint32(v[opMPLSTop]) >> 4
	// An ifIndex field wins over the physical interface one, even at 0.
	r.InIf, r.OutIf = uint32(v[opPhysInIf]), uint32(v[opPhysOutIf])
	if p.hasIn {
		r.InIf = uint32(v[opInIf])
	}
	if p.hasOut {
		r.OutIf = uint32(v[opOutIf])
	}
	r.Bytes = counter(&[numCounters]uint64{v[opBytes], v[opOutBytes], v[opTotalBytes], v[opInitiatorBytes], v[opResponderBytes]})
	r.Packets = counter(&[numCounters]uint64{v[opPackets], v[opOutPackets], v[opTotalPackets], v[opInitiatorPackets], v[opResponderPackets]})

	if p.hasIPVersion {
		switch v[opIPVersion] {
		case 4:
			r.EtherType = 0x0800
		case 6:
			r.EtherType = 0x86dd
		}
	}
	r.SetEtherTypeFromAddr()
	if p.hasDirection {
		switch v[opDirection] {
		case 0:
			r.Direction = flow.DirIngress
		case 1:
			r.Direction = flow.DirEgress
		}
	}
	if p.hasICMP {
		switch p.icmpTypeOp {
		case opICMPTypeCode:
			r.ICMPType = uint8(v[opICMPTypeCode] >> 8)
		case opICMPType:
			r.ICMPType = uint8(v[opICMPType])
		}
		switch p.icmpCodeOp {
		case opICMPTypeCode, opICMPCode:
			r.ICMPCode = uint8(v[p.icmpCodeOp])
		}
	} else {
		icmpFromPort(r)
	}

	m.fastTimes(e, p, r)
	if p.hasSampling {
		s := sampling{
			interval:    v[opSamplingInterval],
			random:      v[opSamplerRandomInterval],
			pktInterval: v[opPacketInterval],
			pktSpace:    v[opPacketSpace],
			size:        v[opSampleSize],
			population:  v[opSamplePopulation],
		}
		r.SamplingRate = s.rate()
	}
	return t.minLen, nil
}

// fastTimes sets the start and end times of a fast template's record.
func (m *msg) fastTimes(e *exporter, p *fastPlan, r *flow.Record) {
	v := &p.vals
	if m.version == 9 && p.startOp == opSkip && p.endOp == opSkip {
		// The common v9 record, times as FIRST_SWITCHED and
		// LAST_SWITCHED only: resolveTimes without building its input.
		var start, end int64
		if p.hasStartUp {
			start = m.exportNs - uptimeDelta(m.uptimeMs, uint32(v[opStartUptime]))
		}
		if p.hasEndUp {
			end = m.exportNs - uptimeDelta(m.uptimeMs, uint32(v[opEndUptime]))
		}
		r.Start, r.End = cmp.Or(start, m.exportNs), cmp.Or(end, m.exportNs)
		return
	}
	tm := times{
		start:      m.timeValue(p.startOp, v[p.startOp]),
		end:        m.timeValue(p.endOp, v[p.endOp]),
		startUp:    uint32(v[opStartUptime]),
		endUp:      uint32(v[opEndUptime]),
		hasStartUp: p.hasStartUp,
		hasEndUp:   p.hasEndUp,
		sysInit:    int64(v[opSysInitMilli]),
	}
	m.resolveTimes(e, &tm, r)
}

// timeValue is the Unix ns time a start or end time field of op o with
// value v gives, 0 for opSkip (no such field).
func (m *msg) timeValue(o op, v uint64) int64 {
	switch o {
	case opStartSec, opEndSec:
		return int64(v) * 1e9
	case opStartMilli, opEndMilli:
		return int64(v) * 1e6
	case opStartMicro, opEndMicro:
		return ntpNanos(v, true)
	case opStartNano, opEndNano:
		return ntpNanos(v, false)
	case opStartDeltaMicro, opEndDeltaMicro:
		return m.exportNs - int64(v)*1e3
	}
	return 0
}

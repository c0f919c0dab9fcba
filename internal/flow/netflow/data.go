package netflow

import (
	"encoding/binary"
	"net/netip"

	"github.com/seawall/seawall/internal/flow"
)

// dataSet decodes the records of one data set: flows for a data template,
// sampling and time announcements for an options template.
func (d *Decoder) dataSet(e *exporter, m *msg, t *template, b []byte, out []flow.Record) ([]flow.Record, error) {
	for first := true; len(b) >= t.minLen; first = false {
		if !first && len(b) < 4 && allZero(b) {
			break // padding to a 4-octet boundary
		}
		var n int
		var err error
		if t.options {
			n, err = d.optionsRecord(e, m, t, b)
			e.stats.OptionsRecords++
		} else if t.fast != nil {
			out = append(out, flow.Record{})
			n, err = m.fastRecord(e, t, b, &out[len(out)-1])
		} else {
			out = append(out, flow.Record{})
			n, err = m.flowRecord(e, t, b, &out[len(out)-1])
		}
		if err != nil {
			return out, err
		}
		b = b[n:]
	}
	return out, nil
}

// next returns the value of field f at the start of b and how many octets
// it used, reading the RFC 7011 §7 variable-length prefix when needed.
func next(f *field, b []byte) ([]byte, int, bool) {
	n, h := int(f.length), 0
	if f.length == varLength {
		if len(b) < 1 {
			return nil, 0, false
		}
		n, h = int(b[0]), 1
		if n == 255 {
			if len(b) < 3 {
				return nil, 0, false
			}
			n, h = int(binary.BigEndian.Uint16(b[1:])), 3
		}
	}
	if len(b) < h+n {
		return nil, 0, false
	}
	return b[h : h+n], h + n, true
}

// Byte and packet counters come in several flavours. The first non-zero
// one in this order wins: delta (IE 1/2, the flow's own direction), post
// (IE 23/24, which some exporters fill instead), total (IE 85/86), the sum
// of initiator and responder (IE 231/232, 298/299, Cisco ASA), and for
// RFC 7133 sampled frames the frame size.
const (
	cntDelta = iota
	cntPost
	cntTotal
	cntInitiator
	cntResponder
	numCounters
)

// times collects a record's time fields until the record is complete,
// because relative times need fields that may come later (systemInit).
type times struct {
	start, end     int64 // Unix ns, 0 = absent
	startUp, endUp uint32
	hasStartUp     bool
	hasEndUp       bool
	sysInit        int64 // Unix ms, 0 = absent
}

// flowRecord decodes one data record into r and returns its length. It
// serves every template; fixed ones with a fastPlan take fastRecord.
func (m *msg) flowRecord(e *exporter, t *template, b []byte, r *flow.Record) (int, error) {
	r.Exporter = m.exporter
	r.ObservationDomain = m.domain
	r.Source = m.source
	var octets, pkts [numCounters]uint64
	var physIn, physOut uint64
	var hasIn, hasOut, hasICMP bool
	var tm times
	var frame []byte
	var frameSize uint64
	var s sampling
	off := 0
	if t.fixed {
		if len(b) < t.minLen {
			return 0, errRecordOverrun
		}
		off = t.minLen
	}
	n := len(t.hot)
	if !t.fixed {
		n = len(t.fields)
	}
	for k := 0; k < n; k++ {
		var v []byte
		var fop op
		if t.fixed {
			h := t.hot[k]
			v, fop = b[h.off:int(h.off)+int(h.length)], h.op
		} else {
			f := &t.fields[k]
			var m int
			var ok bool
			v, m, ok = next(f, b[off:])
			if !ok {
				return 0, errRecordOverrun
			}
			off += m
			fop = f.op
		}
		switch fop {
		case opSkip:
		case opBytes:
			octets[cntDelta] = be(v)
		case opPackets:
			pkts[cntDelta] = be(v)
		case opOutBytes:
			octets[cntPost] = be(v)
		case opOutPackets:
			pkts[cntPost] = be(v)
		case opTotalBytes:
			octets[cntTotal] = be(v)
		case opTotalPackets:
			pkts[cntTotal] = be(v)
		case opInitiatorBytes:
			octets[cntInitiator] = be(v)
		case opResponderBytes:
			octets[cntResponder] = be(v)
		case opInitiatorPackets:
			pkts[cntInitiator] = be(v)
		case opResponderPackets:
			pkts[cntResponder] = be(v)
		case opProto:
			r.Proto = uint8(be(v))
		case opToS:
			r.ToS = uint8(be(v))
		case opTCPFlags:
			// tcpControlBits grew to 16 bits; the classic flags are the low 8.
			r.TCPFlags = uint8(be(v))
		case opSrcPort:
			r.SrcPort = uint16(be(v))
		case opDstPort:
			r.DstPort = uint16(be(v))
		case opSrcAddr4:
			setAddr(&r.SrcAddr, v)
		case opDstAddr4:
			setAddr(&r.DstAddr, v)
		case opSrcAddr6:
			setAddr(&r.SrcAddr, v)
		case opDstAddr6:
			setAddr(&r.DstAddr, v)
		case opNextHop4:
			if len(v) == 4 {
				r.NextHop = netip.AddrFrom4([4]byte(v))
			}
		case opNextHop6:
			if len(v) == 16 {
				r.NextHop = netip.AddrFrom16([16]byte(v))
			}
		case opBGPNextHop4:
			if len(v) == 4 {
				r.BGPNextHop = netip.AddrFrom4([4]byte(v))
			}
		case opBGPNextHop6:
			if len(v) == 16 {
				r.BGPNextHop = netip.AddrFrom16([16]byte(v))
			}
		case opSrcMask:
			r.SrcMask = uint8(be(v))
		case opDstMask:
			r.DstMask = uint8(be(v))
		case opInIf:
			r.InIf, hasIn = uint32(be(v)), true
		case opOutIf:
			r.OutIf, hasOut = uint32(be(v)), true
		case opPhysInIf:
			physIn = be(v)
		case opPhysOutIf:
			physOut = be(v)
		case opSrcAS:
			r.SrcAS = uint32(be(v))
		case opDstAS:
			r.DstAS = uint32(be(v))
		case opStartUptime:
			tm.startUp, tm.hasStartUp = uint32(be(v)), true
		case opEndUptime:
			tm.endUp, tm.hasEndUp = uint32(be(v)), true
		case opStartSec:
			tm.start = int64(be(v)) * 1e9
		case opEndSec:
			tm.end = int64(be(v)) * 1e9
		case opStartMilli:
			tm.start = int64(be(v)) * 1e6
		case opEndMilli:
			tm.end = int64(be(v)) * 1e6
		case opStartMicro, opStartNano:
			tm.start = ntpNanos(be(v), fop == opStartMicro)
		case opEndMicro, opEndNano:
			tm.end = ntpNanos(be(v), fop == opEndMicro)
		case opStartDeltaMicro:
			tm.start = m.exportNs - int64(be(v))*1e3
		case opEndDeltaMicro:
			tm.end = m.exportNs - int64(be(v))*1e3
		case opSysInitMilli:
			tm.sysInit = int64(be(v))
		case opICMPTypeCode:
			c := be(v)
			r.ICMPType, r.ICMPCode, hasICMP = uint8(c>>8), uint8(c), true
		case opICMPType:
			r.ICMPType, hasICMP = uint8(be(v)), true
		case opICMPCode:
			r.ICMPCode, hasICMP = uint8(be(v)), true
		case opVLAN:
			r.VLAN = uint16(be(v)) & 0x0fff
		case opInnerVLAN:
			r.InnerVLAN = uint16(be(v)) & 0x0fff
		case opIPVersion:
			switch be(v) {
			case 4:
				r.EtherType = 0x0800
			case 6:
				r.EtherType = 0x86dd
			}
		case opDirection:
			switch be(v) {
			case 0:
				r.Direction = flow.DirIngress
			case 1:
				r.Direction = flow.DirEgress
			}
		case opMPLSTop:
			// The 3-octet label stack entry: label(20) exp(3) bottom(1).
			if len(v) >= 3 {
				r.MPLSLabel = uint32(be(v[:3])) >> 4
			}
		case opForwardingStatus:
			r.ForwardingStatus = uint8(be(v))
		case opFrameSize:
			frameSize = be(v)
		case opFrameSection:
			frame = v
		case opSamplerID:
			r.SamplerID = be(v)
		default:
			s.set(fop, be(v))
		}
	}

	r.Bytes, r.Packets = counter(&octets), counter(&pkts)
	if !hasIn && physIn != 0 {
		r.InIf = uint32(physIn)
	}
	if !hasOut && physOut != 0 {
		r.OutIf = uint32(physOut)
	}
	if frame != nil || frameSize != 0 {
		// RFC 7133: each record describes one sampled frame.
		if !r.SrcAddr.IsValid() {
			r.ParseEthernet(frame)
		}
		if r.Bytes == 0 {
			r.Bytes = frameSize
			if r.Bytes == 0 {
				r.Bytes = uint64(len(frame))
			}
		}
		if r.Packets == 0 {
			r.Packets = 1
		}
	}
	r.SetEtherTypeFromAddr()
	if !hasICMP {
		icmpFromPort(r)
	}
	m.resolveTimes(e, &tm, r)
	r.SamplingRate = s.rate()
	return off, nil
}

// setAddr stores an IPv4 or IPv6 address field. Templates that carry
// both families leave the unused one zero; a zero address never replaces
// a set one, so the order of the fields does not matter.
func setAddr(dst *netip.Addr, v []byte) {
	if dst.IsValid() && !dst.IsUnspecified() && allZero(v) {
		return
	}
	switch len(v) {
	case 4:
		*dst = netip.AddrFrom4([4]byte(v))
	case 16:
		*dst = netip.AddrFrom16([16]byte(v))
	}
}

func counter(c *[numCounters]uint64) uint64 {
	switch {
	case c[cntDelta] != 0:
		return c[cntDelta]
	case c[cntPost] != 0:
		return c[cntPost]
	case c[cntTotal] != 0:
		return c[cntTotal]
	}
	return c[cntInitiator] + c[cntResponder]
}

// resolveTimes turns the collected time fields into Unix nanoseconds.
func (m *msg) resolveTimes(e *exporter, tm *times, r *flow.Record) {
	if m.version == 9 {
		if tm.hasStartUp && tm.start == 0 {
			tm.start = m.exportNs - uptimeDelta(m.uptimeMs, tm.startUp)
		}
		if tm.hasEndUp && tm.end == 0 {
			tm.end = m.exportNs - uptimeDelta(m.uptimeMs, tm.endUp)
		}
	} else if tm.hasStartUp || tm.hasEndUp {
		// IPFIX flow{Start,End}SysUpTime count from the exporter's
		// systemInitTimeMilliseconds, in the record or in options data.
		init := tm.sysInit
		if init == 0 {
			init = e.sysInit[m.domain]
		}
		if init != 0 {
			if tm.hasStartUp && tm.start == 0 {
				tm.start = (init + int64(tm.startUp)) * 1e6
			}
			if tm.hasEndUp && tm.end == 0 {
				tm.end = (init + int64(tm.endUp)) * 1e6
			}
		}
	}
	r.Start, r.End = tm.start, tm.end
	if r.Start == 0 {
		r.Start = m.exportNs
	}
	if r.End == 0 {
		r.End = m.exportNs
	}
}

// ntpNanos converts an RFC 7011 dateTimeMicroseconds/Nanoseconds value
// (NTP format: seconds since 1900, 32-bit fraction) to Unix nanoseconds.
// For microseconds the low 11 bits of the fraction are not significant.
func ntpNanos(v uint64, micro bool) int64 {
	frac := v & 0xffffffff
	if micro {
		frac &^= 0x7ff
	}
	return (int64(v>>32)-ntpToUnix)*1e9 + int64((frac*1e9)>>32)
}

// sampling collects the sampling fields of a record.
type sampling struct {
	interval, random, pktInterval, pktSpace, size, population uint64
}

func (s *sampling) set(o op, v uint64) {
	switch o {
	case opSamplingInterval:
		s.interval = v
	case opSamplerRandomInterval:
		s.random = v
	case opPacketInterval:
		s.pktInterval = v
	case opPacketSpace:
		s.pktSpace = v
	case opSampleSize:
		s.size = v
	case opSamplePopulation:
		s.population = v
	}
}

// rate returns the 1-in-N rate the fields describe, 0 if none:
// samplingPacketInterval packets selected out of every
// samplingPacketInterval+samplingPacketSpace (RFC 5477 systematic
// count-based sampling), samplingSize out of samplingPopulation (random
// n-out-of-N), else samplerRandomInterval or the v9 samplingInterval.
func (s *sampling) rate() uint32 {
	var r uint64
	switch {
	case s.pktInterval != 0 && s.pktSpace != 0:
		r = (s.pktInterval + s.pktSpace) / s.pktInterval
	case s.size != 0 && s.population != 0:
		r = s.population / s.size
	case s.random != 0:
		r = s.random
	case s.interval != 0:
		r = s.interval
	case s.pktInterval != 0:
		// An interval with no space (or a zero one) selects every packet.
		r = 1
	}
	if r > 0xffffffff {
		r = 0xffffffff
	}
	return uint32(r)
}

// optionsRecord reads one options data record and stores what it
// announces: the sampling rate of a sampler (or of the domain) and the
// exporter's system init time.
func (d *Decoder) optionsRecord(e *exporter, m *msg, t *template, b []byte) (int, error) {
	var s sampling
	var sampler uint64
	var sysInit int64
	// Options records are rare (one per template refresh), so they take
	// the general path over every field rather than flowRecord's plan.
	off := 0
	for i := range t.fields {
		f := &t.fields[i]
		v, n, ok := next(f, b[off:])
		if !ok {
			return 0, errRecordOverrun
		}
		off += n
		switch f.op {
		case opSamplerID:
			sampler = be(v)
		case opSysInitMilli:
			sysInit = int64(be(v))
		default:
			s.set(f.op, be(v))
		}
	}
	capped := len(e.sampling) >= d.cfg.MaxTemplatesPerExporter
	if rate := s.rate(); rate != 0 {
		for _, k := range [2]skey{{sampler: sampler, domain: m.domain, version: m.version}, {domain: m.domain, version: m.version}} {
			if _, ok := e.sampling[k]; ok || !capped {
				e.sampling[k] = rate
			}
		}
	}
	if sysInit != 0 {
		if _, ok := e.sysInit[m.domain]; ok || len(e.sysInit) < d.cfg.MaxTemplatesPerExporter {
			e.sysInit[m.domain] = sysInit
		}
	}
	return off, nil
}

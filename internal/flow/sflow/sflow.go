// Package sflow decodes sFlow version 5 datagrams (sflow.org
// sflow_version_5.txt) into flow.Records: one record per flow sample or
// expanded flow sample, with the sampled packet header parsed through
// Ethernet, VLAN/QinQ, MPLS, IPv4/IPv6 and TCP/UDP/ICMP; and, through
// DecodeAll, one Counters value per counter sample or expanded counter
// sample, holding its generic interface (0:1) and Ethernet (0:2) counter
// records. Other counter record formats are skipped by their length and
// counted.
//
// Like package netflow it is pure and allocation-free in steady state:
// records are appended to the caller's buffer and errors are
// preallocated.
package sflow

import (
	"encoding/binary"
	"errors"
	"net/netip"
	"slices"

	"github.com/seawall/seawall/internal/flow"
)

// Errors returned by Decode; test with errors.Is.
var (
	ErrTruncated = errors.New("sflow: truncated datagram")
	ErrVersion   = errors.New("sflow: not an sFlow version 5 datagram")
	ErrAddress   = errors.New("sflow: unknown agent address type")
	ErrSample    = errors.New("sflow: sample or record length overruns the datagram")
	ErrLimit     = errors.New("sflow: too many samples or records")
	ErrExporters = errors.New("sflow: exporter limit reached")
)

// Limits on counts read from the wire, far above real agents (which fit
// a datagram into one MTU), so a hostile count cannot make work grow.
const (
	maxSamples = 1024
	maxRecords = 256
	// DefaultMaxExporters caps the exporters with counters.
	DefaultMaxExporters = 10000
)

// Stats are one exporter's counters.
type Stats struct {
	Datagrams      uint64
	FlowSamples    uint64
	CounterSamples uint64
	// CounterRecords counts the generic interface and Ethernet counter
	// records decoded into values; UnknownCounterRecords the others
	// (other formats, enterprise-specific, or too short for their
	// format), skipped by their length.
	CounterRecords        uint64
	UnknownCounterRecords uint64
	// Errors counts dropped datagrams.
	Errors uint64
}

// Decoder decodes sFlow datagrams and keeps per-exporter counters. sFlow
// itself is stateless.
type Decoder struct {
	maxExporters int
	stats        map[netip.Addr]*Stats
}

// New returns a Decoder tracking at most maxExporters exporters (0: the
// default).
func New(maxExporters int) *Decoder {
	if maxExporters <= 0 {
		maxExporters = DefaultMaxExporters
	}
	return &Decoder{maxExporters: maxExporters, stats: make(map[netip.Addr]*Stats)}
}

// Stats returns the counters of one exporter (UDP source).
func (d *Decoder) Stats(exporter netip.Addr) (Stats, bool) {
	s, ok := d.stats[exporter.Unmap()]
	if !ok {
		return Stats{}, false
	}
	return *s, true
}

// Exporters lists the exporters seen, sorted.
func (d *Decoder) Exporters() []netip.Addr {
	out := make([]netip.Addr, 0, len(d.stats))
	for a := range d.stats {
		out = append(out, a)
	}
	slices.SortFunc(out, netip.Addr.Compare)
	return out
}

// xdr reads big-endian XDR words, remembering the first overrun.
type xdr struct {
	b   []byte
	bad bool
}

func (x *xdr) u64() uint64 {
	if len(x.b) < 8 {
		x.bad, x.b = true, nil
		return 0
	}
	v := binary.BigEndian.Uint64(x.b)
	x.b = x.b[8:]
	return v
}

func (x *xdr) u32() uint32 {
	if len(x.b) < 4 {
		x.bad, x.b = true, nil
		return 0
	}
	v := binary.BigEndian.Uint32(x.b)
	x.b = x.b[4:]
	return v
}

// bytes returns n octets and skips the XDR padding to 4.
func (x *xdr) bytes(n int) []byte {
	p := (n + 3) &^ 3
	if n < 0 || len(x.b) < p {
		x.bad, x.b = true, nil
		return nil
	}
	v := x.b[:n]
	x.b = x.b[p:]
	return v
}

// addr reads an sFlow address: type 1 IPv4, 2 IPv6 (0 unknown: no bytes).
func (x *xdr) addr() (netip.Addr, bool) {
	switch x.u32() {
	case 0:
		return netip.Addr{}, !x.bad
	case 1:
		b := x.bytes(4)
		if x.bad {
			return netip.Addr{}, false
		}
		return netip.AddrFrom4([4]byte(b)), true
	case 2:
		b := x.bytes(16)
		if x.bad {
			return netip.Addr{}, false
		}
		return netip.AddrFrom16([16]byte(b)), true
	}
	return netip.Addr{}, false
}

// Sample and record formats (enterprise 0).
const (
	fmtFlowSample            = 1
	fmtCounterSample         = 2
	fmtExpandedFlowSample    = 3
	fmtExpandedCounterSample = 4

	recRawHeader      = 1
	recIPv4           = 3
	recIPv6           = 4
	recExtendedSwitch = 1001
	recExtendedRouter = 1002
	recGateway        = 1003

	ctrGeneric  = 1
	ctrEthernet = 2

	localIf = 0x3fffffff

	hdrEthernet = 1
	hdrIPv4     = 11
	hdrIPv6     = 12
)

var (
	errTruncated = errors.Join(ErrTruncated)
	errVersion   = errors.Join(ErrVersion)
	errAddress   = errors.Join(ErrAddress)
	errSample    = errors.Join(ErrSample)
	errLimit     = errors.Join(ErrLimit)
	errExporters = errors.Join(ErrExporters)
)

// Decode decodes one datagram received from exporter (its UDP source)
// and appends a record per flow sample to out. A malformed datagram is
// dropped whole: out is returned unchanged with an error, and counted.
// Records carry the agent address as Exporter, the sub-agent id as
// ObservationDomain, no times (sFlow has none; ingest stamps the receive
// time), Packets 1 and Bytes the sampled frame's length. Counter samples
// are checked and counted but not returned; DecodeAll returns them.
func (d *Decoder) Decode(exporter netip.Addr, datagram []byte, out []flow.Record) ([]flow.Record, error) {
	out, _, err := d.decode(exporter, datagram, out, nil, false)
	return out, err
}

// DecodeAll is Decode that also appends one Counters per counter sample
// to ctrs. On error both slices are returned unchanged.
func (d *Decoder) DecodeAll(exporter netip.Addr, datagram []byte, recs []flow.Record, ctrs []Counters) ([]flow.Record, []Counters, error) {
	return d.decode(exporter, datagram, recs, ctrs, true)
}

func (d *Decoder) decode(exporter netip.Addr, datagram []byte, out []flow.Record, ctrs []Counters, wantCtrs bool) ([]flow.Record, []Counters, error) {
	exporter = exporter.Unmap()
	s, ok := d.stats[exporter]
	if !ok {
		if len(d.stats) >= d.maxExporters {
			return out, ctrs, errExporters
		}
		s = &Stats{}
		d.stats[exporter] = s
	}
	s.Datagrams++
	start, cstart := len(out), len(ctrs)
	var t tally
	out, ctrs, err := decode(datagram, out, ctrs, wantCtrs, &t)
	if err != nil {
		s.Errors++
		return out[:start], ctrs[:cstart], err
	}
	s.FlowSamples += t.flows
	s.CounterSamples += t.counters
	s.CounterRecords += t.records
	s.UnknownCounterRecords += t.unknown
	return out, ctrs, nil
}

// tally counts one datagram's samples, added to Stats only if the whole
// datagram decodes.
type tally struct {
	flows, counters, records, unknown uint64
}

func decode(b []byte, out []flow.Record, ctrs []Counters, wantCtrs bool, t *tally) ([]flow.Record, []Counters, error) {
	x := xdr{b: b}
	if x.u32() != 5 {
		if x.bad {
			return out, ctrs, errTruncated
		}
		return out, ctrs, errVersion
	}
	agent, ok := x.addr()
	if !ok {
		if x.bad {
			return out, ctrs, errTruncated
		}
		return out, ctrs, errAddress
	}
	hdr := Counters{Agent: agent}
	hdr.SubAgent = x.u32()
	hdr.DatagramSeq = x.u32()
	hdr.Uptime = x.u32()
	n := x.u32()
	if x.bad {
		return out, ctrs, errTruncated
	}
	if n > maxSamples {
		return out, ctrs, errLimit
	}
	var scratch Counters
	for range n {
		format := x.u32()
		body := x.bytes(int(x.u32()))
		if x.bad {
			return out, ctrs, errSample
		}
		if format>>12 != 0 {
			continue // enterprise-specific sample
		}
		var err error
		switch format & 0xfff {
		case fmtFlowSample, fmtExpandedFlowSample:
			out = append(out, flow.Record{Exporter: agent, ObservationDomain: hdr.SubAgent, Source: flow.SourceSFlowV5, Packets: 1})
			err = flowSample(body, format&0xfff == fmtExpandedFlowSample, &out[len(out)-1])
			t.flows++
		case fmtCounterSample, fmtExpandedCounterSample:
			c := &scratch
			if wantCtrs {
				ctrs = append(ctrs, Counters{})
				c = &ctrs[len(ctrs)-1]
			}
			*c = hdr
			err = counterSample(body, format&0xfff == fmtExpandedCounterSample, c)
			t.counters++
			t.records += uint64(c.Records)
			t.unknown += uint64(c.Skipped)
		}
		if err != nil {
			return out, ctrs, err
		}
	}
	return out, ctrs, nil
}

func flowSample(b []byte, expanded bool, r *flow.Record) error {
	x := xdr{b: b}
	x.u32() // sequence number
	if expanded {
		x.u32() // source id type
		x.u32() // source id index
	} else {
		x.u32() // source id
	}
	r.SamplingRate = x.u32()
	x.u32() // sample pool
	x.u32() // drops
	var in, out uint32
	var inFmt, outFmt uint32
	if expanded {
		inFmt, in = x.u32(), x.u32()
		outFmt, out = x.u32(), x.u32()
	} else {
		v := x.u32()
		inFmt, in = v>>30, v&0x3fffffff
		v = x.u32()
		outFmt, out = v>>30, v&0x3fffffff
	}
	// Format 0: an ifIndex, 0x3fffffff meaning the agent itself (local
	// delivery); 1: dropped (value = reason); 2: several interfaces
	// (value = count). Only a single real ifIndex is an interface.
	if inFmt == 0 && in != localIf {
		r.InIf = in
	}
	switch outFmt {
	case 0:
		if out != localIf {
			r.OutIf = out
		}
	case 1:
		r.ForwardingStatus = 0x80
	}
	return records(&x, func(format uint32, body []byte) {
		if format>>12 == 0 {
			flowRecord(format&0xfff, body, r)
		}
	})
}

// records walks a sample's records (count, then format and length-prefixed
// body each), handing each to fn; a bad length or count fails the sample.
func records(x *xdr, fn func(format uint32, body []byte)) error {
	n := x.u32()
	if x.bad {
		return errSample
	}
	if n > maxRecords {
		return errLimit
	}
	for range n {
		format := x.u32()
		body := x.bytes(int(x.u32()))
		if x.bad {
			return errSample
		}
		fn(format, body)
	}
	return nil
}

// flowRecord applies one flow record. Records too short for their format
// are ignored, as a partial header is: the sample still counts.
func flowRecord(format uint32, b []byte, r *flow.Record) {
	x := xdr{b: b}
	switch format {
	case recRawHeader:
		proto := x.u32()
		frameLen := x.u32()
		x.u32() // stripped
		h := x.bytes(int(x.u32()))
		if x.bad {
			return
		}
		r.Bytes = uint64(frameLen)
		switch proto {
		case hdrEthernet:
			r.ParseEthernet(h)
		case hdrIPv4, hdrIPv6:
			r.ParseIP(h)
		}
	case recIPv4, recIPv6:
		length := x.u32()
		proto := x.u32()
		var src, dst netip.Addr
		if format == recIPv4 {
			s, d := x.bytes(4), x.bytes(4)
			if x.bad {
				return
			}
			src, dst = netip.AddrFrom4([4]byte(s)), netip.AddrFrom4([4]byte(d))
			r.EtherType = 0x0800
		} else {
			s, d := x.bytes(16), x.bytes(16)
			if x.bad {
				return
			}
			src, dst = netip.AddrFrom16([16]byte(s)), netip.AddrFrom16([16]byte(d))
			r.EtherType = 0x86dd
		}
		sp, dp, flags, tos := x.u32(), x.u32(), x.u32(), x.u32()
		if x.bad {
			return
		}
		// A raw header record, when present, is more precise; these
		// records fill only what it left empty.
		if !r.SrcAddr.IsValid() {
			r.SrcAddr, r.DstAddr = src, dst
			r.Proto = uint8(proto)
			r.SrcPort, r.DstPort = uint16(sp), uint16(dp)
			r.TCPFlags, r.ToS = uint8(flags), uint8(tos)
		}
		if r.Bytes == 0 {
			r.Bytes = uint64(length)
		}
	case recExtendedSwitch:
		srcVLAN := x.u32()
		x.u32() // src priority
		x.u32() // dst vlan
		if !x.bad && r.VLAN == 0 {
			r.VLAN = uint16(srcVLAN)
		}
	case recExtendedRouter:
		nh, ok := x.addr()
		src, dst := x.u32(), x.u32()
		if ok && !x.bad {
			r.NextHop = nh
			r.SrcMask, r.DstMask = uint8(src), uint8(dst)
		}
	case recGateway:
		nh, ok := x.addr()
		x.u32() // router's own AS
		srcAS := x.u32()
		x.u32() // src peer AS
		if !ok || x.bad {
			return
		}
		r.BGPNextHop = nh
		r.SrcAS = srcAS
		// The destination AS is the last of the AS path.
		segs := x.u32()
		for i := uint32(0); i < segs && i < maxRecords && !x.bad; i++ {
			x.u32() // segment type
			n := x.u32()
			if n > maxRecords {
				return
			}
			for range n {
				if as := x.u32(); !x.bad {
					r.DstAS = as
				}
			}
		}
	}
}

// counterSample decodes a counter sample into c, which holds the
// datagram's header fields. Records too short for their format are
// skipped, as unknown formats are: the sample still counts.
func counterSample(b []byte, expanded bool, c *Counters) error {
	x := xdr{b: b}
	c.Sequence = x.u32()
	if expanded {
		c.SourceType = x.u32()
		c.SourceIndex = x.u32()
	} else {
		v := x.u32()
		c.SourceType, c.SourceIndex = v>>24, v&0xffffff
	}
	return records(&x, func(format uint32, body []byte) {
		if counterRecord(format, body, c) {
			c.Records++
		} else {
			c.Skipped++
		}
	})
}

// counterRecord decodes a generic interface or Ethernet counter record
// into c and reports whether it did.
func counterRecord(format uint32, b []byte, c *Counters) bool {
	x := xdr{b: b}
	switch format {
	case ctrGeneric:
		var g Interface
		g.Index = x.u32()
		g.Type = x.u32()
		g.Speed = x.u64()
		g.Direction = x.u32()
		g.Status = x.u32()
		g.InOctets = x.u64()
		g.InUcastPkts = x.u32()
		g.InMulticastPkts = x.u32()
		g.InBroadcastPkts = x.u32()
		g.InDiscards = x.u32()
		g.InErrors = x.u32()
		g.InUnknownProtos = x.u32()
		g.OutOctets = x.u64()
		g.OutUcastPkts = x.u32()
		g.OutMulticastPkts = x.u32()
		g.OutBroadcastPkts = x.u32()
		g.OutDiscards = x.u32()
		g.OutErrors = x.u32()
		g.Promiscuous = x.u32()
		if x.bad {
			return false
		}
		c.Interface, c.HasInterface = g, true
	case ctrEthernet:
		var e Ethernet
		e.AlignmentErrors = x.u32()
		e.FCSErrors = x.u32()
		e.SingleCollisionFrames = x.u32()
		e.MultipleCollisionFrames = x.u32()
		e.SQETestErrors = x.u32()
		e.DeferredTransmissions = x.u32()
		e.LateCollisions = x.u32()
		e.ExcessiveCollisions = x.u32()
		e.InternalMACTransmitErrors = x.u32()
		e.CarrierSenseErrors = x.u32()
		e.FrameTooLongs = x.u32()
		e.InternalMACReceiveErrors = x.u32()
		e.SymbolErrors = x.u32()
		if x.bad {
			return false
		}
		c.Ethernet, c.HasEthernet = e, true
	default:
		return false
	}
	return true
}

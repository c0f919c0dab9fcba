package netflow

import (
	"encoding/binary"
	"net/netip"

	"github.com/seawall/seawall/internal/flow"
)

const (
	v9HeaderLen    = 20
	ipfixHeaderLen = 16
	// Set ids: v9 template 0, options template 1; IPFIX template 2,
	// options template 3; data sets from 256.
	setV9Template          = 0
	setV9Options           = 1
	setIPFIXTemplate       = 2
	setIPFIXOptions        = 3
	minDataSet             = 256
	enterpriseBit          = 0x8000
	ntpToUnix        int64 = 2208988800
)

var (
	errIPFIXLength   = errAt(ReasonTruncated, "IPFIX message length field exceeds the datagram or is below the header")
	errSetLength     = errAt(ReasonSetLength, "set length below 4 or beyond the end of the message")
	errTemplateID    = errAt(ReasonTemplate, "template id below 256")
	errTemplateShort = errAt(ReasonTemplate, "template record runs past its set")
	errTemplateSize  = errAt(ReasonTemplate, "template has no fields or more than MaxFieldsPerTemplate")
	errTemplateScope = errAt(ReasonTemplate, "options template scope count is zero, too large or not a multiple of 4 octets")
	errTemplateEmpty = errAt(ReasonTemplate, "template records are zero octets long")
	errTemplateLimit = errAt(ReasonTemplateLimit, "exporter has MaxTemplatesPerExporter templates; new template dropped")
	errMissing       = errAt(ReasonMissingTemplate, "data set skipped: template not received yet")
	errRecordOverrun = errAt(ReasonRecord, "variable-length field runs past its set")
	errV9Count       = errAt(ReasonCount, "v9 header count is smaller than the flowsets in the datagram")
)

// msg is the context of one datagram's sets.
type msg struct {
	exporter netip.Addr
	source   flow.Source
	version  uint16
	domain   uint32
	exportNs int64
	uptimeMs uint32 // v9 only
	sets     int    // sets seen, for the v9 count check
}

func (d *Decoder) decodeV9(e *exporter, exporter netip.Addr, b []byte, out []flow.Record) ([]flow.Record, error) {
	if len(b) < v9HeaderLen {
		return out, errShortHeader
	}
	m := msg{
		exporter: exporter,
		source:   flow.SourceNetFlowV9,
		version:  9,
		uptimeMs: binary.BigEndian.Uint32(b[4:]),
		exportNs: int64(binary.BigEndian.Uint32(b[8:])) * 1e9,
		domain:   binary.BigEndian.Uint32(b[16:]),
	}
	count := int(binary.BigEndian.Uint16(b[2:]))
	out, err := d.decodeSets(e, &m, b[v9HeaderLen:], out)
	if err == nil && m.sets > count {
		// RFC 3954 counts records; several exporters (WLC, FortiOS,
		// StreamCore, nProbe) count flowsets instead. Either way the
		// count is at least the number of flowsets: fewer means the
		// header and the content disagree and neither can be trusted.
		return out, errV9Count
	}
	return out, err
}

func (d *Decoder) decodeIPFIX(e *exporter, exporter netip.Addr, b []byte, out []flow.Record) ([]flow.Record, error) {
	// A buffer may hold several messages back to back, as IPFIX over TCP
	// delivers them (RFC 7011 §10.4); a UDP datagram holds one.
	var missing error
	for first := true; len(b) > 0; first = false {
		if !first && allZero(b) {
			break
		}
		if len(b) < ipfixHeaderLen || binary.BigEndian.Uint16(b) != 10 {
			return out, errShortHeader
		}
		n := int(binary.BigEndian.Uint16(b[2:]))
		if n < ipfixHeaderLen || n > len(b) {
			return out, errIPFIXLength
		}
		m := msg{
			exporter: exporter,
			source:   flow.SourceIPFIX,
			version:  10,
			exportNs: int64(binary.BigEndian.Uint32(b[4:])) * 1e9,
			domain:   binary.BigEndian.Uint32(b[12:]),
		}
		var err error
		out, err = d.decodeSets(e, &m, b[ipfixHeaderLen:n], out)
		if err == errMissing {
			missing = err
		} else if err != nil {
			return out, err
		}
		b = b[n:]
	}
	return out, missing
}

// decodeSets walks the (flow)sets of a v9 or IPFIX message.
func (d *Decoder) decodeSets(e *exporter, m *msg, b []byte, out []flow.Record) ([]flow.Record, error) {
	var missing bool
	for len(b) > 0 {
		if len(b) < 4 {
			if allZero(b) {
				break
			}
			return out, errSetLength
		}
		id := binary.BigEndian.Uint16(b)
		n := int(binary.BigEndian.Uint16(b[2:]))
		if n < 4 || n > len(b) {
			// Some exporters (PAN-OS) pad the datagram with zeros
			// after the last flowset.
			if allZero(b) {
				break
			}
			return out, errSetLength
		}
		body := b[4:n]
		b = b[n:]
		m.sets++
		var err error
		switch {
		case m.version == 9 && id == setV9Template, m.version == 10 && id == setIPFIXTemplate:
			err = d.templateSet(e, m, id, body)
		case m.version == 9 && id == setV9Options:
			err = d.v9OptionsSet(e, m, body)
		case m.version == 10 && id == setIPFIXOptions:
			err = d.ipfixOptionsSet(e, m, body)
		case id >= minDataSet:
			t := e.templates[tkey{domain: m.domain, id: id, version: m.version}]
			if t == nil {
				missing = true
				continue
			}
			out, err = d.dataSet(e, m, t, body, out)
		}
		// Set ids 4..255 (IPFIX) and 2..255 (v9) are reserved: skipped.
		if err != nil {
			return out, err
		}
	}
	if missing {
		return out, errMissing
	}
	return out, nil
}

// templateSet reads a v9 (id 0) or IPFIX (id 2) template set.
func (d *Decoder) templateSet(e *exporter, m *msg, setID uint16, b []byte) error {
	for len(b) >= 4 {
		id := binary.BigEndian.Uint16(b)
		nf := int(binary.BigEndian.Uint16(b[2:]))
		b = b[4:]
		if nf == 0 && m.version == 10 {
			// RFC 7011 §8.1: a field count of 0 withdraws template id;
			// id = the set id withdraws all data templates of the domain.
			e.withdraw(m.domain, id, setID, false)
			continue
		}
		if id < minDataSet {
			return errTemplateID
		}
		var err error
		if b, err = d.readFields(m.version, b, nf, 0); err != nil {
			return err
		}
		if err := d.learn(e, tkey{domain: m.domain, id: id, version: m.version}, 0, false); err != nil {
			return err
		}
	}
	return nil
}

// v9OptionsSet reads a NetFlow v9 options template set (id 1): template
// id, scope length and option length in octets, then the fields.
func (d *Decoder) v9OptionsSet(e *exporter, m *msg, b []byte) error {
	for len(b) >= 6 {
		id := binary.BigEndian.Uint16(b)
		scopeLen := int(binary.BigEndian.Uint16(b[2:]))
		optLen := int(binary.BigEndian.Uint16(b[4:]))
		if id == 0 && scopeLen == 0 && optLen == 0 {
			break // padding
		}
		b = b[6:]
		if id < minDataSet {
			return errTemplateID
		}
		if scopeLen%4 != 0 || optLen%4 != 0 {
			return errTemplateScope
		}
		var err error
		if b, err = d.readFields(9, b, (scopeLen+optLen)/4, scopeLen/4); err != nil {
			return err
		}
		if err := d.learn(e, tkey{domain: m.domain, id: id, version: 9}, scopeLen/4, true); err != nil {
			return err
		}
	}
	return nil
}

// ipfixOptionsSet reads an IPFIX options template set (id 3): template
// id, field count, scope field count (at least 1), then the fields.
func (d *Decoder) ipfixOptionsSet(e *exporter, m *msg, b []byte) error {
	for len(b) >= 4 {
		id := binary.BigEndian.Uint16(b)
		nf := int(binary.BigEndian.Uint16(b[2:]))
		if nf == 0 {
			e.withdraw(m.domain, id, setIPFIXOptions, true)
			b = b[4:]
			continue
		}
		if len(b) < 6 {
			return errTemplateShort
		}
		scope := int(binary.BigEndian.Uint16(b[4:]))
		b = b[6:]
		if id < minDataSet {
			return errTemplateID
		}
		if scope == 0 || scope > nf {
			return errTemplateScope
		}
		var err error
		if b, err = d.readFields(10, b, nf, scope); err != nil {
			return err
		}
		if err := d.learn(e, tkey{domain: m.domain, id: id, version: 10}, scope, true); err != nil {
			return err
		}
	}
	return nil
}

// readFields parses nf field specifiers into d.scratch and returns the
// rest of b.
func (d *Decoder) readFields(version uint16, b []byte, nf, scope int) ([]byte, error) {
	if nf == 0 || nf > d.cfg.MaxFieldsPerTemplate {
		return nil, errTemplateSize
	}
	d.scratch = d.scratch[:0]
	total := 0
	for i := range nf {
		if len(b) < 4 {
			return nil, errTemplateShort
		}
		f := field{id: binary.BigEndian.Uint16(b), length: binary.BigEndian.Uint16(b[2:])}
		b = b[4:]
		if version == 10 && f.id&enterpriseBit != 0 {
			if len(b) < 4 {
				return nil, errTemplateShort
			}
			f.id &^= enterpriseBit
			f.pen = binary.BigEndian.Uint32(b)
			b = b[4:]
		}
		// RFC 3954 has no variable-length fields, but H3C NetStream v9
		// uses the IPFIX encoding for 65535, so both versions accept it.
		if f.length == varLength {
			total++
		} else {
			total += int(f.length)
		}
		f.op = opFor(version, f, i < scope)
		d.scratch = append(d.scratch, f)
	}
	if total == 0 {
		// Records of zero octets cannot be delimited in a set.
		return nil, errTemplateEmpty
	}
	return b, nil
}

// withdraw applies an IPFIX template withdrawal: one id, or every
// template of the kind when id is the set id itself (2 or 3).
func (e *exporter) withdraw(domain uint32, id, setID uint16, options bool) {
	if id == setID {
		for k, t := range e.templates {
			if k.version == 10 && k.domain == domain && t.options == options {
				delete(e.templates, k)
				e.stats.TemplateWithdrawals++
			}
		}
		return
	}
	k := tkey{domain: domain, id: id, version: 10}
	if _, ok := e.templates[k]; ok {
		delete(e.templates, k)
		e.stats.TemplateWithdrawals++
	}
}

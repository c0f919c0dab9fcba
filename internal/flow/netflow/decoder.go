// Package netflow decodes NetFlow v5, NetFlow v9 (RFC 3954) and IPFIX
// (RFC 7011) datagrams into flow.Records.
//
// A Decoder holds what the protocols make stateful: templates and options
// templates, keyed by exporter address + observation domain (v9 source id)
// + template id, and the sampling rates and system init times that options
// data announce. It is pure: bytes in, records out, no sockets, clock or
// goroutines. It is not safe for concurrent use; ingest runs one per
// socket reader, or shards exporters across several.
//
// Steady state allocates nothing: records are appended to the caller's
// buffer, template refreshes that do not change a template are compared in
// place, and errors are preallocated values.
package netflow

import (
	"cmp"
	"encoding/binary"
	"fmt"
	"net/netip"
	"slices"

	"github.com/seawall/seawall/internal/flow"
)

// Config bounds the decoder's memory and sets sampling rates exporters do
// not announce.
type Config struct {
	// MaxExporters caps the exporters tracked; datagrams from others are
	// dropped with ErrExporterLimit. Default 10000.
	MaxExporters int
	// MaxTemplatesPerExporter caps templates (data and options) per
	// exporter across its observation domains; a template flood beyond it
	// is dropped with ErrTemplateLimit. Default 512.
	MaxTemplatesPerExporter int
	// MaxFieldsPerTemplate rejects templates with more fields. Default 256.
	MaxFieldsPerTemplate int
	// SamplingOverride forces the sampling rate of an exporter's records,
	// whatever the exporter announces.
	SamplingOverride map[netip.Addr]uint32
	// DefaultSamplingRate applies when neither the record, the options
	// data nor an override gives a rate; 0 leaves the rate unknown.
	DefaultSamplingRate uint32
}

// Defaults for zero Config fields.
const (
	DefaultMaxExporters            = 10000
	DefaultMaxTemplatesPerExporter = 512
	DefaultMaxFieldsPerTemplate    = 256
)

// Validate reports a Config that cannot work.
func (c Config) Validate() error {
	if c.MaxExporters < 0 || c.MaxTemplatesPerExporter < 0 || c.MaxFieldsPerTemplate < 0 {
		return fmt.Errorf("netflow: negative limit in config")
	}
	if c.MaxFieldsPerTemplate > 16383 {
		return fmt.Errorf("netflow: max fields per template %d exceeds what a 64 KiB set can hold (16383)", c.MaxFieldsPerTemplate)
	}
	for a := range c.SamplingOverride {
		if !a.IsValid() {
			return fmt.Errorf("netflow: sampling override for an invalid address")
		}
	}
	return nil
}

func (c Config) withDefaults() Config {
	if c.MaxExporters == 0 {
		c.MaxExporters = DefaultMaxExporters
	}
	if c.MaxTemplatesPerExporter == 0 {
		c.MaxTemplatesPerExporter = DefaultMaxTemplatesPerExporter
	}
	if c.MaxFieldsPerTemplate == 0 {
		c.MaxFieldsPerTemplate = DefaultMaxFieldsPerTemplate
	}
	return c
}

// Stats are one exporter's counters.
type Stats struct {
	Datagrams uint64
	// Flows counts data records decoded into flow.Records.
	Flows uint64
	// OptionsRecords counts options data records (sampling, system init).
	OptionsRecords uint64
	// Errors counts failures by Reason.
	Errors [NumReasons]uint64
	// Templates is the number of templates held now.
	Templates int
	// TemplateUpdates counts templates learned or changed; a refresh that
	// repeats a known template is not counted.
	TemplateUpdates uint64
	// TemplateWithdrawals counts IPFIX withdrawals applied.
	TemplateWithdrawals uint64
}

// Decoder decodes datagrams and keeps per-exporter state. The zero value
// is not usable; call New.
type Decoder struct {
	cfg       Config
	exporters map[netip.Addr]*exporter
	// Dropped counts datagrams refused because MaxExporters was reached.
	dropped uint64
	// scratch holds a template's fields while it is compared with the
	// cached one, so refreshes allocate nothing.
	scratch []field
}

type tkey struct {
	domain  uint32
	id      uint16
	version uint16
}

type skey struct {
	sampler uint64
	domain  uint32
	version uint16
}

type exporter struct {
	templates map[tkey]*template
	sampling  map[skey]uint32
	sysInit   map[uint32]int64 // IPFIX domain → systemInitTimeMilliseconds, Unix ms
	override  uint32
	stats     Stats
}

// New returns a Decoder; cfg's zero fields take the defaults. It panics on
// a Config that fails Validate: configs are validated when loaded.
func New(cfg Config) *Decoder {
	if err := cfg.Validate(); err != nil {
		panic(err)
	}
	return &Decoder{
		cfg:       cfg.withDefaults(),
		exporters: make(map[netip.Addr]*exporter),
		scratch:   make([]field, 0, 64),
	}
}

// Stats returns the counters of one exporter.
func (d *Decoder) Stats(exporter netip.Addr) (Stats, bool) {
	e, ok := d.exporters[exporter.Unmap()]
	if !ok {
		return Stats{}, false
	}
	s := e.stats
	s.Templates = len(e.templates)
	return s, true
}

// Exporters lists the exporters seen, sorted.
func (d *Decoder) Exporters() []netip.Addr {
	out := make([]netip.Addr, 0, len(d.exporters))
	for a := range d.exporters {
		out = append(out, a)
	}
	slices.SortFunc(out, netip.Addr.Compare)
	return out
}

// DroppedExporters counts datagrams dropped because MaxExporters was reached.
func (d *Decoder) DroppedExporters() uint64 { return d.dropped }

func (d *Decoder) exporter(a netip.Addr) *exporter {
	if e, ok := d.exporters[a]; ok {
		return e
	}
	if len(d.exporters) >= d.cfg.MaxExporters {
		return nil
	}
	e := &exporter{
		templates: make(map[tkey]*template),
		sampling:  make(map[skey]uint32),
		sysInit:   make(map[uint32]int64),
		override:  d.cfg.SamplingOverride[a],
	}
	d.exporters[a] = e
	return e
}

var errExporterLimit = fmt.Errorf("%w (raise MaxExporters)", ErrExporterLimit)

// Decode decodes one datagram from exporter (its UDP source address),
// appends the flows it carries to out and returns the extended slice.
//
// A malformed datagram is dropped whole (out is returned unchanged) with
// an error wrapping one of the Err* sentinels, counted in the exporter's
// Stats; templates learned from its sets before the fault stay learned.
// A data set whose template is unknown is skipped and counted: the
// records of the datagram's other sets are still returned, together with
// an error wrapping ErrMissingTemplate, so callers must use the returned
// slice even when err != nil.
func (d *Decoder) Decode(exporter netip.Addr, datagram []byte, out []flow.Record) ([]flow.Record, error) {
	exporter = exporter.Unmap()
	e := d.exporter(exporter)
	if e == nil {
		d.dropped++
		return out, errExporterLimit
	}
	e.stats.Datagrams++
	start := len(out)
	var err error
	switch {
	case len(datagram) < 2:
		err = errShortHeader
	default:
		switch binary.BigEndian.Uint16(datagram) {
		case 5:
			out, err = decodeV5(e, exporter, datagram, out)
		case 9:
			out, err = d.decodeV9(e, exporter, datagram, out)
		case 10:
			out, err = d.decodeIPFIX(e, exporter, datagram, out)
		default:
			err = errVersion
		}
	}
	if err != nil {
		if de, ok := err.(*decodeError); ok {
			e.stats.Errors[de.reason]++
			if de.reason != ReasonMissingTemplate {
				out = out[:start]
			}
		}
	}
	if len(out) > start {
		d.resolveSampling(e, out[start:])
	}
	e.stats.Flows += uint64(len(out) - start)
	return out, err
}

// resolveSampling fills SamplingRate after the whole datagram is read, so
// options data that follow the data sets in the same datagram still apply.
// Precedence: override, the record's own rate, the rate of its sampler,
// the observation domain's rate, the configured default.
func (d *Decoder) resolveSampling(e *exporter, recs []flow.Record) {
	// A datagram's records nearly always share one sampler and domain:
	// remember the last answer instead of asking the maps per record.
	var last skey
	var lastRate uint32
	haveLast := false
	for i := range recs {
		r := &recs[i]
		if e.override != 0 {
			r.SamplingRate = e.override
			continue
		}
		if r.SamplingRate != 0 {
			continue
		}
		if r.Source == flow.SourceNetFlowV5 {
			if r.SamplingRate == 0 {
				r.SamplingRate = d.cfg.DefaultSamplingRate
			}
			continue
		}
		k := skey{sampler: r.SamplerID, domain: r.ObservationDomain, version: sourceVersion(r.Source)}
		if haveLast && k == last {
			r.SamplingRate = lastRate
			continue
		}
		r.SamplingRate = d.samplingFor(e, k)
		last, lastRate, haveLast = k, r.SamplingRate, true
	}
}

// samplingFor is the rate of a sampler, else of its domain, else the
// configured default.
func (d *Decoder) samplingFor(e *exporter, k skey) uint32 {
	if rate, ok := e.sampling[k]; ok {
		return rate
	}
	if k.sampler != 0 {
		k.sampler = 0
		if rate, ok := e.sampling[k]; ok {
			return rate
		}
	}
	return d.cfg.DefaultSamplingRate
}

func sourceVersion(s flow.Source) uint16 {
	if s == flow.SourceIPFIX {
		return 10
	}
	return 9
}

// template is a parsed (options) template.
type template struct {
	fields      []field
	scopeFields int // options templates: the first scopeFields are scope
	options     bool
	// minLen is the shortest record: fixed lengths plus one octet per
	// variable-length field. fixed tells whether every field is fixed.
	minLen int
	fixed  bool
	// For fixed templates, offs[i] is field i's offset in a record and
	// walk lists the fields a record decode must look at (the ones with an
	// op), so the hot loop slices at known offsets and skips unused fields
	// without reading them. Variable-length templates walk every field.
	offs []uint16
	walk []uint16
	// hot is walk for fixed templates in one compact array: a record
	// decode reads each field's op, offset and length with one load.
	hot []hotField
	// fast, when not nil, lets records take fastRecord (see fast.go).
	fast *fastPlan
}

// hotField is one field a fixed template's records are decoded from.
type hotField struct {
	op     op
	length uint16
	off    uint16
}

type field struct {
	pen    uint32
	id     uint16
	length uint16 // varLength for IPFIX variable-length fields
	op     op
}

const varLength = 0xffff

func (t *template) same(fields []field, scope int, options bool) bool {
	return t.options == options && t.scopeFields == scope && slices.Equal(t.fields, fields)
}

func newTemplate(fields []field, scope int, options bool) *template {
	t := &template{fields: slices.Clone(fields), scopeFields: scope, options: options, fixed: true}
	t.offs = make([]uint16, len(fields))
	for i, f := range fields {
		t.offs[i] = uint16(min(t.minLen, 0xffff))
		if f.length == varLength {
			t.fixed = false
			t.minLen++
		} else {
			t.minLen += int(f.length)
		}
	}
	for i, f := range fields {
		if !t.fixed || f.op != opSkip {
			t.walk = append(t.walk, uint16(i))
			if t.fixed {
				t.hot = append(t.hot, hotField{op: f.op, length: f.length, off: t.offs[i]})
			}
		}
	}
	t.fast = newFastPlan(t)
	return t
}

// learn stores the template in d.scratch under k, unless it is a refresh of
// the cached one. It enforces the per-exporter template cap.
func (d *Decoder) learn(e *exporter, k tkey, scope int, options bool) error {
	if old, ok := e.templates[k]; ok {
		if old.same(d.scratch, scope, options) {
			return nil
		}
	} else if len(e.templates) >= d.cfg.MaxTemplatesPerExporter {
		return errTemplateLimit
	}
	e.templates[k] = newTemplate(d.scratch, scope, options)
	e.stats.TemplateUpdates++
	return nil
}

func be(b []byte) uint64 {
	switch len(b) {
	case 1:
		return uint64(b[0])
	case 2:
		return uint64(binary.BigEndian.Uint16(b))
	case 4:
		return uint64(binary.BigEndian.Uint32(b))
	case 8:
		return binary.BigEndian.Uint64(b)
	}
	if len(b) > 8 {
		b = b[len(b)-8:]
	}
	var v uint64
	for _, c := range b {
		v = v<<8 | uint64(c)
	}
	return v
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

// Template export format, version 1 (all integers big-endian):
//
//	"SWNT" 0x01
//	per template: addrLen u8 (4|16), addr, version u16, domain u32, id u16,
//	  options u8, scopeFields u16, fieldCount u16,
//	  fieldCount × (id u16, length u16, pen u32)
const templateMagic = "SWNT\x01"

// AppendTemplates appends every cached template, in a stable order, to b
// in a compact binary form that ImportTemplates reads back, so the daemon
// can persist templates across restarts and decode data at once instead
// of waiting for the next template refresh.
func (d *Decoder) AppendTemplates(b []byte) []byte {
	return d.AppendTemplatesOf(b, d.Exporters())
}

// AppendTemplatesOf is AppendTemplates for the named exporters only (in
// the order given; unknown ones are skipped). A collector whose readers
// each import every saved template uses it to save only the exporters a
// reader hears, so that a reader's stale imported copy never overwrites
// the live template another reader holds.
func (d *Decoder) AppendTemplatesOf(b []byte, exporters []netip.Addr) []byte {
	b = append(b, templateMagic...)
	for _, a := range exporters {
		a = a.Unmap()
		e, ok := d.exporters[a]
		if !ok {
			continue
		}
		keys := make([]tkey, 0, len(e.templates))
		for k := range e.templates {
			keys = append(keys, k)
		}
		slices.SortFunc(keys, func(x, y tkey) int {
			return cmp.Or(cmp.Compare(x.version, y.version), cmp.Compare(x.domain, y.domain), cmp.Compare(x.id, y.id))
		})
		for _, k := range keys {
			t := e.templates[k]
			ab := a.AsSlice()
			b = append(b, byte(len(ab)))
			b = append(b, ab...)
			b = binary.BigEndian.AppendUint16(b, k.version)
			b = binary.BigEndian.AppendUint32(b, k.domain)
			b = binary.BigEndian.AppendUint16(b, k.id)
			opt := byte(0)
			if t.options {
				opt = 1
			}
			b = append(b, opt)
			b = binary.BigEndian.AppendUint16(b, uint16(t.scopeFields))
			b = binary.BigEndian.AppendUint16(b, uint16(len(t.fields)))
			for _, f := range t.fields {
				b = binary.BigEndian.AppendUint16(b, f.id)
				b = binary.BigEndian.AppendUint16(b, f.length)
				b = binary.BigEndian.AppendUint32(b, f.pen)
			}
		}
	}
	return b
}

// ImportTemplates loads templates written by AppendTemplates, replacing
// cached ones with the same key. Limits apply as for templates on the
// wire; the first problem stops the import with an error saying where.
func (d *Decoder) ImportTemplates(b []byte) error {
	if len(b) < len(templateMagic) || string(b[:len(templateMagic)]) != templateMagic {
		return fmt.Errorf("netflow: import templates: not a seawall template export (bad magic)")
	}
	off := len(templateMagic)
	for n := 0; off < len(b); n++ {
		fail := func(what string) error {
			return fmt.Errorf("netflow: import templates: entry %d at offset %d: %s", n, off, what)
		}
		al := int(b[off])
		if al != 4 && al != 16 {
			return fail("address length not 4 or 16")
		}
		if len(b)-off < 1+al+13 {
			return fail("truncated")
		}
		a, _ := netip.AddrFromSlice(b[off+1 : off+1+al])
		p := b[off+1+al:]
		k := tkey{version: binary.BigEndian.Uint16(p), domain: binary.BigEndian.Uint32(p[2:]), id: binary.BigEndian.Uint16(p[6:])}
		options := p[8] == 1
		scope := int(binary.BigEndian.Uint16(p[9:]))
		nf := int(binary.BigEndian.Uint16(p[11:]))
		p = p[13:]
		if (k.version != 9 && k.version != 10) || k.id < 256 {
			return fail("bad version or template id")
		}
		if nf == 0 || nf > d.cfg.MaxFieldsPerTemplate || scope > nf || (options && scope == 0 && k.version == 10) {
			return fail("bad field counts")
		}
		if len(p) < nf*8 {
			return fail("truncated fields")
		}
		d.scratch = d.scratch[:0]
		for i := range nf {
			q := p[i*8:]
			f := field{id: binary.BigEndian.Uint16(q), length: binary.BigEndian.Uint16(q[2:]), pen: binary.BigEndian.Uint32(q[4:])}
			f.op = opFor(k.version, f, options && i < scope)
			d.scratch = append(d.scratch, f)
		}
		e := d.exporter(a)
		if e == nil {
			return fail("exporter limit reached")
		}
		if err := d.learn(e, k, scope, options); err != nil {
			return fail(err.Error())
		}
		off += 1 + al + 13 + nf*8
	}
	return nil
}

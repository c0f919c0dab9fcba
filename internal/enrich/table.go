package enrich

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"sync/atomic"

	"github.com/seawall/seawall/internal/flow"
	"github.com/seawall/seawall/internal/geo"
	"github.com/seawall/seawall/internal/inventory"
	"github.com/seawall/seawall/internal/prefixset"
)

// MaxLists is how many threat lists a Table holds: one bit each in
// Tags.Threat.
const MaxLists = 64

// Sources are everything a Table is built from. Every field is optional.
type Sources struct {
	// Geo is the country database and GeoMode how its data ranks against
	// the special-purpose ranges: geo.SpecialsOverride for registry data
	// (embedded or updated), geo.SpecialsFallback for a user's own file
	// (geodata.Loaded.Mode says which). Either way private, loopback,
	// link-local, CGN, multicast and broadcast addresses never get a
	// country.
	Geo     *geo.DB
	GeoMode geo.SpecialMode
	// Block are the block policy's prefixes, both families (what
	// enforce.Desired.All returns: after the allow list).
	Block []netip.Prefix
	// ASN is a prefix-to-ASN table (ParseIPToASN). Ranges must not overlap.
	ASN []ASNRange
	// Lists are the threat lists, at most MaxLists; list i is bit i of
	// Tags.Threat.
	Lists []List
	// Inventory is the operator's inventory.
	Inventory *inventory.Config
}

// Table answers "what does seawall know about this address" with one
// lookup. It is immutable once built and safe for concurrent use; a nil
// *Table knows nothing and answers zero Tags.
//
// Every prefix-based source is flattened into one prefixset.Table whose
// value indexes a palette of distinct Tags, so an address costs one trie
// lookup whatever the number of sources. The prefix-to-ASN table stays
// beside it as sorted ranges: iptoasn names some 80,000 ASNs, more than
// a table value can index, and its ranges are not CIDR-aligned.
type Table struct {
	tags    *prefixset.Table
	palette []Tags // value v of tags is palette[v]; palette[0] is Tags{}
	asn     asnTable
	lists   []string
}

// Lookup returns the tags of a. IPv4-mapped IPv6 addresses are looked up
// as IPv4. It does not allocate.
func (t *Table) Lookup(a netip.Addr) Tags {
	if t == nil {
		return Tags{}
	}
	if a.Is4() {
		b := a.As4()
		u := binary.BigEndian.Uint32(b[:])
		tg := t.palette[t.tags.Lookup4(u)]
		tg.ASN = t.asn.lookup4(u)
		return tg
	}
	return t.lookup6(a)
}

// lookup6 takes the address apart with AsSlice, not As16, for the reason
// prefixset.Table.Lookup gives: As16's copy stalls store forwarding.
func (t *Table) lookup6(a netip.Addr) Tags {
	b := a.AsSlice()
	if len(b) < 16 {
		return Tags{} // the zero Addr
	}
	hi, lo := binary.BigEndian.Uint64(b[:8]), binary.BigEndian.Uint64(b[8:16])
	if hi == 0 && lo>>32 == 0xffff {
		u := uint32(lo)
		tg := t.palette[t.tags.Lookup4(u)]
		tg.ASN = t.asn.lookup4(u)
		return tg
	}
	tg := t.palette[t.tags.Lookup6(hi, lo)]
	tg.ASN = t.asn.lookup6(hi, lo)
	return tg
}

// Enrich tags both ends of r into out. SrcASN and DstASN are r's own AS
// fields when the exporter filled them (it knows its routing table), else
// the prefix-to-ASN table's answer. It does not allocate.
func (t *Table) Enrich(r *flow.Record, out *Flow) {
	out.Record = *r
	out.Src = t.Lookup(r.SrcAddr)
	out.Dst = t.Lookup(r.DstAddr)
	out.SrcASN = r.SrcAS
	if out.SrcASN == 0 {
		out.SrcASN = out.Src.ASN
	}
	out.DstASN = r.DstAS
	if out.DstASN == 0 {
		out.DstASN = out.Dst.ASN
	}
}

// ListNames returns the threat lists' names: name i is bit i of
// Tags.Threat.
func (t *Table) ListNames() []string {
	if t == nil {
		return nil
	}
	return append([]string(nil), t.lists...)
}

// Threats returns the names of the lists in a Tags.Threat mask.
func (t *Table) Threats(mask uint64) []string {
	var out []string
	for i, name := range t.ListNames() {
		if mask&(1<<i) != 0 {
			out = append(out, name)
		}
	}
	return out
}

// Holder holds the current Table so that the daemon can swap in a rebuilt
// one on reload while flows are being enriched. The zero Holder holds nil,
// which answers zero Tags.
type Holder struct {
	p atomic.Pointer[Table]
}

// Load returns the current table.
func (h *Holder) Load() *Table { return h.p.Load() }

// Store makes t the current table.
func (h *Holder) Store(t *Table) { h.p.Store(t) }

// Build flattens the sources into one Table.
//
// Each kind of source combines as its meaning asks: the most specific
// country, device and sensitive-host entry wins; block policy, threat
// lists and roles add up over every covering entry, so an address in a
// management network that is also a jump host has both roles.
func Build(src Sources) (*Table, error) {
	if len(src.Lists) > MaxLists {
		return nil, fmt.Errorf("%d threat lists configured; at most %d are supported", len(src.Lists), MaxLists)
	}
	items, err := collect(src)
	if err != nil {
		return nil, err
	}
	fb := flattener{mode: src.GeoMode, index: map[Tags]uint16{{}: 0}, palette: []Tags{{}}}
	for i, bits := range []int{32, 128} {
		if err := fb.flatten(items[i], bits); err != nil {
			return nil, err
		}
	}
	tt, err := prefixset.Build(fb.entries)
	if err != nil {
		return nil, err
	}
	asn, err := buildASN(src.ASN)
	if err != nil {
		return nil, err
	}
	t := &Table{tags: tt, palette: fb.palette, asn: asn}
	for _, l := range src.Lists {
		t.lists = append(t.lists, l.Name)
	}
	return t, nil
}

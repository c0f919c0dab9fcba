package geo

import (
	"cmp"
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/seawall/seawall/internal/prefixset"
)

// Meta says where a database came from.
type Meta struct {
	Source string `json:"source"`           // e.g. "ipverse/rir-ip" or "rir-delegated"
	Commit string `json:"commit,omitempty"` // upstream commit, when known
	Date   string `json:"date"`             // data date, YYYY-MM-DD
	// Registries lists the registry files an update was built from.
	Registries []string `json:"registries,omitempty"`
}

// String names the source and date, as lookup answers cite it.
func (m Meta) String() string {
	s := m.Source
	if m.Commit != "" {
		s += "@" + m.Commit[:min(len(m.Commit), 12)]
	}
	if m.Date != "" {
		s += " " + m.Date
	}
	return s
}

// Country holds one country's prefixes, aggregated and sorted.
type Country struct {
	Code string
	V4   []netip.Prefix
	V6   []netip.Prefix
}

// ASNRange is a block of AS numbers registered to a country.
type ASNRange struct {
	Country     string
	First, Last uint32
}

// DB is an immutable country database.
type DB struct {
	Meta      Meta
	Countries []Country // sorted by code
	ASNs      []ASNRange
}

// Country returns one country's entry.
func (db *DB) Country(code string) (Country, bool) {
	code = strings.ToUpper(code)
	i, ok := slices.BinarySearchFunc(db.Countries, code, func(c Country, code string) int { return cmp.Compare(c.Code, code) })
	if !ok {
		return Country{Code: code}, false
	}
	return db.Countries[i], true
}

// Ranges returns the minimal aggregated cover of the named countries'
// prefixes, IPv4 first. Unknown codes are an error naming them.
func (db *DB) Ranges(codes ...string) ([]netip.Prefix, error) {
	var all []netip.Prefix
	var unknown []string
	for _, code := range codes {
		c, ok := db.Country(code)
		if !ok {
			unknown = append(unknown, code)
			continue
		}
		all = append(all, c.V4...)
		all = append(all, c.V6...)
	}
	if len(unknown) > 0 {
		return nil, fmt.Errorf("no such country in the database (%s): %s; codes are ISO 3166 alpha-2, e.g. CN, HK, MO", db.Meta, strings.Join(unknown, ", "))
	}
	if len(codes) == 1 {
		return all, nil // already minimal
	}
	return prefixset.Aggregate(all), nil
}

// Counts holds prefix and address counts per family.
type Counts struct {
	V4 prefixset.Count
	V6 prefixset.Count
}

// Counts returns a country's counts.
func (c Country) Counts() Counts {
	v4, _ := prefixset.Counts(c.V4)
	_, v6 := prefixset.Counts(c.V6)
	return Counts{V4: v4, V6: v6}
}

// Totals sums every country's counts. Overlaps between countries, which
// registry data should not have, are counted once per country.
func (db *DB) Totals() Counts {
	var t Counts
	for _, c := range db.Countries {
		n := c.Counts()
		t.V4.Prefixes += n.V4.Prefixes
		t.V4.Addresses = t.V4.Addresses.Add(n.V4.Addresses)
		t.V6.Prefixes += n.V6.Prefixes
		t.V6.Addresses = t.V6.Addresses.Add(n.V6.Addresses)
	}
	return t
}

// Builder collects prefixes per country and builds a DB.
type Builder struct {
	prefixes map[string][]netip.Prefix
	asns     []ASNRange
}

// NewBuilder returns an empty Builder.
func NewBuilder() *Builder { return &Builder{prefixes: map[string][]netip.Prefix{}} }

// Add adds prefixes to a country (code upper case, two letters).
func (b *Builder) Add(code string, ps ...netip.Prefix) {
	b.prefixes[code] = append(b.prefixes[code], ps...)
}

// AddASN records AS numbers registered to a country.
func (b *Builder) AddASN(r ASNRange) { b.asns = append(b.asns, r) }

// AddDelegated adds the delegated (allocated or assigned) records of
// parsed registry files; available and reserved space belongs to no country.
func (b *Builder) AddDelegated(d *Delegated) {
	for i := range d.Records {
		r := &d.Records[i]
		if !r.Delegated() {
			continue
		}
		if r.Type == "asn" {
			b.AddASN(ASNRange{Country: r.Country, First: r.FirstASN, Last: r.FirstASN + r.ASNCount - 1})
			continue
		}
		b.Add(r.Country, r.Prefixes...)
	}
}

// Build aggregates each country's prefixes into a minimal cover.
func (b *Builder) Build(meta Meta) *DB {
	db := &DB{Meta: meta}
	for code, ps := range b.prefixes {
		all := prefixset.Aggregate(ps)
		i, _ := slices.BinarySearchFunc(all, true, func(p netip.Prefix, _ bool) int {
			if p.Addr().Is4() {
				return -1
			}
			return 1
		})
		db.Countries = append(db.Countries, Country{Code: code, V4: all[:i:i], V6: all[i:]})
	}
	slices.SortFunc(db.Countries, func(a, b Country) int { return cmp.Compare(a.Code, b.Code) })
	db.ASNs = slices.Clone(b.asns)
	slices.SortFunc(db.ASNs, func(a, b ASNRange) int { return cmp.Compare(a.First, b.First) })
	return db
}

// DateFromSerial turns a registry's YYYYMMDD serial into YYYY-MM-DD.
func DateFromSerial(s string) string {
	if len(s) != 8 {
		return s
	}
	return s[0:4] + "-" + s[4:6] + "-" + s[6:8]
}

package geo

import (
	"fmt"
	"net/netip"

	"github.com/seawall/seawall/internal/prefixset"
)

// Index answers "which country is this address registered to" in a few
// nanoseconds. Build it once per database and share it: it is immutable.
type Index struct {
	db    *DB
	table *prefixset.Table
	codes []string  // value v in 1..len(codes) is codes[v-1]
	spec  []Special // value len(codes)+1+i is spec[i]
}

// SpecialMode says how special-purpose ranges rank against the data.
type SpecialMode int

const (
	// SpecialsOverride makes special-purpose ranges answer "--" even where
	// the data names a country: right for registry data, where such an
	// overlap can only be an error.
	SpecialsOverride SpecialMode = iota
	// SpecialsFallback lets the data win and uses the special-purpose
	// reasons only where it is silent: right for a user's own mapping, such
	// as a test database that stands documentation ranges in for CN.
	SpecialsFallback
)

// Answer is the result of a lookup. Country is "" when the address belongs
// to no country; then Special says why, if it is a special-purpose address.
type Answer struct {
	Country string
	Special *Special
}

// NewIndex builds the lookup index of db.
func NewIndex(db *DB, mode SpecialMode) (*Index, error) {
	ix := &Index{db: db, spec: Specials()}
	if len(db.Countries)+len(ix.spec) > prefixset.MaxValue {
		return nil, fmt.Errorf("too many countries (%d)", len(db.Countries))
	}
	// Two layers: the special-purpose ranges above the data, or under it.
	dataLayer, specLayer := uint8(0), uint8(1)
	if mode == SpecialsFallback {
		dataLayer, specLayer = 1, 0
	}
	n := len(ix.spec)
	for _, c := range db.Countries {
		n += len(c.V4) + len(c.V6)
	}
	entries := make([]prefixset.Entry, 0, n)
	for i, c := range db.Countries {
		ix.codes = append(ix.codes, c.Code)
		for _, fam := range [][]netip.Prefix{c.V4, c.V6} {
			for _, p := range fam {
				entries = append(entries, prefixset.Entry{Prefix: p, Value: uint16(i + 1), Layer: dataLayer})
			}
		}
	}
	base := len(ix.codes) + 1
	for i, s := range ix.spec {
		entries = append(entries, prefixset.Entry{Prefix: s.Prefix, Value: uint16(base + i), Layer: specLayer})
	}
	t, err := prefixset.Build(entries)
	if err != nil {
		return nil, err
	}
	ix.table = t
	return ix, nil
}

// DB returns the database the index was built from.
func (ix *Index) DB() *DB { return ix.db }

// Table returns the underlying lookup table, whose values CountryOf turns
// into codes; hot paths that only compare countries can keep the value.
func (ix *Index) Table() *prefixset.Table { return ix.table }

// Lookup returns the country of a, or why there is none.
func (ix *Index) Lookup(a netip.Addr) Answer {
	v := int(ix.table.Lookup(a))
	switch {
	case v == 0:
		return Answer{}
	case v <= len(ix.codes):
		return Answer{Country: ix.codes[v-1]}
	default:
		return Answer{Special: &ix.spec[v-len(ix.codes)-1]}
	}
}

// Country returns the country code of a, or "" when it has none.
func (ix *Index) Country(a netip.Addr) string {
	return ix.CountryOf(ix.table.Lookup(a))
}

// CountryOf turns a table value into a country code ("" for none).
func (ix *Index) CountryOf(v uint16) string {
	if v == 0 || int(v) > len(ix.codes) {
		return ""
	}
	return ix.codes[v-1]
}

// Value returns the table value of a country code, 0 when absent.
func (ix *Index) Value(code string) uint16 {
	for i, c := range ix.codes {
		if c == code {
			return uint16(i + 1)
		}
	}
	return 0
}

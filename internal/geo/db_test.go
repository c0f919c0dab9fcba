package geo

import (
	"encoding/binary"
	"math/rand/v2"
	"net/netip"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/seawall/seawall/internal/prefixset"
)

// smallDB has countries whose blocks are adjacent, so that asking for
// several at once must merge them.
func smallDB(t testing.TB) *DB {
	return mustCountryList(t, Meta{Source: "small", Date: "2026-02-01"},
		"10.0.0.0/25 AA",
		"10.0.0.128/25 BB",
		"10.0.1.0/24 CC",
		"10.0.3.0/24 AA",
		"10.0.2.0/24 DD",
		"2001:db8::/33 AA",
		"2001:db8:8000::/33 BB",
		"2001:db9::/32 CC",
		"192.168.0.0/16 EE",
	)
}

func TestDBRanges(t *testing.T) {
	db := smallDB(t)
	tests := []struct {
		codes []string
		want  []string
	}{
		{[]string{"AA"}, []string{"10.0.0.0/25", "10.0.3.0/24", "2001:db8::/33"}},
		{[]string{"aa"}, []string{"10.0.0.0/25", "10.0.3.0/24", "2001:db8::/33"}},
		{[]string{"AA", "BB"}, []string{"10.0.0.0/24", "10.0.3.0/24", "2001:db8::/32"}},
		{[]string{"BB", "AA", "aa"}, []string{"10.0.0.0/24", "10.0.3.0/24", "2001:db8::/32"}},
		{[]string{"AA", "BB", "CC"}, []string{"10.0.0.0/23", "10.0.3.0/24", "2001:db8::/31"}},
		{[]string{"AA", "BB", "CC", "DD"}, []string{"10.0.0.0/22", "2001:db8::/31"}},
		{[]string{"CC", "DD"}, []string{"10.0.1.0/24", "10.0.2.0/24", "2001:db9::/32"}},
		{[]string{"EE"}, []string{"192.168.0.0/16"}},
		{nil, nil},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.codes, ","), func(t *testing.T) {
			got, err := db.Ranges(tt.codes...)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(mustPrefixes(t, tt.want...), got, cmpOpts); diff != "" {
				t.Errorf("Ranges (-want +got):\n%s", diff)
			}
			// The answer must not alias the database.
			for i := range got {
				got[i] = mustPrefixes(t, "0.0.0.0/0")[0]
			}
			if diff := cmp.Diff(smallDB(t), db, cmpOpts); diff != "" {
				t.Errorf("Ranges changed the database (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDBRangesUnknown(t *testing.T) {
	db := smallDB(t)
	tests := []struct {
		codes []string
		want  []string
	}{
		{[]string{"XX"}, []string{"(small 2026-02-01): XX;"}},
		{[]string{"AA", "xx", "BB", "YY"}, []string{": xx, YY;", "codes are ISO 3166 alpha-2"}},
		{[]string{"CHN"}, []string{": CHN;"}},
	}
	for _, tt := range tests {
		got, err := db.Ranges(tt.codes...)
		if err == nil {
			t.Errorf("Ranges(%q) = %v, want an error", tt.codes, got)
			continue
		}
		for _, w := range tt.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("Ranges(%q) error %q does not contain %q", tt.codes, err, w)
			}
		}
	}
}

func TestDBCountry(t *testing.T) {
	db := smallDB(t)
	tests := []struct {
		code string
		want Country
		ok   bool
	}{
		{"BB", Country{Code: "BB", V4: mustPrefixes(t, "10.0.0.128/25"), V6: mustPrefixes(t, "2001:db8:8000::/33")}, true},
		{"ee", Country{Code: "EE", V4: mustPrefixes(t, "192.168.0.0/16")}, true},
		{"ZZ", Country{Code: "ZZ"}, false},
		{"", Country{}, false},
	}
	for _, tt := range tests {
		got, ok := db.Country(tt.code)
		if ok != tt.ok {
			t.Errorf("Country(%q) ok = %v, want %v", tt.code, ok, tt.ok)
		}
		if diff := cmp.Diff(tt.want, got, cmpOpts); diff != "" {
			t.Errorf("Country(%q) (-want +got):\n%s", tt.code, diff)
		}
	}
}

func TestCountsTotals(t *testing.T) {
	db := smallDB(t)
	u := func(n uint64) prefixset.U128 { return prefixset.U128{Lo: n} }
	want := map[string]Counts{
		"AA": {V4: prefixset.Count{Prefixes: 2, Addresses: u(384)}, V6: prefixset.Count{Prefixes: 1, Addresses: prefixset.U128{Hi: 1 << 31}}},
		"BB": {V4: prefixset.Count{Prefixes: 1, Addresses: u(128)}, V6: prefixset.Count{Prefixes: 1, Addresses: prefixset.U128{Hi: 1 << 31}}},
		"CC": {V4: prefixset.Count{Prefixes: 1, Addresses: u(256)}, V6: prefixset.Count{Prefixes: 1, Addresses: prefixset.U128{Hi: 1 << 32}}},
		"DD": {V4: prefixset.Count{Prefixes: 1, Addresses: u(256)}},
		"EE": {V4: prefixset.Count{Prefixes: 1, Addresses: u(65536)}},
	}
	got := map[string]Counts{}
	for _, c := range db.Countries {
		got[c.Code] = c.Counts()
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Counts (-want +got):\n%s", diff)
	}
	wantTotal := Counts{
		V4: prefixset.Count{Prefixes: 6, Addresses: u(384 + 128 + 256 + 256 + 65536)},
		V6: prefixset.Count{Prefixes: 3, Addresses: prefixset.U128{Hi: 1<<31 + 1<<31 + 1<<32}},
	}
	if diff := cmp.Diff(wantTotal, db.Totals()); diff != "" {
		t.Errorf("Totals (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(Counts{}, (&DB{}).Totals()); diff != "" {
		t.Errorf("Totals of an empty DB (-want +got):\n%s", diff)
	}
}

func TestBuilder(t *testing.T) {
	b := NewBuilder()
	// Out of order, overlapping, duplicated and adjacent input; families mixed.
	b.Add("CN", mustPrefixes(t, "2400:da00::/32", "1.0.2.0/24", "1.0.1.0/24", "1.0.3.0/24", "1.0.2.0/23", "1.0.2.128/25")...)
	b.Add("CN", mustPrefixes(t, "2400:da01::/32", "1.0.0.0/24")...)
	b.Add("HK", mustPrefixes(t, "2001:df0::/48")...)
	b.AddASN(ASNRange{Country: "CN", First: 4134, Last: 4134})
	b.AddASN(ASNRange{Country: "HK", First: 4515, Last: 4516})
	b.AddASN(ASNRange{Country: "CN", First: 4808, Last: 4809})
	b.AddASN(ASNRange{Country: "CN", First: 1, Last: 2})
	got := b.Build(Meta{Source: "b", Date: "2026-02-01"})
	want := &DB{
		Meta: Meta{Source: "b", Date: "2026-02-01"},
		Countries: []Country{
			{Code: "CN", V4: mustPrefixes(t, "1.0.0.0/22"), V6: mustPrefixes(t, "2400:da00::/31")},
			{Code: "HK", V6: mustPrefixes(t, "2001:df0::/48")},
		},
		ASNs: []ASNRange{{"CN", 1, 2}, {"CN", 4134, 4134}, {"HK", 4515, 4516}, {"CN", 4808, 4809}},
	}
	if diff := cmp.Diff(want, got, cmpOpts); diff != "" {
		t.Errorf("Build (-want +got):\n%s", diff)
	}
	// Building again gives the same database: Build does not consume.
	if diff := cmp.Diff(want, b.Build(Meta{Source: "b", Date: "2026-02-01"}), cmpOpts); diff != "" {
		t.Errorf("second Build (-want +got):\n%s", diff)
	}
}

func TestMetaString(t *testing.T) {
	tests := []struct {
		m    Meta
		want string
	}{
		{Meta{Source: "ipverse/rir-ip", Commit: "6745bab5f3983019124c8df375c6d5d2b54fed8e", Date: "2026-02-01"}, "ipverse/rir-ip@6745bab5f398 2026-02-01"},
		{Meta{Source: "rir-delegated", Date: "2026-08-21"}, "rir-delegated 2026-08-21"},
		{Meta{Source: "x", Commit: "abc"}, "x@abc"},
		{Meta{}, ""},
	}
	for _, tt := range tests {
		if got := tt.m.String(); got != tt.want {
			t.Errorf("%+v.String() = %q, want %q", tt.m, got, tt.want)
		}
	}
}

// TestInternal checks Internal against InternalPrefixes on each prefix's
// edges and their neighbours, and on random addresses.
func TestInternal(t *testing.T) {
	ps := InternalPrefixes()
	inList := func(a netip.Addr) bool {
		for _, p := range ps {
			if p.Contains(a.Unmap()) {
				return true
			}
		}
		return false
	}
	var probes []netip.Addr
	for _, p := range ps {
		first := p.Masked().Addr()
		last := lastAddr(p)
		probes = append(probes, first, last, first.Prev(), last.Next())
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 100000 {
		var b [4]byte
		binary.BigEndian.PutUint32(b[:], rng.Uint32())
		probes = append(probes, netip.AddrFrom4(b), netip.AddrFrom16(netip.AddrFrom4(b).As16()))
		var b6 [16]byte
		binary.BigEndian.PutUint64(b6[:], rng.Uint64())
		b6[0] = []byte{0x20, 0xfc, 0xfd, 0xfe, 0xff}[rng.IntN(5)]
		probes = append(probes, netip.AddrFrom16(b6))
	}
	for _, a := range probes {
		if !a.IsValid() {
			continue
		}
		if got, want := Internal(a), inList(a); got != want {
			t.Errorf("Internal(%s) = %v, InternalPrefixes say %v", a, got, want)
		}
	}
	for _, a := range []string{"192.0.2.1", "203.0.113.9", "2001:db8::1", "8.8.8.8"} {
		if Internal(netip.MustParseAddr(a)) {
			t.Errorf("Internal(%s): documentation and public addresses are not internal", a)
		}
	}
}

func lastAddr(p netip.Prefix) netip.Addr {
	b := p.Masked().Addr().AsSlice()
	for i := p.Bits(); i < len(b)*8; i++ {
		b[i/8] |= 0x80 >> (i % 8)
	}
	a, _ := netip.AddrFromSlice(b)
	return a
}

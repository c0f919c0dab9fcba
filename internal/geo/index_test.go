package geo

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"slices"
	"sort"
	"sync"
	"testing"

	gocmp "github.com/google/go-cmp/cmp"

	"github.com/seawall/seawall/internal/prefixset"
)

// The world table and its index are decoded once per test binary (about a
// second under -race each) and shared read-only.
var (
	sharedWorld = sync.OnceValues(World)
	sharedIndex = sync.OnceValues(func() (*Index, error) {
		db, err := sharedWorld()
		if err != nil {
			return nil, err
		}
		return NewIndex(db, SpecialsOverride)
	})
)

func worldIndex(t testing.TB) *Index {
	t.Helper()
	ix, err := sharedIndex()
	if err != nil {
		t.Fatalf("world index: %v", err)
	}
	return ix
}

// answer is an Answer in comparable form.
type answer struct {
	Country string
	Special string // Special.String(), "" for none
}

func norm(a Answer) answer {
	if a.Special == nil {
		return answer{Country: a.Country}
	}
	return answer{Country: a.Country, Special: a.Special.String()}
}

func TestWorldLookup(t *testing.T) {
	ix := worldIndex(t)
	tests := []struct {
		addr string
		want answer
	}{
		{"1.2.4.8", answer{Country: "CN"}},
		{"8.8.8.8", answer{Country: "US"}},
		{"114.114.114.114", answer{Country: "CN"}},
		{"2400:da00::6666", answer{Country: "CN"}},
		{"::ffff:1.2.4.8", answer{Country: "CN"}},
		{"::ffff:8.8.8.8", answer{Country: "US"}},
		{"2001:4860:4860::8888", answer{Country: "US"}},
		{"41.0.0.1", answer{Country: "ZA"}},
		{"192.0.2.1", answer{Special: "documentation (TEST-NET-1) (RFC 5737)"}},
		{"198.51.100.1", answer{Special: "documentation (TEST-NET-2) (RFC 5737)"}},
		{"203.0.113.255", answer{Special: "documentation (TEST-NET-3) (RFC 5737)"}},
		{"2001:db8::1", answer{Special: "documentation (RFC 3849)"}},
		{"10.1.2.3", answer{Special: "private use (RFC 1918)"}},
		{"172.31.255.255", answer{Special: "private use (RFC 1918)"}},
		{"192.168.1.1", answer{Special: "private use (RFC 1918)"}},
		{"100.64.0.1", answer{Special: "shared address space (CGN) (RFC 6598)"}},
		{"127.0.0.1", answer{Special: "loopback (RFC 1122)"}},
		{"224.0.0.1", answer{Special: "multicast (RFC 5771)"}},
		{"239.255.255.250", answer{Special: "multicast (RFC 5771)"}},
		{"255.255.255.255", answer{Special: "limited broadcast (RFC 919)"}},
		{"250.1.2.3", answer{Special: "reserved (RFC 1112)"}},
		{"0.0.0.0", answer{Special: "this network (RFC 791)"}},
		{"192.0.0.9", answer{Special: "port control protocol anycast (RFC 7723)"}},
		{"192.0.0.100", answer{Special: "IETF protocol assignments (RFC 6890)"}},
		{"::1", answer{Special: "loopback (RFC 4291)"}},
		{"::", answer{Special: "unspecified address (RFC 4291)"}},
		{"fe80::1", answer{Special: "link-local unicast (RFC 4291)"}},
		{"fe80::1%eth0", answer{Special: "link-local unicast (RFC 4291)"}},
		{"fd00::1", answer{Special: "unique local (RFC 4193)"}},
		{"ff02::1", answer{Special: "multicast (RFC 4291)"}},
		{"2001::1", answer{Special: "Teredo (RFC 4380)"}},
		{"2001:1::2", answer{Special: "TURN anycast (RFC 8155)"}},
		{"2002:102:408::1", answer{Special: "6to4 (RFC 3056)"}},
		{"::ffff:10.1.2.3", answer{Special: "private use (RFC 1918)"}},
		// Registry data names a country here (US), but the special range wins.
		{"192.31.196.1", answer{Special: "AS112-v4 (RFC 7535)"}},
		{"2620:4f:8000::1", answer{Special: "direct delegation AS112 service (RFC 7534)"}},
		// Undelegated: no country, no reason.
		{"102.201.136.1", answer{}},
		{"4000::1", answer{}},
		{"23.132.0.1", answer{}},
	}
	for _, tt := range tests {
		a := netip.MustParseAddr(tt.addr)
		got := norm(ix.Lookup(a))
		if diff := gocmp.Diff(tt.want, got); diff != "" {
			t.Errorf("Lookup(%s) (-want +got):\n%s", tt.addr, diff)
		}
		if c := ix.Country(a); c != tt.want.Country {
			t.Errorf("Country(%s) = %q, want %q", tt.addr, c, tt.want.Country)
		}
		if c := ix.CountryOf(ix.Table().Lookup(a)); c != tt.want.Country {
			t.Errorf("CountryOf(Table().Lookup(%s)) = %q, want %q", tt.addr, c, tt.want.Country)
		}
	}
}

func TestWorldTable(t *testing.T) {
	db, err := sharedWorld()
	if err != nil {
		t.Fatal(err)
	}
	if diff := gocmp.Diff(Meta{Source: "ipverse/rir-ip", Commit: "6745bab5f3983019124c8df375c6d5d2b54fed8e", Date: "2026-02-01"}, db.Meta); diff != "" {
		t.Errorf("Meta (-want +got):\n%s", diff)
	}
	if len(db.Countries) != 237 {
		t.Errorf("%d countries, want 237", len(db.Countries))
	}
	type counts struct{ V4, V6, V4Addrs int }
	got := map[string]counts{}
	for _, cc := range []string{"CN", "HK", "MO", "TW"} {
		c, ok := db.Country(cc)
		if !ok {
			t.Fatalf("no %s", cc)
		}
		n := c.Counts()
		got[cc] = counts{V4: n.V4.Prefixes, V6: n.V6.Prefixes}
		if cc == "CN" {
			got[cc] = counts{V4: n.V4.Prefixes, V6: n.V6.Prefixes, V4Addrs: int(n.V4.Addresses.Lo)}
		}
	}
	// From ../shared/data/geo/SOURCES.md: the upstream list line counts.
	want := map[string]counts{
		"CN": {V4: 5501, V6: 2024, V4Addrs: 342953984},
		"HK": {V4: 2922, V6: 905},
		"MO": {V4: 31, V6: 11},
		"TW": {V4: 717, V6: 318},
	}
	if diff := gocmp.Diff(want, got); diff != "" {
		t.Errorf("country counts (-want +got):\n%s", diff)
	}
	tot := db.Totals()
	if tot.V4.Prefixes != 175195 || tot.V6.Prefixes != 67839 {
		t.Errorf("totals: %d IPv4 and %d IPv6 prefixes, want 175195 and 67839", tot.V4.Prefixes, tot.V6.Prefixes)
	}
	// Country codes are valid and sorted (Decode checks that prefixes are
	// sorted and disjoint); the lists are minimal covers.
	for i, c := range db.Countries {
		if !ValidCode(c.Code) || (i > 0 && c.Code <= db.Countries[i-1].Code) {
			t.Errorf("country %d: code %q out of order or invalid", i, c.Code)
		}
	}
	for _, cc := range []string{"CN", "HK", "MO", "TW", "US", "ZA"} {
		c, _ := db.Country(cc)
		if !slices.Equal(c.V4, prefixset.Aggregate(c.V4)) || !slices.Equal(c.V6, prefixset.Aggregate(c.V6)) {
			t.Errorf("%s: prefixes are not a sorted minimal cover", c.Code)
		}
	}
}

func TestIndexAccessors(t *testing.T) {
	ix := worldIndex(t)
	db, _ := sharedWorld()
	if ix.DB() != db {
		t.Errorf("DB() is not the database the index was built from")
	}
	for i, c := range db.Countries {
		v := ix.Value(c.Code)
		if int(v) != i+1 || ix.CountryOf(v) != c.Code {
			t.Errorf("Value(%s) = %d, CountryOf that = %q", c.Code, v, ix.CountryOf(v))
		}
	}
	if v := ix.Value("XX"); v != 0 {
		t.Errorf("Value(XX) = %d, want 0", v)
	}
	// Values beyond the countries are special ranges, which are no country.
	for _, v := range []uint16{0, uint16(len(db.Countries) + 1), uint16(len(db.Countries) + len(Specials())), prefixset.MaxValue} {
		if c := ix.CountryOf(v); c != "" {
			t.Errorf("CountryOf(%d) = %q, want \"\"", v, c)
		}
	}
}

// TestSpecialModes checks that a user's own list may use documentation
// ranges as stand-ins for a country (SpecialsFallback), while registry data
// may not (SpecialsOverride).
func TestSpecialModes(t *testing.T) {
	db := mustCountryList(t, Meta{Source: "test"},
		"192.0.2.0/24 CN",
		"198.51.100.0/24 CN",
		"2001:db8::/32 CN",
		"8.8.8.0/24 US",
	)
	tests := []struct {
		addr               string
		fallback, override answer
	}{
		{"192.0.2.1", answer{Country: "CN"}, answer{Special: "documentation (TEST-NET-1) (RFC 5737)"}},
		{"198.51.100.200", answer{Country: "CN"}, answer{Special: "documentation (TEST-NET-2) (RFC 5737)"}},
		{"2001:db8::1", answer{Country: "CN"}, answer{Special: "documentation (RFC 3849)"}},
		{"2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", answer{Country: "CN"}, answer{Special: "documentation (RFC 3849)"}},
		{"::ffff:192.0.2.1", answer{Country: "CN"}, answer{Special: "documentation (TEST-NET-1) (RFC 5737)"}},
		{"203.0.113.1", answer{Special: "documentation (TEST-NET-3) (RFC 5737)"}, answer{Special: "documentation (TEST-NET-3) (RFC 5737)"}},
		{"10.0.0.1", answer{Special: "private use (RFC 1918)"}, answer{Special: "private use (RFC 1918)"}},
		{"::1", answer{Special: "loopback (RFC 4291)"}, answer{Special: "loopback (RFC 4291)"}},
		{"8.8.8.8", answer{Country: "US"}, answer{Country: "US"}},
		{"1.2.4.8", answer{}, answer{}},
	}
	fb, err := NewIndex(db, SpecialsFallback)
	if err != nil {
		t.Fatal(err)
	}
	ov, err := NewIndex(db, SpecialsOverride)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		a := netip.MustParseAddr(tt.addr)
		if diff := gocmp.Diff(tt.fallback, norm(fb.Lookup(a))); diff != "" {
			t.Errorf("SpecialsFallback Lookup(%s) (-want +got):\n%s", tt.addr, diff)
		}
		if diff := gocmp.Diff(tt.override, norm(ov.Lookup(a))); diff != "" {
			t.Errorf("SpecialsOverride Lookup(%s) (-want +got):\n%s", tt.addr, diff)
		}
	}
}

func TestNewIndexTooManyCountries(t *testing.T) {
	db := &DB{}
	for i := range prefixset.MaxValue - len(Specials()) + 1 {
		db.Countries = append(db.Countries, Country{Code: fmt.Sprintf("%05d", i)})
	}
	if _, err := NewIndex(db, SpecialsOverride); err == nil {
		t.Errorf("NewIndex with %d countries succeeded", len(db.Countries))
	}
	db.Countries = db.Countries[:len(db.Countries)-1]
	if _, err := NewIndex(db, SpecialsOverride); err != nil {
		t.Errorf("NewIndex with %d countries: %v", len(db.Countries), err)
	}
}

func TestSpecials(t *testing.T) {
	seen := map[netip.Prefix]bool{}
	for _, s := range Specials() {
		if !s.Prefix.IsValid() || s.Prefix != s.Prefix.Masked() || s.Name == "" || s.RFC == "" {
			t.Errorf("bad special %+v", s)
		}
		if seen[s.Prefix] {
			t.Errorf("%s listed twice", s.Prefix)
		}
		seen[s.Prefix] = true
	}
	if got := (Special{Name: "loopback", RFC: "RFC 1122"}).String(); got != "loopback (RFC 1122)" {
		t.Errorf("String() = %q", got)
	}
}

// refRange is one country prefix's range, for the reference lookup.
type refRange struct {
	r  prefixset.Range
	cc string
}

// reference answers lookups the slow, obvious way: a linear scan of the
// special ranges of the family (the most specific wins) and a binary
// search of the countries' sorted, disjoint prefixes.
type reference struct {
	ranges   [2][]refRange // IPv4, IPv6
	specials [2][]Special
	mode     SpecialMode
}

func family(bits int) int { return bits / 128 } // 32 → 0, 128 → 1

func newReference(t testing.TB, db *DB, mode SpecialMode) *reference {
	ref := &reference{mode: mode}
	for _, s := range Specials() {
		f := family(s.Prefix.Addr().BitLen())
		ref.specials[f] = append(ref.specials[f], s)
	}
	for _, c := range db.Countries {
		for _, p := range slices.Concat(c.V4, c.V6) {
			r := prefixset.PrefixRange(p)
			ref.ranges[family(r.Bits)] = append(ref.ranges[family(r.Bits)], refRange{r, c.Code})
		}
	}
	for _, rs := range ref.ranges {
		slices.SortFunc(rs, func(a, b refRange) int { return a.r.First.Cmp(b.r.First) })
		for i := 1; i < len(rs); i++ {
			if rs[i].r.First.Cmp(rs[i-1].r.Last) <= 0 {
				t.Fatalf("countries overlap: %s %v and %s %v; the reference needs disjoint ranges", rs[i-1].cc, rs[i-1].r, rs[i].cc, rs[i].r)
			}
		}
	}
	return ref
}

func (ref *reference) special(a netip.Addr) string {
	ss := ref.specials[family(a.BitLen())]
	best := -1
	for i, s := range ss {
		if s.Prefix.Contains(a) && (best < 0 || s.Prefix.Bits() > ss[best].Prefix.Bits()) {
			best = i
		}
	}
	if best < 0 {
		return ""
	}
	return ss[best].String()
}

func (ref *reference) country(a netip.Addr) string {
	u, rs := prefixset.FromAddr(a), ref.ranges[family(a.BitLen())]
	// The last range starting at or before u is the only one that can hold it.
	i := sort.Search(len(rs), func(i int) bool { return rs[i].r.First.Cmp(u) > 0 }) - 1
	if i >= 0 && u.Cmp(rs[i].r.Last) <= 0 {
		return rs[i].cc
	}
	return ""
}

func (ref *reference) lookup(a netip.Addr) answer {
	a = a.Unmap().WithZone("")
	cc, sp := ref.country(a), ref.special(a)
	switch {
	case ref.mode == SpecialsOverride && sp != "":
		return answer{Special: sp}
	case cc != "":
		return answer{Country: cc}
	default:
		return answer{Special: sp}
	}
}

// TestIndexDifferentialWorld checks the world index against the reference
// at the first, middle and last address of every CN prefix and of a random
// sample of the others, and at 100,000 random addresses.
func TestIndexDifferentialWorld(t *testing.T) {
	t.Parallel()
	ix := worldIndex(t)
	db := ix.DB()
	ref := newReference(t, db, SpecialsOverride)
	rng := rand.New(rand.NewPCG(1, 2))

	// The prefixes that meet a special range: each country's prefixes are
	// sorted and disjoint, so those are a run found by binary search.
	meets := map[netip.Prefix]bool{}
	for _, s := range slices.Concat(ref.specials[0], ref.specials[1]) {
		sr := prefixset.PrefixRange(s.Prefix)
		for _, c := range db.Countries {
			ps := c.V4
			if sr.Bits == 128 {
				ps = c.V6
			}
			i, _ := slices.BinarySearchFunc(ps, sr.First, func(p netip.Prefix, u prefixset.U128) int {
				return prefixset.PrefixRange(p).Last.Cmp(u)
			})
			for ; i < len(ps) && prefixset.PrefixRange(ps[i]).First.Cmp(sr.Last) <= 0; i++ {
				meets[ps[i]] = true
			}
		}
	}

	type owned struct {
		p  netip.Prefix
		cc string
	}
	var sample []owned
	var others []owned
	for _, c := range db.Countries {
		for _, p := range slices.Concat(c.V4, c.V6) {
			if c.Code == "CN" || meets[p] {
				sample = append(sample, owned{p, c.Code})
			} else {
				others = append(others, owned{p, c.Code})
			}
		}
	}
	for _, i := range rng.Perm(len(others))[:20000] {
		sample = append(sample, others[i])
	}
	checked, special := 0, 0
	for _, o := range sample {
		r := prefixset.PrefixRange(o.p)
		for _, u := range []prefixset.U128{r.First, midpoint(r), r.Last} {
			a := u.Addr(r.Bits)
			want := answer{Country: o.cc}
			if meets[o.p] {
				if sp := ref.special(a); sp != "" {
					want = answer{Special: sp}
					special++
				}
			}
			if got := norm(ix.Lookup(a)); got != want {
				t.Errorf("Lookup(%s) in %s's %s = %+v, want %+v", a, o.cc, o.p, got, want)
			}
			checked++
		}
	}
	if len(meets) == 0 || special == 0 || special > 20 {
		t.Errorf("%d sampled addresses were special, in %d prefixes meeting special ranges; expected a handful (the AS112 blocks)", special, len(meets))
	}

	addrs := randomAddrs(rng, ref, 100000)
	for _, a := range addrs {
		want := ref.lookup(a)
		if got := norm(ix.Lookup(a)); got != want {
			t.Errorf("Lookup(%s) = %+v, reference %+v", a, got, want)
		}
	}
	t.Logf("checked %d prefix addresses (%d special) and %d random addresses", checked, special, len(addrs))
}

func midpoint(r prefixset.Range) prefixset.U128 {
	d := r.Last.Sub(r.First)
	half := prefixset.U128{Hi: d.Hi >> 1, Lo: d.Lo>>1 | d.Hi<<63}
	return r.First.Add(half)
}

// randomAddrs draws n addresses: uniform IPv4, uniform global-unicast
// IPv6, addresses at and next to the reference's range boundaries, inside
// special ranges, and a few IPv4-mapped and zoned forms.
func randomAddrs(rng *rand.Rand, ref *reference, n int) []netip.Addr {
	out := make([]netip.Addr, 0, n)
	u4 := func(v uint32) netip.Addr { return prefixset.U128{Lo: uint64(v)}.Addr(32) }
	for len(out) < n {
		switch k := rng.IntN(10); {
		case k < 4:
			out = append(out, u4(rng.Uint32()))
		case k < 6:
			out = append(out, prefixset.U128{Hi: rng.Uint64()>>3 | 1<<61, Lo: rng.Uint64()}.Addr(128))
		case k < 9:
			rs := ref.ranges[rng.IntN(2)]
			r := rs[rng.IntN(len(rs))].r
			var u prefixset.U128
			switch rng.IntN(5) {
			case 0:
				u = r.First
			case 1:
				u = r.Last
			case 2:
				u = r.First.SubOne()
			case 3:
				u = r.Last.AddOne()
			default:
				u = midpoint(r)
			}
			if r.Bits == 32 && u.Lo > 0xffffffff {
				continue
			}
			out = append(out, u.Addr(r.Bits))
		default:
			ss := ref.specials[rng.IntN(2)]
			s := ss[rng.IntN(len(ss))].Prefix
			r := prefixset.PrefixRange(s)
			// A prefix's size is a power of two, so Last-First masks an offset.
			m := r.Last.Sub(r.First)
			u := r.First.Add(prefixset.U128{Hi: rng.Uint64() & m.Hi, Lo: rng.Uint64() & m.Lo})
			out = append(out, u.Addr(r.Bits))
		}
		if a := out[len(out)-1]; rng.IntN(100) == 0 {
			if a.Is4() {
				out[len(out)-1] = netip.AddrFrom16(a.As16())
			} else {
				out[len(out)-1] = a.WithZone("eth0")
			}
		}
	}
	return out
}

// TestIndexDifferentialOverlaps builds random databases whose countries
// overlap each other and the special ranges, and checks both modes against
// a linear scan: the higher layer wins, then the longer prefix, then the
// later country.
func TestIndexDifferentialOverlaps(t *testing.T) {
	t.Parallel()
	specials := Specials()
	areas := []netip.Prefix{
		netip.MustParsePrefix("1.0.0.0/12"),
		netip.MustParsePrefix("2400::/20"),
	}
	for _, s := range specials {
		areas = append(areas, s.Prefix)
	}
	randIn := func(rng *rand.Rand, p netip.Prefix) netip.Addr {
		r := prefixset.PrefixRange(p)
		m := r.Last.Sub(r.First)
		return r.First.Add(prefixset.U128{Hi: rng.Uint64() & m.Hi, Lo: rng.Uint64() & m.Lo}).Addr(r.Bits)
	}
	for seed := range uint64(8) {
		rng := rand.New(rand.NewPCG(seed, 7))
		b := NewBuilder()
		for range 150 {
			area := areas[rng.IntN(len(areas))]
			// A prefix a little shorter or longer than the area, inside it
			// or around it.
			bits := min(max(area.Bits()+rng.IntN(13)-4, 0), area.Addr().BitLen())
			p, _ := randIn(rng, area).Prefix(bits)
			b.Add(fmt.Sprintf("A%c", 'A'+rng.IntN(12)), p)
		}
		db := b.Build(Meta{Source: fmt.Sprintf("seed %d", seed)})
		for _, mode := range []SpecialMode{SpecialsOverride, SpecialsFallback} {
			ix, err := NewIndex(db, mode)
			if err != nil {
				t.Fatal(err)
			}
			type entry struct {
				p     netip.Prefix
				layer int
				ans   answer
			}
			var entries []entry
			dataLayer := map[SpecialMode]int{SpecialsOverride: 0, SpecialsFallback: 1}[mode]
			for _, c := range db.Countries {
				for _, p := range slices.Concat(c.V4, c.V6) {
					entries = append(entries, entry{p, dataLayer, answer{Country: c.Code}})
				}
			}
			for _, s := range specials {
				entries = append(entries, entry{s.Prefix, 1 - dataLayer, answer{Special: s.String()}})
			}
			lookup := func(a netip.Addr) answer {
				a = a.Unmap()
				best := -1
				for i, e := range entries {
					if e.p.Contains(a) && (best < 0 || e.layer > entries[best].layer ||
						e.layer == entries[best].layer && e.p.Bits() >= entries[best].p.Bits()) {
						best = i
					}
				}
				if best < 0 {
					return answer{}
				}
				return entries[best].ans
			}
			var addrs []netip.Addr
			for _, e := range entries {
				r := prefixset.PrefixRange(e.p)
				for _, u := range []prefixset.U128{r.First, midpoint(r), r.Last, r.First.SubOne(), r.Last.AddOne()} {
					if r.Bits == 32 && u.Lo > 0xffffffff {
						continue
					}
					addrs = append(addrs, u.Addr(r.Bits))
				}
			}
			for range 500 {
				addrs = append(addrs, randIn(rng, areas[rng.IntN(len(areas))]))
			}
			for _, a := range addrs {
				if got, want := norm(ix.Lookup(a)), lookup(a); got != want {
					t.Errorf("seed %d mode %d: Lookup(%s) = %+v, reference %+v", seed, mode, a, got, want)
				}
			}
		}
	}
}

package nft

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/google/nftables"

	"github.com/seawall/seawall/internal/prefixset"
	"github.com/seawall/seawall/internal/testenv"
)

// elemString renders an element as "addr", "addr end" or "addr open".
func elemString(e nftables.SetElement) string {
	a, _ := netip.AddrFromSlice(e.Key)
	switch {
	case e.IntervalEnd:
		return a.String() + " end"
	case e.IntervalOpen:
		return a.String() + " open"
	}
	return a.String()
}

func elemStrings(es []nftables.SetElement) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = elemString(e)
	}
	return out
}

// parseElems is elemStrings' inverse.
func parseElems(tb testing.TB, ss ...string) []nftables.SetElement {
	tb.Helper()
	out := make([]nftables.SetElement, len(ss))
	for i, s := range ss {
		var addr, flag string
		if _, err := fmt.Sscan(s, &addr, &flag); err != nil && flag != "" {
			tb.Fatal(err)
		}
		a := netip.MustParseAddr(addr)
		out[i] = nftables.SetElement{Key: a.AsSlice(), IntervalEnd: flag == "end", IntervalOpen: flag == "open"}
	}
	return out
}

func TestElements(t *testing.T) {
	tests := []struct {
		name     string
		prefixes []string
		want     []string
	}{
		{"one prefix", []string{"192.0.2.0/24"}, []string{"192.0.2.0", "192.0.3.0 end"}},
		{"host", []string{"192.0.2.7/32"}, []string{"192.0.2.7", "192.0.2.8 end"}},
		{"adjacent prefixes merge", []string{"10.0.0.0/8", "11.0.0.0/8"}, []string{"10.0.0.0", "12.0.0.0 end"}},
		{"unaligned neighbours merge", []string{"10.0.1.0/24", "10.0.2.0/24"}, []string{"10.0.1.0", "10.0.3.0 end"}},
		{"overlap merges", []string{"10.1.0.0/16", "10.0.0.0/8"}, []string{"10.0.0.0", "11.0.0.0 end"}},
		{"sorted", []string{"198.51.100.0/24", "192.0.2.0/24"},
			[]string{"192.0.2.0", "192.0.3.0 end", "198.51.100.0", "198.51.101.0 end"}},
		{"from zero", []string{"0.0.0.0/32"}, []string{"0.0.0.0", "0.0.0.1 end"}},
		{"to the top has no end", []string{"255.255.255.255/32"}, []string{"255.255.255.255 open"}},
		{"top block", []string{"240.0.0.0/4"}, []string{"240.0.0.0 open"}},
		{"whole space", []string{"0.0.0.0/0"}, []string{"0.0.0.0 open"}},
		{"IPv6", []string{"2001:db8::/32"}, []string{"2001:db8::", "2001:db9:: end"}},
		{"IPv6 from zero", []string{"::/128"}, []string{"::", "::1 end"}},
		{"IPv6 top host", []string{"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128"}, []string{"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff open"}},
		{"IPv6 top block", []string{"ffff::/16", "fffe::/16"}, []string{"fffe:: open"}},
		{"IPv6 whole space", []string{"::/0"}, []string{":: open"}},
		{"IPv6 end carries", []string{"2001:db8:0:ffff:ffff:ffff:ffff:ffff/128"}, []string{"2001:db8:0:ffff:ffff:ffff:ffff:ffff", "2001:db8:1:: end"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spans := spansFor(pfx(t, tt.prefixes...))
			got := elements(t, spans, true)
			if diff := cmp.Diff(tt.want, elemStrings(got)); diff != "" {
				t.Fatalf("elements (-want +got):\n%s", diff)
			}
			for _, e := range got {
				if w := len(e.Key); w != 4 && w != 16 {
					t.Fatalf("key %x is %d bytes", e.Key, w)
				}
			}
			bits := spans[0].r.Bits
			if diff := cmp.Diff(spans, decodeElements(fromSetElements(got, bits), bits), spanCmp); diff != "" {
				t.Errorf("decodeElements(elements(x)) != x (-want +got):\n%s", diff)
			}
			// Deletions name the same keys without the open flag.
			for _, e := range elements(t, spans, false) {
				if e.IntervalOpen {
					t.Errorf("deletion element %s carries the open flag", elemString(e))
				}
			}
		})
	}
}

var spanCmp = cmp.Comparer(func(a, b span) bool { return a == b })

func parseSpans(tb testing.TB, bits int, ss ...string) []span {
	tb.Helper()
	var out []span
	for _, s := range ss {
		var first, last, end string
		if _, err := fmt.Sscanf(s, "%s %s %s", &first, &last, &end); err != nil {
			tb.Fatalf("bad span %q: %v", s, err)
		}
		out = append(out, span{
			r: prefixset.Range{
				First: prefixset.FromAddr(netip.MustParseAddr(first)),
				Last:  prefixset.FromAddr(netip.MustParseAddr(last)),
				Bits:  bits,
			},
			end: end == "end",
		})
	}
	return out
}

// TestDecodeElements covers the element layouts other writers produce:
// nft's zero end element, adjacent intervals, intervals closed by the
// next start, stray ends, and the kernel's dump order (descending).
func TestDecodeElements(t *testing.T) {
	tests := []struct {
		name  string
		bits  int
		elems []string
		want  []string // "first last end|open"
	}{
		{"empty", 32, nil, nil},
		{"nft zero element", 32, []string{"0.0.0.0 end", "10.0.0.0", "11.0.0.0 end"}, []string{"10.0.0.0 10.255.255.255 end"}},
		{"dump order", 32, []string{"11.0.0.0 end", "10.0.0.0", "0.0.0.0 end"}, []string{"10.0.0.0 10.255.255.255 end"}},
		{"adjacent intervals", 32, []string{"10.0.1.0", "10.0.2.0 end", "10.0.0.0", "10.0.1.0 end"},
			[]string{"10.0.0.0 10.0.0.255 end", "10.0.1.0 10.0.1.255 end"}},
		{"closed by the next start", 32, []string{"10.0.0.0", "10.0.1.0", "10.0.2.0 end"},
			[]string{"10.0.0.0 10.0.0.255 open", "10.0.1.0 10.0.1.255 end"}},
		{"open at the top", 32, []string{"255.0.0.0"}, []string{"255.0.0.0 255.255.255.255 open"}},
		{"open after others", 32, []string{"1.0.0.0", "2.0.0.0 end", "200.0.0.0"},
			[]string{"1.0.0.0 1.255.255.255 end", "200.0.0.0 255.255.255.255 open"}},
		{"stray ends", 32, []string{"10.0.0.0 end", "10.0.0.5 end"}, nil},
		{"stray end after an interval", 32, []string{"10.0.0.0", "10.0.0.8 end", "10.0.0.9 end"}, []string{"10.0.0.0 10.0.0.7 end"}},
		{"wrong width skipped", 32, []string{"2001:db8::", "10.0.0.0", "10.0.0.1 end"}, []string{"10.0.0.0 10.0.0.0 end"}},
		{"IPv6", 128, []string{"2001:db9:: end", "2001:db8::", "ffff::"},
			[]string{"2001:db8:: 2001:db8:ffff:ffff:ffff:ffff:ffff:ffff end", "ffff:: ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff open"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := decodeElements(fromSetElements(parseElems(t, tt.elems...), tt.bits), tt.bits)
			if diff := cmp.Diff(parseSpans(t, tt.bits, tt.want...), got, spanCmp, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("decodeElements (-want +got):\n%s", diff)
			}
		})
	}
}

// The reference universe for differential tests: the top 64 IPv4
// addresses, so that intervals can run to the end of the space.
const universeBase = 0xffffffc0

func universeKey(off int) []byte {
	a := prefixset.U128{Lo: uint64(universeBase + off)}.Addr(32).As4()
	return a[:]
}

// refMatches is the kernel's lookup rule, by brute force: the greatest
// element not above the address decides, a start element winning a tie.
func refMatches(els []nftables.SetElement, addr uint32) bool {
	best, found, start := uint32(0), false, false
	for _, e := range els {
		k := uint32(e.Key[0])<<24 | uint32(e.Key[1])<<16 | uint32(e.Key[2])<<8 | uint32(e.Key[3])
		if k > addr {
			continue
		}
		switch {
		case !found || k > best:
			best, found, start = k, true, !e.IntervalEnd
		case k == best && !e.IntervalEnd:
			start = true
		}
	}
	return found && start
}

// checkDecode compares decodeElements with refMatches over the universe
// and checks the spans' own invariants.
func checkDecode(t *testing.T, els []nftables.SetElement) {
	t.Helper()
	spans := decodeElements(fromSetElements(els, 32), 32)
	for i, s := range spans {
		if s.r.Last.Cmp(s.r.First) < 0 || (i > 0 && s.r.First.Cmp(spans[i-1].r.Last) <= 0) {
			t.Fatalf("elements %v: spans %v not sorted and disjoint", elemStrings(els), spans)
		}
		hasEnd := !isTop(s.r.Last, 32) && slices.ContainsFunc(els, func(e nftables.SetElement) bool {
			return e.IntervalEnd && slices.Equal(e.Key, key(s.r.Last.AddOne(), 32))
		})
		if s.end != hasEnd {
			t.Fatalf("elements %v: span %v has end=%v, but an end element at its end exists: %v", elemStrings(els), s, s.end, hasEnd)
		}
	}
	for off := range 64 {
		a := uint32(universeBase + off)
		u := prefixset.U128{Lo: uint64(a)}
		in := slices.ContainsFunc(spans, func(s span) bool { return s.r.First.Cmp(u) <= 0 && u.Cmp(s.r.Last) <= 0 })
		if want := refMatches(els, a); in != want {
			t.Fatalf("elements %v: %s matched=%v by the spans %v, kernel rule says %v", elemStrings(els), u.Addr(32), in, spans, want)
		}
	}
}

func TestDecodeElementsReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		els := make([]nftables.SetElement, rng.IntN(10))
		for i := range els {
			els[i] = nftables.SetElement{Key: universeKey(rng.IntN(64)), IntervalEnd: rng.IntN(2) == 0}
		}
		checkDecode(t, els)
	}
}

func FuzzDecodeElements(f *testing.F) {
	f.Add([]byte{0, 0, 8, 1})
	f.Add([]byte{0, 0, 8, 1, 8, 0, 16, 1, 63, 0})
	f.Add([]byte{4, 1, 4, 0, 5, 1, 0, 1})
	f.Fuzz(func(t *testing.T, data []byte) {
		var els []nftables.SetElement
		for ; len(data) >= 2 && len(els) < 32; data = data[2:] {
			els = append(els, nftables.SetElement{Key: universeKey(int(data[0]) % 64), IntervalEnd: data[1]&1 != 0})
		}
		checkDecode(t, els)
	})
}

// randomPrefixes draws prefixes from the reference universe and a few
// IPv4 blocks around it.
func randomPrefixes(rng *rand.Rand, n int) []netip.Prefix {
	out := make([]netip.Prefix, n)
	for i := range out {
		bits := 26 + rng.IntN(7)
		out[i] = netip.PrefixFrom(prefixset.U128{Lo: uint64(universeBase + rng.IntN(64))}.Addr(32), bits).Masked()
	}
	return out
}

// TestDiffSpans checks diffSpans against the definition: deleting del
// from installed and adding add gives desired, only differing spans are
// touched, and the address diff matches prefixset.Diff of the whole sets.
func TestDiffSpans(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for range 2000 {
		a, b := randomPrefixes(rng, rng.IntN(8)), randomPrefixes(rng, rng.IntN(8))
		installed, desired := spansOf(a, v4), spansOf(b, v4)
		del, add := diffSpans(installed, desired)
		for _, s := range del {
			if !slices.Contains(installed, s) || slices.Contains(desired, s) {
				t.Fatalf("%v -> %v: deleted span %v is not installed-only", a, b, s)
			}
		}
		for _, s := range add {
			if slices.Contains(installed, s) || !slices.Contains(desired, s) {
				t.Fatalf("%v -> %v: added span %v is not desired-only", a, b, s)
			}
		}
		var result []span
		for _, s := range installed {
			if !slices.Contains(del, s) {
				result = append(result, s)
			}
		}
		result = append(result, add...)
		slices.SortFunc(result, func(x, y span) int { return x.r.First.Cmp(y.r.First) })
		if diff := cmp.Diff(desired, result, spanCmp, cmpopts.EquateEmpty()); diff != "" {
			t.Fatalf("%v -> %v: applying the diff (-want +got):\n%s", a, b, diff)
		}
		added, removed := addressDiff(del, add)
		wantAdded, wantRemoved := prefixset.Diff(a, b)
		if diff := cmp.Diff(wantAdded, added, prefixCmp, cmpopts.EquateEmpty()); diff != "" {
			t.Fatalf("%v -> %v: added addresses (-want +got):\n%s", a, b, diff)
		}
		if diff := cmp.Diff(wantRemoved, removed, prefixCmp, cmpopts.EquateEmpty()); diff != "" {
			t.Fatalf("%v -> %v: removed addresses (-want +got):\n%s", a, b, diff)
		}
	}
}

func TestSize(t *testing.T) {
	tests := []struct {
		prefixes []string
		want     prefixset.U128
	}{
		{nil, prefixset.U128{}},
		{[]string{"10.0.0.0/8", "192.0.2.0/24"}, prefixset.U128{Lo: 1<<24 + 256}},
		{[]string{"0.0.0.0/0"}, prefixset.U128{Lo: 1 << 32}},
		{[]string{"::/1", "8000::/1"}, top(128)}, // the whole space saturates
		{[]string{"2001:db8::/32"}, prefixset.U128{Hi: 1 << 32}},
	}
	for _, tt := range tests {
		if got := size(spansFor(pfx(t, tt.prefixes...))); got != tt.want {
			t.Errorf("size(%v) = %v, want %v", tt.prefixes, got, tt.want)
		}
	}
}

// spansFor is spansOf for the family of the first prefix.
func spansFor(ps []netip.Prefix) []span {
	f := v4
	if len(ps) > 0 && ps[0].Addr().Is6() {
		f = v6
	}
	return spansOf(ps, f)
}

// TestSpansOf checks the one-pass conversion against prefixset.Ranges on
// sorted, unsorted, overlapping and mixed-family input, edges included.
func TestSpansOf(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	edges := pfx(t, "0.0.0.0/0", "0.0.0.0/32", "255.255.255.255/32", "128.0.0.0/1", "::/0", "::/128",
		"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128", "8000::/1", "2001:db8::/64", "2001:db8::/63", "2001:db8:0:1::/65")
	for range 3000 {
		var ps []netip.Prefix
		for range rng.IntN(12) {
			if rng.IntN(4) == 0 {
				ps = append(ps, edges[rng.IntN(len(edges))])
				continue
			}
			a := prefixset.U128{Lo: uint64(universeBase + rng.IntN(64))}.Addr(32)
			bits := 26 + rng.IntN(7)
			if rng.IntN(2) == 0 {
				b := a.As4()
				a = netip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, 12: b[0], 13: b[1], 14: b[2], 15: b[3]})
				bits += 96
			}
			p := netip.PrefixFrom(a, bits)
			if rng.IntN(3) > 0 {
				p = p.Masked() // sometimes keep host bits
			}
			ps = append(ps, p)
		}
		if rng.IntN(2) == 0 {
			ps = prefixset.Aggregate(ps) // the sorted fast path
		}
		for _, f := range families {
			want := canonical(ranges(ps, f))
			if diff := cmp.Diff(want, spansOf(ps, f), spanCmp, cmpopts.EquateEmpty()); diff != "" {
				t.Fatalf("spansOf(%v, %v) (-want +got):\n%s", ps, f, diff)
			}
		}
	}
}

// TestAppendPrefixes checks the allocation-free split against
// prefixset.Range.Prefixes.
func TestAppendPrefixes(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	check := func(r prefixset.Range) {
		t.Helper()
		if diff := cmp.Diff(r.Prefixes(), appendPrefixes(nil, r), prefixCmp); diff != "" {
			t.Fatalf("appendPrefixes(%v-%v) (-want +got):\n%s", r.First.Addr(r.Bits), r.Last.Addr(r.Bits), diff)
		}
	}
	check(prefixset.Range{First: prefixset.U128{}, Last: top(32), Bits: 32})
	check(prefixset.Range{First: prefixset.U128{}, Last: top(128), Bits: 128})
	check(prefixset.Range{First: top(128), Last: top(128), Bits: 128})
	check(prefixset.Range{First: prefixset.U128{Lo: 1}, Last: top(128).Sub(prefixset.U128{Lo: 1}), Bits: 128})
	for range 500 {
		a := prefixset.U128{Hi: rng.Uint64() >> rng.IntN(64), Lo: rng.Uint64() >> rng.IntN(64)}
		b := prefixset.U128{Hi: a.Hi, Lo: a.Lo + rng.Uint64()>>rng.IntN(64)}
		if rng.IntN(2) == 0 {
			b.Hi += rng.Uint64() >> rng.IntN(64)
		}
		if b.Cmp(a) < 0 {
			a, b = b, a
		}
		check(prefixset.Range{First: a, Last: b, Bits: 128})
		a4, b4 := rng.Uint32(), rng.Uint32()
		check(prefixset.Range{First: prefixset.U128{Lo: uint64(min(a4, b4))}, Last: prefixset.U128{Lo: uint64(max(a4, b4))}, Bits: 32})
	}
}

// key encodes u as a set key of the family's width.
func key(u prefixset.U128, bits int) []byte {
	b := make([]byte, bits/8)
	putKey(b, u, bits)
	return b
}

// TestEncodeAllocs asserts that the per-apply conversions of a warm
// Backend reuse their memory: turning the prefix lists into spans (and
// spans into elements, TestSetElementsAllocs).
func TestEncodeAllocs(t *testing.T) {
	testenv.SkipIfRace(t)
	ps := pfx(t, "10.0.0.0/8", "11.0.0.0/8", "192.0.2.0/24", "198.51.100.0/24", "255.255.255.255/32")
	ps6 := pfx(t, "2001:db8::/32", "2001:db9::/32", "ffff::/16")
	buf := [2][]span{spansOf(ps, v4), spansOf(ps6, v6)}
	tests := []struct {
		name string
		f    func()
	}{
		{"appendSpans4", func() { buf[0] = appendSpans(buf[0], ps, v4) }},
		{"appendSpans6", func() { buf[1] = appendSpans(buf[1], ps6, v6) }},
	}
	for _, tt := range tests {
		if n := testing.AllocsPerRun(100, tt.f); n != 0 {
			t.Errorf("%s: %v allocations per run, want 0", tt.name, n)
		}
	}
}

// fromSetElements converts the library's elements, skipping keys of
// another width than the family's (a set of the right type cannot hold
// them).
func fromSetElements(els []nftables.SetElement, bits int) []rawElem {
	out := make([]rawElem, 0, len(els))
	for _, e := range els {
		if len(e.Key) != bits/8 {
			continue
		}
		a, _ := netip.AddrFromSlice(e.Key)
		out = append(out, rawElem{prefixset.FromAddr(a), e.IntervalEnd})
	}
	return out
}

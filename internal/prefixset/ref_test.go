package prefixset

// Slow, obviously-correct references shared by the differential tests and
// fuzz targets.

import (
	"math/rand/v2"
	"net/netip"
	"slices"
	"testing"

	"github.com/seawall/seawall/internal/prefixset/prefixsettest"
)

// Shared with the other packages' tests (Build leaves empty families as
// empty slices and Decode as nil, which mean the same).
var (
	cmpOpts      = prefixsettest.CmpOptions
	mustPrefixes = prefixsettest.Prefixes
)

// universe is a small address space (at most 2^16 addresses) that a
// brute-force reference enumerates one address at a time.
type universe struct {
	base netip.Prefix // masked
}

var (
	small4 = universe{netip.MustParsePrefix("10.0.0.0/16")}
	small6 = universe{netip.MustParsePrefix("2001:db8::/112")}
	tiny4  = universe{netip.MustParsePrefix("10.0.0.0/24")}
	tiny6  = universe{netip.MustParsePrefix("2001:db8::/120")}
)

func (u universe) hostBits() int { return u.base.Addr().BitLen() - u.base.Bits() }
func (u universe) size() int     { return 1 << u.hostBits() }

// addr returns the address at offset off in u, computed with netip only.
func (u universe) addr(off int) netip.Addr {
	b := u.base.Addr().AsSlice()
	for i := len(b) - 1; off > 0; i-- {
		b[i] |= byte(off)
		off >>= 8
	}
	a, _ := netip.AddrFromSlice(b)
	return a
}

// offset returns a's offset in u.
func (u universe) offset(a netip.Addr) int {
	b := a.AsSlice()
	off := 0
	for _, x := range b[len(b)-(u.hostBits()+7)/8:] {
		off = off<<8 | int(x)
	}
	return off & (u.size() - 1)
}

// randPrefix returns a prefix inside u, usually with host bits set.
func (u universe) randPrefix(rng *rand.Rand) netip.Prefix {
	return netip.PrefixFrom(u.addr(rng.IntN(u.size())), u.base.Bits()+rng.IntN(u.hostBits()+1))
}

// randPrefixes returns n prefixes inside u. A third of them are the sibling
// or the next block of an earlier one, so that adjacent ranges that must
// merge are common.
func (u universe) randPrefixes(rng *rand.Rand, n int) []netip.Prefix {
	var out []netip.Prefix
	for range n {
		if len(out) == 0 || rng.IntN(3) != 0 {
			out = append(out, u.randPrefix(rng))
			continue
		}
		q := out[rng.IntN(len(out))].Masked()
		size := 1 << (u.base.Addr().BitLen() - q.Bits())
		off := u.offset(q.Addr())
		if rng.IntN(2) == 0 {
			off ^= size // sibling
		} else {
			off += size // next block, sibling or not
		}
		if q.Bits() == u.base.Bits() || off >= u.size() {
			continue
		}
		out = append(out, netip.PrefixFrom(u.addr(off), q.Bits()))
	}
	return out
}

// members enumerates the addresses of u covered by ps, which must lie in u
// or in the other family.
func (u universe) members(t testing.TB, ps []netip.Prefix) []bool {
	t.Helper()
	in := make([]bool, u.size())
	for _, p := range ps {
		if !p.IsValid() || p.Addr().Is4() != u.base.Addr().Is4() {
			continue
		}
		if p.Bits() < u.base.Bits() || !u.base.Contains(p.Addr()) {
			t.Fatalf("prefix %s outside the reference universe %s", p, u.base)
		}
		first := u.offset(p.Masked().Addr())
		for i := range 1 << (u.base.Addr().BitLen() - p.Bits()) {
			in[first+i] = true
		}
	}
	return in
}

// cover returns the unique minimal CIDR cover of in: a block is emitted when
// every address in it is a member, otherwise its halves are examined.
func (u universe) cover(in []bool) []netip.Prefix {
	sum := make([]int, len(in)+1)
	for i, b := range in {
		sum[i+1] = sum[i]
		if b {
			sum[i+1]++
		}
	}
	var out []netip.Prefix
	var walk func(off, bits int)
	walk = func(off, bits int) {
		n := 1 << (u.base.Addr().BitLen() - bits)
		switch sum[off+n] - sum[off] {
		case 0:
		case n:
			out = append(out, netip.PrefixFrom(u.addr(off), bits))
		default:
			walk(off, bits+1)
			walk(off+n/2, bits+1)
		}
	}
	walk(0, u.base.Bits())
	return out
}

func setOp(a, b []bool, f func(x, y bool) bool) []bool {
	out := make([]bool, len(a))
	for i := range a {
		out[i] = f(a[i], b[i])
	}
	return out
}

func andNot(x, y bool) bool { return x && !y }

// firstDiff returns the first index where a and b differ, or -1.
func firstDiff(a, b []bool) int {
	for i := range a {
		if a[i] != b[i] {
			return i
		}
	}
	return -1
}

// checkMinimal reports an error unless ps is sorted (IPv4 first), masked,
// non-overlapping and free of sibling pairs, which together make it the
// minimal cover of its union.
func checkMinimal(t testing.TB, ps []netip.Prefix) {
	t.Helper()
	for i, p := range ps {
		if !p.IsValid() || p != p.Masked() {
			t.Errorf("output prefix %s is not a masked valid prefix", p)
		}
		if i == 0 {
			continue
		}
		q := ps[i-1]
		if q.Addr().Is4() != p.Addr().Is4() {
			if !q.Addr().Is4() {
				t.Errorf("IPv6 prefix %s before IPv4 prefix %s", q, p)
			}
			continue
		}
		if !q.Addr().Less(p.Addr()) {
			t.Errorf("output not sorted: %s before %s", q, p)
		}
		if q.Overlaps(p) {
			t.Errorf("output prefixes %s and %s overlap", q, p)
		}
		if q.Bits() == p.Bits() && q.Bits() > 0 {
			pq, _ := q.Addr().Prefix(q.Bits() - 1)
			pp, _ := p.Addr().Prefix(p.Bits() - 1)
			if pq == pp {
				t.Errorf("output prefixes %s and %s are siblings that should merge into %s", q, p, pq)
			}
		}
	}
}

// refLookup is the slow longest-prefix match: scan all entries; among those
// covering a the highest layer wins, then the longest prefix, then the later
// entry. IPv4-mapped IPv6 addresses match as IPv4.
func refLookup(entries []Entry, a netip.Addr) uint16 {
	a = a.Unmap()
	bestLayer, bestBits, v := -1, -1, uint16(0)
	for _, e := range entries {
		if !e.Prefix.Contains(a) {
			continue
		}
		l, b := int(e.Layer), e.Prefix.Bits()
		if l > bestLayer || l == bestLayer && b >= bestBits {
			bestLayer, bestBits, v = l, b, e.Value
		}
	}
	return v
}

// refContains is the slow membership test.
func refContains(ps []netip.Prefix, a netip.Addr) bool {
	a = a.Unmap()
	for _, p := range ps {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

func addr4(v uint32) netip.Addr {
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
}

func addr6(hi, lo uint64) netip.Addr {
	var b [16]byte
	for i := range 8 {
		b[i] = byte(hi >> (56 - 8*i))
		b[8+i] = byte(lo >> (56 - 8*i))
	}
	return netip.AddrFrom16(b)
}

func mapped(a netip.Addr) netip.Addr { return netip.AddrFrom16(a.As16()) }

// prefixGen draws nested, overlapping prefixes around a few cluster
// addresses so that every trie level is split and shared.
type prefixGen struct {
	rng  *rand.Rand
	c4   []uint32
	c6   [][2]uint64
	long bool // favour long prefixes (fewer whole-space covers)
}

func newPrefixGen(rng *rand.Rand, long bool) *prefixGen {
	g := &prefixGen{rng: rng, long: long}
	for range 1 + rng.IntN(4) {
		g.c4 = append(g.c4, rng.Uint32())
		g.c6 = append(g.c6, [2]uint64{rng.Uint64(), rng.Uint64()})
	}
	return g
}

// near returns a cluster address with its low k bits randomised, k uniform.
func (g *prefixGen) near4() uint32 {
	c := g.c4[g.rng.IntN(len(g.c4))]
	m := uint32(1)<<g.rng.IntN(33) - 1
	return c&^m | g.rng.Uint32()&m
}

func (g *prefixGen) near6() (hi, lo uint64) {
	c := g.c6[g.rng.IntN(len(g.c6))]
	m := mask(g.rng.IntN(129))
	return c[0]&^m.Hi | g.rng.Uint64()&m.Hi, c[1]&^m.Lo | g.rng.Uint64()&m.Lo
}

func (g *prefixGen) bits(max int) int {
	if !g.long || g.rng.IntN(4) == 0 {
		return g.rng.IntN(max + 1)
	}
	return max/2 + g.rng.IntN(max/2+1)
}

func (g *prefixGen) prefix() netip.Prefix {
	if g.rng.IntN(2) == 0 {
		return netip.PrefixFrom(addr4(g.near4()), g.bits(32))
	}
	return netip.PrefixFrom(addr6(g.near6()), g.bits(128))
}

// edgeQueries returns every prefix's first, middle and last address and the
// neighbours just outside it: where a lookup structure's boundaries are.
func edgeQueries(ps []netip.Prefix) []netip.Addr {
	var qs []netip.Addr
	for _, p := range ps {
		r := PrefixRange(p)
		qs = append(qs, r.First.Addr(r.Bits), r.Last.Addr(r.Bits))
		if hb := r.Bits - p.Bits(); hb > 0 {
			qs = append(qs, r.First.or(pow2(hb-1)).Addr(r.Bits))
		}
		if !r.First.IsZero() {
			qs = append(qs, r.First.SubOne().Addr(r.Bits))
		}
		if r.Last != mask(r.Bits) {
			qs = append(qs, r.Last.AddOne().Addr(r.Bits))
		}
	}
	return qs
}

// withMapped adds the IPv4-mapped IPv6 form of every IPv4 address.
func withMapped(qs []netip.Addr) []netip.Addr {
	for _, q := range slices.Clone(qs) {
		if q.Is4() {
			qs = append(qs, mapped(q))
		}
	}
	return qs
}

// queries returns addresses to probe: edgeQueries, addresses near the
// clusters and uniformly random ones, and the IPv4-mapped forms of the
// IPv4 ones.
func (g *prefixGen) queries(ps []netip.Prefix, random int) []netip.Addr {
	qs := edgeQueries(ps)
	for range random {
		qs = append(qs, addr4(g.near4()), addr6(g.near6()), addr4(g.rng.Uint32()), addr6(g.rng.Uint64(), g.rng.Uint64()))
	}
	return withMapped(qs)
}

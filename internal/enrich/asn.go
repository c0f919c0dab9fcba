package enrich

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/seawall/seawall/internal/prefixset"
)

// asnTable answers "which AS originates this address" from disjoint
// address ranges, sorted by start. A radix index over the starts narrows
// the search to a handful of ranges: its root splits on the top 16 bits,
// and a bucket with more than leafMax ranges splits on the next 8 bits,
// and so on. A plain binary search of iptoasn's IPv6 ranges, which crowd
// into a few /16s (2001::/16, 2a00::/16 ...), took some fifteen cache
// misses per lookup.
type asnTable struct {
	ix4    radix
	first4 []uint32 // range starts, apart from the rest so a leaf's are in one or two cache lines
	rest4  []rest4
	ix6    radix
	hi6    []uint64 // top halves of the range starts, for the same reason
	r6     []range6
}

type rest4 struct{ last, asn uint32 }

type range6 struct {
	firstHi, firstLo, lastHi, lastLo uint64
	asn                              uint32
}

// lookup4 returns the AS of an IPv4 address, 0 when no range holds it.
func (t *asnTable) lookup4(a uint32) uint32 {
	lo, hi := t.ix4.bounds(uint64(a)<<32, 0)
	for lo < hi { // the first range starting after a
		m := (lo + hi) / 2
		if t.first4[m] <= a {
			lo = m + 1
		} else {
			hi = m
		}
	}
	if lo == 0 {
		return 0
	}
	r := &t.rest4[lo-1]
	if a <= r.last {
		return r.asn
	}
	return 0
}

// lookup6 returns the AS of an IPv6 address, 0 when no range holds it.
func (t *asnTable) lookup6(ahi, alo uint64) uint32 {
	lo, hi := t.ix6.bounds(ahi, alo)
	for lo < hi { // the first range whose start's top half is above a's
		m := (lo + hi) / 2
		if t.hi6[m] <= ahi {
			lo = m + 1
		} else {
			hi = m
		}
	}
	// Ranges that start within a's /64 need the low half compared too.
	for lo > 0 && t.hi6[lo-1] == ahi && t.r6[lo-1].firstLo > alo {
		lo--
	}
	if lo == 0 {
		return 0
	}
	r := &t.r6[lo-1]
	if ahi < r.lastHi || (ahi == r.lastHi && alo <= r.lastLo) {
		return r.asn
	}
	return 0
}

// The most ranges a radix bucket holds before it splits: a leaf's starts
// then span four cache lines at most, and the index stays small (the
// nodes of an iptoasn-sized table take a few megabytes).
const (
	leafMax4 = 64
	leafMax6 = 32
)

// nodeWords is the size of a radix node: for each digit j its bound at
// 2j and child link at 2j+1, then the end bound at 512, so that a step
// reads two bounds and a link from one cache line.
const nodeWords = 2*256 + 1

// radix indexes the sorted starts of ranges, as 128-bit keys (IPv4 in
// the top 32 bits). For the bucket of keys sharing a prefix, bounds give
// the first range whose start is at or after each extension of the
// prefix; so the last range starting at or before an address lies in
// the address's bucket, or is the one just before it.
type radix struct {
	root  []uint32 // 65537 bounds over the top 16 bits; nil for no ranges
	child []uint32 // per root bucket: 1+offset of its node in nodes, 0 for a leaf
	nodes []uint32 // nodes of nodeWords words
}

// bounds returns the bucket [lo, hi) of ranges to search for key; the
// answer is the last range there starting at or before key, else lo-1.
func (x *radix) bounds(khi, klo uint64) (lo, hi uint32) {
	if x.root == nil {
		return 0, 0
	}
	h := khi >> 48
	lo, hi = x.root[h], x.root[h+1]
	c := x.child[h]
	for shift := 40; c != 0; shift -= 8 {
		var j uint64
		if shift >= 0 {
			j = khi >> uint(shift) & 0xff
		} else {
			j = klo >> uint(64+shift) & 0xff
		}
		node := x.nodes[c-1:][:nodeWords]
		lo, c, hi = node[2*j], node[2*j+1], node[2*j+2]
	}
	return lo, hi
}

// buildRadix indexes n sorted keys of width bits (32 or 128).
func buildRadix(n, bits, leafMax int, key func(i int) (hi, lo uint64)) radix {
	if n == 0 {
		return radix{}
	}
	byteOf := func(i, depth int) uint64 {
		hi, lo := key(i)
		if depth < 64 {
			return hi >> (56 - depth) & 0xff
		}
		return lo >> (120 - depth) & 0xff
	}
	x := radix{root: make([]uint32, 1<<16+1), child: make([]uint32, 1<<16)}
	// split sets bound(d) for every digit d from 0 to n, the last being
	// hi: the first of the keys in [lo, hi) whose digit(i) is d or more.
	split := func(n, lo, hi int, digit func(i int) uint64, bound func(d int) *uint32) {
		i := lo
		for d := range n + 1 {
			for i < hi && digit(i) < uint64(d) {
				i++
			}
			*bound(d) = uint32(i)
		}
	}
	var build func(lo, hi, depth int) uint32
	build = func(lo, hi, depth int) uint32 {
		if hi-lo <= leafMax || depth >= bits {
			return 0
		}
		off := len(x.nodes)
		x.nodes = append(x.nodes, make([]uint32, nodeWords)...)
		split(256, lo, hi, func(i int) uint64 { return byteOf(i, depth) }, func(d int) *uint32 { return &x.nodes[off+2*d] })
		for j := range 256 {
			c := build(int(x.nodes[off+2*j]), int(x.nodes[off+2*j+2]), depth+8)
			x.nodes[off+2*j+1] = c
		}
		return uint32(off + 1)
	}
	split(1<<16, 0, n, func(i int) uint64 { hi, _ := key(i); return hi >> 48 }, func(d int) *uint32 { return &x.root[d] })
	for h := range 1 << 16 {
		x.child[h] = build(int(x.root[h]), int(x.root[h+1]), 16)
	}
	return x
}

// buildASN sorts the ranges, rejects overlaps (a table that gives one
// address two origins is damaged, and guessing which is right would hide
// that) and merges neighbours with the same AS.
func buildASN(in []ASNRange) (asnTable, error) {
	type rng struct {
		r    prefixset.Range
		asn  uint32
		orig int
	}
	rs := make([]rng, 0, len(in))
	for i, a := range in {
		if a.ASN == 0 {
			continue
		}
		first, last := a.First.WithZone(""), a.Last.WithZone("")
		if first.Is4In6() && last.Is4In6() {
			first, last = first.Unmap(), last.Unmap()
		}
		if !first.IsValid() || !last.IsValid() || first.Is4() != last.Is4() || last.Less(first) {
			return asnTable{}, fmt.Errorf("ASN range %d (%s-%s, AS%d) is not a valid range", i, a.First, a.Last, a.ASN)
		}
		rs = append(rs, rng{prefixset.Range{First: prefixset.FromAddr(first), Last: prefixset.FromAddr(last), Bits: first.BitLen()}, a.ASN, i})
	}
	slices.SortFunc(rs, func(a, b rng) int {
		if c := cmp.Compare(a.r.Bits, b.r.Bits); c != 0 {
			return c
		}
		return a.r.First.Cmp(b.r.First)
	})
	var t asnTable
	for i, x := range rs {
		if i > 0 {
			p := rs[i-1]
			if p.r.Bits == x.r.Bits && p.r.Last.Cmp(x.r.First) >= 0 {
				o := in[p.orig]
				return asnTable{}, fmt.Errorf("ASN ranges %s-%s (AS%d) and %s-%s (AS%d) overlap; a prefix-to-ASN table gives each address one origin",
					o.First, o.Last, o.ASN, in[x.orig].First, in[x.orig].Last, x.asn)
			}
		}
		if x.r.Bits == 32 {
			first, last := uint32(x.r.First.Lo), uint32(x.r.Last.Lo)
			if n := len(t.rest4); n > 0 && t.rest4[n-1].asn == x.asn && t.rest4[n-1].last+1 == first {
				t.rest4[n-1].last = last
				continue
			}
			t.first4 = append(t.first4, first)
			t.rest4 = append(t.rest4, rest4{last, x.asn})
			continue
		}
		r := range6{x.r.First.Hi, x.r.First.Lo, x.r.Last.Hi, x.r.Last.Lo, x.asn}
		if n := len(t.r6); n > 0 {
			q := &t.r6[n-1]
			next := prefixset.U128{Hi: q.lastHi, Lo: q.lastLo}.AddOne()
			if q.asn == r.asn && next == x.r.First {
				q.lastHi, q.lastLo = r.lastHi, r.lastLo
				continue
			}
		}
		t.r6 = append(t.r6, r)
	}
	t.ix4 = buildRadix(len(t.first4), 32, leafMax4, func(i int) (uint64, uint64) { return uint64(t.first4[i]) << 32, 0 })
	t.ix6 = buildRadix(len(t.r6), 128, leafMax6, func(i int) (uint64, uint64) { return t.r6[i].firstHi, t.r6[i].firstLo })
	t.hi6 = make([]uint64, len(t.r6))
	for i, r := range t.r6 {
		t.hi6[i] = r.firstHi
	}
	return t, nil
}

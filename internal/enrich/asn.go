package enrich

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/seawall/seawall/internal/prefixset"
)

// asnTable answers "which AS originates this address" from disjoint
// address ranges. Ranges are sorted by start; a 65,537-entry index on the
// top 16 bits narrows the binary search to the ranges that start within
// the address's /16, which for iptoasn data is a handful, so a lookup is a
// few dependent loads rather than a twenty-step search of the whole table.
type asnTable struct {
	idx4 []uint32 // idx4[h]: the first range of r4 starting at or after h<<16
	r4   []range4
	idx6 []uint32 // as idx4, over the top 16 bits of IPv6 addresses
	r6   []range6
}

type range4 struct {
	first, last, asn uint32
}

type range6 struct {
	firstHi, firstLo, lastHi, lastLo uint64
	asn                              uint32
}

// lookup4 returns the AS of an IPv4 address, 0 when no range holds it.
func (t *asnTable) lookup4(a uint32) uint32 {
	if t.idx4 == nil {
		return 0
	}
	h := a >> 16
	lo, hi := t.idx4[h], t.idx4[h+1]
	for lo < hi { // first range starting after a
		m := (lo + hi) / 2
		if t.r4[m].first <= a {
			lo = m + 1
		} else {
			hi = m
		}
	}
	if lo == 0 {
		return 0
	}
	r := &t.r4[lo-1]
	if a <= r.last {
		return r.asn
	}
	return 0
}

// lookup6 returns the AS of an IPv6 address, 0 when no range holds it.
func (t *asnTable) lookup6(ahi, alo uint64) uint32 {
	if t.idx6 == nil {
		return 0
	}
	h := ahi >> 48
	lo, hi := t.idx6[h], t.idx6[h+1]
	for lo < hi {
		m := (lo + hi) / 2
		r := &t.r6[m]
		if r.firstHi < ahi || (r.firstHi == ahi && r.firstLo <= alo) {
			lo = m + 1
		} else {
			hi = m
		}
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
			r := range4{uint32(x.r.First.Lo), uint32(x.r.Last.Lo), x.asn}
			if n := len(t.r4); n > 0 && t.r4[n-1].asn == r.asn && t.r4[n-1].last+1 == r.first {
				t.r4[n-1].last = r.last
				continue
			}
			t.r4 = append(t.r4, r)
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
	if len(t.r4) > 0 {
		t.idx4 = bucketIndex(len(t.r4), func(i int) uint64 { return uint64(t.r4[i].first >> 16) })
	}
	if len(t.r6) > 0 {
		t.idx6 = bucketIndex(len(t.r6), func(i int) uint64 { return t.r6[i].firstHi >> 48 })
	}
	return t, nil
}

// bucketIndex returns, for every 16-bit bucket h and h = 65536, the index
// of the first of n sorted ranges whose start lies in bucket h or later.
func bucketIndex(n int, bucket func(i int) uint64) []uint32 {
	idx := make([]uint32, 1<<16+1)
	i := 0
	for h := range idx {
		for i < n && bucket(i) < uint64(h) {
			i++
		}
		idx[h] = uint32(i)
	}
	return idx
}

// Package prefixset holds immutable sets of IP prefixes: building them,
// aggregating them into minimal CIDR covers, set algebra and diffs, and the
// lookup tables that answer "which value covers this address" in a few
// nanoseconds without allocating.
package prefixset

import (
	"cmp"
	"fmt"
	"net/netip"
	"slices"
)

// Range is an inclusive address range within one family.
type Range struct {
	First, Last U128
	Bits        int // 32 for IPv4, 128 for IPv6
}

// PrefixRange returns the inclusive range a prefix covers.
func PrefixRange(p netip.Prefix) Range {
	p = p.Masked()
	bits := p.Addr().BitLen()
	first := FromAddr(p.Addr())
	return Range{First: first, Last: first.or(mask(bits - p.Bits())), Bits: bits}
}

// Size returns the number of addresses in r, and false when that is 2^128
// (the whole IPv6 space), which U128 cannot hold.
func (r Range) Size() (U128, bool) {
	d := r.Last.Sub(r.First)
	if d.Hi == ^uint64(0) && d.Lo == ^uint64(0) {
		return U128{}, false
	}
	return d.AddOne(), true
}

// Prefixes splits r into the fewest CIDR blocks that cover it exactly.
func (r Range) Prefixes() []netip.Prefix {
	return r.appendPrefixes(nil)
}

func (r Range) appendPrefixes(dst []netip.Prefix) []netip.Prefix {
	a := r.First
	for {
		// The block at a may be as large as a's alignment allows and must
		// not run past Last.
		n := min(a.trailingZeros(), r.Bits)
		for n > 0 && a.or(mask(n)).Cmp(r.Last) > 0 {
			n--
		}
		dst = append(dst, netip.PrefixFrom(a.Addr(r.Bits), r.Bits-n))
		end := a.or(mask(n))
		if end.Cmp(r.Last) >= 0 {
			return dst
		}
		a = end.AddOne()
	}
}

// RangePrefixes splits the inclusive range first..last into the fewest
// prefixes. Both addresses must be of one family and first <= last.
func RangePrefixes(first, last netip.Addr) ([]netip.Prefix, error) {
	if !first.IsValid() || !last.IsValid() {
		return nil, fmt.Errorf("range %s-%s has an invalid address", first, last)
	}
	if first.Is4() != last.Is4() {
		return nil, fmt.Errorf("range %s-%s mixes address families", first, last)
	}
	if last.Less(first) {
		return nil, fmt.Errorf("range %s-%s ends before it starts", first, last)
	}
	return Range{First: FromAddr(first), Last: FromAddr(last), Bits: first.BitLen()}.Prefixes(), nil
}

// Ranges converts prefixes to sorted, merged ranges: overlapping and
// adjacent prefixes become one range. IPv4 ranges come before IPv6 ones.
func Ranges(prefixes []netip.Prefix) []Range {
	rs := make([]Range, 0, len(prefixes))
	for _, p := range prefixes {
		if !p.IsValid() {
			continue
		}
		rs = append(rs, PrefixRange(p))
	}
	return mergeRanges(rs)
}

func mergeRanges(rs []Range) []Range {
	slices.SortFunc(rs, func(a, b Range) int {
		if c := cmp.Compare(a.Bits, b.Bits); c != 0 {
			return c
		}
		return a.First.Cmp(b.First)
	})
	out := rs[:0]
	for _, r := range rs {
		if n := len(out); n > 0 {
			last := &out[n-1]
			if last.Bits == r.Bits && (r.First.Cmp(last.Last) <= 0 || r.First == last.Last.AddOne()) {
				if r.Last.Cmp(last.Last) > 0 {
					last.Last = r.Last
				}
				continue
			}
		}
		out = append(out, r)
	}
	return out
}

// Aggregate returns the minimal sorted CIDR cover of the union of prefixes:
// host bits are cleared, duplicates and covered prefixes removed, and
// adjacent blocks merged. IPv4 prefixes come first.
func Aggregate(prefixes []netip.Prefix) []netip.Prefix {
	return prefixesOf(Ranges(prefixes))
}

func prefixesOf(rs []Range) []netip.Prefix {
	var out []netip.Prefix
	for _, r := range rs {
		out = r.appendPrefixes(out)
	}
	return out
}

// Subtract returns the minimal cover of the addresses in a that are not in b.
func Subtract(a, b []netip.Prefix) []netip.Prefix {
	return prefixesOf(subtractRanges(Ranges(a), Ranges(b)))
}

// subtractRanges removes b from a; both sorted and merged.
func subtractRanges(a, b []Range) []Range {
	var out []Range
	j := 0
	for _, r := range a {
		cur := r
		alive := true
		for j < len(b) && less(b[j], cur) {
			j++
		}
		for k := j; alive && k < len(b); k++ {
			s := b[k]
			if s.Bits != cur.Bits || s.First.Cmp(cur.Last) > 0 {
				break
			}
			if s.Last.Cmp(cur.First) < 0 {
				continue
			}
			if s.First.Cmp(cur.First) > 0 {
				out = append(out, Range{First: cur.First, Last: s.First.SubOne(), Bits: cur.Bits})
			}
			if s.Last.Cmp(cur.Last) >= 0 {
				alive = false
			} else {
				cur.First = s.Last.AddOne()
			}
		}
		if alive {
			out = append(out, cur)
		}
	}
	return out
}

// less reports whether s lies wholly before r (family first, then address).
func less(s, r Range) bool {
	if s.Bits != r.Bits {
		return s.Bits < r.Bits
	}
	return s.Last.Cmp(r.First) < 0
}

// Diff returns what must be added to old to reach new and what must be
// removed from it, each as a minimal cover.
func Diff(old, new []netip.Prefix) (added, removed []netip.Prefix) {
	o, n := Ranges(old), Ranges(new)
	return prefixesOf(subtractRanges(n, o)), prefixesOf(subtractRanges(o, n))
}

// Count holds the number of prefixes and addresses of one family.
type Count struct {
	Prefixes  int
	Addresses U128
}

// Counts returns per-family prefix and address counts of an aggregated
// prefix list. Address counts of the whole IPv6 space saturate.
func Counts(prefixes []netip.Prefix) (v4, v6 Count) {
	for _, p := range prefixes {
		c := &v6
		if p.Addr().Is4() {
			c = &v4
		}
		c.Prefixes++
		size, ok := PrefixRange(p).Size()
		if !ok {
			c.Addresses = mask(128)
			continue
		}
		c.Addresses = c.Addresses.Add(size)
	}
	return v4, v6
}

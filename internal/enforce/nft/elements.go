package nft

import (
	"encoding/binary"
	"math/bits"
	"net/netip"
	"slices"

	"github.com/seawall/seawall/internal/prefixset"
)

// An interval set holds half-open intervals [start, end) as two elements:
// a start element keyed by the first address and an end element, flagged
// NFT_SET_ELEM_INTERVAL_END, keyed by the address after the last one. An
// interval that runs to the top of the address space (255.255.255.255,
// ffff:...:ffff) has no address after it, so it has no end element; the
// kernel matches from the start element onward. A lookup finds the
// greatest element not above the address and matches if that is a start
// element; where a start and an end element share a key, the start wins.

// span is one interval as the kernel holds it.
type span struct {
	r prefixset.Range
	// end reports whether an end element at r.Last+1 closes the interval.
	// It is false for an interval that runs to the top of the space, and
	// for one that another tool closed with a following start element
	// instead: deleting the interval must not name an element that does
	// not exist, or the kernel rejects the whole transaction.
	end bool
}

// top is the highest address of a bits-wide family.
func top(bits int) prefixset.U128 {
	if bits == 32 {
		return prefixset.U128{Lo: 0xffffffff}
	}
	return prefixset.U128{Hi: ^uint64(0), Lo: ^uint64(0)}
}

// isTop reports whether u is the highest address of a bits-wide family.
func isTop(u prefixset.U128, bits int) bool { return u == top(bits) }

// canonical returns the spans seawall installs for merged ranges rs.
func canonical(rs []prefixset.Range) []span {
	out := make([]span, len(rs))
	for i, r := range rs {
		out[i] = span{r: r, end: !isTop(r.Last, r.Bits)}
	}
	return out
}

// putKey writes u as a set key of the family's width into dst, in
// network byte order as the payload expression loads it from the packet.
func putKey(dst []byte, u prefixset.U128, bits int) {
	if bits == 32 {
		binary.BigEndian.PutUint32(dst, uint32(u.Lo))
		return
	}
	binary.BigEndian.PutUint64(dst, u.Hi)
	binary.BigEndian.PutUint64(dst[8:], u.Lo)
}

// countElements is the number of set elements spans take (see
// txn.setElements).
func countElements(spans []span) int {
	n := len(spans)
	for _, s := range spans {
		if s.end {
			n++
		}
	}
	return n
}

// decodeElements turns a set's elements, in any order, back into the
// spans they match, following the kernel's lookup rule: sorted by key, an
// interval starts at each start element and ends at the next element of
// any kind (an end element closes it; a start element continues with a
// new interval) or runs to the top of the space. End elements with no
// interval open before them (nft writes one at address 0) match nothing
// and are ignored. It sorts es in place.
func decodeElements(es []rawElem, bits int) []span {
	// At equal keys the end element sorts first: it closes the interval
	// before, and the start element opens the next one.
	slices.SortFunc(es, func(a, b rawElem) int {
		if c := a.k.Cmp(b.k); c != 0 {
			return c
		}
		switch {
		case a.end == b.end:
			return 0
		case a.end:
			return -1
		default:
			return 1
		}
	})
	// The kernel keeps no duplicates; a dump that had them would mean the
	// same thing once.
	es = slices.Compact(es)
	var out []span
	for i, e := range es {
		if e.end {
			continue // nothing open: a stray end element
		}
		s := span{r: prefixset.Range{First: e.k, Last: top(bits), Bits: bits}}
		if i+1 < len(es) {
			// The next element has a greater key: an end element with
			// the same key sorts before this one, a duplicate start is
			// gone.
			next := es[i+1]
			s.r.Last = next.k.SubOne()
			s.end = next.end
		}
		out = append(out, s)
	}
	return out
}

// mergedRanges returns the address ranges spans match, merged.
func mergedRanges(spans []span) []prefixset.Range {
	if len(spans) == 0 {
		return nil
	}
	out := make([]prefixset.Range, 0, len(spans))
	for _, s := range spans {
		if n := len(out); n > 0 && out[n-1].Last.AddOne() == s.r.First && !isTop(out[n-1].Last, s.r.Bits) {
			out[n-1].Last = s.r.Last
			continue
		}
		out = append(out, s.r)
	}
	return out
}

// prefixesOf returns the minimal CIDR cover of rs, in order.
func prefixesOf(rs []prefixset.Range) []netip.Prefix {
	var out []netip.Prefix
	for _, r := range rs {
		out = appendPrefixes(out, r)
	}
	return out
}

// appendPrefixes appends the minimal CIDR cover of r (what
// prefixset.Range.Prefixes returns) to dst without allocating a slice per
// range, and sizing each block in one step rather than bit by bit, which
// matters when a whole country is reported.
func appendPrefixes(dst []netip.Prefix, r prefixset.Range) []netip.Prefix {
	a, last := r.First, r.Last
	for {
		// The block at a is as large as a's alignment allows and as the
		// rest of the range holds: 2^n addresses with 2^n <= last-a+1.
		n := min(trailingZeros(a), r.Bits)
		if rest := last.Sub(a); rest != top(128) {
			n = min(n, bitLen(rest.AddOne())-1)
		}
		dst = append(dst, netip.PrefixFrom(a.Addr(r.Bits), r.Bits-n))
		end := hostMask(n).orWith(a)
		if end.Cmp(last) >= 0 {
			return dst
		}
		a = end.AddOne()
	}
}

// bitLen is the number of bits needed to hold u.
func bitLen(u prefixset.U128) int {
	if u.Hi != 0 {
		return 64 + bits.Len64(u.Hi)
	}
	return bits.Len64(u.Lo)
}

// u128 adds the bit operations appendPrefixes needs to prefixset.U128.
type u128 prefixset.U128

func trailingZeros(u prefixset.U128) int {
	if u.Lo != 0 {
		return bits.TrailingZeros64(u.Lo)
	}
	return 64 + bits.TrailingZeros64(u.Hi) // 128 for zero
}

// hostMask has the low n bits set.
func hostMask(n int) u128 {
	switch {
	case n <= 0:
		return u128{}
	case n < 64:
		return u128{Lo: 1<<n - 1}
	case n < 128:
		return u128{Hi: 1<<(n-64) - 1, Lo: ^uint64(0)}
	}
	return u128{Hi: ^uint64(0), Lo: ^uint64(0)}
}

func (m u128) orWith(u prefixset.U128) prefixset.U128 {
	return prefixset.U128{Hi: u.Hi | m.Hi, Lo: u.Lo | m.Lo}
}

// diffSpans compares the installed spans with the desired ones (both
// sorted by first address, as decodeElements and canonical return them)
// and returns the spans to delete and to add. A span is kept only if it is
// installed exactly as desired; any other installed span is deleted whole
// and any other desired span added whole. Changing one end of an interval
// in place would be fewer elements, but the kernel's overlap check refuses
// some of those edits (splitting an interval in two needs an end and a
// start element inside it, and whichever goes first overlaps), whereas
// deleting whole intervals first and then adding whole ones in ascending
// order always passes it.
func diffSpans(installed, desired []span) (del, add []span) {
	i, j := 0, 0
	for i < len(installed) && j < len(desired) {
		a, b := &installed[i], &desired[j]
		// The common case first, field by field: comparing the structs
		// whole goes through memequal and doubles the cost of the loop.
		if a.r.First == b.r.First && a.r.Last == b.r.Last && a.end == b.end {
			i++
			j++
			continue
		}
		switch c := a.r.First.Cmp(b.r.First); {
		case c < 0:
			del = append(del, *a)
			i++
		case c > 0:
			add = append(add, *b)
			j++
		default: // same start, different end
			del = append(del, *a)
			add = append(add, *b)
			i++
			j++
		}
	}
	del = append(del, installed[i:]...)
	add = append(add, desired[j:]...)
	return del, add
}

// addressDiff returns the addresses gained and lost when del is replaced
// by add. Spans that stay are disjoint from both (installed spans do not
// overlap, nor do desired ones), so the change of the whole set is the
// change between these few spans, which keeps a small update cheap however
// large the set is.
func addressDiff(del, add []span) (added, removed []netip.Prefix) {
	rs := func(ss []span) []netip.Prefix {
		var out []netip.Prefix
		for _, s := range ss {
			out = appendPrefixes(out, s.r)
		}
		return out
	}
	// Spans are sorted and disjoint, so their prefixes in order are
	// already a minimal cover: with one side empty there is nothing to
	// compute.
	switch {
	case len(del) == 0:
		return rs(add), nil
	case len(add) == 0:
		return nil, rs(del)
	}
	return prefixset.Diff(rs(del), rs(add))
}

// size returns the number of addresses spans cover, saturating at the
// whole IPv6 space.
func size(spans []span) prefixset.U128 {
	var total prefixset.U128
	for _, s := range spans {
		n, ok := s.r.Size()
		if !ok {
			return top(128)
		}
		sum := total.Add(n)
		if sum.Cmp(total) < 0 {
			return top(128)
		}
		total = sum
	}
	return total
}

package nft

import (
	"net/netip"
	"slices"

	"github.com/google/nftables"

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

// key encodes u as a set key of the family's width, in network byte order
// as the payload expression loads it from the packet.
func key(u prefixset.U128, bits int) []byte {
	a := u.Addr(bits)
	if bits == 32 {
		b := a.As4()
		return b[:]
	}
	b := a.As16()
	return b[:]
}

// elements encodes spans as set elements in ascending order, each start
// element followed by its end element. The order matters to the kernel:
// it refuses a start element whose nearest lower neighbour is another
// start element (an overlap), so each interval must be complete before
// the next one starts. Open intervals carry nft's "interval open" flag so
// that `nft list` prints them as ranges to the top of the space.
func elements(spans []span, markOpen bool) []nftables.SetElement {
	out := make([]nftables.SetElement, 0, 2*len(spans))
	for _, s := range spans {
		out = append(out, nftables.SetElement{
			Key:          key(s.r.First, s.r.Bits),
			IntervalOpen: markOpen && !s.end && isTop(s.r.Last, s.r.Bits),
		})
		if s.end {
			out = append(out, nftables.SetElement{Key: key(s.r.Last.AddOne(), s.r.Bits), IntervalEnd: true})
		}
	}
	return out
}

// countElements is len(elements(spans, ...)) without building them.
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
// and are ignored. Elements of the wrong width are skipped; a set of the
// right type cannot hold them.
func decodeElements(els []nftables.SetElement, bits int) []span {
	width := bits / 8
	type el struct {
		k   prefixset.U128
		end bool
	}
	es := make([]el, 0, len(els))
	for _, e := range els {
		if len(e.Key) != width {
			continue
		}
		a, _ := netip.AddrFromSlice(e.Key)
		es = append(es, el{prefixset.FromAddr(a), e.IntervalEnd})
	}
	// At equal keys the end element sorts first: it closes the interval
	// before, and the start element opens the next one.
	slices.SortFunc(es, func(a, b el) int {
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
		out = append(out, r.Prefixes()...)
	}
	return out
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
		a, b := installed[i], desired[j]
		if a == b { // the common case, checked first because it is cheap
			i++
			j++
			continue
		}
		switch c := a.r.First.Cmp(b.r.First); {
		case c == 0 && a.r.Last == b.r.Last && a.end == b.end:
			i++
			j++
		case c < 0:
			del = append(del, a)
			i++
		case c > 0:
			add = append(add, b)
			j++
		default: // same start, different end
			del = append(del, a)
			add = append(add, b)
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
		out := make([]netip.Prefix, 0, len(ss))
		for _, s := range ss {
			out = append(out, s.r.Prefixes()...)
		}
		return out
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

package prefixset

import (
	"encoding/binary"
	"fmt"
	"math/bits"
	"net/netip"
)

// Set answers membership in one set of prefixes (one country, one block
// list) faster than a Table: IPv4 is a per-/16 state array plus, for /16s
// that are only partly in the set, one 64-byte bitmap chunk per /16 with a
// "whole /24 in" bit and a "partly in" bit per /24. A country's partial /16s
// fit in L2, so most lookups touch two cache lines. IPv6 uses a Table.
type Set struct {
	l0     *[1 << 16]uint16 // 0 out, 1 in, n>=2 chunk n-2
	chunks []chunk
	l2base []uint32    // per chunk: index of its first /24 bitmap in l2
	l2     [][4]uint64 // per partly-in /24: one bit per address
	v6     *Table
}

type chunk struct {
	full, part [4]uint64
}

// NewSet builds a Set from any prefixes; overlaps are merged.
func NewSet(prefixes []netip.Prefix) (*Set, error) {
	s := &Set{l0: new([1 << 16]uint16)}
	var v6 []Entry
	part := map[uint32]*[4]uint64{} // /24 key → address bitmap, during build
	for _, r := range Ranges(unmapPrefixes(prefixes)) {
		for _, p := range r.Prefixes() {
			if !p.Addr().Is4() {
				v6 = append(v6, Entry{Prefix: p, Value: 1})
				continue
			}
			s.add4(p, part)
		}
	}
	if len(s.chunks) > 1<<16-2 {
		return nil, fmt.Errorf("set splits %d /16s, more than a Set can index", len(s.chunks))
	}
	// Order third-level bitmaps by chunk and bit so that a rank of the
	// "partly in" bits finds them.
	s.l2base = make([]uint32, len(s.chunks))
	for ci := range s.chunks {
		s.l2base[ci] = uint32(len(s.l2))
		for i := uint32(0); i < 256; i++ {
			if s.chunks[ci].part[i>>6]&(1<<(i&63)) != 0 {
				s.l2 = append(s.l2, *part[uint32(ci)<<8|i])
			}
		}
	}
	t, err := Build(v6)
	if err != nil {
		return nil, err
	}
	s.v6 = t
	return s, nil
}

func (s *Set) add4(p netip.Prefix, part map[uint32]*[4]uint64) {
	a := uint32(FromAddr(p.Addr()).Lo)
	n := p.Bits()
	if n <= 16 {
		for i := a >> 16; i < a>>16+1<<(16-n); i++ {
			s.l0[i] = 1
		}
		return
	}
	slot := a >> 16
	if s.l0[slot] == 1 {
		return
	}
	if s.l0[slot] == 0 {
		s.chunks = append(s.chunks, chunk{})
		s.l0[slot] = uint16(len(s.chunks) + 1)
	}
	ci := uint32(s.l0[slot] - 2)
	c := &s.chunks[ci]
	i := (a >> 8) & 0xff
	if n <= 24 {
		for j := i; j < i+1<<(24-n); j++ {
			c.full[j>>6] |= 1 << (j & 63)
		}
		return
	}
	c.part[i>>6] |= 1 << (i & 63)
	key := ci<<8 | i
	bm := part[key]
	if bm == nil {
		bm = new([4]uint64)
		part[key] = bm
	}
	for j := a & 0xff; j < a&0xff+1<<(32-n); j++ {
		bm[j>>6] |= 1 << (j & 63)
	}
}

// Contains reports whether a is in the set. IPv4-mapped IPv6 addresses are
// looked up as IPv4. (As4 rather than As16, for the reason Table.Lookup
// gives.)
func (s *Set) Contains(a netip.Addr) bool {
	if a.Is4() {
		return s.Contains4(binary.BigEndian.Uint32(asSlice4(a)))
	}
	if a.Is4In6() {
		return s.Contains4(binary.BigEndian.Uint32(asSlice4(a.Unmap())))
	}
	return s.v6.Lookup(a) != 0
}

// Contains4 reports whether the IPv4 address a (as an integer) is in the set.
//
// The branch on the /16's state is deliberate: it is predicted right for
// most addresses, which lets the processor run ahead into the next lookups
// while this one's load is in flight. A branchless form that always reads
// a chunk (chunks 0 and 1 standing for "out" and "in") measured 60% slower.
// Contains4 stays small enough to be inlined into its callers (the rest is
// in containsChunk4): the call alone cost a third of a lookup.
func (s *Set) Contains4(a uint32) bool {
	if e := s.l0[a>>16]; e < 2 {
		return e == 1
	}
	return s.containsChunk4(a)
}

// containsChunk4 continues a lookup in a /16 only partly in the set.
//
//go:noinline
func (s *Set) containsChunk4(a uint32) bool {
	ci := uint32(s.l0[a>>16] - 2)
	c := &s.chunks[ci]
	i := (a >> 8) & 0xff
	w, bit := i>>6, uint64(1)<<(i&63)
	if c.full[w&3]&bit != 0 {
		return true
	}
	if c.part[w&3]&bit == 0 {
		return false
	}
	return s.contains4Part(ci, c, i, a&0xff)
}

// contains4Part is the rare path for /24s only partly in the set.
func (s *Set) contains4Part(ci uint32, c *chunk, i, host uint32) bool {
	rank := 0
	for w := uint32(0); w < i>>6; w++ {
		rank += bits.OnesCount64(c.part[w])
	}
	rank += bits.OnesCount64(c.part[i>>6] & (1<<(i&63) - 1))
	bm := &s.l2[int(s.l2base[ci])+rank]
	return bm[host>>6]&(1<<(host&63)) != 0
}

// Bytes reports the memory held by the set's lookup arrays.
func (s *Set) Bytes() int {
	return len(s.l0)*2 + len(s.chunks)*64 + len(s.l2base)*4 + len(s.l2)*32 + s.v6.Stats().Bytes
}

// unmapPrefixes turns IPv4-mapped IPv6 prefixes into IPv4 ones, since
// lookups answer mapped addresses as IPv4.
func unmapPrefixes(ps []netip.Prefix) []netip.Prefix {
	out := ps
	for i, p := range ps {
		if p.Addr().Is4In6() && p.Bits() >= 96 {
			if &out[0] == &ps[0] {
				out = append([]netip.Prefix(nil), ps...)
			}
			out[i] = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
		}
	}
	return out
}

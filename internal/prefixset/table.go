package prefixset

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"slices"
)

// MaxValue is the largest value a Table can hold. Value 0 means "no entry".
const MaxValue = 0x7fff

const (
	child32 = uint32(1) << 31
	child16 = uint16(1) << 15
)

// Entry maps a prefix to a value for Build.
type Entry struct {
	Prefix netip.Prefix
	Value  uint16
	// Layer ranks entries before prefix length does: an entry of a higher
	// layer wins over every entry of a lower one, however specific. Within
	// a layer the longest prefix wins. Most tables use one layer; two let a
	// registry of special ranges override data, or stand under it.
	Layer uint8
}

// Table answers longest-prefix-match lookups from address to a small
// value. It is immutable after Build and safe for concurrent readers
// without locks; lookups do not allocate.
//
// IPv4 is a three-level multibit trie with 16, 8 and 8 bit strides and
// leaf-pushed entries: a /16 that holds one value throughout costs a single
// load from a 256 KiB first level that stays in L2, and only /16s that are
// split between values descend into 512-byte second-level chunks. IPv6 uses
// a 16 bit first level and 8 bit strides below it.
type Table struct {
	l0 *[1 << 16]uint32 // per /16: value, or child32|chunk index into l1
	l1 []uint16         // 256 per chunk: value, or child16|chunk index into l2
	l2 []uint16         // 256 per chunk: values

	root  *[1 << 16]uint32 // IPv6 per /16: value, or child32|node index
	nodes []uint32         // 256 per node, 8 bits each
}

// Build makes a Table. Where prefixes overlap the higher layer wins, then
// the longest prefix; between identical prefixes the later entry wins.
func Build(entries []Entry) (*Table, error) {
	t := &Table{l0: new([1 << 16]uint32), root: new([1 << 16]uint32)}
	// Painting shorter prefixes first and longer ones over them gives
	// longest-prefix match with leaf pushing; a counting sort by (layer,
	// length) keeps the input order among equals and runs in linear time.
	var start [256*129 + 1]int
	key := func(e Entry) int { return int(e.Layer)*129 + e.Prefix.Bits() }
	for _, e := range entries {
		if !e.Prefix.IsValid() {
			return nil, fmt.Errorf("invalid prefix in table entry with value %d", e.Value)
		}
		start[key(e)+1]++
	}
	for i := 1; i < len(start); i++ {
		start[i] += start[i-1]
	}
	sorted := make([]Entry, len(entries))
	for _, e := range entries {
		k := key(e)
		sorted[start[k]] = e
		start[k]++
	}
	for _, e := range sorted {
		if !e.Prefix.IsValid() {
			return nil, fmt.Errorf("invalid prefix in table entry with value %d", e.Value)
		}
		if e.Value > MaxValue {
			return nil, fmt.Errorf("value %d for %s exceeds the table maximum %d", e.Value, e.Prefix, MaxValue)
		}
		p := e.Prefix.Masked()
		if p.Addr().Is4In6() && p.Bits() >= 96 {
			// Lookups answer mapped addresses from the IPv4 table, so a
			// mapped entry belongs there too.
			p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
		}
		if p.Addr().Is4() {
			t.paint4(p, e.Value)
		} else {
			if err := t.paint6(p, e.Value); err != nil {
				return nil, err
			}
		}
	}
	if len(t.l2)/256 > int(^child16)+1 {
		return nil, fmt.Errorf("table needs %d third-level chunks, more than %d", len(t.l2)/256, ^child16)
	}
	return t, nil
}

func (t *Table) paint4(p netip.Prefix, v uint16) {
	a := uint32(FromAddr(p.Addr()).Lo)
	bits := p.Bits()
	if bits <= 16 {
		first := a >> 16
		for i := first; i < first+1<<(16-bits); i++ {
			// Within a layer shorter prefixes paint first, so a child
			// replaced here was made by a lower layer that this one beats.
			t.l0[i] = uint32(v)
		}
		return
	}
	c := t.child4(a >> 16)
	if bits <= 24 {
		first := c<<8 | (a>>8)&0xff
		for i := first; i < first+1<<(24-bits); i++ {
			t.l1[i] = v
		}
		return
	}
	i := c<<8 | (a>>8)&0xff
	e := t.l1[i]
	if e&child16 == 0 {
		idx := uint16(len(t.l2) / 256)
		t.l2 = grow(t.l2)
		fill(t.l2[int(idx)<<8:int(idx+1)<<8], e)
		t.l1[i] = child16 | idx
		e = t.l1[i]
	}
	first := uint32(e&^child16)<<8 | a&0xff
	for j := first; j < first+1<<(32-bits); j++ {
		t.l2[j] = v
	}
}

// child4 returns the l1 chunk of a /16, creating it from the /16's value.
func (t *Table) child4(slot uint32) uint32 {
	e := t.l0[slot]
	if e&child32 != 0 {
		return e &^ child32
	}
	idx := uint32(len(t.l1) / 256)
	t.l1 = grow(t.l1)
	fill(t.l1[idx<<8:(idx+1)<<8], uint16(e))
	t.l0[slot] = child32 | idx
	return idx
}

// grow appends one 256-entry chunk, doubling the capacity when it runs
// out: append alone grows large slices by a quarter, copying the table
// many times over while it is built.
func grow[T uint16 | uint32](s []T) []T {
	if cap(s)-len(s) < 256 {
		s = slices.Grow(s, max(len(s), 16*256))
	}
	return s[:len(s)+256]
}

func fill[T any](s []T, v T) {
	for i := range s {
		s[i] = v
	}
}

func (t *Table) paint6(p netip.Prefix, v uint16) error {
	a := FromAddr(p.Addr())
	bits := p.Bits()
	if bits <= 16 {
		first := uint32(a.Hi >> 48)
		for i := first; i < first+1<<(16-bits); i++ {
			t.root[i] = uint32(v)
		}
		return nil
	}
	slot := &t.root[a.Hi>>48]
	parent := -1 // index of *slot in t.nodes, or -1 while slot is in root
	for depth := 16; ; depth += 8 {
		if *slot&child32 == 0 {
			idx := uint32(len(t.nodes) / 256)
			if idx >= child32 {
				return fmt.Errorf("IPv6 table too large at %s", p)
			}
			t.nodes = grow(t.nodes)
			if parent >= 0 {
				slot = &t.nodes[parent] // the append may have moved t.nodes
			}
			fill(t.nodes[idx<<8:(idx+1)<<8], *slot)
			*slot = child32 | idx
		}
		base := int(*slot&^child32) << 8
		node := t.nodes[base:][:256]
		i := byteAt(a, depth)
		if bits <= depth+8 {
			for j := i; j < i+1<<(depth+8-bits); j++ {
				node[j] = uint32(v)
			}
			return nil
		}
		parent = base + int(i)
		slot = &node[i]
	}
}

// byteAt returns the 8 bits of a starting at bit offset depth from the top.
func byteAt(a U128, depth int) uint32 {
	if depth < 64 {
		return uint32(a.Hi>>(56-depth)) & 0xff
	}
	return uint32(a.Lo>>(120-depth)) & 0xff
}

// Lookup returns the value of the longest prefix covering a, or 0.
// IPv4-mapped IPv6 addresses are looked up as IPv4.
//
// The address is taken apart with As4, not As16: As16's 16-byte result is
// copied through the stack in a way that defeats store-to-load forwarding
// and stalled every lookup by about 10 ns. Callers that already hold an
// IPv4 address as an integer (flow decoders do) skip even that with
// Lookup4.
func (t *Table) Lookup(a netip.Addr) uint16 {
	if a.Is4() {
		return t.Lookup4(binary.BigEndian.Uint32(asSlice4(a)))
	}
	return t.lookup6(a)
}

// asSlice4 returns an IPv4 address's bytes; a must be IPv4.
func asSlice4(a netip.Addr) []byte {
	b := a.As4()
	return b[:]
}

//go:noinline
func (t *Table) lookup6(a netip.Addr) uint16 {
	// AppendBinary writes the address with two 8-byte stores that the two
	// loads below are forwarded from; As16 would stall here.
	b := a.AsSlice()
	if len(b) < 16 {
		return 0 // the zero Addr
	}
	hi, lo := binary.BigEndian.Uint64(b[:8]), binary.BigEndian.Uint64(b[8:16])
	if hi == 0 && lo>>32 == 0xffff {
		return t.Lookup4(uint32(lo))
	}
	return t.Lookup6(hi, lo)
}

// Lookup4 looks up an IPv4 address given as a 32-bit integer.
func (t *Table) Lookup4(a uint32) uint16 {
	e := t.l0[a>>16]
	if e&child32 == 0 {
		return uint16(e)
	}
	return t.deep4(e, a)
}

// deep4 continues a lookup in a /16 split between values.
//
//go:noinline
func (t *Table) deep4(e, a uint32) uint16 {
	e1 := t.l1[(e&^child32)<<8|(a>>8)&0xff]
	if e1&child16 == 0 {
		return e1
	}
	return t.l2[uint32(e1&^child16)<<8|a&0xff]
}

// Lookup6 looks up an IPv6 address given as two 64-bit halves.
func (t *Table) Lookup6(hi, lo uint64) uint16 {
	e := t.root[hi>>48]
	shift := 40
	for e&child32 != 0 {
		var i uint64
		if shift >= 0 {
			i = hi >> uint(shift) & 0xff
		} else {
			i = lo >> uint(64+shift) & 0xff
		}
		e = t.nodes[uint64(e&^child32)<<8|i]
		shift -= 8
	}
	return uint16(e)
}

// Stats describes a table's shape and memory use.
type Stats struct {
	V4Chunks, V4Chunks3 int // second- and third-level IPv4 chunks
	V6Nodes             int
	Bytes               int // memory held by the lookup arrays
}

// Stats reports the table's size.
func (t *Table) Stats() Stats {
	return Stats{
		V4Chunks:  len(t.l1) / 256,
		V4Chunks3: len(t.l2) / 256,
		V6Nodes:   len(t.nodes) / 256,
		Bytes:     len(t.l0)*4 + len(t.l1)*2 + len(t.l2)*2 + len(t.root)*4 + len(t.nodes)*4,
	}
}

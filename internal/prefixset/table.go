package prefixset

import (
	"encoding/binary"
	"fmt"
	"math/bits"
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
// load from a 256 KiB first level that stays in L2. A /16 split between
// values points to a run node: a 256-bit map of where runs of equal value
// start among its /24s, the run counts before each map word, and one value
// per run, found by rank (a popcount). The world table's 6,800 split /16s
// take about half a megabyte this way instead of 3.4 MB of flat 256-entry
// chunks, so they stay in L2 beside the first level; on the machines we
// measured, the flat chunks' cache and TLB misses made a lookup that
// reached them cost about as much as all other lookups together. IPv6
// uses a 16 bit first level and 8 bit strides below it.
type Table struct {
	l0 *[1 << 16]uint32 // per /16: value, or child32|word offset of a run node in runs
	// runs holds run nodes: word 0 the run counts before map words 1-3 (one
	// byte each), words 1-4 the run-start map, then the run values, four
	// per word: a value, or child16|chunk index into l2.
	runs []uint64
	l1   []uint16 // during Build only: flat 256-entry chunks, one per split /16
	l2   []uint16 // 256 per chunk: values

	root  *[1 << 16]uint32 // IPv6 per /16: value, or child32|word offset of a run node in runs6
	runs6 []uint64         // IPv6 run nodes, as for IPv4 but two 32-bit entries per word
	nodes []uint32         // during Build only: flat 256-entry IPv6 nodes
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
	t.compact4()
	t.compact6()
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

// compact4 turns the flat chunks painted during Build into run nodes.
func (t *Table) compact4() {
	var vals []uint16
	for i, e := range t.l0 {
		if e&child32 == 0 {
			continue
		}
		chunk := t.l1[(e&^child32)<<8:][:256]
		off := len(t.runs)
		if off >= 1<<31 {
			panic("prefixset: run nodes exceed 2^31 words") // needs >10^9 split /16s' worth of runs
		}
		t.runs = append(t.runs, 0, 0, 0, 0, 0)
		node := t.runs[off:]
		vals = vals[:0]
		for x, v := range chunk {
			if x == 0 || v != chunk[x-1] {
				node[1+x>>6] |= 1 << (x & 63)
				vals = append(vals, v)
			}
		}
		before := 0
		for w := 0; w < 4; w++ {
			node[0] |= uint64(before) << (8 * w)
			before += bits.OnesCount64(node[1+w])
		}
		for j := 0; j < len(vals); j += 4 {
			var word uint64
			for k := 0; k < 4 && j+k < len(vals); k++ {
				word |= uint64(vals[j+k]) << (16 * k)
			}
			t.runs = append(t.runs, word)
		}
		t.l0[i] = child32 | uint32(off)
	}
	t.l1 = nil
}

// compact6 turns the flat IPv6 nodes into run nodes. Node offsets are
// known only once every node's run count is, so the child links are
// rewritten in a second pass.
func (t *Table) compact6() {
	n := len(t.nodes) / 256
	off := make([]uint32, n+1)
	for k := range n {
		node := t.nodes[k<<8:][:256]
		runs := 0
		for x := range node {
			if x == 0 || node[x] != node[x-1] {
				runs++
			}
		}
		off[k+1] = off[k] + 5 + uint32(runs+1)/2
	}
	if uint64(off[n]) >= 1<<31 {
		panic("prefixset: IPv6 run nodes exceed 2^31 words")
	}
	remap := func(e uint32) uint32 {
		if e&child32 == 0 {
			return e
		}
		return child32 | off[e&^child32]
	}
	t.runs6 = make([]uint64, off[n])
	for k := range n {
		node := t.nodes[k<<8:][:256]
		out := t.runs6[off[k]:off[k+1]]
		i := 0
		for x, e := range node {
			if x == 0 || e != node[x-1] {
				out[1+x>>6] |= 1 << (x & 63)
				out[5+i/2] |= uint64(remap(e)) << (32 * (i & 1))
				i++
			}
		}
		before := 0
		for w := range 4 {
			out[0] |= uint64(before) << (8 * w)
			before += bits.OnesCount64(out[1+w])
		}
	}
	for i, e := range t.root {
		t.root[i] = remap(e)
	}
	t.nodes = nil
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
//
// It is kept within the compiler's inlining budget (hence int32(e) >= 0
// for "no child bit", and deep4 reloading the entry rather than taking it
// as an argument), so the common case costs no call: inlining it took the
// world lookup from 6.5 to 4.7 ns on 2^20 uniform addresses.
// TestHotPathsInline keeps it so.
func (t *Table) Lookup4(a uint32) uint16 {
	if e := t.l0[a>>16]; int32(e) >= 0 {
		return uint16(e)
	}
	return t.deep4(a)
}

// deep4 continues a lookup in a /16 split between values: the run that
// holds the address's /24 is the number of run starts at or before it.
//
//go:noinline
func (t *Table) deep4(a uint32) uint16 {
	node := t.runs[t.l0[a>>16]&^child32:]
	x := (a >> 8) & 0xff
	w := x >> 6
	rank := uint32(uint8(node[0]>>(8*w))) + uint32(bits.OnesCount64(node[1+w&3]&(^uint64(0)>>(63-x&63))))
	i := rank - 1
	v := uint16(node[5+i/4] >> (16 * (i & 3)))
	if v&child16 == 0 {
		return v
	}
	return t.l2[uint32(v&^child16)<<8|a&0xff]
}

// Lookup6 looks up an IPv6 address given as two 64-bit halves.
func (t *Table) Lookup6(hi, lo uint64) uint16 {
	e := t.root[hi>>48]
	shift := 40
	for e&child32 != 0 {
		var x uint64
		if shift >= 0 {
			x = hi >> uint(shift) & 0xff
		} else {
			x = lo >> uint(64+shift) & 0xff
		}
		node := t.runs6[e&^child32:]
		w := x >> 6
		i := uint64(uint8(node[0]>>(8*w))) + uint64(bits.OnesCount64(node[1+w&3]&(^uint64(0)>>(63-x&63)))) - 1
		e = uint32(node[5+i/2] >> (32 * (i & 1)))
		shift -= 8
	}
	return uint16(e)
}

// Stats describes a table's shape and memory use.
type Stats struct {
	V4Chunks, V4Chunks3 int // split IPv4 /16s (run nodes) and third-level chunks
	V6Nodes             int
	Bytes               int // memory held by the lookup arrays
}

// Stats reports the table's size.
func (t *Table) Stats() Stats {
	return Stats{
		V4Chunks:  t.splitSlash16s(),
		V4Chunks3: len(t.l2) / 256,
		V6Nodes:   t.nodes6(),
		Bytes:     len(t.l0)*4 + len(t.runs)*8 + len(t.l2)*2 + len(t.root)*4 + len(t.runs6)*8,
	}
}

func (t *Table) nodes6() int {
	n := 0
	for o := 0; o < len(t.runs6); n++ {
		runs := 0
		for w := 1; w <= 4; w++ {
			runs += bits.OnesCount64(t.runs6[o+w])
		}
		o += 5 + (runs+1)/2
	}
	return n
}

func (t *Table) splitSlash16s() int {
	n := 0
	for _, e := range t.l0 {
		if e&child32 != 0 {
			n++
		}
	}
	return n
}

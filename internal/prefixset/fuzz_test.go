package prefixset

import (
	"net/netip"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// diffPrefixes is cmp.Diff made cheap for the common equal case.
func diffPrefixes(want, got []netip.Prefix) string {
	if slices.Equal(want, got) {
		return ""
	}
	return cmp.Diff(want, got, cmpOpts)
}

// decodePrefixes turns fuzz bytes into two prefix lists. Each record is a
// selector byte (bit 0: IPv6, bit 1: list b), a length byte and the address:
// in small mode one byte, an offset into tiny4 or tiny6 (so that a
// brute-force reference can enumerate the space); otherwise 4 or 16 raw
// address bytes with any length, host bits included.
func decodePrefixes(data []byte, small bool) (a, b []netip.Prefix) {
	for len(a)+len(b) < 64 && len(data) >= 2 {
		sel, n := data[0], int(data[1])
		data = data[2:]
		var p netip.Prefix
		switch {
		case small:
			if len(data) < 1 {
				return a, b
			}
			u := tiny4
			if sel&1 != 0 {
				u = tiny6
			}
			p = netip.PrefixFrom(u.addr(int(data[0])&(u.size()-1)), u.base.Bits()+n%(u.hostBits()+1))
			data = data[1:]
		case sel&1 == 0:
			if len(data) < 4 {
				return a, b
			}
			p = netip.PrefixFrom(netip.AddrFrom4([4]byte(data[:4])), n%33)
			data = data[4:]
		default:
			if len(data) < 16 {
				return a, b
			}
			p = netip.PrefixFrom(netip.AddrFrom16([16]byte(data[:16])), n%129)
			data = data[16:]
		}
		if sel&2 == 0 {
			a = append(a, p)
		} else {
			b = append(b, p)
		}
	}
	return a, b
}

func FuzzAggregate(f *testing.F) {
	f.Add([]byte{0, 0, 0, 0, 1, 8, 0})
	f.Add([]byte{0, 0, 5, 0, 0, 7, 0, 2, 3, 7, 1, 0, 9, 1, 3, 8, 100})
	f.Add([]byte{0, 0, 0x80, 0, 0, 0x7f, 0x3, 2, 0x40, 0x2, 5, 0x20, 1, 1, 0xff, 3, 6, 0})
	f.Add([]byte{1, 0, 8, 10, 0, 0, 0, 2, 9, 10, 128, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0})
	f.Add([]byte{1, 0, 1, 0, 0, 0, 0, 0, 1, 128, 0, 0, 0, 2, 0, 255, 255, 255, 255, 2, 32, 255, 255, 255, 255})
	f.Add([]byte{1, 1, 127, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		3, 128, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
	f.Add([]byte{1, 1, 64, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		1, 64, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) == 0 {
			return
		}
		small := data[0]&1 == 0
		a, b := decodePrefixes(data[1:], small)

		agg := Aggregate(a)
		checkMinimal(t, agg)
		if diff := diffPrefixes(agg, Aggregate(agg)); diff != "" {
			t.Fatalf("Aggregate(%v) not idempotent (-once +twice):\n%s", a, diff)
		}
		if got := Subtract(agg, a); len(got) != 0 {
			t.Fatalf("Subtract(Aggregate(x), x) = %v for x = %v, want empty", got, a)
		}
		if got := Subtract(a, agg); len(got) != 0 {
			t.Fatalf("Subtract(x, Aggregate(x)) = %v for x = %v, want empty", got, a)
		}
		if added, removed := Diff(a, agg); len(added)+len(removed) != 0 {
			t.Fatalf("Diff(x, Aggregate(x)) = %v, %v for x = %v, want empty", added, removed, a)
		}
		v4, v6 := Counts(agg)
		if v4.Prefixes+v6.Prefixes != len(agg) {
			t.Fatalf("Counts(%v) = %v, %v: prefix counts do not add up to %d", agg, v4, v6, len(agg))
		}

		sub := Subtract(a, b)
		checkMinimal(t, sub)
		if got := Subtract(sub, b); !slices.Equal(got, sub) {
			t.Fatalf("Subtract(a-b, b) = %v, want a-b = %v", got, sub)
		}
		union := Aggregate(append(slices.Clone(a), b...))
		if got := Aggregate(append(slices.Clone(sub), b...)); !slices.Equal(got, union) {
			t.Fatalf("(a-b) ∪ b = %v, want a ∪ b = %v; a = %v, b = %v", got, union, a, b)
		}
		added, removed := Diff(a, b)
		if diff := cmp.Diff(Subtract(b, a), added, cmpOpts); diff != "" {
			t.Fatalf("Diff(%v, %v) added != b-a (-want +got):\n%s", a, b, diff)
		}
		if diff := diffPrefixes(sub, removed); diff != "" {
			t.Fatalf("Diff(%v, %v) removed != a-b (-want +got):\n%s", a, b, diff)
		}

		if !small {
			return
		}
		var wantAgg, wantSub, wantAdded []netip.Prefix
		for _, u := range []universe{tiny4, tiny6} {
			ma, mb := u.members(t, a), u.members(t, b)
			wantAgg = append(wantAgg, u.cover(ma)...)
			wantSub = append(wantSub, u.cover(setOp(ma, mb, andNot))...)
			wantAdded = append(wantAdded, u.cover(setOp(mb, ma, andNot))...)
		}
		if diff := diffPrefixes(wantAgg, agg); diff != "" {
			t.Fatalf("Aggregate(%v) mismatch (-want +got):\n%s", a, diff)
		}
		if diff := diffPrefixes(wantSub, sub); diff != "" {
			t.Fatalf("Subtract(%v, %v) mismatch (-want +got):\n%s", a, b, diff)
		}
		if diff := diffPrefixes(wantAdded, added); diff != "" {
			t.Fatalf("Diff(%v, %v) added mismatch (-want +got):\n%s", a, b, diff)
		}
	})
}

// fuzzAddr expands four bytes into an address. IPv6 addresses either repeat
// the bytes (so entries built from the same bytes nest at every depth) or
// put them under 2001:db8::/96.
func fuzzAddr(sel byte, b []byte) netip.Addr {
	if sel&1 == 0 {
		return netip.AddrFrom4([4]byte(b[:4]))
	}
	var a [16]byte
	if sel&2 != 0 {
		copy(a[:], []byte{0x20, 0x01, 0x0d, 0xb8})
		copy(a[12:], b[:4])
	} else {
		for i := range a {
			a[i] = b[i%4]
		}
	}
	return netip.AddrFrom16(a)
}

func FuzzTable(f *testing.F) {
	// Entry records: selector (bit 0: IPv6, bit 1: IPv6 under 2001:db8::/96,
	// top two bits: layer), length, 4 address bytes, value.
	f.Add([]byte{2, 0, 0, 10, 0, 0, 0, 1, 0, 8, 10, 0, 0, 0, 2, 10, 1, 2, 3, 10, 1, 2, 3})
	f.Add([]byte{3, 0, 16, 10, 1, 0, 0, 5, 0, 32, 10, 1, 2, 3, 6, 0, 24, 10, 1, 2, 0, 7, 10, 1, 2, 3})
	f.Add([]byte{3, 1, 0, 0, 0, 0, 0, 9, 1, 64, 0xab, 0xcd, 0xef, 0x01, 10, 1, 127, 0xab, 0xcd, 0xef, 0x01, 11, 0xab, 0xcd, 0xef, 0x01})
	f.Add([]byte{4, 3, 100, 1, 2, 3, 4, 1, 3, 128, 1, 2, 3, 4, 2, 3, 96, 1, 2, 3, 4, 3, 0, 32, 1, 2, 3, 4, 4, 1, 2, 3, 5})
	f.Add([]byte{2, 0, 24, 10, 1, 2, 0, 1, 0, 24, 10, 1, 2, 99, 2, 10, 1, 2, 200})
	f.Add([]byte{3, 0x40, 8, 10, 0, 0, 0, 1, 0, 32, 10, 1, 2, 3, 2, 0xc1, 16, 0x20, 0x01, 0x0d, 0xb8, 3, 10, 1, 2, 3})
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) == 0 {
			return
		}
		n := int(data[0] % 33)
		data = data[1:]
		var es []Entry
		var ps []netip.Prefix
		for ; n > 0 && len(data) >= 7; n-- {
			sel := data[0]
			bits := int(data[1]) % 33
			if sel&1 != 0 {
				bits = int(data[1]) % 129
			}
			p := netip.PrefixFrom(fuzzAddr(sel, data[2:6]), bits)
			es = append(es, Entry{Prefix: p, Value: uint16(data[6]), Layer: sel >> 6})
			ps = append(ps, p)
			data = data[7:]
		}
		tb, err := Build(es)
		if err != nil {
			t.Fatalf("Build(%v): %v", es, err)
		}
		s, err := NewSet(ps)
		if err != nil {
			t.Fatalf("NewSet(%v): %v", ps, err)
		}

		qs := edgeQueries(ps)
		for ; len(data) >= 4 && len(qs) < 512; data = data[4:] {
			for sel := range byte(4) {
				qs = append(qs, fuzzAddr(sel, data))
			}
		}
		for _, q := range withMapped(qs) {
			checkLookup(t, tb, q, refLookup(es, q), "")
			checkContains(t, s, q, refContains(ps, q))
			if t.Failed() {
				t.Fatalf("entries %v", es)
			}
		}
	})
}

// FuzzRangePrefixes checks that RangePrefixes splits any range into
// contiguous, minimal blocks and rejects reversed ranges.
func FuzzRangePrefixes(f *testing.F) {
	f.Add([]byte{0, 1, 0, 0, 0, 1, 0, 2, 255})
	f.Add([]byte{0, 0, 0, 0, 0, 255, 255, 255, 255})
	f.Add([]byte{0, 10, 0, 0, 1, 10, 0, 0, 6})
	f.Add([]byte{0, 10, 0, 0, 6, 10, 0, 0, 1})
	f.Add([]byte{1, 0x20, 1, 0x0d, 0xb8, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0x20, 1, 0x0d, 0xb8, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) == 0 {
			return
		}
		size := 4
		if data[0]&1 != 0 {
			size = 16
		}
		data = data[1:]
		if len(data) < 2*size {
			return
		}
		first, _ := netip.AddrFromSlice(data[:size])
		last, _ := netip.AddrFromSlice(data[size : 2*size])
		got, err := RangePrefixes(first, last)
		if last.Less(first) {
			if err == nil {
				t.Fatalf("RangePrefixes(%s, %s) = %v, want an error", first, last, got)
			}
			return
		}
		if err != nil {
			t.Fatalf("RangePrefixes(%s, %s): %v", first, last, err)
		}
		checkMinimal(t, got)
		bits := first.BitLen()
		if len(got) == 0 || len(got) > 2*bits {
			t.Fatalf("RangePrefixes(%s, %s) = %v: %d prefixes", first, last, got, len(got))
		}
		next := FromAddr(first)
		for i, p := range got {
			r := PrefixRange(p)
			if r.Bits != bits || r.First != next {
				t.Fatalf("RangePrefixes(%s, %s) = %v: prefix %s does not start at %s", first, last, got, p, next.Addr(bits))
			}
			if i == len(got)-1 && r.Last != FromAddr(last) {
				t.Fatalf("RangePrefixes(%s, %s) = %v: ends at %s", first, last, got, r.Last.Addr(bits))
			}
			next = r.Last.AddOne()
		}
	})
}

package prefixset

import (
	"math/rand/v2"
	"net/netip"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func entries(t testing.TB, kv ...any) []Entry {
	t.Helper()
	var es []Entry
	for i := 0; i < len(kv); i += 2 {
		es = append(es, Entry{Prefix: netip.MustParsePrefix(kv[i].(string)), Value: uint16(kv[i+1].(int))})
	}
	return es
}

// checkLookup compares every lookup entry point for a against want.
func checkLookup(t *testing.T, tb *Table, a netip.Addr, want uint16, context string) {
	t.Helper()
	if got := tb.Lookup(a); got != want {
		t.Errorf("%sLookup(%s) = %d, want %d", context, a, got, want)
	}
	u := FromAddr(a.Unmap())
	if a.Unmap().Is4() {
		if got := tb.Lookup4(uint32(u.Lo)); got != want {
			t.Errorf("%sLookup4(%s) = %d, want %d", context, a, got, want)
		}
	} else if got := tb.Lookup6(u.Hi, u.Lo); got != want {
		t.Errorf("%sLookup6(%s) = %d, want %d", context, a, got, want)
	}
}

func TestTableLookup(t *testing.T) {
	tb, err := Build(entries(t,
		"0.0.0.0/0", 1,
		"10.1.2.200/32", 6, // order must not matter
		"10.0.0.0/8", 2,
		"10.1.0.0/16", 3,
		"10.1.2.0/24", 4,
		"10.1.2.128/25", 5,
		"10.1.2.77/24", 7, // same prefix as 10.1.2.0/24 once masked; later wins
		"10.1.3.0/24", 0, // value 0 masks the shorter 10.1.0.0/16
		"255.255.255.255/32", 16,
		"::/0", 10,
		"2001:db8:1:2::1/128", 15,
		"2001:db8::/32", 11,
		"2001:db8:1::/48", 12,
		"2001:db8:1:2::/64", 13,
		"2001:db8:1:2:8000::/65", 14,
		"2001:db8:1:2:ffff:ffff:ffff:ffff/128", MaxValue,
		"2001:db8:1:2::/64", 17, // later wins
		"2001:db8:abcd::/40", 18,
		"2001:db8:abcd::/39", 19,
	))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		addr string
		want uint16
	}{
		{"0.0.0.0", 1},
		{"9.255.255.255", 1},
		{"10.0.0.0", 2},
		{"10.1.0.0", 3},
		{"10.1.1.255", 3},
		{"10.1.2.0", 7},
		{"10.1.2.127", 7},
		{"10.1.2.128", 5},
		{"10.1.2.199", 5},
		{"10.1.2.200", 6},
		{"10.1.2.201", 5},
		{"10.1.2.255", 5},
		{"10.1.3.0", 0},
		{"10.1.3.255", 0},
		{"10.1.4.0", 3},
		{"10.2.0.0", 2},
		{"10.255.255.255", 2},
		{"11.0.0.0", 1},
		{"255.255.255.254", 1},
		{"255.255.255.255", 16},
		{"::ffff:10.1.2.200", 6},
		{"::ffff:10.1.2.201", 5},
		{"::ffff:9.0.0.0", 1},
		{"::ffff:10.1.3.1", 0},
		{"::", 10},
		{"::1", 10},
		{"2001:db8::1", 11},
		{"2001:db8:1::", 12},
		{"2001:db8:1:1:ffff:ffff:ffff:ffff", 12},
		{"2001:db8:1:2::", 17},
		{"2001:db8:1:2::1", 15},
		{"2001:db8:1:2::2", 17},
		{"2001:db8:1:2:7fff:ffff:ffff:ffff", 17},
		{"2001:db8:1:2:8000::", 14},
		{"2001:db8:1:2:ffff:ffff:ffff:fffe", 14},
		{"2001:db8:1:2:ffff:ffff:ffff:ffff", MaxValue},
		{"2001:db8:1:3::", 12},
		{"2001:db8:abcd::", 18},
		{"2001:db8:abff:ffff::", 18},
		{"2001:db8:aa00::", 19},
		{"2001:db8:ab00::", 18},
		{"2001:db8:ac00::", 11},
		{"2001:db9::", 10},
		{"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 10},
	}
	for _, tt := range tests {
		checkLookup(t, tb, netip.MustParseAddr(tt.addr), tt.want, "")
	}
}

func TestTableEmpty(t *testing.T) {
	for _, es := range [][]Entry{nil, entries(t, "2001:db8::1/128", 5), entries(t, "1.2.3.4/32", 5)} {
		tb, err := Build(es)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range []string{"0.0.0.0", "1.2.3.5", "255.255.255.255", "::", "2001:db8::", "::ffff:1.2.3.3"} {
			checkLookup(t, tb, netip.MustParseAddr(s), 0, "")
		}
	}
}

func TestTableStats(t *testing.T) {
	tests := []struct {
		entries []Entry
		want    Stats
	}{
		{nil, Stats{Bytes: 1 << 19}},
		{entries(t, "10.0.0.0/8", 1, "2001:db8::/16", 1), Stats{Bytes: 1 << 19}},
		// A split /16 is a run node: 5 header words plus its runs' values,
		// four to a word (here 3 runs: before, inside, after 10.1.2.0/24).
		{entries(t, "10.1.2.0/24", 1), Stats{V4Chunks: 1, Bytes: 1<<19 + 6*8}},
		{entries(t, "10.1.2.3/32", 1, "10.1.2.4/32", 1), Stats{V4Chunks: 1, V4Chunks3: 1, Bytes: 1<<19 + 6*8 + 512}},
		// Depths 16, 24, ..., 120: 14 nodes of 1 KiB.
		// 14 IPv6 run nodes below the 2001::/16 root slot, at the bytes
		// 0d b8 00×11 01: a node with its child in slot 0 has 2 runs (6
		// words), any other 3 (7 words): 7+7+11*6+7 = 87 words.
		{entries(t, "2001:db8::1/128", 1), Stats{V6Nodes: 14, Bytes: 1<<19 + 87*8}},
		// ::2 extends the last node's run of 1s (none, 1, 1, none...), so
		// the size is the same.
		{entries(t, "2001:db8::1/128", 1, "2001:db8::2/128", 1), Stats{V6Nodes: 14, Bytes: 1<<19 + 87*8}},
	}
	for _, tt := range tests {
		tb, err := Build(tt.entries)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(tt.want, tb.Stats()); diff != "" {
			t.Errorf("Stats for %v mismatch (-want +got):\n%s", tt.entries, diff)
		}
	}
}

func TestBuildErrors(t *testing.T) {
	ok := Entry{Prefix: netip.MustParsePrefix("10.0.0.0/8"), Value: 1}
	tests := []struct {
		name    string
		entries []Entry
	}{
		{"zero prefix", []Entry{{Value: 1}}},
		{"invalid v4 length", []Entry{ok, {Prefix: netip.PrefixFrom(netip.MustParseAddr("1.2.3.4"), 33), Value: 1}}},
		{"invalid v6 length", []Entry{{Prefix: netip.PrefixFrom(netip.MustParseAddr("::1"), 129), Value: 1}, ok}},
		{"value just over max", []Entry{ok, {Prefix: netip.MustParsePrefix("10.1.0.0/16"), Value: MaxValue + 1}}},
		{"value max uint16", []Entry{{Prefix: netip.MustParsePrefix("2001:db8::/32"), Value: 0xffff}}},
		{"value over max at depth", []Entry{ok, {Prefix: netip.MustParsePrefix("10.1.2.3/32"), Value: 0x8001}}},
	}
	for _, tt := range tests {
		tb, err := Build(tt.entries)
		if err == nil || tb != nil {
			t.Errorf("%s: Build(%v) = %v, %v; want nil table and an error", tt.name, tt.entries, tb, err)
		}
	}
	if _, err := Build([]Entry{{Prefix: netip.MustParsePrefix("10.0.0.0/8"), Value: MaxValue}}); err != nil {
		t.Errorf("Build with value MaxValue: %v", err)
	}
}

func TestBuildKeepsInput(t *testing.T) {
	es := entries(t, "10.1.0.0/16", 2, "10.0.0.0/8", 1, "2001:db8::1/128", 3, "::/0", 4)
	before := slices.Clone(es)
	if _, err := Build(es); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(before, es, cmpOpts); diff != "" {
		t.Errorf("Build modified its input (-before +after):\n%s", diff)
	}
}

func TestTableLayers(t *testing.T) {
	es := []Entry{
		{Prefix: netip.MustParsePrefix("10.1.2.0/24"), Value: 1},
		{Prefix: netip.MustParsePrefix("10.1.2.3/32"), Value: 2},
		{Prefix: netip.MustParsePrefix("10.0.0.0/8"), Value: 3, Layer: 1},        // beats the longer layer-0 entries
		{Prefix: netip.MustParsePrefix("10.9.0.0/16"), Value: 4, Layer: 1},       // longest within layer 1
		{Prefix: netip.MustParsePrefix("192.168.0.0/16"), Value: 5, Layer: 1},    // stands over...
		{Prefix: netip.MustParsePrefix("192.168.1.0/24"), Value: 6},              // ...this hidden one
		{Prefix: netip.MustParsePrefix("192.168.1.128/25"), Value: 0, Layer: 2},  // value 0 on top hides everything
		{Prefix: netip.MustParsePrefix("2001:db8::/32"), Value: 7, Layer: 255},   // top layer
		{Prefix: netip.MustParsePrefix("2001:db8::1/128"), Value: 8, Layer: 254}, // hidden
		{Prefix: netip.MustParsePrefix("2001:db9::1/128"), Value: 9},
		{Prefix: netip.MustParsePrefix("2001:db9::/32"), Value: 10, Layer: 1},
	}
	tb, err := Build(es)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		addr string
		want uint16
	}{
		{"10.1.2.3", 3},
		{"10.1.2.4", 3},
		{"10.9.1.1", 4},
		{"11.0.0.0", 0},
		{"192.168.1.1", 5},
		{"192.168.1.128", 0},
		{"2001:db8::1", 7},
		{"2001:db9::1", 10},
		{"2001:db9::2", 10},
	}
	for _, tt := range tests {
		a := netip.MustParseAddr(tt.addr)
		if want := refLookup(es, a); want != tt.want {
			t.Fatalf("reference disagrees with the test table at %s: %d, want %d", a, want, tt.want)
		}
		checkLookup(t, tb, a, tt.want, "")
	}
}

// TestTableDifferential compares Build/Lookup against refLookup on random
// nested entries of every length, queried on random addresses and on every
// entry's first, middle and last address and the addresses either side.
func TestTableDifferential(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for trial, n := range []int{0, 1, 2, 3, 5, 8, 13, 20, 40, 60, 100, 150, 250} {
		g := newPrefixGen(rng, trial%2 == 1)
		layers := 1 + trial%3 // some trials use one layer, others two or three
		var es []Entry
		for range n {
			e := Entry{Prefix: g.prefix(), Value: uint16(rng.IntN(MaxValue + 1)), Layer: uint8(rng.IntN(layers))}
			if layers == 3 && e.Layer == 2 {
				e.Layer = 255
			}
			switch rng.IntN(10) {
			case 0:
				e.Value = 0
			case 1:
				e.Value = MaxValue
			}
			if len(es) > 0 && rng.IntN(8) == 0 {
				// Same prefix again, perhaps with other host bits.
				prev := es[rng.IntN(len(es))].Prefix
				e.Prefix = netip.PrefixFrom(prev.Addr(), prev.Bits())
				if rng.IntN(2) == 0 {
					e.Prefix = prev.Masked()
				}
			}
			es = append(es, e)
		}
		tb, err := Build(es)
		if err != nil {
			t.Fatalf("trial %d: %v", trial, err)
		}
		ps := make([]netip.Prefix, len(es))
		for i, e := range es {
			ps[i] = e.Prefix
		}
		mismatches := 0
		for _, q := range g.queries(ps, 300) {
			want := refLookup(es, q)
			checkLookup(t, tb, q, want, "")
			if tb.Lookup(q) != want {
				if mismatches++; mismatches >= 5 {
					t.Fatalf("trial %d: too many mismatches; entries %v", trial, es)
				}
			}
		}
	}
}

// TestTableDeepV6 builds long IPv6 chains one after another so that node
// storage grows while a path is being extended.
func TestTableDeepV6(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	var es []Entry
	for i := range 64 {
		hi, lo := rng.Uint64(), rng.Uint64()
		es = append(es, Entry{Prefix: netip.PrefixFrom(addr6(hi, lo), 17+rng.IntN(112)), Value: uint16(i + 1)})
	}
	tb, err := Build(es)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range es {
		r := PrefixRange(e.Prefix)
		for _, a := range []U128{r.First, r.Last} {
			checkLookup(t, tb, a.Addr(128), refLookup(es, a.Addr(128)), e.Prefix.String()+": ")
		}
	}
}

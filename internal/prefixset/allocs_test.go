package prefixset

import (
	"net/netip"
	"testing"

	"github.com/seawall/seawall/internal/testenv"
)

var (
	sinkValue uint16
	sinkBool  bool
)

// TestLookupAllocs asserts that lookups on every path (first level only,
// second and third IPv4 levels, deep IPv6 nodes, mapped addresses) do not
// allocate.
func TestLookupAllocs(t *testing.T) {
	testenv.SkipIfRace(t)
	prefixes := mustPrefixes(t,
		"10.0.0.0/8", "10.1.2.0/24", "10.1.3.7/32", "192.168.200.64/26",
		"2001:db8::/32", "2001:db8:1:2::1/128",
	)
	es := make([]Entry, len(prefixes))
	for i, p := range prefixes {
		es[i] = Entry{Prefix: p, Value: uint16(i + 1)}
	}
	tb, err := Build(es)
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewSet(prefixes)
	if err != nil {
		t.Fatal(err)
	}
	addrs := []netip.Addr{
		netip.MustParseAddr("10.9.9.9"),
		netip.MustParseAddr("10.1.2.3"),
		netip.MustParseAddr("10.1.3.7"),
		netip.MustParseAddr("10.1.3.8"),
		netip.MustParseAddr("192.168.200.65"),
		netip.MustParseAddr("::ffff:10.1.3.7"),
		netip.MustParseAddr("2001:db8:1:2::1"),
		netip.MustParseAddr("2001:db8:1:2::2"),
		netip.MustParseAddr("2001:db9::"),
	}
	// Sanity: the probes reach the intended values, so a broken table
	// cannot pass by taking a short path.
	if got := tb.Lookup(addrs[2]); got != 3 {
		t.Fatalf("Lookup(%s) = %d, want 3", addrs[2], got)
	}
	if got := tb.Lookup(addrs[6]); got != 6 {
		t.Fatalf("Lookup(%s) = %d, want 6", addrs[6], got)
	}
	v4 := []uint32{0x0a090909, 0x0a010203, 0x0a010307, 0x0a010308, 0xc0a8c841}
	v6 := [][2]uint64{{0x20010db800010002, 1}, {0x20010db800010002, 2}, {0x20010db900000000, 0}}

	tests := []struct {
		name string
		f    func()
	}{
		{"Table.Lookup", func() {
			for _, a := range addrs {
				sinkValue = tb.Lookup(a)
			}
		}},
		{"Table.Lookup4", func() {
			for _, a := range v4 {
				sinkValue = tb.Lookup4(a)
			}
		}},
		{"Table.Lookup6", func() {
			for _, a := range v6 {
				sinkValue = tb.Lookup6(a[0], a[1])
			}
		}},
		{"Set.Contains", func() {
			for _, a := range addrs {
				sinkBool = s.Contains(a)
			}
		}},
		{"Set.Contains4", func() {
			for _, a := range v4 {
				sinkBool = s.Contains4(a)
			}
		}},
	}
	for _, tt := range tests {
		if n := testing.AllocsPerRun(1000, tt.f); n != 0 {
			t.Errorf("%s: %v allocations per run, want 0", tt.name, n)
		}
	}
}

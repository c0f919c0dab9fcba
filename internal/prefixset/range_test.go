package prefixset

import (
	"math/rand/v2"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var allOnes = U128{Hi: ^uint64(0), Lo: ^uint64(0)}

func TestU128AddrRoundTrip(t *testing.T) {
	for _, s := range []string{"0.0.0.0", "1.2.3.4", "255.255.255.255", "::", "::1", "2001:db8::8000:0:0:1", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "::ffff:1.2.3.4"} {
		a := netip.MustParseAddr(s)
		if got := FromAddr(a).Addr(a.BitLen()); got != a {
			t.Errorf("FromAddr(%s).Addr(%d) = %s", a, a.BitLen(), got)
		}
	}
	if got, want := FromAddr(netip.MustParseAddr("::ffff:1.2.3.4")), (U128{Lo: 0xffff01020304}); got != want {
		t.Errorf("FromAddr(::ffff:1.2.3.4) = %#v, want %#v (mapped addresses stay IPv6)", got, want)
	}
	if got, want := allOnes.AddOne(), (U128{}); got != want {
		t.Errorf("max+1 = %v, want wrap to 0", got)
	}
	if got, want := (U128{Hi: 1}).SubOne(), (U128{Lo: ^uint64(0)}); got != want {
		t.Errorf("2^64-1 = %#v, want %#v", got, want)
	}
	if got, want := allOnes.String(), "340282366920938463463374607431768211455"; got != want {
		t.Errorf("String = %s, want %s", got, want)
	}
}

func TestPrefixRange(t *testing.T) {
	tests := []struct {
		prefix string
		want   Range
	}{
		{"10.0.0.0/8", Range{First: U128{Lo: 0x0a000000}, Last: U128{Lo: 0x0affffff}, Bits: 32}},
		{"10.1.2.3/8", Range{First: U128{Lo: 0x0a000000}, Last: U128{Lo: 0x0affffff}, Bits: 32}},
		{"0.0.0.0/0", Range{First: U128{}, Last: U128{Lo: 0xffffffff}, Bits: 32}},
		{"1.2.3.4/32", Range{First: U128{Lo: 0x01020304}, Last: U128{Lo: 0x01020304}, Bits: 32}},
		{"255.255.255.255/32", Range{First: U128{Lo: 0xffffffff}, Last: U128{Lo: 0xffffffff}, Bits: 32}},
		{"1.2.3.4/31", Range{First: U128{Lo: 0x01020304}, Last: U128{Lo: 0x01020305}, Bits: 32}},
		{"::/0", Range{First: U128{}, Last: allOnes, Bits: 128}},
		{"::/1", Range{First: U128{}, Last: U128{Hi: 1<<63 - 1, Lo: ^uint64(0)}, Bits: 128}},
		{"2001:db8::/32", Range{First: U128{Hi: 0x20010db800000000}, Last: U128{Hi: 0x20010db8ffffffff, Lo: ^uint64(0)}, Bits: 128}},
		{"2001:db8:1:2::/64", Range{First: U128{Hi: 0x20010db800010002}, Last: U128{Hi: 0x20010db800010002, Lo: ^uint64(0)}, Bits: 128}},
		{"2001:db8:1:2:ffff::/65", Range{First: U128{Hi: 0x20010db800010002, Lo: 1 << 63}, Last: U128{Hi: 0x20010db800010002, Lo: ^uint64(0)}, Bits: 128}},
		{"2001:db8::1/128", Range{First: U128{Hi: 0x20010db800000000, Lo: 1}, Last: U128{Hi: 0x20010db800000000, Lo: 1}, Bits: 128}},
		{"::ffff:1.2.3.0/120", Range{First: U128{Lo: 0xffff01020300}, Last: U128{Lo: 0xffff010203ff}, Bits: 128}},
	}
	for _, tt := range tests {
		got := PrefixRange(netip.MustParsePrefix(tt.prefix))
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("PrefixRange(%s) mismatch (-want +got):\n%s", tt.prefix, diff)
		}
	}
}

func TestRangeSize(t *testing.T) {
	tests := []struct {
		prefix string
		want   U128
		wantOK bool
	}{
		{"1.2.3.4/32", U128{Lo: 1}, true},
		{"10.0.0.0/8", U128{Lo: 1 << 24}, true},
		{"0.0.0.0/0", U128{Lo: 1 << 32}, true},
		{"2001:db8::/64", U128{Hi: 1}, true},
		{"::/1", U128{Hi: 1 << 63}, true},
		{"::/0", U128{}, false},
	}
	for _, tt := range tests {
		got, ok := PrefixRange(netip.MustParsePrefix(tt.prefix)).Size()
		if got != tt.want || ok != tt.wantOK {
			t.Errorf("Size(%s) = %v, %v; want %v, %v", tt.prefix, got, ok, tt.want, tt.wantOK)
		}
	}
}

func TestRangePrefixes(t *testing.T) {
	tests := []struct {
		first, last string
		want        []string
		wantErr     string // substring; "" for success
	}{
		// 768 addresses: not a power of two.
		{"1.0.0.0", "1.0.2.255", []string{"1.0.0.0/23", "1.0.2.0/24"}, ""},
		{"1.0.1.0", "1.0.3.255", []string{"1.0.1.0/24", "1.0.2.0/23"}, ""},
		{"10.0.0.1", "10.0.0.6", []string{"10.0.0.1/32", "10.0.0.2/31", "10.0.0.4/31", "10.0.0.6/32"}, ""},
		{"0.0.0.0", "255.255.255.255", []string{"0.0.0.0/0"}, ""},
		{"0.0.0.0", "127.255.255.255", []string{"0.0.0.0/1"}, ""},
		{"254.0.0.0", "255.255.255.255", []string{"254.0.0.0/7"}, ""},
		{"255.255.255.254", "255.255.255.255", []string{"255.255.255.254/31"}, ""},
		{"255.255.255.255", "255.255.255.255", []string{"255.255.255.255/32"}, ""},
		{"0.0.0.0", "0.0.0.0", []string{"0.0.0.0/32"}, ""},
		{"1.2.3.4", "1.2.3.4", []string{"1.2.3.4/32"}, ""},
		{"::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", []string{"::/0"}, ""},
		{"::", "7fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", []string{"::/1"}, ""},
		{"8000::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", []string{"8000::/1"}, ""},
		{"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", []string{"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128"}, ""},
		{"2001:db8::1", "2001:db8::1", []string{"2001:db8::1/128"}, ""},
		{"2001:db8::", "2001:db8::2", []string{"2001:db8::/127", "2001:db8::2/128"}, ""},
		{"2001:db8::", "2001:db8::ffff:ffff:ffff:ffff", []string{"2001:db8::/64"}, ""},
		{"2001:db8::", "2001:db8:0:1:7fff:ffff:ffff:ffff", []string{"2001:db8::/64", "2001:db8:0:1::/65"}, ""},
		// Carry across the 64-bit halves.
		{"2001:db8::ffff:ffff:ffff:ffff", "2001:db8:0:1::", []string{"2001:db8::ffff:ffff:ffff:ffff/128", "2001:db8:0:1::/128"}, ""},
		// Mapped addresses form an IPv6 range.
		{"::ffff:1.2.3.0", "::ffff:1.2.3.255", []string{"::ffff:1.2.3.0/120"}, ""},

		{"1.2.3.4", "::1", nil, "mixes address families"},
		{"::1", "1.2.3.4", nil, "mixes address families"},
		{"1.2.3.4", "::ffff:1.2.3.5", nil, "mixes address families"},
		{"1.2.3.5", "1.2.3.4", nil, "ends before it starts"},
		{"255.255.255.255", "0.0.0.0", nil, "ends before it starts"},
		{"::2", "::1", nil, "ends before it starts"},
		{"2001:db8:0:1::", "2001:db8::ffff:ffff:ffff:ffff", nil, "ends before it starts"},
		{"", "::1", nil, "invalid address"},
		{"::", "", nil, "invalid address"},
		{"", "", nil, "invalid address"},
	}
	parse := func(s string) netip.Addr {
		if s == "" {
			return netip.Addr{}
		}
		return netip.MustParseAddr(s)
	}
	for _, tt := range tests {
		got, err := RangePrefixes(parse(tt.first), parse(tt.last))
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("RangePrefixes(%s, %s) = %v, %v; want error containing %q", tt.first, tt.last, got, err, tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("RangePrefixes(%s, %s): %v", tt.first, tt.last, err)
			continue
		}
		if diff := cmp.Diff(mustPrefixes(t, tt.want...), got, cmpOpts); diff != "" {
			t.Errorf("RangePrefixes(%s, %s) mismatch (-want +got):\n%s", tt.first, tt.last, diff)
		}
		// Range.Prefixes on the same range must agree.
		r := Range{First: FromAddr(parse(tt.first)), Last: FromAddr(parse(tt.last)), Bits: parse(tt.first).BitLen()}
		if diff := cmp.Diff(got, r.Prefixes(), cmpOpts); diff != "" {
			t.Errorf("Range.Prefixes(%s-%s) disagrees with RangePrefixes (-RangePrefixes +Prefixes):\n%s", tt.first, tt.last, diff)
		}
	}
}

func TestAggregate(t *testing.T) {
	tests := []struct {
		name string
		in   []netip.Prefix
		want []string
	}{
		{"nil", nil, nil},
		{"invalid only", []netip.Prefix{{}}, nil},
		{"invalid skipped", []netip.Prefix{{}, netip.MustParsePrefix("10.0.0.0/8")}, []string{"10.0.0.0/8"}},
		{"single", mustPrefixes(t, "10.0.0.0/8"), []string{"10.0.0.0/8"}},
		{"duplicates", mustPrefixes(t, "10.0.0.0/8", "10.0.0.0/8", "10.0.0.0/8"), []string{"10.0.0.0/8"}},
		{"covered", mustPrefixes(t, "10.1.0.0/16", "10.0.0.0/8", "10.255.255.255/32"), []string{"10.0.0.0/8"}},
		{"adjacent siblings merge", mustPrefixes(t, "10.128.0.0/9", "10.0.0.0/9"), []string{"10.0.0.0/8"}},
		{"adjacent non-siblings stay", mustPrefixes(t, "10.1.0.0/16", "10.2.0.0/16"), []string{"10.1.0.0/16", "10.2.0.0/16"}},
		{"chain merge", mustPrefixes(t, "10.0.2.0/23", "10.0.1.0/24", "10.0.0.0/24"), []string{"10.0.0.0/22"}},
		{"adjacent ranges re-split", mustPrefixes(t, "10.0.1.0/24", "10.0.2.0/23", "10.0.4.0/24"), []string{"10.0.1.0/24", "10.0.2.0/23", "10.0.4.0/24"}},
		{"host bits", mustPrefixes(t, "10.1.2.3/8"), []string{"10.0.0.0/8"}},
		{"host bits merge", mustPrefixes(t, "192.168.1.77/24", "192.168.0.5/24"), []string{"192.168.0.0/23"}},
		{"host bits v6", mustPrefixes(t, "2001:db8::1/32"), []string{"2001:db8::/32"}},
		{"unsorted", mustPrefixes(t, "192.168.0.0/24", "10.0.0.0/8", "172.16.0.0/12"), []string{"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/24"}},
		{"mixed families v4 first", mustPrefixes(t, "2001:db8:1::/48", "2001:db8::/32", "10.0.0.0/8", "2001:db9::/32", "1.0.0.0/24"),
			[]string{"1.0.0.0/24", "10.0.0.0/8", "2001:db8::/31"}},
		{"mapped stays v6", mustPrefixes(t, "::ffff:10.0.0.0/104", "10.0.0.0/8"), []string{"10.0.0.0/8", "::ffff:10.0.0.0/104"}},
		{"whole v4", mustPrefixes(t, "128.0.0.0/1", "0.0.0.0/1"), []string{"0.0.0.0/0"}},
		{"whole v6", mustPrefixes(t, "8000::/1", "::/1"), []string{"::/0"}},
		{"whole v6 swallows", mustPrefixes(t, "ffff::/16", "::/0", "::1/128"), []string{"::/0"}},
		{"top of v4", mustPrefixes(t, "255.255.255.255/32", "255.255.255.254/32"), []string{"255.255.255.254/31"}},
		{"top of v6", mustPrefixes(t, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe/128"), []string{"ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe/127"}},
		{"bottom of both", mustPrefixes(t, "::/128", "0.0.0.0/32", "::1/128", "0.0.0.1/32"), []string{"0.0.0.0/31", "::/127"}},
		{"across 64-bit halves", mustPrefixes(t, "2001:db8:0:1::/64", "2001:db8::/64"), []string{"2001:db8::/63"}},
	}
	for _, tt := range tests {
		in := slices.Clone(tt.in)
		got := Aggregate(tt.in)
		if diff := cmp.Diff(mustPrefixes(t, tt.want...), got, cmpOpts); diff != "" {
			t.Errorf("%s: Aggregate(%v) mismatch (-want +got):\n%s", tt.name, tt.in, diff)
		}
		if diff := cmp.Diff(in, tt.in, cmpOpts); diff != "" {
			t.Errorf("%s: Aggregate modified its input (-before +after):\n%s", tt.name, diff)
		}
	}
}

func TestSubtract(t *testing.T) {
	tests := []struct {
		name string
		a, b []string
		want []string
	}{
		{"empty a", nil, []string{"10.0.0.0/8"}, nil},
		{"empty b", []string{"10.0.0.0/9", "10.128.0.0/9"}, nil, []string{"10.0.0.0/8"}},
		{"half", []string{"10.0.0.0/8"}, []string{"10.0.0.0/9"}, []string{"10.128.0.0/9"}},
		{"hole", []string{"10.0.0.0/8"}, []string{"10.1.0.0/16"},
			[]string{"10.0.0.0/16", "10.2.0.0/15", "10.4.0.0/14", "10.8.0.0/13", "10.16.0.0/12", "10.32.0.0/11", "10.64.0.0/10", "10.128.0.0/9"}},
		{"everything", []string{"10.0.0.0/8", "192.168.0.0/16"}, []string{"0.0.0.0/0"}, nil},
		{"other family untouched", []string{"10.0.0.0/8"}, []string{"::/0"}, []string{"10.0.0.0/8"}},
		{"v6 half", []string{"::/0"}, []string{"::/1"}, []string{"8000::/1"}},
		{"ends", []string{"10.0.0.0/30"}, []string{"10.0.0.0/32", "10.0.0.3/32"}, []string{"10.0.0.1/32", "10.0.0.2/32"}},
		{"top of v6", []string{"ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffc/126"}, []string{"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128"},
			[]string{"ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffc/127", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe/128"}},
		// One merged b range spans the end of one a range and the start of the next.
		{"b spans a ranges", []string{"10.0.0.0/24", "10.0.2.0/24"}, []string{"10.0.0.128/25", "10.0.1.0/24", "10.0.2.0/25"},
			[]string{"10.0.0.0/25", "10.0.2.128/25"}},
		// Several b ranges inside one a range.
		{"many holes", []string{"10.0.0.0/29"}, []string{"10.0.0.1/32", "10.0.0.3/32", "10.0.0.6/31"},
			[]string{"10.0.0.0/32", "10.0.0.2/32", "10.0.0.4/31"}},
		{"mixed", []string{"10.0.0.0/8", "2001:db8::/32"}, []string{"2001:db8::/33", "11.0.0.0/8"}, []string{"10.0.0.0/8", "2001:db8:8000::/33"}},
		{"only v6 left", []string{"10.0.0.0/8", "2001:db8::/32"}, []string{"10.0.0.0/8"}, []string{"2001:db8::/32"}},
		{"b before and after", []string{"10.0.0.0/8"}, []string{"9.0.0.0/8", "11.0.0.0/8", "::/0"}, []string{"10.0.0.0/8"}},
	}
	for _, tt := range tests {
		got := Subtract(mustPrefixes(t, tt.a...), mustPrefixes(t, tt.b...))
		if diff := cmp.Diff(mustPrefixes(t, tt.want...), got, cmpOpts); diff != "" {
			t.Errorf("%s: Subtract(%v, %v) mismatch (-want +got):\n%s", tt.name, tt.a, tt.b, diff)
		}
	}
}

func TestDiff(t *testing.T) {
	tests := []struct {
		name           string
		old, new       []string
		added, removed []string
	}{
		{"both empty", nil, nil, nil, nil},
		{"same", []string{"10.0.0.0/8"}, []string{"10.0.0.0/9", "10.128.0.0/9"}, nil, nil},
		{"shrink", []string{"10.0.0.0/8"}, []string{"10.0.0.0/9"}, nil, []string{"10.128.0.0/9"}},
		{"grow", []string{"10.0.0.0/9"}, []string{"10.0.0.0/8"}, []string{"10.128.0.0/9"}, nil},
		{"from nothing", nil, []string{"1.0.1.0/24", "1.0.0.0/24"}, []string{"1.0.0.0/23"}, nil},
		{"to nothing", []string{"2001:db8::/32"}, nil, nil, []string{"2001:db8::/32"}},
		{"both ways", []string{"10.0.0.0/24", "2001:db8::/48"}, []string{"10.0.1.0/24", "2001:db8::/47"},
			[]string{"10.0.1.0/24", "2001:db8:1::/48"}, []string{"10.0.0.0/24"}},
	}
	for _, tt := range tests {
		added, removed := Diff(mustPrefixes(t, tt.old...), mustPrefixes(t, tt.new...))
		if diff := cmp.Diff(mustPrefixes(t, tt.added...), added, cmpOpts); diff != "" {
			t.Errorf("%s: Diff added mismatch (-want +got):\n%s", tt.name, diff)
		}
		if diff := cmp.Diff(mustPrefixes(t, tt.removed...), removed, cmpOpts); diff != "" {
			t.Errorf("%s: Diff removed mismatch (-want +got):\n%s", tt.name, diff)
		}
	}
}

func TestCounts(t *testing.T) {
	tests := []struct {
		name   string
		in     []string
		v4, v6 Count
	}{
		{"empty", nil, Count{}, Count{}},
		{"v4", []string{"10.0.0.0/8", "192.168.0.0/16", "1.2.3.4/32"}, Count{3, U128{Lo: 1<<24 + 1<<16 + 1}}, Count{}},
		{"whole v4", []string{"0.0.0.0/0"}, Count{1, U128{Lo: 1 << 32}}, Count{}},
		{"whole v6 saturates", []string{"::/0"}, Count{}, Count{1, allOnes}},
		{"half v6", []string{"::/1"}, Count{}, Count{1, U128{Hi: 1 << 63}}},
		{"v6", []string{"2001:db8::/32", "2002::/16"}, Count{}, Count{2, U128{Hi: 1<<32 + 1<<48}}},
		{"mixed", []string{"1.2.3.4/32", "2001:db8::1/128", "2001:db8::2/127"}, Count{1, U128{Lo: 1}}, Count{2, U128{Lo: 3}}},
		{"mapped is v6", []string{"::ffff:1.2.3.0/120"}, Count{}, Count{1, U128{Lo: 256}}},
		{"almost whole v6", []string{"::/1", "8000::/2", "c000::/3"}, Count{}, Count{3, U128{Hi: 0xe000000000000000}}},
	}
	for _, tt := range tests {
		v4, v6 := Counts(mustPrefixes(t, tt.in...))
		if diff := cmp.Diff([2]Count{tt.v4, tt.v6}, [2]Count{v4, v6}); diff != "" {
			t.Errorf("%s: Counts mismatch (-want +got):\n%s", tt.name, diff)
		}
	}
}

// TestRangeAlgebraDifferential checks Aggregate, Subtract, Diff, Counts and
// RangePrefixes against brute-force enumeration of every address in small
// IPv4 and IPv6 spaces.
func TestRangeAlgebraDifferential(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	unis := []universe{small4, small6}
	for trial := range 20 {
		var a, b []netip.Prefix
		for _, u := range unis {
			a = append(a, u.randPrefixes(rng, rng.IntN(1+2*trial))...)
			b = append(b, u.randPrefixes(rng, rng.IntN(1+2*trial))...)
		}
		rng.Shuffle(len(a), func(i, j int) { a[i], a[j] = a[j], a[i] })
		rng.Shuffle(len(b), func(i, j int) { b[i], b[j] = b[j], b[i] })
		var wantAgg, wantSub, wantAdded, wantRemoved []netip.Prefix
		var wantCount [2]U128
		for i, u := range unis {
			ma, mb := u.members(t, a), u.members(t, b)
			wantAgg = append(wantAgg, u.cover(ma)...)
			wantSub = append(wantSub, u.cover(setOp(ma, mb, andNot))...)
			wantAdded = append(wantAdded, u.cover(setOp(mb, ma, andNot))...)
			wantRemoved = append(wantRemoved, u.cover(setOp(ma, mb, andNot))...)
			for _, in := range ma {
				if in {
					wantCount[i].Lo++
				}
			}
		}

		agg := Aggregate(a)
		checkMinimal(t, agg)
		if diff := cmp.Diff(wantAgg, agg, cmpOpts); diff != "" {
			t.Fatalf("trial %d: Aggregate(%v) mismatch (-want +got):\n%s", trial, a, diff)
		}
		// Covers exactly the input's addresses, checked independently of
		// the reference cover.
		for _, u := range unis {
			in, out := u.members(t, a), u.members(t, agg)
			if i := firstDiff(in, out); i >= 0 {
				t.Fatalf("trial %d: Aggregate(%v) = %v: %s in input %v, in output %v", trial, a, agg, u.addr(i), in[i], out[i])
			}
		}
		if diff := cmp.Diff(agg, Aggregate(agg), cmpOpts); diff != "" {
			t.Fatalf("trial %d: Aggregate not idempotent (-once +twice):\n%s", trial, diff)
		}
		shuffled := slices.Clone(a)
		rng.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
		if diff := cmp.Diff(agg, Aggregate(shuffled), cmpOpts); diff != "" {
			t.Fatalf("trial %d: Aggregate depends on input order (-sorted +shuffled):\n%s", trial, diff)
		}

		sub := Subtract(a, b)
		checkMinimal(t, sub)
		if diff := cmp.Diff(wantSub, sub, cmpOpts); diff != "" {
			t.Fatalf("trial %d: Subtract(%v, %v) mismatch (-want +got):\n%s", trial, a, b, diff)
		}
		added, removed := Diff(a, b)
		checkMinimal(t, added)
		checkMinimal(t, removed)
		if diff := cmp.Diff(wantAdded, added, cmpOpts); diff != "" {
			t.Fatalf("trial %d: Diff(%v, %v) added mismatch (-want +got):\n%s", trial, a, b, diff)
		}
		if diff := cmp.Diff(wantRemoved, removed, cmpOpts); diff != "" {
			t.Fatalf("trial %d: Diff(%v, %v) removed mismatch (-want +got):\n%s", trial, a, b, diff)
		}

		v4, v6 := Counts(agg)
		if v4.Addresses != wantCount[0] || v6.Addresses != wantCount[1] {
			t.Fatalf("trial %d: Counts(%v) addresses = %v, %v; want %v, %v", trial, agg, v4.Addresses, v6.Addresses, wantCount[0], wantCount[1])
		}
		if v4.Prefixes+v6.Prefixes != len(agg) {
			t.Fatalf("trial %d: Counts(%v) prefixes = %d+%d, want %d", trial, agg, v4.Prefixes, v6.Prefixes, len(agg))
		}
	}
}

func TestRangePrefixesDifferential(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, u := range []universe{small4, small6} {
		for range 60 {
			x, y := rng.IntN(u.size()), rng.IntN(u.size())
			if rng.IntN(4) == 0 {
				y = x + rng.IntN(3) // tiny ranges
				if y >= u.size() {
					y = x
				}
			}
			first, last := min(x, y), max(x, y)
			in := make([]bool, u.size())
			for i := first; i <= last; i++ {
				in[i] = true
			}
			got, err := RangePrefixes(u.addr(first), u.addr(last))
			if err != nil {
				t.Fatalf("RangePrefixes(%s, %s): %v", u.addr(first), u.addr(last), err)
			}
			checkMinimal(t, got)
			if diff := cmp.Diff(u.cover(in), got, cmpOpts); diff != "" {
				t.Fatalf("RangePrefixes(%s, %s) mismatch (-want +got):\n%s", u.addr(first), u.addr(last), diff)
			}
		}
	}
}

package prefixset

import (
	"math/rand/v2"
	"net/netip"
	"testing"
)

// checkContains compares both membership entry points for a against want.
func checkContains(t *testing.T, s *Set, a netip.Addr, want bool) {
	t.Helper()
	if got := s.Contains(a); got != want {
		t.Errorf("Contains(%s) = %v, want %v", a, got, want)
	}
	if u := a.Unmap(); u.Is4() {
		if got := s.Contains4(uint32(FromAddr(u).Lo)); got != want {
			t.Errorf("Contains4(%s) = %v, want %v", a, got, want)
		}
	}
}

func TestSetContains(t *testing.T) {
	s, err := NewSet(mustPrefixes(t,
		"10.0.0.0/8",
		"10.1.2.3/32", // covered
		"172.16.0.0/12",
		"192.168.1.0/24",
		"192.168.2.128/25",
		"192.168.2.7/32",
		"192.168.200.64/26", // a partial /24 in a later bitmap word
		"192.168.255.255/32",
		"255.255.255.255/32",
		"2001:db8::/32",
		"2001:db8:ffff::1/128",
		"2a00::/127",
		"2a00:1::1/128",
	))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		addr string
		want bool
	}{
		{"0.0.0.0", false},
		{"9.255.255.255", false},
		{"10.0.0.0", true},
		{"10.255.255.255", true},
		{"11.0.0.0", false},
		{"172.15.255.255", false},
		{"172.16.0.0", true},
		{"172.31.255.255", true},
		{"172.32.0.0", false},
		{"192.168.0.255", false},
		{"192.168.1.0", true},
		{"192.168.1.255", true},
		{"192.168.2.0", false},
		{"192.168.2.6", false},
		{"192.168.2.7", true},
		{"192.168.2.8", false},
		{"192.168.2.127", false},
		{"192.168.2.128", true},
		{"192.168.2.255", true},
		{"192.168.3.0", false},
		{"192.168.200.63", false},
		{"192.168.200.64", true},
		{"192.168.200.127", true},
		{"192.168.200.128", false},
		{"192.168.255.254", false},
		{"192.168.255.255", true},
		{"255.255.255.254", false},
		{"255.255.255.255", true},
		{"::ffff:10.0.0.1", true},
		{"::ffff:192.168.2.7", true},
		{"::ffff:192.168.2.8", false},
		{"::", false},
		{"2001:db7:ffff:ffff:ffff:ffff:ffff:ffff", false},
		{"2001:db8::", true},
		{"2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", true},
		{"2001:db9::", false},
		{"2a00::", true},
		{"2a00::1", true},
		{"2a00::2", false},
		{"2a00:1::", false},
		{"2a00:1::1", true},
		{"2a00:1::2", false},
	}
	for _, tt := range tests {
		checkContains(t, s, netip.MustParseAddr(tt.addr), tt.want)
	}
}

func TestSetEmpty(t *testing.T) {
	for _, ps := range [][]netip.Prefix{nil, {{}}} {
		s, err := NewSet(ps)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range []string{"0.0.0.0", "10.0.0.1", "255.255.255.255", "::", "2001:db8::1", "::ffff:1.2.3.4"} {
			checkContains(t, s, netip.MustParseAddr(a), false)
		}
	}
}

func TestSetWhole(t *testing.T) {
	s, err := NewSet(mustPrefixes(t, "0.0.0.0/0", "::/0"))
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range []string{"0.0.0.0", "10.0.0.1", "255.255.255.255", "::", "2001:db8::1", "::ffff:1.2.3.4"} {
		checkContains(t, s, netip.MustParseAddr(a), true)
	}
}

// TestSetDifferential compares NewSet/Contains against refContains on random
// nested prefixes, favouring long IPv4 prefixes so that /16s split into
// partial /24 bitmaps.
func TestSetDifferential(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	for trial, n := range []int{0, 1, 2, 3, 5, 8, 13, 20, 40, 80, 150, 300} {
		g := newPrefixGen(rng, trial%4 != 0)
		var ps []netip.Prefix
		for range n {
			ps = append(ps, g.prefix())
		}
		s, err := NewSet(ps)
		if err != nil {
			t.Fatalf("trial %d: %v", trial, err)
		}
		mismatches := 0
		for _, q := range g.queries(ps, 300) {
			want := refContains(ps, q)
			if s.Contains(q) != want {
				if mismatches++; mismatches >= 5 {
					t.Fatalf("trial %d: too many mismatches; prefixes %v", trial, ps)
				}
			}
			checkContains(t, s, q, want)
		}
	}
}

// TestSetDense checks every address of a /16 split into many partial /24s,
// so that the rank over the "partly in" bits reaches every bitmap word.
func TestSetDense(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for range 4 {
		var ps []netip.Prefix
		for range 200 {
			bits := 25 + rng.IntN(8)
			if rng.IntN(20) == 0 {
				bits = 20 + rng.IntN(5)
			}
			ps = append(ps, netip.PrefixFrom(small4.addr(rng.IntN(small4.size())), bits))
		}
		s, err := NewSet(ps)
		if err != nil {
			t.Fatal(err)
		}
		in := small4.members(t, ps)
		for off, want := range in {
			if got := s.Contains4(uint32(FromAddr(small4.addr(off)).Lo)); got != want {
				t.Fatalf("Contains4(%s) = %v, want %v; prefixes %v", small4.addr(off), got, want, ps)
			}
		}
	}
}

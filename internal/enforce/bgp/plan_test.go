package bgp

import (
	"math/rand/v2"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/osrg/gobgp/v4/pkg/packet/bgp"

	"github.com/seawall/seawall/internal/prefixset"
)

var prefixComparer = cmp.Comparer(func(a, b netip.Prefix) bool { return a == b })

func TestPlanRoutes(t *testing.T) {
	for _, tc := range []struct {
		name                     string
		routes, want             []netip.Prefix
		wantAnnounce, wantWithdr []netip.Prefix
	}{
		{name: "empty"},
		{
			name:         "first install aggregates",
			want:         prefixes("10.0.0.0/25", "10.0.0.128/25", "2001:db8::/33", "2001:db8:8000::/33"),
			wantAnnounce: prefixes("10.0.0.0/24", "2001:db8::/32"),
		},
		{
			name:   "same addresses, other split: nothing to do",
			routes: prefixes("10.0.0.0/24"),
			want:   prefixes("10.0.0.0/25", "10.0.0.128/25"),
		},
		{
			name:         "a neighbour joins: one announcement, no churn",
			routes:       prefixes("10.0.0.0/24"),
			want:         prefixes("10.0.0.0/24", "10.0.1.0/24"),
			wantAnnounce: prefixes("10.0.1.0/24"),
		},
		{
			name:         "a whole route leaves",
			routes:       prefixes("10.0.0.0/24", "10.0.1.0/24", "2001:db8::/32"),
			want:         prefixes("10.0.0.0/24"),
			wantWithdr:   prefixes("10.0.1.0/24", "2001:db8::/32"),
			wantAnnounce: nil,
		},
		{
			name:         "part of a route leaves: the rest is re-announced",
			routes:       prefixes("10.0.0.0/16"),
			want:         prefixes("10.0.0.0/17"),
			wantAnnounce: prefixes("10.0.0.0/17"),
			wantWithdr:   prefixes("10.0.0.0/16"),
		},
		{
			name:         "a hole in a route",
			routes:       prefixes("10.0.0.0/22"),
			want:         prefixes("10.0.0.0/24", "10.0.2.0/23"),
			wantAnnounce: prefixes("10.0.0.0/24", "10.0.2.0/23"),
			wantWithdr:   prefixes("10.0.0.0/22"),
		},
		{
			name:         "one removal spans several routes",
			routes:       prefixes("10.0.0.0/24", "10.0.1.0/24", "10.0.2.0/24", "10.1.0.0/16"),
			want:         prefixes("10.0.2.128/25", "10.1.0.0/16"),
			wantAnnounce: prefixes("10.0.2.128/25"),
			wantWithdr:   prefixes("10.0.0.0/24", "10.0.1.0/24", "10.0.2.0/24"),
		},
		{
			name:         "families are independent",
			routes:       prefixes("10.0.0.0/8", "2001:db8::/32"),
			want:         prefixes("10.0.0.0/8", "2001:db8::/33"),
			wantAnnounce: prefixes("2001:db8::/33"),
			wantWithdr:   prefixes("2001:db8::/32"),
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			announce, withdraw := planRoutes(tc.routes, tc.want)
			if d := cmp.Diff(tc.wantAnnounce, announce, prefixComparer, cmpEmpty); d != "" {
				t.Errorf("announce (-want +got):\n%s", d)
			}
			if d := cmp.Diff(tc.wantWithdr, withdraw, prefixComparer, cmpEmpty); d != "" {
				t.Errorf("withdraw (-want +got):\n%s", d)
			}
			checkPlan(t, tc.routes, tc.want, announce, withdraw)
		})
	}
}

// cmpEmpty treats nil and empty slices alike.
var cmpEmpty = cmp.FilterValues(func(a, b []netip.Prefix) bool { return len(a) == 0 && len(b) == 0 }, cmp.Ignore())

// checkPlan checks the plan's invariants against the slow definitions:
// the result covers exactly want with disjoint routes; no announced key
// is one that stays or goes; and between announcing and withdrawing
// (make before break) every wanted address is covered.
func checkPlan(t *testing.T, routes, want, announce, withdraw []netip.Prefix) []netip.Prefix {
	t.Helper()
	for _, w := range withdraw {
		if !slices.Contains(routes, w) {
			t.Fatalf("withdraws %s, which is not announced", w)
		}
	}
	for _, a := range announce {
		if slices.Contains(routes, a) {
			t.Fatalf("announces %s, which already is", a)
		}
	}
	mid := applyPlan(routes, announce, nil)
	if missing := prefixset.Subtract(want, mid); len(missing) > 0 {
		t.Fatalf("between announce and withdraw %v are uncovered", missing)
	}
	after := applyPlan(routes, announce, withdraw)
	for i := 1; i < len(after); i++ {
		if after[i-1].Overlaps(after[i]) {
			t.Fatalf("routes %s and %s overlap", after[i-1], after[i])
		}
	}
	if d := cmp.Diff(prefixset.Aggregate(want), prefixset.Aggregate(after), prefixComparer, cmpEmpty); d != "" {
		t.Fatalf("routes cover other addresses than wanted (-want +got):\n%s", d)
	}
	return after
}

// TestPlanRoutesRandom walks random sequences of desired sets, carrying
// the route set from step to step as the Speaker does, and checks every
// plan against the definitions (checkPlan).
func TestPlanRoutesRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	randomSet := func() []netip.Prefix {
		var ps []netip.Prefix
		for range r.IntN(12) {
			if r.IntN(3) == 0 {
				a := netip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, byte(r.IntN(4)), byte(r.IntN(256))})
				ps = append(ps, netip.PrefixFrom(a, 30+r.IntN(19)).Masked())
			} else {
				a := netip.AddrFrom4([4]byte{10, byte(r.IntN(4)), byte(r.IntN(256)), byte(r.IntN(256))})
				ps = append(ps, netip.PrefixFrom(a, 14+r.IntN(15)).Masked())
			}
		}
		return ps
	}
	for seq := range 200 {
		var routes []netip.Prefix
		for range 20 {
			want := randomSet()
			announce, withdraw := planRoutes(routes, want)
			routes = checkPlan(t, routes, want, announce, withdraw)
			if t.Failed() {
				t.Fatalf("sequence %d", seq)
			}
			// Asking again for the same addresses changes nothing.
			if a, w := planRoutes(routes, want); len(a)+len(w) > 0 {
				t.Fatalf("sequence %d: repeated Set plans %v %v", seq, a, w)
			}
		}
	}
}

func TestNormalize(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Peers = []Peer{{Address: netip.MustParseAddr("10.9.9.9"), ASN: 65001}, {Address: netip.MustParseAddr("2001:db8:9::9"), ASN: 65001}}
	for _, tc := range []struct {
		name    string
		in      []netip.Prefix
		want    []netip.Prefix
		wantErr string
	}{
		{name: "nil"},
		{
			name: "aggregated, masked, IPv4 first",
			in:   prefixes("2001:db8:1::/48", "203.0.113.7/25", "203.0.113.128/25", "203.0.113.0/26"),
			want: prefixes("203.0.113.0/24", "2001:db8:1::/48"),
		},
		{
			name: "IPv4-mapped IPv6 becomes IPv4",
			in:   prefixes("::ffff:203.0.113.0/120", "203.0.113.0/24"),
			want: prefixes("203.0.113.0/24"),
		},
		{name: "default route", in: prefixes("0.0.0.0/0"), wantErr: "whole address family"},
		{name: "IPv6 default route", in: prefixes("::/0"), wantErr: "whole address family"},
		{name: "invalid", in: []netip.Prefix{{}}, wantErr: "invalid prefix"},
		{name: "covers a peer", in: prefixes("10.9.0.0/16"), wantErr: "covers BGP peer 10.9.9.9"},
		{name: "covers an IPv6 peer", in: prefixes("2001:db8::/32"), wantErr: "covers BGP peer 2001:db8:9::9"},
		{name: "covers the IPv4 next hop", in: prefixes("192.0.2.0/24"), wantErr: "covers the blackhole next hop 192.0.2.1"},
		{name: "covers the IPv6 next hop", in: prefixes("100::/8"), wantErr: "covers the blackhole next hop 100::1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := normalize(tc.in, cfg)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want it to contain %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tc.want, got, prefixComparer, cmpEmpty); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
		})
	}
}

func TestCovering(t *testing.T) {
	ps := prefixes("10.0.0.0/8", "192.0.2.0/24", "2001:db8::/32")
	for addr, want := range map[string]string{
		"10.1.2.3":    "10.0.0.0/8",
		"9.255.255.1": "",
		"11.0.0.0":    "",
		"192.0.2.255": "192.0.2.0/24",
		"192.0.3.0":   "",
		"2001:db8::1": "2001:db8::/32",
		"::1":         "",
		"2001:db9::":  "",
	} {
		p, ok := covering(ps, netip.MustParseAddr(addr))
		if got := ""; ok {
			got = p.String()
			if got != want {
				t.Errorf("covering(%s) = %s, want %q", addr, got, want)
			}
		} else if want != "" {
			t.Errorf("covering(%s) = none, want %s", addr, want)
		}
	}
}

func TestPathBuilder(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Communities = []Community{65000<<16 | 666, Blackhole}
	b := newPathBuilder(cfg)
	for _, tc := range []struct {
		prefix  string
		family  bgp.Family
		nextHop string
	}{
		{"203.0.113.0/24", bgp.RF_IPv4_UC, "192.0.2.1"},
		{"2001:db8:1::/48", bgp.RF_IPv6_UC, "100::1"},
	} {
		p, err := b.path(netip.MustParsePrefix(tc.prefix))
		if err != nil {
			t.Fatal(err)
		}
		if p.Family != tc.family || p.Nlri.String() != tc.prefix {
			t.Errorf("%s: family %v nlri %v", tc.prefix, p.Family, p.Nlri)
		}
		var origin, nextHop string
		var communities []uint32
		for _, a := range p.Attrs {
			switch a := a.(type) {
			case *bgp.PathAttributeOrigin:
				origin = a.String()
			case *bgp.PathAttributeNextHop:
				nextHop = a.Value.String()
			case *bgp.PathAttributeMpReachNLRI:
				nextHop = a.Nexthop.String()
			case *bgp.PathAttributeCommunities:
				communities = a.Value
			}
		}
		// Sorted and without the duplicate BLACKHOLE.
		wantComms := []uint32{65000<<16 | 666, uint32(Blackhole), uint32(NoExport)}
		if nextHop != tc.nextHop || origin != "{Origin: i}" || !slices.Equal(communities, wantComms) {
			t.Errorf("%s: origin %q next hop %q communities %v; want IGP, %s, %v", tc.prefix, origin, nextHop, communities, tc.nextHop, wantComms)
		}
	}
}

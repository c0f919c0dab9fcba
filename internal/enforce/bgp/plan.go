package bgp

import (
	"fmt"
	"net/netip"
	"slices"

	"github.com/osrg/gobgp/v4/pkg/apiutil"
	"github.com/osrg/gobgp/v4/pkg/packet/bgp"

	"github.com/seawall/seawall/internal/prefixset"
)

// normalize turns a desired prefix list into the minimal cover of its
// addresses, IPv4-mapped IPv6 prefixes as IPv4, and refuses what must never
// be blackholed: a default route, and any prefix covering a peer's address
// or a next hop (the first would black-hole the session that carries the
// routes on a router without a more-specific route to the peer).
func normalize(prefixes []netip.Prefix, cfg Config) ([]netip.Prefix, error) {
	ps := make([]netip.Prefix, 0, len(prefixes))
	for _, p := range prefixes {
		if !p.IsValid() {
			return nil, fmt.Errorf("invalid prefix %v", p)
		}
		if a := p.Addr(); a.Is4In6() && p.Bits() >= 96 {
			p = netip.PrefixFrom(a.Unmap(), p.Bits()-96)
		}
		p = p.Masked()
		if p.Bits() == 0 {
			return nil, fmt.Errorf("refusing to blackhole %s: it is the whole address family (a default route)", p)
		}
		ps = append(ps, p)
	}
	ps = prefixset.Aggregate(ps)
	for _, peer := range cfg.Peers {
		if p, ok := covering(ps, peer.Address.Unmap()); ok {
			return nil, fmt.Errorf("refusing to blackhole %s: it covers BGP peer %s, whose session would carry its own blackhole; allow-list the peer's address", p, peer.Address)
		}
	}
	for _, nh := range []netip.Addr{cfg.NextHopIPv4, cfg.NextHopIPv6} {
		if p, ok := covering(ps, nh); ok {
			return nil, fmt.Errorf("refusing to blackhole %s: it covers the blackhole next hop %s, which routers must resolve to a discard route, not to a BGP route", p, nh)
		}
	}
	return ps, nil
}

// covering returns the prefix of the sorted, disjoint list ps containing a.
func covering(ps []netip.Prefix, a netip.Addr) (netip.Prefix, bool) {
	if !a.IsValid() {
		return netip.Prefix{}, false
	}
	// The candidate is the last prefix starting at or before a.
	i, found := slices.BinarySearchFunc(ps, a, func(p netip.Prefix, a netip.Addr) int { return p.Addr().Compare(a) })
	if !found {
		i--
	}
	if i >= 0 && ps[i].Contains(a) {
		return ps[i], true
	}
	return netip.Prefix{}, false
}

// planRoutes returns the routes to announce and then withdraw so that the
// announced routes, which are disjoint, come to cover exactly the addresses
// of want.
//
// It works on the address difference (prefixset.Diff) rather than on route
// keys, so that a country gaining one /24 next to one it has costs one
// announcement, not a withdrawal of two routes and an announcement of their
// aggregate. A route that loses only part of its addresses is replaced by
// the pieces that stay. Announcing before withdrawing means no wanted
// address is ever uncovered mid-update: the pieces stay covered by the old
// route until they are announced, and an address leaving the set is
// blackholed a moment longer, never a moment less.
//
// No announced key collides with a route that stays: added addresses were
// not covered before, and the pieces lie inside withdrawn routes.
func planRoutes(routes, want []netip.Prefix) (announce, withdraw []netip.Prefix) {
	added, removed := prefixset.Diff(routes, want)
	if len(removed) > 0 {
		rm := prefixset.Ranges(removed)
		sorted := slices.Clone(routes)
		slices.SortFunc(sorted, func(a, b netip.Prefix) int { return a.Addr().Compare(b.Addr()) })
		j := 0
		for _, r := range sorted {
			rr := prefixset.PrefixRange(r)
			for j < len(rm) && before(rm[j], rr) {
				j++
			}
			if j < len(rm) && overlap(rm[j], rr) {
				withdraw = append(withdraw, r)
			}
		}
		added = append(added, prefixset.Subtract(withdraw, removed)...)
	}
	return prefixset.Aggregate(added), withdraw
}

// before reports whether s lies wholly before r (IPv4 before IPv6).
func before(s, r prefixset.Range) bool {
	if s.Bits != r.Bits {
		return s.Bits < r.Bits
	}
	return s.Last.Cmp(r.First) < 0
}

func overlap(s, r prefixset.Range) bool {
	return s.Bits == r.Bits && s.First.Cmp(r.Last) <= 0 && r.First.Cmp(s.Last) <= 0
}

// applyPlan returns the route set after announcing and withdrawing.
func applyPlan(routes, announce, withdraw []netip.Prefix) []netip.Prefix {
	gone := make(map[netip.Prefix]bool, len(withdraw))
	for _, w := range withdraw {
		gone[w] = true
	}
	out := make([]netip.Prefix, 0, len(routes)+len(announce))
	for _, r := range routes {
		if !gone[r] {
			out = append(out, r)
		}
	}
	out = append(out, announce...)
	slices.SortFunc(out, func(a, b netip.Prefix) int { return a.Addr().Compare(b.Addr()) })
	return out
}

// pathBuilder makes GoBGP paths for blackhole routes: ORIGIN IGP, the
// family's next hop, and the communities. AS_PATH is left empty, as for any
// locally originated route; GoBGP prepends the local AS toward eBGP peers
// and, because the route is local with an explicit next hop, keeps that
// next hop rather than rewriting it to the session address.
type pathBuilder struct {
	nextHop4, nextHop6 netip.Addr
	communities        []uint32
}

func newPathBuilder(cfg Config) pathBuilder {
	cs := []uint32{uint32(Blackhole), uint32(NoExport)}
	for _, c := range cfg.Communities {
		cs = append(cs, uint32(c))
	}
	slices.Sort(cs)
	return pathBuilder{nextHop4: cfg.NextHopIPv4, nextHop6: cfg.NextHopIPv6, communities: slices.Compact(cs)}
}

func (b pathBuilder) path(p netip.Prefix) (*apiutil.Path, error) {
	nlri, err := bgp.NewIPAddrPrefix(p)
	if err != nil {
		return nil, fmt.Errorf("prefix %s: %w", p, err)
	}
	attrs := []bgp.PathAttributeInterface{
		bgp.NewPathAttributeOrigin(bgp.BGP_ORIGIN_ATTR_TYPE_IGP),
		bgp.NewPathAttributeCommunities(b.communities),
	}
	family := bgp.RF_IPv4_UC
	if p.Addr().Is4() {
		nh, err := bgp.NewPathAttributeNextHop(b.nextHop4)
		if err != nil {
			return nil, fmt.Errorf("next hop %s: %w", b.nextHop4, err)
		}
		attrs = append(attrs, nh)
	} else {
		family = bgp.RF_IPv6_UC
		mp, err := bgp.NewPathAttributeMpReachNLRI(family, []bgp.PathNLRI{{NLRI: nlri}}, b.nextHop6)
		if err != nil {
			return nil, fmt.Errorf("next hop %s: %w", b.nextHop6, err)
		}
		attrs = append(attrs, mp)
	}
	// Family must be set even though the NLRI implies it: GoBGP's AddPath
	// rejects a path without it ("address family is not set").
	return &apiutil.Path{Family: family, Nlri: nlri, Attrs: attrs}, nil
}

func (b pathBuilder) paths(ps []netip.Prefix) ([]*apiutil.Path, error) {
	out := make([]*apiutil.Path, len(ps))
	for i, p := range ps {
		path, err := b.path(p)
		if err != nil {
			return nil, err
		}
		out[i] = path
	}
	return out, nil
}

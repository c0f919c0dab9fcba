package ioc

import (
	"net/netip"
	"slices"
	"strings"

	"github.com/seawall/seawall/internal/audit/device"
	"github.com/seawall/seawall/internal/geo"
	"github.com/seawall/seawall/internal/inventory"
)

// parseAddr reads an address as configurations write it: bare
// ("192.0.2.1"), with a prefix length ("192.0.2.1/32", Junos and NX-OS), or
// IPv6. The zone and prefix length are dropped.
func parseAddr(w string) (netip.Addr, bool) {
	w = strings.TrimSuffix(w, ";")
	if i := strings.IndexByte(w, '/'); i >= 0 {
		w = w[:i]
	}
	a, err := netip.ParseAddr(w)
	if err != nil {
		return netip.Addr{}, false
	}
	return a.WithZone("").Unmap(), true
}

// private reports whether a is in space that cannot be an internet host
// (geo.Internal: RFC 1918 and unique-local, shared CGN space, loopback,
// link-local, unspecified, multicast, broadcast). Documentation ranges are
// not private: they stand in for actor hosts in examples and tests and
// must count as external. harden's public is deliberately not the
// negation: there documentation ranges are labs, not internet edges.
func private(a netip.Addr) bool { return geo.Internal(a) }

// known reports whether the inventory accounts for a in any role: a
// management network, a jump host, an approved server or peer, or an
// address or loopback of a listed device.
func known(inv *inventory.Config, a netip.Addr) bool {
	if inv.InManagement(a) || inv.ApprovedTunnelPeer(a) {
		return true
	}
	for _, l := range [][]netip.Addr{inv.JumpHosts, inv.AAAServers, inv.NMS, inv.SyslogCollectors, inv.FlowCollectors, inv.NTPServers, inv.BGPPeers} {
		if inventory.Has(l, a) {
			return true
		}
	}
	for _, d := range inv.Devices {
		if inventory.Has(d.Addresses, a) || inventory.Has(d.Loopbacks, a) {
			return true
		}
	}
	return false
}

// outside reports whether a is an external address: not private and not
// anything the inventory knows. It is the generic sign rules fall back to
// when the inventory has no list for the role in question.
func outside(inv *inventory.Config, a netip.Addr) bool { return !private(a) && !known(inv, a) }

// firstAddr returns the first word from index i on that is an address.
func firstAddr(n *device.Node, i int) (netip.Addr, bool) {
	for ; i < len(n.Words); i++ {
		if a, ok := parseAddr(n.Words[i]); ok {
			return a, true
		}
	}
	return netip.Addr{}, false
}

// lastAfter returns the word after the last occurrence of key, or "": EOS
// mirror destinations read `... source S destination D`, where the first
// "destination" is the keyword that opens the clause.
func lastAfter(n *device.Node, key string) string {
	for i := len(n.Words) - 2; i >= 0; i-- {
		if n.Words[i] == key {
			return n.Words[i+1]
		}
	}
	return ""
}

// nodes builds an evidence list, skipping nils and repeats.
func nodes(ns ...*device.Node) []*device.Node {
	var out []*device.Node
	for _, n := range ns {
		if n != nil && !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out
}

// junosAddrs returns the addresses named as children of a Junos node (the
// values of `host 192.0.2.1`, `destination 192.0.2.1` and the like), with
// the node that carries each.
func junosAddrs(n *device.Node) ([]netip.Addr, []*device.Node) {
	var as []netip.Addr
	var ns []*device.Node
	if n == nil {
		return nil, nil
	}
	for _, c := range n.Children {
		if c.Inactive {
			continue
		}
		if a, ok := parseAddr(c.Word(0)); ok {
			as = append(as, a)
			ns = append(ns, c)
		}
	}
	return as, ns
}

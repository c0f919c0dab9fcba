package ioc

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/seawall/seawall/internal/audit/device"
	"github.com/seawall/seawall/internal/audit/rule"
)

// peerHit judges a tunnel or mirror endpoint: with approved tunnel peers
// in the inventory anything else is high severity; without them a public
// endpoint is reported at the given fallback severity and a private one
// not at all. what describes the endpoint ("tunnel destination").
func peerHit(d *rule.Device, a netip.Addr, what string, fallback rule.Severity, ev []*device.Node) *rule.Hit {
	if len(d.Inventory.TunnelPeers) > 0 {
		if d.Inventory.ApprovedTunnelPeer(a) {
			return nil
		}
		return &rule.Hit{Nodes: ev, Severity: rule.High, Message: fmt.Sprintf("%s %s is not an approved tunnel peer", what, a)}
	}
	if !outside(d.Inventory, a) {
		return nil
	}
	return &rule.Hit{Nodes: ev, Severity: fallback,
		Message: fmt.Sprintf("%s %s is an external address (the inventory lists no tunnel peers to compare with)", what, a)}
}

// tunnels is IOC-CFG-005.
func tunnels() rule.Rule {
	return rule.Rule{
		ID:        "IOC-CFG-005",
		Title:     "Tunnel or IPsec peer outside the approved peers",
		Kind:      rule.Indicator,
		Severity:  rule.High,
		Platforms: rule.Platforms(ios, nxos, iosxr, eos),
		Doc: "Reports GRE/IP tunnels (`interface Tunnel<n>`, IOS XR `interface tunnel-ip<n>` → `tunnel destination " +
			"<ip>`) and IPsec peers (IOS `crypto isakmp key ... address <ip>`, `crypto map` → `set peer <ip>`, " +
			"`crypto ikev2 keyring` → `peer` → `address <ip>`) whose far end is not an approved tunnel peer in the " +
			"inventory (high), or, when the inventory lists no tunnel peers, is a public address (medium: many " +
			"legitimate tunnels cross the internet, so without a list this is a lead, not a verdict). The actors " +
			"build GRE, mGRE and IPsec tunnels for command and control and to carry captured data out. A wildcard " +
			"pre-shared key (`address 0.0.0.0 0.0.0.0`) is reported as accepting any peer. Junos gr-/ip- tunnels " +
			"are IOC-CFG-020.",
		Remediation: map[device.Vendor]string{
			ios:   "If no change record explains it: `no interface Tunnel<n>`, `no crypto isakmp key <k> address <ip>`, remove the crypto map entry; add approved peers to the inventory.",
			nxos:  "If unexplained: `no interface Tunnel<n>`; consider `no feature tunnel`.",
			iosxr: "If unexplained: `no interface tunnel-ip<n>` then `commit`.",
			eos:   "If unexplained: `no interface Tunnel<n>`.",
		},
		References: refs("CISA-EVH", "AA25-239A", "MITRE"),
		ATTACK:     []string{"T1572"},
		Check:      checkTunnels,
	}
}

func checkTunnels(d *rule.Device) []rule.Hit {
	var hits []rule.Hit
	add := func(h *rule.Hit) {
		if h != nil {
			hits = append(hits, *h)
		}
	}
	for _, n := range d.Config.Find("interface", "tunnel*") {
		for _, t := range n.Find("tunnel", "destination") {
			if a, ok := parseAddr(t.Word(2)); ok {
				add(peerHit(d, a, n.Word(1)+" tunnel destination", rule.Medium, nodes(n, t)))
			}
		}
	}
	if d.Config.Vendor != ios {
		return hits
	}
	for _, n := range d.Config.Find("crypto") {
		switch {
		case n.Hit("crypto", "isakmp", "key"):
			// crypto isakmp key [0|6] <key> address <ip> [<mask>]
			a, ok := parseAddr(n.After("address"))
			if !ok {
				continue
			}
			if a.IsUnspecified() {
				hits = append(hits, rule.Hit{Nodes: nodes(n), Severity: rule.Medium,
					Message: "an ISAKMP pre-shared key accepts any peer address (address 0.0.0.0)"})
				continue
			}
			add(peerHit(d, a, "ISAKMP pre-shared-key peer", rule.Medium, nodes(n)))
		case n.Hit("crypto", "map"):
			for _, p := range n.Find("set", "peer") {
				if a, ok := parseAddr(p.Word(2)); ok {
					add(peerHit(d, a, "crypto map "+n.Word(2)+" peer", rule.Medium, nodes(n, p)))
				}
			}
		case n.Hit("crypto", "ikev2", "keyring"):
			for _, p := range n.Find("peer") {
				for _, ad := range p.Find("address") {
					if a, ok := parseAddr(ad.Word(1)); ok && !a.IsUnspecified() {
						add(peerHit(d, a, "IKEv2 keyring "+n.Word(3)+" peer", rule.Medium, nodes(n, p, ad)))
					}
				}
			}
		}
	}
	return hits
}

// mirroring is IOC-CFG-006.
func mirroring() rule.Rule {
	return rule.Rule{
		ID:        "IOC-CFG-006",
		Title:     "Traffic mirrored to a remote collector",
		Kind:      rule.Indicator,
		Severity:  rule.High,
		Platforms: rule.Platforms(ios, nxos, iosxr, eos),
		Doc: "Reports ERSPAN and GRE mirror sessions and where they send copies: IOS `monitor session <n> type " +
			"erspan-source` → `destination` → `ip address <ip>`; NX-OS `monitor session <n> type erspan-source` → " +
			"`destination ip <ip>`; EOS `monitor session <s> destination tunnel mode gre ... destination <ip>`; " +
			"IOS XR `monitor-session` → `destination interface tunnel-ip<n>` resolved to that tunnel's " +
			"destination. With approved tunnel peers in the inventory, a destination outside them is high; " +
			"without them, an external destination is high and a private one medium (a mirror session still " +
			"copies subscriber or AAA traffic and needs an owner). RSPAN (`remote-span` VLANs, `destination " +
			"remote vlan`) stays inside the layer-2 domain and is low. Local SPAN to a port is not reported. " +
			"Junos port mirroring is IOC-CFG-020.",
		Remediation: map[device.Vendor]string{
			ios:   "If no change record explains it: `no monitor session <n>`; for RSPAN also remove `remote-span` from the VLAN.",
			nxos:  "If unexplained: `no monitor session <n>`.",
			iosxr: "If unexplained: `no monitor-session <name>` and remove `monitor-session` from the source interfaces; `commit`.",
			eos:   "If unexplained: `no monitor session <name>`.",
		},
		References: refs("AA25-239A"),
		Check:      checkMirroring,
	}
}

// mirrorHit judges a mirror destination: see mirroring's Doc.
func mirrorHit(d *rule.Device, session string, a netip.Addr, ev []*device.Node) rule.Hit {
	if h := peerHit(d, a, session+" destination", rule.High, ev); h != nil {
		return *h
	}
	return rule.Hit{Nodes: ev, Severity: rule.Medium,
		Message: fmt.Sprintf("%s copies traffic to %s; confirm the collector is approved", session, a)}
}

func checkMirroring(d *rule.Device) []rule.Hit {
	var hits []rule.Hit
	cfg := d.Config
	approved := func(a netip.Addr) bool {
		return len(d.Inventory.TunnelPeers) > 0 && d.Inventory.ApprovedTunnelPeer(a)
	}
	emit := func(session string, a netip.Addr, ev []*device.Node) {
		if !approved(a) {
			hits = append(hits, mirrorHit(d, session, a, ev))
		}
	}
	switch cfg.Vendor {
	case ios, nxos:
		for _, s := range cfg.Find("monitor", "session") {
			name := "monitor session " + s.Word(2)
			if s.Has("erspan-source") {
				for _, dst := range s.Find("destination") {
					if a, ok := parseAddr(dst.After("ip")); ok && dst.Hit("destination", "ip") {
						emit(name, a, nodes(s, dst))
					}
					for _, ip := range dst.Find("ip", "address") {
						if a, ok := parseAddr(ip.Word(2)); ok {
							emit(name, a, nodes(s, dst, ip))
						}
					}
				}
			}
			if s.Hit("monitor", "session", "*", "destination", "remote", "vlan") {
				hits = append(hits, rule.Hit{Nodes: nodes(s), Severity: rule.Low,
					Message: fmt.Sprintf("%s sends mirrored traffic to RSPAN VLAN %s", name, s.Word(6))})
			}
		}
		for _, v := range cfg.Find("vlan") {
			if r := v.First("remote-span"); r != nil {
				hits = append(hits, rule.Hit{Nodes: nodes(v, r), Severity: rule.Low,
					Message: fmt.Sprintf("VLAN %s carries remote-span (RSPAN) mirrored traffic", v.Word(1))})
			}
		}
	case eos:
		for _, s := range cfg.Find("monitor", "session", "*", "destination", "tunnel") {
			if a, ok := parseAddr(lastAfter(s, "destination")); ok {
				emit("monitor session "+s.Word(2), a, nodes(s))
			}
		}
	case iosxr:
		tunnelDst := map[string]*device.Node{}
		for _, n := range cfg.Find("interface", "tunnel-ip*") {
			if t := n.First("tunnel", "destination"); t != nil {
				tunnelDst[strings.ToLower(n.Word(1))] = t
			}
		}
		for _, s := range cfg.Find("monitor-session") {
			for _, dst := range s.Find("destination", "interface") {
				t := tunnelDst[strings.ToLower(dst.Word(2))]
				if t == nil {
					continue
				}
				if a, ok := parseAddr(t.Word(2)); ok {
					emit("monitor-session "+s.Word(1), a, nodes(s, dst, t))
				}
			}
		}
	}
	return hits
}

// loopbacks is IOC-CFG-012.
func loopbacks() rule.Rule {
	return rule.Rule{
		ID:        "IOC-CFG-012",
		Title:     "Loopback address not in the inventory",
		Kind:      rule.Indicator,
		Severity:  rule.Medium,
		Platforms: rule.Platforms(ios, nxos, iosxr, eos, junos),
		Doc: "Compares loopback addresses (`interface Loopback<n>` → `ip address` / `ipv4 address` / `ipv6 " +
			"address`; Junos `interfaces lo0 unit <n> family inet|inet6 address`) with the loopbacks the inventory " +
			"lists for this device, or, when the device is not listed with loopbacks, with every device's " +
			"loopbacks. Talos saw the actors change a loopback address and use it as the SSH source to get past " +
			"ACLs. An unknown address is high when the loopback is used as a source (`ip ssh source-interface`, " +
			"`ssh client source-interface`, `tunnel source`, `update-source`, any `source-interface`), else " +
			"medium. Only address families the inventory lists are compared. Without loopbacks in the inventory " +
			"the rule reports nothing: a configuration alone cannot tell a new loopback from an old one (drift " +
			"can).",
		Remediation: map[device.Vendor]string{
			ios:   "If no change record explains it, restore the inventory address (`interface Loopback<n>` → `ip address <addr> 255.255.255.255`) or remove the interface, and check what used it as a source.",
			nxos:  "If unexplained, restore the inventory address or `no interface loopback<n>`.",
			iosxr: "If unexplained, restore the inventory address or `no interface Loopback<n>`; `commit`.",
			eos:   "If unexplained, restore the inventory address or `no interface Loopback<n>`.",
			junos: "If unexplained: `delete interfaces lo0 unit <n> family inet address <addr>` and `commit`.",
		},
		References: refs("TALOS-ST", "MITRE"),
		ATTACK:     []string{"T1021.004"},
		Check:      checkLoopbacks,
	}
}

// expectedLoopbacks are the loopbacks the inventory expects on this device.
func expectedLoopbacks(d *rule.Device) []netip.Addr {
	if dev := d.Inventory.Device(d.Name); dev != nil && len(dev.Loopbacks) > 0 {
		return dev.Loopbacks
	}
	var all []netip.Addr
	for _, dev := range d.Inventory.Devices {
		all = append(all, dev.Loopbacks...)
	}
	return all
}

func checkLoopbacks(d *rule.Device) []rule.Hit {
	want := expectedLoopbacks(d)
	if len(want) == 0 {
		return nil
	}
	has4, has6 := false, false
	for _, a := range want {
		has4 = has4 || a.Unmap().Is4()
		has6 = has6 || a.Is6() && !a.Is4In6()
	}
	unexpected := func(a netip.Addr) bool {
		if a.Is4() && !has4 || a.Is6() && !has6 {
			return false
		}
		for _, w := range want {
			if w.Unmap() == a {
				return false
			}
		}
		return true
	}
	var hits []rule.Hit
	if d.Config.Vendor == junos {
		lo := d.Config.Path("interfaces", "lo0")
		if lo == nil {
			return nil
		}
		for _, u := range lo.Find("unit") {
			for _, unit := range u.Children {
				for _, fam := range []string{"inet", "inet6"} {
					as, ns := junosAddrs(unit.Path("family", fam, "address"))
					for i, a := range as {
						if unexpected(a) {
							hits = append(hits, rule.Hit{Nodes: nodes(ns[i]), Message: fmt.Sprintf("lo0 address %s is not a loopback the inventory lists", a)})
						}
					}
				}
			}
		}
		return hits
	}
	for _, n := range d.Config.Find("interface", "loopback*") {
		name := n.Word(1)
		uses := sourceUses(d.Config, name)
		for _, c := range n.Children {
			addrLine := c.Hit("ip", "address") || c.Hit("ipv4", "address") || c.Hit("ipv6", "address")
			if !addrLine {
				continue
			}
			a, ok := parseAddr(c.Word(2))
			if !ok || !unexpected(a) {
				continue
			}
			h := rule.Hit{Nodes: nodes(n, c), Message: fmt.Sprintf("%s address %s is not a loopback the inventory lists", name, a)}
			if len(uses) > 0 {
				h.Severity = rule.High
				h.Nodes = nodes(append(h.Nodes, uses...)...)
				h.Message += "; it is used as a source address"
			}
			hits = append(hits, h)
		}
	}
	return hits
}

// sourceUses finds statements that use interface name as a source:
// SSH, TACACS and other source-interface settings, tunnel sources and BGP
// update-source.
func sourceUses(cfg *device.Config, name string) []*device.Node {
	var out []*device.Node
	cfg.Root.Walk(func(n *device.Node) bool {
		for i, w := range n.Words[:max(len(n.Words)-1, 0)] {
			if (w == "source-interface" || w == "update-source" || w == "source" && i > 0 && n.Words[i-1] == "tunnel") &&
				strings.EqualFold(n.Words[i+1], name) {
				out = append(out, n)
				break
			}
		}
		return true
	})
	return out
}

// staticRoutes is IOC-CFG-013.
func staticRoutes() rule.Rule {
	return rule.Rule{
		ID:        "IOC-CFG-013",
		Title:     "Static route or policy route to an external next hop",
		Kind:      rule.Indicator,
		Severity:  rule.Medium,
		Platforms: rule.Platforms(ios, nxos, iosxr, eos, junos),
		Doc: "Reports static routes (`ip route`, `ipv6 route`, NX-OS `vrf context` routes, IOS XR `router static`, " +
			"Junos `routing-options static route ... next-hop`, also inside routing instances) and policy " +
			"routing (`route-map` → `set ip next-hop`) whose next hop is external: not private space and not an " +
			"address the inventory knows (management networks, device addresses, BGP and tunnel peers, servers). " +
			"The actors add such routes to redirect or exfiltrate traffic. Border routers legitimately point " +
			"routes at upstream public next hops, so list those peers in the inventory (bgp_peers) to silence " +
			"them. Also reported (IOS): a static route in a management VRF (name containing mgmt, management or " +
			"oob) that resolves in the global table (`global`), which bridges the management enclave. Medium: a " +
			"lead to confirm against the routing design.",
		Remediation: map[device.Vendor]string{
			ios:   "If no change record explains it: `no ip route <prefix> <mask> <next-hop>`; remove the `set ip next-hop` from the route-map.",
			nxos:  "If unexplained: `no ip route <prefix>/<len> <next-hop>` (under `vrf context <v>` where it sits).",
			iosxr: "If unexplained: `router static` → `address-family ipv4 unicast` → `no <prefix>/<len> <next-hop>`; `commit`.",
			eos:   "If unexplained: `no ip route <prefix>/<len> <next-hop>`.",
			junos: "If unexplained: `delete routing-options static route <prefix>` and `commit`.",
		},
		References: refs("AA25-239A"),
		Check:      checkStaticRoutes,
	}
}

func checkStaticRoutes(d *rule.Device) []rule.Hit {
	var hits []rule.Hit
	report := func(prefix string, nh netip.Addr, ev []*device.Node) {
		if outside(d.Inventory, nh) {
			hits = append(hits, rule.Hit{Nodes: ev, Message: fmt.Sprintf("static route %s points to external next hop %s", prefix, nh)})
		}
	}
	cfg := d.Config
	// ciscoRoute reads `ip route [vrf V] <prefix> [<mask>] [<if>] <nh> ...`
	// from word i on (i is past "ip route").
	ciscoRoute := func(n *device.Node, i int, parents ...*device.Node) {
		if n.Word(i) == "vrf" {
			vrf := n.Word(i + 1)
			i += 2
			if n.Has("global") && mgmtVRF(vrf) {
				hits = append(hits, rule.Hit{Nodes: nodes(append(parents, n)...),
					Message: fmt.Sprintf("a static route in management VRF %s resolves in the global table", vrf)})
			}
		}
		prefix := n.Word(i)
		j := i + 1
		if _, ok := parseAddr(n.Word(j)); ok && !strings.Contains(prefix, "/") {
			prefix += " " + n.Word(j) // mask
			j++
		}
		if nh, ok := firstAddr(n, j); ok {
			report(prefix, nh, nodes(append(parents, n)...))
		}
	}
	switch cfg.Vendor {
	case ios, nxos, eos:
		for _, n := range cfg.Top() {
			if n.Hit("ip", "route") || n.Hit("ipv6", "route") {
				ciscoRoute(n, 2)
			}
			if n.Hit("vrf", "context") {
				for _, c := range n.Children {
					if c.Hit("ip", "route") || c.Hit("ipv6", "route") {
						ciscoRoute(c, 2, n)
					}
				}
			}
			if n.Hit("route-map") {
				for _, c := range n.Children {
					if c.Hit("set", "ip", "next-hop") || c.Hit("set", "ip", "default", "next-hop") || c.Hit("set", "ipv6", "next-hop") {
						for _, w := range c.Words[3:] {
							if a, ok := parseAddr(w); ok && outside(d.Inventory, a) {
								hits = append(hits, rule.Hit{Nodes: nodes(n, c),
									Message: fmt.Sprintf("route-map %s sends traffic to external next hop %s", n.Word(1), a)})
							}
						}
					}
				}
			}
		}
	case iosxr:
		for _, rs := range cfg.Find("router", "static") {
			rs.Walk(func(n *device.Node) bool {
				if _, ok := parseAddr(n.Word(0)); ok && strings.Contains(n.Word(0), "/") {
					if nh, ok := firstAddr(n, 1); ok {
						report(n.Word(0), nh, nodes(n))
					}
					return false
				}
				return true
			})
		}
	case junos:
		var roots []*device.Node
		if r := cfg.Path("routing-options", "static"); r != nil {
			roots = append(roots, r)
		}
		if ri := cfg.Path("routing-instances"); ri != nil {
			for _, inst := range ri.Children {
				if r := inst.Path("routing-options", "static"); r != nil {
					roots = append(roots, r)
				}
			}
		}
		for _, r := range roots {
			for _, rt := range r.Find("route") {
				for _, p := range rt.Children {
					as, ns := junosAddrs(p.Path("next-hop"))
					for i, a := range as {
						report(p.Word(0), a, nodes(ns[i]))
					}
				}
			}
		}
	}
	return hits
}

// mgmtVRF guesses whether a VRF is the management VRF by its name, the
// only sign a configuration gives.
func mgmtVRF(name string) bool {
	l := strings.ToLower(name)
	return strings.Contains(l, "mgmt") || strings.Contains(l, "management") || strings.Contains(l, "oob")
}

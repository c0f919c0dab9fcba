package harden

import (
	"fmt"
	"slices"
	"strings"

	"github.com/seawall/seawall/internal/audit/device"
	"github.com/seawall/seawall/internal/audit/rule"
)

func hard052() rule.Rule {
	return rule.Rule{
		ID: "HARD-052", Title: "uRPF on customer (strict) and peering/transit (loose) interfaces", Kind: rule.Hardening, Severity: rule.Medium,
		Platforms: rule.Platforms(device.IOS, device.IOSXR, device.Junos, device.EOS),
		Doc: "Unicast reverse-path forwarding drops packets whose source could not have come in that way, so " +
			"spoofed sources (BCP 38/84) used to hide scanning and exploitation are stopped at the edge. Each " +
			"external IPv4 interface without uRPF is reported; a customer-facing one (description says customer) " +
			"with only loose mode is reported at Low. " + externalDoc +
			"Whether strict mode suits a multihomed customer needs routing state and is not judged.",
		Remediation: map[device.Vendor]string{
			device.IOS:   "interface <customer>\n ip verify unicast source reachable-via rx\ninterface <peering-or-transit>\n ip verify unicast source reachable-via any",
			device.IOSXR: "interface <customer>\n ipv4 verify unicast source reachable-via rx\ninterface <peering-or-transit>\n ipv4 verify unicast source reachable-via any",
			device.Junos: "set interfaces <customer> unit <n> family inet rpf-check\nset interfaces <peering> unit <n> family inet rpf-check mode loose",
			device.EOS:   "interface <customer>\n   ip verify unicast source reachable-via rx\ninterface <peering-or-transit>\n   ip verify unicast source reachable-via any",
		},
		References: []string{refNISG, "BCP38", "https://www.rfc-editor.org/rfc/rfc2827", "BCP84", "https://www.rfc-editor.org/rfc/rfc3704"},
		ATTACK:     []string{"T1498", "T1090"},
		Check:      checkURPF,
	}
}

func checkURPF(d *rule.Device) []rule.Hit {
	var hits []rule.Hit
	for _, e := range externals(d) {
		if !e.v4() {
			continue
		}
		mode, line, off := urpf(d.Config.Vendor, e.iface)
		switch {
		case mode == "":
			hits = append(hits, e.unverified("no uRPF on external interface "+e.name+": spoofed sources are accepted", off))
		case mode == "loose" && customerWords.MatchString(e.desc):
			h := e.unverified("only loose uRPF on customer-facing interface "+e.name+": a customer edge takes strict mode (`reachable-via rx`)", line)
			h.Severity = rule.Low
			hits = append(hits, h)
		}
	}
	return hits
}

// urpf returns an interface's IPv4 uRPF mode ("strict", "loose" or ""),
// the line that sets it and any line that switches it off.
func urpf(v device.Vendor, f *iface) (mode string, line, off *device.Node) {
	if v == device.Junos {
		r := f.node.Path("family", "inet", "rpf-check")
		if r == nil {
			return "", nil, nil
		}
		if m := r.Path("mode", "loose"); m != nil {
			return "loose", m, nil
		}
		return "strict", r, nil
	}
	kw := "ip"
	if v == device.IOSXR {
		kw = "ipv4"
	}
	for _, n := range f.node.Children {
		switch {
		case n.Hit("no", kw, "verify", "unicast"):
			off = n
		case n.Hit(kw, "verify", "unicast", "reverse-path"):
			return "strict", n, nil
		case n.Hit(kw, "verify", "unicast", "source", "reachable-via"):
			if n.Word(5) == "any" {
				return "loose", n, nil
			}
			return "strict", n, nil
		}
	}
	return "", nil, off
}

func hard053() rule.Rule {
	return rule.Rule{
		ID: "HARD-053", Title: "Routing and first-hop protocols are authenticated", Kind: rule.Hardening, Severity: rule.Medium,
		Platforms: rule.Platforms(device.IOS, device.IOSXR, device.Junos, device.EOS),
		Doc: "Unauthenticated routing adjacencies let anyone on the link (or, for BGP, anyone who can reach " +
			"TCP/179) inject routes or reset sessions and redirect traffic; plain-text keys can be read off the wire. " +
			"Reported: BGP neighbours without a password, keychain or TCP-AO (own or inherited from a group); OSPF " +
			"processes with no MD5/key-chain authentication anywhere, and plain-text OSPF authentication; IS-IS " +
			"without authentication; IOS HSRP groups without MD5 and VRRP with a text key; Junos OSPF interfaces " +
			"without `authentication md5` (passive interfaces and lo0 excepted). Whether keys match on both ends " +
			"and key rotation need `show` output and are not checked.",
		Remediation: map[device.Vendor]string{
			device.IOS:   "router bgp <as>\n neighbor <ip> password <key>\ninterface <if>\n ip ospf authentication key-chain <kc>\n standby <g> authentication md5 key-chain <kc>\nrouter isis\n authentication mode md5\n authentication key-chain <kc>",
			device.IOSXR: "router bgp <as>\n neighbor <ip>\n  password encrypted <key>\nrouter ospf <id>\n area <a>\n  authentication message-digest\n  message-digest-key 1 md5 <key>\nrouter isis <tag>\n lsp-password keychain <kc>\n interface <if>\n  hello-password keychain <kc>",
			device.Junos: "set protocols bgp group <g> authentication-key <key>\nset protocols ospf area <a> interface <if> authentication md5 1 key <key>\nset protocols isis level 2 authentication-key <key>\nset protocols isis level 2 authentication-type md5",
			device.EOS:   "router bgp <as>\n   neighbor <ip> password <key>\ninterface <if>\n   ip ospf authentication message-digest\n   ip ospf message-digest-key 1 sha256 <key>\nrouter isis <tag>\n   authentication mode sha key-id 1\n   authentication key <key>",
		},
		References: []string{rule.RefEVH, rule.URLEVH, refNISG},
		ATTACK:     []string{"T1557", "T1565.002"},
		Check: func(d *rule.Device) []rule.Hit {
			hits := bgpAuth(d.Config)
			switch d.Config.Vendor {
			case device.IOS, device.EOS:
				hits = append(hits, ciscoOSPFAuth(d.Config)...)
				hits = append(hits, ciscoISISAuth(d.Config)...)
				if d.Config.Vendor == device.IOS {
					hits = append(hits, fhrpAuth(d.Config)...)
				}
			case device.IOSXR:
				hits = append(hits, xrIGPAuth(d.Config)...)
			case device.Junos:
				hits = append(hits, junosIGPAuth(d.Config)...)
			}
			return hits
		},
	}
}

func bgpAuth(c *device.Config) []rule.Hit {
	var open []*device.Node
	var addrs []string
	n := 0
	for _, p := range bgpPeers(c) {
		n++
		var ok bool
		if c.Vendor == device.Junos {
			ok = junosAny(p.jn, "authentication-key") != nil || junosAny(p.jn, "authentication-key-chain") != nil
		} else {
			ok = p.has("password", "keychain", "ao") != nil
		}
		if !ok {
			addrs = append(addrs, p.addr.String())
			if !slices.Contains(open, p.node) {
				open = append(open, p.node)
			}
		}
	}
	if len(open) == 0 {
		return nil
	}
	// Count neighbours, not the statements that define them: a peer group
	// is one statement for many neighbours.
	return []rule.Hit{hit(fmt.Sprintf("%d of %d BGP neighbours have no password, keychain or TCP-AO: %s", len(addrs), n, strings.Join(addrs, ", ")), open...)}
}

func ciscoOSPFAuth(c *device.Config) []rule.Hit {
	procs := c.Find("router", "ospf")
	if len(procs) == 0 {
		return nil
	}
	var hits []rule.Hit
	digest := false
	for _, p := range procs {
		for _, a := range p.Find("area") {
			switch {
			case a.Word(2) != "authentication":
			case a.Has("message-digest"):
				digest = true
			default:
				hits = append(hits, hit("OSPF area "+a.Word(1)+" uses plain-text authentication: the key crosses every link in clear", a))
			}
		}
	}
	for _, f := range interfaces(c) {
		var auth, key *device.Node
		for _, n := range f.node.Children {
			switch {
			case n.Hit("ip", "ospf", "authentication"):
				auth = n
			case n.Hit("ip", "ospf", "message-digest-key"):
				digest = true
			case n.Hit("ip", "ospf", "authentication-key"):
				key = n
			}
		}
		switch {
		case auth != nil && (auth.Has("message-digest") || auth.Has("key-chain")):
			digest = true
		case auth != nil && auth.Word(3) == "null":
			hits = append(hits, hit("OSPF authentication is switched off on "+f.name+" (`ip ospf authentication null`)", auth))
		case auth != nil, key != nil && !digest:
			ev := auth
			if ev == nil {
				ev = key
			}
			hits = append(hits, hit("OSPF on "+f.name+" uses plain-text authentication: the key crosses the link in clear", ev))
		}
	}
	if !digest && len(hits) == 0 {
		for _, p := range procs {
			hits = append(hits, hit("OSPF process "+p.Word(2)+" has no message-digest or key-chain authentication on any area or interface", p))
		}
	}
	return hits
}

func ciscoISISAuth(c *device.Config) []rule.Hit {
	procs := c.Find("router", "isis")
	if len(procs) == 0 {
		return nil
	}
	for _, p := range procs {
		if p.First("authentication", "mode") != nil || p.First("authentication", "key-chain") != nil {
			return nil
		}
	}
	for _, f := range interfaces(c) {
		if f.child("isis", "authentication", "mode") != nil {
			return nil
		}
	}
	var hits []rule.Hit
	for _, p := range procs {
		hits = append(hits, hit("IS-IS has no authentication (`authentication mode` on the process or interfaces)", p))
	}
	return hits
}

// fhrpAuth reports IOS HSRP groups without MD5 and VRRP text keys.
func fhrpAuth(c *device.Config) []rule.Hit {
	var hits []rule.Hit
	for _, f := range interfaces(c) {
		groups := map[string]*device.Node{}
		var order []string
		authed := map[string]bool{}
		for _, n := range f.node.Children {
			switch {
			case n.Hit("standby") && n.Has("authentication"):
				g := n.Word(1)
				if g == "authentication" {
					g = "0"
				}
				if n.Has("md5") {
					authed[g] = true
				} else {
					authed[g] = true
					hits = append(hits, hit("HSRP group "+g+" on "+f.name+" uses a plain-text authentication string", n))
				}
			case n.Hit("standby") && n.Has("ip"):
				g := n.Word(1)
				if g == "ip" {
					g = "0"
				}
				if groups[g] == nil {
					groups[g], order = n, append(order, g)
				}
			case n.Hit("vrrp") && n.Word(2) == "authentication" && !n.Has("md5"):
				hits = append(hits, hit("VRRP group "+n.Word(1)+" on "+f.name+" uses a plain-text authentication string", n))
			}
		}
		for _, g := range order {
			if !authed[g] {
				hits = append(hits, hit("HSRP group "+g+" on "+f.name+" has no authentication: any host on the segment can take over the gateway", groups[g]))
			}
		}
	}
	return hits
}

func xrIGPAuth(c *device.Config) []rule.Hit {
	var hits []rule.Hit
	for _, p := range c.Find("router", "ospf") {
		digest := false
		p.Walk(func(n *device.Node) bool {
			switch {
			case n.Hit("authentication") && (n.Has("message-digest") || n.Has("keychain")):
				digest = true
			case n.Hit("authentication") && n.Word(1) == "null":
				hits = append(hits, hit("OSPF authentication is switched off here (`authentication null`)", n))
			case n.Hit("authentication") && len(n.Words) == 1:
				hits = append(hits, hit("OSPF uses plain-text authentication: the key crosses the link in clear", n))
			}
			return true
		})
		if !digest {
			hits = append(hits, hit("OSPF process "+p.Word(2)+" has no message-digest or keychain authentication", p))
		}
	}
	for _, p := range c.Find("router", "isis") {
		var pw []*device.Node
		p.Walk(func(n *device.Node) bool {
			if n.Hit("lsp-password") || n.Hit("hello-password") {
				pw = append(pw, n)
			}
			return true
		})
		if len(pw) == 0 {
			hits = append(hits, hit("IS-IS instance "+p.Word(2)+" has no `lsp-password` or `hello-password`", p))
		}
		for _, n := range pw {
			if n.Word(1) == "text" || n.Word(1) == "clear" {
				hits = append(hits, hit("IS-IS uses a plain-text password", n))
			}
		}
	}
	return hits
}

func junosIGPAuth(c *device.Config) []rule.Hit {
	var hits []rule.Hit
	var open []*device.Node
	var plain []*device.Node
	for _, proto := range []string{"ospf", "ospf3"} {
		areas := c.Path("protocols", proto, "area")
		if areas == nil {
			continue
		}
		for _, a := range areas.Children {
			ifs := a.Path("interface")
			if ifs == nil {
				continue
			}
			for _, in := range ifs.Children {
				if in.Inactive || strings.HasPrefix(in.Word(0), "lo0") || in.Path("passive") != nil {
					continue
				}
				switch {
				case in.Path("authentication", "md5") != nil, in.Path("authentication", "keychain") != nil, proto == "ospf3" && in.Path("ipsec-sa") != nil:
				case in.Path("authentication", "simple-password") != nil:
					plain = append(plain, in.Path("authentication", "simple-password"))
				default:
					open = append(open, in)
				}
			}
		}
	}
	if len(open) > 0 {
		var ns []string
		for _, n := range open {
			ns = append(ns, n.Word(0))
		}
		hits = append(hits, hit("OSPF interfaces without authentication: "+strings.Join(ns, ", "), open...))
	}
	for _, n := range plain {
		hits = append(hits, hit("OSPF uses plain-text authentication (`simple-password`)", n))
	}
	if isis := c.Path("protocols", "isis"); isis != nil && !isis.Inactive {
		found := false
		for _, l := range isis.Leaves() {
			for _, n := range l {
				if w := n.Word(0); w == "authentication-key" || w == "hello-authentication-key" || w == "authentication-key-chain" || w == "hello-authentication-key-chain" {
					found = true
				}
			}
		}
		if !found {
			hits = append(hits, absent("IS-IS has no authentication key on any level or interface", isis))
		}
	}
	return hits
}

func hard054() rule.Rule {
	return rule.Rule{
		ID: "HARD-054", Title: "eBGP sessions are hardened", Kind: rule.Hardening, Severity: rule.Medium,
		Platforms: rule.Platforms(device.IOS, device.IOSXR, device.Junos),
		Doc: "An eBGP peer without an inbound prefix filter can hijack or leak routes through the device, and one " +
			"without a prefix limit can flood its tables. Each eBGP neighbour (remote AS different from the local " +
			"AS; Junos: group `type external` or a different `peer-as`) is reported when it has no inbound filter " +
			"(IOS: route-map, prefix-list, distribute-list or filter-list `in`; Junos: `import` at neighbour, group or " +
			"protocol level) or no maximum-prefix (Junos: `prefix-limit` or `accepted-prefix-limit`), counting " +
			"options inherited from peer groups and neighbour groups. IOS XR accepts nothing from an eBGP peer " +
			"without `route-policy ... in` (RFC 8212), so only the prefix limit is checked there. GTSM " +
			"(`ttl-security`) is recommended in the remediation but its absence is not reported: multihop sessions " +
			"cannot use it. Whether the filters are tight needs the route tables and is not judged.",
		Remediation: map[device.Vendor]string{
			device.IOS:   "router bgp <as>\n neighbor <ip> ttl-security hops 1\n address-family ipv4\n  neighbor <ip> prefix-list <PEER-IN> in\n  neighbor <ip> maximum-prefix <n> 90 restart 30",
			device.IOSXR: "router bgp <as>\n neighbor <ip>\n  ttl-security\n  address-family ipv4 unicast\n   route-policy <PEER-IN> in\n   maximum-prefix <n> 90",
			device.Junos: "set protocols bgp group <g> import <PEER-IN>\nset protocols bgp group <g> family inet unicast prefix-limit maximum <n>\nset protocols bgp group <g> family inet unicast prefix-limit teardown 90",
		},
		References: []string{rule.RefEVH, rule.URLEVH, refXEHG, "https://www.rfc-editor.org/rfc/rfc8212"},
		ATTACK:     []string{"T1565.002", "T1599"},
		Check:      checkBGPHardening,
	}
}

func checkBGPHardening(d *rule.Device) []rule.Hit {
	c := d.Config
	var hits []rule.Hit
	for _, p := range bgpPeers(c) {
		if !p.ebgp {
			continue
		}
		var filter, limit bool
		switch c.Vendor {
		case device.Junos:
			filter = junosAny(p.jn, "import") != nil
			for _, x := range []*device.Node{p.jn[0], p.jn[1], p.jn[2].Path("family")} {
				if x == nil {
					continue
				}
				for _, l := range x.Leaves() {
					for _, n := range l {
						limit = limit || n.Word(0) == "prefix-limit" || n.Word(0) == "accepted-prefix-limit"
					}
				}
			}
		case device.IOSXR:
			filter = true
			limit = p.has("maximum-prefix") != nil
		default:
			filter = p.hasIn("route-map", "prefix-list", "distribute-list", "filter-list")
			limit = p.has("maximum-prefix") != nil
		}
		var missing []string
		if !filter {
			missing = append(missing, "inbound prefix filter")
		}
		if !limit {
			missing = append(missing, "maximum-prefix limit")
		}
		if len(missing) > 0 {
			hits = append(hits, hit(fmt.Sprintf("eBGP neighbour %s (%s) has no %s", p.addr, p.asText(), strings.Join(missing, " and no ")), p.node))
		}
	}
	return hits
}

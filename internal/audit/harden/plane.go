package harden

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/seawall/seawall/internal/audit/acl"
	"github.com/seawall/seawall/internal/audit/device"
	"github.com/seawall/seawall/internal/audit/rule"
)

func hard049() rule.Rule {
	return rule.Rule{
		ID: "HARD-049", Title: "Control-plane policing is applied", Kind: rule.Hardening, Severity: rule.High,
		Platforms: all,
		Doc: "Control-plane policing keeps floods and scans aimed at the device's own addresses from starving " +
			"routing and management. IOS: a `control-plane` block with `service-policy input` (or Catalyst 9000's " +
			"built-in `system-cpp-policy`). NX-OS: `copp profile` or a control-plane service-policy; NX-OS applies " +
			"a default profile on most platforms, so a missing line is unverified (`show copp status`), and the " +
			"`lenient` profile is reported at Medium. Junos: an input filter on lo0 `family inet`. EOS always " +
			"applies its read-only `default-control-plane-acl`, so only a custom control-plane ACL that permits " +
			"`ip any any` is reported. IOS XR polices the control plane with LPTS by default, so nothing is reported " +
			"there; whether policer rates suit the network needs `show lpts pifib hardware police` and is not checked.",
		Remediation: map[device.Vendor]string{
			device.IOS:   "control-plane\n service-policy input <COPP-POLICY>",
			device.NXOS:  "copp profile strict",
			device.IOSXR: "lpts pifib hardware police\n flow <protocol> rate <pps>",
			device.Junos: "set interfaces lo0 unit 0 family inet filter input PROTECT-RE",
			device.EOS:   "system control-plane\n ip access-group <CPP-ACL> in",
		},
		References: []string{refXEHG, refNISG, "https://eos.arista.com/restricting-access-to-the-switch/"},
		ATTACK:     []string{"T1498", "T1499"},
		Check: func(d *rule.Device) []rule.Hit {
			switch d.Config.Vendor {
			case device.IOS:
				return iosCoPP(d.Config)
			case device.NXOS:
				return nxosCoPP(d.Config)
			case device.Junos:
				return junosLo0Filter(d.Config)
			case device.EOS:
				return eosCoPP(d.Config)
			}
			return nil
		},
	}
}

func iosCoPP(c *device.Config) []rule.Hit {
	var cp *device.Node
	for _, n := range c.Top() {
		if n.Hit("policy-map", "system-cpp-policy") {
			return nil
		}
		if n.Hit("control-plane") {
			if n.First("service-policy", "input") != nil {
				return nil
			}
			if cp == nil {
				cp = n
			}
		}
	}
	return []rule.Hit{absent("no `control-plane` → `service-policy input`: traffic to the device itself is not policed", cp)}
}

func nxosCoPP(c *device.Config) []rule.Hit {
	for _, n := range c.Top() {
		if n.Hit("copp", "profile") {
			if n.Word(2) == "lenient" {
				h := hit("CoPP uses the `lenient` profile: the control plane admits the most traffic of any profile", n)
				h.Severity = rule.Medium
				return []rule.Hit{h}
			}
			return nil
		}
		if n.Hit("control-plane") && n.First("service-policy", "input") != nil {
			return nil
		}
	}
	h := absent("no `copp profile` or control-plane service-policy in the configuration; NX-OS may apply a default profile: check `show copp status`", nil)
	h.Confidence = "unverified"
	return []rule.Hit{h}
}

func junosLo0Filter(c *device.Config) []rule.Hit {
	var anchor *device.Node
	lo0s := []*device.Node{c.Path("interfaces", "lo0")}
	// Every group, not only those applied (device.Config.Applied): a lo0
	// filter in any group counts, so that a filter applied by an
	// apply-groups deeper in the hierarchy does not read as missing.
	if g := c.Path("groups"); g != nil {
		for _, grp := range g.Children {
			lo0s = append(lo0s, grp.Path("interfaces", "lo0"))
		}
	}
	for _, lo := range lo0s {
		if lo == nil {
			continue
		}
		if anchor == nil {
			anchor = lo
		}
		for _, u := range lo.Find("unit") {
			for _, unit := range u.Children {
				if unit.Inactive {
					continue
				}
				f := unit.Path("family", "inet", "filter")
				if f != nil && (f.Path("input") != nil || f.Path("input-list") != nil) {
					return nil
				}
			}
		}
	}
	return []rule.Hit{absent("no input filter on lo0 `family inet`: traffic to the routing engine is not filtered", anchor)}
}

func eosCoPP(c *device.Config) []rule.Hit {
	var hits []rule.Hit
	for _, n := range c.Top() {
		if !n.Hit("system", "control-plane") && !n.Hit("control-plane") {
			continue
		}
		for _, ag := range n.Find("ip", "access-group") {
			name := ag.Word(2)
			list := findACL(c, "ip", "access-list", name)
			if list == nil {
				continue
			}
			for _, ace := range list.Children {
				w := acl.StripSeq(ace.Words)
				if len(w) >= 4 && w[0] == "permit" && w[1] == "ip" && w[2] == "any" && w[3] == "any" {
					hits = append(hits, hit("control-plane ACL "+name+" permits `ip any any`: it replaces the default control-plane ACL and admits everything", ag, ace))
					break
				}
			}
		}
	}
	return hits
}

// findACL returns the named ACL block whose header starts with prefix.
func findACL(c *device.Config, prefix ...string) *device.Node {
	name := prefix[len(prefix)-1]
	for _, n := range c.Find(prefix[:len(prefix)-1]...) {
		if n.Word(len(prefix)-1) == name {
			return n
		}
		// IOS: ip access-list extended NAME
		if n.Word(len(prefix)-1) == "extended" && n.Word(len(prefix)) == name {
			return n
		}
	}
	return nil
}

func hard050() rule.Rule {
	return rule.Rule{
		ID: "HARD-050", Title: "Infrastructure ACL at the edge blocks traffic to device addresses", Kind: rule.Hardening, Severity: rule.High,
		Platforms: rule.Platforms(device.IOS, device.IOSXR, device.Junos),
		Doc: "An infrastructure ACL on external interfaces keeps the internet from reaching the routers' own " +
			"addresses, where the exploited management services listen. The rule runs on edge devices: those the " +
			"inventory marks exposed or with an edge role (edge, pe, border, peering, transit, internet), or, when " +
			"the device is not in the inventory, those with eBGP sessions. Infrastructure addresses are the " +
			"device's loopbacks from the configuration plus the inventory's loopbacks and addresses for it. Each " +
			"must be covered by a deny entry (destination not `any`) of some ACL or filter applied inbound on an " +
			"interface. Which interfaces face the internet, and whether earlier permits let traffic through anyway, " +
			"needs topology and is not checked.",
		Remediation: map[device.Vendor]string{
			device.IOS:   "ip access-list extended INFRA-ACL\n permit tcp host <peer> host <loopback> eq bgp\n deny ip any <infrastructure-block> <wildcard> log\n permit ip any any\ninterface <external>\n ip access-group INFRA-ACL in",
			device.IOSXR: "ipv4 access-list INFRA-ACL\n 10 permit tcp host <peer> host <loopback> eq bgp\n 20 deny ipv4 any <infrastructure-block>/<len> log\n 30 permit ipv4 any any\ninterface <external>\n ipv4 access-group INFRA-ACL ingress",
			device.Junos: "set firewall family inet filter INFRA term BGP from source-address <peer>/32\nset firewall family inet filter INFRA term BGP then accept\nset firewall family inet filter INFRA term INFRA from destination-address <infrastructure-block>\nset firewall family inet filter INFRA term INFRA then discard\nset firewall family inet filter INFRA term REST then accept\nset interfaces <external> unit 0 family inet filter input INFRA",
		},
		References: []string{rule.RefEVH, rule.URLEVH, refXEHG},
		ATTACK:     []string{"T1190", "T1133"},
		Check:      checkInfraACL,
	}
}

// edgeRoles are inventory roles that put a device at the network edge.
var edgeRoles = []string{"edge", "pe", "border", "peering", "transit", "internet"}

// infraAddr is one infrastructure address and the line that configures it
// (nil when it comes from the inventory only).
type infraAddr struct {
	a    netip.Addr
	node *device.Node
}

func checkInfraACL(d *rule.Device) []rule.Hit {
	c := d.Config
	why := ""
	if inv := d.Inventory.Device(d.Name); inv != nil {
		if !inv.Exposed && !slices.Contains(edgeRoles, strings.ToLower(inv.Role)) {
			return nil
		}
		why = "inventory marks it as an edge device"
	} else if n := ebgp(c); n != nil {
		why = "it has eBGP sessions"
	} else {
		return nil
	}
	addrs := loopbacks(c)
	if inv := d.Inventory.Device(d.Name); inv != nil {
		for _, a := range slices.Concat(inv.Loopbacks, inv.Addresses) {
			if !slices.ContainsFunc(addrs, func(x infraAddr) bool { return x.a == a.Unmap() }) {
				addrs = append(addrs, infraAddr{a: a.Unmap()})
			}
		}
	}
	if len(addrs) == 0 {
		return nil
	}
	denies := inboundDenies(c)
	var open []string
	var nodes []*device.Node
	for _, x := range addrs {
		if slices.ContainsFunc(denies, func(m addrMatch) bool { return m.contains(x.a) }) {
			continue
		}
		open = append(open, x.a.String())
		if x.node != nil {
			nodes = append(nodes, x.node)
		}
	}
	if len(open) == 0 {
		return nil
	}
	msg := fmt.Sprintf("edge device (%s) but no inbound interface ACL denies traffic to its infrastructure addresses %s", why, strings.Join(open, ", "))
	if len(nodes) == 0 {
		return []rule.Hit{absent(msg, nil)}
	}
	return []rule.Hit{hit(msg, nodes...)}
}

// ebgp returns a BGP statement that shows an external session, or nil.
func ebgp(c *device.Config) *device.Node {
	switch c.Vendor {
	case device.IOS, device.IOSXR:
		var found *device.Node
		for _, rb := range c.Find("router", "bgp") {
			local := rb.Word(2)
			rb.Walk(func(n *device.Node) bool {
				if found != nil {
					return false
				}
				var remote string
				switch {
				case n.Hit("neighbor") && n.Word(2) == "remote-as":
					remote = n.Word(3)
				case n.Hit("remote-as"):
					remote = n.Word(1)
				}
				if remote != "" && remote != local {
					found = n
				}
				return true
			})
		}
		return found
	case device.Junos:
		local := ""
		if as := c.Path("routing-options", "autonomous-system"); as != nil && len(as.Children) > 0 {
			local = as.Children[0].Word(0)
		}
		g := c.Path("protocols", "bgp", "group")
		if g == nil {
			return nil
		}
		for _, grp := range g.Children {
			if t := grp.Path("type", "external"); t != nil {
				return t
			}
			if pa := grp.Path("peer-as"); pa != nil && len(pa.Children) > 0 && pa.Children[0].Word(0) != local {
				return pa
			}
		}
	}
	return nil
}

// loopbacks returns the IPv4/IPv6 addresses configured on loopbacks.
func loopbacks(c *device.Config) []infraAddr {
	var out []infraAddr
	switch c.Vendor {
	case device.IOS, device.IOSXR:
		for _, ifc := range c.Find("interface", "Loopback*") {
			for _, n := range ifc.Children {
				if n.Hit("ip", "address") || n.Hit("ipv4", "address") || n.Hit("ipv6", "address") {
					if a := addr(strings.SplitN(n.Word(2), "/", 2)[0]); a.IsValid() {
						out = append(out, infraAddr{a: a, node: n})
					}
				}
			}
		}
	case device.Junos:
		u := c.Path("interfaces", "lo0", "unit")
		if u == nil {
			break
		}
		for _, unit := range u.Children {
			for _, fam := range []string{"inet", "inet6"} {
				as := unit.Path("family", fam, "address")
				if as == nil {
					continue
				}
				for _, n := range as.Children {
					if p, err := netip.ParsePrefix(n.Word(0)); err == nil && !n.Inactive {
						out = append(out, infraAddr{a: p.Addr(), node: n})
					}
				}
			}
		}
	}
	return out
}

// addrMatch is a destination an ACL entry denies.
type addrMatch struct {
	base, wild netip.Addr // IPv4 base and wildcard (Cisco), or
	prefix     netip.Prefix
}

func (m addrMatch) contains(a netip.Addr) bool {
	if m.prefix.IsValid() {
		return m.prefix.Contains(a)
	}
	if !a.Is4() || !m.base.Is4() {
		return false
	}
	x, b, w := a.As4(), m.base.As4(), m.wild.As4()
	for i := range 4 {
		if x[i]&^w[i] != b[i]&^w[i] {
			return false
		}
	}
	return true
}

// inboundDenies returns the destinations denied by ACLs applied inbound on
// any interface.
func inboundDenies(c *device.Config) []addrMatch {
	var out []addrMatch
	switch c.Vendor {
	case device.IOS, device.IOSXR:
		names := map[string]bool{}
		for _, ifc := range c.Find("interface") {
			for _, n := range ifc.Children {
				switch {
				case (n.Hit("ip", "access-group") || n.Hit("ipv6", "traffic-filter")) && n.Word(3) == "in",
					(n.Hit("ipv4", "access-group") || n.Hit("ipv6", "access-group")) && n.Word(3) == "ingress":
					names[n.Word(2)] = true
				}
			}
		}
		for _, n := range c.Top() {
			switch {
			case n.Hit("access-list") && names[n.Word(1)]:
				out = appendDeny(out, n.Words[2:])
			case (n.Hit("ip", "access-list") || n.Hit("ipv6", "access-list")) && names[n.Word(3)] && n.Word(2) == "extended",
				(n.Hit("ipv4", "access-list") || n.Hit("ipv6", "access-list")) && names[n.Word(2)]:
				for _, ace := range n.Children {
					out = appendDeny(out, acl.StripSeq(ace.Words))
				}
			}
		}
	case device.Junos:
		names := map[string]bool{}
		if ifs := c.Path("interfaces"); ifs != nil {
			for _, l := range ifs.Leaves() {
				for i, n := range l {
					if n.Word(0) == "filter" && i+2 < len(l) && (l[i+1].Word(0) == "input" || l[i+1].Word(0) == "input-list") {
						names[l[i+2].Word(0)] = true
					}
				}
			}
		}
		for _, fs := range []*device.Node{c.Path("firewall", "family", "inet", "filter"), c.Path("firewall", "filter"), c.Path("firewall", "family", "inet6", "filter")} {
			if fs == nil {
				continue
			}
			for _, f := range fs.Children {
				if names[f.Word(0)] {
					out = append(out, junosDenies(c, f)...)
				}
			}
		}
	}
	return out
}

// appendDeny adds the destination of a Cisco deny ACE (words without the
// sequence number).
func appendDeny(out []addrMatch, w []string) []addrMatch {
	if len(w) < 3 || w[0] != "deny" {
		return out
	}
	_, i, ok := spec(w, 2) // skip the protocol, read the source
	if !ok {
		return out
	}
	// Skip a source port match before the destination.
	if i < len(w) && (w[i] == "eq" || w[i] == "gt" || w[i] == "lt" || w[i] == "neq") {
		i += 2
	} else if i < len(w) && w[i] == "range" {
		i += 3
	}
	if m, _, ok := spec(w, i); ok && (m.prefix.IsValid() || m.base.IsValid()) {
		out = append(out, m)
	}
	return out
}

// spec reads a Cisco address specification at w[i]: any, host A, A/len, or
// A wildcard. It returns the match (zero for any) and the next index.
func spec(w []string, i int) (addrMatch, int, bool) {
	if i >= len(w) {
		return addrMatch{}, i, false
	}
	switch w[i] {
	case "any", "any4", "any6":
		return addrMatch{}, i + 1, true
	case "host":
		a := addr(wordAt(w, i+1))
		if !a.IsValid() {
			return addrMatch{}, i + 2, false
		}
		return addrMatch{prefix: netip.PrefixFrom(a, a.BitLen())}, i + 2, true
	}
	if p, err := netip.ParsePrefix(w[i]); err == nil {
		return addrMatch{prefix: p}, i + 1, true
	}
	a := addr(w[i])
	if !a.IsValid() {
		return addrMatch{}, i + 1, false
	}
	if wild := addr(wordAt(w, i+1)); wild.IsValid() && wild.Is4() && a.Is4() {
		return addrMatch{base: a, wild: wild}, i + 2, true
	}
	return addrMatch{prefix: netip.PrefixFrom(a, a.BitLen())}, i + 1, true
}

func wordAt(w []string, i int) string {
	if i < len(w) {
		return w[i]
	}
	return ""
}

// junosDenies returns the destinations a Junos filter discards or rejects.
func junosDenies(c *device.Config, f *device.Node) []addrMatch {
	var out []addrMatch
	t := f.Path("term")
	if t == nil {
		return nil
	}
	for _, term := range t.Children {
		then := term.Path("then")
		if then == nil || (then.Path("discard") == nil && then.Path("reject") == nil) {
			continue
		}
		from := term.Path("from")
		if from == nil {
			continue
		}
		if da := from.Path("destination-address"); da != nil {
			for _, n := range da.Children {
				if p, err := netip.ParsePrefix(n.Word(0)); err == nil && !n.Inactive && len(n.Children) == 0 {
					out = append(out, addrMatch{prefix: p})
				}
			}
		}
		if pl := from.Path("destination-prefix-list"); pl != nil {
			for _, name := range pl.Names() {
				if l := c.Path("policy-options", "prefix-list", name); l != nil {
					for _, n := range l.Children {
						if p, err := netip.ParsePrefix(n.Word(0)); err == nil && !n.Inactive {
							out = append(out, addrMatch{prefix: p})
						}
					}
				}
			}
		}
	}
	return out
}

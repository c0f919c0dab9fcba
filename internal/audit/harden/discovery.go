package harden

import (
	"strings"

	"github.com/seawall/seawall/internal/audit/device"
	"github.com/seawall/seawall/internal/audit/rule"
)

// externalDoc explains, for every rule that depends on it, how external
// interfaces are found.
const externalDoc = "External interfaces are found by evident signs, because neither the configuration nor the " +
	"inventory names them: an eBGP neighbour (remote AS different from the local AS) inside the interface's " +
	"subnet, a description naming internet, transit, peer, upstream, ISP, customer or IX, or a public " +
	"(non-RFC 1918, non-special) address; loopback, null, management and shut-down interfaces never count. Such " +
	"findings are unverified and name the sign. A device the inventory lists as neither exposed nor in an edge " +
	"role has no external interfaces. "

func hard034() rule.Rule {
	return rule.Rule{
		ID: "HARD-034", Title: "CDP/LLDP are off on external interfaces", Kind: rule.Hardening, Severity: rule.Medium,
		Platforms: all,
		Doc: "CDP and LLDP announce the model, software release, addresses and port names to whoever is on the " +
			"link, which is reconnaissance handed to a peer or customer, and accepting them lets a neighbour inject " +
			"topology data. Each external interface where either still transmits or receives is reported. " +
			"Defaults: IOS runs CDP unless `no cdp run` and LLDP only with `lldp run`; NX-OS runs CDP unless " +
			"`no cdp enable` and LLDP with `feature lldp`; IOS XR runs CDP only on interfaces with a `cdp` line and " +
			"LLDP everywhere once the global `lldp` line is present; Junos runs LLDP on the interfaces listed under " +
			"`protocols lldp` (or `interface all`); EOS runs LLDP unless `no lldp run`. " + externalDoc +
			"Platform defaults that differ by model (Junos EX factory LLDP) need `show lldp` and are not checked.",
		Remediation: map[device.Vendor]string{
			device.IOS:   "no cdp run\n! or, per external interface:\ninterface <external>\n no cdp enable\n no lldp transmit\n no lldp receive",
			device.NXOS:  "interface <external>\n  no cdp enable\n  no lldp transmit\n  no lldp receive",
			device.IOSXR: "interface <external>\n no cdp\n lldp\n  receive disable\n  transmit disable",
			device.Junos: "set protocols lldp interface <external> disable",
			device.EOS:   "interface <external>\n   no lldp transmit\n   no lldp receive",
		},
		References: []string{rule.RefEVH, rule.URLEVH, refNISG},
		ATTACK:     []string{"T1590", "T1016"},
		Check:      checkDiscovery,
	}
}

func checkDiscovery(d *rule.Device) []rule.Hit {
	ext := externals(d)
	if len(ext) == 0 {
		return nil
	}
	c := d.Config
	var hits []rule.Hit
	if c.Vendor == device.Junos {
		lldp := c.Path("protocols", "lldp")
		if lldp == nil || lldp.Path("disable") != nil {
			return nil
		}
		for _, e := range ext {
			if n := junosLLDPOn(lldp, e.phys); n != nil {
				hits = append(hits, e.unverified("LLDP runs on external interface "+e.phys, n))
			}
		}
		return hits
	}
	cdp, lldp := discoveryGlobals(c)
	for _, e := range ext {
		var on []string
		if cdpOn(c.Vendor, cdp, e.iface) {
			on = append(on, "CDP")
		}
		if lldpOn(c.Vendor, lldp, e.iface) {
			on = append(on, "LLDP")
		}
		if len(on) > 0 {
			hits = append(hits, e.unverified(strings.Join(on, " and ")+" run on external interface "+e.name))
		}
	}
	return hits
}

// discoveryGlobals reads whether CDP and LLDP are on device-wide, by the
// dialect's default and its global lines.
func discoveryGlobals(c *device.Config) (cdp, lldp bool) {
	switch c.Vendor {
	case device.IOS, device.NXOS:
		cdp = true
	case device.EOS:
		lldp = true
	}
	for _, n := range c.Top() {
		switch {
		case n.Hit("no", "cdp", "run"), c.Vendor == device.NXOS && n.Hit("no", "cdp", "enable"):
			cdp = false
		case n.Hit("lldp", "run"), c.Vendor == device.NXOS && n.Hit("feature", "lldp"), c.Vendor == device.IOSXR && len(n.Words) == 1 && n.Hit("lldp"):
			lldp = true
		case n.Hit("no", "lldp", "run"), n.Hit("no", "feature", "lldp"):
			lldp = false
		}
	}
	return cdp, lldp
}

func cdpOn(v device.Vendor, global bool, f *iface) bool {
	switch v {
	case device.IOS, device.NXOS:
		return global && f.child("no", "cdp", "enable") == nil
	case device.IOSXR:
		n := f.child("cdp")
		return n != nil && len(n.Words) == 1
	}
	return false
}

func lldpOn(v device.Vendor, global bool, f *iface) bool {
	if v == device.IOSXR {
		l := f.child("lldp")
		if l != nil && l.First("enable") != nil {
			return true
		}
		if !global || l != nil && l.First("disable") != nil {
			return false
		}
		return l == nil || l.First("receive", "disable") == nil || l.First("transmit", "disable") == nil
	}
	if !global {
		return false
	}
	return f.child("no", "lldp", "transmit") == nil || f.child("no", "lldp", "receive") == nil
}

// junosLLDPOn returns the `protocols lldp interface` statement that turns
// LLDP on for a physical interface, or nil.
func junosLLDPOn(lldp *device.Node, phys string) *device.Node {
	var all *device.Node
	for _, in := range lldp.Find("interface") {
		for _, n := range in.Children {
			if n.Inactive {
				continue
			}
			switch n.Word(0) {
			case phys, phys + ".0":
				if n.Path("disable") != nil {
					return nil
				}
				return n
			case "all":
				if n.Path("disable") == nil {
					all = n
				}
			}
		}
	}
	return all
}

func hard036() rule.Rule {
	return rule.Rule{
		ID: "HARD-036", Title: "Proxy ARP is off on L3 interfaces", Kind: rule.Hardening, Severity: rule.Medium,
		Platforms: rule.Platforms(device.IOS),
		Doc: "With proxy ARP a router answers ARP for addresses behind it, which extends a segment's trust to " +
			"hosts that should not be reachable and helps spoofing. IOS enables it on every interface unless " +
			"`no ip proxy-arp` (or the global `ip arp proxy disable`). Each external interface with it on is reported " +
			"at Medium; internal L3 interfaces (with an IPv4 address, not loopbacks) are reported together at Low. " +
			externalDoc,
		Remediation: map[device.Vendor]string{device.IOS: "ip arp proxy disable\n! or per interface:\ninterface <name>\n no ip proxy-arp"},
		References:  []string{refNISG, refCIS, "https://www.cisco.com/c/en/us/td/docs/ios-xml/ios/ipaddr/command/ipaddr-cr-book/ipaddr-i1.html"},
		ATTACK:      []string{"T1557.002"},
		Check:       checkProxyARP,
	}
}

func checkProxyARP(d *rule.Device) []rule.Hit {
	if d.Config.First("ip", "arp", "proxy", "disable") != nil {
		return nil
	}
	ext := map[*device.Node]external{}
	for _, e := range externals(d) {
		ext[e.node] = e
	}
	var hits []rule.Hit
	var internal []*device.Node
	for _, f := range interfaces(d.Config) {
		if f.shut || !f.v4() || neverExternal.MatchString(f.phys) || f.child("no", "ip", "proxy-arp") != nil {
			continue
		}
		if e, ok := ext[f.node]; ok {
			hits = append(hits, e.unverified("proxy ARP is on (the IOS default) on external interface "+f.name, f.child("ip", "proxy-arp")))
			continue
		}
		internal = append(internal, f.node)
	}
	if len(internal) > 0 {
		h := hit("proxy ARP is on (the IOS default) on internal L3 interfaces: "+names(internal), internal...)
		h.Severity = rule.Low
		hits = append(hits, h)
	}
	return hits
}

// names lists interface names for a message.
func names(ns []*device.Node) string {
	var out []string
	for _, n := range ns {
		out = append(out, n.Word(1))
	}
	return strings.Join(out, ", ")
}

package mgmt

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/seawall/seawall/internal/audit/device"
	"github.com/seawall/seawall/internal/audit/rule"
)

// HARD-003: source ACL on VTY / SSH.

func vtyACLRule() rule.Rule {
	m := map[device.Vendor]check{
		device.IOS:   iosVtyACL,
		device.NXOS:  nxosVtyACL,
		device.IOSXR: xrSSHACL,
		device.Junos: junosSSHFilter,
		device.EOS:   eosSSHACL,
	}
	return rule.Rule{
		ID:        "HARD-003",
		Title:     "Remote management is not limited to management sources",
		Kind:      rule.Hardening,
		Severity:  rule.High,
		Platforms: platformsOf(m),
		Doc: `A login service reachable from any address invites password spraying and
exploitation from anywhere; CISA-EVH asks for an ACL on every VTY line.

IOS/IOS-XE: every ` + "`line vty`" + ` needs ` + "`access-class NAME in`" + ` (` + "`vrf-also`" + ` accepted).
NX-OS: ` + "`line vty`" + ` needs ` + "`access-class NAME in`" + `.
IOS-XR (only when an ` + "`ssh server`" + ` line enables SSH): ` + "`ssh server [vrf V] ipv4\naccess-list NAME`" + `, ` + "`access-class ingress NAME`" + ` on a line template, or a
management-plane ` + "`allow SSH|all peer`" + ` with an ` + "`address`" + ` passes.
Junos (only when ` + "`system services ssh`" + ` is on): lo0 needs an inet input
filter, and the first of its terms that matches SSH from an unrestricted
source must not accept it (a term without ` + "`then`" + ` accepts; the filter
ends in an implicit discard).
EOS: SSH is on by default; ` + "`management ssh`" + ` needs ` + "`ip access-group NAME in`" + `
for the default VRF unless it is shut down, and ` + "`ip access-group NAME vrf V\nin`" + ` for each VRF it is enabled in.

An access list with a permit from any source restricts nothing and fails.
One that is not defined fails too: IOS then permits every source; on the
other dialects the behaviour is less clearly documented and the hit is
marked unverified. Whether the permitted sources are really management networks needs
the operator's inventory and is not compared here; IPv6 access classes are
not checked.`,
		Remediation: map[device.Vendor]string{
			device.IOS:   "ip access-list standard MGMT-ONLY\n permit 192.0.2.0 0.0.0.255\n deny any log\nline vty 0 15\n access-class MGMT-ONLY in vrf-also",
			device.NXOS:  "ip access-list MGMT-ONLY\n  10 permit tcp 192.0.2.0/24 any eq 22\nline vty\n  access-class MGMT-ONLY in",
			device.IOSXR: "ipv4 access-list MGMT-ONLY\n 10 permit tcp 192.0.2.0/24 any eq ssh\nssh server vrf default ipv4 access-list MGMT-ONLY",
			device.Junos: "set policy-options prefix-list MGMT 192.0.2.0/24\n" +
				"set firewall family inet filter PROTECT-RE term SSH from source-prefix-list MGMT\n" +
				"set firewall family inet filter PROTECT-RE term SSH from protocol tcp\n" +
				"set firewall family inet filter PROTECT-RE term SSH from destination-port ssh\n" +
				"set firewall family inet filter PROTECT-RE term SSH then accept\n" +
				"set firewall family inet filter PROTECT-RE term SSH-OTHER from protocol tcp\n" +
				"set firewall family inet filter PROTECT-RE term SSH-OTHER from destination-port ssh\n" +
				"set firewall family inet filter PROTECT-RE term SSH-OTHER then discard\n" +
				"set interfaces lo0 unit 0 family inet filter input PROTECT-RE",
			device.EOS: "ip access-list MGMT-ONLY\n   10 permit tcp 192.0.2.0/24 any eq ssh\nmanagement ssh\n   ip access-group MGMT-ONLY in",
		},
		References: []string{rule.RefEVH, rule.URLEVH, refNISG},
		ATTACK:     []string{attackSSH, attackExternal},
		Check:      perVendor(m),
	}
}

// classACL checks the `access-class NAME in` lines of Cisco vty blocks.
func classACL(c *device.Config) []rule.Hit {
	var hits []rule.Hit
	for _, l := range ciscoLines(c, "vty") {
		var in *device.Node
		for _, ac := range l.Find("access-class") {
			if ac.Word(2) == "in" {
				in = ac
				break
			}
		}
		if in == nil {
			hits = append(hits, rule.Hit{
				Message: fmt.Sprintf("%s has no inbound access-class, so any source can reach the login prompt", l.Text),
				Anchor:  l,
			})
			continue
		}
		hits = append(hits, aclHits(c, in, in.Word(1), l.Text)...)
	}
	return hits
}

func iosVtyACL(c *device.Config) []rule.Hit  { return classACL(c) }
func nxosVtyACL(c *device.Config) []rule.Hit { return classACL(c) }

func xrSSHACL(c *device.Config) []rule.Hit {
	servers := c.Find("ssh", "server")
	if len(servers) == 0 {
		return nil // no SSH server; telnet is HARD-001's concern
	}
	var hits []rule.Hit
	restricted := false
	for _, s := range servers {
		if name := s.After("access-list"); name != "" {
			restricted = true
			hits = append(hits, aclHits(c, s, name, "the SSH server")...)
		}
	}
	for _, l := range c.Find("line") {
		for _, ac := range l.Find("access-class", "ingress") {
			restricted = true
			hits = append(hits, aclHits(c, ac, ac.Word(2), l.Text)...)
		}
	}
	for _, cp := range c.Find("control-plane") {
		cp.Walk(func(n *device.Node) bool {
			if n.Hit("allow") && (n.Word(1) == "SSH" || n.Word(1) == "all") && n.Has("peer") {
				if n.Has("address") || n.First("address") != nil {
					restricted = true
				}
			}
			return true
		})
	}
	if !restricted {
		hits = append(hits, rule.Hit{
			Message: "the SSH server has no source restriction: no ssh server access-list, line access-class ingress or management-plane allow SSH peer",
			Anchor:  servers[0],
		})
	}
	return hits
}

func junosSSHFilter(c *device.Config) []rule.Hit {
	ssh := junosFirst(c, "system", "services", "ssh")
	if ssh == nil {
		return nil
	}
	var filters []string
	var refs []*device.Node
	var lo0 *device.Node
	for _, lo := range c.Applied("interfaces", "lo0") {
		if lo0 == nil {
			lo0 = lo
		}
		units := lo.Path("unit")
		if units == nil {
			continue
		}
		for _, u := range units.Active() {
			for _, kind := range []string{"input", "input-list"} {
				if in := u.Path("family", "inet", "filter", kind); in != nil {
					filters = append(filters, in.Names()...)
					refs = append(refs, in)
				}
			}
		}
	}
	if len(filters) == 0 {
		anchor := lo0
		if anchor == nil {
			anchor = ssh
		}
		return []rule.Hit{{
			Message: "lo0 has no inet input filter, so SSH to the routing engine is open to every source",
			Anchor:  anchor,
		}}
	}
	var terms []*device.Node
	for _, f := range filters {
		def := junosFirst(c, "firewall", "family", "inet", "filter", f)
		if def == nil {
			def = junosFirst(c, "firewall", "filter", f)
		}
		if def == nil {
			return []rule.Hit{{
				Message: fmt.Sprintf("lo0 input filter %s is not defined", f),
				Nodes:   refs,
			}}
		}
		if t := def.Path("term"); t != nil {
			terms = append(terms, t.Active()...)
		}
	}
	for _, t := range terms {
		from := t.Path("from")
		if !junosMatchesSSH(from) {
			continue
		}
		restricted := junosSourceRestricted(from)
		accepts := junosAccepts(t.Path("then"))
		if restricted {
			continue // other sources fall through to later terms
		}
		if accepts {
			return []rule.Hit{{
				Message: fmt.Sprintf("lo0 filter term %s accepts SSH from any source", t.Word(0)),
				Nodes:   []*device.Node{t},
			}}
		}
		return nil // SSH from everywhere else is discarded here
	}
	return nil // the implicit discard ends the filter
}

// junosMatchesSSH says whether a term's `from` can match TCP to port 22.
func junosMatchesSSH(from *device.Node) bool {
	if from == nil {
		return true
	}
	if p := from.Path("protocol"); p != nil && !slices.Contains(p.Names(), "tcp") {
		return false
	}
	for _, key := range []string{"destination-port", "port"} {
		p := from.Path(key)
		if p == nil {
			continue
		}
		ok := false
		for _, v := range p.Names() {
			if portCovers(v, 22, "ssh") {
				ok = true
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

// portCovers says whether a Junos port value (number, name or range)
// includes port.
func portCovers(v string, port int, name string) bool {
	if v == name || v == strconv.Itoa(port) {
		return true
	}
	if lo, hi, ok := strings.Cut(v, "-"); ok {
		l, h := atoi(lo), atoi(hi)
		return l >= 0 && h >= 0 && l <= port && port <= h
	}
	return false
}

// junosSourceRestricted says whether a term's `from` limits the source.
func junosSourceRestricted(from *device.Node) bool {
	if from == nil {
		return false
	}
	for _, key := range []string{"source-prefix-list", "prefix-list"} {
		if from.Path(key) != nil {
			return true
		}
	}
	for _, key := range []string{"source-address", "address"} {
		if a := from.Path(key); a != nil {
			for _, v := range a.Names() {
				if v != "0.0.0.0/0" {
					return true
				}
			}
		}
	}
	return false
}

// junosAccepts says whether a term's `then` lets the packet in: a term
// with no terminating action accepts.
func junosAccepts(then *device.Node) bool {
	if then == nil {
		return true
	}
	names := then.Names()
	return !slices.Contains(names, "discard") && !slices.Contains(names, "reject") && !slices.Contains(names, "next")
}

func eosSSHACL(c *device.Config) []rule.Hit {
	block := c.First("management", "ssh")
	if block == nil {
		return []rule.Hit{{Message: "SSH is enabled by default with no management ssh block, so it has no ip access-group"}}
	}
	groups := map[string]*device.Node{} // VRF → access-group line
	for _, g := range block.Find("ip", "access-group") {
		vrf := g.After("vrf")
		if vrf == "" {
			vrf = "default"
		}
		groups[vrf] = g
	}
	enabled := []string{}
	if block.First("shutdown") == nil {
		enabled = append(enabled, "default")
	}
	for _, v := range block.Find("vrf") {
		if v.First("no", "shutdown") != nil && !slices.Contains(enabled, v.Word(1)) {
			enabled = append(enabled, v.Word(1))
		}
		if g := v.First("ip", "access-group"); g != nil {
			groups[v.Word(1)] = g
		}
	}
	var hits []rule.Hit
	for _, vrf := range enabled {
		g := groups[vrf]
		if g == nil {
			hits = append(hits, rule.Hit{
				Message: fmt.Sprintf("management ssh is enabled in VRF %s without an ip access-group", vrf),
				Anchor:  block,
			})
			continue
		}
		hits = append(hits, aclHits(c, g, g.Word(2), "management ssh in VRF "+vrf)...)
	}
	return hits
}

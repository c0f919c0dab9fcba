package cred

import (
	"fmt"
	"slices"
	"strings"

	"github.com/seawall/seawall/internal/audit/device"
	"github.com/seawall/seawall/internal/audit/rule"
)

func hard027() rule.Rule {
	return rule.Rule{
		ID:        "HARD-027",
		Title:     "No SNMP v1/v2c communities",
		Kind:      rule.Hardening,
		Severity:  rule.Critical,
		Platforms: all,
		Doc: "SNMP v1 and v2c send the community, which is the only credential, in cleartext with " +
			"every request; Salt Typhoon collected SNMP read-write strings and used them to change " +
			"configurations. Every community is flagged, once per community (NX-OS spreads one over " +
			"several lines), with its access and whether it is a well-known default such as public " +
			"(the comparison is internal; the string is never printed). Trap and inform " +
			"destinations sent as version 1 or 2c carry a community too and are flagged as well.",
		Remediation: map[device.Vendor]string{
			device.IOS:   "no snmp-server community <community>\nsnmp-server group <group> v3 priv read <view> access <acl>",
			device.NXOS:  "no snmp-server community <community>\nsnmp-server user <user> network-operator auth sha <key> priv aes-128 <key>",
			device.IOSXR: "no snmp-server community <community>\nsnmp-server group <group> v3 priv read <view> IPv4 <acl>",
			device.Junos: "delete snmp community <community>\nset snmp v3 usm local-engine user <user> authentication-sha authentication-password <key>",
			device.EOS:   "no snmp-server community <community>\nsnmp-server group <group> v3 priv read <view>",
		},
		References: []string{rule.RefEVH, rule.RefTalos, rule.URLEVH, rule.URLTalos},
		ATTACK:     []string{"T1602.001", "T1552"},
		Check:      checkCommunities,
	}
}

// community is one SNMP community and the lines that configure it.
type community struct {
	nodes []*device.Node
	rw    bool
	known bool // a well-known default string
}

// defaultCommunities are the factory and habitual community strings.
var defaultCommunities = []string{"public", "private", "community", "cisco", "snmp", "secret"}

// communities lists the configuration's SNMP communities in file order.
func communities(c *device.Config) []*community {
	var out []*community
	if c.Vendor == device.Junos {
		list := c.Path("snmp", "community")
		if list == nil {
			return nil
		}
		for _, n := range list.Active() {
			cm := &community{nodes: []*device.Node{n}, known: slices.Contains(defaultCommunities, strings.ToLower(n.Words[0]))}
			if a := n.Path("authorization", "read-write"); a != nil {
				cm.rw = true
				if a.Line != n.Line {
					cm.nodes = append(cm.nodes, a)
				}
			}
			out = append(out, cm)
		}
		return out
	}
	byName := map[string]*community{}
	for _, n := range c.Find("snmp-server", "community") {
		s, ok := secretAfter(n, "community")
		if !ok {
			continue
		}
		cm := byName[s.val]
		if cm == nil {
			cm = &community{known: slices.Contains(defaultCommunities, strings.ToLower(s.val))}
			byName[s.val] = cm
			out = append(out, cm)
		}
		cm.nodes = append(cm.nodes, n)
		// IOS and XR write RW, EOS rw; NX-OS gives write through its role.
		if n.Has("RW") || n.Has("rw") || (n.Has("group") && n.After("group") == "network-admin") {
			cm.rw = true
		}
	}
	return out
}

func checkCommunities(d *rule.Device) []rule.Hit {
	var hits []rule.Hit
	for _, cm := range communities(d.Config) {
		access := "read-only"
		if cm.rw {
			access = "read-write"
		}
		msg := "SNMP v1/v2c community with " + access + " access"
		if cm.known {
			msg = "well-known default SNMP community with " + access + " access"
		}
		hits = append(hits, rule.Hit{Message: msg, Nodes: cm.nodes})
	}
	if d.Config.Vendor == device.Junos {
		for _, tg := range orEmpty(d.Config.Path("snmp", "trap-group")).Active() {
			if v := tg.Path("version"); v != nil {
				if names := v.Names(); len(names) > 0 && names[0] != "v3" {
					hits = append(hits, rule.Hit{Message: "SNMP trap group " + tg.Words[0] + " sends " + names[0] + " traps with a community", Nodes: []*device.Node{v.Children[0]}})
				}
			}
		}
		return hits
	}
	for _, h := range v2cHosts(d.Config) {
		hits = append(hits, rule.Hit{Message: "SNMP " + h.version + " notifications are sent with a community in cleartext", Nodes: []*device.Node{h.node}})
	}
	return hits
}

// orEmpty stands in an empty node for a missing one.
func orEmpty(n *device.Node) *device.Node {
	if n == nil {
		return &device.Node{}
	}
	return n
}

// v2cHost is a trap or inform destination using SNMP v1 or v2c.
type v2cHost struct {
	node    *device.Node
	version string
}

// v2cHosts lists `snmp-server host ... version 1|2c <community>` lines,
// top-level or (IOS XR) inside `snmp-server vrf`. The community follows
// the version and no redaction keyword precedes it; guard keeps it out of
// the evidence.
func v2cHosts(c *device.Config) []v2cHost {
	var out []v2cHost
	check := func(n *device.Node) {
		i := slices.Index(n.Words, "version")
		if i < 0 || i+1 >= len(n.Words) || (n.Words[i+1] != "1" && n.Words[i+1] != "2c") {
			return
		}
		ver := "v" + n.Words[i+1]
		j := i + 2
		if j < len(n.Words) && isTypeWord(n.Words[j]) {
			j++
		}
		if j >= len(n.Words) {
			return
		}
		out = append(out, v2cHost{node: n, version: ver})
	}
	for _, n := range c.Find("snmp-server") {
		switch {
		case n.Hit("snmp-server", "host"):
			check(n)
		case n.Hit("snmp-server", "vrf"):
			for _, h := range n.Find("host") {
				check(h)
			}
		}
	}
	return out
}

func hard028() rule.Rule {
	return rule.Rule{
		ID:        "HARD-028",
		Title:     "SNMPv3 uses authPriv with strong algorithms and an ACL",
		Kind:      rule.Hardening,
		Severity:  rule.High,
		Platforms: all,
		Doc: "SNMPv3 protects management traffic only at the priv level (authentication and " +
			"encryption), with SHA or better rather than MD5, AES rather than DES or 3DES, and an " +
			"ACL naming the managers. Checked: v3 groups that are noauth or auth (IOS, XR, EOS), " +
			"groups without an access ACL (IOS `access`, XR `IPv4`/`IPv6`), users' algorithms where " +
			"the configuration keeps them (NX-OS, XR, EOS, Junos USM; an NX-OS `priv` without " +
			"`aes-128` is DES), NX-OS users without `use-ipv4acl`, EOS without `snmp-server ipv4 " +
			"access-list`, and Junos VACM security levels below privacy. Needs device state, not " +
			"checked: IOS/IOS XE users' algorithms, which the running configuration never prints " +
			"(`show snmp user`), and the Junos ACL, which lives in the loopback firewall filter.",
		Remediation: map[device.Vendor]string{
			device.IOS:   "snmp-server group <group> v3 priv read <view> access <acl>\nsnmp-server user <user> <group> v3 auth sha <key> priv aes 256 <key>",
			device.NXOS:  "snmp-server user <user> network-operator auth sha <key> priv aes-128 <key>\nsnmp-server user <user> use-ipv4acl <acl>",
			device.IOSXR: "snmp-server group <group> v3 priv read <view> IPv4 <acl>\nsnmp-server user <user> <group> v3 auth sha <key> priv aes 256 <key>",
			device.Junos: "set snmp v3 usm local-engine user <user> authentication-sha authentication-password <key>\n" +
				"set snmp v3 usm local-engine user <user> privacy-aes128 privacy-password <key>\n" +
				"set snmp v3 vacm access group <group> default-context-prefix security-model usm security-level privacy read-view <view>",
			device.EOS: "snmp-server group <group> v3 priv read <view>\nsnmp-server user <user> <group> v3 auth sha256 <key> priv aes256 <key>\nsnmp-server ipv4 access-list <acl>",
		},
		References: []string{rule.RefEVH, rule.URLEVH},
		ATTACK:     []string{"T1602.001", "T1040"},
		Check:      checkSNMPv3,
	}
}

// v3Level returns the security level word of a `snmp-server group G v3
// <level>` line.
func v3Level(n *device.Node) string {
	if i := slices.Index(n.Words, "v3"); i >= 0 && i+1 < len(n.Words) {
		return n.Words[i+1]
	}
	return ""
}

// userAlgos reads the auth and priv algorithms of a Cisco-style SNMP user
// line; priv is "" when the user has none.
func userAlgos(v device.Vendor, n *device.Node) (auth, priv string) {
	auth = n.After("auth")
	i := slices.Index(n.Words, "priv")
	if i < 0 {
		return auth, ""
	}
	p := n.Word(i + 1)
	switch {
	case v == device.NXOS && p != "aes-128":
		// NX-OS writes `priv <key>` for DES and `priv aes-128 <key>`.
		return auth, "des"
	case p == "aes" && (n.Word(i+2) == "128" || n.Word(i+2) == "192" || n.Word(i+2) == "256"):
		return auth, "aes " + n.Word(i+2)
	}
	return auth, p
}

func checkSNMPv3(d *rule.Device) []rule.Hit {
	c := d.Config
	if c.Vendor == device.Junos {
		return checkJunosV3(c)
	}
	v := c.Vendor
	var hits []rule.Hit
	add := func(n *device.Node, what string, problems []string) {
		if len(problems) > 0 {
			hits = append(hits, rule.Hit{Message: what + ": " + strings.Join(problems, ", "), Nodes: []*device.Node{n}})
		}
	}
	groupACL := map[string]bool{}
	var first *device.Node
	for _, n := range c.Find("snmp-server", "group") {
		if !n.Has("v3") {
			continue
		}
		if first == nil {
			first = n
		}
		var problems []string
		switch v3Level(n) {
		case "noauth":
			problems = append(problems, "noauth (no authentication or encryption)")
		case "auth":
			problems = append(problems, "auth without priv (no encryption)")
		}
		hasACL := n.Has("access") || n.Has("IPv4") || n.Has("IPv6")
		groupACL[n.Word(2)] = hasACL
		if !hasACL && (v == device.IOS || v == device.IOSXR) {
			problems = append(problems, "no ACL restricting managers")
		}
		add(n, "SNMPv3 group "+n.Word(2), problems)
	}
	userACL := map[string]bool{}
	for _, n := range c.Find("snmp-server", "user") {
		if n.Has("use-ipv4acl") || n.Has("use-acl") || n.Has("IPv4") || n.Has("access") {
			userACL[n.Word(2)] = true
		}
	}
	seen := map[string]bool{}
	for _, n := range c.Find("snmp-server", "user") {
		user := n.Word(2)
		if v != device.NXOS && !n.Has("v3") {
			continue
		}
		if v == device.NXOS && !n.Has("auth") {
			// Other NX-OS lines for a user add roles or ACLs; a user with no
			// auth line at all is noAuthNoPriv.
			if !seen[user] && !nxHasAuth(c, user) {
				add(n, "SNMPv3 user "+user, []string{"no authentication or encryption"})
			}
			seen[user] = true
			continue
		}
		seen[user] = true
		if first == nil {
			first = n
		}
		var problems []string
		auth, priv := userAlgos(v, n)
		switch auth {
		case "":
			problems = append(problems, "no authentication")
		case "md5":
			problems = append(problems, "auth md5")
		}
		switch priv {
		case "":
			problems = append(problems, "no priv (no encryption)")
		case "des", "des56", "3des":
			problems = append(problems, "priv "+priv)
		}
		switch v {
		case device.NXOS:
			if !userACL[user] {
				problems = append(problems, "no use-ipv4acl restricting managers")
			}
		case device.IOSXR:
			if !userACL[user] && !groupACL[n.Word(3)] {
				problems = append(problems, "no ACL restricting managers")
			}
		}
		add(n, "SNMPv3 user "+user, problems)
	}
	if v == device.EOS && first != nil && c.First("snmp-server", "ipv4", "access-list") == nil {
		hits = append(hits, rule.Hit{Message: "SNMPv3 is configured without snmp-server ipv4 access-list restricting managers", Nodes: []*device.Node{first}})
	}
	return hits
}

// nxHasAuth reports whether any NX-OS line for user sets authentication.
func nxHasAuth(c *device.Config, user string) bool {
	for _, n := range c.Find("snmp-server", "user", user) {
		if n.Has("auth") {
			return true
		}
	}
	return false
}

// checkJunosV3 reads USM users and VACM access levels.
func checkJunosV3(c *device.Config) []rule.Hit {
	v3 := c.Path("snmp", "v3")
	if v3 == nil {
		return nil
	}
	var hits []rule.Hit
	for _, eng := range []*device.Node{v3.Path("usm", "local-engine"), v3.Path("usm", "remote-engine")} {
		if eng == nil {
			continue
		}
		eng.Walk(func(n *device.Node) bool {
			if n.Inactive {
				return false
			}
			if n.Parent == nil || !n.Parent.Hit("user") {
				return true
			}
			var auth, priv string
			for _, k := range n.Active() {
				w := k.Words[0]
				if a, ok := strings.CutPrefix(w, "authentication-"); ok && a != "password" && a != "key" {
					auth = a
				}
				if p, ok := strings.CutPrefix(w, "privacy-"); ok && p != "password" && p != "key" {
					priv = p
				}
			}
			var problems []string
			switch auth {
			case "", "none":
				problems = append(problems, "no authentication")
			case "md5":
				problems = append(problems, "authentication-md5")
			}
			switch priv {
			case "", "none":
				problems = append(problems, "no privacy (no encryption)")
			case "des", "3des":
				problems = append(problems, "privacy-"+priv)
			}
			if len(problems) > 0 {
				hits = append(hits, rule.Hit{Message: "SNMPv3 user " + n.Words[0] + ": " + strings.Join(problems, ", "), Nodes: []*device.Node{n}})
			}
			return false
		})
	}
	if acc := v3.Path("vacm", "access"); acc != nil {
		acc.Walk(func(n *device.Node) bool {
			if n.Inactive {
				return false
			}
			if n.Hit("security-level") {
				for _, l := range n.Active() {
					if l.Words[0] != "privacy" {
						hits = append(hits, rule.Hit{Message: "SNMPv3 access group uses security-level " + l.Words[0] + "; use privacy", Nodes: []*device.Node{l}})
					}
				}
				return false
			}
			return true
		})
	}
	return hits
}

func hard029() rule.Rule {
	return rule.Rule{
		ID:        "HARD-029",
		Title:     "No SNMP write access unless it is documented",
		Kind:      rule.Hardening,
		Severity:  rule.High,
		Platforms: rule.Platforms(device.IOS, device.IOSXR),
		Doc: "SNMP write lets whoever holds the credential change the configuration, copy it out " +
			"over TFTP or reload the device; stolen read-write strings were used this way " +
			"(TALOS-ST). Flagged: RW communities and v3 groups with a write view. The catalogue " +
			"allows documented exceptions (such as a lawful-intercept mediation device, HARD-058); " +
			"whether one is documented is outside the configuration, so every write grant is " +
			"reported for review.",
		Remediation: map[device.Vendor]string{
			device.IOS:   "no snmp-server community <community> RW\nsnmp-server group <group> v3 priv read <view> access <acl>",
			device.IOSXR: "no snmp-server community <community>\nsnmp-server group <group> v3 priv read <view> IPv4 <acl>",
		},
		References: []string{refNISG, rule.RefTalos, rule.URLTalos},
		ATTACK:     []string{"T1602", "T1565"},
		Check:      checkSNMPWrite,
	}
}

func checkSNMPWrite(d *rule.Device) []rule.Hit {
	var hits []rule.Hit
	for _, cm := range communities(d.Config) {
		if cm.rw {
			hits = append(hits, rule.Hit{Message: "SNMP community grants read-write access", Nodes: cm.nodes})
		}
	}
	for _, n := range d.Config.Find("snmp-server", "group") {
		if w := n.After("write"); w != "" {
			hits = append(hits, rule.Hit{Message: fmt.Sprintf("SNMP group %s grants write access through view %s", n.Word(2), w), Nodes: []*device.Node{n}})
		}
	}
	return hits
}

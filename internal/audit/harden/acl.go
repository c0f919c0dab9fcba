package harden

import (
	"slices"
	"strings"

	"github.com/seawall/seawall/internal/audit/acl"
	"github.com/seawall/seawall/internal/audit/device"
	"github.com/seawall/seawall/internal/audit/rule"
)

func hard051() rule.Rule {
	return rule.Rule{
		ID: "HARD-051", Title: "Every ACL ends in a logged explicit deny", Kind: rule.Hardening, Severity: rule.Medium,
		Platforms: rule.Platforms(device.IOS, device.NXOS, device.IOSXR, device.EOS),
		Doc: "The implicit deny at the end of an ACL drops traffic silently; a final `deny ip any any log` " +
			"records the probes and blocked connections the actors leave. Checked for ACLs that filter traffic: " +
			"those applied to interfaces (and, on IOS, to VTY lines). ACLs used by route-maps, NAT, SNMP or QoS " +
			"are not traffic filters and are not checked. Whether log rate-limiting keeps the volume sane is not " +
			"judged.",
		Remediation: map[device.Vendor]string{
			device.IOS:   "ip access-list extended <name>\n deny ip any any log\n! standard ACL: deny any log",
			device.NXOS:  "ip access-list <name>\n  <last-seq> deny ip any any log",
			device.IOSXR: "ipv4 access-list <name>\n <last-seq> deny ipv4 any any log",
			device.EOS:   "ip access-list <name>\n   <last-seq> deny ip any any log",
		},
		References: []string{rule.RefEVH, rule.URLEVH, rule.RefAA25, rule.URLAA25},
		Check:      checkACLDeny,
	}
}

func checkACLDeny(d *rule.Device) []rule.Hit {
	c := d.Config
	var names []string
	add := func(n string) {
		if n != "" && !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	for _, top := range c.Top() {
		for _, n := range top.Children {
			switch {
			case top.Hit("interface") && (n.Hit("ip", "access-group") || n.Hit("ipv6", "traffic-filter") || n.Hit("ipv4", "access-group") || n.Hit("ipv6", "access-group")):
				add(n.Word(2))
			case top.Hit("interface") && n.Hit("ip", "port", "access-group"):
				add(n.Word(3))
			case top.Hit("line") && n.Hit("access-class"), top.Hit("line") && n.Hit("ipv6", "access-class"):
				add(n.Word(len(n.Words) - 2))
			}
		}
	}
	var hits []rule.Hit
	for _, name := range names {
		list, last := aclEnd(c, name)
		if list == nil {
			continue
		}
		if last == nil {
			hits = append(hits, hit("ACL "+name+" has no entries: everything relies on the implicit deny, which is not logged", list))
			continue
		}
		w := acl.StripSeq(last.Words)
		if last.Hit("access-list") {
			w = last.Words[2:]
		}
		if !loggedDenyAll(w) {
			hits = append(hits, hit("ACL "+name+" does not end in an explicit `deny … any any log`: dropped traffic is not logged", last))
		}
	}
	return hits
}

// aclEnd finds the named ACL and its last permit or deny entry (nil when
// it has none). Numbered IOS ACLs are separate top-level lines.
func aclEnd(c *device.Config, name string) (list, last *device.Node) {
	isACE := func(w []string) bool { return len(w) > 0 && (w[0] == "permit" || w[0] == "deny") }
	for _, n := range c.Top() {
		if n.Hit("access-list") && n.Word(1) == name && c.Vendor == device.IOS {
			list = n
			if isACE(n.Words[2:]) {
				last = n
			}
			continue
		}
		if !n.Hit("ip", "access-list") && !n.Hit("ipv4", "access-list") && !n.Hit("ipv6", "access-list") {
			continue
		}
		w := n.Words[2:]
		if len(w) > 1 && (w[0] == "extended" || w[0] == "standard") {
			w = w[1:]
		}
		if len(w) == 0 || w[0] != name {
			continue
		}
		list = n
		for _, ace := range n.Children {
			if isACE(acl.StripSeq(ace.Words)) {
				last = ace
			}
		}
	}
	return list, last
}

// loggedDenyAll reports whether an entry (without sequence number) is
// `deny <ip|ipv4|ipv6> any any log` or a standard `deny any log`.
func loggedDenyAll(w []string) bool {
	if len(w) < 3 || w[0] != "deny" {
		return false
	}
	logged := slices.Contains(w, "log") || slices.Contains(w, "log-input")
	switch {
	case w[1] == "any":
		return logged
	case (w[1] == "ip" || w[1] == "ipv4" || w[1] == "ipv6") && len(w) >= 4 && strings.HasPrefix(w[2], "any") && strings.HasPrefix(w[3], "any"):
		return logged
	}
	return false
}

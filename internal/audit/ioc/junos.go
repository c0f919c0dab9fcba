package ioc

import (
	"fmt"
	"strings"

	"github.com/seawall/seawall/internal/audit/device"
	"github.com/seawall/seawall/internal/audit/rule"
	"github.com/seawall/seawall/internal/inventory"
)

// junosIndicators is IOC-CFG-020: the same set of traces on Juniper, where
// the hierarchy differs enough to need its own reading.
func junosIndicators() rule.Rule {
	return rule.Rule{
		ID:        "IOC-CFG-020",
		Title:     "Junos intrusion traces",
		Kind:      rule.Indicator,
		Severity:  rule.High,
		Platforms: rule.Platforms(junos),
		Doc: "Reports on Junos: `system login user` accounts with a backdoor name (high) or, when the inventory " +
			"lists local_users, not among them (high for class super-user, else medium); `system syslog host` " +
			"destinations that are not approved syslog_collectors (or, without that list, external; medium) " +
			"and, with the list, no approved collector at all (the deleted-host sign; medium); `interfaces " +
			"gr-*` / `ip-*` tunnels whose `tunnel destination` is not an approved tunnel peer (high) or, without " +
			"tunnel peers in the inventory, is public (medium); and `forwarding-options port-mirroring` / " +
			"`analyzer` (medium; high when an address in it is external or, with tunnel peers listed, not " +
			"approved). UNC3886 implanted Junos MX routers (CVE-2025-21590) and Salt Typhoon targets Juniper " +
			"too. Not checked (needs device state): veriexec enforcement (`sysctl security.mac.veriexec.state`) " +
			"and `start shell` use (interactive-commands logs).",
		Remediation: map[device.Vendor]string{
			junos: "If no change record explains it: `delete system login user <u>`, `set system syslog host <collector> any info`, " +
				"`delete interfaces gr-<x>`, `delete forwarding-options port-mirroring` / `analyzer <name>`, then `commit`; " +
				"run the Juniper Malware Removal Tool and check `show system commit` for who made the change.",
		},
		References: refs("AA25-239A"),
		ATTACK:     []string{"T1572", "T1070"},
		Check:      checkJunos,
	}
}

func checkJunos(d *rule.Device) []rule.Hit {
	cfg := d.Config
	var hits []rule.Hit
	add := func(h *rule.Hit) {
		if h != nil {
			hits = append(hits, *h)
		}
	}
	// Accounts.
	if u := cfg.Path("system", "login", "user"); u != nil {
		for _, user := range u.Children {
			if user.Inactive {
				continue
			}
			class := user.Path("class")
			priv := class != nil && len(class.Names()) > 0 && class.Names()[0] == "super-user"
			add(userHit(d, user.Word(0), priv, nodes(user)))
		}
	}
	// Syslog.
	as, ns := junosAddrs(cfg.Path("system", "syslog", "host"))
	approved := d.Inventory.SyslogCollectors
	anyApproved := false
	for i, a := range as {
		switch {
		case len(approved) > 0 && inventory.Has(approved, a):
			anyApproved = true
		case len(approved) > 0:
			hits = append(hits, rule.Hit{Nodes: nodes(ns[i]), Severity: rule.Medium, Message: fmt.Sprintf("syslog goes to %s, not an approved collector", a)})
		case outside(d.Inventory, a):
			hits = append(hits, rule.Hit{Nodes: nodes(ns[i]), Severity: rule.Medium, Message: fmt.Sprintf("syslog goes to external address %s", a)})
		}
	}
	if len(approved) > 0 && !anyApproved {
		hits = append(hits, rule.Hit{Anchor: cfg.Path("system", "syslog"), Severity: rule.Medium, Message: "no approved syslog collector is configured"})
	}
	// Tunnels.
	if ifs := cfg.Path("interfaces"); ifs != nil {
		for _, ifc := range ifs.Children {
			name := ifc.Word(0)
			tunnel := strings.HasPrefix(name, "gr-") || strings.HasPrefix(name, "ip-")
			if ifc.Inactive || !tunnel {
				continue
			}
			ifc.Walk(func(n *device.Node) bool {
				if n.Inactive {
					return false
				}
				if n.Word(0) == "destination" && n.Parent != nil && n.Parent.Word(0) == "tunnel" {
					as, ns := junosAddrs(n)
					for i, a := range as {
						add(peerHit(d, a, name+" tunnel destination", rule.Medium, nodes(ns[i])))
					}
				}
				return true
			})
		}
	}
	// Mirroring.
	for _, k := range []string{"port-mirroring", "analyzer"} {
		m := cfg.Path("forwarding-options", k)
		if m == nil {
			continue
		}
		h := rule.Hit{Nodes: nodes(m), Severity: rule.Medium, Message: fmt.Sprintf("traffic is mirrored (forwarding-options %s)", k)}
		m.Walk(func(n *device.Node) bool {
			if n.Inactive {
				return false
			}
			a, ok := parseAddr(n.Word(0))
			if !ok || h.Severity == rule.High {
				return true
			}
			if p := peerHit(d, a, k+" destination", rule.High, nodes(n)); p != nil {
				h = *p
			}
			return true
		})
		hits = append(hits, h)
	}
	return hits
}

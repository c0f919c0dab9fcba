package ioc

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/seawall/seawall/internal/audit/device"
	"github.com/seawall/seawall/internal/audit/rule"
	"github.com/seawall/seawall/internal/inventory"
)

// aaaRedirect is IOC-CFG-008.
func aaaRedirect() rule.Rule {
	return rule.Rule{
		ID:        "IOC-CFG-008",
		Title:     "AAA redirected or weakened",
		Kind:      rule.Indicator,
		Severity:  rule.High,
		Platforms: rule.Platforms(ios, nxos, iosxr, eos, junos),
		Doc: "With approved aaa_servers in the inventory, reports every TACACS+ or RADIUS server that is not one " +
			"of them, high severity: pointing AAA at an actor-controlled server harvests every administrator's " +
			"password. Servers are read from `tacacs-server host`, `radius-server host`, `tacacs server` / " +
			"`radius server` → `address ipv4|ipv6`, `aaa group server` → `server` / `server-private`, and Junos " +
			"`system tacplus-server` / `system radius-server`. Without the list, server addresses are not judged " +
			"(carriers often number AAA servers from public space). Always reported, medium: weakened method " +
			"lists (Cisco-style dialects): an authentication list containing `none`, an authentication list with " +
			"only local methods while AAA servers are configured, and an authorization list whose first method " +
			"is `none`, `if-authenticated` or `local` while servers are configured (a server method followed " +
			"by such a fallback is the usual design and is not reported). Not checked: changes to " +
			"`ip tacacs source-interface`, which need the previous configuration (drift).",
		Remediation: map[device.Vendor]string{
			ios:   "Remove the unknown server (`no tacacs server <name>` or `aaa group server tacacs+ <g>` → `no server-private <ip>`), restore `aaa authentication login default group <g> local`, and rotate every password that crossed the device.",
			nxos:  "`no tacacs-server host <ip>`; restore `aaa authentication login default group <g>`; rotate passwords.",
			iosxr: "`no tacacs-server host <ip>` or `aaa group server tacacs+ <g>` → `no server <ip>`; restore method lists; `commit`; rotate passwords.",
			eos:   "`no tacacs-server host <ip>`; restore `aaa authentication login default group <g> local`; rotate passwords.",
			junos: "`delete system tacplus-server <ip>` (or `radius-server`) and `commit`; rotate passwords.",
		},
		References: refs("AA25-239A", "MITRE"),
		ATTACK:     []string{"T1556"},
		Check:      checkAAA,
	}
}

// aaaServer is one configured AAA server address.
type aaaServer struct {
	proto string // TACACS+ or RADIUS
	addr  netip.Addr
	ev    []*device.Node
}

// aaaServers lists the AAA server addresses a configuration names.
func aaaServers(cfg *device.Config) []aaaServer {
	var out []aaaServer
	proto := func(w string) string {
		if strings.HasPrefix(w, "radius") {
			return "RADIUS"
		}
		return "TACACS+"
	}
	if cfg.Vendor == junos {
		for _, k := range []string{"tacplus-server", "radius-server"} {
			as, ns := junosAddrs(cfg.Path("system", k))
			for i, a := range as {
				out = append(out, aaaServer{proto(k), a, nodes(ns[i])})
			}
		}
		return out
	}
	for _, n := range cfg.Top() {
		switch {
		case n.Hit("tacacs-server", "host") || n.Hit("radius-server", "host"):
			if a, ok := parseAddr(n.Word(2)); ok {
				out = append(out, aaaServer{proto(n.Word(0)), a, nodes(n)})
			}
		case n.Hit("tacacs", "server") || n.Hit("radius", "server"):
			for _, c := range n.Find("address") {
				if a, ok := parseAddr(c.Word(2)); ok {
					out = append(out, aaaServer{proto(n.Word(0)), a, nodes(n, c)})
				}
			}
		case n.Hit("aaa", "group", "server"):
			for _, c := range n.Children {
				if c.Hit("server") || c.Hit("server-private") {
					if a, ok := parseAddr(c.Word(1)); ok {
						out = append(out, aaaServer{proto(n.Word(3)), a, nodes(n, c)})
					}
				}
			}
		}
	}
	return out
}

// localMethods are method-list entries that consult no server.
var localMethods = []string{"local", "local-case", "none", "enable", "line", "if-authenticated", "krb5-telnet"}

func checkAAA(d *rule.Device) []rule.Hit {
	var hits []rule.Hit
	servers := aaaServers(d.Config)
	if len(d.Inventory.AAAServers) > 0 {
		// One finding per address, with every line that names it: a
		// server is often both defined and listed in a group.
		at := map[netip.Addr]int{}
		for _, s := range servers {
			if inventory.Has(d.Inventory.AAAServers, s.addr) {
				continue
			}
			if i, ok := at[s.addr]; ok {
				hits[i].Nodes = nodes(append(hits[i].Nodes, s.ev...)...)
				continue
			}
			at[s.addr] = len(hits)
			hits = append(hits, rule.Hit{Nodes: s.ev, Severity: rule.High,
				Message: fmt.Sprintf("%s server %s is not an approved AAA server", s.proto, s.addr)})
		}
	}
	if d.Config.Vendor == junos {
		return hits
	}
	haveServers := len(servers) > 0 || len(d.Config.Find("aaa", "group", "server")) > 0
	for _, n := range d.Config.Find("aaa") {
		auth := n.Hit("aaa", "authentication", "login") || n.Hit("aaa", "authentication", "enable")
		authz := n.Hit("aaa", "authorization", "exec") || n.Hit("aaa", "authorization", "commands")
		if !auth && !authz {
			continue
		}
		methods, list := methodList(n)
		if len(methods) == 0 {
			continue
		}
		kind := n.Word(1) + " " + n.Word(2)
		servered := slices.Contains(methods, "group")
		switch {
		case auth && slices.Contains(methods, "none"):
			hits = append(hits, rule.Hit{Nodes: nodes(n), Severity: rule.Medium,
				Message: fmt.Sprintf("%s list %s lets users in without authentication (none)", kind, list)})
		case auth && !servered && haveServers:
			hits = append(hits, rule.Hit{Nodes: nodes(n), Severity: rule.Medium,
				Message: fmt.Sprintf("%s list %s uses only local methods although AAA servers are configured", kind, list)})
		case authz && haveServers && slices.Contains([]string{"none", "if-authenticated", "local"}, methods[0]):
			hits = append(hits, rule.Hit{Nodes: nodes(n), Severity: rule.Medium,
				Message: fmt.Sprintf("%s list %s grants access without asking a server (%s)", kind, list, methods[0])})
		}
	}
	return hits
}

// methodList returns the methods of an `aaa authentication|authorization`
// line and the list name: `aaa authentication login default group tacacs+
// local`, `aaa authorization commands 15 default group tacacs+ none`.
func methodList(n *device.Node) ([]string, string) {
	i := 3
	if n.Hit("aaa", "authorization", "commands") && n.Word(3) != "" && n.Word(3)[0] >= '0' && n.Word(3)[0] <= '9' {
		i = 4 // privilege level
	}
	if n.Hit("aaa", "authorization", "commands", "all") {
		i = 4 // EOS: aaa authorization commands all default ...
	}
	if i >= len(n.Words) {
		return nil, ""
	}
	list := n.Words[i]
	var methods []string
	for _, w := range n.Words[i+1:] {
		switch {
		// Older IOS names a server method without "group".
		case w == "group" || w == "tacacs+" || w == "radius" || w == "ldap":
			methods = append(methods, "group")
		case slices.Contains(localMethods, w):
			methods = append(methods, w)
		}
	}
	return methods, list
}

// snmpChanges is IOC-CFG-010.
func snmpChanges() rule.Rule {
	return rule.Rule{
		ID:        "IOC-CFG-010",
		Title:     "SNMP write access or unknown trap receiver",
		Kind:      rule.Indicator,
		Severity:  rule.Medium,
		Platforms: rule.Platforms(ios, nxos, iosxr, eos, junos),
		Doc: "Reports SNMP settings the actors use to read or change configurations: read-write communities " +
			"(`snmp-server community <c> RW`, NX-OS `group network-admin`, Junos `authorization read-write`), " +
			"SNMPv3 groups with a write view (`snmp-server group <g> v3 ... write <v>`, with the view's `iso " +
			"included` line when the view is that wide) and notification receivers (`snmp-server host <ip>`, " +
			"Junos `trap-group` → `targets`) that are not an approved NMS in the inventory or, without an NMS " +
			"list, are external addresses. Community strings are never printed. Medium: SNMP is a collection " +
			"and change channel, not a foothold on its own. Not checked: SNMPv3 users on IOS/IOS-XE, which " +
			"appear only in `show snmp user` (needs device state).",
		Remediation: map[device.Vendor]string{
			ios:   "`no snmp-server community <c>` for RW communities, `no snmp-server host <ip>` for unknown receivers, remove write views from v3 groups; change every community.",
			nxos:  "`no snmp-server community <c>`; `no snmp-server host <ip>`; change every community.",
			iosxr: "`no snmp-server community <c>`; `no snmp-server host <ip>`; `commit`; change every community.",
			eos:   "`no snmp-server community <c>`; `no snmp-server host <ip>`; change every community.",
			junos: "`delete snmp community <c>` or set `authorization read-only`; `delete snmp trap-group <g> targets <ip>`; `commit`.",
		},
		References: refs("AA25-239A", "TALOS-ST"),
		Check:      checkSNMP,
	}
}

// nmsHit judges an SNMP notification receiver.
func nmsHit(d *rule.Device, a netip.Addr, ev []*device.Node) *rule.Hit {
	if len(d.Inventory.NMS) > 0 {
		if inventory.Has(d.Inventory.NMS, a) {
			return nil
		}
		return &rule.Hit{Nodes: ev, Message: fmt.Sprintf("SNMP notifications go to %s, not an approved NMS", a)}
	}
	if outside(d.Inventory, a) {
		return &rule.Hit{Nodes: ev, Message: fmt.Sprintf("SNMP notifications go to external address %s", a)}
	}
	return nil
}

func checkSNMP(d *rule.Device) []rule.Hit {
	var hits []rule.Hit
	cfg := d.Config
	if cfg.Vendor == junos {
		if c := cfg.Path("snmp", "community"); c != nil {
			for _, comm := range c.Children {
				if rw := comm.Path("authorization", "read-write"); rw != nil {
					hits = append(hits, rule.Hit{Nodes: nodes(rw), Message: "an SNMP community has read-write access"})
				}
			}
		}
		if tg := cfg.Path("snmp", "trap-group"); tg != nil {
			for _, g := range tg.Children {
				as, ns := junosAddrs(g.Path("targets"))
				for i, a := range as {
					if h := nmsHit(d, a, nodes(ns[i])); h != nil {
						hits = append(hits, *h)
					}
				}
			}
		}
		return hits
	}
	views := map[string][]*device.Node{}
	for _, n := range cfg.Find("snmp-server", "view") {
		if n.Hit("snmp-server", "view", "*", "iso", "included") {
			views[n.Word(2)] = append(views[n.Word(2)], n)
		}
	}
	for _, n := range cfg.Find("snmp-server") {
		switch {
		case n.Hit("snmp-server", "community") && len(n.Words) > 3:
			rest := n.Words[3:]
			if slices.ContainsFunc(rest, func(w string) bool { return strings.EqualFold(w, "rw") }) ||
				n.After("group") == "network-admin" {
				hits = append(hits, rule.Hit{Nodes: nodes(n), Message: "an SNMP community has read-write access"})
			}
		case n.Hit("snmp-server", "group") && n.Has("write"):
			v := n.After("write")
			ev := nodes(append([]*device.Node{n}, views[v]...)...)
			msg := fmt.Sprintf("SNMP group %s has write view %s", n.Word(2), v)
			if len(views[v]) > 0 {
				msg += ", which includes the whole iso tree"
			}
			hits = append(hits, rule.Hit{Nodes: ev, Message: msg})
		case n.Hit("snmp-server", "host"):
			if a, ok := parseAddr(n.Word(2)); ok {
				if h := nmsHit(d, a, nodes(maskHostCommunity(n))); h != nil {
					hits = append(hits, *h)
				}
			}
		}
	}
	return hits
}

// loggingDegraded is IOC-CFG-011.
func loggingDegraded() rule.Rule {
	return rule.Rule{
		ID:        "IOC-CFG-011",
		Title:     "Logging redirected or degraded",
		Kind:      rule.Indicator,
		Severity:  rule.Medium,
		Platforms: rule.Platforms(ios, nxos, iosxr, eos),
		Doc: "Reports syslog hosts (`logging host <ip>`, `logging <ip>`, NX-OS `logging server <ip>`, EOS " +
			"`logging [vrf <v>] host <ip>`) that are not approved syslog_collectors in the inventory or, without " +
			"that list, are external addresses; with the list, a device that sends to none of the approved " +
			"collectors (the `no logging host <SIEM>` sign). Always: `no logging on`, `logging trap` at errors " +
			"or more severe (0-3), an NX-OS server at level 0-3, and `no service timestamps log`. The actors " +
			"switch log forwarding off or away before they act. Medium: losing logs blinds the defender but " +
			"grants no access. Not checked: removed `archive` / `log config` (needs the previous " +
			"configuration), and cleared Linux-side logs (needs device state). Junos syslog is IOC-CFG-020.",
		Remediation: map[device.Vendor]string{
			ios:   "`logging host <collector>`, `logging trap informational`, `logging on`, `service timestamps log datetime msec localtime show-timezone`; remove unknown hosts with `no logging host <ip>`.",
			nxos:  "`logging server <collector> 6`; remove unknown servers with `no logging server <ip>`.",
			iosxr: "`logging <collector> vrf <v> severity info`, `logging trap informational`; `no logging <ip>` for unknown hosts; `commit`.",
			eos:   "`logging host <collector>`, `logging trap informational`, `logging on`; `no logging host <ip>` for unknown hosts.",
		},
		References: refs("AA25-239A", "TALOS-ST", "MITRE"),
		ATTACK:     []string{"T1070"},
		Check:      checkLogging,
	}
}

// lowLevels are syslog severities at or above errors: a trap level this
// strict drops the informational and notice messages that record logins
// and configuration changes.
var lowLevels = map[string]bool{
	"0": true, "1": true, "2": true, "3": true,
	"emergencies": true, "alerts": true, "critical": true, "errors": true,
}

// syslogHost is a configured syslog destination.
type syslogHost struct {
	addr netip.Addr
	node *device.Node
}

func checkLogging(d *rule.Device) []rule.Hit {
	var hits []rule.Hit
	var hosts []syslogHost
	for _, n := range d.Config.Top() {
		switch {
		case n.Hit("logging", "host"):
			if a, ok := firstAddr(n, 2); ok {
				hosts = append(hosts, syslogHost{a, n})
			}
		case n.Hit("logging", "vrf") && n.Word(3) == "host":
			if a, ok := parseAddr(n.Word(4)); ok {
				hosts = append(hosts, syslogHost{a, n})
			}
		case n.Hit("logging", "server"):
			if a, ok := parseAddr(n.Word(2)); ok {
				hosts = append(hosts, syslogHost{a, n})
			}
			if lowLevels[n.Word(3)] {
				hits = append(hits, rule.Hit{Nodes: nodes(n), Message: fmt.Sprintf("syslog server %s receives only level %s and more severe", n.Word(2), n.Word(3))})
			}
		case n.Hit("logging", "trap") && lowLevels[n.Word(2)]:
			hits = append(hits, rule.Hit{Nodes: nodes(n), Message: fmt.Sprintf("syslog forwarding is limited to %s and more severe (logging trap %s)", n.Word(2), n.Word(2))})
		case n.Hit("no", "logging", "on"):
			hits = append(hits, rule.Hit{Nodes: nodes(n), Message: "logging is switched off (no logging on)"})
		case n.Hit("no", "service", "timestamps", "log"):
			hits = append(hits, rule.Hit{Nodes: nodes(n), Message: "log messages carry no timestamps (no service timestamps log)"})
		case n.Hit("logging") && len(n.Words) >= 2:
			// Older IOS and IOS XR: `logging <ip> [vrf <v>] ...`.
			if a, ok := parseAddr(n.Word(1)); ok {
				hosts = append(hosts, syslogHost{a, n})
			}
		}
	}
	approved := d.Inventory.SyslogCollectors
	anyApproved := false
	for _, h := range hosts {
		switch {
		case len(approved) > 0 && inventory.Has(approved, h.addr):
			anyApproved = true
		case len(approved) > 0:
			hits = append(hits, rule.Hit{Nodes: nodes(h.node), Message: fmt.Sprintf("syslog goes to %s, not an approved collector", h.addr)})
		case outside(d.Inventory, h.addr):
			hits = append(hits, rule.Hit{Nodes: nodes(h.node), Message: fmt.Sprintf("syslog goes to external address %s", h.addr)})
		}
	}
	if len(approved) > 0 && !anyApproved {
		hits = append(hits, rule.Hit{Message: "no approved syslog collector is configured"})
	}
	return hits
}

// hostKeywords follow the address in `snmp-server host` lines and are not
// a community string.
var hostKeywords = map[string]bool{
	"traps": true, "informs": true, "vrf": true, "use-vrf": true, "filter-vrf": true, "source-interface": true,
	"udp-port": true, "version": true, "1": true, "2c": true, "3": true, "auth": true, "noauth": true, "priv": true,
}

// maskHostCommunity returns n, or a copy of it with the community string
// of an `snmp-server host <ip> [vrf v] [traps|informs] [version 1|2c]
// <community> ...` line replaced by a marker. The community sits by position
// with no keyword before it, so the generic evidence redaction cannot see
// it; the copy keeps the line number, which is all evidence needs.
func maskHostCommunity(n *device.Node) *device.Node {
	ws := n.Words
	i := 3
	for i < len(ws) && hostKeywords[ws[i]] {
		if ws[i] == "vrf" || ws[i] == "use-vrf" || ws[i] == "filter-vrf" || ws[i] == "source-interface" || ws[i] == "udp-port" {
			i++ // the keyword's value
		}
		if ws[i] == "3" {
			return n // SNMPv3: the next word is a user name, not a secret
		}
		i++
	}
	if i >= len(ws) || ws[i-1] == "use-vrf" || ws[i-1] == "source-interface" {
		return n
	}
	c := *n
	c.Words = slices.Clone(ws)
	c.Words[i] = "<community>"
	c.Text = strings.Join(c.Words, " ")
	return &c
}

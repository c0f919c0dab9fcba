package cred

import (
	"fmt"
	"slices"
	"strings"

	"github.com/seawall/seawall/internal/audit/device"
	"github.com/seawall/seawall/internal/audit/rule"
)

func hard023() rule.Rule {
	return rule.Rule{
		ID:        "HARD-023",
		Title:     "AAA uses central TACACS+/RADIUS with local fallback only",
		Kind:      rule.Hardening,
		Severity:  rule.High,
		Platforms: all,
		Doc: "Logins should be authenticated (and on IOS authorised) by a central TACACS+ or RADIUS " +
			"service, with local accounts used only when the servers are unreachable: that gives " +
			"one place to revoke access, enforce MFA and log. Flagged: IOS without `aaa new-model`; " +
			"a login method list that is missing, uses `none`, uses only `local`, or lists `local` " +
			"before the server group (local accounts then work even while the servers are up); IOS " +
			"without exec or privilege-15 command authorisation through a server group; IOS lines " +
			"that log in with a line password; Junos without tacplus or radius in " +
			"authentication-order, with `password` first, or with no server defined. Whether the " +
			"servers answer, and whether MFA sits behind them, needs device state and is not checked.",
		Remediation: map[device.Vendor]string{
			device.IOS: "aaa new-model\naaa authentication login default group <TAC> local\n" +
				"aaa authorization exec default group <TAC> local\naaa authorization commands 15 default group <TAC> local",
			device.NXOS:  "aaa authentication login default group <TAC>\naaa authorization commands default group <TAC> local",
			device.IOSXR: "aaa authentication login default group tacacs+ local\naaa authorization exec default group tacacs+ local\naaa authorization commands default group tacacs+ none",
			device.Junos: "set system authentication-order [ tacplus password ]\nset system tacplus-server <ip> secret <key>",
			device.EOS:   "aaa authentication login default group tacacs+ local\naaa authorization exec default group tacacs+ local",
		},
		References: []string{rule.RefEVH, refNISG, rule.URLEVH},
		ATTACK:     []string{"T1078.003"},
		Check:      checkAAA,
	}
}

// methods returns the method list of an `aaa <verb> <what> <list> ...`
// line: the words after the list name (IOS, NX-OS, XR, EOS all write
// method lists this way).
func methods(n *device.Node, after int) []string {
	if after >= len(n.Words) {
		return nil
	}
	return n.Words[after:]
}

// methodProblem says what is wrong with a login method list, or "".
func methodProblem(ms []string) string {
	gi := slices.Index(ms, "group")
	li := slices.Index(ms, "local")
	if li < 0 {
		li = slices.Index(ms, "local-case")
	}
	switch {
	case slices.Contains(ms, "none"):
		return "ends in none, so anyone logs in when the servers do not answer"
	case gi < 0 && li >= 0:
		return "uses only local accounts"
	case gi < 0:
		return "names no TACACS+ or RADIUS server group"
	case li >= 0 && li < gi:
		return "lists local before the server group, so local accounts work while the servers are up"
	}
	return ""
}

func checkAAA(d *rule.Device) []rule.Hit {
	c := d.Config
	if c.Vendor == device.Junos {
		return checkJunosAAA(c)
	}
	var hits []rule.Hit
	var newModel *device.Node
	if c.Vendor == device.IOS {
		newModel = c.First("aaa", "new-model")
		if no := c.First("no", "aaa", "new-model"); no != nil || newModel == nil {
			h := rule.Hit{Message: "aaa new-model is not enabled, so logins use line passwords and no central AAA"}
			if no != nil {
				h.Nodes = []*device.Node{no}
			}
			hits = append(hits, h)
		}
	}
	// The login list name is word 3; the methods follow it. Only the
	// default list and lists that VTY lines use are judged: a console
	// list that tries local first is the usual break-glass path.
	used := vtyLists(c)
	var deflt *device.Node
	for _, n := range c.Find("aaa", "authentication", "login") {
		list := n.Word(3)
		if list == "default" {
			deflt = n
		} else if !used[list] {
			continue
		}
		if p := methodProblem(methods(n, 4)); p != "" {
			hits = append(hits, rule.Hit{Message: fmt.Sprintf("login method list %s %s", list, p), Nodes: []*device.Node{n}})
		}
	}
	if deflt == nil && (c.Vendor != device.IOS || newModel != nil) {
		hits = append(hits, rule.Hit{Message: "no aaa authentication login default method list: logins use local accounts only", Anchor: newModel})
	}
	if c.Vendor == device.IOS && newModel != nil {
		for _, want := range [][]string{{"exec"}, {"commands", "15"}} {
			prefix := append([]string{"aaa", "authorization"}, want...)
			prefix = append(prefix, "default")
			n := c.First(prefix...)
			what := "aaa authorization " + strings.Join(want, " ") + " default"
			switch {
			case n == nil:
				hits = append(hits, rule.Hit{Message: what + " is not configured: " + strings.Join(want, " ") + " is not authorised by the AAA servers", Anchor: newModel})
			case !n.Has("group"):
				hits = append(hits, rule.Hit{Message: what + " names no server group", Nodes: []*device.Node{n}})
			}
		}
	}
	if c.Vendor == device.IOS {
		for _, l := range c.Find("line") {
			login := l.First("login")
			if login != nil && len(login.Words) == 1 && l.First("password") != nil {
				hits = append(hits, rule.Hit{Message: l.Text + " logs in with a line password instead of AAA", Nodes: []*device.Node{login}})
			}
		}
	}
	return hits
}

// vtyLists are the login method lists that remote-access lines name.
func vtyLists(c *device.Config) map[string]bool {
	used := map[string]bool{}
	for _, l := range c.Find("line") {
		if !l.Hit("line", "vty") && !l.Hit("line", "default") && !l.Hit("line", "template") {
			continue
		}
		for _, la := range l.Find("login", "authentication") {
			used[la.Word(2)] = true
		}
	}
	return used
}

func checkJunosAAA(c *device.Config) []rule.Hit {
	sys := c.Path("system")
	order := c.Path("system", "authentication-order")
	if order == nil {
		return []rule.Hit{{Message: "no system authentication-order: logins use local passwords only", Anchor: sys}}
	}
	names := order.Names()
	central := slices.Contains(names, "tacplus") || slices.Contains(names, "radius")
	switch {
	case !central:
		return []rule.Hit{{Message: "authentication-order names no tacplus or radius server", Nodes: []*device.Node{order}}}
	case len(names) > 0 && names[0] == "password":
		return []rule.Hit{{Message: "authentication-order lists password first, so local accounts work while the servers are up", Nodes: []*device.Node{order}}}
	}
	var hits []rule.Hit
	for _, m := range []string{"tacplus", "radius"} {
		if slices.Contains(names, m) && c.Path("system", m+"-server") == nil {
			hits = append(hits, rule.Hit{Message: fmt.Sprintf("authentication-order uses %s but no system %s-server is defined", m, m), Nodes: []*device.Node{order}})
		}
	}
	return hits
}

func hard024() rule.Rule {
	return rule.Rule{
		ID:        "HARD-024",
		Title:     "Command and session accounting goes to AAA",
		Kind:      rule.Hardening,
		Severity:  rule.High,
		Platforms: all,
		Doc: "Accounting records every session and command on a central server the intruder " +
			"does not control; AA25-239A relies on command accounting to catch Guest Shell and " +
			"Linux shell use. IOS needs exec, commands 1, commands 15, connection and system " +
			"accounting through a server group (start-stop or stop-only, one-line or IOS XE block " +
			"form); NX-OS `aaa accounting default group <g>`; XR exec and command accounting; EOS " +
			"exec and command accounting; Junos accounting events login, change-log and " +
			"interactive-commands with a tacplus or radius destination. Whether records arrive " +
			"needs the server and is not checked.",
		Remediation: map[device.Vendor]string{
			device.IOS: "aaa accounting exec default start-stop group <TAC>\naaa accounting commands 1 default start-stop group <TAC>\n" +
				"aaa accounting commands 15 default start-stop group <TAC>\naaa accounting connection default start-stop group <TAC>\n" +
				"aaa accounting system default start-stop group <TAC>",
			device.NXOS:  "aaa accounting default group <TAC>",
			device.IOSXR: "aaa accounting exec default start-stop group tacacs+\naaa accounting commands default start-stop group tacacs+",
			device.Junos: "set system accounting events [ login change-log interactive-commands ]\nset system accounting destination tacplus server <ip> secret <key>",
			device.EOS:   "aaa accounting exec default start-stop group tacacs+\naaa accounting commands all default start-stop group tacacs+",
		},
		References: []string{rule.RefEVH, rule.RefAA25, rule.URLEVH, rule.URLAA25},
		ATTACK:     []string{"T1562.006"},
		Check:      checkAccounting,
	}
}

// accountingGroup reports whether an accounting method (one line, or an
// IOS XE block with action-type and group sub-lines) sends records to a
// server group.
func accountingGroup(n *device.Node) bool {
	if n.Has("none") {
		return false
	}
	if n.Has("group") {
		return true
	}
	for _, ch := range n.Children {
		if ch.Hit("group") || ch.Hit("broadcast", "group") {
			return n.First("action-type", "none") == nil
		}
	}
	return false
}

func checkAccounting(d *rule.Device) []rule.Hit {
	c := d.Config
	if c.Vendor == device.Junos {
		return checkJunosAccounting(c)
	}
	var want [][]string
	switch c.Vendor {
	case device.IOS:
		want = [][]string{{"exec"}, {"commands", "1"}, {"commands", "15"}, {"connection"}, {"system"}}
	case device.NXOS:
		want = [][]string{{}}
	case device.IOSXR:
		want = [][]string{{"exec"}, {"commands"}}
	case device.EOS:
		want = [][]string{{"exec"}, {"commands", "all"}}
	}
	var missing []string
	var bad []*device.Node
	for _, w := range want {
		prefix := append(append([]string{"aaa", "accounting"}, w...), "default")
		n := c.First(prefix...)
		if n == nil && c.Vendor == device.EOS && w[0] == "commands" {
			n = c.First("aaa", "accounting", "commands", "15", "default")
		}
		switch {
		case n == nil:
			missing = append(missing, strings.Join(prefix[2:len(prefix)-1], " "))
		case !accountingGroup(n):
			bad = append(bad, n)
		}
	}
	var hits []rule.Hit
	anchor := c.First("aaa", "new-model")
	if len(missing) > 0 {
		what := strings.Join(missing, ", ")
		if c.Vendor == device.NXOS {
			what = "default"
		}
		hits = append(hits, rule.Hit{Message: "no AAA accounting to a server for: " + what, Anchor: anchor})
	}
	for _, n := range bad {
		hits = append(hits, rule.Hit{Message: "accounting method sends no records to a server group", Nodes: []*device.Node{n}})
	}
	return hits
}

func checkJunosAccounting(c *device.Config) []rule.Hit {
	acct := c.Path("system", "accounting")
	if acct == nil {
		return []rule.Hit{{Message: "no system accounting: sessions and commands are not recorded centrally", Anchor: c.Path("system")}}
	}
	var hits []rule.Hit
	var events []string
	if ev := acct.Path("events"); ev != nil {
		events = ev.Names()
	}
	var missing []string
	for _, e := range []string{"login", "change-log", "interactive-commands"} {
		if !slices.Contains(events, e) {
			missing = append(missing, e)
		}
	}
	if len(missing) > 0 {
		hits = append(hits, rule.Hit{Message: "system accounting does not record events: " + strings.Join(missing, ", "), Anchor: acct})
	}
	dest := acct.Path("destination")
	if dest == nil || (dest.Path("tacplus") == nil && dest.Path("radius") == nil) {
		hits = append(hits, rule.Hit{Message: "system accounting has no tacplus or radius destination", Anchor: acct})
	}
	return hits
}

package ioc

import (
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/seawall/seawall/internal/audit/acl"
	"github.com/seawall/seawall/internal/audit/device"
	"github.com/seawall/seawall/internal/audit/rule"
)

// allowList is IOC-CFG-001: the actors add their own hosts to numbered
// standard ACLs with common-looking numbers (10, 20, 50) that already guard
// VTY, SNMP or HTTP access, so the change blends in.
func allowList() rule.Rule {
	return rule.Rule{
		ID:        "IOC-CFG-001",
		Title:     "Numbered standard ACL permits an external host",
		Kind:      rule.Indicator,
		Severity:  rule.High,
		Platforms: rule.Platforms(ios),
		Doc: "Reports permit entries in numbered standard ACLs (1-99, 1300-1999, in `access-list N` or " +
			"`ip access-list standard N` form) for an address that is external: not RFC 1918, shared, loopback " +
			"or link-local space and not an address or management network the inventory lists. Salt Typhoon " +
			"adds its own hosts to such lists, picking numbers like 10, 20 and 50 that look routine. An entry " +
			"in a list that guards management access (`line vty` access-class, an SNMP community, " +
			"`ip http access-class`, `ntp access-group`, an SNMP group) is high severity because it hands the " +
			"host a way in; an entry in an unreferenced list is medium. `permit any` is left to the hardening " +
			"rules. Only IOS and IOS-XE have numbered ACLs.",
		Remediation: map[device.Vendor]string{
			ios: "Confirm the entry with the change record; if unknown, remove it (`ip access-list standard 20` → " +
				"`no permit host 203.0.113.9`), then treat the device as compromised: rotate credentials and review AAA accounting.",
		},
		References: refs("AA25-239A", "MITRE"),
		ATTACK:     []string{"T1562.004"},
		Check:      checkAllowList,
	}
}

// numberedStandard reports whether s names a numbered standard IPv4 ACL.
func numberedStandard(s string) bool {
	n, err := strconv.Atoi(s)
	return err == nil && (n >= 1 && n <= 99 || n >= 1300 && n <= 1999)
}

// aclPermit reads a standard ACL entry's words (without `access-list N`
// or a sequence number) and returns the permitted address.
func aclPermit(words []string) (netip.Addr, bool) {
	if len(words) < 2 || words[0] != "permit" {
		return netip.Addr{}, false
	}
	w := words[1]
	if w == "host" && len(words) > 2 {
		w = words[2]
	}
	return parseAddr(w)
}

func checkAllowList(d *rule.Device) []rule.Hit {
	cfg := d.Config
	uses := aclUses(cfg)
	otherUses := aclOtherUses(cfg)
	var hits []rule.Hit
	report := func(num string, a netip.Addr, n *device.Node) {
		if !outside(d.Inventory, a) {
			return
		}
		h := rule.Hit{Nodes: nodes(n), Severity: rule.Medium,
			Message: fmt.Sprintf("numbered standard ACL %s permits external address %s; the list is not applied to management access", num, a)}
		if len(uses[num]) == 0 && otherUses[num] {
			return // a NAT or routing filter, not an allow-list
		}
		if u := uses[num]; len(u) > 0 {
			var what []string
			for _, x := range u {
				h.Nodes = nodes(append(h.Nodes, x.node)...)
				if !slices.Contains(what, x.what) {
					what = append(what, x.what)
				}
			}
			h.Severity = rule.High
			h.Message = fmt.Sprintf("numbered standard ACL %s permits external address %s and guards %s", num, a, strings.Join(what, ", "))
		}
		hits = append(hits, h)
	}
	for _, n := range cfg.Top() {
		switch {
		case n.Hit("access-list") && numberedStandard(n.Word(1)):
			if a, ok := aclPermit(n.Words[2:]); ok {
				report(n.Word(1), a, n)
			}
		case n.Hit("ip", "access-list", "standard") && numberedStandard(n.Word(3)):
			for _, c := range n.Children {
				if a, ok := aclPermit(acl.StripSeq(c.Words)); ok {
					report(n.Word(3), a, c)
				}
			}
		}
	}
	return hits
}

// aclOtherUses finds ACL names used outside the management plane: NAT
// (`ip nat inside source list N`), route maps (`match ip address N`),
// interface filters (`ip access-group N`) and distribute lists. Public
// addresses in such lists are routing and NAT policy, not allow-lists.
func aclOtherUses(cfg *device.Config) map[string]bool {
	out := map[string]bool{}
	cfg.Root.Walk(func(n *device.Node) bool {
		if n.Hit("access-list") || n.Hit("ip", "access-list") {
			return false
		}
		for i, w := range n.Words[:max(len(n.Words)-1, 0)] {
			switch {
			case w == "list" || w == "access-group" || w == "distribute-list":
				out[n.Words[i+1]] = true
			case w == "address" && i > 0 && n.Words[i-1] == "ip" && n.Hit("match"):
				for _, x := range n.Words[i+1:] {
					out[x] = true
				}
			}
		}
		return true
	})
	return out
}

// aclUse is a statement that applies an ACL to management access.
type aclUse struct {
	node *device.Node
	what string
}

// aclUses maps ACL names to the management-plane statements that apply
// them on IOS.
func aclUses(cfg *device.Config) map[string][]aclUse {
	uses := map[string][]aclUse{}
	add := func(name string, n *device.Node, what string) {
		if name != "" {
			uses[name] = append(uses[name], aclUse{n, what})
		}
	}
	for _, n := range cfg.Top() {
		switch {
		case n.Hit("line", "vty"):
			for _, c := range n.Find("access-class") {
				add(c.Word(1), c, n.Text)
			}
		case n.Hit("snmp-server", "community") && len(n.Words) > 3:
			// The community string is words[2]; only later words name an ACL.
			for _, w := range n.Words[3:] {
				add(w, n, "an SNMP community")
			}
		case n.Hit("snmp-server", "group"):
			add(n.After("access"), n, "an SNMP group")
		case n.Hit("ip", "http", "access-class"):
			add(n.Word(len(n.Words)-1), n, "the web UI")
		case n.Hit("ntp", "access-group") && len(n.Words) > 3:
			add(n.Word(3), n, "NTP")
		}
	}
	return uses
}

// sshPorts matches the SSH ports reported for Salt Typhoon re-entry: the
// 22x22 and xxx22 patterns (22022, 10022, ...); 57722 fits them too.
var sshPorts = regexp.MustCompile(`^\d{3,5}22$`)

// suspiciousSSHPort reports whether p is one of the reported patterns.
func suspiciousSSHPort(p int) bool {
	return p != 22 && p <= 65535 && sshPorts.MatchString(strconv.Itoa(p))
}

// sshPort is IOC-CFG-002.
func sshPort() rule.Rule {
	return rule.Rule{
		ID:        "IOC-CFG-002",
		Title:     "SSH or web UI on a non-standard port",
		Kind:      rule.Indicator,
		Severity:  rule.High,
		Platforms: rule.Platforms(ios),
		Doc: "Reports `ip ssh port N rotary R` with N other than 22, with the `line vty` lines that join rotary " +
			"group R, and `ip http port` / `ip http secure-port` other than 80 / 443. Salt Typhoon opened SSH on " +
			"ports of the 22x22 and xxx22 patterns (22022, 10022; IOS XR's Linux sshd on 57722 fits too) to get " +
			"past ACLs and port-22 monitoring: those ports are high severity, other SSH ports and web UIs on " +
			"other ports medium. A port the inventory lists among the device's listening_ports is not reported. " +
			"The IOS XR 57722 listener lives outside the running configuration (IOC-CFG-003).",
		Remediation: map[device.Vendor]string{
			ios: "If no change record explains it: `no ip ssh port 22022 rotary 1` and, under `line vty 5 15`, " +
				"`no rotary 1`; `no ip http port` / `no ip http secure-port`. Then investigate who added it.",
		},
		References: refs("AA25-239A"),
		Check:      checkSSHPort,
	}
}

// approvedPort reports whether the inventory lists p as a port this device
// may answer on.
func approvedPort(d *rule.Device, p int) bool {
	dev := d.Inventory.Device(d.Name)
	return dev != nil && slices.Contains(dev.ListeningPorts, uint16(p))
}

func checkSSHPort(d *rule.Device) []rule.Hit {
	var hits []rule.Hit
	for _, n := range d.Config.Find("ip", "ssh", "port") {
		p, err := strconv.Atoi(n.Word(3))
		if err != nil || p == 22 || approvedPort(d, p) {
			continue
		}
		ev := nodes(n)
		if g := rotaryGroups(n); len(g) > 0 {
			for _, l := range d.Config.Find("line", "vty") {
				for _, r := range l.Find("rotary") {
					if slices.Contains(g, r.Word(1)) {
						ev = nodes(append(ev, l, r)...)
					}
				}
			}
		}
		h := rule.Hit{Nodes: ev, Severity: rule.Medium, Message: fmt.Sprintf("SSH listens on non-standard port %d", p)}
		if suspiciousSSHPort(p) {
			h.Severity = rule.High
			h.Message = fmt.Sprintf("SSH listens on port %d, of the 22x22/xxx22 pattern used for covert re-entry", p)
		}
		hits = append(hits, h)
	}
	for _, n := range d.Config.Find("ip", "http") {
		std := map[string]int{"port": 80, "secure-port": 443}[n.Word(2)]
		p, err := strconv.Atoi(n.Word(3))
		if std == 0 || err != nil || p == std || approvedPort(d, p) {
			continue
		}
		hits = append(hits, rule.Hit{Nodes: nodes(n), Severity: rule.Medium,
			Message: fmt.Sprintf("the web UI listens on non-standard port %d", p)})
	}
	return hits
}

// rotaryGroups lists the rotary groups an `ip ssh port N rotary A [B]`
// line names, expanding the range A..B.
func rotaryGroups(n *device.Node) []string {
	i := slices.Index(n.Words, "rotary")
	if i < 0 || i+1 >= len(n.Words) {
		return nil
	}
	from, err := strconv.Atoi(n.Words[i+1])
	if err != nil {
		return nil
	}
	to := from
	if t, err := strconv.Atoi(n.Word(i + 2)); err == nil && t >= from && t-from < 100 {
		to = t
	}
	var out []string
	for g := from; g <= to; g++ {
		out = append(out, strconv.Itoa(g))
	}
	return out
}

// backdoorNames are account names created in the CVE-2023-20198
// exploitation wave, plus the vendor default an intruder re-adds.
var backdoorNames = []string{"cisco_tac_admin", "cisco_support", "cisco_sys_manager", "cisco"}

func backdoorName(u string) bool {
	return slices.ContainsFunc(backdoorNames, func(b string) bool { return strings.EqualFold(b, u) })
}

// usersListed reports whether the inventory lists approved local users for
// this device (fleet-wide or its own).
func usersListed(d *rule.Device) bool {
	if len(d.Inventory.LocalUsers) > 0 {
		return true
	}
	dev := d.Inventory.Device(d.Name)
	return dev != nil && len(dev.LocalUsers) > 0
}

// userHit judges one local account; nil when it is fine.
func userHit(d *rule.Device, name string, privileged bool, ev []*device.Node) *rule.Hit {
	priv := ""
	if privileged {
		priv = " (administrative)"
	}
	switch {
	case backdoorName(name):
		return &rule.Hit{Nodes: ev, Severity: rule.High,
			Message: fmt.Sprintf("local user %s%s has a name used for backdoor accounts in the CVE-2023-20198 wave", name, priv)}
	case usersListed(d) && !d.Inventory.ApprovedUser(d.Name, name):
		sev := rule.Medium
		if privileged {
			sev = rule.High
		}
		return &rule.Hit{Nodes: ev, Severity: sev,
			Message: fmt.Sprintf("local user %s%s is not an approved local account", name, priv)}
	}
	return nil
}

// localUsers is IOC-CFG-009.
func localUsers() rule.Rule {
	return rule.Rule{
		ID:        "IOC-CFG-009",
		Title:     "Unknown or backdoor local user",
		Kind:      rule.Indicator,
		Severity:  rule.High,
		Platforms: rule.Platforms(ios, nxos, iosxr, eos),
		Doc: "Reports `username` accounts named cisco_tac_admin, cisco_support, cisco_sys_manager or cisco (names " +
			"from the CVE-2023-20198 implant wave; always high), and, when the inventory lists local_users " +
			"(fleet-wide or for this device), every account it does not list: high when administrative " +
			"(privilege 15, role network-admin, XR group root-lr/root-system/netadmin), else medium. Without " +
			"a user list only the backdoor names are reported, since any other name could be legitimate. " +
			"Junos accounts are IOC-CFG-020.",
		Remediation: map[device.Vendor]string{
			ios:   "`no username cisco_tac_admin`; rotate every credential and key the device holds, and check AAA accounting for what the account did.",
			nxos:  "`no username cisco_tac_admin`; rotate credentials and review accounting logs.",
			iosxr: "`no username cisco_tac_admin` then `commit`; rotate credentials and review accounting logs.",
			eos:   "`no username cisco_tac_admin`; rotate credentials and review accounting logs.",
		},
		References: refs("AA25-239A", "CISCO-SA-WEBUI"),
		Check:      checkLocalUsers,
	}
}

func checkLocalUsers(d *rule.Device) []rule.Hit {
	var order []string
	lines := map[string][]*device.Node{}
	priv := map[string]bool{}
	for _, n := range d.Config.Find("username") {
		u := n.Word(1)
		if u == "" {
			continue
		}
		if _, ok := lines[u]; !ok {
			order = append(order, u)
		}
		lines[u] = append(lines[u], n)
		if n.After("privilege") == "15" || n.After("role") == "network-admin" {
			priv[u] = true
		}
		for _, g := range n.Find("group") {
			if slices.Contains([]string{"root-lr", "root-system", "netadmin"}, g.Word(1)) {
				priv[u] = true
				lines[u] = append(lines[u], g)
			}
		}
	}
	var hits []rule.Hit
	for _, u := range order {
		if h := userHit(d, u, priv[u], lines[u]); h != nil {
			hits = append(hits, *h)
		}
	}
	return hits
}

// vtyLoosened is IOC-CFG-015.
func vtyLoosened() rule.Rule {
	return rule.Rule{
		ID:        "IOC-CFG-015",
		Title:     "Remote access lines loosened",
		Kind:      rule.Indicator,
		Severity:  rule.Medium,
		Platforms: rule.Platforms(ios, nxos, iosxr, eos),
		Doc: "Reports terminal lines opened up for lateral movement: telnet or `all` in `transport input` or " +
			"`transport output`, `exec-timeout 0 0`, and (IOS) a `line vty` with no `access-class ... in` that " +
			"still accepts sessions. NX-OS: `line vty` → `exec-timeout 0`; IOS XR: `line default` / " +
			"`line template` → transport and exec-timeout; EOS: `management telnet` → `no shutdown`. CISA-EVH " +
			"notes that adversaries flip outbound VTY settings to move between devices. A configuration " +
			"shows the settings, not when they changed; compare against the last good copy (drift) to see " +
			"the change itself. Medium: loosened lines widen access but grant none by themselves.",
		Remediation: map[device.Vendor]string{
			ios:   "Under `line vty 0 4`: `transport input ssh`, `transport output none` (or `ssh`), `exec-timeout 10 0`, `access-class <mgmt-acl> in`.",
			nxos:  "Under `line vty`: `exec-timeout 10`.",
			iosxr: "Under `line default` / `line template <t>`: `transport input ssh`, `transport output none`, `exec-timeout 10 0`; `commit`.",
			eos:   "`management telnet` → `shutdown`.",
		},
		References: refs("CISA-EVH"),
		Check:      checkVTY,
	}
}

func checkVTY(d *rule.Device) []rule.Hit {
	var hits []rule.Hit
	lineChecks := func(l *device.Node, needACL bool) {
		closed := false
		for _, c := range l.Children {
			switch {
			case c.Hit("transport", "input") || c.Hit("transport", "output"):
				if c.Has("none") && c.Word(1) == "input" {
					closed = true
				}
				dir := map[string]string{"input": "accepts", "output": "can open outbound"}[c.Word(1)]
				switch {
				case c.Has("all"):
					hits = append(hits, rule.Hit{Nodes: nodes(l, c), Message: fmt.Sprintf("%s %s sessions of every protocol (transport %s all)", l.Text, dir, c.Word(1))})
				case c.Has("telnet"):
					hits = append(hits, rule.Hit{Nodes: nodes(l, c), Message: fmt.Sprintf("%s %s telnet sessions", l.Text, dir)})
				}
			case c.Hit("exec-timeout", "0") && (c.Word(2) == "" || c.Word(2) == "0"):
				hits = append(hits, rule.Hit{Nodes: nodes(l, c), Message: fmt.Sprintf("sessions on %s never time out (exec-timeout 0)", l.Text)})
			}
		}
		if needACL && !closed && l.First("access-class") == nil {
			hits = append(hits, rule.Hit{Anchor: l, Message: fmt.Sprintf("%s accepts sessions from any address (no access-class)", l.Text)})
		}
	}
	switch d.Config.Vendor {
	case ios:
		for _, l := range d.Config.Find("line", "vty") {
			lineChecks(l, true)
		}
	case nxos:
		for _, l := range d.Config.Find("line", "vty") {
			lineChecks(l, false)
		}
	case iosxr:
		for _, l := range d.Config.Find("line") {
			if l.Hit("line", "default") || l.Hit("line", "template") {
				lineChecks(l, false)
			}
		}
	case eos:
		for _, m := range d.Config.Find("management", "telnet") {
			if s := m.First("no", "shutdown"); s != nil {
				hits = append(hits, rule.Hit{Nodes: nodes(m, s), Message: "the telnet server is enabled (management telnet → no shutdown)"})
			}
		}
	}
	return hits
}

// lastChangeRE reads the user from the change headers IOS, IOS XR, EOS
// and Junos print: "Last configuration change at <time> by <user>",
// "Startup-config last modified at <time> by <user>", "Last commit: <time>
// by <user>".
var lastChangeRE = regexp.MustCompile(`(?i)^(?:last configuration change at|(?:startup|running)-config last modified at|last commit:)\s.*\sby\s+(\S+)\s*$`)

// lastChange is IOC-CFG-018.
func lastChange() rule.Rule {
	return rule.Rule{
		ID:        "IOC-CFG-018",
		Title:     "Last change made by an unknown user",
		Kind:      rule.Indicator,
		Severity:  rule.Medium,
		Platforms: rule.Platforms(ios, iosxr, eos, junos),
		Doc: "Reads the header comment that records the last change (`! Last configuration change at <time> by " +
			"<user>`, `!! ...` on IOS XR, `! Startup-config last modified at ... by <user>` on EOS, `## Last " +
			"commit: <time> by <user>` on Junos). A backdoor account name there is high severity, always. When " +
			"the inventory lists local_users, a user it does not list is medium: changes are expected from " +
			"known accounts, and AAA users the inventory cannot know may show up here, so confirm against " +
			"AAA accounting. Without a user list nothing else is reported, because the name alone proves " +
			"nothing. Not checked (needs more than one configuration or a change calendar): a time outside " +
			"the change window, and running ≠ startup ≠ golden (use drift). NX-OS headers carry no user.",
		Remediation: map[device.Vendor]string{
			ios:   "Find the change in AAA accounting (`show archive log config all` if `archive` → `log config` is on) and compare with the last good configuration.",
			iosxr: "`show configuration commit list detail` and `show configuration commit changes <id>` show what that user changed.",
			eos:   "Compare with the last good configuration (`show running-config diffs`) and review AAA accounting.",
			junos: "`show system commit` and `show configuration | compare rollback 1` show what that user changed.",
		},
		References: refs("CISA-EVH"),
		Check:      checkLastChange,
	}
}

func checkLastChange(d *rule.Device) []rule.Hit {
	var hits []rule.Hit
	for _, c := range d.Config.Comments {
		m := lastChangeRE.FindStringSubmatch(c.Text)
		if m == nil {
			continue
		}
		user := m[1]
		// Comments are not part of the tree; evidence gets a node of its own.
		ev := []*device.Node{{Line: c.Line, Text: c.Text, Words: strings.Fields(c.Text)}}
		switch {
		case backdoorName(user):
			hits = append(hits, rule.Hit{Nodes: ev, Severity: rule.High,
				Message: fmt.Sprintf("the last configuration change was made by %s, a backdoor account name", user)})
		case usersListed(d) && !d.Inventory.ApprovedUser(d.Name, user):
			hits = append(hits, rule.Hit{Nodes: ev,
				Message: fmt.Sprintf("the last configuration change was made by %s, not an approved local account", user)})
		}
	}
	return hits
}

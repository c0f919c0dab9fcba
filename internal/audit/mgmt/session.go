package mgmt

import (
	"fmt"
	"slices"
	"strings"

	"github.com/seawall/seawall/internal/audit/device"
	"github.com/seawall/seawall/internal/audit/rule"
)

// HARD-012: login banner.

func bannerRule() rule.Rule {
	m := map[device.Vendor]check{
		device.IOS:   ciscoBanner,
		device.NXOS:  ciscoBanner,
		device.IOSXR: ciscoBanner,
		device.Junos: junosBanner,
		device.EOS:   ciscoBanner,
	}
	return rule.Rule{
		ID:        "HARD-012",
		Title:     "No login banner",
		Kind:      rule.Hardening,
		Severity:  rule.Low,
		Platforms: platformsOf(m),
		Doc: `A pre-login warning that access is monitored and restricted supports
prosecution and monitoring consent (NSA-NISG, CIS).

IOS/IOS-XE, NX-OS, IOS-XR and EOS: a top-level ` + "`banner login`" + ` or ` + "`banner motd`" + `
with text passes (` + "`banner exec`" + ` is shown only after login and does not
count); a banner whose text is empty fails. Junos: ` + "`system login message`" + `
passes (` + "`announcement`" + ` is shown after login and does not count).
Whether the wording meets local legal requirements is not judged.`,
		Remediation: map[device.Vendor]string{
			device.IOS:   "banner login ^C\nAuthorised access only. Activity is monitored and recorded.\n^C",
			device.NXOS:  "banner motd #Authorised access only. Activity is monitored and recorded.#",
			device.IOSXR: "banner login ^Authorised access only. Activity is monitored and recorded.^",
			device.Junos: `set system login message "Authorised access only. Activity is monitored and recorded."`,
			device.EOS:   "banner login\nAuthorised access only. Activity is monitored and recorded.\nEOF",
		},
		References: []string{refNISG, refCIS},
		Check:      perVendor(m),
	}
}

func ciscoBanner(c *device.Config) []rule.Hit {
	var empty []*device.Node
	for _, b := range c.Find("banner") {
		if b.Word(1) != "login" && b.Word(1) != "motd" {
			continue
		}
		if !bannerEmpty(b) {
			return nil
		}
		empty = append(empty, b)
	}
	if len(empty) > 0 {
		return []rule.Hit{{Message: "the " + strings.Join(empty[0].Words[:2], " ") + " text is empty", Nodes: empty}}
	}
	return []rule.Hit{{Message: "no banner login or banner motd is configured"}}
}

// bannerEmpty says whether a banner holds no text. A banner whose
// delimiter never closed keeps no Body and is taken as present.
func bannerEmpty(b *device.Node) bool {
	if len(b.Body) == 0 {
		return false
	}
	for _, l := range b.Body {
		if t := strings.TrimSpace(l); t != "" && t != "^C" {
			return false
		}
	}
	return true
}

func junosBanner(c *device.Config) []rule.Hit {
	for _, m := range c.Applied("system", "login", "message") {
		if len(m.Active()) > 0 && strings.TrimSpace(m.Active()[0].Word(0)) != "" {
			return nil
		}
	}
	return []rule.Hit{{Message: "no system login message (pre-login banner) is configured", Anchor: junosFirst(c, "system", "login")}}
}

// HARD-013: idle session timeout.

func idleTimeoutRule() rule.Rule {
	m := map[device.Vendor]check{
		device.IOS:   iosIdle,
		device.NXOS:  nxosIdle,
		device.IOSXR: xrIdle,
		device.Junos: junosIdle,
		device.EOS:   eosIdle,
	}
	return rule.Rule{
		ID:        "HARD-013",
		Title:     "Idle management sessions are not closed within 10 minutes",
		Kind:      rule.Hardening,
		Severity:  rule.Medium,
		Platforms: platformsOf(m),
		Doc: `An abandoned privileged session is a free login for whoever reaches the
terminal or hijacks the connection; CISA-EVH asks to limit session
durations and CIS sets 10 minutes.

IOS/IOS-XE: ` + "`exec-timeout M [S]`" + ` on ` + "`line con`" + `, ` + "`line vty`" + ` and ` + "`line aux`" + ` (AUX
with ` + "`no exec`" + ` is skipped) must be at most 10 minutes and not 0 0;
` + "`no exec-timeout`" + ` means never. A missing line is the 10-minute default and
passes.
NX-OS: ` + "`line console`" + ` and ` + "`line vty`" + ` need ` + "`exec-timeout N`" + ` with 1 ≤ N ≤ 10. A
missing line leaves the default, which is no timeout on the releases seen;
that hit is marked unverified.
IOS-XR: ` + "`exec-timeout M S`" + ` on ` + "`line default`" + `, ` + "`line console`" + ` or a ` + "`line template`" + `
must be at most 10 minutes and not 0 0; the default is 10 minutes.
Junos: every ` + "`system login class`" + ` needs ` + "`idle-timeout`" + ` of 1 to 10 minutes,
and a local user in a predefined class (super-user, operator, read-only,
unauthorized, which have no idle timeout) fails.
EOS: ` + "`management ssh`" + ` needs ` + "`idle-timeout`" + ` of 1 to 10 minutes (the default, 0,
never times out; SSH is on by default, so a missing block fails too); an
explicit ` + "`management console`" + ` idle-timeout of 0 or above 10 fails.`,
		Remediation: map[device.Vendor]string{
			device.IOS:   "line con 0\n exec-timeout 10 0\nline aux 0\n exec-timeout 10 0\nline vty 0 15\n exec-timeout 10 0",
			device.NXOS:  "line console\n  exec-timeout 10\nline vty\n  exec-timeout 10",
			device.IOSXR: "line default\n exec-timeout 10 0\nline console\n exec-timeout 10 0",
			device.Junos: "set system login class ADMIN idle-timeout 10",
			device.EOS:   "management ssh\n   idle-timeout 10\nmanagement console\n   idle-timeout 10",
		},
		References: []string{rule.RefEVH, rule.URLEVH, refCIS},
		Check:      perVendor(m),
	}
}

// ciscoExecTimeout judges `exec-timeout M [S]` in seconds: "" when it is
// within limit, otherwise why not.
func ciscoExecTimeout(n *device.Node) string {
	if n.Hit("no", "exec-timeout") {
		return "never times out (no exec-timeout)"
	}
	m, s := atoi(n.Word(1)), atoi(n.Word(2))
	if s < 0 {
		s = 0
	}
	switch secs := m*60 + s; {
	case m < 0:
		return ""
	case secs == 0:
		return "never times out (" + n.Text + ")"
	case secs > 600:
		return fmt.Sprintf("times out after %s (%s)", duration(secs), n.Text)
	}
	return ""
}

// duration prints seconds as minutes (and seconds).
func duration(secs int) string {
	if secs%60 == 0 {
		return fmt.Sprintf("%d minutes", secs/60)
	}
	return fmt.Sprintf("%d minutes %d seconds", secs/60, secs%60)
}

// execTimeout is the line's exec-timeout statement, or nil.
func execTimeout(l *device.Node) *device.Node {
	if t := l.First("exec-timeout"); t != nil {
		return t
	}
	return l.First("no", "exec-timeout")
}

func iosIdle(c *device.Config) []rule.Hit {
	var hits []rule.Hit
	for _, l := range c.Top() {
		if !l.Hit("line", "vty") && !l.Hit("line", "con*") && !l.Hit("line", "aux") {
			continue
		}
		if l.Hit("line", "aux") && l.First("no", "exec") != nil {
			continue
		}
		if t := execTimeout(l); t != nil {
			if why := ciscoExecTimeout(t); why != "" {
				hits = append(hits, rule.Hit{Message: l.Text + " " + why, Nodes: []*device.Node{t}})
			}
		}
	}
	return hits
}

func nxosIdle(c *device.Config) []rule.Hit {
	var hits []rule.Hit
	for _, kind := range []string{"console", "vty"} {
		blocks := ciscoLines(c, kind)
		if len(blocks) == 0 {
			continue
		}
		var t *device.Node
		for _, b := range blocks {
			if t = execTimeout(b); t != nil {
				break
			}
		}
		name := "line " + kind
		switch {
		case t == nil:
			hits = append(hits, rule.Hit{
				Message:    name + " has no exec-timeout; the NX-OS default never times out",
				Anchor:     blocks[0],
				Confidence: unverified,
			})
		case t.Hit("no"):
			hits = append(hits, rule.Hit{Message: name + " never times out (no exec-timeout)", Nodes: []*device.Node{t}})
		case atoi(t.Word(1)) == 0:
			hits = append(hits, rule.Hit{Message: name + " never times out (exec-timeout 0)", Nodes: []*device.Node{t}})
		case atoi(t.Word(1)) > 10:
			hits = append(hits, rule.Hit{Message: fmt.Sprintf("%s times out after %s minutes (%s)", name, t.Word(1), t.Text), Nodes: []*device.Node{t}})
		}
	}
	return hits
}

func xrIdle(c *device.Config) []rule.Hit {
	var hits []rule.Hit
	for _, l := range c.Find("line") {
		if k := l.Word(1); k != "default" && k != "console" && k != "template" {
			continue
		}
		if t := execTimeout(l); t != nil {
			if why := ciscoExecTimeout(t); why != "" {
				hits = append(hits, rule.Hit{Message: l.Text + " " + why, Nodes: []*device.Node{t}})
			}
		}
	}
	return hits
}

// junosPredefinedClasses have no idle timeout and cannot be given one.
var junosPredefinedClasses = []string{"super-user", "operator", "read-only", "unauthorized"}

func junosIdle(c *device.Config) []rule.Hit {
	var hits []rule.Hit
	for _, classes := range c.Applied("system", "login", "class") {
		for _, cl := range classes.Active() {
			it := cl.Path("idle-timeout")
			switch {
			case it == nil:
				hits = append(hits, rule.Hit{Message: "login class " + cl.Word(0) + " has no idle-timeout, so its sessions never time out", Anchor: cl})
			case len(it.Names()) > 0:
				if n := atoi(it.Names()[0]); n == 0 || n > 10 {
					hits = append(hits, rule.Hit{Message: fmt.Sprintf("login class %s has idle-timeout %s minutes", cl.Word(0), it.Names()[0]), Nodes: []*device.Node{it.Children[0]}})
				}
			}
		}
	}
	for _, users := range c.Applied("system", "login", "user") {
		for _, u := range users.Active() {
			cl := u.Path("class")
			if cl == nil || len(cl.Names()) == 0 {
				continue
			}
			if name := cl.Names()[0]; slices.Contains(junosPredefinedClasses, name) {
				hits = append(hits, rule.Hit{
					Message: fmt.Sprintf("login user %s is in the predefined class %s, which has no idle timeout", u.Word(0), name),
					Nodes:   []*device.Node{cl.Children[0]},
				})
			}
		}
	}
	return hits
}

func eosIdle(c *device.Config) []rule.Hit {
	var hits []rule.Hit
	ssh := c.First("management", "ssh")
	switch {
	case ssh == nil:
		hits = append(hits, rule.Hit{Message: "SSH is enabled by default with no management ssh block, so its sessions never time out"})
	case ssh.First("shutdown") != nil && hasNoShutdown(ssh) == nil:
		// SSH is off everywhere.
	default:
		if why := eosIdleWhy(ssh); why != "" {
			h := rule.Hit{Message: "management ssh " + why, Anchor: ssh}
			if it := ssh.First("idle-timeout"); it != nil {
				h.Nodes = []*device.Node{it}
			}
			hits = append(hits, h)
		}
	}
	if con := c.First("management", "console"); con != nil && con.First("idle-timeout") != nil {
		if why := eosIdleWhy(con); why != "" {
			hits = append(hits, rule.Hit{Message: "management console " + why, Nodes: []*device.Node{con.First("idle-timeout")}})
		}
	}
	return hits
}

// eosIdleWhy judges an EOS block's idle-timeout (minutes; 0 or absent is
// never): "" when within 10 minutes, otherwise why not.
func eosIdleWhy(b *device.Node) string {
	it := b.First("idle-timeout")
	if it == nil {
		return "has no idle-timeout; the default of 0 never times out"
	}
	switch n := atoi(it.Word(1)); {
	case n == 0:
		return "never times out (idle-timeout 0)"
	case n > 10:
		return fmt.Sprintf("times out after %d minutes (idle-timeout %d)", n, n)
	}
	return ""
}

// HARD-014: login throttling and logging.

func loginThrottleRule() rule.Rule {
	m := map[device.Vendor]check{
		device.IOS:   iosLoginThrottle,
		device.Junos: junosLoginThrottle,
	}
	return rule.Rule{
		ID:        "HARD-014",
		Title:     "Failed logins are not throttled or logged",
		Kind:      rule.Hardening,
		Severity:  rule.Medium,
		Platforms: platformsOf(m),
		Doc: `Unthrottled logins invite password guessing, and unlogged outcomes hide
both the guessing and the successful login that follows it (NSA-NISG,
CIS).

IOS/IOS-XE: ` + "`login block-for`" + `, ` + "`login on-failure log`" + ` and ` + "`login on-success log`" + `
must each be present; each missing one is a hit. The thresholds are left
to local policy.
Junos: ` + "`system login retry-options tries-before-disconnect`" + ` above 3 fails; the
default is 3, so a missing line passes. Junos logs login outcomes through
syslog, so the rule also fails when no ` + "`system syslog`" + ` file, host or user
destination takes the authorization facility (or any) at info.`,
		Remediation: map[device.Vendor]string{
			device.IOS:   "login block-for 900 attempts 3 within 120\nlogin on-failure log\nlogin on-success log",
			device.Junos: "set system login retry-options tries-before-disconnect 3\nset system syslog file messages authorization info",
		},
		References: []string{refNISG, refCIS},
		ATTACK:     []string{attackBruteForce},
		Check:      perVendor(m),
	}
}

func iosLoginThrottle(c *device.Config) []rule.Hit {
	var hits []rule.Hit
	for _, want := range [][]string{{"login", "block-for"}, {"login", "on-failure", "log"}, {"login", "on-success", "log"}} {
		if c.First(want...) == nil {
			hits = append(hits, rule.Hit{Message: "no " + strings.Join(want, " ") + " line"})
		}
	}
	return hits
}

func junosLoginThrottle(c *device.Config) []rule.Hit {
	var hits []rule.Hit
	if t := junosFirst(c, "system", "login", "retry-options", "tries-before-disconnect"); t != nil && len(t.Children) > 0 {
		if n := atoi(t.Children[0].Word(0)); n > 3 {
			hits = append(hits, rule.Hit{Message: fmt.Sprintf("a login connection allows %d password tries (more than 3)", n), Nodes: []*device.Node{t.Children[0]}})
		}
	}
	logged := false
	for _, sl := range c.Applied("system", "syslog") {
		for _, kind := range []string{"file", "host", "user"} {
			dests := sl.Path(kind)
			if dests == nil {
				continue
			}
			for _, d := range dests.Active() {
				for _, fac := range []string{"authorization", "any"} {
					if f := d.Path(fac); f != nil && containsAny(f.Names(), "info", "any") {
						logged = true
					}
				}
			}
		}
	}
	if !logged {
		hits = append(hits, rule.Hit{
			Message: "no syslog destination takes authorization events at info, so login failures and successes are not recorded",
			Anchor:  junosFirst(c, "system", "syslog"),
		})
	}
	return hits
}

// containsAny says whether any of want is in words.
func containsAny(words []string, want ...string) bool {
	for _, w := range want {
		if slices.Contains(words, w) {
			return true
		}
	}
	return false
}

// HARD-015: AUX port.

func auxRule() rule.Rule {
	m := map[device.Vendor]check{device.IOS: iosAux}
	return rule.Rule{
		ID:        "HARD-015",
		Title:     "AUX port accepts sessions",
		Kind:      rule.Hardening,
		Severity:  rule.Low,
		Platforms: platformsOf(m),
		Doc: `An AUX port with a modem or console server behind it is a way in that
bypasses every network control (CIS).

IOS/IOS-XE: ` + "`line aux 0`" + ` needs ` + "`no exec`" + `, and any ` + "`transport input`" + ` other than
none fails (reverse telnet to the port). A configuration without ` + "`line aux`" + `
is a platform without one and passes. Whether a modem is attached is not
knowable from the configuration.`,
		Remediation: map[device.Vendor]string{device.IOS: "line aux 0\n no exec\n transport input none\n transport output none"},
		References:  []string{refCIS},
		Check:       perVendor(m),
	}
}

func iosAux(c *device.Config) []rule.Hit {
	var hits []rule.Hit
	for _, l := range ciscoLines(c, "aux") {
		if l.First("no", "exec") == nil {
			hits = append(hits, rule.Hit{Message: l.Text + " allows an exec session (no \"no exec\")", Anchor: l})
		}
		if t := l.First("transport", "input"); t != nil && (len(t.Words) != 3 || t.Word(2) != "none") {
			hits = append(hits, rule.Hit{Message: fmt.Sprintf("%s accepts %s connections", l.Text, strings.Join(t.Words[2:], " ")), Nodes: []*device.Node{t}})
		}
	}
	return hits
}

// HARD-016: TCP keepalives.

func tcpKeepalivesRule() rule.Rule {
	m := map[device.Vendor]check{device.IOS: iosKeepalives}
	return rule.Rule{
		ID:        "HARD-016",
		Title:     "TCP keepalives are off, so orphaned sessions linger",
		Kind:      rule.Hardening,
		Severity:  rule.Low,
		Platforms: platformsOf(m),
		Doc: `Without keepalives a management session whose peer vanished stays open,
holding a VTY and leaving a session to hijack (NSA-NISG, CIS).

IOS/IOS-XE: ` + "`service tcp-keepalives-in`" + ` and ` + "`service tcp-keepalives-out`" + ` must
both be present; both are off by default, and each missing one is a hit.`,
		Remediation: map[device.Vendor]string{device.IOS: "service tcp-keepalives-in\nservice tcp-keepalives-out"},
		References:  []string{refNISG, refCIS},
		Check:       perVendor(m),
	}
}

func iosKeepalives(c *device.Config) []rule.Hit {
	var hits []rule.Hit
	for _, s := range []string{"tcp-keepalives-in", "tcp-keepalives-out"} {
		if c.First("service", s) == nil {
			hits = append(hits, rule.Hit{Message: "no service " + s + " line"})
		}
	}
	return hits
}

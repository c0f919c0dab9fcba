package cred

import (
	"fmt"
	"slices"
	"strings"

	"github.com/seawall/seawall/internal/audit/device"
	"github.com/seawall/seawall/internal/audit/rule"
)

func hard017() rule.Rule {
	return rule.Rule{
		ID:        "HARD-017",
		Title:     "Enable secret uses type 8 (PBKDF2-SHA256) or type 9 (scrypt)",
		Kind:      rule.Hardening,
		Severity:  rule.Critical,
		Platforms: rule.Platforms(device.IOS),
		Doc: "The enable secret guards privileged EXEC. Type 5 (md5-crypt) and type 4 are cracked " +
			"offline from a stolen configuration, and `enable password` (type 0 or 7) is read or " +
			"reversed outright; Salt Typhoon cracked exactly these from configurations it took. " +
			"Every `enable secret` and `enable password` line is checked, including per-level ones; " +
			"a device with no enable line at all (AAA enable authentication) is not flagged.",
		Remediation: map[device.Vendor]string{
			device.IOS: "enable algorithm-type scrypt secret <password>\nno enable password",
		},
		References: []string{rule.RefEVH, refCISCO, refNSAPWD, rule.RefTalos, rule.URLEVH, rule.URLTalos},
		ATTACK:     []string{"T1110.002", "T1078"},
		Check:      checkEnable,
	}
}

// checkEnable flags every enable line whose credential is not a strong hash.
func checkEnable(d *rule.Device) []rule.Hit {
	var hits []rule.Hit
	for _, n := range d.Config.Find("enable") {
		key := n.Word(1)
		if key != "secret" && key != "password" {
			continue
		}
		s, ok := secretAfter(n, key)
		if !ok || s.strongHash(d.Config.Vendor) {
			continue
		}
		msg := "enable secret uses " + s.kind(d.Config.Vendor) + "; use type 8 or type 9"
		if key == "password" {
			msg = "enable password is stored as " + s.kind(d.Config.Vendor) + "; remove it and use enable secret type 8 or type 9"
		}
		hits = append(hits, rule.Hit{Message: msg, Nodes: []*device.Node{n}})
	}
	return hits
}

func hard018() rule.Rule {
	return rule.Rule{
		ID:        "HARD-018",
		Title:     "Local users have type 8 or type 9 secrets",
		Kind:      rule.Hardening,
		Severity:  rule.Critical,
		Platforms: rule.Platforms(device.IOS),
		Doc: "Local accounts are the break-glass path into the device; a type 0 or 7 password is " +
			"readable from any copy of the configuration and a type 5 secret is cracked offline. " +
			"Each `username` line's password or secret must be type 8 or 9; `nopassword` is flagged too.",
		Remediation: map[device.Vendor]string{
			device.IOS: "username <user> privilege 15 algorithm-type scrypt secret <password>",
		},
		References: []string{rule.RefEVH, refNSAPWD, rule.RefTalos, rule.URLEVH, rule.URLTalos},
		ATTACK:     []string{"T1110.002", "T1078.003"},
		Check:      func(d *rule.Device) []rule.Hit { return weakAccounts(d) },
	}
}

// weakAccounts flags local users whose credential is not a strong hash, or
// who have none.
func weakAccounts(d *rule.Device) []rule.Hit {
	v := d.Config.Vendor
	var hits []rule.Hit
	for _, a := range accounts(d.Config) {
		if a.nopassword != nil {
			hits = append(hits, rule.Hit{Message: fmt.Sprintf("local user %s has no password (nopassword)", a.name), Nodes: []*device.Node{a.nopassword}})
		}
		for _, c := range a.creds {
			if c.s.strongHash(v) {
				continue
			}
			hits = append(hits, rule.Hit{Message: fmt.Sprintf("local user %s %s uses %s; %s", a.name, c.key, c.s.kind(v), strongAdvice(v)), Nodes: []*device.Node{c.node}})
		}
	}
	return hits
}

// strongAdvice names the hash a platform should store.
func strongAdvice(v device.Vendor) string {
	switch v {
	case device.NXOS:
		return "use a type 5 ($5$ sha256-crypt) or stronger hash"
	case device.IOSXR:
		return "use secret 10 (sha512-crypt) or type 8/9"
	case device.Junos, device.EOS:
		return "use a $6$ sha512-crypt hash"
	}
	return "use type 8 or type 9"
}

func hard019() rule.Rule {
	return rule.Rule{
		ID:        "HARD-019",
		Title:     "No type 0 or type 7 passwords anywhere (lines, PPP, keys)",
		Kind:      rule.Hardening,
		Severity:  rule.High,
		Platforms: rule.Platforms(device.IOS),
		Doc: "Type 7 is a fixed-key XOR that any tool reverses, and type 0 is cleartext; both put " +
			"working credentials in every backup and configuration archive an intruder reaches. " +
			"This rule looks at line passwords, PPP, routing-protocol and key-chain keys and other " +
			"`password` lines. Enable and username lines are HARD-017 and HARD-018, AAA keys HARD-020 " +
			"and SNMP communities HARD-027. Line login should go through AAA instead of a line password.",
		Remediation: map[device.Vendor]string{
			device.IOS: "password encryption aes\n" +
				"line vty 0 15\n no password\n login authentication default\n" +
				"! re-enter other keys so they are stored as type 6, e.g.\n" +
				"key chain <name>\n key 1\n  key-string <key>",
		},
		References: []string{refNSAPWD, rule.RefTalos, rule.URLTalos},
		ATTACK:     []string{"T1552.001"},
		Check:      checkOtherPasswords,
	}
}

// otherCreds are the passwords and keys outside enable, username, AAA and
// SNMP statements: line passwords, PPP, routing and key-chain keys.
func otherCreds(c *device.Config) []credLine {
	var out []credLine
	c.Root.Walk(func(n *device.Node) bool {
		if n.Parent == &c.Root && (n.Hit("enable") || n.Hit("username") || n.Hit("snmp-server") || n.Hit("aaa") ||
			n.Hit("tacacs-server") || n.Hit("radius-server") || n.Hit("tacacs") || n.Hit("radius") || n.Hit("no")) {
			return false
		}
		w := n.Words
		for i := 0; i < len(w); i++ {
			var s stored
			var ok bool
			switch {
			case w[i] == "authentication-key" && n.Hit("ntp", "authentication-key"):
				// ntp authentication-key <n> md5 <value> [<type>]
				if i+3 < len(w) {
					s, ok = stored{val: w[i+3], typ: "0"}, true
					if i+4 < len(w) {
						s.typ = w[i+4]
					}
				}
				i = len(w)
			case w[i] == "md5" && i >= 2 && w[i-2] == "message-digest-key",
				w[i] == "password", w[i] == "key-string", w[i] == "authentication-key":
				var end int
				s, end, ok = secretAt(w, i)
				i = end
				// `password encryption aes`, `mpls ldp password required`:
				// syntax, not a password.
				ok = ok && !slices.Contains(syntaxWords, s.val) && !slices.Contains(secretWords, s.val)
			}
			if ok {
				out = append(out, credLine{node: n, key: "password", s: s})
			}
		}
		return true
	})
	return out
}

// secretWords are the keywords a credential follows in Cisco-style lines;
// syntaxWords follow one as syntax, not as a credential (`key chain`,
// `password encryption aes`, `mpls ldp password required`).
var (
	secretWords = []string{"password", "secret", "key", "server-key", "community", "key-string", "authentication-key", "md5"}
	syntaxWords = []string{"chain", "encryption", "config-key", "required", "option", "fallback", "rollover"}
)

// where describes a node's place for a message: its block's first line,
// or, at the top level, the words before the credential.
func where(v device.Vendor, n *device.Node) string {
	top := n
	for top.Parent != nil && top.Parent.Parent != nil {
		top = top.Parent
	}
	if top != n {
		return device.Redact(v, top.Text)
	}
	var words []string
	for _, w := range n.Words {
		if w == "password" || w == "key-string" || w == "authentication-key" || w == "md5" {
			break
		}
		words = append(words, w)
	}
	return strings.Join(words, " ")
}

func checkOtherPasswords(d *rule.Device) []rule.Hit {
	v := d.Config.Vendor
	var hits []rule.Hit
	for _, c := range otherCreds(d.Config) {
		if !c.s.cleartext() && c.s.typ != "7" {
			continue
		}
		hits = append(hits, rule.Hit{Message: fmt.Sprintf("%s: password or key stored as %s", where(v, c.node), c.s.kind(v)), Nodes: []*device.Node{c.node}})
	}
	return hits
}

func hard020() rule.Rule {
	return rule.Rule{
		ID:        "HARD-020",
		Title:     "TACACS+ and RADIUS shared keys are stored as type 6 (AES)",
		Kind:      rule.Hardening,
		Severity:  rule.High,
		Platforms: rule.Platforms(device.IOS),
		Doc: "A TACACS+ or RADIUS key in type 0 or 7 lets whoever holds the configuration decrypt " +
			"AAA traffic and impersonate the server or the device. Checked: `tacacs-server` and " +
			"`radius-server` key and host lines, `tacacs server` and `radius server` blocks, " +
			"`server-private` in AAA server groups and dynamic-author `client ... server-key`. " +
			"The master key (`key config-key password-encrypt`) is never shown in the running " +
			"configuration, so whether it is set needs device state and is not checked.",
		Remediation: map[device.Vendor]string{
			device.IOS: "key config-key password-encrypt <master-key>\npassword encryption aes\n" +
				"tacacs server <name>\n key <key>\nno tacacs-server key\n! re-enter every server key so it is stored as type 6",
		},
		References: []string{rule.RefEVH, rule.URLEVH},
		ATTACK:     []string{"T1552.001", "T1557"},
		Check:      checkAAAKeys,
	}
}

// aaaKey is one AAA shared key and what it belongs to.
type aaaKey struct {
	what string
	credLine
}

// aaaKeys lists the TACACS+/RADIUS shared keys of an IOS configuration.
func aaaKeys(c *device.Config) []aaaKey {
	var out []aaaKey
	add := func(what, key string, n *device.Node) {
		if s, ok := secretAfter(n, key); ok {
			out = append(out, aaaKey{what: what, credLine: credLine{node: n, key: key, s: s}})
		}
	}
	for _, n := range c.Top() {
		switch {
		case n.Hit("tacacs-server"):
			add("TACACS+ key", "key", n)
		case n.Hit("radius-server"):
			add("RADIUS key", "key", n)
		case n.Hit("tacacs", "server"), n.Hit("radius", "server"):
			what := "TACACS+ key"
			if n.Hit("radius") {
				what = "RADIUS key"
			}
			for _, ch := range n.Children {
				if ch.Hit("key") || ch.Hit("pac", "key") {
					add(what, "key", ch)
				}
			}
		case n.Hit("aaa", "group", "server"):
			what := "TACACS+ server-private key"
			if n.Hit("aaa", "group", "server", "radius") {
				what = "RADIUS server-private key"
			}
			for _, ch := range n.Find("server-private") {
				add(what, "key", ch)
			}
		case n.Hit("aaa", "server", "radius", "dynamic-author"):
			for _, ch := range n.Children {
				if ch.Hit("client") || ch.Hit("server-key") {
					add("RADIUS dynamic-author server-key", "server-key", ch)
				}
			}
		}
	}
	return out
}

func checkAAAKeys(d *rule.Device) []rule.Hit {
	v := d.Config.Vendor
	aes := d.Config.First("password", "encryption", "aes") != nil
	var hits []rule.Hit
	for _, k := range aaaKeys(d.Config) {
		if k.s.typ == "6" {
			continue
		}
		msg := fmt.Sprintf("%s is stored as %s; store it as type 6", k.what, k.s.kind(v))
		if !aes {
			msg += " (password encryption aes is not configured)"
		}
		hits = append(hits, rule.Hit{Message: msg, Nodes: []*device.Node{k.node}})
	}
	return hits
}

func hard021() rule.Rule {
	return rule.Rule{
		ID:        "HARD-021",
		Title:     "Local passwords use each platform's strong hash",
		Kind:      rule.Hardening,
		Severity:  rule.High,
		Platforms: rule.Platforms(device.NXOS, device.IOSXR, device.Junos, device.EOS),
		Doc: "Hash types differ by platform, so the same digit means different things: NX-OS " +
			"type 5 is SHA-256-crypt ($5$) and passes, while IOS XR type 5 and any $1$ value is " +
			"md5-crypt and fails. Passing: NX-OS $5$ (or type 8), XR `secret 10` ($6$) or type 8/9, " +
			"Junos and EOS $6$ sha512-crypt. Failing: cleartext, type 7, md5-crypt, EOS " +
			"`nopassword`, Junos $9$ (reversible). Checked: local users, the Junos root " +
			"account, EOS `aaa root` and NX-OS/EOS enable secrets.",
		Remediation: map[device.Vendor]string{
			device.NXOS:  "username <user> password <password> role <role>\n! NX-OS stores it as type 5 ($5$ sha256-crypt)",
			device.IOSXR: "username <user>\n secret 10 <password>\n! or: secret 0 <password> on releases that hash it as type 10",
			device.Junos: "set system login password format sha512\nset system login user <user> authentication plain-text-password\nset system root-authentication plain-text-password",
			device.EOS:   "username <user> secret sha512 <password>\nenable password sha512 <password>",
		},
		References: []string{rule.RefEVH, rule.URLEVH},
		ATTACK:     []string{"T1110.002", "T1078.003"},
		Check:      checkPlatformHashes,
	}
}

func checkPlatformHashes(d *rule.Device) []rule.Hit {
	c := d.Config
	v := c.Vendor
	hits := weakAccounts(d)
	weak := func(what string, cl credLine) {
		if !cl.s.strongHash(v) {
			hits = append(hits, rule.Hit{Message: fmt.Sprintf("%s uses %s; %s", what, cl.s.kind(v), strongAdvice(v)), Nodes: []*device.Node{cl.node}})
		}
	}
	switch v {
	case device.Junos:
		for _, cl := range junosPasswords(c.Path("system", "root-authentication")) {
			weak("root password", cl)
		}
	case device.NXOS, device.EOS:
		for _, n := range c.Find("enable") {
			for _, key := range []string{"secret", "password"} {
				if n.Word(1) != key {
					continue
				}
				if s, ok := secretAfter(n, key); ok {
					weak("enable "+key, credLine{node: n, key: key, s: s})
				}
			}
		}
		for _, n := range c.Find("aaa", "root") {
			if n.Has("nopassword") {
				hits = append(hits, rule.Hit{Message: "root account has no password (aaa root nopassword)", Nodes: []*device.Node{n}})
			} else if s, ok := secretAfter(n, "secret"); ok {
				weak("root account secret", credLine{node: n, key: "secret", s: s})
			}
		}
	}
	return hits
}

func hard022() rule.Rule {
	return rule.Rule{
		ID:        "HARD-022",
		Title:     "No default credentials",
		Kind:      rule.Hardening,
		Severity:  rule.Critical,
		Platforms: all,
		Doc: "Default and habitual passwords (cisco, admin, class, ...) are the first thing tried " +
			"against an exposed device; AA25-239A reports default cisco/cisco credentials in use. " +
			"A password is compared with a short list of defaults when the configuration shows it in " +
			"cleartext, as type 7 (which is reversible) or as md5-crypt ($1$, tested by hashing the " +
			"defaults with its salt); the comparison stays inside seawall and only the fact of a match " +
			"is reported. Also flagged: a Junos configuration with no root-authentication (the " +
			"factory state, root without a password) and the EOS factory `admin` account with " +
			"`nopassword`. Needs device state, not checked: a login test with vendor defaults, and " +
			"defaults hidden behind type 8/9, sha256-crypt or sha512-crypt hashes.",
		Remediation: map[device.Vendor]string{
			device.IOS:   "username <user> privilege 15 algorithm-type scrypt secret <unique password>\nenable algorithm-type scrypt secret <unique password>",
			device.NXOS:  "username <user> password <unique password> role network-admin",
			device.IOSXR: "username <user>\n secret 10 <unique password>",
			device.Junos: "set system root-authentication plain-text-password\nset system login user <user> authentication plain-text-password",
			device.EOS:   "username admin secret sha512 <unique password>\n! or remove it: no username admin",
		},
		References: []string{rule.RefEVH, rule.RefAA25, rule.URLEVH, rule.URLAA25},
		ATTACK:     []string{"T1078.001"},
		Check:      checkDefaults,
	}
}

func checkDefaults(d *rule.Device) []rule.Hit {
	c := d.Config
	v := c.Vendor
	var hits []rule.Hit
	match := func(what string, cl credLine) {
		if cl.s.isDefault() {
			hits = append(hits, rule.Hit{Message: fmt.Sprintf("%s is a well-known default password (stored as %s)", what, cl.s.kind(v)), Nodes: []*device.Node{cl.node}})
		}
	}
	for _, a := range accounts(c) {
		for _, cl := range a.creds {
			match("local user "+a.name+" "+cl.key, cl)
		}
		if v == device.EOS && a.name == "admin" && a.nopassword != nil {
			hits = append(hits, rule.Hit{Message: "factory account admin has no password (nopassword)", Nodes: []*device.Node{a.nopassword}})
		}
	}
	switch v {
	case device.Junos:
		root := c.Path("system", "root-authentication")
		if root == nil || len(root.Active()) == 0 {
			hits = append(hits, rule.Hit{Message: "no root password: system root-authentication is not configured", Anchor: c.Path("system")})
		}
		for _, cl := range junosPasswords(root) {
			match("root password", cl)
		}
	case device.IOS, device.NXOS, device.EOS:
		for _, n := range c.Find("enable") {
			if key := n.Word(1); key == "secret" || key == "password" {
				if s, ok := secretAfter(n, key); ok {
					match("enable "+key, credLine{node: n, key: key, s: s})
				}
			}
		}
		if v == device.IOS {
			for _, cl := range otherCreds(c) {
				match(where(v, cl.node)+" password", cl)
			}
		}
	}
	return hits
}

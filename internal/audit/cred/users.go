package cred

import (
	"fmt"
	"slices"
	"strings"

	"github.com/seawall/seawall/internal/audit/device"
	"github.com/seawall/seawall/internal/audit/rule"
)

// account is one local user as the configuration defines it, gathered from
// however many lines the platform spreads it over.
type account struct {
	name string
	node *device.Node // the first line naming the user (Junos: the user's node)
	// admin says the account holds full privileges: IOS/EOS privilege 15,
	// NX-OS and EOS network-admin, XR root-lr/root-system, Junos super-user.
	admin     bool
	adminNode *device.Node
	creds     []credLine
	// nopassword is the line that says the account needs no password.
	nopassword *device.Node
}

// credLine is one stored credential and the line (or Junos node) holding it.
type credLine struct {
	node *device.Node
	key  string // the keyword before it: password, secret, key, ...
	s    stored
}

// adminRoles are the role and group names that give a local user the whole
// device.
var adminRoles = []string{"network-admin", "vdc-admin", "root-lr", "root-system", "super-user"}

// accounts lists the configuration's local users in file order.
func accounts(c *device.Config) []*account {
	if c.Vendor == device.Junos {
		return junosAccounts(c)
	}
	var out []*account
	byName := map[string]*account{}
	for _, n := range c.Find("username") {
		name := n.Word(1)
		if name == "" {
			continue
		}
		a := byName[name]
		if a == nil {
			a = &account{name: name, node: n}
			byName[name] = a
			out = append(out, a)
		}
		lines := append([]*device.Node{n}, n.Children...) // XR keeps the settings in a block
		for _, l := range lines {
			words := l.Words
			start := 0
			if l == n {
				start = 2
			}
			for i := start; i < len(words); i++ {
				switch words[i] {
				case "privilege":
					if i+1 < len(words) && words[i+1] == "15" {
						a.admin, a.adminNode = true, l
					}
				case "role", "group":
					if i+1 < len(words) && slices.Contains(adminRoles, words[i+1]) {
						a.admin, a.adminNode = true, l
					}
				case "nopassword":
					a.nopassword = l
				case "secret", "password":
					if s, end, ok := secretAt(words, i); ok {
						a.creds = append(a.creds, credLine{node: l, key: words[i], s: s})
						i = end // a value could read like a keyword
					}
				}
			}
		}
	}
	return out
}

// junosAccounts reads `system login user <name>` and the root account.
func junosAccounts(c *device.Config) []*account {
	users := c.Path("system", "login", "user")
	if users == nil {
		return nil
	}
	var out []*account
	for _, u := range users.Active() {
		a := &account{name: u.Words[0], node: u}
		if cl := u.Path("class"); cl != nil {
			for _, k := range cl.Active() {
				if k.Words[0] == "super-user" {
					a.admin, a.adminNode = true, k
				}
			}
		}
		a.creds = junosPasswords(u.Path("authentication"))
		out = append(out, a)
	}
	return out
}

// junosPasswords reads the encrypted-password under an authentication
// (or root-authentication) node; Junos keeps only hashes there.
func junosPasswords(auth *device.Node) []credLine {
	if auth == nil {
		return nil
	}
	p := auth.Path("encrypted-password")
	if p == nil {
		return nil
	}
	var out []credLine
	for _, h := range p.Active() {
		out = append(out, credLine{node: h, key: "encrypted-password", s: stored{val: h.Words[0]}})
	}
	return out
}

// genericNames are account names that say nothing about who holds them,
// and are the first names a password-spraying list tries.
var genericNames = []string{
	"admin", "administrator", "cisco", "support", "root", "user", "guest", "test",
	"operator", "manager", "default", "service", "tech", "juniper", "arista", "netadmin",
}

// maxAdmins is the number of full-privilege local accounts a device may
// keep: one or two break-glass accounts (CISA-EVH).
const maxAdmins = 2

func hard025() rule.Rule {
	return rule.Rule{
		ID:        "HARD-025",
		Title:     "Local accounts are few and for emergencies only",
		Kind:      rule.Hardening,
		Severity:  rule.High,
		Platforms: all,
		Doc: "Local accounts bypass central AAA and its logging, so there should be one or two " +
			"break-glass accounts and no more. When the inventory lists approved local users " +
			"(fleet-wide or for this device), every other local user is flagged. Without that " +
			"list, local users with generic names (admin, cisco, support, ...) are flagged, and " +
			"so are more than two full-privilege local users (IOS/EOS privilege 15, NX-OS and EOS " +
			"network-admin, XR root-lr/root-system, Junos super-user). Whether the accounts are " +
			"rotated after use needs records outside the configuration and is not checked.",
		Remediation: map[device.Vendor]string{
			device.IOS:   "no username <user>\n! keep one or two break-glass users, named for their purpose, and list them in inventory.local_users",
			device.NXOS:  "no username <user>",
			device.IOSXR: "no username <user>",
			device.Junos: "delete system login user <user>",
			device.EOS:   "no username <user>",
		},
		References: []string{rule.RefEVH, rule.URLEVH},
		ATTACK:     []string{"T1078.003", "T1136.001"},
		Check:      checkLocalAccounts,
	}
}

func checkLocalAccounts(d *rule.Device) []rule.Hit {
	accts := accounts(d.Config)
	inv := d.Inventory
	given := len(inv.LocalUsers) > 0
	if dev := inv.Device(d.Name); dev != nil && len(dev.LocalUsers) > 0 {
		given = true
	}
	var hits []rule.Hit
	if given {
		for _, a := range accts {
			if !inv.ApprovedUser(d.Name, a.name) {
				hits = append(hits, rule.Hit{Message: fmt.Sprintf("local user %s is not an approved local user in the inventory", a.name), Nodes: []*device.Node{a.node}})
			}
		}
		return hits
	}
	var admins []*device.Node
	for _, a := range accts {
		if slices.Contains(genericNames, strings.ToLower(a.name)) {
			hits = append(hits, rule.Hit{Message: fmt.Sprintf("local user %s has a generic name; name break-glass accounts for their purpose", a.name), Nodes: []*device.Node{a.node}})
		}
		if a.admin {
			admins = append(admins, a.adminNode)
		}
	}
	if len(admins) > maxAdmins {
		hits = append(hits, rule.Hit{Message: fmt.Sprintf("%d local users have full privileges; keep at most %d break-glass accounts", len(admins), maxAdmins), Nodes: admins})
	}
	return hits
}

func hard026() rule.Rule {
	return rule.Rule{
		ID:        "HARD-026",
		Title:     "Privileged shell groups are held by few users",
		Kind:      rule.Hardening,
		Severity:  rule.High,
		Platforms: rule.Platforms(device.IOSXR, device.NXOS),
		Doc: "On IOS XR and NX-OS the underlying Linux shell is one command away for users in the " +
			"root groups, and AA25-239A reports the actors using it to hide tools and tunnels. " +
			"Flagged: more than two local users in root-lr, root-system or cisco-support (XR) or " +
			"with the network-admin role (NX-OS), NX-OS `feature bash-shell`, and NX-OS users whose " +
			"shelltype is bash. Group membership granted by the AAA server needs the server's " +
			"records and is not checked.",
		Remediation: map[device.Vendor]string{
			device.IOSXR: "username <user>\n no group root-lr\n group operator",
			device.NXOS:  "no feature bash-shell\nno username <user> shelltype bash\nusername <user> role network-operator",
		},
		References: []string{rule.RefAA25, refNXHG, rule.URLAA25},
		ATTACK:     []string{"T1059.004", "T1078.003"},
		Check:      checkShellGroups,
	}
}

// rootGroups are the IOS XR groups that reach the Linux shell.
var rootGroups = []string{"root-lr", "root-system", "cisco-support"}

func checkShellGroups(d *rule.Device) []rule.Hit {
	c := d.Config
	var hits []rule.Hit
	var holders []*device.Node
	for _, u := range c.Find("username") {
		for _, l := range append([]*device.Node{u}, u.Children...) {
			held := false
			for i := 0; i+1 < len(l.Words); i++ {
				switch {
				case c.Vendor == device.IOSXR && l.Words[i] == "group" && slices.Contains(rootGroups, l.Words[i+1]):
					held = true
				case c.Vendor == device.NXOS && l.Words[i] == "role" && l.Words[i+1] == "network-admin":
					held = true
				case c.Vendor == device.NXOS && l.Words[i] == "shelltype" && l.Words[i+1] == "bash":
					hits = append(hits, rule.Hit{Message: fmt.Sprintf("local user %s logs in to the bash shell", u.Word(1)), Nodes: []*device.Node{l}})
				}
			}
			if held {
				holders = append(holders, l)
			}
		}
	}
	if users := distinctUsers(holders); users > maxAdmins {
		what := "root-lr, root-system or cisco-support"
		if c.Vendor == device.NXOS {
			what = "the network-admin role"
		}
		hits = append(hits, rule.Hit{Message: fmt.Sprintf("%d local users hold %s; keep at most %d", users, what, maxAdmins), Nodes: holders})
	}
	if c.Vendor == device.NXOS {
		if n := c.First("feature", "bash-shell"); n != nil {
			hits = append(hits, rule.Hit{Message: "feature bash-shell gives privileged users the Linux shell", Nodes: []*device.Node{n}})
		}
	}
	return hits
}

// distinctUsers counts the users named by lines under or on username lines.
func distinctUsers(lines []*device.Node) int {
	seen := map[string]bool{}
	for _, l := range lines {
		u := l
		if !u.Hit("username") && u.Parent != nil {
			u = u.Parent
		}
		seen[u.Word(1)] = true
	}
	return len(seen)
}

package harden

import (
	"fmt"
	"strings"

	"github.com/seawall/seawall/internal/audit/device"
	"github.com/seawall/seawall/internal/audit/rule"
)

func hard047() rule.Rule {
	return rule.Rule{
		ID: "HARD-047", Title: "Authenticated NTP from at least two sources", Kind: rule.Hardening, Severity: rule.Medium,
		Platforms: rule.Platforms(device.IOS, device.NXOS, device.IOSXR, device.Junos),
		Doc: "Forged time breaks log correlation and certificate checks; one unauthenticated source is easy to " +
			"spoof. Reported: no NTP server; servers without a usable `key` (the key must be defined with " +
			"`authentication-key` and listed as `trusted-key`, or the source must use NTS on Junos); no " +
			"`ntp authenticate` (Junos: no " +
			"`trusted-key`); fewer than two servers. Keyword order varies on NX-OS, so words are matched, not lines. " +
			"Whether the keys match the servers' needs `show ntp associations` and is not checked.",
		Remediation: map[device.Vendor]string{
			device.IOS:   "ntp authentication-key 1 hmac-sha2-256 <key>\nntp authenticate\nntp trusted-key 1\nntp server <ip-1> key 1\nntp server <ip-2> key 1",
			device.NXOS:  "ntp authentication-key 1 md5 <key> 7\nntp authenticate\nntp trusted-key 1\nntp server <ip-1> use-vrf management key 1\nntp server <ip-2> use-vrf management key 1",
			device.IOSXR: "ntp\n authentication-key 1 md5 encrypted <key>\n authenticate\n trusted-key 1\n server <ip-1> key 1\n server <ip-2> key 1",
			device.Junos: "set system ntp authentication-key 1 type sha256 value <key>\nset system ntp trusted-key 1\nset system ntp server <ip-1> key 1\nset system ntp server <ip-2> key 1",
		},
		References: []string{rule.RefEVH, rule.URLEVH, refNISG},
		ATTACK:     []string{"T1070.006"},
		Check:      checkNTPAuth,
	}
}

// ntpSetup is a device's NTP configuration as the rule sees it.
type ntpSetup struct {
	servers       []*device.Node // server (and peer) statements
	keyed         func(*device.Node) bool
	authenticated bool
	anchor        *device.Node // the block missing lines belong in
	authWord      string       // the missing global line, for messages
}

func ntpOf(c *device.Config) ntpSetup {
	s := ntpSetup{keyed: func(n *device.Node) bool { return n.Has("key") }, authWord: "ntp authenticate"}
	switch c.Vendor {
	case device.IOS, device.NXOS:
		trusted := map[string]bool{}
		for _, n := range c.Top() {
			switch {
			case n.Hit("ntp", "server"), n.Hit("ntp", "peer"):
				s.servers = append(s.servers, n)
			case n.Hit("ntp", "authenticate"):
				s.authenticated = true
			case n.Hit("ntp", "trusted-key"):
				// `ntp trusted-key 1` or a range `ntp trusted-key 1 - 3`.
				trusted[n.Word(2)] = true
				if n.Word(3) == "-" {
					trusted["range"] = true
				}
			}
		}
		s.keyed = func(n *device.Node) bool {
			k := n.After("key")
			// An untrusted key is not used; a range is accepted as trusted.
			return k != "" && (trusted[k] || trusted["range"] || len(trusted) == 0 && !s.authenticated)
		}
	case device.IOSXR:
		for _, ntp := range c.Find("ntp") {
			if len(ntp.Words) != 1 {
				continue
			}
			s.anchor = ntp
			s.authWord = "authenticate"
			for _, n := range ntp.Children {
				switch {
				case n.Hit("server"), n.Hit("peer"):
					s.servers = append(s.servers, n)
				case n.Hit("authenticate"):
					s.authenticated = true
				}
			}
		}
	case device.Junos:
		ntp := c.Path("system", "ntp")
		if ntp == nil {
			break
		}
		s.anchor = ntp
		s.authWord = "trusted-key"
		s.authenticated = ntp.Path("trusted-key") != nil
		s.keyed = func(n *device.Node) bool {
			if n.Path("nts") != nil {
				return true // RFC 8915 Network Time Security authenticates the server
			}
			k := n.Path("key")
			if k == nil || len(k.Children) == 0 {
				return false
			}
			id := k.Children[0].Words[0]
			// A key that is not defined, or defined but not trusted, is
			// not used: the time is accepted unauthenticated.
			return ntp.Path("authentication-key", id) != nil && ntp.Path("trusted-key", id) != nil
		}
		for _, kind := range []string{"server", "peer"} {
			for _, k := range ntp.Find(kind) {
				for _, srv := range k.Children {
					if !srv.Inactive {
						s.servers = append(s.servers, srv)
					}
				}
			}
		}
	}
	return s
}

func checkNTPAuth(d *rule.Device) []rule.Hit {
	s := ntpOf(d.Config)
	if len(s.servers) == 0 {
		return []rule.Hit{absent("no NTP server is configured: the clock, and so every log timestamp, drifts or is set by hand", s.anchor)}
	}
	var hits []rule.Hit
	var open []*device.Node
	for _, n := range s.servers {
		if !s.keyed(n) {
			open = append(open, n)
		}
	}
	if len(open) > 0 {
		hits = append(hits, hit(fmt.Sprintf("%d of %d NTP sources have no defined, trusted `key`: their time is accepted unauthenticated", len(open), len(s.servers)), open...))
	}
	if !s.authenticated {
		hits = append(hits, absent("no `"+s.authWord+"`: NTP keys are not enforced", s.anchor))
	}
	if len(s.servers) < 2 {
		hits = append(hits, hit("only one NTP source: a single spoofed or failed server sets the clock", s.servers...))
	}
	return hits
}

func hard048() rule.Rule {
	return rule.Rule{
		ID: "HARD-048", Title: "NTP is not served to untrusted peers", Kind: rule.Hardening, Severity: rule.Low,
		Platforms: rule.Platforms(device.IOS),
		Doc: "A synchronised IOS device answers NTP queries from anyone unless `ntp access-group` limits it, " +
			"which makes it a reflector and lets outsiders probe it. Reported when NTP is configured (`ntp server`, " +
			"`ntp peer` or `ntp master`) without any `ntp access-group`. Whether the ACLs are tight is not judged.",
		Remediation: map[device.Vendor]string{device.IOS: "ip access-list standard NTP-PEERS\n permit <ntp-server>\nip access-list standard NTP-DENY\n deny any\nntp access-group peer NTP-PEERS\nntp access-group serve-only NTP-DENY"},
		References:  []string{refXEHG},
		ATTACK:      []string{"T1498.002"},
		Check: func(d *rule.Device) []rule.Hit {
			var ntp *device.Node
			for _, n := range d.Config.Top() {
				if n.Hit("ntp", "access-group") {
					return nil
				}
				if ntp == nil && (n.Hit("ntp", "server") || n.Hit("ntp", "peer") || n.Hit("ntp", "master")) {
					ntp = n
				}
			}
			if ntp == nil {
				return nil
			}
			return []rule.Hit{hit("NTP is running without `ntp access-group`: the device answers NTP from any address once synchronised", ntp)}
		},
	}
}

func hard037() rule.Rule {
	return rule.Rule{
		ID: "HARD-037", Title: "Directed broadcast, redirects and unreachables are off", Kind: rule.Hardening, Severity: rule.Low,
		Platforms: rule.Platforms(device.IOS),
		Doc: "Directed broadcasts make the device a smurf amplifier; redirects and unreachables tell an outsider " +
			"about the network. Interfaces with `ip directed-broadcast` are reported. Redirects and unreachables " +
			"matter on external interfaces only, which the configuration cannot name, so they are not checked.",
		Remediation: map[device.Vendor]string{device.IOS: "interface <name>\n no ip directed-broadcast\n no ip redirects\n no ip unreachables\n no ipv6 redirects"},
		References:  []string{refNISG, refXEHG},
		Check: func(d *rule.Device) []rule.Hit {
			var hits []rule.Hit
			for _, ifc := range d.Config.Find("interface") {
				for _, n := range ifc.Find("ip", "directed-broadcast") {
					hits = append(hits, hit("directed broadcast is enabled on "+strings.Join(ifc.Words[1:], " "), n))
				}
			}
			return hits
		},
	}
}

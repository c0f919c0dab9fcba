package harden

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/seawall/seawall/internal/audit/device"
	"github.com/seawall/seawall/internal/audit/rule"
)

func hard030() rule.Rule {
	return rule.Rule{
		ID: "HARD-030", Title: "Cisco Smart Install is disabled", Kind: rule.Hardening, Severity: rule.Critical,
		Platforms: rule.Platforms(device.IOS),
		Doc: "Smart Install (vstack, TCP/4786) lets anyone who reaches the port pull or replace a switch's " +
			"configuration and image without credentials; CVE-2018-0171 on it is in KEV and Salt Typhoon used it. " +
			"A `vstack` line is reported as confirmed. On a Catalyst switch running a release before 16.x (or an " +
			"unknown one) without `no vstack`, the client is on by default, so that is reported as unverified. " +
			"Not checked (needs device state): `show vstack config` and whether TCP/4786 listens; on 16.x and later " +
			"a missing `no vstack` is not reported because the default differs by release and platform.",
		Remediation: map[device.Vendor]string{device.IOS: "no vstack"},
		References:  []string{rule.RefEVH, rule.URLEVH, "CISA-CISCO24", rule.RefTalos, rule.URLTalos, "NSA-SMI", "CISCO-SA-SMI", "https://www.cisco.com/c/en/us/support/docs/csa/cisco-sa-20180328-smi2.html"},
		ATTACK:      []string{"T1190"},
		Check:       checkSmartInstall,
	}
}

func checkSmartInstall(d *rule.Device) []rule.Hit {
	c := d.Config
	var hits []rule.Hit
	disabled := false
	for _, n := range c.Top() {
		switch {
		case n.Hit("vstack"):
			hits = append(hits, hit("Smart Install is enabled (`"+n.Text+"`): TCP/4786 accepts unauthenticated configuration and image changes", n))
		case n.Hit("no", "vstack"):
			disabled = true
		}
	}
	if len(hits) > 0 || disabled {
		return hits
	}
	v := d.Software.Version
	if v == "" {
		v = c.Version
	}
	if major := majorVersion(v); (major == 0 || major < 16) && isSwitch(d) {
		h := absent("no `no vstack` line on a Catalyst switch ("+versionText(v)+"): the Smart Install client is on by default on these releases; confirm with `show vstack config`", nil)
		h.Confidence = "unverified"
		h.Severity = rule.High
		hits = append(hits, h)
	}
	return hits
}

func versionText(v string) string {
	if v == "" {
		return "release unknown"
	}
	return "release " + v
}

// majorVersion reads the leading number of a version string, 0 if none.
func majorVersion(v string) int {
	end := 0
	for end < len(v) && v[end] >= '0' && v[end] <= '9' {
		end++
	}
	n, _ := strconv.Atoi(v[:end])
	return n
}

// isSwitch reports whether an IOS configuration is a Catalyst-style
// switch, where Smart Install lives: L2 ports, VTP or spanning tree, or a
// Catalyst model.
func isSwitch(d *rule.Device) bool {
	m := strings.ToUpper(d.Software.Model)
	for _, p := range []string{"WS-C", "C29", "C35", "C36", "C37", "C38", "C45", "C65", "IE-", "C9"} {
		if strings.HasPrefix(m, p) {
			return true
		}
	}
	for _, n := range d.Config.Top() {
		if n.Hit("vtp") || n.Hit("spanning-tree", "mode") {
			return true
		}
		if n.Hit("interface") && n.First("switchport") != nil {
			return true
		}
	}
	return false
}

func hard031() rule.Rule {
	return rule.Rule{
		ID: "HARD-031", Title: "Guest Shell / IOx is off where not required", Kind: rule.Hardening, Severity: rule.High,
		Platforms: rule.Platforms(device.IOS),
		Doc: "IOx runs Linux containers such as Guest Shell beside IOS XE; the actors used Guest Shell to run tools " +
			"the IOS CLI and its logs never see. `iox` and `app-hosting appid guestshell` are reported. " +
			"Not checked (needs device state): `show app-hosting list` (what is actually installed and RUNNING).",
		Remediation: map[device.Vendor]string{device.IOS: "guestshell disable\nconfigure terminal\n no app-hosting appid guestshell\n no iox"},
		References:  []string{rule.RefEVH, rule.URLEVH, rule.RefAA25, rule.URLAA25},
		ATTACK:      []string{"T1059", "T1610"},
		Check: func(d *rule.Device) []rule.Hit {
			var iox, gs *device.Node
			for _, n := range d.Config.Top() {
				switch {
				case n.Hit("iox") && iox == nil:
					iox = n
				case n.Hit("app-hosting", "appid", "guestshell") && gs == nil:
					gs = n
				}
			}
			switch {
			case iox != nil && gs != nil:
				return []rule.Hit{hit("IOx is enabled and Guest Shell is configured as an app-hosting application: a Linux shell outside IOS logging and AAA", iox, gs)}
			case iox != nil:
				return []rule.Hit{hit("IOx is enabled (`iox`): the device can host Linux containers such as Guest Shell", iox)}
			case gs != nil:
				h := hit("Guest Shell is configured (`app-hosting appid guestshell`) though IOx is not enabled; remove it so enabling IOx cannot bring it up", gs)
				h.Severity = rule.Medium
				return []rule.Hit{h}
			}
			return nil
		},
	}
}

func hard032() rule.Rule {
	return rule.Rule{
		ID: "HARD-032", Title: "Guest Shell / bash is off on NX-OS", Kind: rule.Hardening, Severity: rule.High,
		Platforms: rule.Platforms(device.NXOS),
		Doc: "`feature bash-shell` gives administrators a root-capable Linux shell on NX-OS; Salt Typhoon ran " +
			"JumbledPath from Guest Shell on Nexus switches. `feature bash-shell` is reported. " +
			"Not checked (needs device state): whether Guest Shell is activated (`show virtual-service list`); " +
			"`guestshell destroy` is an exec command and leaves no configuration line.",
		Remediation: map[device.Vendor]string{device.NXOS: "no feature bash-shell\nguestshell destroy"},
		References:  []string{rule.RefEVH, rule.URLEVH, rule.RefTalos, rule.URLTalos, refNXHG, "https://cisco.com/c/en/us/td/docs/dcn/nx-os/nexus9000/102x/programmability/cisco-nexus-9000-series-nx-os-programmability-guide-release-102x/m-n9k-guest-shell-101x.html"},
		ATTACK:      []string{"T1059.004"},
		Check: func(d *rule.Device) []rule.Hit {
			var hits []rule.Hit
			for _, n := range d.Config.Find("feature", "bash-shell") {
				hits = append(hits, hit("the Bash shell is enabled (`feature bash-shell`): a Linux shell outside NX-OS command accounting", n))
			}
			return hits
		},
	}
}

func hard033() rule.Rule {
	return rule.Rule{
		ID: "HARD-033", Title: "IOS XR Linux-shell SSH daemon (TCP/57722) is not running", Kind: rule.Hardening, Severity: rule.Critical,
		Platforms: rule.Platforms(device.IOSXR),
		Doc: "The eXR Linux-shell sshd (sshd_operns / sshd_tpnns on TCP/57722) bypasses XR AAA; the actors " +
			"started it for persistence. It is started from the Linux shell and leaves no XR configuration line.",
		NeedsState:  "needs `show lpts bindings brief | include 57722` and the Linux shell's chkconfig services; the XR configuration does not show the daemon",
		Remediation: map[device.Vendor]string{device.IOSXR: "run\nservice sshd_operns stop\nchkconfig --del sshd_operns_global-vrf"},
		References:  []string{rule.RefAA25, rule.URLAA25},
		ATTACK:      []string{"T1021.004", "T1543"},
	}
}

func hard035() rule.Rule {
	return rule.Rule{
		ID: "HARD-035", Title: "IP source routing is disabled", Kind: rule.Hardening, Severity: rule.Medium,
		Platforms: rule.Platforms(device.IOS),
		Doc: "Source-routed packets let a sender choose the path through the network, bypassing filters; IOS " +
			"accepts them unless `no ip source-route` is configured, so its absence is reported.",
		Remediation: map[device.Vendor]string{device.IOS: "no ip source-route\nno ipv6 source-route"},
		References:  []string{rule.RefEVH, rule.URLEVH, refNISG},
		Check: func(d *rule.Device) []rule.Hit {
			var hits []rule.Hit
			off := false
			for _, n := range d.Config.Top() {
				switch {
				case n.Hit("ip", "source-route"), n.Hit("ipv6", "source-route"):
					hits = append(hits, hit("source routing is enabled (`"+n.Text+"`)", n))
				case n.Hit("no", "ip", "source-route"):
					off = true
				}
			}
			if !off && len(hits) == 0 {
				hits = append(hits, absent("no `no ip source-route`: IOS accepts source-routed packets by default", nil))
			}
			return hits
		},
	}
}

func hard038() rule.Rule {
	return rule.Rule{
		ID: "HARD-038", Title: "Legacy small services are off", Kind: rule.Hardening, Severity: rule.Medium,
		Platforms: rule.Platforms(device.IOS),
		Doc: "TCP/UDP small servers, finger, PAD, the BOOTP server and network configuration loading are " +
			"unauthenticated services nobody needs on a router. Each enabling line is reported; so is the absence " +
			"of `no service pad` and `no ip bootp server`, which are on by default.",
		Remediation: map[device.Vendor]string{device.IOS: "no service tcp-small-servers\nno service udp-small-servers\nno ip finger\nno service finger\nno service pad\nno ip bootp server\nno service config\nno boot network"},
		References:  []string{refNISG, refCIS},
		Check: func(d *rule.Device) []rule.Hit {
			var hits []rule.Hit
			noPad, noBootp := false, false
			for _, n := range d.Config.Top() {
				switch {
				case n.Hit("service", "tcp-small-servers"), n.Hit("service", "udp-small-servers"), n.Hit("ip", "finger"),
					n.Hit("service", "finger"), n.Hit("service", "pad"), n.Hit("ip", "bootp", "server"),
					n.Hit("service", "config"), n.Hit("boot", "network"):
					hits = append(hits, hit("legacy service enabled: `"+n.Text+"`", n))
					// An explicit line is reported already; do not ask for its "no" form too.
					noPad = noPad || n.Hit("service", "pad")
					noBootp = noBootp || n.Hit("ip", "bootp", "server")
				case n.Hit("no", "service", "pad"):
					noPad = true
				case n.Hit("no", "ip", "bootp", "server"):
					noBootp = true
				}
			}
			var missing []string
			if !noPad {
				missing = append(missing, "no service pad")
			}
			if !noBootp {
				missing = append(missing, "no ip bootp server")
			}
			if len(missing) > 0 {
				hits = append(hits, absent("missing "+joinQuoted(missing)+": these services are on by default", nil))
			}
			return hits
		},
	}
}

func hard039() rule.Rule {
	return rule.Rule{
		ID: "HARD-039", Title: "On-box FTP/TFTP servers are off", Kind: rule.Hardening, Severity: rule.Medium,
		Platforms: rule.Platforms(device.IOS, device.IOSXR, device.Junos),
		Doc: "An on-box FTP or TFTP server hands out images and files without encryption (TFTP without any " +
			"authentication). `tftp-server`, `ftp-server enable`, XR `tftp ... server` and Junos " +
			"`system services ftp` are reported.",
		Remediation: map[device.Vendor]string{
			device.IOS:   "no tftp-server <file>\nno ftp-server enable",
			device.IOSXR: "no tftp vrf <vrf> ipv4 server",
			device.Junos: "delete system services ftp",
		},
		References: []string{rule.RefEVH, rule.URLEVH},
		Check: func(d *rule.Device) []rule.Hit {
			var hits []rule.Hit
			switch d.Config.Vendor {
			case device.IOS:
				for _, n := range d.Config.Top() {
					if n.Hit("tftp-server") || n.Hit("ftp-server", "enable") {
						hits = append(hits, hit("on-box file server enabled: `"+n.Text+"`", n))
					}
				}
			case device.IOSXR:
				for _, n := range d.Config.Top() {
					if n.Hit("tftp") && n.Has("server") {
						hits = append(hits, hit("on-box TFTP server enabled: `"+n.Text+"`", n))
					}
				}
			case device.Junos:
				if n := d.Config.Path("system", "services", "ftp"); n != nil {
					hits = append(hits, hit("on-box FTP server enabled (system services ftp)", n))
				}
			}
			return hits
		},
	}
}

func hard040() rule.Rule {
	return rule.Rule{
		ID: "HARD-040", Title: "Configuration backups travel encrypted", Kind: rule.Hardening, Severity: rule.High,
		Platforms: rule.Platforms(device.IOS, device.IOSXR, device.Junos),
		Doc: "Salt Typhoon collected device configurations as they were copied over TFTP and FTP. Reported: " +
			"IOS `archive` `path` to tftp/ftp/http URLs, `ip ftp password`, kron and EEM jobs that copy to " +
			"tftp/ftp/http; IOS XR statements naming tftp/ftp/http URLs; Junos `archive-sites` with ftp, pasvftp " +
			"or http URLs. A URL carrying a user and password is shown by its parent line only, so the finding " +
			"never prints the password. Not checked: backups pulled centrally (that is the preferred design and " +
			"leaves nothing in the configuration).",
		Remediation: map[device.Vendor]string{
			device.IOS:   "archive\n path scp://<user>@<server>/<dir>/$h-$t\n write-memory\nno ip ftp password",
			device.IOSXR: "! pull configurations centrally over SSH or NETCONF instead of pushing them over TFTP/FTP",
			device.Junos: "delete system archival configuration archive-sites\nset system archival configuration archive-sites \"scp://<user>@<server>/<dir>\" password <password>",
		},
		References: []string{rule.RefEVH, rule.URLEVH, rule.RefTalos, rule.URLTalos},
		ATTACK:     []string{"T1602.002", "T1040"},
		Check:      checkBackups,
	}
}

// cleartextURL matches a tftp, ftp or http URL (not sftp or https); the
// first group is the scheme.
var cleartextURL = regexp.MustCompile(`(?i)(?:^|[^a-z])(tftp|ftp|pasvftp|http):`)

// urlScheme returns the cleartext scheme a word names, or "".
func urlScheme(w string) string {
	m := cleartextURL.FindStringSubmatch(w)
	if m == nil {
		return ""
	}
	return strings.ToLower(m[1])
}

// hasUserinfo reports whether a URL word carries "user:password@".
func hasUserinfo(w string) bool {
	i := strings.Index(w, "://")
	if i < 0 {
		return false
	}
	rest := w[i+3:]
	if j := strings.IndexAny(rest, "/"); j >= 0 {
		rest = rest[:j]
	}
	at := strings.LastIndex(rest, "@")
	return at >= 0 && strings.Contains(rest[:at], ":")
}

// evidenceFor returns the node to show for a URL: its parent when the URL
// holds a password, so the evidence line cannot leak it.
func evidenceFor(n *device.Node, url string) *device.Node {
	if hasUserinfo(url) && n.Parent != nil && len(n.Parent.Words) > 0 {
		return n.Parent
	}
	return n
}

func checkBackups(d *rule.Device) []rule.Hit {
	c := d.Config
	var hits []rule.Hit
	switch c.Vendor {
	case device.IOS:
		for _, top := range c.Top() {
			switch {
			case top.Hit("archive"):
				for _, p := range top.Find("path") {
					if s := urlScheme(p.Word(1)); s != "" {
						hits = append(hits, hit(fmt.Sprintf("configuration archive is written over %s (cleartext)", s), evidenceFor(p, p.Word(1))))
					}
				}
			case top.Hit("ip", "ftp", "password"):
				hits = append(hits, hit("an FTP password is configured for copying files: FTP sends it and the files in cleartext", top))
			case top.Hit("kron", "policy-list"), top.Hit("event", "manager", "applet"):
				top.Walk(func(n *device.Node) bool {
					if s := copyScheme(n); s != "" {
						hits = append(hits, hit(fmt.Sprintf("scheduled job copies files over %s (cleartext)", s), evidenceFor(n, n.Text)))
					}
					return true
				})
			}
		}
	case device.IOSXR:
		walk(c, func(n *device.Node) {
			if n.Hit("ftp", "client", "password") {
				hits = append(hits, hit("an FTP client password is configured: FTP sends it and the files in cleartext", n))
				return
			}
			if !backupContext(n) {
				return
			}
			for _, w := range n.Words {
				if s := urlScheme(w); s != "" && strings.Contains(w, "://") {
					hits = append(hits, hit(fmt.Sprintf("a %s URL is configured (`%s`): files sent there travel in cleartext", s, n.Word(0)), evidenceFor(n, w)))
					return
				}
			}
		})
	case device.Junos:
		sites := c.Path("system", "archival", "configuration", "archive-sites")
		if sites == nil {
			break
		}
		for _, s := range sites.Children {
			if s.Inactive || len(s.Words) == 0 {
				continue
			}
			if scheme := urlScheme(s.Words[0]); scheme != "" && strings.Contains(s.Words[0], "://") {
				msg := fmt.Sprintf("configuration archive site uses %s (cleartext)", scheme)
				if hasUserinfo(s.Words[0]) {
					msg += " and carries a password in its URL"
				}
				hits = append(hits, hit(msg, evidenceFor(s, s.Words[0])))
			}
		}
	}
	return hits
}

// copyScheme returns the cleartext scheme a kron or EEM command copies
// to, or "".
func copyScheme(n *device.Node) string {
	if !strings.Contains(strings.ToLower(n.Text), "copy") {
		return ""
	}
	for _, w := range n.Words {
		if s := urlScheme(strings.Trim(w, `"`)); s != "" {
			return s
		}
	}
	return ""
}

// backupContext reports whether an IOS XR statement is about saving or
// archiving configuration (`configuration commit auto-save`, archive
// blocks), so URLs elsewhere (trustpoint enrolment, descriptions) are not
// mistaken for backups.
func backupContext(n *device.Node) bool {
	for x := n; x != nil && len(x.Words) > 0; x = x.Parent {
		if x.Hit("configuration") || x.Hit("archive") || x.Has("auto-save") {
			return true
		}
	}
	return false
}

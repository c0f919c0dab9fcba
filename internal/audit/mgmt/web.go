package mgmt

import (
	"strings"

	"github.com/seawall/seawall/internal/audit/device"
	"github.com/seawall/seawall/internal/audit/rule"
)

// HARD-008: plain HTTP server on IOS-XE.

func httpRule() rule.Rule {
	m := map[device.Vendor]check{device.IOS: iosHTTP}
	return rule.Rule{
		ID:        "HARD-008",
		Title:     "Plain-HTTP management server is enabled",
		Kind:      rule.Hardening,
		Severity:  rule.Critical,
		Platforms: platformsOf(m),
		Doc: `The IOS-XE web UI was the entry point of CVE-2023-20198 and CVE-2023-20273,
which Salt Typhoon used at scale; CISA-EVH says to always disable the
non-encrypted web server, which also sends credentials in cleartext.

` + "`ip http server`" + ` fails; ` + "`no ip http server`" + `, or no such line, passes: Cisco's
CVE-2023-20198 advisory tells operators to look for the line in the running
configuration, because IOS and IOS-XE print it whenever the server is on.`,
		Remediation: map[device.Vendor]string{device.IOS: "no ip http server"},
		References:  []string{rule.RefEVH, rule.URLEVH, rule.RefWebUI, rule.URLWebUI, refXEHG},
		ATTACK:      []string{attackPublicFacing, attackSniffing},
		Check:       perVendor(m),
	}
}

func iosHTTP(c *device.Config) []rule.Hit {
	if n := c.First("ip", "http", "server"); n != nil {
		return []rule.Hit{{Message: "the plain-HTTP management server is enabled (ip http server)", Nodes: []*device.Node{n}}}
	}
	return nil
}

// HARD-009: HTTPS server on IOS-XE.

func httpsRule() rule.Rule {
	m := map[device.Vendor]check{device.IOS: iosHTTPS}
	return rule.Rule{
		ID:        "HARD-009",
		Title:     "HTTPS management server is enabled without restrictions",
		Kind:      rule.Hardening,
		Severity:  rule.High,
		Platforms: platformsOf(m),
		Doc: `The HTTPS web UI is the same code that CVE-2023-20198 exploited; CISA-EVH
asks to disable every web server that is not needed and otherwise to
restrict it, use TLS 1.2 or 1.3 and a CA-issued certificate.

` + "`no ip http secure-server`" + ` passes. With ` + "`ip http secure-server`" + `, the rule reports
a missing ` + "`ip http access-class`" + ` (or one whose ACL is undefined or permits
any source), a self-signed ` + "`ip http secure-trustpoint TP-self-signed-…`" + `, no
` + "`ip http authentication aaa|local`" + ` (the default is the enable password), and
an ` + "`ip http tls-version`" + ` below TLSv1.2. No ` + "`ip http secure-server`" + ` line passes, as
for HARD-008: the running configuration shows it whenever it is on. Whether the
server is reachable from an internet-facing interface needs device state
and is not checked.`,
		Remediation: map[device.Vendor]string{
			device.IOS: "no ip http secure-server\n! or, where the web UI is needed:\nip http access-class ipv4 MGMT-ONLY\nip http authentication aaa\nip http tls-version TLSv1.2\nip http secure-trustpoint CA-ISSUED-TP",
		},
		References: []string{rule.RefEVH, rule.URLEVH, rule.RefWebUI, rule.URLWebUI, refXEHG},
		ATTACK:     []string{attackPublicFacing},
		Check:      perVendor(m),
	}
}

func iosHTTPS(c *device.Config) []rule.Hit {
	s := c.First("ip", "http", "secure-server")
	if s == nil {
		return nil
	}
	var hits []rule.Hit
	if ac := c.First("ip", "http", "access-class"); ac == nil {
		hits = append(hits, rule.Hit{Message: "the HTTPS management server has no ip http access-class, so any source can reach it", Nodes: []*device.Node{s}})
	} else {
		name := ac.Word(3)
		if name == "ipv4" {
			name = ac.Word(4)
		}
		hits = append(hits, aclHits(c, ac, name, "the HTTPS management server")...)
	}
	if tp := c.First("ip", "http", "secure-trustpoint"); tp != nil && strings.HasPrefix(tp.Word(3), "TP-self-signed-") {
		hits = append(hits, rule.Hit{Message: "the HTTPS management server uses a self-signed certificate (" + tp.Word(3) + ")", Nodes: []*device.Node{tp}, Severity: rule.Medium})
	}
	if a := c.First("ip", "http", "authentication"); a == nil || a.Word(3) == "enable" {
		h := rule.Hit{Message: "the HTTPS management server authenticates with the enable password, not AAA or local users", Nodes: []*device.Node{s}, Severity: rule.Medium}
		if a != nil {
			h.Nodes = []*device.Node{a}
		}
		hits = append(hits, h)
	}
	if tv := c.First("ip", "http", "tls-version"); tv != nil {
		if v := tv.Word(3); v == "TLSv1.0" || v == "TLSv1.1" {
			hits = append(hits, rule.Hit{Message: "the HTTPS management server allows " + v, Nodes: []*device.Node{tv}, Severity: rule.Medium})
		}
	}
	return hits
}

// HARD-010: cleartext web and API management on NX-OS, Junos, EOS.

func webAPIRule() rule.Rule {
	m := map[device.Vendor]check{
		device.NXOS:  nxosWebAPI,
		device.Junos: junosWebAPI,
		device.EOS:   eosWebAPI,
	}
	return rule.Rule{
		ID:        "HARD-010",
		Title:     "Cleartext web or API management is enabled",
		Kind:      rule.Hardening,
		Severity:  rule.High,
		Platforms: platformsOf(m),
		Doc: `Web and API management over plain HTTP exposes credentials and session
tokens to anyone on the path (CISA-EVH).

NX-OS: ` + "`nxapi http port N`" + ` fails; NX-API with HTTPS only passes. Releases
differ in whether ` + "`feature nxapi`" + ` alone opens HTTP, so that is not reported.
Junos: ` + "`system services web-management http`" + `, ` + "`system services rest http`" + ` and
the cleartext Junos XML protocol ` + "`system services xnm-clear-text`" + ` fail,
including from groups applied at the top level.
EOS: ` + "`protocol http`" + ` under ` + "`management api http-commands`" + ` fails when the API
is enabled (` + "`no shutdown`" + `, in the block or a VRF; it is off by default),
and under ` + "`management http-server`" + ` always; ` + "`protocol http localhost`" + `, reachable
only from the switch itself, passes.`,
		Remediation: map[device.Vendor]string{
			device.NXOS:  "no nxapi http\nnxapi https port 443",
			device.Junos: "delete system services web-management http\ndelete system services rest http\ndelete system services xnm-clear-text",
			device.EOS:   "management api http-commands\n   no protocol http\n   protocol https",
		},
		References: []string{rule.RefEVH, rule.URLEVH, refNXHG},
		ATTACK:     []string{attackSniffing, attackPublicFacing},
		Check:      perVendor(m),
	}
}

func nxosWebAPI(c *device.Config) []rule.Hit {
	var hits []rule.Hit
	for _, n := range c.Find("nxapi", "http") {
		hits = append(hits, rule.Hit{Message: "NX-API answers over plain HTTP (" + n.Text + ")", Nodes: []*device.Node{n}})
	}
	return hits
}

func junosWebAPI(c *device.Config) []rule.Hit {
	var hits []rule.Hit
	for _, p := range [][]string{
		{"system", "services", "web-management", "http"},
		{"system", "services", "rest", "http"},
		{"system", "services", "xnm-clear-text"},
	} {
		for _, n := range c.Applied(p...) {
			hits = append(hits, rule.Hit{Message: "cleartext management is enabled (" + n.SetPath() + ")", Nodes: []*device.Node{n}})
		}
	}
	return hits
}

func eosWebAPI(c *device.Config) []rule.Hit {
	var hits []rule.Hit
	for _, b := range c.Find("management", "api", "http-commands") {
		if hasNoShutdown(b) == nil {
			continue
		}
		for _, p := range b.Find("protocol", "http") {
			if p.Word(2) == "localhost" {
				continue // reachable only from the switch itself
			}
			hits = append(hits, rule.Hit{Message: "the eAPI (management api http-commands) answers over plain HTTP", Nodes: []*device.Node{b, p}})
		}
	}
	for _, b := range c.Find("management", "http-server") {
		for _, p := range b.Find("protocol", "http") {
			if p.Word(2) == "localhost" {
				continue
			}
			hits = append(hits, rule.Hit{Message: "the management HTTP server answers over plain HTTP", Nodes: []*device.Node{b, p}})
		}
	}
	return hits
}

package mgmt

import (
	"fmt"
	"slices"
	"strings"

	"github.com/seawall/seawall/internal/audit/device"
	"github.com/seawall/seawall/internal/audit/rule"
)

// HARD-001: Telnet.

func telnetRule() rule.Rule {
	m := map[device.Vendor]check{
		device.IOS:   iosTelnet,
		device.NXOS:  nxosTelnet,
		device.IOSXR: xrTelnet,
		device.Junos: junosTelnet,
		device.EOS:   eosTelnet,
	}
	return rule.Rule{
		ID:        "HARD-001",
		Title:     "Telnet is enabled for device management",
		Kind:      rule.Hardening,
		Severity:  rule.Critical,
		Platforms: platformsOf(m),
		Doc: `Telnet carries logins and every command in cleartext; anyone on the path
collects the credentials Salt Typhoon reuses to move between devices.

IOS/IOS-XE: every ` + "`line vty`" + ` must say ` + "`transport input ssh`" + ` (or none).
` + "`transport input all`" + ` or any list naming telnet fails. A vty with no
` + "`transport input`" + ` line runs the release default: all (telnet included) on
classic IOS up to 15.x, which is reported as confirmed; on IOS-XE 16 and
later, or when the configuration does not state its version, the default
varies by release and platform, so the hit is marked unverified. VTY ranges
absent from the configuration are not judged.
NX-OS: telnet is off by default; ` + "`feature telnet`" + ` (or the older
` + "`telnet server enable`" + `) fails.
IOS-XR: any ` + "`telnet [vrf V] ipv4|ipv6 server`" + ` line fails; off by default.
Junos: ` + "`system services telnet`" + ` fails, also when it comes from a group
applied at the top level.
EOS: ` + "`management telnet`" + ` is shut down by default; a ` + "`no shutdown`" + ` in the
block or in one of its VRF sub-blocks fails.`,
		Remediation: map[device.Vendor]string{
			device.IOS:   "line vty 0 15\n transport input ssh",
			device.NXOS:  "no feature telnet",
			device.IOSXR: "no telnet vrf default ipv4 server\nno telnet vrf default ipv6 server",
			device.Junos: "delete system services telnet",
			device.EOS:   "management telnet\n   shutdown",
		},
		References: []string{rule.RefEVH, rule.URLEVH, refNISG},
		ATTACK:     []string{attackSniffing, attackRemote},
		Check:      perVendor(m),
	}
}

func iosTelnet(c *device.Config) []rule.Hit {
	var hits []rule.Hit
	for _, l := range ciscoLines(c, "vty") {
		t := l.First("transport", "input")
		if t == nil {
			major := majorVersion(c)
			if major > 0 && major < 16 {
				hits = append(hits, rule.Hit{
					Message: fmt.Sprintf("%s has no transport input line; the IOS %s default is all, which accepts telnet", l.Text, c.Version),
					Anchor:  l,
				})
				continue
			}
			hits = append(hits, rule.Hit{
				Message:    fmt.Sprintf("%s has no transport input line; the release default may accept telnet (all on classic IOS)", l.Text),
				Anchor:     l,
				Confidence: unverified,
			})
			continue
		}
		if protos := t.Words[2:]; slices.Contains(protos, "telnet") || slices.Contains(protos, "all") {
			hits = append(hits, rule.Hit{
				Message: fmt.Sprintf("%s accepts telnet (%s)", l.Text, t.Text),
				Nodes:   []*device.Node{t},
			})
		}
	}
	return hits
}

func nxosTelnet(c *device.Config) []rule.Hit {
	var hits []rule.Hit
	for _, n := range c.Top() {
		if n.Hit("feature", "telnet") || n.Hit("telnet", "server", "enable") {
			hits = append(hits, rule.Hit{Message: "the telnet server is enabled (" + n.Text + ")", Nodes: []*device.Node{n}})
		}
	}
	return hits
}

func xrTelnet(c *device.Config) []rule.Hit {
	var hits []rule.Hit
	for _, n := range c.Find("telnet") {
		if !n.Has("server") {
			continue // `telnet` client settings such as source-interface
		}
		vrf := n.After("vrf")
		if vrf == "" {
			vrf = "default"
		}
		af := "ipv4"
		if n.Has("ipv6") {
			af = "ipv6"
		}
		hits = append(hits, rule.Hit{
			Message: fmt.Sprintf("the telnet server is enabled for %s in VRF %s", af, vrf),
			Nodes:   []*device.Node{n},
		})
	}
	return hits
}

func junosTelnet(c *device.Config) []rule.Hit {
	var hits []rule.Hit
	for _, n := range c.Applied("system", "services", "telnet") {
		hits = append(hits, rule.Hit{Message: "the telnet service is enabled (" + n.SetPath() + ")", Nodes: []*device.Node{n}})
	}
	return hits
}

func eosTelnet(c *device.Config) []rule.Hit {
	var hits []rule.Hit
	for _, b := range c.Find("management", "telnet") {
		if ns := hasNoShutdown(b); ns != nil {
			where := "the default VRF"
			if ns.Parent != b && ns.Parent.Hit("vrf") {
				where = "VRF " + ns.Parent.Word(1)
			}
			hits = append(hits, rule.Hit{
				Message: "management telnet is enabled (no shutdown) in " + where,
				Nodes:   []*device.Node{b, ns},
			})
		}
	}
	return hits
}

// HARD-002: outbound connections from lines.

func transportOutRule() rule.Rule {
	m := map[device.Vendor]check{device.IOS: iosTransportOutput}
	return rule.Rule{
		ID:        "HARD-002",
		Title:     "Lines allow outbound connections to other devices",
		Kind:      rule.Hardening,
		Severity:  rule.High,
		Platforms: platformsOf(m),
		Doc: `A login on one router should not be a jump point to the next: Salt Typhoon
moved from device to device with outbound SSH and telnet from VTY sessions,
and CISA-EVH asks for ` + "`transport output none`" + ` and for changes to it to be
watched.

Every ` + "`line vty`" + `, ` + "`line con 0`" + ` and ` + "`line aux 0`" + ` must say ` + "`transport output\nnone`" + `; any other ` + "`transport output`" + ` list fails. A line without the
statement runs the release default, which allows outbound telnet or SSH on
many releases and none on others, so that hit is marked unverified. An AUX
line with ` + "`no exec`" + ` cannot start a session and is not judged when the
statement is missing.`,
		Remediation: map[device.Vendor]string{
			device.IOS: "line con 0\n transport output none\nline aux 0\n transport output none\nline vty 0 15\n transport output none",
		},
		References: []string{rule.RefEVH, rule.URLEVH, rule.RefAA25, rule.URLAA25},
		ATTACK:     []string{attackRemote},
		Check:      perVendor(m),
	}
}

func iosTransportOutput(c *device.Config) []rule.Hit {
	var hits []rule.Hit
	for _, l := range c.Top() {
		if !l.Hit("line", "vty") && !l.Hit("line", "con*") && !l.Hit("line", "aux") {
			continue
		}
		t := l.First("transport", "output")
		if t == nil {
			if l.Hit("line", "aux") && l.First("no", "exec") != nil {
				continue
			}
			hits = append(hits, rule.Hit{
				Message:    fmt.Sprintf("%s has no transport output line; the release default may allow outbound connections", l.Text),
				Anchor:     l,
				Confidence: unverified,
			})
			continue
		}
		if protos := t.Words[2:]; len(protos) != 1 || protos[0] != "none" {
			hits = append(hits, rule.Hit{
				Message: fmt.Sprintf("%s allows outbound %s connections", l.Text, strings.Join(protos, " ")),
				Nodes:   []*device.Node{t},
			})
		}
	}
	return hits
}

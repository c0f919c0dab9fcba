// Package ioc holds the rules for indicators of compromise visible in
// device configurations (catalogue IOC-CFG-001 to IOC-CFG-020): the marks
// Salt Typhoon and related actors leave on routers and switches, such as
// allow-list entries for their own hosts, SSH on odd ports, tunnels and
// mirror sessions toward their collectors, redirected AAA and backdoor
// accounts.
//
// Indicator rules compare against the operator's inventory where it has a
// list for the role (approved AAA servers, syslog collectors, NMS, tunnel
// peers, local users, management networks, device loopbacks) and fall back
// to generic signs where it has none, such as a public address where a
// private one is expected. Documentation ranges count as public: they stand
// for actor hosts in examples and tests.
package ioc

import (
	"github.com/seawall/seawall/internal/audit/device"
	"github.com/seawall/seawall/internal/audit/rule"
)

// Rules returns this package's rules in catalogue order.
func Rules() []rule.Rule {
	return []rule.Rule{
		allowList(),       // 001
		sshPort(),         // 002
		xrLinuxShell(),    // 003
		guestShell(),      // 004
		tunnels(),         // 005
		mirroring(),       // 006
		packetCapture(),   // 007
		aaaRedirect(),     // 008
		localUsers(),      // 009
		snmpChanges(),     // 010
		loggingDegraded(), // 011
		loopbacks(),       // 012
		staticRoutes(),    // 013
		webManagement(),   // 014
		vtyLoosened(),     // 015
		smartInstall(),    // 016
		automation(),      // 017
		lastChange(),      // 018
		webuiImplant(),    // 019
		junosIndicators(), // 020
	}
}

// Sources, by catalogue key (threat-catalogue section 0).
var sources = map[string]string{
	rule.RefAA25:   rule.URLAA25,
	rule.RefTalos:  rule.URLTalos,
	rule.RefEVH:    rule.URLEVH,
	"MITRE":        "https://attack.mitre.org/groups/G1045/",
	rule.RefWebUI:  rule.URLWebUI,
	"CISCO-SA-SMI": "https://www.cisco.com/c/en/us/support/docs/csa/cisco-sa-20180328-smi2.html",
}

// refs lists each catalogue key followed by its URL where it has one, so a
// report can cite the source by name and link it.
func refs(keys ...string) []string {
	var out []string
	for _, k := range keys {
		out = append(out, k)
		if u := sources[k]; u != "" {
			out = append(out, u)
		}
	}
	return out
}

// Platform shorthands.
const (
	ios   = device.IOS
	nxos  = device.NXOS
	iosxr = device.IOSXR
	eos   = device.EOS
	junos = device.Junos
)

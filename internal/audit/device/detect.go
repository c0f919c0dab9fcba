package device

import (
	"path/filepath"
	"regexp"
	"strings"
)

var rancidTypes = map[string]Vendor{
	"cisco":     IOS,
	"cisco-nx":  NXOS,
	"cisco-xr":  IOSXR,
	"juniper":   Junos,
	"arista":    EOS,
	"paloalto":  PANOS,
	"fortigate": FortiOS,
	"fortios":   FortiOS,
	"f5":        F5,
	"bigip":     F5,
	"cumulus":   Cumulus,
	"nokia":     SROS,
	"sros":      SROS,
	"asa":       ASA,
}

// signature is one piece of content evidence for a dialect.
type signature struct {
	v  Vendor
	re *regexp.Regexp
	w  int
}

// Signatures are weighted; the dialect with the highest total wins. Strong
// ones (weight 10) alone decide; weak ones only tip a Cisco-style file.
var signatures = []signature{
	// Unsupported platforms first: they must never fall through to IOS.
	{ASA, regexp.MustCompile(`(?m)^(: Saved|ASA Version |PIX Version |FWSM Version )`), 20},
	{ASA, regexp.MustCompile(`(?m)^ nameif |^same-security-traffic |^object-group network .*\n network-object `), 6},
	{PANOS, regexp.MustCompile(`(?m)^\s*(set )?deviceconfig |^config \{|^\s*devices \{`), 20},
	{FortiOS, regexp.MustCompile(`(?m)^config (system|firewall|router|vpn) `), 20},
	{FortiOS, regexp.MustCompile(`(?m)^#config-version=`), 20},
	{SROS, regexp.MustCompile(`(?m)^# TiMOS-|^\s*exit all\s*$|^/configure |^configure \{`), 20},
	{F5, regexp.MustCompile(`(?m)^(ltm|sys|net|auth|cm|gtm|security) [a-z-]+ .*\{\s*$`), 20},
	{Cumulus, regexp.MustCompile(`(?m)^(net add |auto lo$|iface )`), 20},
	{Other, regexp.MustCompile(`(?m)^(\*filter|\*nat|\*mangle|:INPUT |-A (INPUT|FORWARD|OUTPUT) )`), 20},
	{Other, regexp.MustCompile(`(?m)^(sysname |#\s*$\n^ ?sysname )|^ ?undo `), 12},

	// Junos: `set` lines or brace blocks of its top-level hierarchy.
	{Junos, regexp.MustCompile(`(?m)^\s*(set|deactivate|delete) (system|interfaces|protocols|policy-options|routing-options|security|firewall|snmp|routing-instances|groups|apply-groups|chassis|vlans|forwarding-options|class-of-service|applications|event-options) `), 10},
	{Junos, regexp.MustCompile(`(?m)^(system|interfaces|protocols|policy-options|routing-options|security|firewall|snmp|routing-instances|groups|chassis|vlans|forwarding-options) \{\s*$`), 10},
	{Junos, regexp.MustCompile(`(?m)^## Last (commit|changed): |^version [0-9.]+[A-Z][0-9.\-A-Z]*;`), 10},

	// IOS-XR.
	{IOSXR, regexp.MustCompile(`(?m)^!! IOS XR |^(end-policy|end-set|end-group)\s*$|^route-policy |^(prefix|community|as-path|extcommunity)-set |^taskgroup |^usergroup `), 10},
	{IOSXR, regexp.MustCompile(`(?m)^router (static|bgp \d+)\s*$\n^ (address-family|vrf|neighbor)|^interface (MgmtEth|GigabitEthernet|TenGigE|HundredGigE|Bundle-Ether)\d+/\d+/\d+/\d+|^ ipv4 address \S+ \S+|^commit\s*$|^telnet vrf `), 4},

	// NX-OS.
	{NXOS, regexp.MustCompile(`(?m)^!Command: show running-config|^feature [a-z-]+\s*$|^version \d+\.\d+\(\d+\)|^vdc [^\n]* id \d+|^hardware access-list |^install feature-set `), 10},
	{NXOS, regexp.MustCompile(`(?m)^\s+(vrf member|no shutdown|switchport mode)|^interface (Ethernet|mgmt)\d+(/\d+)*\s*$|^ip route .* vrf`), 2},

	// Arista EOS.
	{EOS, regexp.MustCompile(`(?m)^! device: .*EOS-|^! Command: show running-config|^management api http-commands|^daemon TerminAttr|^transceiver qsfp default-mode|^service routing protocols model (multi-agent|ribd)|^ip routing vrf |^vrf instance |^router general\s*$|^peer-filter `), 10},
	{EOS, regexp.MustCompile(`(?m)^EOF\s*$|^interface (Ethernet|Management)\d+(/\d+)*\s*$|^ip virtual-router |^spanning-tree mode mstp\s*$|^aaa root `), 2},

	// IOS/IOS-XE.
	{IOS, regexp.MustCompile(`(?m)^version 1[0-7]\.\d+\s*$|^! Last configuration change at |^Current configuration : |^boot-start-marker|^service (timestamps|password-encryption|tcp-keepalives)|^ip cef\s*$|^line (vty|con|aux) \d+|^ip subnet-zero|^vrf definition |^ip classless|^! Cisco IOS XE Software|^crypto pki trustpoint |^license udi `), 4},
	{IOS, regexp.MustCompile(`(?m)^interface (FastEthernet|GigabitEthernet|Serial|Vlan|Loopback|Tunnel|Port-channel)\d+(/\d+)*(\.\d+)?\s*$|^ ip address \d+\.\d+\.\d+\.\d+ \d+\.\d+\.\d+\.\d+|^hostname |^router (ospf|eigrp|bgp|rip|isis)|^ip route \d`), 2},
}

// pathHints map directory names used by public corpora to dialects; they
// only decide when the content is ambiguous.
var pathHints = []struct {
	part string
	v    Vendor
}{
	{"cisco_xr", IOSXR}, {"ios_xr", IOSXR}, {"ios-xr", IOSXR}, {"iosxr", IOSXR}, {"xr_", IOSXR},
	{"cisco_nxos", NXOS}, {"nxos", NXOS}, {"nexus", NXOS},
	{"arista", EOS}, {"eos", EOS},
	{"juniper", Junos}, {"junos", Junos}, {"srx", Junos},
	{"cisco_asa", ASA}, {"asa", ASA},
	{"paloalto", PANOS}, {"panos", PANOS}, {"pan-os", PANOS},
	{"fortinet", FortiOS}, {"fortios", FortiOS}, {"fortigate", FortiOS},
	{"nokia", SROS}, {"sros", SROS},
	{"f5", F5}, {"bigip", F5},
	{"cumulus", Cumulus},
	{"cisco_ios", IOS}, {"ios", IOS},
}

// Detect names the dialect of a configuration and the evidence used: a
// RANCID content-type header wins, then content signatures, then the
// file's path. Files matching none are Unknown.
func Detect(name string, data []byte) (Vendor, string) {
	head := data
	if len(head) > 4096 {
		head = head[:4096]
	}
	if m := rancidRE.FindSubmatch(head); m != nil {
		if v, ok := rancidTypes[strings.ToLower(string(m[1]))]; ok {
			if v == IOS && hasSignature(data, ASA) {
				return ASA, "RANCID content type cisco, ASA content"
			}
			return v, "RANCID content type " + string(m[1])
		}
	}
	sample := data
	if len(sample) > 1<<20 {
		sample = sample[:1<<20]
	}
	score := map[Vendor]int{}
	best, bestScore := Unknown, 0
	for _, s := range signatures {
		if s.re.Match(sample) {
			score[s.v] += s.w
		}
	}
	for _, v := range []Vendor{ASA, PANOS, FortiOS, SROS, F5, Cumulus, Other, Junos, IOSXR, NXOS, EOS, IOS} {
		if score[v] > bestScore {
			best, bestScore = v, score[v]
		}
	}
	if bestScore >= 10 {
		return best, "content"
	}
	if v := pathVendor(name); v != Unknown && (bestScore > 0 || !v.Supported()) {
		return v, "path " + filepath.Base(filepath.Dir(name))
	}
	if bestScore > 0 {
		return best, "content"
	}
	return Unknown, "no known configuration statements"
}

func hasSignature(data []byte, v Vendor) bool {
	for _, s := range signatures {
		if s.v == v && s.re.Match(data) {
			return true
		}
	}
	return false
}

func pathVendor(name string) Vendor {
	lower := strings.ToLower(filepath.ToSlash(name))
	parts := strings.Split(lower, "/")
	for i := len(parts) - 1; i >= 0; i-- {
		for _, h := range pathHints {
			if strings.HasPrefix(parts[i], h.part) || parts[i] == h.part {
				return h.v
			}
		}
	}
	return Unknown
}

var rancidRE = regexp.MustCompile(`(?m)^[!#]RANCID-CONTENT-TYPE:\s*(\S+)`)

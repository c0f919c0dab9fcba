package device

import (
	"path/filepath"
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

// clue is one kind of content evidence for a dialect. Each clue counts
// once per file however often it occurs; the dialect with the highest total
// wins. Strong clues (weight 10 or more) decide alone; weak ones only tip a
// Cisco-style file one way or the other, and the file's path breaks a tie.
type clue uint8

const (
	// Unsupported platforms: they must never fall through to IOS.
	clueASAHeader clue = iota
	clueASANameif
	clueASASSH
	cluePANOS
	clueFortiOS
	clueSROS
	clueF5Header
	clueF5Block
	clueCumulus
	clueLinuxIf
	clueLinuxRoute
	clueMetamako
	clueIptables
	clueHuawei
	clueArubaCX
	clueComware

	clueJunosSet
	clueJunosBlock
	clueJunosHeader
	clueJunosVersion

	clueXRComment
	clueXREnd
	clueXRSet
	clueXRStatic
	clueXRIfName
	clueXRIPv4
	clueXRCommit

	clueNXHeader
	clueNXFeature
	clueNXVersion
	clueNXVdc
	clueNXSwitchname
	clueNXVrfMember
	clueNXIfName
	clueNXPortChannel

	clueEOSDevice
	clueEOSHeader
	clueEOSStrong
	clueEOSPortChannel
	clueEOSVxlan
	clueEOSWeak
	clueEOSIfName

	clueIOSVersion
	clueIOSStrong
	clueIOSIfName
	clueIOSMask

	numClues
)

// clues gives each clue's dialect and weight.
var clues = [numClues]struct {
	v Vendor
	w int
}{
	clueASAHeader:  {ASA, 40},
	clueASANameif:  {ASA, 6},
	clueASASSH:     {ASA, 6},
	cluePANOS:      {PANOS, 20},
	clueFortiOS:    {FortiOS, 20},
	clueSROS:       {SROS, 20},
	clueF5Header:   {F5, 40},
	clueF5Block:    {F5, 20},
	clueCumulus:    {Cumulus, 20},
	clueLinuxIf:    {Other, 12},
	clueLinuxRoute: {Other, 12},
	clueMetamako:   {Other, 12},
	clueIptables:   {Other, 20},
	clueHuawei:     {Other, 12},
	clueArubaCX:    {Other, 40},
	clueComware:    {Other, 40},

	clueJunosSet:     {Junos, 10},
	clueJunosBlock:   {Junos, 10},
	clueJunosHeader:  {Junos, 10},
	clueJunosVersion: {Junos, 10},

	clueXRComment: {IOSXR, 10},
	clueXREnd:     {IOSXR, 10},
	clueXRSet:     {IOSXR, 10},
	clueXRStatic:  {IOSXR, 4},
	clueXRIfName:  {IOSXR, 4},
	clueXRIPv4:    {IOSXR, 4},
	clueXRCommit:  {IOSXR, 4},

	clueNXHeader:      {NXOS, 10},
	clueNXFeature:     {NXOS, 10},
	clueNXVersion:     {NXOS, 10},
	clueNXVdc:         {NXOS, 10},
	clueNXSwitchname:  {NXOS, 10},
	clueNXVrfMember:   {NXOS, 2},
	clueNXIfName:      {NXOS, 2},
	clueNXPortChannel: {NXOS, 2},

	clueEOSDevice:      {EOS, 10},
	clueEOSHeader:      {EOS, 10},
	clueEOSStrong:      {EOS, 10},
	clueEOSPortChannel: {EOS, 4},
	clueEOSVxlan:       {EOS, 4},
	clueEOSWeak:        {EOS, 2},
	clueEOSIfName:      {EOS, 2},

	clueIOSVersion: {IOS, 4},
	clueIOSStrong:  {IOS, 4},
	clueIOSIfName:  {IOS, 2},
	clueIOSMask:    {IOS, 2},
}

// junosTop are the top-level hierarchy words a Junos `set` line or brace
// block starts with.
var junosTop = setOf(`system interfaces protocols policy-options routing-options security firewall snmp
	routing-instances groups apply-groups chassis vlans forwarding-options class-of-service applications
	event-options services switch-options bridge-domains logical-systems virtual-chassis access
	ethernet-switching-options poe schedulers accounting-options multi-chassis version`)

// eosStrong are statement prefixes only Arista EOS prints.
var eosStrong = []string{
	"management api ", "daemon TerminAttr", "transceiver qsfp default-mode", "service routing protocols model",
	"ip routing vrf ", "vrf instance ", "router general", "peer-filter ", "mlag configuration",
	"management security", "management console", "management cvx", "ip virtual-router mac-address",
}

// iosStrong are statement prefixes IOS/IOS-XE prints and the other Cisco
// dialects do not (or only alongside a strong clue of their own).
var iosStrong = []string{
	"! Last configuration change at ", "Current configuration : ", "boot-start-marker", "boot-end-marker",
	"service timestamps", "service password-encryption", "service tcp-keepalives", "ip cef", "ip subnet-zero",
	"vrf definition ", "ip classless", "! Cisco IOS XE Software", "crypto pki trustpoint ", "license udi ",
	"no ip domain lookup", "no ip domain-lookup", "ip domain-name ", "ip domain name ", "no aaa new-model", "aaa new-model",
}

// ciscoVocab are the first words of top-level statements in any of the
// Cisco-style dialects; a file made mostly of them is read as IOS when
// nothing more specific shows.
var ciscoVocab = func() map[string]bool {
	m := map[string]bool{}
	for _, v := range []Vendor{IOS, NXOS, IOSXR, EOS} {
		for _, w := range strings.Fields(vocab[v]) {
			m[w] = true
		}
	}
	return m
}()

func setOf(s string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(s) {
		m[w] = true
	}
	return m
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

// detectSample bounds how much of a file detection reads.
const detectSample = 1 << 20

// Detect names the dialect of a configuration and the evidence used: a
// RANCID content-type header wins, then content clues, then the file's
// path as a tiebreak. Files matching none are Unknown. It reads the
// content in one pass with prefix checks (no regular expressions), so it
// costs about as much as splitting the file into lines.
func Detect(name string, data []byte) (Vendor, string) {
	data = decodeText(data)
	if len(data) > detectSample {
		data = data[:detectSample]
	}
	return detect(name, string(data))
}

// detect works on text already decoded by decodeText.
func detect(name string, data string) (Vendor, string) {
	if len(data) > detectSample {
		data = data[:detectSample]
	}
	var seen [numClues]bool
	rancid := ""
	cisco, statements := 0, 0
	hostname := false
	base := -1
	for len(data) > 0 {
		var line string
		if k := strings.IndexByte(data, '\n'); k >= 0 {
			line, data = data[:k], data[k+1:]
		} else {
			line, data = data, ""
		}
		indent := 0
		for indent < len(line) && (line[indent] == ' ' || line[indent] == '\t') {
			indent++
		}
		t := strings.TrimRight(line[indent:], " \t\r")
		if t == "" {
			continue
		}
		if rancid == "" && (t[0] == '!' || t[0] == '#') {
			if r, ok := strings.CutPrefix(strings.TrimLeft(t[1:], " "), "RANCID-CONTENT-TYPE:"); ok {
				rancid = strings.ToLower(strings.TrimSpace(r))
				if rancid == "" {
					rancid = "-"
				}
			}
		}
		if base < 0 && t[0] != '!' && t[0] != '#' {
			base = indent
		}
		top := indent <= base || base < 0
		lineClues(&seen, t, indent, top)
		if top && t[0] != '!' && t[0] != '#' {
			statements++
			w := firstWord(t)
			hostname = hostname || w == "hostname"
			if ciscoVocab[w] {
				cisco++
			}
		}
	}
	if v, ok := rancidTypes[rancid]; ok {
		if v == IOS && (seen[clueASAHeader] || seen[clueASANameif]) {
			return ASA, "RANCID content type cisco, ASA content"
		}
		return v, "RANCID content type " + rancid
	}
	score := map[Vendor]int{}
	for c, ok := range seen {
		if ok {
			score[clues[c].v] += clues[c].w
		}
	}
	best, bestScore := Unknown, 0
	for _, v := range []Vendor{ASA, PANOS, FortiOS, SROS, F5, Cumulus, Other, Junos, IOS, IOSXR, NXOS, EOS} {
		if score[v] > bestScore {
			best, bestScore = v, score[v]
		}
	}
	if bestScore >= 10 {
		return best, "content"
	}
	ciscoStyle := hostname || (statements > 0 && cisco*2 >= statements)
	if v := pathVendor(name); v != Unknown && (bestScore > 0 || ciscoStyle || !v.Supported()) {
		return v, "path " + filepath.Base(filepath.Dir(name))
	}
	if bestScore > 0 && (ciscoStyle || !best.Supported()) {
		return best, "content"
	}
	if ciscoStyle {
		return IOS, "Cisco-style statements"
	}
	return Unknown, "no known configuration statements"
}

func firstWord(t string) string {
	if k := strings.IndexAny(t, " \t"); k >= 0 {
		return t[:k]
	}
	return t
}

// lineClues records the clues one line (indentation removed) gives.
func lineClues(seen *[numClues]bool, t string, indent int, top bool) {
	switch t[0] {
	case '!':
		switch {
		case strings.HasPrefix(t, "!Command: show running-config"), strings.HasPrefix(t, "!Time:"):
			seen[clueNXHeader] = true
		case strings.HasPrefix(t, "! Command: show running-config"):
			seen[clueEOSHeader] = true
		case strings.HasPrefix(t, "! device: ") && strings.Contains(t, "EOS-"), strings.Contains(t, "/EOS-"):
			seen[clueEOSDevice] = true
		case strings.Contains(t, "IOS XR") || strings.Contains(t, "IOS-XR"):
			seen[clueXRComment] = true
		case strings.HasPrefix(t, "! Last configuration change at "), strings.HasPrefix(t, "! Cisco IOS XE Software"):
			seen[clueIOSStrong] = true
		case strings.Contains(t, "ArubaOS-CX"), strings.Contains(t, "AOS-CX"):
			// Aruba CX prints Cisco-like statements (`hostname`,
			// `interface 1/1/1`) but is not IOS.
			seen[clueArubaCX] = true
		}
		return
	case '#':
		switch {
		case strings.HasPrefix(t, "#TMSH-VERSION:"):
			seen[clueF5Header] = true
		case strings.HasPrefix(t, "#config-version="):
			seen[clueFortiOS] = true
		case strings.HasPrefix(t, "# TiMOS-"):
			seen[clueSROS] = true
		case strings.HasPrefix(t, "## Last commit: "), strings.HasPrefix(t, "## Last changed: "):
			seen[clueJunosHeader] = true
		case strings.Contains(t, "Comware Software"), strings.Contains(t, "VRP (R) software"), strings.Contains(t, "Huawei Versatile Routing Platform"):
			seen[clueComware] = true
		}
		return
	case ':':
		if strings.HasPrefix(t, ": Saved") {
			seen[clueASAHeader] = true
		} else if strings.HasPrefix(t, ":INPUT ") || strings.HasPrefix(t, ":FORWARD ") || strings.HasPrefix(t, ":OUTPUT ") {
			seen[clueIptables] = true
		}
		return
	case '*':
		switch t {
		case "*filter", "*nat", "*mangle", "*raw":
			seen[clueIptables] = true
		}
		return
	case '-':
		if strings.HasPrefix(t, "-A ") {
			seen[clueIptables] = true
		}
		return
	case '/':
		if strings.HasPrefix(t, "/configure ") {
			seen[clueSROS] = true
		}
		return
	}
	w0, rest, _ := strings.Cut(t, " ")
	w1, _, _ := strings.Cut(rest, " ")
	if !top {
		switch w0 {
		case "nameif":
			seen[clueASANameif] = true
		case "interface":
			if strings.Count(rest, "/") == 3 {
				seen[clueXRIfName] = true
			}
		case "vrf":
			if w1 == "member" {
				seen[clueNXVrfMember] = true
			}
		case "ipv4":
			if w1 == "address" {
				seen[clueXRIPv4] = true
			}
		case "ip":
			if w1 == "nat" && (rest == "nat inside" || rest == "nat outside") {
				seen[clueIOSMask] = true
			}
			if w1 == "address" {
				if f := strings.Fields(rest); len(f) >= 3 && isDotted(f[1]) && isDotted(f[2]) && strings.HasPrefix(f[2], "255.") {
					seen[clueIOSMask] = true
				}
			}
		case "speed":
			if w1 == "forced" {
				seen[clueEOSWeak] = true
			}
		case "trunk":
			if w1 == "group" {
				seen[clueEOSWeak] = true
			}
		case "end-policy", "end-set", "end-group":
			if rest == "" {
				seen[clueXREnd] = true
			}
		case "set", "deactivate", "delete", "activate":
			if junosTop[w1] {
				seen[clueJunosSet] = true
			}
		case "devices", "deviceconfig":
			if w1 == "{" || w0 == "deviceconfig" {
				seen[cluePANOS] = true
			}
		case "exit":
			if rest == "all" {
				seen[clueSROS] = true
			}
		}
		return
	}
	switch w0 {
	case "ASA", "PIX", "FWSM":
		if w1 == "Version" {
			seen[clueASAHeader] = true
		}
	case "zone", "zone-pair":
		if w1 == "security" {
			seen[clueIOSStrong] = true
		}
	case "same-security-traffic", "tunnel-group", "group-policy", "dynamic-access-policy-record", "webvpn":
		seen[clueASANameif] = true
	case "ssh":
		if w1 == "stricthostkeycheck" || isDotted(w1) {
			seen[clueASASSH] = true
		}
	case "deviceconfig":
		seen[cluePANOS] = true
	case "config":
		switch w1 {
		case "system", "firewall", "router", "vpn", "user", "log":
			seen[clueFortiOS] = true
		case "{":
			seen[cluePANOS] = true
		}
	case "devices":
		if w1 == "{" {
			seen[cluePANOS] = true
		}
	case "configure":
		if w1 == "{" {
			seen[clueSROS] = true
		}
	case "exit":
		if rest == "all" {
			seen[clueSROS] = true
		}
	case "ltm", "sys", "net", "auth", "cm", "gtm", "apm", "asm", "pem":
		if strings.HasSuffix(t, "{") && strings.Count(t, " ") >= 2 {
			seen[clueF5Block] = true
		} else if w0 == "net" && w1 == "add" {
			seen[clueCumulus] = true
		}
	case "auto":
		if rest == "lo" {
			seen[clueCumulus] = true
		}
	case "iface":
		seen[clueCumulus] = true
	case "frr":
		if w1 == "version" || w1 == "defaults" {
			seen[clueCumulus] = true
		}
	case "sysname":
		seen[clueHuawei] = true
	case "undo":
		seen[clueHuawei] = true
	case "application":
		if strings.HasPrefix(w1, "meta") {
			seen[clueMetamako] = true
		}
	case "set", "deactivate", "delete", "activate":
		if junosTop[w1] {
			seen[clueJunosSet] = true
		} else if w1 == "deviceconfig" {
			seen[cluePANOS] = true
		}
	case "inactive:", "replace:", "protect:":
		if junosTop[w1] && strings.HasSuffix(t, "{") {
			seen[clueJunosBlock] = true
		}
	case "version":
		switch {
		case strings.HasSuffix(t, ";"):
			seen[clueJunosVersion] = true
		case strings.Contains(w1, "("):
			seen[clueNXVersion] = true
		case len(w1) >= 3 && w1[0] == '1' && w1[1] >= '0' && w1[1] <= '7' && w1[2] == '.':
			seen[clueIOSVersion] = true
		}
	case "end-policy", "end-set", "end-group":
		if rest == "" {
			seen[clueXREnd] = true
		}
	case "route-policy", "prefix-set", "community-set", "as-path-set", "extcommunity-set", "rd-set",
		"large-community-set", "taskgroup", "usergroup":
		seen[clueXRSet] = true
	case "router":
		if rest == "static" {
			seen[clueXRStatic] = true
		}
		if rest == "general" {
			seen[clueEOSStrong] = true
		}
	case "commit":
		if rest == "" {
			seen[clueXRCommit] = true
		}
	case "telnet":
		if w1 == "vrf" {
			seen[clueXRCommit] = true
		}
	case "feature", "install", "feature-set":
		if w0 == "feature" || w1 == "feature-set" || w0 == "feature-set" {
			seen[clueNXFeature] = true
		}
	case "vdc":
		if strings.Contains(rest, " id ") {
			seen[clueNXVdc] = true
		}
	case "switchname":
		seen[clueNXSwitchname] = true
	case "boot":
		if strings.HasPrefix(rest, "system flash") && strings.HasSuffix(t, ".swi") {
			seen[clueEOSStrong] = true
		}
	case "aaa":
		if w1 == "root" {
			seen[clueEOSWeak] = true
		}
	case "spanning-tree":
		if rest == "mode mstp" {
			seen[clueEOSWeak] = true
		}
	case "ip":
		if strings.HasPrefix(rest, "route ") && strings.Contains(rest, " dev ") {
			seen[clueLinuxRoute] = true
		}
		if strings.HasPrefix(rest, "virtual-router ") {
			seen[clueEOSWeak] = true
		}
	case "line":
		if f := strings.Fields(rest); len(f) >= 2 && (f[0] == "vty" || f[0] == "con" || f[0] == "aux") && f[1][0] >= '0' && f[1][0] <= '9' {
			seen[clueIOSStrong] = true
		}
	case "interface":
		ifNameClues(seen, rest)
	}
	if top && !seen[clueEOSStrong] {
		for _, p := range eosStrong {
			if strings.HasPrefix(t, p) {
				seen[clueEOSStrong] = true
				break
			}
		}
	}
	if top && !seen[clueIOSStrong] {
		for _, p := range iosStrong {
			if strings.HasPrefix(t, p) {
				seen[clueIOSStrong] = true
				break
			}
		}
	}
	if strings.HasSuffix(t, "{") && junosTop[w0] && (w1 == "{" || strings.Count(t, " ") == 1) {
		seen[clueJunosBlock] = true
	}
}

// ifNameClues reads what an interface name says about the dialect: IOS-XR
// names have four numbers (rack/slot/module/port) or its own type names,
// NX-OS and EOS use Ethernet (with and without a slot), and a few names
// belong to Linux-based platforms.
func ifNameClues(seen *[numClues]bool, name string) {
	if k := strings.IndexByte(name, ' '); k >= 0 {
		name = name[:k]
	}
	i := 0
	for i < len(name) && (name[i] < '0' || name[i] > '9') {
		i++
	}
	typ, num := name[:i], name[i:]
	slashes := strings.Count(num, "/")
	if slashes == 3 {
		seen[clueXRIfName] = true
		return
	}
	switch typ {
	case "MgmtEth", "Bundle-Ether", "TenGigE":
		seen[clueXRIfName] = true
	case "eth", "swp", "bond", "et", "ap", "ma":
		seen[clueLinuxIf] = true
	case "Ethernet":
		if strings.HasPrefix(num, "0") {
			seen[clueIOSIfName] = true
		} else if slashes == 1 {
			seen[clueNXIfName] = true
		} else if slashes == 0 {
			seen[clueEOSIfName] = true
		}
	case "port-channel", "mgmt":
		seen[clueNXPortChannel] = true
	case "Port-Channel", "Vxlan", "Management":
		seen[clueEOSPortChannel] = true
	case "FastEthernet", "GigabitEthernet", "Serial", "Port-channel", "TenGigabitEthernet", "Vlan", "Loopback", "Tunnel", "Dialer", "Virtual-Template":
		seen[clueIOSIfName] = true
	}
}

func isDotted(s string) bool {
	dots := 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '.':
			dots++
		case c < '0' || c > '9':
			return false
		}
	}
	return dots == 3
}

func pathVendor(name string) Vendor {
	lower := strings.ToLower(filepath.ToSlash(name))
	parts := strings.Split(lower, "/")
	for i := len(parts) - 1; i >= 0; i-- {
		for _, h := range pathHints {
			if strings.HasPrefix(parts[i], h.part) {
				return h.v
			}
		}
	}
	return Unknown
}

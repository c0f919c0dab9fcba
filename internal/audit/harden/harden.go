// Package harden holds the hardening rules for services, logging and time,
// control- and data-plane protection, and software integrity (catalogue
// HARD-030 to HARD-060).
//
// Rules read the parsed configuration only. Where the catalogue's check
// needs device state (`show` output, files on flash, a golden copy), the
// rule's Doc says which part is not checked, and a rule that is wholly
// state carries NeedsState instead of a Check.
package harden

import (
	"net/netip"
	"strconv"
	"strings"

	"github.com/seawall/seawall/internal/audit/device"
	"github.com/seawall/seawall/internal/audit/rule"
)

// Reference keys and URLs from the catalogue's section 0 that only this
// package cites; rule.RefEVH and the others are shared.
const (
	refNISG   = "NSA-NISG"
	refCIS    = "CIS"
	refXEHG   = "CISCO-XE-HG"
	refNXHG   = "CISCO-NX-HG"
	refKEV    = "KEV"
	refKEVURL = "https://github.com/cisagov/kev-data"
	refLI     = "CISCO-LI"
	refYIR    = "TALOS-YIR"
)

// all is every supported dialect, for rules the catalogue marks "all".
var all = rule.Platforms(device.IOS, device.NXOS, device.IOSXR, device.Junos, device.EOS)

// Rules returns this package's rules in catalogue order.
func Rules() []rule.Rule {
	return []rule.Rule{
		hard030(), hard031(), hard032(), hard033(), hard034(),
		hard035(), hard036(), hard037(), hard038(), hard039(), hard040(),
		hard041(), hard042(), hard043(), hard044(), hard045(), hard046(), hard047(), hard048(),
		hard049(), hard050(), hard051(), hard052(), hard053(), hard054(), hard055(),
		hard056(), hard057(), hard058(), hard059(), hard060(),
	}
}

// hit builds a Hit from a message and its evidence lines.
func hit(msg string, nodes ...*device.Node) rule.Hit {
	return rule.Hit{Message: msg, Nodes: nodes}
}

// absent builds a Hit for a missing line; anchor is the block it belongs
// in, or nil for a top-level line.
func absent(msg string, anchor *device.Node) rule.Hit {
	return rule.Hit{Message: msg, Anchor: anchor}
}

// walk visits every statement of the configuration in file order.
func walk(c *device.Config, fn func(*device.Node)) {
	c.Root.Walk(func(n *device.Node) bool {
		fn(n)
		return true
	})
}

// ciscoLevels maps Cisco syslog level names (IOS, NX-OS, XR and EOS spell
// some differently) to their numbers.
var ciscoLevels = map[string]int{
	"emergencies": 0, "emergency": 0,
	"alerts": 1, "alert": 1,
	"critical": 2,
	"errors":   3, "error": 3,
	"warnings": 4, "warning": 4,
	"notifications": 5, "notification": 5,
	"informational": 6, "info": 6,
	"debugging": 7, "debug": 7,
}

// ciscoLevel reads a Cisco syslog level word (name or 0-7).
func ciscoLevel(w string) (int, bool) {
	if l, ok := ciscoLevels[strings.ToLower(w)]; ok {
		return l, true
	}
	if n, err := strconv.Atoi(w); err == nil && n >= 0 && n <= 7 {
		return n, true
	}
	return 0, false
}

// levelName names a syslog level number the way IOS prints it.
func levelName(l int) string {
	names := []string{"emergencies", "alerts", "critical", "errors", "warnings", "notifications", "informational", "debugging"}
	if l < 0 || l >= len(names) {
		return strconv.Itoa(l)
	}
	return names[l]
}

// junosLevels are Junos syslog severities; "any" is everything.
var junosLevels = map[string]int{
	"emergency": 0, "alert": 1, "critical": 2, "error": 3, "warning": 4,
	"notice": 5, "info": 6, "any": 7, "none": -1,
}

// addr reads an IP address word, or returns an invalid Addr.
func addr(w string) netip.Addr {
	a, err := netip.ParseAddr(w)
	if err != nil {
		return netip.Addr{}
	}
	return a
}

// joinQuoted renders names for a message: `a`, `b`.
func joinQuoted(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = "`" + n + "`"
	}
	return strings.Join(q, ", ")
}

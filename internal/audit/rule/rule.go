// Package rule is the audit's rule model: a Rule inspects one parsed device
// configuration (and the operator's inventory) and returns Findings with the
// evidence lines, a remediation in the vendor's own syntax and references.
// Rules are pure functions of their input.
package rule

import (
	"fmt"
	"slices"

	"github.com/seawall/seawall/internal/audit/device"
	"github.com/seawall/seawall/internal/inventory"
	"github.com/seawall/seawall/internal/severity"
)

// Severity is seawall's shared severity scale.
type Severity = severity.Level

// Severities, lowest first.
const (
	Info     = severity.Info
	Low      = severity.Low
	Medium   = severity.Medium
	High     = severity.High
	Critical = severity.Critical
)

// ParseSeverity reads a severity name (case-insensitive).
func ParseSeverity(s string) (Severity, error) { return severity.Parse(s) }

// Kind says what a rule looks for.
type Kind string

// Kinds of rules.
const (
	Hardening Kind = "hardening" // HARD-*: a weakness against published guidance
	Indicator Kind = "indicator" // IOC-CFG-*: a sign of an intruder's work
	Vuln      Kind = "vulnerability"
)

// Rule is one check.
type Rule struct {
	ID        string // catalogue id, e.g. HARD-001
	Title     string
	Kind      Kind
	Severity  Severity
	Platforms []device.Vendor
	// Doc says what the rule checks and why, and, where part of the check
	// needs device state (`show` output, files on flash) rather than the
	// configuration, which part and that it is not checked.
	Doc string
	// NeedsState is non-empty when the whole check needs device state; the
	// rule is then listed but never run, with this as the reason.
	NeedsState string
	// Remediation per platform, in the vendor's own syntax.
	Remediation map[device.Vendor]string
	// References are the sources (catalogue keys and URLs).
	References []string
	// ATTACK lists MITRE ATT&CK technique ids where one applies.
	ATTACK []string
	// Check inspects one device; nil when NeedsState is set.
	Check func(*Device) []Hit
}

// AppliesTo reports whether the rule runs on vendor v.
func (r *Rule) AppliesTo(v device.Vendor) bool { return slices.Contains(r.Platforms, v) }

// Device is what a rule sees.
type Device struct {
	Config *device.Config
	// Inventory is the operator's inventory; never nil (empty when none).
	Inventory *inventory.Config
	// Name is the device name: the hostname, else the file name.
	Name string
	// Software is the running software as far as the configuration (or a
	// `show version` beside it) tells; Version is "" when unknown.
	Software Software
}

// Software identifies what a device runs.
type Software struct {
	OS      string // ios, iosxe, nxos, iosxr, junos, eos, panos
	Version string // as the vendor writes it, e.g. 17.9.4a, 7.3(13), 22.4R3-S2.11
	Model   string // hardware model when known, e.g. N3K-C3172PQ-10GE
	// Source says where the version came from: "config line 4",
	// "show version (r1.version.txt)", or "" when unknown.
	Source string
	// Line is the configuration line the version was read from, 0 if none.
	Line int
}

// Hit is one problem a rule found: a message and the lines that show it.
// Nodes may be empty for "line absent" findings; Anchor then names the
// block the missing line belongs in, if any.
type Hit struct {
	Message string
	Nodes   []*device.Node
	Anchor  *device.Node
	// Severity overrides the rule's severity when set (a finding may be
	// worse or milder than the rule's usual case).
	Severity Severity
	// Confidence is "" (confirmed) or "unverified".
	Confidence string
}

// Finding is a Hit with the rule's metadata and redacted evidence, ready
// for output.
type Finding struct {
	RuleID      string         `json:"rule"`
	Title       string         `json:"title"`
	Kind        Kind           `json:"kind"`
	Severity    Severity       `json:"severity"`
	Device      string         `json:"device"`
	File        string         `json:"file"`
	Vendor      device.Vendor  `json:"vendor"`
	Message     string         `json:"message"`
	Evidence    []Evidence     `json:"evidence,omitempty"`
	Remediation string         `json:"remediation,omitempty"`
	References  []string       `json:"references,omitempty"`
	ATTACK      []string       `json:"attack,omitempty"`
	Confidence  string         `json:"confidence,omitempty"`
	Extra       map[string]any `json:"extra,omitempty"`
	Rule        *Rule          `json:"-"`
	Nodes       []*device.Node `json:"-"`
}

// Evidence is one configuration line, with secrets redacted.
type Evidence struct {
	File string `json:"file"`
	Line int    `json:"line"`
	Text string `json:"text"`
}

// Location is the first evidence line, or the anchor, or line 0.
func (f *Finding) Location() (string, int) {
	if len(f.Evidence) > 0 {
		return f.Evidence[0].File, f.Evidence[0].Line
	}
	return f.File, 0
}

// Run applies rules to one device and returns the findings in rule order.
// A rule that needs device state or does not apply to the platform is not
// run. A rule that panics is a bug; the panic is turned into an error
// naming the rule and file so one bad rule cannot stop a fleet audit.
func Run(rules []Rule, d *Device) (out []Finding, err error) {
	if d.Inventory == nil {
		d.Inventory = &inventory.Config{}
	}
	for i := range rules {
		r := &rules[i]
		if r.Check == nil || r.NeedsState != "" || !r.AppliesTo(d.Config.Vendor) {
			continue
		}
		hits, rerr := runOne(r, d)
		if rerr != nil {
			err = rerr
			continue
		}
		for _, h := range hits {
			out = append(out, finding(r, d, h))
		}
	}
	return out, err
}

func runOne(r *Rule, d *Device) (hits []Hit, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%s: rule %s failed: %v", d.Config.Name, r.ID, p)
		}
	}()
	return r.Check(d), nil
}

func finding(r *Rule, d *Device, h Hit) Finding {
	f := Finding{
		RuleID: r.ID, Title: r.Title, Kind: r.Kind, Severity: r.Severity,
		Device: d.Name, File: d.Config.Name, Vendor: d.Config.Vendor,
		Message: h.Message, Remediation: r.Remediation[d.Config.Vendor],
		References: r.References, ATTACK: r.ATTACK, Confidence: h.Confidence,
		Rule: r, Nodes: h.Nodes,
	}
	if h.Severity != Info {
		f.Severity = h.Severity
	}
	nodes := h.Nodes
	if len(nodes) == 0 && h.Anchor != nil {
		nodes = []*device.Node{h.Anchor}
	}
	for _, n := range nodes {
		f.Evidence = append(f.Evidence, Evidence{File: d.Config.Name, Line: n.Line, Text: device.Redact(d.Config.Vendor, EvidenceText(d.Config.Vendor, n))})
	}
	return f
}

// EvidenceText is what a node shows as evidence: the line itself for
// Cisco-style dialects, the `set` path for Junos. A node outside the tree
// (a header comment a rule quotes) shows its own text.
func EvidenceText(v device.Vendor, n *device.Node) string {
	if v == device.Junos && n.Parent != nil {
		return "set " + n.SetPath()
	}
	return n.Text
}

// Platforms is shorthand for a platform list.
func Platforms(v ...device.Vendor) []device.Vendor { return v }

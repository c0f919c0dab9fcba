package report

import (
	"encoding/json"
	"io"
	"time"

	"github.com/seawall/seawall/internal/audit"
)

// SchemaVersion names the JSON document's shape; it changes only when a
// field is removed or changes meaning (new fields may appear at any time).
const SchemaVersion = "seawall.audit/v1"

// Document is the JSON report. Its shape is a stable interface for scripts,
// owned by this package rather than borrowed from the audit's own types so
// that it changes only on purpose:
//
//	{
//	  "schema":    "seawall.audit/v1",
//	  "tool":      {"name": "seawall", "version": "v0.4.0", "information_uri": "..."},
//	  "generated": "2026-03-01T12:00:00Z",      // RFC 3339 UTC, omitted when unknown
//	  "paths":     ["configs/"],                // what was asked for
//	  "summary":   {"devices": 3, "not_audited": 1, "findings": 12,
//	                "by_severity": {"critical": 2, "high": 4, "medium": 5, "low": 1, "info": 0},
//	                "worst": "critical"},       // worst omitted when there are no findings
//	  "devices":   [{"name", "file", "status",  // status: audited, unsupported or error
//	                 "vendor", "software": {"os", "version", "model", "source", "line"},
//	                 "lines", "understood", "score", "counts": {"high": 1, ...}, "findings",
//	                 "unsupported", "error", "bytes"}],   // worst score first
//	  "findings":  [{"rule", "title", "kind", "severity", "device", "file", "line", "vendor",
//	                 "message", "evidence": [{"file", "line", "text"}], "remediation",
//	                 "references", "attack", "confidence", "extra"}],  // worst first
//	  "vendors":   [{"vendor", "title", "supported", "files", "lines", "understood", "share", "bytes"}],
//	  "skipped_rules": [{"rule", "title", "reason"}]   // rules that need device state
//	}
//
// Severities are info, low, medium, high and critical; kinds hardening,
// indicator and vulnerability. A finding's line is its first evidence line,
// 0 when it is about something absent from the configuration. Evidence
// text is redacted: secrets appear as markers such as "<type 7>". Empty
// lists are [], never null. "extra" is rule-specific detail, not part of
// the stable schema.
type Document struct {
	Schema       string     `json:"schema"`
	Tool         Tool       `json:"tool"`
	Generated    *time.Time `json:"generated,omitempty"`
	Paths        []string   `json:"paths,omitempty"`
	Summary      Summary    `json:"summary"`
	Devices      []Device   `json:"devices"`
	Findings     []Finding  `json:"findings"`
	Vendors      []Vendor   `json:"vendors"`
	SkippedRules []Skipped  `json:"skipped_rules"`
}

// Tool identifies the program that wrote the report.
type Tool struct {
	Name           string `json:"name"`
	Version        string `json:"version"`
	InformationURI string `json:"information_uri"`
}

// Summary is the fleet at a glance.
type Summary struct {
	// Devices counts the configurations audited; NotAudited the files that
	// were unsupported, unreadable or unparsable.
	Devices    int            `json:"devices"`
	NotAudited int            `json:"not_audited"`
	Findings   int            `json:"findings"`
	BySeverity map[string]int `json:"by_severity"`
	// Worst is the highest severity found, "" when there are no findings.
	Worst string `json:"worst,omitempty"`
}

// Device statuses.
const (
	StatusAudited     = "audited"
	StatusUnsupported = "unsupported"
	StatusError       = "error"
)

// Device is one file's result.
type Device struct {
	Name   string `json:"name"`
	File   string `json:"file"`
	Status string `json:"status"`
	Vendor string `json:"vendor,omitempty"`
	// Software is nil when the configuration does not say.
	Software   *Software      `json:"software,omitempty"`
	Lines      int            `json:"lines"`
	Understood int            `json:"understood"`
	Score      int            `json:"score"`
	Counts     map[string]int `json:"counts"`
	Findings   int            `json:"findings"`
	// Unsupported names the platform of a file seawall does not parse
	// ("other" when unrecognised); Error says why a file was not audited,
	// or which rule failed on an audited one.
	Unsupported string `json:"unsupported,omitempty"`
	Error       string `json:"error,omitempty"`
	Bytes       int    `json:"bytes"`
}

// Software is what a device runs, as far as its configuration (or a
// `show version` beside it) tells.
type Software struct {
	OS      string `json:"os,omitempty"`
	Version string `json:"version"`
	Model   string `json:"model,omitempty"`
	Source  string `json:"source,omitempty"`
	Line    int    `json:"line,omitempty"`
}

// Finding is one problem on one device.
type Finding struct {
	Rule        string         `json:"rule"`
	Title       string         `json:"title"`
	Kind        string         `json:"kind"`
	Severity    string         `json:"severity"`
	Device      string         `json:"device"`
	File        string         `json:"file"`
	Line        int            `json:"line"`
	Vendor      string         `json:"vendor"`
	Message     string         `json:"message"`
	Evidence    []Evidence     `json:"evidence"`
	Remediation string         `json:"remediation,omitempty"`
	References  []string       `json:"references,omitempty"`
	ATTACK      []string       `json:"attack,omitempty"`
	Confidence  string         `json:"confidence,omitempty"`
	Extra       map[string]any `json:"extra,omitempty"`
}

// Evidence is one configuration line, secrets redacted.
type Evidence struct {
	File string `json:"file"`
	Line int    `json:"line"`
	Text string `json:"text"`
}

// Vendor is one dialect's parse statistics.
type Vendor struct {
	Vendor     string  `json:"vendor"`
	Title      string  `json:"title"`
	Supported  bool    `json:"supported"`
	Files      int     `json:"files"`
	Lines      int     `json:"lines"`
	Understood int     `json:"understood"`
	Share      float64 `json:"share"`
	Bytes      int     `json:"bytes"`
}

// Skipped is a rule that was not run because it needs device state.
type Skipped struct {
	Rule   string `json:"rule"`
	Title  string `json:"title"`
	Reason string `json:"reason"`
}

// NewDocument builds the JSON document (also useful to embed the report in
// another JSON structure).
func NewDocument(r *audit.Report, m Meta) Document {
	f := split(r)
	d := Document{
		Schema:       SchemaVersion,
		Tool:         Tool{Name: ToolName, Version: m.Version, InformationURI: InformationURI},
		Paths:        m.Paths,
		Devices:      []Device{},
		Findings:     []Finding{},
		Vendors:      []Vendor{},
		SkippedRules: []Skipped{},
		Summary: Summary{
			Devices: len(f.audited), NotAudited: len(f.unsupported) + len(f.failed),
			Findings: len(r.Findings), BySeverity: map[string]int{},
		},
	}
	if !m.Generated.IsZero() {
		t := m.Generated.UTC()
		d.Generated = &t
	}
	for _, s := range severities {
		d.Summary.BySeverity[s.String()] = f.counts[s]
	}
	if w, ok := r.Worst(); ok {
		d.Summary.Worst = w.String()
	}
	for _, x := range r.Devices {
		dev := Device{
			Name: x.Name, File: x.File, Vendor: string(x.Vendor), Lines: x.Lines, Understood: x.Understood,
			Score: x.Score, Counts: map[string]int{}, Findings: x.Findings, Unsupported: string(x.Unsupported),
			Error: x.Error, Bytes: x.Bytes,
		}
		switch {
		case x.Vendor != "":
			dev.Status = StatusAudited
		case x.Unsupported != "":
			dev.Status = StatusUnsupported
		default:
			dev.Status = StatusError
		}
		if sw := x.Software; sw.Version != "" || sw.Model != "" {
			dev.Software = &Software{OS: sw.OS, Version: sw.Version, Model: sw.Model, Source: sw.Source, Line: sw.Line}
		}
		for k, n := range x.Counts {
			if n > 0 {
				dev.Counts[k] = n
			}
		}
		d.Devices = append(d.Devices, dev)
	}
	for _, x := range r.Findings {
		_, line := x.Location()
		fd := Finding{
			Rule: x.RuleID, Title: x.Title, Kind: string(x.Kind), Severity: x.Severity.String(), Device: x.Device,
			File: x.File, Line: line, Vendor: string(x.Vendor), Message: x.Message, Evidence: []Evidence{},
			Remediation: x.Remediation, References: x.References, ATTACK: x.ATTACK, Confidence: x.Confidence, Extra: x.Extra,
		}
		for _, e := range x.Evidence {
			fd.Evidence = append(fd.Evidence, Evidence{File: e.File, Line: e.Line, Text: e.Text})
		}
		d.Findings = append(d.Findings, fd)
	}
	for _, s := range r.Vendors {
		d.Vendors = append(d.Vendors, Vendor{Vendor: string(s.Vendor), Title: s.Vendor.Title(), Supported: s.Vendor.Supported(),
			Files: s.Files, Lines: s.Lines, Understood: s.Understood, Share: s.Share(), Bytes: s.Bytes})
	}
	for _, s := range r.Skipped {
		d.SkippedRules = append(d.SkippedRules, Skipped{Rule: s.ID, Title: s.Title, Reason: s.Reason})
	}
	return d
}

// WriteJSON writes the report as an indented Document.
func WriteJSON(w io.Writer, r *audit.Report, m Meta) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(NewDocument(r, m))
}

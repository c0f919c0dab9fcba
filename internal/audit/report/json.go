package report

import (
	"encoding/json"
	"io"
	"time"

	"github.com/seawall/seawall/internal/audit"
	"github.com/seawall/seawall/internal/audit/rule"
)

// SchemaVersion names the JSON document's shape; it changes only when a
// field is removed or changes meaning (new fields may appear at any time).
const SchemaVersion = "seawall.audit/v1"

// Document is the JSON report. Its shape is a stable interface for scripts:
//
//	{
//	  "schema":    "seawall.audit/v1",
//	  "tool":      {"name": "seawall", "version": "v0.4.0", "information_uri": "..."},
//	  "generated": "2026-03-01T12:00:00Z",           // RFC 3339, omitted when unknown
//	  "paths":     ["configs/"],                     // what was asked for
//	  "summary":   {"devices": 3, "not_audited": 1, "findings": 12,
//	                "by_severity": {"critical": 2, "high": 4, ...}, "worst": "critical"},
//	  "devices":   [{"name", "file", "vendor", "software": {"OS", "Version", "Model", "Source", "Line"},
//	                 "lines", "understood", "score", "counts": {"high": 1}, "findings",
//	                 "unsupported", "error", "bytes"}],  // worst score first
//	  "findings":  [{"rule", "title", "kind", "severity", "device", "file", "vendor", "message",
//	                 "evidence": [{"file", "line", "text"}], "remediation", "references",
//	                 "attack", "confidence", "extra"}],  // worst first, then file and line
//	  "vendors":   [{"vendor", "title", "supported", "files", "lines", "understood", "bytes", "share"}],
//	  "skipped_rules": [{"rule", "title", "reason"}]    // rules that need device state
//	}
//
// Severities are the names info, low, medium, high and critical. Evidence
// text is redacted: secrets appear as markers such as "<type 7>".
type Document struct {
	Schema       string          `json:"schema"`
	Tool         Tool            `json:"tool"`
	Generated    *time.Time      `json:"generated,omitempty"`
	Paths        []string        `json:"paths,omitempty"`
	Summary      Summary         `json:"summary"`
	Devices      []audit.Device  `json:"devices"`
	Findings     []rule.Finding  `json:"findings"`
	Vendors      []Vendor        `json:"vendors"`
	SkippedRules []audit.Skipped `json:"skipped_rules"`
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

// Vendor is one dialect's parse statistics.
type Vendor struct {
	audit.VendorStats
	Title     string  `json:"title"`
	Supported bool    `json:"supported"`
	Share     float64 `json:"share"`
}

// NewDocument builds the JSON document (also useful to embed the report in
// another JSON structure).
func NewDocument(r *audit.Report, m Meta) Document {
	f := split(r)
	d := Document{
		Schema:       SchemaVersion,
		Tool:         Tool{Name: ToolName, Version: m.Version, InformationURI: InformationURI},
		Paths:        m.Paths,
		Devices:      r.Devices,
		Findings:     r.Findings,
		SkippedRules: r.Skipped,
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
	for _, s := range r.Vendors {
		d.Vendors = append(d.Vendors, Vendor{VendorStats: s, Title: s.Vendor.Title(), Supported: s.Vendor.Supported(), Share: s.Share()})
	}
	// Empty lists are [] rather than null, so consumers can iterate blindly.
	if d.Devices == nil {
		d.Devices = []audit.Device{}
	}
	if d.Findings == nil {
		d.Findings = []rule.Finding{}
	}
	if d.Vendors == nil {
		d.Vendors = []Vendor{}
	}
	if d.SkippedRules == nil {
		d.SkippedRules = []audit.Skipped{}
	}
	return d
}

// WriteJSON writes the report as an indented Document.
func WriteJSON(w io.Writer, r *audit.Report, m Meta) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(NewDocument(r, m))
}

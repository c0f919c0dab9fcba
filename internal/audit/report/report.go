// Package report renders an audit.Report for people and machines: a text
// table for the terminal, JSON with a documented schema, SARIF 2.1.0 for
// code-scanning tools, CSV for spreadsheets and a self-contained HTML page
// to hand to a manager. It is pure: every writer takes an io.Writer and
// the caller passes in what the report cannot know itself (tool version,
// time of generation).
//
// Evidence arrives already redacted by rule.Run; no writer here ever sees
// a secret, so none needs to redact again.
package report

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/seawall/seawall/internal/audit"
	"github.com/seawall/seawall/internal/audit/device"
	"github.com/seawall/seawall/internal/audit/rule"
)

// Meta is what the caller knows about the run that the Report does not.
type Meta struct {
	// Version is seawall's version, e.g. v0.4.0 or dev.
	Version string
	// Generated is when the audit ran; the zero time is left out.
	Generated time.Time
	// Paths are the files and directories the user asked to audit.
	Paths []string
}

// ToolName and InformationURI identify seawall in SARIF and JSON.
const (
	ToolName       = "seawall"
	InformationURI = "https://github.com/seawall/seawall"
)

// Format names an output format.
type Format string

// The formats Write knows.
const (
	Table Format = "table"
	JSON  Format = "json"
	SARIF Format = "sarif"
	HTML  Format = "html"
	CSV   Format = "csv"
)

// Formats lists every format, the default first.
func Formats() []Format { return []Format{Table, JSON, SARIF, HTML, CSV} }

// ParseFormat reads a --format value (case-insensitive).
func ParseFormat(s string) (Format, error) {
	f := Format(strings.ToLower(strings.TrimSpace(s)))
	if slices.Contains(Formats(), f) {
		return f, nil
	}
	names := make([]string, 0, len(Formats()))
	for _, f := range Formats() {
		names = append(names, string(f))
	}
	return "", fmt.Errorf("format %q is not one of %s", s, strings.Join(names, ", "))
}

// Write renders r in format f.
func Write(w io.Writer, f Format, r *audit.Report, m Meta) error {
	switch f {
	case Table:
		return WriteTable(w, r, m)
	case JSON:
		return WriteJSON(w, r, m)
	case SARIF:
		return WriteSARIF(w, r, m)
	case HTML:
		return WriteHTML(w, r, m)
	case CSV:
		return WriteCSV(w, r)
	}
	return fmt.Errorf("unknown report format %q", f)
}

// severities are the severities worst first, as reports list them.
var severities = []rule.Severity{rule.Critical, rule.High, rule.Medium, rule.Low, rule.Info}

// fleet sorts a report's devices into what was audited, what seawall
// recognised but does not parse, and what failed before parsing.
type fleet struct {
	audited     []audit.Device
	unsupported []audit.Device
	failed      []audit.Device
	counts      map[rule.Severity]int
}

func split(r *audit.Report) fleet {
	f := fleet{counts: map[rule.Severity]int{}}
	for _, d := range r.Devices {
		switch {
		case d.Vendor != device.Unknown:
			f.audited = append(f.audited, d)
		case d.Unsupported != device.Unknown:
			f.unsupported = append(f.unsupported, d)
		default:
			f.failed = append(f.failed, d)
		}
	}
	for _, x := range r.Findings {
		f.counts[x.Severity]++
	}
	return f
}

// bySeverity groups findings by severity, worst first, keeping their order.
func bySeverity(fs []rule.Finding) map[rule.Severity][]rule.Finding {
	g := map[rule.Severity][]rule.Finding{}
	for _, f := range fs {
		g[f.Severity] = append(g[f.Severity], f)
	}
	return g
}

// countLine is "2 critical, 5 high, 1 low" (zero counts left out), or
// "no findings".
func countLine(counts map[rule.Severity]int) string {
	var parts []string
	for _, s := range severities {
		if n := counts[s]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, s))
		}
	}
	if len(parts) == 0 {
		return "no findings"
	}
	return strings.Join(parts, ", ")
}

// plural is "1 device" or "3 devices".
func plural(n int, one string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %ss", n, one)
}

// percent writes a share with one decimal, 100% exactly only when whole.
func percent(s audit.VendorStats) string {
	if s.Lines == 0 {
		return "-"
	}
	if s.Understood == s.Lines {
		return "100%"
	}
	return fmt.Sprintf("%.1f%%", 100*float64(s.Understood)/float64(s.Lines))
}

// software is "iosxe 17.9.4a (C8300)" or "" when unknown.
func software(s rule.Software) string {
	if s.Version == "" {
		return ""
	}
	out := s.Version
	if s.OS != "" {
		out = s.OS + " " + out
	}
	if s.Model != "" {
		out += " (" + s.Model + ")"
	}
	return out
}

// location is "file:line", or "file" for findings with no line.
func location(f rule.Finding) string {
	file, line := f.Location()
	if line <= 0 {
		return file
	}
	return fmt.Sprintf("%s:%d", file, line)
}

// reason is why a file was not audited, from its error message without the
// file name the message repeats.
func reason(d audit.Device) string {
	msg := strings.TrimPrefix(d.Error, d.File+": ")
	msg, _, _ = strings.Cut(msg, "; seawall audits ")
	return msg
}

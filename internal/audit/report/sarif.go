package report

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"path"
	"path/filepath"
	"strings"
	"unicode"

	"github.com/seawall/seawall/internal/audit"
	"github.com/seawall/seawall/internal/audit/device"
	"github.com/seawall/seawall/internal/audit/rule"
)

// SARIF constants: the version and the schema location GitHub code
// scanning and other consumers recognise.
const (
	SARIFVersion = "2.1.0"
	SARIFSchema  = "https://json.schemastore.org/sarif-2.1.0.json"
	// SrcRoot is the uriBaseId of relative artifact locations: the
	// directory seawall ran in, which a code-scanning upload maps to the
	// repository checkout.
	SrcRoot = "SRCROOT"
	// fingerprintKey names seawall's partial fingerprint.
	fingerprintKey = "seawallFinding/v1"
)

type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool        sarifTool         `json:"tool"`
	Invocations []sarifInvocation `json:"invocations"`
	Results     []sarifResult     `json:"results"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	Version        string      `json:"version,omitempty"`
	InformationURI string      `json:"informationUri"`
	Rules          []sarifRule `json:"rules"`
}

type sarifText struct {
	Text string `json:"text"`
}

type sarifMultiformat struct {
	Text     string `json:"text"`
	Markdown string `json:"markdown,omitempty"`
}

type sarifRule struct {
	ID                   string           `json:"id"`
	Name                 string           `json:"name"`
	ShortDescription     sarifText        `json:"shortDescription"`
	FullDescription      sarifText        `json:"fullDescription"`
	Help                 sarifMultiformat `json:"help"`
	HelpURI              string           `json:"helpUri,omitempty"`
	DefaultConfiguration sarifConfig      `json:"defaultConfiguration"`
	Properties           sarifRuleProps   `json:"properties"`
}

type sarifConfig struct {
	Level string `json:"level"`
}

type sarifRuleProps struct {
	Tags []string `json:"tags"`
	// SecuritySeverity is the 0-10 score GitHub code scanning turns into
	// its critical/high/medium/low label; GitHub reads it as a string.
	SecuritySeverity string   `json:"security-severity,omitempty"`
	Severity         string   `json:"severity"`
	Kind             string   `json:"kind"`
	Platforms        []string `json:"platforms,omitempty"`
	NeedsState       string   `json:"needsState,omitempty"`
}

type sarifResult struct {
	RuleID              string            `json:"ruleId"`
	RuleIndex           int               `json:"ruleIndex"`
	Level               string            `json:"level"`
	Message             sarifText         `json:"message"`
	Locations           []sarifLocation   `json:"locations"`
	RelatedLocations    []sarifLocation   `json:"relatedLocations,omitempty"`
	PartialFingerprints map[string]string `json:"partialFingerprints"`
	Properties          sarifResultProps  `json:"properties"`
}

type sarifResultProps struct {
	Device     string `json:"device"`
	Vendor     string `json:"vendor"`
	Severity   string `json:"severity"`
	Confidence string `json:"confidence"`
}

type sarifLocation struct {
	ID               *int          `json:"id,omitempty"`
	PhysicalLocation sarifPhysical `json:"physicalLocation"`
	Message          *sarifText    `json:"message,omitempty"`
}

type sarifPhysical struct {
	ArtifactLocation sarifArtifact `json:"artifactLocation"`
	Region           sarifRegion   `json:"region"`
}

type sarifArtifact struct {
	URI       string `json:"uri"`
	URIBaseID string `json:"uriBaseId,omitempty"`
}

type sarifRegion struct {
	StartLine int        `json:"startLine"`
	Snippet   *sarifText `json:"snippet,omitempty"`
}

type sarifInvocation struct {
	ExecutionSuccessful        bool                `json:"executionSuccessful"`
	ToolExecutionNotifications []sarifNotification `json:"toolExecutionNotifications,omitempty"`
}

type sarifNotification struct {
	Level     string          `json:"level"`
	Message   sarifText       `json:"message"`
	Locations []sarifLocation `json:"locations,omitempty"`
}

// sarifLevel maps a severity to a SARIF level.
func sarifLevel(s rule.Severity) string {
	switch s {
	case rule.Critical, rule.High:
		return "error"
	case rule.Medium:
		return "warning"
	}
	return "note"
}

// securitySeverity is the score GitHub code scanning reads: ≥9.0 is
// critical, 7.0–8.9 high, 4.0–6.9 medium, 0.1–3.9 low.
func securitySeverity(s rule.Severity) string {
	switch s {
	case rule.Critical:
		return "9.5"
	case rule.High:
		return "8.0"
	case rule.Medium:
		return "5.5"
	case rule.Low:
		return "3.0"
	}
	return ""
}

// WriteSARIF writes the report as a SARIF 2.1.0 log with one run: every
// rule considered in tool.driver.rules, one result per finding located at
// its first evidence line (line 1 for findings about something absent),
// further evidence as related locations, and the files that could not be
// audited as tool execution notifications.
func WriteSARIF(w io.Writer, r *audit.Report, m Meta) error {
	run := sarifRun{
		Tool:    sarifTool{Driver: sarifDriver{Name: ToolName, Version: m.Version, InformationURI: InformationURI, Rules: []sarifRule{}}},
		Results: []sarifResult{},
	}
	index := map[string]int{}
	addRule := func(ru *rule.Rule) {
		if _, ok := index[ru.ID]; ok {
			return
		}
		index[ru.ID] = len(run.Tool.Driver.Rules)
		run.Tool.Driver.Rules = append(run.Tool.Driver.Rules, toSARIFRule(ru))
	}
	for i := range r.Rules {
		addRule(&r.Rules[i])
	}
	for _, f := range r.Findings {
		if _, ok := index[f.RuleID]; ok {
			continue
		}
		if f.Rule != nil && f.Rule.ID == f.RuleID {
			addRule(f.Rule)
			continue
		}
		// A finding whose rule the report does not carry: describe the
		// rule from the finding, so ruleIndex stays valid.
		addRule(&rule.Rule{ID: f.RuleID, Title: f.Title, Kind: f.Kind, Severity: f.Severity, References: f.References, ATTACK: f.ATTACK,
			Remediation: map[device.Vendor]string{f.Vendor: f.Remediation}, Platforms: []device.Vendor{f.Vendor}})
	}

	seen := map[string]int{}
	for _, f := range r.Findings {
		msg := f.Message
		if msg == "" {
			msg = f.Title
		}
		res := sarifResult{
			RuleID: f.RuleID, RuleIndex: index[f.RuleID], Level: sarifLevel(f.Severity),
			Message:    sarifText{Text: msg},
			Properties: sarifResultProps{Device: f.Device, Vendor: string(f.Vendor), Severity: f.Severity.String(), Confidence: confidence(f.Confidence)},
		}
		if len(f.Evidence) == 0 {
			res.Locations = []sarifLocation{location1(f.File, 0, "")}
		}
		for i, e := range f.Evidence {
			loc := location1(e.File, e.Line, e.Text)
			if i == 0 {
				res.Locations = []sarifLocation{loc}
				continue
			}
			id := i
			loc.ID = &id
			res.RelatedLocations = append(res.RelatedLocations, loc)
		}
		fp := fingerprint(f)
		seen[fp]++
		if n := seen[fp]; n > 1 {
			fp = fmt.Sprintf("%s:%d", fp, n)
		}
		res.PartialFingerprints = map[string]string{fingerprintKey: fp}
		run.Results = append(run.Results, res)
	}

	inv := sarifInvocation{ExecutionSuccessful: true}
	for _, d := range r.Devices {
		if d.Error == "" {
			continue
		}
		level := "error"
		if d.Unsupported != device.Unknown {
			level = "warning"
		}
		inv.ToolExecutionNotifications = append(inv.ToolExecutionNotifications, sarifNotification{
			Level: level, Message: sarifText{Text: reason(d)}, Locations: []sarifLocation{location1(d.File, 0, "")},
		})
	}
	run.Invocations = []sarifInvocation{inv}

	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(sarifLog{Schema: SARIFSchema, Version: SARIFVersion, Runs: []sarifRun{run}})
}

// confidence names a finding's confidence for SARIF consumers.
func confidence(c string) string {
	if c == "" {
		return "confirmed"
	}
	return c
}

func toSARIFRule(ru *rule.Rule) sarifRule {
	full := strings.TrimSpace(ru.Doc)
	if full == "" {
		full = ru.Title
	}
	tags := []string{"security", string(ru.Kind)}
	var platforms []string
	for _, v := range ru.Platforms {
		platforms = append(platforms, string(v))
	}
	tags = append(tags, platforms...)
	for _, t := range ru.ATTACK {
		tags = append(tags, "external/mitre/attack/"+t)
	}
	text, md := ruleHelp(ru)
	sr := sarifRule{
		ID: ru.ID, Name: ruleName(ru.Title),
		ShortDescription:     sarifText{Text: ru.Title},
		FullDescription:      sarifText{Text: full},
		Help:                 sarifMultiformat{Text: text, Markdown: md},
		DefaultConfiguration: sarifConfig{Level: sarifLevel(ru.Severity)},
		Properties: sarifRuleProps{Tags: tags, SecuritySeverity: securitySeverity(ru.Severity), Severity: ru.Severity.String(),
			Kind: string(ru.Kind), Platforms: platforms, NeedsState: ru.NeedsState},
	}
	for _, ref := range ru.References {
		if strings.HasPrefix(ref, "https://") || strings.HasPrefix(ref, "http://") {
			sr.HelpURI = ref
			break
		}
	}
	return sr
}

// ruleHelp is the remediation per platform, with the references, as plain
// text and as Markdown.
func ruleHelp(ru *rule.Rule) (text, md string) {
	var t, m strings.Builder
	t.WriteString(ru.Title + "\n")
	m.WriteString("**" + mdEscape(ru.Title) + "**\n")
	if ru.Doc != "" {
		t.WriteString("\n" + ru.Doc + "\n")
		m.WriteString("\n" + mdEscape(ru.Doc) + "\n")
	}
	if ru.NeedsState != "" {
		t.WriteString("\nNot checked from the configuration: " + ru.NeedsState + "\n")
		m.WriteString("\n*Not checked from the configuration:* " + mdEscape(ru.NeedsState) + "\n")
	}
	first := true
	for _, v := range append(device.SupportedVendors(), vendorsOutside(ru.Remediation)...) {
		fix := strings.TrimRight(ru.Remediation[v], "\n")
		if fix == "" {
			continue
		}
		if first {
			t.WriteString("\nRemediation\n")
			m.WriteString("\n#### Remediation\n")
			first = false
		}
		t.WriteString("\n" + v.Title() + ":\n")
		for _, l := range strings.Split(fix, "\n") {
			t.WriteString("    " + l + "\n")
		}
		m.WriteString("\n" + mdEscape(v.Title()) + ":\n\n```\n" + strings.ReplaceAll(fix, "```", "` ` `") + "\n```\n")
	}
	if len(ru.References) > 0 || len(ru.ATTACK) > 0 {
		t.WriteString("\nReferences\n")
		m.WriteString("\n#### References\n\n")
		for _, ref := range ru.References {
			t.WriteString("  - " + ref + "\n")
			if strings.HasPrefix(ref, "https://") || strings.HasPrefix(ref, "http://") {
				m.WriteString("- <" + ref + ">\n")
			} else {
				m.WriteString("- " + mdEscape(ref) + "\n")
			}
		}
		for _, a := range ru.ATTACK {
			u := "https://attack.mitre.org/techniques/" + strings.ReplaceAll(a, ".", "/") + "/"
			t.WriteString("  - MITRE ATT&CK " + a + ": " + u + "\n")
			m.WriteString("- MITRE ATT&CK [" + a + "](" + u + ")\n")
		}
	}
	return t.String(), m.String()
}

// vendorsOutside lists remediation platforms not in SupportedVendors, in
// a stable order.
func vendorsOutside(rem map[device.Vendor]string) []device.Vendor {
	var out []device.Vendor
	for v := range rem {
		if !v.Supported() {
			out = append(out, v)
		}
	}
	sortVendors(out)
	return out
}

func sortVendors(vs []device.Vendor) {
	for i := 1; i < len(vs); i++ {
		for j := i; j > 0 && vs[j] < vs[j-1]; j-- {
			vs[j], vs[j-1] = vs[j-1], vs[j]
		}
	}
}

// mdEscape keeps configuration text from being read as Markdown markup.
func mdEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune("\\`*_[]<>#|", r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// ruleName turns a title into the PascalCase identifier SARIF viewers
// show beside the id ("Plain-HTTP management server is off" →
// "PlainHTTPManagementServerIsOff").
func ruleName(title string) string {
	var b strings.Builder
	up := true
	for _, r := range title {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			up = true
			continue
		}
		if up {
			r = unicode.ToUpper(r)
			up = false
		}
		b.WriteRune(r)
	}
	if b.Len() == 0 {
		return "Rule"
	}
	return b.String()
}

// location1 is a SARIF location for file at line (1 when line is 0: the
// finding is about the file as a whole).
func location1(file string, line int, snippet string) sarifLocation {
	uri, base := sarifURI(file)
	loc := sarifLocation{PhysicalLocation: sarifPhysical{
		ArtifactLocation: sarifArtifact{URI: uri, URIBaseID: base},
		Region:           sarifRegion{StartLine: max(line, 1)},
	}}
	if snippet != "" {
		loc.PhysicalLocation.Region.Snippet = &sarifText{Text: snippet}
	}
	return loc
}

// sarifURI turns a file path into a URI reference: relative paths stay
// relative (to SRCROOT), absolute ones become file: URIs.
func sarifURI(file string) (uri, base string) {
	p := filepath.ToSlash(file)
	abs := filepath.IsAbs(file) || strings.HasPrefix(p, "/")
	if !abs {
		p = path.Clean(p)
	}
	segs := strings.Split(p, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	esc := strings.Join(segs, "/")
	if abs {
		if !strings.HasPrefix(esc, "/") {
			esc = "/" + esc // Windows drive paths: file:///C:/...
		}
		return "file://" + esc, ""
	}
	return esc, SrcRoot
}

// fingerprint identifies a finding across runs for deduplication: the rule,
// file, device, message and evidence text, but not line numbers, so a
// finding keeps its identity when lines above it are added or removed.
func fingerprint(f rule.Finding) string {
	h := sha256.New()
	parts := []string{f.RuleID, filepath.ToSlash(f.File), f.Device, f.Message}
	for _, e := range f.Evidence {
		parts = append(parts, e.Text)
	}
	for _, p := range parts {
		fmt.Fprintf(h, "%d:%s\n", len(p), p)
	}
	return hex.EncodeToString(h.Sum(nil))[:32]
}

package report

import (
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/seawall/seawall/internal/audit"
	"github.com/seawall/seawall/internal/audit/rule"
)

//go:embed report.html.tmpl
var htmlSource string

// htmlTemplate is parsed once per call: parsing is cheap beside an audit
// and keeps the package free of package-level state.
func htmlTemplate() (*template.Template, error) {
	return template.New("report").Funcs(template.FuncMap{
		"spans": codeSpans,
	}).Parse(htmlSource)
}

// WriteHTML writes a self-contained HTML page (inline CSS, no scripts, no
// external assets) for people: a fleet summary with the worst devices,
// per-device scores, findings by severity grouped by rule with evidence
// and remediation, parse coverage per vendor, the files not audited and
// the rules that need device state. It prints cleanly.
func WriteHTML(w io.Writer, r *audit.Report, m Meta) error {
	t, err := htmlTemplate()
	if err != nil {
		return fmt.Errorf("report template: %w", err)
	}
	return t.Execute(w, newHTMLView(r, m))
}

type htmlView struct {
	Version    string
	Generated  string
	Paths      string
	Audited    int
	NotAudited int
	Findings   int
	Affected   int
	Sev        []sevCard
	Verdict    string
	Tone       string // css class of the verdict: crit, high, ok
	Worst      []devRow
	Devices    []devRow
	Groups     []sevGroup
	Vendors    []vendorRow
	Files      []fileRow
	RuleErrors []fileRow
	Skipped    []audit.Skipped
}

type sevCard struct {
	Name, Class string
	Count       int
}

type devRow struct {
	Name, File, Vendor, Software string
	Score                        int
	Grade                        string
	Counts                       []sevCard
	Findings                     int
	Coverage                     string
	Error                        string
}

type sevGroup struct {
	Name, Class string
	Count       int
	Rules       []ruleGroup
}

type ruleGroup struct {
	ID, Title, Kind, KindLabel string
	Devices                    int
	Items                      []htmlItem
	// Shown are the first items, More the rest (folded on screen so a
	// fleet-wide rule does not bury the next one).
	Shown, More []htmlItem
	Fixes       []htmlFix
	Refs        []htmlRef
	ATTACK      []string
}

type htmlItem struct {
	Device, Location, Message, Confidence string
	Evidence                              []rule.Evidence
}

// foldAfter is how many findings of one rule the page shows before
// folding the rest.
const foldAfter = 8

type htmlFix struct{ Vendor, Text string }

type htmlRef struct{ Text, URL string }

type vendorRow struct {
	Title      string
	Supported  bool
	Files      int
	Lines      int
	Understood int
	Share      string
	Width      int // bar width in percent
}

type fileRow struct{ File, Reason string }

// grade names a score's band for colouring.
func grade(score int) string {
	switch {
	case score >= 90:
		return "good"
	case score >= 70:
		return "fair"
	case score >= 40:
		return "poor"
	}
	return "bad"
}

// kindOrder puts signs of intrusion before exploitable software before
// hardening at the same severity: they change what to do first.
func kindOrder(k rule.Kind) int {
	switch k {
	case rule.Indicator:
		return 0
	case rule.Vuln:
		return 1
	}
	return 2
}

func kindLabel(k rule.Kind) string {
	switch k {
	case rule.Indicator:
		return "sign of compromise"
	case rule.Vuln:
		return "exploited vulnerability"
	case rule.Hardening:
		return "hardening"
	}
	return string(k)
}

func newHTMLView(r *audit.Report, m Meta) htmlView {
	f := split(r)
	v := htmlView{
		Version: m.Version, Paths: strings.Join(m.Paths, " "),
		Audited: len(f.audited), NotAudited: len(f.unsupported) + len(f.failed),
		Findings: len(r.Findings), Skipped: r.Skipped,
	}
	if !m.Generated.IsZero() {
		v.Generated = m.Generated.UTC().Format(time.RFC1123)
	}
	for _, s := range severities {
		v.Sev = append(v.Sev, sevCard{Name: s.String(), Class: s.String(), Count: f.counts[s]})
	}
	intruded := map[string]bool{}
	for _, d := range f.audited {
		row := devRow{
			Name: d.Name, File: d.File, Vendor: d.Vendor.Title(), Software: software(d.Software),
			Score: d.Score, Grade: grade(d.Score), Findings: d.Findings, Error: d.Error,
		}
		if d.Lines > 0 {
			row.Coverage = percent(audit.VendorStats{Lines: d.Lines, Understood: d.Understood})
		}
		for _, s := range severities[:4] {
			row.Counts = append(row.Counts, sevCard{Name: s.String(), Class: s.String(), Count: d.Counts[s.String()]})
		}
		if d.Findings > 0 {
			v.Affected++
		}
		v.Devices = append(v.Devices, row)
		if d.Error != "" {
			v.RuleErrors = append(v.RuleErrors, fileRow{File: d.File, Reason: reason(d)})
		}
	}
	for _, row := range v.Devices {
		if len(v.Worst) == 5 || row.Findings == 0 {
			break
		}
		v.Worst = append(v.Worst, row)
	}
	for _, x := range r.Findings {
		if x.Kind == rule.Indicator {
			intruded[x.Device] = true
		}
	}

	groups := bySeverity(r.Findings)
	for _, s := range severities {
		fs := groups[s]
		if len(fs) == 0 {
			continue
		}
		g := sevGroup{Name: s.String(), Class: s.String(), Count: len(fs)}
		byRule := map[string]*ruleGroup{}
		devs := map[string]map[string]bool{}
		var order []string
		for _, x := range fs {
			rg := byRule[x.RuleID]
			if rg == nil {
				rg = &ruleGroup{ID: x.RuleID, Title: x.Title, Kind: string(x.Kind), KindLabel: kindLabel(x.Kind), ATTACK: x.ATTACK}
				for _, ref := range x.References {
					h := htmlRef{Text: ref}
					if strings.HasPrefix(ref, "https://") || strings.HasPrefix(ref, "http://") {
						h.URL = ref
					}
					rg.Refs = append(rg.Refs, h)
				}
				byRule[x.RuleID] = rg
				devs[x.RuleID] = map[string]bool{}
				order = append(order, x.RuleID)
			}
			devs[x.RuleID][x.File] = true
			it := htmlItem{Device: x.Device, Location: location(x), Message: x.Message, Confidence: x.Confidence, Evidence: x.Evidence}
			rg.Items = append(rg.Items, it)
			if x.Remediation != "" && !slices.ContainsFunc(rg.Fixes, func(h htmlFix) bool { return h.Text == x.Remediation && h.Vendor == x.Vendor.Title() }) {
				rg.Fixes = append(rg.Fixes, htmlFix{Vendor: x.Vendor.Title(), Text: strings.TrimRight(x.Remediation, "\n")})
			}
		}
		for _, id := range order {
			rg := byRule[id]
			rg.Devices = len(devs[id])
			rg.Shown, rg.More = rg.Items, nil
			if len(rg.Items) > foldAfter+2 {
				rg.Shown, rg.More = rg.Items[:foldAfter], rg.Items[foldAfter:]
			}
			g.Rules = append(g.Rules, *rg)
		}
		slices.SortStableFunc(g.Rules, func(a, b ruleGroup) int {
			if d := kindOrder(rule.Kind(a.Kind)) - kindOrder(rule.Kind(b.Kind)); d != 0 {
				return d
			}
			return strings.Compare(a.ID, b.ID)
		})
		v.Groups = append(v.Groups, g)
	}

	for _, s := range r.Vendors {
		row := vendorRow{Title: s.Vendor.Title(), Supported: s.Vendor.Supported(), Files: s.Files, Lines: s.Lines, Understood: s.Understood, Share: percent(s)}
		if row.Supported {
			row.Width = int(100 * s.Share())
		}
		v.Vendors = append(v.Vendors, row)
	}
	for _, d := range append(append([]audit.Device(nil), f.unsupported...), f.failed...) {
		v.Files = append(v.Files, fileRow{File: d.File, Reason: reason(d)})
	}

	worst, found := r.Worst()
	switch {
	case len(intruded) > 0:
		v.Tone = "crit"
		names := slices.Sorted(maps.Keys(intruded))
		if len(names) > 5 {
			names = append(names[:5], fmt.Sprintf("%d more", len(intruded)-5))
		}
		v.Verdict = fmt.Sprintf("%s (%s) show signs of intrusion. Treat them as an incident: preserve their configuration and state and involve your incident response team before changing anything.", plural(len(intruded), "device"), strings.Join(names, ", "))
		if len(intruded) == 1 {
			v.Verdict = strings.Replace(v.Verdict, ") show", ") shows", 1)
			v.Verdict = strings.Replace(v.Verdict, "Treat them", "Treat it", 1)
			v.Verdict = strings.Replace(v.Verdict, "preserve their", "preserve its", 1)
		}
	case found && worst >= rule.High:
		v.Tone = "high"
		var parts []string
		if n := f.counts[rule.Critical]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d critical", n))
		}
		if n := f.counts[rule.High]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d high-severity", n))
		}
		n := f.counts[rule.Critical] + f.counts[rule.High]
		word := "weaknesses need"
		if n == 1 {
			word = "weakness needs"
		}
		v.Verdict = fmt.Sprintf("%s %s remediation (on %s).", strings.Join(parts, " and "), word, plural(v.Affected, "device"))
	case found:
		v.Tone = "ok"
		v.Verdict = "Nothing at high severity or above; the findings below are worth scheduling."
	case v.Audited > 0:
		v.Tone = "ok"
		v.Verdict = "No findings."
	default:
		v.Tone = "high"
		v.Verdict = "No device configuration was audited."
	}
	return v
}

// span is a run of message text, Code when it was written `like this`.
type span struct {
	Text string
	Code bool
}

// codeSpans splits rule text on backticks, which rules use to quote
// configuration, so the page can set those parts in monospace. An
// unmatched backtick is kept as text.
func codeSpans(s string) []span {
	var out []span
	for {
		i := strings.IndexByte(s, '`')
		j := -1
		if i >= 0 {
			j = strings.IndexByte(s[i+1:], '`')
		}
		if i < 0 || j < 0 {
			if s != "" {
				out = append(out, span{Text: s})
			}
			return out
		}
		if i > 0 {
			out = append(out, span{Text: s[:i]})
		}
		out = append(out, span{Text: s[i+1 : i+1+j], Code: true})
		s = s[i+2+j:]
	}
}

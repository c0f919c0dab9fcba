package report

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/seawall/seawall/internal/audit"
	"github.com/seawall/seawall/internal/audit/device"
	"github.com/seawall/seawall/internal/audit/rule"
	"github.com/seawall/seawall/internal/testenv"
)

// sample is a small fleet touching every part of every format: three
// audited devices of three dialects, an unsupported file, an unreadable
// file, findings of every severity (with and without evidence lines,
// multi-line remediation, an unverified one), a rule error and a rule
// that needs device state. The text holds markup and formula starters so
// escaping shows in the goldens.
func sample() *audit.Report {
	tunnel := rule.Rule{ID: "IOC-CFG-005", Title: "Unexpected tunnel to an unknown peer", Kind: rule.Indicator, Severity: rule.Critical,
		Platforms: rule.Platforms(device.IOS, device.Junos), Doc: "GRE and IPsec tunnels to peers not in the inventory are a common exfiltration path.",
		Remediation: map[device.Vendor]string{device.IOS: "no interface Tunnel100", device.Junos: "delete interfaces gr-0/0/0"},
		References:  []string{"AA25-239A", "https://www.cisa.gov/news-events/cybersecurity-advisories/aa25-239a"}, ATTACK: []string{"T1572"}}
	http := rule.Rule{ID: "HARD-008", Title: "Plain-HTTP management server is off", Kind: rule.Hardening, Severity: rule.Critical,
		Platforms: rule.Platforms(device.IOS), Remediation: map[device.Vendor]string{device.IOS: "no ip http server"}, References: []string{"CISA-EVH"}}
	snmp := rule.Rule{ID: "HARD-030", Title: "SNMP uses v3 with authentication and privacy", Kind: rule.Hardening, Severity: rule.High,
		Platforms: rule.Platforms(device.IOS, device.NXOS), Remediation: map[device.Vendor]string{
			device.IOS:  "no snmp-server community <name>\nsnmp-server group SNMPV3 v3 priv\nsnmp-server user NMS SNMPV3 v3 auth sha <pw> priv aes 256 <pw>",
			device.NXOS: "no snmp-server community <name>"}}
	banner := rule.Rule{ID: "HARD-012", Title: "Login banner is configured", Kind: rule.Hardening, Severity: rule.Low,
		Platforms: rule.Platforms(device.IOS, device.NXOS, device.Junos), Remediation: map[device.Vendor]string{device.Junos: `set system login message "Authorised use only"`}}
	timeout := rule.Rule{ID: "HARD-013", Title: "Idle session timeout is 10 minutes or less", Kind: rule.Hardening, Severity: rule.Medium,
		Platforms: rule.Platforms(device.IOS)}
	implant := rule.Rule{ID: "IOC-CFG-019", Title: "CVE-2023-20198 implant check", Kind: rule.Indicator, Severity: rule.Critical,
		Platforms: rule.Platforms(device.IOS), NeedsState: "an HTTP request to the device's web UI"}
	rules := []rule.Rule{http, banner, timeout, snmp, tunnel, implant}

	edge := "configs/edge-r1.cfg"
	junos := "configs/core-j1.conf"
	nx := "configs/dc sw1.txt"
	return &audit.Report{
		Rules: rules,
		Devices: []audit.Device{
			{Name: "edge-r1", File: edge, Vendor: device.IOS, Software: rule.Software{OS: "iosxe", Version: "17.9.3", Model: "C8300-1N1S-6T"}, Lines: 120, Understood: 118, Score: 28,
				Counts: map[string]int{"critical": 2, "high": 1, "medium": 1, "low": 1}, Findings: 5, Bytes: 3100},
			{Name: "core-j1", File: junos, Vendor: device.Junos, Software: rule.Software{OS: "junos", Version: "22.4R3-S2.11"}, Lines: 80, Understood: 80, Score: 74,
				Counts: map[string]int{"critical": 1, "low": 1}, Findings: 2, Bytes: 2000},
			{Name: "dc-sw1", File: nx, Vendor: device.NXOS, Lines: 60, Understood: 55, Score: 90, Counts: map[string]int{"high": 1}, Findings: 1, Bytes: 1500,
				Error: nx + ": rule HARD-099 failed: boom"},
			{Name: "fw1.xml", File: "configs/fw1.xml", Unsupported: device.PANOS, Error: "configs/fw1.xml: Palo Alto PAN-OS configuration (<config> root): not supported; seawall audits Cisco IOS / IOS-XE", Bytes: 900, Counts: map[string]int{}},
			{Name: "secret.cfg", File: "configs/secret.cfg", Error: "open configs/secret.cfg: permission denied", Counts: map[string]int{}},
		},
		Findings: []rule.Finding{
			{RuleID: tunnel.ID, Title: tunnel.Title, Kind: tunnel.Kind, Severity: rule.Critical, Device: "edge-r1", File: edge, Vendor: device.IOS,
				Message:     "Tunnel100 (GRE) goes to 198.51.100.9, which is not an approved tunnel peer",
				Evidence:    []rule.Evidence{{File: edge, Line: 88, Text: "interface Tunnel100"}, {File: edge, Line: 91, Text: " tunnel destination 198.51.100.9"}},
				Remediation: tunnel.Remediation[device.IOS], References: tunnel.References, ATTACK: tunnel.ATTACK, Rule: &rules[4]},
			{RuleID: http.ID, Title: http.Title, Kind: http.Kind, Severity: rule.Critical, Device: "edge-r1", File: edge, Vendor: device.IOS,
				Message: "the plain-HTTP server is on", Evidence: []rule.Evidence{{File: edge, Line: 40, Text: "ip http server"}},
				Remediation: "no ip http server", References: http.References, Rule: &rules[0]},
			{RuleID: tunnel.ID, Title: tunnel.Title, Kind: tunnel.Kind, Severity: rule.Critical, Device: "core-j1", File: junos, Vendor: device.Junos,
				Message: "gr-0/0/0 unit 0 goes to 203.0.113.50, which is not an approved tunnel peer", Confidence: "unverified",
				Evidence:    []rule.Evidence{{File: junos, Line: 12, Text: "set interfaces gr-0/0/0 unit 0 tunnel destination 203.0.113.50"}},
				Remediation: tunnel.Remediation[device.Junos], References: tunnel.References, ATTACK: tunnel.ATTACK, Rule: &rules[4]},
			{RuleID: snmp.ID, Title: snmp.Title, Kind: snmp.Kind, Severity: rule.High, Device: "edge-r1", File: edge, Vendor: device.IOS,
				Message:  `community <redacted> gives write access ("RW") to <script>alert(1)</script>`,
				Evidence: []rule.Evidence{{File: edge, Line: 60, Text: "snmp-server community <secret> RW"}}, Remediation: snmp.Remediation[device.IOS]},
			{RuleID: snmp.ID, Title: snmp.Title, Kind: snmp.Kind, Severity: rule.High, Device: "dc-sw1", File: nx, Vendor: device.NXOS,
				Message:  "=HYPERLINK(\"http://198.51.100.1\") community is v2c",
				Evidence: []rule.Evidence{{File: nx, Line: 7, Text: "snmp-server community <secret> group network-operator"}}, Remediation: snmp.Remediation[device.NXOS]},
			{RuleID: timeout.ID, Title: timeout.Title, Kind: timeout.Kind, Severity: rule.Medium, Device: "edge-r1", File: edge, Vendor: device.IOS,
				Message: "line vty 0 4 never times out", Evidence: []rule.Evidence{{File: edge, Line: 101, Text: "line vty 0 4"}, {File: edge, Line: 103, Text: " exec-timeout 0 0"}}},
			{RuleID: banner.ID, Title: banner.Title, Kind: banner.Kind, Severity: rule.Low, Device: "core-j1", File: junos, Vendor: device.Junos,
				Message: "no login banner", Remediation: banner.Remediation[device.Junos]},
			{RuleID: banner.ID, Title: banner.Title, Kind: banner.Kind, Severity: rule.Low, Device: "edge-r1", File: edge, Vendor: device.IOS,
				Message: "no login banner"},
		},
		Vendors: []audit.VendorStats{
			{Vendor: device.IOS, Files: 1, Lines: 120, Understood: 118, Bytes: 3100},
			{Vendor: device.NXOS, Files: 1, Lines: 60, Understood: 55, Bytes: 1500},
			{Vendor: device.Junos, Files: 1, Lines: 80, Understood: 80, Bytes: 2000},
			{Vendor: device.PANOS, Files: 1, Bytes: 900},
		},
		Skipped: []audit.Skipped{{ID: implant.ID, Title: implant.Title, Reason: implant.NeedsState}},
	}
}

var meta = Meta{Version: "v1.2.3", Generated: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC), Paths: []string{"configs"}}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	testenv.Golden(t, filepath.Join("testdata", name), got)
}

func TestGolden(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		f    Format
		file string
	}{{Table, "sample.txt"}, {JSON, "sample.json"}, {SARIF, "sample.sarif"}, {HTML, "sample.html"}, {CSV, "sample.csv"}} {
		t.Run(string(tc.f), func(t *testing.T) {
			t.Parallel()
			var b bytes.Buffer
			if err := Write(&b, tc.f, sample(), meta); err != nil {
				t.Fatal(err)
			}
			golden(t, tc.file, b.Bytes())
			// An empty audit renders too.
			var e bytes.Buffer
			if err := Write(&e, tc.f, &audit.Report{}, Meta{Version: "dev"}); err != nil {
				t.Fatalf("empty report: %v", err)
			}
			golden(t, "empty."+strings.TrimPrefix(filepath.Ext(tc.file), "."), e.Bytes())
		})
	}
}

func TestParseFormat(t *testing.T) {
	t.Parallel()
	for _, f := range Formats() {
		got, err := ParseFormat(strings.ToUpper(string(f)))
		if err != nil || got != f {
			t.Errorf("ParseFormat(%q) = %q, %v", f, got, err)
		}
	}
	if _, err := ParseFormat("xml"); err == nil || !strings.Contains(err.Error(), "table, json, sarif, html, csv") {
		t.Errorf("ParseFormat(xml) error = %v, want one listing the formats", err)
	}
}

func TestJSONDocument(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	if err := WriteJSON(&b, sample(), meta); err != nil {
		t.Fatal(err)
	}
	var d struct {
		Schema    string    `json:"schema"`
		Generated string    `json:"generated"`
		Summary   Summary   `json:"summary"`
		Findings  []Finding `json:"findings"`
		Devices   []Device  `json:"devices"`
	}
	if err := json.Unmarshal(b.Bytes(), &d); err != nil {
		t.Fatal(err)
	}
	want := Summary{Devices: 3, NotAudited: 2, Findings: 8, Worst: "critical",
		BySeverity: map[string]int{"critical": 3, "high": 2, "medium": 1, "low": 2, "info": 0}}
	if diff := cmp.Diff(want, d.Summary); diff != "" {
		t.Errorf("summary (-want +got):\n%s", diff)
	}
	if d.Schema != SchemaVersion || d.Generated != "2026-03-01T12:00:00Z" || d.Findings[0].Severity != "critical" {
		t.Errorf("schema %q generated %q first severity %v", d.Schema, d.Generated, d.Findings[0].Severity)
	}
	var status []string
	for _, dev := range d.Devices {
		status = append(status, dev.Status)
	}
	if got := strings.Join(status, " "); got != "audited audited audited unsupported error" {
		t.Errorf("device statuses %q", got)
	}
	if d.Findings[0].Line != 88 || d.Findings[6].Line != 0 || d.Findings[6].Evidence == nil {
		t.Errorf("finding lines %d, %d (want 88 and 0 for an absent line) and evidence [] not null", d.Findings[0].Line, d.Findings[6].Line)
	}
}

func TestCSV(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	if err := WriteCSV(&b, sample()); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&b).ReadAll()
	if err != nil {
		t.Fatalf("not RFC 4180: %v", err)
	}
	if len(rows) != 1+len(sample().Findings) {
		t.Fatalf("%d rows, want header + %d", len(rows), len(sample().Findings))
	}
	if diff := cmp.Diff(csvHeader, rows[0]); diff != "" {
		t.Errorf("header (-want +got):\n%s", diff)
	}
	for _, r := range rows[1:] {
		for _, c := range r {
			if c != "" && strings.ContainsRune("=+-@", rune(c[0])) {
				t.Errorf("cell %q would run as a spreadsheet formula", c)
			}
		}
	}
	if rows[7][6] != "" || rows[1][6] != "88" {
		t.Errorf("line column: %q and %q, want empty for an absent line and 88", rows[7][6], rows[1][6])
	}
}

func TestHTMLEscapesAndIsSelfContained(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	if err := WriteHTML(&b, sample(), meta); err != nil {
		t.Fatal(err)
	}
	s := b.String()
	if strings.Contains(s, "<script") {
		t.Error("configuration text reached the page unescaped")
	}
	for _, ext := range []string{`src="http`, `<link`, `@import`, `url(`} {
		if strings.Contains(s, ext) {
			t.Errorf("page loads an external asset (%s)", ext)
		}
	}
	for _, want := range []string{"edge-r1", "198.51.100.9", "no ip http server", "IOC-CFG-019", "Palo Alto PAN-OS", "permission denied", "show signs of intrusion"} {
		if !strings.Contains(s, want) {
			t.Errorf("page lacks %q", want)
		}
	}
}

func TestSARIFURI(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, uri, base string }{
		{"configs/r1.cfg", "configs/r1.cfg", SrcRoot},
		{"./configs/../r1.cfg", "r1.cfg", SrcRoot},
		{"dc sw1#2.txt", "dc%20sw1%232.txt", SrcRoot},
		{"/etc/seawall/r1.cfg", "file:///etc/seawall/r1.cfg", ""},
	} {
		uri, base := sarifURI(tc.in)
		if uri != tc.uri || base != tc.base {
			t.Errorf("sarifURI(%q) = %q, %q; want %q, %q", tc.in, uri, base, tc.uri, tc.base)
		}
	}
}

func TestCodeSpans(t *testing.T) {
	t.Parallel()
	got := codeSpans("no `archive` → `log config`: odd ` tick")
	want := []span{{Text: "no "}, {Text: "archive", Code: true}, {Text: " → "}, {Text: "log config", Code: true}, {Text: ": odd ` tick"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

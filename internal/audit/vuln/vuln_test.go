package vuln

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/seawall/seawall/internal/audit/device"
	"github.com/seawall/seawall/internal/audit/rule"
	"github.com/seawall/seawall/internal/audit/rule/ruletest"
	"github.com/seawall/seawall/internal/audit/version"
)

// got is the part of a Hit the tests pin down: the verdict (the message up
// to its first colon), severity override, confidence and evidence lines.
type got struct {
	Verdict    string
	Severity   rule.Severity
	Confidence string
	Lines      []int
}

func summarise(hs []rule.Hit) []got {
	var out []got
	for _, h := range hs {
		v, _, _ := strings.Cut(h.Message, ":")
		g := got{Verdict: v, Severity: h.Severity, Confidence: h.Confidence}
		for _, n := range h.Nodes {
			g.Lines = append(g.Lines, n.Line)
		}
		out = append(out, g)
	}
	return out
}

func messages(hs []rule.Hit) []string {
	var out []string
	for _, h := range hs {
		out = append(out, h.Message)
	}
	return out
}

const xe1793 = "! Cisco IOS XE Software, Version 17.09.03\n!\nversion 17.9\nhostname r1\n"

func TestRules(t *testing.T) {
	exposed := func(conf string, lines ...int) []got {
		return []got{{Verdict: msgExposed, Confidence: conf, Lines: lines}}
	}
	unreachable := func(conf string, lines ...int) []got {
		return []got{{Verdict: msgNotReach, Severity: rule.Medium, Confidence: conf, Lines: lines}}
	}
	unknownV := func(sev rule.Severity, conf string, lines ...int) []got {
		return []got{{Verdict: msgUnknown, Severity: sev, Confidence: conf, Lines: lines}}
	}
	tests := []struct {
		name   string
		rule   string
		vendor device.Vendor
		config string
		// sw replaces what version.FromConfig reads when OS is set (a
		// paired `show version`).
		sw   rule.Software
		want []got
	}{
		// CVE-2023-20198: IOS XE web UI.
		{name: "20198 exposed by header version", rule: "CVE-2023-20198", vendor: device.IOS,
			config: xe1793 + "ip http server\nip http secure-server\n", want: exposed("", 1, 5, 6)},
		{name: "20198 https only", rule: "CVE-2023-20198", vendor: device.IOS,
			config: xe1793 + "no ip http server\nip http secure-server\n", want: exposed("", 1, 6)},
		{name: "20198 unreachable", rule: "CVE-2023-20198", vendor: device.IOS,
			config: xe1793 + "no ip http server\nno ip http secure-server\n", want: unreachable("", 1)},
		{name: "20198 session modules none", rule: "CVE-2023-20198", vendor: device.IOS,
			config: xe1793 + "ip http server\nip http active-session-modules none\n", want: unreachable("unverified", 1, 5, 6)},
		{name: "20198 fixed release", rule: "CVE-2023-20198", vendor: device.IOS,
			config: "! Cisco IOS XE Software, Version 17.09.04a\nversion 17.9\nip http server\n"},
		{name: "20198 fixed 16.12.10a", rule: "CVE-2023-20198", vendor: device.IOS,
			sw: rule.Software{OS: version.IOSXE, Version: "16.12.10a"}, config: "version 16.12\nip http server\n"},
		{name: "20198 unknown version", rule: "CVE-2023-20198", vendor: device.IOS,
			config: "hostname r1\nip http server\n", want: unknownV(rule.Medium, "", 2)},
		{name: "20198 unknown version web ui off", rule: "CVE-2023-20198", vendor: device.IOS,
			config: "hostname r1\nno ip http server\n"},
		{name: "20198 train straddles the fix", rule: "CVE-2023-20198", vendor: device.IOS,
			config: "version 17.9\nip http server\n", want: unknownV(rule.Medium, "", 1, 2)},
		{name: "20198 whole train affected", rule: "CVE-2023-20198", vendor: device.IOS,
			config: "version 17.8\nip http server\n", want: exposed("", 1, 2)},
		{name: "20198 whole train affected, unreachable", rule: "CVE-2023-20198", vendor: device.IOS,
			config: "version 16.9\nno ip http server\n", want: unreachable("", 1)},
		{name: "20198 later train unverified", rule: "CVE-2023-20198", vendor: device.IOS,
			sw: rule.Software{OS: version.IOSXE, Version: "17.11.1"}, config: "version 17.11\nip http server\n", want: exposed("unverified", 2)},
		{name: "20198 17.12.2 not affected", rule: "CVE-2023-20198", vendor: device.IOS,
			sw: rule.Software{OS: version.IOSXE, Version: "17.12.2"}, config: "ip http server\n"},
		{name: "20198 show version pairing", rule: "CVE-2023-20198", vendor: device.IOS,
			sw: rule.Software{OS: version.IOSXE, Version: "16.12.04", Source: "show version (r1.txt)"}, config: "version 16.12\nip http server\n", want: exposed("", 2)},
		{name: "20198 classic IOS", rule: "CVE-2023-20198", vendor: device.IOS,
			config: "version 15.2\nip http server\n"},
		// CVE-2023-20273 shares the releases and the web UI.
		{name: "20273 exposed", rule: "CVE-2023-20273", vendor: device.IOS,
			config: "! Cisco IOS XE Software, Version 17.06.05\nversion 17.6\nip http secure-server\n", want: exposed("", 1, 3)},
		{name: "20273 unreachable", rule: "CVE-2023-20273", vendor: device.IOS,
			config: "! Cisco IOS XE Software, Version 17.03.07\nversion 17.3\n", want: unreachable("", 1)},
		{name: "20273 fixed", rule: "CVE-2023-20273", vendor: device.IOS,
			config: "! Cisco IOS XE Software, Version 17.03.08a\nversion 17.3\nip http server\n"},
		{name: "20273 unknown version", rule: "CVE-2023-20273", vendor: device.IOS,
			config: "ip http secure-server\n", want: unknownV(rule.Medium, "", 1)},
		// CVE-2018-0171: Smart Install.
		{name: "0171 exposed by vstack", rule: "CVE-2018-0171", vendor: device.IOS,
			sw: rule.Software{OS: version.IOS, Version: "15.2(2)E9", Model: "WS-C2960X-48FPD-L"}, config: "version 15.2\nvstack\n", want: exposed("unverified", 2)},
		{name: "0171 exposed by default on a Catalyst", rule: "CVE-2018-0171", vendor: device.IOS,
			config: "version 15.0\nhostname sw1\nspanning-tree mode rapid-pvst\n", want: exposed("unverified", 1)},
		{name: "0171 unreachable", rule: "CVE-2018-0171", vendor: device.IOS,
			config: "version 15.0\nno vstack\nspanning-tree mode rapid-pvst\n", want: unreachable("unverified", 1, 2)},
		{name: "0171 release before Smart Install", rule: "CVE-2018-0171", vendor: device.IOS,
			sw: rule.Software{OS: version.IOS, Version: "12.2(50)SE5", Model: "WS-C3750-24P"}, config: "vstack\n"},
		{name: "0171 unknown version", rule: "CVE-2018-0171", vendor: device.IOS,
			config: "hostname sw1\nvstack\n", want: unknownV(rule.Medium, "unverified", 2)},
		{name: "0171 train straddles Smart Install", rule: "CVE-2018-0171", vendor: device.IOS,
			config: "version 12.2\nvstack\n", want: unknownV(rule.Medium, "unverified", 1, 2)},
		{name: "0171 IOS XE 16 default off", rule: "CVE-2018-0171", vendor: device.IOS,
			config: "version 16.9\nspanning-tree mode rapid-pvst\n"},
		{name: "0171 router default off", rule: "CVE-2018-0171", vendor: device.IOS,
			config: "version 15.4\nhostname r1\n"},
		{name: "0171 IOS XE 3.x switch by model", rule: "CVE-2018-0171", vendor: device.IOS,
			sw: rule.Software{OS: version.IOSXE, Version: "03.06.05E", Model: "WS-C3850-48U"}, config: "version 15.2\n", want: exposed("unverified")},
		// CVE-2024-20399: NX-OS, by release and model.
		{name: "20399 exposed before 9.3(5)", rule: "CVE-2024-20399", vendor: device.NXOS,
			config: "version 7.0(3)I7(9)\nhostname n9k\n", want: exposed("", 1)},
		{name: "20399 exposed on a listed model", rule: "CVE-2024-20399", vendor: device.NXOS,
			sw: rule.Software{OS: version.NXOS, Version: "9.3(8)", Model: "C3172PQ-10GE"}, config: "version 9.3(8)\n", want: exposed("unverified")},
		{name: "20399 not affected model", rule: "CVE-2024-20399", vendor: device.NXOS,
			sw: rule.Software{OS: version.NXOS, Version: "9.3(8)", Model: "N9K-C93180YC-FX"}, config: "version 9.3(8)\n"},
		{name: "20399 9.3(5) or later, model unknown", rule: "CVE-2024-20399", vendor: device.NXOS,
			config: "version 10.4(5)\nhostname n9k\n"},
		{name: "20399 no configuration makes it unreachable", rule: "CVE-2024-20399", vendor: device.NXOS,
			config: "version 7.3(13)N1(1)\nno feature ssh\nno feature nxapi\n", want: exposed("", 1)},
		{name: "20399 unknown version", rule: "CVE-2024-20399", vendor: device.NXOS,
			config: "hostname n9k\n", want: unknownV(rule.Low, "")},
		// CVE-2025-21590: Junos, all data unverified.
		{name: "21590 exposed", rule: "CVE-2025-21590", vendor: device.Junos,
			config: "version 22.4R3-S2.11;\nsystem { host-name j1; }\n", want: exposed("unverified", 1)},
		{name: "21590 X train", rule: "CVE-2025-21590", vendor: device.Junos,
			config: "version 15.1X49-D200.3;\n", want: exposed("unverified", 1)},
		{name: "21590 fixed", rule: "CVE-2025-21590", vendor: device.Junos,
			config: "version 22.4R3-S6.5;\n"},
		{name: "21590 train not named by the bulletin", rule: "CVE-2025-21590", vendor: device.Junos,
			config: "version 21.3R3-S5;\n"},
		{name: "21590 Junos Evolved", rule: "CVE-2025-21590", vendor: device.Junos,
			sw: rule.Software{OS: version.Junos, Version: "22.4R3-S2-EVO"}, config: "set system host-name j1\n"},
		{name: "21590 unknown version", rule: "CVE-2025-21590", vendor: device.Junos,
			config: "set system host-name j1\n", want: unknownV(rule.Low, "unverified")},
		{name: "21590 train straddles", rule: "CVE-2025-21590", vendor: device.Junos,
			config: "set version 22.4\n", want: unknownV(rule.Low, "unverified", 1)},
		{name: "21590 oxidized header, no version statement", rule: "CVE-2025-21590", vendor: device.Junos,
			config: "# Junos: 23.2R1.13\nset system host-name j1\n", want: exposed("unverified")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := ruletest.Parse(t, tt.name, tt.config, tt.vendor)
			sw := version.FromConfig(c)
			if tt.sw.OS != "" {
				sw = tt.sw
			}
			r := ruletest.ByID(t, Rules(), tt.rule)
			hs := r.Check(&rule.Device{Config: c, Software: sw, Name: "d"})
			if diff := cmp.Diff(tt.want, summarise(hs)); diff != "" {
				t.Errorf("%s (-want +got):\n%s\nmessages: %q", tt.rule, diff, messages(hs))
			}
		})
	}
}

// TestPANOS builds PAN-OS configurations by hand: seawall does not parse
// them, so the rule only runs on what a future parser (or caller) gives.
func TestPANOS(t *testing.T) {
	gp := func() *device.Config {
		c := &device.Config{Name: "fw", Vendor: device.PANOS}
		n := &device.Node{Line: 3, Text: "set global-protect global-protect-gateway gw1", Parent: &c.Root,
			Words: []string{"set", "global-protect", "global-protect-gateway", "gw1"}}
		c.Root.Children = []*device.Node{n}
		return c
	}
	empty := &device.Config{Name: "fw", Vendor: device.PANOS}
	tests := []struct {
		name    string
		cfg     *device.Config
		version string
		want    []got
	}{
		{"exposed", gp(), "10.2.8", []got{{Verdict: msgExposed, Lines: []int{3}}}},
		{"intermediate hotfix", gp(), "10.2.8-h4", []got{{Verdict: msgExposed, Confidence: "unverified", Lines: []int{3}}}},
		{"unreachable", empty, "11.1.2-h1", []got{{Verdict: msgNotReach, Severity: rule.Medium}}},
		{"fixed", gp(), "10.2.9-h1", nil},
		{"not affected 10.1", gp(), "10.1.11", nil},
		{"unknown version", gp(), "", []got{{Verdict: msgUnknown, Severity: rule.Medium, Lines: []int{3}}}},
	}
	r := ruletest.ByID(t, Rules(), "CVE-2024-3400")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sw := rule.Software{OS: version.PANOS, Version: tt.version}
			hs := r.Check(&rule.Device{Config: tt.cfg, Software: sw})
			if diff := cmp.Diff(tt.want, summarise(hs)); diff != "" {
				t.Errorf("(-want +got):\n%s\nmessages: %q", diff, messages(hs))
			}
		})
	}
}

// TestEvidence runs the rules the way the audit does and checks the
// evidence text: the header comment for IOS, the `set` form for Junos.
func TestEvidence(t *testing.T) {
	tests := []struct {
		vendor device.Vendor
		config string
		want   []rule.Evidence
	}{
		{device.IOS, xe1793 + "ip http server\n", []rule.Evidence{
			{File: "cfg", Line: 1, Text: "! Cisco IOS XE Software, Version 17.09.03"},
			{File: "cfg", Line: 5, Text: "ip http server"},
		}},
		{device.Junos, "version 22.4R3-S2.11;\n", []rule.Evidence{{File: "cfg", Line: 1, Text: "set version 22.4R3-S2.11"}}},
	}
	for _, tt := range tests {
		c := ruletest.Parse(t, "cfg", tt.config, tt.vendor)
		fs := ruletest.Run(t, Rules(), &rule.Device{Config: c, Software: version.FromConfig(c), Name: "d"})
		if len(fs) == 0 {
			t.Fatalf("%s: no findings", tt.vendor)
		}
		if diff := cmp.Diff(tt.want, fs[0].Evidence); diff != "" {
			t.Errorf("%s evidence (-want +got):\n%s", tt.vendor, diff)
		}
	}
}

func TestDataset(t *testing.T) {
	d, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	meta := [4]string{d.CatalogVersion, d.DateReleased, d.Commit, d.Source}
	want := [4]string{"2025.08.25", "2025-08-25T17:04:19.9796Z", "eacf03ec6637cc7be6d3d4ed50785493da5126a2",
		"CISA Known Exploited Vulnerabilities catalogue (CC0-1.0), https://github.com/cisagov/kev-data"}
	if diff := cmp.Diff(want, meta); diff != "" {
		t.Errorf("metadata (-want +got):\n%s", diff)
	}
	var ids []string
	for _, c := range d.CVEs {
		ids = append(ids, c.ID)
		if c.DateAdded == "" || c.DueDate == "" || c.Name == "" || c.ShortDescription == "" || c.Vendor == "" || c.Product == "" {
			t.Errorf("%s: KEV fields missing: %+v", c.ID, c)
		}
		if _, ok := features()[c.Reach]; !ok {
			t.Errorf("%s: unknown reach %q", c.ID, c.Reach)
		}
		for _, r := range c.Ranges {
			for _, s := range append([]string{r.From, r.Before}, r.Hotfixes...) {
				if s == "" {
					continue
				}
				if _, err := version.Parse(r.OS, s); err != nil {
					t.Errorf("%s: %v", c.ID, err)
				}
			}
			if r.Confidence != "" && r.Confidence != unverified {
				t.Errorf("%s: confidence %q", c.ID, r.Confidence)
			}
		}
	}
	wantIDs := []string{"CVE-2023-20198", "CVE-2023-20273", "CVE-2018-0171", "CVE-2024-20399", "CVE-2024-3400", "CVE-2025-21590"}
	if diff := cmp.Diff(wantIDs, ids); diff != "" {
		t.Errorf("CVEs (-want +got):\n%s", diff)
	}
}

func TestRuleMetadata(t *testing.T) {
	type meta struct {
		ID        string
		Severity  rule.Severity
		Platforms []device.Vendor
	}
	var gotM []meta
	for _, r := range Rules() {
		gotM = append(gotM, meta{r.ID, r.Severity, r.Platforms})
		if len(r.References) < 2 || r.Check == nil {
			t.Errorf("%s: want a Check and at least two references", r.ID)
		}
	}
	ruletest.CheckMetadata(t, Rules(), rule.Vuln)
	want := []meta{
		{"CVE-2023-20198", rule.Critical, []device.Vendor{device.IOS}},
		{"CVE-2023-20273", rule.High, []device.Vendor{device.IOS}},
		{"CVE-2018-0171", rule.Critical, []device.Vendor{device.IOS}},
		{"CVE-2024-20399", rule.High, []device.Vendor{device.NXOS}},
		{"CVE-2024-3400", rule.Critical, []device.Vendor{device.PANOS}},
		{"CVE-2025-21590", rule.High, []device.Vendor{device.Junos}},
	}
	if diff := cmp.Diff(want, gotM); diff != "" {
		t.Errorf("rules (-want +got):\n%s", diff)
	}
}

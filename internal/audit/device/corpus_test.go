package device

import (
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// corpusDir is the batfish configuration corpus shared between projects;
// tests that read it skip when it is absent.
const corpusDir = "../../../../shared/data/configs/batfish"

type corpusFile struct {
	rel  string // slash-separated path below corpusDir
	data []byte
	want Vendor // the platform the folder layout says the file is
}

// loadCorpus reads every file of the batfish corpus, or skips the test.
func loadCorpus(tb testing.TB) []corpusFile {
	tb.Helper()
	if _, err := os.Stat(corpusDir); err != nil {
		tb.Skipf("batfish corpus not present at %s (%v); it lives in the shared data checkout", corpusDir, err)
	}
	var files []corpusFile
	err := filepath.WalkDir(corpusDir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(corpusDir, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		files = append(files, corpusFile{rel: rel, data: data, want: corpusPlatform(rel, string(data))})
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	return files
}

// corpusPlatform is the expected platform of a corpus file, by the rules of
// the threat catalogue's "Corpus coverage" section: the folder under
// testconfigs; example, hybrid-cloud-aws as IOS; example-juniper and
// srx-testbed as Junos (except the example-juniper files that hold IOS
// configurations, see below); unit-tests by file-name prefix and then by
// content; the rest IOS. Content checks here are deliberately crude and
// independent of Detect, so that the test is not Detect checking itself.
func corpusPlatform(rel, text string) Vendor {
	parts := strings.Split(rel, "/")
	base := path.Base(rel)
	switch parts[0] {
	case "LICENSE.txt", "SOURCES.md":
		return Unknown
	case "testconfigs":
		return map[string]Vendor{
			"cisco_ios": IOS, "cisco_nxos": NXOS, "cisco_xr": IOSXR, "arista_eos": EOS, "juniper_junos": Junos,
			"cisco_asa": ASA, "fortinet_fortios": FortiOS, "nokia_sros": SROS, "paloalto_panos": PANOS,
		}[parts[1]]
	case "example", "hybrid-cloud-aws":
		return IOS
	case "iptables-firewall":
		return Other // FRR-style Linux hosts
	}
	if parts[1] == "srx-testbed" {
		return Junos
	}
	if parts[1] == "example-juniper" {
		// The folder is named for its two Junos border routers; the other
		// twelve devices are the IOS configurations of the example network.
		if strings.Contains(text, "\nset system") {
			return Junos
		}
		return IOS
	}
	// unit-tests: folder, then file-name prefix, then content.
	text = "\n" + text
	dir := parts[len(parts)-2]
	for _, p := range []struct {
		prefix string
		v      Vendor
	}{
		{"cisco_asa", ASA}, {"asa", ASA}, {"f5", F5}, {"palo_alto", PANOS}, {"cumulus", Cumulus},
		{"arista", EOS}, {"eos", EOS}, {"ios_xr", IOSXR}, {"xr_", IOSXR}, {"nxos", NXOS}, {"nexus", NXOS},
		{"juniper", Junos}, {"junos", Junos}, {"mos_", Other}, {"host", Other},
	} {
		if strings.HasPrefix(dir, p.prefix) || strings.HasPrefix(base, p.prefix) {
			return p.v
		}
	}
	if strings.Contains(text, "RANCID-CONTENT-TYPE: cisco-xr") || strings.Contains(text, "IOS XR") {
		return IOSXR
	}
	for _, w := range []string{"system", "interfaces", "protocols", "policy-options", "routing-options", "routing-instances"} {
		if strings.Contains(text, "\nset "+w+" ") || strings.Contains(text, "\n"+w+" {") {
			return Junos
		}
	}
	if strings.Contains(text, "\nfeature ") || strings.Contains(text, "RANCID-CONTENT-TYPE: cisco-nx") {
		return NXOS
	}
	return IOS
}

// corpusAmbiguous are unit-test snippets written for batfish's mixed
// "cisco" grammar: their content belongs to another Cisco dialect than the
// catalogue's default of IOS, so either answer is accepted.
var corpusAmbiguous = map[string][]Vendor{
	"parsing-tests/unit-tests/configs/cisco_vdc":      {NXOS}, // `vdc ... id 1` exists only on NX-OS
	"parsing-tests/unit-tests/configs/cisco_isis":     {IOSXR},
	"parsing-tests/unit-tests/configs/cisco_bgp":      {IOSXR},
	"parsing-tests/unit-tests/configs/cisco_misc":     {EOS, NXOS},
	"parsing-tests/unit-tests/configs/interface_exit": {NXOS, EOS},
	"parsing-tests/unit-tests/configs/cisco_mpls":     {IOSXR}, // XR interface names (TenGigE0/0/2/0, Bundle-Ether1)
	"parsing-tests/unit-tests/configs/pim":            {IOSXR},
	"parsing-tests/unit-tests/configs/cisco_vlan":     {EOS}, // `trunk group` is EOS syntax
	// ASA's remote-access VPN commands.
	"parsing-tests/unit-tests/configs/cisco_webvpn":                       {ASA},
	"parsing-tests/unit-tests/configs/cisco_dynamic_access_policy_record": {ASA},
}

// TestCorpus reads every file of the batfish corpus: each either parses or
// is reported unsupported, never panics, and is detected as the platform
// its folder says. It logs per-dialect statistics and holds a floor on the
// share of statement lines understood.
func TestCorpus(t *testing.T) {
	files := loadCorpus(t)
	type stat struct{ files, lines, understood, bytes int }
	stats := map[Vendor]*stat{}
	var wrong, wrongBlind []string
	ok, okBlind := 0, 0
	for _, f := range files {
		got, why := Detect(f.rel, f.data)
		if got == f.want || slices.Contains(corpusAmbiguous[f.rel], got) {
			ok++
		} else {
			wrong = append(wrong, fmt.Sprintf("%s: detected %q (%s), want %q", f.rel, got, why, f.want))
		}
		// The same file under a name that says nothing: content alone.
		blind, _ := Detect("r1.cfg", f.data)
		if blind == f.want || slices.Contains(corpusAmbiguous[f.rel], blind) || (!blind.Supported() && !f.want.Supported()) {
			okBlind++
		} else {
			wrongBlind = append(wrongBlind, fmt.Sprintf("%s: content says %q, want %q", f.rel, blind, f.want))
		}
		c, err := Parse(f.rel, f.data, Unknown)
		if err != nil {
			var ue *UnsupportedError
			if !errors.As(err, &ue) {
				t.Errorf("%s: %v", f.rel, err)
			}
			continue
		}
		checkTree(t, f.rel, f.data, c)
		s := stats[c.Vendor]
		if s == nil {
			s = &stat{}
			stats[c.Vendor] = s
		}
		s.files++
		s.lines += c.Lines
		s.understood += c.Understood
		s.bytes += len(f.data)
	}
	for _, w := range wrong {
		t.Error(w)
	}
	t.Logf("detection: %d/%d files as the folder layout says (%.1f%%); content alone: %d/%d (%.1f%%)",
		ok, len(files), 100*float64(ok)/float64(len(files)), okBlind, len(files), 100*float64(okBlind)/float64(len(files)))
	for _, w := range wrongBlind {
		t.Log("content alone: " + w)
	}
	if okBlind*100 < len(files)*97 {
		t.Errorf("content-only detection fell to %d/%d files; want at least 97%%", okBlind, len(files))
	}
	floor := map[Vendor]float64{IOS: 90, NXOS: 90, IOSXR: 90, EOS: 90, Junos: 90}
	for _, v := range supported {
		s := stats[v]
		if s == nil {
			t.Errorf("%s: no files parsed", v)
			continue
		}
		share := 100 * float64(s.understood) / float64(max(s.lines, 1))
		t.Logf("%-6s %4d files %7d lines %6.1f%% understood %8d bytes", v, s.files, s.lines, share, s.bytes)
		if share < floor[v] {
			t.Errorf("%s: %.1f%% of statement lines understood; want at least %.0f%%", v, share, floor[v])
		}
	}
}

// checkTree asserts the tree invariants every parse must keep: line numbers
// within the file, Cisco-style children after their parent, Understood and
// Unknown consistent with Lines.
func checkTree(t *testing.T, name string, data []byte, c *Config) {
	t.Helper()
	if err := treeInvariants(c, lineCount(data)); err != nil {
		t.Errorf("%s: %v", name, err)
	}
}

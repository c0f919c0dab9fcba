// Package ruletest holds the test helpers the rule packages (mgmt, cred,
// harden, ioc, vuln) share: parsing fixtures into devices, running rules,
// the metadata every rule must carry, the check that no secret leaks into
// a finding, and the run over the shared configuration corpus.
package ruletest

import (
	"bytes"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/seawall/seawall/internal/audit/device"
	"github.com/seawall/seawall/internal/audit/rule"
	"github.com/seawall/seawall/internal/inventory"
	"github.com/seawall/seawall/internal/testenv"
)

// Parse parses text as dialect v under name, failing t on error.
func Parse(t testing.TB, name, text string, v device.Vendor) *device.Config {
	t.Helper()
	cfg, err := device.Parse(name, []byte(text), v)
	if err != nil {
		t.Fatalf("parse %s: %v", name, err)
	}
	return cfg
}

// Fixture reads testdata/<file> and parses it as dialect v; the
// configuration's name is file.
func Fixture(t testing.TB, file string, v device.Vendor) *device.Config {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", filepath.FromSlash(file)))
	if err != nil {
		t.Fatal(err)
	}
	return Parse(t, file, string(data), v)
}

// Device wraps cfg the way the audit does: named for its hostname, else
// its file's base name, with the version the configuration states. A nil
// inv is the empty inventory.
func Device(cfg *device.Config, inv *inventory.Config) *rule.Device {
	if inv == nil {
		inv = &inventory.Config{}
	}
	name := cfg.Hostname
	if name == "" {
		name = filepath.Base(cfg.Name)
	}
	return &rule.Device{Config: cfg, Inventory: inv, Name: name, Software: rule.Software{Version: cfg.Version}}
}

// Run applies rules to d through rule.Run, so that evidence goes through
// the same redaction as in production, and fails t on error.
func Run(t testing.TB, rules []rule.Rule, d *rule.Device) []rule.Finding {
	t.Helper()
	fs, err := rule.Run(rules, d)
	if err != nil {
		t.Fatal(err)
	}
	return fs
}

// ByID returns the rule with this id, failing t when there is none.
func ByID(t testing.TB, rules []rule.Rule, id string) rule.Rule {
	t.Helper()
	for _, r := range rules {
		if r.ID == id {
			return r
		}
	}
	t.Fatalf("no rule %s", id)
	return rule.Rule{}
}

// Only returns the rules whose ids are listed, in rules' order; all of
// them when ids is empty.
func Only(rules []rule.Rule, ids ...string) []rule.Rule {
	if len(ids) == 0 {
		return rules
	}
	var out []rule.Rule
	for _, r := range rules {
		for _, id := range ids {
			if r.ID == id {
				out = append(out, r)
			}
		}
	}
	return out
}

// Lines returns a finding's evidence line numbers, nil when it has none.
func Lines(f rule.Finding) []int {
	var out []int
	for _, e := range f.Evidence {
		out = append(out, e.Line)
	}
	return out
}

// catalogueID is the form of a rule id: HARD-nnn, IOC-CFG-nnn or a CVE id.
var catalogueID = regexp.MustCompile(`^(HARD-\d{3}|IOC-CFG-\d{3}|CVE-\d{4}-\d{4,})$`)

// CheckMetadata checks what every rule must carry for reports and docs:
// a unique id in catalogue form, kind, title, a known severity, a doc,
// platforms, a remediation for every platform and for no other,
// references, and exactly one of Check and NeedsState.
func CheckMetadata(t testing.TB, rules []rule.Rule, kind rule.Kind) {
	t.Helper()
	seen := map[string]bool{}
	for _, r := range rules {
		if !catalogueID.MatchString(r.ID) {
			t.Errorf("%s: id not in catalogue form", r.ID)
		}
		if seen[r.ID] {
			t.Errorf("%s: duplicate id", r.ID)
		}
		seen[r.ID] = true
		if r.Kind != kind {
			t.Errorf("%s: kind %q, want %q", r.ID, r.Kind, kind)
		}
		if _, err := rule.ParseSeverity(r.Severity.String()); err != nil {
			t.Errorf("%s: severity: %v", r.ID, err)
		}
		if r.Title == "" || r.Doc == "" || len(r.References) == 0 || len(r.Platforms) == 0 {
			t.Errorf("%s: title, doc, references and platforms are required", r.ID)
		}
		if (r.Check == nil) == (r.NeedsState == "") {
			t.Errorf("%s: needs exactly one of Check and NeedsState", r.ID)
		}
		for _, v := range r.Platforms {
			if r.Remediation[v] == "" {
				t.Errorf("%s: no remediation for %s", r.ID, v)
			}
		}
		if len(r.Remediation) != len(r.Platforms) {
			t.Errorf("%s: remediation for %d platforms, runs on %d", r.ID, len(r.Remediation), len(r.Platforms))
		}
	}
}

// NoSecrets fails t when a finding, as it is marshalled for output (JSON,
// without HTML escaping so that secrets with < > & still match), contains
// any of secrets. label names the input in the message.
func NoSecrets(t testing.TB, label string, fs []rule.Finding, secrets ...string) {
	t.Helper()
	for _, f := range fs {
		out := marshal(t, f)
		for _, s := range secrets {
			if strings.Contains(out, s) {
				t.Errorf("%s %s: secret %q appears in the finding:\n%s", label, f.RuleID, s, out)
			}
		}
	}
}

// NoSecretMatch is NoSecrets for secrets described by a pattern.
func NoSecretMatch(t testing.TB, label string, fs []rule.Finding, re *regexp.Regexp) {
	t.Helper()
	for _, f := range fs {
		out := marshal(t, f)
		if m := re.FindString(out); m != "" {
			t.Errorf("%s %s: the finding carries a secret %q:\n%s", label, f.RuleID, m, out)
		}
	}
}

func marshal(t testing.TB, f rule.Finding) string {
	t.Helper()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(f); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// Corpus parses every configuration in the shared corpus
// (../shared/data/configs) and hands each one the parser accepts to fn;
// files of other platforms, and the corpus' notes, are passed over. It
// skips t when the corpus is absent or under -short.
func Corpus(t *testing.T, fn func(path string, cfg *device.Config)) {
	t.Helper()
	root := testenv.SharedData(t, "configs")
	if testing.Short() {
		t.Skip("corpus run skipped in -short mode")
	}
	files, parsed := 0, 0
	err := filepath.WalkDir(root, func(path string, de fs.DirEntry, err error) error {
		if err != nil || de.IsDir() {
			return err
		}
		switch filepath.Ext(path) {
		case ".md", ".yaml", ".yml":
			return nil
		}
		files++
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		cfg, err := device.Parse(path, data, device.Unknown)
		if err != nil {
			return nil // unsupported platforms are the parser's business
		}
		parsed++
		fn(path, cfg)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if parsed == 0 {
		t.Errorf("no configuration parsed out of %d files in %s", files, root)
	}
	t.Logf("%d files, %d parsed", files, parsed)
}

// RunCorpus runs rules over every corpus configuration (see Corpus), as
// Device wraps it, and fails t when a rule fails; check, when not nil,
// looks at each configuration's findings.
func RunCorpus(t *testing.T, rules []rule.Rule, check func(path string, fs []rule.Finding)) {
	t.Helper()
	findings := 0
	Corpus(t, func(path string, cfg *device.Config) {
		fs, err := rule.Run(rules, Device(cfg, nil))
		if err != nil {
			t.Errorf("%s: %v", path, err)
		}
		findings += len(fs)
		if check != nil {
			check(path, fs)
		}
	})
	t.Logf("%d findings", findings)
}

package harden

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/seawall/seawall/internal/audit/device"
	"github.com/seawall/seawall/internal/audit/rule"
	"github.com/seawall/seawall/internal/inventory"
)

// TestMetadata checks what every rule must carry for reports: catalogue
// id in order, a doc, a remediation per platform, references, and exactly
// one of Check and NeedsState.
func TestMetadata(t *testing.T) {
	id := regexp.MustCompile(`^HARD-0(3\d|4\d|5\d|60)$`)
	prev := ""
	for _, r := range Rules() {
		if !id.MatchString(r.ID) || r.ID <= prev {
			t.Errorf("%s: id out of range or order (after %s)", r.ID, prev)
		}
		prev = r.ID
		if r.Title == "" || r.Doc == "" || len(r.References) == 0 || len(r.Platforms) == 0 || r.Kind != rule.Hardening {
			t.Errorf("%s: title, doc, references, platforms and kind are required", r.ID)
		}
		if (r.Check == nil) == (r.NeedsState == "") {
			t.Errorf("%s: needs exactly one of Check and NeedsState", r.ID)
		}
		for _, p := range r.Platforms {
			if r.Remediation[p] == "" {
				t.Errorf("%s: no remediation for %s", r.ID, p)
			}
		}
	}
}

// TestNoSecrets runs every rule over the fixtures that carry passwords and
// communities and checks that neither messages nor evidence show them.
func TestNoSecrets(t *testing.T) {
	secrets := []string{"Secret123", "Secret456", "CorrectHorseBattery", "public", "mycomm", "FAKEHASH", "0822455D0A16", "$9$/E6g9tO1IcSrvfTCu1hKv"}
	for _, file := range []string{"hard040.txt", "hard053.txt", "hard055.txt", "hard058.txt"} {
		for name, text := range sections(t, file) {
			v, _ := device.ParseVendor(strings.SplitN(name, "-", 2)[0])
			cfg, err := device.Parse(name, []byte(text), v)
			if err != nil {
				t.Fatal(err)
			}
			fs, err := rule.Run(Rules(), &rule.Device{Config: cfg, Inventory: &inventory.Config{}, Name: name})
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range fs {
				out := f.Message
				for _, e := range f.Evidence {
					out += "\n" + e.Text
				}
				for _, s := range secrets {
					if strings.Contains(out, s) {
						t.Errorf("%s %s: %s shows %q:\n%s", file, name, f.RuleID, s, out)
					}
				}
			}
		}
	}
}

// TestCorpus runs every rule over the shared device-configuration corpus
// when it is present: no rule may panic, and every finding needs a message.
func TestCorpus(t *testing.T) {
	root := filepath.Join("..", "..", "..", "..", "shared", "data", "configs")
	if _, err := os.Stat(root); err != nil {
		t.Skipf("corpus not present at %s: %v", root, err)
	}
	if testing.Short() {
		t.Skip("corpus run skipped in -short mode")
	}
	files, findings := 0, 0
	err := filepath.WalkDir(root, func(path string, de fs.DirEntry, err error) error {
		if err != nil || de.IsDir() || strings.HasSuffix(path, ".md") || strings.HasSuffix(path, ".yaml") || strings.HasSuffix(path, ".yml") {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		cfg, err := device.Parse(path, data, device.Unknown)
		if err != nil {
			return nil // unsupported platforms are the parser's business
		}
		files++
		fs, err := rule.Run(Rules(), &rule.Device{Config: cfg, Inventory: &inventory.Config{}, Name: cfg.Hostname, Software: rule.Software{Version: cfg.Version}})
		if err != nil {
			t.Error(err)
		}
		for _, f := range fs {
			if f.Message == "" {
				t.Errorf("%s: %s without a message", path, f.RuleID)
			}
		}
		findings += len(fs)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d configurations, %d findings", files, findings)
}

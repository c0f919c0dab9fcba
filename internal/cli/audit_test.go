package cli

import (
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/seawall/seawall/internal/audit/report"
	"github.com/seawall/seawall/internal/audit/rule"
)

// The example that ships in the repository, as the README runs it.
var (
	exampleConfigs   = filepath.Join("..", "..", "examples", "configs")
	exampleInventory = filepath.Join("..", "..", "examples", "seawall.yaml")
)

// iosConfig is a small IOS configuration with a plain-HTTP server and
// Telnet on the VTY lines, which the hardening rules object to.
const iosConfig = `hostname r1
!
interface GigabitEthernet0/0
 ip address 10.0.0.1 255.255.255.0
!
ip http server
line vty 0 4
 transport input telnet
!
end
`

// auditRun runs seawall audit with the example inventory and an isolated
// data directory.
func (e *env) audit(t *testing.T, args ...string) result {
	t.Helper()
	return e.runRaw(t, "", append(append([]string{"audit"}, args...), "-c", exampleInventory, "--data-dir", e.dataDir)...)
}

func decodeAudit(t *testing.T, r result) report.Document {
	t.Helper()
	var d report.Document
	if err := json.Unmarshal([]byte(r.out), &d); err != nil {
		t.Fatalf("audit --json output is not JSON: %v\n%s", err, r.out)
	}
	return d
}

func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, body := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestAuditExample checks that the shipped example audits as the README
// says: three devices of three platforms, findings, and the exit code
// --fail-on high implies.
func TestAuditExample(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.audit(t, "--json", exampleConfigs)
	d := decodeAudit(t, r)
	var vendors []string
	for _, dev := range d.Devices {
		if dev.Error != "" {
			t.Errorf("%s: %s", dev.File, dev.Error)
		}
		vendors = append(vendors, string(dev.Vendor))
	}
	slices.Sort(vendors)
	if got := strings.Join(vendors, " "); got != "ios junos nxos" {
		t.Errorf("example devices are %q, want ios junos nxos", got)
	}
	if len(d.Findings) == 0 {
		t.Fatal("the example produced no findings")
	}
	want := ExitOK
	if w, _ := rule.ParseSeverity(d.Summary.Worst); w >= rule.High {
		want = ExitFailure
	}
	expectCode(t, r, want)
	for _, f := range d.Findings {
		for _, ev := range f.Evidence {
			for _, secret := range []string{"0822455D0A16", "$1$kX9q$", "n0c-r3ad", "$9$nhEm"} {
				if strings.Contains(ev.Text, secret) {
					t.Errorf("evidence shows a secret: %s", ev.Text)
				}
			}
		}
	}
}

func TestAuditFailOn(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"r1.cfg": iosConfig})
	d := decodeAudit(t, e.audit(t, "--json", "--fail-on", "none", dir))
	if len(d.Findings) == 0 {
		t.Fatal("no findings on a configuration with ip http server and telnet")
	}
	worst, err := rule.ParseSeverity(d.Summary.Worst)
	if err != nil {
		t.Fatal(err)
	}
	expectCode(t, e.audit(t, "--fail-on", "none", dir), ExitOK)
	expectCode(t, e.audit(t, "--fail-on", "info", dir), ExitFailure)
	r := e.audit(t, "--fail-on", worst.String(), dir)
	expectCode(t, r, ExitFailure)
	if !strings.Contains(r.err, "at or above --fail-on "+worst.String()) {
		t.Errorf("stderr does not say why the exit code is 1:\n%s", r.err)
	}
	if worst < rule.Critical {
		expectCode(t, e.audit(t, "--fail-on", (worst+1).String(), dir), ExitOK)
	}
	// Nothing at all to object to: an unrecognised file only.
	other := t.TempDir()
	writeFiles(t, other, map[string]string{"notes.txt": "hello world\n"})
	r = e.audit(t, "--fail-on", "info", other)
	expectCode(t, r, ExitOK)
	if !strings.Contains(r.out, "notes.txt") || !strings.Contains(r.out, "NOT AUDITED") {
		t.Errorf("the unsupported file is not listed:\n%s", r.out)
	}
}

func TestAuditUsage(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, args := range [][]string{
		{},
		{"--format", "xml", exampleConfigs},
		{"--fail-on", "severe", exampleConfigs},
		{"--vendor", "fortios", exampleConfigs},
		{"--json", "--format", "csv", exampleConfigs},
		{"--bogus", exampleConfigs},
	} {
		r := e.audit(t, args...)
		expectCode(t, r, ExitUsage)
		if !strings.Contains(r.err, "seawall audit --help") {
			t.Errorf("%v: no pointer to --help:\n%s", args, r.err)
		}
	}
}

// TestAuditMissingPath: a PATH that does not exist is a failure (1), not a
// usage error, and the other paths are still audited and reported.
func TestAuditMissingPath(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"r1.cfg": iosConfig})
	missing := filepath.Join(dir, "no-such-dir")
	r := e.audit(t, "--json", "--fail-on", "none", missing, filepath.Join(dir, "r1.cfg"))
	expectCode(t, r, ExitFailure)
	if !strings.Contains(r.err, missing+": no such file or directory") || !strings.Contains(r.err, "could not be read") {
		t.Errorf("stderr:\n%s", r.err)
	}
	d := decodeAudit(t, r)
	if d.Summary.Devices != 1 || d.Summary.NotAudited != 1 {
		t.Errorf("summary %+v: want the readable file audited and the missing one listed", d.Summary)
	}
}

func TestAuditUnreadable(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"r1.cfg": iosConfig, "r2.cfg": iosConfig})
	want := "permission denied"
	if os.Geteuid() == 0 {
		// Root reads any file by its mode; reading offset 0 of a
		// process's memory fails for everyone (EIO).
		want = "r2.cfg"
		if err := os.Remove(filepath.Join(dir, "r2.cfg")); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink("/proc/self/mem", filepath.Join(dir, "r2.cfg")); err != nil {
			t.Fatal(err)
		}
	} else if err := os.Chmod(filepath.Join(dir, "r2.cfg"), 0); err != nil {
		t.Fatal(err)
	}
	r := e.audit(t, "--fail-on", "none", dir)
	expectCode(t, r, ExitFailure)
	if !strings.Contains(r.err, want) || !strings.Contains(r.out, "r1") {
		t.Errorf("stdout:\n%s\nstderr:\n%s", r.out, r.err)
	}
}

// TestAuditWalk: directories are walked in order, hidden entries skipped,
// symbolic links followed once without looping.
func TestAuditWalk(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"pop1/r1.cfg":      iosConfig,
		"pop2/deep/r2.cfg": strings.Replace(iosConfig, "r1", "r2", 1),
		".git/config":      iosConfig,
		"pop1/.r1.cfg.swp": iosConfig,
		"notes.txt":        "hello world\n",
	})
	for link, target := range map[string]string{"pop2/loop": "..", "pop1/z-link.cfg": "r1.cfg", "pop1/dangling": "nowhere"} {
		if err := os.Symlink(target, filepath.Join(dir, link)); err != nil {
			t.Fatal(err)
		}
	}
	r := e.audit(t, "--json", "--fail-on", "none", dir)
	expectCode(t, r, ExitOK)
	var files []string
	for _, d := range decodeAudit(t, r).Devices {
		rel, _ := filepath.Rel(dir, d.File)
		files = append(files, filepath.ToSlash(rel))
	}
	slices.Sort(files)
	if got, want := strings.Join(files, " "), "notes.txt pop1/r1.cfg pop2/deep/r2.cfg"; got != want {
		t.Errorf("audited %q, want %q", got, want)
	}
	// An empty directory is a failure: nothing was audited.
	r = e.audit(t, t.TempDir())
	expectCode(t, r, ExitFailure)
	if !strings.Contains(r.err, "no configuration files found") {
		t.Errorf("stderr:\n%s", r.err)
	}
}

func TestAuditFormats(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, f := range report.Formats() {
		t.Run(string(f), func(t *testing.T) {
			t.Parallel()
			out := filepath.Join(t.TempDir(), "report."+string(f))
			r := e.audit(t, "--format", string(f), "-o", out, "--fail-on", "none", exampleConfigs)
			expectCode(t, r, ExitOK)
			if r.out != "" {
				t.Errorf("with -o, stdout should be empty:\n%s", r.out)
			}
			if !strings.Contains(r.err, "wrote "+out) {
				t.Errorf("stderr does not say where the report went:\n%s", r.err)
			}
			b, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			s := string(b)
			switch f {
			case report.Table:
				if !strings.HasPrefix(s, "seawall audit: 3 devices audited") {
					t.Errorf("table starts %q", s[:min(len(s), 80)])
				}
			case report.JSON:
				var d report.Document
				if err := json.Unmarshal(b, &d); err != nil || d.Schema != report.SchemaVersion || d.Tool.Version != e.build.Version {
					t.Errorf("json: %v, schema %q, version %q", err, d.Schema, d.Tool.Version)
				}
			case report.SARIF:
				var l struct {
					Version string `json:"version"`
					Runs    []struct {
						Results []json.RawMessage `json:"results"`
					} `json:"runs"`
				}
				if err := json.Unmarshal(b, &l); err != nil || l.Version != "2.1.0" || len(l.Runs) != 1 || len(l.Runs[0].Results) == 0 {
					t.Errorf("sarif: %v, version %q, runs %d", err, l.Version, len(l.Runs))
				}
				if !strings.Contains(s, `"uri": "../../examples/configs/edge-r1.cfg"`) {
					t.Error("sarif locations are not the relative paths given")
				}
			case report.HTML:
				if !strings.HasPrefix(s, "<!DOCTYPE html>") || !strings.Contains(s, "edge-r1") {
					t.Error("not an HTML report of the example")
				}
			case report.CSV:
				rows, err := csv.NewReader(strings.NewReader(s)).ReadAll()
				if err != nil || len(rows) < 2 || rows[0][0] != "severity" {
					t.Errorf("csv: %v, %d rows", err, len(rows))
				}
			}
			if left, _ := filepath.Glob(out + ".*.tmp"); len(left) > 0 {
				t.Errorf("temporary files left: %v", left)
			}
		})
	}
	// --json is --format json, on standard output.
	r := e.audit(t, "--json", "--fail-on", "none", exampleConfigs)
	expectCode(t, r, ExitOK)
	if d := decodeAudit(t, r); d.Summary.Devices != 3 {
		t.Errorf("--json: %d devices", d.Summary.Devices)
	}
}

// TestAuditVendor: --vendor forces a dialect, so a Junos set file read as
// IOS is still audited (as IOS) rather than detected.
func TestAuditVendor(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.audit(t, "--json", "--fail-on", "none", "--vendor", "ios", filepath.Join(exampleConfigs, "core-j1.conf"))
	expectCode(t, r, ExitOK)
	d := decodeAudit(t, r)
	if len(d.Devices) != 1 || d.Devices[0].Vendor != "ios" {
		t.Errorf("devices: %+v", d.Devices)
	}
}

package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/seawall/seawall/internal/enforce/export"
)

// docCN is the test database mapping documentation ranges to CN.
var docCN = filepath.Join("testdata", "geodb", "doc-cn.txt")

// withConfig writes a seawall.yaml for one test and returns its path.
func withConfig(t *testing.T, yaml string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "seawall.yaml")
	if err := os.WriteFile(p, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestBlockExportGolden(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	// An allow entry and an extra host, so that the outputs show both.
	cfg := withConfig(t, "block:\n  allow: [198.51.100.128/25]\n  extra: [203.0.113.9]\n")
	for _, f := range []string{"cidr", "nft"} {
		t.Run(f, func(t *testing.T) {
			t.Parallel()
			r := e.runRaw(t, "", "block", "export", "--format", f, "--geo-db", docCN, "-c", cfg, "--data-dir", e.dataDir)
			expectCode(t, r, ExitOK)
			if r.err != "" {
				t.Errorf("stderr: %q, want nothing", r.err)
			}
			golden(t, filepath.Join("block", "export-"+f+".golden"), r.out)
		})
	}
}

// TestBlockExportEmbedded renders the default policy over the embedded
// database in every format: the out-of-the-box case.
func TestBlockExportEmbedded(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, f := range export.Formats() {
		t.Run(f.Name, func(t *testing.T) {
			t.Parallel()
			r := e.run(t, "", "block", "export", "--format", f.Name)
			expectCode(t, r, ExitOK)
			head, _, _ := strings.Cut(r.out, "\n# policy: ")
			if f.Name != "nft" && !strings.HasPrefix(r.out, "# seawall") && !strings.HasPrefix(r.out, "! seawall") {
				t.Errorf("output does not open with seawall's header comment:\n%.300s", r.out)
			}
			for _, want := range []string{"countries: CN", "data: " + embeddedSource, "policy: sha256:"} {
				if !strings.Contains(r.out, want) {
					t.Errorf("header lacks %q:\n%.600s", want, head)
				}
			}
		})
	}
}

func TestBlockExportOutputFile(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	dir := t.TempDir()
	out := filepath.Join(dir, "seawall.nft")
	if err := os.WriteFile(out, []byte("old contents\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r := e.run(t, "", "block", "export", "--format", "nft", "--geo-db", docCN, "-o", out)
	expectCode(t, r, ExitOK)
	if r.out != "" {
		t.Errorf("stdout %q, want nothing with -o", r.out)
	}
	if !strings.Contains(r.err, "wrote "+out+" (nft): 2 IPv4 and 1 IPv6 prefixes, CN") {
		t.Errorf("stderr %q does not report the file written", r.err)
	}
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	stdout := e.run(t, "", "block", "export", "--format", "nft", "--geo-db", docCN)
	if string(got) != stdout.out {
		t.Errorf("-o wrote something else than standard output gets:\n%s", got)
	}
	if st, err := os.Stat(out); err != nil || st.Mode().Perm() != 0o644 {
		t.Errorf("mode %v (%v), want 0644", st.Mode().Perm(), err)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".*tmp*")); len(left) > 0 {
		t.Errorf("temporary files left behind: %v", left)
	}
}

func TestBlockExportErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	unknownCountry := withConfig(t, "block:\n  countries: [CN, XX]\n")
	badBlock := withConfig(t, "block:\n  directions: [inbound, sideways]\n")
	typo := withConfig(t, "block:\n  contries: [CN]\n")
	allowAll := withConfig(t, "block:\n  allow: [192.0.2.0/24, 198.51.100.0/24, 2001:db8::/32]\n")
	tests := []struct {
		name string
		args []string
		code int
		want []string
	}{
		{"no format", []string{"block", "export"}, ExitUsage,
			[]string{"--format is required: one of nft, ipset, cisco-ios, cisco-iosxr, junos, eos, bird, frr, cidr", "Run 'seawall block export --help' for usage."}},
		{"unknown format", []string{"block", "export", "--format", "pf"}, ExitUsage,
			[]string{`unknown format "pf": want one of nft, ipset,`}},
		{"argument", []string{"block", "export", "--format", "nft", "CN"}, ExitUsage,
			[]string{`unknown command "CN" for "seawall block export"`}},
		{"unknown subcommand", []string{"block", "aply"}, ExitUsage,
			[]string{`unknown command "aply" for "seawall block"`}},
		{"unknown country", []string{"block", "export", "--format", "cidr", "-c", unknownCountry}, ExitFailure,
			[]string{unknownCountry + ": block.countries: XX is not in the country database (" + embeddedSource + ")"}},
		{"invalid policy", []string{"block", "export", "--format", "cidr", "-c", badBlock}, ExitFailure,
			[]string{badBlock + `: block.directions[1]: unknown value "sideways" (known: inbound, outbound, forwarded)`}},
		{"unknown key", []string{"block", "export", "--format", "cidr", "-c", typo}, ExitFailure,
			[]string{typo + `:2: unknown key "contries" in block (known keys: countries,`}},
		{"allow covers the country", []string{"block", "export", "--format", "cidr", "--geo-db", docCN, "-c", allowAll}, ExitFailure,
			[]string{"block.allow covers every IPv4 or IPv6 address of CN; refusing an empty block"}},
		{"unwritable output", []string{"block", "export", "--format", "cidr", "-o", filepath.Join(t.TempDir(), "missing", "x.txt")}, ExitFailure,
			[]string{"missing"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			args := tt.args
			if !contains(args, "-c") {
				args = append(append([]string{}, args...), "-c", e.cfg)
			}
			r := e.runRaw(t, "", append(args, "--data-dir", e.dataDir)...)
			expectCode(t, r, tt.code)
			if r.out != "" {
				t.Errorf("stdout %q, want nothing on failure", r.out)
			}
			for _, s := range tt.want {
				if !strings.Contains(r.err, s) {
					t.Errorf("stderr does not contain %q:\n%s", s, r.err)
				}
			}
		})
	}
}

func TestBlockGroup(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.run(t, "", "block")
	expectCode(t, r, ExitOK)
	for _, want := range []string{"inbound", "outbound", "forwarded", `What "China" means`, "HK", "MO", "monitoring", "export"} {
		if !strings.Contains(r.out, want) {
			t.Errorf("block help lacks %q:\n%s", want, r.out)
		}
	}
}

package testenv

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fakeTB records Skipf/Fatalf instead of stopping the goroutine, so the
// helpers' skip and fail paths can be asserted. The helpers return right
// after calling either, so they never run on past a recorded stop.
type fakeTB struct {
	testing.TB
	skipped, failed string
}

func (f *fakeTB) Helper() {}

func (f *fakeTB) Skipf(format string, args ...any) { f.skipped = fmt.Sprintf(format, args...) }

func (f *fakeTB) Fatalf(format string, args ...any) { f.failed = fmt.Sprintf(format, args...) }

func TestSkipIfRace(t *testing.T) {
	f := &fakeTB{}
	SkipIfRace(f)
	if got := f.skipped != ""; got != Race {
		t.Errorf("SkipIfRace skipped=%v, want %v (Race=%v)", got, Race, Race)
	}
}

func TestRequireRoot(t *testing.T) {
	for _, tc := range []struct {
		euid       int
		ci         string
		skip, fail bool
	}{
		{euid: 0, ci: "true"},
		{euid: 0, ci: ""},
		{euid: 1000, ci: "", skip: true},
		{euid: 1000, ci: "true", fail: true},
	} {
		t.Run(fmt.Sprintf("euid=%d,CI=%q", tc.euid, tc.ci), func(t *testing.T) {
			t.Setenv("CI", tc.ci)
			old := geteuid
			geteuid = func() int { return tc.euid }
			defer func() { geteuid = old }()
			f := &fakeTB{}
			RequireRoot(f)
			if (f.skipped != "") != tc.skip || (f.failed != "") != tc.fail {
				t.Errorf("skipped=%q failed=%q, want skip=%v fail=%v", f.skipped, f.failed, tc.skip, tc.fail)
			}
		})
	}
}

func TestRequireTool(t *testing.T) {
	old := lookPath
	defer func() { lookPath = old }()
	lookPath = func(name string) (string, error) {
		if name == "present" {
			return "/usr/bin/present", nil
		}
		return "", errors.New("not found")
	}

	t.Run("present", func(t *testing.T) {
		t.Setenv("CI", "true")
		f := &fakeTB{}
		RequireTool(f, "present")
		if f.skipped != "" || f.failed != "" {
			t.Errorf("skipped=%q failed=%q, want neither", f.skipped, f.failed)
		}
	})
	t.Run("CI fails naming the package", func(t *testing.T) {
		t.Setenv("CI", "true")
		f := &fakeTB{}
		RequireTool(f, "present", "nft", "bird", "birdc")
		for _, want := range []string{"nft (install Debian package nftables)", "bird (install Debian package bird2)", "apt-get install -y bird2 nftables ("} {
			if !strings.Contains(f.failed, want) {
				t.Errorf("failed=%q, want it to contain %q", f.failed, want)
			}
		}
		if f.skipped != "" {
			t.Errorf("skipped=%q under CI", f.skipped)
		}
	})
	t.Run("elsewhere skips", func(t *testing.T) {
		t.Setenv("CI", "")
		f := &fakeTB{}
		RequireTool(f, "tshark")
		if !strings.Contains(f.skipped, "tshark (install Debian package tshark)") || f.failed != "" {
			t.Errorf("skipped=%q failed=%q", f.skipped, f.failed)
		}
	})
	t.Run("unknown tool", func(t *testing.T) {
		t.Setenv("CI", "true")
		f := &fakeTB{}
		RequireTool(f, "no-such-tool")
		if !strings.Contains(f.failed, "no-such-tool (no Debian package known") {
			t.Errorf("failed=%q", f.failed)
		}
	})
}

func TestRequireToolRealLookPath(t *testing.T) {
	// go test puts GOROOT/bin first in PATH, so "go" is always there.
	f := &fakeTB{}
	RequireTool(f, "go")
	if f.skipped != "" || f.failed != "" {
		t.Errorf("skipped=%q failed=%q for go", f.skipped, f.failed)
	}
}

func TestSharedData(t *testing.T) {
	// tmp/repo is the module; tmp/repo/tools is a nested module to walk past.
	tmp := t.TempDir()
	write := func(rel, content string) {
		p := filepath.Join(tmp, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("repo/go.mod", "// comment\nmodule "+ModulePath+" // trailing\n\ngo 1.26\n")
	write("repo/tools/go.mod", "module "+ModulePath+"/tools\n")
	write("repo/tools/sub/x.go", "package sub\n")
	write("shared/data/geo/x.txt", "x\n")
	start := filepath.Join(tmp, "repo", "tools", "sub")

	f := &fakeTB{}
	got := sharedData(f, start, "geo/x.txt")
	if want := filepath.Join(tmp, "shared", "data", "geo", "x.txt"); got != want || f.skipped != "" || f.failed != "" {
		t.Errorf("sharedData = %q (skipped=%q failed=%q), want %q", got, f.skipped, f.failed, want)
	}

	for _, ci := range []string{"", "true"} {
		t.Setenv("CI", ci)
		f = &fakeTB{}
		got = sharedData(f, start, "geo/missing.txt")
		if got != "" || !strings.Contains(f.skipped, "../shared/data/geo/missing.txt not present") || f.failed != "" {
			t.Errorf("CI=%q: missing file: got %q skipped=%q failed=%q", ci, got, f.skipped, f.failed)
		}
		if ci == "true" && !strings.Contains(f.skipped, "CI=true") {
			t.Errorf("CI skip message does not mention CI: %q", f.skipped)
		}
	}

	f = &fakeTB{}
	sharedData(f, tmp, "geo/x.txt")
	if !strings.Contains(f.failed, "no go.mod for module") {
		t.Errorf("outside the repo: failed=%q", f.failed)
	}
}

func TestRepoRootFromHere(t *testing.T) {
	root, err := repoRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "internal", "testenv", "testenv.go")); err != nil {
		t.Errorf("repoRoot = %s, which does not hold this package: %v", root, err)
	}
}

func TestModulePath(t *testing.T) {
	for in, want := range map[string]string{
		"module a/b\n":               "a/b",
		"module \"a/b\"\n":           "a/b",
		"// module x\nmodule\ta/b\n": "a/b",
		"modulex a/b\n":              "",
		"go 1.26\n":                  "",
	} {
		if got := modulePath([]byte(in)); got != want {
			t.Errorf("modulePath(%q) = %q, want %q", in, got, want)
		}
	}
}

// Package testenv lets tests state what they need from the host: root, an
// external tool, a corpus under ../shared, or a build without -race.
//
// The rule is the same everywhere: on a developer's machine a missing
// requirement skips the test, so `go test ./...` works anywhere; under CI
// (CI=true) the machine is supposed to have everything (scripts/deps installs
// it, .ci/run runs as root), so a missing requirement fails the test, with a
// message saying exactly what to install, instead of silently skipping
// coverage. The one exception is ../shared data, which CI has beside the
// clone; if it is absent even there the test still skips, loudly.
package testenv

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// ModulePath is the main module's path; SharedData walks up to the go.mod
// declaring it to find the repository root.
const ModulePath = "github.com/seawall/seawall"

// toolPackages maps a command to the Debian package providing it, so that
// a failure message can say what to install. Keep scripts/apt-packages.txt
// in step with it: that file is what scripts/deps installs.
var toolPackages = map[string]string{
	"nft":       "nftables",
	"ip":        "iproute2",
	"bird":      "bird2",
	"birdc":     "bird2",
	"softflowd": "softflowd",
	"pmacctd":   "pmacct",
	"nfacctd":   "pmacct",
	"nfcapd":    "nfdump",
	"nfdump":    "nfdump",
	// Debian builds nfdump without sFlow (no sfcapd); pmacct's sfacctd is
	// the reference sFlow collector.
	"sfacctd":  "pmacct",
	"tshark":   "tshark",
	"chromium": "chromium",
	// Parsers the block export tests hand their outputs to.
	"unshare":           "util-linux",
	"ipset":             "ipset",
	"iptables-restore":  "iptables",
	"ip6tables-restore": "iptables",
	"iptables-save":     "iptables",
	"vtysh":             "frr",
	"ping":              "iputils-ping",
}

// Seams for testenv's own tests.
var (
	geteuid  = os.Geteuid
	lookPath = exec.LookPath
)

// InCI reports whether the tests run under CI (the environment variable CI
// is "true"), where missing requirements are failures rather than skips.
func InCI() bool { return os.Getenv("CI") == "true" }

// SkipIfRace skips t when the binary was built with -race. Allocation
// assertions call it because the race runtime adds allocations of its own;
// `make test` runs them in a second pass without -race
// (go test -run Allocs), so they are still checked.
func SkipIfRace(t testing.TB) {
	t.Helper()
	if Race {
		t.Skipf("allocation counts are meaningless under -race; checked by the non-race pass (go test -run Allocs)")
	}
}

// RequireRoot skips t (or, under CI, fails it) unless the process runs with
// effective uid 0, which tests that create network namespaces, nftables
// rulesets or raw sockets need.
func RequireRoot(t testing.TB) {
	t.Helper()
	euid := geteuid()
	if euid == 0 {
		return
	}
	if InCI() {
		t.Fatalf("testenv: test needs root but runs as euid %d; CI must run as root (.ci/run), or run: sudo -E make test", euid)
		return
	}
	t.Skipf("testenv: skipping: needs root, running as euid %d (run as root, e.g. sudo -E go test ...)", euid)
}

// RequireTool skips t (or, under CI, fails it) unless every named command is
// in PATH. The message names the Debian package for each missing command, so
// the fix is one apt-get away.
func RequireTool(t testing.TB, names ...string) {
	t.Helper()
	var missing, pkgs []string
	for _, name := range names {
		if _, err := lookPath(name); err == nil {
			continue
		}
		if pkg, ok := toolPackages[name]; ok {
			missing = append(missing, fmt.Sprintf("%s (install Debian package %s)", name, pkg))
			pkgs = append(pkgs, pkg)
		} else {
			missing = append(missing, fmt.Sprintf("%s (no Debian package known: add it to toolPackages in internal/testenv and to scripts/apt-packages.txt)", name))
		}
	}
	if len(missing) == 0 {
		return
	}
	how := "list the packages in scripts/apt-packages.txt and run scripts/deps as root"
	if len(pkgs) > 0 {
		how = fmt.Sprintf("apt-get install -y %s (scripts/deps installs everything in scripts/apt-packages.txt)", strings.Join(slices.Compact(slices.Sorted(slices.Values(pkgs))), " "))
	}
	if InCI() {
		t.Fatalf("testenv: not found in PATH: %s; fix: %s", strings.Join(missing, ", "), how)
		return
	}
	t.Skipf("testenv: skipping: not found in PATH: %s; to run it: %s", strings.Join(missing, ", "), how)
}

// SharedData returns the absolute path of ../shared/data/<rel>, i.e. rel
// under the data directory of the shared folder beside the repository root.
// Corpora under GPL/AGPL or with no license stay there and are never copied
// into the repository; tests read them in place. When the path is absent
// the test is skipped (under CI too, since it cannot be installed, but the
// message says CI so the gap is visible in the skip summary).
func SharedData(t testing.TB, rel string) string {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatalf("testenv: %v", err)
		return ""
	}
	return sharedData(t, wd, rel)
}

func sharedData(t testing.TB, start, rel string) string {
	t.Helper()
	root, err := repoRoot(start)
	if err != nil {
		t.Fatalf("testenv: %v", err)
		return ""
	}
	p := filepath.Join(filepath.Dir(root), "shared", "data", filepath.FromSlash(rel))
	if _, err := os.Stat(p); err != nil {
		where := ""
		if InCI() {
			where = "CI=true but "
		}
		t.Skipf("testenv: skipping: %s../shared/data/%s not present (GPL/AGPL/unlicensed corpora are read from ../shared, not copied); looked at %s", where, rel, p)
		return ""
	}
	return p
}

// repoRoot walks up from dir to the directory whose go.mod declares
// ModulePath. Matching the module path, not just any go.mod, skips nested
// modules such as tools/.
func repoRoot(dir string) (string, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for d := dir; ; {
		if data, err := os.ReadFile(filepath.Join(d, "go.mod")); err == nil && modulePath(data) == ModulePath {
			return d, nil
		}
		parent := filepath.Dir(d)
		if parent == d {
			return "", fmt.Errorf("no go.mod for module %s in %s or any parent", ModulePath, dir)
		}
		d = parent
	}
}

// modulePath returns the path in go.mod's module directive; a small parser
// so the main module needs no golang.org/x/mod dependency for tests.
func modulePath(gomod []byte) string {
	sc := bufio.NewScanner(bytes.NewReader(gomod))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if i := strings.Index(line, "//"); i >= 0 {
			line = strings.TrimSpace(line[:i])
		}
		rest, ok := strings.CutPrefix(line, "module")
		if !ok || rest == "" || (rest[0] != ' ' && rest[0] != '\t' && rest[0] != '"') {
			continue
		}
		return strings.Trim(strings.TrimSpace(rest), "\"`")
	}
	return ""
}

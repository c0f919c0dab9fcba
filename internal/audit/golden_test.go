package audit_test

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/seawall/seawall/internal/audit"
	"github.com/seawall/seawall/internal/audit/rule"
	"github.com/seawall/seawall/internal/testenv"
)

// goldenFiles are the real configurations in testdata/golden.
func goldenFiles(t testing.TB) []string {
	t.Helper()
	files, err := filepath.Glob("testdata/golden/*/*.cfg")
	if err != nil || len(files) < 30 {
		t.Fatalf("golden corpus: %d files, %v", len(files), err)
	}
	slices.Sort(files)
	return files
}

// render prints an audit compactly, one device per block, findings by
// line, so a reviewer can check each against the configuration.
func render(r *audit.Report) string {
	var b strings.Builder
	devs := slices.Clone(r.Devices)
	slices.SortFunc(devs, func(x, y audit.Device) int { return strings.Compare(x.File, y.File) })
	for _, d := range devs {
		name := strings.TrimPrefix(filepath.ToSlash(d.File), "testdata/golden/")
		if d.Unsupported != "" {
			fmt.Fprintf(&b, "%s: unsupported (%s)\n\n", name, d.Unsupported)
			continue
		}
		fmt.Fprintf(&b, "%s: %s version=%q score=%d\n", name, d.Vendor, d.Software.Version, d.Score)
		if d.Error != "" {
			fmt.Fprintf(&b, "  error: %s\n", d.Error)
		}
		var fs []rule.Finding
		for _, f := range r.Findings {
			if f.File == d.File {
				fs = append(fs, f)
			}
		}
		slices.SortStableFunc(fs, func(x, y rule.Finding) int {
			_, xl := x.Location()
			_, yl := y.Location()
			if c := strings.Compare(x.RuleID, y.RuleID); c != 0 {
				return c
			}
			return xl - yl
		})
		for _, f := range fs {
			_, line := f.Location()
			conf := ""
			if f.Confidence != "" {
				conf = " [" + f.Confidence + "]"
			}
			fmt.Fprintf(&b, "  %-12s %-8s L%-4d %s%s\n", f.RuleID, f.Severity, line, f.Message, conf)
		}
		b.WriteString("\n")
	}
	return b.String()
}

// TestGolden audits real configurations from five vendors' platforms and
// compares every finding with expectations checked by hand against the
// files. Rewrite with -update, then review the diff line by line.
func TestGolden(t *testing.T) {
	a := audit.New(audit.Options{})
	for _, f := range goldenFiles(t) {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		a.Add(f, data)
	}
	got := render(a.Report())
	testenv.Golden(t, "testdata/golden/expected.txt", []byte(got))
}

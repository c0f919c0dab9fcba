package audit_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/seawall/seawall/internal/audit"
	"github.com/seawall/seawall/internal/testenv"
)

type corpusFile struct {
	name string
	data []byte
}

// loadCorpus reads every file of the shared batfish corpus (about 1,500
// configurations of ten platforms, 1.7 MB).
func loadCorpus(tb testing.TB) ([]corpusFile, int) {
	tb.Helper()
	root := testenv.SharedData(tb, "configs/batfish")
	var files []corpusFile
	total := 0
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		files = append(files, corpusFile{p, data})
		total += len(data)
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	return files, total
}

// BenchmarkAuditCorpus audits the whole batfish corpus: detection, parsing,
// every rule, and the report. Run on one core with -cpu 1; the target is
// under 1 s per iteration.
func BenchmarkAuditCorpus(b *testing.B) {
	files, total := loadCorpus(b)
	b.SetBytes(int64(total))
	b.ReportAllocs()
	for b.Loop() {
		a := audit.New(audit.Options{})
		for _, f := range files {
			a.Add(f.name, f.data)
		}
		if r := a.Report(); len(r.Devices) != len(files) {
			b.Fatalf("%d devices for %d files", len(r.Devices), len(files))
		}
	}
}

// TestAuditCorpus checks that every corpus file is audited or reported
// unsupported, with no rule failing on any of them.
func TestAuditCorpus(t *testing.T) {
	files, _ := loadCorpus(t)
	a := audit.New(audit.Options{})
	for _, f := range files {
		a.Add(f.name, f.data)
	}
	r := a.Report()
	parsed, unsupported := 0, 0
	for _, d := range r.Devices {
		switch {
		case d.Unsupported != "":
			unsupported++
		case d.Error != "":
			t.Errorf("%s: %s", d.File, d.Error)
		default:
			parsed++
		}
	}
	t.Logf("%d files: %d audited, %d unsupported, %d findings", len(files), parsed, unsupported, len(r.Findings))
	for _, v := range r.Vendors {
		t.Logf("%-8s files=%4d lines=%6d understood=%5.1f%%", v.Vendor, v.Files, v.Lines, 100*v.Share())
	}
}

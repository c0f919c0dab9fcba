package netflow

import (
	"net/netip"
	"os"
	"path/filepath"
	"testing"

	"github.com/seawall/seawall/internal/flow"
)

// FuzzFastPath checks that fastRecord decodes exactly as the general
// flowRecord loop. Each datagram is decoded twice by two decoders; before
// the second pass one of them drops its fast plans, so its records take
// flowRecord from the same state (templates, options data).
func FuzzFastPath(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "logstash", "*.dat"))
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	ex := netip.MustParseAddr("192.0.2.1")
	f.Fuzz(func(t *testing.T, dg []byte) {
		fast, slow := New(Config{}), New(Config{})
		var a, b []flow.Record
		a, _ = fast.Decode(ex, dg, a)
		b, _ = slow.Decode(ex, dg, b)
		for _, e := range slow.exporters {
			for _, tp := range e.templates {
				tp.fast = nil
			}
		}
		a, errA := fast.Decode(ex, dg, a[:0])
		b, errB := slow.Decode(ex, dg, b[:0])
		if errA != errB || len(a) != len(b) {
			t.Fatalf("fast: %d records, %v; general: %d records, %v", len(a), errA, len(b), errB)
		}
		for i := range a {
			if a[i] != b[i] {
				t.Fatalf("record %d:\nfast    %+v\ngeneral %+v", i, a[i], b[i])
			}
		}
	})
}

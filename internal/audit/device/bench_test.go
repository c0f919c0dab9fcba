package device

import (
	"testing"
)

// BenchmarkParseCorpus detects and parses the batfish corpus, per dialect
// (vendor=ios, ...) and whole (vendor=all, unsupported files included), so
// that MB/s shows each parser's throughput:
//
//	go test -run '^$' -bench ParseCorpus -benchmem ./internal/audit/device/
func BenchmarkParseCorpus(b *testing.B) {
	files := loadCorpus(b)
	groups := map[string][]corpusFile{}
	for _, f := range files {
		v, _ := Detect(f.rel, f.data)
		if v.Supported() {
			groups[string(v)] = append(groups[string(v)], f)
		}
		groups["all"] = append(groups["all"], f)
	}
	for _, name := range []string{"ios", "nxos", "iosxr", "eos", "junos", "all"} {
		fs := groups[name]
		size := 0
		for _, f := range fs {
			size += len(f.data)
		}
		b.Run("vendor="+name, func(b *testing.B) {
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for b.Loop() {
				for _, f := range fs {
					_, _ = Parse(f.rel, f.data, Unknown)
				}
			}
		})
	}
}

// BenchmarkDetect measures detection alone over the whole corpus.
func BenchmarkDetect(b *testing.B) {
	files := loadCorpus(b)
	size := 0
	for _, f := range files {
		size += len(f.data)
	}
	b.SetBytes(int64(size))
	b.ReportAllocs()
	for b.Loop() {
		for _, f := range files {
			Detect(f.rel, f.data)
		}
	}
}

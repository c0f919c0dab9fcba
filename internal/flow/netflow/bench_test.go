package netflow_test

import (
	"testing"

	"github.com/seawall/seawall/internal/flow"
)

// BenchmarkDecode decodes the same steady-state v9 and IPFIX datagrams
// with seawall and with goflow2 v2.2.6 (its decoder plus the producer that
// turns packets into flow messages, the path its collector takes to get
// flows). Compare with: benchstat -col /impl.
func BenchmarkDecode(b *testing.B) {
	for _, c := range steadyCases[:2] {
		b.Run("format="+c.name+"/impl=seawall", func(b *testing.B) {
			d, dg, n := steady(b, c.tpl, c.data)
			out := make([]flow.Record, 0, n)
			b.ReportAllocs()
			b.SetBytes(int64(len(dg)))
			for b.Loop() {
				out, _ = d.Decode(datExporter, dg, out[:0])
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/flow")
		})
		b.Run("format="+c.name+"/impl=goflow2", func(b *testing.B) {
			g := newGoflow2(b)
			if _, err := g.decode(datExporter, readDat(b, c.tpl)); err != nil {
				b.Fatal(err)
			}
			dg := readDat(b, c.data)
			recs, err := g.decode(datExporter, dg)
			if err != nil || len(recs) == 0 {
				b.Fatalf("goflow2: %d records, %v", len(recs), err)
			}
			n := len(recs)
			b.ReportAllocs()
			b.SetBytes(int64(len(dg)))
			for b.Loop() {
				_, _ = g.decodeRaw(datExporter, dg)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/flow")
		})
	}
}

package sflow_test

import (
	"net/netip"
	"path/filepath"
	"testing"

	"github.com/seawall/seawall/internal/flow"
	"github.com/seawall/seawall/internal/flow/sflow"
	"github.com/seawall/seawall/internal/testenv"
)

// FuzzSflow: no panic; a failed datagram adds no records or counters;
// records and counter samples never outnumber the samples a datagram can
// hold; Decode and DecodeAll agree on records and errors; counter
// records decoded plus skipped match what Stats counted.
func FuzzSflow(f *testing.F) {
	for _, c := range []string{"sflow-print-v6.pcap", "sflow_multiple_counter_30_pdus.pcap", "sflow_print-segv.pcap"} {
		for _, dg := range readCapture(f, "tcpdump-sflow/"+c) {
			f.Add(dg.Payload)
		}
	}
	ex := netip.MustParseAddr("192.0.2.1")
	f.Fuzz(func(t *testing.T, b []byte) {
		d := sflow.New(4)
		recs, err := d.Decode(ex, b, nil)
		if err != nil && len(recs) != 0 {
			t.Fatalf("error %v with %d records", err, len(recs))
		}
		if len(recs) > len(b)/8 {
			t.Fatalf("%d records from %d bytes", len(recs), len(b))
		}
		all := sflow.New(4)
		recs2, ctrs, err2 := all.DecodeAll(ex, b, nil, nil)
		if err2 != err || len(recs2) != len(recs) {
			t.Fatalf("DecodeAll: %d records, %v; Decode: %d records, %v", len(recs2), err2, len(recs), err)
		}
		for i := range recs {
			if recs[i] != recs2[i] {
				t.Fatalf("record %d: DecodeAll %+v, Decode %+v", i, recs2[i], recs[i])
			}
		}
		if err != nil && len(ctrs) != 0 {
			t.Fatalf("error %v with %d counter samples", err, len(ctrs))
		}
		if len(recs)+len(ctrs) > len(b)/8 {
			t.Fatalf("%d records and %d counter samples from %d bytes", len(recs), len(ctrs), len(b))
		}
		st, _ := all.Stats(ex)
		var decoded, skipped uint64
		for _, c := range ctrs {
			decoded += uint64(c.Records)
			skipped += uint64(c.Skipped)
			if c.Records > 0 && !c.HasInterface && !c.HasEthernet {
				t.Fatalf("%d records decoded into nothing", c.Records)
			}
		}
		if st.CounterSamples != uint64(len(ctrs)) || st.CounterRecords != decoded || st.UnknownCounterRecords != skipped {
			t.Fatalf("stats %+v, returned %d samples, %d decoded, %d skipped", st, len(ctrs), decoded, skipped)
		}
	})
}

func v6Datagram(t testing.TB) []byte {
	t.Helper()
	for _, dg := range readCapture(t, filepath.ToSlash("tcpdump-sflow/sflow-print-v6.pcap")) {
		if recs, err := decodeOne(dg.Payload); err == nil && len(recs) >= 2 {
			return dg.Payload
		}
	}
	t.Fatal("no datagram with flow samples")
	return nil
}

func TestDecodeAllocs(t *testing.T) {
	testenv.SkipIfRace(t)
	b := v6Datagram(t)
	d := sflow.New(0)
	ex := netip.MustParseAddr("192.0.2.1")
	out, _ := d.Decode(ex, b, nil)
	allocs := testing.AllocsPerRun(100, func() { out, _ = d.Decode(ex, b, out[:0]) })
	if allocs != 0 {
		t.Errorf("%v allocations per datagram, want 0", allocs)
	}
}

func BenchmarkDecode(b *testing.B) {
	dg := v6Datagram(b)
	d := sflow.New(0)
	ex := netip.MustParseAddr("192.0.2.1")
	out, _ := d.Decode(ex, dg, nil)
	n := len(out)
	b.Run("format=sflow/impl=seawall", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			out, _ = d.Decode(ex, dg, out[:0])
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/flow")
	})
	_ = flow.Record{}
}

package netflow_test

import (
	"bytes"
	"net/netip"
	"os"
	"path/filepath"
	"testing"

	"github.com/seawall/seawall/internal/flow"
	"github.com/seawall/seawall/internal/flow/netflow"
	"github.com/seawall/seawall/internal/testenv"
)

const fuzzTemplateCap = 8

// FuzzNetflow feeds arbitrary datagrams, twice each (so templates a
// datagram defines meet their data), from one of four exporters chosen by
// the first byte. Invariants: no panic; the template cap per exporter
// holds; a failed datagram yields no records unless only its templates
// were missing; exported templates import back to the same bytes.
func FuzzNetflow(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "logstash", "*.dat"))
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(append([]byte{0}, b...))
	}
	exporters := []netip.Addr{
		netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("192.0.2.2"),
		netip.MustParseAddr("2001:db8::1"), netip.MustParseAddr("::ffff:192.0.2.1"),
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		if len(in) < 1 {
			return
		}
		ex := exporters[int(in[0])%len(exporters)]
		dg := in[1:]
		d := netflow.New(netflow.Config{MaxTemplatesPerExporter: fuzzTemplateCap, MaxFieldsPerTemplate: 64})
		var out []flow.Record
		for range 2 {
			n := len(out)
			var err error
			out, err = d.Decode(ex, dg, out)
			if len(out) < n {
				t.Fatalf("Decode shrank the caller's slice")
			}
			_ = err
		}
		for _, a := range d.Exporters() {
			s, _ := d.Stats(a)
			if s.Templates > fuzzTemplateCap {
				t.Fatalf("exporter %v holds %d templates, cap %d", a, s.Templates, fuzzTemplateCap)
			}
		}
		exp := d.AppendTemplates(nil)
		d2 := netflow.New(netflow.Config{MaxTemplatesPerExporter: fuzzTemplateCap, MaxFieldsPerTemplate: 64})
		if err := d2.ImportTemplates(exp); err != nil {
			t.Fatalf("import of exported templates: %v", err)
		}
		if got := d2.AppendTemplates(nil); !bytes.Equal(got, exp) {
			t.Fatalf("template export does not round-trip")
		}
	})
}

func readDat(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "logstash", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// steady returns a decoder that has learned the templates, and the data
// datagram to decode again and again.
func steady(t testing.TB, tpl, data string) (*netflow.Decoder, []byte, int) {
	t.Helper()
	d := netflow.New(netflow.Config{})
	if _, err := d.Decode(datExporter, readDat(t, tpl), nil); err != nil {
		t.Fatalf("%s: %v", tpl, err)
	}
	b := readDat(t, data)
	recs, err := d.Decode(datExporter, b, nil)
	if err != nil || len(recs) == 0 {
		t.Fatalf("%s: %d records, %v", data, len(recs), err)
	}
	return d, b, len(recs)
}

var steadyCases = []struct{ name, tpl, data string }{
	{"v9", "netflow9_test_cisco_asr9k_tpl260.dat", "netflow9_test_cisco_asr9k_data260.dat"},
	{"ipfix", "ipfix_test_mikrotik_tpl.dat", "ipfix_test_mikrotik_data258.dat"},
	// Template refreshes (template and data in one datagram) must not
	// allocate either.
	{"v9-refresh", "netflow9_test_softflowd_tpl_data.dat", "netflow9_test_softflowd_tpl_data.dat"},
	{"ipfix-refresh", "ipfix_test_ixia_tpldata256.dat", "ipfix_test_ixia_tpldata256.dat"},
	{"v5", "netflow5_test_juniper_mx80.dat", "netflow5_test_juniper_mx80.dat"},
}

func TestDecodeAllocs(t *testing.T) {
	testenv.SkipIfRace(t)
	for _, c := range steadyCases {
		t.Run(c.name, func(t *testing.T) {
			d, b, n := steady(t, c.tpl, c.data)
			out := make([]flow.Record, 0, n)
			allocs := testing.AllocsPerRun(100, func() {
				out, _ = d.Decode(datExporter, b, out[:0])
			})
			if allocs != 0 {
				t.Errorf("%v allocations per datagram in steady state, want 0", allocs)
			}
		})
	}
}

func TestTemplateRoundTrip(t *testing.T) {
	d, b, n := steady(t, "ipfix_test_mikrotik_tpl.dat", "ipfix_test_mikrotik_data258.dat")
	exp := d.AppendTemplates(nil)
	d2 := netflow.New(netflow.Config{})
	if err := d2.ImportTemplates(exp); err != nil {
		t.Fatal(err)
	}
	recs, err := d2.Decode(datExporter, b, nil)
	if err != nil || len(recs) != n {
		t.Fatalf("after import: %d records (want %d), %v", len(recs), n, err)
	}
	if err := d2.ImportTemplates([]byte("nope")); err == nil {
		t.Error("import of garbage succeeded")
	}
}

// TestTemplateFlood checks that an exporter announcing ever new template
// ids is capped and counted, and others are unaffected.
func TestTemplateFlood(t *testing.T) {
	d := netflow.New(netflow.Config{MaxTemplatesPerExporter: 4})
	hostile := netip.MustParseAddr("198.51.100.66")
	var drops int
	for id := 256; id < 356; id++ {
		// IPFIX message with one template set holding one template.
		dg := []byte{0, 10, 0, 28, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
			0, 2, 0, 12, byte(id >> 8), byte(id), 0, 1, 0, 8, 0, 4}
		if _, err := d.Decode(hostile, dg, nil); err != nil {
			drops++
		}
	}
	s, _ := d.Stats(hostile)
	if s.Templates != 4 || drops != 96 || s.Errors[netflow.ReasonTemplateLimit] != 96 {
		t.Errorf("templates %d, drops %d, counted %d; want 4, 96, 96", s.Templates, drops, s.Errors[netflow.ReasonTemplateLimit])
	}
	// Withdrawal of all templates (id 2, field count 0) frees the slots.
	wd := []byte{0, 10, 0, 24, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 8, 0, 2, 0, 0}
	if _, err := d.Decode(hostile, wd, nil); err != nil {
		t.Fatal(err)
	}
	if s, _ := d.Stats(hostile); s.Templates != 0 || s.TemplateWithdrawals != 4 {
		t.Errorf("after withdrawal: %d templates, %d withdrawals", s.Templates, s.TemplateWithdrawals)
	}
}

func TestSamplingOverride(t *testing.T) {
	d := netflow.New(netflow.Config{SamplingOverride: map[netip.Addr]uint32{datExporter: 100}})
	recs, err := d.Decode(datExporter, readDat(t, "netflow5_test_juniper_mx80.dat"), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		if r.SamplingRate != 100 {
			t.Fatalf("rate %d, want override 100", r.SamplingRate)
		}
	}
}

func TestAppendTemplatesOf(t *testing.T) {
	d, _, _ := steady(t, "ipfix_test_mikrotik_tpl.dat", "ipfix_test_mikrotik_data258.dat")
	if got, want := d.AppendTemplatesOf(nil, []netip.Addr{datExporter}), d.AppendTemplates(nil); !bytes.Equal(got, want) {
		t.Error("AppendTemplatesOf(the only exporter) differs from AppendTemplates")
	}
	other := netip.MustParseAddr("198.51.100.77")
	if got := d.AppendTemplatesOf(nil, []netip.Addr{other}); string(got) != "SWNT\x01" {
		t.Errorf("AppendTemplatesOf(an unknown exporter) = %q, want the header only", got)
	}
}

package ingest

import (
	"bytes"
	"context"
	"encoding/binary"
	"io"
	"net"
	"net/http"
	"net/netip"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/seawall/seawall/internal/flow"
)

// testConfig listens on loopback ports the kernel chooses.
func testConfig() Config {
	c := DefaultConfig()
	c.NetFlow = "127.0.0.1:0"
	c.SFlow = "127.0.0.1:0"
	c.Sockets = 2
	c.ReadBuffer = 4 << 20
	c.Metrics = ""
	return c
}

// runCollector starts a collector and stops it when the test ends.
func runCollector(t *testing.T, cfg Config, opts Options) *Collector {
	t.Helper()
	c, err := New(cfg, opts)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	if err := c.Open(ctx); err != nil {
		cancel()
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	return c
}

// waitFor polls the status until cond holds.
func waitFor(t *testing.T, c *Collector, what string, cond func(Status) bool) Status {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		st := c.Status()
		if cond(st) {
			return st
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s; status: %+v", what, st)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func totalFlows(st Status) (n uint64) {
	for _, l := range st.Listeners {
		n += l.Flows
	}
	return n
}

// send sends payloads from src (port 0: any) to dst.
func send(t *testing.T, src netip.AddrPort, dst netip.AddrPort, payloads ...[]byte) {
	t.Helper()
	c, err := net.DialUDP("udp4", net.UDPAddrFromAddrPort(src), net.UDPAddrFromAddrPort(dst))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for _, p := range payloads {
		if _, err := c.Write(p); err != nil {
			t.Fatal(err)
		}
	}
}

func TestListenerReuseport(t *testing.T) {
	var got atomic.Uint64
	var mu sync.Mutex
	exporters := map[netip.Addr]bool{}
	c := runCollector(t, testConfig(), Options{Handler: func(recs []flow.Record) {
		got.Add(uint64(len(recs)))
		mu.Lock()
		for _, r := range recs {
			exporters[r.Exporter] = true
		}
		mu.Unlock()
	}})
	to := c.Addr(NetFlow)
	if !to.IsValid() || to.Port() == 0 {
		t.Fatalf("netflow listener address %v", to)
	}
	// Eight exporters, each from three source ports: the templates are in
	// the first datagram only, so every datagram of an exporter must
	// reach the reader that learned them.
	want := 0
	for i := range 8 {
		e := &synthExporter{ipfix: i%2 == 1, domain: 7}
		src := SourceAddr(i)
		send(t, netip.AddrPortFrom(src, 0), to, e.datagram(20, true, time.Now()))
		for range 3 {
			send(t, netip.AddrPortFrom(src, 0), to, e.datagram(25, false, time.Now()), e.datagram(21, false, time.Now()))
		}
		want += 20 + 3*(25+21)
	}
	st := waitFor(t, c, "all flows", func(st Status) bool { return totalFlows(st) == uint64(want) })
	nl := st.Listeners[0]
	if nl.Protocol != "netflow" || nl.Sockets != 2 || nl.Errors != 0 || nl.KernelDrops != 0 || !nl.BySource {
		t.Errorf("netflow listener: %+v, want 2 sockets, by source, no errors or drops", nl)
	}
	if len(st.Exporters) != 8 {
		t.Errorf("%d exporters in the status, want 8", len(st.Exporters))
	}
	for _, e := range st.Exporters {
		if e.Datagrams != 7 || e.Errors != 0 || e.Templates != 1 {
			t.Errorf("exporter %+v: want 7 datagrams, no errors, 1 template", e)
		}
	}
	// Each exporter reached exactly one reader, the one the BPF program
	// names; and both readers had work.
	l := c.listeners[0]
	for i, r := range l.readers {
		r.mu.Lock()
		for a := range r.exporters {
			if j := sourceIndex(a, 2); j != i {
				t.Errorf("exporter %s on reader %d, the program says %d", a, i, j)
			}
		}
		if len(r.exporters) == 0 {
			t.Errorf("reader %d heard no exporter: the hash does not spread 127.0.0.1-8", i)
		}
		r.mu.Unlock()
	}
	if got.Load() != uint64(want) {
		t.Errorf("handler got %d records, want %d", got.Load(), want)
	}
	if nl.ReadBuffer < 4<<20 {
		t.Errorf("read buffer %d, want at least the 4 MiB asked (root forces it)", nl.ReadBuffer)
	}
}

func TestAllowedExporters(t *testing.T) {
	cfg := testConfig()
	cfg.AllowedExporters = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}
	cfg.Sampling = []SamplingOverride{{Exporter: netip.MustParseAddr("127.0.0.1"), Rate: 512}}
	var rates sync.Map
	c := runCollector(t, cfg, Options{Handler: func(recs []flow.Record) {
		for _, r := range recs {
			rates.Store(r.SamplingRate, true)
		}
	}})
	to := c.Addr(NetFlow)
	e := &synthExporter{}
	send(t, netip.MustParseAddrPort("127.0.0.2:0"), to, e.datagram(20, true, time.Now()), e.datagram(20, false, time.Now()))
	e2 := &synthExporter{}
	send(t, netip.MustParseAddrPort("127.0.0.1:0"), to, e2.datagram(22, true, time.Now()))
	st := waitFor(t, c, "the refused datagrams and the allowed flows", func(st Status) bool {
		return st.Listeners[0].NotAllowed == 2 && totalFlows(st) == 22
	})
	if len(st.Exporters) != 1 || st.Exporters[0].Address != netip.MustParseAddr("127.0.0.1") {
		t.Errorf("exporters %+v, want only 127.0.0.1", st.Exporters)
	}
	if _, ok := rates.Load(uint32(512)); !ok {
		t.Error("sampling override 512 not applied")
	}

	// A reload that allows the other exporter applies without a restart.
	cfg.AllowedExporters = append(cfg.AllowedExporters, netip.MustParsePrefix("127.0.0.2/32"))
	if err := c.SetFilter(cfg); err != nil {
		t.Fatal(err)
	}
	send(t, netip.MustParseAddrPort("127.0.0.2:0"), to, e.datagram(20, true, time.Now()))
	waitFor(t, c, "flows of the newly allowed exporter", func(st Status) bool { return totalFlows(st) == 42 })
}

func TestMalformedCounted(t *testing.T) {
	c := runCollector(t, testConfig(), Options{})
	to := c.Addr(NetFlow)
	src := netip.MustParseAddrPort("127.0.0.3:0")
	e := &synthExporter{}
	good := e.datagram(20, true, time.Now())
	send(t, src, to, []byte{0, 9, 1}, []byte("definitely not netflow"), good[:30], good)
	send(t, netip.MustParseAddrPort("127.0.0.4:0"), c.Addr(SFlow), []byte{0, 0, 0, 5, 0, 0})
	st := waitFor(t, c, "errors and the good datagram", func(st Status) bool {
		return totalFlows(st) == 20 && st.Listeners[0].Errors == 3 && st.Listeners[1].Errors == 1
	})
	if st.Listeners[0].Datagrams != 4 {
		t.Errorf("netflow datagrams %d, want 4", st.Listeners[0].Datagrams)
	}
}

func TestMetricsEndpoint(t *testing.T) {
	reg := prometheus.NewRegistry()
	c := runCollector(t, testConfig(), Options{Registry: reg})
	e := &synthExporter{ipfix: true}
	send(t, netip.MustParseAddrPort("127.0.0.5:0"), c.Addr(NetFlow), e.datagram(23, true, time.Now()))
	waitFor(t, c, "flows", func(st Status) bool { return totalFlows(st) == 23 })

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: promhttp.HandlerFor(reg, promhttp.HandlerOpts{}), ReadHeaderTimeout: time.Second}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	resp, err := http.Get("http://" + ln.Addr().String() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{
		`seawall_flow_records_total{exporter="127.0.0.5",protocol="netflow"} 23`,
		`seawall_flow_datagrams_total{exporter="127.0.0.5",protocol="netflow"} 1`,
		`seawall_flow_decode_errors_total{exporter="127.0.0.5",protocol="netflow"} 0`,
		`seawall_flow_templates{exporter="127.0.0.5",protocol="netflow"} 1`,
		`seawall_flow_kernel_drops_total{protocol="netflow",socket="1"} 0`,
		`seawall_flow_not_allowed_total{protocol="sflow"} 0`,
		`seawall_flow_socket_receive_buffer_bytes{protocol="netflow"}`,
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("metrics lack %s:\n%s", want, body)
		}
	}
}

func TestTemplatesSurviveRestart(t *testing.T) {
	file := filepath.Join(t.TempDir(), TemplateFileName)
	cfg := testConfig()
	e := &synthExporter{ipfix: true, domain: 3}
	v9 := &synthExporter{domain: 4}
	src := netip.MustParseAddrPort("127.0.0.6:0")
	src9 := netip.MustParseAddrPort("127.0.0.7:0")
	{
		c, err := New(cfg, Options{TemplateFile: file})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		if err := c.Open(ctx); err != nil {
			t.Fatal(err)
		}
		go func() { done <- c.Run(ctx) }()
		send(t, src, c.Addr(NetFlow), e.datagram(20, true, time.Now()))
		send(t, src9, c.Addr(NetFlow), v9.datagram(20, true, time.Now()))
		waitFor(t, c, "flows", func(st Status) bool { return totalFlows(st) == 40 })
		cancel()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	// The new collector has new ports, and has seen no template on the
	// wire: the data decode with the saved templates.
	c := runCollector(t, cfg, Options{TemplateFile: file})
	send(t, src, c.Addr(NetFlow), e.datagram(25, false, time.Now()))
	send(t, src9, c.Addr(NetFlow), v9.datagram(26, false, time.Now()))
	st := waitFor(t, c, "flows after the restart", func(st Status) bool { return totalFlows(st) == 51 })
	if st.Listeners[0].Errors != 0 {
		t.Errorf("errors after the restart: %+v", st.Listeners[0])
	}
}

func TestReplayCountsMatch(t *testing.T) {
	r, flows := synthReplay(t, 8, 10, 5)
	if len(r.Exporters) != 8 {
		t.Fatalf("%d exporters, want 8", len(r.Exporters))
	}
	c := runCollector(t, testConfig(), Options{})
	to := netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), c.Addr(NetFlow).Port())
	start := time.Now()
	st, err := r.Run(context.Background(), ReplayOptions{To: to, Rate: 20000, Loops: 2, Exporters: 10})
	if err != nil {
		t.Fatal(err)
	}
	// 10 senders: the 8 originals and copies of the first two.
	perLoop := uint64(flows)
	for i, d := range r.datagrams {
		if d.exporter < 2 {
			perLoop += uint64(r.datagrams[i].flows)
		}
	}
	if st.Flows != 2*perLoop || st.Exporters != 10 || st.SendErrors != 0 {
		t.Errorf("replay stats %+v, want %d flows from 10 exporters", st, 2*perLoop)
	}
	// Paced at 20k flows/s, the replay takes its time.
	if min := time.Duration(float64(st.Flows-perLoop/10) / 20000 * float64(time.Second)); time.Since(start) < min {
		t.Errorf("replay of %d flows at 20000/s took %s, want at least %s", st.Flows, time.Since(start), min)
	}
	cs := waitFor(t, c, "the replayed flows", func(s Status) bool { return totalFlows(s) == st.Flows })
	if len(cs.Exporters) != 10 || cs.Listeners[0].Errors != 0 {
		t.Errorf("collector: %d exporters (want 10), listener %+v", len(cs.Exporters), cs.Listeners[0])
	}
}

func TestConfigValidate(t *testing.T) {
	for _, tt := range []struct {
		name string
		edit func(*Config)
		want string
	}{
		{"metrics off loopback", func(c *Config) { c.Metrics = "0.0.0.0:9750" }, "not a loopback"},
		{"same port", func(c *Config) { c.SFlow = c.NetFlow }, "own port"},
		{"bad address", func(c *Config) { c.NetFlow = "localhost:2055" }, "not an IP address"},
		{"host bits", func(c *Config) { c.AllowedExporters = []netip.Prefix{netip.MustParsePrefix("10.0.0.1/8")} }, "host bits"},
		{"zero rate", func(c *Config) {
			c.Sampling = []SamplingOverride{{Exporter: netip.MustParseAddr("10.0.0.1")}}
		}, "rate must be"},
		{"batch", func(c *Config) { c.Batch = 5000 }, "batch"},
	} {
		c := DefaultConfig()
		tt.edit(&c)
		if err := c.Validate(); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v, want an error with %q", tt.name, err, tt.want)
		}
	}
	if err := DefaultConfig().Validate(); err != nil {
		t.Errorf("defaults: %v", err)
	}
	var b Bytes
	if err := b.UnmarshalText([]byte("32MiB")); err != nil || b != 32<<20 {
		t.Errorf("32MiB: %d, %v", b, err)
	}
}

func TestStampExportTime(t *testing.T) {
	now := time.Unix(1_800_000_000, 123)
	for _, tc := range []struct {
		version uint16
		off     int
	}{{5, 8}, {9, 8}, {10, 4}} {
		p := make([]byte, 24)
		binary.BigEndian.PutUint16(p, tc.version)
		stampExportTime(p, now)
		if got := binary.BigEndian.Uint32(p[tc.off:]); got != 1_800_000_000 {
			t.Errorf("v%d: export time %d", tc.version, got)
		}
	}
	sf := make([]byte, 24)
	binary.BigEndian.PutUint32(sf, 5) // sFlow v5: version is 32 bits
	before := bytes.Clone(sf)
	stampExportTime(sf, now)
	if !bytes.Equal(sf, before) {
		t.Error("an sFlow datagram was changed")
	}
}

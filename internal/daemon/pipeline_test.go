package daemon

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/seawall/seawall/internal/alert"
	"github.com/seawall/seawall/internal/config"
	"github.com/seawall/seawall/internal/flow"
	"github.com/seawall/seawall/internal/ingest"
	"github.com/seawall/seawall/internal/severity"
	"github.com/seawall/seawall/internal/store"
)

// labDB maps the documentation ranges to CN, so that the default block
// policy (CN) covers them.
const labDB = "192.0.2.0/24 CN\n2001:db8::/32 CN\n"

// pipelineYAML is the test's seawall.yaml: ports of its own, one
// device with a loopback, one approved AAA server (and extra, for the
// reload), a short silence and a quick store.
func pipelineYAML(state, extraAAA, extraEnrich string) string {
	return "data_dir: " + state + `
flows:
  netflow: 127.0.0.1:0
  sflow: ""
  metrics: 127.0.0.1:0
  sockets: 1
  read_buffer: 1MiB
inventory:
  aaa_servers: [10.0.0.5` + extraAAA + `]
  devices:
    - name: pe1
      addresses: [10.0.0.1]
      loopbacks: [10.255.0.1]
detect:
  silence: {min_silence: 1s, min_observations: 2}
store:
  flush_interval: 100ms
enrich:
  asn: [asn.tsv]
  lists: [{name: lab-c2, path: c2.txt}` + extraEnrich + `]
`
}

type pipelineLab struct {
	t     *testing.T
	dir   string
	state string
	yaml  string
	cl    *Client
	nf    netip.AddrPort
}

func startPipeline(t *testing.T) *pipelineLab {
	t.Helper()
	dir := t.TempDir()
	l := &pipelineLab{t: t, dir: dir, state: filepath.Join(dir, "state"), yaml: filepath.Join(dir, "seawall.yaml")}
	db := filepath.Join(dir, "lab-cn.txt")
	l.write("lab-cn.txt", labDB)
	l.write("asn.tsv", "203.0.113.0\t203.0.113.255\t64500\tZZ\tEXAMPLE-AS\n")
	l.write("c2.txt", "# lab C2\n198.18.0.66\n")
	l.write("seawall.yaml", pipelineYAML(l.state, "", ""))
	cfg, err := config.Load(l.yaml)
	if err != nil {
		t.Fatal(err)
	}
	d, err := New(cfg, Options{GeoDB: db, Tick: 50 * time.Millisecond, Reconfigure: func() (*config.Config, error) { return config.Load(l.yaml) }})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if l.cl, err = Dial(l.state); err == nil {
			break
		}
		select {
		case err := <-done:
			done <- err
			t.Fatalf("serve stopped: %v", err)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("serve did not start")
		}
	}
	st := waitStatus(t, l.cl, "the collector", func(s Status) bool { return s.Flows != nil && s.Pipeline != nil })
	l.nf = netip.MustParseAddrPort(st.Flows.Listeners[0].Address)
	return l
}

func (l *pipelineLab) write(name, content string) {
	l.t.Helper()
	if err := os.WriteFile(filepath.Join(l.dir, name), []byte(content), 0o644); err != nil {
		l.t.Fatal(err)
	}
}

func tcp(src, dst string, sport, dport uint16) ingest.SynthFlow {
	return ingest.SynthFlow{Src: netip.MustParseAddr(src), Dst: netip.MustParseAddr(dst), SrcPort: sport, DstPort: dport, Proto: 6, Bytes: 1200, Packets: 10}
}

// alertFile reads the alert file's alerts.
func alertFile(t *testing.T, path string) []alert.Alert {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []alert.Alert
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var a alert.Alert
		if err := json.Unmarshal(sc.Bytes(), &a); err != nil {
			t.Fatalf("%s: %v", sc.Bytes(), err)
		}
		out = append(out, a)
	}
	return out
}

func rulesOf(as []alert.Alert) []string {
	var r []string
	for _, a := range as {
		r = append(r, a.Rule+" "+a.Dst.String())
	}
	slices.Sort(r)
	return slices.Compact(r)
}

func TestServePipeline(t *testing.T) {
	l := startPipeline(t)
	ctx := context.Background()
	now := time.Now()

	// NetFlow v9 from one exporter and IPFIX from another: TACACS+ from
	// the device loopback to an unapproved server, a leak past the block
	// in each family, a threat-listed peer, and benign web traffic.
	v9 := &ingest.Synth{}
	sendFrom(t, "127.0.0.9:0", l.nf, v9.Datagram(now, true,
		tcp("10.255.0.1", "203.0.113.9", 40001, 49),
		tcp("198.51.100.7", "192.0.2.10", 50000, 443),
		tcp("198.51.100.7", "203.0.113.80", 50001, 443),
	))
	ipfix := &ingest.Synth{IPFIX: true, Domain: 1}
	sendFrom(t, "127.0.0.10:0", l.nf, ipfix.Datagram(now, true,
		tcp("2001:db8::10", "2001:db8:ffff::1", 443, 51000), // CN both ends: one leak
		tcp("198.51.100.8", "198.18.0.66", 52000, 8443),
		tcp("198.51.100.9", "198.51.100.10", 53000, 22),
	))

	st := waitStatus(t, l.cl, "the alerts", func(s Status) bool {
		return s.Pipeline.Enriched == 6 && s.Pipeline.Alerts["DET-FLOW-001"] == 1 && s.Pipeline.Alerts["DET-FLOW-016"] == 3
	})
	p := st.Pipeline
	if p.DroppedBatches != 0 || p.Batches == 0 || p.Enrich.ASNRanges != 1 || !slices.Equal(p.Enrich.Lists, []string{"lab-c2"}) {
		t.Errorf("pipeline status %+v", p)
	}
	if len(p.Sinks) != 1 || p.Sinks[0].Sink != "file" || p.Store == nil {
		t.Errorf("sinks %+v store %+v: want the alert file and the store", p.Sinks, p.Store)
	}

	// The alert file in the data directory and the store have them.
	want := []string{"DET-FLOW-001 203.0.113.9", "DET-FLOW-016 192.0.2.10", "DET-FLOW-016 198.18.0.66", "DET-FLOW-016 2001:db8:ffff::1"}
	var got []alert.Alert
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		got = alertFile(t, filepath.Join(l.state, AlertFileName))
		if len(got) >= 4 || time.Now().After(deadline) {
			break
		}
	}
	if diff := strings.Join(rulesOf(got), "\n"); diff != strings.Join(want, "\n") {
		t.Errorf("alert file holds\n%s\nwant\n%s", diff, strings.Join(want, "\n"))
	}
	for _, a := range got {
		if a.Rule == "DET-FLOW-001" && (a.Src.String() != "10.255.0.1" || a.Exporter.String() != "127.0.0.9" || a.Last/int64(time.Second) != now.Unix()) {
			t.Errorf("DET-FLOW-001: %+v", a)
		}
	}
	db, err := store.OpenReadOnly(ctx, store.Path(l.state))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var stored []alert.Alert
	var top []store.TopRow
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		stored, err = db.Alerts(ctx, now.Add(-time.Hour), severity.Info, 100)
		if err != nil {
			t.Fatal(err)
		}
		top, err = db.TopBy(ctx, store.ByCountry, now.Add(-time.Hour), 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(stored) >= 4 && len(top) > 0 || time.Now().After(deadline) {
			break
		}
	}
	if diff := strings.Join(rulesOf(stored), "\n"); !strings.Contains(diff, strings.Join(want, "\n")) {
		t.Errorf("store holds\n%s\nwant\n%s", diff, strings.Join(want, "\n"))
	}
	// CN is two v9 and... the leaks: 1200 bytes to 192.0.2.10, and the
	// IPv6 flow between two CN addresses, counted once.
	if len(top) == 0 || top[0].Key != "CN" || top[0].Bytes != 2400 || top[0].Flows != 2 {
		t.Errorf("top countries %+v, want CN first with 2 flows of 1200 bytes", top)
	}
	ports, err := db.TopBy(ctx, store.ByPort, now.Add(-time.Hour), 10)
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, r := range ports {
		keys = append(keys, r.Key)
	}
	slices.Sort(keys)
	if !slices.Equal(keys, []string{"tcp/22", "tcp/443", "tcp/49", "tcp/8443"}) {
		t.Errorf("top ports %v: want the service ports (443 for the reply from :443)", keys)
	}
	asns, err := db.TopBy(ctx, store.ByASN, now.Add(-time.Hour), 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(asns) == 0 || asns[0].Key != "AS64500" {
		t.Errorf("top ASNs %+v, want AS64500 from asn.tsv", asns)
	}

	// Silence: with no more flows, the wall clock reveals it.
	st = waitStatus(t, l.cl, "DET-FLOW-019", func(s Status) bool { return s.Pipeline.Alerts["DET-FLOW-019"] >= 1 })

	// The same counters as Prometheus series.
	resp, err := http.Get("http://" + st.Flows.Metrics + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, s := range []string{
		`seawall_alerts_emitted_total{rule="DET-FLOW-001"} 1`,
		`seawall_pipeline_flows_enriched_total 6`,
		`seawall_pipeline_batches_dropped_total 0`,
		`seawall_alert_sink_sent_total{sink="file"}`,
		`seawall_store_rows_total`,
	} {
		if !strings.Contains(string(body), s) {
			t.Errorf("metrics lack %s", s)
		}
	}

	// Exporters reach the store.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		ex, err := db.Exporters(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(ex) == 2 && ex[0].Flows == 3 && ex[1].Flows == 3 && ex[0].Datagrams == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("stored exporters %+v, want 127.0.0.9 and 127.0.0.10 with 3 flows each", ex)
		}
	}
}

func TestServePipelineReload(t *testing.T) {
	l := startPipeline(t)
	ctx := context.Background()
	v9 := &ingest.Synth{}
	send := func(flows ...ingest.SynthFlow) {
		t.Helper()
		sendFrom(t, "127.0.0.9:0", l.nf, v9.Datagram(time.Now(), true, flows...))
	}
	send(tcp("10.255.0.1", "203.0.113.9", 40001, 49))
	st := waitStatus(t, l.cl, "DET-FLOW-001", func(s Status) bool { return s.Pipeline.Alerts["DET-FLOW-001"] == 1 })
	started := st.Pipeline.Detect.Started

	// A broken threat list is refused; the last good table stays.
	l.write("bad.txt", "198.18.0.1\nnot an address\n")
	l.write("seawall.yaml", pipelineYAML(l.state, "", ", {name: bad, path: bad.txt}"))
	if err := l.cl.Reload(ctx); err == nil || !strings.Contains(err.Error(), "bad.txt:2") {
		t.Errorf("reload with a broken list: %v, want an error naming bad.txt:2", err)
	}
	st, _ = l.cl.Status(ctx)
	if !strings.Contains(st.Pipeline.Enrich.Error, "bad.txt:2") || !slices.Equal(st.Pipeline.Enrich.Lists, []string{"lab-c2"}) {
		t.Errorf("after a broken list: %+v, want the error and the previous lists", st.Pipeline.Enrich)
	}

	// Approving the server in the inventory builds a new engine: the
	// same flow no longer alerts, another unapproved server does.
	l.write("seawall.yaml", pipelineYAML(l.state, ", 203.0.113.9", ""))
	if err := l.cl.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	st, _ = l.cl.Status(ctx)
	if st.Pipeline.Enrich.Error != "" || st.LoadError != "" {
		t.Errorf("error kept after a good reload: %+v", st)
	}
	send(tcp("10.255.0.1", "203.0.113.9", 40002, 49), tcp("10.255.0.1", "203.0.113.77", 40003, 49))
	st = waitStatus(t, l.cl, "the new engine", func(s Status) bool { return s.Pipeline.Enriched == 3 })
	if n := st.Pipeline.Alerts["DET-FLOW-001"]; n != 2 {
		t.Errorf("DET-FLOW-001 emitted %d times, want 2 (203.0.113.9 before the reload, 203.0.113.77 after)", n)
	}
	if !st.Pipeline.Detect.Started.After(started) {
		t.Errorf("engine started %v, as before the reload (%v)", st.Pipeline.Detect.Started, started)
	}

	// A reload that changes neither keeps the engine (and what it learned).
	started = st.Pipeline.Detect.Started
	if err := l.cl.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	if st, _ = l.cl.Status(ctx); !st.Pipeline.Detect.Started.Equal(started) {
		t.Errorf("an unchanged reload rebuilt the engine")
	}
}

func TestServicePort(t *testing.T) {
	for _, tc := range []struct {
		proto      uint8
		sport, dpt uint16
		want       uint16
	}{
		{6, 50000, 443, 443},
		{6, 443, 50000, 443}, // the reply
		{17, 53, 123, 53},
		{6, 40000, 8443, 8443},
		{6, 8443, 40000, 40000}, // no well-known port: the destination's
		{6, 0, 80, 80},
		{1, 0, 0, 0},
		{47, 0, 0, 0},
	} {
		r := &flow.Record{Proto: tc.proto, SrcPort: tc.sport, DstPort: tc.dpt}
		if got := servicePort(r); got != tc.want {
			t.Errorf("servicePort(%d %d→%d) = %d, want %d", tc.proto, tc.sport, tc.dpt, got, tc.want)
		}
	}
}

// A pipeline that is behind drops whole batches and counts them, rather
// than make the socket readers wait.
func TestPipelineDropsWhenBehind(t *testing.T) {
	p := newPipeline(nil, 0, nil)
	recs := []flow.Record{{Proto: 6}}
	for range pipelineQueue + 3 {
		p.handle(recs)
	}
	recs[0].Proto = 17 // the reader reuses its records: the queued copy must not change
	if st := p.status(); st.DroppedBatches != 3 {
		t.Errorf("dropped %d batches, want 3", st.DroppedBatches)
	}
	if b := <-p.batches; b[0].Proto != 6 {
		t.Errorf("queued batch changed with the reader's records")
	}
}

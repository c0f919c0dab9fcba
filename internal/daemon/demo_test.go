package daemon

import (
	"bytes"
	"context"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/seawall/seawall/internal/config"
	"github.com/seawall/seawall/internal/flow/capture"
	"github.com/seawall/seawall/internal/ingest"
	"github.com/seawall/seawall/internal/testenv"
)

const (
	demoPcap   = "../../examples/flows/salt-typhoon-demo.pcap"
	demoConfig = "../../examples/seawall-flows.yaml"
	demoGeo    = "../../examples/geo-test.txt"
)

// demoCapture is the README's replay example: NetFlow v9 from edge-r1
// (10.10.0.11 in examples/seawall-flows.yaml) with TACACS+ from its
// loopback to a server outside the inventory (DET-FLOW-001), HTTPS to an
// address the demo database puts in CN, past the block (DET-FLOW-016), and
// one benign HTTPS flow. The flows are dated 2026-01-01T00:00:00Z to
// 00:00:20Z, so the capture is the same whenever it is generated.
func demoCapture(t *testing.T) []byte {
	t.Helper()
	at := time.Date(2026, 1, 1, 0, 0, 30, 0, time.UTC)
	flow := func(src, dst string, sport, dport uint16, bytes, packets uint64) ingest.SynthFlow {
		return ingest.SynthFlow{Src: netip.MustParseAddr(src), Dst: netip.MustParseAddr(dst), SrcPort: sport, DstPort: dport,
			Proto: 6, Bytes: bytes, Packets: packets, Start: at.Add(-30 * time.Second), End: at.Add(-10 * time.Second)}
	}
	s := &ingest.Synth{Domain: 1}
	var buf bytes.Buffer
	err := ingest.WriteSynthPcap(&buf, []ingest.SynthPacket{{
		Time: at,
		Src:  netip.MustParseAddrPort("10.10.0.11:50000"),
		Dst:  netip.MustParseAddrPort("10.10.0.60:2055"),
		Payload: s.Datagram(at, true,
			flow("10.255.0.1", "203.0.113.9", 40001, 49, 2480, 14),
			flow("10.20.0.7", "192.0.2.10", 51515, 443, 48213, 61),
			flow("10.20.0.8", "198.51.100.80", 52000, 443, 91822, 88),
		),
	}})
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestDemoCapture(t *testing.T) {
	want := demoCapture(t)
	if testenv.Updating() {
		if err := os.WriteFile(demoPcap, want, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(demoPcap)
	if err != nil {
		t.Fatalf("%v (go test ./internal/daemon -run TestDemoCapture -update writes it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s differs from what demoCapture builds (-update rewrites it)", demoPcap)
	}
}

// TestDemo runs the README's flow demo with the shipped files, on ports
// and a data directory of its own.
func TestDemo(t *testing.T) {
	cfg, err := config.Load(demoConfig)
	if err != nil {
		t.Fatal(err)
	}
	cfg.DataDir = t.TempDir()
	cfg.Flows.NetFlow, cfg.Flows.Metrics = "127.0.0.1:0", ""
	cancel, done := startDaemon(t, cfg, demoGeo)
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	}()
	cl, err := Dial(cfg.DataDir)
	if err != nil {
		t.Fatal(err)
	}
	st := waitStatus(t, cl, "the collector", func(s Status) bool { return s.Flows != nil })
	to := netip.MustParseAddrPort(st.Flows.Listeners[0].Address)

	pcap, err := os.ReadFile(demoPcap)
	if err != nil {
		t.Fatal(err)
	}
	dgs, err := capture.UDP(pcap)
	if err != nil {
		t.Fatal(err)
	}
	r, err := ingest.NewReplay(dgs)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Run(context.Background(), ingest.ReplayOptions{To: to, Loops: 1}); err != nil {
		t.Fatal(err)
	}
	st = waitStatus(t, cl, "the demo's alerts", func(s Status) bool {
		return s.Pipeline.Enriched == 3 && s.Pipeline.Alerts["DET-FLOW-001"] == 1 && s.Pipeline.Alerts["DET-FLOW-016"] == 1
	})
	var got []demoAlert
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		got = got[:0]
		for _, a := range alertFile(t, filepath.Join(cfg.DataDir, AlertFileName)) {
			got = append(got, demoAlert{a.Rule, a.Src.String() + " > " + a.Dst.String()})
		}
		if len(got) >= 2 || time.Now().After(deadline) {
			break
		}
	}
	slices.SortFunc(got, func(a, b demoAlert) int { return strings.Compare(a.rule, b.rule) })
	want := []demoAlert{{"DET-FLOW-001", "10.255.0.1 > 203.0.113.9"}, {"DET-FLOW-016", "10.20.0.7 > 192.0.2.10"}}
	if !slices.Equal(got, want) {
		t.Errorf("demo alerts %v, want %v", got, want)
	}
	if len(st.Pipeline.Alerts) != 2 {
		t.Errorf("alerts per rule %v, want only the two", st.Pipeline.Alerts)
	}
}

type demoAlert struct{ rule, what string }

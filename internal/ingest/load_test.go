//go:build loadtest

package ingest

// The load test: how many flows per second the collector takes with zero
// loss (no kernel drops, no decode errors, every sent flow decoded), with
// Replay as the sender in a separate process.
//
//	go test -tags loadtest -run TestLoad -v -timeout 30m ./internal/ingest/ \
//	    -load.duration 60s -load.rates 100000,200000,300000
//
// The sender is this test binary re-executed (TestLoadReplayChild), so it
// has its own runtime and competes for the CPUs as `seawall flows replay`
// would; the collector runs in this process with a handler that counts,
// as `seawall serve` does today.

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/seawall/seawall/internal/flow"
	"github.com/seawall/seawall/internal/flow/capture"
)

var (
	loadDuration  = flag.Duration("load.duration", 60*time.Second, "how long each rate is sent")
	loadRates     = flag.String("load.rates", "100000,150000,200000,250000,300000", "flows per second to try, in order")
	loadExporters = flag.Int("load.exporters", 16, "exporter addresses the replay sends from (the capture has 8)")
	loadSockets   = flag.Int("load.sockets", 0, "sockets per port (0: GOMAXPROCS)")
)

const childEnv = "SEAWALL_LOADTEST_CHILD"

// childArgs is what the parent tells the sender.
type childArgs struct {
	File      string
	To        string
	Rate      float64
	Duration  time.Duration
	Exporters int
}

// TestLoadReplayChild is the sender: it replays the capture the parent
// names and prints its ReplayStats as JSON.
func TestLoadReplayChild(t *testing.T) {
	spec := os.Getenv(childEnv)
	if spec == "" {
		t.Skip("the load test's sender; run by TestLoad")
	}
	var a childArgs
	if err := json.Unmarshal([]byte(spec), &a); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(a.File)
	if err != nil {
		t.Fatal(err)
	}
	dgs, err := capture.UDP(b)
	if err != nil {
		t.Fatal(err)
	}
	r, err := NewReplay(dgs)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), a.Duration)
	defer cancel()
	st, err := r.Run(ctx, ReplayOptions{To: mustAddrPort(a.To), Rate: a.Rate, Exporters: a.Exporters})
	if err != nil {
		t.Fatal(err)
	}
	out, _ := json.Marshal(st)
	fmt.Printf("REPLAY %s\n", out)
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	pcap, _ := synthCapture(t, 8, 400, 20)
	file := filepath.Join(dir, "load.pcap")
	if err := os.WriteFile(file, pcap, 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := DefaultConfig()
	cfg.NetFlow, cfg.SFlow, cfg.Metrics = "127.0.0.1:0", "", ""
	cfg.Sockets = *loadSockets
	var handled atomic.Uint64
	c := runCollector(t, cfg, Options{Handler: func(recs []flow.Record) { handled.Add(uint64(len(recs))) }})
	to := c.Addr(NetFlow).String()
	l := c.Status().Listeners[0]
	t.Logf("collector %s: %d sockets, receive buffer %d (forced %v), by source %v; GOMAXPROCS %d, NumCPU %d",
		to, l.Sockets, l.ReadBuffer, l.Forced, l.BySource, runtime.GOMAXPROCS(0), runtime.NumCPU())
	t.Logf("load average before: %s", loadavg())

	best := 0.0
	for _, s := range strings.Split(*loadRates, ",") {
		rate, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err != nil {
			t.Fatalf("-load.rates: %v", err)
		}
		before := c.Status().Listeners[0]
		h0 := handled.Load()
		spec, _ := json.Marshal(childArgs{File: file, To: to, Rate: rate, Duration: *loadDuration, Exporters: *loadExporters})
		cmd := exec.Command(os.Args[0], "-test.run=^TestLoadReplayChild$", "-test.v")
		cmd.Env = append(os.Environ(), childEnv+"="+string(spec))
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("sender: %v\n%s", err, out)
		}
		var st ReplayStats
		for _, line := range strings.Split(string(out), "\n") {
			if j, ok := strings.CutPrefix(line, "REPLAY "); ok {
				if err := json.Unmarshal([]byte(j), &st); err != nil {
					t.Fatal(err)
				}
			}
		}
		// Let the readers drain what the socket buffers hold.
		var after ListenerStatus
		for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
			after = c.Status().Listeners[0]
			if after.Flows-before.Flows >= st.Flows {
				break
			}
		}
		got := after.Flows - before.Flows
		drops := after.KernelDrops - before.KernelDrops
		errs := after.Errors - before.Errors
		sent := float64(st.Flows) / st.Elapsed.Seconds()
		ok := drops == 0 && errs == 0 && got == st.Flows && st.SendErrors == 0 && sent >= 0.98*rate
		t.Logf("rate %.0f flows/s for %s: sent %d flows (%.0f/s, %d datagrams, %d exporters, %d send errors), decoded %d (handler %d), kernel drops %d, decode errors %d: %s",
			rate, st.Elapsed.Round(time.Millisecond), st.Flows, sent, st.Datagrams, st.Exporters, st.SendErrors, got, handled.Load()-h0, drops, errs, verdict(ok))
		t.Logf("load average: %s", loadavg())
		if ok && rate > best {
			best = rate
		}
	}
	t.Logf("highest zero-loss rate: %.0f flows/s", best)
}

func verdict(ok bool) string {
	if ok {
		return "zero loss"
	}
	return "LOSS (or the sender fell short)"
}

func loadavg() string {
	b, _ := os.ReadFile("/proc/loadavg")
	return strings.TrimSpace(string(b))
}

func mustAddrPort(s string) netip.AddrPort { return netip.MustParseAddrPort(s) }

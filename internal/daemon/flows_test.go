package daemon

import (
	"context"
	"encoding/binary"
	"io"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/seawall/seawall/internal/config"
	"github.com/seawall/seawall/internal/ingest"
)

// v5 returns a NetFlow v5 datagram of n records.
func v5(n int) []byte {
	b := make([]byte, 24+48*n)
	binary.BigEndian.PutUint16(b, 5)
	binary.BigEndian.PutUint16(b[2:], uint16(n))
	binary.BigEndian.PutUint32(b[4:], 60000)
	binary.BigEndian.PutUint32(b[8:], uint32(time.Now().Unix()))
	for i := range n {
		r := b[24+48*i:]
		copy(r, []byte{10, 0, 0, byte(i)})
		copy(r[4:], []byte{198, 51, 100, 1})
		binary.BigEndian.PutUint32(r[16:], 1)    // packets
		binary.BigEndian.PutUint32(r[20:], 1500) // bytes
		binary.BigEndian.PutUint16(r[32:], 443)
		r[38] = 6
	}
	return b
}

func sendFrom(t *testing.T, src string, to netip.AddrPort, payloads ...[]byte) {
	t.Helper()
	c, err := net.DialUDP("udp4", net.UDPAddrFromAddrPort(netip.MustParseAddrPort(src)), net.UDPAddrFromAddrPort(to))
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

func waitStatus(t *testing.T, cl *Client, what string, cond func(Status) bool) Status {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		st, err := cl.Status(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if cond(st) {
			return st
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s: flows %+v pipeline %+v", what, st.Flows, st.Pipeline)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestServeFlows(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "lab-cn.txt")
	if err := os.WriteFile(db, []byte("192.0.2.0/24 CN\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	state := filepath.Join(dir, "state")
	yamlPath := filepath.Join(dir, "seawall.yaml")
	writeConfig := func(flows string) {
		t.Helper()
		if err := os.WriteFile(yamlPath, []byte("data_dir: "+state+"\nflows:\n"+flows), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	base := "  netflow: 127.0.0.1:0\n  sflow: 127.0.0.1:0\n  metrics: 127.0.0.1:0\n  read_buffer: 1MiB\n"
	writeConfig(base + "  sockets: 2\n")
	cfg, err := config.Load(yamlPath)
	if err != nil {
		t.Fatal(err)
	}
	d, err := New(cfg, Options{GeoDB: db, Reconfigure: func() (*config.Config, error) { return config.Load(yamlPath) }})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
		if _, err := os.Stat(filepath.Join(state, ingest.TemplateFileName)); err != nil {
			t.Errorf("templates not saved on stop: %v", err)
		}
	}()
	var cl *Client
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if cl, err = Dial(state); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("serve did not start")
		}
	}
	st := waitStatus(t, cl, "the collector", func(s Status) bool { return s.Flows != nil })
	if len(st.Flows.Listeners) != 2 || st.Flows.Listeners[0].Sockets != 2 || st.Flows.Metrics == "" {
		t.Fatalf("flows status %+v, want 2 listeners of 2 sockets and a metrics address", st.Flows)
	}
	nf := netip.MustParseAddrPort(st.Flows.Listeners[0].Address)

	// Malformed datagrams are counted and serve keeps collecting.
	sendFrom(t, "127.0.0.9:0", nf, []byte("garbage"), []byte{0, 5, 0, 9}, v5(20))
	st = waitStatus(t, cl, "the flows and errors", func(s Status) bool {
		return s.Flows.Handled == 20 && s.Flows.Listeners[0].Errors == 2
	})
	if e := st.Flows.Exporters; len(e) != 1 || e[0].Address.String() != "127.0.0.9" || e[0].Datagrams != 3 {
		t.Errorf("exporters %+v", e)
	}

	resp, err := http.Get("http://" + st.Flows.Metrics + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), `seawall_flow_records_total{exporter="127.0.0.9",protocol="netflow"} 20`) {
		t.Errorf("metrics lack the exporter's records:\n%.2000s", body)
	}

	// A reload that only restricts the exporters keeps the sockets.
	writeConfig(base + "  sockets: 2\n  allowed_exporters: [127.0.0.10/32]\n")
	if err := cl.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	sendFrom(t, "127.0.0.9:0", nf, v5(5))
	sendFrom(t, "127.0.0.10:0", nf, v5(7))
	st = waitStatus(t, cl, "the filter", func(s Status) bool {
		return s.Flows.Handled == 27 && s.Flows.Listeners[0].NotAllowed == 1
	})
	if st.Flows.Listeners[0].Address != nf.String() {
		t.Errorf("listener moved from %s to %s on a filter-only reload", nf, st.Flows.Listeners[0].Address)
	}

	// A broken configuration is refused; the collector stays as it was.
	writeConfig(base + "  sockets: 2\n  listen: nowhere\n")
	if err := cl.Reload(ctx); err == nil || !strings.Contains(err.Error(), "listen") {
		t.Errorf("reload of a broken configuration: %v", err)
	}
	if st, _ = cl.Status(ctx); st.Flows == nil || st.Flows.Listeners[0].Address != nf.String() {
		t.Errorf("after a refused reload: %+v", st.Flows)
	}

	// Changing the sockets restarts the listeners.
	writeConfig(base + "  sockets: 1\n")
	if err := cl.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	st = waitStatus(t, cl, "one socket", func(s Status) bool { return s.Flows != nil && s.Flows.Listeners[0].Sockets == 1 })
	nf = netip.MustParseAddrPort(st.Flows.Listeners[0].Address)
	sendFrom(t, "127.0.0.9:0", nf, v5(3))
	waitStatus(t, cl, "flows on the new listener", func(s Status) bool { return s.Flows.Handled == 30 })

	// Disabling flows stops the collector.
	writeConfig("  enabled: false\n")
	if err := cl.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	if st, _ = cl.Status(ctx); st.Flows != nil {
		t.Errorf("flows still reported after enabled: false: %+v", st.Flows)
	}
}

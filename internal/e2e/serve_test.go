package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/seawall/seawall/internal/alert"
	"github.com/seawall/seawall/internal/daemon"
	"github.com/seawall/seawall/internal/store"
	"github.com/seawall/seawall/internal/testenv"
)

// binDir holds the seawall binary the tests build; TestMain removes it.
var binDir string

func TestMain(m *testing.M) {
	d, err := os.MkdirTemp("", "seawall-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	binDir = d
	code := m.Run()
	os.RemoveAll(d)
	os.Exit(code)
}

// buildSeawall builds cmd/seawall once per test binary, and only when a
// test needs it. Under -race the daemon is built with -race too: real
// peers drive its collector, pipeline and control socket at once.
var buildSeawall = sync.OnceValues(func() (string, error) {
	bin := filepath.Join(binDir, "seawall")
	args := []string{"build", "-o", bin}
	if testenv.Race {
		args = append(args, "-race")
	}
	args = append(args, testenv.ModulePath+"/cmd/seawall")
	out, err := exec.Command("go", args...).CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go %v: %w\n%s", args, err, out)
	}
	return bin, nil
})

func seawallBin(t *testing.T) string {
	t.Helper()
	bin, err := buildSeawall()
	if err != nil {
		t.Fatal(err)
	}
	return bin
}

// Inventory the configuration declares: the device whose loopback talks
// TACACS+, its approved AAA server, the management network.
var (
	deviceLoopback = netip.MustParseAddr("10.255.0.1")
	aaaServer      = netip.MustParseAddr("10.0.0.49")
	rogueTACACS    = netip.MustParseAddr("203.0.113.9")
	blockedHost    = netip.MustParseAddr("192.0.2.10") // CN in testdata/doc-cn.txt
)

// serveConfig is seawall.yaml for one test: every listener on 127.0.0.1
// port 0 (serve reports the bound ports), no BGP, no nftables, CN blocked
// (the test database says the documentation ranges are CN), the
// inventory above, and a store flushed often so that reads see the
// aggregates soon.
const serveConfig = `bgp:
  enabled: false
nftables:
  enabled: false
block:
  countries: [CN]
inventory:
  devices:
    - name: pe1
      role: pe
      loopbacks: [10.255.0.1]
  aaa_servers: [10.0.0.49]
  management_networks: [10.0.0.0/24]
flows:
  netflow: 127.0.0.1:0
  sflow: 127.0.0.1:0
  metrics: 127.0.0.1:0
  sockets: 1
store:
  flush_interval: 200ms
`

// server is one `seawall serve` with its own configuration and data
// directory.
type server struct {
	bin, cfg, dataDir string
	proc              *proc
	netflow, sflow    netip.AddrPort // bound listener addresses
}

// startServe starts seawall serve and waits until its control socket
// answers with both listeners bound.
func startServe(t *testing.T) *server {
	t.Helper()
	bin := seawallBin(t)
	dir := t.TempDir()
	s := &server{bin: bin, cfg: filepath.Join(dir, "seawall.yaml"), dataDir: filepath.Join(dir, "data")}
	if err := os.WriteFile(s.cfg, []byte(serveConfig), 0o600); err != nil {
		t.Fatal(err)
	}
	geoDB, err := filepath.Abs(filepath.Join("testdata", "doc-cn.txt"))
	if err != nil {
		t.Fatal(err)
	}
	s.proc = start(t, dir, bin, "serve", "-c", s.cfg, "--data-dir", s.dataDir, "--geo-db", geoDB)
	var st daemon.Status
	err = poll(20*time.Second, 50*time.Millisecond, func() error {
		if s.proc.exited() {
			return fmt.Errorf("serve exited: %v", s.proc.err)
		}
		var err error
		st, err = s.poll()
		if err != nil {
			return err
		}
		if st.Flows == nil || len(st.Flows.Listeners) != 2 {
			return fmt.Errorf("flow listeners not up: %+v", st.Flows)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("seawall serve not ready: %v\n%s", err, s.proc.tail(2000))
	}
	for _, l := range st.Flows.Listeners {
		ap, err := netip.ParseAddrPort(l.Address)
		if err != nil {
			t.Fatalf("listener address %q: %v", l.Address, err)
		}
		switch l.Protocol {
		case "netflow":
			s.netflow = ap
		case "sflow":
			s.sflow = ap
		}
	}
	if !s.netflow.IsValid() || !s.sflow.IsValid() {
		t.Fatalf("serve status lists listeners %+v; want netflow and sflow", st.Flows.Listeners)
	}
	return s
}

// cli runs a seawall subcommand against this server's configuration and
// data directory and returns its standard output.
func (s *server) cli(args ...string) ([]byte, error) {
	args = append(args, "-c", s.cfg, "--data-dir", s.dataDir)
	var out, errb bytes.Buffer
	cmd := exec.Command(s.bin, args...)
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("seawall %v: %w: %s", args, err, errb.String())
	}
	return out.Bytes(), nil
}

// status is `seawall serve status --json`: the CLI, as an operator
// reads it.
func (s *server) status() (daemon.Status, error) {
	var st daemon.Status
	out, err := s.cli("serve", "status", "--json")
	if err != nil {
		return st, err
	}
	if err := json.Unmarshal(out, &st); err != nil {
		return st, fmt.Errorf("serve status --json: %w: %s", err, out)
	}
	return st, nil
}

// poll is the same status read through the control socket directly, for
// the polling loops: a seawall process built with -race takes over a
// second to start, too slow to poll with.
func (s *server) poll() (daemon.Status, error) {
	c, err := daemon.Dial(s.dataDir)
	if err != nil {
		return daemon.Status{}, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return c.Status(ctx)
}

// stop ends serve as an operator would (SIGTERM) and checks that it
// exits cleanly; serve flushes the store and the alert file on the way.
func (s *server) stop(t *testing.T) {
	t.Helper()
	if err := s.proc.stop(syscall.SIGTERM, 15*time.Second); err != nil {
		t.Fatalf("seawall serve did not exit cleanly on SIGTERM: %v\n%s", err, s.proc.tail(2000))
	}
}

// topByExporter is `seawall flows top --by exporter --json` over the
// store since a time before the pcap's packets.
func (s *server) topByExporter(t *testing.T, since time.Time) []store.TopRow {
	t.Helper()
	out, err := s.cli("flows", "top", "--by", "exporter", "--since", since.UTC().Format(time.RFC3339), "--json")
	if err != nil {
		t.Fatal(err)
	}
	var top struct {
		Rows []store.TopRow `json:"rows"`
	}
	if err := json.Unmarshal(out, &top); err != nil {
		t.Fatalf("flows top --json: %v: %s", err, out)
	}
	return top.Rows
}

// alerts is `seawall alerts list --json`: one alert per line.
func (s *server) alerts(t *testing.T) []alert.Alert {
	t.Helper()
	out, err := s.cli("alerts", "list", "--since", "7d", "--severity", "info", "--json")
	if err != nil {
		t.Fatal(err)
	}
	return decodeAlerts(t, "alerts list --json", out)
}

// alertFile is the alert file serve appended to (alerts.jsonl).
func (s *server) alertFile(t *testing.T) []alert.Alert {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(s.dataDir, daemon.AlertFileName))
	if err != nil {
		t.Fatal(err)
	}
	return decodeAlerts(t, daemon.AlertFileName, b)
}

func decodeAlerts(t *testing.T, what string, b []byte) []alert.Alert {
	t.Helper()
	var as []alert.Alert
	dec := json.NewDecoder(bytes.NewReader(b))
	for dec.More() {
		var a alert.Alert
		if err := dec.Decode(&a); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		as = append(as, a)
	}
	return as
}

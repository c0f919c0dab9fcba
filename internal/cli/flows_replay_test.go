package cli

import (
	"bytes"
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/seawall/seawall/internal/ingest"
)

func TestFlowsReplay(t *testing.T) {
	cfg := ingest.DefaultConfig()
	cfg.NetFlow, cfg.SFlow, cfg.Sockets, cfg.Metrics = "", "127.0.0.1:0", 1, ""
	c, err := ingest.New(cfg, ingest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	if err := c.Open(ctx); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()

	var out bytes.Buffer
	a := &app{io: IO{Out: &out, Err: &out}, netnsFD: -1}
	cmd := a.flowsReplayCmd()
	cmd.SetArgs([]string{"../flow/sflow/testdata/sflow-print-v6.pcap", "--to", c.Addr(ingest.SFlow).String(), "--rate", "1000"})
	cmd.SetOut(&out)
	if err := cmd.ExecuteContext(context.Background()); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if !strings.HasPrefix(out.String(), "replayed ") {
		t.Errorf("output %q", out.String())
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		st := c.Status()
		var n uint64
		for _, e := range st.Exporters {
			n += e.Datagrams
		}
		if n > 0 && strings.Contains(out.String(), " in "+strconv.FormatUint(n, 10)+" datagrams") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("collector status %+v after %q", st, out.String())
		}
		time.Sleep(10 * time.Millisecond)
	}

	cmd = a.flowsReplayCmd()
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	cmd.SetArgs([]string{"../flow/sflow/testdata/sflow-print-v6.pcap", "--to", "192.0.2.1:2055"})
	if err := cmd.ExecuteContext(context.Background()); err == nil || !strings.Contains(err.Error(), "loopback") {
		t.Errorf("replay to a non-loopback address: %v", err)
	}
}

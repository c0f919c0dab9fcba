package daemon

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/seawall/seawall/internal/config"
	"github.com/seawall/seawall/internal/enforce/nft"
	"github.com/seawall/seawall/internal/testenv"
)

// TestServeNftables runs serve with nftables enabled in a namespace the
// test creates: the block is installed at start, a reload sends the
// difference, and a broken or shrinking database leaves the rules as
// they were. Stopping serve leaves the rules in place (fail closed).
func TestServeNftables(t *testing.T) {
	testenv.RequireRoot(t)
	testenv.RequireTool(t, "ip")
	ns := fmt.Sprintf("swserve%d", os.Getpid())
	if out, err := exec.Command("ip", "netns", "add", ns).CombinedOutput(); err != nil {
		t.Fatalf("ip netns add: %v\n%s", err, out)
	}
	t.Cleanup(func() { _ = exec.Command("ip", "netns", "del", ns).Run() })
	nsFile, err := os.Open(filepath.Join("/run/netns", ns))
	if err != nil {
		t.Fatal(err)
	}
	defer nsFile.Close()

	dir := t.TempDir()
	db := filepath.Join(dir, "lab-cn.txt")
	write := func(s string) {
		t.Helper()
		if err := os.WriteFile(db, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("192.0.2.0/24 CN\n198.51.100.0/24 CN\n2001:db8::/32 CN\n")
	cfg := config.Default()
	cfg.Flows.Enabled = false // TestServeFlows covers them, on ports of its own
	cfg.DataDir = filepath.Join(dir, "state")
	cfg.Nftables.Enabled = true
	d, err := New(cfg, Options{GeoDB: db, NetNS: nsFile})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	stop := sync.OnceValue(func() error { cancel(); return <-done })
	t.Cleanup(func() { _ = stop() })
	cl := waitSocket(t, cfg.DataDir, done)

	installed := func() []netip.Prefix {
		t.Helper()
		b := nft.New(nft.WithNetNS(int(nsFile.Fd())))
		defer b.Close()
		st, err := b.Installed(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		return append(st.Ruleset.V4, st.Ruleset.V6...)
	}
	want := func(ss ...string) []netip.Prefix {
		var out []netip.Prefix
		for _, s := range ss {
			out = append(out, netip.MustParsePrefix(s))
		}
		return out
	}
	if got := installed(); !slices.Equal(got, want("192.0.2.0/24", "198.51.100.0/24", "2001:db8::/32")) {
		t.Fatalf("after start: installed %v", got)
	}
	s, err := cl.Status(ctx)
	if err != nil || s.Nftables == nil || s.Nftables.Action != "created" {
		t.Fatalf("status after start: %+v, %v", s.Nftables, err)
	}

	// Growing the data is a delta.
	write("192.0.2.0/24 CN\n198.51.100.0/24 CN\n203.0.113.0/24 CN\n2001:db8::/32 CN\n")
	if err := cl.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	if s, _ = cl.Status(ctx); s.Nftables.Action != "updated" || s.Nftables.Added != 1 || s.Nftables.Removed != 0 {
		t.Errorf("status after growing reload: %+v", s.Nftables)
	}
	full := want("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24", "2001:db8::/32")
	if got := installed(); !slices.Equal(got, full) {
		t.Errorf("after growing reload: installed %v", got)
	}

	// A broken database and a shrink past the guard are refused, and the
	// kernel keeps the last good rules.
	for _, c := range []struct{ name, data, errSub string }{
		{"broken", "192.0.2.0/24 CN\ngarbage\n", "lab-cn.txt:2"},
		{"shrink", "192.0.2.0/24 CN\n2001:db8::/32 CN\n", "shrink"},
	} {
		write(c.data)
		err := cl.Reload(ctx)
		if err == nil || !strings.Contains(err.Error(), c.errSub) {
			t.Errorf("%s reload: %v, want an error mentioning %q", c.name, err, c.errSub)
		}
		if got := installed(); !slices.Equal(got, full) {
			t.Errorf("after %s reload: installed %v, want the last good %v", c.name, got, full)
		}
	}

	if err := stop(); err != nil && !errors.Is(err, context.Canceled) {
		t.Errorf("Run: %v", err)
	}
	if got := installed(); !slices.Equal(got, full) {
		t.Errorf("after serve stopped: installed %v, want the rules kept (fail closed)", got)
	}
}

// waitSocket waits for serve's control socket and returns a client.
func waitSocket(t *testing.T, dataDir string, done <-chan error) *Client {
	t.Helper()
	for range 500 {
		if cl, err := Dial(dataDir); err == nil {
			return cl
		}
		select {
		case err := <-done:
			t.Fatalf("serve stopped before its socket appeared: %v", err)
		default:
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("control socket did not appear")
	return nil
}

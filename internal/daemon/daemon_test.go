package daemon

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/seawall/seawall/internal/config"
)

func startDaemon(t *testing.T, cfg *config.Config, geoDB string) (cancel func(), done <-chan error) {
	t.Helper()
	d, err := New(cfg, Options{GeoDB: geoDB})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancelFn := context.WithCancel(context.Background())
	ch := make(chan error, 1)
	go func() { ch <- d.Run(ctx) }()
	sock := filepath.Join(cfg.DataDir, SocketName)
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, err := Dial(cfg.DataDir); err == nil {
			break
		}
		select {
		case err := <-ch:
			cancelFn()
			t.Fatalf("serve stopped before its socket %s appeared: %v", sock, err)
		default:
		}
		if time.Now().After(deadline) {
			cancelFn()
			t.Fatalf("socket %s did not appear", sock)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return cancelFn, ch
}

func TestServeControlSocket(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "lab-cn.txt")
	if err := os.WriteFile(db, []byte("192.0.2.0/24 CN\n2001:db8::/32 CN\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := config.Default()
	cfg.Flows.Enabled = false // TestServeFlows covers them, on ports of its own
	cfg.DataDir = filepath.Join(dir, "state")
	cancel, done := startDaemon(t, cfg, db)

	sock := filepath.Join(cfg.DataDir, SocketName)
	st, err := os.Stat(sock)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 || st.Mode()&os.ModeSocket == 0 {
		t.Errorf("control socket mode %v, want a socket with 0600", st.Mode())
	}

	cl, err := Dial(cfg.DataDir)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	s, err := cl.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(s.Countries, ",") != "CN" || s.Prefixes != 2 || s.BGP != nil || s.LoadError != "" {
		t.Errorf("status: %+v (BGP must be off unless enabled)", s)
	}

	// A second serve on the same data directory is refused.
	d2, err := New(cfg, Options{GeoDB: db})
	if err != nil {
		t.Fatal(err)
	}
	if err := d2.Run(ctx); err == nil || !strings.Contains(err.Error(), "another seawall serve is running") {
		t.Errorf("second serve: %v", err)
	}

	// A reload with more data takes effect.
	if err := os.WriteFile(db, []byte("192.0.2.0/24 CN\n198.51.100.0/24 CN\n2001:db8::/32 CN\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := cl.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	if s, _ = cl.Status(ctx); s.Prefixes != 3 {
		t.Errorf("after reload: %d prefixes, want 3", s.Prefixes)
	}

	// A broken database is refused and the last good policy stays.
	if err := os.WriteFile(db, []byte("192.0.2.0/24 CN\nnot a line\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	err = cl.Reload(ctx)
	if err == nil || !strings.Contains(err.Error(), "lab-cn.txt:2") {
		t.Errorf("reload of a broken database: %v, want an error naming lab-cn.txt:2", err)
	}
	if s, _ = cl.Status(ctx); s.Prefixes != 3 || !strings.Contains(s.LoadError, "lab-cn.txt:2") {
		t.Errorf("after a failed reload: %+v, want the previous 3 prefixes and the error", s)
	}

	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run after cancel: %v", err)
	}
	if _, err := os.Stat(sock); !os.IsNotExist(err) {
		t.Errorf("socket left behind after serve stopped: %v", err)
	}
}

func TestServeRefusesBrokenStart(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "empty.txt")
	if err := os.WriteFile(db, []byte("203.0.113.0/24 US\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := config.Default()
	cfg.Flows.Enabled = false // TestServeFlows covers them, on ports of its own
	cfg.DataDir = filepath.Join(dir, "state")
	d, err := New(cfg, Options{GeoDB: db})
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Run(context.Background()); err == nil || !strings.Contains(err.Error(), "CN") {
		t.Errorf("serve with a database lacking CN: %v, want a refusal naming CN", err)
	}
}

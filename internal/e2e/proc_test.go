package e2e

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// proc is a peer process (collector, exporter or seawall itself) the test
// started in a process group of its own, so that stopping it also stops
// the children pmacct's daemons fork for their plugins.
type proc struct {
	name string
	cmd  *exec.Cmd
	log  string // combined stdout and stderr
	// grace is how long the cleanup waits after SIGTERM before SIGKILL.
	grace time.Duration
	done  chan struct{}
	err   error // valid once done is closed
	swept bool  // the group has been killed once the leader was gone
}

// start runs name with args, its output in a file in dir. A cleanup
// stops it (SIGTERM, then SIGKILL to the whole group), even when the test
// fails half way; on failure the log's tail is reported.
func start(t *testing.T, dir, name string, args ...string) *proc {
	t.Helper()
	logPath := filepath.Join(dir, fmt.Sprintf("%s-%d.log", filepath.Base(name), time.Now().UnixNano()))
	f, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(name, args...)
	cmd.Dir = dir // whatever a peer writes beside it stays in the test's directory
	cmd.Stdout, cmd.Stderr = f, f
	// Pdeathsig: a test binary killed by a timeout, which runs no
	// cleanup, takes its peers along (though not the plugin processes
	// pmacct's daemons fork, which are not its children).
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		f.Close()
		t.Fatalf("starting %s: %v", name, err)
	}
	p := &proc{name: filepath.Base(name), cmd: cmd, log: logPath, grace: 3 * time.Second, done: make(chan struct{})}
	go func() { // waited for by stop, through done
		p.err = cmd.Wait()
		f.Close()
		close(p.done)
	}()
	t.Cleanup(func() {
		_ = p.stop(syscall.SIGTERM, p.grace)
		if t.Failed() {
			t.Logf("%s %s: %s", p.name, strings.Join(args, " "), p.tail(2000))
		}
	})
	return p
}

// exited reports whether the process has ended.
func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// wait waits up to timeout for the process to end by itself.
func (p *proc) wait(timeout time.Duration) error {
	select {
	case <-p.done:
		return p.err
	case <-time.After(timeout):
		return fmt.Errorf("%s still running after %s", p.name, timeout)
	}
}

// stop sends sig to the process group and waits up to grace for the
// leader to end, then kills the group. It returns how the leader ended.
// Once the leader is gone the group is killed (once: a group id is only
// reserved while the group has members), so that plugin processes whose
// parent left without them go too. Not safe for concurrent use; the
// test and its cleanups call it in turn.
func (p *proc) stop(sig syscall.Signal, grace time.Duration) error {
	pgid := p.cmd.Process.Pid
	if !p.exited() {
		_ = syscall.Kill(-pgid, sig)
		select {
		case <-p.done:
		case <-time.After(grace):
			_ = syscall.Kill(-pgid, syscall.SIGKILL)
			<-p.done
		}
	}
	if !p.swept {
		p.swept = true
		// ESRCH when the group is gone already: nothing left to do.
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
	}
	return p.err
}

// output is the process's log so far.
func (p *proc) output() string {
	b, _ := os.ReadFile(p.log)
	return string(b)
}

// tail is the end of the log, at most n bytes, without the NULs sfacctd
// writes and the long list of build options pmacct's daemons start with.
func (p *proc) tail(n int) string {
	b, _ := os.ReadFile(p.log)
	var keep [][]byte
	for l := range bytes.Lines(b) {
		if !bytes.Contains(l, []byte("'--build=")) {
			keep = append(keep, l)
		}
	}
	b = bytes.Join(keep, nil)
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return string(bytes.ReplaceAll(b, []byte{0}, nil))
}

// waitLog waits until the process has logged want, which the peers print
// once their sockets are open.
func (p *proc) waitLog(t *testing.T, want string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !strings.Contains(p.output(), want) {
		if p.exited() {
			t.Fatalf("%s exited (%v) before logging %q: %s", p.name, p.err, want, p.tail(2000))
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not log %q within %s: %s", p.name, want, timeout, p.tail(2000))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// freeUDPPort returns a UDP port on 127.0.0.1 that was free a moment
// ago, for peers that cannot be told to bind port 0 and report it. The
// kernel hands out ephemeral ports round-robin, so another test picking
// the same one in between is unlikely; seawall itself binds port 0.
func freeUDPPort(t *testing.T) int {
	t.Helper()
	// The port is closed again before the peer binds it, so it must not
	// come from the kernel's ephemeral range: there any process's next
	// socket (an exporter's sending socket, another package's test
	// listening on :0) may take it in between. 20000-31999 lies below
	// Linux's default ip_local_port_range (32768-60999).
	for range 100 {
		port := 20000 + rand.IntN(12000)
		c, err := net.ListenPacket("udp4", fmt.Sprintf("127.0.0.1:%d", port))
		if err != nil {
			continue
		}
		if err := c.Close(); err != nil {
			t.Fatal(err)
		}
		return port
	}
	t.Fatal("no free UDP port in 20000-31999 on 127.0.0.1")
	return 0
}

// poll calls f every interval until it returns nil or timeout passes,
// then returns f's last error.
func poll(timeout, interval time.Duration, f func() error) error {
	deadline := time.Now().Add(timeout)
	for {
		err := f()
		if err == nil || time.Now().After(deadline) {
			return err
		}
		time.Sleep(interval)
	}
}

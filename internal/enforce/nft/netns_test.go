package nft

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/seawall/seawall/internal/testenv"
)

// nsSeq makes namespace names unique within the process; the pid makes
// them unique across concurrent test binaries.
var nsSeq atomic.Int64

// netns is a network namespace a test created; it is deleted when the
// test ends.
type netns struct {
	name string
	f    *os.File
}

// requireKernel skips (or under CI fails) a test that needs root and the
// ip and nft tools.
func requireKernel(tb testing.TB) {
	tb.Helper()
	testenv.RequireRoot(tb)
	testenv.RequireTool(tb, "ip", "nft")
}

// newNetns creates a namespace with its loopback up.
func newNetns(tb testing.TB, label string) *netns {
	tb.Helper()
	name := fmt.Sprintf("swnft-%d-%d-%s", os.Getpid(), nsSeq.Add(1), label)
	if out, err := exec.Command("ip", "netns", "add", name).CombinedOutput(); err != nil {
		tb.Fatalf("ip netns add %s: %v: %s", name, err, out)
	}
	tb.Cleanup(func() {
		if out, err := exec.Command("ip", "netns", "del", name).CombinedOutput(); err != nil {
			tb.Errorf("ip netns del %s: %v: %s", name, err, out)
		}
	})
	f, err := os.Open("/run/netns/" + name)
	if err != nil {
		tb.Fatalf("opening namespace %s: %v", name, err)
	}
	tb.Cleanup(func() { _ = f.Close() })
	n := &netns{name: name, f: f}
	n.ip(tb, "link", "set", "lo", "up")
	return n
}

func (n *netns) fd() int { return int(n.f.Fd()) }

// ip runs `ip -n NAME args...`.
func (n *netns) ip(tb testing.TB, args ...string) {
	tb.Helper()
	n.cmd(tb, nil, append([]string{"ip"}, args...)...)
}

// sysctl sets a sysctl inside the namespace.
func (n *netns) sysctl(tb testing.TB, key, value string) {
	tb.Helper()
	path := "/proc/sys/" + strings.ReplaceAll(key, ".", "/")
	n.cmd(tb, nil, "sh", "-c", fmt.Sprintf("echo %s > %s", value, path))
}

// cmd runs a command inside the namespace with `ip netns exec` and
// returns its standard output.
func (n *netns) cmd(tb testing.TB, stdin []byte, args ...string) []byte {
	tb.Helper()
	out, err := n.exec(stdin, args...)
	if err != nil {
		tb.Fatalf("%v", err)
	}
	return out
}

func (n *netns) exec(stdin []byte, args ...string) ([]byte, error) {
	c := exec.Command("ip", append([]string{"netns", "exec", n.name}, args...)...)
	if stdin != nil {
		c.Stdin = bytes.NewReader(stdin)
	}
	var stdout, stderr bytes.Buffer
	c.Stdout, c.Stderr = &stdout, &stderr
	if err := c.Run(); err != nil {
		return nil, fmt.Errorf("in %s: %s: %w: %s", n.name, strings.Join(args, " "), err, stderr.String())
	}
	return stdout.Bytes(), nil
}

// do runs fn on an OS thread switched into the namespace. Sockets fn
// creates belong to the namespace for their whole life, so fn only needs
// to create them; using them can happen anywhere. Processes started in fn
// inherit the namespace too.
func (n *netns) do(fn func() error) error {
	runtime.LockOSThread()
	orig, err := os.Open("/proc/thread-self/ns/net")
	if err != nil {
		runtime.UnlockOSThread()
		return err
	}
	defer func() { _ = orig.Close() }()
	if err := unix.Setns(n.fd(), unix.CLONE_NEWNET); err != nil {
		runtime.UnlockOSThread()
		return fmt.Errorf("setns %s: %w", n.name, err)
	}
	ferr := fn()
	if err := unix.Setns(int(orig.Fd()), unix.CLONE_NEWNET); err != nil {
		// Leave the thread locked: the runtime retires it with the
		// goroutine instead of reusing it in the wrong namespace.
		return errors.Join(ferr, fmt.Errorf("setns back from %s: %w", n.name, err))
	}
	runtime.UnlockOSThread()
	return ferr
}

// newBackend returns a Backend for ns whose sockets close with the test:
// an open netlink socket keeps a deleted namespace alive.
func newBackend(tb testing.TB, ns *netns) *Backend {
	b := New(WithNetNS(ns.fd()))
	tb.Cleanup(func() { _ = b.Close() })
	return b
}

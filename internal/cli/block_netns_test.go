package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/seawall/seawall/internal/testenv"
)

// netnsPair makes two network namespaces joined by a veth: gw, where the
// block is installed, and peer, which holds a "CN" address, an allowed
// address inside the "CN" range and a non-blocked address. Both are
// deleted when the test ends.
func netnsPair(t *testing.T) (gw, peer string) {
	t.Helper()
	testenv.RequireRoot(t)
	testenv.RequireTool(t, "ip", "ping")
	gw = fmt.Sprintf("swgw%d", os.Getpid())
	peer = fmt.Sprintf("swpeer%d", os.Getpid())
	sh := func(args ...string) {
		t.Helper()
		if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
			t.Fatalf("ip %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	sh("netns", "add", gw)
	t.Cleanup(func() { _ = exec.Command("ip", "netns", "del", gw).Run() })
	sh("netns", "add", peer)
	t.Cleanup(func() { _ = exec.Command("ip", "netns", "del", peer).Run() })
	sh("-n", gw, "link", "add", "v0", "type", "veth", "peer", "name", "v1", "netns", peer)
	for _, a := range []string{"192.0.2.1/24", "198.51.100.1/24", "203.0.113.1/24"} {
		sh("-n", gw, "addr", "add", a, "dev", "v0")
	}
	for _, a := range []string{"192.0.2.2/24", "198.51.100.7/24", "203.0.113.2/24"} {
		sh("-n", peer, "addr", "add", a, "dev", "v1")
	}
	sh("-n", gw, "-6", "addr", "add", "2001:db8::1/64", "dev", "v0", "nodad")
	sh("-n", peer, "-6", "addr", "add", "2001:db8::2/64", "dev", "v1", "nodad")
	for _, ns := range []string{gw, peer} {
		sh("-n", ns, "link", "set", "lo", "up")
	}
	sh("-n", gw, "link", "set", "v0", "up")
	sh("-n", peer, "link", "set", "v1", "up")
	return gw, peer
}

// pings reports whether one echo request from ns (from source src, if
// given) to dst is answered within a second.
func pings(ns, src, dst string) bool {
	args := []string{"netns", "exec", ns, "ping", "-n", "-q", "-c", "1", "-W", "1"}
	if src != "" {
		args = append(args, "-I", src)
	}
	return exec.Command("ip", append(args, dst)...).Run() == nil
}

// TestBlockLifecycle runs the README's lab sequence through the CLI: plan,
// apply, status, traffic, remove, log, with a database that stands the
// documentation ranges in for CN.
func TestBlockLifecycle(t *testing.T) {
	gw, peer := netnsPair(t)
	e := newEnv(t)
	db := filepath.Join(t.TempDir(), "lab-cn.txt")
	writeFile(t, db, "192.0.2.0/24 CN\n198.51.100.0/24 CN\n2001:db8::/32 CN\n203.0.113.0/24 US\n")
	cfg := filepath.Join(t.TempDir(), "lab.yaml")
	writeFile(t, cfg, "block:\n  countries: [CN]\n  allow: [198.51.100.7/32]\n")
	run := func(want int, args ...string) result {
		t.Helper()
		r := e.runRaw(t, "", append(args, "-c", cfg, "--data-dir", e.dataDir)...)
		expectCode(t, r, want)
		return r
	}

	// Before: everything answers (the first IPv6 ping may wait for
	// neighbour discovery, so allow a few tries).
	for _, dst := range []string{"192.0.2.2", "198.51.100.7", "203.0.113.2", "2001:db8::2"} {
		ok := false
		for try := 0; try < 5 && !ok; try++ {
			ok = pings(gw, "", dst)
		}
		if !ok {
			t.Fatalf("before apply: %s does not answer; the lab is broken", dst)
		}
	}

	r := run(ExitOK, "block", "plan", "--netns", gw, "--geo-db", db)
	if !strings.Contains(r.out, "installed no; apply would be: created") {
		t.Errorf("plan before apply:\n%s", r.out)
	}
	r = run(ExitOK, "block", "apply", "--netns", gw, "--geo-db", db)
	if !strings.Contains(r.out, "created table inet seawall") {
		t.Errorf("apply:\n%s", r.out)
	}

	// Outbound to CN is dropped, the allow-listed and the US hosts answer;
	// inbound from CN is dropped too.
	for _, c := range []struct {
		ns, src, dst string
		want         bool
	}{
		{gw, "", "192.0.2.2", false},
		{gw, "", "2001:db8::2", false},
		{gw, "", "198.51.100.7", true},
		{gw, "", "203.0.113.2", true},
		{peer, "192.0.2.2", "203.0.113.1", false},
		{peer, "203.0.113.2", "203.0.113.1", true},
	} {
		if got := pings(c.ns, c.src, c.dst); got != c.want {
			t.Errorf("after apply: ping in %s from %q to %s answered=%v, want %v", c.ns, c.src, c.dst, got, c.want)
		}
	}

	r = run(ExitOK, "block", "status", "--netns", gw, "--json")
	var st struct {
		Installed bool `json:"installed"`
		IPv4      struct {
			Prefixes  int    `json:"prefixes"`
			Addresses string `json:"addresses"`
		} `json:"ipv4"`
		Counters []counterJSON `json:"counters"`
		Applied  *blockState   `json:"applied"`
	}
	if err := json.Unmarshal([]byte(r.out), &st); err != nil {
		t.Fatalf("status --json: %v\n%s", err, r.out)
	}
	if !st.Installed || st.IPv4.Addresses != "511" || st.Applied == nil || st.Applied.Data != "lab-cn.txt" {
		t.Errorf("status after apply: %+v", st)
	}
	moved := map[string]uint64{}
	for _, c := range st.Counters {
		moved[c.Name] += c.Packets
	}
	if moved["output_dst_v4"] == 0 || moved["output_dst_v6"] == 0 || moved["input_src_v4"] == 0 {
		t.Errorf("drop counters did not move: %v", moved)
	}

	r = run(ExitOK, "block", "plan", "--netns", gw, "--geo-db", db)
	if !strings.Contains(r.out, "apply would be: unchanged") {
		t.Errorf("plan after apply:\n%s", r.out)
	}

	// Losing half the IPv4 block trips the shrink guard; --force passes it
	// and the journal records that it was forced.
	small := filepath.Join(t.TempDir(), "lab-cn-small.txt")
	writeFile(t, small, "192.0.2.0/24 CN\n2001:db8::/32 CN\n")
	r = run(ExitFailure, "block", "apply", "--netns", gw, "--geo-db", small)
	if !strings.Contains(r.err, "shrink") || !strings.Contains(r.err, "--force") {
		t.Errorf("shrinking apply: %s", r.err)
	}
	run(ExitOK, "block", "apply", "--netns", gw, "--geo-db", small, "--force")
	r = run(ExitOK, "block", "log", "--json")
	var log []struct {
		Action string `json:"action"`
		Forced bool   `json:"forced"`
	}
	if err := json.Unmarshal([]byte(r.out), &log); err != nil {
		t.Fatal(err)
	}
	if n := len(log); n != 2 || log[0].Forced || !log[1].Forced {
		t.Errorf("journal after a normal and a forced shrinking apply: %+v", log)
	}

	run(ExitOK, "block", "remove", "--netns", gw)
	for _, dst := range []string{"192.0.2.2", "2001:db8::2"} {
		if !pings(gw, "", dst) {
			t.Errorf("after remove: %s still blocked", dst)
		}
	}
	r = run(ExitOK, "block", "log")
	for _, s := range []string{"block.apply", "block.remove"} {
		if !strings.Contains(r.out, s) {
			t.Errorf("block log lacks %s:\n%s", s, r.out)
		}
	}
}

// TestBlockApplyLockout checks that apply refuses a policy that blocks the
// SSH client of the session, and that --force overrides it.
func TestBlockApplyLockout(t *testing.T) {
	gw, _ := netnsPair(t)
	e := newEnv(t)
	db := filepath.Join(t.TempDir(), "lab-cn.txt")
	writeFile(t, db, "192.0.2.0/24 CN\n2001:db8::/32 CN\n")
	t.Setenv("SSH_CONNECTION", "192.0.2.77 51000 192.0.2.1 22")
	r := e.run(t, "", "block", "apply", "--netns", gw, "--geo-db", db)
	expectCode(t, r, ExitFailure)
	if !strings.Contains(r.err, "192.0.2.77/32") || !strings.Contains(r.err, "--force") {
		t.Errorf("lock-out refusal: %s", r.err)
	}
	r = e.run(t, "", "block", "apply", "--netns", gw, "--geo-db", db, "--force")
	expectCode(t, r, ExitOK)
	r = e.run(t, "", "block", "log", "--json")
	if !strings.Contains(r.out, `"forced": true`) {
		t.Errorf("forced apply not journaled as forced:\n%s", r.out)
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

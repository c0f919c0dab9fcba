package export_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/seawall/seawall/internal/enforce"
	"github.com/seawall/seawall/internal/enforce/export"
	"github.com/seawall/seawall/internal/testenv"
)

// These tests hand the outputs to the real parsers: nft, ipset and
// iptables-restore in a network namespace of their own (unshare --net: the
// namespace, with every set and rule loaded into it, disappears when the
// command exits, and the host's ruleset is never touched), BIRD's config
// parser and FRR's vtysh in dry-run mode. Each runs on the small golden
// blocks and on the full embedded CN block.

// parserCases are the blocks each parser checks.
func parserCases(t *testing.T) map[string]*enforce.Desired {
	t.Helper()
	cases := map[string]*enforce.Desired{"world-CN": worldCN(t)}
	for name, p := range policies() {
		cases[name] = compile(t, docDB(), p)
	}
	return cases
}

// writeOutput renders d as format into a file in dir.
func writeOutput(t *testing.T, dir, format string, d *enforce.Desired) (string, []byte) {
	t.Helper()
	out, err := export.Render(format, d)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, format+".conf")
	if err := os.WriteFile(p, out, 0o644); err != nil {
		t.Fatal(err)
	}
	return p, out
}

// run runs a command, failing the test with its output if it fails.
func run(t *testing.T, name string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, clip(out))
	}
	return string(out)
}

// clip keeps failure messages readable when a parser echoes a whole set.
func clip(b []byte) string {
	if len(b) > 4000 {
		return string(b[:4000]) + fmt.Sprintf("\n... (%d more bytes)", len(b)-4000)
	}
	return string(b)
}

// inNetns runs a shell script in a new network namespace; args become $1...
func inNetns(t *testing.T, script string, args ...string) string {
	t.Helper()
	return run(t, "unshare", append([]string{"--net", "--", "sh", "-ec", script, "sh"}, args...)...)
}

func TestNftParses(t *testing.T) {
	t.Parallel()
	testenv.RequireRoot(t)
	testenv.RequireTool(t, "nft", "unshare")
	for name, d := range parserCases(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			file, _ := writeOutput(t, t.TempDir(), "nft", d)
			// Check, load, load again over the loaded table (the replace
			// idiom must work both on a first load and on a reload), list.
			out := inNetns(t, `nft -c -f "$1"; nft -f "$1"; nft -f "$1"; nft list table inet seawall`, file)
			for _, dir := range d.Directions {
				chain := map[enforce.Direction]string{enforce.Inbound: "input", enforce.Outbound: "output", enforce.Forwarded: "forward"}[dir]
				if !strings.Contains(out, "chain "+chain+" {") {
					t.Errorf("loaded table has no %s chain:\n%s", chain, clip([]byte(out)))
				}
			}
			// The kernel holds the interval sets; nft lists each element once.
			if got, want := strings.Count(out, "counter packets 0 bytes 0 drop"), nftRules(d); got != want {
				t.Errorf("%d drop rules loaded, want %d", got, want)
			}
		})
	}
}

// nftRules counts the drop rules the nft format has for d.
func nftRules(d *enforce.Desired) int {
	n := 0
	for _, f := range enforce.Families() {
		if !d.Has(f) || len(d.Prefixes(f)) == 0 {
			continue
		}
		for _, dir := range d.Directions {
			n++
			if dir == enforce.Forwarded {
				n++
			}
		}
	}
	return n
}

func TestIpsetParses(t *testing.T) {
	t.Parallel()
	testenv.RequireRoot(t)
	testenv.RequireTool(t, "ipset", "iptables-restore", "ip6tables-restore", "iptables-save", "unshare")
	for name, d := range parserCases(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			_, out := writeOutput(t, dir, "ipset", d)
			files := map[string]string{}
			for sec, body := range sections(t, out) {
				files[sec] = filepath.Join(dir, sec)
				if err := os.WriteFile(files[sec], body, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			v6 := files["ip6tables"]
			// Load the sets twice (the second time swaps over live sets),
			// test then load the rules twice (the second load must replace,
			// not add to, seawall's chains), and show the result.
			res := inNetns(t, `
ipset restore < "$1"
ipset restore < "$1"
iptables-restore --test --noflush < "$2"
[ -z "$3" ] || ip6tables-restore --test --noflush < "$3"
iptables-restore --noflush < "$2"
iptables-restore --noflush < "$2"
if [ -n "$3" ]; then ip6tables-restore --noflush < "$3"; ip6tables-restore --noflush < "$3"; fi
ipset list -t
echo '#### iptables'
iptables-save -t filter
if [ -n "$3" ]; then echo '#### ip6tables'; ip6tables-save -t filter; fi
`, files["ipset"], files["iptables"], v6)
			entries := regexp.MustCompile(`(?m)^Name: (\S+)\n(?:.*\n)*?Number of entries: (\d+)$`).FindAllStringSubmatch(res, -1)
			got := map[string]string{}
			for _, m := range entries {
				got[m[1]] = m[2]
			}
			for _, f := range enforce.Families() {
				if !d.Has(f) {
					continue
				}
				set := "seawall-blocked-" + map[enforce.Family]string{enforce.IPv4: "v4", enforce.IPv6: "v6"}[f]
				if want := fmt.Sprint(len(d.Prefixes(f))); got[set] != want {
					t.Errorf("set %s has %q entries, want %s", set, got[set], want)
				}
			}
			if _, ok := got["seawall-blocked-v4-new"]; ok {
				t.Error("the temporary -new set survived the load")
			}
			v4rules, _, _ := strings.Cut(res[strings.Index(res, "#### iptables"):], "#### ip6tables")
			if n, want := strings.Count(v4rules, "-j DROP"), nftRules(d)/len(familiesOf(d)); n != want {
				t.Errorf("iptables has %d DROP rules after two loads, want %d:\n%s", n, want, v4rules)
			}
		})
	}
}

func familiesOf(d *enforce.Desired) []enforce.Family {
	var out []enforce.Family
	for _, f := range enforce.Families() {
		if d.Has(f) && len(d.Prefixes(f)) > 0 {
			out = append(out, f)
		}
	}
	return out
}

func TestBirdParses(t *testing.T) {
	t.Parallel()
	testenv.RequireTool(t, "bird")
	for name, d := range parserCases(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			file, _ := writeOutput(t, dir, "bird", d)
			// The export is an include file; parse it the way it is used.
			conf := filepath.Join(dir, "main.conf")
			main := fmt.Sprintf("router id 192.0.2.254;\ninclude %q;\n", file)
			if err := os.WriteFile(conf, []byte(main), 0o644); err != nil {
				t.Fatal(err)
			}
			run(t, "bird", "-p", "-c", conf)
		})
	}
}

func TestFRRParses(t *testing.T) {
	t.Parallel()
	testenv.RequireTool(t, "vtysh")
	for name, d := range parserCases(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			file, _ := writeOutput(t, t.TempDir(), "frr", d)
			out := run(t, "vtysh", "--dryrun", "-f", file)
			if strings.Contains(out, "%") {
				t.Errorf("vtysh --dryrun reported problems:\n%s", clip([]byte(out)))
			}
		})
	}
}

// TestParsersRejectBroken makes sure each parser check above can fail: the
// same invocation on an output with one bad line must be refused.
func TestParsersRejectBroken(t *testing.T) {
	t.Parallel()
	d := compile(t, docDB(), policies()["default"])
	tests := []struct {
		format, bad string
		tools       []string
		root        bool
		cmd         func(file string) []string
	}{
		{"nft", "\ntable inet seawall { set x { type ipv4_addr; elements = { 192.0.2.0/33 } } }\n", []string{"nft", "unshare"}, true,
			func(f string) []string { return []string{"unshare", "--net", "--", "nft", "-c", "-f", f} }},
		{"bird", "\ndefine SEAWALL_BROKEN = [ 192.0.2.0/33+ ];\n", []string{"bird"}, false,
			func(f string) []string { return []string{"bird", "-p", "-c", f} }},
		{"frr", "\nip prefix-list SEAWALL-BROKEN seq 5 permit 192.0.2.0/24 le 33\n", []string{"vtysh"}, false,
			func(f string) []string { return []string{"vtysh", "--dryrun", "-f", f} }},
	}
	for _, tt := range tests {
		t.Run(tt.format, func(t *testing.T) {
			t.Parallel()
			if tt.root {
				testenv.RequireRoot(t)
			}
			testenv.RequireTool(t, tt.tools...)
			out, err := export.Render(tt.format, d)
			if err != nil {
				t.Fatal(err)
			}
			file := filepath.Join(t.TempDir(), "broken.conf")
			if err := os.WriteFile(file, append(out, tt.bad...), 0o644); err != nil {
				t.Fatal(err)
			}
			args := tt.cmd(file)
			if res, err := exec.Command(args[0], args[1:]...).CombinedOutput(); err == nil {
				t.Errorf("%s accepted a broken file:\n%s", strings.Join(args, " "), clip(res))
			}
		})
	}
}

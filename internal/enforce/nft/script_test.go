package nft

import (
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/nftables/userdata"

	"github.com/seawall/seawall/internal/prefixset"
)

// nftScript renders rs as an `nft -f` script that creates the same table
// Apply creates: the peer the benchmarks compare with, and a second writer
// for the interoperability test.
func nftScript(rs Ruleset) string {
	var sb strings.Builder
	l := rs.layout()
	o := l.build()
	fmt.Fprintf(&sb, "table inet %s {\n", TableName)
	for _, name := range o.counters {
		fmt.Fprintf(&sb, "\tcounter %s {\n\t}\n", name)
	}
	for _, f := range families {
		if !rs.enabled(f) {
			continue
		}
		typ := map[family]string{v4: "ipv4_addr", v6: "ipv6_addr"}[f]
		fmt.Fprintf(&sb, "\tset %s {\n\t\ttype %s\n\t\tflags interval\n", f.setName(), typ)
		if rs := ranges(rs.prefixes(f), f); len(rs) > 0 {
			sb.WriteString("\t\telements = { ")
			sb.WriteString(nftElements(rs))
			sb.WriteString(" }\n")
		}
		sb.WriteString("\t}\n")
	}
	for _, c := range o.chains {
		fmt.Fprintf(&sb, "\tchain %s {\n\t\ttype filter hook %s priority filter - 10; policy accept;\n", c.Name, c.Name)
		for _, r := range o.chainRules(c) {
			verb, name, _, _ := parseComment(r.UserData)
			comment, _ := userdata.GetString(r.UserData, userdata.TypeComment)
			id, _ := ruleByName(name)
			match := map[Match]string{MatchSource: "saddr", MatchDestination: "daddr"}[id.match]
			proto := map[family]string{v4: "ip", v6: "ip6"}[id.fam]
			fmt.Fprintf(&sb, "\t\t%s %s @%s ", proto, match, id.fam.setName())
			if verb == "log" {
				fmt.Fprintf(&sb, "limit rate %d/minute burst %d packets log prefix %q level warn", l.log.PerMinute, l.log.Burst, l.log.Prefix+" "+name+" ")
			} else {
				fmt.Fprintf(&sb, "counter name %q drop", name)
			}
			fmt.Fprintf(&sb, " comment %q\n", comment)
		}
		sb.WriteString("\t}\n")
	}
	sb.WriteString("}\n")
	return sb.String()
}

// nftElements writes intervals as nft does: a prefix where the interval
// is one, else a range.
func nftElements(rs []prefixset.Range) string {
	parts := make([]string, len(rs))
	for i, r := range rs {
		if ps := r.Prefixes(); len(ps) == 1 {
			parts[i] = ps[0].String()
			continue
		}
		parts[i] = r.First.Addr(r.Bits).String() + "-" + r.Last.Addr(r.Bits).String()
	}
	return strings.Join(parts, ", ")
}

// ruleByName finds the rule a counter name belongs to.
func ruleByName(name string) (ruleID, bool) {
	for _, h := range []Hook{HookInput, HookForward, HookOutput} {
		for _, m := range []Match{MatchSource, MatchDestination} {
			for _, f := range families {
				if id := (ruleID{h, m, f}); id.name() == name {
					return id, true
				}
			}
		}
	}
	return ruleID{}, false
}

// elementScript renders `nft add element` (or delete) for prefixes of one
// family.
func elementScript(verb string, f family, ps []netip.Prefix) string {
	return fmt.Sprintf("%s element inet %s %s { %s }\n", verb, TableName, f.setName(), nftElements(ranges(ps, f)))
}

// nftRunner runs `nft -f FILE` inside a namespace, the way an operator's
// script would, forking from a thread that is in the namespace so that
// the measurement is nft's own work and not `ip netns exec`'s.
type nftRunner struct {
	ns  *netns
	dir string
	n   int
}

func newNftRunner(tb testing.TB, ns *netns) *nftRunner {
	return &nftRunner{ns: ns, dir: tb.TempDir()}
}

// write stores a script in a file, outside any measurement.
func (r *nftRunner) write(tb testing.TB, script string) string {
	tb.Helper()
	r.n++
	path := filepath.Join(r.dir, fmt.Sprintf("%d.nft", r.n))
	if err := os.WriteFile(path, []byte(script), 0o600); err != nil {
		tb.Fatal(err)
	}
	return path
}

// run runs nft -f on a script file.
func (r *nftRunner) run(path string) error {
	return r.ns.do(func() error {
		out, err := exec.Command("nft", "-f", path).CombinedOutput()
		if err != nil {
			return fmt.Errorf("nft -f %s: %w: %s", path, err, out)
		}
		return nil
	})
}

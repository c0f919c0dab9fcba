package export

import (
	"fmt"
	"math/bits"

	"github.com/seawall/seawall/internal/enforce"
)

// SectionMarker begins each section of the ipset format; the rest of the
// line names the section (ipset, iptables or ip6tables) and how to load it.
// The three tools each read only their own syntax, so the file is split
// on these lines before loading.
const SectionMarker = "# ==== seawall section: "

// renderIpset writes three sections: the sets for "ipset restore", then
// the rules for "iptables-restore --noflush" and "ip6tables-restore
// --noflush".
//
// The sets are replaced by the swap idiom: fill a fresh "-new" set, swap
// it with the live one (atomic in the kernel, so the rules never see a
// half-filled set), destroy the old. "-exist" makes the creates idempotent;
// the kernel ignores hashsize in that comparison (it grows as sets fill)
// but not maxelem, which is why maxelem moves only in powers of two.
//
// The rules live in seawall's own chains. "--noflush" keeps every other
// rule of the table, and declaring a chain flushes it, so a reload replaces
// seawall's rules and nothing else. The jumps into those chains must be
// added once by hand: restore input has no "add unless present", and
// re-adding them on every load would stack duplicates.
func renderIpset(w *writer, d *enforce.Desired) {
	w.comments("#",
		"",
		"Three sections follow, each starting with a \""+SectionMarker[2:]+"...\" line:",
		"  ipset      load with: ipset restore < SECTION",
		"  iptables   load with: iptables-restore --noflush < SECTION",
		"  ip6tables  load with: ip6tables-restore --noflush < SECTION",
		"Load the ipset section first: the rules refer to the sets. To cut a section out:",
		"  awk -v s=ipset '/^"+SectionMarker+"/{on = $5 == s; next} on' FILE",
		"Reloading replaces seawall's sets and chains and nothing else. Once, hook the",
		"chains in (not part of the restore input, where reloads would duplicate them):",
	)
	fams := families(d)
	for _, f := range fams {
		tool := "iptables"
		if f == enforce.IPv6 {
			tool = "ip6tables"
		}
		for _, c := range iptChains(d) {
			w.comments("#", fmt.Sprintf("  %s -I %s -j %s", tool, c.hook, c.name))
		}
	}

	w.line(SectionMarker, "ipset (ipset restore) ====")
	for _, f := range fams {
		ps := d.Prefixes(f)
		family := "inet"
		if f == enforce.IPv6 {
			family = "inet6"
		}
		name := ipsetName(f)
		params := fmt.Sprintf("hash:net family %s hashsize %d maxelem %d", family, hashsize(len(ps)), maxelem(len(ps)))
		w.line("create ", name, " ", params, " -exist")
		w.line("create ", name, "-new ", params, " -exist")
		w.line("flush ", name, "-new")
		for _, p := range ps {
			w.line("add ", name, "-new ", p.String())
		}
		w.line("swap ", name, "-new ", name)
		w.line("destroy ", name, "-new")
	}

	for _, f := range fams {
		tool := "iptables"
		if f == enforce.IPv6 {
			tool = "ip6tables"
		}
		w.line(SectionMarker, tool, " (", tool, "-restore --noflush) ====")
		w.line("*filter")
		chains := iptChains(d)
		for _, c := range chains {
			w.line(":", c.name, " - [0:0]")
		}
		for _, c := range chains {
			for _, m := range []struct {
				use   bool
				flag  string
				where string
			}{{c.src, "src", "from"}, {c.dst, "dst", "to"}} {
				if !m.use {
					continue
				}
				match := fmt.Sprintf("-A %s -m set --match-set %s %s", c.name, ipsetName(f), m.flag)
				if d.Log.Count > 0 {
					w.linef("%s -m limit --limit %s -j LOG --log-prefix \"seawall %s: \"", match, d.Log, c.dir)
				}
				w.linef("%s -m comment --comment \"seawall %s %s blocked %s\" -j DROP", match, c.dir, m.where, familyName(f))
			}
		}
		w.line("COMMIT")
	}
}

type iptChain struct {
	name, hook string
	dir        enforce.Direction
	src, dst   bool
}

func iptChains(d *enforce.Desired) []iptChain {
	var out []iptChain
	for _, c := range []iptChain{
		{"SEAWALL-INPUT", "INPUT", enforce.Inbound, true, false},
		{"SEAWALL-OUTPUT", "OUTPUT", enforce.Outbound, false, true},
		{"SEAWALL-FORWARD", "FORWARD", enforce.Forwarded, true, true},
	} {
		if d.HasDirection(c.dir) {
			out = append(out, c)
		}
	}
	return out
}

// ipsetName stays within ipset's 31-character limit with "-new" added.
func ipsetName(f enforce.Family) string {
	if f == enforce.IPv4 {
		return "seawall-blocked-v4"
	}
	return "seawall-blocked-v6"
}

// hashsize is the initial bucket count: a power of two near the element
// count, at least ipset's default 1024, so that loading need not rehash.
func hashsize(n int) int { return max(1024, pow2(n)) }

// maxelem leaves room to grow and changes only when the set doubles: a
// live set created with another maxelem makes "create -exist" fail.
func maxelem(n int) int { return max(65536, 2*pow2(n)) }

// pow2 is the least power of two >= n (1 for n <= 1).
func pow2(n int) int {
	if n <= 1 {
		return 1
	}
	return 1 << bits.Len(uint(n-1))
}

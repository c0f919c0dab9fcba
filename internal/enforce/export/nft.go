package export

import (
	"github.com/seawall/seawall/internal/enforce"
)

// renderNft writes an nft -f script. The first two statements are the
// usual idiom for replacing a table in one transaction: "table" creates it
// if missing (so that "delete" cannot fail on a first load), "delete"
// removes the old one with its sets and rules, and the definition that
// follows recreates it. nft -f commits the file as one transaction, so
// the old rules stay until the new ones are in place, and a file that
// fails to load changes nothing. nft 1.0.6 (Debian 12) has no "destroy".
func renderNft(w *writer, d *enforce.Desired) {
	w.comments("#",
		"",
		"Load with: nft -f FILE (check first with nft -c -f FILE). It replaces",
		"table inet seawall, and nothing else, atomically. Rules stay in the kernel",
		"when seawall is not running; 'nft delete table inet seawall' removes them.",
	)
	w.line()
	w.line("table inet seawall")
	w.line("delete table inet seawall")
	w.line()
	w.line("table inet seawall {")
	fams := families(d)
	for _, f := range fams {
		typ := "ipv4_addr"
		if f == enforce.IPv6 {
			typ = "ipv6_addr"
		}
		w.line("\tset ", nftSet(f), " {")
		w.line("\t\ttype ", typ)
		w.line("\t\tflags interval")
		w.line("\t\telements = {")
		ps := d.Prefixes(f)
		for i, p := range ps {
			sep := ","
			if i == len(ps)-1 {
				sep = ""
			}
			w.line("\t\t\t", p.String(), sep)
		}
		w.line("\t\t}")
		w.line("\t}")
		w.line()
	}
	chains := []struct {
		name string
		dir  enforce.Direction
		// which address fields the chain matches
		saddr, daddr bool
	}{
		{"input", enforce.Inbound, true, false},
		{"output", enforce.Outbound, false, true},
		{"forward", enforce.Forwarded, true, true},
	}
	first := true
	for _, c := range chains {
		if !d.HasDirection(c.dir) {
			continue
		}
		if !first {
			w.line()
		}
		first = false
		w.line("\tchain ", c.name, " {")
		w.line("\t\ttype filter hook ", c.name, " priority filter; policy accept;")
		for _, f := range fams {
			proto := "ip"
			if f == enforce.IPv6 {
				proto = "ip6"
			}
			for _, field := range []struct {
				use         bool
				name, where string
			}{{c.saddr, "saddr", "from"}, {c.daddr, "daddr", "to"}} {
				if !field.use {
					continue
				}
				match := proto + " " + field.name + " @" + nftSet(f)
				if d.Log.Count > 0 {
					w.linef("\t\t%s limit rate %s log prefix \"seawall %s: \"", match, d.Log, c.dir)
				}
				w.linef("\t\t%s counter drop comment \"seawall %s %s blocked %s\"", match, c.dir, field.where, familyName(f))
			}
		}
		w.line("\t}")
	}
	w.line("}")
}

func nftSet(f enforce.Family) string {
	if f == enforce.IPv4 {
		return "blocked_v4"
	}
	return "blocked_v6"
}

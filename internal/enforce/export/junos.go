package export

import (
	"github.com/seawall/seawall/internal/enforce"
)

// renderJunos writes Junos configuration in the hierarchical (brace)
// format, the one "show configuration" prints, for "load replace": every
// list and filter carries a "replace:" tag, so loading the file again
// replaces exactly those objects and merges nothing stale; "commit"
// applies them atomically. (The set format would need "delete" lines
// that warn on a first load.)
//
// Prefix-lists are per family, as a firewall filter of family inet must
// not reference IPv6 prefixes. The filters end in "accept" so that they
// can stand alone on an interface; in a filter input-list, put them first.
func renderJunos(w *writer, d *enforce.Desired) {
	src, dst := routerMatch(d)
	w.comments("#", "",
		"Load with: load replace terminal (or load replace FILE), then commit.",
		"Apply the filters to the interfaces facing the blocked traffic, e.g.:")
	w.comments("#", perFamily(d,
		"  set interfaces et-0/0/0 unit 0 family inet filter input seawall-block-v4",
		"  set interfaces et-0/0/0 unit 0 family inet6 filter input seawall-block-v6")...)
	w.comments("#",
		"Use the prefix-lists in policy-statements too (from prefix-list-filter",
		junosList(families(d)[0])+" orlonger), e.g. for BGP blackholing.",
	)
	if d.Log.Count > 0 {
		w.comments("#", "Logged terms use the syslog action; the rate is limited device-wide.")
	}
	fams := families(d)
	w.line("policy-options {")
	for _, f := range fams {
		w.line("    replace:")
		w.line("    prefix-list ", junosList(f), " {")
		for _, p := range d.Prefixes(f) {
			w.line("        ", p.String(), ";")
		}
		w.line("    }")
	}
	w.line("}")
	w.line("firewall {")
	for _, f := range fams {
		family, v := "inet", "v4"
		if f == enforce.IPv6 {
			family, v = "inet6", "v6"
		}
		w.line("    family ", family, " {")
		w.line("        replace:")
		w.line("        filter seawall-block-", v, " {")
		for _, t := range []struct {
			use        bool
			name, from string
		}{{src, "from-blocked", "source-prefix-list"}, {dst, "to-blocked", "destination-prefix-list"}} {
			if !t.use {
				continue
			}
			w.line("            term ", t.name, " {")
			w.line("                from {")
			w.line("                    ", t.from, " {")
			w.line("                        ", junosList(f), ";")
			w.line("                    }")
			w.line("                }")
			w.line("                then {")
			w.line("                    count seawall-", v, "-", t.name, ";")
			if d.Log.Count > 0 {
				w.line("                    syslog;")
			}
			w.line("                    discard;")
			w.line("                }")
			w.line("            }")
		}
		w.line("            term accept-rest {")
		w.line("                then accept;")
		w.line("            }")
		w.line("        }")
		w.line("    }")
	}
	w.line("}")
}

func junosList(f enforce.Family) string {
	if f == enforce.IPv4 {
		return "seawall-blocked-v4"
	}
	return "seawall-blocked-v6"
}

package export

import (
	"github.com/seawall/seawall/internal/enforce"
)

// renderFRR writes FRRouting configuration: per family a prefix-list
// matching each blocked prefix or longer, and the route-map
// SEAWALL-BLACKHOLE, which tags routes inside the block BLACKHOLE
// (65535:666, RFC 7999) and NO_EXPORT and passes every other route
// unchanged. Passing the rest matters: a route-map ends in an implicit
// deny, which on a full-table session would drop every route.
func renderFRR(w *writer, d *enforce.Desired) {
	w.comments("!",
		"",
		"Load with: vtysh -f FILE (check first with vtysh --dryrun -f FILE).",
		"Use the route-map on BGP sessions to the border routers, for example",
		"  router bgp 64512",
		"   address-family ipv4 unicast",
		"    neighbor 192.0.2.1 route-map SEAWALL-BLACKHOLE out",
		"so that blocked routes reach them tagged BLACKHOLE; the routers drop traffic",
		"towards BLACKHOLE routes (destination-based RTBH).",
	)
	fams := families(d)
	for _, f := range fams {
		kw := "ip"
		if f == enforce.IPv6 {
			kw = "ipv6"
		}
		name := ciscoBlocked + suffix(f)
		w.line("!")
		w.line("no ", kw, " prefix-list ", name)
		for i, p := range d.Prefixes(f) {
			w.linef("%s prefix-list %s seq %d permit %s", kw, name, (i+1)*5, orLonger(p))
		}
	}
	seq := 10
	for _, f := range fams {
		kw := "ip"
		if f == enforce.IPv6 {
			kw = "ipv6"
		}
		w.line("!")
		w.linef("route-map SEAWALL-BLACKHOLE permit %d", seq)
		w.line(" description seawall ", descr(d))
		w.line(" match ", kw, " address prefix-list ", ciscoBlocked, suffix(f))
		w.line(" set community 65535:666 no-export additive")
		w.line("exit")
		seq += 10
	}
	w.line("!")
	w.line("route-map SEAWALL-BLACKHOLE permit 100")
	w.line(" description seawall: every other route passes unchanged")
	w.line("exit")
}

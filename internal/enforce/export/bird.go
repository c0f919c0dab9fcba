package export

import (
	"github.com/seawall/seawall/internal/enforce"
)

// renderBird writes a BIRD 2 include file with two parts:
//
//   - SEAWALL_BLOCKED_V4/V6 prefix set constants, each entry "prefix+" (the
//     prefix or any longer one), for filters: "if net ~ SEAWALL_BLOCKED_V4".
//   - static protocols holding every blocked prefix as a blackhole route,
//     tagged BLACKHOLE (65535:666, RFC 7999) and NO_EXPORT (65535:65281) by
//     their import filter, for announcing to border routers that drop
//     traffic to BLACKHOLE-tagged routes (destination-based RTBH).
//
// BGP blackholing drops traffic towards the prefixes; dropping traffic
// from them needs source-based RTBH (uRPF) on the routers.
func renderBird(w *writer, d *enforce.Desired) {
	w.comments("#",
		"",
		"Include from bird.conf:  include \"/etc/bird/seawall-block.conf\";",
		"The static protocols put each blocked prefix in the master tables as a",
		"blackhole route tagged BLACKHOLE and NO_EXPORT; export them to the border",
		"routers' BGP sessions. A kernel protocol exporting them installs them as",
		"blackhole routes on this host, which drops its traffic to those prefixes.",
		"This blocks traffic towards the prefixes; blocking traffic from them needs",
		"source-based RTBH (uRPF) on the routers.",
	)
	fams := families(d)
	for _, f := range fams {
		ps := d.Prefixes(f)
		w.line()
		w.line("define SEAWALL_BLOCKED_", suffix(f), " = [")
		for i, p := range ps {
			sep := ","
			if i == len(ps)-1 {
				sep = ""
			}
			w.line("\t", p.String(), "+", sep)
		}
		w.line("];")
	}
	for _, f := range fams {
		v := "ipv4"
		if f == enforce.IPv6 {
			v = "ipv6"
		}
		w.line()
		w.line("protocol static seawall_blackhole_", v[2:], " {")
		w.line("\t", v, " {")
		w.line("\t\timport filter {")
		w.line("\t\t\tbgp_community.add((65535, 666));   # BLACKHOLE, RFC 7999")
		w.line("\t\t\tbgp_community.add((65535, 65281)); # NO_EXPORT")
		w.line("\t\t\taccept;")
		w.line("\t\t};")
		w.line("\t};")
		for _, p := range d.Prefixes(f) {
			w.line("\troute ", p.String(), " blackhole;")
		}
		w.line("}")
	}
}

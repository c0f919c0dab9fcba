package export

import (
	"net/netip"

	"github.com/seawall/seawall/internal/enforce"
)

// renderEOS writes Arista EOS configuration. EOS ACEs take prefix
// notation for both families, so one ACE per prefix and direction, with
// "counters per-entry" so that each shows its hits. Prefix-lists (mode
// form, as EOS shows them) are for routing policy, matching each prefix or
// longer. Each object is removed and recreated, so pasting the file again
// replaces it; use a configure session and commit to do it atomically.
func renderEOS(w *writer, d *enforce.Desired) {
	src, dst := routerMatch(d)
	logKw := logKeyword(d)
	w.comments("!", "",
		"Paste into 'configure session seawall', then 'commit': the session applies",
		"the replacement atomically. Apply the ACLs to interfaces, for example:",
		"  interface Ethernet1")
	w.comments("!", perFamily(d, "     ip access-group "+ciscoBlock+"V4 in", "     ipv6 access-group "+ciscoBlock+"V6 in")...)
	w.comments("!",
		"Large lists: every ACE takes TCAM; check the platform's ACL scale, and prefer",
		"BGP blackholing (the prefix-lists) where hardware is short.",
	)
	for _, f := range families(d) {
		kw, proto := "ip", "ip"
		if f == enforce.IPv6 {
			kw, proto = "ipv6", "ipv6"
		}
		ps := d.Prefixes(f)
		name := ciscoBlocked + suffix(f)
		w.line("!")
		w.line("no ", kw, " prefix-list ", name)
		w.line(kw, " prefix-list ", name)
		for i, p := range ps {
			w.linef("   seq %d permit %s", (i+1)*10, orLonger(p))
		}
		acl := ciscoBlock + suffix(f)
		w.line("!")
		w.line("no ", kw, " access-list ", acl)
		w.line(kw, " access-list ", acl)
		w.line("   counters per-entry")
		seq := 10
		w.linef("   %d remark seawall %s", seq, descr(d))
		if src {
			for _, p := range ps {
				seq += 10
				w.linef("   %d deny %s %s any%s", seq, proto, eosAddr(p), logKw)
			}
		}
		if dst {
			for _, p := range ps {
				seq += 10
				w.linef("   %d deny %s any %s%s", seq, proto, eosAddr(p), logKw)
			}
		}
		w.linef("   %d permit %s any any", seq+10, proto)
	}
	w.line("end")
}

func eosAddr(p netip.Prefix) string {
	if p.Bits() == maxLen(p) {
		return "host " + p.Addr().String()
	}
	return p.String()
}

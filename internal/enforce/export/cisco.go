package export

import (
	"fmt"
	"net/netip"

	"github.com/seawall/seawall/internal/enforce"
)

// Object names. Data objects (object-groups, prefix-lists, prefix-sets)
// hold the blocked prefixes and are named BLOCKED; filters that act on
// them are named BLOCK. All stay far below the vendors' name limits
// (IOS object-group names take 64 characters).
const (
	ciscoBlocked = "SEAWALL-BLOCKED-"
	ciscoBlock   = "SEAWALL-BLOCK-"
)

// renderIOS writes Cisco IOS / IOS XE configuration.
//
// IPv4 uses an object-group network referenced by an extended named ACL:
// one ACE per direction instead of one per prefix. Object-group entries
// take a network mask ("192.0.2.0 255.255.255.0") or "host", not the
// wildcard mask a plain ACE takes. IPv6 object groups are missing from
// many IOS releases, so the IPv6 ACL lists prefixes directly, in prefix
// notation as IPv6 ACEs require. The prefix-lists are for routing policy
// (RTBH triggers, route filters) and match each prefix or longer.
//
// Pasting the file again replaces everything it defines: each object is
// removed ("no ...") and recreated. IOS refuses to remove an object-group
// an ACL uses, so the ACL goes first; while it is gone an interface that
// uses it filters nothing, for the seconds the paste takes.
func renderIOS(w *writer, d *enforce.Desired) {
	src, dst := routerMatch(d)
	logKw := logKeyword(d)
	w.comments("!", "",
		"Paste in configuration mode. Apply the ACLs to the interfaces facing the",
		"blocked traffic, for example:",
		"  interface TenGigabitEthernet0/0/0")
	w.comments("!", perFamily(d, "   ip access-group "+ciscoBlock+"V4 in", "   ipv6 traffic-filter "+ciscoBlock+"V6 in")...)
	w.comments("!",
		"Large lists: each object-group entry takes a TCAM entry per ACE that uses it;",
		"check the platform's ACL scale before applying, and prefer BGP blackholing",
		"(the prefix-lists) where hardware is short.",
	)
	if logKw != "" {
		w.comments("!", "Logged ACEs are rate-limited by the router (ip access-list logging interval).")
	}
	for _, f := range families(d) {
		ps := d.Prefixes(f)
		w.line("!")
		if f == enforce.IPv4 {
			og := ciscoBlocked + "V4"
			acl := ciscoBlock + "V4"
			w.line("no ip access-list extended ", acl)
			w.line("no object-group network ", og)
			w.line("object-group network ", og)
			w.line(" description seawall ", descr(d))
			for _, p := range ps {
				if p.Bits() == 32 {
					w.line(" host ", p.Addr().String())
				} else {
					w.line(" ", p.Addr().String(), " ", netmask4(p.Bits()))
				}
			}
			w.line("!")
			w.line("ip access-list extended ", acl)
			w.line(" remark seawall ", descr(d))
			if src {
				w.line(" deny ip object-group ", og, " any", logKw)
			}
			if dst {
				w.line(" deny ip any object-group ", og, logKw)
			}
			w.line(" permit ip any any")
			continue
		}
		acl := ciscoBlock + "V6"
		w.line("no ipv6 access-list ", acl)
		w.line("ipv6 access-list ", acl)
		w.line(" remark seawall ", descr(d))
		if src {
			for _, p := range ps {
				w.line(" deny ipv6 ", ios6(p), " any", logKw)
			}
		}
		if dst {
			for _, p := range ps {
				w.line(" deny ipv6 any ", ios6(p), logKw)
			}
		}
		w.line(" permit ipv6 any any")
	}
	for _, f := range families(d) {
		w.line("!")
		kw := "ip"
		if f == enforce.IPv6 {
			kw = "ipv6"
		}
		name := ciscoBlocked + suffix(f)
		w.line("no ", kw, " prefix-list ", name)
		w.line(kw, " prefix-list ", name, " description seawall ", descr(d))
		for i, p := range d.Prefixes(f) {
			w.linef("%s prefix-list %s seq %d permit %s", kw, name, (i+1)*5, orLonger(p))
		}
	}
	w.line("end")
}

// perFamily returns v4 and v6, each when its family has prefixes.
func perFamily(d *enforce.Desired, v4, v6 string) []string {
	var out []string
	for _, f := range families(d) {
		if f == enforce.IPv4 {
			out = append(out, v4)
		} else {
			out = append(out, v6)
		}
	}
	return out
}

// ios6 writes an IPv6 ACE address: "host" for a single address.
func ios6(p netip.Prefix) string {
	if p.Bits() == 128 {
		return "host " + p.Addr().String()
	}
	return p.String()
}

// descr is the short provenance put in descriptions and remarks, which
// have length limits (IOS: 100 characters for remarks).
func descr(d *enforce.Desired) string {
	cc := countries(d)
	if len(cc) > 32 {
		cc = fmt.Sprintf("%d countries", len(d.Countries))
	}
	return fmt.Sprintf("%s data %s policy %s", cc, dataDate(d), shortPolicy(d))
}

// renderIOSXR writes Cisco IOS XR configuration.
//
// IOS XR's ACLs take object-group network ipv4/ipv6 through "net-group",
// which XR compresses in hardware, so each family's ACL has one ACE per
// direction. The prefix-sets are for routing policy (RPL), matching each
// prefix or longer. XR commits a whole configuration session atomically,
// so removing and redefining the objects in one commit replaces them with
// no window in between.
func renderIOSXR(w *writer, d *enforce.Desired) {
	src, dst := routerMatch(d)
	logKw := logKeyword(d)
	w.comments("!", "",
		"Paste into one configuration session and commit once: the commit replaces",
		"the objects below atomically. Apply the ACLs to interfaces, for example:",
		"  interface HundredGigE0/0/0/0")
	w.comments("!", perFamily(d, "   ipv4 access-group "+ciscoBlock+"V4 ingress compress level 3", "   ipv6 access-group "+ciscoBlock+"V6 ingress compress level 3")...)
	w.comments("!",
		"(compress level 3 is how NCS 5500-class hardware takes object-group ACLs;",
		"drop it where the platform filters object-groups uncompressed.)",
		"Use the prefix-sets in route-policies (e.g. RTBH: if destination in",
		ciscoBlocked+suffix(families(d)[0])+" then set community (65535:666) additive).",
	)
	for _, f := range families(d) {
		ps := d.Prefixes(f)
		name := ciscoBlocked + suffix(f)
		w.line("!")
		w.line("prefix-set ", name)
		w.line("  # seawall ", descr(d))
		for i, p := range ps {
			sep := ","
			if i == len(ps)-1 {
				sep = ""
			}
			w.line("  ", orLonger(p), sep)
		}
		w.line("end-set")
	}
	for _, f := range families(d) {
		ps := d.Prefixes(f)
		v := "ipv4"
		if f == enforce.IPv6 {
			v = "ipv6"
		}
		og := ciscoBlocked + suffix(f)
		acl := ciscoBlock + suffix(f)
		w.line("!")
		w.line("no ", v, " access-list ", acl)
		w.line("no object-group network ", v, " ", og)
		w.line("object-group network ", v, " ", og)
		w.line(" description seawall ", descr(d))
		for _, p := range ps {
			w.line(" ", p.String())
		}
		w.line("!")
		w.line(v, " access-list ", acl)
		w.line(" 10 remark seawall ", descr(d))
		seq := 20
		if src {
			w.linef(" %d deny %s net-group %s any%s", seq, v, og, logKw)
			seq += 10
		}
		if dst {
			w.linef(" %d deny %s any net-group %s%s", seq, v, og, logKw)
			seq += 10
		}
		w.linef(" %d permit %s any any", seq, v)
	}
}

// logKeyword is the ACE suffix that logs matches, when the policy logs.
func logKeyword(d *enforce.Desired) string {
	if d.Log.Count > 0 {
		return " log"
	}
	return ""
}

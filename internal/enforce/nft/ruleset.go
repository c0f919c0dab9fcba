// Package nft enforces a block list on Linux with nftables, spoken to over
// netlink: one inet table "seawall" holding one interval set per address
// family (blocked4, blocked6), drop rules with named counters on the input,
// forward and output hooks, and optional rate-limited log rules.
//
// The package has two halves. The pure half (Ruleset, Guard, Plan and the
// builders and diffs behind them) turns a Ruleset into the nftables
// objects and set elements it needs and diffs them against what is
// installed; it does no I/O. The apply half (Backend) reads the installed
// table over netlink and sends the difference in one atomic transaction:
// the kernel either commits the whole batch or none of it, so a failed
// apply leaves the previous rules in force. Updates never delete and
// recreate what stays (the table, a set, a base chain), because that is
// not seamless for packets in flight; see Rebuilt.
//
// Nothing is removed when the process exits: the rules stay in the kernel
// (fail closed) until Remove is called.
package nft

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/seawall/seawall/internal/prefixset"
)

// Names of the kernel objects seawall owns. Only the table is looked up by
// name from outside; the rest are fixed so that `nft list table inet
// seawall` reads the same on every host.
const (
	// TableName is the inet table seawall creates, updates and removes. No
	// other table is ever touched.
	TableName = "seawall"
	// Set4 and Set6 are the interval sets holding the blocked prefixes.
	Set4 = "blocked4"
	Set6 = "blocked6"
	// Priority is the priority of seawall's base chains: filter - 10, so
	// that seawall drops a packet before ordinary filter chains (priority
	// 0) spend work on it, count it or log it. The order does not decide
	// the outcome: a drop in any base chain is final, and an accept in
	// another table's chain does not stop seawall's.
	Priority = -10
)

// Ruleset is what seawall asks the kernel to enforce. It is deliberately
// independent of the policy package: the policy resolves countries,
// allow-lists and extra prefixes into V4 and V6, and this package only
// installs them.
//
// The direction flags map to rules as follows:
//
//	Inbound:  source in the set, dropped on input and forward
//	Outbound: destination in the set, dropped on output and forward
//	Forward:  source or destination in the set, dropped on forward
//
// so a router that only routes needs Forward, and a host that terminates
// traffic needs Inbound and Outbound. Inbound and Outbound together
// already drop forwarded traffic both ways, so Forward adds nothing then;
// the installed rules, and what Installed reports, are the same.
type Ruleset struct {
	// IPv4 and IPv6 say which families are enforced. A family that is
	// enforced gets a set and rules even when its prefix list is empty,
	// which the Guard refuses, so that an empty feed cannot silently
	// unblock a whole family.
	IPv4, IPv6 bool
	// V4 and V6 are the blocked prefixes, normally aggregated and
	// non-overlapping (prefixset.Aggregate); overlapping or adjacent
	// prefixes are merged into one interval anyway. V4 holds only IPv4
	// prefixes and V6 only IPv6 ones (no IPv4-mapped addresses).
	V4, V6 []netip.Prefix
	// Inbound, Outbound and Forward select the rules; see the type's
	// documentation.
	Inbound, Outbound, Forward bool
	// Log, when set, adds a rate-limited log rule before each drop rule.
	Log *LogConfig
	// Comment is appended to every rule's comment, which `nft list`
	// shows ("seawall drop input_src_v4: COMMENT"). It is part of the
	// table's shape: changing it replaces the rules (a Rebuilt apply, in
	// place, counters kept) rather than only sending an element delta, so
	// keep it stable (e.g. "seawall block: CN") and keep volatile data such
	// as the data date elsewhere.
	Comment string
}

// LogConfig configures the log rules. Each drop rule gets its own log rule
// and its own limit, so the worst case is 8 times the rate.
type LogConfig struct {
	// Prefix starts every log line, followed by the rule's counter name
	// (e.g. "seawall input_src_v4 "), so that a log line says which rule
	// matched. Empty means DefaultLogPrefix.
	Prefix string
	// PerMinute is the sustained rate of log lines per rule; 0 means
	// DefaultLogPerMinute.
	PerMinute uint32
	// Burst is how many lines may exceed the rate at once; 0 means
	// DefaultLogBurst.
	Burst uint32
}

// Defaults for LogConfig's zero fields.
const (
	DefaultLogPrefix    = "seawall"
	DefaultLogPerMinute = 10
	DefaultLogBurst     = 5
)

// maxLogPrefix is the kernel's NF_LOG_PREFIXLEN less the terminating NUL.
const maxLogPrefix = 127

// maxComment is nft's limit on comments; with the rule's own words in
// front it stays within the 255 bytes a rule comment can hold.
const maxComment = 128

// normalize fills in defaults so that two configurations that log the
// same way compare equal.
func (c LogConfig) normalize() LogConfig {
	if c.Prefix == "" {
		c.Prefix = DefaultLogPrefix
	}
	if c.PerMinute == 0 {
		c.PerMinute = DefaultLogPerMinute
	}
	if c.Burst == 0 {
		c.Burst = DefaultLogBurst
	}
	return c
}

// Validate reports the first thing wrong with rs. It does not apply the
// Guard, which needs to know what is installed.
func (rs Ruleset) Validate() error {
	if !rs.IPv4 && !rs.IPv6 {
		return errors.New("ruleset enforces neither IPv4 nor IPv6: enable at least one family")
	}
	if !rs.Inbound && !rs.Outbound && !rs.Forward {
		return errors.New("ruleset has no direction: enable inbound, outbound or forward")
	}
	if !rs.IPv4 && len(rs.V4) > 0 {
		return fmt.Errorf("ruleset has %d IPv4 prefixes but IPv4 is not enforced", len(rs.V4))
	}
	if !rs.IPv6 && len(rs.V6) > 0 {
		return fmt.Errorf("ruleset has %d IPv6 prefixes but IPv6 is not enforced", len(rs.V6))
	}
	for i, p := range rs.V4 {
		if !p.IsValid() || !p.Addr().Is4() {
			return fmt.Errorf("V4[%d] = %s: not an IPv4 prefix", i, p)
		}
	}
	for i, p := range rs.V6 {
		if !p.IsValid() || !p.Addr().Is6() || p.Addr().Is4In6() {
			return fmt.Errorf("V6[%d] = %s: not an IPv6 prefix (IPv4-mapped prefixes belong in V4 as IPv4)", i, p)
		}
	}
	if len(rs.Comment) > maxComment {
		return fmt.Errorf("comment is %d bytes, more than nft's %d", len(rs.Comment), maxComment)
	}
	if strings.ContainsRune(rs.Comment, 0) {
		return errors.New("comment contains a NUL byte")
	}
	if rs.Log != nil {
		c := rs.Log.normalize()
		// The longest name is "forward_dst_v4" plus two spaces.
		if n := len(c.Prefix) + len(" forward_dst_v4 "); n > maxLogPrefix {
			return fmt.Errorf("log prefix %q is too long: with the rule name it makes %d bytes, the kernel takes %d", c.Prefix, n, maxLogPrefix)
		}
		if strings.ContainsRune(c.Prefix, 0) {
			return errors.New("log prefix contains a NUL byte")
		}
	}
	return nil
}

// family indexes per-family data: 0 for IPv4, 1 for IPv6.
type family int

const (
	v4 family = iota
	v6
)

var families = [2]family{v4, v6}

func (f family) String() string { return [...]string{"IPv4", "IPv6"}[f] }

// bits is the address length.
func (f family) bits() int { return [...]int{32, 128}[f] }

// number is 4 or 6.
func (f family) number() int { return [...]int{4, 6}[f] }

// suffix names the family in object names.
func (f family) suffix() string { return [...]string{"v4", "v6"}[f] }

func (f family) setName() string { return [...]string{Set4, Set6}[f] }

// prefixes returns rs's prefix list for f.
func (rs Ruleset) prefixes(f family) []netip.Prefix {
	if f == v4 {
		return rs.V4
	}
	return rs.V6
}

// enabled reports whether rs enforces f.
func (rs Ruleset) enabled(f family) bool {
	if f == v4 {
		return rs.IPv4
	}
	return rs.IPv6
}

// Hook is the netfilter hook a rule sits on.
type Hook int

// The hooks seawall uses, in the order its chains are listed.
const (
	HookInput Hook = iota
	HookForward
	HookOutput
)

func (h Hook) String() string { return [...]string{"input", "forward", "output"}[h] }

// Match says which address of a packet a rule looks up in the set.
type Match int

// Source-matching rules stop traffic from blocked addresses (inbound),
// destination-matching ones traffic to them (outbound).
const (
	MatchSource Match = iota
	MatchDestination
)

func (m Match) String() string { return [...]string{"src", "dst"}[m] }

// ruleID names one drop rule: where it sits and what it matches. Its
// counter and its comment are derived from it.
type ruleID struct {
	hook  Hook
	match Match
	fam   family
}

// name is the rule's counter name, e.g. "input_src_v4".
func (r ruleID) name() string { return r.hook.String() + "_" + r.match.String() + "_" + r.fam.suffix() }

// layout is everything about a ruleset except its prefixes: the part
// whose change means replacing rules (a Rebuilt apply), not only sending
// an element delta.
// It is canonical (Inbound and Outbound together imply Forward), so two
// rulesets that install the same rules have equal layouts.
type layout struct {
	fam       [2]bool // sets present
	inputSrc  bool
	fwdSrc    bool
	fwdDst    bool
	outputDst bool
	logOn     bool
	log       LogConfig // normalized; zero unless logOn
	comment   string
}

func (rs Ruleset) layout() layout {
	l := layout{
		fam:       [2]bool{rs.IPv4, rs.IPv6},
		inputSrc:  rs.Inbound,
		fwdSrc:    rs.Inbound || rs.Forward,
		fwdDst:    rs.Outbound || rs.Forward,
		outputDst: rs.Outbound,
		comment:   rs.Comment,
	}
	if rs.Log != nil {
		l.logOn = true
		l.log = rs.Log.normalize()
	}
	return l
}

// rules lists the drop rules of l in chain order (input, forward, output),
// IPv4 before IPv6, source before destination.
func (l layout) rules() []ruleID {
	var out []ruleID
	add := func(on bool, h Hook, m Match) {
		if !on {
			return
		}
		for _, f := range families {
			if l.fam[f] {
				out = append(out, ruleID{h, m, f})
			}
		}
	}
	add(l.inputSrc, HookInput, MatchSource)
	add(l.fwdSrc, HookForward, MatchSource)
	add(l.fwdDst, HookForward, MatchDestination)
	add(l.outputDst, HookOutput, MatchDestination)
	return out
}

// ruleset turns l back into the Ruleset that produces it, without
// prefixes. Forward is reported whenever forwarded traffic is dropped both
// ways.
func (l layout) ruleset() Ruleset {
	rs := Ruleset{
		IPv4:     l.fam[v4],
		IPv6:     l.fam[v6],
		Inbound:  l.inputSrc,
		Outbound: l.outputDst,
		Forward:  l.fwdSrc && l.fwdDst,
		Comment:  l.comment,
	}
	if l.logOn {
		c := l.log
		rs.Log = &c
	}
	return rs
}

// spansOf returns the spans the kernel set holds for ps, the family's
// prefixes: merged, sorted intervals (adjacent prefixes become one
// interval, which halves the elements of typical country lists). Sorted
// input, which is what aggregated prefix lists are, is converted in one
// pass; anything else goes through prefixset.Ranges. Prefixes of the
// other family are ignored.
func spansOf(ps []netip.Prefix, f family) []span {
	return appendSpans(nil, ps, f)
}

// appendSpans is spansOf appending to dst[:0], so that an update can
// reuse the spans of the one before. This runs on every apply, over the
// whole list, so it avoids the general (sorting) path and the U128
// arithmetic it does not need.
func appendSpans(dst []span, ps []netip.Prefix, f family) []span {
	out := slices.Grow(dst[:0], len(ps))
	ok := false
	if f == v4 {
		out, ok = appendSpans4(out, ps)
	} else {
		out, ok = appendSpans6(out, ps)
	}
	if !ok {
		return append(out[:0], canonical(ranges(ps, f))...)
	}
	return out
}

// appendSpans4 merges sorted IPv4 prefixes; ok is false if they are not
// sorted.
func appendSpans4(out []span, ps []netip.Prefix) ([]span, bool) {
	var first, last uint64 // of the open interval
	open := false
	flush := func() {
		out = append(out, span{
			r:   prefixset.Range{First: prefixset.U128{Lo: first}, Last: prefixset.U128{Lo: last}, Bits: 32},
			end: last != 0xffffffff,
		})
	}
	for _, p := range ps {
		if !p.Addr().Is4() || !p.IsValid() {
			continue
		}
		a := p.Addr().As4()
		v := uint64(a[0])<<24 | uint64(a[1])<<16 | uint64(a[2])<<8 | uint64(a[3])
		host := uint64(1)<<(32-p.Bits()) - 1
		lo, hi := v&^host, v|host
		switch {
		case !open:
			first, last, open = lo, hi, true
		case lo < first:
			return out, false
		case lo <= last+1: // overlapping or adjacent (last+1 cannot overflow a uint64)
			last = max(last, hi)
		default:
			flush()
			first, last = lo, hi
		}
	}
	if open {
		flush()
	}
	return out, true
}

// appendSpans6 is appendSpans4 for IPv6.
func appendSpans6(out []span, ps []netip.Prefix) ([]span, bool) {
	var cur prefixset.Range
	open := false
	flush := func() { out = append(out, span{r: cur, end: !isTop(cur.Last, 128)}) }
	for _, p := range ps {
		if !p.Addr().Is6() || !p.IsValid() {
			continue
		}
		r := fastRange6(p)
		switch {
		case !open:
			cur, open = r, true
		case r.First.Cmp(cur.First) < 0:
			return out, false
		case r.First.Cmp(cur.Last) <= 0 || (!isTop(cur.Last, 128) && r.First == cur.Last.AddOne()):
			if r.Last.Cmp(cur.Last) > 0 {
				cur.Last = r.Last
			}
		default:
			flush()
			cur = r
		}
	}
	if open {
		flush()
	}
	return out, true
}

// fastRange6 is prefixset.PrefixRange for IPv6 without the detour through
// netip.Prefix.Masked.
func fastRange6(p netip.Prefix) prefixset.Range {
	a := p.Addr().As16()
	hi := binary.BigEndian.Uint64(a[:8])
	lo := binary.BigEndian.Uint64(a[8:])
	var hmHi, hmLo uint64 // host mask
	switch b := p.Bits(); {
	case b == 128:
	case b >= 64:
		hmLo = ^uint64(0) >> (b - 64)
	default:
		hmHi, hmLo = ^uint64(0)>>b, ^uint64(0)
	}
	return prefixset.Range{
		First: prefixset.U128{Hi: hi &^ hmHi, Lo: lo &^ hmLo},
		Last:  prefixset.U128{Hi: hi | hmHi, Lo: lo | hmLo},
		Bits:  128,
	}
}

// ranges returns the merged, sorted address ranges of the family's
// prefixes in ps, in any order.
func ranges(ps []netip.Prefix, f family) []prefixset.Range {
	rs := prefixset.Ranges(ps)
	out := rs[:0]
	for _, r := range rs {
		if r.Bits == f.bits() {
			out = append(out, r)
		}
	}
	return out
}

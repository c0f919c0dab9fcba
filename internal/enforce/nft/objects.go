package nft

import (
	"bytes"
	"reflect"
	"slices"
	"strings"

	"github.com/google/nftables"
	"github.com/google/nftables/expr"
	"github.com/google/nftables/userdata"
	"golang.org/x/sys/unix"
)

// objects are the kernel objects of one layout, built without I/O. A
// first apply adds them to a batch in this order (table, sets, counters,
// chains, rules), which is the order their references need.
type objects struct {
	table    *nftables.Table
	sets     [2]*nftables.Set // nil for a family that is not enforced
	counters []string         // named counter objects, one per drop rule
	chains   []*nftables.Chain
	rules    []*nftables.Rule
}

// commentPrefix starts the comment of every rule seawall writes; the rest
// says what the rule does and names its counter, so that Installed can map
// rules back to directions.
const commentPrefix = "seawall "

func newTable() *nftables.Table {
	return &nftables.Table{Name: TableName, Family: nftables.TableFamilyINet}
}

// build returns l's objects.
func (l layout) build() objects {
	o := objects{table: newTable()}
	for _, f := range families {
		if !l.fam[f] {
			continue
		}
		kt := nftables.TypeIPAddr
		if f == v6 {
			kt = nftables.TypeIP6Addr
		}
		o.sets[f] = &nftables.Set{
			Table:    o.table,
			Name:     f.setName(),
			KeyType:  kt,
			Interval: true,
		}
	}
	policy := nftables.ChainPolicyAccept
	prio := nftables.ChainPriority(Priority)
	chains := map[Hook]*nftables.Chain{}
	chain := func(h Hook) *nftables.Chain {
		if c, ok := chains[h]; ok {
			return c
		}
		num := map[Hook]nftables.ChainHook{
			HookInput:   *nftables.ChainHookInput,
			HookForward: *nftables.ChainHookForward,
			HookOutput:  *nftables.ChainHookOutput,
		}[h]
		c := &nftables.Chain{
			Name:     h.String(),
			Table:    o.table,
			Hooknum:  &num,
			Priority: &prio,
			Type:     nftables.ChainTypeFilter,
			Policy:   &policy,
		}
		chains[h] = c
		o.chains = append(o.chains, c)
		return c
	}
	for _, id := range l.rules() {
		c := chain(id.hook)
		o.counters = append(o.counters, id.name())
		if l.logOn {
			o.rules = append(o.rules, &nftables.Rule{
				Table: o.table,
				Chain: c,
				Exprs: append(lookupExprs(id),
					&expr.Limit{Type: expr.LimitTypePkts, Rate: uint64(l.log.PerMinute), Unit: expr.LimitTimeMinute, Burst: l.log.Burst},
					&expr.Log{Key: 1<<unix.NFTA_LOG_PREFIX | 1<<unix.NFTA_LOG_LEVEL, Level: expr.LogLevelWarning,
						Data: []byte(l.log.Prefix + " " + id.name() + " ")},
				),
				UserData: ruleComment("log", id, l.comment),
			})
		}
		o.rules = append(o.rules, &nftables.Rule{
			Table: o.table,
			Chain: c,
			Exprs: append(lookupExprs(id),
				&expr.Objref{Type: unix.NFT_OBJECT_COUNTER, Name: id.name()},
				&expr.Verdict{Kind: expr.VerdictDrop},
			),
			UserData: ruleComment("drop", id, l.comment),
		})
	}
	return o
}

// ruleComment is the rule's userdata, which nft shows as its comment:
// "seawall drop input_src_v4", then ": " and the ruleset's comment if it
// has one. The ruleset's comment lives in the rules rather than on the
// sets because rules can be replaced in place and sets cannot be changed
// without being recreated, which would open a gap in enforcement.
func ruleComment(verb string, id ruleID, comment string) []byte {
	c := commentPrefix + verb + " " + id.name()
	if comment != "" {
		c += ": " + comment
	}
	return userdata.AppendString(nil, userdata.TypeComment, c)
}

// lookupExprs are `ip saddr @blocked4` and its kin. In an inet table the
// payload offsets depend on the family, so the rule first checks the
// packet's family (nft adds the same check implicitly).
func lookupExprs(id ruleID) []expr.Any {
	proto, off, n := byte(unix.NFPROTO_IPV4), uint32(12), uint32(4) // IPv4 source
	if id.fam == v6 {
		proto, off, n = unix.NFPROTO_IPV6, 8, 16
	}
	if id.match == MatchDestination {
		off += n
	}
	return []expr.Any{
		&expr.Meta{Key: expr.MetaKeyNFPROTO, Register: 1},
		&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: []byte{proto}},
		&expr.Payload{DestRegister: 1, Base: expr.PayloadBaseNetworkHeader, Offset: off, Len: n},
		&expr.Lookup{SourceRegister: 1, SetName: id.fam.setName()},
	}
}

// installed is the table as read from the kernel, before interpretation.
type installed struct {
	table    *nftables.Table
	sets     []*nftables.Set
	elements map[string][]rawElem // by set name, for Set4 and Set6
	chains   []*nftables.Chain
	rules    map[string][]*nftables.Rule // by chain name
	counters []*nftables.CounterObj
	others   []nftables.Obj // objects that are not counters
}

// decodeLayout works out which layout produced the installed objects and
// reports whether they are exactly what build makes of it. If not (the
// table was edited by hand, or written by another version), ok is false
// and the next apply rebuilds the table; the layout is then a best effort
// for status.
func decodeLayout(in installed) (l layout, ok bool) {
	for _, s := range in.sets {
		for _, f := range families {
			if s.Name == f.setName() {
				l.fam[f] = true
			}
		}
	}
	commented := false
	for _, c := range in.chains {
		for _, r := range in.rules[c.Name] {
			verb, name, comment, found := parseComment(r.UserData)
			if !found {
				continue
			}
			if !commented {
				l.comment, commented = comment, true
			}
			switch {
			case strings.HasPrefix(name, "input_src_"):
				l.inputSrc = true
			case strings.HasPrefix(name, "forward_src_"):
				l.fwdSrc = true
			case strings.HasPrefix(name, "forward_dst_"):
				l.fwdDst = true
			case strings.HasPrefix(name, "output_dst_"):
				l.outputDst = true
			}
			if verb == "log" && !l.logOn {
				l.logOn = true
				for _, e := range r.Exprs {
					switch e := e.(type) {
					case *expr.Limit:
						l.log.PerMinute, l.log.Burst = uint32(e.Rate), e.Burst
					case *expr.Log:
						l.log.Prefix = strings.TrimSuffix(string(e.Data), " "+name+" ")
					}
				}
			}
		}
	}
	return l, sameObjects(l.build(), in)
}

// parseComment splits a seawall rule comment into its verb, its rule
// name and the ruleset's comment.
func parseComment(ud []byte) (verb, name, comment string, ok bool) {
	c, found := userdata.GetString(ud, userdata.TypeComment)
	if !found || !strings.HasPrefix(c, commentPrefix) {
		return "", "", "", false
	}
	verb, rest, ok := strings.Cut(strings.TrimPrefix(c, commentPrefix), " ")
	name, comment, _ = strings.Cut(rest, ": ")
	return verb, name, comment, ok
}

// sameObjects reports whether the installed objects are exactly want's,
// set elements aside.
func sameObjects(want objects, in installed) bool {
	var sets []*nftables.Set
	for _, s := range want.sets {
		if s != nil {
			sets = append(sets, s)
		}
	}
	if in.table == nil || in.table.Flags != 0 || len(in.sets) != len(sets) || len(in.chains) != len(want.chains) ||
		len(in.counters) != len(want.counters) || len(in.others) != 0 {
		return false
	}
	for _, s := range sets {
		i := slices.IndexFunc(in.sets, func(t *nftables.Set) bool { return t.Name == s.Name })
		if i < 0 || !sameSet(s, in.sets[i]) {
			return false
		}
	}
	for _, name := range want.counters {
		if !slices.ContainsFunc(in.counters, func(c *nftables.CounterObj) bool { return c.Name == name }) {
			return false
		}
	}
	for _, c := range want.chains {
		i := slices.IndexFunc(in.chains, func(d *nftables.Chain) bool { return d.Name == c.Name })
		if i < 0 || !sameChain(c, in.chains[i]) {
			return false
		}
		if !sameRules(want.chainRules(c), in.rules[c.Name]) {
			return false
		}
	}
	return true
}

// chainRules returns the rules of c, in order.
func (o objects) chainRules(c *nftables.Chain) []*nftables.Rule {
	var out []*nftables.Rule
	for _, r := range o.rules {
		if r.Chain == c {
			out = append(out, r)
		}
	}
	return out
}

func sameRules(want, got []*nftables.Rule) bool {
	return slices.EqualFunc(want, got, sameRule)
}

// sameSet reports whether got can serve as want: same key type and the
// plain interval flags. A comment on the set (older versions wrote one)
// does not matter.
func sameSet(want, got *nftables.Set) bool {
	return got.Interval && !got.Constant && !got.Anonymous && !got.IsMap && !got.HasTimeout &&
		!got.Dynamic && !got.Concatenation &&
		got.KeyType.Name == want.KeyType.Name && got.KeyType.Bytes == want.KeyType.Bytes
}

func sameChain(want, got *nftables.Chain) bool {
	return got.Type == want.Type && got.Device == "" &&
		got.Hooknum != nil && *got.Hooknum == *want.Hooknum &&
		got.Priority != nil && *got.Priority == *want.Priority &&
		got.Policy != nil && *got.Policy == *want.Policy
}

// sameRule compares expressions as the kernel reports them back. The
// kernel does not echo a lookup's transaction-local set ID, so that is
// left out of the comparison.
func sameRule(want, got *nftables.Rule) bool {
	if !bytes.Equal(want.UserData, got.UserData) || len(want.Exprs) != len(got.Exprs) {
		return false
	}
	for i := range want.Exprs {
		w, g := want.Exprs[i], got.Exprs[i]
		if wl, ok := w.(*expr.Lookup); ok {
			gl, ok := g.(*expr.Lookup)
			if !ok {
				return false
			}
			a, b := *wl, *gl
			a.SetID, b.SetID = 0, 0
			w, g = &a, &b
		}
		if !reflect.DeepEqual(w, g) {
			return false
		}
	}
	return true
}

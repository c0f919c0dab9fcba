package nft

import (
	"context"
	"errors"
	"math/rand/v2"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/google/nftables"

	"github.com/seawall/seawall/internal/geo"
	"github.com/seawall/seawall/internal/prefixset"
)

// generation reads the namespace's ruleset generation, which the kernel
// bumps once per committed transaction.
func generation(tb testing.TB, ns *netns) uint32 {
	tb.Helper()
	c, err := nftables.New(nftables.WithNetNSFd(ns.fd()))
	if err != nil {
		tb.Fatal(err)
	}
	g, err := c.GetGen()
	if err != nil {
		tb.Fatal(err)
	}
	return g.ID
}

// TestApplyTransactions checks that each apply is one transaction (the
// generation moves by one) and sends only what changed, that a fresh
// Backend (as a new `seawall block apply` process has) recognises the
// table it finds and sends a delta too, and that an apply with nothing to
// do sends nothing.
func TestApplyTransactions(t *testing.T) {
	requireKernel(t)
	ns := newNetns(t, "tx")
	ctx := context.Background()
	base := testRuleset(t)
	base.Inbound = true
	more := base
	more.V4 = prefixset.Aggregate(append(slices.Clone(base.V4), pfx(t, "203.0.113.0/24")...))
	logged := more
	logged.Log = &LogConfig{Prefix: "cn"}

	steps := []struct {
		name    string
		fresh   bool // a new Backend, with nothing cached
		rs      Ruleset
		action  Action
		added4  []string
		removed []string
		elems4  [2]int // added, removed
	}{
		{"create", false, base, Created, []string{"0.0.0.0/32", "192.0.2.0/25", "198.51.100.0/24", "255.255.255.255/32"}, nil, [2]int{7, 0}},
		{"unchanged", false, base, Unchanged, nil, nil, [2]int{}},
		{"add a prefix", false, more, Updated, []string{"203.0.113.0/24"}, nil, [2]int{2, 0}},
		{"remove it, new process", true, base, Updated, nil, []string{"203.0.113.0/24"}, [2]int{0, 2}},
		{"unchanged, new process", true, base, Unchanged, nil, nil, [2]int{}},
		{"logging and a prefix", false, logged, Rebuilt, []string{"203.0.113.0/24"}, nil, [2]int{2, 0}},
		{"logging off, new process", true, more, Rebuilt, nil, nil, [2]int{}},
		{"outbound too", false, func() Ruleset { r := more; r.Outbound = true; return r }(), Rebuilt, nil, nil, [2]int{}},
		{"IPv4 only", false, func() Ruleset { r := more; r.Outbound, r.IPv6, r.V6 = true, false, nil; return r }(), Rebuilt, nil, nil, [2]int{}},
		{"IPv6 back", false, func() Ruleset { r := more; r.Outbound = true; return r }(), Rebuilt, nil, nil, [2]int{}},
	}
	b := newBackend(t, ns)
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			if st.fresh {
				b = newBackend(t, ns)
			}
			before := generation(t, ns)
			rep, err := b.Apply(ctx, st.rs, Guard{Force: true})
			if err != nil {
				t.Fatal(err)
			}
			after := generation(t, ns)
			want := uint32(1)
			if st.action == Unchanged {
				want = 0
			}
			if after-before != want {
				t.Errorf("generation moved by %d, want %d (one transaction per apply)", after-before, want)
			}
			if rep.Action != st.action {
				t.Errorf("action %v, want %v", rep.Action, st.action)
			}
			if diff := cmp.Diff(pfx(t, st.added4...), rep.V4.Added, prefixCmp, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("IPv4 added (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(pfx(t, st.removed...), rep.V4.Removed, prefixCmp, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("IPv4 removed (-want +got):\n%s", diff)
			}
			if got := [2]int{rep.V4.ElementsAdded, rep.V4.ElementsRemoved}; got != st.elems4 {
				t.Errorf("IPv4 elements added, removed = %v, want %v", got, st.elems4)
			}
			status, err := newBackend(t, ns).Installed(ctx)
			if err != nil {
				t.Fatal(err)
			}
			checkStatus(t, ns, status, st.rs)
		})
	}
}

// failNext makes the kernel reject the next transaction b sends, by
// appending a deletion of a table that does not exist.
func failNext(b *Backend) {
	b.beforeFlush = func(c *nftables.Conn) {
		c.DelTable(&nftables.Table{Name: "seawall-no-such-table", Family: nftables.TableFamilyINet})
		b.beforeFlush = nil
	}
}

// TestApplyFailureKeepsRuleset makes the kernel reject each kind of
// transaction and checks that nothing of it took effect: no commit, the
// same table as nft lists it, the same status; and that the next apply
// (which can no longer trust what it remembered) works.
func TestApplyFailureKeepsRuleset(t *testing.T) {
	requireKernel(t)
	ns := newNetns(t, "fail")
	ctx := context.Background()
	base := testRuleset(t)
	base.Inbound = true
	b := newBackend(t, ns)

	failNext(b)
	if _, err := b.Apply(ctx, base, Guard{}); err == nil || !strings.Contains(err.Error(), "previous ruleset stays in force") {
		t.Fatalf("create with a failing transaction: err = %v", err)
	}
	if v := readNftView(t, ns); v.present {
		t.Fatal("a failed create left a table behind")
	}
	if _, err := b.Apply(ctx, base, Guard{}); err != nil {
		t.Fatal(err)
	}

	more := base
	more.V4 = append(slices.Clone(base.V4), pfx(t, "203.0.113.0/24")...)
	reshaped := more
	reshaped.Outbound, reshaped.Log, reshaped.IPv6, reshaped.V6 = true, &LogConfig{}, false, nil
	for _, tt := range []struct {
		name string
		rs   Ruleset
	}{
		{"update", more},
		{"rebuild", reshaped},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before, gen := readNftView(t, ns), generation(t, ns)
			failNext(b)
			_, err := b.Apply(ctx, tt.rs, Guard{Force: true})
			if err == nil {
				t.Fatal("Apply succeeded with a failing transaction")
			}
			t.Logf("error: %v", err)
			if g := generation(t, ns); g != gen {
				t.Errorf("generation moved from %d to %d: something was committed", gen, g)
			}
			if diff := cmp.Diff(before, readNftView(t, ns), cmp.AllowUnexported(nftView{}), prefixCmp); diff != "" {
				t.Errorf("table changed by a failed apply (-before +after):\n%s", diff)
			}
			st, err := b.Installed(ctx)
			if err != nil {
				t.Fatal(err)
			}
			checkStatus(t, ns, st, base)
			if _, err := b.Apply(ctx, tt.rs, Guard{Force: true}); err != nil {
				t.Fatalf("apply after the failure: %v", err)
			}
			st, err = b.Installed(ctx)
			if err != nil {
				t.Fatal(err)
			}
			checkStatus(t, ns, st, tt.rs)
			if _, err := b.Apply(ctx, base, Guard{Force: true}); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestConcurrentWriter lets another process commit between the Backend's
// read and its commit. The kernel refuses the stale transaction (its
// generation check), and the Backend reads the table again and retries,
// so the other writer's change is neither lost track of nor clobbered
// blindly: the retry sees the foreign element and removes it.
func TestConcurrentWriter(t *testing.T) {
	requireKernel(t)
	ns := newNetns(t, "race")
	ctx := context.Background()
	base := testRuleset(t)
	base.Inbound = true
	b := newBackend(t, ns)
	if _, err := b.Apply(ctx, base, Guard{}); err != nil {
		t.Fatal(err)
	}
	more := base
	more.V4 = prefixset.Aggregate(append(slices.Clone(base.V4), pfx(t, "203.0.113.0/24")...))
	nft := newNftRunner(t, ns)
	script := nft.write(t, "add element inet seawall blocked4 { 10.9.9.0/24 }\n")
	flushes := 0
	b.beforeFlush = func(*nftables.Conn) {
		flushes++
		if flushes == 1 {
			if err := nft.run(script); err != nil {
				t.Error(err)
			}
		}
	}
	gen := generation(t, ns)
	rep, err := b.Apply(ctx, more, Guard{MaxShrinkPercent: 50})
	if err != nil {
		t.Fatal(err)
	}
	if flushes != 2 {
		t.Errorf("%d transactions sent, want 2 (the stale one and the retry)", flushes)
	}
	if g := generation(t, ns); g != gen+2 {
		t.Errorf("generation moved by %d, want 2 (the other writer's commit and ours)", g-gen)
	}
	if !slices.Equal(rep.V4.Added, pfx(t, "203.0.113.0/24")) || !slices.Equal(rep.V4.Removed, pfx(t, "10.9.9.0/24")) {
		t.Errorf("report %+v: want 203.0.113.0/24 added and the foreign 10.9.9.0/24 removed", rep.V4)
	}
	st, err := newBackend(t, ns).Installed(ctx)
	if err != nil {
		t.Fatal(err)
	}
	checkStatus(t, ns, st, more)
}

// TestGuardRefuses checks that a refused apply sends nothing.
func TestGuardRefuses(t *testing.T) {
	requireKernel(t)
	ns := newNetns(t, "guard")
	ctx := context.Background()
	base := testRuleset(t)
	base.Inbound = true
	b := newBackend(t, ns)
	empty := base
	empty.V6 = nil
	if _, err := b.Apply(ctx, empty, Guard{Force: true}); !errors.Is(err, ErrEmptySet) {
		t.Fatalf("first apply with an empty IPv6 set: err = %v, want ErrEmptySet", err)
	}
	if v := readNftView(t, ns); v.present {
		t.Fatal("a refused apply created the table")
	}
	if _, err := b.Apply(ctx, base, Guard{}); err != nil {
		t.Fatal(err)
	}
	shrunk := base
	shrunk.V4 = prefixset.Subtract(base.V4, pfx(t, "198.51.100.0/24"))
	gen := generation(t, ns)
	if _, err := b.Apply(ctx, shrunk, Guard{MaxShrinkPercent: 5}); !errors.Is(err, ErrShrink) {
		t.Fatalf("shrinking IPv4 by 2/3: err = %v, want ErrShrink", err)
	}
	if _, err := b.Apply(ctx, empty, Guard{Force: true}); !errors.Is(err, ErrEmptySet) {
		t.Fatalf("emptying IPv6 with force: err = %v, want ErrEmptySet", err)
	}
	if g := generation(t, ns); g != gen {
		t.Fatalf("refused applies committed something (generation %d -> %d)", gen, g)
	}
	if _, err := b.Apply(ctx, shrunk, Guard{MaxShrinkPercent: 5, Force: true}); err != nil {
		t.Fatalf("forced shrink: %v", err)
	}
}

// TestOtherWriters changes the table behind the Backend's back, with the
// nft CLI, and checks that the next apply notices (the generation moved)
// and converges: a foreign element is removed, a foreign rule, chain,
// set and counter go, a hand-made table written by nft -f is taken over.
func TestOtherWriters(t *testing.T) {
	requireKernel(t)
	ns := newNetns(t, "others")
	ctx := context.Background()
	rs := testRuleset(t)
	rs.Inbound, rs.Outbound = true, true
	b := newBackend(t, ns)
	if _, err := b.Apply(ctx, rs, Guard{}); err != nil {
		t.Fatal(err)
	}
	nft := newNftRunner(t, ns)
	run := func(script string) {
		t.Helper()
		if err := nft.run(nft.write(t, script)); err != nil {
			t.Fatal(err)
		}
	}

	run("add element inet seawall blocked4 { 10.9.9.0/24 }\n")
	// Removing the foreign /24 shrinks the set by 40%: the guard counts it.
	if _, err := b.Apply(ctx, rs, Guard{MaxShrinkPercent: 5}); !errors.Is(err, ErrShrink) {
		t.Fatalf("removing a foreign element: err = %v, want ErrShrink", err)
	}
	rep, err := b.Apply(ctx, rs, Guard{MaxShrinkPercent: 50})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Action != Updated || !slices.Equal(rep.V4.Removed, pfx(t, "10.9.9.0/24")) {
		t.Errorf("after a foreign element: %+v, want an update removing 10.9.9.0/24", rep)
	}

	run("add rule inet seawall input accept\nadd chain inet seawall extra\nadd set inet seawall other { type ipv4_addr; }\nadd counter inet seawall stray\nadd quota inet seawall q { over 1 mbytes }\n")
	st, err := b.Installed(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !st.Modified {
		t.Error("Installed does not report a hand-edited table as modified")
	}
	if rep, err = b.Apply(ctx, rs, Guard{}); err != nil || rep.Action != Rebuilt {
		t.Fatalf("after hand edits: %+v, %v; want a rebuild", rep, err)
	}
	st, err = b.Installed(ctx)
	if err != nil {
		t.Fatal(err)
	}
	checkStatus(t, ns, st, rs)
	view := readNftView(t, ns)
	if _, ok := view.sets["other"]; ok || len(view.counters) != len(st.Counters) {
		t.Errorf("foreign objects survived: sets %v counters %v", view.sets, view.counters)
	}

	// A table written entirely by nft -f, as an operator might have done,
	// with nft's own encoding of intervals (its zero element), is
	// recognised as seawall's and updated with a delta.
	if _, err := b.Remove(ctx); err != nil {
		t.Fatal(err)
	}
	logged := rs
	logged.Log = &LogConfig{}
	run(nftScript(logged))
	fresh := newBackend(t, ns)
	st, err = fresh.Installed(ctx)
	if err != nil {
		t.Fatal(err)
	}
	checkStatus(t, ns, st, logged)
	if rep, err = fresh.Apply(ctx, logged, Guard{}); err != nil || rep.Action != Unchanged {
		t.Fatalf("applying what nft -f installed: %+v, %v; want unchanged", rep, err)
	}

	// Other tables are never touched.
	run("table inet filter {\n chain input {\n type filter hook input priority 0; policy accept;\n counter\n }\n}\n" +
		"table ip nat {\n chain post {\n type nat hook postrouting priority 100;\n }\n}\n")
	if _, err := fresh.Apply(ctx, rs, Guard{}); err != nil {
		t.Fatal(err)
	}
	if removed, err := fresh.Remove(ctx); err != nil || !removed {
		t.Fatalf("Remove() = %v, %v", removed, err)
	}
	out := string(ns.cmd(t, nil, "nft", "list", "tables"))
	if strings.Contains(out, "seawall") || !strings.Contains(out, "table inet filter") || !strings.Contains(out, "table ip nat") {
		t.Errorf("tables after Remove:\n%s\nwant inet filter and ip nat, and no seawall", out)
	}
}

// TestRandomUpdates applies a random walk of rulesets (prefixes drawn
// around the documentation ranges and the ends of both spaces, so that
// intervals split, merge, grow and shrink, plus layout changes), with a
// warm and a fresh Backend in turn, and checks every step against what a
// fresh Backend and nft read back.
func TestRandomUpdates(t *testing.T) {
	requireKernel(t)
	ns := newNetns(t, "random")
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(5, 6))
	pick4 := []string{"192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24", "0.0.0.0/8", "255.255.255.0/24"}
	pick6 := []string{"2001:db8::/32", "ffff::/16", "::/16"}
	random := func(bases []string, n int) []netip.Prefix {
		var out []netip.Prefix
		for range 1 + rng.IntN(n) {
			base := netip.MustParsePrefix(bases[rng.IntN(len(bases))])
			bits := base.Addr().BitLen()
			extra := rng.IntN(min(8, bits-base.Bits()) + 1)
			a := prefixset.FromAddr(base.Addr())
			shift := bits - base.Bits() - extra
			off := prefixset.U128{Lo: uint64(rng.IntN(1 << extra))}
			for range shift {
				off = off.Add(off)
			}
			out = append(out, netip.PrefixFrom(a.Add(off).Addr(bits), base.Bits()+extra))
		}
		return prefixset.Aggregate(out)
	}
	warm := newBackend(t, ns)
	for step := range 60 {
		rs := Ruleset{
			IPv4: true, IPv6: rng.IntN(5) > 0,
			Inbound: rng.IntN(2) == 0, Outbound: rng.IntN(2) == 0, Forward: rng.IntN(4) == 0,
			Comment: []string{"", "seawall test"}[rng.IntN(2)],
		}
		if !rs.Inbound && !rs.Outbound {
			rs.Forward = true
		}
		if rng.IntN(4) == 0 {
			rs.Log = &LogConfig{PerMinute: uint32(1 + rng.IntN(3))}
		}
		rs.V4 = random(pick4, 6)
		if rs.IPv6 {
			rs.V6 = random(pick6, 4)
		}
		b := warm
		if step%3 == 2 {
			b = newBackend(t, ns)
		}
		if step%10 == 7 {
			// Another writer adds an element the ruleset does not have.
			r := newNftRunner(t, ns)
			if err := r.run(r.write(t, "add element inet seawall blocked4 { 10.0.0.0/8 }\n")); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := b.Apply(ctx, rs, Guard{Force: true}); err != nil {
			t.Fatalf("step %d: %v\nruleset %+v", step, err, rs)
		}
		st, err := newBackend(t, ns).Installed(ctx)
		if err != nil {
			t.Fatal(err)
		}
		checkStatus(t, ns, st, rs)
		if t.Failed() {
			t.Fatalf("step %d: ruleset %+v", step, rs)
		}
	}
}

// TestLargeSets installs the real CN list (both families) from the
// embedded database, which v0.3.0 of the netlink library could not send
// ("message too long"), and, unless -short, the whole world as one set
// per family.
func TestLargeSets(t *testing.T) {
	requireKernel(t)
	db, err := geo.World()
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name  string
		codes []string
	}{{"CN", []string{"CN"}}}
	if !testing.Short() {
		var all []string
		for _, c := range db.Countries {
			all = append(all, c.Code)
		}
		cases = append(cases, struct {
			name  string
			codes []string
		}{"world", all})
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rs := worldRuleset(t, db, c.codes...)
			ns := newNetns(t, "large")
			b := newBackend(t, ns)
			if _, err := b.Apply(context.Background(), rs, Guard{}); err != nil {
				t.Fatal(err)
			}
			st, err := newBackend(t, ns).Installed(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if st.Modified {
				t.Error("installed table reads back as modified")
			}
			if diff := cmp.Diff(rs.V4, st.Ruleset.V4, prefixCmp); diff != "" {
				t.Errorf("IPv4 set read back (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(rs.V6, st.Ruleset.V6, prefixCmp); diff != "" {
				t.Errorf("IPv6 set read back (-want +got):\n%s", diff)
			}
			t.Logf("%s: %d + %d prefixes, %d + %d elements", c.name, len(rs.V4), len(rs.V6), st.Elements4, st.Elements6)
			if c.name == "CN" {
				checkStatus(t, ns, st, rs) // nft's own reading, too
			}
		})
	}
}

// worldRuleset blocks the named countries of db in every direction.
func worldRuleset(tb testing.TB, db *geo.DB, codes ...string) Ruleset {
	tb.Helper()
	ps, err := db.Ranges(codes...)
	if err != nil {
		tb.Fatal(err)
	}
	ps = prefixset.Aggregate(ps)
	rs := Ruleset{IPv4: true, IPv6: true, Inbound: true, Outbound: true, Forward: true, Comment: "seawall block"}
	for _, p := range ps {
		if p.Addr().Is4() {
			rs.V4 = append(rs.V4, p)
		} else {
			rs.V6 = append(rs.V6, p)
		}
	}
	return rs
}

package nft

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/seawall/seawall/internal/geo"
	"github.com/seawall/seawall/internal/prefixset"
)

// The benchmarks compare Apply with the nft CLI doing the identical
// change (`nft -f` of a script that creates the same table, byte for byte
// the same rules, see TestOtherWriters) in the same run, each in a
// namespace of its own. Compare with:
//
//	go test -run '^$' -bench . -count 5 ./internal/enforce/nft/ | tee bench.txt
//	go tool -modfile=tools/go.mod benchstat -col /impl bench.txt

func benchWorld(b *testing.B) *geo.DB {
	b.Helper()
	requireKernel(b)
	db, err := geo.World()
	if err != nil {
		b.Fatal(err)
	}
	return db
}

// benchCreate measures creating the table with rs from nothing, both
// ways. Removing it between iterations is not measured, nor is the
// kernel's deferred freeing of the removed table (after an RCU grace
// period, on a worker thread), which would otherwise compete for the CPU
// with the next measured apply.
func settle(b *testing.B, be *Backend) {
	b.Helper()
	b.StopTimer()
	if _, err := be.Remove(context.Background()); err != nil {
		b.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond)
	b.StartTimer()
}

// benchCreate measures creating the table with rs from nothing, both
// ways (see settle).
func benchCreate(b *testing.B, rs Ruleset, withNft bool) {
	b.Run("impl=seawall", func(b *testing.B) {
		ns := newNetns(b, "bench")
		be := New(WithNetNS(ns.fd()))
		b.Cleanup(func() { _ = be.Close() })
		ctx := context.Background()
		for b.Loop() {
			settle(b, be)
			if _, err := be.Apply(ctx, rs, Guard{}); err != nil {
				b.Fatal(err)
			}
		}
	})
	if !withNft {
		return
	}
	b.Run("impl=nft-f", func(b *testing.B) {
		ns := newNetns(b, "bench")
		be := New(WithNetNS(ns.fd()))
		b.Cleanup(func() { _ = be.Close() })
		nft := newNftRunner(b, ns)
		script := nft.write(b, nftScript(rs))
		for b.Loop() {
			settle(b, be)
			if err := nft.run(script); err != nil {
				b.Fatal(err)
			}
		}
		b.StopTimer()
		checkInstalled(b, be, rs)
	})
}

// checkInstalled makes sure a benchmark measured the real thing.
func checkInstalled(b *testing.B, be *Backend, rs Ruleset) {
	b.Helper()
	st, err := be.Installed(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	if st.Modified || !slices.Equal(st.Ruleset.V4, rs.V4) || !slices.Equal(st.Ruleset.V6, rs.V6) {
		b.Fatalf("installed table differs from the ruleset (modified=%v, %d/%d IPv4 and %d/%d IPv6 prefixes)",
			st.Modified, len(st.Ruleset.V4), len(rs.V4), len(st.Ruleset.V6), len(rs.V6))
	}
}

// BenchmarkApplyCN is the first apply of the CN list, both families, all
// directions: table, sets with every element, counters, chains and rules
// in one transaction.
func BenchmarkApplyCN(b *testing.B) {
	benchCreate(b, worldRuleset(b, benchWorld(b), "CN"), true)
}

// BenchmarkApplyWorld is the stress case: every country of the database
// as one merged set per family.
func BenchmarkApplyWorld(b *testing.B) {
	db := benchWorld(b)
	var all []string
	for _, c := range db.Countries {
		all = append(all, c.Code)
	}
	benchCreate(b, worldRuleset(b, db, all...), true)
}

// BenchmarkUpdateCN adds four prefixes to the installed CN set, then
// removes them again (alternate iterations), against nft adding and
// deleting the same elements of the same set. seawall-cold is a new
// Backend per apply, as a one-shot `seawall block apply` process is: it
// reads the table and its sets from the kernel before diffing.
func BenchmarkUpdateCN(b *testing.B) {
	base := worldRuleset(b, benchWorld(b), "CN")
	extra := pfx(b, "192.0.2.0/24", "198.51.100.0/24", "233.252.0.0/24", "198.18.0.0/15") // not adjacent to CN
	plus := base
	plus.V4 = prefixset.Aggregate(append(slices.Clone(base.V4), extra...))
	if added, _ := prefixset.Diff(base.V4, plus.V4); !slices.Equal(added, prefixset.Aggregate(extra)) {
		b.Fatalf("the extra prefixes overlap CN: added %v", added)
	}
	ctx := context.Background()
	setup := func(b *testing.B) (*netns, *Backend) {
		ns := newNetns(b, "bench")
		be := New(WithNetNS(ns.fd()))
		if _, err := be.Apply(ctx, base, Guard{}); err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { _ = be.Close() })
		return ns, be
	}
	for _, impl := range []string{"seawall", "seawall-cold"} {
		b.Run("impl="+impl, func(b *testing.B) {
			ns, be := setup(b)
			steps, i := []Ruleset{plus, base}, 0
			for b.Loop() {
				if impl == "seawall-cold" {
					// Closing the socket is the process's exit, not the
					// apply: outside the measurement.
					b.StopTimer()
					_ = be.Close()
					be = New(WithNetNS(ns.fd()))
					b.StartTimer()
				}
				rep, err := be.Apply(ctx, steps[i%2], Guard{MaxShrinkPercent: 5})
				if err != nil {
					b.Fatal(err)
				}
				if rep.Action != Updated || rep.V4.ElementsAdded+rep.V4.ElementsRemoved != 8 {
					b.Fatalf("apply %d: %+v, want an update of 8 elements", i, rep)
				}
				i++
			}
		})
	}
	b.Run("impl=nft-f", func(b *testing.B) {
		ns, be := setup(b)
		nft := newNftRunner(b, ns)
		scripts := []string{nft.write(b, elementScript("add", v4, extra)), nft.write(b, elementScript("delete", v4, extra))}
		i := 0
		for b.Loop() {
			if err := nft.run(scripts[i%2]); err != nil {
				b.Fatal(err)
			}
			i++
		}
		b.StopTimer()
		if i%2 == 1 {
			checkInstalled(b, be, plus)
		} else {
			checkInstalled(b, be, base)
		}
	})
}

// BenchmarkPlanCN is the in-memory part of a CN update: turning the
// ruleset into spans and diffing them with what is installed. It needs no
// root.
func BenchmarkPlanCN(b *testing.B) {
	db, err := geo.World()
	if err != nil {
		b.Fatal(err)
	}
	base := worldRuleset(b, db, "CN")
	plus := base
	plus.V4 = prefixset.Aggregate(append(slices.Clone(base.V4), pfx(b, "192.0.2.0/24", "198.51.100.0/24", "233.252.0.0/24", "198.18.0.0/15")...))
	cur := &state{present: true, exact: true, layout: base.layout(), setOK: [2]bool{true, true}}
	cur.spans = prepare(base).spans
	b.ReportAllocs()
	for b.Loop() {
		p := makePlan(cur, prepare(plus))
		if p.report.V4.ElementsAdded != 8 {
			b.Fatalf("%+v", p.report)
		}
	}
}

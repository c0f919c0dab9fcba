package nft

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/seawall/seawall/internal/geo"
	"github.com/seawall/seawall/internal/prefixset"
)

func TestDbgTiming(t *testing.T) {
	requireKernel(t)
	db := benchWorldT(t)
	base := worldRuleset(t, db, "CN")
	plus := base
	plus.V4 = prefixset.Aggregate(append(slices.Clone(base.V4), pfx(t, "192.0.2.0/24")...))
	ns := newNetns(t, "dbg")
	b := New(WithNetNS(ns.fd()))
	if _, err := b.Apply(context.Background(), base, Guard{}); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 6; i++ {
		rs := []Ruleset{plus, base}[i%2]
		t0 := time.Now()
		want := prepare(rs)
		t1 := time.Now()
		conn, _ := b.dial()
		t2 := time.Now()
		cur, err := b.current(conn)
		if err != nil {
			t.Fatal(err)
		}
		t3 := time.Now()
		p := makePlan(cur, want)
		t4 := time.Now()
		if err := b.send(conn, cur, want, p); err != nil {
			t.Fatal(err)
		}
		t5 := time.Now()
		gen, _ := conn.GetGen()
		b.cache = &state{gen: gen.ID, present: true, layout: want.layout, exact: true, spans: want.spans, setOK: want.layout.fam}
		t6 := time.Now()
		conn.CloseLasting()
		t7 := time.Now()
		t.Logf("prepare %v dial %v current %v plan %v send %v getgen %v close %v", t1.Sub(t0), t2.Sub(t1), t3.Sub(t2), t4.Sub(t3), t5.Sub(t4), t6.Sub(t5), t7.Sub(t6))
	}
}

func benchWorldT(t *testing.T) *geo.DB {
	db, err := geo.World()
	if err != nil {
		t.Fatal(err)
	}
	return db
}

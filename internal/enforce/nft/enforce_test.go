package nft

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/google/nftables/userdata"
)

// TestEnforce is the end-to-end test in namespaces: with each set of
// directions installed on the gateway, TCP, UDP and ICMP over IPv4 and
// IPv6 to and from the blocked addresses are dropped where the
// directions say, other and allow-listed addresses pass, the counters of
// exactly the rules that dropped traffic move, and removing the table
// restores everything. The directions are switched on the same gateway,
// so each switch is also a rebuild of a live table.
func TestEnforce(t *testing.T) {
	requireKernel(t)
	topo := newTopology(t)
	ctx := context.Background()
	b := New(WithNetNS(topo.gw.fd()))

	t.Run("nothing installed", func(t *testing.T) {
		topo.runMatrix(t, topo.expectations(nil))
	})

	configs := []struct {
		name                       string
		inbound, outbound, forward bool
	}{
		{"inbound", true, false, false},
		{"outbound", false, true, false},
		{"both ways", true, true, true},
		{"forward only", false, false, true},
	}
	for _, c := range configs {
		t.Run(c.name, func(t *testing.T) {
			rs := testRuleset(t)
			rs.Inbound, rs.Outbound, rs.Forward = c.inbound, c.outbound, c.forward
			rep, err := b.Apply(ctx, rs, Guard{})
			if err != nil {
				t.Fatal(err)
			}
			if rep.Action != Created && rep.Action != Rebuilt {
				t.Errorf("applying new directions: action %v, want created or rebuilt", rep.Action)
			}
			before, err := b.Installed(ctx)
			if err != nil {
				t.Fatal(err)
			}
			checkStatus(t, topo.gw, before, rs)

			moved := topo.runMatrix(t, topo.expectations(&rs))

			after, err := b.Installed(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if len(after.Counters) != len(before.Counters) {
				t.Fatalf("counters changed from %v to %v", before.Counters, after.Counters)
			}
			for i, c := range after.Counters {
				d := c.Packets - before.Counters[i].Packets
				switch {
				case moved[c.Name] && (d == 0 || c.Bytes == before.Counters[i].Bytes):
					t.Errorf("counter %s did not move (%d packets, %d bytes), but its rule had traffic to drop", c.Name, c.Packets, c.Bytes)
				case !moved[c.Name] && d != 0:
					t.Errorf("counter %s moved by %d packets, but no traffic should have hit its rule", c.Name, d)
				}
				delete(moved, c.Name)
			}
			for name := range moved {
				t.Errorf("traffic should have been dropped by %s, which is not installed", name)
			}
			// nft reads the same counters.
			view := readNftView(t, topo.gw)
			for _, c := range after.Counters {
				if got := view.counters[c.Name]; got != [2]uint64{c.Packets, c.Bytes} {
					t.Errorf("counter %s: nft reads %v, Installed %d packets %d bytes", c.Name, got, c.Packets, c.Bytes)
				}
			}
		})
	}

	t.Run("remove", func(t *testing.T) {
		removed, err := b.Remove(ctx)
		if err != nil || !removed {
			t.Fatalf("Remove() = %v, %v, want true, nil", removed, err)
		}
		if v := readNftView(t, topo.gw); v.present {
			t.Fatal("table inet seawall still listed by nft after Remove")
		}
		st, err := b.Installed(ctx)
		if err != nil || st.Present {
			t.Fatalf("Installed() after Remove = %+v, %v", st, err)
		}
		topo.runMatrix(t, topo.expectations(nil))
		removed, err = b.Remove(ctx)
		if err != nil || removed {
			t.Fatalf("second Remove() = %v, %v, want false, nil", removed, err)
		}
	})
}

// checkStatus compares what Installed reports, and what nft lists, with
// the ruleset that was applied.
func checkStatus(t *testing.T, ns *netns, st Status, rs Ruleset) {
	t.Helper()
	if !st.Present || st.Modified {
		t.Fatalf("Installed: present=%v modified=%v, want true, false", st.Present, st.Modified)
	}
	want := rs.layout().ruleset()
	want.V4, want.V6 = aggregate(rs.V4), aggregate(rs.V6)
	if diff := cmp.Diff(want, st.Ruleset, prefixCmp, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("Installed ruleset (-want +got):\n%s", diff)
	}
	view := readNftView(t, ns)
	if !view.present {
		t.Fatal("nft does not list table inet seawall")
	}
	for _, f := range families {
		if !rs.enabled(f) {
			if _, ok := view.sets[f.setName()]; ok {
				t.Errorf("nft lists set %s for a family that is not enforced", f.setName())
			}
			continue
		}
		if diff := cmp.Diff(aggregate(rs.prefixes(f)), view.sets[f.setName()], prefixCmp, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("set %s as nft reads it (-want +got):\n%s", f.setName(), diff)
		}
	}
	var rules []string
	for _, r := range rs.layout().build().rules {
		c, _ := userdata.GetString(r.UserData, userdata.TypeComment)
		rules = append(rules, r.Chain.Name+": "+c)
	}
	// Chains are listed in the order they were created; rules in a chain
	// in their order.
	byChain := func(a, b string) int { return strings.Compare(strings.Split(a, ":")[0], strings.Split(b, ":")[0]) }
	slices.SortStableFunc(rules, byChain)
	slices.SortStableFunc(view.rules, byChain)
	if diff := cmp.Diff(rules, view.rules); diff != "" {
		t.Errorf("rules as nft lists them (-want +got):\n%s", diff)
	}
}

package enforce

import (
	"math"
	"net/netip"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/seawall/seawall/internal/geo"
)

func TestPlan(t *testing.T) {
	t.Parallel()
	compile := func(f func(*Config)) *Desired {
		t.Helper()
		c := DefaultConfig()
		f(&c)
		d, err := Compile(testDB(), c)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	def := compile(func(*Config) {})
	type fam struct {
		Added, Removed []netip.Prefix
		Before, After  int // prefixes
		Shrink         float64
	}
	tests := []struct {
		name                string
		installed, desired  *Desired
		v4, v6              fam
		policyChanged, data bool
		empty               bool
	}{
		{"nothing installed", nil, def,
			fam{Added: def.V4, After: 3}, fam{Added: def.V6, After: 1}, true, true, false},
		{"no change", def, compile(func(*Config) {}),
			fam{Before: 3, After: 3}, fam{Before: 1, After: 1}, false, false, true},
		{"allow shrinks", def, compile(func(c *Config) { c.Allow = []string{"192.0.2.0/25"} }),
			fam{Removed: pfx("192.0.2.0/25"), Before: 3, After: 3, Shrink: 100 * 128.0 / 768}, fam{Before: 1, After: 1}, true, false, false},
		{"family dropped", def, compile(func(c *Config) { c.Families = []Family{IPv4} }),
			fam{Before: 3, After: 3}, fam{Removed: def.V6, Before: 1, Shrink: 100}, true, false, false},
		{"country added", def, compile(func(c *Config) { c.Countries = []string{"CN", "US"} }),
			fam{Added: pfx("198.18.0.0/15"), Before: 3, After: 4}, fam{Before: 1, After: 1}, true, false, false},
		{"remove all", def, nil,
			fam{Removed: def.V4, Before: 3, Shrink: 100}, fam{Removed: def.V6, Before: 1, Shrink: 100}, true, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ch := Plan(tt.installed, tt.desired)
			for _, f := range []struct {
				fam  Family
				want fam
			}{{IPv4, tt.v4}, {IPv6, tt.v6}} {
				fc := ch.Family(f.fam)
				got := fam{fc.Added, fc.Removed, fc.Before.Prefixes, fc.After.Prefixes, fc.ShrinkPercent()}
				if diff := cmp.Diff(f.want, got, prefixCmp, cmpopts.EquateEmpty(), cmpopts.EquateApprox(0, 1e-9)); diff != "" {
					t.Errorf("%s (-want +got):\n%s", f.fam, diff)
				}
			}
			if ch.PolicyChanged != tt.policyChanged || ch.DataChanged != tt.data || ch.Empty() != tt.empty {
				t.Errorf("PolicyChanged %v DataChanged %v Empty %v; want %v %v %v", ch.PolicyChanged, ch.DataChanged, ch.Empty(), tt.policyChanged, tt.data, tt.empty)
			}
		})
	}
}

func TestPlanDataChange(t *testing.T) {
	t.Parallel()
	d1, err := Compile(testDB(), DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	b := geo.NewBuilder()
	b.Add("CN", pfx("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24", "2001:db8::/32")...)
	d2, err := Compile(b.Build(geo.Meta{Source: "test", Date: "2026-03-01"}), DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	ch := Plan(d1, d2)
	if !ch.DataChanged || ch.PolicyChanged || ch.Empty() {
		t.Errorf("new data date, same prefixes: %+v; want DataChanged only", ch)
	}
}

// TestShrinkIPv6 checks the percentage where address counts exceed what
// a float64 holds exactly.
func TestShrinkIPv6(t *testing.T) {
	t.Parallel()
	fc := Plan(&Desired{V6: pfx("2001:db8::/32", "3fff::/20")}, &Desired{V6: pfx("3fff::/20")}).Family(IPv6)
	want := 100 / (1 + math.Pow(2, 12)) // a /32 out of a /32 plus a /20
	if got := fc.ShrinkPercent(); math.Abs(got-want) > 1e-9 {
		t.Errorf("ShrinkPercent = %v, want %v", got, want)
	}
}

package nft

import (
	"errors"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/google/nftables"

	"github.com/seawall/seawall/internal/prefixset"
)

func pfx(tb testing.TB, ss ...string) []netip.Prefix {
	tb.Helper()
	out := make([]netip.Prefix, 0, len(ss))
	for _, s := range ss {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, p)
	}
	return out
}

// prefixCmp compares prefixes by value; netip types have no exported
// fields for cmp to walk.
var prefixCmp = cmp.Comparer(func(a, b netip.Prefix) bool { return a == b })

func TestValidate(t *testing.T) {
	ok := Ruleset{IPv4: true, IPv6: true, Inbound: true, V4: pfx(t, "192.0.2.0/24"), V6: pfx(t, "2001:db8::/32")}
	tests := []struct {
		name string
		edit func(*Ruleset)
		want string // substring of the error; "" for no error
	}{
		{"valid", func(*Ruleset) {}, ""},
		{"valid with log", func(r *Ruleset) { r.Log = &LogConfig{Prefix: "cn-block"} }, ""},
		{"no family", func(r *Ruleset) { r.IPv4, r.IPv6, r.V4, r.V6 = false, false, nil, nil }, "neither IPv4 nor IPv6"},
		{"no direction", func(r *Ruleset) { r.Inbound = false }, "no direction"},
		{"v4 prefixes without v4", func(r *Ruleset) { r.IPv4 = false }, "IPv4 is not enforced"},
		{"v6 prefixes without v6", func(r *Ruleset) { r.IPv6 = false }, "IPv6 is not enforced"},
		{"v6 in V4", func(r *Ruleset) { r.V4 = pfx(t, "2001:db8::/32") }, "V4[0] = 2001:db8::/32: not an IPv4 prefix"},
		{"v4 in V6", func(r *Ruleset) { r.V6 = pfx(t, "10.0.0.0/8") }, "not an IPv6 prefix"},
		{"mapped in V6", func(r *Ruleset) { r.V6 = pfx(t, "::ffff:10.0.0.0/104") }, "IPv4-mapped"},
		{"invalid prefix", func(r *Ruleset) { r.V4 = []netip.Prefix{{}} }, "not an IPv4 prefix"},
		{"long comment", func(r *Ruleset) { r.Comment = strings.Repeat("x", 129) }, "129 bytes"},
		{"NUL comment", func(r *Ruleset) { r.Comment = "a\x00b" }, "NUL"},
		{"long log prefix", func(r *Ruleset) { r.Log = &LogConfig{Prefix: strings.Repeat("x", 112)} }, "too long"},
		{"longest log prefix", func(r *Ruleset) { r.Log = &LogConfig{Prefix: strings.Repeat("x", 111)} }, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rs := ok
			tt.edit(&rs)
			err := rs.Validate()
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("Validate() = %v, want nil", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("Validate() = %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

func TestLayoutRules(t *testing.T) {
	tests := []struct {
		name string
		rs   Ruleset
		want []string
	}{
		{"inbound", Ruleset{IPv4: true, IPv6: true, Inbound: true},
			[]string{"input_src_v4", "input_src_v6", "forward_src_v4", "forward_src_v6"}},
		{"outbound", Ruleset{IPv4: true, IPv6: true, Outbound: true},
			[]string{"forward_dst_v4", "forward_dst_v6", "output_dst_v4", "output_dst_v6"}},
		{"forward", Ruleset{IPv4: true, Forward: true},
			[]string{"forward_src_v4", "forward_dst_v4"}},
		{"all, IPv6 only", Ruleset{IPv6: true, Inbound: true, Outbound: true, Forward: true},
			[]string{"input_src_v6", "forward_src_v6", "forward_dst_v6", "output_dst_v6"}},
		{"inbound and forward", Ruleset{IPv4: true, Inbound: true, Forward: true},
			[]string{"input_src_v4", "forward_src_v4", "forward_dst_v4"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, id := range tt.rs.layout().rules() {
				got = append(got, id.name())
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("rules (-want +got):\n%s", diff)
			}
		})
	}
}

// TestLayoutCanonical checks that rulesets installing the same rules have
// equal layouts (so applying one over the other is not a rebuild) and that
// decoding a layout back gives a ruleset with that layout.
func TestLayoutCanonical(t *testing.T) {
	a := Ruleset{IPv4: true, Inbound: true, Outbound: true}
	b := Ruleset{IPv4: true, Inbound: true, Outbound: true, Forward: true}
	if a.layout() != b.layout() {
		t.Errorf("layouts differ for %+v and %+v", a, b)
	}
	if a.layout() == (Ruleset{IPv4: true, Inbound: true}).layout() {
		t.Error("inbound-only has the layout of inbound+outbound")
	}
	for _, rs := range []Ruleset{
		a, b,
		{IPv4: true, Inbound: true},
		{IPv6: true, Outbound: true, Log: &LogConfig{}},
		{IPv4: true, IPv6: true, Forward: true, Comment: "c", Log: &LogConfig{Prefix: "p", PerMinute: 3, Burst: 1}},
		{IPv4: true, Inbound: true, Forward: true},
	} {
		l := rs.layout()
		if back := l.ruleset().layout(); back != l {
			t.Errorf("%+v: layout %+v decodes to a ruleset with layout %+v", rs, l, back)
		}
	}
	if x, y := (Ruleset{IPv4: true, Inbound: true, Log: &LogConfig{}}).layout(),
		(Ruleset{IPv4: true, Inbound: true, Log: &LogConfig{Prefix: DefaultLogPrefix, PerMinute: DefaultLogPerMinute, Burst: DefaultLogBurst}}).layout(); x != y {
		t.Errorf("defaulted log config differs from explicit defaults: %+v vs %+v", x, y)
	}
}

// TestDecodeLayoutRoundTrip builds the objects of each layout and checks
// that decodeLayout recognises them exactly, and that any difference in
// the objects makes them inexact.
func TestDecodeLayoutRoundTrip(t *testing.T) {
	layouts := []Ruleset{
		{IPv4: true, IPv6: true, Inbound: true, Outbound: true, Comment: "seawall block: CN"},
		{IPv4: true, Inbound: true},
		{IPv6: true, Outbound: true, Log: &LogConfig{}},
		{IPv4: true, IPv6: true, Forward: true, Log: &LogConfig{Prefix: "x", PerMinute: 60, Burst: 2}},
	}
	for _, rs := range layouts {
		l := rs.layout()
		in := asInstalled(l.build())
		got, exact := decodeLayout(in)
		if !exact || got != l {
			t.Errorf("%+v: decodeLayout = %+v, %v; want %+v, true", rs, got, exact, l)
		}
		// Drop the last rule of the first chain: no longer exact.
		in = asInstalled(l.build())
		c := in.chains[0].Name
		in.rules[c] = in.rules[c][:len(in.rules[c])-1]
		if _, exact := decodeLayout(in); exact {
			t.Errorf("%+v: a missing rule still decodes as exact", rs)
		}
		in = asInstalled(l.build())
		in.others = []nftables.Obj{&nftables.CounterObj{Name: "x"}}
		if _, exact := decodeLayout(in); exact {
			t.Errorf("%+v: a foreign object still decodes as exact", rs)
		}
		in = asInstalled(l.build())
		in.rules[c] = slices.Clone(in.rules[c])
		r := *in.rules[c][0]
		r.UserData = ruleComment("drop", ruleID{}, "edited")
		in.rules[c][0] = &r
		if got, exact := decodeLayout(in); exact && got == l {
			t.Errorf("%+v: a changed comment still decodes as the same layout", rs)
		}
	}
}

// asInstalled turns built objects into what a read of the kernel returns.
func asInstalled(o objects) installed {
	in := installed{table: o.table, rules: map[string][]*nftables.Rule{}}
	for _, s := range o.sets {
		if s != nil {
			c := *s
			in.sets = append(in.sets, &c)
		}
	}
	in.chains = o.chains
	for _, r := range o.rules {
		in.rules[r.Chain.Name] = append(in.rules[r.Chain.Name], r)
	}
	for _, name := range o.counters {
		in.counters = append(in.counters, &nftables.CounterObj{Name: name})
	}
	return in
}

func TestGuard(t *testing.T) {
	cn := Ruleset{IPv4: true, IPv6: true, Inbound: true,
		V4: pfx(t, "10.0.0.0/8"), V6: pfx(t, "2001:db8::/32")}
	with := func(v4, v6 []netip.Prefix) Ruleset { r := cn; r.V4, r.V6 = v4, v6; return r }
	tests := []struct {
		name       string
		installed  Ruleset
		desired    Ruleset
		guard      Guard
		wantErrors []error
		want       string
	}{
		{name: "first install", installed: Ruleset{}, desired: cn, guard: Guard{MaxShrinkPercent: 5}},
		{name: "unchanged", installed: cn, desired: cn},
		{name: "growth", installed: cn, desired: with(pfx(t, "10.0.0.0/7"), cn.V6)},
		{name: "shrink within limit", installed: cn, guard: Guard{MaxShrinkPercent: 5},
			desired: with(pfx(t, "10.0.0.0/9", "10.128.0.0/10", "10.192.0.0/11", "10.224.0.0/12", "10.240.0.0/13", "10.248.0.0/14", "10.252.0.0/15"), cn.V6)}, // 1/128 removed
		{name: "shrink beyond limit", installed: cn, guard: Guard{MaxShrinkPercent: 5},
			desired: with(pfx(t, "10.0.0.0/9"), cn.V6), wantErrors: []error{ErrShrink}, want: "IPv4 set would remove 50.00% of its addresses (8388608 of 16777216)"},
		{name: "shrink forced", installed: cn, guard: Guard{MaxShrinkPercent: 5, Force: true},
			desired: with(pfx(t, "10.0.0.0/9"), cn.V6)},
		{name: "IPv6 shrink beyond limit", installed: cn, guard: Guard{MaxShrinkPercent: 10},
			desired: with(cn.V4, pfx(t, "2001:db8::/33")), wantErrors: []error{ErrShrink}, want: "IPv6 set would remove 50.00%"},
		{name: "zero limit refuses any shrink", installed: cn,
			desired:    with(pfx(t, "10.0.0.0/9", "10.128.0.0/10", "10.192.0.0/11", "10.224.0.0/12", "10.240.0.0/13", "10.248.0.0/14", "10.252.0.0/15", "10.254.0.0/16", "10.255.0.0/17", "10.255.128.0/18", "10.255.192.0/19", "10.255.224.0/20", "10.255.240.0/21", "10.255.248.0/22", "10.255.252.0/23", "10.255.254.0/24", "10.255.255.0/25", "10.255.255.128/26", "10.255.255.192/27", "10.255.255.224/28", "10.255.255.240/29", "10.255.255.248/30", "10.255.255.252/31", "10.255.255.254/32"), cn.V6),
			wantErrors: []error{ErrShrink}, want: "0.00% of its addresses (1 of 16777216)"},
		{name: "empty set", installed: Ruleset{}, desired: with(nil, cn.V6), guard: Guard{Force: true},
			wantErrors: []error{ErrEmptySet}, want: "IPv4 is enforced but has no prefixes"},
		{name: "empty set and shrink", installed: cn, desired: with(nil, pfx(t, "2001:db8::/40")), guard: Guard{MaxShrinkPercent: 5},
			wantErrors: []error{ErrEmptySet, ErrShrink}},
		{name: "disabling a family", installed: cn, desired: Ruleset{IPv4: true, Inbound: true, V4: cn.V4}, guard: Guard{MaxShrinkPercent: 5},
			wantErrors: []error{ErrShrink}, want: "IPv6 set would stop enforcing it"},
		{name: "disabling a family forced", installed: cn, desired: Ruleset{IPv4: true, Inbound: true, V4: cn.V4}, guard: Guard{Force: true}},
		{name: "enabling a family", installed: Ruleset{IPv4: true, Inbound: true, V4: cn.V4}, desired: cn},
		{name: "whole IPv6 space", installed: with(cn.V4, pfx(t, "::/0")), desired: with(cn.V4, pfx(t, "::/1")), guard: Guard{MaxShrinkPercent: 49},
			wantErrors: []error{ErrShrink}, want: "IPv6 set would remove 50.00%"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.guard.Check(tt.installed, tt.desired)
			if len(tt.wantErrors) == 0 {
				if err != nil {
					t.Fatalf("Check() = %v, want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Check() = nil, want %v", tt.wantErrors)
			}
			for _, w := range tt.wantErrors {
				if !errors.Is(err, w) {
					t.Errorf("Check() = %v, want it to wrap %v", err, w)
				}
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Check() = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestPlan(t *testing.T) {
	base := Ruleset{IPv4: true, IPv6: true, Inbound: true, Outbound: true,
		V4: pfx(t, "192.0.2.0/24", "198.51.100.0/24"), V6: pfx(t, "2001:db8::/32")}
	installed := Status{Present: true, Ruleset: base}
	edit := func(f func(*Ruleset)) Ruleset { r := base; f(&r); return r }
	tests := []struct {
		name      string
		installed Status
		desired   Ruleset
		want      Report
	}{
		{"nothing installed", Status{}, base, Report{Action: Created,
			V4: Change{Added: pfx(t, "192.0.2.0/24", "198.51.100.0/24"), ElementsAdded: 4},
			V6: Change{Added: pfx(t, "2001:db8::/32"), ElementsAdded: 2}}},
		{"same", installed, base, Report{Action: Unchanged}},
		{"same rules, other flags", installed, edit(func(r *Ruleset) { r.Forward = true }), Report{Action: Unchanged}},
		{"prefix added", installed, edit(func(r *Ruleset) { r.V4 = pfx(t, "192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24") }),
			Report{Action: Updated, V4: Change{Added: pfx(t, "203.0.113.0/24"), ElementsAdded: 2}}},
		{"adjacent prefix added", installed, edit(func(r *Ruleset) { r.V4 = pfx(t, "192.0.2.0/24", "192.0.3.0/24", "198.51.100.0/24") }),
			Report{Action: Updated, V4: Change{Added: pfx(t, "192.0.3.0/24"), ElementsAdded: 2, ElementsRemoved: 2}}},
		{"prefix split", installed, edit(func(r *Ruleset) { r.V6 = pfx(t, "2001:db8::/33", "2001:db8:c000::/34") }),
			Report{Action: Updated, V6: Change{Removed: pfx(t, "2001:db8:8000::/34"), ElementsAdded: 4, ElementsRemoved: 2}}},
		// A rebuild keeps the sets and sends only their delta.
		{"direction changed", installed, edit(func(r *Ruleset) { r.Outbound = false }), Report{Action: Rebuilt}},
		{"logging on", installed, edit(func(r *Ruleset) { r.Log = &LogConfig{} }), Report{Action: Rebuilt}},
		{"comment changed", installed, edit(func(r *Ruleset) { r.Comment = "new" }), Report{Action: Rebuilt}},
		{"comment and prefixes changed", installed, edit(func(r *Ruleset) { r.Comment, r.V6 = "new", pfx(t, "2001:db8::/31") }),
			Report{Action: Rebuilt, V6: Change{Added: pfx(t, "2001:db9::/32"), ElementsAdded: 2, ElementsRemoved: 2}}},
		{"family dropped", installed, edit(func(r *Ruleset) { r.IPv6, r.V6 = false, nil }),
			Report{Action: Rebuilt, V6: Change{Removed: pfx(t, "2001:db8::/32"), ElementsRemoved: 2}}},
		{"family added", Status{Present: true, Ruleset: edit(func(r *Ruleset) { r.IPv6, r.V6 = false, nil })}, base,
			Report{Action: Rebuilt, V6: Change{Added: pfx(t, "2001:db8::/32"), ElementsAdded: 2}}},
		{"modified table", Status{Present: true, Modified: true, Ruleset: base}, base, Report{Action: Rebuilt}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Plan(tt.installed, tt.desired)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got, prefixCmp, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("Plan (-want +got):\n%s", diff)
			}
		})
	}
	if _, err := Plan(installed, Ruleset{}); err == nil {
		t.Error("Plan accepted an invalid ruleset")
	}
}

// aggregate is the minimal cover, as Installed reports prefixes.
func aggregate(ps []netip.Prefix) []netip.Prefix {
	if len(ps) == 0 {
		return nil
	}
	return prefixset.Aggregate(ps)
}

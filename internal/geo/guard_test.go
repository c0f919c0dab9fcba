package geo

import (
	"net/netip"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/seawall/seawall/internal/prefixset"
)

// block returns the minimal prefixes of n IPv4 addresses from start.
func block(t testing.TB, start string, n uint64) []netip.Prefix {
	t.Helper()
	a := netip.MustParseAddr(start)
	last := prefixset.FromAddr(a).Add(prefixset.U128{Lo: n - 1}).Addr(32)
	ps, err := prefixset.RangePrefixes(a, last)
	if err != nil {
		t.Fatal(err)
	}
	return ps
}

func TestCheckShrink(t *testing.T) {
	v6 := mustPrefixes(t, "2001:db8::/32")
	country := func(code string, v4 []netip.Prefix, v6 []netip.Prefix) Country {
		return Country{Code: code, V4: v4, V6: v6}
	}
	db := func(cs ...Country) *DB { return &DB{Countries: cs} }
	tests := []struct {
		name      string
		old, cand *DB
		want      []GuardFailure
	}{
		{"unchanged", db(country("CN", block(t, "1.0.0.0", 1<<20), v6)), db(country("CN", block(t, "1.0.0.0", 1<<20), v6)), nil},
		{"growth", db(country("CN", block(t, "1.0.0.0", 1<<20), v6)), db(country("CN", block(t, "1.0.0.0", 1<<21), v6)), nil},
		{"new country", db(), db(country("CN", block(t, "1.0.0.0", 1<<20), v6)), nil},
		{"country removed", db(country("CN", block(t, "1.0.0.0", 1<<20), v6), country("HK", block(t, "2.0.0.0", 256), nil)),
			db(country("HK", block(t, "2.0.0.0", 256), nil)),
			[]GuardFailure{
				{Country: "CN", Family: "IPv4", Old: "1048576", New: "0", Reason: "update would empty the country"},
				{Country: "CN", Family: "IPv6", Old: "79228162514264337593543950336", New: "0", Reason: "update would empty the country"},
			}},
		{"IPv4 emptied", db(country("MO", block(t, "2.0.0.0", 256), v6)), db(country("MO", nil, v6)),
			[]GuardFailure{{Country: "MO", Family: "IPv4", Old: "256", New: "0", Reason: "update would empty the country"}}},
		{"IPv6 emptied", db(country("TW", block(t, "2.0.0.0", 256), v6)), db(country("TW", block(t, "2.0.0.0", 256), nil)),
			[]GuardFailure{{Country: "TW", Family: "IPv6", Old: "79228162514264337593543950336", New: "0", Reason: "update would empty the country"}}},
		// 102,400 addresses: 5% is exactly 5,120.
		{"large country loses 5%", db(country("CN", block(t, "1.0.0.0", 102400), nil)), db(country("CN", block(t, "1.0.0.0", 102400-5120), nil)), nil},
		{"large country loses 5% and one address", db(country("CN", block(t, "1.0.0.0", 102400), nil)), db(country("CN", block(t, "1.0.0.0", 102400-5121), nil)),
			[]GuardFailure{{Country: "CN", Family: "IPv4", Old: "102400", New: "97279", Reason: "update would remove 5.00% of its addresses (limit 5%)"}}},
		{"large country loses 10%", db(country("CN", block(t, "1.0.0.0", 102400), nil)), db(country("CN", block(t, "1.0.0.0", 92160), nil)),
			[]GuardFailure{{Country: "CN", Family: "IPv4", Old: "102400", New: "92160", Reason: "update would remove 10.00% of its addresses (limit 5%)"}}},
		{"exactly a /16 loses 6.25%", db(country("HK", block(t, "1.0.0.0", 65536), nil)), db(country("HK", block(t, "1.0.0.0", 61440), nil)),
			[]GuardFailure{{Country: "HK", Family: "IPv4", Old: "65536", New: "61440", Reason: "update would remove 6.25% of its addresses (limit 5%)"}}},
		{"just under a /16 loses 50%", db(country("MO", block(t, "1.0.0.0", 65535), nil)), db(country("MO", block(t, "1.0.0.0", 32768), nil)), nil},
		{"small country loses 50%", db(country("MO", block(t, "1.0.0.0", 1024), v6)), db(country("MO", block(t, "1.0.0.0", 512), v6)), nil},
		{"IPv6 shrinks a lot", db(country("CN", block(t, "1.0.0.0", 1<<20), mustPrefixes(t, "2400::/12"))), db(country("CN", block(t, "1.0.0.0", 1<<20), mustPrefixes(t, "2400::/32"))), nil},
		{"moved, same size", db(country("CN", block(t, "1.0.0.0", 1<<20), v6)), db(country("CN", block(t, "3.0.0.0", 1<<20), v6)), nil},
		{"several countries fail", db(
			country("AA", block(t, "1.0.0.0", 1<<20), nil),
			country("BB", block(t, "2.0.0.0", 1<<20), nil),
			country("CC", block(t, "3.0.0.0", 1<<20), nil)),
			db(country("AA", block(t, "1.0.0.0", 1<<19), nil),
				country("BB", block(t, "2.0.0.0", 1<<20), nil)),
			[]GuardFailure{
				{Country: "AA", Family: "IPv4", Old: "1048576", New: "524288", Reason: "update would remove 50.00% of its addresses (limit 5%)"},
				{Country: "CC", Family: "IPv4", Old: "1048576", New: "0", Reason: "update would empty the country"},
			}},
		// IPv4 before IPv6, larger countries first, whatever the order of
		// the countries.
		{"order", db(
			country("AA", block(t, "1.0.0.0", 1<<17), v6),
			country("BB", block(t, "2.0.0.0", 1<<20), nil),
			country("CC", block(t, "3.0.0.0", 1<<18), v6)),
			db(country("CC", block(t, "3.0.0.0", 1<<17), nil)),
			[]GuardFailure{
				{Country: "BB", Family: "IPv4", Old: "1048576", New: "0", Reason: "update would empty the country"},
				{Country: "CC", Family: "IPv4", Old: "262144", New: "131072", Reason: "update would remove 50.00% of its addresses (limit 5%)"},
				{Country: "AA", Family: "IPv4", Old: "131072", New: "0", Reason: "update would empty the country"},
				{Country: "AA", Family: "IPv6", Old: "79228162514264337593543950336", New: "0", Reason: "update would empty the country"},
				{Country: "CC", Family: "IPv6", Old: "79228162514264337593543950336", New: "0", Reason: "update would empty the country"},
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := CheckShrink(tt.old, tt.cand, DefaultGuard())
			if diff := cmp.Diff(tt.want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("CheckShrink (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCheckShrinkThresholds(t *testing.T) {
	old := &DB{Countries: []Country{{Code: "CN", V4: block(t, "1.0.0.0", 1000)}}}
	cand := &DB{Countries: []Country{{Code: "CN", V4: block(t, "1.0.0.0", 800)}}}
	tests := []struct {
		g     GuardConfig
		fails int
	}{
		{DefaultGuard(), 0}, // below MinIPv4
		{GuardConfig{MaxShrinkPercent: 20, MinIPv4: 1000}, 0},
		{GuardConfig{MaxShrinkPercent: 19.9, MinIPv4: 1000}, 1},
		{GuardConfig{MaxShrinkPercent: 0, MinIPv4: 0}, 1},
		{GuardConfig{MaxShrinkPercent: 100, MinIPv4: 0}, 0},
	}
	for _, tt := range tests {
		if got := CheckShrink(old, cand, tt.g); len(got) != tt.fails {
			t.Errorf("CheckShrink with %+v = %v, want %d failures", tt.g, got, tt.fails)
		}
	}
}

func TestGuardValidate(t *testing.T) {
	tests := []struct {
		g  GuardConfig
		ok bool
	}{
		{DefaultGuard(), true},
		{GuardConfig{MaxShrinkPercent: 0}, true},
		{GuardConfig{MaxShrinkPercent: 100}, true},
		{GuardConfig{MaxShrinkPercent: -1}, false},
		{GuardConfig{MaxShrinkPercent: 100.5}, false},
	}
	for _, tt := range tests {
		if err := tt.g.Validate(); (err == nil) != tt.ok {
			t.Errorf("%+v.Validate() = %v, want ok %v", tt.g, err, tt.ok)
		}
	}
	if diff := cmp.Diff(GuardConfig{MaxShrinkPercent: 5, MinIPv4: 65536}, DefaultGuard()); diff != "" {
		t.Errorf("DefaultGuard (-want +got):\n%s", diff)
	}
}

func TestGuardFailureString(t *testing.T) {
	f := GuardFailure{Country: "CN", Family: "IPv4", Old: "100", New: "80", Reason: "update would remove 20.00% of its addresses (limit 5%)"}
	want := "CN IPv4: update would remove 20.00% of its addresses (limit 5%) (100 -> 80 addresses)"
	if got := f.String(); got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
}

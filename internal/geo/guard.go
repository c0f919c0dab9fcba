package geo

import (
	"fmt"
	"github.com/seawall/seawall/internal/prefixset"
	"slices"
	"strings"
)

// GuardConfig holds the thresholds that stop a bad feed from shrinking the
// database: a registry file cut short or a parsing change must not quietly
// unblock a country.
type GuardConfig struct {
	// MaxShrinkPercent is how much of a large country's IPv4 space an
	// update may remove.
	MaxShrinkPercent float64 `yaml:"max_shrink_percent" json:"max_shrink_percent"`
	// MinIPv4 is the IPv4 size from which a country is "large" for the
	// shrink check; smaller countries can legitimately move a lot.
	MinIPv4 uint64 `yaml:"min_ipv4" json:"min_ipv4"`
}

// DefaultGuard is 5% for countries of at least a /16.
func DefaultGuard() GuardConfig { return GuardConfig{MaxShrinkPercent: 5, MinIPv4: 65536} }

// Validate checks the thresholds.
func (g GuardConfig) Validate() error {
	if g.MaxShrinkPercent < 0 || g.MaxShrinkPercent > 100 {
		return fmt.Errorf("max_shrink_percent %v: want 0 to 100", g.MaxShrinkPercent)
	}
	return nil
}

// GuardFailure is one country that fails the guard.
type GuardFailure struct {
	Country string `json:"country"`
	Family  string `json:"family"`
	Old     string `json:"old_addresses"`
	New     string `json:"new_addresses"`
	Reason  string `json:"reason"`
}

func (f GuardFailure) String() string {
	return fmt.Sprintf("%s %s: %s (%s -> %s addresses)", f.Country, f.Family, f.Reason, f.Old, f.New)
}

// CheckShrink compares a candidate database with the current one and
// returns every country the candidate would empty (in either family) or
// shrink by more than the allowed share of its IPv4 addresses. IPv4
// failures come first, largest countries first, so the ones that matter
// most head a long list.
func CheckShrink(old, cand *DB, g GuardConfig) []GuardFailure {
	type keyed struct {
		f    GuardFailure
		size prefixset.U128
	}
	var out []keyed
	for _, oc := range old.Countries {
		nc, _ := cand.Country(oc.Code)
		o, n := oc.Counts(), nc.Counts()
		fail := func(family string, oldC, newC prefixset.Count, reason string) {
			out = append(out, keyed{GuardFailure{Country: oc.Code, Family: family,
				Old: oldC.Addresses.String(), New: newC.Addresses.String(), Reason: reason}, oldC.Addresses})
		}
		if o.V4.Prefixes > 0 && n.V4.Prefixes == 0 {
			fail("IPv4", o.V4, n.V4, "update would empty the country")
		}
		if o.V6.Prefixes > 0 && n.V6.Prefixes == 0 {
			fail("IPv6", o.V6, n.V6, "update would empty the country")
		}
		oldV4, newV4 := o.V4.Addresses.Lo, n.V4.Addresses.Lo
		if n.V4.Prefixes > 0 && oldV4 >= g.MinIPv4 && newV4 < oldV4 {
			if lost := float64(oldV4-newV4) * 100 / float64(oldV4); lost > g.MaxShrinkPercent {
				fail("IPv4", o.V4, n.V4, fmt.Sprintf("update would remove %.2f%% of its addresses (limit %g%%)", lost, g.MaxShrinkPercent))
			}
		}
	}
	slices.SortStableFunc(out, func(a, b keyed) int {
		if a.f.Family != b.f.Family {
			return strings.Compare(a.f.Family, b.f.Family)
		}
		return b.size.Cmp(a.size)
	})
	res := make([]GuardFailure, len(out))
	for i, k := range out {
		res[i] = k.f
	}
	return res
}

package nft

import (
	"errors"
	"fmt"
	"math"

	"github.com/seawall/seawall/internal/prefixset"
)

// Errors the Guard wraps, so that a caller can tell a refusal from a
// failure (errors.Is) and suggest --force only where it helps.
var (
	// ErrEmptySet is a refusal to install an enforced family with no
	// prefixes; Force does not override it.
	ErrEmptySet = errors.New("refusing to install an empty set")
	// ErrShrink is a refusal to shrink a set by more than
	// Guard.MaxShrinkPercent of its addresses; Force overrides it.
	ErrShrink = errors.New("refusing to shrink a blocked set")
)

// Guard holds the safety checks Apply runs before it touches the kernel.
// A broken feed or a bad policy edit must not quietly unblock a country.
type Guard struct {
	// MaxShrinkPercent is how much of an installed family's addresses an
	// apply may remove (net: addresses before minus addresses after, over
	// addresses before). 0 refuses any shrink. Disabling an installed
	// family counts as shrinking it by 100%.
	MaxShrinkPercent float64
	// Force lets an apply shrink a set beyond MaxShrinkPercent. It never
	// allows an empty set: an enforced family with nothing to block is a
	// broken input, and the way to stop enforcing a family is to disable
	// it.
	Force bool
}

// Check runs the guard on a change from installed (the zero Ruleset if
// nothing is installed) to desired, as Apply would.
func (g Guard) Check(installed, desired Ruleset) error {
	var cur, want [2]familyState
	for _, f := range families {
		cur[f] = familyState{present: installed.enabled(f), spans: spansOf(installed.prefixes(f), f)}
		want[f] = familyState{present: desired.enabled(f), spans: spansOf(desired.prefixes(f), f)}
	}
	return g.check(cur, want)
}

// familyState is one family's set: whether it exists and what it holds.
type familyState struct {
	present bool
	spans   []span
}

func (g Guard) check(cur, want [2]familyState) error {
	var errs []error
	for _, f := range families {
		if want[f].present && len(want[f].spans) == 0 {
			errs = append(errs, fmt.Errorf("%w: %s is enforced but has no prefixes to block; "+
				"check the country database and the policy, or disable %s enforcement", ErrEmptySet, f, f))
			continue
		}
		if !cur[f].present || g.Force {
			continue
		}
		before, after := size(cur[f].spans), prefixset.U128{}
		if want[f].present {
			after = size(want[f].spans)
		}
		if after.Cmp(before) >= 0 {
			continue
		}
		lost := 100 * (toFloat(before) - toFloat(after)) / toFloat(before)
		if lost > g.MaxShrinkPercent {
			what := fmt.Sprintf("would remove %.2f%% of its addresses (%s of %s)", lost, before.Sub(after), before)
			if !want[f].present {
				what = "would stop enforcing it"
			}
			errs = append(errs, fmt.Errorf("%w: the installed %s set %s, more than the limit of %g%%; "+
				"check the update, and apply with force if the change is intended", ErrShrink, f, what, g.MaxShrinkPercent))
		}
	}
	return errors.Join(errs...)
}

// toFloat converts u for percentages; precision loss does not matter there.
func toFloat(u prefixset.U128) float64 {
	return float64(u.Hi)*math.Exp2(64) + float64(u.Lo)
}

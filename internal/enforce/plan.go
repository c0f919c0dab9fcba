package enforce

import (
	"math/big"
	"net/netip"

	"github.com/seawall/seawall/internal/prefixset"
)

// Changes is the difference between an installed block and a desired one.
type Changes struct {
	// Families holds one entry per family, IPv4 first, whether or not it
	// changes, so that a plan always reports both.
	Families []FamilyChange
	// PolicyChanged and DataChanged say whether the policy digest or the
	// data date differ; either may change without changing a prefix.
	PolicyChanged bool
	DataChanged   bool
}

// FamilyChange is one family's part of a plan.
type FamilyChange struct {
	Family Family
	// Added and Removed are minimal covers of the addresses that enter and
	// leave the block.
	Added, Removed []netip.Prefix
	// Before and After count the installed and desired sets.
	Before, After prefixset.Count
}

// Empty reports whether nothing at all changes.
func (c Changes) Empty() bool {
	if c.PolicyChanged || c.DataChanged {
		return false
	}
	for _, f := range c.Families {
		if len(f.Added) > 0 || len(f.Removed) > 0 {
			return false
		}
	}
	return true
}

// Family returns one family's change.
func (c Changes) Family(f Family) FamilyChange {
	for _, fc := range c.Families {
		if fc.Family == f {
			return fc
		}
	}
	return FamilyChange{Family: f}
}

// ShrinkPercent is the share of the installed addresses that the change
// removes, 0 to 100: what the shrink guard compares with
// guard.max_shrink_percent. Added addresses do not offset removed ones, so
// that moving a block elsewhere still counts as a loss.
func (fc FamilyChange) ShrinkPercent() float64 {
	if fc.Before.Addresses.IsZero() || len(fc.Removed) == 0 {
		return 0
	}
	var removed prefixset.Count
	if fc.Family == IPv4 {
		removed, _ = prefixset.Counts(fc.Removed)
	} else {
		_, removed = prefixset.Counts(fc.Removed)
	}
	r := new(big.Float).SetInt(removed.Addresses.Big())
	b := new(big.Float).SetInt(fc.Before.Addresses.Big())
	pct, _ := new(big.Float).Quo(new(big.Float).Mul(r, big.NewFloat(100)), b).Float64()
	return pct
}

// Plan compares what is installed with what is desired, per family. A nil
// installed means nothing is installed; a family the desired state does not
// configure is planned for removal. Plan has no side effect.
func Plan(installed, desired *Desired) Changes {
	var ch Changes
	if installed != nil && desired != nil {
		ch.PolicyChanged = installed.Policy != desired.Policy
		ch.DataChanged = !sameMeta(installed, desired)
	} else if installed != desired {
		ch.PolicyChanged, ch.DataChanged = true, true
	}
	for _, f := range Families() {
		var old, new []netip.Prefix
		if installed != nil {
			old = installed.Prefixes(f)
		}
		if desired != nil {
			new = desired.Prefixes(f)
		}
		fc := FamilyChange{Family: f}
		fc.Added, fc.Removed = prefixset.Diff(old, new)
		fc.Before, fc.After = count(f, old), count(f, new)
		ch.Families = append(ch.Families, fc)
	}
	return ch
}

func sameMeta(a, b *Desired) bool {
	return a.Data.Source == b.Data.Source && a.Data.Commit == b.Data.Commit && a.Data.Date == b.Data.Date
}

func count(f Family, ps []netip.Prefix) prefixset.Count {
	v4, v6 := prefixset.Counts(ps)
	if f == IPv4 {
		return v4
	}
	return v6
}

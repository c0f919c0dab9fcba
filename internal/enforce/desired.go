package enforce

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/seawall/seawall/internal/geo"
	"github.com/seawall/seawall/internal/prefixset"
)

// Desired is what every backend enforces: per family the minimal sorted
// set of prefixes to drop, with where it came from. It is immutable once
// Compile returns it.
type Desired struct {
	// Countries are the blocked country codes, sorted.
	Countries []string `json:"countries"`
	// Directions and Families are the configured ones, in canonical order.
	Directions []Direction `json:"directions"`
	Families   []Family    `json:"families"`
	// V4 and V6 are the blocked prefixes: aggregated, sorted, disjoint,
	// and covering no allowed address. A family not configured is nil.
	V4 []netip.Prefix `json:"ipv4"`
	V6 []netip.Prefix `json:"ipv6"`
	// Sizes are each country's share of the block after the allow list,
	// in the order of Countries.
	Sizes []CountrySize `json:"sizes"`
	// Allow and Extra are the policy's lists, aggregated, so that outputs
	// can say that the block is more than the countries, or less.
	Allow []netip.Prefix `json:"allow,omitempty"`
	Extra []netip.Prefix `json:"extra,omitempty"`
	// Management are the networks apply must not lock out.
	Management []netip.Prefix `json:"management,omitempty"`
	// Log is the drop logging to render; zero when logging is off.
	Log Rate `json:"log,omitzero"`
	// Data names the country database: source, commit and date.
	Data geo.Meta `json:"data"`
	// Policy identifies the policy: "sha256:" and the hex digest of its
	// canonical form (see Digest).
	Policy string `json:"policy"`
}

// CountrySize is one country's blocked prefixes and addresses per family.
type CountrySize struct {
	Country string          `json:"country"`
	V4      prefixset.Count `json:"-"`
	V6      prefixset.Count `json:"-"`
}

// Has reports whether the family is configured.
func (d *Desired) Has(f Family) bool { return slices.Contains(d.Families, f) }

// HasDirection reports whether the direction is configured.
func (d *Desired) HasDirection(dir Direction) bool { return slices.Contains(d.Directions, dir) }

// Prefixes returns one family's blocked prefixes.
func (d *Desired) Prefixes(f Family) []netip.Prefix {
	if f == IPv4 {
		return d.V4
	}
	return d.V6
}

// All returns both families' prefixes, IPv4 first.
func (d *Desired) All() []netip.Prefix {
	return append(slices.Clip(d.V4), d.V6...)
}

// Count returns one family's prefix and address count.
func (d *Desired) Count(f Family) prefixset.Count {
	v4, v6 := prefixset.Counts(d.Prefixes(f))
	if f == IPv4 {
		return v4
	}
	return v6
}

// Blocked returns the parts of ps that the block covers, as a minimal
// cover; empty when none is blocked. Apply uses it for lock-out
// protection: the management networks and the address of the session it
// runs from must come out empty.
func (d *Desired) Blocked(ps []netip.Prefix) []netip.Prefix {
	// ps ∩ block = ps − (ps − block).
	return prefixset.Subtract(ps, prefixset.Subtract(ps, d.All()))
}

// Compile computes the desired state of policy p over db: per configured
// family, union(countries' prefixes, extra) minus allow, aggregated. It
// refuses (with an error naming the country) a configured country that is
// not in the database, has no prefixes in the configured families, or
// that the allow list covers entirely: a block must never silently become
// empty.
func Compile(db *geo.DB, p Config) (*Desired, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	allow, _ := parsePrefixes("block.allow", p.Allow)
	extra, _ := parsePrefixes("block.extra", p.Extra)
	mgmt, _ := parsePrefixes("block.management", p.Management)

	d := &Desired{
		Countries:  slices.Sorted(slices.Values(p.Countries)),
		Directions: canonical(p.Directions, Directions()),
		Families:   canonical(p.Families, Families()),
		Management: prefixset.Aggregate(mgmt),
		Data:       db.Meta,
	}
	if p.Log.Enabled {
		d.Log, _ = ParseRate(p.Log.Rate)
	}
	allow = prefixset.Aggregate(allow)
	d.Allow, d.Extra = allow, prefixset.Aggregate(extra)

	var union []netip.Prefix
	var errs []error
	for _, cc := range d.Countries {
		c, ok := db.Country(cc)
		if !ok {
			errs = append(errs, fmt.Errorf("block.countries: %s is not in the country database (%s); check the code, or run 'seawall geo update'", cc, db.Meta))
			continue
		}
		var mine []netip.Prefix
		if d.Has(IPv4) {
			mine = append(mine, c.V4...)
		}
		if d.Has(IPv6) {
			mine = append(mine, c.V6...)
		}
		if len(mine) == 0 {
			errs = append(errs, fmt.Errorf("block.countries: %s has no %s prefixes in the country database (%s); refusing an empty block", cc, familyNames(d.Families), db.Meta))
			continue
		}
		left := prefixset.Subtract(mine, allow)
		if len(left) == 0 {
			errs = append(errs, fmt.Errorf("block.allow covers every %s address of %s; refusing an empty block (remove %s from block.countries instead)", familyNames(d.Families), cc, cc))
			continue
		}
		v4, v6 := prefixset.Counts(left)
		d.Sizes = append(d.Sizes, CountrySize{Country: cc, V4: v4, V6: v6})
		union = append(union, mine...)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	union = append(union, extra...)
	all := prefixset.Subtract(union, allow)
	if len(all) == 0 {
		return nil, errors.New("block.allow covers every address in block.extra; nothing is left to block")
	}
	i := slices.IndexFunc(all, func(p netip.Prefix) bool { return !p.Addr().Is4() })
	if i < 0 {
		i = len(all)
	}
	if d.Has(IPv4) {
		d.V4 = slices.Clip(all[:i])
		if d.V4 == nil {
			d.V4 = []netip.Prefix{}
		}
	}
	if d.Has(IPv6) {
		d.V6 = slices.Clip(all[i:])
		if len(d.V6) == 0 {
			d.V6 = []netip.Prefix{}
		}
	}
	d.Policy = Digest(p)
	return d, nil
}

// canonical returns the members of known that vals lists, in known's order.
func canonical[T comparable](vals, known []T) []T {
	var out []T
	for _, k := range known {
		if slices.Contains(vals, k) {
			out = append(out, k)
		}
	}
	return out
}

func familyNames(fs []Family) string {
	names := make([]string, len(fs))
	for i, f := range fs {
		names[i] = map[Family]string{IPv4: "IPv4", IPv6: "IPv6"}[f]
	}
	return strings.Join(names, " or ")
}

// Digest returns "sha256:" and the hex SHA-256 of the policy's canonical
// form: what shapes the rendered rules (countries sorted, directions and
// families in canonical order, allow and extra aggregated, the log rate
// when logging is on), so that two policies that block the same way share
// a digest however they are written. Management and guard settings change
// checks, not rules, and are left out. p must be valid.
func Digest(p Config) string {
	allow, _ := parsePrefixes("", p.Allow)
	extra, _ := parsePrefixes("", p.Extra)
	canon := struct {
		Version    string         `json:"v"`
		Countries  []string       `json:"countries"`
		Directions []Direction    `json:"directions"`
		Families   []Family       `json:"families"`
		Allow      []netip.Prefix `json:"allow"`
		Extra      []netip.Prefix `json:"extra"`
		Log        string         `json:"log"`
	}{
		Version:    "seawall-block-policy/1",
		Countries:  slices.Compact(slices.Sorted(slices.Values(p.Countries))),
		Directions: canonical(p.Directions, Directions()),
		Families:   canonical(p.Families, Families()),
		Allow:      prefixset.Aggregate(allow),
		Extra:      prefixset.Aggregate(extra),
	}
	if p.Log.Enabled {
		if r, err := ParseRate(p.Log.Rate); err == nil {
			canon.Log = r.String()
		}
	}
	b, err := json.Marshal(canon)
	if err != nil {
		panic("enforce: marshalling the canonical policy: " + err.Error()) // plain strings and prefixes always marshal
	}
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:])
}

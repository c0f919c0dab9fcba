// Package enforce turns the block policy (the block: section of
// seawall.yaml) and the country database into the desired state every
// backend enforces: per address family, the minimal set of prefixes to
// drop. It also plans the change from what is installed to what is
// desired. It is pure: backends that talk to the kernel, BGP peers or
// files live in its subpackages and in the edge packages.
package enforce

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
)

// Direction is a traffic direction a block applies to, seen from the host
// or network seawall protects.
type Direction string

// The directions, in their canonical order.
const (
	// Inbound is traffic from a blocked address to this host (the input
	// hook; on a router, packets whose source is blocked).
	Inbound Direction = "inbound"
	// Outbound is traffic from this host to a blocked address (the output
	// hook; on a router, packets whose destination is blocked).
	Outbound Direction = "outbound"
	// Forwarded is traffic routed through this host either way (the
	// forward hook, matching source and destination).
	Forwarded Direction = "forwarded"
)

// Directions lists every direction in canonical order.
func Directions() []Direction { return []Direction{Inbound, Outbound, Forwarded} }

// Family is an address family.
type Family string

// The families, in their canonical order.
const (
	IPv4 Family = "ipv4"
	IPv6 Family = "ipv6"
)

// Families lists both families in canonical order.
func Families() []Family { return []Family{IPv4, IPv6} }

// Config is the block: section of seawall.yaml. Lists replace the
// defaults rather than add to them, so "countries: [CN, HK, MO]" means
// exactly those three.
type Config struct {
	// Countries are ISO 3166 alpha-2 codes as the regional registries use
	// them. CN does not include HK or MO, which registries list under their
	// own codes: list them to block them.
	Countries []string `yaml:"countries"`
	// Directions to block; all three by default.
	Directions []Direction `yaml:"directions"`
	// Families to block; both by default.
	Families []Family `yaml:"families"`
	// Allow lists prefixes that are never blocked, whatever the countries
	// and extra say: it is subtracted from the block list before any
	// backend renders it.
	Allow []string `yaml:"allow"`
	// Extra lists prefixes blocked in addition to the countries.
	Extra []string `yaml:"extra"`
	// Management lists the networks seawall is managed from. Apply refuses
	// a policy that would drop them (lock-out protection); they do not
	// change what is blocked, so put them in Allow as well to exempt them.
	Management []string `yaml:"management"`
	// Guard bounds how much an update may shrink the installed block.
	Guard GuardConfig `yaml:"guard"`
	// Log enables rate-limited logging of dropped packets.
	Log LogConfig `yaml:"log"`
}

// GuardConfig holds the thresholds that stop a bad update from quietly
// unblocking a country.
type GuardConfig struct {
	// MaxShrinkPercent is how much of a family's blocked addresses one
	// apply may remove without --force.
	MaxShrinkPercent float64 `yaml:"max_shrink_percent"`
}

// LogConfig controls logging of dropped packets. Logging is rate-limited
// because a blocked country can send enough packets to flood any log.
type LogConfig struct {
	Enabled bool `yaml:"enabled"`
	// Rate is "N/unit", unit one of second, minute, hour, day: at most N
	// log lines per unit (a short burst is allowed).
	Rate string `yaml:"rate"`
}

// DefaultConfig blocks CN in every direction and both families, logs
// nothing, and guards against losing more than 5% of the block in one
// update.
func DefaultConfig() Config {
	return Config{
		Countries:  []string{"CN"},
		Directions: Directions(),
		Families:   Families(),
		Guard:      GuardConfig{MaxShrinkPercent: 5},
		Log:        LogConfig{Rate: "10/minute"},
	}
}

// Validate checks the section; each error names the field as it is written
// in seawall.yaml (block.countries[1], block.allow[0], ...).
func (c Config) Validate() error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }

	seen := map[string]int{}
	for i, cc := range c.Countries {
		switch {
		case !isCountryCode(cc):
			hint := ""
			if up := strings.ToUpper(strings.TrimSpace(cc)); isCountryCode(up) {
				hint = fmt.Sprintf(" (write %s)", up)
			}
			add("block.countries[%d]: %q is not an ISO 3166 alpha-2 code in upper case, e.g. CN%s", i, cc, hint)
		case seen[cc] > 0:
			add("block.countries[%d]: %s is listed twice (also at [%d])", i, cc, seen[cc]-1)
		default:
			seen[cc] = i + 1
		}
	}
	if len(c.Directions) == 0 {
		add("block.directions: at least one of inbound, outbound, forwarded is needed")
	}
	if err := checkEnum("block.directions", c.Directions, Directions()); err != nil {
		errs = append(errs, err)
	}
	if len(c.Families) == 0 {
		add("block.families: at least one of ipv4, ipv6 is needed")
	}
	if err := checkEnum("block.families", c.Families, Families()); err != nil {
		errs = append(errs, err)
	}
	_, err := parsePrefixes("block.allow", c.Allow)
	if err != nil {
		errs = append(errs, err)
	}
	extra, err := parsePrefixes("block.extra", c.Extra)
	if err != nil {
		errs = append(errs, err)
	}
	for i, p := range extra {
		if f := familyOf(p); !slices.Contains(c.Families, f) {
			add("block.extra[%d]: %s is %s, but block.families does not include %s", i, p, f, f)
		}
	}
	if _, err := parsePrefixes("block.management", c.Management); err != nil {
		errs = append(errs, err)
	}
	if len(c.Countries) == 0 && len(c.Extra) == 0 {
		add("block: nothing to block: block.countries and block.extra are both empty")
	}
	if g := c.Guard.MaxShrinkPercent; g < 0 || g > 100 {
		add("block.guard.max_shrink_percent: %v: want 0 to 100", g)
	}
	if _, err := ParseRate(c.Log.Rate); err != nil {
		add("block.log.rate: %w", err)
	}
	return errors.Join(errs...)
}

func isCountryCode(s string) bool {
	return len(s) == 2 && s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' && s[1] <= 'Z'
}

// checkEnum reports values outside known and duplicates.
func checkEnum[T ~string](field string, vals, known []T) error {
	var errs []error
	for i, v := range vals {
		if !slices.Contains(known, v) {
			names := make([]string, len(known))
			for j, k := range known {
				names[j] = string(k)
			}
			errs = append(errs, fmt.Errorf("%s[%d]: unknown value %q (known: %s)", field, i, v, strings.Join(names, ", ")))
			continue
		}
		if j := slices.Index(vals, v); j < i {
			errs = append(errs, fmt.Errorf("%s[%d]: %s is listed twice (also at [%d])", field, i, v, j))
		}
	}
	return errors.Join(errs...)
}

// parsePrefixes parses a list of prefixes or bare addresses (a host
// prefix). It refuses what is most likely a typo: host bits set, which
// would silently widen or narrow the intent; IPv4-mapped IPv6, which
// matches nothing a firewall sees; and /0, which blocks or allows a whole
// family.
func parsePrefixes(field string, ss []string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	var errs []error
	for i, s := range ss {
		p, err := ParsePrefix(s)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s[%d]: %w", field, i, err))
			continue
		}
		out = append(out, p)
	}
	return out, errors.Join(errs...)
}

// ParsePrefix parses one allow, extra or management entry: a prefix in
// CIDR notation or a single address.
func ParsePrefix(s string) (netip.Prefix, error) {
	t := strings.TrimSpace(s)
	var p netip.Prefix
	if strings.Contains(t, "/") {
		var err error
		if p, err = netip.ParsePrefix(t); err != nil {
			return netip.Prefix{}, fmt.Errorf("%q is not a prefix (want e.g. 192.0.2.0/24 or 2001:db8::/32)", s)
		}
	} else {
		a, err := netip.ParseAddr(t)
		if err != nil || a.Zone() != "" {
			return netip.Prefix{}, fmt.Errorf("%q is not an address or prefix (want e.g. 192.0.2.0/24 or 2001:db8::/32)", s)
		}
		p = netip.PrefixFrom(a, a.BitLen())
	}
	if p.Addr().Is4In6() {
		return netip.Prefix{}, fmt.Errorf("%q is an IPv4-mapped IPv6 prefix; write the IPv4 prefix instead", s)
	}
	if p.Bits() == 0 {
		return netip.Prefix{}, fmt.Errorf("%q covers the whole address family; list narrower prefixes", s)
	}
	if m := p.Masked(); m != p {
		return netip.Prefix{}, fmt.Errorf("%q has host bits set; did you mean %s?", s, m)
	}
	return p, nil
}

func familyOf(p netip.Prefix) Family {
	if p.Addr().Is4() {
		return IPv4
	}
	return IPv6
}

// Rate is a parsed log rate: at most Count events per Unit.
type Rate struct {
	Count int
	Unit  string // second, minute, hour or day
}

// String writes the rate the way nftables and iptables both accept it.
func (r Rate) String() string { return strconv.Itoa(r.Count) + "/" + r.Unit }

// MarshalText writes the rate as String does, e.g. for JSON.
func (r Rate) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

// ParseRate parses "N/unit" with unit second, minute, hour or day, the
// units nftables and iptables both accept. N is 1 to 10000, the most
// iptables' limit match takes per second.
func ParseRate(s string) (Rate, error) {
	n, unit, ok := strings.Cut(strings.TrimSpace(s), "/")
	if !ok {
		return Rate{}, fmt.Errorf("%q: want N/unit, e.g. 10/minute", s)
	}
	count, err := strconv.Atoi(n)
	if err != nil || count < 1 || count > 10000 {
		return Rate{}, fmt.Errorf("%q: want a count from 1 to 10000 before the slash, e.g. 10/minute", s)
	}
	switch unit {
	case "second", "minute", "hour", "day":
	default:
		return Rate{}, fmt.Errorf("%q: unit must be second, minute, hour or day", s)
	}
	return Rate{Count: count, Unit: unit}, nil
}

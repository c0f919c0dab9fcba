package enforce

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestValidate(t *testing.T) {
	t.Parallel()
	with := func(f func(*Config)) Config {
		c := DefaultConfig()
		f(&c)
		return c
	}
	tests := []struct {
		name string
		c    Config
		want string // "" for valid; else the whole message
	}{
		{"default", DefaultConfig(), ""},
		{"several countries", with(func(c *Config) { c.Countries = []string{"CN", "HK", "MO"} }), ""},
		{"extra only", with(func(c *Config) { c.Countries = nil; c.Extra = []string{"192.0.2.0/24"} }), ""},
		{"addresses and prefixes", with(func(c *Config) {
			c.Allow = []string{"192.0.2.1", "2001:db8::1", " 198.51.100.0/24 "}
			c.Management = []string{"203.0.113.0/24"}
		}), ""},
		{"one direction, one family", with(func(c *Config) {
			c.Directions = []Direction{Outbound}
			c.Families = []Family{IPv6}
		}), ""},
		{"guard bounds", with(func(c *Config) { c.Guard.MaxShrinkPercent = 100 }), ""},
		{"log", with(func(c *Config) { c.Log = LogConfig{Enabled: true, Rate: "10000/second"} }), ""},

		{"lower-case country", with(func(c *Config) { c.Countries = []string{"cn"} }),
			`block.countries[0]: "cn" is not an ISO 3166 alpha-2 code in upper case, e.g. CN (write CN)`},
		{"alpha-3 country", with(func(c *Config) { c.Countries = []string{"CN", "CHN"} }),
			`block.countries[1]: "CHN" is not an ISO 3166 alpha-2 code in upper case, e.g. CN`},
		{"duplicate country", with(func(c *Config) { c.Countries = []string{"CN", "HK", "CN"} }),
			"block.countries[2]: CN is listed twice (also at [0])"},
		{"nothing to block", with(func(c *Config) { c.Countries = []string{} }),
			"block: nothing to block: block.countries and block.extra are both empty"},
		{"no directions", with(func(c *Config) { c.Directions = nil }),
			"block.directions: at least one of inbound, outbound, forwarded is needed"},
		{"unknown direction", with(func(c *Config) { c.Directions = []Direction{"inbound", "in"} }),
			`block.directions[1]: unknown value "in" (known: inbound, outbound, forwarded)`},
		{"duplicate direction", with(func(c *Config) { c.Directions = []Direction{Outbound, Inbound, Outbound} }),
			"block.directions[2]: outbound is listed twice (also at [0])"},
		{"no families", with(func(c *Config) { c.Families = []Family{} }),
			"block.families: at least one of ipv4, ipv6 is needed"},
		{"unknown family", with(func(c *Config) { c.Families = []Family{"IPv4"} }),
			`block.families[0]: unknown value "IPv4" (known: ipv4, ipv6)`},
		{"bad prefix", with(func(c *Config) { c.Allow = []string{"192.0.2.0/24", "192.0.2.0/33"} }),
			`block.allow[1]: "192.0.2.0/33" is not a prefix (want e.g. 192.0.2.0/24 or 2001:db8::/32)`},
		{"bad address", with(func(c *Config) { c.Extra = []string{"example.com"} }),
			`block.extra[0]: "example.com" is not an address or prefix (want e.g. 192.0.2.0/24 or 2001:db8::/32)`},
		{"zone", with(func(c *Config) { c.Management = []string{"fe80::1%eth0"} }),
			`block.management[0]: "fe80::1%eth0" is not an address or prefix (want e.g. 192.0.2.0/24 or 2001:db8::/32)`},
		{"host bits", with(func(c *Config) { c.Allow = []string{"10.1.2.3/8"} }),
			`block.allow[0]: "10.1.2.3/8" has host bits set; did you mean 10.0.0.0/8?`},
		{"whole family", with(func(c *Config) { c.Allow = []string{"::/0"} }),
			`block.allow[0]: "::/0" covers the whole address family; list narrower prefixes`},
		{"mapped", with(func(c *Config) { c.Extra = []string{"::ffff:192.0.2.0/120"} }),
			`block.extra[0]: "::ffff:192.0.2.0/120" is an IPv4-mapped IPv6 prefix; write the IPv4 prefix instead`},
		{"extra outside families", with(func(c *Config) {
			c.Families = []Family{IPv4}
			c.Extra = []string{"192.0.2.0/24", "2001:db8::/32"}
		}), "block.extra[1]: 2001:db8::/32 is ipv6, but block.families does not include ipv6"},
		{"guard negative", with(func(c *Config) { c.Guard.MaxShrinkPercent = -1 }),
			"block.guard.max_shrink_percent: -1: want 0 to 100"},
		{"rate without unit", with(func(c *Config) { c.Log.Rate = "10" }),
			`block.log.rate: "10": want N/unit, e.g. 10/minute`},
		{"rate unit", with(func(c *Config) { c.Log.Rate = "10/min" }),
			`block.log.rate: "10/min": unit must be second, minute, hour or day`},
		{"rate zero", with(func(c *Config) { c.Log.Rate = "0/second" }),
			`block.log.rate: "0/second": want a count from 1 to 10000 before the slash, e.g. 10/minute`},
		{"several errors", with(func(c *Config) {
			c.Countries = []string{"C"}
			c.Guard.MaxShrinkPercent = 101
		}), "block.countries[0]: \"C\" is not an ISO 3166 alpha-2 code in upper case, e.g. CN\n" +
			"block.guard.max_shrink_percent: 101: want 0 to 100"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := ""
			if err := tt.c.Validate(); err != nil {
				got = err.Error()
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Validate (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseRate(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		in   string
		want Rate
	}{
		{"10/minute", Rate{10, "minute"}},
		{" 1/second ", Rate{1, "second"}},
		{"3/hour", Rate{3, "hour"}},
		{"100/day", Rate{100, "day"}},
	} {
		got, err := ParseRate(tt.in)
		if err != nil {
			t.Errorf("ParseRate(%q): %v", tt.in, err)
			continue
		}
		if got != tt.want || got.String() != strings.TrimSpace(tt.in) {
			t.Errorf("ParseRate(%q) = %+v (%s), want %+v", tt.in, got, got, tt.want)
		}
	}
	for _, bad := range []string{"", "/", "x/minute", "-1/minute", "10001/second", "10/week", "10/minutes", "10 / minute"} {
		if r, err := ParseRate(bad); err == nil {
			t.Errorf("ParseRate(%q) = %+v, want an error", bad, r)
		}
	}
}

func FuzzParseRate(f *testing.F) {
	for _, s := range []string{"10/minute", "1/second", "0/day", "/", "99999999999999999999/hour"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseRate(s)
		if err != nil {
			return
		}
		if r.Count < 1 || r.Count > 10000 {
			t.Fatalf("ParseRate(%q) = %+v: count out of range", s, r)
		}
		again, err := ParseRate(r.String())
		if err != nil || again != r {
			t.Fatalf("ParseRate(%q) = %+v does not round-trip: %+v, %v", s, r, again, err)
		}
	})
}

func FuzzParsePrefix(f *testing.F) {
	for _, s := range []string{"192.0.2.0/24", "192.0.2.1", "2001:db8::/32", "::1", "10.1.2.3/8", "::ffff:1.2.3.4", "0.0.0.0/0", "fe80::1%eth0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParsePrefix(s)
		if err != nil {
			return
		}
		if !p.IsValid() || p.Masked() != p || p.Bits() == 0 || p.Addr().Is4In6() || p.Addr().Zone() != "" {
			t.Fatalf("ParsePrefix(%q) = %v: accepted what it should refuse", s, p)
		}
		if again, err := ParsePrefix(p.String()); err != nil || again != p {
			t.Fatalf("ParsePrefix(%q) = %v does not round-trip: %v, %v", s, p, again, err)
		}
	})
}

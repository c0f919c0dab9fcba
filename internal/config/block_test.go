package config

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/seawall/seawall/internal/enforce"
)

func TestParseBlock(t *testing.T) {
	t.Parallel()
	withBlock := func(f func(*enforce.Config)) *Config {
		c := Default()
		f(&c.Block)
		return c
	}
	tests := []struct {
		name string
		yaml string
		want *Config
	}{
		{"defaults", "", withBlock(func(b *enforce.Config) {
			*b = enforce.Config{
				Countries:  []string{"CN"},
				Directions: []enforce.Direction{enforce.Inbound, enforce.Outbound, enforce.Forwarded},
				Families:   []enforce.Family{enforce.IPv4, enforce.IPv6},
				Guard:      enforce.GuardConfig{MaxShrinkPercent: 5},
				Log:        enforce.LogConfig{Rate: "10/minute"},
			}
		})},
		{"countries replace the default", "block:\n  countries: [CN, HK, MO]\n",
			withBlock(func(b *enforce.Config) { b.Countries = []string{"CN", "HK", "MO"} })},
		{"one direction and family", "block:\n  directions: [outbound]\n  families: [ipv6]\n",
			withBlock(func(b *enforce.Config) {
				b.Directions = []enforce.Direction{enforce.Outbound}
				b.Families = []enforce.Family{enforce.IPv6}
			})},
		{"lists", "block:\n  allow:\n    - 192.0.2.0/24\n    - 2001:db8::1\n  extra: [198.51.100.7]\n  management: [203.0.113.0/24]\n",
			withBlock(func(b *enforce.Config) {
				b.Allow = []string{"192.0.2.0/24", "2001:db8::1"}
				b.Extra = []string{"198.51.100.7"}
				b.Management = []string{"203.0.113.0/24"}
			})},
		{"extra only", "block:\n  countries: []\n  extra: [192.0.2.0/24]\n",
			withBlock(func(b *enforce.Config) { b.Countries = []string{}; b.Extra = []string{"192.0.2.0/24"} })},
		{"guard", "block:\n  guard:\n    max_shrink_percent: 2.5\n",
			withBlock(func(b *enforce.Config) { b.Guard.MaxShrinkPercent = 2.5 })},
		{"log keeps the default rate", "block:\n  log:\n    enabled: true\n",
			withBlock(func(b *enforce.Config) { b.Log.Enabled = true })},
		{"log rate", "block:\n  log: {enabled: true, rate: 1/second}\n",
			withBlock(func(b *enforce.Config) { b.Log = enforce.LogConfig{Enabled: true, Rate: "1/second"} })},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := Parse([]byte(tt.yaml), "seawall.yaml")
			if err != nil {
				t.Fatal(err)
			}
			tt.want.Path = "seawall.yaml"
			if diff := cmp.Diff(tt.want, got, equateAddrs); diff != "" {
				t.Errorf("Parse (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseBlockErrors(t *testing.T) {
	t.Parallel()
	const blockKeys = "countries, directions, families, allow, extra, management, guard, log"
	tests := []struct {
		name string
		yaml string
		want string // the whole message
	}{
		{"unknown key", "block:\n  countries: [CN]\n  contries: [HK]\n",
			`test.yaml:3: unknown key "contries" in block (known keys: ` + blockKeys + `)`},
		{"unknown guard key", "block:\n  guard:\n    max_shrink: 3\n",
			`test.yaml:3: unknown key "max_shrink" in block.guard (known keys: max_shrink_percent)`},
		{"unknown log key", "block:\n  log:\n    rate_limit: 1/second\n",
			`test.yaml:3: unknown key "rate_limit" in block.log (known keys: enabled, rate)`},
		{"block not a mapping", "block: CN\n",
			"test.yaml:1: expected a mapping of keys (" + blockKeys + ") in block, found !!str `CN`"},
		{"list written as a word", "block:\n  directions: inbound\n",
			"test.yaml:2: expected a list (e.g. [a, b]), found !!str `inbound`"},
		{"log enabled not a bool", "block:\n  log:\n    enabled: sometimes\n",
			"test.yaml:3: cannot unmarshal !!str `sometimes` into bool"},
		{"lower-case country", "block:\n  countries: [CN, hk]\n",
			`test.yaml: block.countries[1]: "hk" is not an ISO 3166 alpha-2 code in upper case, e.g. CN (write HK)`},
		{"unknown direction", "block:\n  directions: [inbound, both]\n",
			`test.yaml: block.directions[1]: unknown value "both" (known: inbound, outbound, forwarded)`},
		{"no families", "block:\n  families: []\n",
			"test.yaml: block.families: at least one of ipv4, ipv6 is needed"},
		{"bad allow", "block:\n  allow: [192.0.2.0/24, 192.0.2.1/24]\n",
			`test.yaml: block.allow[1]: "192.0.2.1/24" has host bits set; did you mean 192.0.2.0/24?`},
		{"bad management", "block:\n  management: [mgmt.example]\n",
			`test.yaml: block.management[0]: "mgmt.example" is not an address or prefix (want e.g. 192.0.2.0/24 or 2001:db8::/32)`},
		{"nothing to block", "block:\n  countries: []\n",
			"test.yaml: block: nothing to block: block.countries and block.extra are both empty"},
		{"guard above 100", "block:\n  guard: {max_shrink_percent: 120}\n",
			"test.yaml: block.guard.max_shrink_percent: 120: want 0 to 100"},
		{"bad rate", "block:\n  log: {enabled: true, rate: fast}\n",
			`test.yaml: block.log.rate: "fast": want N/unit, e.g. 10/minute`},
		{"errors together", "block:\n  countries: [XXX]\n  families: [ipv5]\n",
			"test.yaml: block.countries[0]: \"XXX\" is not an ISO 3166 alpha-2 code in upper case, e.g. CN\n" +
				`block.families[0]: unknown value "ipv5" (known: ipv4, ipv6)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := Parse([]byte(tt.yaml), "test.yaml")
			if err == nil {
				t.Fatalf("Parse succeeded with %+v; want error %q", c.Block, tt.want)
			}
			if diff := cmp.Diff(tt.want, err.Error()); diff != "" {
				t.Errorf("error (-want +got):\n%s", diff)
			}
		})
	}
}

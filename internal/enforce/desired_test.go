package enforce

import (
	"encoding/binary"
	"encoding/json"
	"math/rand/v2"
	"net/netip"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/seawall/seawall/internal/geo"
	"github.com/seawall/seawall/internal/prefixset"
)

func pfx(ss ...string) []netip.Prefix {
	out := make([]netip.Prefix, len(ss))
	for i, s := range ss {
		out[i] = netip.MustParsePrefix(s)
	}
	return out
}

var prefixCmp = cmp.Comparer(func(a, b netip.Prefix) bool { return a == b })

// testDB maps the documentation ranges to CN, 198.18.0.0/15 to US (IPv4
// only) and 3fff::/20 to JP (IPv6 only).
func testDB() *geo.DB {
	b := geo.NewBuilder()
	b.Add("CN", pfx("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24", "2001:db8::/32")...)
	b.Add("US", pfx("198.18.0.0/15")...)
	b.Add("JP", pfx("3fff::/20")...)
	return b.Build(geo.Meta{Source: "test", Date: "2026-02-01"})
}

func TestCompile(t *testing.T) {
	t.Parallel()
	with := func(f func(*Config)) Config {
		c := DefaultConfig()
		f(&c)
		return c
	}
	tests := []struct {
		name   string
		p      Config
		v4, v6 []netip.Prefix // nil: family not configured
		sizes  []string       // country:v4prefixes:v6prefixes
	}{
		{"default", DefaultConfig(),
			pfx("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24"), pfx("2001:db8::/32"), []string{"CN:3:1"}},
		{"allow splits", with(func(c *Config) { c.Allow = []string{"192.0.2.128/25", "2001:db8:8000::/33", "8.8.8.8"} }),
			pfx("192.0.2.0/25", "198.51.100.0/24", "203.0.113.0/24"), pfx("2001:db8::/33"), []string{"CN:3:1"}},
		{"allow a host", with(func(c *Config) { c.Allow = []string{"203.0.113.0"} }),
			pfx("192.0.2.0/24", "198.51.100.0/24", "203.0.113.1/32", "203.0.113.2/31", "203.0.113.4/30", "203.0.113.8/29",
				"203.0.113.16/28", "203.0.113.32/27", "203.0.113.64/26", "203.0.113.128/25"), pfx("2001:db8::/32"), []string{"CN:10:1"}},
		{"extra merges", with(func(c *Config) { c.Extra = []string{"192.0.3.0/24", "2001:db9::/32"} }),
			pfx("192.0.2.0/23", "198.51.100.0/24", "203.0.113.0/24"), pfx("2001:db8::/31"), []string{"CN:3:1"}},
		{"allow beats extra", with(func(c *Config) { c.Extra = []string{"10.0.0.0/8"}; c.Allow = []string{"10.0.0.0/9"} }),
			pfx("10.128.0.0/9", "192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24"), pfx("2001:db8::/32"), []string{"CN:3:1"}},
		{"ipv4 only", with(func(c *Config) { c.Families = []Family{IPv4} }),
			pfx("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24"), nil, []string{"CN:3:0"}},
		{"ipv6 only", with(func(c *Config) { c.Families = []Family{IPv6} }),
			nil, pfx("2001:db8::/32"), []string{"CN:0:1"}},
		{"several countries", with(func(c *Config) { c.Countries = []string{"US", "CN", "JP"} }),
			pfx("192.0.2.0/24", "198.18.0.0/15", "198.51.100.0/24", "203.0.113.0/24"), pfx("2001:db8::/32", "3fff::/20"),
			[]string{"CN:3:1", "JP:0:1", "US:1:0"}},
		{"country without that family", with(func(c *Config) { c.Countries = []string{"US"} }),
			pfx("198.18.0.0/15"), pfx(), []string{"US:1:0"}},
		{"extra only", with(func(c *Config) { c.Countries = nil; c.Extra = []string{"192.0.2.1"} }),
			pfx("192.0.2.1/32"), pfx(), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d, err := Compile(testDB(), tt.p)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.v4, d.V4, prefixCmp); diff != "" || (tt.v4 == nil) != (d.V4 == nil) {
				t.Errorf("V4 (-want +got):\n%s (nil: want %v got %v)", diff, tt.v4 == nil, d.V4 == nil)
			}
			if diff := cmp.Diff(tt.v6, d.V6, prefixCmp); diff != "" || (tt.v6 == nil) != (d.V6 == nil) {
				t.Errorf("V6 (-want +got):\n%s (nil: want %v got %v)", diff, tt.v6 == nil, d.V6 == nil)
			}
			var sizes []string
			for _, s := range d.Sizes {
				sizes = append(sizes, strings.Join([]string{s.Country, strconv.Itoa(s.V4.Prefixes), strconv.Itoa(s.V6.Prefixes)}, ":"))
			}
			if diff := cmp.Diff(tt.sizes, sizes); diff != "" {
				t.Errorf("Sizes (-want +got):\n%s", diff)
			}
			if d.Policy != Digest(tt.p) || !strings.HasPrefix(d.Policy, "sha256:") || len(d.Policy) != len("sha256:")+64 {
				t.Errorf("Policy %q, want Digest's sha256:<64 hex>", d.Policy)
			}
			if d.Data.Date != "2026-02-01" {
				t.Errorf("Data %+v does not carry the database's meta", d.Data)
			}
		})
	}
}

func TestCompileErrors(t *testing.T) {
	t.Parallel()
	with := func(f func(*Config)) Config {
		c := DefaultConfig()
		f(&c)
		return c
	}
	tests := []struct {
		name string
		p    Config
		want string
	}{
		{"invalid", with(func(c *Config) { c.Countries = []string{"china"} }),
			`block.countries[0]: "china" is not an ISO 3166 alpha-2 code in upper case, e.g. CN`},
		{"unknown country", with(func(c *Config) { c.Countries = []string{"CN", "XX"} }),
			"block.countries: XX is not in the country database (test 2026-02-01); check the code, or run 'seawall geo update'"},
		{"no prefixes in the families", with(func(c *Config) { c.Countries = []string{"US"}; c.Families = []Family{IPv6} }),
			"block.countries: US has no IPv6 prefixes in the country database (test 2026-02-01); refusing an empty block"},
		{"allow covers a country", with(func(c *Config) {
			c.Countries = []string{"CN", "US"}
			c.Allow = []string{"198.18.0.0/16", "198.19.0.0/16"}
		}), "block.allow covers every IPv4 or IPv6 address of US; refusing an empty block (remove US from block.countries instead)"},
		{"allow covers extra", with(func(c *Config) {
			c.Countries = nil
			c.Extra = []string{"192.0.2.0/24"}
			c.Allow = []string{"192.0.0.0/16"}
		}), "block.allow covers every address in block.extra; nothing is left to block"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d, err := Compile(testDB(), tt.p)
			if err == nil {
				t.Fatalf("Compile succeeded with %+v; want %q", d, tt.want)
			}
			if diff := cmp.Diff(tt.want, err.Error()); diff != "" {
				t.Errorf("error (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDigest(t *testing.T) {
	t.Parallel()
	base := DefaultConfig()
	base.Countries = []string{"CN", "HK"}
	base.Allow = []string{"192.0.2.0/24"}
	same := []Config{base}
	c := base
	c.Countries = []string{"HK", "CN"}
	c.Directions = []Direction{Forwarded, Outbound, Inbound}
	c.Families = []Family{IPv6, IPv4}
	c.Allow = []string{"192.0.2.128/25", "192.0.2.0/25"}
	c.Management = []string{"198.51.100.0/24"}
	c.Guard.MaxShrinkPercent = 50
	c.Log.Rate = "1/day" // logging is off: the rate shapes nothing
	same = append(same, c)
	for i, s := range same {
		if Digest(s) != Digest(base) {
			t.Errorf("policy %d: digest %s, want the same as %s: it blocks the same way", i, Digest(s), Digest(base))
		}
	}
	differ := map[string]func(*Config){
		"countries":  func(c *Config) { c.Countries = []string{"CN"} },
		"directions": func(c *Config) { c.Directions = []Direction{Inbound} },
		"families":   func(c *Config) { c.Families = []Family{IPv4} },
		"allow":      func(c *Config) { c.Allow = []string{"192.0.2.0/25"} },
		"extra":      func(c *Config) { c.Extra = []string{"192.0.2.0/24"} },
		"log on":     func(c *Config) { c.Log.Enabled = true },
	}
	seen := map[string]string{Digest(base): "base"}
	for name, f := range differ {
		c := base
		c.Countries = append([]string(nil), base.Countries...)
		f(&c)
		dg := Digest(c)
		if other, ok := seen[dg]; ok {
			t.Errorf("changing %s gives the digest of %s", name, other)
		}
		seen[dg] = name
	}
}

func TestBlocked(t *testing.T) {
	t.Parallel()
	d, err := Compile(testDB(), DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		in, want []netip.Prefix
	}{
		{pfx("10.0.0.0/8", "2001:db9::/32"), nil},
		{pfx("192.0.2.7/32"), pfx("192.0.2.7/32")},
		{pfx("192.0.0.0/16", "2001:db8:1::/48"), pfx("192.0.2.0/24", "2001:db8:1::/48")},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, d.Blocked(tt.in), prefixCmp, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("Blocked(%v) (-want +got):\n%s", tt.in, diff)
		}
	}
}

// TestCompileReference compares Compile with the obviously correct
// definition, address by address, on random policies over a small space:
// an address is blocked exactly when a configured country or extra holds
// it and allow does not. It also checks the output is the minimal
// aggregated cover.
func TestCompileReference(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	for range 300 {
		seed := make([]byte, 48)
		for i := range seed {
			seed[i] = byte(rng.Uint32())
		}
		checkReference(t, seed)
	}
}

func FuzzCompile(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11})
	f.Add([]byte("seawall blocks country ranges"))
	f.Fuzz(func(t *testing.T, seed []byte) { checkReference(t, seed) })
}

// Bases of the small spaces the reference test enumerates: a /22 in each
// family, 1024 addresses.
var (
	base4 = netip.MustParseAddr("10.0.0.0")
	base6 = netip.MustParseAddr("2001:db8::")
)

// prefixFrom turns two bytes into a prefix inside one of the spaces.
func prefixFrom(a, b byte) netip.Prefix {
	off := uint32(binary.BigEndian.Uint16([]byte{a, b})) & 0x3ff
	bits := 22 + int(a>>4)%11 // /22 to /32 within the /22
	if a&0x80 != 0 {
		raw := base6.As16()
		raw[14], raw[15] = byte(off>>8), byte(off)
		return netip.PrefixFrom(netip.AddrFrom16(raw), 96+bits).Masked()
	}
	raw := base4.As4()
	raw[2], raw[3] = byte(off>>8), byte(off)
	return netip.PrefixFrom(netip.AddrFrom4(raw), bits).Masked()
}

func checkReference(t *testing.T, seed []byte) {
	t.Helper()
	var cc, allow, extra []netip.Prefix
	for i := 0; i+2 < len(seed); i += 3 {
		p := prefixFrom(seed[i], seed[i+1])
		switch seed[i+2] % 3 {
		case 0:
			cc = append(cc, p)
		case 1:
			allow = append(allow, p)
		default:
			extra = append(extra, p)
		}
	}
	if len(cc) == 0 {
		return
	}
	b := geo.NewBuilder()
	b.Add("CN", cc...)
	db := b.Build(geo.Meta{Source: "fuzz"})
	p := DefaultConfig()
	for _, a := range allow {
		p.Allow = append(p.Allow, a.String())
	}
	for _, e := range extra {
		p.Extra = append(p.Extra, e.String())
	}
	d, err := Compile(db, p)
	if err != nil {
		if strings.Contains(err.Error(), "refusing an empty block") {
			// The guard: allow covers the whole country. Check that it does.
			if left := prefixset.Subtract(cc, allow); len(left) != 0 {
				t.Fatalf("Compile refused %v minus %v, which leaves %v", cc, allow, left)
			}
			return
		}
		t.Fatal(err)
	}
	got := d.All()
	if diff := cmp.Diff(prefixset.Aggregate(got), got, prefixCmp); diff != "" {
		t.Fatalf("output is not a minimal sorted cover (-aggregated +got):\n%s", diff)
	}
	in := func(ps []netip.Prefix, a netip.Addr) bool {
		for _, p := range ps {
			if p.Contains(a) {
				return true
			}
		}
		return false
	}
	for _, base := range []netip.Addr{base4, base6} {
		a := base
		for range 1024 {
			want := (in(cc, a) || in(extra, a)) && !in(allow, a)
			if in(got, a) != want {
				t.Fatalf("%s: blocked %v, want %v (country %v, extra %v, allow %v, output %v)", a, !want, want, cc, extra, allow, got)
			}
			a = a.Next()
		}
	}
}

func TestDesiredJSON(t *testing.T) {
	t.Parallel()
	p := DefaultConfig()
	p.Log.Enabled = true
	d, err := Compile(testDB(), p)
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"countries":["CN"]`, `"ipv4":["192.0.2.0/24","198.51.100.0/24","203.0.113.0/24"]`, `"ipv6":["2001:db8::/32"]`, `"log":"10/minute"`, `"policy":"sha256:`, `"date":"2026-02-01"`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("JSON lacks %s:\n%s", want, b)
		}
	}
}

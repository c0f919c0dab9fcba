package export_test

import (
	"bufio"
	"bytes"
	"maps"
	"net/netip"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/seawall/seawall/internal/enforce"
	"github.com/seawall/seawall/internal/enforce/export"
	"github.com/seawall/seawall/internal/geo"
	"github.com/seawall/seawall/internal/testenv"
)

// docDB maps the documentation ranges to CN, standing in for the real
// country: small enough to read in a golden file, shaped like the real
// thing (several IPv4 prefixes, an IPv6 one).
func docDB() *geo.DB {
	b := geo.NewBuilder()
	for _, s := range []string{"192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24", "2001:db8::/32"} {
		b.Add("CN", netip.MustParsePrefix(s))
	}
	b.Add("US", netip.MustParsePrefix("198.18.0.0/15"))
	return b.Build(geo.Meta{Source: "testdata", Date: "2026-02-01"})
}

// policies are the golden cases: the default policy with an allow and
// extra entries that exercise prefix splitting and host routes, and a
// narrow one (one direction, one family, logging).
func policies() map[string]enforce.Config {
	def := enforce.DefaultConfig()
	def.Allow = []string{"203.0.113.128/25", "2001:db8:8000::/33"}
	def.Extra = []string{"198.18.0.1", "3fff::1"}

	narrow := enforce.DefaultConfig()
	narrow.Directions = []enforce.Direction{enforce.Inbound}
	narrow.Families = []enforce.Family{enforce.IPv4}
	narrow.Allow = []string{"198.51.100.0/25"}
	narrow.Log = enforce.LogConfig{Enabled: true, Rate: "5/second"}
	return map[string]enforce.Config{"default": def, "inbound-ipv4-log": narrow}
}

func compile(t testing.TB, db *geo.DB, p enforce.Config) *enforce.Desired {
	t.Helper()
	d, err := enforce.Compile(db, p)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	testenv.Golden(t, filepath.Join("testdata", name), got)
}

func TestRenderGolden(t *testing.T) {
	t.Parallel()
	db := docDB()
	for name, p := range policies() {
		d := compile(t, db, p)
		for _, f := range export.Names() {
			t.Run(name+"/"+f, func(t *testing.T) {
				t.Parallel()
				out, err := export.Render(f, d)
				if err != nil {
					t.Fatal(err)
				}
				golden(t, f+"."+name+".golden", out)
			})
		}
	}
}

// TestHeader checks that every output opens, in the format's own comment
// syntax, with seawall's name, the countries, the data date and source
// and the whole policy digest.
func TestHeader(t *testing.T) {
	t.Parallel()
	d := compile(t, docDB(), policies()["default"])
	leaders := map[string]string{"nft": "#", "ipset": "#", "cisco-ios": "!", "cisco-iosxr": "!", "junos": "#", "eos": "!", "bird": "#", "frr": "!", "cidr": "#"}
	if diff := cmp.Diff(slices.Sorted(maps.Keys(leaders)), slices.Sorted(slices.Values(export.Names()))); diff != "" {
		t.Fatalf("formats (-tested +known):\n%s", diff)
	}
	for _, f := range export.Names() {
		out, err := export.Render(f, d)
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(string(out), "\n")
		if f == "nft" {
			if lines[0] != "#!/usr/sbin/nft -f" {
				t.Errorf("nft: first line %q, want the nft shebang", lines[0])
			}
			lines = lines[1:]
		}
		var head []string
		for _, l := range lines {
			if !strings.HasPrefix(l, leaders[f]) {
				break
			}
			head = append(head, l)
		}
		text := strings.Join(head, "\n")
		for _, want := range []string{"seawall", "format " + f, "countries: CN", "data: testdata 2026-02-01", "policy: " + d.Policy, "directions: inbound, outbound, forwarded"} {
			if !strings.Contains(text, want) {
				t.Errorf("%s: header lacks %q:\n%s", f, want, text)
			}
		}
	}
}

func TestRenderErrors(t *testing.T) {
	t.Parallel()
	d := compile(t, docDB(), enforce.DefaultConfig())
	tests := []struct {
		name, format string
		d            *enforce.Desired
		want         string
	}{
		{"unknown format", "pf", d, `unknown export format "pf" (known: nft, ipset, cisco-ios, cisco-iosxr, junos, eos, bird, frr, cidr)`},
		{"nil", "nft", nil, "nft: nothing to render"},
		{"empty", "cidr", &enforce.Desired{Families: enforce.Families()}, "cidr: the block is empty; refusing to render a list that blocks nothing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := export.Render(tt.format, tt.d)
			if err == nil {
				t.Fatalf("Render succeeded; want %q", tt.want)
			}
			if diff := cmp.Diff(tt.want, err.Error()); diff != "" {
				t.Errorf("error (-want +got):\n%s", diff)
			}
		})
	}
}

func TestFormatsSummaries(t *testing.T) {
	t.Parallel()
	for _, f := range export.Formats() {
		if f.Summary == "" || strings.Contains(f.Summary, "\n") || len(f.Summary) > 64 {
			t.Errorf("%s: summary %q: want one line of at most 64 characters (--help lists them in 80 columns)", f.Name, f.Summary)
		}
	}
}

// world compiles the default policy over the embedded database once.
var world = sync.OnceValues(func() (*enforce.Desired, error) {
	db, err := geo.World()
	if err != nil {
		return nil, err
	}
	return enforce.Compile(db, enforce.DefaultConfig())
})

func worldCN(t testing.TB) *enforce.Desired {
	t.Helper()
	d, err := world()
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestRenderWorld renders the full embedded CN block in every format:
// without error, the same bytes twice, and (checked through the cidr
// format) every prefix present.
func TestRenderWorld(t *testing.T) {
	t.Parallel()
	d := worldCN(t)
	if len(d.V4) < 1000 || len(d.V6) < 1000 {
		t.Fatalf("CN has %d IPv4 and %d IPv6 prefixes; the embedded data looks wrong", len(d.V4), len(d.V6))
	}
	for _, f := range export.Names() {
		t.Run(f, func(t *testing.T) {
			t.Parallel()
			a, err := export.Render(f, d)
			if err != nil {
				t.Fatal(err)
			}
			b, err := export.Render(f, d)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(a, b) {
				t.Fatal("two renders of the same block differ")
			}
			if !bytes.Contains(a, []byte(d.Data.Date)) || !bytes.Contains(a, []byte(d.Policy)) {
				t.Error("output does not name the data date and the policy digest")
			}
			if f != "cidr" {
				return
			}
			var got []netip.Prefix
			sc := bufio.NewScanner(bytes.NewReader(a))
			for sc.Scan() {
				if l := sc.Text(); !strings.HasPrefix(l, "#") {
					got = append(got, netip.MustParsePrefix(l))
				}
			}
			if diff := cmp.Diff(d.All(), got, cmp.Comparer(func(a, b netip.Prefix) bool { return a == b })); diff != "" {
				t.Errorf("cidr output is not the block (-want +got):\n%s", diff)
			}
		})
	}
}

// sections splits the ipset format into its three parts.
func sections(t testing.TB, out []byte) map[string][]byte {
	t.Helper()
	secs := map[string][]byte{}
	cur := ""
	for _, l := range strings.SplitAfter(string(out), "\n") {
		if rest, ok := strings.CutPrefix(l, export.SectionMarker); ok {
			cur, _, _ = strings.Cut(rest, " ")
			continue
		}
		if cur != "" {
			secs[cur] = append(secs[cur], l...)
		}
	}
	return secs
}

func TestIpsetSections(t *testing.T) {
	t.Parallel()
	for name, p := range policies() {
		d := compile(t, docDB(), p)
		out, err := export.Render("ipset", d)
		if err != nil {
			t.Fatal(err)
		}
		want := []string{"ipset", "iptables"}
		if d.Has(enforce.IPv6) {
			want = append(want, "ip6tables")
		}
		slices.Sort(want)
		if diff := cmp.Diff(want, slices.Sorted(maps.Keys(sections(t, out)))); diff != "" {
			t.Errorf("%s: sections (-want +got):\n%s", name, diff)
		}
	}
}

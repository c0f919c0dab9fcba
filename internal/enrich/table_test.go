package enrich

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/seawall/seawall/internal/flow"
	"github.com/seawall/seawall/internal/geo"
	"github.com/seawall/seawall/internal/inventory"
	"github.com/seawall/seawall/internal/prefixset/prefixsettest"
	"github.com/seawall/seawall/internal/testenv"
)

func cc(s string) [2]byte { return [2]byte{s[0], s[1]} }

// fixture is a small hand-written world: a user database that maps
// documentation, private and multicast ranges to CN, as test databases
// given with --geo-db do, plus policy, lists, ASNs and an inventory.
func fixture(t testing.TB, mode geo.SpecialMode) Sources {
	b := geo.NewBuilder()
	b.Add("CN", prefixsettest.Prefixes(t, "192.0.2.0/24", "10.0.0.0/8", "224.0.0.0/4", "1.2.3.0/24", "2001:db8::/32", "fc00::/7", "100.64.0.0/10")...)
	b.Add("US", prefixsettest.Prefixes(t, "1.0.0.0/8", "198.51.100.0/24")...)
	return Sources{
		Geo:     b.Build(geo.Meta{Source: "fixture"}),
		GeoMode: mode,
		Block:   prefixsettest.Prefixes(t, "1.2.0.0/16", "2001:db8:1::/48"),
		ASN: []ASNRange{
			{First: addr("1.0.0.0"), Last: addr("1.0.5.10"), ASN: 38803},
			{First: addr("::ffff:1.2.3.0"), Last: addr("::ffff:1.2.3.255"), ASN: 4134},
			{First: addr("2001:db8::"), Last: addr("2001:db8::ff"), ASN: 64500},
		},
		Lists: []List{
			{Name: "wide", Prefixes: prefixsettest.Prefixes(t, "1.0.0.0/8")},
			{Name: "narrow", Prefixes: prefixsettest.Prefixes(t, "1.2.3.4/32", "2001:db8::/32")},
		},
		Inventory: &inventory.Config{
			Devices: []inventory.Device{
				{Name: "r1", Addresses: []netip.Addr{addr("10.0.0.1")}, Loopbacks: []netip.Addr{addr("10.255.0.1")}},
				{Name: "r2", Addresses: []netip.Addr{addr("10.0.0.1"), addr("2001:db8::1")}},
			},
			ManagementNetworks: prefixsettest.Prefixes(t, "10.0.0.0/16"),
			JumpHosts:          []netip.Addr{addr("10.0.0.5")},
			AAAServers:         []netip.Addr{addr("10.0.1.1")},
			NMS:                []netip.Addr{addr("10.0.1.2")},
			SyslogCollectors:   []netip.Addr{addr("10.0.1.3")},
			FlowCollectors:     []netip.Addr{addr("10.0.1.4")},
			NTPServers:         []netip.Addr{addr("10.0.1.5")},
			TunnelPeers:        prefixsettest.Prefixes(t, "198.51.100.0/24"),
			BGPPeers:           []netip.Addr{addr("198.51.100.1")},
			SensitiveHosts: []inventory.SensitiveHost{
				{Name: "cdr", Prefix: netip.MustParsePrefix("10.9.0.0/16"), Kind: "cdr"},
				{Name: "li", Prefix: netip.MustParsePrefix("10.9.9.0/24"), Kind: "li"},
			},
		},
	}
}

func TestLookupPrecedence(t *testing.T) {
	const (
		over = geo.SpecialsOverride
		fall = geo.SpecialsFallback
	)
	tests := []struct {
		name string
		mode geo.SpecialMode
		addr string
		want Tags
	}{
		{"nothing", over, "8.8.8.8", Tags{}},
		{"country", over, "1.9.9.9", Tags{Country: cc("US"), Threat: 1}},
		{"more specific country wins", over, "1.2.3.9", Tags{Country: cc("CN"), ASN: 4134, Blocked: true, Threat: 1}},
		{"threat lists add up", over, "1.2.3.4", Tags{Country: cc("CN"), ASN: 4134, Blocked: true, Threat: 3}},
		{"unaligned ASN range end", over, "1.0.5.10", Tags{Country: cc("US"), ASN: 38803, Threat: 1}},
		{"past the ASN range", over, "1.0.5.11", Tags{Country: cc("US"), Threat: 1}},
		{"mapped looked up as IPv4", over, "::ffff:1.2.3.4", Tags{Country: cc("CN"), ASN: 4134, Blocked: true, Threat: 3}},

		{"registry: documentation is special", over, "192.0.2.1", Tags{Special: true}},
		{"user db: documentation takes the data", fall, "192.0.2.1", Tags{Country: cc("CN")}},
		{"user db: IPv6 documentation takes the data", fall, "2001:db8:1::9", Tags{Country: cc("CN"), Blocked: true, Threat: 2}},
		{"registry: IPv6 documentation is special", over, "2001:db8:1::9", Tags{Special: true, Blocked: true, Threat: 2}},
		{"user db: private never a country", fall, "10.200.0.1", Tags{Special: true}},
		{"user db: multicast never a country", fall, "239.1.1.1", Tags{Special: true}},
		{"user db: broadcast never a country", fall, "255.255.255.255", Tags{Special: true}},
		{"user db: unique local never a country", fall, "fd00::1", Tags{Special: true}},
		{"user db: CGN never a country", fall, "100.64.1.1", Tags{Special: true}},
		{"user db: data outside specials", fall, "1.9.9.9", Tags{Country: cc("US"), Threat: 1}},
		{"special without data", fall, "198.18.0.1", Tags{Special: true}},

		{"device in management network", over, "10.0.0.1", Tags{Special: true, Roles: RoleDevice | RoleManagement, Device: 2}},
		{"loopback", over, "10.255.0.1", Tags{Special: true, Roles: RoleLoopback, Device: 1}},
		{"IPv6 device", over, "2001:db8::1", Tags{Special: true, ASN: 64500, Threat: 2, Roles: RoleDevice, Device: 2}},
		{"jump host in management network", over, "10.0.0.5", Tags{Special: true, Roles: RoleJumpHost | RoleManagement}},
		{"AAA", over, "10.0.1.1", Tags{Special: true, Roles: RoleAAA | RoleManagement}},
		{"NMS", over, "10.0.1.2", Tags{Special: true, Roles: RoleNMS | RoleManagement}},
		{"syslog", over, "10.0.1.3", Tags{Special: true, Roles: RoleSyslog | RoleManagement}},
		{"flow collector", over, "10.0.1.4", Tags{Special: true, Roles: RoleFlowCollector | RoleManagement}},
		{"NTP", over, "10.0.1.5", Tags{Special: true, Roles: RoleNTP | RoleManagement}},
		{"tunnel and BGP peer", over, "198.51.100.1", Tags{Special: true, Roles: RoleTunnelPeer | RoleBGPPeer}},
		{"user db: tunnel peer in documentation space", fall, "198.51.100.2", Tags{Country: cc("US"), Roles: RoleTunnelPeer}},
		{"sensitive", over, "10.9.1.1", Tags{Special: true, Roles: RoleSensitive, Sensitive: 1}},
		{"most specific sensitive wins", over, "10.9.9.9", Tags{Special: true, Roles: RoleSensitive, Sensitive: 2}},
		{"invalid address", over, "", Tags{}},
	}
	tables := map[geo.SpecialMode]*Table{}
	for _, m := range []geo.SpecialMode{over, fall} {
		tab, err := Build(fixture(t, m))
		if err != nil {
			t.Fatal(err)
		}
		tables[m] = tab
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var a netip.Addr
			if tt.addr != "" {
				a = addr(tt.addr)
			}
			got := tables[tt.mode].Lookup(a)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Lookup(%s) mismatch (-want +got):\n%s", tt.addr, diff)
			}
			if ref := (reference{fixture(t, tt.mode)}).lookup(a); ref != got {
				t.Errorf("reference disagrees: %+v", ref)
			}
		})
	}
}

func TestEnrich(t *testing.T) {
	tab, err := Build(fixture(t, geo.SpecialsOverride))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		r    flow.Record
		want Flow
	}{
		{
			name: "table ASNs",
			r:    flow.Record{SrcAddr: addr("1.2.3.4"), DstAddr: addr("10.0.0.1"), DstPort: 22, Proto: 6},
			want: Flow{
				Record: flow.Record{SrcAddr: addr("1.2.3.4"), DstAddr: addr("10.0.0.1"), DstPort: 22, Proto: 6},
				Src:    Tags{Country: cc("CN"), ASN: 4134, Blocked: true, Threat: 3},
				Dst:    Tags{Special: true, Roles: RoleDevice | RoleManagement, Device: 2},
				SrcASN: 4134,
			},
		},
		{
			name: "flow's own AS fields win",
			r:    flow.Record{SrcAddr: addr("1.2.3.4"), DstAddr: addr("1.0.0.1"), SrcAS: 9808, DstAS: 0},
			want: Flow{
				Record: flow.Record{SrcAddr: addr("1.2.3.4"), DstAddr: addr("1.0.0.1"), SrcAS: 9808},
				Src:    Tags{Country: cc("CN"), ASN: 4134, Blocked: true, Threat: 3},
				Dst:    Tags{Country: cc("US"), ASN: 38803, Threat: 1},
				SrcASN: 9808, DstASN: 38803,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got Flow
			got.SrcASN = 1 // stale values from a reused Flow are overwritten
			tab.Enrich(&tt.r, &got)
			if diff := cmp.Diff(tt.want, got, cmpOpts); diff != "" {
				t.Errorf("Enrich mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestListNamesAndThreats(t *testing.T) {
	tab, err := Build(fixture(t, geo.SpecialsOverride))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"wide", "narrow"}, tab.ListNames()); diff != "" {
		t.Errorf("ListNames mismatch (-want +got):\n%s", diff)
	}
	tab.ListNames()[0] = "changed"
	if got := tab.ListNames()[0]; got != "wide" {
		t.Errorf("ListNames shares its slice: %q", got)
	}
	if diff := cmp.Diff([]string{"narrow"}, tab.Threats(tab.Lookup(addr("2001:db8::9")).Threat)); diff != "" {
		t.Errorf("Threats mismatch (-want +got):\n%s", diff)
	}
}

func TestNilTableAndHolder(t *testing.T) {
	var h Holder
	if got := h.Load().Lookup(addr("1.2.3.4")); got != (Tags{}) {
		t.Errorf("nil table Lookup = %+v, want zero", got)
	}
	var f Flow
	r := flow.Record{SrcAddr: addr("1.2.3.4"), SrcAS: 7}
	h.Load().Enrich(&r, &f)
	if f.SrcASN != 7 || f.Src != (Tags{}) {
		t.Errorf("nil table Enrich = %+v", f)
	}
	if h.Load().ListNames() != nil {
		t.Error("nil table has list names")
	}

	tab, err := Build(fixture(t, geo.SpecialsOverride))
	if err != nil {
		t.Fatal(err)
	}
	// Readers see the old table or the new one, never a torn mix (run
	// under -race to check the swap).
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 1000 {
				if got := h.Load().Lookup(addr("1.9.9.9")); got != (Tags{}) && got.Country != cc("US") {
					t.Errorf("Lookup = %+v", got)
					return
				}
			}
		})
	}
	h.Store(tab)
	wg.Wait()
	if got := h.Load().Lookup(addr("1.9.9.9")).CountryCode(); got != "US" {
		t.Errorf("after Store: country %q, want US", got)
	}
}

func TestBuildErrors(t *testing.T) {
	tooMany := make([]List, MaxLists+1)
	devices := make([]inventory.Device, 40000)
	for i := range devices {
		devices[i] = inventory.Device{Name: fmt.Sprint(i), Addresses: []netip.Addr{netip.AddrFrom4([4]byte{10, 1, byte(i >> 8), byte(i)})}}
	}
	tests := []struct {
		name string
		src  Sources
		err  string
	}{
		{"too many lists", Sources{Lists: tooMany}, "65 threat lists configured; at most 64"},
		{"overlapping ASN ranges", Sources{ASN: []ASNRange{
			{First: addr("1.0.0.0"), Last: addr("1.0.0.255"), ASN: 1},
			{First: addr("::ffff:1.0.0.255"), Last: addr("::ffff:1.0.1.0"), ASN: 2},
		}}, "ASN ranges 1.0.0.0-1.0.0.255 (AS1) and ::ffff:1.0.0.255-::ffff:1.0.1.0 (AS2) overlap"},
		{"reversed ASN range", Sources{ASN: []ASNRange{{First: addr("1.0.0.9"), Last: addr("1.0.0.1"), ASN: 1}}}, "ASN range 0 (1.0.0.9-1.0.0.1, AS1) is not a valid range"},
		{"invalid list prefix", Sources{Lists: []List{{Name: "x", Prefixes: []netip.Prefix{{}}}}}, `threat list "x"[0]: invalid prefix`},
		{"invalid inventory address", Sources{Inventory: &inventory.Config{NMS: []netip.Addr{{}}}}, "inventory.nms[0]: invalid address"},
		{"invalid sensitive prefix", Sources{Inventory: &inventory.Config{SensitiveHosts: []inventory.SensitiveHost{{Name: "cdr"}}}}, "inventory.sensitive_hosts[0] (cdr): invalid prefix"},
		{"palette overflow", Sources{Inventory: &inventory.Config{Devices: devices}}, "more than 32767 distinct combinations"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Build(tt.src)
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Fatalf("error = %v, want one containing %q", err, tt.err)
			}
		})
	}
}

// TestWorldAgreesWithGeoIndex checks the flattened country answers over
// the real world table against geo's own index, which uses the same
// registry-data rule (special-purpose ranges override).
func TestWorldAgreesWithGeoIndex(t *testing.T) {
	w := loadWorld(t)
	ix, err := geo.NewIndex(w.src.Geo, geo.SpecialsOverride)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	n := 200000
	if testing.Short() {
		n = 20000
	}
	addrs := make([]netip.Addr, 0, n+1000)
	for range n {
		if rng.IntN(2) == 0 {
			addrs = append(addrs, netip.AddrFrom4([4]byte{byte(rng.Uint32()), byte(rng.Uint32()), byte(rng.Uint32()), byte(rng.Uint32())}))
		} else {
			addrs = append(addrs, w.v6[rng.IntN(len(w.v6))])
		}
	}
	for _, c := range w.src.Geo.Countries {
		for _, p := range c.V4[:min(len(c.V4), 5)] {
			r := p.Masked()
			addrs = append(addrs, r.Addr(), r.Addr().Prev())
		}
	}
	for _, a := range addrs {
		ans := ix.Lookup(a)
		got := w.tab.Lookup(a)
		if got.CountryCode() != ans.Country || got.Special != (ans.Special != nil) {
			t.Fatalf("%s: enrich says country %q special %v; geo says %q %v", a, got.CountryCode(), got.Special, ans.Country, ans.Special)
		}
	}
	for _, tc := range []struct {
		a    string
		want Tags
	}{
		{"10.1.2.3", Tags{Special: true}},
		{"192.0.2.1", Tags{Special: true}},
		{"224.0.0.5", Tags{Special: true}},
	} {
		if got := w.tab.Lookup(addr(tc.a)); got.Special != tc.want.Special || got.Country != tc.want.Country {
			t.Errorf("%s: %+v", tc.a, got)
		}
	}
}

func TestCountryCode(t *testing.T) {
	for _, cc := range []string{"AA", "CN", "US", "ZZ", "HK"} {
		if got := (Tags{Country: [2]byte{cc[0], cc[1]}}).CountryCode(); got != cc {
			t.Errorf("CountryCode(%s) = %q", cc, got)
		}
	}
	if got := (Tags{}).CountryCode(); got != "" {
		t.Errorf("unknown country = %q", got)
	}
	if got := (Tags{Country: [2]byte{'x', '1'}}).CountryCode(); got != "x1" {
		t.Errorf("odd code = %q", got)
	}
	testenv.SkipIfRace(t)
	tg := Tags{Country: [2]byte{'C', 'N'}}
	if n := testing.AllocsPerRun(100, func() { _ = tg.CountryCode() }); n != 0 {
		t.Errorf("CountryCode allocates %v times", n)
	}
}

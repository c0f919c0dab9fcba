package enrich

// Lookup and Enrich speed over the real world table (geo's embedded
// database), a realistic inventory, a 10,000-entry threat list and a
// synthetic iptoasn-sized ASN table:
//
//	go test -run '^$' -bench . -count 6 ./internal/enrich/ | tee bench.txt
//	go tool -modfile=tools/go.mod benchstat bench.txt

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"slices"
	"sync"
	"testing"

	"github.com/seawall/seawall/internal/flow"
	"github.com/seawall/seawall/internal/geo"
	"github.com/seawall/seawall/internal/inventory"
	"github.com/seawall/seawall/internal/prefixset"
	"github.com/seawall/seawall/internal/testenv"
)

const nAddrs = 1 << 18

type world struct {
	src    Sources       // without ASN
	tab    *Table        // built from src
	tabASN *Table        // src with the synthetic ASN table
	nASN   int           // ranges in it
	v4     []netip.Addr  // uniform over the IPv4 space
	v6     []netip.Addr  // inside delegated IPv6 prefixes
	flows  []flow.Record // only their addresses are used
}

// loadWorld builds the benchmark world once per test process.
func loadWorld(tb testing.TB) *world {
	tb.Helper()
	w, err := worldOnce()
	if err != nil {
		tb.Fatal(err)
	}
	return w
}

var worldOnce = sync.OnceValues(func() (*world, error) {
	db, err := geo.World()
	if err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(42, 42))
	block, err := db.Ranges("CN", "HK", "MO", "RU", "KP", "IR")
	if err != nil {
		return nil, err
	}
	var v4all, v6all []netip.Prefix
	for _, c := range db.Countries {
		v4all = append(v4all, c.V4...)
		v6all = append(v6all, c.V6...)
	}
	w := &world{
		src: Sources{Geo: db, GeoMode: geo.SpecialsOverride, Block: block, Lists: []List{
			threatList(rng, v4all, v6all),
			{Name: "salt-typhoon-aa25-239a", Prefixes: slices.Collect(func(yield func(netip.Prefix) bool) {
				for range 80 {
					if !yield(netip.PrefixFrom(randIn(rng, v4all[rng.IntN(len(v4all))]), 32)) {
						return
					}
				}
			})},
		}, Inventory: carrierInventory(rng)},
	}
	if w.tab, err = Build(w.src); err != nil {
		return nil, err
	}
	withASN := w.src
	withASN.ASN = syntheticASN(rng, v4all, v6all)
	w.nASN = len(withASN.ASN)
	if w.tabASN, err = Build(withASN); err != nil {
		return nil, err
	}
	for range nAddrs {
		u := rng.Uint32()
		w.v4 = append(w.v4, netip.AddrFrom4([4]byte{byte(u >> 24), byte(u >> 16), byte(u >> 8), byte(u)}))
		w.v6 = append(w.v6, randIn(rng, v6all[rng.IntN(len(v6all))]))
	}
	// Flows as a PE's exporter sees them: one end an internet address,
	// the other the carrier's own (devices, servers, subscribers); one in
	// ten over IPv6.
	inv := w.src.Inventory
	for i := range nAddrs {
		r := flow.Record{Proto: 6, SrcPort: uint16(rng.Uint32()), DstPort: 443, Bytes: 1500, Packets: 1}
		if i%10 == 0 {
			r.SrcAddr, r.DstAddr = w.v6[i], randIn(rng, netip.MustParsePrefix("2001:db8:100::/40"))
		} else {
			r.SrcAddr = netip.AddrFrom4(v4all[rng.IntN(len(v4all))].Addr().As4()) // inside delegated space
			r.SrcAddr = randIn(rng, netip.PrefixFrom(r.SrcAddr, 24))
			switch rng.IntN(4) {
			case 0:
				d := inv.Devices[rng.IntN(len(inv.Devices))]
				r.DstAddr = d.Addresses[0]
			default:
				r.DstAddr = randIn(rng, netip.MustParsePrefix("100.64.0.0/10")) // CGN subscribers
			}
		}
		if i%2 == 0 {
			r.SrcAddr, r.DstAddr = r.DstAddr, r.SrcAddr
		}
		w.flows = append(w.flows, r)
	}
	return w, nil
})

// threatList returns 10,000 entries: mostly single addresses spread over
// delegated space, some /24s and IPv6 /48s, as commercial feeds look.
func threatList(rng *rand.Rand, v4, v6 []netip.Prefix) List {
	l := List{Name: "feed"}
	for i := range 10000 {
		switch {
		case i%20 == 0:
			p, _ := randIn(rng, v4[rng.IntN(len(v4))]).Prefix(24)
			l.Prefixes = append(l.Prefixes, p)
		case i%25 == 1:
			p, _ := randIn(rng, v6[rng.IntN(len(v6))]).Prefix(48)
			l.Prefixes = append(l.Prefixes, p)
		default:
			l.Prefixes = append(l.Prefixes, netip.PrefixFrom(randIn(rng, v4[rng.IntN(len(v4))]), 32))
		}
	}
	return l
}

// carrierInventory returns 2,000 devices with two interface addresses and
// a loopback each, and the servers and networks around them.
func carrierInventory(rng *rand.Rand) *inventory.Config {
	inv := &inventory.Config{
		ManagementNetworks: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/16"), netip.MustParsePrefix("172.16.0.0/20"), netip.MustParsePrefix("2001:db8:100::/48")},
		TunnelPeers:        []netip.Prefix{netip.MustParsePrefix("192.0.2.0/28")},
	}
	for i := range 2000 {
		inv.Devices = append(inv.Devices, inventory.Device{
			Name:      fmt.Sprintf("pe%04d", i),
			Addresses: []netip.Addr{netip.AddrFrom4([4]byte{10, 0, byte(i >> 8), byte(i)}), netip.AddrFrom4([4]byte{10, 20, byte(i >> 8), byte(i)})},
			Loopbacks: []netip.Addr{netip.AddrFrom4([4]byte{10, 255, byte(i >> 8), byte(i)})},
		})
	}
	for i := range 8 {
		a := netip.AddrFrom4([4]byte{10, 0, 250, byte(i)})
		inv.JumpHosts = append(inv.JumpHosts, a)
		inv.AAAServers = append(inv.AAAServers, a.Next())
		inv.NMS = append(inv.NMS, netip.AddrFrom4([4]byte{10, 0, 251, byte(i)}))
		inv.SyslogCollectors = append(inv.SyslogCollectors, netip.AddrFrom4([4]byte{10, 0, 252, byte(i)}))
		inv.FlowCollectors = append(inv.FlowCollectors, netip.AddrFrom4([4]byte{10, 0, 253, byte(i)}))
		inv.NTPServers = append(inv.NTPServers, netip.AddrFrom4([4]byte{10, 0, 254, byte(i)}))
	}
	for range 500 {
		inv.BGPPeers = append(inv.BGPPeers, randIn(rng, netip.MustParsePrefix("198.18.0.0/15")))
	}
	for i := range 40 {
		inv.SensitiveHosts = append(inv.SensitiveHosts, inventory.SensitiveHost{Name: fmt.Sprint("cdr", i), Prefix: netip.PrefixFrom(netip.AddrFrom4([4]byte{10, 30, byte(i), 0}), 24), Kind: "cdr"})
	}
	return inv
}

// syntheticASN cuts every delegated prefix into one to three ranges at
// random, unaligned points, with random origins: about the size and shape
// of iptoasn's table (some 500,000 rows), which the repository does not
// carry.
func syntheticASN(rng *rand.Rand, v4, v6 []netip.Prefix) []ASNRange {
	var out []ASNRange
	for _, p := range slices.Concat(v4, v6) {
		r := prefixset.PrefixRange(p)
		k := 1 + rng.IntN(3)
		cuts := []prefixset.U128{r.First}
		for range k - 1 {
			c := prefixset.FromAddr(randIn(rng, p))
			if c.Cmp(r.First) > 0 {
				cuts = append(cuts, c)
			}
		}
		slices.SortFunc(cuts, prefixset.U128.Cmp)
		cuts = slices.Compact(cuts)
		for i, c := range cuts {
			last := r.Last
			if i+1 < len(cuts) {
				last = cuts[i+1].SubOne()
			}
			out = append(out, ASNRange{First: c.Addr(r.Bits), Last: last.Addr(r.Bits), ASN: 1 + uint32(rng.IntN(80000))})
		}
	}
	return out
}

func BenchmarkLookup(b *testing.B) {
	w := loadWorld(b)
	for _, tc := range []struct {
		name string
		tab  *Table
	}{{"asn=none", w.tab}, {"asn=iptoasn", w.tabASN}} {
		for _, fam := range []struct {
			name  string
			addrs []netip.Addr
		}{{"v4", w.v4}, {"v6", w.v6}} {
			b.Run(tc.name+"/"+fam.name, func(b *testing.B) {
				b.ReportAllocs()
				var sink Role
				i := 0
				for b.Loop() {
					sink |= tc.tab.Lookup(fam.addrs[i&(nAddrs-1)]).Roles
					i++
				}
				_ = sink
			})
		}
	}
}

// BenchmarkEnrich tags one flow per op. A decoder hands Enrich a record
// it has just written, so the loop writes the addresses into one reused
// record (as a decoder's batch buffer would be, hot in cache) rather than
// streaming a cold array of records through memory.
func BenchmarkEnrich(b *testing.B) {
	w := loadWorld(b)
	for _, tc := range []struct {
		name string
		tab  *Table
	}{{"asn=none", w.tab}, {"asn=iptoasn", w.tabASN}} {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			r := flow.Record{Proto: 6, SrcPort: 51515, DstPort: 443, Bytes: 1500, Packets: 1}
			var out Flow
			i := 0
			for b.Loop() {
				f := &w.flows[i&(nAddrs-1)]
				r.SrcAddr, r.DstAddr = f.SrcAddr, f.DstAddr
				tc.tab.Enrich(&r, &out)
				i++
			}
		})
	}
}

func BenchmarkBuild(b *testing.B) {
	w := loadWorld(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Build(w.src); err != nil {
			b.Fatal(err)
		}
	}
}

func TestLookupAllocs(t *testing.T) {
	testenv.SkipIfRace(t)
	w := loadWorld(t)
	var out Flow
	i := 0
	for _, tab := range []*Table{w.tab, w.tabASN, nil} {
		if n := testing.AllocsPerRun(1000, func() {
			tab.Lookup(w.v4[i%nAddrs])
			tab.Lookup(w.v6[i%nAddrs])
			tab.Lookup(netip.AddrFrom16(w.v4[i%nAddrs].As16()))
			tab.Enrich(&w.flows[i%nAddrs], &out)
			i++
		}); n != 0 {
			t.Errorf("Lookup and Enrich allocate %v times per run, want 0", n)
		}
	}
}

// TestWorldASN checks iptoasn-shaped ranges cut from real delegated
// prefixes against the reference, and logs the benchmark tables' sizes.
func TestWorldASN(t *testing.T) {
	w := loadWorld(t)
	var v4, v6 []netip.Prefix
	for _, c := range w.src.Geo.Countries {
		v4 = append(v4, c.V4[:min(len(c.V4), 40)]...)
		v6 = append(v6, c.V6[:min(len(c.V6), 10)]...)
	}
	rs := syntheticASN(rand.New(rand.NewPCG(5, 6)), v4, v6)
	src := Sources{ASN: rs}
	tab, err := Build(src)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(7, 8))
	var addrs []netip.Addr
	for range 300 {
		r := rs[rng.IntN(len(rs))]
		addrs = append(addrs, r.First, r.Last, r.First.Prev(), r.Last.Next())
	}
	checkAgainstReference(t, src, tab, addrs)
	t.Logf("benchmark tables: %d ASN ranges, palette of %d tags, trie %d bytes", w.nASN, len(w.tab.palette), w.tab.tags.Stats().Bytes)
}

package geo

// Lookup speed, side by side with the peers the issue names: run
//
//	go test -run '^$' -bench 'World|CN' -count 10 ./internal/geo/ | tee bench.txt
//	benchstat -col /impl bench.txt
//
// Every benchmark looks up the same 2^20 addresses (seeded, uniform over
// the family's whole space unless the name says otherwise) through
// netip.Addr, the type callers hold.

import (
	"bytes"
	"math/rand/v2"
	"net"
	"net/netip"
	"runtime"
	"sync"
	"testing"

	"github.com/gaissmai/bart"
	"github.com/maxmind/mmdbwriter"
	"github.com/maxmind/mmdbwriter/mmdbtype"
	"github.com/oschwald/maxminddb-golang/v2"

	"github.com/seawall/seawall/internal/prefixset"
)

const nAddrs = 1 << 20

type peerWorld struct {
	db   *DB
	ix   *Index
	bt   *bart.Table[uint16]
	bf   *bart.Fast[uint16]
	mmdb *maxminddb.Reader
	cn   []netip.Prefix
	set  *prefixset.Set
	lite *bart.Lite
	v4   []netip.Addr // uniform IPv4
	u4   []uint32     // the same addresses as integers
	u6   [][2]uint64  // v6 as integers
	u6a  [][2]uint64  // v6a as integers
	v6   []netip.Addr // uniform IPv6
	v6a  []netip.Addr // IPv6 inside delegated prefixes
}

// loadWorld builds every structure once per test process, so -count=10
// does not rebuild the MMDB ten times.
var loadWorld = sync.OnceValues(func() (*peerWorld, error) {
	db, err := World()
	if err != nil {
		return nil, err
	}
	ix, err := NewIndex(db, SpecialsOverride)
	if err != nil {
		return nil, err
	}
	w := &peerWorld{db: db, ix: ix, bt: new(bart.Table[uint16]), bf: new(bart.Fast[uint16]), lite: new(bart.Lite)}
	tree, err := mmdbwriter.New(mmdbwriter.Options{DatabaseType: "seawall-country", IPVersion: 6, RecordSize: 24, IncludeReservedNetworks: true})
	if err != nil {
		return nil, err
	}
	var all []netip.Prefix
	for i, c := range db.Countries {
		rec := mmdbtype.Map{"country": mmdbtype.Map{"iso_code": mmdbtype.String(c.Code)}}
		for _, fam := range [][]netip.Prefix{c.V4, c.V6} {
			for _, p := range fam {
				w.bt.Insert(p, uint16(i+1))
				w.bf.Insert(p, uint16(i+1))
				all = append(all, p)
				if err := tree.Insert(ipNet(p), rec); err != nil {
					return nil, err
				}
			}
		}
	}
	var buf bytes.Buffer
	if _, err := tree.WriteTo(&buf); err != nil {
		return nil, err
	}
	if w.mmdb, err = maxminddb.OpenBytes(buf.Bytes()); err != nil {
		return nil, err
	}
	w.cn, err = db.Ranges("CN")
	if err != nil {
		return nil, err
	}
	if w.set, err = prefixset.NewSet(w.cn); err != nil {
		return nil, err
	}
	for _, p := range w.cn {
		w.lite.Insert(p)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	w.v4 = make([]netip.Addr, nAddrs)
	w.v6 = make([]netip.Addr, nAddrs)
	w.v6a = make([]netip.Addr, nAddrs)
	var v6 []netip.Prefix
	for _, p := range all {
		if !p.Addr().Is4() {
			v6 = append(v6, p)
		}
	}
	for i := range nAddrs {
		w.v4[i] = prefixset.U128{Lo: uint64(rng.Uint32())}.Addr(32)
		w.v6[i] = prefixset.U128{Hi: rng.Uint64(), Lo: rng.Uint64()}.Addr(128)
		r := prefixset.PrefixRange(v6[rng.IntN(len(v6))])
		off := prefixset.U128{Hi: rng.Uint64(), Lo: rng.Uint64()}
		w.v6a[i] = prefixset.U128{Hi: r.First.Hi | off.Hi&(r.Last.Hi^r.First.Hi), Lo: off.Lo}.Addr(128)
	}
	w.u4 = make([]uint32, nAddrs)
	w.u6 = make([][2]uint64, nAddrs)
	w.u6a = make([][2]uint64, nAddrs)
	for i := range nAddrs {
		w.u4[i] = uint32(prefixset.FromAddr(w.v4[i]).Lo)
		u := prefixset.FromAddr(w.v6[i])
		w.u6[i] = [2]uint64{u.Hi, u.Lo}
		u = prefixset.FromAddr(w.v6a[i])
		w.u6a[i] = [2]uint64{u.Hi, u.Lo}
	}
	return w, nil
})

func ipNet(p netip.Prefix) *net.IPNet {
	return &net.IPNet{IP: p.Addr().AsSlice(), Mask: net.CIDRMask(p.Bits(), p.Addr().BitLen())}
}

func getWorld(b *testing.B) *peerWorld {
	w, err := loadWorld()
	if err != nil {
		b.Fatal(err)
	}
	return w
}

// sink keeps results alive so the compiler cannot drop the lookups.
var sink uint64

// benchPeers runs the same addresses through each peer. The loops are
// written out rather than shared through a callback: an indirect call per
// lookup costs more than the lookup.
func benchPeers(b *testing.B, w *peerWorld, addrs []netip.Addr) {
	b.Run("impl=seawall", func(b *testing.B) {
		t := w.ix.Table()
		var s uint64
		for i := 0; i < b.N; i++ {
			s += uint64(t.Lookup(addrs[i&(nAddrs-1)]))
		}
		sink += s
	})
	b.Run("impl=bart-table", func(b *testing.B) {
		var s uint64
		for i := 0; i < b.N; i++ {
			v, _ := w.bt.Lookup(addrs[i&(nAddrs-1)])
			s += uint64(v)
		}
		sink += s
	})
	b.Run("impl=bart-fast", func(b *testing.B) {
		var s uint64
		for i := 0; i < b.N; i++ {
			v, _ := w.bf.Lookup(addrs[i&(nAddrs-1)])
			s += uint64(v)
		}
		sink += s
	})
	b.Run("impl=maxminddb", func(b *testing.B) {
		var s uint64
		var cc string
		for i := 0; i < b.N; i++ {
			r := w.mmdb.Lookup(addrs[i&(nAddrs-1)])
			if r.Found() {
				if err := r.DecodePath(&cc, "country", "iso_code"); err != nil {
					b.Fatal(err)
				}
				s += uint64(len(cc))
			}
		}
		sink += s
	})
}

// BenchmarkWorld4 is the IPv4 country lookup over the whole world table.
// impl=seawall takes netip.Addr like the peers; impl=seawall-int takes the
// address as an integer, the form flow decoders hand to enrichment.
func BenchmarkWorld4(b *testing.B) {
	w := getWorld(b)
	b.Run("impl=seawall-int", func(b *testing.B) {
		t := w.ix.Table()
		var s uint64
		for i := 0; i < b.N; i++ {
			s += uint64(t.Lookup4(w.u4[i&(nAddrs-1)]))
		}
		sink += s
	})
	benchPeers(b, w, w.v4)
}

// BenchmarkWorld6 is the IPv6 lookup on uniform addresses. Most of the
// IPv6 space is undelegated, so this mostly measures the first level;
// BenchmarkWorld6Delegated is the harder case.
func BenchmarkWorld6(b *testing.B) {
	w := getWorld(b)
	b.Run("impl=seawall-int", func(b *testing.B) {
		t := w.ix.Table()
		var s uint64
		for i := 0; i < b.N; i++ {
			u := &w.u6[i&(nAddrs-1)]
			s += uint64(t.Lookup6(u[0], u[1]))
		}
		sink += s
	})
	benchPeers(b, w, w.v6)
}

// BenchmarkWorld6Delegated looks up IPv6 addresses drawn from random
// delegated prefixes, so every lookup walks to the data's full depth.
func BenchmarkWorld6Delegated(b *testing.B) {
	w := getWorld(b)
	b.Run("impl=seawall-int", func(b *testing.B) {
		t := w.ix.Table()
		var s uint64
		for i := 0; i < b.N; i++ {
			u := &w.u6a[i&(nAddrs-1)]
			s += uint64(t.Lookup6(u[0], u[1]))
		}
		sink += s
	})
	benchPeers(b, w, w.v6a)
}

// BenchmarkCN4 is membership of uniform IPv4 addresses in China's set.
func BenchmarkCN4(b *testing.B) {
	w := getWorld(b)
	b.Run("impl=seawall-int", func(b *testing.B) {
		var s uint64
		for i := 0; i < b.N; i++ {
			if w.set.Contains4(w.u4[i&(nAddrs-1)]) {
				s++
			}
		}
		sink += s
	})
	b.Run("impl=seawall", func(b *testing.B) {
		var s uint64
		for i := 0; i < b.N; i++ {
			if w.set.Contains(w.v4[i&(nAddrs-1)]) {
				s++
			}
		}
		sink += s
	})
	b.Run("impl=bart-lite", func(b *testing.B) {
		var s uint64
		for i := 0; i < b.N; i++ {
			if w.lite.Contains(w.v4[i&(nAddrs-1)]) {
				s++
			}
		}
		sink += s
	})
}

// BenchmarkBuildWorld builds the world lookup table from the decoded
// database, and reports the table's memory.
func BenchmarkBuildWorld(b *testing.B) {
	db, err := World()
	if err != nil {
		b.Fatal(err)
	}
	b.Run("impl=seawall", func(b *testing.B) {
		b.ReportAllocs()
		var ix *Index
		for b.Loop() {
			if ix, err = NewIndex(db, SpecialsOverride); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(ix.Table().Stats().Bytes)/(1<<20), "MiB")
	})
	b.Run("impl=bart-table", func(b *testing.B) {
		b.ReportAllocs()
		var t *bart.Table[uint16]
		for b.Loop() {
			t = new(bart.Table[uint16])
			for i, c := range db.Countries {
				for _, p := range c.V4 {
					t.Insert(p, uint16(i+1))
				}
				for _, p := range c.V6 {
					t.Insert(p, uint16(i+1))
				}
			}
		}
		b.ReportMetric(heapOf(func() any {
			t := new(bart.Table[uint16])
			for i, c := range db.Countries {
				for _, p := range append(c.V4[:len(c.V4):len(c.V4)], c.V6...) {
					t.Insert(p, uint16(i+1))
				}
			}
			return t
		}), "MiB")
	})
}

// BenchmarkDecodeWorld decodes the embedded snapshot.
func BenchmarkDecodeWorld(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := World(); err != nil {
			b.Fatal(err)
		}
	}
}

// heapOf reports the live heap a structure holds, in MiB.
func heapOf(build func() any) float64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	v := build()
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(v)
	return float64(after.HeapAlloc-before.HeapAlloc) / (1 << 20)
}

package enrich

// The slow, obviously correct reference the differential tests compare
// Table with: for every lookup it scans every input, kind by kind.

import (
	"math/rand/v2"
	"net/netip"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/seawall/seawall/internal/geo"
	"github.com/seawall/seawall/internal/inventory"
	"github.com/seawall/seawall/internal/prefixset"
	"github.com/seawall/seawall/internal/testenv"
)

// reference answers lookups by linear scans over src.
type reference struct{ src Sources }

// norm puts an IPv4-mapped prefix of at least /96 in IPv4 form, since
// lookups answer mapped addresses as IPv4.
func norm(p netip.Prefix) netip.Prefix {
	p = p.Masked()
	if p.Addr().Is4In6() && p.Bits() >= 96 {
		return netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
	}
	return p
}

func covers(p netip.Prefix, a netip.Addr) bool { return norm(p).Contains(a) }

func anyCovers(ps []netip.Prefix, a netip.Addr) bool {
	return slices.ContainsFunc(ps, func(p netip.Prefix) bool { return covers(p, a) })
}

func host(a netip.Addr) netip.Prefix { return netip.PrefixFrom(a, a.BitLen()) }

// best tracks the most specific covering entry; among equally specific
// ones the later wins.
type best struct {
	bits int
	ok   bool
}

func (b *best) offer(p netip.Prefix, a netip.Addr) bool {
	if !covers(p, a) || (b.ok && norm(p).Bits() < b.bits) {
		return false
	}
	b.bits, b.ok = norm(p).Bits(), true
	return true
}

func (r reference) lookup(a netip.Addr) Tags {
	a = a.Unmap().WithZone("")
	if !a.IsValid() {
		return Tags{}
	}
	var t Tags
	src := r.src

	var country [2]byte
	if src.Geo != nil {
		var b best
		for _, c := range src.Geo.Countries {
			for _, p := range slices.Concat(c.V4, c.V6) {
				if b.offer(p, a) {
					country = [2]byte{c.Code[0], c.Code[1]}
				}
			}
		}
	}
	special := slices.ContainsFunc(geo.Specials(), func(s geo.Special) bool { return s.Prefix.Contains(a) })
	never := anyCovers(geo.InternalPrefixes(), a)
	switch {
	case never:
		t.Special = true
	case special && src.GeoMode == geo.SpecialsOverride:
		t.Special = true
	case country != [2]byte{}:
		t.Country = country
	case special:
		t.Special = true
	}

	t.Blocked = anyCovers(src.Block, a)
	for i, l := range src.Lists {
		if anyCovers(l.Prefixes, a) {
			t.Threat |= 1 << i
		}
	}
	for _, rg := range src.ASN {
		f, l := rg.First, rg.Last
		if f.Is4In6() && l.Is4In6() {
			f, l = f.Unmap(), l.Unmap()
		}
		if rg.ASN != 0 && f.Is4() == a.Is4() && f.Compare(a) <= 0 && a.Compare(l) <= 0 {
			t.ASN = rg.ASN
		}
	}

	inv := src.Inventory
	if inv == nil {
		return t
	}
	var dev best
	for i, d := range inv.Devices {
		for _, x := range d.Addresses {
			if dev.offer(host(x), a) {
				t.Device = uint16(i + 1)
			}
			if covers(host(x), a) {
				t.Roles |= RoleDevice
			}
		}
		for _, x := range d.Loopbacks {
			if dev.offer(host(x), a) {
				t.Device = uint16(i + 1)
			}
			if covers(host(x), a) {
				t.Roles |= RoleLoopback
			}
		}
	}
	addrs := func(as []netip.Addr) []netip.Prefix {
		var ps []netip.Prefix
		for _, x := range as {
			ps = append(ps, host(x))
		}
		return ps
	}
	for _, x := range []struct {
		ps   []netip.Prefix
		role Role
	}{
		{inv.ManagementNetworks, RoleManagement},
		{addrs(inv.JumpHosts), RoleJumpHost},
		{addrs(inv.AAAServers), RoleAAA},
		{addrs(inv.NMS), RoleNMS},
		{addrs(inv.SyslogCollectors), RoleSyslog},
		{addrs(inv.FlowCollectors), RoleFlowCollector},
		{addrs(inv.NTPServers), RoleNTP},
		{inv.TunnelPeers, RoleTunnelPeer},
		{addrs(inv.BGPPeers), RoleBGPPeer},
	} {
		if anyCovers(x.ps, a) {
			t.Roles |= x.role
		}
	}
	var sens best
	for i, s := range inv.SensitiveHosts {
		if sens.offer(s.Prefix, a) {
			t.Sensitive = uint16(i + 1)
			t.Roles |= RoleSensitive
		}
	}
	return t
}

// anchors are where random inputs cluster, so that they overlap each
// other and the special-purpose ranges.
var anchors = []string{
	"1.2.0.0/16", "10.1.0.0/16", "100.64.0.0/12", "192.0.2.0/24", "192.168.0.0/16",
	"203.0.113.0/24", "224.0.0.0/8", "255.255.255.0/24", "45.0.0.0/8",
	"2001:db8::/32", "2400:cb00::/32", "fc00::/12", "fe80::/16", "ff02::/16", "::ffff:1.2.0.0/112",
}

// randIn returns a random address inside p.
func randIn(rng *rand.Rand, p netip.Prefix) netip.Addr {
	b := p.Masked().Addr().AsSlice()
	for i := p.Bits(); i < len(b)*8; i++ {
		if rng.IntN(2) == 1 {
			b[i/8] |= 0x80 >> (i % 8)
		}
	}
	a, _ := netip.AddrFromSlice(b)
	return a
}

// randPrefix returns a prefix near an anchor: inside it mostly, sometimes
// covering it.
func randPrefix(rng *rand.Rand) netip.Prefix {
	anc := netip.MustParsePrefix(anchors[rng.IntN(len(anchors))])
	width := anc.Addr().BitLen()
	bits := anc.Bits() - 4 + rng.IntN(18)
	if rng.IntN(40) == 0 {
		bits = rng.IntN(anc.Bits() + 1)
	}
	bits = min(max(bits, 0), width)
	p, _ := randIn(rng, anc).Prefix(bits)
	return p
}

func randPrefixes(rng *rand.Rand, n int) []netip.Prefix {
	out := make([]netip.Prefix, n)
	for i := range out {
		out[i] = randPrefix(rng)
	}
	return out
}

func randAddrs(rng *rand.Rand, n int) []netip.Addr {
	out := make([]netip.Addr, n)
	for i := range out {
		out[i] = randIn(rng, randPrefix(rng))
	}
	return out
}

// randASN returns disjoint ranges, not CIDR-aligned, some with AS 0.
func randASN(rng *rand.Rand, n int) []ASNRange {
	pts := randAddrs(rng, 2*n)
	for i, a := range pts {
		pts[i] = a.Unmap()
	}
	slices.SortFunc(pts, netip.Addr.Compare)
	pts = slices.Compact(pts)
	var out []ASNRange
	for i := 0; i+1 < len(pts); i += 2 {
		r := ASNRange{First: pts[i], Last: pts[i+1], ASN: uint32(rng.IntN(5))}
		if r.First.Is4() != r.Last.Is4() {
			continue
		}
		if r.First.Is4() && rng.IntN(4) == 0 { // as a mapped range
			r.First, r.Last = netip.AddrFrom16(r.First.As16()), netip.AddrFrom16(r.Last.As16())
		}
		out = append(out, r)
	}
	rng.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

// randSources makes overlapping inputs of every kind.
func randSources(rng *rand.Rand, n int) Sources {
	b := geo.NewBuilder()
	for _, cc := range []string{"CN", "US", "RU", "DE"} {
		b.Add(cc, randPrefixes(rng, n)...)
	}
	src := Sources{
		Geo:     b.Build(geo.Meta{Source: "random"}),
		GeoMode: geo.SpecialMode(rng.IntN(2)),
		Block:   randPrefixes(rng, n),
		ASN:     randASN(rng, n),
	}
	for i := range 1 + rng.IntN(3) {
		src.Lists = append(src.Lists, List{Name: string(rune('a' + i)), Prefixes: randPrefixes(rng, n)})
	}
	inv := &inventory.Config{
		ManagementNetworks: randPrefixes(rng, 3),
		JumpHosts:          randAddrs(rng, 3),
		AAAServers:         randAddrs(rng, 2),
		NMS:                randAddrs(rng, 2),
		SyslogCollectors:   randAddrs(rng, 2),
		FlowCollectors:     randAddrs(rng, 2),
		NTPServers:         randAddrs(rng, 2),
		TunnelPeers:        randPrefixes(rng, 3),
		BGPPeers:           randAddrs(rng, 3),
	}
	for i := range 1 + rng.IntN(6) {
		d := inventory.Device{Name: string(rune('p' + i)), Addresses: randAddrs(rng, rng.IntN(4)), Loopbacks: randAddrs(rng, rng.IntN(2))}
		if i > 0 && rng.IntN(3) == 0 { // two devices claiming one address
			d.Addresses = append(d.Addresses, inv.Devices[0].Addresses...)
		}
		inv.Devices = append(inv.Devices, d)
	}
	for range rng.IntN(5) {
		inv.SensitiveHosts = append(inv.SensitiveHosts, inventory.SensitiveHost{Name: "s", Prefix: randPrefix(rng)})
	}
	src.Inventory = inv
	return src
}

// probes returns addresses worth checking: random ones, and each input
// range's first, last and middle addresses and their neighbours.
func probes(rng *rand.Rand, src Sources) []netip.Addr {
	out := randAddrs(rng, 500)
	edges := func(first, last netip.Addr) {
		out = append(out, first, last, first.Prev(), last.Next())
		f, l := prefixset.FromAddr(first), prefixset.FromAddr(last)
		d := l.Sub(f)
		mid := f.Add(prefixset.U128{Hi: d.Hi >> 1, Lo: d.Lo>>1 | d.Hi<<63})
		out = append(out, mid.Addr(first.BitLen()))
	}
	var ps []netip.Prefix
	for _, c := range src.Geo.Countries {
		ps = slices.Concat(ps, c.V4, c.V6)
	}
	for _, s := range geo.Specials() {
		ps = append(ps, s.Prefix)
	}
	ps = slices.Concat(ps, src.Block, src.Inventory.ManagementNetworks, src.Inventory.TunnelPeers)
	for _, l := range src.Lists {
		ps = append(ps, l.Prefixes...)
	}
	for _, s := range src.Inventory.SensitiveHosts {
		ps = append(ps, s.Prefix)
	}
	for _, p := range ps {
		p = p.Masked()
		r := prefixset.PrefixRange(p)
		edges(r.First.Addr(r.Bits), r.Last.Addr(r.Bits))
	}
	for _, r := range src.ASN {
		edges(r.First, r.Last)
	}
	for _, d := range src.Inventory.Devices {
		out = append(out, d.Addresses...)
		out = append(out, d.Loopbacks...)
	}
	// The same IPv4 addresses, mapped, must answer the same.
	for _, a := range out {
		if a.Is4() && rng.IntN(4) == 0 {
			out = append(out, netip.AddrFrom16(a.As16()))
		}
	}
	return slices.DeleteFunc(out, func(a netip.Addr) bool { return !a.IsValid() })
}

// checkAgainstReference compares t with the reference on every probe.
func checkAgainstReference(t *testing.T, src Sources, tab *Table, addrs []netip.Addr) {
	t.Helper()
	ref := reference{src}
	bad := 0
	for _, a := range addrs {
		if diff := cmp.Diff(ref.lookup(a), tab.Lookup(a)); diff != "" {
			t.Errorf("Lookup(%s) mismatch (-reference +table):\n%s", a, diff)
			if bad++; bad == 5 {
				t.Fatal("too many mismatches")
			}
		}
	}
}

func TestDifferential(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	rounds := 200
	if testing.Short() || testenv.Race {
		rounds = 30
	}
	for round := range rounds {
		src := randSources(rng, 1+rng.IntN(30))
		tab, err := Build(src)
		if err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		checkAgainstReference(t, src, tab, probes(rng, src))
		if t.Failed() {
			t.Fatalf("round %d failed (mode %d)", round, src.GeoMode)
		}
	}
}

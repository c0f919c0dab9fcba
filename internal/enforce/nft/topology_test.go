package nft

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/net/icmp"
	"golang.org/x/net/ipv4"
	"golang.org/x/net/ipv6"

	"github.com/seawall/seawall/internal/prefixset"
)

// topology is three namespaces in a row, the middle one enforcing:
//
//	client (a) 10.1.0.2   ── 10.1.0.1   gateway (gw)  10.2.0.1  ── 10.2.0.2   remote (b)
//	           fd00:1::2  ── fd00:1::1                fd00:2::1 ── fd00:2::2
//
// The remote holds the "far" addresses on its loopback, as hosts behind a
// router: documentation ranges standing in for a blocked country, plus
// ones that stay reachable. Only the gateway gets a ruleset, so traffic
// between gateway and remote crosses its input and output hooks, and
// traffic between client and remote its forward hook. Links use transfer
// addresses outside the blocked ranges, so IPv6 neighbour discovery never
// needs a blocked address.
type topology struct {
	a, gw, b *netns
}

// Addresses of the topology.
var (
	clientAddr4 = netip.MustParseAddr("10.1.0.2")
	clientAddr6 = netip.MustParseAddr("fd00:1::2")
	gwAddr4     = netip.MustParseAddr("10.2.0.1") // the gateway's address toward the remote
	gwAddr6     = netip.MustParseAddr("fd00:2::1")

	// farAddrs are the remote's loopback addresses.
	farAddrs = []netip.Addr{
		netip.MustParseAddr("192.0.2.2"),        // blocked
		netip.MustParseAddr("198.51.100.2"),     // blocked
		netip.MustParseAddr("192.0.2.200"),      // inside a blocked /24 but allow-listed
		netip.MustParseAddr("203.0.113.2"),      // never blocked
		netip.MustParseAddr("2001:db8::2"),      // blocked
		netip.MustParseAddr("2001:db8:ffff::2"), // inside the blocked /32 but allow-listed
		netip.MustParseAddr("3fff::2"),          // never blocked
	}
)

// testRuleset is the "CN" of the namespace tests: two documentation /24s
// and 2001:db8::/32, with an allow-list (192.0.2.128/25,
// 2001:db8:ffff::/48) subtracted as the policy does, plus entries at both
// ends of each address space that no test traffic uses, so that the
// zero-key and open-ended encodings are in the kernel too.
func testRuleset(tb testing.TB) Ruleset {
	allow := pfx(tb, "192.0.2.128/25", "2001:db8:ffff::/48")
	v4 := prefixset.Subtract(pfx(tb, "192.0.2.0/24", "198.51.100.0/24", "0.0.0.0/32", "255.255.255.255/32"), allow)
	v6 := prefixset.Subtract(pfx(tb, "2001:db8::/32", "::/128", "ffff:ffff::/32"), allow)
	return Ruleset{IPv4: true, IPv6: true, V4: v4, V6: v6, Comment: "seawall test"}
}

func newTopology(tb testing.TB) *topology {
	tb.Helper()
	t := &topology{a: newNetns(tb, "a"), gw: newNetns(tb, "gw"), b: newNetns(tb, "b")}
	for _, n := range []*netns{t.a, t.gw, t.b} {
		// Without duplicate address detection, link-local addresses are
		// usable at once; while they are tentative, neighbour discovery
		// stalls for a second and a packet stream overflows its queue.
		n.sysctl(tb, "net.ipv6.conf.default.accept_dad", "0")
		n.sysctl(tb, "net.ipv6.conf.all.accept_dad", "0")
	}
	t.a.ip(tb, "link", "add", "a0", "type", "veth", "peer", "name", "g0", "netns", t.gw.name)
	t.b.ip(tb, "link", "add", "b0", "type", "veth", "peer", "name", "g1", "netns", t.gw.name)
	t.gw.sysctl(tb, "net.ipv4.ip_forward", "1")
	t.gw.sysctl(tb, "net.ipv6.conf.all.forwarding", "1")
	for _, c := range [][]string{
		{"addr", "add", "10.1.0.2/24", "dev", "a0"},
		{"addr", "add", "fd00:1::2/64", "dev", "a0", "nodad"},
		{"link", "set", "a0", "up"},
		{"route", "add", "default", "via", "10.1.0.1"},
		{"-6", "route", "add", "default", "via", "fd00:1::1"},
	} {
		t.a.ip(tb, c...)
	}
	for _, c := range [][]string{
		{"addr", "add", "10.1.0.1/24", "dev", "g0"},
		{"addr", "add", "fd00:1::1/64", "dev", "g0", "nodad"},
		{"addr", "add", "10.2.0.1/24", "dev", "g1"},
		{"addr", "add", "fd00:2::1/64", "dev", "g1", "nodad"},
		{"link", "set", "g0", "up"},
		{"link", "set", "g1", "up"},
		{"route", "add", "192.0.2.0/24", "via", "10.2.0.2"},
		{"route", "add", "198.51.100.0/24", "via", "10.2.0.2"},
		{"route", "add", "203.0.113.0/24", "via", "10.2.0.2"},
		{"-6", "route", "add", "2001:db8::/32", "via", "fd00:2::2"},
		{"-6", "route", "add", "3fff::/20", "via", "fd00:2::2"},
	} {
		t.gw.ip(tb, c...)
	}
	for _, c := range [][]string{
		{"addr", "add", "10.2.0.2/24", "dev", "b0"},
		{"addr", "add", "fd00:2::2/64", "dev", "b0", "nodad"},
		{"link", "set", "b0", "up"},
		{"route", "add", "default", "via", "10.2.0.1"},
		{"-6", "route", "add", "default", "via", "fd00:2::1"},
	} {
		t.b.ip(tb, c...)
	}
	for _, a := range farAddrs {
		t.b.ip(tb, "addr", "add", netip.PrefixFrom(a, a.BitLen()).String(), "dev", "lo")
	}
	t.warmUp(tb)
	return t
}

// warmUp sends traffic both ways across the gateway, with nothing
// installed, until it gets through, so that neighbour discovery is done
// before a test starts counting. In a fresh namespace the first IPv6
// neighbour solicitation often goes unanswered and the retry comes a
// second later, which a packet stream would see as loss.
func (t *topology) warmUp(tb testing.TB) {
	tb.Helper()
	far4, far6 := netip.MustParseAddr("203.0.113.2"), netip.MustParseAddr("3fff::2")
	for _, l := range []leg{
		{t.a, t.b, clientAddr4, far4}, {t.b, t.a, far4, clientAddr4},
		{t.a, t.b, clientAddr6, far6}, {t.b, t.a, far6, clientAddr6},
		{t.gw, t.b, gwAddr4, far4}, {t.gw, t.b, gwAddr6, far6},
	} {
		for try := 0; ; try++ {
			ok, err := probe(context.Background(), "udp", l)
			if err != nil {
				tb.Fatal(err)
			}
			if ok {
				break
			}
			if try == 5 {
				tb.Fatalf("no traffic from %s to %s across the new topology", l.src, l.dst)
			}
		}
	}
}

// leg is one direction of a probe: from a namespace and address to
// another.
type leg struct {
	from, to *netns
	src, dst netip.Addr
}

// path is a probe's route through the topology; hook says where the
// gateway sees its first leg.
type path struct {
	name string
	hook Hook
	leg  func(t *topology, far netip.Addr) leg
}

var paths = []path{
	{"remote->gateway", HookInput, func(t *topology, far netip.Addr) leg {
		return leg{t.b, t.gw, far, pick(far, gwAddr4, gwAddr6)}
	}},
	{"gateway->remote", HookOutput, func(t *topology, far netip.Addr) leg {
		return leg{t.gw, t.b, pick(far, gwAddr4, gwAddr6), far}
	}},
	{"client->remote", HookForward, func(t *topology, far netip.Addr) leg {
		return leg{t.a, t.b, pick(far, clientAddr4, clientAddr6), far}
	}},
	{"remote->client", HookForward, func(t *topology, far netip.Addr) leg {
		return leg{t.b, t.a, far, pick(far, clientAddr4, clientAddr6)}
	}},
}

func pick(like, a4, a6 netip.Addr) netip.Addr {
	if like.Is4() {
		return a4
	}
	return a6
}

func (l leg) reverse() leg { return leg{l.to, l.from, l.dst, l.src} }

// hookOf says where the gateway sees a leg.
func (t *topology) hookOf(l leg) Hook {
	switch {
	case l.to == t.gw:
		return HookInput
	case l.from == t.gw:
		return HookOutput
	}
	return HookForward
}

// dropper returns the counter of the rule that drops l under rs, or ""
// if the leg passes: the specification the kernel is tested against.
func (t *topology) dropper(rs Ruleset, blocked *prefixset.Set, l leg) string {
	fam := v4
	if l.src.Is6() {
		fam = v6
	}
	src, dst := blocked.Contains(l.src), blocked.Contains(l.dst)
	id := func(h Hook, m Match) string { return ruleID{h, m, fam}.name() }
	switch t.hookOf(l) {
	case HookInput:
		if rs.Inbound && src {
			return id(HookInput, MatchSource)
		}
	case HookOutput:
		if rs.Outbound && dst {
			return id(HookOutput, MatchDestination)
		}
	case HookForward:
		if (rs.Inbound || rs.Forward) && src {
			return id(HookForward, MatchSource)
		}
		if (rs.Outbound || rs.Forward) && dst {
			return id(HookForward, MatchDestination)
		}
	}
	return ""
}

// probeTimeout bounds one probe. Blocked probes take all of it, and they
// run concurrently; passing ones take milliseconds, so the margin is for
// loaded CI machines.
const probeTimeout = 2 * time.Second

// probe sends one kind of traffic along l and reports whether it got
// through: a UDP datagram one way; a TCP connection and an ICMP echo
// both ways.
func probe(ctx context.Context, proto string, l leg) (bool, error) {
	ctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	switch proto {
	case "udp":
		return probeUDP(ctx, l)
	case "tcp":
		return probeTCP(ctx, l)
	case "icmp":
		return probeICMP(ctx, l)
	}
	return false, fmt.Errorf("unknown protocol %q", proto)
}

func probeUDP(ctx context.Context, l leg) (bool, error) {
	var rx, tx *net.UDPConn
	if err := l.to.do(func() (err error) {
		rx, err = net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.AddrPortFrom(l.dst, 0)))
		return err
	}); err != nil {
		return false, err
	}
	defer func() { _ = rx.Close() }()
	if err := l.from.do(func() (err error) {
		tx, err = net.DialUDP("udp", net.UDPAddrFromAddrPort(netip.AddrPortFrom(l.src, 0)), rx.LocalAddr().(*net.UDPAddr))
		return err
	}); err != nil {
		return false, err
	}
	defer func() { _ = tx.Close() }()
	payload := []byte("seawall probe")
	done := make(chan struct{})
	defer close(done)
	go func() { // a few datagrams, in case one is lost
		for range 5 {
			_, _ = tx.Write(payload) // an output drop fails with EPERM
			select {
			case <-done:
				return
			case <-time.After(100 * time.Millisecond):
			}
		}
	}()
	deadline, _ := ctx.Deadline()
	_ = rx.SetReadDeadline(deadline)
	buf := make([]byte, 64)
	for {
		n, from, err := rx.ReadFromUDPAddrPort(buf)
		if err != nil {
			if errors.Is(err, os.ErrDeadlineExceeded) {
				return false, nil
			}
			return false, err
		}
		if from.Addr().Unmap() == l.src && string(buf[:n]) == string(payload) {
			return true, nil
		}
	}
}

func probeTCP(ctx context.Context, l leg) (bool, error) {
	var ln *net.TCPListener
	if err := l.to.do(func() (err error) {
		ln, err = net.ListenTCP("tcp", net.TCPAddrFromAddrPort(netip.AddrPortFrom(l.dst, 0)))
		return err
	}); err != nil {
		return false, err
	}
	defer func() { _ = ln.Close() }()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			_, _ = c.Write([]byte("ok"))
			_ = c.Close()
		}
	}()
	var ok bool
	err := l.from.do(func() error {
		d := net.Dialer{LocalAddr: net.TCPAddrFromAddrPort(netip.AddrPortFrom(l.src, 0))}
		c, err := d.DialContext(ctx, "tcp", ln.Addr().String())
		if err != nil {
			return nil // refused, dropped or timed out: did not get through
		}
		defer func() { _ = c.Close() }()
		deadline, _ := ctx.Deadline()
		_ = c.SetReadDeadline(deadline)
		buf := make([]byte, 2)
		n, _ := c.Read(buf)
		ok = string(buf[:n]) == "ok"
		return nil
	})
	return ok, err
}

// icmpID gives each echo probe its own identifier, since every raw ICMP
// socket sees every echo reply to its address.
var icmpID atomic.Uint32

func probeICMP(ctx context.Context, l leg) (bool, error) {
	network, proto, req, rep := "ip4:icmp", 1, icmp.Type(ipv4.ICMPTypeEcho), icmp.Type(ipv4.ICMPTypeEchoReply)
	if l.src.Is6() {
		network, proto, req, rep = "ip6:ipv6-icmp", 58, ipv6.ICMPTypeEchoRequest, ipv6.ICMPTypeEchoReply
	}
	var c *icmp.PacketConn
	if err := l.from.do(func() (err error) {
		c, err = icmp.ListenPacket(network, l.src.String())
		return err
	}); err != nil {
		return false, err
	}
	defer func() { _ = c.Close() }()
	id := int(icmpID.Add(1) & 0xffff)
	msg, err := (&icmp.Message{Type: req, Body: &icmp.Echo{ID: id, Seq: 1, Data: []byte("seawall")}}).Marshal(nil)
	if err != nil {
		return false, err
	}
	dst := &net.IPAddr{IP: l.dst.AsSlice()}
	done := make(chan struct{})
	defer close(done)
	go func() {
		for range 5 {
			_, _ = c.WriteTo(msg, dst)
			select {
			case <-done:
				return
			case <-time.After(100 * time.Millisecond):
			}
		}
	}()
	deadline, _ := ctx.Deadline()
	_ = c.SetReadDeadline(deadline)
	buf := make([]byte, 1500)
	for {
		n, from, err := c.ReadFrom(buf)
		if err != nil {
			if errors.Is(err, os.ErrDeadlineExceeded) {
				return false, nil
			}
			return false, err
		}
		m, err := icmp.ParseMessage(proto, buf[:n])
		if err != nil || m.Type != rep {
			continue
		}
		if e, ok := m.Body.(*icmp.Echo); ok && e.ID == id {
			if a, ok := netip.AddrFromSlice(from.(*net.IPAddr).IP); ok && a.Unmap() == l.dst {
				return true, nil
			}
		}
	}
}

// expectation is one probe with its expected outcome.
type expectation struct {
	proto    string
	path     string
	leg      leg
	pass     bool
	droppers []string // counters that must move
}

func (e expectation) String() string {
	return fmt.Sprintf("%s %s %s->%s", e.proto, e.path, e.leg.src, e.leg.dst)
}

// expectations lists every probe of the matrix under rs (nil: nothing
// installed): three protocols, four paths, every far address.
func (t *topology) expectations(rs *Ruleset) []expectation {
	var blocked *prefixset.Set
	if rs != nil {
		blocked, _ = prefixset.NewSet(append(slices.Clone(rs.V4), rs.V6...))
	}
	var out []expectation
	for _, proto := range []string{"udp", "tcp", "icmp"} {
		for _, p := range paths {
			for _, far := range farAddrs {
				l := p.leg(t, far)
				e := expectation{proto: proto, path: p.name, leg: l, pass: true}
				if rs != nil {
					legs := []leg{l}
					if proto != "udp" {
						legs = append(legs, l.reverse())
					}
					for _, x := range legs {
						if d := t.dropper(*rs, blocked, x); d != "" {
							e.pass = false
							e.droppers = append(e.droppers, d)
							break // the reply never happens
						}
					}
				}
				out = append(out, e)
			}
		}
	}
	return out
}

// runMatrix runs all probes concurrently and fails t for each one whose
// outcome differs from the expectation. It returns the counters that must
// have moved.
func (t *topology) runMatrix(tb testing.TB, es []expectation) map[string]bool {
	tb.Helper()
	got := make([]bool, len(es))
	errs := make([]error, len(es))
	var wg sync.WaitGroup
	for i, e := range es {
		wg.Go(func() { got[i], errs[i] = probe(context.Background(), e.proto, e.leg) })
	}
	wg.Wait()
	moved := map[string]bool{}
	for i, e := range es {
		switch {
		case errs[i] != nil:
			tb.Errorf("%v: %v", e, errs[i])
		case got[i] != e.pass:
			tb.Errorf("%v: got through = %v, want %v", e, got[i], e.pass)
		}
		for _, d := range e.droppers {
			moved[d] = true
		}
	}
	return moved
}

// nftView is table inet seawall as the nft CLI reads it: an independent
// decoder of what netlink installed.
type nftView struct {
	present  bool
	sets     map[string][]netip.Prefix
	counters map[string][2]uint64 // packets, bytes
	rules    []string             // "chain: comment"
}

func readNftView(tb testing.TB, ns *netns) nftView {
	tb.Helper()
	out, err := ns.exec(nil, "nft", "-j", "list", "table", "inet", TableName)
	if err != nil {
		return nftView{}
	}
	var doc struct {
		Nftables []map[string]json.RawMessage `json:"nftables"`
	}
	if err := json.Unmarshal(out, &doc); err != nil {
		tb.Fatalf("nft -j: %v\n%s", err, out)
	}
	v := nftView{present: true, sets: map[string][]netip.Prefix{}, counters: map[string][2]uint64{}}
	for _, obj := range doc.Nftables {
		switch {
		case obj["set"] != nil:
			var s struct {
				Name string            `json:"name"`
				Elem []json.RawMessage `json:"elem"`
			}
			mustJSON(tb, obj["set"], &s)
			var ps []netip.Prefix
			for _, e := range s.Elem {
				ps = append(ps, nftElem(tb, e)...)
			}
			v.sets[s.Name] = prefixset.Aggregate(ps)
		case obj["counter"] != nil:
			var c struct {
				Name    string `json:"name"`
				Packets uint64 `json:"packets"`
				Bytes   uint64 `json:"bytes"`
			}
			mustJSON(tb, obj["counter"], &c)
			v.counters[c.Name] = [2]uint64{c.Packets, c.Bytes}
		case obj["rule"] != nil:
			var r struct {
				Chain   string `json:"chain"`
				Comment string `json:"comment"`
			}
			mustJSON(tb, obj["rule"], &r)
			v.rules = append(v.rules, r.Chain+": "+r.Comment)
		}
	}
	return v
}

func mustJSON(tb testing.TB, data []byte, v any) {
	tb.Helper()
	if err := json.Unmarshal(data, v); err != nil {
		tb.Fatalf("nft -j: %v: %s", err, data)
	}
}

// nftElem decodes one set element of nft's JSON: an address, a prefix or
// a range.
func nftElem(tb testing.TB, e json.RawMessage) []netip.Prefix {
	tb.Helper()
	var s string
	if json.Unmarshal(e, &s) == nil {
		a := netip.MustParseAddr(s)
		return []netip.Prefix{netip.PrefixFrom(a, a.BitLen())}
	}
	var x struct {
		Prefix *struct {
			Addr string `json:"addr"`
			Len  int    `json:"len"`
		} `json:"prefix"`
		Range []string `json:"range"`
	}
	mustJSON(tb, e, &x)
	switch {
	case x.Prefix != nil:
		return []netip.Prefix{netip.PrefixFrom(netip.MustParseAddr(x.Prefix.Addr), x.Prefix.Len)}
	case len(x.Range) == 2:
		ps, err := prefixset.RangePrefixes(netip.MustParseAddr(x.Range[0]), netip.MustParseAddr(x.Range[1]))
		if err != nil {
			tb.Fatal(err)
		}
		return ps
	}
	tb.Fatalf("nft -j: unknown element %s", e)
	return nil
}

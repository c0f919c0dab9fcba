package nft

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/seawall/seawall/internal/prefixset"
)

// streamInterval is the gap between two packets of one flow.
const streamInterval = 100 * time.Microsecond

// flow is one UDP packet stream from a remote address to the client.
type flow struct {
	src      netip.Addr
	blocked  bool
	sent     int
	received int
	// leaked lists the sequence numbers of blocked packets that arrived.
	leaked []int
}

func (f *flow) String() string {
	return fmt.Sprintf("%-18s blocked=%-5v sent %6d received %6d", f.src, f.blocked, f.sent, f.received)
}

// streamFlows are the flows of the update tests: blocked, allowed and
// allow-listed sources in both families.
func streamFlows() []*flow {
	return []*flow{
		{src: netip.MustParseAddr("192.0.2.2"), blocked: true},
		{src: netip.MustParseAddr("198.51.100.2"), blocked: true},
		{src: netip.MustParseAddr("203.0.113.2")},
		{src: netip.MustParseAddr("192.0.2.200")}, // allow-listed
		{src: netip.MustParseAddr("2001:db8::2"), blocked: true},
		{src: netip.MustParseAddr("3fff::2")},
		{src: netip.MustParseAddr("2001:db8:ffff::2")}, // allow-listed
	}
}

// stream sends every flow from the remote through the gateway to the
// client, one packet per flow every streamInterval on average, for as long
// as during() runs (plus 100ms before and after), and counts what arrives.
func (t *topology) stream(tb testing.TB, flows []*flow, during func()) {
	tb.Helper()
	var (
		mu  sync.Mutex
		rxs = map[bool]*net.UDPConn{}
		wg  sync.WaitGroup
	)
	bySrc := map[netip.Addr]*flow{}
	for _, f := range flows {
		bySrc[f.src] = f
	}
	for _, dst := range []netip.Addr{clientAddr4, clientAddr6} {
		var rx *net.UDPConn
		if err := t.a.do(func() (err error) {
			rx, err = net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.AddrPortFrom(dst, 0)))
			return err
		}); err != nil {
			tb.Fatal(err)
		}
		_ = rx.SetReadBuffer(4 << 20)
		rxs[dst.Is6()] = rx
		wg.Go(func() {
			buf := make([]byte, 64)
			for {
				n, from, err := rx.ReadFromUDPAddrPort(buf)
				if err != nil {
					return // closed
				}
				mu.Lock()
				if f := bySrc[from.Addr().Unmap()]; f != nil {
					f.received++
					if f.blocked && n >= 4 {
						f.leaked = append(f.leaked, int(buf[0])<<24|int(buf[1])<<16|int(buf[2])<<8|int(buf[3]))
					}
				}
				mu.Unlock()
			}
		})
	}
	defer func() {
		for _, rx := range rxs {
			_ = rx.Close()
		}
		wg.Wait()
	}()

	txs := make([]*net.UDPConn, len(flows))
	for i, f := range flows {
		if err := t.b.do(func() (err error) {
			txs[i], err = net.DialUDP("udp", net.UDPAddrFromAddrPort(netip.AddrPortFrom(f.src, 0)),
				rxs[f.src.Is6()].LocalAddr().(*net.UDPAddr))
			return err
		}); err != nil {
			tb.Fatal(err)
		}
		defer func() { _ = txs[i].Close() }()
	}
	stop := make(chan struct{})
	var sender sync.WaitGroup
	sender.Go(func() {
		// Sleeps are coarser than the interval, so each wake-up sends
		// what is due since the start. Each packet carries its round.
		payload := []byte("....seawall stream")
		begin := time.Now()
		for round := 0; ; {
			select {
			case <-stop:
				return
			default:
			}
			for due := int(time.Since(begin) / streamInterval); round < due; round++ {
				payload[0], payload[1], payload[2], payload[3] = byte(round>>24), byte(round>>16), byte(round>>8), byte(round)
				for i, f := range flows {
					if _, err := txs[i].Write(payload); err == nil {
						f.sent++
					}
				}
			}
			time.Sleep(streamInterval / 2)
		}
	})
	time.Sleep(100 * time.Millisecond)
	during()
	time.Sleep(100 * time.Millisecond)
	close(stop)
	sender.Wait()
	time.Sleep(200 * time.Millisecond) // let the last packets land
	mu.Lock()
	defer mu.Unlock()
}

// checkFlows fails tb for every blocked packet that arrived and every
// allowed packet that did not.
func checkFlows(tb testing.TB, flows []*flow) {
	tb.Helper()
	for _, f := range flows {
		tb.Log(f)
		if f.sent < 1000 {
			tb.Errorf("%s: only %d packets sent; the stream was not steady", f.src, f.sent)
		}
		switch {
		case f.blocked && f.received != 0:
			tb.Errorf("%s is blocked, but %d of its %d packets got through (rounds %v)", f.src, f.received, f.sent, f.leaked)
		case !f.blocked && f.received != f.sent:
			tb.Errorf("%s is allowed, but %d of its %d packets were lost", f.src, f.sent-f.received, f.sent)
		}
	}
}

// TestUpdateUnderTraffic streams UDP from blocked, allowed and
// allow-listed remote addresses through the gateway to the client, one
// packet per flow every ~100µs, while the set is updated 40 times:
// prefixes right next to the blocked flows' intervals (so the interval
// holding a blocked source is deleted and re-added within one
// transaction), next to the allow-listed flows' addresses, and unrelated
// ones. Counting on the receiving side, not one blocked packet may arrive
// and not one allowed packet may be lost, and the counters must account
// for every blocked packet.
func TestUpdateUnderTraffic(t *testing.T) {
	requireKernel(t)
	topo := newTopology(t)
	ctx := context.Background()
	b := New(WithNetNS(topo.gw.fd()))
	base := testRuleset(t)
	base.Inbound, base.Outbound = true, true
	if _, err := b.Apply(ctx, base, Guard{}); err != nil {
		t.Fatal(err)
	}
	start, err := b.Installed(ctx)
	if err != nil {
		t.Fatal(err)
	}
	edit := func(v4, v6 []string) Ruleset {
		r := base
		r.V4 = prefixset.Aggregate(append(slices.Clone(base.V4), pfx(t, v4...)...))
		r.V6 = prefixset.Aggregate(append(slices.Clone(base.V6), pfx(t, v6...)...))
		return r
	}
	variants := []Ruleset{
		base,
		edit([]string{"192.0.1.0/24"}, []string{"2001:db7::/32"}),                            // merge with the blocked flows' intervals
		edit([]string{"192.0.2.199/32", "192.0.2.201/32"}, []string{"2001:db8:ffff::1/128"}), // around the allow-listed flows
		edit([]string{"10.200.0.0/16", "198.51.101.0/24"}, []string{"2001:db8:ffff:1::/64"}), // unrelated, adjacent to 198.51.100.0/24
		edit([]string{"192.0.2.128/27"}, nil),                                                // shrinks the allow-list hole
	}
	flows := streamFlows()
	var applyErr error
	topo.stream(t, flows, func() {
		for i := range 41 {
			rep, err := b.Apply(ctx, variants[i%len(variants)], Guard{Force: true})
			if err == nil && i > 0 && rep.Action != Updated {
				err = fmt.Errorf("action %v, want updated", rep.Action)
			}
			if err != nil {
				applyErr = fmt.Errorf("update %d: %w", i, err)
				return
			}
			time.Sleep(20 * time.Millisecond)
		}
	})
	if applyErr != nil {
		t.Fatal(applyErr)
	}
	checkFlows(t, flows)
	end, err := b.Installed(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var blockedSent, moved uint64
	for _, f := range flows {
		if f.blocked {
			blockedSent += uint64(f.sent)
		}
	}
	for i, c := range end.Counters {
		moved += c.Packets - start.Counters[i].Packets
	}
	if moved != blockedSent {
		t.Errorf("counters moved by %d packets, %d blocked packets were sent", moved, blockedSent)
	}
}

// TestRebuildUnderTraffic is TestUpdateUnderTraffic for changes of the
// table's shape (logging on and off, the comment, directions), each of
// which rebuilds the rules while traffic flows.
func TestRebuildUnderTraffic(t *testing.T) {
	requireKernel(t)
	topo := newTopology(t)
	ctx := context.Background()
	b := New(WithNetNS(topo.gw.fd()))
	base := testRuleset(t)
	base.Inbound, base.Forward = true, true
	if _, err := b.Apply(ctx, base, Guard{}); err != nil {
		t.Fatal(err)
	}
	variants := []Ruleset{base}
	for _, f := range []func(*Ruleset){
		func(r *Ruleset) { r.Log = &LogConfig{PerMinute: 1} },
		func(r *Ruleset) { r.Comment = "another comment" },
		func(r *Ruleset) { r.Outbound = true },
		func(r *Ruleset) {
			r.V4 = append(slices.Clone(r.V4), pfx(t, "192.0.1.0/24")...)
			r.Log = &LogConfig{Burst: 1}
		},
	} {
		r := base
		f(&r)
		variants = append(variants, r)
	}
	flows := streamFlows()
	var applyErr error
	topo.stream(t, flows, func() {
		for i := range 41 {
			rep, err := b.Apply(ctx, variants[i%len(variants)], Guard{Force: true})
			if err == nil && i > 0 && rep.Action != Rebuilt {
				err = fmt.Errorf("action %v, want rebuilt", rep.Action)
			}
			if err != nil {
				applyErr = fmt.Errorf("rebuild %d: %w", i, err)
				return
			}
			time.Sleep(20 * time.Millisecond)
		}
	})
	if applyErr != nil {
		t.Fatal(applyErr)
	}
	checkFlows(t, flows)
}

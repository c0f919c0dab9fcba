package bgp

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/osrg/gobgp/v4/api"
)

func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

// closedPort returns a loopback TCP port nothing listens on, so a session
// to it fails at once and never leaves the host.
func closedPort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	return port
}

// loopbackConfig is a speaker whose one peer is a closed loopback port.
func loopbackConfig(t *testing.T) Config {
	c := validConfig()
	c.Peers = []Peer{{Address: netip.MustParseAddr("127.0.0.1"), ASN: 64501, Port: closedPort(t)}}
	return c
}

func runSpeaker(t *testing.T, sp *Speaker) (stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- sp.Run(ctx) }()
	stopped := false
	stop = func() error {
		cancel()
		if stopped {
			return nil
		}
		stopped = true
		select {
		case err := <-done:
			return err
		case <-time.After(10 * time.Second):
			return errors.New("Run did not return within 10s of cancel")
		}
	}
	t.Cleanup(func() { _ = stop() })
	return stop
}

func waitStatus(t *testing.T, sp *Speaker, ok func(Status) bool) Status {
	t.Helper()
	var st Status
	eventually(t, 5*time.Second, func() error {
		var err error
		if st, err = sp.Status(context.Background()); err != nil {
			return err
		}
		if !ok(st) {
			return fmt.Errorf("status %+v", st)
		}
		return nil
	})
	return st
}

// TestRunLifecycle runs the speaker in-process against a closed loopback
// port: Run waits for Set, Set and Status work while the session keeps
// failing, Run stops on cancel and can run again, and no goroutine
// outlives it.
func TestRunLifecycle(t *testing.T) {
	before := runtime.NumGoroutine()
	ctx := context.Background()
	sp, err := New(loopbackConfig(t), discardLogger())
	if err != nil {
		t.Fatal(err)
	}
	if st, err := sp.Status(ctx); err != nil || st.Running || len(st.Peers) != 1 || st.Peers[0].State != StateIdle {
		t.Errorf("before Run: %+v, %v", st, err)
	}
	stop := runSpeaker(t, sp)
	waitStatus(t, sp, func(st Status) bool { return st.Running && st.AwaitingPrefixes })
	if err := sp.Run(ctx); err == nil || !strings.Contains(err.Error(), "already running") {
		t.Errorf("second concurrent Run = %v", err)
	}

	if err := sp.Set(ctx, prefixes("203.0.113.0/25", "203.0.113.128/25", "198.18.0.0/15", "2001:db8:1::/48")); err != nil {
		t.Fatal(err)
	}
	st := waitStatus(t, sp, func(st Status) bool { return !st.AwaitingPrefixes })
	if st.Announced != (FamilyCounts{IPv4: 2, IPv6: 1}) || st.Peers[0].State == StateEstablished {
		t.Errorf("after Set: %+v", st)
	}
	if err := sp.Set(ctx, prefixes("203.0.113.0/25")); err != nil {
		t.Fatal(err)
	}
	if st, _ := sp.Status(ctx); st.Announced != (FamilyCounts{IPv4: 1}) {
		t.Errorf("after a smaller Set: %+v", st.Announced)
	}
	// A refused set changes nothing.
	if err := sp.Set(ctx, prefixes("127.0.0.0/8")); err == nil || !strings.Contains(err.Error(), "covers BGP peer 127.0.0.1") {
		t.Errorf("Set covering the peer = %v", err)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if err := sp.Set(cancelled, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("Set with a cancelled context = %v", err)
	}
	if st, _ := sp.Status(ctx); st.Announced != (FamilyCounts{IPv4: 1}) {
		t.Errorf("after refused Sets: %+v", st.Announced)
	}

	if err := stop(); err != nil {
		t.Fatalf("Run: %v", err)
	}
	if st, _ := sp.Status(ctx); st.Running || st.Announced != (FamilyCounts{}) {
		t.Errorf("after Run returned: %+v", st)
	}

	// Run again: the last Set is announced straight away.
	stop = runSpeaker(t, sp)
	waitStatus(t, sp, func(st Status) bool { return st.Running && st.Announced == FamilyCounts{IPv4: 1} })
	if err := stop(); err != nil {
		t.Fatalf("second Run: %v", err)
	}

	eventually(t, 5*time.Second, func() error {
		if n := runtime.NumGoroutine(); n > before {
			buf := make([]byte, 1<<20)
			return fmt.Errorf("%d goroutines, %d before Run:\n%s", n, before, buf[:runtime.Stack(buf, true)])
		}
		return nil
	})
}

func TestRunListenError(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	c := loopbackConfig(t)
	c.ListenPort = l.Addr().(*net.TCPAddr).Port
	c.ListenAddresses = []netip.Addr{netip.MustParseAddr("127.0.0.1")}
	sp, err := New(c, discardLogger())
	if err != nil {
		t.Fatal(err)
	}
	err = sp.Run(context.Background())
	if want := fmt.Sprintf("listen port %d", c.ListenPort); err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("Run on a taken port = %v, want an error naming %q", err, want)
	}
}

// TestGoBGPStopMessageDemoted checks the wrapper around GoBGP's logger.
func TestGoBGPStopMessageDemoted(t *testing.T) {
	for _, level := range []slog.Level{slog.LevelDebug, slog.LevelInfo} {
		var b strings.Builder
		h := gobgpHandler{slog.NewTextHandler(&b, &slog.HandlerOptions{Level: level})}
		log := slog.New(h).With("lib", "gobgp")
		log.Error(gobgpStopMessage, "Error", "server stopped")
		log.Error("something else")
		out := b.String()
		if strings.Contains(out, "level=ERROR msg=\""+gobgpStopMessage) {
			t.Errorf("level %v: stop message still an error:\n%s", level, out)
		}
		if level == slog.LevelDebug && !strings.Contains(out, "level=DEBUG msg=\""+gobgpStopMessage) {
			t.Errorf("level %v: stop message not kept at debug:\n%s", level, out)
		}
		if !strings.Contains(out, "level=ERROR msg=\"something else\" lib=gobgp") {
			t.Errorf("level %v: other errors lost:\n%s", level, out)
		}
	}
}

func TestGoBGPConfig(t *testing.T) {
	c := validConfig()
	c.GracefulRestart.RestartTime = 300 * time.Second
	c.HoldTime = 30 * time.Second
	sp, err := New(c, discardLogger())
	if err != nil {
		t.Fatal(err)
	}
	if g := sp.global(); g.ListenPort != -1 || g.Asn != 64500 || g.RouterId != "192.0.2.10" || len(g.Families) != 2 {
		t.Errorf("global %v: want no listener (-1), AS 64500, router id, two families", g)
	}
	sp.cfg.ListenPort, sp.cfg.ListenAddresses = 1790, []netip.Addr{netip.MustParseAddr("2001:db8::2")}
	if g := sp.global(); g.ListenPort != 1790 || len(g.ListenAddresses) != 1 || g.ListenAddresses[0] != "2001:db8::2" {
		t.Errorf("global with listener: %v", g)
	}

	for _, tc := range []struct {
		name  string
		peer  Peer
		check func(*api.Peer) error
	}{
		{"defaults", Peer{Address: netip.MustParseAddr("192.0.2.21"), ASN: 64500}, func(p *api.Peer) error {
			if p.EbgpMultihop != nil || p.Transport.PassiveMode || p.Transport.RemotePort != 0 || p.Conf.AuthPassword != "" || p.Transport.LocalAddress != "" {
				return errors.New("options set that were not asked for")
			}
			if len(p.AfiSafis) != 2 || p.AfiSafis[0].Config.Family.Afi != api.Family_AFI_IP || p.AfiSafis[1].Config.Family.Afi != api.Family_AFI_IP6 {
				return fmt.Errorf("families %v, want IPv4 and IPv6", p.AfiSafis)
			}
			for _, af := range p.AfiSafis {
				if !af.MpGracefulRestart.Config.Enabled {
					return errors.New("graceful restart not enabled per family")
				}
			}
			if gr := p.GracefulRestart; !gr.Enabled || gr.RestartTime != 300 {
				return fmt.Errorf("graceful restart %v", gr)
			}
			if tm := p.Timers.Config; tm.HoldTime != 30 || tm.KeepaliveInterval != 10 || tm.ConnectRetry != 30 {
				return fmt.Errorf("timers %v", tm)
			}
			return nil
		}},
		{"everything", Peer{
			Address: netip.MustParseAddr("2001:db8::21"), ASN: 64501, Password: "k", MultihopTTL: 4,
			LocalAddress: netip.MustParseAddr("2001:db8::2"), Port: 1179, Passive: true, Families: []Family{IPv6},
		}, func(p *api.Peer) error {
			if m := p.EbgpMultihop; m == nil || !m.Enabled || m.MultihopTtl != 4 {
				return fmt.Errorf("multihop %v", m)
			}
			if tr := p.Transport; !tr.PassiveMode || tr.RemotePort != 1179 || tr.LocalAddress != "2001:db8::2" {
				return fmt.Errorf("transport %v", tr)
			}
			if p.Conf.AuthPassword != "k" || p.Conf.PeerAsn != 64501 || p.Conf.NeighborAddress != "2001:db8::21" {
				return fmt.Errorf("conf %v", p.Conf)
			}
			if len(p.AfiSafis) != 1 || p.AfiSafis[0].Config.Family.Afi != api.Family_AFI_IP6 {
				return fmt.Errorf("families %v, want IPv6 only", p.AfiSafis)
			}
			return nil
		}},
	} {
		if err := tc.check(sp.peer(tc.peer)); err != nil {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
}

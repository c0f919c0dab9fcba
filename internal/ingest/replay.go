package ingest

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/seawall/seawall/internal/flow"
	"github.com/seawall/seawall/internal/flow/capture"
	"github.com/seawall/seawall/internal/flow/netflow"
	"github.com/seawall/seawall/internal/flow/sflow"
)

// Replay is a capture's flow datagrams, ready to be re-sent to a collector
// with one loopback source address per exporter.
type Replay struct {
	datagrams []replayDatagram
	// Exporters are the original exporters, in order of first appearance;
	// a datagram's exporter indexes it.
	Exporters []netip.Addr
	// Flows is the flows of one pass over the capture (one copy per
	// original exporter).
	Flows uint64
	// Skipped counts UDP datagrams that are neither NetFlow/IPFIX nor sFlow.
	Skipped int
}

type replayDatagram struct {
	exporter int
	flows    int
	payload  []byte
}

// NewReplay keeps the flow datagrams of a capture and counts the flows of
// each by decoding it as a collector would (NetFlow v9's header count when
// a template is missing; IPFIX headers carry no count), so a replay can
// be paced in flows per second. Every datagram weighs at least one flow.
func NewReplay(dgs []capture.Datagram) (*Replay, error) {
	r := &Replay{}
	idx := map[netip.Addr]int{}
	nf := netflow.New(netflow.Config{})
	sf := sflow.New(0)
	var recs []flow.Record
	for _, d := range dgs {
		p := d.Payload
		var isSFlow bool
		switch {
		case len(p) >= 4 && binary.BigEndian.Uint32(p) == 5:
			isSFlow = true
		case len(p) >= 4 && (binary.BigEndian.Uint16(p) == 5 || binary.BigEndian.Uint16(p) == 9 || binary.BigEndian.Uint16(p) == 10):
		default:
			r.Skipped++
			continue
		}
		e, ok := idx[d.Src]
		if !ok {
			e = len(r.Exporters)
			idx[d.Src] = e
			r.Exporters = append(r.Exporters, d.Src)
		}
		if isSFlow {
			recs, _ = sf.Decode(d.Src, p, recs[:0])
		} else {
			recs, _ = nf.Decode(d.Src, p, recs[:0])
		}
		n := len(recs)
		if n == 0 && !isSFlow && binary.BigEndian.Uint16(p) != 10 {
			n = int(binary.BigEndian.Uint16(p[2:]))
		}
		r.datagrams = append(r.datagrams, replayDatagram{exporter: e, flows: max(n, 1), payload: p})
		r.Flows += uint64(max(n, 1))
	}
	if len(r.datagrams) == 0 {
		return nil, fmt.Errorf("no NetFlow, IPFIX or sFlow datagrams in the capture (%d other UDP datagrams)", r.Skipped)
	}
	return r, nil
}

// ReplayOptions say where and how fast to replay.
type ReplayOptions struct {
	// To is the collector: an IPv4 loopback address, because the
	// datagrams are sent from 127.0.0.x.
	To netip.AddrPort
	// Rate is flows per second; 0 sends as fast as possible.
	Rate float64
	// Loops is the number of passes over the capture; 0 or less repeats
	// until ctx is done.
	Loops int
	// Exporters is the number of exporter addresses to send from (default:
	// one per original exporter). Sender i replays original exporter
	// i mod the originals' count, so a larger number multiplies the
	// exporters (each copy with its own templates and order); a smaller
	// one replays only the first exporters.
	Exporters int
	// SendBuffer is each socket's send buffer (default 4 MiB).
	SendBuffer int
	// Retime rewrites each datagram's export time (NetFlow v5/v9 unix_secs,
	// IPFIX Export Time) to the moment it is sent, so an old capture
	// replays as current traffic: v5/v9 flow times are offsets from the
	// export time and move with it. IPFIX records that carry absolute
	// flow times keep them, and sFlow carries no time (collectors stamp
	// their receive time).
	Retime bool
}

// stampExportTime sets a NetFlow v5/v9 or IPFIX header's export time (whole
// seconds since the epoch); other datagrams are left alone.
func stampExportTime(p []byte, now time.Time) {
	if len(p) < 16 {
		return
	}
	secs := uint32(now.Unix())
	switch binary.BigEndian.Uint16(p) {
	case 5:
		binary.BigEndian.PutUint32(p[8:], secs)
		binary.BigEndian.PutUint32(p[12:], uint32(now.Nanosecond()))
	case 9:
		binary.BigEndian.PutUint32(p[8:], secs)
	case 10:
		binary.BigEndian.PutUint32(p[4:], secs)
	}
}

// ReplayStats are what a replay sent.
type ReplayStats struct {
	Exporters  int
	Datagrams  uint64
	Flows      uint64
	SendErrors uint64
	Elapsed    time.Duration
}

// SourceAddr is the loopback address replay sends exporter i from:
// 127.0.0.1, 127.0.0.2, …, skipping addresses whose last octet is 0 or 255.
func SourceAddr(i int) netip.Addr {
	n := uint32(0x7f000001)
	for range i {
		n++
		for n&0xff == 0 || n&0xff == 0xff {
			n++
		}
	}
	return netip.AddrFrom4([4]byte{byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)})
}

// Run sends the datagrams, each original exporter's in capture order,
// paced to opts.Rate by a token bucket that sleeps when it is more than a
// millisecond ahead (so a sleep covers a batch of datagrams, and the
// average holds however coarse the timer).
func (r *Replay) Run(ctx context.Context, opts ReplayOptions) (ReplayStats, error) {
	if !opts.To.Addr().Is4() || !opts.To.Addr().IsLoopback() || opts.To.Port() == 0 {
		return ReplayStats{}, fmt.Errorf("--to %s: replay sends from 127.0.0.x, one address per exporter, so the collector must listen on an IPv4 loopback address and port (e.g. 127.0.0.1:2055)", opts.To)
	}
	k := opts.Exporters
	if k <= 0 {
		k = len(r.Exporters)
	}
	if k > 1<<16 {
		return ReplayStats{}, fmt.Errorf("--exporters %d: at most 65536", k)
	}
	if opts.SendBuffer <= 0 {
		opts.SendBuffer = 4 << 20
	}
	senders := make([][]*net.UDPConn, len(r.Exporters)) // original → its copies
	var all []*net.UDPConn
	defer func() {
		for _, c := range all {
			c.Close()
		}
	}()
	for i := range k {
		la := net.UDPAddrFromAddrPort(netip.AddrPortFrom(SourceAddr(i), 0))
		c, err := net.DialUDP("udp4", la, net.UDPAddrFromAddrPort(opts.To))
		if err != nil {
			return ReplayStats{}, fmt.Errorf("replay source %s: %w", la.IP, err)
		}
		_ = c.SetWriteBuffer(opts.SendBuffer)
		all = append(all, c)
		senders[i%len(r.Exporters)] = append(senders[i%len(r.Exporters)], c)
	}
	st := ReplayStats{Exporters: k}
	start := time.Now()
	var due time.Duration // when the flows sent so far are due, from start
	perFlow := time.Duration(0)
	if opts.Rate > 0 {
		perFlow = time.Duration(float64(time.Second) / opts.Rate)
	}
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for loop := 0; opts.Loops <= 0 || loop < opts.Loops; loop++ {
		for i := range r.datagrams {
			d := &r.datagrams[i]
			for _, c := range senders[d.exporter] {
				if perFlow > 0 {
					if ahead := due - time.Since(start); ahead > time.Millisecond {
						timer.Reset(ahead)
						select {
						case <-ctx.Done():
							st.Elapsed = time.Since(start)
							return st, nil
						case <-timer.C:
						}
					}
					due += time.Duration(d.flows) * perFlow
				} else if st.Datagrams%1024 == 0 && ctx.Err() != nil {
					st.Elapsed = time.Since(start)
					return st, nil
				}
				if opts.Retime {
					stampExportTime(d.payload, time.Now())
				}
				if _, err := c.Write(d.payload); err != nil {
					if errors.Is(err, syscall.ECONNREFUSED) {
						st.Elapsed = time.Since(start)
						return st, fmt.Errorf("nothing listens on %s (connection refused)", opts.To)
					}
					if !errors.Is(err, unix.ENOBUFS) && !errors.Is(err, unix.EAGAIN) {
						st.Elapsed = time.Since(start)
						return st, fmt.Errorf("replay: %w", err)
					}
					st.SendErrors++
					continue
				}
				st.Datagrams++
				st.Flows += uint64(d.flows)
			}
		}
		if ctx.Err() != nil {
			break
		}
	}
	st.Elapsed = time.Since(start)
	return st, nil
}

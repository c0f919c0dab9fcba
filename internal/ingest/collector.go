package ingest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/net/ipv4"
	"golang.org/x/sync/errgroup"
	"golang.org/x/sys/unix"

	"github.com/seawall/seawall/internal/flow"
	"github.com/seawall/seawall/internal/flow/netflow"
	"github.com/seawall/seawall/internal/flow/sflow"
)

// Protocol is what a listener receives.
type Protocol uint8

// Protocols, one listener each.
const (
	NetFlow Protocol = iota // NetFlow v5, v9 and IPFIX
	SFlow                   // sFlow v5
)

// String returns "netflow" or "sflow".
func (p Protocol) String() string {
	if p == SFlow {
		return "sflow"
	}
	return "netflow"
}

// Handler receives the records decoded from one batch of datagrams
// (one recvmmsg call), each carrying its exporter. Readers call it
// concurrently, one call at a time per reader; recs is reused after the
// call returns, so a handler that keeps records copies them. A slow
// handler slows its reader, and the kernel then drops (and counts) what
// the socket buffer cannot hold.
type Handler func(recs []flow.Record)

// Options are what a Collector needs beyond its Config.
type Options struct {
	Logger *slog.Logger
	// Handler receives decoded records; nil discards them.
	Handler Handler
	// Registry, if set, gets the collector's metrics while it runs.
	Registry prometheus.Registerer
	// TemplateFile, if set, is where NetFlow v9/IPFIX templates are loaded
	// from at start and saved to periodically and on stop.
	TemplateFile string
	// Now is the clock (receive time for sFlow records); default time.Now.
	Now func() time.Time
}

// maxDatagram is the largest UDP payload.
const maxDatagram = 65535

// Collector receives flow datagrams on the configured listeners, decodes
// them and hands the records to the Handler.
type Collector struct {
	cfg       Config
	opts      Options
	filter    atomic.Pointer[filter]
	listeners []*listener
	// seed is the template file as loaded at start: saved templates of
	// exporters no reader has heard from since.
	seed []byte
	// saveMu serialises template saves (the periodic one and the last).
	saveMu sync.Mutex
}

// filter is the part of the configuration a reload changes in place.
type filter struct {
	allowed  []netip.Prefix
	sampling map[netip.Addr]uint32
}

func newFilter(c Config) *filter {
	f := &filter{allowed: slices.Clone(c.AllowedExporters)}
	if len(c.Sampling) > 0 {
		f.sampling = make(map[netip.Addr]uint32, len(c.Sampling))
		for _, s := range c.Sampling {
			f.sampling[s.Exporter.Unmap()] = s.Rate
		}
	}
	return f
}

func (f *filter) allows(a netip.Addr) bool {
	if len(f.allowed) == 0 {
		return true
	}
	for _, p := range f.allowed {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// listener is one listen address and its readers.
type listener struct {
	proto   Protocol
	addr    netip.AddrPort // as bound (the real port when 0 was asked)
	group   *group
	readers []*reader
}

// reader owns one socket and its decoder.
type reader struct {
	c      *Collector
	proto  Protocol
	conn   *net.UDPConn
	batch  int
	nf     *netflow.Decoder
	sf     *sflow.Decoder
	closed atomic.Bool

	// mu guards the exporters map against the status and metrics readers
	// (only the reader itself writes it) and the template snapshot.
	mu         sync.Mutex
	exporters  map[netip.Addr]*exporterStats
	snapshot   []byte
	notAllowed atomic.Uint64
	overflow   atomic.Uint64 // datagrams from exporters beyond maxExporters
	truncated  atomic.Uint64

	tplDirty bool
	tplSaved time.Time
}

// exporterStats are one exporter's counters on one reader; the reader
// updates them and status or metrics read them at any time.
type exporterStats struct {
	datagrams, flows, errors atomic.Uint64
	templates                atomic.Int64
	lastSeen                 atomic.Int64 // Unix ns
	tplVersion               uint64       // reader-only: updates+withdrawals seen
}

// maxExporters bounds the per-exporter counters a reader keeps, so that
// spoofed sources cannot grow them (or the metrics) without limit.
const maxExporters = netflow.DefaultMaxExporters

// New checks cfg and returns a collector; it opens nothing.
func New(cfg Config, opts Options) (*Collector, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	c := &Collector{cfg: cfg.withDefaults(runtime.GOMAXPROCS(0)), opts: opts}
	c.filter.Store(newFilter(cfg))
	return c, nil
}

// SetFilter applies a reloaded configuration's allowed exporters and
// sampling overrides to the running readers. The socket settings of cfg
// are ignored (see SameSockets).
func (c *Collector) SetFilter(cfg Config) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	c.filter.Store(newFilter(cfg))
	c.cfg.AllowedExporters, c.cfg.Sampling = cfg.AllowedExporters, cfg.Sampling
	return nil
}

// Open binds the listeners and loads the saved templates. Run calls it
// when it was not called before; calling it first tells the caller the
// bound addresses (Addr) before any datagram is read.
func (c *Collector) Open(ctx context.Context) error {
	if c.listeners != nil {
		return nil
	}
	if c.opts.TemplateFile != "" {
		b, err := readTemplates(c.opts.TemplateFile)
		if err != nil {
			// Templates come back with the next refresh: a damaged file
			// costs minutes of data, not the collector.
			c.opts.Logger.Warn("ignoring saved flow templates", "file", c.opts.TemplateFile, "err", err)
		}
		c.seed = b
	}
	for _, l := range []struct {
		proto Protocol
		addr  string
	}{{NetFlow, c.cfg.NetFlow}, {SFlow, c.cfg.SFlow}} {
		if l.addr == "" {
			continue
		}
		ap, err := ParseListen(l.addr)
		if err != nil {
			return err
		}
		g, err := openGroup(ctx, ap, c.cfg.Sockets, int(c.cfg.ReadBuffer))
		if err != nil {
			c.close()
			return fmt.Errorf("%s: %w", l.proto, err)
		}
		ln := &listener{proto: l.proto, group: g, addr: g.conns[0].LocalAddr().(*net.UDPAddr).AddrPort()}
		for _, conn := range g.conns {
			r := &reader{c: c, proto: l.proto, conn: conn, batch: c.cfg.Batch, exporters: map[netip.Addr]*exporterStats{}}
			if l.proto == NetFlow {
				r.nf = netflow.New(netflow.Config{})
				if len(c.seed) > 0 {
					if err := r.nf.ImportTemplates(c.seed); err != nil {
						c.opts.Logger.Warn("saved flow templates partly loaded", "file", c.opts.TemplateFile, "err", err)
					}
				}
			} else {
				r.sf = sflow.New(0)
			}
			ln.readers = append(ln.readers, r)
		}
		c.listeners = append(c.listeners, ln)
		if c.cfg.ReadBuffer > 0 && !g.forced && g.readBuffer < int(c.cfg.ReadBuffer) {
			c.opts.Logger.Warn("flow socket receive buffer is smaller than configured: seawall lacks CAP_NET_ADMIN and net.core.rmem_max caps it",
				"protocol", l.proto.String(), "want", int(c.cfg.ReadBuffer), "got", g.readBuffer)
		}
		c.opts.Logger.Info("collecting flows", "protocol", l.proto.String(), "addr", ln.addr.String(), "sockets", len(g.conns),
			"read_buffer", g.readBuffer, "by_source", g.bySource)
	}
	return nil
}

func (c *Collector) close() {
	for _, l := range c.listeners {
		for _, r := range l.readers {
			r.closed.Store(true)
		}
		l.group.close()
	}
}

// Addr returns the bound address of the protocol's listener, or the zero
// value when it is not listening.
func (c *Collector) Addr(p Protocol) netip.AddrPort {
	for _, l := range c.listeners {
		if l.proto == p {
			return l.addr
		}
	}
	return netip.AddrPort{}
}

// Run reads until ctx is done, then closes the sockets and saves the
// templates.
func (c *Collector) Run(ctx context.Context) error {
	if err := c.Open(ctx); err != nil {
		return err
	}
	if c.opts.Registry != nil {
		if err := c.opts.Registry.Register(c); err != nil {
			c.close()
			return fmt.Errorf("flow metrics: %w", err)
		}
		defer c.opts.Registry.Unregister(c)
	}
	g, ctx := errgroup.WithContext(ctx)
	readers := sync.WaitGroup{}
	for _, l := range c.listeners {
		for _, r := range l.readers {
			readers.Add(1)
			g.Go(func() error {
				defer readers.Done()
				return r.run()
			})
		}
	}
	g.Go(func() error {
		<-ctx.Done()
		c.close()
		return nil
	})
	if c.opts.TemplateFile != "" {
		g.Go(func() error {
			t := time.NewTicker(c.cfg.TemplateSave)
			defer t.Stop()
			for {
				select {
				case <-ctx.Done():
					// The last save waits for the readers' last snapshots.
					readers.Wait()
					return c.SaveTemplates()
				case <-t.C:
					if err := c.SaveTemplates(); err != nil {
						c.opts.Logger.Warn("saving flow templates", "err", err)
					}
				}
			}
		})
	}
	return g.Wait()
}

// SaveTemplates writes the templates: the saved ones of exporters not
// heard since, overlaid by what each reader holds for the exporters it
// hears.
func (c *Collector) SaveTemplates() error {
	if c.opts.TemplateFile == "" {
		return nil
	}
	c.saveMu.Lock()
	defer c.saveMu.Unlock()
	merged := netflow.New(netflow.Config{})
	if len(c.seed) > 0 {
		_ = merged.ImportTemplates(c.seed) // already reported at start
	}
	for _, l := range c.listeners {
		for _, r := range l.readers {
			r.mu.Lock()
			snap := r.snapshot
			r.mu.Unlock()
			if len(snap) > 0 {
				if err := merged.ImportTemplates(snap); err != nil {
					return err
				}
			}
		}
	}
	return writeTemplates(c.opts.TemplateFile, merged.AppendTemplates(nil))
}

// batchReader is ipv4.PacketConn and ipv6.PacketConn: recvmmsg on Linux.
type batchReader interface {
	ReadBatch(ms []ipv4.Message, flags int) (int, error)
}

func (r *reader) run() error {
	var br batchReader = ipv4.NewPacketConn(r.conn)
	msgs := make([]ipv4.Message, r.batch)
	for i := range msgs {
		msgs[i].Buffers = [][]byte{make([]byte, maxDatagram)}
	}
	recs := make([]flow.Record, 0, r.batch*32)
	for {
		n, err := br.ReadBatch(msgs, 0)
		if err != nil {
			if r.closed.Load() || errors.Is(err, net.ErrClosed) {
				r.snapshotTemplates(time.Time{})
				return nil
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			return fmt.Errorf("%s: read: %w", r.proto, err)
		}
		now := r.c.opts.Now()
		f := r.c.filter.Load()
		recs = recs[:0]
		for i := range msgs[:n] {
			recs = r.datagram(f, &msgs[i], now, recs)
		}
		if len(recs) > 0 && r.c.opts.Handler != nil {
			r.c.opts.Handler(recs)
		}
		if r.tplDirty && now.Sub(r.tplSaved) >= time.Second {
			r.snapshotTemplates(now)
		}
	}
}

// datagram decodes one received datagram, appending its records to recs.
func (r *reader) datagram(f *filter, m *ipv4.Message, now time.Time, recs []flow.Record) []flow.Record {
	ua, ok := m.Addr.(*net.UDPAddr)
	if !ok {
		return recs
	}
	src, _ := netip.AddrFromSlice(ua.IP)
	src = src.Unmap()
	if !f.allows(src) {
		r.notAllowed.Add(1)
		return recs
	}
	es := r.stats(src)
	if es == nil {
		r.overflow.Add(1)
		return recs
	}
	es.datagrams.Add(1)
	es.lastSeen.Store(now.UnixNano())
	if m.Flags&unix.MSG_TRUNC != 0 {
		r.truncated.Add(1)
		es.errors.Add(1)
		return recs
	}
	data := m.Buffers[0][:m.N]
	start := len(recs)
	var err error
	if r.nf != nil {
		recs, err = r.nf.Decode(src, data, recs)
		if st, ok := r.nf.Stats(src); ok {
			if v := st.TemplateUpdates + st.TemplateWithdrawals; v != es.tplVersion {
				es.tplVersion = v
				r.tplDirty = true
			}
			es.templates.Store(int64(st.Templates))
		}
	} else {
		recs, err = r.sf.Decode(src, data, recs)
		t := now.UnixNano()
		for i := range recs[start:] {
			recs[start+i].Start, recs[start+i].End = t, t
		}
	}
	if err != nil {
		es.errors.Add(1)
	}
	es.flows.Add(uint64(len(recs) - start))
	if rate, ok := f.sampling[src]; ok {
		for i := range recs[start:] {
			recs[start+i].SamplingRate = rate
		}
	}
	return recs
}

// stats returns the exporter's counters, creating them (under mu, for
// concurrent readers of the map) on first sight; nil past maxExporters.
func (r *reader) stats(a netip.Addr) *exporterStats {
	if es, ok := r.exporters[a]; ok {
		return es
	}
	if len(r.exporters) >= maxExporters {
		return nil
	}
	es := &exporterStats{}
	r.mu.Lock()
	r.exporters[a] = es
	r.mu.Unlock()
	return es
}

// snapshotTemplates copies the templates of the exporters this reader
// hears, for SaveTemplates to read without touching the decoder.
func (r *reader) snapshotTemplates(now time.Time) {
	if r.nf == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	addrs := make([]netip.Addr, 0, len(r.exporters))
	for a := range r.exporters {
		addrs = append(addrs, a)
	}
	slices.SortFunc(addrs, netip.Addr.Compare)
	// A new slice each time: SaveTemplates may still read the last one.
	r.snapshot = r.nf.AppendTemplatesOf(nil, addrs)
	r.tplDirty, r.tplSaved = false, now
}

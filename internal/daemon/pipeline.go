package daemon

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"net/netip"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/seawall/seawall/internal/alert"
	"github.com/seawall/seawall/internal/detect"
	"github.com/seawall/seawall/internal/enrich"
	"github.com/seawall/seawall/internal/flow"
	"github.com/seawall/seawall/internal/ingest"
	"github.com/seawall/seawall/internal/store"
)

// AlertFileName is the alert file's name in the data directory when
// alerts.file.path is not set.
const AlertFileName = "alerts.jsonl"

// DefaultTick is how often detection's clock is advanced from the wall
// clock when no flow advances it, so that silence (DET-FLOW-019) and
// dedup windows close while nothing arrives.
const DefaultTick = 10 * time.Second

// pipelineQueue bounds the batches waiting for the pipeline goroutine. A
// batch is one recvmmsg read (up to flows.batch datagrams of 20-30 flows),
// so 256 hold a few seconds of a busy collector's flows at most.
const pipelineQueue = 256

// PipelineStatus is the flow pipeline's part of the status: enrichment,
// detection, the alert destinations and the store.
type PipelineStatus struct {
	// Batches counts the record batches the pipeline took from the
	// collector; DroppedBatches those it dropped because it was behind
	// (its queue was full), rather than stall the socket readers.
	Batches        uint64 `json:"batches"`
	DroppedBatches uint64 `json:"dropped_batches"`
	// Enriched counts the flows tagged and run through detection.
	Enriched uint64 `json:"enriched"`
	// Alerts counts the alerts emitted, per rule.
	Alerts map[string]uint64 `json:"alerts"`
	Enrich EnrichStatus      `json:"enrich"`
	Detect DetectStatus      `json:"detect"`
	// Sinks are the alert destinations' queues.
	Sinks []alert.QueueStats `json:"sinks"`
	// Store is the embedded database's writer.
	Store *store.Stats `json:"store,omitempty"`
	// StorePath is the database file.
	StorePath string `json:"store_path,omitempty"`
}

// EnrichStatus is the enrichment table's.
type EnrichStatus struct {
	// Loaded is when the table in use was built.
	Loaded    time.Time `json:"loaded"`
	ASNRanges int       `json:"asn_ranges"`
	Lists     []string  `json:"lists,omitempty"`
	// Error is the last load's failure; the previous table stays in use.
	Error string `json:"error,omitempty"`
}

// DetectStatus is the detection engine's.
type DetectStatus struct {
	// Started is when the engine in use was built: a reload that changes
	// the detect: or inventory: sections (or the threat lists' names)
	// builds a new one, and what the old one had learned (baselines,
	// exporters' intervals, open dedup windows) starts over.
	Started time.Time `json:"started"`
	// Clock is the latest flow time seen.
	Clock        time.Time `json:"clock,omitzero"`
	DedupOpen    int       `json:"dedup_open"`
	DedupEvicted uint64    `json:"dedup_evicted"`
	Folded       uint64    `json:"folded"`
}

// pipeline takes the collector's records through enrichment and detection
// to the alert destinations and the store, in one goroutine: the
// detection engine is not safe for concurrent use, and one owner also
// keeps flows of one exporter in order. The socket readers hand it
// batches through a bounded channel and never wait for it.
type pipeline struct {
	log       *slog.Logger
	tick      time.Duration
	table     enrich.Holder
	batches   chan []flow.Record
	next      atomic.Pointer[detect.Engine] // built by a reload, taken by run
	exporters func() []ingest.ExporterStatus

	// Set by Daemon.Run before run starts.
	outputs atomic.Pointer[alert.Outputs]
	store   atomic.Pointer[store.Store]

	taken, dropped, enriched atomic.Uint64

	mu       sync.Mutex
	alerts   map[string]uint64
	enrichSt EnrichStatus
	detectSt DetectStatus
}

func newPipeline(log *slog.Logger, tick time.Duration, exporters func() []ingest.ExporterStatus) *pipeline {
	if tick <= 0 {
		tick = DefaultTick
	}
	return &pipeline{
		log: log, tick: tick, exporters: exporters,
		batches: make(chan []flow.Record, pipelineQueue),
		alerts:  map[string]uint64{},
	}
}

// handle is called by the socket readers with records they reuse: it
// copies them and queues the copy, or drops it when the pipeline is
// behind.
func (p *pipeline) handle(recs []flow.Record) {
	if len(recs) == 0 {
		return
	}
	select {
	case p.batches <- slices.Clone(recs):
	default:
		p.dropped.Add(1)
	}
}

// setTable makes t the table flows are enriched with.
func (p *pipeline) setTable(t *enrich.Table, asnRanges int) {
	p.table.Store(t)
	p.mu.Lock()
	p.enrichSt = EnrichStatus{Loaded: time.Now().UTC(), ASNRanges: asnRanges, Lists: t.ListNames()}
	p.mu.Unlock()
}

// setEnrichError reports a failed load; the table in use stays.
func (p *pipeline) setEnrichError(err error) {
	p.mu.Lock()
	p.enrichSt.Error = err.Error()
	p.mu.Unlock()
}

// setEngine hands run a new engine, which it switches to before the next
// batch or tick (flushing the old one's folded alerts).
func (p *pipeline) setEngine(en *detect.Engine) { p.next.Store(en) }

// runner is run's state: only the pipeline goroutine touches it.
type runner struct {
	*pipeline
	en    *detect.Engine
	out   []alert.Alert
	clock int64 // the latest flow time seen, Unix ns
	f     enrich.Flow
	prev  map[exporterKey]ingest.ExporterStatus
}

type exporterKey struct {
	proto string
	addr  netip.Addr
}

// run owns the detection engine until ctx is done. Then it waits for the
// collector to stop (upstream), takes what is still queued, flushes the
// engine's folded alerts and returns; the caller then stops the alert
// destinations and the store, which deliver what they were given.
func (p *pipeline) run(ctx context.Context, upstream <-chan struct{}) error {
	r := &runner{pipeline: p, prev: map[exporterKey]ingest.ExporterStatus{}}
	r.swap()
	if r.en == nil {
		return fmt.Errorf("pipeline: no detection engine")
	}
	t := time.NewTicker(p.tick)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			<-upstream
		drain:
			for {
				select {
				case b := <-p.batches:
					r.process(b)
				default:
					break drain
				}
			}
			r.emit(r.en.Flush(r.out[:0]))
			r.storeExporters()
			return nil
		case b := <-p.batches:
			r.swap()
			r.process(b)
		case now := <-t.C:
			r.swap()
			// The wall clock moves detection on when flows stop (or an
			// exporter's clock lags): silence is only seen this way.
			r.emit(r.en.Tick(max(r.clock, now.UnixNano()), r.out[:0]))
			r.storeExporters()
			r.snapshot()
		}
	}
}

// swap switches to an engine a reload built.
func (r *runner) swap() {
	en := r.next.Swap(nil)
	if en == nil {
		return
	}
	if r.en != nil {
		r.emit(r.en.Flush(r.out[:0]))
	}
	r.en = en
	r.mu.Lock()
	r.detectSt = DetectStatus{Started: time.Now().UTC()}
	r.mu.Unlock()
	r.snapshot()
}

func (r *runner) process(b []flow.Record) {
	r.taken.Add(1)
	tbl := r.table.Load()
	st := r.store.Load()
	for i := range b {
		rec := &b[i]
		if rec.End == 0 {
			rec.End = rec.Start
		}
		if rec.End == 0 {
			continue // ingest stamps sFlow; a record without a time cannot be placed
		}
		tbl.Enrich(rec, &r.f)
		r.out = r.en.Observe(&r.f, r.out[:0])
		r.emit(r.out)
		r.clock = max(r.clock, rec.End)
		if st != nil {
			st.AddFlow(minuteKey(&r.f), counters(rec))
		}
	}
	r.enriched.Add(uint64(len(b)))
	// Flow time moves detection on as flows arrive.
	r.emit(r.en.Tick(r.clock, r.out[:0]))
}

// emit sends alerts to every destination and the store.
func (r *runner) emit(as []alert.Alert) {
	if len(as) == 0 {
		return
	}
	if o := r.outputs.Load(); o != nil {
		o.Enqueue(as...)
	}
	if st := r.store.Load(); st != nil {
		for _, a := range as {
			st.AddAlert(a)
		}
	}
	r.mu.Lock()
	for _, a := range as {
		r.alerts[a.Rule]++
	}
	r.mu.Unlock()
}

// snapshot publishes the engine's counters for status and metrics.
func (r *runner) snapshot() {
	s := r.en.Stats()
	r.mu.Lock()
	if r.clock > 0 {
		r.detectSt.Clock = time.Unix(0, r.clock).UTC()
	}
	r.detectSt.DedupOpen, r.detectSt.DedupEvicted, r.detectSt.Folded = s.DedupOpen, s.DedupEvicted, s.Folded
	r.mu.Unlock()
}

// storeExporters records what the collector counted per exporter since
// the last call. The store keys exporters by address, so NetFlow and sFlow
// from one device add up; a restarted collector counts from zero again.
func (r *runner) storeExporters() {
	st := r.store.Load()
	if st == nil || r.exporters == nil {
		return
	}
	byAddr := map[netip.Addr]*store.Exporter{}
	for _, e := range r.exporters() {
		k := exporterKey{e.Protocol, e.Address}
		prev, ok := r.prev[k]
		if ok && e.Datagrams < prev.Datagrams {
			prev, ok = ingest.ExporterStatus{}, false // a new collector
		}
		r.prev[k] = e
		if ok && e.Datagrams == prev.Datagrams && e.Errors == prev.Errors && e.Templates == prev.Templates {
			continue
		}
		x := byAddr[e.Address]
		if x == nil {
			seen := e.LastSeen.UnixNano()
			x = &store.Exporter{Address: e.Address, FirstSeen: seen}
			byAddr[e.Address] = x
		}
		x.LastSeen = max(x.LastSeen, e.LastSeen.UnixNano())
		x.Datagrams += e.Datagrams - prev.Datagrams
		x.Flows += e.Flows - prev.Flows
		x.Errors += e.Errors - prev.Errors
		x.Templates += e.Templates
	}
	for _, a := range slices.SortedFunc(maps.Keys(byAddr), netip.Addr.Compare) {
		st.AddExporter(*byAddr[a])
	}
}

// minuteKey is the aggregate a flow counts in: the minute of its end.
func minuteKey(f *enrich.Flow) store.MinuteKey {
	return store.MinuteKey{
		Minute:     f.End / int64(time.Second),
		Exporter:   f.Exporter,
		Direction:  f.Direction,
		SrcCountry: f.Src.CountryCode(),
		DstCountry: f.Dst.CountryCode(),
		SrcASN:     f.SrcASN,
		DstASN:     f.DstASN,
		Proto:      f.Proto,
		Port:       servicePort(&f.Record),
	}
}

// servicePort is the port an aggregate keys on, which should be the
// service's whichever way the flow goes: the lower of the two ports when
// it is below 1024 (a well-known port: the server's, in a request or its
// reply), else the destination port. Protocols without ports have 0.
func servicePort(r *flow.Record) uint16 {
	switch r.Proto {
	case 6, 17, 132: // TCP, UDP, SCTP
	default:
		return 0
	}
	lo := min(r.SrcPort, r.DstPort)
	if lo == 0 {
		lo = max(r.SrcPort, r.DstPort)
	}
	if lo < 1024 {
		return lo
	}
	return r.DstPort
}

// counters are what a flow adds to its aggregate: bytes and packets scaled
// by the sampling rate (an estimate of the traffic on the wire; unknown
// rates count as 1), and one flow.
func counters(r *flow.Record) store.Counters {
	rate := uint64(max(r.SamplingRate, 1))
	return store.Counters{Bytes: r.Bytes * rate, Packets: r.Packets * rate, Flows: 1}
}

// status reports the pipeline's counters.
func (p *pipeline) status() *PipelineStatus {
	st := &PipelineStatus{Batches: p.taken.Load(), DroppedBatches: p.dropped.Load(), Enriched: p.enriched.Load()}
	p.mu.Lock()
	st.Alerts = maps.Clone(p.alerts)
	st.Enrich = p.enrichSt
	st.Detect = p.detectSt
	p.mu.Unlock()
	if o := p.outputs.Load(); o != nil {
		st.Sinks = o.Stats()
	}
	if s := p.store.Load(); s != nil {
		ss := s.Stats()
		st.Store = &ss
		st.StorePath = s.Path()
	}
	return st
}

// Prometheus series: the pipeline's counters, as in the status.
var (
	descBatches   = prometheus.NewDesc("seawall_pipeline_batches_total", "Record batches the flow pipeline took from the collector.", nil, nil)
	descDropped   = prometheus.NewDesc("seawall_pipeline_batches_dropped_total", "Record batches dropped because the flow pipeline was behind.", nil, nil)
	descEnriched  = prometheus.NewDesc("seawall_pipeline_flows_enriched_total", "Flows enriched and run through detection.", nil, nil)
	descAlerts    = prometheus.NewDesc("seawall_alerts_emitted_total", "Alerts emitted by detection.", []string{"rule"}, nil)
	descEnrichErr = prometheus.NewDesc("seawall_enrich_load_error", "1 when the last enrichment load failed (the previous table is in use).", nil, nil)
	descDedupOpen = prometheus.NewDesc("seawall_detect_dedup_open", "Open alert dedup windows.", nil, nil)
	descFolded    = prometheus.NewDesc("seawall_detect_folded_total", "Repeated alerts folded by dedup.", nil, nil)
	descQueued    = prometheus.NewDesc("seawall_alert_sink_queued", "Alerts waiting for a destination.", []string{"sink"}, nil)
	descSent      = prometheus.NewDesc("seawall_alert_sink_sent_total", "Alerts delivered to a destination.", []string{"sink"}, nil)
	descSinkDrop  = prometheus.NewDesc("seawall_alert_sink_dropped_total", "Alerts a destination lost: pushed out of a full queue, or failed after the last retry.", []string{"sink", "reason"}, nil)
	descRetries   = prometheus.NewDesc("seawall_alert_sink_retries_total", "Batches sent again to a destination.", []string{"sink"}, nil)
	descPending   = prometheus.NewDesc("seawall_store_pending_rows", "Rows waiting in memory for the store's next flush.", nil, nil)
	descFlushes   = prometheus.NewDesc("seawall_store_flushes_total", "Batches committed to the store.", nil, nil)
	descRows      = prometheus.NewDesc("seawall_store_rows_total", "Rows committed to the store.", nil, nil)
	descFlushErr  = prometheus.NewDesc("seawall_store_flush_errors_total", "Failed store flushes.", nil, nil)
	descRowsDrop  = prometheus.NewDesc("seawall_store_dropped_rows_total", "Rows given up on after repeated failed flushes.", nil, nil)
	descPruned    = prometheus.NewDesc("seawall_store_pruned_rows_total", "Rows deleted by retention.", nil, nil)
)

// Describe implements prometheus.Collector.
func (p *pipeline) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descBatches, descDropped, descEnriched, descAlerts, descEnrichErr, descDedupOpen, descFolded,
		descQueued, descSent, descSinkDrop, descRetries, descPending, descFlushes, descRows, descFlushErr, descRowsDrop, descPruned} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (p *pipeline) Collect(ch chan<- prometheus.Metric) {
	st := p.status()
	c := func(d *prometheus.Desc, v uint64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), labels...)
	}
	g := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	c(descBatches, st.Batches)
	c(descDropped, st.DroppedBatches)
	c(descEnriched, st.Enriched)
	for _, rule := range slices.Sorted(maps.Keys(st.Alerts)) {
		c(descAlerts, st.Alerts[rule], rule)
	}
	var failed float64
	if st.Enrich.Error != "" {
		failed = 1
	}
	g(descEnrichErr, failed)
	g(descDedupOpen, float64(st.Detect.DedupOpen))
	c(descFolded, st.Detect.Folded)
	for _, s := range st.Sinks {
		g(descQueued, float64(s.Queued), s.Sink)
		c(descSent, s.Sent, s.Sink)
		c(descSinkDrop, s.DroppedFull, s.Sink, "full")
		c(descSinkDrop, s.DroppedFailed, s.Sink, "failed")
		c(descRetries, s.Retries, s.Sink)
	}
	if s := st.Store; s != nil {
		g(descPending, float64(s.Pending))
		c(descFlushes, s.Flushes)
		c(descRows, s.Rows)
		c(descFlushErr, s.FlushErrors)
		c(descRowsDrop, s.DroppedRows)
		c(descPruned, s.Pruned)
	}
}

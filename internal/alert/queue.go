package alert

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// drainTimeout bounds the last delivery attempt when Run is stopped, so
// that shutdown cannot hang on a dead destination.
const drainTimeout = 5 * time.Second

// Queue stands between detection and one Sink: Enqueue never blocks (when
// the queue is full the oldest alert is dropped and counted), and Run
// delivers in batches, retrying failures with exponential backoff up to
// the configured number of times before dropping the batch (and counting
// it). A slow or dead SIEM thus costs alerts, visibly, never detection.
type Queue struct {
	name       string
	sink       Sink
	batch      int
	retries    int
	backoff    time.Duration
	maxBackoff time.Duration

	mu   sync.Mutex
	ring []Alert // capacity = queue size
	head int     // index of the oldest alert
	n    int     // alerts queued
	wake chan struct{}

	enqueued, sent, droppedFull, droppedFailed, retried atomic.Uint64
	lastErr                                             atomic.Pointer[string]
}

// QueueStats are a Queue's counters, for metrics and `seawall status`.
type QueueStats struct {
	Sink string `json:"sink"`
	// Queued is the number of alerts waiting now.
	Queued int `json:"queued"`
	// Enqueued counts alerts handed to the queue; Sent those delivered.
	Enqueued uint64 `json:"enqueued"`
	Sent     uint64 `json:"sent"`
	// DroppedFull counts alerts pushed out of a full queue;
	// DroppedFailed those given up on after the last retry (or at once,
	// for a permanent error).
	DroppedFull   uint64 `json:"dropped_full"`
	DroppedFailed uint64 `json:"dropped_failed"`
	// Retries counts batches sent again.
	Retries   uint64 `json:"retries"`
	LastError string `json:"last_error,omitempty"`
}

// Dropped is every alert lost, for whatever reason.
func (s QueueStats) Dropped() uint64 { return s.DroppedFull + s.DroppedFailed }

// NewQueue puts a queue in front of sink, named name in its stats. The
// queue owns the sink: Run closes it when it returns. cfg supplies
// QueueSize, Retries, Backoff, MaxBackoff and Batch (zero values take the
// defaults).
func NewQueue(name string, sink Sink, cfg Config) *Queue {
	d := DefaultConfig()
	if cfg.QueueSize <= 0 {
		cfg.QueueSize = d.QueueSize
	}
	if cfg.Retries < 0 {
		cfg.Retries = 0
	}
	if cfg.Backoff <= 0 {
		cfg.Backoff = d.Backoff
	}
	if cfg.MaxBackoff < cfg.Backoff {
		cfg.MaxBackoff = max(d.MaxBackoff, cfg.Backoff)
	}
	if cfg.Batch <= 0 {
		cfg.Batch = d.Batch
	}
	return &Queue{
		name: name, sink: sink, batch: cfg.Batch, retries: cfg.Retries,
		backoff: cfg.Backoff, maxBackoff: cfg.MaxBackoff,
		ring: make([]Alert, cfg.QueueSize), wake: make(chan struct{}, 1),
	}
}

// Enqueue adds alerts for delivery without blocking; when the queue is
// full the oldest waiting alerts make room and are counted as dropped.
func (q *Queue) Enqueue(alerts ...Alert) {
	if len(alerts) == 0 {
		return
	}
	q.mu.Lock()
	for _, a := range alerts {
		if q.n == len(q.ring) {
			q.ring[q.head] = Alert{}
			q.head = (q.head + 1) % len(q.ring)
			q.n--
			q.droppedFull.Add(1)
		}
		q.ring[(q.head+q.n)%len(q.ring)] = a
		q.n++
	}
	q.mu.Unlock()
	q.enqueued.Add(uint64(len(alerts)))
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// take removes up to max alerts from the front.
func (q *Queue) take(max int) []Alert {
	q.mu.Lock()
	defer q.mu.Unlock()
	k := min(q.n, max)
	if k == 0 {
		return nil
	}
	out := make([]Alert, k)
	for i := range out {
		out[i] = q.ring[q.head]
		q.ring[q.head] = Alert{}
		q.head = (q.head + 1) % len(q.ring)
	}
	q.n -= k
	return out
}

// Stats returns the counters.
func (q *Queue) Stats() QueueStats {
	q.mu.Lock()
	n := q.n
	q.mu.Unlock()
	s := QueueStats{
		Sink: q.name, Queued: n, Enqueued: q.enqueued.Load(), Sent: q.sent.Load(),
		DroppedFull: q.droppedFull.Load(), DroppedFailed: q.droppedFailed.Load(), Retries: q.retried.Load(),
	}
	if p := q.lastErr.Load(); p != nil {
		s.LastError = *p
	}
	return s
}

// Run delivers queued alerts until ctx is done, then makes one last
// attempt (bounded by a few seconds) to deliver what is still queued, and
// closes the sink. It returns the sink's Close error, if any. Alerts
// enqueued after Run has returned stay queued, undelivered.
func (q *Queue) Run(ctx context.Context) error {
	var pending []Alert
	for ctx.Err() == nil {
		batch := q.take(q.batch)
		if len(batch) == 0 {
			select {
			case <-ctx.Done():
			case <-q.wake:
			}
			continue
		}
		if pending = q.deliver(ctx, batch); pending != nil {
			break // stopped while retrying
		}
	}
	q.drain(pending)
	return q.sink.Close()
}

// deliver sends one batch with retries. It returns the batch when ctx
// ended before it was delivered or given up on, nil otherwise.
func (q *Queue) deliver(ctx context.Context, batch []Alert) []Alert {
	wait := q.backoff
	for attempt := 0; ; attempt++ {
		err := q.sink.Send(ctx, batch)
		if err == nil {
			q.sent.Add(uint64(len(batch)))
			return nil
		}
		msg := err.Error()
		q.lastErr.Store(&msg)
		if ctx.Err() != nil {
			return batch
		}
		if IsPermanent(err) || attempt >= q.retries {
			q.droppedFailed.Add(uint64(len(batch)))
			return nil
		}
		d := min(max(wait, retryAfter(err)), q.maxBackoff)
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return batch
		case <-t.C:
		}
		wait = min(wait*2, q.maxBackoff)
		q.retried.Add(1)
	}
}

// drain tries once to deliver pending and whatever is still queued.
// What it cannot deliver is counted as failed.
func (q *Queue) drain(pending []Alert) {
	ctx, cancel := context.WithTimeout(context.Background(), drainTimeout)
	defer cancel()
	for {
		batch := append(pending, q.take(q.batch-min(len(pending), q.batch))...)
		pending = nil
		if len(batch) == 0 {
			return
		}
		if err := q.sink.Send(ctx, batch); err != nil {
			msg := err.Error()
			q.lastErr.Store(&msg)
			q.droppedFailed.Add(uint64(len(batch)))
			rest := q.take(len(q.ring))
			q.droppedFailed.Add(uint64(len(rest)))
			return
		}
		q.sent.Add(uint64(len(batch)))
	}
}

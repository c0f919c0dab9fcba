package detect

import (
	"fmt"
	"slices"

	"github.com/seawall/seawall/internal/alert"
	"github.com/seawall/seawall/internal/enrich"
	"github.com/seawall/seawall/internal/inventory"
)

// Engine runs every enabled detector over enriched flows and folds
// repeated alerts. It is not safe for concurrent use: its owner feeds it
// from one goroutine (or shards flows by key across engines).
//
// Time is the engine's clock: the latest of the flows' times (their end,
// else start) and of the times passed to Tick. It never reads the wall
// clock.
//
// Deduplication: alerts with the same Rule and Key fold together.
//   - The first one is emitted at once and opens a window of
//     dedup.window on the clock.
//   - Repeats inside the window are never emitted: they are folded
//     (Count, First, Last, and Evidence up to dedup.max_evidence).
//   - When Tick finds the window over, the folded repeats, if any, are
//     emitted as one alert whose Count, First, Last and Evidence cover
//     only them, and a new window opens at once in which the same
//     applies; a window that folded nothing closes silently and the key
//     is forgotten.
//   - A repeat arriving after the window ended but before a Tick closed
//     it closes it likewise (emitting what was folded), then counts as a
//     first occurrence: emitted at once, opening a new window.
//   - Evicting a window early (more than dedup.max_keys open) and Flush
//     emit what it folded and forget the key.
//
// So a key repeating continuously is reported once at the start and then
// once per window, and the Counts of everything emitted for a key add up
// to the number of occurrences.
type Engine struct {
	env  *env
	dets []Detector
	emit func(alert.Alert)
	out  []alert.Alert

	open    map[dedupKey]*openAlert
	queue   []queued // windows in the order they close
	seq     uint64
	evicted uint64 // dedup windows closed early by max_keys
	folded  uint64
}

type dedupKey struct{ rule, key string }

// openAlert is an open dedup window: the repeats folded since the last
// emission.
type openAlert struct {
	a      alert.Alert // Count 0 when nothing is folded
	closes int64
	seq    uint64
}

type queued struct {
	k   dedupKey
	seq uint64
}

// New builds an engine. inv may be nil (no inventory: only rules that
// need none fire); listNames names the threat lists by their bit in
// enrich.Tags.Threat.
func New(cfg Config, inv *inventory.Config, listNames []string) (*Engine, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	e := newEnv(cfg, inv, listNames)
	all := newStateless(e)
	all = append(all, newHop(e), newMirror(e), newExfil(e), newScan(e), newSilence(e))
	slices.SortFunc(all, func(a, b Detector) int {
		if a.ID() < b.ID() {
			return -1
		}
		return 1
	})
	en := &Engine{env: e, open: map[dedupKey]*openAlert{}}
	for _, d := range all {
		if !slices.Contains(cfg.Disabled, d.ID()) {
			en.dets = append(en.dets, d)
		}
	}
	en.emit = en.collect
	return en, nil
}

// Observe runs the detectors over one flow and appends the alerts to
// emit to out. A flow that alerts nothing allocates nothing.
func (en *Engine) Observe(f *enrich.Flow, out []alert.Alert) []alert.Alert {
	if t := en.env.when(f); t > en.env.clock {
		en.env.clock = t
	}
	en.out = out
	for _, d := range en.dets {
		d.Observe(f, en.emit)
	}
	out, en.out = en.out, nil
	return out
}

// Tick advances the clock to now (if later), lets the detectors report
// what time alone reveals (silence) and closes the dedup windows that
// ended. The owner calls it regularly, e.g. every few seconds with the
// receive time of the latest datagram or the wall clock.
func (en *Engine) Tick(now int64, out []alert.Alert) []alert.Alert {
	if now > en.env.clock {
		en.env.clock = now
	}
	en.out = out
	for _, d := range en.dets {
		d.Tick(en.env.clock, en.emit)
	}
	for len(en.queue) > 0 {
		q := en.queue[0]
		o := en.open[q.k]
		if o != nil && o.seq == q.seq && o.closes > en.env.clock {
			break
		}
		en.pop()
		if o != nil && o.seq == q.seq {
			en.close(q.k, o, true)
		}
	}
	out, en.out = en.out, nil
	return out
}

// Flush closes every open dedup window, emitting what was folded (at
// shutdown, or at the end of a replay).
func (en *Engine) Flush(out []alert.Alert) []alert.Alert {
	en.out = out
	for len(en.queue) > 0 {
		q := en.queue[0]
		en.pop()
		if o := en.open[q.k]; o != nil && o.seq == q.seq {
			en.close(q.k, o, false)
		}
	}
	out, en.out = en.out, nil
	return out
}

func (en *Engine) pop() {
	en.queue[0] = queued{}
	en.queue = en.queue[1:]
	if len(en.queue) == 0 {
		en.queue = en.queue[:0:0]
	}
}

// collect is the detectors' emit: it deduplicates and appends to out.
func (en *Engine) collect(a alert.Alert) {
	k := dedupKey{a.Rule, a.Key}
	now := en.env.clock
	if o := en.open[k]; o != nil {
		if now < o.closes {
			en.fold(o, a)
			return
		}
		en.close(k, o, false)
	}
	for len(en.open) >= en.env.cfg.Dedup.MaxKeys && len(en.queue) > 0 {
		q := en.queue[0]
		en.pop()
		if o := en.open[q.k]; o != nil && o.seq == q.seq {
			en.evicted++
			en.close(q.k, o, false)
		}
	}
	en.seq++
	en.open[k] = &openAlert{a: en.pending(a), closes: now + int64(en.env.cfg.Dedup.Window), seq: en.seq}
	en.queue = append(en.queue, queued{k, en.seq})
	en.send(a)
}

// pending is an empty fold of a: the same alert with nothing counted.
func (en *Engine) pending(a alert.Alert) alert.Alert {
	a.Count, a.First, a.Last, a.Evidence = 0, 0, 0, nil
	return a
}

func (en *Engine) fold(o *openAlert, a alert.Alert) {
	en.folded++
	p := &o.a
	if p.Count == 0 {
		p.First, p.Last = a.First, a.Last
	}
	p.Count += a.Count
	p.First, p.Last = min(p.First, a.First), max(p.Last, a.Last)
	p.Severity = max(p.Severity, a.Severity)
	for _, ev := range a.Evidence {
		if len(p.Evidence) < en.env.cfg.Dedup.MaxEvidence {
			p.Evidence = append(p.Evidence, ev)
		}
	}
}

// close ends o's window: what it folded is emitted; with reopen (the
// window ran its course on the clock), a window with something in it is
// followed by a fresh one, else the key is forgotten.
func (en *Engine) close(k dedupKey, o *openAlert, reopen bool) {
	delete(en.open, k)
	if o.a.Count == 0 {
		return
	}
	en.send(o.a)
	if reopen {
		en.seq++
		en.open[k] = &openAlert{a: en.pending(o.a), closes: en.env.clock + int64(en.env.cfg.Dedup.Window), seq: en.seq}
		en.queue = append(en.queue, queued{k, en.seq})
	}
}

// send appends a copy that shares nothing with the engine or the rule
// table.
func (en *Engine) send(a alert.Alert) {
	a.Technique = slices.Clone(a.Technique)
	a.Evidence = slices.Clone(a.Evidence)
	if len(a.Evidence) > en.env.cfg.Dedup.MaxEvidence {
		a.Evidence = a.Evidence[:en.env.cfg.Dedup.MaxEvidence]
	}
	a.Tags = cloneMap(a.Tags)
	en.out = append(en.out, a)
}

func cloneMap(m map[string]string) map[string]string {
	if m == nil {
		return nil
	}
	c := make(map[string]string, len(m))
	for k, v := range m {
		c[k] = v
	}
	return c
}

// Stats are counters for monitoring the engine's memory bounds.
type Stats struct {
	// Detectors lists the rules that keep per-key state.
	Detectors []DetectorStats
	// DedupOpen is the open dedup windows; DedupEvicted those closed
	// early to stay within dedup.max_keys; Folded the repeats folded.
	DedupOpen    int
	DedupEvicted uint64
	Folded       uint64
}

// DetectorStats is one stateful rule's state.
type DetectorStats struct {
	Rule string
	// Tracked is the keys held now; Evicted those dropped (least recently
	// seen first) to stay within the rule's caps.
	Tracked int
	Evicted uint64
}

// Stats returns the engine's counters.
func (en *Engine) Stats() Stats {
	s := Stats{DedupOpen: len(en.open), DedupEvicted: en.evicted, Folded: en.folded}
	for _, d := range en.dets {
		if t, ok := d.(tracker); ok {
			n, ev := t.tracked()
			s.Detectors = append(s.Detectors, DetectorStats{Rule: d.ID(), Tracked: n, Evicted: ev})
		}
	}
	return s
}

// String summarises the stats for logs.
func (s Stats) String() string {
	return fmt.Sprintf("dedup open=%d evicted=%d folded=%d detectors=%v", s.DedupOpen, s.DedupEvicted, s.Folded, s.Detectors)
}

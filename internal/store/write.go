package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"time"

	"github.com/seawall/seawall/internal/alert"
	"github.com/seawall/seawall/internal/flow"
)

// MinuteKey identifies one aggregate row.
type MinuteKey struct {
	// Minute is the start of the minute, Unix seconds; AddFlow rounds
	// down whatever it is given.
	Minute   int64
	Exporter netip.Addr
	// Direction as the exporter reported it.
	Direction flow.Direction
	// SrcCountry and DstCountry are ISO 3166 alpha-2 codes, "" unknown.
	SrcCountry, DstCountry string
	// SrcASN and DstASN are origin ASes, 0 unknown.
	SrcASN, DstASN uint32
	Proto          uint8
	// Port is the service port the caller chose to key on (the
	// destination port, or the lower of the two for replies); 0 for
	// port-less protocols.
	Port uint16
}

// Counters are what an aggregate sums. Bytes and Packets are what the
// caller passes: scaled by the sampling rate when it wants estimates of
// the traffic on the wire.
type Counters struct {
	Bytes   uint64 `json:"bytes"`
	Packets uint64 `json:"packets"`
	Flows   uint64 `json:"flows"`
}

func (c *Counters) add(o Counters) {
	c.Bytes += o.Bytes
	c.Packets += o.Packets
	c.Flows += o.Flows
}

// Exporter is one flow exporter's record. Passed to AddExporter,
// Datagrams, Flows and Errors are increments since the previous call for
// the same exporter and Templates the current count; read back, they are
// totals.
type Exporter struct {
	Address   netip.Addr `json:"address"`
	FirstSeen int64      `json:"first_seen"` // Unix ns
	LastSeen  int64      `json:"last_seen"`
	Datagrams uint64     `json:"datagrams"`
	Flows     uint64     `json:"flows"`
	Errors    uint64     `json:"errors"`
	Templates int        `json:"templates"`
}

// batch is what waits for the next flush.
type batch struct {
	alerts    []alert.Alert
	minutes   map[MinuteKey]Counters
	exporters map[netip.Addr]Exporter
}

func newBatch() batch {
	return batch{minutes: make(map[MinuteKey]Counters), exporters: make(map[netip.Addr]Exporter)}
}

func (b *batch) rows() int { return len(b.alerts) + len(b.minutes) + len(b.exporters) }

func (b *batch) addExporter(e Exporter) {
	old, ok := b.exporters[e.Address]
	if ok {
		e.FirstSeen = minNonZero(old.FirstSeen, e.FirstSeen)
		e.LastSeen = max(old.LastSeen, e.LastSeen)
		e.Datagrams += old.Datagrams
		e.Flows += old.Flows
		e.Errors += old.Errors
	}
	b.exporters[e.Address] = e
}

// merge puts an older batch (one that failed to commit) back in front of
// b.
func (b *batch) merge(old batch) {
	b.alerts = append(old.alerts, b.alerts...)
	for k, c := range old.minutes {
		n := b.minutes[k]
		n.add(c)
		b.minutes[k] = n
	}
	for _, e := range old.exporters {
		b.addExporter(e)
	}
}

func minNonZero(a, b int64) int64 {
	if a == 0 || (b != 0 && b < a) {
		return b
	}
	return a
}

// AddFlow adds counters to a minute aggregate. Repeated keys are summed
// in memory, so the batch grows by distinct keys, not flows.
func (s *Store) AddFlow(k MinuteKey, c Counters) {
	k.Minute -= k.Minute % 60
	if k.Minute < 0 {
		k.Minute -= 60
	}
	k.Exporter = k.Exporter.Unmap()
	s.mu.Lock()
	n := s.buf.minutes[k]
	n.add(c)
	s.buf.minutes[k] = n
	s.signalLocked()
	s.mu.Unlock()
}

// AddAlert records an alert. An alert with the rule, key and first time
// of a stored one replaces it (the detector re-emits an alert as it
// folds in more evidence).
func (s *Store) AddAlert(a alert.Alert) {
	s.mu.Lock()
	s.buf.alerts = append(s.buf.alerts, a)
	s.signalLocked()
	s.mu.Unlock()
}

// AddExporter records what ingest saw from an exporter (see Exporter).
func (s *Store) AddExporter(e Exporter) {
	e.Address = e.Address.Unmap()
	s.mu.Lock()
	s.buf.addExporter(e)
	s.signalLocked()
	s.mu.Unlock()
}

func (s *Store) signalLocked() {
	if s.buf.rows() >= s.cfg.BatchRows {
		select {
		case s.full <- struct{}{}:
		default:
		}
	}
}

// Flush commits what is buffered in one transaction. On failure the rows
// go back to the buffer for the next flush, unless that would hold more
// than 20 batches: then they are dropped and counted, so that a full disk
// costs data, not the daemon's memory.
func (s *Store) Flush(ctx context.Context) error {
	if s.readOnly {
		return errors.New("store: opened read-only")
	}
	s.flushMu.Lock()
	defer s.flushMu.Unlock()
	s.mu.Lock()
	b := s.buf
	s.buf = newBatch()
	s.mu.Unlock()
	n := b.rows()
	if n == 0 {
		return nil
	}
	err := s.write(ctx, b)
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil {
		s.stats.FlushErrors++
		s.stats.LastError = err.Error()
		if n+s.buf.rows() <= s.cfg.maxPending() {
			s.buf.merge(b)
		} else {
			s.stats.DroppedRows += uint64(n)
		}
		return err
	}
	s.stats.Flushes++
	s.stats.Rows += uint64(n)
	return nil
}

const (
	insertAlert = `INSERT INTO alerts (rule, key, first, last, severity, count, title, message, exporter, src, dst, body)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (rule, key, first) DO UPDATE SET
	last = max(last, excluded.last), severity = excluded.severity, count = excluded.count,
	title = excluded.title, message = excluded.message, exporter = excluded.exporter,
	src = excluded.src, dst = excluded.dst, body = excluded.body`
	upsertMinute = `INSERT INTO minutes (minute, exporter, direction, src_country, dst_country, src_asn, dst_asn, proto, port, bytes, packets, flows)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT DO UPDATE SET
	bytes = bytes + excluded.bytes, packets = packets + excluded.packets, flows = flows + excluded.flows`
	upsertExporter = `INSERT INTO exporters (address, first_seen, last_seen, datagrams, flows, errors, templates)
VALUES (?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (address) DO UPDATE SET
	first_seen = CASE WHEN first_seen = 0 OR (excluded.first_seen != 0 AND excluded.first_seen < first_seen) THEN excluded.first_seen ELSE first_seen END,
	last_seen = max(last_seen, excluded.last_seen),
	datagrams = datagrams + excluded.datagrams, flows = flows + excluded.flows,
	errors = errors + excluded.errors, templates = excluded.templates`
)

func (s *Store) write(ctx context.Context, b batch) (err error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: begin: %w", err)
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	if len(b.alerts) > 0 {
		st, err := tx.PrepareContext(ctx, insertAlert)
		if err != nil {
			return fmt.Errorf("store: alerts: %w", err)
		}
		defer st.Close()
		for i := range b.alerts {
			a := &b.alerts[i]
			body, err := json.Marshal(a)
			if err != nil {
				return fmt.Errorf("store: alert %s %s: %w", a.Rule, a.Key, err)
			}
			if _, err := st.ExecContext(ctx, a.Rule, a.Key, a.First, a.Last, int(a.Severity), a.Count, a.Title, a.Message,
				addrText(a.Exporter), addrText(a.Src), addrText(a.Dst), string(body)); err != nil {
				return fmt.Errorf("store: alert %s %s: %w", a.Rule, a.Key, err)
			}
		}
	}
	if len(b.minutes) > 0 {
		st, err := tx.PrepareContext(ctx, upsertMinute)
		if err != nil {
			return fmt.Errorf("store: aggregates: %w", err)
		}
		defer st.Close()
		for k, c := range b.minutes {
			if _, err := st.ExecContext(ctx, k.Minute, addrText(k.Exporter), int(k.Direction), k.SrcCountry, k.DstCountry,
				int64(k.SrcASN), int64(k.DstASN), int(k.Proto), int(k.Port), i64(c.Bytes), i64(c.Packets), i64(c.Flows)); err != nil {
				return fmt.Errorf("store: aggregate for minute %d: %w", k.Minute, err)
			}
		}
	}
	if len(b.exporters) > 0 {
		st, err := tx.PrepareContext(ctx, upsertExporter)
		if err != nil {
			return fmt.Errorf("store: exporters: %w", err)
		}
		defer st.Close()
		for _, e := range b.exporters {
			if _, err := st.ExecContext(ctx, addrText(e.Address), e.FirstSeen, e.LastSeen, i64(e.Datagrams), i64(e.Flows), i64(e.Errors), e.Templates); err != nil {
				return fmt.Errorf("store: exporter %s: %w", e.Address, err)
			}
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: commit: %w", err)
	}
	return nil
}

// i64 stores a counter in SQLite's signed 64-bit integer; counters never
// come near 2^63, and a corrupt one saturates rather than turning negative.
func i64(v uint64) int64 {
	if v > 1<<63-1 {
		return 1<<63 - 1
	}
	return int64(v)
}

func addrText(a netip.Addr) string {
	if !a.IsValid() {
		return ""
	}
	return a.String()
}

// Pruned counts the rows one Prune deleted, per table.
type Pruned struct {
	Alerts, Aggregates, Exporters int64
}

// Prune deletes what retention no longer keeps, measured back from now.
func (s *Store) Prune(ctx context.Context, now time.Time) (Pruned, error) {
	if s.readOnly {
		return Pruned{}, errors.New("store: opened read-only")
	}
	var p Pruned
	r := s.cfg.Retention
	day := 24 * time.Hour
	for _, q := range []struct {
		days  int
		query string
		arg   int64
		n     *int64
	}{
		{r.AlertsDays, "DELETE FROM alerts WHERE last < ?", now.Add(-time.Duration(r.AlertsDays) * day).UnixNano(), &p.Alerts},
		{r.AggregatesDays, "DELETE FROM minutes WHERE minute < ?", now.Add(-time.Duration(r.AggregatesDays) * day).Unix(), &p.Aggregates},
		{r.ExportersDays, "DELETE FROM exporters WHERE last_seen < ?", now.Add(-time.Duration(r.ExportersDays) * day).UnixNano(), &p.Exporters},
	} {
		if q.days == 0 {
			continue
		}
		n, err := execCount(ctx, s.db, q.query, q.arg)
		if err != nil {
			return p, fmt.Errorf("store: retention: %w", err)
		}
		*q.n = n
	}
	s.mu.Lock()
	s.stats.Pruned += uint64(p.Alerts + p.Aggregates + p.Exporters)
	s.mu.Unlock()
	return p, nil
}

func execCount(ctx context.Context, db *sql.DB, query string, args ...any) (int64, error) {
	res, err := db.ExecContext(ctx, query, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

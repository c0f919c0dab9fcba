// Package store keeps alerts, exporters and per-minute flow aggregates in
// an embedded SQLite database in the data directory.
//
// Writes are buffered in memory and committed in one transaction per
// batch (every flush interval, or sooner when a batch fills), with the
// database in WAL mode and synchronous=FULL: a committed batch survives a
// crash or power loss, and a crash loses at most the batch that was being
// gathered. Flow aggregates are summed in memory before they are written,
// so a busy minute costs one row per distinct key, not one per flow.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"time"

	// The pure-Go SQLite driver: no cgo, one static binary.
	_ "modernc.org/sqlite"
)

// FileName is the store's file in the data directory.
const FileName = "seawall.db"

// Path returns the store's path in dataDir.
func Path(dataDir string) string { return filepath.Join(dataDir, FileName) }

// Store is the database. Add methods and queries are safe for concurrent
// use; Run (or the caller's own Flush calls) writes.
type Store struct {
	db       *sql.DB
	path     string
	readOnly bool
	cfg      Config

	mu      sync.Mutex
	buf     batch
	full    chan struct{} // signalled when the buffer reaches BatchRows
	stats   Stats
	flushMu sync.Mutex // one flush at a time, so batches commit in order
}

// Stats are the writer's counters.
type Stats struct {
	// Pending is the number of rows waiting in memory.
	Pending int `json:"pending"`
	// Flushes counts committed batches; Rows the rows they held.
	Flushes uint64 `json:"flushes"`
	Rows    uint64 `json:"rows"`
	// FlushErrors counts failed flushes; their rows are kept for the next
	// one until MaxPending, then DroppedRows counts what was given up.
	FlushErrors uint64 `json:"flush_errors"`
	DroppedRows uint64 `json:"dropped_rows"`
	LastError   string `json:"last_error,omitempty"`
	// Pruned counts rows deleted by retention.
	Pruned uint64 `json:"pruned"`
}

// Open opens (creating if needed) the store at path for reading and
// writing, and brings its schema up to date. cfg's zero fields take the
// defaults.
func Open(ctx context.Context, path string, cfg Config) (*Store, error) {
	cfg = cfg.withDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("store config: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	// synchronous=FULL makes each commit durable: with WAL's default
	// NORMAL, a power cut could take every batch since the last
	// checkpoint, not just the last one. At one commit per few seconds
	// the fsync costs nothing measurable.
	db, err := sql.Open("sqlite", dsn(path, "_pragma=busy_timeout(10000)", "_pragma=journal_mode(WAL)",
		"_pragma=synchronous(FULL)", "_txlock=immediate"))
	if err != nil {
		return nil, fmt.Errorf("store %s: %w", path, err)
	}
	s := &Store{db: db, path: path, cfg: cfg, buf: newBatch(), full: make(chan struct{}, 1)}
	if err := s.migrate(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("store %s: %w", path, err)
	}
	var mode string
	if err := db.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
		db.Close()
		return nil, fmt.Errorf("store %s: journal mode %q, want wal: %v", path, mode, err)
	}
	return s, nil
}

// OpenReadOnly opens an existing store for queries, as the CLI does while
// the daemon writes. A missing store is an error wrapping fs.ErrNotExist.
func OpenReadOnly(ctx context.Context, path string) (*Store, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	db, err := sql.Open("sqlite", dsn(path, "mode=ro", "_pragma=busy_timeout(10000)", "_pragma=query_only(1)"))
	if err != nil {
		return nil, fmt.Errorf("store %s: %w", path, err)
	}
	s := &Store{db: db, path: path, readOnly: true, cfg: DefaultConfig(), buf: newBatch(), full: make(chan struct{}, 1)}
	v, err := s.version(ctx)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("store %s: %w", path, err)
	}
	if v > len(migrations) {
		db.Close()
		return nil, fmt.Errorf("store %s has schema version %d, newer than this seawall knows (%d); upgrade seawall", path, v, len(migrations))
	}
	if v < len(migrations) {
		db.Close()
		return nil, fmt.Errorf("store %s has schema version %d; run seawall serve once to upgrade it to %d", path, v, len(migrations))
	}
	return s, nil
}

// dsn builds a SQLite URI; the path is escaped, so names with '?' or '#'
// work.
func dsn(path string, params ...string) string {
	u := "file:" + (&url.URL{Path: path}).EscapedPath()
	for i, p := range params {
		if i == 0 {
			u += "?"
		} else {
			u += "&"
		}
		u += p
	}
	return u
}

func (c Config) withDefaults() Config {
	d := DefaultConfig()
	if c.FlushInterval == 0 {
		c.FlushInterval = d.FlushInterval
	}
	if c.BatchRows == 0 {
		c.BatchRows = d.BatchRows
	}
	if c.Retention == (Retention{}) {
		c.Retention = d.Retention
	}
	return c
}

// Path is the database file.
func (s *Store) Path() string { return s.path }

// Stats returns the writer's counters.
func (s *Store) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.stats
	st.Pending = s.buf.rows()
	return st
}

// Close flushes what is buffered (unless the store is read-only) and
// closes the database.
func (s *Store) Close() error {
	var err error
	if !s.readOnly {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		err = s.Flush(ctx)
		cancel()
	}
	return errors.Join(err, s.db.Close())
}

// Run flushes every FlushInterval, or as soon as BatchRows are waiting,
// and prunes by retention hourly (and once at start), until ctx is done;
// then it flushes once more. Failures are counted in Stats and retried on
// the next round, so a briefly full disk does not stop the daemon; Run
// returns only the error of its final flush.
func (s *Store) Run(ctx context.Context) error {
	if s.readOnly {
		return errors.New("store: opened read-only")
	}
	flush := time.NewTicker(s.cfg.FlushInterval)
	defer flush.Stop()
	prune := time.NewTicker(time.Hour)
	defer prune.Stop()
	s.pruneNow(ctx)
	for {
		select {
		case <-ctx.Done():
			fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
			defer cancel()
			return s.Flush(fctx)
		case <-flush.C:
			_ = s.Flush(ctx) // counted in Stats
		case <-s.full:
			_ = s.Flush(ctx)
		case <-prune.C:
			s.pruneNow(ctx)
		}
	}
}

func (s *Store) pruneNow(ctx context.Context) {
	if _, err := s.Prune(ctx, time.Now()); err != nil && ctx.Err() == nil {
		s.mu.Lock()
		s.stats.LastError = err.Error()
		s.mu.Unlock()
	}
}

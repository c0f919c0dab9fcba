package store

import (
	"context"
	"fmt"
)

// migrations bring the schema from version i to i+1 (PRAGMA
// user_version). Append only: a released migration never changes, so
// that every store reaches the same schema by the same steps.
var migrations = []string{
	// 1: alerts, exporters, minute aggregates.
	`
CREATE TABLE alerts (
	id        INTEGER PRIMARY KEY,
	rule      TEXT    NOT NULL,
	key       TEXT    NOT NULL,
	first     INTEGER NOT NULL, -- Unix ns of the first evidence
	last      INTEGER NOT NULL, -- Unix ns of the last evidence
	severity  INTEGER NOT NULL, -- severity.Level
	count     INTEGER NOT NULL,
	title     TEXT    NOT NULL,
	message   TEXT    NOT NULL,
	exporter  TEXT    NOT NULL,
	src       TEXT    NOT NULL,
	dst       TEXT    NOT NULL,
	body      TEXT    NOT NULL, -- the whole alert, JSON
	UNIQUE (rule, key, first)
);
CREATE INDEX alerts_last ON alerts (last);

CREATE TABLE exporters (
	address    TEXT PRIMARY KEY,
	first_seen INTEGER NOT NULL, -- Unix ns
	last_seen  INTEGER NOT NULL,
	datagrams  INTEGER NOT NULL,
	flows      INTEGER NOT NULL,
	errors     INTEGER NOT NULL,
	templates  INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE minutes (
	minute      INTEGER NOT NULL, -- Unix seconds, start of the minute
	exporter    TEXT    NOT NULL,
	direction   INTEGER NOT NULL, -- flow.Direction
	src_country TEXT    NOT NULL, -- ISO 3166 alpha-2, '' unknown
	dst_country TEXT    NOT NULL,
	src_asn     INTEGER NOT NULL, -- 0 unknown
	dst_asn     INTEGER NOT NULL,
	proto       INTEGER NOT NULL,
	port        INTEGER NOT NULL,
	bytes       INTEGER NOT NULL,
	packets     INTEGER NOT NULL,
	flows       INTEGER NOT NULL,
	PRIMARY KEY (minute, exporter, direction, src_country, dst_country, src_asn, dst_asn, proto, port)
) WITHOUT ROWID;
`,
}

// SchemaVersion is the schema this code writes.
func SchemaVersion() int { return len(migrations) }

func (s *Store) version(ctx context.Context) (int, error) {
	var v int
	if err := s.db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		return 0, fmt.Errorf("reading schema version: %w", err)
	}
	return v, nil
}

// migrate applies the migrations the database lacks, each in its own
// transaction together with its version bump, so that an interrupted
// upgrade resumes where it stopped.
func (s *Store) migrate(ctx context.Context) error {
	v, err := s.version(ctx)
	if err != nil {
		return err
	}
	if v > len(migrations) {
		return fmt.Errorf("schema version %d is newer than this seawall knows (%d); upgrade seawall", v, len(migrations))
	}
	for ; v < len(migrations); v++ {
		tx, err := s.db.BeginTx(ctx, nil)
		if err != nil {
			return fmt.Errorf("migration %d: %w", v+1, err)
		}
		if _, err := tx.ExecContext(ctx, migrations[v]); err != nil {
			_ = tx.Rollback()
			return fmt.Errorf("migration %d: %w", v+1, err)
		}
		if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", v+1)); err != nil {
			_ = tx.Rollback()
			return fmt.Errorf("migration %d: %w", v+1, err)
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("migration %d: %w", v+1, err)
		}
	}
	return nil
}

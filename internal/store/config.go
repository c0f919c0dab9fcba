package store

import (
	"errors"
	"fmt"
	"time"
)

// Config is the store: section of seawall.yaml.
type Config struct {
	Retention Retention `yaml:"retention"`
	// FlushInterval is the longest time a row waits in memory; a crash
	// loses at most this much (one batch).
	FlushInterval time.Duration `yaml:"flush_interval"`
	// BatchRows flushes early when this many rows are waiting, so a burst
	// (a scan, a DDoS) does not grow the batch without bound.
	BatchRows int `yaml:"batch_rows"`
}

// Retention is how many days each table keeps; 0 keeps rows forever.
type Retention struct {
	// AlertsDays defaults to 400. Intrusions of the Salt Typhoon kind are
	// typically found many months after the first sign (dwell times of a
	// year and more are reported), and a year of security logs is what
	// most regimes ask for (e.g. OMB M-21-31's 12 months of active
	// storage); 400 days covers a year plus the weeks an investigation
	// takes. Alerts are few, so this costs little.
	AlertsDays int `yaml:"alerts_days"`
	// AggregatesDays defaults to 30. Minute aggregates are the bulk of
	// the store (one row per minute per distinct key) and answer "what is
	// happening now, and is it unusual against last month"; long flow
	// history belongs in the carrier-scale flow store (ClickHouse), not in
	// an embedded database.
	AggregatesDays int `yaml:"aggregates_days"`
	// ExportersDays drops exporters not heard from for this long
	// (default 400, like alerts, which name them).
	ExportersDays int `yaml:"exporters_days"`
}

// Defaults.
const (
	DefaultFlushInterval = 5 * time.Second
	DefaultBatchRows     = 5000
)

// DefaultConfig returns the built-in settings.
func DefaultConfig() Config {
	return Config{
		Retention:     Retention{AlertsDays: 400, AggregatesDays: 30, ExportersDays: 400},
		FlushInterval: DefaultFlushInterval,
		BatchRows:     DefaultBatchRows,
	}
}

// Validate checks the section. Errors name the key relative to it.
func (c Config) Validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	for _, d := range []struct {
		name string
		v    int
	}{{"alerts_days", c.Retention.AlertsDays}, {"aggregates_days", c.Retention.AggregatesDays}, {"exporters_days", c.Retention.ExportersDays}} {
		if d.v < 0 {
			bad("retention.%s: %d must not be negative (0 keeps rows forever)", d.name, d.v)
		}
	}
	if c.FlushInterval < 100*time.Millisecond || c.FlushInterval > 5*time.Minute {
		bad("flush_interval: %s is not between 100ms and 5m (it is what a crash may lose)", c.FlushInterval)
	}
	if c.BatchRows <= 0 {
		bad("batch_rows: %d must be positive", c.BatchRows)
	}
	return errors.Join(errs...)
}

// maxPending is how many rows may wait while flushes fail (a full disk)
// before the oldest batch is dropped; it bounds memory.
func (c Config) maxPending() int { return 20 * c.BatchRows }

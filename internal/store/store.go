// Package store keeps alerts, exporters and per-minute flow aggregates in
// an embedded SQLite database in the data directory.
package store

import (
	// The pure-Go SQLite driver: no cgo, one static binary.
	_ "modernc.org/sqlite"
)

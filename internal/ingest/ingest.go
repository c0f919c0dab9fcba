// Package ingest receives flow datagrams: UDP listeners with several
// SO_REUSEPORT sockets, batched reads and per-exporter counters exposed as
// Prometheus metrics.
package ingest

import (
	// Metrics are exported in the Prometheus format.
	_ "github.com/prometheus/client_golang/prometheus"
)

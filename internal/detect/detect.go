// Package detect turns enriched flows into alerts: one Detector per
// catalogue rule (DET-FLOW-*), run by an Engine that deduplicates. It is
// pure: no goroutines, no clock (time comes from the flows and from Tick),
// no I/O.
package detect

import (
	"github.com/seawall/seawall/internal/alert"
	"github.com/seawall/seawall/internal/enrich"
)

// Detector is one rule. Observe sees every flow in time order; Tick is
// called as flow time advances (for rules about silence, baselines and
// windows). Both report alerts through emit.
type Detector interface {
	ID() string
	Observe(f *enrich.Flow, emit func(alert.Alert))
	Tick(now int64, emit func(alert.Alert))
}

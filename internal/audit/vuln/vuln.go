// Package vuln matches a device's software version against the exploited
// CVEs seawall knows (the CISA KEV catalogue joined with affected and fixed
// versions), and says whether the configuration makes each reachable.
package vuln

import "github.com/seawall/seawall/internal/audit/rule"

// Rules returns one rule per CVE (or CVE group) in the embedded dataset.
func Rules() []rule.Rule { return nil }

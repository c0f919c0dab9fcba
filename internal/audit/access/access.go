// Package access holds the hardening rules for the management plane,
// credentials and AAA, and SNMP (catalogue HARD-001 to HARD-029).
package access

import "github.com/seawall/seawall/internal/audit/rule"

// Rules returns this package's rules in catalogue order.
func Rules() []rule.Rule { return nil }

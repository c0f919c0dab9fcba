// Package harden holds the hardening rules for services, logging and time,
// control- and data-plane protection, and software integrity (catalogue
// HARD-030 to HARD-060).
package harden

import "github.com/seawall/seawall/internal/audit/rule"

// Rules returns this package's rules in catalogue order.
func Rules() []rule.Rule { return nil }

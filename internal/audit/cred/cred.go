// Package cred holds the hardening rules for credentials, AAA and SNMP:
// password and secret types, shared keys, default and local accounts,
// central AAA and accounting, SNMP versions and write access (catalogue
// HARD-017 to HARD-029).
package cred

import "github.com/seawall/seawall/internal/audit/rule"

// Rules returns this package's rules in catalogue order.
func Rules() []rule.Rule { return nil }

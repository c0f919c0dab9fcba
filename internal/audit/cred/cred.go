// Package cred holds the hardening rules for credentials, AAA and SNMP:
// password and secret types, shared keys, default and local accounts,
// central AAA and accounting, SNMP versions and write access (catalogue
// HARD-017 to HARD-029).
//
// Secrets never leave the package: rule.Run redacts evidence lines, and
// messages name how a credential is stored ("type 5 md5-crypt"), never
// the credential. Where a check compares a credential with a known default
// it does so here and reports only that it matched.
package cred

import (
	"github.com/seawall/seawall/internal/audit/device"
	"github.com/seawall/seawall/internal/audit/rule"
)

// Catalogue source keys (threat-catalogue section 0) besides the shared
// ones in rule (rule.RefEVH and the others).
const (
	refNSAPWD = "NSA-PWD"
	refNISG   = "NSA-NISG"
	refCISCO  = "CISA-CISCO24"
	refNXHG   = "CISCO-NX-HG"
)

// all is every platform seawall parses.
var all = rule.Platforms(device.IOS, device.NXOS, device.IOSXR, device.Junos, device.EOS)

// Rules returns this package's rules in catalogue order.
func Rules() []rule.Rule {
	return []rule.Rule{
		hard017(), hard018(), hard019(), hard020(), hard021(), hard022(), hard023(),
		hard024(), hard025(), hard026(), hard027(), hard028(), hard029(),
	}
}

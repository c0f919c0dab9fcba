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

// Catalogue source keys and their addresses (threat-catalogue section 0).
const (
	refEVH    = "CISA-EVH"
	refEVHURL = "https://www.cisa.gov/resources-tools/resources/enhanced-visibility-and-hardening-guidance-communications-infrastructure"
	refAA25   = "AA25-239A"
	refAA25U  = "https://www.cisa.gov/news-events/cybersecurity-advisories/aa25-239a"
	refTalos  = "TALOS-ST"
	refTalosU = "https://blog.talosintelligence.com/salt-typhoon-analysis/"
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

// Package mgmt holds the hardening rules for management-plane access:
// Telnet, VTY transport and ACLs, SSH, web servers, out-of-band management,
// banners and session limits (catalogue HARD-001 to HARD-016).
//
// Each rule reads only the configuration. Where a platform's default
// decides the answer and the configuration does not show it, the rule's Doc
// says which default it assumes; where the default changed between
// releases the hit is marked unverified rather than guessed.
package mgmt

import "github.com/seawall/seawall/internal/audit/rule"

// Reference keys (threat catalogue section 0) that only this package
// cites; rule.RefEVH and the others are shared.
const (
	refNISG = "NSA-NISG"
	refOOB  = "NSA-OOB"
	refCIS  = "CIS"
	refXEHG = "CISCO-XE-HG"
	refNXHG = "CISCO-NX-HG"
)

// MITRE ATT&CK techniques the rules guard against.
const (
	attackSniffing     = "T1040"     // Network Sniffing: cleartext management
	attackRemote       = "T1021"     // Remote Services: hopping between devices
	attackSSH          = "T1021.004" // Remote Services: SSH
	attackExternal     = "T1133"     // External Remote Services
	attackAiTM         = "T1557"     // Adversary-in-the-Middle
	attackBruteForce   = "T1110"     // Brute Force
	attackPublicFacing = "T1190"     // Exploit Public-Facing Application
)

// Rules returns this package's rules in catalogue order.
func Rules() []rule.Rule {
	return []rule.Rule{
		telnetRule(),        // HARD-001
		transportOutRule(),  // HARD-002
		vtyACLRule(),        // HARD-003
		sshV2Rule(),         // HARD-004
		sshKeyRule(),        // HARD-005
		sshDHRule(),         // HARD-006
		sshLimitsRule(),     // HARD-007
		httpRule(),          // HARD-008
		httpsRule(),         // HARD-009
		webAPIRule(),        // HARD-010
		oobRule(),           // HARD-011
		bannerRule(),        // HARD-012
		idleTimeoutRule(),   // HARD-013
		loginThrottleRule(), // HARD-014
		auxRule(),           // HARD-015
		tcpKeepalivesRule(), // HARD-016
	}
}

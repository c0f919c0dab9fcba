// Package acl holds what the audit's rule packages share about Cisco-style
// access-list entries.
//
// The ACL lookups themselves stay with their rules on purpose, because
// each reads a different set of headers: mgmt's findACL (access-class
// targets) takes IPv4 lists of every dialect, numbered ones included;
// harden's aclEnd (HARD-051) adds IPv6 and takes numbered lists on IOS
// only; harden's findACL (EOS control plane) takes `ip access-list
// [extended] NAME`; ioc reads numbered standard lists only. Unifying them
// would change which lists each rule sees.
package acl

import "strconv"

// StripSeq drops a leading sequence number from an entry's words
// (`10 permit ip any any` → `permit ip any any`).
func StripSeq(w []string) []string {
	if len(w) > 0 {
		if _, err := strconv.Atoi(w[0]); err == nil {
			return w[1:]
		}
	}
	return w
}

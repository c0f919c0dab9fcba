package cred

import (
	"slices"
	"strings"

	"github.com/seawall/seawall/internal/audit/device"
	"github.com/seawall/seawall/internal/audit/rule"
)

// Every line these rules cite holds a credential, so a gap in the shared
// redactor would print one. guard closes such gaps for this package's
// findings: it finds the credentials in each evidence line with this
// package's own reading, and when redaction would leave one in place it
// hands over a detached copy of the line (same line number) with the
// credential replaced by its type.

// protect wraps a check so that its evidence never carries a credential.
func protect(check func(*rule.Device) []rule.Hit) func(*rule.Device) []rule.Hit {
	return func(d *rule.Device) []rule.Hit {
		hits := check(d)
		v := d.Config.Vendor
		for i := range hits {
			for j, n := range hits[i].Nodes {
				hits[i].Nodes[j] = guard(v, n)
			}
			if hits[i].Anchor != nil {
				hits[i].Anchor = guard(v, hits[i].Anchor)
			}
		}
		return hits
	}
}

// secretWords are the keywords a credential follows in Cisco-style lines.
var secretWords = []string{"password", "secret", "key", "server-key", "community", "key-string", "authentication-key", "md5"}

// syntaxWords follow a secret keyword as syntax, not as a credential
// (`key chain`, `password encryption aes`, `key config-key`, `mpls ldp
// password required`, `password option`).
var syntaxWords = []string{"chain", "encryption", "config-key", "required", "option", "fallback", "rollover"}

// junosSecretWords are the Junos statements whose value is a credential.
var junosSecretWords = []string{
	"encrypted-password", "secret", "community", "authentication-key", "privacy-key", "authentication-password",
	"privacy-password", "pre-shared-key", "ascii-text", "hexadecimal", "simple-password", "key",
}

// guard returns n, or a detached copy of it whose credentials are replaced
// when redaction would leave them in the evidence.
func guard(v device.Vendor, n *device.Node) *device.Node {
	if n == nil {
		return nil
	}
	text := device.Redact(v, rule.EvidenceText(v, n))
	if v == device.Junos {
		return guardJunos(n, text)
	}
	mask := map[int]string{} // word index → what replaces it
	w := n.Words
	for i := 0; i < len(w); i++ {
		if slices.Contains(secretWords, w[i]) {
			// A value that is itself a keyword (`ntp authentication-key 1
			// md5 <key>`) is syntax: the next keyword reads the credential.
			if s, end, ok := secretAt(w, i); ok && !slices.Contains(syntaxWords, s.val) && !slices.Contains(secretWords, s.val) {
				for k := end - len(strings.Fields(s.val)) + 1; k <= end; k++ {
					mask[k] = "<" + s.kind(v) + ">"
				}
				i = end
			}
		}
		if w[i] == "version" && i+1 < len(w) && (w[i+1] == "1" || w[i+1] == "2c") {
			// snmp-server host <ip> [informs] version 2c <community>
			j := i + 2
			if j < len(w) && isTypeWord(w[j]) {
				j++
			}
			if j < len(w) {
				mask[j] = "<community>"
			}
		}
	}
	leak := false
	for k := range mask {
		if strings.Contains(text, strings.Trim(w[k], `"`)) {
			leak = true
		}
	}
	if !leak {
		return n
	}
	cp := *n
	cp.Children = nil
	cp.Words = nil
	for k, x := range w {
		switch r, ok := mask[k]; {
		case !ok:
			cp.Words = append(cp.Words, x)
		case !sameMask(mask, k-1, r):
			cp.Words = append(cp.Words, r) // one marker for a multi-word value
		}
	}
	cp.Text = strings.Join(cp.Words, " ")
	return &cp
}

// guardJunos rebuilds n's path with credential words replaced, when
// redaction of the `set` form would leave one (a quoted value with spaces
// is split by the redactor, for one).
func guardJunos(n *device.Node, text string) *device.Node {
	var chain []*device.Node
	for x := n; x != nil && x.Parent != nil; x = x.Parent {
		chain = append(chain, x)
	}
	slices.Reverse(chain)
	leak := false
	secret := make([]bool, len(chain))
	for i := 1; i < len(chain); i++ {
		if slices.Contains(junosSecretWords, chain[i-1].Word(0)) {
			secret[i] = true
			for _, part := range strings.Fields(chain[i].Word(0)) {
				if strings.Contains(text, part) {
					leak = true
				}
			}
		}
	}
	if !leak {
		return n
	}
	parent := &device.Node{}
	for i, x := range chain {
		w := x.Word(0)
		if secret[i] {
			w = "<" + stored{val: w}.junosKind() + ">"
		}
		c := &device.Node{Line: x.Line, Text: w, Words: []string{w}, Parent: parent, Inactive: x.Inactive, Known: x.Known}
		parent = c
	}
	return parent
}

// sameMask reports whether word k is masked with r too.
func sameMask(mask map[int]string, k int, r string) bool {
	m, ok := mask[k]
	return ok && m == r
}

// junosKind names a Junos stored value: a hash by its shape, else "secret".
func (s stored) junosKind() string {
	if hashed(s.val) {
		return s.kind(device.Junos)
	}
	return "secret"
}

package harden

import (
	"slices"
	"strings"

	"github.com/seawall/seawall/internal/audit/device"
	"github.com/seawall/seawall/internal/audit/rule"
)

func hard055() rule.Rule {
	return rule.Rule{
		ID: "HARD-055", Title: "VPN crypto is strong", Kind: rule.Hardening, Severity: rule.Medium,
		Platforms: rule.Platforms(device.IOS, device.IOSXR, device.Junos, device.EOS),
		Doc: "IKE and IPsec with DES/3DES, MD5 or SHA-1, or Diffie-Hellman groups 1, 2, 5 or 14, fall short of " +
			"the guidance (AES-256, SHA-384/512, DH 15/16/20 or stronger); IKEv1 aggressive mode exposes a hash of " +
			"the pre-shared key to anyone who asks. Reported per line: weak `encryption`/`encr`, `hash`, " +
			"`integrity`, `group`/`dh`/`dh-group` and `pfs` values in IKE policies and proposals, weak transforms in " +
			"IPsec transform sets, IOS `crypto isakmp policy` blocks without `encryption` or `group` (DES and DH " +
			"group 1 by default), IOS IKEv1 without `crypto isakmp aggressive-mode disable`, Junos predefined " +
			"`proposal-set basic|compatible|standard` and `mode aggressive`. Which ports reach the VPN endpoint " +
			"(only UDP/500, UDP/4500 and ESP) is an ACL and topology question and is not checked here.",
		Remediation: map[device.Vendor]string{
			device.IOS:   "crypto ikev2 proposal <p>\n encryption aes-cbc-256\n integrity sha512 sha384\n group 20 16 15\ncrypto ipsec transform-set <t> esp-gcm 256\ncrypto isakmp aggressive-mode disable",
			device.IOSXR: "ikev2 proposal <p>\n encryption aes-cbc-256\n integrity sha-512\n prf sha-512\n dh 20",
			device.Junos: "set security ike proposal <p> authentication-method pre-shared-keys\nset security ike proposal <p> dh-group group20\nset security ike proposal <p> authentication-algorithm sha-384\nset security ike proposal <p> encryption-algorithm aes-256-cbc\nset security ike policy <pol> proposals <p>\nset security ipsec proposal <p> encryption-algorithm aes-256-gcm\nset security ipsec policy <pol> perfect-forward-secrecy keys group20",
			device.EOS:   "ip security\n   ike policy <p>\n      encryption aes256\n      integrity sha256\n      dh-group 20\n   sa policy <s>\n      esp encryption aes256gcm128\n      pfs dh-group 20",
		},
		References: []string{rule.RefEVH, rule.URLEVH},
		ATTACK:     []string{"T1040", "T1557"},
		Check: func(d *rule.Device) []rule.Hit {
			if d.Config.Vendor == device.Junos {
				return junosVPN(d.Config)
			}
			return ciscoVPN(d.Config)
		},
	}
}

// weakCipher, weakHash and weakGroup are the values the guidance rules out,
// as the Cisco-style dialects spell them.
var (
	weakCipher = []string{"des", "3des", "des-cbc", "3des-cbc"}
	weakHash   = []string{"md5", "sha", "sha1", "sha-1"}
	weakGroup  = []string{"1", "2", "5", "14", "group1", "group2", "group5", "group14"}
	// weakTransform are IOS IPsec transforms with DES, 3DES, MD5 or SHA-1.
	weakTransform = []string{"esp-des", "esp-3des", "esp-md5-hmac", "esp-sha-hmac", "ah-md5-hmac", "ah-sha-hmac"}
)

// vpnContext reports whether a top-level Cisco-style statement configures
// IKE or IPsec.
func vpnContext(n *device.Node) bool {
	return n.Hit("crypto") || n.Hit("ikev2") || n.Hit("ipsec") || n.Hit("ip", "security")
}

func ciscoVPN(c *device.Config) []rule.Hit {
	var hits []rule.Hit
	var isakmp []*device.Node
	aggrOff := false
	for _, top := range c.Top() {
		if !vpnContext(top) {
			continue
		}
		switch {
		case top.Hit("crypto", "isakmp", "policy"):
			isakmp = append(isakmp, top)
		case top.Hit("crypto", "isakmp", "aggressive-mode", "disable"):
			aggrOff = true
		case top.Hit("crypto", "ipsec", "transform-set"):
			if weak := weakWords(top.Words[4:], weakTransform); len(weak) > 0 {
				hits = append(hits, hit("IPsec transform set "+top.Word(3)+" uses "+strings.Join(weak, ", "), top))
			}
		}
		top.Walk(func(n *device.Node) bool {
			if msg := weakCryptoLine(n.Words); msg != "" {
				hits = append(hits, hit(msg, n))
			}
			return true
		})
	}
	for _, p := range isakmp {
		var missing []string
		if p.First("encryption") == nil && p.First("encr") == nil {
			missing = append(missing, "no `encryption` (IOS defaults to DES)")
		}
		if p.First("group") == nil {
			missing = append(missing, "no `group` (IOS defaults to DH group 1)")
		}
		if len(missing) > 0 {
			hits = append(hits, absent("ISAKMP policy "+p.Word(3)+" has "+strings.Join(missing, " and "), p))
		}
	}
	if c.Vendor == device.IOS && len(isakmp) > 0 && !aggrOff {
		hits = append(hits, absent("IKEv1 is configured without `crypto isakmp aggressive-mode disable`: aggressive mode hands out a crackable hash of the pre-shared key", isakmp[0]))
	}
	return hits
}

// weakCryptoLine judges one IKE/IPsec parameter statement (words without
// the parent block) and returns a message, or "".
func weakCryptoLine(w []string) string {
	if len(w) > 0 && (w[0] == "set" || w[0] == "esp") {
		w = w[1:]
	}
	if len(w) < 2 {
		return ""
	}
	vals := w[1:]
	var weak []string
	what := ""
	switch w[0] {
	case "encryption", "encr":
		weak, what = weakWords(vals, weakCipher), "encryption"
	case "hash", "integrity", "prf":
		weak, what = weakWords(vals, weakHash), w[0]
	case "group", "dh", "dh-group":
		weak, what = weakWords(vals, weakGroup), "Diffie-Hellman group"
	case "pfs":
		if vals[0] == "dh-group" {
			vals = vals[1:]
		}
		weak, what = weakWords(vals, weakGroup), "PFS group"
	}
	if len(weak) == 0 {
		return ""
	}
	return "weak " + what + ": " + strings.Join(weak, ", ")
}

func weakWords(ws, weak []string) []string {
	var out []string
	for _, w := range ws {
		if slices.Contains(weak, strings.ToLower(w)) {
			out = append(out, w)
		}
	}
	return out
}

// Junos spellings of weak algorithms.
var (
	junosWeakAlg = []string{"des-cbc", "3des-cbc", "md5", "sha1", "hmac-md5-96", "hmac-sha1-96", "group1", "group2", "group5", "group14"}
	// junosWeakSets are the predefined proposal sets; all of them offer
	// DH group 1 or 2, and DES, 3DES or SHA-1.
	junosWeakSets = []string{"basic", "compatible", "standard"}
)

func junosVPN(c *device.Config) []rule.Hit {
	sec := c.Path("security")
	if sec == nil {
		return nil
	}
	var hits []rule.Hit
	for _, kind := range []string{"ike", "ipsec"} {
		k := sec.Path(kind)
		if k == nil {
			continue
		}
		for _, l := range k.Leaves() {
			if len(l) < 3 {
				continue
			}
			leaf := l[len(l)-1]
			param := l[len(l)-2].Word(0)
			section := l[0].Word(0) + " " + l[1].Word(0)
			switch {
			case param == "proposal-set" && slices.Contains(junosWeakSets, leaf.Word(0)):
				hits = append(hits, hit(kind+" "+section+" uses the predefined proposal set `"+leaf.Word(0)+"`, which offers DH group 1 or 2 and DES, 3DES or SHA-1", leaf))
			case param == "mode" && leaf.Word(0) == "aggressive":
				hits = append(hits, hit("IKE "+section+" uses aggressive mode: it hands out a crackable hash of the pre-shared key", leaf))
			case (param == "encryption-algorithm" || param == "authentication-algorithm" || param == "dh-group" || param == "keys") &&
				slices.Contains(junosWeakAlg, leaf.Word(0)):
				hits = append(hits, hit(kind+" "+section+" uses weak "+param+" "+leaf.Word(0), leaf))
			}
		}
	}
	return hits
}

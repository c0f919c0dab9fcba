package mgmt

import (
	"fmt"
	"strings"

	"github.com/seawall/seawall/internal/audit/device"
	"github.com/seawall/seawall/internal/audit/rule"
)

// HARD-004: SSH version 2 only.

func sshV2Rule() rule.Rule {
	m := map[device.Vendor]check{
		device.IOS:   iosSSHv2,
		device.IOSXR: xrSSHv2,
		device.Junos: junosSSHv2,
	}
	return rule.Rule{
		ID:        "HARD-004",
		Title:     "SSH version 1 is accepted",
		Kind:      rule.Hardening,
		Severity:  rule.High,
		Platforms: platformsOf(m),
		Doc: `SSHv1 has known cryptographic breaks that let an on-path attacker recover
or hijack sessions; CISA-EVH asks for SSHv2 only.

IOS/IOS-XE: ` + "`ip ssh version 2`" + ` passes; ` + "`ip ssh version 1`" + ` fails, and so does a
missing line, because the server then runs in 1.99 compatibility mode and
accepts both. Whether an RSA key exists (and so whether the server runs at
all) is device state and not checked.
IOS-XR (only when an ` + "`ssh server`" + ` line enables the server): ` + "`ssh server v2`" + `
must be present; releases that still support SSHv1 accept it otherwise.
Junos: v2 is the only version on current releases; ` + "`system services ssh\nprotocol-version`" + ` listing v1 fails.
NX-OS and EOS support only SSHv2 and are not checked.`,
		Remediation: map[device.Vendor]string{
			device.IOS:   "ip ssh version 2",
			device.IOSXR: "ssh server v2",
			device.Junos: "delete system services ssh protocol-version\nset system services ssh protocol-version v2",
		},
		References: []string{rule.RefEVH, rule.URLEVH},
		ATTACK:     []string{attackAiTM, attackSniffing},
		Check:      perVendor(m),
	}
}

func iosSSHv2(c *device.Config) []rule.Hit {
	v := c.First("ip", "ssh", "version")
	switch {
	case v == nil:
		return []rule.Hit{{Message: "no ip ssh version 2 line, so the SSH server runs in 1.99 compatibility mode and accepts SSHv1"}}
	case v.Word(3) != "2":
		return []rule.Hit{{Message: "the SSH server accepts SSHv1 (" + v.Text + ")", Nodes: []*device.Node{v}}}
	}
	return nil
}

func xrSSHv2(c *device.Config) []rule.Hit {
	servers := c.Find("ssh", "server")
	if len(servers) == 0 {
		return nil
	}
	if c.First("ssh", "server", "v2") != nil {
		return nil
	}
	return []rule.Hit{{
		Message: "the SSH server is enabled without ssh server v2; releases that support SSHv1 accept it",
		Anchor:  servers[0],
	}}
}

func junosSSHv2(c *device.Config) []rule.Hit {
	var hits []rule.Hit
	for _, pv := range c.Applied("system", "services", "ssh", "protocol-version") {
		for _, v := range pv.Active() {
			if v.Word(0) == "v1" {
				hits = append(hits, rule.Hit{Message: "the SSH service accepts protocol version v1", Nodes: []*device.Node{v}})
			}
		}
	}
	return hits
}

// HARD-005: SSH host key size.

func sshKeyRule() rule.Rule {
	m := map[device.Vendor]check{
		device.IOS:  iosSSHKey,
		device.NXOS: nxosSSHKey,
	}
	return rule.Rule{
		ID:        "HARD-005",
		Title:     "SSH host key is shorter than 3072-bit RSA",
		Kind:      rule.Hardening,
		Severity:  rule.Medium,
		Platforms: platformsOf(m),
		Doc: `CISA-EVH asks for RSA host keys of at least 3072 bits; shorter keys are
within reach of a state actor, and a forged host key lets it sit in the
middle of administrators' sessions.

NX-OS keeps the key size in the configuration: ` + "`ssh key rsa N`" + ` below 3072
fails, ` + "`ssh key dsa`" + ` (always 1024 bits) fails, an ` + "`ssh key ecdsa`" + ` line passes,
and with no ` + "`ssh key`" + ` line the switch uses the key it generated with its
default size (below 3072 bits on the releases seen), reported unverified.
IOS/IOS-XE and IOS-XR (needs device state): ` + "`crypto key generate rsa modulus N`" + `
is an exec command and the key size is not in the running configuration;
read it from ` + "`show crypto key mypubkey rsa`" + `. The rule only reports what the
configuration does show: a pasted ` + "`crypto key generate rsa ... modulus N`" + ` line,
or a trustpoint ` + "`rsakeypair LABEL N`" + ` for the ` + "`ip ssh rsa keypair-name`" + `
label, below 3072. IOS-XR is therefore not run.`,
		Remediation: map[device.Vendor]string{
			device.IOS:  "crypto key generate rsa modulus 4096 label SSH-KEY\nip ssh rsa keypair-name SSH-KEY",
			device.NXOS: "no feature ssh\nssh key rsa 3072 force\nfeature ssh",
		},
		References: []string{rule.RefEVH, rule.URLEVH},
		ATTACK:     []string{attackAiTM},
		Check:      perVendor(m),
	}
}

func iosSSHKey(c *device.Config) []rule.Hit {
	var hits []rule.Hit
	label := ""
	if kp := c.First("ip", "ssh", "rsa", "keypair-name"); kp != nil {
		label = kp.Word(4)
	}
	c.Root.Walk(func(n *device.Node) bool {
		switch {
		case n.Hit("crypto", "key", "generate", "rsa"):
			if bits := atoi(n.After("modulus")); bits > 0 && bits < 3072 {
				hits = append(hits, rule.Hit{Message: fmt.Sprintf("an RSA key is generated with a %d-bit modulus", bits), Nodes: []*device.Node{n}})
			}
		case n.Hit("rsakeypair") && label != "" && n.Word(1) == label:
			if bits := atoi(n.Word(2)); bits > 0 && bits < 3072 {
				hits = append(hits, rule.Hit{Message: fmt.Sprintf("the SSH key pair %s is %d bits", label, bits), Nodes: []*device.Node{n}})
			}
		}
		return true
	})
	return hits
}

func nxosSSHKey(c *device.Config) []rule.Hit {
	keys := c.Find("ssh", "key")
	if len(keys) == 0 {
		return []rule.Hit{{
			Message:    "no ssh key line, so the switch uses its generated default RSA key, shorter than 3072 bits",
			Confidence: unverified,
		}}
	}
	var hits []rule.Hit
	for _, k := range keys {
		switch k.Word(2) {
		case "dsa":
			hits = append(hits, rule.Hit{Message: "the SSH host key is DSA (1024 bits)", Nodes: []*device.Node{k}})
		case "rsa":
			bits := atoi(k.Word(3))
			if bits < 0 {
				bits = 1024 // `ssh key rsa` without a size takes the old default
			}
			if bits < 3072 {
				hits = append(hits, rule.Hit{Message: fmt.Sprintf("the SSH host key is %d-bit RSA", bits), Nodes: []*device.Node{k}})
			}
		}
	}
	return hits
}

// HARD-006: SSH Diffie-Hellman size and key exchange.

func sshDHRule() rule.Rule {
	m := map[device.Vendor]check{device.IOS: iosSSHDH}
	return rule.Rule{
		ID:        "HARD-006",
		Title:     "SSH key exchange allows Diffie-Hellman groups below 4096 bits",
		Kind:      rule.Hardening,
		Severity:  rule.Medium,
		Platforms: platformsOf(m),
		Doc: `Small Diffie-Hellman groups and SHA-1 key exchange weaken every SSH
session's keys; CISA-EVH asks for at least 4096-bit DH (group 16).

IOS/IOS-XE: ` + "`ip ssh dh min size 4096`" + ` must be present (its absence leaves the
release default of 1024 or 2048 bits); an ` + "`ip ssh server algorithm kex`" + ` list
naming diffie-hellman-group1-sha1 or diffie-hellman-group14-sha1 fails.
A missing kex list is not reported: its default differs by release.`,
		Remediation: map[device.Vendor]string{
			device.IOS: "ip ssh dh min size 4096\nip ssh server algorithm kex ecdh-sha2-nistp384 ecdh-sha2-nistp521 diffie-hellman-group16-sha512",
		},
		References: []string{rule.RefEVH, rule.URLEVH},
		ATTACK:     []string{attackAiTM},
		Check:      perVendor(m),
	}
}

func iosSSHDH(c *device.Config) []rule.Hit {
	var hits []rule.Hit
	dh := c.First("ip", "ssh", "dh", "min", "size")
	switch {
	case dh == nil:
		hits = append(hits, rule.Hit{Message: "no ip ssh dh min size 4096 line, so the release default (1024 or 2048 bits) is accepted"})
	case atoi(dh.Word(5)) < 4096:
		hits = append(hits, rule.Hit{Message: "the SSH server accepts " + dh.Word(5) + "-bit Diffie-Hellman groups", Nodes: []*device.Node{dh}})
	}
	if kex := c.First("ip", "ssh", "server", "algorithm", "kex"); kex != nil {
		var weak []string
		for _, w := range kex.Words[5:] {
			if w == "diffie-hellman-group1-sha1" || w == "diffie-hellman-group14-sha1" {
				weak = append(weak, w)
			}
		}
		if len(weak) > 0 {
			hits = append(hits, rule.Hit{Message: "the SSH key exchange list includes " + strings.Join(weak, ", "), Nodes: []*device.Node{kex}})
		}
	}
	return hits
}

// HARD-007: SSH timeout and retries.

func sshLimitsRule() rule.Rule {
	m := map[device.Vendor]check{device.IOS: iosSSHLimits}
	return rule.Rule{
		ID:        "HARD-007",
		Title:     "SSH negotiation timeout or authentication retries are too generous",
		Kind:      rule.Hardening,
		Severity:  rule.Low,
		Platforms: platformsOf(m),
		Doc: `A long negotiation window and many retries per connection make password
guessing and connection exhaustion cheaper (CIS).

IOS/IOS-XE: ` + "`ip ssh time-out`" + ` must be 60 seconds or less; without the line
the default of 120 applies and fails. ` + "`ip ssh authentication-retries`" + ` above 3
fails; the default is 3, so a missing line passes.`,
		Remediation: map[device.Vendor]string{
			device.IOS: "ip ssh time-out 60\nip ssh authentication-retries 3",
		},
		References: []string{refCIS},
		ATTACK:     []string{attackBruteForce},
		Check:      perVendor(m),
	}
}

func iosSSHLimits(c *device.Config) []rule.Hit {
	var hits []rule.Hit
	to := c.First("ip", "ssh", "time-out")
	switch {
	case to == nil:
		hits = append(hits, rule.Hit{Message: "no ip ssh time-out line, so SSH negotiation may take the default 120 seconds"})
	case atoi(to.Word(3)) > 60:
		hits = append(hits, rule.Hit{Message: "SSH negotiation may take " + to.Word(3) + " seconds (more than 60)", Nodes: []*device.Node{to}})
	}
	if r := c.First("ip", "ssh", "authentication-retries"); r != nil && atoi(r.Word(3)) > 3 {
		hits = append(hits, rule.Hit{Message: "SSH allows " + r.Word(3) + " authentication retries (more than 3)", Nodes: []*device.Node{r}})
	}
	return hits
}

package harden

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/seawall/seawall/internal/audit/device"
	"github.com/seawall/seawall/internal/audit/rule"
)

func hard056() rule.Rule {
	return rule.Rule{
		ID: "HARD-056", Title: "Software is supported and outside KEV-affected ranges", Kind: rule.Hardening, Severity: rule.Critical,
		Platforms: all,
		Doc: "The actors' initial access was almost always a known, patched CVE on an edge device. Whether the " +
			"running release is inside an affected range is reported by the vulnerability rules (one finding per " +
			"CVE, from the version the configuration or `show version` states); end-of-life status needs the " +
			"vendor's lifecycle data for the hardware model.",
		NeedsState: "the release match against KEV-affected ranges is reported by the vulnerability rules; hardware and software end-of-life needs `show version` and the vendor's lifecycle data",
		Remediation: map[device.Vendor]string{
			device.IOS:   "! upgrade to a release at or above the first fixed release of every KEV CVE for the platform",
			device.NXOS:  "! upgrade to a release at or above the first fixed release of every KEV CVE for the platform",
			device.IOSXR: "! upgrade to a release at or above the first fixed release of every KEV CVE for the platform",
			device.Junos: "! upgrade to a release at or above the first fixed release of every KEV CVE for the platform",
			device.EOS:   "! upgrade to a release at or above the first fixed release of every KEV CVE for the platform",
		},
		References: []string{rule.RefEVH, rule.URLEVH, rule.RefAA25, rule.URLAA25, refKEV, refKEVURL},
		ATTACK:     []string{"T1190"},
	}
}

func hard057() rule.Rule {
	return rule.Rule{
		ID: "HARD-057", Title: "The running image matches the vendor's published hash", Kind: rule.Hardening, Severity: rule.High,
		Platforms: rule.Platforms(device.IOS, device.NXOS, device.IOSXR, device.Junos),
		Doc: "A tampered or swapped image survives configuration clean-up. The hash comparison needs device " +
			"state (`verify /sha512`, `show software authenticity running`, Junos `file checksum sha-256` and " +
			"veriexec messages) and is not checked. The configuration answers one part on IOS and NX-OS: when its " +
			"header states the running image (`Image:`, `System image file is`, `NXOS image file is:`), a " +
			"`boot system` / `boot nxos` / `boot kickstart` line naming a different file is an unexpected boot " +
			"change until a planned upgrade explains it. IOS XR and Junos configurations carry nothing to compare.",
		Remediation: map[device.Vendor]string{
			device.IOS:   "verify /sha512 bootflash:<image>\nshow software authenticity running\n! then set boot system to the verified image",
			device.NXOS:  "show file bootflash:<image> sha512sum\n! then set boot nxos to the verified image",
			device.IOSXR: "show install active\n! compare package hashes with Cisco's published values",
			device.Junos: "file checksum sha-256 <package>\n! compare with Juniper's published value",
		},
		References: []string{rule.RefEVH, rule.URLEVH},
		ATTACK:     []string{"T1601.001", "T1542"},
		Check:      checkBootImage,
	}
}

// runningImage matches the header lines that state the running image:
// group 1 names the kind (image, system, kickstart, nxos), group 2 the file.
var runningImage = regexp.MustCompile(`(?i)^(?:(image):\s*|(system|kickstart|nxos) image file is:?\s*)"?([^"\s]+)"?`)

func checkBootImage(d *rule.Device) []rule.Hit {
	c := d.Config
	if c.Vendor != device.IOS && c.Vendor != device.NXOS {
		return nil
	}
	running := map[string]string{} // boot kind → file
	for _, cm := range c.Comments {
		text := strings.TrimSpace(cm.Text)
		if strings.HasPrefix(text, "System image file is") {
			// show version's IOS form: System image file is "flash:..."
			text = "system image file is " + strings.TrimSpace(strings.TrimPrefix(text, "System image file is"))
		}
		m := runningImage.FindStringSubmatch(text)
		if m == nil {
			continue
		}
		kind, file := strings.ToLower(m[1]+m[2]), m[3]
		if b := baseName(file); b == "" || !strings.Contains(b, ".") {
			continue // "Image: Software: ...", "Image: Compiled: ..."
		}
		if c.Vendor == device.IOS {
			kind = "system"
		}
		if _, seen := running[kind]; !seen {
			running[kind] = file
		}
	}
	if len(running) == 0 {
		return nil
	}
	var hits []rule.Hit
	seen := map[string]bool{}
	for _, n := range c.Top() {
		if !n.Hit("boot") || len(n.Words) < 3 {
			continue
		}
		kind := n.Word(1)
		if kind != "system" && kind != "nxos" && kind != "kickstart" {
			continue
		}
		file := bootFile(c.Vendor, n)
		if seen[kind] || file == "" {
			continue
		}
		seen[kind] = true // the first boot line of a kind is the one used
		run, ok := running[kind]
		if !ok {
			continue
		}
		if !strings.EqualFold(baseName(file), baseName(run)) {
			hits = append(hits, hit(fmt.Sprintf("`boot %s` names %s but the running image is %s: the next reload boots a different image; confirm a planned upgrade and verify its hash", kind, baseName(file), baseName(run)), n))
		}
	}
	return hits
}

// bootFile returns the image a boot line names: the last word on IOS
// (after `switch all`, `flash` ...), the third on NX-OS (before `sup-1`).
func bootFile(v device.Vendor, n *device.Node) string {
	if v == device.NXOS {
		return n.Word(2)
	}
	return n.Words[len(n.Words)-1]
}

// baseName strips the file system and directories from an image path.
func baseName(p string) string {
	if i := strings.LastIndexAny(p, ":/"); i >= 0 {
		return p[i+1:]
	}
	return p
}

func hard058() rule.Rule {
	return rule.Rule{
		ID: "HARD-058", Title: "The lawful-intercept control surface is locked down", Kind: rule.Hardening, Severity: rule.Critical,
		Platforms: rule.Platforms(device.IOS, device.IOSXR),
		Doc: "Intercept and subscriber data were the actors' goal; the SNMP TAP MIBs (ciscoTap2MIB, " +
			"ciscoIpTapMIB, cisco802TapMIB) set up intercepts. Reported: an SNMP view including a TAP MIB that " +
			"is reachable through a community, a v1/v2c group or a v3 group below `priv`; such a group without an " +
			"`access` ACL; `auth md5` users in such a group; and (unverified, High) broad views (`iso`, " +
			"`internet`, `enterprises` ...) that do not exclude the TAP MIBs, used by communities or groups below " +
			"v3 priv, since they expose the TAP MIBs whenever the intercept image is loaded. Not checked: who " +
			"holds the IOS `li-view` (needs the user list), and on IOS XR whether the LI package is installed on " +
			"routers that are not intercept-access points (`show install active`).",
		Remediation: map[device.Vendor]string{
			device.IOS:   "snmp-server view tapV ciscoTap2MIB included\nsnmp-server view tapV ciscoIpTapMIB included\nsnmp-server group tapGrp v3 priv read tapV write tapV notify tapV access <MD-ACL>\nsnmp-server user <li-user> tapGrp v3 auth sha <auth> priv aes 256 <priv>\nsnmp-server view <broad-view> ciscoTap2MIB excluded",
			device.IOSXR: "snmp-server view tapV ciscoTap2MIB included\nsnmp-server group tapGrp v3 priv read tapV write tapV notify tapV v4acl <MD-ACL>\nsnmp-server user <li-user> tapGrp v3 auth sha <auth> priv aes 256 <priv>",
		},
		References: []string{refLI, rule.RefEVH, rule.URLEVH, rule.RefAA25, rule.URLAA25},
		ATTACK:     []string{"T1602.001", "T1557"},
		Check:      checkLI,
	}
}

// tapMIBs are the TAP MIB names and OID prefixes.
var tapMIBs = []string{"ciscotap2mib", "ciscoiptapmib", "cisco802tapmib", "ctap2mib", "ciscouserconnectiontapmib",
	"1.3.6.1.4.1.9.9.399", "1.3.6.1.4.1.9.9.394", "1.3.6.1.4.1.9.9.395"}

// broadTrees are view subtrees that contain the TAP MIBs.
var broadTrees = map[string]bool{"iso": true, "1": true, "1.3": true, "1.3.6": true, "1.3.6.1": true, "internet": true,
	"1.3.6.1.4": true, "private": true, "1.3.6.1.4.1": true, "enterprises": true, "1.3.6.1.4.1.9": true, "cisco": true,
	"1.3.6.1.4.1.9.9": true, "ciscomgmt": true}

func isTap(tree string) bool {
	t := strings.ToLower(tree)
	for _, m := range tapMIBs {
		if t == m || strings.HasPrefix(t, m+".") {
			return true
		}
	}
	return false
}

// snmpView is what an SNMP view exposes.
type snmpView struct {
	tap, broad  *device.Node // the line including a TAP MIB, or a broad tree
	excludesTap bool
}

func checkLI(d *rule.Device) []rule.Hit {
	c := d.Config
	views := map[string]*snmpView{}
	for _, n := range c.Find("snmp-server", "view") {
		v := views[n.Word(2)]
		if v == nil {
			v = &snmpView{}
			views[n.Word(2)] = v
		}
		tree, mode := n.Word(3), n.Word(4)
		switch {
		case isTap(tree) && mode == "excluded":
			v.excludesTap = true
		case isTap(tree) && mode == "included" && v.tap == nil:
			v.tap = n
		case broadTrees[strings.ToLower(tree)] && mode == "included" && v.broad == nil:
			v.broad = n
		}
	}
	var hits []rule.Hit
	tapGroups := map[string]bool{}
	// exposure reports a view the line uses, if it reaches TAP MIBs.
	exposure := func(n *device.Node, strong bool, who string) {
		for i, w := range n.Words {
			if w != "read" && w != "write" && w != "notify" && w != "view" {
				continue
			}
			v := views[n.Word(i+1)]
			if v == nil {
				continue
			}
			switch {
			case v.tap != nil && !strong:
				hits = append(hits, hit(fmt.Sprintf("TAP MIB view %s is reachable through %s: intercept control needs SNMPv3 with priv", n.Word(i+1), who), v.tap, n))
			case v.tap == nil && v.broad != nil && !v.excludesTap && !strong:
				h := hit(fmt.Sprintf("view %s includes `%s` without excluding the TAP MIBs and is reachable through %s: intercepts are exposed if the lawful-intercept image is loaded", n.Word(i+1), v.broad.Word(3), who), v.broad, n)
				h.Severity = rule.High
				h.Confidence = "unverified"
				hits = append(hits, h)
			}
			return
		}
	}
	for _, n := range c.Find("snmp-server", "community") {
		exposure(n, false, "an SNMP community")
	}
	for _, n := range c.Find("snmp-server", "group") {
		g, ver, lvl := n.Word(2), n.Word(3), n.Word(4)
		strong := ver == "v3" && lvl == "priv"
		who := "group " + g + " (" + ver
		if ver == "v3" {
			who += " " + lvl
		}
		who += ")"
		exposure(n, strong, who)
		if reachesTap(n, views) {
			tapGroups[g] = true
			if strong && !n.Has("access") && !n.Has("v4acl") && !n.Has("v6acl") {
				hits = append(hits, hit("group "+g+" controls the TAP MIBs without an access ACL limiting it to the mediation devices", n))
			}
		}
	}
	for _, n := range c.Find("snmp-server", "user") {
		if tapGroups[n.Word(3)] && n.Has("md5") {
			hits = append(hits, hit("lawful-intercept user in group "+n.Word(3)+" authenticates with MD5: use SHA with AES privacy", n))
		}
	}
	return hits
}

// reachesTap reports whether a group line uses a view including a TAP MIB.
func reachesTap(n *device.Node, views map[string]*snmpView) bool {
	for i, w := range n.Words {
		if w == "read" || w == "write" || w == "notify" {
			if v := views[n.Word(i+1)]; v != nil && v.tap != nil {
				return true
			}
		}
	}
	return false
}

func hard059() rule.Rule {
	return rule.Rule{
		ID: "HARD-059", Title: "The device is not its own source of truth", Kind: rule.Hardening, Severity: rule.High,
		Platforms: all,
		Doc: "Configurations should be rendered centrally and pushed, and the running configuration compared " +
			"with the golden copy, so an intruder's change shows up as drift. The comparison needs the golden " +
			"copy and the startup configuration; the drift package compares versioned configurations.",
		NeedsState: "needs the golden configuration from the central repository (and the startup configuration) to compare with the running one",
		Remediation: map[device.Vendor]string{
			device.IOS:   "! compare `show running-config` with the golden copy; investigate drift without a change ticket",
			device.NXOS:  "! compare `show running-config` with the golden copy; investigate drift without a change ticket",
			device.IOSXR: "! compare `show running-config` with the golden copy; review `show configuration commit list`",
			device.Junos: "! compare `show configuration` with the golden copy; review `show system commit`",
			device.EOS:   "! compare `show running-config` with the golden copy; investigate drift without a change ticket",
		},
		References: []string{rule.RefEVH, rule.URLEVH, refYIR},
		ATTACK:     []string{"T1565"},
	}
}

func hard060() rule.Rule {
	return rule.Rule{
		ID: "HARD-060", Title: "`service password-encryption` is present", Kind: rule.Hardening, Severity: rule.Low,
		Platforms: rule.Platforms(device.IOS),
		Doc: "Without it, type-0 passwords show in clear to anyone who sees the configuration. It only " +
			"obfuscates (type 7 is reversible) and does not replace type 8/9 secrets.",
		Remediation: map[device.Vendor]string{device.IOS: "service password-encryption"},
		References:  []string{refCIS, "NSA-PWD"},
		Check: func(d *rule.Device) []rule.Hit {
			for _, n := range d.Config.Top() {
				if n.Hit("service", "password-encryption") {
					return nil
				}
				if n.Hit("no", "service", "password-encryption") {
					return []rule.Hit{hit("`no service password-encryption`: type-0 passwords show in clear", n)}
				}
			}
			return []rule.Hit{absent("no `service password-encryption`: type-0 passwords show in clear", nil)}
		},
	}
}

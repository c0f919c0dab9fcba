package harden

import (
	"fmt"
	"strings"

	"github.com/seawall/seawall/internal/audit/device"
	"github.com/seawall/seawall/internal/audit/rule"
)

func hard042() rule.Rule {
	return rule.Rule{
		ID: "HARD-042", Title: "Remote syslog to a central collector at informational level", Kind: rule.Hardening, Severity: rule.High,
		Platforms: all,
		Doc: "Without remote logging an intruder who clears the local buffer erases the record, and at " +
			"warnings or less detail the logins and configuration changes the actors made are never sent. " +
			"Reported: no remote syslog host; a trap or host level less detailed than informational (NX-OS " +
			"`logging server` without a level sends level 5 only); `no logging on`; IOS XR `logging trap disable`; " +
			"Junos hosts without `any info` (or `any any`). Whether the collector is reachable and retains the " +
			"logs needs the collector's side and is not checked.",
		Remediation: map[device.Vendor]string{
			device.IOS:   "logging host <collector> vrf <mgmt-vrf>\nlogging trap informational\nlogging source-interface Loopback0\nlogging on",
			device.NXOS:  "logging server <collector> 6 use-vrf management\nlogging source-interface loopback0",
			device.IOSXR: "logging <collector> vrf <mgmt-vrf> severity info\nlogging trap informational",
			device.Junos: "set system syslog host <collector> any info\nset system syslog host <collector> authorization info\nset system syslog host <collector> interactive-commands any",
			device.EOS:   "logging vrf <mgmt-vrf> host <collector>\nlogging trap informational\nlogging on",
		},
		References: []string{rule.RefEVH, rule.URLEVH, refNISG},
		ATTACK:     []string{"T1562.002", "T1070"},
		Check:      checkRemoteSyslog,
	}
}

func checkRemoteSyslog(d *rule.Device) []rule.Hit {
	c := d.Config
	if c.Vendor == device.Junos {
		return junosRemoteSyslog(c)
	}
	var hits []rule.Hit
	var hosts []*device.Node
	var trap *device.Node
	for _, n := range c.Top() {
		switch {
		case n.Hit("no", "logging", "on"):
			hits = append(hits, hit("logging is switched off (`no logging on`): nothing is logged locally or sent to a collector", n))
		case n.Hit("logging", "trap"):
			trap = n
		case isSyslogHost(c.Vendor, n):
			hosts = append(hosts, n)
		}
	}
	if len(hosts) == 0 {
		hits = append(hits, absent("no remote syslog host is configured: logs stay on the device, where an intruder can clear them", nil))
	}
	if trap != nil {
		if trap.Word(2) == "disable" {
			hits = append(hits, hit("`logging trap disable` stops all syslog to remote hosts", trap))
		} else if l, ok := ciscoLevel(trap.Word(2)); ok && l < 6 {
			hits = append(hits, hit(fmt.Sprintf("remote syslog level is %s (%d): informational messages such as logins and configuration changes are not sent", levelName(l), l), trap))
		}
	}
	for _, h := range hosts {
		if l, ok := hostLevel(c.Vendor, h); ok && l < 6 {
			hits = append(hits, hit(fmt.Sprintf("syslog host %s receives only level %s (%d) and above: informational messages are not sent", hostName(c.Vendor, h), levelName(l), l), h))
		}
	}
	return hits
}

// isSyslogHost reports whether a top-level Cisco-style line names a remote
// syslog destination.
func isSyslogHost(v device.Vendor, n *device.Node) bool {
	switch v {
	case device.IOS:
		return n.Hit("logging", "host") || (n.Hit("logging") && addr(n.Word(1)).IsValid())
	case device.NXOS:
		return n.Hit("logging", "server")
	case device.IOSXR:
		return n.Hit("logging") && (addr(n.Word(1)).IsValid() || n.Word(2) == "vrf" && !xrLoggingKeyword[n.Word(1)])
	case device.EOS:
		return n.Hit("logging", "host") || n.Hit("logging", "vrf") && n.Word(3) == "host"
	}
	return false
}

// xrLoggingKeyword are IOS XR `logging` sub-commands that take a `vrf`
// argument but are not hosts.
var xrLoggingKeyword = map[string]bool{"source-interface": true, "ipv4": true, "ipv6": true, "hostnameprefix": true}

// hostName returns the collector a syslog host line names.
func hostName(v device.Vendor, n *device.Node) string {
	switch {
	case v == device.EOS && n.Hit("logging", "vrf"):
		return n.Word(4)
	case n.Hit("logging", "host") && (n.Word(2) == "ipv4" || n.Word(2) == "ipv6"):
		return n.Word(3)
	case n.Hit("logging", "host"), n.Hit("logging", "server"):
		return n.Word(2)
	}
	return n.Word(1)
}

// hostLevel returns a host line's own severity where the dialect has one:
// NX-OS's level word (default 5) and IOS XR's `severity` (default info).
func hostLevel(v device.Vendor, n *device.Node) (int, bool) {
	switch v {
	case device.NXOS:
		if l, ok := ciscoLevel(n.Word(3)); ok {
			return l, true
		}
		return 5, true
	case device.IOSXR:
		if s := n.After("severity"); s != "" {
			return ciscoLevel(s)
		}
	}
	return 0, false
}

func junosRemoteSyslog(c *device.Config) []rule.Hit {
	syslog := c.Path("system", "syslog")
	var hosts []*device.Node
	if syslog != nil {
		for _, h := range syslog.Find("host") {
			if !h.Inactive {
				hosts = append(hosts, h.Children...)
			}
		}
	}
	if len(hosts) == 0 {
		anchor := syslog
		if anchor == nil {
			anchor = c.Path("system")
		}
		return []rule.Hit{absent("no remote syslog host (`system syslog host`): logs stay on the device, where an intruder can clear them", anchor)}
	}
	var hits []rule.Hit
	for _, h := range hosts {
		if h.Inactive || len(h.Words) == 0 {
			continue
		}
		if junosFacilityLevel(h, "any") < 6 {
			hits = append(hits, hit("syslog host "+h.Words[0]+" does not receive `any info`: informational messages such as logins and commits are not sent", h))
		}
	}
	return hits
}

// junosFacilityLevel returns the most detailed level a Junos syslog
// destination takes for facility (-1 when none).
func junosFacilityLevel(dest *device.Node, facility string) int {
	best := -1
	for _, f := range dest.Children {
		if f.Inactive || f.Word(0) != facility {
			continue
		}
		for _, l := range f.Names() {
			if v, ok := junosLevels[l]; ok && v > best {
				best = v
			}
		}
	}
	return best
}

func hard044() rule.Rule {
	return rule.Rule{
		ID: "HARD-044", Title: "Log timestamps carry date, milliseconds and time zone", Kind: rule.Hardening, Severity: rule.Medium,
		Platforms: rule.Platforms(device.IOS),
		Doc: "Correlating a device's logs with flows and other devices needs wall-clock timestamps with " +
			"milliseconds and the zone. `service timestamps log|debug` lines without `datetime`, `msec` and " +
			"`show-timezone`, `no service timestamps`, and a missing `service timestamps log` line are reported.",
		Remediation: map[device.Vendor]string{device.IOS: "service timestamps log datetime msec localtime show-timezone\nservice timestamps debug datetime msec localtime show-timezone"},
		References:  []string{refNISG, refCIS},
		Check: func(d *rule.Device) []rule.Hit {
			var hits []rule.Hit
			seenLog := false
			for _, n := range d.Config.Top() {
				switch {
				case n.Hit("no", "service", "timestamps"):
					hits = append(hits, hit("timestamps are switched off (`no service timestamps`)", n))
				case n.Hit("service", "timestamps"):
					kind := n.Word(2)
					if kind == "" {
						kind = "debug"
					}
					if kind == "log" {
						seenLog = true
					}
					var missing []string
					for _, w := range []string{"datetime", "msec", "show-timezone"} {
						if !n.Has(w) {
							missing = append(missing, w)
						}
					}
					if len(missing) > 0 {
						hits = append(hits, hit(fmt.Sprintf("%s timestamps lack %s", kind, strings.Join(missing, ", ")), n))
					}
				}
			}
			if !seenLog && len(hits) == 0 {
				hits = append(hits, absent("no `service timestamps log datetime msec show-timezone` line", nil))
			}
			return hits
		},
	}
}

func hard045() rule.Rule {
	return rule.Rule{
		ID: "HARD-045", Title: "Local log buffer kept; console logging limited", Kind: rule.Hardening, Severity: rule.Low,
		Platforms: rule.Platforms(device.IOS),
		Doc: "The local buffer keeps recent messages when the collector is unreachable; verbose console " +
			"logging slows the device during a log storm. `no logging buffered` and `logging console` at errors " +
			"or more detail are reported; the buffer size is a policy choice and is not judged.",
		Remediation: map[device.Vendor]string{device.IOS: "logging buffered 64000 informational\nlogging console critical"},
		References:  []string{refCIS},
		Check: func(d *rule.Device) []rule.Hit {
			var hits []rule.Hit
			for _, n := range d.Config.Top() {
				switch {
				case n.Hit("no", "logging", "buffered"):
					hits = append(hits, hit("local log buffer is off (`no logging buffered`)", n))
				case n.Hit("logging", "console") && len(n.Words) == 2:
					hits = append(hits, hit("console logging at the default level (debugging)", n))
				case n.Hit("logging", "console"):
					if l, ok := ciscoLevel(n.Word(2)); ok && l > 2 {
						hits = append(hits, hit(fmt.Sprintf("console logging at %s: use critical or switch it off", levelName(l)), n))
					}
				}
			}
			return hits
		},
	}
}

func hard046() rule.Rule {
	return rule.Rule{
		ID: "HARD-046", Title: "Every configuration command is logged", Kind: rule.Hardening, Severity: rule.High,
		Platforms: rule.Platforms(device.IOS, device.IOSXR, device.Junos, device.NXOS),
		Doc: "Configuration changes made outside change management are the actors' footprint (ACLs, users, " +
			"tunnels); they must be logged and sent to syslog. IOS: `archive` → `log config` → `logging enable` is " +
			"required (High); missing `notify syslog` (changes stay on the box) and `hidekeys` (secrets logged in " +
			"clear) are reported at Medium. Junos: a syslog file or host taking `interactive-commands` at info and " +
			"`change-log` at info (or `any` at info). IOS XR (commit database) and NX-OS " +
			"(accounting log) record every change without configuration, so nothing is reported there.",
		Remediation: map[device.Vendor]string{
			device.IOS:   "archive\n log config\n  logging enable\n  notify syslog contenttype plaintext\n  hidekeys",
			device.Junos: "set system syslog file interactive-commands interactive-commands any\nset system syslog file changes change-log info",
			device.IOSXR: "! built in: show configuration commit list",
			device.NXOS:  "! built in: show accounting log",
		},
		References: []string{rule.RefEVH, rule.URLEVH, refCIS},
		ATTACK:     []string{"T1562.002"},
		Check: func(d *rule.Device) []rule.Hit {
			switch d.Config.Vendor {
			case device.IOS:
				return iosConfigLog(d.Config)
			case device.Junos:
				return junosConfigLog(d.Config)
			}
			return nil
		},
	}
}

func iosConfigLog(c *device.Config) []rule.Hit {
	archive := c.First("archive")
	var lc *device.Node
	if archive != nil {
		lc = archive.First("log", "config")
	}
	if lc == nil {
		return []rule.Hit{absent("no `archive` → `log config`: configuration commands are not logged", archive)}
	}
	if lc.First("logging", "enable") == nil {
		return []rule.Hit{absent("`log config` without `logging enable`: configuration commands are not logged", lc)}
	}
	var hits []rule.Hit
	if lc.First("notify", "syslog") == nil {
		h := absent("`log config` without `notify syslog`: logged commands stay on the device and never reach the collector", lc)
		h.Severity = rule.Medium
		hits = append(hits, h)
	}
	if lc.First("hidekeys") == nil {
		h := absent("`log config` without `hidekeys`: passwords typed in commands are logged in clear", lc)
		h.Severity = rule.Medium
		hits = append(hits, h)
	}
	return hits
}

func junosConfigLog(c *device.Config) []rule.Hit {
	syslog := c.Path("system", "syslog")
	cmds, changes := false, false
	if syslog != nil {
		for _, kind := range []string{"file", "host"} {
			for _, k := range syslog.Find(kind) {
				for _, dest := range k.Children {
					if dest.Inactive {
						continue
					}
					anyL := junosFacilityLevel(dest, "any")
					cmds = cmds || junosFacilityLevel(dest, "interactive-commands") >= 6 || anyL >= 6
					changes = changes || junosFacilityLevel(dest, "change-log") >= 6 || anyL >= 6
				}
			}
		}
	}
	anchor := syslog
	if anchor == nil {
		anchor = c.Path("system")
	}
	var hits []rule.Hit
	if !cmds {
		hits = append(hits, absent("no syslog file or host takes `interactive-commands` at info: CLI commands are not logged", anchor))
	}
	if !changes {
		hits = append(hits, absent("no syslog file or host takes `change-log`: configuration changes are not logged", anchor))
	}
	return hits
}

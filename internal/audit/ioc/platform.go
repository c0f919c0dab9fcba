package ioc

import (
	"fmt"
	"strings"

	"github.com/seawall/seawall/internal/audit/device"
	"github.com/seawall/seawall/internal/audit/rule"
)

// xrLinuxShell is IOC-CFG-003, which a configuration cannot answer.
func xrLinuxShell() rule.Rule {
	return rule.Rule{
		ID:        "IOC-CFG-003",
		Title:     "IOS XR Linux-side SSH listener and accounts",
		Kind:      rule.Indicator,
		Severity:  rule.Critical,
		Platforms: rule.Platforms(iosxr),
		Doc: "Salt Typhoon started the XR Linux sshd (`sshd_operns`, TCP/57722), registered it with `chkconfig " +
			"--add sshd_operns_global-vrf`, added users to the Linux /etc/passwd and /etc/shadow, passwordless " +
			"sudoers entries and root authorized_keys: a shell into the router that the XR running " +
			"configuration never shows. Checking it needs device state (listening sockets, `run` shell file " +
			"listings), so the rule is listed but not run. Critical: it is a confirmed implant, not a weakness.",
		NeedsState: "needs device state: listening sockets and XR Linux files (/etc/passwd, /etc/shadow, /etc/sudoers, authorized_keys, chkconfig)",
		Remediation: map[device.Vendor]string{
			iosxr: "Check `run netstat -tlnp | grep 57722`, `run cat /etc/passwd /etc/sudoers`, `run ls -la /root/.ssh`; if present, isolate the router and reimage it.",
		},
		References: refs("AA25-239A", "TALOS-ST", "MITRE"),
	}
}

// guestShell is IOC-CFG-004.
func guestShell() rule.Rule {
	return rule.Rule{
		ID:        "IOC-CFG-004",
		Title:     "Guest Shell, IOx or Bash shell enabled",
		Kind:      rule.Indicator,
		Severity:  rule.High,
		Platforms: rule.Platforms(ios, nxos),
		Doc: "Reports IOS-XE `iox`, `app-hosting appid guestshell` (high) and other `app-hosting appid` " +
			"containers (medium), and NX-OS `feature bash-shell` (high). The actors staged tools such as " +
			"JumbledPath (a Go ELF) and TCL scripts in the Guest Shell container, ran captures there outside " +
			"device CLI logging, and destroyed it afterwards: a Linux shell on a router without a ticket is " +
			"high severity. Not checked (needs device state): whether guestshell is activated on NX-OS " +
			"(`show guestshell`), and files in bootflash:guest-share/, ELF binaries or .tcl scripts on flash.",
		Remediation: map[device.Vendor]string{
			ios:  "If no ticket explains it: `guestshell destroy`, `no app-hosting appid guestshell`, `no iox`; inspect bootflash:guest-share/ and flash for ELF and .tcl files first.",
			nxos: "If no ticket explains it: `no feature bash-shell`, `guestshell destroy`; inspect bootflash: for unknown ELF and .tcl files first.",
		},
		References: append(refs("AA25-239A", "TALOS-ST", "MITRE"), "https://attack.mitre.org/software/S1206/"),
		Check:      checkGuestShell,
	}
}

func checkGuestShell(d *rule.Device) []rule.Hit {
	var hits []rule.Hit
	for _, n := range d.Config.Top() {
		switch {
		case len(n.Words) == 1 && n.Hit("iox"):
			hits = append(hits, rule.Hit{Nodes: nodes(n), Severity: rule.High, Message: "IOx application hosting is enabled (iox)"})
		case n.Hit("app-hosting", "appid"):
			if strings.EqualFold(n.Word(2), "guestshell") {
				hits = append(hits, rule.Hit{Nodes: nodes(n), Severity: rule.High, Message: "the Guest Shell container is configured (app-hosting appid guestshell)"})
			} else {
				hits = append(hits, rule.Hit{Nodes: nodes(n), Severity: rule.Medium, Message: fmt.Sprintf("application container %s is configured (app-hosting appid)", n.Word(2))})
			}
		case n.Hit("feature", "bash-shell"):
			hits = append(hits, rule.Hit{Nodes: nodes(n), Severity: rule.High, Message: "the Bash shell is enabled (feature bash-shell)"})
		}
	}
	return hits
}

// packetCapture is IOC-CFG-007, which a configuration cannot answer.
func packetCapture() rule.Rule {
	return rule.Rule{
		ID:        "IOC-CFG-007",
		Title:     "On-box packet capture",
		Kind:      rule.Indicator,
		Severity:  rule.High,
		Platforms: rule.Platforms(ios),
		Doc: "The actors ran Embedded Packet Capture (`monitor capture <name> interface <if> both`, `match ipv4 " +
			"protocol tcp any any eq 49`, `start`, `export`) to harvest TACACS+, RADIUS and SNMP secrets, and left " +
			"*.pcap files (mycap.pcap, tac.pcap, 1.pcap) on flash. EPC is set up in exec mode and is not saved in " +
			"the running configuration, so the check needs device state (`show monitor capture`, `dir " +
			"flash:`); the rule is listed but not run.",
		NeedsState: "needs device state: `show monitor capture` and flash listings (EPC is not saved in the configuration)",
		Remediation: map[device.Vendor]string{
			ios: "Check `show monitor capture` and `dir all-filesystems | include pcap`; stop and delete unknown captures (`no monitor capture <name>`) after preserving them as evidence, then rotate TACACS+/RADIUS keys and SNMP communities.",
		},
		References: append(refs("AA25-239A", "TALOS-ST"),
			"https://www.cisco.com/c/en/us/support/docs/ios-nx-os-software/ios-embedded-packet-capture/116045-productconfig-epc-00.html"),
	}
}

// webManagement is IOC-CFG-014.
func webManagement() rule.Rule {
	return rule.Rule{
		ID:        "IOC-CFG-014",
		Title:     "Web management or WSMA enabled",
		Kind:      rule.Indicator,
		Severity:  rule.Medium,
		Platforms: rule.Platforms(ios),
		Doc: "Reports `ip http server` and `ip http secure-server` (medium; high when the inventory marks the device " +
			"exposed or gives it an edge or PE role) and WSMA profiles (`wsma agent ...`, `wsma profile listener`, " +
			"high): the IOS-XE web UI and its WSMA endpoints (/webui_wsma_http(s)) are the path of CVE-2023-20198 " +
			"and CVE-2023-20273, and the actors re-enable them to come back in.",
		Remediation: map[device.Vendor]string{
			ios: "`no ip http server`, `no ip http secure-server`; remove WSMA (`no wsma agent exec`, `no wsma profile listener <name>`). If the UI is needed, restrict it with `ip http access-class` to the management networks.",
		},
		References: refs("AA25-239A", "CISCO-SA-WEBUI"),
		Check:      checkWeb,
	}
}

// edgeDevice reports whether the inventory marks the device as exposed.
func edgeDevice(d *rule.Device) bool {
	dev := d.Inventory.Device(d.Name)
	if dev == nil {
		return false
	}
	r := strings.ToLower(dev.Role)
	return dev.Exposed || r == "edge" || r == "pe" || r == "border"
}

func checkWeb(d *rule.Device) []rule.Hit {
	var hits []rule.Hit
	for _, n := range d.Config.Top() {
		switch {
		case len(n.Words) == 3 && (n.Hit("ip", "http", "server") || n.Hit("ip", "http", "secure-server")):
			h := rule.Hit{Nodes: nodes(n), Severity: rule.Medium, Message: fmt.Sprintf("the web UI is enabled (%s)", n.Text)}
			if edgeDevice(d) {
				h.Severity = rule.High
				h.Message = fmt.Sprintf("the web UI is enabled (%s) on an internet-facing device", n.Text)
			}
			hits = append(hits, h)
		case n.Hit("wsma", "agent") || n.Hit("wsma", "profile", "listener"):
			hits = append(hits, rule.Hit{Nodes: nodes(n), Severity: rule.High, Message: fmt.Sprintf("WSMA is enabled (%s)", n.Text)})
		}
	}
	return hits
}

// smartInstall is IOC-CFG-016.
func smartInstall() rule.Rule {
	return rule.Rule{
		ID:        "IOC-CFG-016",
		Title:     "Smart Install enabled",
		Kind:      rule.Indicator,
		Severity:  rule.High,
		Platforms: rule.Platforms(ios),
		Doc: "Reports a `vstack` line: Smart Install back on re-exposes CVE-2018-0171, which the actors exploit " +
			"to read and replace configurations without credentials. High: unauthenticated remote access. Not " +
			"checked (needs device state): releases where Smart Install is on by default and the configuration " +
			"shows no `vstack` line; `show vstack config` tells.",
		Remediation: map[device.Vendor]string{
			ios: "`no vstack`; confirm with `show vstack config` (Role: Client (SmartInstall disabled)).",
		},
		References: refs("CISA-EVH", "TALOS-ST", "CISCO-SA-SMI"),
		Check: func(d *rule.Device) []rule.Hit {
			var hits []rule.Hit
			for _, n := range d.Config.Find("vstack") {
				if len(n.Words) == 1 {
					hits = append(hits, rule.Hit{Nodes: nodes(n), Message: "Smart Install is enabled (vstack)"})
				}
			}
			return hits
		},
	}
}

// automation is IOC-CFG-017.
func automation() rule.Rule {
	return rule.Rule{
		ID:        "IOC-CFG-017",
		Title:     "On-box automation or scripts",
		Kind:      rule.Indicator,
		Severity:  rule.Medium,
		Platforms: rule.Platforms(ios, nxos, iosxr, eos, junos),
		Doc: "Lists on-box automation, which can re-apply an intruder's changes or run tools and survives " +
			"reviews focused on ACLs and AAA: IOS `event manager applet|policy`, `event manager directory user`, " +
			"`kron policy-list`, `scripting tcl init`; NX-OS `scheduler job name`, `event manager applet`; IOS XR " +
			"`event manager policy`, `event manager directory user`; EOS `event-handler` with `action bash` and " +
			"`daemon` with `exec`; Junos `system scripts op|commit` files, `system extensions`, `event-options " +
			"event-script file` and `event-options policy` → `then` → `event-script`, `execute-commands` or " +
			"`change-configuration`. The inventory has no list of approved automation, so each one is reported " +
			"for review, medium. Not checked: the script files themselves (needs device state).",
		Remediation: map[device.Vendor]string{
			ios:   "Confirm each applet, kron policy and TCL script with its owner; remove unknown ones (`no event manager applet <name>`, `no kron policy-list <name>`, `no scripting tcl init`) after saving them as evidence.",
			nxos:  "Confirm each job with its owner; remove unknown ones (`no scheduler job name <n>`, `no event manager applet <name>`).",
			iosxr: "Confirm each policy with its owner; remove unknown ones (`no event manager policy <name>`); `commit`.",
			eos:   "Confirm each handler and daemon with its owner; remove unknown ones (`no event-handler <name>`, `no daemon <name>`).",
			junos: "Confirm each script with its owner; remove unknown ones (`delete system scripts op file <f>`, `delete event-options policy <p>`) and `commit`; check /var/db/scripts.",
		},
		References: append(refs("AA25-239A"),
			"https://juniper.net/documentation/en_US/junos12.3/topics/reference/statement-hierarchy/event-options.html"),
		Check: checkAutomation,
	}
}

func checkAutomation(d *rule.Device) []rule.Hit {
	var hits []rule.Hit
	add := func(msg string, ev ...*device.Node) {
		hits = append(hits, rule.Hit{Nodes: nodes(ev...), Message: msg})
	}
	cfg := d.Config
	if cfg.Vendor == junos {
		for _, kind := range []string{"op", "commit"} {
			if f := cfg.Path("system", "scripts", kind, "file"); f != nil {
				for _, s := range f.Children {
					add(fmt.Sprintf("Junos %s script %s runs on the device", kind, s.Word(0)), s)
				}
			}
		}
		if x := cfg.Path("system", "extensions"); x != nil && len(x.Children) > 0 {
			add("system extensions are configured", x)
		}
		if f := cfg.Path("event-options", "event-script", "file"); f != nil {
			for _, s := range f.Children {
				add(fmt.Sprintf("event script %s runs on the device", s.Word(0)), s)
			}
		}
		if p := cfg.Path("event-options", "policy"); p != nil {
			for _, pol := range p.Children {
				for _, act := range []string{"event-script", "execute-commands", "change-configuration"} {
					if a := pol.Path("then", act); a != nil {
						add(fmt.Sprintf("event policy %s runs %s", pol.Word(0), act), a)
					}
				}
			}
		}
		return hits
	}
	for _, n := range cfg.Top() {
		switch {
		case n.Hit("event", "manager", "applet"):
			add(fmt.Sprintf("event manager applet %s runs on the device", n.Word(3)), n)
		case n.Hit("event", "manager", "policy"):
			add(fmt.Sprintf("event manager policy %s runs on the device", n.Word(3)), n)
		case n.Hit("event", "manager", "directory", "user"):
			add("an event manager user script directory is registered", n)
		case n.Hit("kron", "policy-list"):
			add(fmt.Sprintf("kron policy-list %s runs scheduled commands", n.Word(2)), n)
		case n.Hit("scripting", "tcl", "init"):
			add("a TCL script runs at every tclsh start (scripting tcl init)", n)
		case n.Hit("scheduler", "job", "name"):
			add(fmt.Sprintf("scheduler job %s runs commands on the device", n.Word(3)), n)
		case n.Hit("event-handler") && cfg.Vendor == eos:
			for _, a := range n.Find("action", "bash") {
				add(fmt.Sprintf("event-handler %s runs a bash command", n.Word(1)), n, a)
			}
		case n.Hit("daemon") && cfg.Vendor == eos:
			for _, e := range n.Find("exec") {
				add(fmt.Sprintf("daemon %s runs an executable", n.Word(1)), n, e)
			}
		}
	}
	return hits
}

// webuiImplant is IOC-CFG-019, which a configuration cannot answer.
func webuiImplant() rule.Rule {
	return rule.Rule{
		ID:        "IOC-CFG-019",
		Title:     "CVE-2023-20198 web UI implant",
		Kind:      rule.Indicator,
		Severity:  rule.Critical,
		Platforms: rule.Platforms(ios),
		Doc: "The BadCandy implant from the CVE-2023-20198 wave answered `POST /webui/logoutconfirm.html?logon_hash=1` " +
			"with a hex string (later versions evade this check), and web logs show double-encoded WSMA paths " +
			"such as /%2577eb%2575i_%2577sma_Http. Both need the live device or its logs, so the rule is listed " +
			"but not run; IOC-CFG-014 reports the web UI being enabled, the precondition. Critical: a confirmed " +
			"implant.",
		NeedsState: "needs device state: an HTTP probe of the web UI and the web server logs",
		Remediation: map[device.Vendor]string{
			ios: "Probe the implant check from a management host, review web logs for encoded WSMA paths; if found, preserve evidence, reload to clear the non-persistent implant, upgrade, and hunt for the accounts it created (IOC-CFG-009).",
		},
		References: refs("CISCO-SA-WEBUI", "AA25-239A"),
	}
}

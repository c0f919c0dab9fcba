package mgmt

import (
	"fmt"
	"strings"

	"github.com/seawall/seawall/internal/audit/device"
	"github.com/seawall/seawall/internal/audit/rule"
)

// HARD-011: out-of-band management / management VRF.

func oobRule() rule.Rule {
	m := map[device.Vendor]check{
		device.IOS:   iosOOB,
		device.NXOS:  nxosOOB,
		device.IOSXR: xrOOB,
		device.Junos: junosOOB,
		device.EOS:   eosOOB,
	}
	return rule.Rule{
		ID:        "HARD-011",
		Title:     "Management is not confined to an out-of-band network or management VRF",
		Kind:      rule.Hardening,
		Severity:  rule.High,
		Platforms: platformsOf(m),
		Doc: `Management that shares the routing table with customer, peering and
internet traffic can be reached, and its traffic observed, from those
networks; CISA-EVH and NSA-OOB ask for out-of-band management.

The configuration shows intent, not reachability: whether SSH, SNMP or
HTTPS really answer on customer, peering or internet interfaces needs
device state (listening sockets, routing) and is not checked. The rule
checks instead that a management VRF (or out-of-band plane) exists and
that the management services the configuration names use it.

IOS/IOS-XE: a management VRF is a ` + "`vrf definition`" + ` or ` + "`ip vrf`" + ` whose name
contains mgmt, manage or oob, or the VRF of GigabitEthernet0 or a
Mgmt/Management interface. Without one the rule fails; with one, each
` + "`logging host`" + `, ` + "`ntp server`" + `, ` + "`snmp-server host`" + ` and ` + "`aaa group server`" + `
not bound to a VRF is listed.
NX-OS: mgmt0 always sits in VRF management; ` + "`logging server`" + `, ` + "`ntp server`" + `,
` + "`snmp-server host`" + ` and ` + "`aaa group server`" + ` without ` + "`use-vrf`" + ` are listed.
IOS-XR: passes with a ` + "`control-plane`" + ` → ` + "`management-plane`" + ` → ` + "`out-of-band`" + `
block or when every ` + "`ssh server vrf`" + ` names a VRF other than default.
Junos: passes with ` + "`system management-instance`" + ` (mgmt_junos); otherwise
fxp0/em0 share inet.0 with transit routes.
EOS: as IOS (` + "`vrf instance`" + `, Management interfaces), listing ` + "`logging host`" + `,
` + "`ntp server`" + `, ` + "`tacacs-server host`" + `, ` + "`radius-server host`" + ` and ` + "`snmp-server host`" + `
without ` + "`vrf`" + `, and SSH left enabled in the default VRF.

SNMP host lines carry community strings, so they are named in the message
by address and not shown as evidence.`,
		Remediation: map[device.Vendor]string{
			device.IOS: "vrf definition Mgmt-intf\n address-family ipv4\n exit-address-family\ninterface GigabitEthernet0\n vrf forwarding Mgmt-intf\n" +
				"logging host 192.0.2.10 vrf Mgmt-intf\nntp server vrf Mgmt-intf 192.0.2.11\nsnmp-server host 192.0.2.12 vrf Mgmt-intf version 3 priv NMS\n" +
				"aaa group server tacacs+ TACACS\n ip vrf forwarding Mgmt-intf",
			device.NXOS: "logging server 192.0.2.10 use-vrf management\nntp server 192.0.2.11 use-vrf management\nsnmp-server host 192.0.2.12 use-vrf management\n" +
				"aaa group server tacacs+ TACACS\n  use-vrf management",
			device.IOSXR: "control-plane\n management-plane\n  out-of-band\n   vrf MGMT\n   interface MgmtEth0/RP0/CPU0/0\n    allow SSH\n    allow SNMP\n" +
				"ssh server vrf MGMT",
			device.Junos: "set system management-instance\nset routing-instances mgmt_junos routing-options static route 0.0.0.0/0 next-hop 192.0.2.1",
			device.EOS: "vrf instance MGMT\ninterface Management1\n   vrf MGMT\nlogging vrf MGMT host 192.0.2.10\nntp server vrf MGMT 192.0.2.11\n" +
				"tacacs-server host 192.0.2.13 vrf MGMT\nmanagement ssh\n   shutdown\n   vrf MGMT\n      no shutdown",
		},
		References: []string{rule.RefEVH, rule.URLEVH, refOOB},
		ATTACK:     []string{attackExternal},
		Check:      perVendor(m),
	}
}

// isMgmtName says whether a VRF name says it is for management.
func isMgmtName(name string) bool {
	n := strings.ToLower(name)
	return strings.Contains(n, "mgmt") || strings.Contains(n, "manage") || strings.Contains(n, "oob")
}

// isMgmtInterface says whether an interface name is a dedicated
// management port.
func isMgmtInterface(name string) bool {
	n := strings.ToLower(name)
	return n == "gigabitethernet0" || strings.HasPrefix(n, "mgmt") || strings.HasPrefix(n, "management")
}

// ciscoMgmtVRFs returns the management VRFs of an IOS or EOS
// configuration: named so, or holding a management interface.
func ciscoMgmtVRFs(c *device.Config) []string {
	var out []string
	add := func(v string) {
		for _, o := range out {
			if o == v {
				return
			}
		}
		out = append(out, v)
	}
	for _, n := range c.Top() {
		switch {
		case n.Hit("vrf", "definition") || n.Hit("vrf", "instance"):
			if isMgmtName(n.Word(2)) {
				add(n.Word(2))
			}
		case n.Hit("ip", "vrf") && len(n.Words) == 3:
			if isMgmtName(n.Word(2)) {
				add(n.Word(2))
			}
		case n.Hit("interface") && isMgmtInterface(n.Word(1)):
			for _, s := range n.Children {
				switch {
				case s.Hit("vrf", "forwarding"):
					add(s.Word(2))
				case s.Hit("ip", "vrf", "forwarding"):
					add(s.Word(3))
				case s.Hit("vrf") && len(s.Words) == 2:
					add(s.Word(1))
				}
			}
		}
	}
	return out
}

// inBand collects management services that use the global table: nodes
// to show as evidence and names for the message.
type inBand struct {
	nodes []*device.Node
	names []string
}

func (b *inBand) add(n *device.Node, name string, evidence bool) {
	if evidence {
		b.nodes = append(b.nodes, n)
	}
	b.names = append(b.names, name)
}

func (b *inBand) hit(vrf string) []rule.Hit {
	if len(b.names) == 0 {
		return nil
	}
	return []rule.Hit{{
		Message: fmt.Sprintf("%d management service(s) use the global routing table, not VRF %s: %s", len(b.names), vrf, strings.Join(b.names, ", ")),
		Nodes:   b.nodes,
	}}
}

func iosOOB(c *device.Config) []rule.Hit {
	vrfs := ciscoMgmtVRFs(c)
	if len(vrfs) == 0 {
		return []rule.Hit{{Message: "no management VRF is defined, so management shares the global routing table with transit traffic"}}
	}
	var b inBand
	for _, n := range c.Top() {
		switch {
		case n.Hit("logging", "host") && !n.Has("vrf"):
			b.add(n, "logging host "+n.Word(2), true)
		case n.Hit("ntp", "server") && !n.Has("vrf"):
			b.add(n, "ntp server "+n.Word(2), true)
		case n.Hit("snmp-server", "host") && !n.Has("vrf"):
			b.add(n, "snmp-server host "+n.Word(2), false)
		case n.Hit("aaa", "group", "server"):
			if n.First("ip", "vrf", "forwarding") == nil && n.First("vrf") == nil {
				b.add(n, "aaa group server "+n.Word(3)+" "+n.Word(4), true)
			}
		}
	}
	return b.hit(vrfs[0])
}

func nxosOOB(c *device.Config) []rule.Hit {
	var b inBand
	snmpVRF := map[string]bool{}
	for _, n := range c.Find("snmp-server", "host") {
		if n.Has("use-vrf") {
			snmpVRF[n.Word(2)] = true
		}
	}
	seen := map[string]bool{}
	for _, n := range c.Top() {
		switch {
		case n.Hit("logging", "server") && !n.Has("use-vrf"):
			b.add(n, "logging server "+n.Word(2), true)
		case n.Hit("ntp", "server") && !n.Has("use-vrf"):
			b.add(n, "ntp server "+n.Word(2), true)
		case n.Hit("snmp-server", "host") && !snmpVRF[n.Word(2)] && !seen[n.Word(2)]:
			seen[n.Word(2)] = true
			b.add(n, "snmp-server host "+n.Word(2), false)
		case n.Hit("aaa", "group", "server") && n.First("use-vrf") == nil:
			b.add(n, "aaa group server "+n.Word(3)+" "+n.Word(4), true)
		}
	}
	return b.hit("management")
}

func xrOOB(c *device.Config) []rule.Hit {
	for _, cp := range c.Find("control-plane") {
		oob := false
		cp.Walk(func(n *device.Node) bool {
			if n.Hit("out-of-band") {
				oob = true
			}
			return !oob
		})
		if oob {
			return nil
		}
	}
	servers := c.Find("ssh", "server")
	inMgmt := false
	for _, s := range servers {
		if v := s.After("vrf"); v != "" {
			if v == "default" {
				return []rule.Hit{{
					Message: "the SSH server answers in VRF default and there is no out-of-band management-plane",
					Nodes:   []*device.Node{s},
				}}
			}
			inMgmt = true
		}
	}
	if inMgmt {
		return nil
	}
	var anchor *device.Node
	if len(servers) > 0 {
		anchor = servers[0]
	}
	return []rule.Hit{{
		Message: "no control-plane management-plane out-of-band block and no SSH server VRF, so management is in-band",
		Anchor:  anchor,
	}}
}

func junosOOB(c *device.Config) []rule.Hit {
	if junosFirst(c, "system", "management-instance") != nil {
		return nil
	}
	msg := "no system management-instance, so management shares inet.0 with transit routes"
	for _, ifname := range []string{"fxp0", "em0", "me0"} {
		if n := junosFirst(c, "interfaces", ifname); n != nil {
			return []rule.Hit{{Message: msg + " (" + ifname + " is in inet.0)", Anchor: n}}
		}
	}
	return []rule.Hit{{Message: msg}}
}

func eosOOB(c *device.Config) []rule.Hit {
	vrfs := ciscoMgmtVRFs(c)
	if len(vrfs) == 0 {
		return []rule.Hit{{Message: "no management VRF is defined, so management shares the default VRF with transit traffic"}}
	}
	var b inBand
	if c.First("management", "ssh") == nil {
		b.add(nil, "management ssh in the default VRF (on by default)", false)
	}
	for _, n := range c.Top() {
		switch {
		case n.Hit("logging", "host"):
			b.add(n, "logging host "+n.Word(2), true)
		case n.Hit("ntp", "server") && !n.Has("vrf"):
			b.add(n, "ntp server "+n.Word(2), true)
		case (n.Hit("tacacs-server", "host") || n.Hit("radius-server", "host")) && !n.Has("vrf"):
			b.add(n, n.Word(0)+" host "+n.Word(2), true)
		case n.Hit("snmp-server", "host") && !n.Has("vrf"):
			b.add(n, "snmp-server host "+n.Word(2), false)
		case n.Hit("management", "ssh"):
			if n.First("shutdown") == nil {
				b.add(n, "management ssh in the default VRF", true)
				break
			}
			for _, v := range n.Find("vrf", "default") {
				if v.First("no", "shutdown") != nil {
					b.add(v, "management ssh in the default VRF", true)
				}
			}
		}
	}
	return b.hit(vrfs[0])
}

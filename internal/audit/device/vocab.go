package device

import (
	"slices"
	"strings"
)

// vocab lists, per dialect, the first words of the top-level statements the
// dialect defines. A statement is understood when its first word (or, for
// "no" forms, the word after "no") is in the list; a statement inside a
// block is understood when its block is. The lists come from the vendors'
// command references and the public corpora; an unknown statement is kept
// in the tree and counted, never dropped.
var vocab = map[Vendor]string{
	IOS:   `aaa access-list alias ap archive arp authentication autoinstall banner boot boot-end-marker boot-start-marker bridge bfd call cdp class-map clock control-plane controller crypto default-information dial-peer diagnostic dot1x enable end errdisable event file flow hostname hw-module interface ip ipv6 isdn key l2 l2vpn license line lldp logging login mac mac-address-table macro management memory mls monitor mpls multilink netconf no ntp object object-group parameter-map platform policy-map port-channel power privilege process-max-time radius radius-server redundancy rmon route-map router sampler scheduler service snmp snmp-server spanning-tree standby subscriber system tacacs tacacs-server template track transceiver username version vlan voice vpdn vrf vtp wsma zone zone-pair kron tftp-server ftp-server ipc call-home multicast-routing mab security restconf gnxi telemetry app-hosting iox guestshell license udp xconnect pseudowire-class bba-group cable diagnostic ethernet frame-relay atm card redundancy-force-switchover virtual-service srv epm qos table-map cts vpc ipsla sla track stackwise-virtual switch vstack device-tracking device-sensor access-session policy ptp network-clock ptp mpls-tp segment-routing pki`,
	NXOS:  `aaa banner boot callhome cdp class-map clock copp control-plane crypto event-manager evb fabric feature hardware hostname install interface ip ipv6 key license line lldp logging mac monitor no ntp nv nxapi object-group password policy-map port-channel power rmon role route-map router scheduler service snmp-server spanning-tree ssh switchname system tacacs-server telnet username version vdc vlan vpc vrf radius-server radius track udld errdisable evpn flow sampler end cli terminal configure ptp`,
	IOSXR: `aaa banner bfd call-home cdp class-map clock commit community-set control-plane controller crypto domain end end-group end-policy end-set explicit-path extcommunity-set flow fpd frequency group hostname hw-module interface ipv4 ipv6 key l2vpn line lldp logging lpts mpls multicast-routing netconf netconf-yang no ntp policy-map prefix-set as-path-set rd-set route-policy router rsvp sampler-map segment-routing service snmp-server ssh tacacs-server radius-server taskgroup tcp telnet telemetry tftp username usergroup vrf xml grpc evpn performance-measurement srlg ethernet flow-monitor-map flow-exporter-map statistics ptp alias admin nsr cef configuration isolation dhcp icmp arp object-group`,
	EOS:   `aaa alias arp banner boot class-map clock cvx daemon dhcp dot1x enable end errdisable event-handler event-monitor hardware hostname interface ip ipv6 lacp load-interval logging mac management monitor mpls mlag no ntp peer-filter platform policy-map port-channel prompt queue-monitor radius-server role route-map router service sflow snmp-server spanning-tree switchport system tacacs-server terminal transceiver username vlan vrf vrrp redundancy dns-domain agent email tap tcam qos match-list ptp trace traffic-policies schedule sync-e mac-address-table mac-security ip-access-list control-plane`,
	Junos: `version system interfaces protocols policy-options firewall routing-options routing-instances security snmp chassis class-of-service forwarding-options groups apply-groups apply-groups-except vlans applications services access access-profile event-options bridge-domains ethernet-switching-options poe logical-systems switch-options multi-chassis virtual-chassis schedulers accounting-options tenants dynamic-profiles fabric redundancy-groups multicast-snooping-options smtp`,
}

// classify marks which statements the dialect's vocabulary knows, counts
// them, and reads the hostname and the configuration's own version line.
func classify(c *Config) {
	words := map[string]bool{}
	for _, w := range strings.Fields(vocab[c.Vendor]) {
		words[w] = true
	}
	known := map[int]bool{}
	unknown := map[int]bool{}
	var mark func(n *Node, parentKnown bool, top bool)
	mark = func(n *Node, parentKnown bool, top bool) {
		k := parentKnown
		if top {
			w := n.Word(0)
			if w == "no" || w == "default" {
				w = n.Word(1)
			}
			k = words[w]
		}
		n.Known = k
		if k {
			known[n.Line] = true
		} else {
			unknown[n.Line] = true
		}
		for _, ch := range n.Children {
			mark(ch, k, false)
		}
	}
	for _, n := range c.Root.Children {
		mark(n, false, true)
	}
	for l := range unknown {
		if !known[l] {
			c.Unknown = append(c.Unknown, l)
		}
	}
	slices.Sort(c.Unknown)
	c.Understood = len(known)
	if c.Vendor != Junos {
		c.Understood = c.Lines - len(c.Unknown)
	}
	switch c.Vendor {
	case Junos:
		if v := c.Path("version"); v != nil && len(v.Children) > 0 {
			c.Version, c.VersionLine = v.Children[0].Words[0], v.Children[0].Line
		}
		if h := c.Path("system", "host-name"); h != nil && len(h.Children) > 0 {
			c.Hostname = h.Children[0].Words[0]
		}
	default:
		if v := c.First("version"); v != nil && len(v.Words) > 1 {
			c.Version, c.VersionLine = v.Words[1], v.Line
		}
		for _, key := range []string{"hostname", "switchname"} {
			if h := c.First(key); h != nil && len(h.Words) > 1 {
				c.Hostname = h.Words[1]
				break
			}
		}
	}
}

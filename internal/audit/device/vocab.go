package device

import (
	"slices"
)

// vocab lists, per dialect, the first words of the top-level statements the
// dialect defines. A statement is understood when its first word (or, for
// "no" forms, the word after "no") is in the list; a statement inside a
// block is understood when its block is. The lists come from the vendors'
// command references and the public corpora; an unknown statement is kept
// in the tree and counted, never dropped.
var vocab = map[Vendor]string{
	IOS:   `aaa access-list alias ap archive arp authentication autoinstall banner boot boot-end-marker boot-start-marker bridge bfd call cdp class-map clock control-plane controller crypto default-information dial-peer diagnostic dot1x enable end errdisable event file flow hostname hw-module interface ip ipv6 isdn key l2 l2vpn license line lldp logging login mac mac-address-table macro management memory mls monitor mpls multilink netconf no ntp object object-group parameter-map platform policy-map port-channel power privilege process-max-time radius radius-server redundancy rmon route-map router sampler scheduler service snmp snmp-server spanning-tree standby subscriber system tacacs tacacs-server template track transceiver username version vlan voice vpdn vrf vtp wsma zone zone-pair kron tftp-server ftp-server ipc call-home multicast-routing mab security restconf gnxi telemetry app-hosting iox guestshell license udp xconnect pseudowire-class bba-group cable diagnostic ethernet frame-relay atm card redundancy-force-switchover virtual-service srv epm qos table-map cts vpc ipsla sla track stackwise-virtual switch vstack device-tracking device-sensor access-session policy ptp network-clock ptp mpls-tp segment-routing pki bfd-template call-manager-fallback dial-control-mib gatekeeper mgcp memory-size module packetcable sccp stcapp telephony-service voice-card voice-port vpdn-group sip-ua depi depi-class depi-tunnel dspfarm ephone-dn-template l2tp-class flow-sampler-map monitor-session openflow role service-template domain dot11 application dhcprelay statistics`,
	NXOS:  `aaa banner boot callhome cdp class-map clock copp control-plane crypto event-manager evb fabric feature hardware hostname install interface ip ipv6 key license line lldp logging mac monitor no ntp nv nxapi object-group password policy-map port-channel power rmon role route-map router scheduler service snmp-server spanning-tree ssh switchname system tacacs-server telnet username version vdc vlan vpc vrf radius-server radius track udld errdisable evpn flow sampler end cli terminal configure ptp fex lacp userpassphrase xml commit`,
	IOSXR: `aaa banner bfd call-home cdp class-map clock commit community-set control-plane controller crypto domain end end-group end-policy end-set explicit-path extcommunity-set flow fpd frequency group hostname hw-module interface ipv4 ipv6 key l2vpn line lldp logging lpts mpls multicast-routing netconf netconf-yang no ntp policy-map prefix-set as-path-set rd-set route-policy router rsvp sampler-map segment-routing service snmp-server ssh tacacs-server radius-server taskgroup tcp telnet telemetry tftp username usergroup vrf xml grpc evpn performance-measurement srlg ethernet flow-monitor-map flow-exporter-map statistics ptp alias admin nsr cef configuration isolation dhcp icmp arp object-group ipsla track vty-pool ethernet-services end-policy-map`,
	EOS:   `aaa alias arp banner boot class-map clock cvx daemon dhcp dot1x enable end errdisable event-handler event-monitor hardware hostname interface ip ipv6 lacp load-interval logging mac management monitor mpls mlag no ntp peer-filter platform policy-map port-channel prompt queue-monitor radius-server role route-map router service sflow snmp-server spanning-tree switchport system tacacs-server terminal transceiver username vlan vrf vrrp redundancy dns-domain agent email tap tcam qos match-list ptp trace traffic-policies schedule sync-e mac-address-table mac-security ip-access-list control-plane timeout`,
	Junos: `version system interfaces protocols policy-options firewall routing-options routing-instances security snmp chassis class-of-service forwarding-options groups apply-groups apply-groups-except vlans applications services access access-profile event-options bridge-domains ethernet-switching-options poe logical-systems switch-options multi-chassis virtual-chassis schedulers accounting-options tenants dynamic-profiles fabric redundancy-groups multicast-snooping-options smtp protect:`,
}

// blockVocab lists, per dialect, the statements the big blocks hold, so
// that "understood" means the statement is one the block defines rather
// than merely that it sits in a known block. Keys are block heads: the
// first word, "router <protocol>" and "line" for the Cisco-style dialects,
// and the path of words (a "*" standing for any name) for Junos. Blocks
// without a list accept what they hold; statements below a recognised
// statement are recognised with it.
var blockVocab = map[Vendor]map[string]string{
	IOS: {
		"interface": `access-session antenna arp authentication autostate bandwidth bfd bgp-policy bridge-group cable carrier-delay cdp
			channel channel-group crypto cts default delay description device-tracking dfs dialer dialer-group disable dot1x downstream
			dsl duplex enable encapsulation encryption ethernet exit flow-sampler flowcontrol gig-default h323-gateway hardware
			hold-queue ip ipv4 ipv6 isis keepalive l2-filter l2transport lacp lldp load-interval logging mab mac-address management
			media-type medium mka mpls mtu negotiate negotiation network-clock no ntp nv ospf ospfv3 packet peakdetect platform port
			port-channel port-type priority-flow-control private-vlan pvc redundancy routing service service-instance service-policy shape
			shutdown snmp source spanning-tree speed ssid standby station-role stbc storm-control switchport synchronous transceiver
			transport-mode tunnel tx-queue vrf vrrp vtp xconnect zone-member macsec udld power auto qos trust rate-limit pppoe ppp
			peer physical-layer clock framing linecode crc fair-queue random-detect frame-relay atm backup pos sonet vlan-range
			ip-address glbp vpc authentication-order host-reachability member vnf-interface`,
		"router bgp": `address-family aggregate-address auto-summary bgp default default-information default-metric distance distribute-list
			end exit exit-address-family exit-peer-policy exit-peer-session exit-vrf import maximum-paths neighbor network nsr
			reconnect-interval redistribute router-id synchronization table-map template timers template peer-session vrf
			bmp segment-routing address-family`,
		"router ospf": `address-family area auto-cost capability compatible default-information default-metric discard-route distance
			distribute-list fast-reroute graceful-restart ip ispf log-adj-changes log-adjacency-changes max-lsa max-metric maximum-paths
			network nsf passive-interface prefix-priority priority redistribute router-id snmp summary-address timers vrf bfd mpls
			segment-routing ignore interface-id limit neighbor queue-depth shutdown traffic-share exit-address-family`,
		"router ospfv3": `address-family area auto-cost bfd default-information discard-route distance exit-address-family graceful-restart
			log-adjacency-changes max-metric maximum-paths ospfv3 passive-interface redistribute router-id timers`,
		"router eigrp": `address-family auto-summary default-metric distance distribute-list eigrp exit-address-family maximum-paths
			metric neighbor network offset-list passive-interface redistribute summary-metric timers topology traffic-share variance
			af-interface exit-af-interface exit-af-topology authentication hello-interval hold-time split-horizon summary-address
			stub router-id bfd shutdown`,
		"line": `access-class accounting activation-character authorization autoselect buffer-length databits escape-character exec
			exec-timeout flowcontrol history hold-character ipv6 length location logging login logout-warning modem motd-banner
			exec-banner no notify parity password privilege rotary rxspeed script session-disconnect-warning session-limit
			session-timeout speed stop-character stopbits terminal-type timeout transport txspeed vacant-message width absolute-timeout
			exec-character-bits special-character-bits insecure lockable padding refuse-message`,
	},
	NXOS: {
		"interface": `autostate bandwidth beacon bfd carrier-delay cdp channel-group delay description duplex encapsulation fabric fex
			flowcontrol global hardware host-reachability hsrp ip ipv6 isis lacp link linkdebounce lldp load-interval logging
			mac-address management mdix medium member mtu negotiate no ospfv3 packet port-channel priority-flow-control private-vlan
			service-policy shutdown snmp source-interface spanning-tree speed storm-control switchport udld vpc vrf vtp vrrp
			vrrpv3 ethernet evpn macsec mode rate-mode dot1x ptp qos suppress-arp bgp ingress-replication mcast-group
			advertise-virtual-rmac nv default`,
		"router bgp": `address-family bestpath enforce-first-as event-history fast-external-fallover neighbor router-id template vrf
			log-neighbor-changes graceful-restart graceful-restart-helper timers maxas-limit shutdown cluster-id confederation
			dynamic-med-interval isolate reconnect-interval rd no`,
		"router ospf": `area auto-cost bfd default-information distance graceful-restart log-adjacency-changes max-metric name-lookup
			network passive-interface redistribute router-id summary-address timers vrf rfc1583compatibility shutdown maximum-paths
			isolate table-map flush-routes no`,
		"router ospfv3": `address-family area auto-cost bfd default-information flush-routes isolate log-adjacency-changes max-lsa
			max-metric name-lookup passive-interface router-id shutdown timers vrf`,
		"line": `absolute-timeout access-class exec-timeout ipv6 logout-warning session-limit speed databits stopbits parity
			modem no`,
	},
	IOSXR: {
		"interface": `bfd bundle cdp description enable encapsulation flow gig-default ip ipv4 ipv6 isis lacp load-interval member mtu
			overlay-encapsulation port-name rewrite route-only service-policy sflow shutdown source-interface vrf l2transport
			negotiation speed duplex carrier-delay dampening lldp mac-address arp proxy-arp ethernet transceiver frequency
			monitor-session no logging`,
		"router bgp": `address-family af-group bgp neighbor neighbor-group nsr redistribute session-group vrf timers ibgp
			default-information distance mpls bfd no`,
		"router ospf": `# address-family area authentication auto-cost default-information distribute-list log max-metric maximum mpls
			mtu-ignore network nsf nsr redistribute router-id timers vrf bfd passive cost hello-interval dead-interval
			fast-reroute segment-routing capability summary-prefix prefix-suppression no`,
		"line": `access-class exec-timeout login session-limit session-timeout transport timestamp accounting authorization
			absolute-timeout width length users no`,
	},
	EOS: {
		"interface": `arp bfd channel-group dcbx default description dhcp encapsulation error-correction evpn flow flow-spec flowcontrol
			igmp ip ipv6 isis l2 l2-protocol lacp link-debounce lldp load-interval logging mac mac-address mfib mlag mld mpls msrp
			mtu multicast mvrp phy pim priority-flow-control ptp qos queue-monitor rip service-policy sflow shape shutdown snmp
			spanning-tree speed storm-control switchport tcp traffic-loopback tx-queue vrf vrrp vxlan no ospf ospfv3 poe sample
			transceiver unidirectional hardware port-channel`,
		"router bgp": `address-family aggregate-address bgp default default-metric distance dynamic graceful-restart
			graceful-restart-helper ip ipv6 maximum-paths monitoring neighbor network redistribute router-id shutdown timers ucmp
			update vlan vlan-aware-bundle vrf no rd route-target peer group`,
		"router ospf": `area auto-cost bfd default-information distance max-lsa max-metric maximum-paths network passive-interface
			redistribute router-id shutdown summary-address timers log-adjacency-changes point-to-point graceful-restart no`,
	},
	Junos: {
		"system": `accounting allow-v4mapped-packets apply-groups arp auto-snapshot compress-configuration-files default-address-selection
			domain-name domain-search dump-on-panic host-name license login name-server no-ping-record-route no-ping-time-stamp
			no-redirects no-redirects-ipv6 ntp ports root-authentication saved-core-context saved-core-files security-profile services
			static-host-mapping syslog tacplus-server time-zone radius-server authentication-order archival commit config-management
			internet-options location max-configurations-on-flash processes scripts extensions host-name-hint backup-router
			management-instance master-password no-multicast-echo no-source-route radius-options tacplus-options dynamic-profile-options
			ddos-protection encrypt-configuration-files fips packet-forwarding-options schema switchover-on-routing-crash
			use-imported-time-zones phone-home autoinstallation inet6-backup-router apply-groups-except`,
		"protocols": `bgp evpn igmp igmp-snooping isis l2-learning ldp lldp lldp-med mpls oam ospf ospf3 pim router-advertisement rstp
			rsvp stp uplink-failure-detection vrrp vstp mstp msdp rip ripng bfd l2circuit l2vpn vpls neighbor-discovery sflow
			dot1x connections mld mld-snooping protection-group layer2-control pcep router-discovery static apply-groups iccp
			ethernet-switching esis source-packet-routing`,
		"routing-options": `aggregate apply-groups autonomous-system bmp confederation forwarding-table generate instance-import
			interface-routes martians maximum-prefixes resolution rib rib-groups route-distinguisher-id router-id srlg static
			validation graceful-restart multipath nonstop-routing auto-export instance-export multicast maximum-paths
			dynamic-tunnels ppm flow source-routing transport-class`,
		"snmp": `apply-groups client-list community contact description engine-id filter-duplicates filter-interfaces interface
			location name routing-instance-access stats-cache-lifetime traceoptions trap-group trap-options v3 view health-monitor
			rmon nonvolatile logical-system-trap-filter`,
		"policy-options": `apply-groups as-path as-path-group community condition policy-statement prefix-list rtf-prefix-list
			tunnel-attribute damping route-filter-list mac-list defaults`,
		"security": `address-book authentication-key-chains certificates ike ipsec key-chain nat policies screen zones flow
			pki ssh-known-hosts log alg application-tracking idp utm forwarding-options dynamic-address group-vpn gprs
			user-identification`,
		"firewall": `family filter interface-set policer three-color-policer hierarchical-policer load-balance-group`,
		"class-of-service": `classifiers code-point-aliases drop-profiles forwarding-classes host-outbound-traffic interfaces
			restricted-queues rewrite-rules routing-instances scheduler-maps schedulers traffic-control-profiles system-defaults
			forwarding-policy fabric tri-color`,
		"interfaces *": `unit description disable mtu vlan-tagging flexible-vlan-tagging encapsulation ether-options gigether-options
			aggregated-ether-options redundant-ether-options native-vlan-id speed link-mode mac per-unit-scheduler
			hierarchical-scheduler apply-groups traps no-traps fabric-options auto-negotiation no-auto-negotiation stacked-vlan-tagging
			gratuitous-arp-reply no-gratuitous-arp-request hold-time damping esi interface-range member member-range
			tunnel family vlan-id media-type serial-options satop-options sonet-options framing fastether-options
			flexible-vlan-tagging optics-options`,
	},
}

// vocabulary is one dialect's vocabulary, ready for lookups.
type vocabulary struct {
	top    map[string]bool
	blocks map[string]map[string]bool
}

// vocabularies are built once from vocab and blockVocab; they are never
// changed afterwards.
var vocabularies = func() map[Vendor]*vocabulary {
	out := map[Vendor]*vocabulary{}
	for v, s := range vocab {
		vc := &vocabulary{top: setOf(s), blocks: map[string]map[string]bool{}}
		for k, b := range blockVocab[v] {
			vc.blocks[k] = setOf(b)
		}
		out[v] = vc
	}
	return out
}()

// blockKey names the block a Cisco-style statement opens, for blockVocab.
func blockKey(n *Node) string {
	w := n.Word(0)
	switch w {
	case "router":
		return "router " + n.Word(1)
	case "no", "default":
		return ""
	}
	return w
}

// stmtWord is the word that says what a statement is: the first, or the
// one after "no" or "default".
func stmtWord(n *Node) string {
	w := n.Word(0)
	if (w == "no" || w == "default") && len(n.Words) > 1 {
		return n.Words[1]
	}
	return w
}

// classify marks which statements the dialect's vocabulary knows, counts
// them, and reads the hostname and the configuration's own version line.
func classify(c *Config) {
	vc := vocabularies[c.Vendor]
	if vc == nil {
		vc = &vocabulary{}
	}
	if c.Vendor == Junos {
		classifyJunos(c, vc)
	} else {
		// Cisco-style: one node per statement line.
		var mark func(n *Node, known bool, block map[string]bool)
		mark = func(n *Node, known bool, block map[string]bool) {
			for _, ch := range n.Children {
				k := known
				if block != nil {
					k = known && block[stmtWord(ch)]
				}
				ch.Known = k
				if k {
					c.Understood++
				} else {
					c.Unknown = append(c.Unknown, ch.Line)
				}
				mark(ch, k, nil)
			}
		}
		for _, n := range c.Root.Children {
			n.Known = vc.top[stmtWord(n)]
			if n.Known {
				c.Understood++
			} else {
				c.Unknown = append(c.Unknown, n.Line)
			}
			mark(n, n.Known, vc.blocks[blockKey(n)])
		}
		slices.Sort(c.Unknown)
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

// classifyJunos marks a Junos word tree: a top-level word in the
// vocabulary, then the children of blocks with a list (for "interfaces *"
// the grandchildren), and everything below an understood word. A line is
// understood when some statement on it is and none is unknown.
func classifyJunos(c *Config, vc *vocabulary) {
	maxLine := 0
	c.Root.Walk(func(n *Node) bool {
		maxLine = max(maxLine, n.Line)
		return true
	})
	state := make([]uint8, maxLine+1) // bit 1 understood, bit 2 not
	set := func(n *Node) {
		if n.Line <= 0 {
			return
		}
		if n.Known {
			state[n.Line] |= 1
		} else {
			state[n.Line] |= 2
		}
	}
	var mark func(n *Node, key string, depth int)
	mark = func(n *Node, key string, depth int) {
		block := vc.blocks[key]
		for _, ch := range n.Children {
			ch.Known = n.Known && (block == nil || block[ch.Word(0)])
			set(ch)
			next := ""
			if depth == 0 {
				next = key + " *"
			}
			mark(ch, next, depth+1)
		}
	}
	for _, n := range c.Root.Children {
		w := n.Word(0)
		n.Known = vc.top[w]
		set(n)
		mark(n, w, 0)
	}
	for l, s := range state {
		switch {
		case s == 1:
			c.Understood++
		case s&2 != 0:
			c.Unknown = append(c.Unknown, l)
		}
	}
}

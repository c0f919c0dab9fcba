// Package inventory is the operator's record of their own infrastructure:
// which addresses are network devices, which networks may manage them, and
// which servers, peers, ports and users are approved. Flow detection and the
// device audit read the same schema (the `inventory:` section of
// seawall.yaml), so "approved AAA server" means the same thing to both.
package inventory

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
)

// Config is the `inventory:` section. Every list is optional; a rule whose
// list is empty falls back to generic signs instead of comparing.
type Config struct {
	// Devices are the network devices, by name, with their addresses.
	Devices []Device `yaml:"devices"`
	// ManagementNetworks may reach devices' management planes (OOB, jump
	// host subnets, NMS subnets).
	ManagementNetworks []netip.Prefix `yaml:"management_networks"`
	// JumpHosts are the hosts administrators log in to devices from.
	JumpHosts []netip.Addr `yaml:"jump_hosts"`
	// AAAServers are the approved TACACS+ and RADIUS servers.
	AAAServers []netip.Addr `yaml:"aaa_servers"`
	// NMS are the approved SNMP managers and trap receivers.
	NMS []netip.Addr `yaml:"nms"`
	// SyslogCollectors are the approved syslog destinations.
	SyslogCollectors []netip.Addr `yaml:"syslog_collectors"`
	// FlowCollectors are the approved NetFlow/IPFIX/sFlow destinations.
	FlowCollectors []netip.Addr `yaml:"flow_collectors"`
	// NTPServers are the approved time sources.
	NTPServers []netip.Addr `yaml:"ntp_servers"`
	// TunnelPeers are the approved GRE/IPsec/ERSPAN endpoints.
	TunnelPeers []netip.Prefix `yaml:"tunnel_peers"`
	// BGPPeers are the expected BGP neighbours.
	BGPPeers []netip.Addr `yaml:"bgp_peers"`
	// LocalUsers are the approved local (break-glass) accounts on every device.
	LocalUsers []string `yaml:"local_users"`
	// SensitiveHosts hold call records, subscriber data or lawful-intercept
	// mediation: their outbound traffic is watched.
	SensitiveHosts []SensitiveHost `yaml:"sensitive_hosts"`
}

// Device is one network device.
type Device struct {
	Name string `yaml:"name"`
	// Addresses are its management and interface addresses; Loopbacks its
	// loopbacks (used as SSH, tunnel and BGP sources).
	Addresses []netip.Addr `yaml:"addresses"`
	Loopbacks []netip.Addr `yaml:"loopbacks"`
	// ListeningPorts are the TCP/UDP ports it is approved to answer on
	// (e.g. 22, 161, 830); LocalUsers adds approved accounts for it alone.
	ListeningPorts []uint16 `yaml:"listening_ports"`
	LocalUsers     []string `yaml:"local_users"`
	// Role is free text such as "pe", "core", "access", "edge"; Exposed marks
	// internet-facing or provider-edge devices.
	Role    string `yaml:"role"`
	Exposed bool   `yaml:"exposed"`
}

// SensitiveHost is a host or network whose data the actors want.
type SensitiveHost struct {
	Name   string       `yaml:"name"`
	Prefix netip.Prefix `yaml:"prefix"`
	// Kind is cdr, subscriber, li (lawful-intercept mediation), oss or bss.
	Kind string `yaml:"kind"`
}

// Validate checks names, kinds and duplicate devices.
func (c *Config) Validate() error {
	seen := map[string]bool{}
	for i, d := range c.Devices {
		if strings.TrimSpace(d.Name) == "" {
			return fmt.Errorf("inventory.devices[%d]: name is empty", i)
		}
		if seen[d.Name] {
			return fmt.Errorf("inventory.devices[%d]: device %q is listed twice", i, d.Name)
		}
		seen[d.Name] = true
	}
	for i, s := range c.SensitiveHosts {
		if !s.Prefix.IsValid() {
			return fmt.Errorf("inventory.sensitive_hosts[%d] (%s): prefix is missing", i, s.Name)
		}
		switch s.Kind {
		case "", "cdr", "subscriber", "li", "oss", "bss":
		default:
			return fmt.Errorf("inventory.sensitive_hosts[%d] (%s): kind %q is not one of cdr, subscriber, li, oss, bss", i, s.Name, s.Kind)
		}
	}
	return nil
}

// Empty reports whether nothing is configured.
func (c *Config) Empty() bool {
	return c == nil || (len(c.Devices) == 0 && len(c.ManagementNetworks) == 0 && len(c.JumpHosts) == 0 &&
		len(c.AAAServers) == 0 && len(c.NMS) == 0 && len(c.SyslogCollectors) == 0 && len(c.FlowCollectors) == 0 &&
		len(c.NTPServers) == 0 && len(c.TunnelPeers) == 0 && len(c.BGPPeers) == 0 && len(c.LocalUsers) == 0 &&
		len(c.SensitiveHosts) == 0)
}

// InManagement reports whether a is inside a management network.
func (c *Config) InManagement(a netip.Addr) bool { return inPrefixes(c.ManagementNetworks, a) }

// ApprovedTunnelPeer reports whether a is an approved tunnel endpoint.
func (c *Config) ApprovedTunnelPeer(a netip.Addr) bool { return inPrefixes(c.TunnelPeers, a) }

// ApprovedUser reports whether user is an approved local account, for the
// device named device ("" for fleet-wide users only).
func (c *Config) ApprovedUser(device, user string) bool {
	if slices.Contains(c.LocalUsers, user) {
		return true
	}
	if d := c.Device(device); d != nil {
		return slices.Contains(d.LocalUsers, user)
	}
	return false
}

// Device returns the device with this name (case-insensitive), or nil.
func (c *Config) Device(name string) *Device {
	for i := range c.Devices {
		if strings.EqualFold(c.Devices[i].Name, name) {
			return &c.Devices[i]
		}
	}
	return nil
}

// Has reports whether a is in list (addresses compared unmapped).
func Has(list []netip.Addr, a netip.Addr) bool {
	a = a.Unmap()
	for _, x := range list {
		if x.Unmap() == a {
			return true
		}
	}
	return false
}

func inPrefixes(ps []netip.Prefix, a netip.Addr) bool {
	a = a.Unmap()
	for _, p := range ps {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

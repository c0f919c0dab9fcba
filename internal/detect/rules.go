package detect

import (
	"slices"

	"github.com/seawall/seawall/internal/severity"
)

// Rule describes one implemented catalogue rule.
type Rule struct {
	// ID is the catalogue id, e.g. DET-FLOW-001.
	ID    string
	Title string
	// Severity is the usual level; rules raise it for external, blocked
	// or threat-listed peers (see each rule's doc in Rules).
	Severity severity.Level
	// Technique lists MITRE ATT&CK technique ids.
	Technique []string
	// Condition says exactly what fires the rule.
	Condition string
}

// rules is read-only after initialisation; Rules hands out copies.
var rules = []Rule{
	{"DET-FLOW-001", "TACACS+ to an unapproved server", severity.High, []string{"T1556", "T1040"},
		"TCP/49 between a device (address or loopback) as client and a server without the AAA role; high, critical when the server is blocked or threat-listed; with no AAA servers in the inventory only external servers count"},
	{"DET-FLOW-002", "RADIUS to an unapproved server", severity.High, []string{"T1556", "T1040"},
		"UDP/1812, 1813, 1645 or 1646 from a device to a server without the AAA role; severities as DET-FLOW-001"},
	{"DET-FLOW-003", "GRE with an unapproved tunnel peer", severity.Medium, []string{"T1572", "T1020.001"},
		"IP protocol 47 with a device at one end and a peer outside the tunnel inventory at the other; low when the peer is another device, medium when internal, high when external, critical when blocked or threat-listed; with no tunnel peers in the inventory only external peers count"},
	{"DET-FLOW-004", "IPsec with an unapproved peer", severity.Medium, []string{"T1572"},
		"ESP (protocol 50) or UDP/500, 4500 between a device and a peer outside the tunnel inventory; severities as DET-FLOW-003"},
	{"DET-FLOW-005", "Large long-lived GRE/UDP from a device (mirror exfiltration)", severity.High, []string{"T1020.001", "T1040"},
		"GRE or UDP from a device to a destination that is not a device, collector, NMS, AAA, syslog, NTP server or tunnel peer: sampling-scaled bytes of one (device, destination) pair reach mirror.min_bytes over at least mirror.min_duration within mirror.window (high; critical when the destination is blocked or threat-listed), or the device's daily total of such traffic exceeds its learned baseline (medium)"},
	{"DET-FLOW-006", "Inbound TCP/57722 to a device (IOS XR sshd_operns)", severity.High, []string{"T1021.004", "T1133"},
		"TCP to port 57722 of a device, from anyone; high, critical from a blocked or threat-listed source"},
	{"DET-FLOW-007", "Inbound SSH on a non-standard port of a device", severity.High, []string{"T1021.004"},
		"TCP to a device port matching ^\\d{3,5}22$ (not 22) (high, critical from a blocked or threat-listed source); or, when the inventory gives the device's listening ports, TCP from an unprivileged source port to a device port below 32768 that is not among them (medium)"},
	{"DET-FLOW-008", "Web management of a device from outside management networks", severity.Medium, []string{"T1190"},
		"TCP/80, 443, 8443 or 18000-18999 to a device from a source without the management, jump host or NMS role; medium, high from external, critical from blocked or threat-listed sources; with no management networks in the inventory only external sources count"},
	{"DET-FLOW-009", "Smart Install (TCP/4786) to a device", severity.High, []string{"T1190", "T1602.002"},
		"TCP/4786 to a device from any source but detect.smart_install_directors; high, critical from external, blocked or threat-listed sources"},
	{"DET-FLOW-010", "TFTP/FTP from a device to an unapproved server", severity.Medium, []string{"T1602.002", "T1048.003"},
		"UDP/69 or TCP/20-21 with a device as client and a server outside detect.file_servers (when that is empty: a server without the management or NMS role); medium, high when external, critical when blocked or threat-listed"},
	{"DET-FLOW-011", "SNMP with an unapproved manager or trap receiver", severity.Medium, []string{"T1602.001"},
		"UDP/161 to a device from a client without the NMS role, or UDP/162 from a device to a receiver without it; medium, high when external, critical when blocked or threat-listed; with no NMS in the inventory management networks count as approved, and with neither only external peers count"},
	{"DET-FLOW-012", "Device-to-device SSH/Telnet not from a jump host", severity.Medium, []string{"T1021.004", "T1021"},
		"TCP/22 or 23 from a device address to a device address, the client not a jump host; high the first time the client address is seen doing so (within detect.new_sources remembered), medium after"},
	{"DET-FLOW-013", "Device management from outside management networks", severity.Medium, []string{"T1199", "T1021"},
		"TCP/22, 23, 443, 830, 57400 or UDP/161 to a device from a source that is neither a device nor has the management, jump host or NMS role; medium, high from external sources (partner or peer-carrier space), critical from blocked or threat-listed ones; with no management networks in the inventory only external sources count"},
	{"DET-FLOW-014", "Device initiating HTTP(S)/SSH to the internet", severity.High, []string{"T1105", "T1048"},
		"TCP/22, 80, 443, 8080 or 8443 with a device as client and an external server (public, not in the inventory); high, critical when blocked or threat-listed"},
	{"DET-FLOW-015", "Sensitive host sending to new destinations or above baseline", severity.High, []string{"T1048", "T1041"},
		"bytes (sampling-scaled) from a sensitive host to external destinations: the host's daily total above its learned baseline (high), or a destination ASN not seen from the host before, once the host has been learned for exfil.baseline.learn_days (medium)"},
	{"DET-FLOW-016", "Traffic with a blocked country or a threat-listed address", severity.High, []string{"T1071"},
		"any flow with a blocked (non-special) address at either end: a leak past the block, naming the direction and country (high); any flow with a threat-listed address at either end, naming the lists (high)"},
	{"DET-FLOW-017", "Scan of device management ports", severity.Medium, []string{"T1595", "T1046"},
		"TCP/22, 23, 443, 4786, 57722 or UDP/161 to device addresses from a source without the management, jump host or NMS role: one source reaching scan.fan_out distinct device addresses, or one device address reached by scan.fan_in distinct sources, within scan.window; medium, high when the source is external, blocked or threat-listed"},
	{"DET-FLOW-018", "BGP with a peer outside the inventory", severity.Medium, []string{"T1557"},
		"TCP/179 between a device and a peer that is neither a device nor has the BGP peer role; medium, high when external, critical when blocked or threat-listed; with no BGP peers in the inventory only blocked or threat-listed peers count"},
	{"DET-FLOW-019", "Exporter or syslog sender fell silent", severity.Medium, []string{"T1562.006"},
		"no flow from an exporter (or no syslog flow, UDP/514 or TCP/6514, from a device) for silence.factor times its usual interval and at least silence.min_silence, after silence.min_observations flows; reported once per silence, by Tick. An exporter seen for the first time is not reported: every start and restart of seawall would report them all"},
}

// Rules returns the implemented rules, in id order.
func Rules() []Rule {
	out := slices.Clone(rules)
	for i := range out {
		out[i].Technique = slices.Clone(out[i].Technique)
	}
	return out
}

// NotImplemented lists the catalogue's flow rules this package does not
// implement yet.
func NotImplemented() []string {
	return []string{"DET-FLOW-020", "DET-FLOW-021", "DET-FLOW-022", "DET-FLOW-023"}
}

func rule(id string) *Rule {
	i := slices.IndexFunc(rules, func(r Rule) bool { return r.ID == id })
	return &rules[i]
}

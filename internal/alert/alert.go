// Package alert is what detection hands to a SOC: the Alert type, and (in
// its sinks) the ways it leaves seawall: JSON lines, RFC 5424 syslog and
// an HTTP webhook.
package alert

import (
	"net/netip"

	"github.com/seawall/seawall/internal/severity"
)

// Alert is one detection. Time and the evidence come from the flows (or
// log lines) that triggered it, never from the wall clock, so replays and
// tests are deterministic.
type Alert struct {
	// Rule is the catalogue id, e.g. DET-FLOW-001; Title its name.
	Rule     string         `json:"rule"`
	Title    string         `json:"title"`
	Severity severity.Level `json:"severity"`
	// Technique lists MITRE ATT&CK technique ids.
	Technique []string `json:"attack,omitempty"`
	// First and Last are the times (Unix nanoseconds) of the first and
	// last evidence folded into this alert; Count how many events were.
	First int64 `json:"first"`
	Last  int64 `json:"last"`
	Count int   `json:"count"`
	// Key identifies the alert for deduplication: the same rule and key
	// within the dedup window fold into one alert.
	Key     string `json:"key"`
	Message string `json:"message"`
	// The principal endpoints, when the rule has them.
	Exporter netip.Addr `json:"exporter,omitzero"`
	Src      netip.Addr `json:"src,omitzero"`
	Dst      netip.Addr `json:"dst,omitzero"`
	SrcPort  uint16     `json:"src_port,omitempty"`
	DstPort  uint16     `json:"dst_port,omitempty"`
	Proto    uint8      `json:"proto,omitempty"`
	// Evidence holds up to a few of the flows that triggered the alert.
	Evidence []Evidence `json:"evidence,omitempty"`
	// Tags carry rule-specific facts (country, ASN, threat list name, ...).
	Tags map[string]string `json:"tags,omitempty"`
}

// Evidence is one flow, summarised.
type Evidence struct {
	Time     int64      `json:"time"`
	Exporter netip.Addr `json:"exporter,omitzero"`
	Src      netip.Addr `json:"src"`
	Dst      netip.Addr `json:"dst"`
	SrcPort  uint16     `json:"src_port,omitempty"`
	DstPort  uint16     `json:"dst_port,omitempty"`
	Proto    uint8      `json:"proto"`
	Bytes    uint64     `json:"bytes"`
	Packets  uint64     `json:"packets"`
}

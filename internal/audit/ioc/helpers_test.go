package ioc

import (
	"net/netip"
	"path/filepath"
	"testing"

	"github.com/seawall/seawall/internal/audit/device"
	"github.com/seawall/seawall/internal/audit/rule"
	"github.com/seawall/seawall/internal/audit/rule/ruletest"
	"github.com/seawall/seawall/internal/inventory"
)

// testInventory is the operator inventory the with-inventory cases use.
// Its management network is a documentation range on purpose: the same
// address is external without the inventory and known with it.
func testInventory() *inventory.Config {
	return &inventory.Config{
		Devices: []inventory.Device{
			{Name: "r1", Loopbacks: []netip.Addr{netip.MustParseAddr("10.255.0.1")}, ListeningPorts: []uint16{22, 2222}},
			{Name: "edge1", Exposed: true},
		},
		ManagementNetworks: []netip.Prefix{netip.MustParsePrefix("192.0.2.0/25")},
		AAAServers:         []netip.Addr{netip.MustParseAddr("10.1.1.10")},
		NMS:                []netip.Addr{netip.MustParseAddr("10.1.1.20")},
		SyslogCollectors:   []netip.Addr{netip.MustParseAddr("10.1.1.30")},
		TunnelPeers:        []netip.Prefix{netip.MustParsePrefix("198.51.100.0/28"), netip.MustParsePrefix("10.9.9.0/24")},
		BGPPeers:           []netip.Addr{netip.MustParseAddr("203.0.113.1")},
		LocalUsers:         []string{"admin", "netops"},
	}
}

// got is what a test compares: rule, severity and evidence lines.
type got struct {
	Rule     string
	Severity string
	Lines    []int
}

// run parses a fixture under testdata as the dialect of its directory and
// applies rules to it.
func run(t testing.TB, path string, inv *inventory.Config, rules []rule.Rule) []rule.Finding {
	t.Helper()
	v, ok := device.ParseVendor(filepath.Dir(path))
	if !ok {
		t.Fatalf("%s: directory does not name a dialect", path)
	}
	return ruletest.Run(t, rules, ruletest.Device(ruletest.Fixture(t, path, v), inv))
}

func summarise(fs []rule.Finding) []got {
	var out []got
	for _, f := range fs {
		out = append(out, got{Rule: f.RuleID, Severity: f.Severity.String(), Lines: ruletest.Lines(f)})
	}
	return out
}

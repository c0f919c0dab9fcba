package ioc

import (
	"net/netip"
	"os"
	"path/filepath"
	"testing"

	"github.com/seawall/seawall/internal/audit/device"
	"github.com/seawall/seawall/internal/audit/rule"
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

// load parses a fixture under testdata as the dialect of its directory.
func load(t testing.TB, path string) *device.Config {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", path))
	if err != nil {
		t.Fatal(err)
	}
	v, ok := device.ParseVendor(filepath.Dir(path))
	if !ok {
		t.Fatalf("%s: directory does not name a dialect", path)
	}
	cfg, err := device.Parse(path, data, v)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// run applies rules to one fixture and returns the findings.
func run(t testing.TB, path string, inv *inventory.Config, rules []rule.Rule) []rule.Finding {
	t.Helper()
	cfg := load(t, path)
	name := cfg.Hostname
	if name == "" {
		name = filepath.Base(path)
	}
	fs, err := rule.Run(rules, &rule.Device{Config: cfg, Inventory: inv, Name: name})
	if err != nil {
		t.Fatal(err)
	}
	return fs
}

func summarise(fs []rule.Finding) []got {
	var out []got
	for _, f := range fs {
		g := got{Rule: f.RuleID, Severity: f.Severity.String()}
		for _, e := range f.Evidence {
			g.Lines = append(g.Lines, e.Line)
		}
		out = append(out, g)
	}
	return out
}

// byID returns the rule with this id.
func byID(t testing.TB, id string) rule.Rule {
	t.Helper()
	for _, r := range Rules() {
		if r.ID == id {
			return r
		}
	}
	t.Fatalf("no rule %s", id)
	return rule.Rule{}
}

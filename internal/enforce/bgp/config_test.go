package bgp

import (
	"bytes"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.yaml.in/yaml/v3"
)

// validConfig is an enabled configuration that passes Validate.
func validConfig() Config {
	c := DefaultConfig()
	c.Enabled = true
	c.LocalASN = 64500
	c.RouterID = netip.MustParseAddr("192.0.2.10")
	c.Peers = []Peer{{Address: netip.MustParseAddr("192.0.2.21"), ASN: 64500}}
	return c
}

func TestDefaultConfig(t *testing.T) {
	if err := DefaultConfig().Validate(); err != nil {
		t.Errorf("the defaults (disabled) do not validate: %v", err)
	}
	if DefaultConfig().Enabled {
		t.Error("enabled by default: seawall serve must open no BGP session unless asked")
	}
	if err := validConfig().Validate(); err != nil {
		t.Errorf("validConfig: %v", err)
	}
}

func TestValidate(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(*Config)
		want   []string // substrings of the error, in order of appearance
	}{
		{"enabled needs local_asn, router_id, peers", func(c *Config) { *c = DefaultConfig(); c.Enabled = true },
			[]string{"local_asn: required", "router_id: required", "peers: at least one"}},
		{"disabled skips what is required", func(c *Config) { *c = DefaultConfig() }, nil},
		{"disabled still checks what is written", func(c *Config) { *c = DefaultConfig(); c.Peers = []Peer{{}} },
			[]string{"peers[0]: address: required", "peers[0]: asn: 0"}},
		{"AS_TRANS", func(c *Config) { c.LocalASN = 23456 }, []string{"local_asn: 23456 is AS_TRANS"}},
		{"router_id IPv6", func(c *Config) { c.RouterID = netip.MustParseAddr("2001:db8::1") }, []string{"router_id: 2001:db8::1 is not a usable IPv4"}},
		{"listen_port", func(c *Config) { c.ListenPort = 70000 }, []string{"listen_port: 70000"}},
		{"next_hop_ipv4 family", func(c *Config) { c.NextHopIPv4 = netip.MustParseAddr("100::1") }, []string{"next_hop_ipv4: 100::1 is not a usable IPv4"}},
		{"next_hop_ipv4 missing", func(c *Config) { c.NextHopIPv4 = netip.Addr{} }, []string{"next_hop_ipv4: required"}},
		{"next_hop_ipv6 mapped", func(c *Config) { c.NextHopIPv6 = netip.MustParseAddr("::ffff:192.0.2.1") }, []string{"next_hop_ipv6: ::ffff:192.0.2.1 is not a usable global IPv6"}},
		{"next_hop_ipv6 link-local", func(c *Config) { c.NextHopIPv6 = netip.MustParseAddr("fe80::1") }, []string{"next_hop_ipv6: fe80::1"}},
		{"hold_time too short", func(c *Config) { c.HoldTime = 2 * time.Second }, []string{"hold_time: 2s"}},
		{"hold_time fraction", func(c *Config) { c.HoldTime = 3500 * time.Millisecond }, []string{"hold_time: 3.5s must be whole seconds"}},
		{"connect_retry", func(c *Config) { c.ConnectRetry = 0 }, []string{"connect_retry: 0s"}},
		{"restart_time too long", func(c *Config) { c.GracefulRestart.RestartTime = time.Hour + time.Second*496 }, []string{"graceful_restart.restart_time: 1h8m16s"}},
		{"restart_time ignored when off", func(c *Config) { c.GracefulRestart = GracefulRestart{} }, nil},
		{"peer fields", func(c *Config) {
			c.Peers = []Peer{{
				Address: netip.MustParseAddr("::ffff:192.0.2.1"), ASN: 1, Password: strings.Repeat("x", 81), MultihopTTL: 256,
				Port: -1, Passive: true, Families: []Family{IPv4, "ipv5", IPv4},
			}}
		}, []string{
			"peers[0]: address: ::ffff:192.0.2.1 is not", "peers[0]: password: 81 bytes", "peers[0]: multihop_ttl: 256",
			"peers[0]: port: -1", "peers[0]: passive: the router must dial in, but listen_port is 0",
			`peers[0]: families[1]: "ipv5" is not ipv4 or ipv6`, "peers[0]: families[2]: ipv4 listed twice",
		}},
		{"local_address family", func(c *Config) { c.Peers[0].LocalAddress = netip.MustParseAddr("2001:db8::2") },
			[]string{"peers[0]: local_address: 2001:db8::2 is not of the same family as address 192.0.2.21"}},
		{"duplicate peer", func(c *Config) { c.Peers = append(c.Peers, c.Peers[0]) }, []string{"peers[1].address: 192.0.2.21 is also peers[0]"}},
		{"passive with listener", func(c *Config) { c.ListenPort = 179; c.Peers[0].Passive = true }, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := validConfig()
			tc.change(&c)
			err := c.Validate()
			if len(tc.want) == 0 {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("no error, want %q", tc.want)
			}
			msg := err.Error()
			for _, w := range tc.want {
				i := strings.Index(msg, w)
				if i < 0 {
					t.Fatalf("error %q does not contain %q", err, w)
				}
				msg = msg[i+len(w):]
			}
		})
	}
}

func TestNewRefusesDisabled(t *testing.T) {
	c := validConfig()
	c.Enabled = false
	if _, err := New(c, discardLogger()); err == nil || !strings.Contains(err.Error(), "disabled") {
		t.Errorf("New(disabled) = %v, want a refusal", err)
	}
	c = validConfig()
	c.LocalASN = 0
	if _, err := New(c, discardLogger()); err == nil || !strings.Contains(err.Error(), "local_asn") {
		t.Errorf("New(invalid) = %v, want the validation error", err)
	}
}

func TestExampleConfig(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "example.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	got := DefaultConfig()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&got); err != nil {
		t.Fatal(err)
	}
	if err := got.Validate(); err != nil {
		t.Fatal(err)
	}
	want := validConfig()
	want.Communities = []Community{64500<<16 | 666}
	want.GracefulRestart.RestartTime = 300 * time.Second
	want.Peers = append(want.Peers, Peer{Address: netip.MustParseAddr("2001:db8::21"), ASN: 64500, Password: "s3cret", Families: []Family{IPv6}})
	if d := cmp.Diff(want, got, cmp.Comparer(func(a, b netip.Addr) bool { return a == b })); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}

	// A typo is an error, not a silent default.
	dec = yaml.NewDecoder(strings.NewReader("enabled: true\nlocal_as: 1\n"))
	dec.KnownFields(true)
	if err := dec.Decode(&got); err == nil || !strings.Contains(err.Error(), "local_as") {
		t.Errorf("unknown key: %v", err)
	}
}

func TestCommunity(t *testing.T) {
	for _, tc := range []struct {
		in      string
		want    Community
		wantErr bool
	}{
		{in: "65535:666", want: Blackhole},
		{in: "65535:65281", want: NoExport},
		{in: " 0:0 ", want: 0},
		{in: "64500:100", want: 64500<<16 | 100},
		{in: "65536:1", wantErr: true},
		{in: "1:65536", wantErr: true},
		{in: "666", wantErr: true},
		{in: "a:b", wantErr: true},
		{in: "-1:5", wantErr: true},
		{in: "", wantErr: true},
	} {
		got, err := ParseCommunity(tc.in)
		if (err != nil) != tc.wantErr || got != tc.want {
			t.Errorf("ParseCommunity(%q) = %v, %v; want %v, error %v", tc.in, got, err, tc.want, tc.wantErr)
		}
		if err == nil && strings.TrimSpace(tc.in) != got.String() {
			t.Errorf("String() = %q, want %q", got, strings.TrimSpace(tc.in))
		}
	}
	// YAML reads both the plain and the quoted form.
	var c struct {
		Communities []Community `yaml:"communities"`
	}
	if err := yaml.Unmarshal([]byte(`communities: [65535:666, "1:2"]`), &c); err != nil {
		t.Fatal(err)
	}
	if want := []Community{Blackhole, 1<<16 | 2}; !cmp.Equal(c.Communities, want) {
		t.Errorf("YAML communities = %v, want %v", c.Communities, want)
	}
}

package config

import (
	"errors"
	"io/fs"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/seawall/seawall/internal/geo"
	"github.com/seawall/seawall/internal/geodata"
	"github.com/seawall/seawall/internal/ingest"
)

func TestParse(t *testing.T) {
	t.Parallel()
	withGeo := func(f func(*geodata.Config)) *Config {
		c := Default()
		f(&c.Geo)
		return c
	}
	tests := []struct {
		name string
		yaml string
		want *Config
	}{
		{"empty", "", Default()},
		{"comments only", "# nothing set\n\n", Default()},
		{"document marker", "---\ndata_dir: /srv/seawall\n", withDataDir("/srv/seawall")},
		{"data_dir", "data_dir: /srv/seawall\n", withDataDir("/srv/seawall")},
		{"timeout seconds", "geo:\n  timeout: 30s\n", withGeo(func(g *geodata.Config) { g.Timeout = 30 * time.Second })},
		{"timeout compound", "geo:\n  timeout: 1h30m\n", withGeo(func(g *geodata.Config) { g.Timeout = 90 * time.Minute })},
		{"sources replace the defaults", "geo:\n  sources:\n    - https://mirror.example/a\n    - http://127.0.0.1:8080/b\n",
			withGeo(func(g *geodata.Config) { g.Sources = []string{"https://mirror.example/a", "http://127.0.0.1:8080/b"} })},
		{"guard keeps unset fields", "geo:\n  guard:\n    max_shrink_percent: 12.5\n",
			withGeo(func(g *geodata.Config) { g.Guard = geo.GuardConfig{MaxShrinkPercent: 12.5, MinIPv4: 65536} })},
		{"guard bounds", "geo:\n  guard:\n    max_shrink_percent: 0\n    min_ipv4: 0\n",
			withGeo(func(g *geodata.Config) { g.Guard = geo.GuardConfig{} })},
		{"guard upper bound", "geo:\n  guard: {max_shrink_percent: 100}\n",
			withGeo(func(g *geodata.Config) { g.Guard.MaxShrinkPercent = 100 })},
		{"max_bytes", "geo:\n  max_bytes: 1048576\n", withGeo(func(g *geodata.Config) { g.MaxBytes = 1 << 20 })},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := Parse([]byte(tt.yaml), "seawall.yaml")
			if err != nil {
				t.Fatal(err)
			}
			tt.want.Path = "seawall.yaml"
			if diff := cmp.Diff(tt.want, got, equateAddrs); diff != "" {
				t.Errorf("Parse (-want +got):\n%s", diff)
			}
		})
	}
}

func withDataDir(dir string) *Config {
	c := Default()
	c.DataDir = dir
	return c
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		yaml string
		want string // the whole message
	}{
		{"unknown top-level key", "data_dir: /srv/seawall\ndatadir: /x\n",
			`test.yaml:2: unknown key "datadir" at the top level (known keys: data_dir, geo, block, bgp, nftables, inventory, flows, enrich, detect, alerts, store)`},
		{"unknown geo key", "# seawall\ngeo:\n  timeout: 30s\n  timout: 1m\n",
			`test.yaml:4: unknown key "timout" in geo (known keys: sources, timeout, max_bytes, guard)`},
		{"unknown guard key", "geo:\n  guard:\n    max_shrink: 3\n",
			`test.yaml:3: unknown key "max_shrink" in geo.guard (known keys: max_shrink_percent, min_ipv4)`},
		{"Path is not a key", "path: /x\n",
			`test.yaml:1: unknown key "path" at the top level (known keys: data_dir, geo, block, bgp, nftables, inventory, flows, enrich, detect, alerts, store)`},
		{"two unknown keys", "a: 1\ngeo:\n  b: 2\n",
			"test.yaml:1: unknown key \"a\" at the top level (known keys: data_dir, geo, block, bgp, nftables, inventory, flows, enrich, detect, alerts, store)\n" +
				"test.yaml:3: unknown key \"b\" in geo (known keys: sources, timeout, max_bytes, guard)"},
		{"second document", "data_dir: /srv/seawall\n---\nbogus: 1\n",
			"test.yaml: more than one YAML document (a second '---'); seawall.yaml holds one"},
		{"relative data_dir", "data_dir: var/lib/seawall\n",
			`test.yaml: data_dir "var/lib/seawall" must be an absolute path`},
		{"home-relative data_dir", "data_dir: ~/seawall\n",
			`test.yaml: data_dir "~/seawall" must be an absolute path`},
		{"ftp source", "geo:\n  sources: [ftp://ftp.apnic.net/stats]\n",
			`test.yaml: geo.sources[0]: "ftp://ftp.apnic.net/stats" is not an http(s) URL`},
		{"bare host source", "geo:\n  sources:\n    - https://ok.example/a\n    - ftp.ripe.net/x\n",
			`test.yaml: geo.sources[1]: "ftp.ripe.net/x" is not an http(s) URL`},
		{"no sources", "geo:\n  sources: []\n",
			"test.yaml: geo.sources: at least one registry file URL is needed"},
		{"shrink above 100", "geo:\n  guard:\n    max_shrink_percent: 150\n",
			"test.yaml: geo.guard: max_shrink_percent 150: want 0 to 100"},
		{"shrink negative", "geo:\n  guard:\n    max_shrink_percent: -1\n",
			"test.yaml: geo.guard: max_shrink_percent -1: want 0 to 100"},
		{"timeout without unit", "geo:\n  timeout: 30\n",
			"test.yaml:2: cannot unmarshal !!int `30` into time.Duration (write a duration with its unit, e.g. 30s or 10m)"},
		{"timeout nonsense", "geo:\n  timeout: soon\n",
			"test.yaml:2: cannot unmarshal !!str `soon` into time.Duration (write a duration with its unit, e.g. 30s or 10m)"},
		{"timeout zero", "geo:\n  timeout: 0s\n", "test.yaml: geo.timeout: 0s must be positive"},
		{"timeout negative", "geo:\n  timeout: -5m\n", "test.yaml: geo.timeout: -5m0s must be positive"},
		{"max_bytes zero", "geo:\n  max_bytes: 0\n", "test.yaml: geo.max_bytes: 0 must be positive"},
		{"wrong type", "data_dir: [a, b]\n", "test.yaml:1: cannot unmarshal !!seq into string"},
		{"negative min_ipv4", "geo:\n  guard:\n    min_ipv4: -1\n", "test.yaml:3: cannot unmarshal !!int `-1` into uint64"},
		{"syntax", "geo:\n  sources: [\n", "test.yaml: yaml: line 2: did not find expected node content"},
		{"not a mapping", "- a\n- b\n", "test.yaml:1: expected a mapping of keys (data_dir, geo, block, bgp, nftables, inventory, flows, enrich, detect, alerts, store) at the top level, found !!seq"},
		{"geo not a mapping", "geo: https://x.example/\n", "test.yaml:1: expected a mapping of keys (sources, timeout, max_bytes, guard) in geo, found !!str `https:/...`"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := Parse([]byte(tt.yaml), "test.yaml")
			if err == nil {
				t.Fatalf("Parse succeeded with %+v; want error %q", c, tt.want)
			}
			if diff := cmp.Diff(tt.want, err.Error()); diff != "" {
				t.Errorf("error (-want +got):\n%s", diff)
			}
		})
	}
}

func writeConfig(t *testing.T, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "seawall.yaml")
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLoad(t *testing.T) {
	t.Parallel()
	t.Run("file", func(t *testing.T) {
		t.Parallel()
		p := writeConfig(t, "data_dir: /srv/seawall\ngeo:\n  timeout: 45s\n")
		c, err := Load(p)
		if err != nil {
			t.Fatal(err)
		}
		want := Default()
		want.DataDir, want.Geo.Timeout, want.Path = "/srv/seawall", 45*time.Second, p
		if diff := cmp.Diff(want, c, equateAddrs); diff != "" {
			t.Errorf("Load (-want +got):\n%s", diff)
		}
	})
	t.Run("explicit missing file", func(t *testing.T) {
		t.Parallel()
		p := filepath.Join(t.TempDir(), "nope.yaml")
		c, err := Load(p)
		if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), p) {
			t.Fatalf("Load(%q) = %+v, %v; want a not-exist error naming the file", p, c, err)
		}
	})
	t.Run("directory", func(t *testing.T) {
		t.Parallel()
		if _, err := Load(t.TempDir()); err == nil {
			t.Fatal("Load of a directory succeeded")
		}
	})
	t.Run("invalid file names itself", func(t *testing.T) {
		t.Parallel()
		p := writeConfig(t, "data_dir: /x\nbogus: true\n")
		_, err := Load(p)
		if err == nil || !strings.HasPrefix(err.Error(), p+":2: unknown key \"bogus\"") {
			t.Fatalf("Load: %v; want an error starting %s:2", err, p)
		}
	})
	t.Run("defaults when no file", func(t *testing.T) {
		t.Parallel()
		if _, err := os.Stat(DefaultPath); !errors.Is(err, fs.ErrNotExist) {
			t.Skipf("%s exists on this machine (stat: %v); Load(\"\") would read it", DefaultPath, err)
		}
		c, err := Load("")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(Default(), c, equateAddrs); diff != "" {
			t.Errorf("Load(\"\") (-want +got):\n%s", diff)
		}
		if c.Path != "" || c.DataDir != "" {
			t.Errorf("defaults have Path %q, DataDir %q; want both empty", c.Path, c.DataDir)
		}
	})
}

func TestDefault(t *testing.T) {
	t.Parallel()
	c := Default()
	if err := c.Validate(); err != nil {
		t.Fatalf("the defaults do not validate: %v", err)
	}
	if diff := cmp.Diff(geodata.DefaultConfig(), c.Geo); diff != "" {
		t.Errorf("Default().Geo (-want +got):\n%s", diff)
	}
	// Each call is a fresh value: changing one must not change the next.
	c.Geo.Sources[0] = "https://changed.example/"
	if Default().Geo.Sources[0] == "https://changed.example/" {
		t.Error("Default shares its sources slice between calls")
	}
}

func TestDefaultDataDir(t *testing.T) {
	// Not parallel: sets the environment.
	if os.Geteuid() == 0 {
		if got := DefaultDataDir(); got != "/var/lib/seawall" {
			t.Errorf("as root DefaultDataDir() = %q, want /var/lib/seawall", got)
		}
		return
	}
	t.Setenv("XDG_STATE_HOME", "/tmp/state")
	if got := DefaultDataDir(); got != "/tmp/state/seawall" {
		t.Errorf("DefaultDataDir() = %q, want /tmp/state/seawall", got)
	}
	t.Setenv("XDG_STATE_HOME", "")
	t.Setenv("HOME", "/home/op")
	if got := DefaultDataDir(); got != "/home/op/.local/state/seawall" {
		t.Errorf("DefaultDataDir() = %q, want /home/op/.local/state/seawall", got)
	}
}

// equateAddrs compares netip values (which hide their fields) by ==.
var equateAddrs = cmpopts.EquateComparable(netip.Addr{}, netip.Prefix{})

// FuzzParse checks that no input makes Parse panic, and that whatever it
// accepts validates.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"", "data_dir: /x\n", "geo:\n  timeout: 30s\n  guard: {max_shrink_percent: 5}\n",
		"geo:\n  sources: [https://a.example/]\n", "bogus: 1\n", "---\n---\n", "geo: [\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse(data, "fuzz.yaml")
		if err != nil {
			if !strings.HasPrefix(err.Error(), "fuzz.yaml") {
				t.Fatalf("error %q does not name the file", err)
			}
			return
		}
		if err := c.Validate(); err != nil {
			t.Fatalf("Parse accepted a configuration that does not validate: %v", err)
		}
	})
}

func TestInventory(t *testing.T) {
	c, err := Parse([]byte(`
inventory:
  management_networks: [192.0.2.0/24, "2001:db8:1::/48"]
  aaa_servers: [192.0.2.10]
  local_users: [breakglass]
  devices:
    - name: pe1
      loopbacks: [198.51.100.1]
      listening_ports: [22, 161]
  sensitive_hosts:
    - {name: cdr-db, prefix: 203.0.113.5/32, kind: cdr}
`), "t.yaml")
	if err != nil {
		t.Fatal(err)
	}
	inv := c.Inventory
	if !inv.InManagement(netip.MustParseAddr("192.0.2.77")) || inv.InManagement(netip.MustParseAddr("198.51.100.1")) {
		t.Errorf("management networks: %v", inv.ManagementNetworks)
	}
	if d := inv.Device("PE1"); d == nil || d.Loopbacks[0] != netip.MustParseAddr("198.51.100.1") || d.ListeningPorts[1] != 161 {
		t.Errorf("device pe1: %+v", d)
	}
	if !inv.ApprovedUser("pe1", "breakglass") || inv.ApprovedUser("pe1", "cisco") {
		t.Error("local users")
	}
	for _, tc := range []struct{ yaml, want string }{
		{"inventory:\n  devices:\n    - name: a\n      bogus: 1\n", `unknown key "bogus" in inventory.devices[] (known keys: name, addresses, loopbacks`},
		{"inventory:\n  aaa_servers: [not-an-ip]\n", "t.yaml:2"},
		{"inventory:\n  sensitive_hosts:\n    - {name: x, prefix: 192.0.2.0/24, kind: video}\n", `kind "video" is not one of`},
		{"inventory:\n  devices: [{name: a}, {name: a}]\n", `device "a" is listed twice`},
	} {
		_, err := Parse([]byte(tc.yaml), "t.yaml")
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error %v, want it to contain %q", tc.yaml, err, tc.want)
		}
	}
}

func TestFlows(t *testing.T) {
	t.Parallel()
	c, err := Parse([]byte(`flows:
  netflow: 127.0.0.1:9995
  sflow: ""
  sockets: 4
  read_buffer: 64MiB
  allowed_exporters: [192.0.2.0/24, 2001:db8::/32]
  sampling:
    - {exporter: 192.0.2.7, rate: 1000}
  metrics: 127.0.0.1:9999
  template_save: 30s
`), "seawall.yaml")
	if err != nil {
		t.Fatal(err)
	}
	want := ingest.DefaultConfig()
	want.NetFlow, want.SFlow, want.Sockets, want.ReadBuffer = "127.0.0.1:9995", "", 4, 64<<20
	want.AllowedExporters = []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24"), netip.MustParsePrefix("2001:db8::/32")}
	want.Sampling = []ingest.SamplingOverride{{Exporter: netip.MustParseAddr("192.0.2.7"), Rate: 1000}}
	want.Metrics, want.TemplateSave = "127.0.0.1:9999", 30*time.Second
	if diff := cmp.Diff(want, c.Flows, equateAddrs); diff != "" {
		t.Errorf("flows (-want +got):\n%s", diff)
	}
	if !Default().Flows.Enabled {
		t.Error("flows are not collected by default")
	}
	for _, bad := range []string{"flows: {metrics: 0.0.0.0:9750}\n", "flows: {read_buffer: lots}\n", "flows: {listen: :2055}\n"} {
		if _, err := Parse([]byte(bad), "seawall.yaml"); err == nil {
			t.Errorf("%q: accepted", bad)
		} else {
			t.Logf("%q: %v", bad, err)
		}
	}
}

func TestPipelineSections(t *testing.T) {
	t.Parallel()
	c, err := Parse([]byte(`enrich:
  asn: [ip2asn-v4.tsv, /srv/ip2asn-v6.tsv]
  lists:
    - {name: c2, path: lists/c2.txt}
detect:
  disabled: [DET-FLOW-017]
  silence: {min_silence: 1m}
alerts:
  file: {path: /var/log/seawall/alerts.jsonl, fsync: never}
store:
  flush_interval: 1s
`), "/etc/seawall/seawall.yaml")
	if err != nil {
		t.Fatal(err)
	}
	want := Enrich{ASN: []string{"ip2asn-v4.tsv", "/srv/ip2asn-v6.tsv"}, Lists: []ThreatList{{Name: "c2", Path: "lists/c2.txt"}}}
	if diff := cmp.Diff(want, c.Enrich); diff != "" {
		t.Errorf("enrich (-want +got):\n%s", diff)
	}
	if got := c.Resolve(c.Enrich.ASN[0]); got != "/etc/seawall/ip2asn-v4.tsv" {
		t.Errorf("relative path resolves to %s, want it beside seawall.yaml", got)
	}
	if got := c.Resolve(c.Enrich.ASN[1]); got != "/srv/ip2asn-v6.tsv" {
		t.Errorf("absolute path resolves to %s", got)
	}
	if c.Detect.Silence.MinSilence != time.Minute || c.Detect.Silence.Factor != 3 || len(c.Detect.Disabled) != 1 {
		t.Errorf("detect: %+v, want min_silence set and the other defaults kept", c.Detect.Silence)
	}
	if c.Alerts.File.Fsync != "never" || c.Alerts.QueueSize == 0 || c.Store.FlushInterval != time.Second || c.Store.Retention.AlertsDays == 0 {
		t.Errorf("alerts %+v store %+v: want the set keys and the defaults", c.Alerts, c.Store)
	}
	for _, tc := range []struct{ yaml, want string }{
		{"enrich:\n  lists: [{name: a, path: x}, {name: a, path: y}]\n", `enrich.lists[1].name: "a" is listed twice`},
		{"enrich:\n  lists: [{path: x}]\n", "enrich.lists[0].name: missing"},
		{"enrich:\n  list: []\n", `unknown key "list" in enrich (known keys: asn, lists)`},
		{"detect:\n  disabled: [DET-FLOW-999]\n", "detect.disabled[0]"},
		{"detect:\n  dedup: {windw: 1h}\n", `unknown key "windw" in detect.dedup`},
		{"alerts:\n  file: {path: alerts.jsonl}\n", `alerts.file.path: "alerts.jsonl" is not absolute`},
		{"store:\n  flush_interval: 1ms\n  batch_rows: 0\n", "store.flush_interval"},
		{"store:\n  flush_interval: 1ms\n  batch_rows: 0\n", "\nstore.batch_rows"},
	} {
		if _, err := Parse([]byte(tc.yaml), "t.yaml"); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error %v, want it to contain %q", tc.yaml, err, tc.want)
		}
	}
}

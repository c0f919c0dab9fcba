package detect

import (
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"go.yaml.in/yaml/v3"

	"github.com/seawall/seawall/internal/alert"
	"github.com/seawall/seawall/internal/enrich"
	"github.com/seawall/seawall/internal/flow"
	"github.com/seawall/seawall/internal/inventory"
)

// scenario is one testdata/scenarios file: flows in, alerts out. Fields
// left out come from testdata/scenarios/base.yaml (the inventory is
// replaced as a whole, addrs are merged).
type scenario struct {
	// Config overrides DefaultConfig field by field.
	Config    yaml.Node           `yaml:"config"`
	Inventory *inventory.Config   `yaml:"inventory"`
	Lists     []string            `yaml:"lists"`
	Addrs     map[string]addrSpec `yaml:"addrs"`
	Flows     []flowSpec          `yaml:"flows"`
	// Expect is every alert, in order, after the flows and a final Flush.
	Expect []expected `yaml:"expect"`
}

// addrSpec tags an address or prefix beyond what the inventory says.
type addrSpec struct {
	Country string   `yaml:"country"`
	Blocked bool     `yaml:"blocked"`
	ASN     uint32   `yaml:"asn"`
	Lists   []string `yaml:"lists"`
	Special bool     `yaml:"special"`
}

// flowSpec is a flow, or a Tick when Tick is set. Repeat repeats it
// (Every apart, with the source or destination address advanced by one
// each time when SrcStep or DstStep is set).
type flowSpec struct {
	Tick     time.Time     `yaml:"tick"`
	Time     time.Time     `yaml:"time"`
	Duration time.Duration `yaml:"duration"`
	Exporter netip.Addr    `yaml:"exporter"`
	Src      netip.Addr    `yaml:"src"`
	Dst      netip.Addr    `yaml:"dst"`
	Sport    uint16        `yaml:"sport"`
	Dport    uint16        `yaml:"dport"`
	Proto    string        `yaml:"proto"`
	Bytes    uint64        `yaml:"bytes"`
	Packets  uint64        `yaml:"packets"`
	Rate     uint32        `yaml:"rate"`
	Repeat   int           `yaml:"repeat"`
	Every    time.Duration `yaml:"every"`
	SrcStep  bool          `yaml:"src_step"`
	DstStep  bool          `yaml:"dst_step"`
}

// expected is an alert's checked fields: Message is a substring, Tags a
// subset.
type expected struct {
	Rule     string            `yaml:"rule"`
	Key      string            `yaml:"key"`
	Severity string            `yaml:"severity"`
	Count    int               `yaml:"count"`
	Message  string            `yaml:"message"`
	Tags     map[string]string `yaml:"tags"`
}

func readYAML(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	dec := yaml.NewDecoder(strings.NewReader(string(b)))
	dec.KnownFields(true)
	if err := dec.Decode(v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// TestScenarios runs every testdata/scenarios/DET-FLOW-*.yaml and checks
// that each implemented rule has a positive scenario (one that expects
// it) and a benign one (named *-benign-*, expecting nothing).
func TestScenarios(t *testing.T) {
	var base scenario
	readYAML(t, "testdata/scenarios/base.yaml", &base)
	files, err := filepath.Glob("testdata/scenarios/DET-FLOW-*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	positive, benign := map[string]bool{}, map[string]bool{}
	for _, path := range files {
		name := strings.TrimSuffix(filepath.Base(path), ".yaml")
		id := name[:len("DET-FLOW-000")]
		t.Run(name, func(t *testing.T) {
			var s scenario
			readYAML(t, path, &s)
			got := runScenario(t, &base, &s)
			if diff := cmp.Diff(s.Expect, project(got, s.Expect), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("alerts (-want +got):\n%s", diff)
				for _, a := range got {
					t.Logf("got %s %s %s count=%d: %s %v", a.Rule, a.Key, a.Severity, a.Count, a.Message, a.Tags)
				}
			}
			if strings.Contains(name, "-benign-") {
				benign[id] = len(s.Expect) == 0
			} else if slices.ContainsFunc(s.Expect, func(x expected) bool { return x.Rule == id }) {
				positive[id] = true
			}
		})
	}
	for _, r := range rules {
		if !positive[r.ID] || !benign[r.ID] {
			t.Errorf("%s: positive scenario %v, benign scenario without alerts %v", r.ID, positive[r.ID], benign[r.ID])
		}
	}
}

func runScenario(t *testing.T, base, s *scenario) []alert.Alert {
	t.Helper()
	cfg := DefaultConfig()
	if !s.Config.IsZero() {
		if err := s.Config.Decode(&cfg); err != nil {
			t.Fatalf("config: %v", err)
		}
	}
	inv := base.Inventory
	if s.Inventory != nil {
		inv = s.Inventory
	}
	if err := inv.Validate(); err != nil {
		t.Fatal(err)
	}
	lists := base.Lists
	if s.Lists != nil {
		lists = s.Lists
	}
	addrs := map[string]addrSpec{}
	for k, v := range base.Addrs {
		addrs[k] = v
	}
	for k, v := range s.Addrs {
		addrs[k] = v
	}
	tg := newTagger(t, inv, lists, addrs)
	en, err := New(cfg, inv, lists)
	if err != nil {
		t.Fatal(err)
	}
	var got []alert.Alert
	for i, fs := range s.Flows {
		if !fs.Tick.IsZero() {
			got = en.Tick(fs.Tick.UnixNano(), got)
			continue
		}
		for n := range max(fs.Repeat, 1) {
			f := tg.flow(t, i, fs, n)
			got = en.Observe(&f, got)
		}
	}
	return en.Flush(got)
}

// project keeps the fields expected checks, for cmp.Diff: a message
// containing the expected substring becomes it, tags not expected go.
func project(got []alert.Alert, want []expected) []expected {
	out := []expected{}
	for i, a := range got {
		p := expected{Rule: a.Rule, Key: a.Key, Severity: a.Severity.String(), Count: a.Count, Message: a.Message}
		if i < len(want) {
			if strings.Contains(a.Message, want[i].Message) {
				p.Message = want[i].Message
			}
			for k := range want[i].Tags {
				if v, ok := a.Tags[k]; ok {
					if p.Tags == nil {
						p.Tags = map[string]string{}
					}
					p.Tags[k] = v
				}
			}
		}
		out = append(out, p)
	}
	return out
}

// tagger is a tiny stand-in for enrichment, built from the scenario's
// inventory and addrs, so these tests do not depend on package enrich's
// implementation. Unlike enrichment it treats documentation ranges as
// public, so scenarios can use them as "the internet".
type tagger struct {
	inv   *inventory.Config
	lists []string
	addrs []taggedPrefix
}

type taggedPrefix struct {
	p netip.Prefix
	s addrSpec
}

func newTagger(t *testing.T, inv *inventory.Config, lists []string, addrs map[string]addrSpec) *tagger {
	tg := &tagger{inv: inv, lists: lists}
	for k, v := range addrs {
		p, err := netip.ParsePrefix(k)
		if err != nil {
			a, err2 := netip.ParseAddr(k)
			if err2 != nil {
				t.Fatalf("addrs: %q: %v", k, err)
			}
			p = netip.PrefixFrom(a, a.BitLen())
		}
		tg.addrs = append(tg.addrs, taggedPrefix{p, v})
	}
	// Longest prefix first, so the most specific entry wins.
	slices.SortFunc(tg.addrs, func(a, b taggedPrefix) int { return b.p.Bits() - a.p.Bits() })
	return tg
}

func (tg *tagger) tags(t *testing.T, a netip.Addr) enrich.Tags {
	var tags enrich.Tags
	inv := tg.inv
	for i, d := range inv.Devices {
		if slices.Contains(d.Addresses, a) {
			tags.Roles |= enrich.RoleDevice
			tags.Device = uint16(i + 1)
		}
		if slices.Contains(d.Loopbacks, a) {
			tags.Roles |= enrich.RoleLoopback
			tags.Device = uint16(i + 1)
		}
	}
	set := func(r enrich.Role, on bool) {
		if on {
			tags.Roles |= r
		}
	}
	set(enrich.RoleManagement, inv.InManagement(a))
	set(enrich.RoleJumpHost, inventory.Has(inv.JumpHosts, a))
	set(enrich.RoleAAA, inventory.Has(inv.AAAServers, a))
	set(enrich.RoleNMS, inventory.Has(inv.NMS, a))
	set(enrich.RoleSyslog, inventory.Has(inv.SyslogCollectors, a))
	set(enrich.RoleFlowCollector, inventory.Has(inv.FlowCollectors, a))
	set(enrich.RoleNTP, inventory.Has(inv.NTPServers, a))
	set(enrich.RoleTunnelPeer, inv.ApprovedTunnelPeer(a))
	set(enrich.RoleBGPPeer, inventory.Has(inv.BGPPeers, a))
	for i, s := range inv.SensitiveHosts {
		if s.Prefix.Contains(a) {
			tags.Roles |= enrich.RoleSensitive
			tags.Sensitive = uint16(i + 1)
		}
	}
	tags.Special = a.IsPrivate() || a.IsLoopback() || a.IsMulticast() || a.IsLinkLocalUnicast() || a.IsUnspecified()
	for _, tp := range tg.addrs {
		if !tp.p.Contains(a) {
			continue
		}
		s := tp.s
		tags.Special = tags.Special || s.Special
		if !tags.Special && s.Country != "" {
			tags.Country = [2]byte{s.Country[0], s.Country[1]}
		}
		tags.Blocked = s.Blocked
		tags.ASN = s.ASN
		for _, l := range s.Lists {
			i := slices.Index(tg.lists, l)
			if i < 0 {
				t.Fatalf("addrs: list %q is not in lists %v", l, tg.lists)
			}
			tags.Threat |= 1 << i
		}
		break
	}
	return tags
}

func (tg *tagger) flow(t *testing.T, i int, fs flowSpec, n int) enrich.Flow {
	t.Helper()
	src, dst := fs.Src, fs.Dst
	for range n {
		if fs.SrcStep {
			src = src.Next()
		}
		if fs.DstStep {
			dst = dst.Next()
		}
	}
	end := fs.Time.Add(time.Duration(n) * fs.Every).UnixNano()
	var proto uint8
	switch fs.Proto {
	case "tcp":
		proto = protoTCP
	case "udp":
		proto = protoUDP
	case "gre":
		proto = protoGRE
	case "esp":
		proto = protoESP
	default:
		v, err := strconv.ParseUint(fs.Proto, 10, 8)
		if err != nil {
			t.Fatalf("flows[%d]: proto %q: want tcp, udp, gre, esp or a number", i, fs.Proto)
		}
		proto = uint8(v)
	}
	if fs.Time.IsZero() || !src.IsValid() || !dst.IsValid() {
		t.Fatalf("flows[%d]: time, src and dst are required", i)
	}
	f := enrich.Flow{Record: flow.Record{
		Exporter: fs.Exporter, SrcAddr: src, DstAddr: dst, SrcPort: fs.Sport, DstPort: fs.Dport, Proto: proto,
		Bytes: fs.Bytes, Packets: fs.Packets, SamplingRate: fs.Rate,
		Start: end - int64(fs.Duration), End: end,
	}}
	f.Src, f.Dst = tg.tags(t, src), tg.tags(t, dst)
	f.SrcASN, f.DstASN = f.Src.ASN, f.Dst.ASN
	return f
}

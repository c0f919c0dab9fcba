package detect

import (
	"math/rand/v2"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.yaml.in/yaml/v3"

	"github.com/seawall/seawall/internal/alert"
	"github.com/seawall/seawall/internal/enrich"
	"github.com/seawall/seawall/internal/flow"
	"github.com/seawall/seawall/internal/inventory"
	"github.com/seawall/seawall/internal/testenv"
)

var t0 = time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC).UnixNano()

// tacacs is a DET-FLOW-001 hit at t0+sec: a device (10.0.0.1) talking
// TACACS+ to an unapproved server.
func tacacs(sec int, server string) enrich.Flow {
	return enrich.Flow{
		Record: flow.Record{
			SrcAddr: netip.MustParseAddr("10.0.0.1"), DstAddr: netip.MustParseAddr(server),
			SrcPort: 40000, DstPort: 49, Proto: protoTCP, End: t0 + int64(sec)*int64(time.Second),
		},
		Src: enrich.Tags{Roles: enrich.RoleDevice, Device: 1},
	}
}

func testInventory() *inventory.Config {
	return &inventory.Config{
		Devices:    []inventory.Device{{Name: "pe1", Addresses: []netip.Addr{netip.MustParseAddr("10.0.0.1")}}},
		AAAServers: []netip.Addr{netip.MustParseAddr("10.100.0.20")},
	}
}

// TestDedup checks exactly when folded alerts are emitted (see Engine):
// the window is 60 s.
func TestDedup(t *testing.T) {
	type event struct {
		sec    int    // flow time, or Tick time when tick
		tick   bool   // a Tick instead of a flow
		flush  bool   // a Flush
		server string // the flow's server, default 10.9.9.9
	}
	type emitted struct {
		At                 int // event index
		Key                string
		Count, First, Last int // times in seconds after t0
		Evidence           int
	}
	tests := []struct {
		name   string
		events []event
		want   []emitted
	}{
		{"once", []event{{sec: 0}, {sec: 100, tick: true}}, []emitted{{0, "10.0.0.1>10.9.9.9", 1, 0, 0, 1}}},
		{"repeats fold until the window closes on Tick",
			[]event{{sec: 0}, {sec: 10}, {sec: 20}, {sec: 59, tick: true}, {sec: 60, tick: true}},
			[]emitted{{0, "10.0.0.1>10.9.9.9", 1, 0, 0, 1}, {4, "10.0.0.1>10.9.9.9", 2, 10, 20, 2}}},
		{"a continuous stream is reported once per window",
			[]event{{sec: 0}, {sec: 30}, {sec: 60, tick: true}, {sec: 90}, {sec: 119}, {sec: 120, tick: true}, {sec: 180, tick: true}, {sec: 200}},
			[]emitted{
				{0, "10.0.0.1>10.9.9.9", 1, 0, 0, 1},
				{2, "10.0.0.1>10.9.9.9", 1, 30, 30, 1},
				{5, "10.0.0.1>10.9.9.9", 2, 90, 119, 2},
				{7, "10.0.0.1>10.9.9.9", 1, 200, 200, 1},
			}},
		{"a repeat after the window but before a Tick closes it and starts anew",
			[]event{{sec: 0}, {sec: 5}, {sec: 70}},
			[]emitted{{0, "10.0.0.1>10.9.9.9", 1, 0, 0, 1}, {2, "10.0.0.1>10.9.9.9", 1, 5, 5, 1}, {2, "10.0.0.1>10.9.9.9", 1, 70, 70, 1}}},
		{"keys are separate",
			[]event{{sec: 0}, {sec: 1, server: "10.9.9.8"}, {sec: 2}, {flush: true}},
			[]emitted{{0, "10.0.0.1>10.9.9.9", 1, 0, 0, 1}, {1, "10.0.0.1>10.9.9.8", 1, 1, 1, 1}, {3, "10.0.0.1>10.9.9.9", 1, 2, 2, 1}}},
		{"evidence is capped",
			[]event{{sec: 0}, {sec: 1}, {sec: 2}, {sec: 3}, {sec: 4}, {sec: 5}, {sec: 6}, {sec: 7}, {flush: true}},
			[]emitted{{0, "10.0.0.1>10.9.9.9", 1, 0, 0, 1}, {8, "10.0.0.1>10.9.9.9", 7, 1, 7, 3}}},
		{"max_keys closes the oldest window early",
			[]event{{sec: 0, server: "10.9.9.1"}, {sec: 1, server: "10.9.9.1"}, {sec: 2, server: "10.9.9.2"}, {sec: 3, server: "10.9.9.3"}, {sec: 4, server: "10.9.9.4"}},
			[]emitted{
				{0, "10.0.0.1>10.9.9.1", 1, 0, 0, 1}, {2, "10.0.0.1>10.9.9.2", 1, 2, 2, 1},
				{3, "10.0.0.1>10.9.9.1", 1, 1, 1, 1}, {3, "10.0.0.1>10.9.9.3", 1, 3, 3, 1},
				{4, "10.0.0.1>10.9.9.4", 1, 4, 4, 1},
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := DefaultConfig()
			cfg.Dedup = DedupConfig{Window: time.Minute, MaxKeys: 2, MaxEvidence: 3}
			en, err := New(cfg, testInventory(), nil)
			if err != nil {
				t.Fatal(err)
			}
			var got []emitted
			for i, ev := range tt.events {
				var out []alert.Alert
				switch {
				case ev.flush:
					out = en.Flush(nil)
				case ev.tick:
					out = en.Tick(t0+int64(ev.sec)*int64(time.Second), nil)
				default:
					server := ev.server
					if server == "" {
						server = "10.9.9.9"
					}
					f := tacacs(ev.sec, server)
					out = en.Observe(&f, nil)
				}
				for _, a := range out {
					sec := func(ns int64) int { return int((ns - t0) / int64(time.Second)) }
					got = append(got, emitted{i, a.Key, a.Count, sec(a.First), sec(a.Last), len(a.Evidence)})
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("emitted (-want +got):\n%s", diff)
			}
		})
	}
}

// TestBoundedMemory sends a scan from a million distinct sources (a
// sweep of the whole internet) and checks the state stays under its caps
// and the evictions are counted.
func TestBoundedMemory(t *testing.T) {
	n := 1_000_000
	if testenv.Race || testing.Short() {
		n = 100_000
	}
	cfg := DefaultConfig()
	cfg.Disabled = []string{"DET-FLOW-013"}
	cfg.Scan.MaxSources, cfg.Scan.MaxTargets = 1000, 100
	cfg.Silence.MaxExporters = 500
	en, err := New(cfg, testInventory(), nil)
	if err != nil {
		t.Fatal(err)
	}
	f := enrich.Flow{
		Record: flow.Record{DstAddr: netip.MustParseAddr("10.0.0.1"), SrcPort: 50000, DstPort: 22, Proto: protoTCP},
		Dst:    enrich.Tags{Roles: enrich.RoleDevice, Device: 1},
	}
	var out []alert.Alert
	base := netip.MustParseAddr("1.0.0.0").As4()
	for i := range n {
		a := base
		a[1], a[2], a[3] = byte(i>>16), byte(i>>8), byte(i)
		f.SrcAddr = netip.AddrFrom4(a)
		f.Exporter = f.SrcAddr // a million exporters, too
		f.End = t0 + int64(i)*int64(time.Millisecond)
		out = en.Observe(&f, out[:0])
	}
	st := en.Stats()
	for _, d := range st.Detectors {
		switch d.Rule {
		case "DET-FLOW-017":
			if d.Tracked > 1100 || d.Evicted < uint64(n-1100) {
				t.Errorf("scan: %d tracked, %d evicted; want at most 1100 tracked, at least %d evicted", d.Tracked, d.Evicted, n-1100)
			}
		case "DET-FLOW-019":
			if d.Tracked > 500 || d.Evicted != uint64(n-500) {
				t.Errorf("silence: %d tracked, %d evicted; want 500, %d", d.Tracked, d.Evicted, n-500)
			}
		}
	}
	if st.DedupOpen > cfg.Dedup.MaxKeys {
		t.Errorf("dedup: %d open windows, cap %d", st.DedupOpen, cfg.Dedup.MaxKeys)
	}
}

// TestLRU compares the LRU with an obviously correct slice-based model.
func TestLRU(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	const capacity = 8
	l := newLRU[int, int](capacity)
	var model []int // keys, most recent first
	vals := map[int]int{}
	var evicted uint64
	for step := range 20000 {
		k := rng.IntN(20)
		if v := l.get(k); v != nil {
			i := indexOf(model, k)
			if i < 0 || *v != vals[k] {
				t.Fatalf("step %d: get(%d) = %d, model has it at %d with %d", step, k, *v, i, vals[k])
			}
			model = append([]int{k}, append(model[:i:i], model[i+1:]...)...)
			continue
		}
		if indexOf(model, k) >= 0 {
			t.Fatalf("step %d: get(%d) missed a key the model holds", step, k)
		}
		*l.add(k) = step
		vals[k] = step
		model = append([]int{k}, model...)
		if len(model) > capacity {
			delete(vals, model[capacity])
			model = model[:capacity]
			evicted++
		}
		var order []int
		l.each(func(k int, _ *int) { order = append(order, k) })
		if diff := cmp.Diff(model, order); diff != "" {
			t.Fatalf("step %d: order (-model +lru):\n%s", step, diff)
		}
	}
	if l.evicted != evicted || l.len() != len(model) {
		t.Errorf("evicted %d len %d, model %d %d", l.evicted, l.len(), evicted, len(model))
	}
}

func indexOf(s []int, k int) int {
	for i, v := range s {
		if v == k {
			return i
		}
	}
	return -1
}

// TestDaily checks the baseline's day handling: gaps count as zero days.
func TestDaily(t *testing.T) {
	c := BaselineConfig{LearnDays: 3, Sigma: 3, MinBytes: 1}
	var d daily
	day := func(n int) int64 { return t0 + int64(n)*dayNS + int64(time.Hour) }
	d.add(day(0), 100, c.LearnDays)
	d.add(day(1), 100, c.LearnDays)
	if over, _ := d.over(c); over {
		t.Fatal("over while learning")
	}
	d.add(day(3), 300, c.LearnDays) // day 2 had nothing: history 100, 100, 0
	over, limit := d.over(c)
	want := 200.0/3 + 3*47.14045207910317
	if !over || limit < want-0.01 || limit > want+0.01 {
		t.Errorf("over=%v limit=%v, want true %v", over, limit, want)
	}
}

// TestConfig checks YAML decoding over the defaults and validation.
func TestConfig(t *testing.T) {
	cfg := DefaultConfig()
	if err := cfg.Validate(); err != nil {
		t.Fatalf("defaults: %v", err)
	}
	src := "dedup: {window: 30m}\nscan: {fan_out: 50}\ndisabled: [DET-FLOW-014]\nfile_servers: [10.60.0.0/24]\n"
	dec := yaml.NewDecoder(strings.NewReader(src))
	dec.KnownFields(true)
	if err := dec.Decode(&cfg); err != nil {
		t.Fatal(err)
	}
	if cfg.Dedup.Window != 30*time.Minute || cfg.Dedup.MaxKeys != 10000 || cfg.Scan.FanOut != 50 ||
		len(cfg.FileServers) != 1 || cfg.Disabled[0] != "DET-FLOW-014" {
		t.Errorf("decoded %+v", cfg)
	}
	bad := DefaultConfig()
	bad.Disabled = []string{"DET-FLOW-020"}
	bad.Dedup.Window = 0
	bad.Exfil.Baseline.LearnDays = 100
	bad.Mirror.MinDuration = 2 * time.Hour
	err := bad.Validate()
	for _, w := range []string{"detect.disabled[0]", "detect.dedup.window", "detect.exfil.baseline.learn_days", "mirror.min_duration"} {
		if err == nil || !strings.Contains(err.Error(), w) {
			t.Errorf("Validate() = %v, want it to name %s", err, w)
		}
	}
	if _, err := New(bad, nil, nil); err == nil {
		t.Error("New accepted an invalid config")
	}
}

// benchMix is traffic where nothing alerts: customer web traffic through
// the network, devices talking to their approved servers, NMS polling,
// a sensitive host's steady replies, sampled, in datagrams of 32 records
// from two exporters.
func benchMix(tb testing.TB) (*Engine, []enrich.Flow) {
	inv := &inventory.Config{
		Devices: []inventory.Device{
			{Name: "pe1", Addresses: []netip.Addr{netip.MustParseAddr("10.0.0.1")}, ListeningPorts: []uint16{22, 161}},
			{Name: "pe2", Addresses: []netip.Addr{netip.MustParseAddr("10.0.0.2")}},
		},
		ManagementNetworks: []netip.Prefix{netip.MustParsePrefix("10.100.0.0/24")},
		AAAServers:         []netip.Addr{netip.MustParseAddr("10.100.0.20")},
		NMS:                []netip.Addr{netip.MustParseAddr("10.100.0.30")},
		SensitiveHosts:     []inventory.SensitiveHost{{Name: "cdr", Prefix: netip.MustParsePrefix("10.50.0.0/24"), Kind: "cdr"}},
	}
	en, err := New(DefaultConfig(), inv, []string{"salt-typhoon"})
	if err != nil {
		tb.Fatal(err)
	}
	dev := enrich.Tags{Roles: enrich.RoleDevice, Device: 1}
	aaaT := enrich.Tags{Roles: enrich.RoleAAA | enrich.RoleManagement}
	nmsT := enrich.Tags{Roles: enrich.RoleNMS | enrich.RoleManagement}
	sens := enrich.Tags{Roles: enrich.RoleSensitive, Sensitive: 1, Special: true}
	rng := rand.New(rand.NewPCG(3, 4))
	var flows []enrich.Flow
	for i := range 1024 {
		var f enrich.Flow
		f.Exporter = netip.AddrFrom4([4]byte{10, 0, 0, byte(1 + i/32%2)}) // datagrams of 32 records
		f.SamplingRate = 1000
		f.Bytes, f.Packets = uint64(rng.IntN(1500)), 1
		f.End = t0 + int64(i)*int64(time.Millisecond)
		cust := netip.AddrFrom4([4]byte{100, 70, byte(rng.IntN(256)), byte(rng.IntN(256))})
		web := netip.AddrFrom4([4]byte{93, 184, byte(rng.IntN(256)), byte(rng.IntN(256))})
		ext := enrich.Tags{Country: [2]byte{'U', 'S'}, ASN: 64500 + uint32(rng.IntN(3))}
		switch i % 8 {
		case 0, 1, 2, 3: // customer web
			f.SrcAddr, f.DstAddr, f.SrcPort, f.DstPort, f.Proto = cust, web, uint16(32768+rng.IntN(28000)), 443, protoTCP
			f.Src, f.Dst = enrich.Tags{Special: true}, ext
		case 4: // the reply
			f.SrcAddr, f.DstAddr, f.SrcPort, f.DstPort, f.Proto = web, cust, 443, uint16(32768+rng.IntN(28000)), protoTCP
			f.Src, f.Dst = ext, enrich.Tags{Special: true}
		case 5: // TACACS+ to the approved server
			f.SrcAddr, f.DstAddr, f.SrcPort, f.DstPort, f.Proto = netip.MustParseAddr("10.0.0.1"), netip.MustParseAddr("10.100.0.20"), 40000, 49, protoTCP
			f.Src, f.Dst = dev, aaaT
		case 6: // NMS polling
			f.SrcAddr, f.DstAddr, f.SrcPort, f.DstPort, f.Proto = netip.MustParseAddr("10.100.0.30"), netip.MustParseAddr("10.0.0.1"), 40000, 161, protoUDP
			f.Src, f.Dst = nmsT, dev
		case 7: // the CDR host's web replies to a known ASN
			f.SrcAddr, f.DstAddr, f.SrcPort, f.DstPort, f.Proto = netip.MustParseAddr("10.50.0.5"), web, 443, 50000, protoTCP
			f.Src, f.Dst = sens, enrich.Tags{Country: [2]byte{'U', 'S'}, ASN: 64500}
			f.DstASN = 64500
		}
		flows = append(flows, f)
	}
	return en, flows
}

// TestEngineAllocs asserts that a flow that alerts nothing allocates
// nothing once the engine's state is warm.
func TestEngineAllocs(t *testing.T) {
	testenv.SkipIfRace(t)
	en, flows := benchMix(t)
	out := make([]alert.Alert, 0, 16)
	for i := range flows {
		if out = en.Observe(&flows[i], out[:0]); len(out) > 0 {
			t.Fatalf("flow %d alerted: %+v", i, out[0])
		}
	}
	i := 0
	allocs := testing.AllocsPerRun(10000, func() {
		out = en.Observe(&flows[i%len(flows)], out[:0])
		i++
	})
	if allocs != 0 || len(out) != 0 {
		t.Errorf("%v allocations per flow, %d alerts; want 0", allocs, len(out))
	}
}

// BenchmarkEngine is the cost per flow of running every detector over a
// mix where nothing alerts.
func BenchmarkEngine(b *testing.B) {
	en, flows := benchMix(b)
	out := make([]alert.Alert, 0, 16)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		out = en.Observe(&flows[i%len(flows)], out[:0])
		i++
	}
	if len(out) != 0 {
		b.Fatalf("alerted: %+v", out[0])
	}
}

// TestServe checks which end serve takes for the server.
func TestServe(t *testing.T) {
	ps := ports(49, 57722)
	tests := []struct {
		sport, dport uint16
		want         string // "dst", "src" or ""
	}{
		{40000, 49, "dst"},    // client to server
		{49, 40000, "src"},    // the server's reply
		{51000, 57722, "dst"}, // high service port from an ephemeral one
		{57722, 51000, "src"}, // its reply
		{443, 57722, ""},      // a web server's reply to ephemeral port 57722
		{57722, 443, ""},      // the device's own session from ephemeral 57722
		{40000, 40001, ""},    // neither port
		{49, 49, "dst"},       // both: as exported
	}
	for _, tt := range tests {
		f := enrich.Flow{Record: flow.Record{
			SrcAddr: netip.MustParseAddr("10.0.0.1"), DstAddr: netip.MustParseAddr("10.0.0.2"),
			SrcPort: tt.sport, DstPort: tt.dport, Proto: protoTCP,
		}}
		_, srv, ok := serve(&f, ps)
		got := ""
		switch {
		case ok && srv.addr == f.DstAddr:
			got = "dst"
		case ok:
			got = "src"
		}
		if got != tt.want {
			t.Errorf("%d -> %d: server %q, want %q", tt.sport, tt.dport, got, tt.want)
		}
	}
}

// TestOddSSHPorts checks DET-FLOW-007's port pattern, ^\d{3,5}22$ but
// not 22.
func TestOddSSHPorts(t *testing.T) {
	d := newStateless(newEnv(DefaultConfig(), nil, nil))[5].(*stateless)
	if d.r.ID != "DET-FLOW-007" {
		t.Fatalf("detector 5 is %s", d.r.ID)
	}
	var got []uint16
	for p := range 65536 {
		if d.tcp.has(uint16(p)) {
			got = append(got, uint16(p))
		}
	}
	if len(got) != 556 || got[0] != 10022 || got[len(got)-1] != 65522 {
		t.Errorf("%d ports from %d to %d; want 556 from 10022 to 65522", len(got), got[0], got[len(got)-1])
	}
}

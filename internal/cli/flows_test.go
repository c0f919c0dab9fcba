package cli

import (
	"encoding/json"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"

	"github.com/seawall/seawall/internal/flow"
	"github.com/seawall/seawall/internal/store"
)

const (
	sflowData   = "../flow/sflow/testdata"
	netflowData = "../flow/netflow/testdata/logstash"
)

// writeCapture wraps raw NetFlow/IPFIX payloads (the netflow testdata
// keeps bare UDP payloads) in Ethernet/IPv4/UDP frames from 192.0.2.10
// to port 2055, as a pcap or pcapng file, one second apart.
func writeCapture(t *testing.T, path string, ng bool, files ...string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	type writer interface {
		WritePacket(gopacket.CaptureInfo, []byte) error
	}
	var w writer
	if ng {
		nw, err := pcapgo.NewNgWriter(f, layers.LinkTypeEthernet)
		if err != nil {
			t.Fatal(err)
		}
		defer nw.Flush()
		w = nw
	} else {
		pw := pcapgo.NewWriter(f)
		if err := pw.WriteFileHeader(65535, layers.LinkTypeEthernet); err != nil {
			t.Fatal(err)
		}
		w = pw
	}
	at := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	for i, name := range files {
		payload, err := os.ReadFile(filepath.Join(netflowData, name))
		if err != nil {
			t.Fatal(err)
		}
		eth := &layers.Ethernet{SrcMAC: net.HardwareAddr{2, 0, 0, 0, 0, 1}, DstMAC: net.HardwareAddr{2, 0, 0, 0, 0, 2}, EthernetType: layers.EthernetTypeIPv4}
		ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolUDP, SrcIP: net.IPv4(192, 0, 2, 10), DstIP: net.IPv4(192, 0, 2, 1)}
		udp := &layers.UDP{SrcPort: 50000, DstPort: 2055}
		if err := udp.SetNetworkLayerForChecksum(ip); err != nil {
			t.Fatal(err)
		}
		buf := gopacket.NewSerializeBuffer()
		if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, eth, ip, udp, gopacket.Payload(payload)); err != nil {
			t.Fatal(err)
		}
		b := buf.Bytes()
		ci := gopacket.CaptureInfo{Timestamp: at.Add(time.Duration(i) * time.Second), CaptureLength: len(b), Length: len(b)}
		if err := w.WritePacket(ci, b); err != nil {
			t.Fatal(err)
		}
	}
}

func TestFlowsDecode(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	dir := t.TempDir()
	built := func(name string, ng bool, files ...string) string {
		p := filepath.Join(dir, name)
		writeCapture(t, p, ng, files...)
		return p
	}
	mikrotik := []string{"ipfix_test_mikrotik_tpl.dat", "ipfix_test_mikrotik_data258.dat", "ipfix_test_mikrotik_data259.dat"}
	garbage := filepath.Join(dir, "garbage.pcap")
	if err := os.WriteFile(garbage, []byte("not a capture at all"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		file      string
		wantCode  int
		golden    string   // stdout golden under testdata/flows
		wantErrIn []string // stderr substrings
	}{
		{"sflow v6 agent", filepath.Join(sflowData, "sflow-print-v6.pcap"), ExitOK, "decode_sflow_v6.golden", []string{"30::1:1:1  25         13     0"}},
		// Five of its thirty datagrams are NetFlow v5 on the sFlow port:
		// the version field, not the port, picks the decoder.
		{"mixed sflow and netflow", filepath.Join(sflowData, "sflow_multiple_counter_30_pdus.pcap"), ExitOK, "decode_mixed.golden", []string{"total          30         7      0"}},
		{"malformed sflow", filepath.Join(sflowData, "sflow_print-segv.pcap"), ExitFailure, "", []string{"frame 1 from 10.0.0.250", "sflow: truncated datagram", "10.0.0.250  1          0      1"}},
		{"netflow v5 pcap", built("v5.pcap", false, "netflow5.dat"), ExitOK, "decode_v5.golden", []string{"192.0.2.10  1          2      0"}},
		{"ipfix pcapng", built("ipfix.pcapng", true, mikrotik...), ExitOK, "decode_ipfix.golden", []string{"192.0.2.10  3"}},
		{"data before template", built("late.pcap", false, "ipfix_test_mikrotik_data258.dat", "ipfix_test_mikrotik_tpl.dat", "ipfix_test_mikrotik_data259.dat"), ExitFailure, "", []string{"frame 1 from 192.0.2.10 port 50000", "unknown template", "192.0.2.10  3"}},
		{"not flows", built("junk.pcap", false, "../SOURCES.md"), ExitFailure, "", []string{"not a NetFlow v5/v9, IPFIX or sFlow v5 datagram"}},
		{"not a capture", garbage, ExitFailure, "", []string{"garbage.pcap", "pcap"}},
		{"missing", filepath.Join(dir, "nope.pcap"), ExitFailure, "", []string{"nope.pcap", "no such file"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := e.run(t, "", "flows", "decode", tt.file)
			expectCode(t, r, tt.wantCode)
			for _, s := range tt.wantErrIn {
				if !strings.Contains(r.err, s) {
					t.Errorf("stderr does not contain %q:\n%s", s, r.err)
				}
			}
			if tt.golden != "" {
				golden(t, filepath.Join("flows", tt.golden), r.out)
			}
			// --json: one object per flow, the same flows.
			j := e.run(t, "", "flows", "decode", "--json", tt.file)
			expectCode(t, j, tt.wantCode)
			text := nonEmptyLines(r.out)
			lines := nonEmptyLines(j.out)
			if len(lines) != len(text) {
				t.Fatalf("--json printed %d lines, text %d", len(lines), len(text))
			}
			for i, l := range lines {
				var f flowJSON
				if err := json.Unmarshal([]byte(l), &f); err != nil {
					t.Fatalf("line %d: %v: %s", i+1, err, l)
				}
				if f.Time == "" || f.Exporter == "" || f.Source == "" || f.Frame == 0 {
					t.Errorf("line %d lacks time, exporter, source or frame: %s", i+1, l)
				}
				if !strings.Contains(text[i], f.Exporter) || !strings.Contains(text[i], f.Source) {
					t.Errorf("line %d: JSON %s disagrees with text %q", i+1, l, text[i])
				}
			}
		})
	}
}

// TestFlowsDecodeCounters: --counters prints one line per sFlow counter
// sample instead of flows; the values checked by hand are tshark -V's
// (frame 7 of the ProCurve capture: ifIndex 105, 6 input errors, 6 FCS
// and 4 symbol errors).
func TestFlowsDecodeCounters(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	v5 := filepath.Join(t.TempDir(), "v5.pcap")
	writeCapture(t, v5, false, "netflow5.dat")
	tests := []struct {
		name      string
		file      string
		golden    string
		lines     int
		wantErrIn string
	}{
		{"sflow v6 agent", filepath.Join(sflowData, "sflow-print-v6.pcap"), "decode_counters_v6.golden", 48, "30::1:1:1  25         13     48        0"},
		{"procurve", filepath.Join(sflowData, "sflow_multiple_counter_30_pdus.pcap"), "decode_counters_mixed.golden", 144, "total          30         7      144       0"},
		{"netflow has no counters", v5, "", 0, "192.0.2.10  1          2      0         0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := e.run(t, "", "flows", "decode", "--counters", tt.file)
			expectCode(t, r, ExitOK)
			if !strings.Contains(r.err, tt.wantErrIn) {
				t.Errorf("stderr does not contain %q:\n%s", tt.wantErrIn, r.err)
			}
			if tt.golden != "" {
				golden(t, filepath.Join("flows", tt.golden), r.out)
			}
			text := nonEmptyLines(r.out)
			if len(text) != tt.lines {
				t.Errorf("%d lines, want %d", len(text), tt.lines)
			}
			j := e.run(t, "", "flows", "decode", "--counters", "--json", tt.file)
			expectCode(t, j, ExitOK)
			lines := nonEmptyLines(j.out)
			if len(lines) != len(text) {
				t.Fatalf("--json printed %d lines, text %d", len(lines), len(text))
			}
			checked := false
			for i, l := range lines {
				var c counterSampleJSON
				if err := json.Unmarshal([]byte(l), &c); err != nil {
					t.Fatalf("line %d: %v: %s", i+1, err, l)
				}
				if c.Time == "" || c.Agent == "" || c.Frame == 0 || !strings.Contains(text[i], c.Agent) {
					t.Errorf("line %d: JSON %s disagrees with text %q", i+1, l, text[i])
				}
				if c.Frame == 7 && c.Agent == "15.184.8.4" {
					checked = true
					want := `"if_index":105,"if_type":117,"if_speed":10000000000,"if_direction":1,"if_status":3,` +
						`"in_octets":1063772406,"in_packets":3847814089,"in_ucast_packets":81120,"in_multicast_packets":174318,` +
						`"in_broadcast_packets":3847558651,"in_discards":0,"in_errors":6,`
					if !strings.Contains(l, want) || !strings.Contains(l, `"fcs_errors":6,`) || !strings.Contains(l, `"symbol_errors":4}`) {
						t.Errorf("frame 7: %s", l)
					}
				}
			}
			if tt.name == "procurve" && !checked {
				t.Error("no JSON line for frame 7")
			}
		})
	}
}

func nonEmptyLines(s string) []string {
	var out []string
	for l := range strings.SplitSeq(s, "\n") {
		if l != "" {
			out = append(out, l)
		}
	}
	return out
}

func TestFlowsDecodeUsage(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, args := range [][]string{{"flows", "decode"}, {"flows", "decode", "a", "b"}, {"flows", "dekode"}} {
		r := e.run(t, "", args...)
		expectCode(t, r, ExitUsage)
	}
}

// seedStore writes a store into the env's data directory as the daemon
// would.
func seedStore(t *testing.T, e *env, fill func(*store.Store)) {
	t.Helper()
	s, err := store.Open(t.Context(), store.Path(e.dataDir), store.Config{})
	if err != nil {
		t.Fatal(err)
	}
	fill(s)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestFlowsTop(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.run(t, "", "flows", "top")
	expectCode(t, r, ExitFailure)
	want := "seawall: no flow store yet at " + store.Path(e.dataDir) + "; run seawall serve\n"
	if r.err != want {
		t.Errorf("stderr %q, want %q", r.err, want)
	}

	now := time.Now().Unix()
	exp := netip.MustParseAddr("192.0.2.1")
	seedStore(t, e, func(s *store.Store) {
		s.AddFlow(store.MinuteKey{Minute: now, Exporter: exp, Direction: flow.DirIngress, SrcCountry: "CN", DstCountry: "US", SrcASN: 4134, DstASN: 7018, Proto: 6, Port: 22},
			store.Counters{Bytes: 2_500_000, Packets: 3000, Flows: 12})
		s.AddFlow(store.MinuteKey{Minute: now - 60, Exporter: exp, SrcCountry: "US", DstCountry: "DE", SrcASN: 7018, DstASN: 3320, Proto: 17, Port: 53},
			store.Counters{Bytes: 900, Packets: 9, Flows: 3})
		s.AddFlow(store.MinuteKey{Minute: now - 7200, Exporter: exp, SrcCountry: "KP", DstCountry: "US", DstASN: 7018, Proto: 6, Port: 443},
			store.Counters{Bytes: 1 << 40, Packets: 1, Flows: 1})
	})
	tests := []struct {
		args []string
		want string
	}{
		{nil, "" +
			"country   bytes  packets  flows\n" +
			"US       2.5 MB    3,009     15\n" +
			"CN       2.5 MB    3,000     12\n" +
			"DE        900 B        9      3\n"},
		{[]string{"--by", "port", "-n", "1"}, "" +
			"port     bytes  packets  flows\n" +
			"tcp/22  2.5 MB    3,000     12\n"},
		{[]string{"--by", "asn", "--since", "3h"}, "" +
			"asn      bytes  packets  flows\n" +
			"AS7018  1.1 TB    3,010     16\n" +
			"AS4134  2.5 MB    3,000     12\n" +
			"AS3320   900 B        9      3\n"},
		{[]string{"--by", "exporter", "--since", "1d"}, "" +
			"exporter    bytes  packets  flows\n" +
			"192.0.2.1  1.1 TB    3,010     16\n"},
	}
	for _, tt := range tests {
		r := e.run(t, "", append([]string{"flows", "top"}, tt.args...)...)
		expectCode(t, r, ExitOK)
		if r.out != tt.want {
			t.Errorf("flows top %v:\n%s\nwant:\n%s", tt.args, r.out, tt.want)
		}
	}
	r = e.run(t, "", "flows", "top", "--by", "proto", "--json")
	expectCode(t, r, ExitOK)
	var got struct {
		By   string
		Rows []store.TopRow
	}
	if err := json.Unmarshal([]byte(r.out), &got); err != nil {
		t.Fatal(err)
	}
	if got.By != "proto" || len(got.Rows) != 2 || got.Rows[0].Key != "tcp" || got.Rows[0].Bytes != 2_500_000 {
		t.Errorf("--json: %s", r.out)
	}
	for _, bad := range [][]string{{"--by", "colour"}, {"--since", "yesterday"}, {"-n", "0"}, {"extra"}} {
		r := e.run(t, "", append([]string{"flows", "top"}, bad...)...)
		expectCode(t, r, ExitUsage)
	}
}

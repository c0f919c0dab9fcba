// Package e2e drives `seawall serve` from real flow exporters and real
// collectors, as a carrier's network would: softflowd and pmacctd read a
// pcap the test builds with known traffic and export NetFlow v5, v9,
// IPFIX or sFlow; a reference collector (nfdump's nfcapd, pmacct's
// sfacctd) receives it and repeats every datagram to seawall. Seawall's
// totals must equal the collector's, the collector must have seen the
// pcap's sessions, and the expected alerts must be raised.
//
// Everything stays on 127.0.0.1: the pcap's addresses only exist inside
// the file, and every socket is a loopback one.
package e2e

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/seawall/seawall/internal/alert"
	"github.com/seawall/seawall/internal/daemon"
	"github.com/seawall/seawall/internal/ingest"
	"github.com/seawall/seawall/internal/testenv"
)

// totals are what a collector (or seawall) counted: records, packets and
// bytes.
type totals struct {
	Flows, Packets, Bytes uint64
}

// flowKey is one direction of a conversation.
type flowKey struct {
	Src, Dst         netip.Addr
	SrcPort, DstPort uint16
	Proto            uint8
}

// collected is what the reference collector recorded: its totals and,
// per direction, packets and bytes.
type collected struct {
	totals
	byKey map[flowKey]totals
}

func (c *collected) add(k flowKey, v totals) {
	if c.byKey == nil {
		c.byKey = map[flowKey]totals{}
	}
	x := c.byKey[k]
	x.Flows += v.Flows
	x.Packets += v.Packets
	x.Bytes += v.Bytes
	c.byKey[k] = x
	c.Flows += v.Flows
	c.Packets += v.Packets
	c.Bytes += v.Bytes
}

// exporterMode is one exporter configuration and the collector in front
// of seawall.
type exporterMode struct {
	name  string
	tools []string
	// proto is the seawall listener the datagrams reach.
	proto string
	// bytes is how this exporter counts a direction's bytes; see dir.
	bytes func(dir) uint64
	// tailLoss says the exporter may lose the end of the pcap; see
	// pmacctSFlow.
	tailLoss bool
	// run exports the pcap through the collector to seawall and returns
	// what the collector recorded once it has all of it.
	run func(t *testing.T, s *server, pcap string) collected
}

var modes = []exporterMode{
	// softflowd counts a packet's length past the link header, not the
	// IP total length: the 6 bytes of padding of every 54-byte frame (a
	// TCP segment without payload) are counted, so its bytes are the
	// pcap's IP bytes plus 6 per such segment.
	{name: "softflowd-v5", tools: []string{"softflowd", "nfcapd", "nfdump"}, proto: "netflow", bytes: dir.L2Payload,
		run: func(t *testing.T, s *server, pcap string) collected { return softflowd(t, s, pcap, "5") }},
	{name: "softflowd-v9", tools: []string{"softflowd", "nfcapd", "nfdump"}, proto: "netflow", bytes: dir.L2Payload,
		run: func(t *testing.T, s *server, pcap string) collected { return softflowd(t, s, pcap, "9") }},
	{name: "softflowd-ipfix", tools: []string{"softflowd", "nfcapd", "nfdump"}, proto: "netflow", bytes: dir.L2Payload,
		run: func(t *testing.T, s *server, pcap string) collected { return softflowd(t, s, pcap, "10") }},
	// pmacctd's nfprobe counts the IP total length, as NetFlow defines
	// octets: its bytes are the pcap's IP bytes exactly.
	{name: "pmacctd-ipfix", tools: []string{"pmacctd", "nfcapd", "nfdump"}, proto: "netflow", bytes: func(d dir) uint64 { return d.Bytes },
		run: pmacctIPFIX},
	// sFlow samples whole frames: a flow sample's frame length is the
	// Ethernet frame with its padding, and pmacctd's sfprobe adds the 4
	// bytes of the FCS a NIC would have stripped; sfacctd counts that.
	{name: "pmacctd-sflow", tools: []string{"pmacctd", "sfacctd"}, proto: "sflow", bytes: func(d dir) uint64 { return d.Frames + 4*d.Packets },
		tailLoss: true, run: pmacctSFlow},
}

// TestExporters exports the same pcap with each exporter through its
// collector to a seawall serve of its own, then compares seawall's
// status, store and alerts with the collector's records.
func TestExporters(t *testing.T) {
	t.Parallel()
	// No root needed: the exporters read a savefile, and every socket is
	// an unprivileged UDP port on 127.0.0.1.
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			t.Parallel()
			testenv.RequireTool(t, m.tools...)
			began := time.Now()
			s := startServe(t)
			// The packets are stamped a little in the past, so the flows
			// land in the store's recent minutes whatever the exporter
			// does with times.
			pcapStart := time.Now().Add(-20 * time.Second).Truncate(time.Second)
			pcap := filepath.Join(t.TempDir(), "traffic.pcap")
			writePcap(t, pcap, pcapStart, sessions)

			got := m.run(t, s, pcap)
			t.Logf("collector: %d flows, %d packets, %d bytes", got.Flows, got.Packets, got.Bytes)
			checkSessions(t, m, got)

			// 1. The collector's flow count against serve status, live:
			// polled through the control socket until it is there, then
			// read as an operator would, with the CLI.
			waitExporter(t, s, m.proto, got.Flows)
			st, err := s.status()
			if err != nil {
				t.Fatal(err)
			}
			checkStatus(t, st, m.proto, got.Flows)

			// 2. Bytes and packets from the store, after a clean stop
			// (which flushes it).
			s.stop(t)
			rows := s.topByExporter(t, pcapStart.Add(-time.Hour))
			var row *totals
			for _, r := range rows {
				if r.Key == "127.0.0.1" {
					row = &totals{Flows: r.Flows, Packets: r.Packets, Bytes: r.Bytes}
				}
			}
			if row == nil {
				t.Errorf("flows top --by exporter: no row for 127.0.0.1 (the collector's repeater); rows: %+v", rows)
			} else if *row != got.totals {
				t.Errorf("flows top --by exporter 127.0.0.1: seawall stored %+v, the collector recorded %+v", *row, got.totals)
			}
			if len(rows) != 1 {
				t.Errorf("flows top --by exporter: %d rows, want the repeater's alone: %+v", len(rows), rows)
			}

			// 3. The alerts, from the store and from the alert file.
			// Alerts carry the flows' times: the pcap's for NetFlow and
			// IPFIX, which the exporters take from the packets (to the
			// second for v9, whose header has the export time in whole
			// seconds); the time seawall received them for sFlow, which
			// has no flow times.
			lo, hi := pcapStart.Add(-time.Second), pcapStart.Add(time.Second)
			if m.proto == "sflow" {
				lo, hi = began, time.Now()
			}
			checkAlerts(t, "alerts list", s.alerts(t), lo, hi)
			checkAlerts(t, daemon.AlertFileName, s.alertFile(t), lo, hi)
			t.Logf("%s: %s from serve start to checked", m.name, time.Since(began).Round(time.Millisecond))
		})
	}
}

// checkSessions checks the collector against the pcap: every direction
// of every session with the exporter's packet and byte counts.
func checkSessions(t *testing.T, m exporterMode, got collected) {
	t.Helper()
	seen := 0
	for i, s := range sessions {
		last := i == len(sessions)-1
		for _, d := range s.dirs() {
			k := flowKey{d.Src, d.Dst, d.SrcPort, d.DstPort, d.Proto}
			g, ok := got.byKey[k]
			seen++
			// One record per direction: NetFlow exporters expire each
			// session whole at the end of the file (no timeout splits
			// it); sFlow has one sample per packet.
			want := totals{Flows: 1, Packets: d.Packets, Bytes: m.bytes(d)}
			if m.proto == "sflow" {
				want.Flows = d.Packets
			}
			switch {
			case g == want:
			case m.tailLoss && last && ok && g.Packets < want.Packets:
				t.Logf("%s %s -> %s: the collector has %d of %d packets (the exporter's tail loss)", s.Name, d.Src, d.Dst, g.Packets, want.Packets)
			case !ok:
				t.Errorf("%s %s:%d -> %s:%d: the collector has no record of it", s.Name, d.Src, d.SrcPort, d.Dst, d.DstPort)
			default:
				t.Errorf("%s %s:%d -> %s:%d: the collector has %d records, %d packets, %d bytes; the pcap holds %d packets, %d bytes as %s counts them, in %d records",
					s.Name, d.Src, d.SrcPort, d.Dst, d.DstPort, g.Flows, g.Packets, g.Bytes, want.Packets, want.Bytes, m.name, want.Flows)
			}
		}
	}
	if len(got.byKey) != seen {
		t.Errorf("the collector has %d directions, the pcap %d: %+v", len(got.byKey), seen, got.byKey)
	}
}

// waitExporter polls serve's status until the repeater's exporter has
// counted want flows and the pipeline has taken them in. Seawall receives every datagram the collector
// does, as it arrives, so this is a short wait.
func waitExporter(t *testing.T, s *server, proto string, want uint64) {
	t.Helper()
	var last daemon.Status
	err := poll(10*time.Second, 100*time.Millisecond, func() error {
		st, err := s.poll()
		if err != nil {
			return err
		}
		last = st
		if e := exporter(st, proto); e == nil || e.Flows != want {
			return fmt.Errorf("no %s exporter %s with %d flows", proto, repeater, want)
		}
		// The pipeline takes the records in a goroutine of its own.
		if st.Pipeline == nil || st.Pipeline.Enriched < want {
			return fmt.Errorf("the pipeline has not enriched %d flows yet", want)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("serve status: %v; the collector recorded %d flows; flows: %+v", err, want, last.Flows)
	}
}

// repeater is the address the collectors repeat datagrams from, so the
// one exporter seawall sees.
var repeater = netip.MustParseAddr("127.0.0.1")

// exporter finds the repeater among the status's exporters.
func exporter(st daemon.Status, proto string) *ingest.ExporterStatus {
	if st.Flows == nil {
		return nil
	}
	for i, e := range st.Flows.Exporters {
		if e.Protocol == proto && e.Address == repeater {
			return &st.Flows.Exporters[i]
		}
	}
	return nil
}

// waitDatagrams waits until seawall's proto listener has received want
// datagrams, or, when want is 0 (not known), some datagrams and then no
// more for half a second.
func waitDatagrams(t *testing.T, s *server, proto string, want uint64) {
	t.Helper()
	var last uint64
	var since time.Time
	err := poll(10*time.Second, 100*time.Millisecond, func() error {
		st, err := s.poll()
		if err != nil {
			return err
		}
		var n uint64
		if st.Flows != nil {
			for _, l := range st.Flows.Listeners {
				if l.Protocol == proto {
					n = l.Datagrams
				}
			}
		}
		if want != 0 {
			if n != want {
				return fmt.Errorf("%d datagrams of %d", n, want)
			}
			return nil
		}
		if n != last || n == 0 {
			last, since = n, time.Now()
			return fmt.Errorf("%d datagrams, still coming", n)
		}
		if time.Since(since) < 500*time.Millisecond {
			return fmt.Errorf("%d datagrams, waiting for more", n)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("seawall's %s listener: %v", proto, err)
	}
}

// checkStatus checks serve status (from the CLI) against the
// collector: the repeater alone, with the collector's flow count and no
// decode errors; nothing lost on the way in (kernel drops, batches the
// pipeline dropped when behind); every flow through the pipeline.
func checkStatus(t *testing.T, st daemon.Status, proto string, flows uint64) {
	t.Helper()
	if st.Flows == nil || st.Pipeline == nil {
		t.Fatalf("serve status has no flows or no pipeline: %+v", st)
	}
	e := exporter(st, proto)
	switch {
	case e == nil:
		t.Errorf("serve status: no %s exporter %s: %+v", proto, repeater, st.Flows.Exporters)
	case e.Flows != flows || e.Errors != 0:
		t.Errorf("serve status: exporter %s: %d flows, %d errors; the collector recorded %d flows", repeater, e.Flows, e.Errors, flows)
	}
	if n := len(st.Flows.Exporters); n != 1 {
		t.Errorf("serve status: %d exporters, want the collector's repeater alone: %+v", n, st.Flows.Exporters)
	}
	for _, l := range st.Flows.Listeners {
		if l.KernelDrops != 0 || l.Errors != 0 {
			t.Errorf("serve status: %s listener: %d kernel drops, %d errors", l.Protocol, l.KernelDrops, l.Errors)
		}
		if l.Protocol != proto && l.Datagrams != 0 {
			t.Errorf("serve status: %s listener got %d datagrams; only %s was sent", l.Protocol, l.Datagrams, proto)
		}
	}
	if st.Flows.Handled != flows {
		t.Errorf("serve status: %d records handled, the collector recorded %d", st.Flows.Handled, flows)
	}
	if p := st.Pipeline; p.DroppedBatches != 0 || p.Enriched != flows {
		t.Errorf("serve status: the pipeline enriched %d flows and dropped %d batches; the collector recorded %d flows", p.Enriched, p.DroppedBatches, flows)
	}
}

// checkAlerts looks for the two alerts the pcap is built to raise, timed
// within [lo, hi], and checks that neither the approved AAA server nor
// the benign sessions raised any.
func checkAlerts(t *testing.T, from string, as []alert.Alert, lo, hi time.Time) {
	t.Helper()
	var tacacs, blocked bool
	for _, a := range as {
		switch {
		case a.Rule == "DET-FLOW-001" && a.Dst == aaaServer:
			t.Errorf("%s: DET-FLOW-001 for the approved AAA server %s: %+v", from, aaaServer, a)
		case a.Rule == "DET-FLOW-001" && a.Src == deviceLoopback && a.Dst == rogueTACACS && a.DstPort == 49:
			tacacs = true
		case a.Rule == "DET-FLOW-016" && (a.Src == blockedHost || a.Dst == blockedHost):
			blocked = true
		default:
			continue
		}
		if first := time.Unix(0, a.First); first.Before(lo) || first.After(hi) {
			t.Errorf("%s: %s at %s, outside %s to %s", from, a.Rule, first.UTC(), lo.UTC(), hi.UTC())
		}
	}
	// Benign traffic raises nothing.
	benign := map[netip.Addr]bool{}
	for _, s := range sessions {
		if strings.HasPrefix(s.Name, "benign") {
			benign[s.Src], benign[s.Dst] = true, true
		}
	}
	for _, a := range as {
		if benign[a.Src] || benign[a.Dst] {
			t.Errorf("%s: an alert for benign traffic: %s", from, summary([]alert.Alert{a}))
		}
	}
	if !tacacs {
		t.Errorf("%s: no DET-FLOW-001 for %s -> %s:49 (TACACS+ to an unapproved server); alerts: %s", from, deviceLoopback, rogueTACACS, summary(as))
	}
	if !blocked {
		t.Errorf("%s: no DET-FLOW-016 for %s (CN, blocked); alerts: %s", from, blockedHost, summary(as))
	}
}

func summary(as []alert.Alert) string {
	var b strings.Builder
	for _, a := range as {
		fmt.Fprintf(&b, "\n  %s %s %s:%d -> %s:%d %q", a.Rule, a.Severity, a.Src, a.SrcPort, a.Dst, a.DstPort, a.Message)
	}
	if b.Len() == 0 {
		return "none"
	}
	return b.String()
}

// nfcapd starts nfdump's collector on a free port, writing to a
// directory and repeating every datagram to seawall's NetFlow listener.
func nfcapd(t *testing.T, s *server) (p *proc, port int, dir string) {
	t.Helper()
	work := t.TempDir()
	dir = filepath.Join(work, "flows")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	port = freeUDPPort(t)
	p = start(t, work, "nfcapd", "-b", "127.0.0.1", "-p", strconv.Itoa(port), "-w", dir,
		"-R", fmt.Sprintf("%s/%d", s.netflow.Addr(), s.netflow.Port()))
	p.waitLog(t, "Startup nfcapd", 5*time.Second)
	return p, port, dir
}

// closeNfcapd stops nfcapd, which closes its file (SIGTERM is its clean
// stop), and reads what it recorded. nfcapd drops what is still in its
// socket buffer when SIGTERM comes, so it is stopped only once seawall
// has had every datagram from it: want when the exporter said how many
// it sent, else as many as arrive until none has for a while. (At the
// stop nfcapd logs "ERROR: sendto(): Message too long": an interrupted
// read repeated to seawall with a bogus length, which the kernel
// refuses; nothing reaches seawall.)
func closeNfcapd(t *testing.T, s *server, p *proc, dir string, want uint64) collected {
	t.Helper()
	waitDatagrams(t, s, "netflow", want)
	if err := p.stop(syscall.SIGTERM, 5*time.Second); err != nil {
		t.Fatalf("nfcapd: %v: %s", err, p.tail(2000))
	}
	return nfdumpRead(t, dir)
}

// nfdumpRead reads every file in dir with nfdump's CSV output, summing
// the records per direction, and checks the sum against nfdump's own
// summary line.
func nfdumpRead(t *testing.T, dir string) collected {
	t.Helper()
	out, err := exec.Command("nfdump", "-R", dir, "-o", "csv").Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			err = fmt.Errorf("%w: %s", err, ee.Stderr)
		}
		t.Fatalf("nfdump -R %s: %v", dir, err)
	}
	recs, summ := splitNfdumpCSV(out)
	var c collected
	r := csv.NewReader(bytes.NewReader(recs))
	r.FieldsPerRecord = -1
	header, err := r.Read()
	if err != nil {
		t.Fatalf("nfdump csv: %v: %s", err, out)
	}
	col := map[string]int{}
	for i, h := range header {
		col[h] = i
	}
	for _, name := range []string{"sa", "da", "sp", "dp", "pr", "ipkt", "ibyt"} {
		if _, ok := col[name]; !ok {
			t.Fatalf("nfdump csv has no %q column: %s", name, header)
		}
	}
	for {
		f, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("nfdump csv: %v", err)
		}
		if len(f) != len(header) {
			t.Fatalf("nfdump csv: record %q has %d fields, the header %d:\n%s", f, len(f), len(header), out)
		}
		k, v, err := nfdumpRecord(f, col)
		if err != nil {
			t.Fatalf("nfdump csv record %q: %v", f, err)
		}
		c.add(k, v)
	}
	if summ != nil && *summ != c.totals {
		t.Errorf("nfdump's summary says %+v, its records add up to %+v", *summ, c.totals)
	}
	return c
}

// splitNfdumpCSV separates the records of nfdump -o csv from the summary
// it appends ("Summary", then a header and a line of totals). nfdump 1.7
// prints the summary even with -q; older versions may not.
func splitNfdumpCSV(out []byte) (recs []byte, summ *totals) {
	i := bytes.Index(out, []byte("\nSummary\n"))
	if i < 0 {
		return out, nil
	}
	recs = out[:i+1]
	lines := strings.Split(strings.TrimSpace(string(out[i+len("\nSummary\n"):])), "\n")
	if len(lines) < 2 {
		return recs, nil
	}
	names, vals := strings.Split(lines[0], ","), strings.Split(lines[1], ",")
	var s totals
	for i, n := range names {
		if i >= len(vals) {
			break
		}
		v, _ := strconv.ParseUint(strings.TrimSpace(vals[i]), 10, 64)
		switch strings.TrimSpace(n) {
		case "flows":
			s.Flows = v
		case "packets":
			s.Packets = v
		case "bytes":
			s.Bytes = v
		}
	}
	return recs, &s
}

func nfdumpRecord(f []string, col map[string]int) (flowKey, totals, error) {
	get := func(n string) string { return strings.TrimSpace(f[col[n]]) }
	var k flowKey
	var v totals
	var err error
	if k.Src, err = netip.ParseAddr(get("sa")); err != nil {
		return k, v, err
	}
	if k.Dst, err = netip.ParseAddr(get("da")); err != nil {
		return k, v, err
	}
	sp, err1 := strconv.ParseUint(get("sp"), 10, 16)
	dp, err2 := strconv.ParseUint(get("dp"), 10, 16)
	pk, err3 := strconv.ParseUint(get("ipkt"), 10, 64)
	by, err4 := strconv.ParseUint(get("ibyt"), 10, 64)
	if err := errors.Join(err1, err2, err3, err4); err != nil {
		return k, v, err
	}
	k.SrcPort, k.DstPort = uint16(sp), uint16(dp)
	switch get("pr") {
	case "TCP":
		k.Proto = 6
	case "UDP":
		k.Proto = 17
	default:
		return k, v, fmt.Errorf("protocol %q", get("pr"))
	}
	return k, totals{Flows: 1, Packets: pk, Bytes: by}, nil
}

// softflowd exports the pcap with softflowd -v version to nfcapd, which
// repeats it to seawall. softflowd -r reads the file, expires every flow
// at its end (reason "flushed") and exits, so no timeout needs
// shortening: each TCP session is one bidirectional flow, exported as two
// records. -a takes the flows' times from the pcap's timestamps; without
// it softflowd's uptime-relative v5/v9 times come out 49.7 days (2^32
// ms) in the future when the packets predate softflowd's start. Its
// IPFIX records end a little before they start (nfdump shows a duration
// of 2^64 ms less a few); the end is right, and it is what seawall keys
// the store's minutes and detection's clock on.
func softflowd(t *testing.T, s *server, pcap, version string) collected {
	t.Helper()
	col, port, dir := nfcapd(t, s)
	sf := start(t, t.TempDir(), "softflowd", "-r", pcap, "-n", fmt.Sprintf("127.0.0.1:%d", port), "-v", version, "-d", "-a")
	if err := sf.wait(10 * time.Second); err != nil {
		t.Fatalf("softflowd: %v: %s", err, sf.tail(2000))
	}
	// "Flows exported: 6 (12 records) in 1 packets (0 failures)"
	m := regexp.MustCompile(`Flows exported: \d+ \(\d+ records\) in (\d+) packets \(0 failures\)`).FindStringSubmatch(sf.output())
	if m == nil {
		t.Fatalf("softflowd did not say it exported its flows without failures: %s", sf.tail(2000))
	}
	n, _ := strconv.ParseUint(m[1], 10, 64)
	return closeNfcapd(t, s, col, dir, n)
}

// pmacctd runs pmacctd over the pcap with the given configuration lines
// (the savefile is added) until it exits at the end of the file. pmacctd
// sleeps 2 s before reading a savefile, for its plugins to start.
func pmacctd(t *testing.T, pcap string, conf ...string) {
	t.Helper()
	work := t.TempDir()
	path := filepath.Join(work, "pmacctd.conf")
	conf = append([]string{"daemonize: false", "pcap_savefile: " + pcap}, conf...)
	if err := os.WriteFile(path, []byte(strings.Join(conf, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	p := start(t, work, "pmacctd", "-f", path)
	err := p.wait(20 * time.Second)
	// At the end of the savefile the core tells its plugin to stop and
	// waits for it; when the plugin is gone before the core looks, the
	// core logs "connection lost ... no more plugins active" and exits 1.
	// The plugin has exported everything by then (its "Shutting down on
	// user request" path flushes), which the session checks confirm, so
	// that exit is the race it is and not a failure.
	var ee *exec.ExitError
	if errors.As(err, &ee) && ee.ExitCode() == 1 && strings.Contains(p.output(), "no more plugins active. Shutting down.") {
		t.Logf("pmacctd exited 1: its plugin stopped before the core looked (a pmacctd shutdown race)")
		err = nil
	}
	if err != nil {
		t.Fatalf("pmacctd: %v: %s", err, p.tail(3000))
	}
	if out := p.output(); strings.Contains(out, "ERROR") || strings.Contains(out, "Unknown key") {
		t.Fatalf("pmacctd complained: %s", p.tail(3000))
	}
}

// pmacctIPFIX exports the pcap with pmacctd's nfprobe plugin as IPFIX to
// nfcapd, which repeats it to seawall. The flows are keyed on the
// 5-tuple and ToS and expired when pmacctd exits at the end of the file:
// one record per direction of each session, as softflowd.
func pmacctIPFIX(t *testing.T, s *server, pcap string) collected {
	t.Helper()
	col, port, dir := nfcapd(t, s)
	pmacctd(t, pcap,
		"plugins: nfprobe",
		fmt.Sprintf("nfprobe_receiver: 127.0.0.1:%d", port),
		"nfprobe_version: 10",
		"aggregate: src_host, dst_host, src_port, dst_port, proto, tos")
	return closeNfcapd(t, s, col, dir, 0)
}

// pmacctSFlow exports the pcap with pmacctd's sfprobe plugin (sampling
// 1 in 1) to an sfacctd whose tee plugin repeats every datagram to
// seawall and to a second sfacctd whose print plugin counts them: pmacct
// will not run tee beside a data plugin in one daemon.
//
// With sampling 1 every packet is a flow sample, and a sample is one
// record in seawall and one packet in sfacctd, so the collector's flows
// are its packets. The probe does not send its last, partly filled
// datagram when pmacctd exits at the end of the savefile: the last few
// samples (4 or 5 of the 106 packets in our runs, all of the last
// session) never leave it. That is why seawall is compared with the
// collector, not with the pcap.
// (pcap_savefile_wait keeps pmacctd alive instead, but on SIGTERM it
// then sends some samples again: more packets than the pcap holds.)
func pmacctSFlow(t *testing.T, s *server, pcap string) collected {
	t.Helper()
	work := t.TempDir()
	teePort, printPort := freeUDPPort(t), freeUDPPort(t)
	for printPort == teePort {
		printPort = freeUDPPort(t)
	}
	csvPath := filepath.Join(work, "print.csv")
	printer := sfacctd(t, work, "print", printPort,
		"plugins: print[p]",
		"aggregate[p]: src_host, dst_host, src_port, dst_port, proto",
		"print_output[p]: csv",
		"print_output_file[p]: "+csvPath,
		// Each purge appends what arrived since the last one.
		"print_output_file_append[p]: true",
		"print_refresh_time[p]: 1")
	printer.waitLog(t, "cache entries=", 5*time.Second)
	receivers := filepath.Join(work, "receivers.lst")
	lst := fmt.Sprintf("id=1\tip=%s\nid=2\tip=127.0.0.1:%d\n", s.sflow, printPort)
	if err := os.WriteFile(receivers, []byte(lst), 0o600); err != nil {
		t.Fatal(err)
	}
	tee := sfacctd(t, work, "tee", teePort, "plugins: tee[t]", "tee_receivers[t]: "+receivers)
	tee.waitLog(t, "map successfully (re)loaded", 5*time.Second)

	pmacctd(t, pcap,
		"plugins: sfprobe",
		fmt.Sprintf("sfprobe_receiver: 127.0.0.1:%d", teePort),
		"sfprobe_agentip: 127.0.0.1",
		"sampling_rate: 1")

	// pmacctd has sent all it will; the printer writes within a second.
	// Wait until its file and seawall agree, then once more after another
	// purge, so that a late write would show.
	var c collected
	read := func() error {
		var err error
		if c, err = readPrintCSV(csvPath); err != nil {
			return err
		}
		st, err := s.poll()
		if err != nil {
			return err
		}
		var n uint64
		if e := exporter(st, "sflow"); e != nil {
			n = e.Flows
		}
		if n == 0 || c.Packets != n {
			return fmt.Errorf("sfacctd printed %d samples, seawall counted %d", c.Packets, n)
		}
		return nil
	}
	if err := poll(10*time.Second, 250*time.Millisecond, read); err != nil {
		t.Fatalf("%v\nsfacctd print: %s\nsfacctd tee: %s", err, printer.tail(1000), tee.tail(1000))
	}
	time.Sleep(1200 * time.Millisecond)
	if err := read(); err != nil {
		t.Fatalf("after another purge: %v", err)
	}
	c.Flows = c.Packets
	for k, v := range c.byKey {
		v.Flows = v.Packets
		c.byKey[k] = v
	}
	return c
}

// sfacctd starts pmacct's sFlow collector on 127.0.0.1:port with the
// given plugin configuration.
func sfacctd(t *testing.T, work, name string, port int, conf ...string) *proc {
	t.Helper()
	path := filepath.Join(work, "sfacctd-"+name+".conf")
	conf = append([]string{"daemonize: false", "sfacctd_ip: 127.0.0.1", fmt.Sprintf("sfacctd_port: %d", port)}, conf...)
	if err := os.WriteFile(path, []byte(strings.Join(conf, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	p := start(t, work, "sfacctd", "-f", path)
	// sfacctd 1.7.7 ignores SIGTERM and SIGINT while it waits for
	// datagrams; what it collected has been read from the print file by
	// the time the cleanup stops it, so it is killed at once.
	p.grace = 100 * time.Millisecond
	p.waitLog(t, "waiting for sFlow data on", 5*time.Second)
	return p
}

// readPrintCSV sums the rows sfacctd's print plugin appended: one block
// per purge, each with its header.
func readPrintCSV(path string) (collected, error) {
	var c collected
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return c, nil
	}
	if err != nil {
		return c, err
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		f := strings.Split(strings.TrimSpace(line), ",")
		if len(f) != 7 || f[0] == "SRC_IP" {
			continue // a header, a blank line, or a line being written
		}
		src, err1 := netip.ParseAddr(f[0])
		dst, err2 := netip.ParseAddr(f[1])
		sp, err3 := strconv.ParseUint(f[2], 10, 16)
		dp, err4 := strconv.ParseUint(f[3], 10, 16)
		pk, err5 := strconv.ParseUint(f[5], 10, 64)
		by, err6 := strconv.ParseUint(f[6], 10, 64)
		if err := errors.Join(err1, err2, err3, err4, err5, err6); err != nil {
			return c, fmt.Errorf("%s: line %q: %w", path, line, err)
		}
		proto := map[string]uint8{"tcp": 6, "udp": 17}[f[4]]
		if proto == 0 {
			return c, fmt.Errorf("%s: line %q: protocol %q", path, line, f[4])
		}
		c.add(flowKey{src, dst, uint16(sp), uint16(dp), proto}, totals{Packets: pk, Bytes: by})
	}
	return c, nil
}

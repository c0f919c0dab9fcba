package alert

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/seawall/seawall/internal/severity"
)

// message is a parsed RFC 5424 message.
type message struct {
	Pri                                     int
	Timestamp, Hostname, App, ProcID, MsgID string
	SD                                      map[string]map[string]string
	Msg                                     string
}

// parse5424 is a strict reader of the RFC 5424 grammar, enough to prove
// that what the sink writes is what a receiver reads.
func parse5424(t *testing.T, b string) message {
	t.Helper()
	var m message
	if !strings.HasPrefix(b, "<") {
		t.Fatalf("no PRI: %q", b)
	}
	end := strings.IndexByte(b, '>')
	pri, err := strconv.Atoi(b[1:end])
	if err != nil || end > 4 {
		t.Fatalf("bad PRI in %q", b)
	}
	m.Pri = pri
	rest := b[end+1:]
	fields := strings.SplitN(rest, " ", 7)
	if len(fields) < 7 || fields[0] != "1" {
		t.Fatalf("bad header: %q", b)
	}
	m.Timestamp, m.Hostname, m.App, m.ProcID, m.MsgID = fields[1], fields[2], fields[3], fields[4], fields[5]
	if m.Timestamp != "-" {
		if _, err := time.Parse(time.RFC3339Nano, m.Timestamp); err != nil {
			t.Fatalf("bad TIMESTAMP %q: %v", m.Timestamp, err)
		}
	}
	rest = fields[6]
	m.SD = map[string]map[string]string{}
	if strings.HasPrefix(rest, "-") {
		rest = rest[1:]
	} else {
		for strings.HasPrefix(rest, "[") {
			rest = rest[1:]
			i := strings.IndexAny(rest, " ]")
			id := rest[:i]
			params := map[string]string{}
			rest = rest[i:]
			for strings.HasPrefix(rest, " ") {
				eq := strings.IndexByte(rest, '=')
				name := rest[1:eq]
				if !validSDName(name) || rest[eq+1] != '"' {
					t.Fatalf("bad SD-PARAM at %q", rest)
				}
				rest = rest[eq+2:]
				var v strings.Builder
				for {
					c := rest[0]
					rest = rest[1:]
					if c == '\\' && (rest[0] == '"' || rest[0] == '\\' || rest[0] == ']') {
						v.WriteByte(rest[0])
						rest = rest[1:]
						continue
					}
					if c == '"' {
						break
					}
					if c == ']' {
						t.Fatalf("unescaped ] in SD-PARAM value")
					}
					v.WriteByte(c)
				}
				params[name] = v.String()
			}
			if !strings.HasPrefix(rest, "]") {
				t.Fatalf("SD-ELEMENT not closed at %q", rest)
			}
			rest = rest[1:]
			m.SD[id] = params
		}
	}
	if rest != "" {
		if rest[0] != ' ' {
			t.Fatalf("no space before MSG: %q", rest)
		}
		m.Msg = strings.TrimPrefix(rest[1:], "\ufeff")
	}
	return m
}

var t0 = time.Date(2025, 3, 4, 5, 6, 7, 891234567, time.UTC)

func testAlert(i int) Alert {
	return Alert{
		Rule: "DET-FLOW-001", Title: "Traffic to a blocked country", Severity: severity.High,
		Technique: []string{"T1071", "T1572"},
		First:     t0.UnixNano(), Last: t0.Add(time.Duration(i) * time.Second).UnixNano(), Count: 3 + i,
		Key:      fmt.Sprintf("10.0.0.%d>CN", i),
		Message:  `host 10.0.0.1 sent 12 MB to "CN" [AS4134]`,
		Exporter: netip.MustParseAddr("192.0.2.1"), Src: netip.MustParseAddr("10.0.0.1"), Dst: netip.MustParseAddr("2001:db8::5"),
		SrcPort: 51000, DstPort: 443, Proto: 6,
		Tags: map[string]string{"country": "CN", "asn": "4134", "bad name": "skipped"},
	}
}

func TestFormat(t *testing.T) {
	t.Parallel()
	bare := Alert{Rule: "DET-LOG-002", Severity: severity.Critical}
	utf := Alert{Rule: "R", Title: "Zugriff", Message: "über\nzwei Zeilen", Severity: severity.Info, Last: 1}
	tests := []struct {
		name string
		a    Alert
		raw  string // exact bytes, when given
		want message
	}{
		{"full", testAlert(0), "", message{
			Pri: 20*8 + 3, Timestamp: "2025-03-04T05:06:07.891234Z", Hostname: "fw1", App: "seawall", ProcID: "-", MsgID: "DET-FLOW-001",
			SD: map[string]map[string]string{
				SDID: {"rule": "DET-FLOW-001", "severity": "high", "key": "10.0.0.0>CN", "count": "3",
					"first": "2025-03-04T05:06:07.891234567Z", "last": "2025-03-04T05:06:07.891234567Z", "attack": "T1071,T1572",
					"exporter": "192.0.2.1", "src": "10.0.0.1", "dst": "2001:db8::5", "src_port": "51000", "dst_port": "443", "proto": "6"},
				tagsSDID: {"asn": "4134", "country": "CN"},
			},
			Msg: `Traffic to a blocked country: host 10.0.0.1 sent 12 MB to "CN" [AS4134]`,
		}},
		{"bare", bare, `<162>1 - fw1 seawall - DET-LOG-002 [seawall@32473 rule="DET-LOG-002" severity="critical" key="" count="0"]`, message{}},
		{"utf-8", utf, "", message{
			Pri: 20*8 + 6, Timestamp: "1970-01-01T00:00:00.000000Z", Hostname: "fw1", App: "seawall", ProcID: "-", MsgID: "R",
			SD:  map[string]map[string]string{SDID: {"rule": "R", "severity": "info", "key": "", "count": "0", "last": "1970-01-01T00:00:00.000000001Z"}},
			Msg: "Zugriff: über zwei Zeilen",
		}},
		{"escapes", Alert{Rule: "R", Key: `a"b\c]d`}, `<166>1 - fw1 seawall - R [seawall@32473 rule="R" severity="info" key="a\"b\\c\]d" count="0"]`, message{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := string(Format(&tt.a, 20, "fw1"))
			if tt.raw != "" {
				if diff := cmp.Diff(tt.raw, got); diff != "" {
					t.Errorf("Format (-want +got):\n%s", diff)
				}
				parse5424(t, got)
				return
			}
			if diff := cmp.Diff(tt.want, parse5424(t, got)); diff != "" {
				t.Errorf("parsed (-want +got):\n%s\nraw: %q", diff, got)
			}
		})
	}
	if got := Format(&utf, 20, "fw1"); !strings.Contains(string(got), " \ufeffZugriff") {
		t.Errorf("UTF-8 MSG without BOM: %q", got)
	}
}

func TestTruncateUTF8(t *testing.T) {
	t.Parallel()
	s := []byte("aé€😀")
	for n := 0; n <= len(s); n++ {
		got := truncateUTF8(s, n)
		if !strings.HasPrefix(string(s), string(got)) || len(got) > n || strings.ContainsRune(string(got), '\uFFFD') {
			t.Errorf("truncateUTF8(%d) = %q", n, got)
		}
	}
}

// readFrames reads octet-counted frames (RFC 6587 3.4.1) from r.
func readFrames(r *bufio.Reader, n int) ([]string, error) {
	var out []string
	for range n {
		ls, err := r.ReadString(' ')
		if err != nil {
			return out, err
		}
		l, err := strconv.Atoi(strings.TrimSuffix(ls, " "))
		if err != nil {
			return out, fmt.Errorf("bad MSG-LEN %q", ls)
		}
		b := make([]byte, l)
		if _, err := io.ReadFull(r, b); err != nil {
			return out, err
		}
		out = append(out, string(b))
	}
	return out, nil
}

func sendOK(t *testing.T, s Sink, alerts []Alert) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	if err := s.Send(ctx, alerts); err != nil {
		t.Fatalf("Send: %v", err)
	}
}

func checkMessages(t *testing.T, got []string, want []Alert) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("received %d messages, want %d", len(got), len(want))
	}
	for i, raw := range got {
		m := parse5424(t, raw)
		if m.App != "seawall" || m.MsgID != want[i].Rule || m.Pri != 20*8+3 {
			t.Errorf("message %d header: %+v", i, m)
		}
		if k := m.SD[SDID]["key"]; k != want[i].Key {
			t.Errorf("message %d key %q, want %q", i, k, want[i].Key)
		}
	}
}

func TestSyslogUDP(t *testing.T) {
	t.Parallel()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	s, err := NewSyslog(SyslogConfig{Address: pc.LocalAddr().String(), Transport: "udp", Facility: "local4", Hostname: "sw1", Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	long := testAlert(2)
	long.Message = strings.Repeat("é", 3000)
	alerts := []Alert{testAlert(0), testAlert(1), long}
	sendOK(t, s, alerts)
	var got []string
	buf := make([]byte, 65536)
	_ = pc.SetReadDeadline(time.Now().Add(5 * time.Second))
	for range alerts {
		n, _, err := pc.ReadFrom(buf)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, string(buf[:n]))
	}
	checkMessages(t, got, alerts)
	if n := len(got[2]); n > maxUDP || strings.ContainsRune(got[2], '\uFFFD') {
		t.Errorf("long message: %d octets over UDP, or a split character", n)
	}
}

// streamServer accepts connections on ln and sends each one's frames to
// the returned channel; it stops when ln is closed.
func streamServer(t *testing.T, ln net.Listener) <-chan string {
	t.Helper()
	ch := make(chan string, 100)
	done := make(chan struct{})
	t.Cleanup(func() { ln.Close(); <-done })
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			r := bufio.NewReader(c)
			for {
				fr, err := readFrames(r, 1)
				if err != nil {
					break
				}
				ch <- fr[0]
			}
			c.Close()
		}
	}()
	return ch
}

func receive(t *testing.T, ch <-chan string, n int) []string {
	t.Helper()
	var out []string
	timeout := time.After(5 * time.Second)
	for len(out) < n {
		select {
		case m := <-ch:
			out = append(out, m)
		case <-timeout:
			t.Fatalf("received %d of %d messages", len(out), n)
		}
	}
	return out
}

func TestSyslogTCP(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ch := streamServer(t, ln)
	s, err := NewSyslog(SyslogConfig{Address: ln.Addr().String(), Transport: "tcp", Facility: "local4", Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	alerts := []Alert{testAlert(0), testAlert(1), testAlert(2)}
	sendOK(t, s, alerts)
	checkMessages(t, receive(t, ch, 3), alerts)
	sendOK(t, s, alerts[:1])
	checkMessages(t, receive(t, ch, 1), alerts[:1])
}

// TestSyslogTCPReconnect: a receiver restart must not swallow the next
// batch into the dead connection.
func TestSyslogTCPReconnect(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, err := ln.Accept()
		if err == nil {
			accepted <- c
		}
	}()
	s, err := NewSyslog(SyslogConfig{Address: addr, Transport: "tcp", Facility: "local4", Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	sendOK(t, s, []Alert{testAlert(0)})
	c := <-accepted
	c.Close() // the receiver goes away
	ln.Close()
	ln2, err := net.Listen("tcp", addr)
	if err != nil {
		t.Skipf("cannot listen on %s again: %v", addr, err)
	}
	ch := streamServer(t, ln2)
	time.Sleep(50 * time.Millisecond) // let the FIN arrive
	sendOK(t, s, []Alert{testAlert(1)})
	checkMessages(t, receive(t, ch, 1), []Alert{testAlert(1)})
}

// selfSigned writes a CA certificate for 127.0.0.1 to dir and returns the
// server's TLS certificate and the CA file's path.
func selfSigned(t *testing.T, dir string) (tls.Certificate, string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "seawall test receiver"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, DNSNames: []string{"syslog.test"},
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IsCA: true, BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	ca := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, ca
}

func TestSyslogTLS(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cert, ca := selfSigned(t, dir)
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12})
	if err != nil {
		t.Fatal(err)
	}
	ch := streamServer(t, ln)
	addr := ln.Addr().String()
	alerts := []Alert{testAlert(0), testAlert(1)}
	tests := []struct {
		name    string
		cfg     SyslogConfig
		wantErr string
	}{
		{"ca file", SyslogConfig{CAFile: ca}, ""},
		{"server name", SyslogConfig{CAFile: ca, ServerName: "syslog.test"}, ""},
		{"insecure", SyslogConfig{InsecureSkipVerify: true}, ""},
		{"system roots", SyslogConfig{}, "certificate"},
		{"wrong name", SyslogConfig{CAFile: ca, ServerName: "other.test"}, "certificate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := tt.cfg
			cfg.Address, cfg.Transport, cfg.Facility, cfg.Timeout = addr, "tls", "local4", 2*time.Second
			s, err := NewSyslog(cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			err = s.Send(t.Context(), alerts)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Send: %v, want an error about %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			checkMessages(t, receive(t, ch, 2), alerts)
		})
	}
}

func TestSyslogDown(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	s, err := NewSyslog(SyslogConfig{Address: addr, Transport: "tcp", Facility: "local4", Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	err = s.Send(t.Context(), []Alert{testAlert(0)})
	if err == nil || IsPermanent(err) || !strings.Contains(err.Error(), addr) {
		t.Errorf("Send to a closed port: %v, want a retryable error naming %s", err, addr)
	}
	s.Close()
	if err := s.Send(t.Context(), nil); !IsPermanent(err) {
		t.Errorf("Send after Close: %v, want a permanent error", err)
	}
	var ne net.Error
	_ = errors.As(err, &ne)
}

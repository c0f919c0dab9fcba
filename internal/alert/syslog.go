package alert

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// AppName is the RFC 5424 APP-NAME of every message.
const AppName = "seawall"

// SDID is the structured-data id of the element that carries the alert's
// facts. 32473 is the private enterprise number RFC 5612 sets aside for
// documentation; seawall has none of its own yet, and a SIEM parser keys
// on the whole id, so it stays fixed until one is registered.
const SDID = "seawall@32473"

// tagsSDID carries the alert's rule-specific tags.
const tagsSDID = "tags@32473"

// maxUDP is the longest message sent over UDP: RFC 5426 asks receivers to
// take 2048 octets, and longer datagrams fragment.
const maxUDP = 2048

// Format renders one alert as an RFC 5424 message, without transport
// framing:
//
//	<PRI>1 TIMESTAMP HOSTNAME seawall - RULE [seawall@32473 rule=.. severity=.. key=.. ...] TITLE: MESSAGE
//
// PRI is facility*8 plus the alert's syslog severity; TIMESTAMP is the
// alert's last evidence (not the wall clock), so a replay produces the
// same messages; MSGID is the rule id, for receivers that route on it.
func Format(a *Alert, facility int, hostname string) []byte {
	b := make([]byte, 0, 512)
	b = append(b, '<')
	b = strconv.AppendInt(b, int64(facility*8+a.Severity.Syslog()), 10)
	b = append(b, ">1 "...)
	if a.Last != 0 {
		b = time.Unix(0, a.Last).UTC().AppendFormat(b, "2006-01-02T15:04:05.000000Z")
	} else {
		b = append(b, '-')
	}
	b = append(b, ' ')
	b = appendHeaderField(b, hostname, 255)
	b = append(b, ' ')
	b = append(b, AppName...)
	b = append(b, " - "...)
	b = appendHeaderField(b, a.Rule, 32)
	b = append(b, ' ')

	b = append(b, '[')
	b = append(b, SDID...)
	param := func(name, value string) {
		b = append(b, ' ')
		b = append(b, name...)
		b = append(b, `="`...)
		b = appendParamValue(b, value)
		b = append(b, '"')
	}
	param("rule", a.Rule)
	param("severity", a.Severity.String())
	param("key", a.Key)
	param("count", strconv.Itoa(a.Count))
	if a.First != 0 {
		param("first", time.Unix(0, a.First).UTC().Format(time.RFC3339Nano))
	}
	if a.Last != 0 {
		param("last", time.Unix(0, a.Last).UTC().Format(time.RFC3339Nano))
	}
	if len(a.Technique) > 0 {
		param("attack", strings.Join(a.Technique, ","))
	}
	if a.Exporter.IsValid() {
		param("exporter", a.Exporter.String())
	}
	if a.Src.IsValid() {
		param("src", a.Src.String())
	}
	if a.Dst.IsValid() {
		param("dst", a.Dst.String())
	}
	if a.SrcPort != 0 {
		param("src_port", strconv.Itoa(int(a.SrcPort)))
	}
	if a.DstPort != 0 {
		param("dst_port", strconv.Itoa(int(a.DstPort)))
	}
	if a.Proto != 0 {
		param("proto", strconv.Itoa(int(a.Proto)))
	}
	b = append(b, ']')
	if len(a.Tags) > 0 {
		keys := make([]string, 0, len(a.Tags))
		for k := range a.Tags {
			if validSDName(k) {
				keys = append(keys, k)
			}
		}
		slices.Sort(keys)
		if len(keys) > 0 {
			b = append(b, '[')
			b = append(b, tagsSDID...)
			for _, k := range keys {
				param(k, a.Tags[k])
			}
			b = append(b, ']')
		}
	}

	msg := a.Title
	if a.Message != "" {
		if msg != "" {
			msg += ": "
		}
		msg += a.Message
	}
	if msg != "" {
		b = append(b, ' ')
		if !isASCII(msg) {
			// RFC 5424 section 6.4: a UTF-8 MSG starts with a BOM. Pure
			// ASCII goes without, which every receiver shows cleanly.
			b = append(b, 0xef, 0xbb, 0xbf)
		}
		msg = strings.ToValidUTF8(msg, "\uFFFD")
		// Receivers that split on newlines would cut the alert in two.
		b = append(b, strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ").Replace(msg)...)
	}
	return b
}

// appendHeaderField writes s as a header field: printable ASCII without
// spaces, at most max octets, "-" (NILVALUE) when empty.
func appendHeaderField(b []byte, s string, max int) []byte {
	n := 0
	for i := 0; i < len(s) && n < max; i++ {
		if c := s[i]; c > ' ' && c <= '~' {
			b = append(b, c)
			n++
		}
	}
	if n == 0 {
		b = append(b, '-')
	}
	return b
}

// appendParamValue escapes '"', '\' and ']' as RFC 5424 section 6.3.3
// requires, and replaces invalid UTF-8.
func appendParamValue(b []byte, s string) []byte {
	s = strings.ToValidUTF8(s, "\uFFFD")
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '"', '\\', ']':
			b = append(b, '\\', c)
		default:
			b = append(b, c)
		}
	}
	return b
}

// validSDName reports whether s can be an SD-NAME: 1-32 printable ASCII
// characters other than '=', ' ', ']' and '"'.
func validSDName(s string) bool {
	if s == "" || len(s) > 32 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c > '~' || c == '=' || c == ']' || c == '"' {
			return false
		}
	}
	return true
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// SyslogSink sends alerts as RFC 5424 messages: over UDP one message per
// datagram (RFC 5426), over TCP and TLS with octet-counting framing
// ("LEN SP MSG", RFC 6587 section 3.4.1, which RFC 5425 mandates for TLS),
// so messages may hold any octet. It connects on first use and again
// after a failure.
type SyslogSink struct {
	network  string // udp or tcp
	addr     string
	tls      *tls.Config // nil unless transport tls
	timeout  time.Duration
	facility int
	hostname string

	mu     sync.Mutex
	conn   net.Conn
	closed bool
}

// NewSyslog prepares a sink; it does not connect yet, so a receiver that
// is down at start-up only delays the first alerts.
func NewSyslog(cfg SyslogConfig) (*SyslogSink, error) {
	addr, err := syslogAddress(cfg.Address, cfg.Transport)
	if err != nil {
		return nil, fmt.Errorf("syslog address: %w", err)
	}
	fac, ok := facilities[cfg.Facility]
	if !ok {
		return nil, fmt.Errorf("syslog facility %q is unknown", cfg.Facility)
	}
	s := &SyslogSink{network: cfg.Transport, addr: addr, timeout: cfg.Timeout, facility: fac, hostname: cfg.Hostname}
	if s.timeout <= 0 {
		s.timeout = DefaultTimeout
	}
	if s.hostname == "" {
		if h, err := os.Hostname(); err == nil {
			s.hostname = h
		}
	}
	if cfg.Transport == "tls" {
		s.network = "tcp"
		host, _, _ := net.SplitHostPort(addr)
		s.tls = &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12, InsecureSkipVerify: cfg.InsecureSkipVerify} //nolint:gosec // G402: only when the operator asks, documented as lab-only
		if cfg.ServerName != "" {
			s.tls.ServerName = cfg.ServerName
		}
		if cfg.CAFile != "" {
			pem, err := os.ReadFile(cfg.CAFile)
			if err != nil {
				return nil, fmt.Errorf("syslog ca_file: %w", err)
			}
			pool := x509.NewCertPool()
			if !pool.AppendCertsFromPEM(pem) {
				return nil, fmt.Errorf("syslog ca_file %s: no PEM certificate in it", cfg.CAFile)
			}
			s.tls.RootCAs = pool
		}
	}
	return s, nil
}

// Send writes one message per alert, all within the sink's timeout (or
// ctx's deadline when sooner). On a failure the connection is dropped, so
// the retry connects afresh; alerts of the batch written before the
// failure may then arrive twice, which a SIEM deduplicates by key.
func (s *SyslogSink) Send(ctx context.Context, alerts []Alert) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return Permanent(errors.New("syslog: sink is closed"))
	}
	deadline := time.Now().Add(s.timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	if w, ok := s.conn.(*watched); ok && !w.alive() {
		_ = s.conn.Close()
		s.conn = nil
	}
	if s.conn == nil {
		dctx, cancel := context.WithDeadline(ctx, deadline)
		c, err := s.dial(dctx)
		cancel()
		if err != nil {
			return fmt.Errorf("syslog %s: %w", s.addr, err)
		}
		s.conn = c
	}
	if err := s.conn.SetWriteDeadline(deadline); err != nil {
		return s.fail(err)
	}
	var frame []byte
	for i := range alerts {
		msg := Format(&alerts[i], s.facility, s.hostname)
		if s.network == "udp" {
			if len(msg) > maxUDP {
				msg = truncateUTF8(msg, maxUDP)
			}
			if _, err := s.conn.Write(msg); err != nil {
				return s.fail(err)
			}
			continue
		}
		frame = strconv.AppendInt(frame, int64(len(msg)), 10)
		frame = append(frame, ' ')
		frame = append(frame, msg...)
	}
	if len(frame) > 0 {
		if _, err := s.conn.Write(frame); err != nil {
			return s.fail(err)
		}
	}
	return nil
}

func (s *SyslogSink) dial(ctx context.Context) (net.Conn, error) {
	var (
		c   net.Conn
		err error
	)
	if s.tls != nil {
		d := tls.Dialer{Config: s.tls}
		c, err = d.DialContext(ctx, s.network, s.addr)
	} else {
		var d net.Dialer
		c, err = d.DialContext(ctx, s.network, s.addr)
	}
	if err != nil || s.network == "udp" {
		return c, err
	}
	return watch(c), nil
}

// fail drops the connection after a write error.
func (s *SyslogSink) fail(err error) error {
	_ = s.conn.Close()
	s.conn = nil
	return fmt.Errorf("syslog %s: %w", s.addr, err)
}

// watched is a stream connection with a reader that discards what the
// receiver sends (nothing, or TLS session tickets) and notices when it
// closes. Without it the first batch after a receiver restart would
// vanish into the dead socket's buffer.
type watched struct {
	net.Conn
	gone chan struct{} // closed when the reader stops: peer closed or error
}

func watch(c net.Conn) *watched {
	w := &watched{Conn: c, gone: make(chan struct{})}
	go func() {
		defer close(w.gone)
		_, _ = io.Copy(io.Discard, c)
	}()
	return w
}

func (w *watched) alive() bool {
	select {
	case <-w.gone:
		return false
	default:
		return true
	}
}

// Close closes the connection and waits for its reader.
func (w *watched) Close() error {
	err := w.Conn.Close()
	<-w.gone
	return err
}

// truncateUTF8 cuts b to at most n octets without splitting a character.
func truncateUTF8(b []byte, n int) []byte {
	b = b[:n]
	// Back up to the start of the last character; drop it when incomplete.
	for i := len(b) - 1; i >= 0 && i >= len(b)-utf8.UTFMax; i-- {
		if utf8.RuneStart(b[i]) {
			if !utf8.FullRune(b[i:]) {
				b = b[:i]
			}
			break
		}
	}
	return b
}

// Close closes the connection.
func (s *SyslogSink) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	if s.conn == nil {
		return nil
	}
	err := s.conn.Close()
	s.conn = nil
	return err
}

package alert

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Config is the alerts: section of seawall.yaml: where alerts go, and how
// hard seawall tries. Every destination is optional; any combination may
// be enabled, and each gets its own queue so that a dead SIEM does not
// hold up the alert file.
type Config struct {
	File    FileConfig    `yaml:"file"`
	Syslog  SyslogConfig  `yaml:"syslog"`
	Webhook WebhookConfig `yaml:"webhook"`
	// QueueSize bounds the alerts waiting per destination; when full the
	// oldest is dropped (and counted), so that detection never waits on a
	// destination.
	QueueSize int `yaml:"queue_size"`
	// Retries is how many times a failed batch is sent again before its
	// alerts are dropped (and counted); 0 sends once.
	Retries int `yaml:"retries"`
	// Backoff is the first wait before a retry; each further retry waits
	// twice as long, up to MaxBackoff.
	Backoff    time.Duration `yaml:"backoff"`
	MaxBackoff time.Duration `yaml:"max_backoff"`
	// Batch is the most alerts sent in one Send (one webhook POST).
	Batch int `yaml:"batch"`
}

// FileConfig writes alerts as JSON lines, one alert per line.
type FileConfig struct {
	// Path enables the sink; absolute, so that it does not depend on the
	// daemon's working directory.
	Path string `yaml:"path"`
	// Fsync is "batch" (after every batch: an alert written is an alert
	// kept) or "never" (leave it to the kernel; faster on slow disks).
	Fsync string `yaml:"fsync"`
}

// SyslogConfig sends RFC 5424 messages.
type SyslogConfig struct {
	// Address is host:port of the receiver; it enables the sink. Without a
	// port, 514 (udp, tcp) or 6514 (tls) is used.
	Address string `yaml:"address"`
	// Transport is udp (RFC 5426), tcp (RFC 6587 octet counting) or tls
	// (RFC 5425).
	Transport string `yaml:"transport"`
	// CAFile is a PEM bundle to verify the receiver's certificate with,
	// instead of the system roots.
	CAFile string `yaml:"ca_file"`
	// ServerName overrides the name checked in the receiver's
	// certificate (default: the host of Address).
	ServerName string `yaml:"server_name"`
	// InsecureSkipVerify accepts any certificate. For lab use only: it
	// lets anyone on the path read and forge the alerts.
	InsecureSkipVerify bool `yaml:"insecure_skip_verify"`
	// Facility is the syslog facility name (default local4).
	Facility string `yaml:"facility"`
	// Hostname is the HOSTNAME field (default: this host's name).
	Hostname string `yaml:"hostname"`
	// Timeout bounds connecting and writing one batch.
	Timeout time.Duration `yaml:"timeout"`
}

// WebhookConfig POSTs each batch as a JSON array.
type WebhookConfig struct {
	// URL enables the sink (http or https).
	URL string `yaml:"url"`
	// Headers are added to every request (an API key header, say).
	Headers map[string]string `yaml:"headers"`
	// BearerToken, when set, is sent as "Authorization: Bearer TOKEN".
	BearerToken string `yaml:"bearer_token"`
	// Timeout bounds one request, connection to last byte of the answer.
	Timeout time.Duration `yaml:"timeout"`
}

// Defaults.
const (
	DefaultQueueSize  = 10000
	DefaultRetries    = 5
	DefaultBackoff    = time.Second
	DefaultMaxBackoff = time.Minute
	DefaultBatch      = 100
	DefaultTimeout    = 10 * time.Second
	DefaultFacility   = "local4"
)

// DefaultConfig returns the section with every destination disabled.
func DefaultConfig() Config {
	return Config{
		File:       FileConfig{Fsync: FsyncBatch},
		Syslog:     SyslogConfig{Transport: "udp", Facility: DefaultFacility, Timeout: DefaultTimeout},
		Webhook:    WebhookConfig{Timeout: DefaultTimeout},
		QueueSize:  DefaultQueueSize,
		Retries:    DefaultRetries,
		Backoff:    DefaultBackoff,
		MaxBackoff: DefaultMaxBackoff,
		Batch:      DefaultBatch,
	}
}

// Fsync policies of the file sink.
const (
	FsyncBatch = "batch"
	FsyncNever = "never"
)

var facilities = map[string]int{
	"kern": 0, "user": 1, "mail": 2, "daemon": 3, "auth": 4, "syslog": 5, "lpr": 6, "news": 7,
	"uucp": 8, "cron": 9, "authpriv": 10, "ftp": 11, "ntp": 12, "audit": 13, "alert": 14, "clock": 15,
	"local0": 16, "local1": 17, "local2": 18, "local3": 19, "local4": 20, "local5": 21, "local6": 22, "local7": 23,
}

// Validate checks the section. Errors name the key relative to it.
func (c Config) Validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }

	if c.File.Path != "" && !strings.HasPrefix(c.File.Path, "/") {
		bad("file.path: %q is not absolute", c.File.Path)
	}
	if c.File.Fsync != FsyncBatch && c.File.Fsync != FsyncNever {
		bad("file.fsync: %q is not batch or never", c.File.Fsync)
	}

	s := c.Syslog
	switch s.Transport {
	case "udp", "tcp", "tls":
	default:
		bad("syslog.transport: %q is not udp, tcp or tls", s.Transport)
	}
	if s.Address != "" {
		if _, err := syslogAddress(s.Address, s.Transport); err != nil {
			bad("syslog.address: %v", err)
		}
	}
	if s.Transport != "tls" && (s.CAFile != "" || s.InsecureSkipVerify || s.ServerName != "") {
		bad("syslog: ca_file, server_name and insecure_skip_verify apply only to transport tls (transport is %q)", s.Transport)
	}
	if s.InsecureSkipVerify && s.CAFile != "" {
		bad("syslog: insecure_skip_verify makes ca_file pointless; give one of them")
	}
	if _, ok := facilities[s.Facility]; !ok {
		bad("syslog.facility: %q is not a syslog facility (kern, user, daemon, auth, authpriv, audit, local0..local7, ...)", s.Facility)
	}
	if strings.ContainsFunc(s.Hostname, func(r rune) bool { return r <= ' ' || r > '~' }) || len(s.Hostname) > 255 {
		bad("syslog.hostname: %q must be printable ASCII without spaces, at most 255 characters", s.Hostname)
	}
	if s.Timeout <= 0 {
		bad("syslog.timeout: %s must be positive", s.Timeout)
	}

	w := c.Webhook
	if w.URL != "" {
		u, err := url.Parse(w.URL)
		switch {
		case err != nil:
			bad("webhook.url: %v", err)
		case u.Scheme != "http" && u.Scheme != "https":
			bad("webhook.url: %q is not an http or https URL", w.URL)
		case u.Host == "":
			bad("webhook.url: %q has no host", w.URL)
		case u.Scheme == "http" && w.BearerToken != "":
			bad("webhook: bearer_token over plain http would send the token in clear; use an https url")
		}
	}
	for k, v := range w.Headers {
		if k == "" || strings.ContainsFunc(k, func(r rune) bool { return r <= ' ' || r > '~' || strings.ContainsRune("()<>@,;:\\\"/[]?={}", r) }) {
			bad("webhook.headers: %q is not a valid header name", k)
		}
		if strings.ContainsAny(v, "\r\n") {
			bad("webhook.headers.%s: the value contains a line break", k)
		}
	}
	if w.Timeout <= 0 {
		bad("webhook.timeout: %s must be positive", w.Timeout)
	}

	if c.QueueSize <= 0 {
		bad("queue_size: %d must be positive", c.QueueSize)
	}
	if c.Retries < 0 {
		bad("retries: %d must not be negative", c.Retries)
	}
	if c.Backoff <= 0 {
		bad("backoff: %s must be positive", c.Backoff)
	}
	if c.MaxBackoff < c.Backoff {
		bad("max_backoff: %s is shorter than backoff %s", c.MaxBackoff, c.Backoff)
	}
	if c.Batch <= 0 {
		bad("batch: %d must be positive", c.Batch)
	}
	return errors.Join(errs...)
}

// syslogAddress adds the transport's default port when addr has none.
func syslogAddress(addr, transport string) (string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		// No port: a bare host or IPv6 address.
		host, port = strings.Trim(addr, "[]"), "514"
		if transport == "tls" {
			port = "6514"
		}
	}
	if host == "" {
		return "", fmt.Errorf("%q has no host", addr)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return "", fmt.Errorf("%q: port %q is not 1-65535", addr, port)
	}
	return net.JoinHostPort(host, port), nil
}

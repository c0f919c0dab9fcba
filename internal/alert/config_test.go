package alert

import (
	"strings"
	"testing"
	"time"
)

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		edit    func(*Config)
		wantErr []string // substrings; none means valid
	}{
		{"defaults", func(*Config) {}, nil},
		{"everything", func(c *Config) {
			c.File.Path = "/var/log/seawall/alerts.jsonl"
			c.Syslog = SyslogConfig{Address: "siem.example:6514", Transport: "tls", CAFile: "/etc/ssl/siem.pem", Facility: "audit", Timeout: time.Second}
			c.Webhook = WebhookConfig{URL: "https://hooks.example/x", BearerToken: "t", Headers: map[string]string{"X-Api-Key": "k"}, Timeout: time.Second}
		}, nil},
		{"syslog host without port", func(c *Config) { c.Syslog.Address = "siem.example" }, nil},
		{"ipv6 syslog", func(c *Config) { c.Syslog.Address = "[2001:db8::1]:514" }, nil},
		{"relative file", func(c *Config) { c.File.Path = "alerts.jsonl" }, []string{"file.path", "absolute"}},
		{"fsync", func(c *Config) { c.File.Fsync = "always" }, []string{"file.fsync"}},
		{"transport", func(c *Config) { c.Syslog.Transport = "relp" }, []string{"syslog.transport", "relp"}},
		{"port", func(c *Config) { c.Syslog.Address = "siem:99999" }, []string{"syslog.address", "99999"}},
		{"tls options on udp", func(c *Config) { c.Syslog.CAFile = "/ca.pem" }, []string{"only to transport tls"}},
		{"insecure and ca", func(c *Config) {
			c.Syslog.Transport, c.Syslog.CAFile, c.Syslog.InsecureSkipVerify = "tls", "/ca.pem", true
		}, []string{"insecure_skip_verify"}},
		{"facility", func(c *Config) { c.Syslog.Facility = "local9" }, []string{"syslog.facility"}},
		{"hostname", func(c *Config) { c.Syslog.Hostname = "a b" }, []string{"syslog.hostname"}},
		{"webhook scheme", func(c *Config) { c.Webhook.URL = "ftp://x/" }, []string{"webhook.url"}},
		{"webhook host", func(c *Config) { c.Webhook.URL = "https:///path" }, []string{"no host"}},
		{"token over http", func(c *Config) { c.Webhook.URL, c.Webhook.BearerToken = "http://x/", "t" }, []string{"bearer_token", "https"}},
		{"header name", func(c *Config) { c.Webhook.Headers = map[string]string{"Bad Name": "v"} }, []string{"webhook.headers"}},
		{"header value", func(c *Config) { c.Webhook.Headers = map[string]string{"X": "a\r\nb"} }, []string{"line break"}},
		{"limits", func(c *Config) {
			c.QueueSize, c.Retries, c.Backoff, c.MaxBackoff, c.Batch, c.Webhook.Timeout = 0, -1, 0, -1, 0, 0
		}, []string{"queue_size", "retries", "backoff", "max_backoff", "batch", "webhook.timeout"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := DefaultConfig()
			tt.edit(&c)
			err := c.Validate()
			if len(tt.wantErr) == 0 {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Validate accepted it, want errors about %q", tt.wantErr)
			}
			for _, s := range tt.wantErr {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not mention %q", err, s)
				}
			}
		})
	}
}

func TestSyslogAddress(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, transport, want string }{
		{"siem", "udp", "siem:514"},
		{"siem", "tls", "siem:6514"},
		{"siem:1514", "tcp", "siem:1514"},
		{"2001:db8::1", "tcp", "[2001:db8::1]:514"},
		{"[2001:db8::1]", "tls", "[2001:db8::1]:6514"},
	}
	for _, tt := range tests {
		got, err := syslogAddress(tt.in, tt.transport)
		if err != nil || got != tt.want {
			t.Errorf("syslogAddress(%q, %s) = %q, %v; want %q", tt.in, tt.transport, got, err, tt.want)
		}
	}
}

package ingest

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// Config is the flows: section of seawall.yaml: where `seawall serve`
// listens for flow datagrams and how.
type Config struct {
	// Enabled starts the collector in `seawall serve`. Default true: serve
	// with no configuration collects flows on the standard ports.
	Enabled bool `yaml:"enabled"`
	// NetFlow is the UDP address for NetFlow v5/v9 and IPFIX (default
	// ":2055"); "" disables it.
	NetFlow string `yaml:"netflow"`
	// SFlow is the UDP address for sFlow v5 (default ":6343"); "" disables it.
	SFlow string `yaml:"sflow"`
	// Sockets is the number of SO_REUSEPORT sockets, each with its own
	// reader and decoder, per address; 0 means GOMAXPROCS.
	Sockets int `yaml:"sockets"`
	// ReadBuffer is each socket's kernel receive buffer (default 32MiB).
	// It is forced (SO_RCVBUFFORCE) when seawall has CAP_NET_ADMIN, else
	// capped by net.core.rmem_max, which seawall never changes; the
	// effective size is reported in the status.
	ReadBuffer Bytes `yaml:"read_buffer"`
	// Batch is the number of datagrams one recvmmsg call reads at most
	// (default 64).
	Batch int `yaml:"batch"`
	// AllowedExporters, when not empty, are the only source networks
	// datagrams are accepted from; others are counted and dropped.
	AllowedExporters []netip.Prefix `yaml:"allowed_exporters"`
	// Sampling overrides the sampling rate of the records of the named
	// exporters (by UDP source), whatever they announce.
	Sampling []SamplingOverride `yaml:"sampling"`
	// Metrics is where Prometheus metrics are served (default
	// "127.0.0.1:9750"); it must be a loopback address. "" disables them.
	Metrics string `yaml:"metrics"`
	// TemplateSave is how often the NetFlow v9/IPFIX templates are saved
	// to the data directory (default 1m); they are also saved on stop.
	TemplateSave time.Duration `yaml:"template_save"`
}

// SamplingOverride is one exporter's forced 1-in-Rate sampling rate.
type SamplingOverride struct {
	Exporter netip.Addr `yaml:"exporter"`
	Rate     uint32     `yaml:"rate"`
}

// Defaults.
const (
	DefaultNetFlow      = ":2055"
	DefaultSFlow        = ":6343"
	DefaultReadBuffer   = 32 << 20
	DefaultBatch        = 64
	DefaultMetrics      = "127.0.0.1:9750"
	DefaultTemplateSave = time.Minute
	maxBatch            = 1024
	maxSockets          = 256
)

// DefaultConfig is collection on the standard ports.
func DefaultConfig() Config {
	return Config{
		Enabled:      true,
		NetFlow:      DefaultNetFlow,
		SFlow:        DefaultSFlow,
		ReadBuffer:   DefaultReadBuffer,
		Batch:        DefaultBatch,
		Metrics:      DefaultMetrics,
		TemplateSave: DefaultTemplateSave,
	}
}

// Validate reports every problem of the section, each naming its key.
func (c Config) Validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	for _, a := range []struct{ key, addr string }{{"netflow", c.NetFlow}, {"sflow", c.SFlow}} {
		if a.addr == "" {
			continue
		}
		if _, err := ParseListen(a.addr); err != nil {
			bad("%s: %w", a.key, err)
		}
	}
	if c.Enabled && c.NetFlow == "" && c.SFlow == "" {
		bad("netflow, sflow: both empty while enabled (set enabled: false to collect nothing)")
	}
	if c.NetFlow != "" && c.NetFlow == c.SFlow && !strings.HasSuffix(c.NetFlow, ":0") {
		bad("netflow, sflow: both are %s; each protocol needs its own port", c.NetFlow)
	}
	if c.Sockets < 0 || c.Sockets > maxSockets {
		bad("sockets: %d is not between 0 (GOMAXPROCS) and %d", c.Sockets, maxSockets)
	}
	if c.ReadBuffer < 0 || c.ReadBuffer > 1<<30 {
		bad("read_buffer: %d bytes is not between 0 (the kernel default) and 1GiB", c.ReadBuffer)
	}
	if c.Batch < 0 || c.Batch > maxBatch {
		bad("batch: %d is not between 1 and %d", c.Batch, maxBatch)
	}
	for _, p := range c.AllowedExporters {
		if p != p.Masked() {
			bad("allowed_exporters: %s has host bits set (did you mean %s?)", p, p.Masked())
		}
	}
	seen := map[netip.Addr]bool{}
	for _, s := range c.Sampling {
		switch {
		case !s.Exporter.IsValid():
			bad("sampling: an entry has no exporter address")
		case s.Rate == 0:
			bad("sampling: exporter %s: rate must be 1 (unsampled) or more", s.Exporter)
		case seen[s.Exporter.Unmap()]:
			bad("sampling: exporter %s is listed twice", s.Exporter)
		}
		seen[s.Exporter.Unmap()] = true
	}
	if c.Metrics != "" {
		if err := loopbackAddr(c.Metrics); err != nil {
			bad("metrics: %w", err)
		}
	}
	if c.TemplateSave < 0 {
		bad("template_save: %s is negative", c.TemplateSave)
	}
	return errors.Join(errs...)
}

// withDefaults fills zero values that mean "the default".
func (c Config) withDefaults(gomaxprocs int) Config {
	if c.Sockets == 0 {
		c.Sockets = max(1, gomaxprocs)
	}
	if c.Batch == 0 {
		c.Batch = DefaultBatch
	}
	if c.TemplateSave == 0 {
		c.TemplateSave = DefaultTemplateSave
	}
	return c
}

// SameSockets tells whether a and b open the same sockets, so that a
// reload from a to b can keep the running listeners.
func SameSockets(a, b Config) bool {
	return a.Enabled == b.Enabled && a.NetFlow == b.NetFlow && a.SFlow == b.SFlow &&
		a.Sockets == b.Sockets && a.ReadBuffer == b.ReadBuffer && a.Batch == b.Batch
}

// ParseListen checks a "HOST:PORT" or ":PORT" UDP listen address.
func ParseListen(s string) (netip.AddrPort, error) {
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("%q is not HOST:PORT or :PORT", s)
	}
	p, err := strconv.ParseUint(port, 10, 16)
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("%q: port %q is not a number from 0 to 65535", s, port)
	}
	if host == "" {
		return netip.AddrPortFrom(netip.IPv6Unspecified(), uint16(p)), nil
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("%q: %q is not an IP address (host names are not resolved)", s, host)
	}
	return netip.AddrPortFrom(a, uint16(p)), nil
}

// loopbackAddr refuses a metrics address off loopback: the metrics name
// the network's routers and are not for other hosts.
func loopbackAddr(s string) error {
	ap, err := ParseListen(s)
	if err != nil {
		return err
	}
	if !ap.Addr().IsLoopback() {
		return fmt.Errorf("%q is not a loopback address (use 127.0.0.1:PORT; scrape through a local agent or proxy)", s)
	}
	return nil
}

// Bytes is a size in bytes, written in seawall.yaml as a number or with a
// unit: 33554432, 32MiB, 512KiB.
type Bytes int64

// UnmarshalText reads a plain number of bytes or a number with KiB, MiB
// or GiB (K, M and G are read the same).
func (b *Bytes) UnmarshalText(t []byte) error {
	s := strings.TrimSpace(string(t))
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"G", 1 << 30}, {"M", 1 << 20}, {"K", 1 << 10}, {"B", 1}} {
		if strings.HasSuffix(s, u.suffix) {
			s, mult = strings.TrimSpace(strings.TrimSuffix(s, u.suffix)), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 || n > (1<<40)/mult {
		return errors.New("not a size (write bytes, or a number with KiB, MiB or GiB, e.g. 32MiB)")
	}
	*b = Bytes(n * mult)
	return nil
}

// MarshalText writes the size in bytes.
func (b Bytes) MarshalText() ([]byte, error) { return strconv.AppendInt(nil, int64(b), 10), nil }

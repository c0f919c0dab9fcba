package detect

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"time"
)

// Config is the `detect:` section of seawall.yaml. DefaultConfig gives
// every field a working value; a decoded section overrides it field by
// field.
type Config struct {
	// Disabled lists rule ids (DET-FLOW-0xx) that do not run.
	Disabled []string `yaml:"disabled"`
	// Dedup folds repeats of an alert (same rule and key).
	Dedup DedupConfig `yaml:"dedup"`
	// Scan is DET-FLOW-017.
	Scan ScanConfig `yaml:"scan"`
	// Mirror is DET-FLOW-005.
	Mirror MirrorConfig `yaml:"mirror"`
	// Exfil is DET-FLOW-015.
	Exfil ExfilConfig `yaml:"exfil"`
	// Silence is DET-FLOW-019.
	Silence SilenceConfig `yaml:"silence"`
	// NewSources caps the device addresses DET-FLOW-012 remembers as
	// having opened device-to-device sessions before (a new one raises
	// the severity).
	NewSources int `yaml:"new_sources"`
	// SmartInstallDirectors may reach TCP/4786 on switches (DET-FLOW-009).
	SmartInstallDirectors []netip.Addr `yaml:"smart_install_directors"`
	// FileServers are the approved TFTP/FTP destinations of devices
	// (DET-FLOW-010). When empty, management networks and NMS count as
	// approved.
	FileServers []netip.Prefix `yaml:"file_servers"`
}

// DedupConfig says how repeats fold; see Engine for the exact rule.
type DedupConfig struct {
	// Window is how long after an alert is emitted its repeats fold
	// into it instead of being emitted.
	Window time.Duration `yaml:"window"`
	// MaxKeys caps open dedup windows; the oldest is closed early beyond it.
	MaxKeys int `yaml:"max_keys"`
	// MaxEvidence caps the flows kept in one alert.
	MaxEvidence int `yaml:"max_evidence"`
}

// ScanConfig sets DET-FLOW-017's thresholds and memory.
type ScanConfig struct {
	// Window is the tumbling window the distinct counts are taken over.
	Window time.Duration `yaml:"window"`
	// FanOut is how many distinct device addresses one source must reach
	// on management ports within Window; FanIn how many distinct sources
	// must reach one device address.
	FanOut int `yaml:"fan_out"`
	FanIn  int `yaml:"fan_in"`
	// MaxSources and MaxTargets cap the sources and device addresses
	// tracked (least recently seen are evicted first).
	MaxSources int `yaml:"max_sources"`
	MaxTargets int `yaml:"max_targets"`
}

// MirrorConfig sets DET-FLOW-005: large, long-lived GRE or UDP from a
// device to something that is not a collector.
type MirrorConfig struct {
	// Window is the tumbling window per (device, destination) pair;
	// MinBytes (sampling-scaled) and MinDuration (span of the flows'
	// times) must both be reached within it.
	Window      time.Duration `yaml:"window"`
	MinBytes    uint64        `yaml:"min_bytes"`
	MinDuration time.Duration `yaml:"min_duration"`
	// MaxPairs caps the pairs tracked.
	MaxPairs int `yaml:"max_pairs"`
	// Baseline is the per-device daily total of such traffic.
	Baseline BaselineConfig `yaml:"baseline"`
}

// BaselineConfig is a learned daily-bytes baseline: after LearnDays
// days, a day's total above mean+Sigma·σ of the last LearnDays days and
// at least MinBytes alerts.
type BaselineConfig struct {
	LearnDays int     `yaml:"learn_days"`
	Sigma     float64 `yaml:"sigma"`
	MinBytes  uint64  `yaml:"min_bytes"`
}

// ExfilConfig sets DET-FLOW-015 for the inventory's sensitive hosts.
type ExfilConfig struct {
	// Baseline is per host, over bytes to external destinations. Its
	// LearnDays is also the learning period for destination ASNs.
	Baseline BaselineConfig `yaml:"baseline"`
	// MaxHosts caps the hosts tracked; MaxDestASNs the (host, ASN) pairs
	// remembered as seen.
	MaxHosts    int `yaml:"max_hosts"`
	MaxDestASNs int `yaml:"max_dest_asns"`
	// IgnoreASNs are destination ASNs never reported as new (the
	// operator's own, its backup provider's, ...).
	IgnoreASNs []uint32 `yaml:"ignore_asns"`
}

// SilenceConfig sets DET-FLOW-019.
type SilenceConfig struct {
	// Factor times an exporter's usual interval without a flow is
	// silence; MinSilence is the floor (busy exporters have intervals of
	// milliseconds).
	Factor     float64       `yaml:"factor"`
	MinSilence time.Duration `yaml:"min_silence"`
	// MinObservations is how many flows an exporter must have sent before
	// its silence is reported.
	MinObservations int `yaml:"min_observations"`
	// MaxExporters caps the exporters and syslog senders tracked.
	MaxExporters int `yaml:"max_exporters"`
}

// maxLearnDays bounds baseline history so it fits a fixed array.
const maxLearnDays = 60

// DefaultConfig returns the defaults: 1 h dedup windows, scans of 20
// device addresses (fan-out) or 50 sources (fan-in) in 5 minutes, mirror
// traffic of 1 GiB over 10 minutes, a 7-day exfiltration baseline at
// 3σ, silence at 3 intervals and at least 5 minutes.
func DefaultConfig() Config {
	return Config{
		Dedup: DedupConfig{Window: time.Hour, MaxKeys: 10000, MaxEvidence: 5},
		Scan: ScanConfig{
			Window: 5 * time.Minute, FanOut: 20, FanIn: 50,
			MaxSources: 16384, MaxTargets: 8192,
		},
		Mirror: MirrorConfig{
			Window: time.Hour, MinBytes: 1 << 30, MinDuration: 10 * time.Minute, MaxPairs: 16384,
			Baseline: BaselineConfig{LearnDays: 7, Sigma: 3, MinBytes: 10 << 30},
		},
		Exfil: ExfilConfig{
			Baseline: BaselineConfig{LearnDays: 7, Sigma: 3, MinBytes: 1 << 30},
			MaxHosts: 4096, MaxDestASNs: 65536,
		},
		Silence:    SilenceConfig{Factor: 3, MinSilence: 5 * time.Minute, MinObservations: 3, MaxExporters: 10000},
		NewSources: 4096,
	}
}

// Validate reports every field that cannot work, named as in seawall.yaml.
func (c Config) Validate() error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	for i, id := range c.Disabled {
		if !slices.ContainsFunc(rules, func(r Rule) bool { return r.ID == id }) {
			add("detect.disabled[%d]: %q is not an implemented rule id (DET-FLOW-001 to DET-FLOW-019)", i, id)
		}
	}
	positive := func(field string, d time.Duration) {
		if d <= 0 {
			add("detect.%s: %v: want a positive duration such as 5m", field, d)
		}
	}
	atLeast := func(field string, v, lo int) {
		if v < lo {
			add("detect.%s: %d: want at least %d", field, v, lo)
		}
	}
	positive("dedup.window", c.Dedup.Window)
	atLeast("dedup.max_keys", c.Dedup.MaxKeys, 1)
	atLeast("dedup.max_evidence", c.Dedup.MaxEvidence, 1)
	positive("scan.window", c.Scan.Window)
	atLeast("scan.fan_out", c.Scan.FanOut, 2)
	atLeast("scan.fan_in", c.Scan.FanIn, 2)
	if c.Scan.FanOut > 1024 || c.Scan.FanIn > 1024 {
		add("detect.scan: fan_out %d and fan_in %d: want at most 1024", c.Scan.FanOut, c.Scan.FanIn)
	}
	atLeast("scan.max_sources", c.Scan.MaxSources, 1)
	atLeast("scan.max_targets", c.Scan.MaxTargets, 1)
	positive("mirror.window", c.Mirror.Window)
	positive("mirror.min_duration", c.Mirror.MinDuration)
	if c.Mirror.MinDuration > c.Mirror.Window {
		add("detect.mirror.min_duration %v is longer than mirror.window %v: it could never be reached", c.Mirror.MinDuration, c.Mirror.Window)
	}
	if c.Mirror.MinBytes == 0 {
		add("detect.mirror.min_bytes: want more than 0")
	}
	atLeast("mirror.max_pairs", c.Mirror.MaxPairs, 1)
	c.Mirror.Baseline.validate("mirror.baseline", add)
	c.Exfil.Baseline.validate("exfil.baseline", add)
	atLeast("exfil.max_hosts", c.Exfil.MaxHosts, 1)
	atLeast("exfil.max_dest_asns", c.Exfil.MaxDestASNs, 1)
	if c.Silence.Factor < 1 {
		add("detect.silence.factor: %v: want at least 1", c.Silence.Factor)
	}
	positive("silence.min_silence", c.Silence.MinSilence)
	atLeast("silence.min_observations", c.Silence.MinObservations, 2)
	atLeast("silence.max_exporters", c.Silence.MaxExporters, 1)
	atLeast("new_sources", c.NewSources, 1)
	for i, a := range c.SmartInstallDirectors {
		if !a.IsValid() {
			add("detect.smart_install_directors[%d]: not an address", i)
		}
	}
	for i, p := range c.FileServers {
		if !p.IsValid() {
			add("detect.file_servers[%d]: not a prefix", i)
		}
	}
	return errors.Join(errs...)
}

func (b BaselineConfig) validate(field string, add func(string, ...any)) {
	if b.LearnDays < 2 || b.LearnDays > maxLearnDays {
		add("detect.%s.learn_days: %d: want 2 to %d", field, b.LearnDays, maxLearnDays)
	}
	if b.Sigma <= 0 {
		add("detect.%s.sigma: %v: want more than 0", field, b.Sigma)
	}
}

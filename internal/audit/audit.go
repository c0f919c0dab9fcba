// Package audit runs the device rules over a fleet's configurations and
// gathers the findings, per-device scores and parse statistics into a
// Report. It is pure: the caller reads files and hands over their bytes.
package audit

import (
	"cmp"
	"errors"
	"path/filepath"
	"slices"
	"strings"

	"github.com/seawall/seawall/internal/audit/cred"
	"github.com/seawall/seawall/internal/audit/device"
	"github.com/seawall/seawall/internal/audit/harden"
	"github.com/seawall/seawall/internal/audit/ioc"
	"github.com/seawall/seawall/internal/audit/mgmt"
	"github.com/seawall/seawall/internal/audit/rule"
	"github.com/seawall/seawall/internal/audit/version"
	"github.com/seawall/seawall/internal/audit/vuln"
	"github.com/seawall/seawall/internal/inventory"
)

// Rules returns every rule seawall has, hardening first, then indicators,
// then vulnerabilities, each in catalogue order.
func Rules() []rule.Rule {
	var rs []rule.Rule
	rs = append(rs, mgmt.Rules()...)
	rs = append(rs, cred.Rules()...)
	rs = append(rs, harden.Rules()...)
	rs = append(rs, ioc.Rules()...)
	rs = append(rs, vuln.Rules()...)
	return rs
}

// Options shape an audit.
type Options struct {
	// Vendor forces the dialect; Unknown detects it per file.
	Vendor device.Vendor
	// Inventory is the operator's inventory (nil for none).
	Inventory *inventory.Config
	// Rules to run; nil means Rules().
	Rules []rule.Rule
}

// Device is one file's result.
type Device struct {
	Name       string        `json:"name"`
	File       string        `json:"file"`
	Vendor     device.Vendor `json:"vendor,omitempty"`
	Software   rule.Software `json:"software"`
	Lines      int           `json:"lines"`
	Understood int           `json:"understood"`
	// Score is 100 minus weighted findings (critical 25, high 10, medium 4,
	// low 1), floored at 0: a quick ranking, not a risk measure.
	Score    int            `json:"score"`
	Counts   map[string]int `json:"counts"`
	Findings int            `json:"findings"`
	// Unsupported is set for files of platforms seawall does not parse;
	// Error for files it could not read or whose rules failed.
	Unsupported device.Vendor `json:"unsupported,omitempty"`
	Error       string        `json:"error,omitempty"`
	// Bytes is the file size, for throughput figures.
	Bytes int `json:"bytes"`
	// Exposed is the inventory's word that the device is internet-facing or
	// provider edge (nil when the inventory does not list it); OOB says the
	// configuration has an out-of-band management interface or VRF. Both
	// change what the findings mean, so reports show them.
	Exposed *bool `json:"exposed,omitempty"`
	OOB     bool  `json:"oob_management"`

	config *device.Config
}

// VendorStats summarise parsing per dialect.
type VendorStats struct {
	Vendor     device.Vendor `json:"vendor"`
	Files      int           `json:"files"`
	Lines      int           `json:"lines"`
	Understood int           `json:"understood"`
	Bytes      int           `json:"bytes"`
}

// Share is the fraction of lines understood (1 when there are none).
func (s VendorStats) Share() float64 {
	if s.Lines == 0 {
		return 1
	}
	return float64(s.Understood) / float64(s.Lines)
}

// Skipped is a rule that was not run anywhere, and why.
type Skipped struct {
	ID     string `json:"rule"`
	Title  string `json:"title"`
	Reason string `json:"reason"`
}

// Report is a whole audit.
type Report struct {
	Devices  []Device       `json:"devices"`
	Findings []rule.Finding `json:"findings"`
	Vendors  []VendorStats  `json:"vendors"`
	Skipped  []Skipped      `json:"skipped_rules,omitempty"`
	// Rules are the rules that were considered, for SARIF metadata.
	Rules []rule.Rule `json:"-"`
}

// Auditor accumulates files one at a time (so callers can show progress)
// and builds the Report at the end.
type Auditor struct {
	opt     Options
	devices []Device
	// showVersions holds `show version` outputs by file stem, to pair with
	// configurations of the same stem that state no version themselves.
	showVersions map[string]rule.Software
}

// New starts an audit.
func New(opt Options) *Auditor {
	if opt.Rules == nil {
		opt.Rules = Rules()
	}
	if opt.Inventory == nil {
		opt.Inventory = &inventory.Config{}
	}
	return &Auditor{opt: opt, showVersions: map[string]rule.Software{}}
}

// Add audits one file.
func (a *Auditor) Add(name string, data []byte) {
	d := Device{Name: filepath.Base(name), File: name, Bytes: len(data), Counts: map[string]int{}}
	cfg, err := device.Parse(name, data, a.opt.Vendor)
	if err != nil {
		var ue *device.UnsupportedError
		if errors.As(err, &ue) {
			if sw, ok := version.FromShowVersion(name, data); ok {
				a.showVersions[stem(name)] = sw
				return
			}
			d.Unsupported = ue.Vendor
			if ue.Vendor == device.Unknown {
				d.Unsupported = device.Other
			}
		}
		d.Error = err.Error()
		a.devices = append(a.devices, d)
		return
	}
	d.config = cfg
	d.Vendor = cfg.Vendor
	d.Lines, d.Understood = cfg.Lines, cfg.Understood
	if cfg.Hostname != "" {
		d.Name = cfg.Hostname
	}
	d.Software = version.FromConfig(cfg)
	d.OOB = hasOOB(cfg)
	if inv := a.opt.Inventory.Device(d.Name); inv != nil {
		exposed := inv.Exposed
		d.Exposed = &exposed
	}
	a.devices = append(a.devices, d)
}

// stem is a file name without directory, extension and the suffixes people
// give `show version` captures, so r1.cfg pairs with r1.version.txt.
func stem(name string) string {
	s := strings.ToLower(filepath.Base(name))
	for {
		ext := filepath.Ext(s)
		if ext == "" || len(ext) > 9 {
			break
		}
		s = strings.TrimSuffix(s, ext)
	}
	for _, suf := range []string{"_show_version", "-show-version", "_version", "-version", ".version", "_showversion"} {
		s = strings.TrimSuffix(s, suf)
	}
	return s
}

// Report runs the rules and returns the result. Devices are sorted by score
// (worst first) then name; findings by severity (worst first), device, line.
func (a *Auditor) Report() *Report {
	r := &Report{Rules: a.opt.Rules}
	stats := map[device.Vendor]*VendorStats{}
	for i := range a.devices {
		d := &a.devices[i]
		if d.config == nil {
			if d.Unsupported != "" {
				s := stats[d.Unsupported]
				if s == nil {
					s = &VendorStats{Vendor: d.Unsupported}
					stats[d.Unsupported] = s
				}
				s.Files++
				s.Bytes += d.Bytes
			}
			continue
		}
		if d.Software.Version == "" {
			if sw, ok := a.showVersions[stem(d.File)]; ok {
				d.Software = sw
			}
		}
		rd := &rule.Device{Config: d.config, Inventory: a.opt.Inventory, Name: d.Name, Software: d.Software}
		fs, err := rule.Run(a.opt.Rules, rd)
		if err != nil {
			d.Error = err.Error()
		}
		score := 100
		for _, f := range fs {
			d.Counts[f.Severity.String()]++
			score -= []int{0, 1, 4, 10, 25}[f.Severity]
		}
		d.Score = max(score, 0)
		d.Findings = len(fs)
		r.Findings = append(r.Findings, fs...)
		s := stats[d.Vendor]
		if s == nil {
			s = &VendorStats{Vendor: d.Vendor}
			stats[d.Vendor] = s
		}
		s.Files++
		s.Lines += d.Lines
		s.Understood += d.Understood
		s.Bytes += d.Bytes
	}
	r.Devices = a.devices
	slices.SortStableFunc(r.Devices, func(x, y Device) int {
		return cmp.Or(cmp.Compare(x.Score, y.Score), strings.Compare(x.Name, y.Name), strings.Compare(x.File, y.File))
	})
	slices.SortStableFunc(r.Findings, func(x, y rule.Finding) int {
		xf, xl := x.Location()
		yf, yl := y.Location()
		return cmp.Or(cmp.Compare(y.Severity, x.Severity), strings.Compare(x.File, y.File), strings.Compare(xf, yf), cmp.Compare(xl, yl), strings.Compare(x.RuleID, y.RuleID))
	})
	for _, v := range append(device.SupportedVendors(), device.ASA, device.PANOS, device.FortiOS, device.SROS, device.F5, device.Cumulus, device.Other) {
		if s := stats[v]; s != nil {
			r.Vendors = append(r.Vendors, *s)
		}
	}
	for _, ru := range a.opt.Rules {
		if ru.NeedsState != "" {
			r.Skipped = append(r.Skipped, Skipped{ID: ru.ID, Title: ru.Title, Reason: ru.NeedsState})
		}
	}
	return r
}

// Worst returns the highest severity among the findings, and false when
// there are none.
func (r *Report) Worst() (rule.Severity, bool) {
	if len(r.Findings) == 0 {
		return 0, false
	}
	w := rule.Info
	for _, f := range r.Findings {
		w = max(w, f.Severity)
	}
	return w, true
}

// oobInterfaces are the dedicated management ports per dialect.
var oobInterfaces = map[device.Vendor][]string{
	device.IOS:   {"GigabitEthernet0", "FastEthernet0", "GigabitEthernet0/0"},
	device.NXOS:  {"mgmt0"},
	device.IOSXR: {"MgmtEth*"},
	device.EOS:   {"Management*"},
	device.Junos: {"fxp0", "em0", "me0", "vme"},
}

// hasOOB reports whether the configuration has an out-of-band management
// interface in use (addressed or in a management VRF).
func hasOOB(c *device.Config) bool {
	if c.Vendor == device.Junos {
		ifs := c.Path("interfaces")
		if ifs == nil {
			return false
		}
		for _, name := range oobInterfaces[device.Junos] {
			if n := ifs.Path(name); n != nil && n.Path("unit") != nil {
				return true
			}
		}
		return false
	}
	if c.Vendor == device.IOS {
		if c.First("vrf", "definition", "Mgmt-intf") != nil || c.First("ip", "vrf", "Mgmt-intf") != nil {
			return true
		}
	}
	for _, ifc := range c.Find("interface") {
		for _, name := range oobInterfaces[c.Vendor] {
			if !ifc.Hit("interface", name) {
				continue
			}
			for _, ch := range ifc.Children {
				if ch.Hit("ip", "address") || ch.Hit("ipv4", "address") || ch.Hit("vrf") || ch.Hit("vrf", "forwarding") {
					return true
				}
			}
		}
	}
	return false
}

// Package version reads the software version a device runs, from its
// configuration's own header lines or from `show version` output, and
// compares versions the way each vendor numbers them.
//
// A configuration says less than it seems: IOS and IOS XE write only the
// train (`version 17.9`, `version 15.2`) at the top of the running
// configuration, so without a RANCID or Oxidized header, or a `show
// version` beside it, seawall knows the train and not the release. Such a
// version parses with Train set and the Software's Source says so.
package version

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/seawall/seawall/internal/audit/device"
	"github.com/seawall/seawall/internal/audit/rule"
)

// TrainOnly is appended to Software.Source when the version names only a
// train, so a reader of the report knows the release is not known.
const TrainOnly = " (train only)"

var (
	// Patterns over a configuration's comment lines (RANCID and Oxidized
	// put `show version` facts there) and over `show version` lines.
	xeHeader      = regexp.MustCompile(`^Cisco IOS XE Software, Version (\S+)`)
	xe3Header     = regexp.MustCompile(`^IOS XE Version: (\S+)`)
	iosBanner     = regexp.MustCompile(`^Cisco IOS Software.*?,? Version ([^\s,]+)`)
	iosImage      = regexp.MustCompile(`^Image: Software: ([^,]+), ([^\s,]+),`)
	nxHeader      = regexp.MustCompile(`^(?:NXOS|system): +version (\S+)`)
	xrHeader      = regexp.MustCompile(`^Cisco IOS XR Software, Version ([0-9][0-9.]*)`)
	xrConfig      = regexp.MustCompile(`^IOS XR Configuration (?:version = )?([0-9][0-9.]*)`)
	junosHeader   = regexp.MustCompile(`^Junos: (\S+)`)
	junosRelease  = regexp.MustCompile(`^JUNOS (?:Software Release|Base OS boot|[A-Za-z0-9 ]*Software Suite) \[([^\]]+)\]`)
	eosDevice     = regexp.MustCompile(`^device: \S+ \(([^,]+), EOS-([^)\s]+)\)`)
	eosImage      = regexp.MustCompile(`^Software image version: (\S+)`)
	panHeader     = regexp.MustCompile(`^sw-version: (\S+)`)
	panModel      = regexp.MustCompile(`^model: (\S+)`)
	chassisType   = regexp.MustCompile(`^Chassis type: (\S+)`)
	modelLine     = regexp.MustCompile(`^(?:Model Number|Model)\s*: *(\S+)`)
	ciscoHardware = regexp.MustCompile(`^[Cc]isco (\S+) \(.*\) (?:processor|with)`)
	nexusChassis  = regexp.MustCompile(`^cisco (?:Nexus ?\d*\s+)?(\S+) [Cc]hassis`)
	chassisPID    = regexp.MustCompile(`^PID: (\S+)`)
	nexusPIDLine  = regexp.MustCompile(`^cisco (N\dK-\S+) \(`)
	xrHardware    = regexp.MustCompile(`^cisco (\S+(?: \S+)*) \(.*\) processor`)
	aristaModel   = regexp.MustCompile(`^Arista (\S+)$`)
)

// FromConfig returns the software version the configuration states about
// itself (a `version` line, a RANCID or Oxidized header), or a zero
// Software when it states none. An exact release from a header wins over
// the train-level IOS `version` line.
func FromConfig(c *device.Config) rule.Software {
	var lines []line
	for _, cm := range c.Comments {
		lines = append(lines, line{cm.Line, strings.TrimSpace(cm.Text)})
	}
	sw, _ := scan(c.Vendor, lines)
	if sw.Version != "" {
		sw.Source = fmt.Sprintf("config header line %d", sw.Line)
	}
	if c.Version == "" {
		return sw
	}
	os := osFor(c.Vendor, c.Version)
	v, err := Parse(os, c.Version)
	if err != nil {
		return sw
	}
	// The configuration's own statement wins when it is exact (NX-OS,
	// Junos): it is a node rules can point at.
	if sw.Version == "" || !v.Train {
		model := sw.Model
		sw = rule.Software{OS: os, Version: c.Version, Model: model, Line: c.VersionLine,
			Source: fmt.Sprintf("config line %d", c.VersionLine)}
		if v.Train {
			sw.Source += TrainOnly
		}
	}
	return sw
}

// osFor names the OS a configuration's `version` statement belongs to.
// IOS and IOS XE share a dialect: 16.x and later are IOS XE; 15.x and
// earlier are IOS, or the IOS daemon of an IOS XE 3.x device, which the
// configuration alone cannot tell apart.
func osFor(v device.Vendor, ver string) string {
	switch v {
	case device.NXOS:
		return NXOS
	case device.IOSXR:
		return IOSXR
	case device.EOS:
		return EOS
	case device.Junos:
		return Junos
	}
	if x, err := Parse(IOSXE, ver); err == nil && x.key[0].n >= 16 {
		return IOSXE
	}
	return IOS
}

type line struct {
	n    int
	text string
}

// FromShowVersion reads `show version` (or PAN-OS `show system info`)
// output of IOS, IOS XE, NX-OS, IOS XR, Junos, EOS or PAN-OS; ok is false
// when data is not such output. Version may still be "" when the output
// names the platform but no release (Junos on a VM host prints package
// builds only).
func FromShowVersion(name string, data []byte) (s rule.Software, ok bool) {
	text := strings.ReplaceAll(string(data), "\r", "")
	var lines []line
	for i, l := range strings.Split(text, "\n") {
		lines = append(lines, line{i + 1, strings.TrimSpace(l)})
	}
	var vendor device.Vendor
	switch {
	case strings.Contains(text, "Cisco IOS XR Software"):
		vendor = device.IOSXR
	case strings.Contains(text, "Cisco Nexus Operating System") || firstMatch(lines, nxHeader) != "":
		vendor = device.NXOS
	case strings.Contains(text, "Cisco IOS Software") || strings.Contains(text, "Cisco IOS XE Software"):
		vendor = device.IOS
	case strings.Contains(text, "\nJunos: ") || strings.HasPrefix(text, "Junos: ") || (strings.Contains(text, "Model: ") && strings.Contains(text, "JUNOS ")):
		vendor = device.Junos
	case strings.HasPrefix(strings.TrimSpace(text), "Arista ") && strings.Contains(text, "Software image version:"):
		vendor = device.EOS
	case strings.Contains(text, "\nsw-version: ") && strings.Contains(text, "model: "):
		vendor = device.PANOS
	default:
		return rule.Software{}, false
	}
	s, _ = scan(vendor, lines)
	if s.OS == "" {
		s.OS = map[device.Vendor]string{device.IOSXR: IOSXR, device.NXOS: NXOS, device.IOS: IOS, device.Junos: Junos, device.EOS: EOS, device.PANOS: PANOS}[vendor]
	}
	s.Line = 0 // a line of the show output, not of the configuration
	s.Source = fmt.Sprintf("show version (%s)", filepath.Base(name))
	return s, true
}

func firstMatch(lines []line, re *regexp.Regexp) string {
	for _, l := range lines {
		if re.MatchString(l.text) {
			return l.text
		}
	}
	return ""
}

// scan reads version and model facts from header or `show version`
// lines of a platform. The first good match of the most specific pattern
// wins; ok is false when no version was found.
func scan(v device.Vendor, lines []line) (sw rule.Software, ok bool) {
	found := func(os, ver string, n int) bool {
		ver = strings.TrimSpace(ver)
		if sw.Version != "" {
			return true
		}
		if _, err := Parse(os, ver); err != nil {
			return false
		}
		sw.OS, sw.Version, sw.Line = os, ver, n
		return true
	}
	first := func(re *regexp.Regexp, group int) (string, int) {
		for _, l := range lines {
			if m := re.FindStringSubmatch(l.text); m != nil {
				return m[group], l.n
			}
		}
		return "", 0
	}
	try := func(re *regexp.Regexp, pick func(m []string) (os, ver string)) {
		if sw.Version != "" {
			return
		}
		for _, l := range lines {
			if m := re.FindStringSubmatch(l.text); m != nil {
				if os, ver := pick(m); found(os, ver, l.n) {
					return
				}
			}
		}
	}
	fixed := func(os string) func([]string) (string, string) {
		return func(m []string) (string, string) { return os, m[1] }
	}
	switch v {
	case device.IOS:
		try(xeHeader, fixed(IOSXE))
		try(xe3Header, fixed(IOSXE))
		try(iosBanner, func(m []string) (string, string) { return iosOS(m[1]), m[1] })
		try(iosImage, func(m []string) (string, string) { return iosOS(m[2]), m[2] })
		sw.Model, _ = first(modelLine, 1)
		if sw.Model == "" {
			sw.Model, _ = first(chassisType, 1)
		}
		if sw.Model == "" {
			sw.Model, _ = first(ciscoHardware, 1)
		}
	case device.NXOS:
		try(nxHeader, fixed(NXOS))
		sw.Model = nexusPID(lines)
		if sw.Model == "" {
			sw.Model, _ = first(nexusPIDLine, 1)
		}
		if sw.Model == "" {
			sw.Model, _ = first(nexusChassis, 1)
		}
	case device.IOSXR:
		try(xrHeader, fixed(IOSXR))
		try(xrConfig, fixed(IOSXR))
		sw.Model, _ = first(xrHardware, 1)
	case device.Junos:
		try(junosHeader, fixed(Junos))
		try(junosRelease, fixed(Junos))
		sw.Model, _ = first(modelLine, 1)
	case device.EOS:
		try(eosDevice, func(m []string) (string, string) { return EOS, m[2] })
		try(eosImage, func(m []string) (string, string) { return EOS, eosRelease(m[1]) })
		if m, _ := first(eosDevice, 1); m != "" {
			sw.Model = m
		} else {
			sw.Model, _ = first(aristaModel, 1)
		}
	case device.PANOS:
		try(panHeader, fixed(PANOS))
		sw.Model, _ = first(panModel, 1)
	}
	return sw, sw.Version != ""
}

// iosOS decides IOS or IOS XE from a banner or image line and the version
// it carries: an IOS XE 3.x banner carries the IOS XE release itself
// (03.06.05E) or the IOS daemon's 15.x release, which orders as IOS.
func iosOS(ver string) string {
	if x, err := Parse(IOSXE, ver); err == nil && (x.key[0].n >= 16 || x.key[0].n <= 3) {
		return IOSXE
	}
	return IOS
}

// eosRelease drops the internal build from an EOS image version:
// "4.31.6M-39953990.4316M (engineering build)" → "4.31.6M".
func eosRelease(s string) string {
	if i := strings.IndexByte(s, '-'); i > 0 {
		return s[:i]
	}
	return s
}

// nexusPID returns the product id of the chassis from `show inventory`
// lines (Oxidized keeps them in the header): the PID after NAME "Chassis".
// It is the model Cisco's advisories name (N3K-C3172PQ-10GE).
func nexusPID(lines []line) string {
	for i, l := range lines {
		if strings.HasPrefix(l.text, `NAME: "Chassis"`) && i+1 < len(lines) {
			if m := chassisPID.FindStringSubmatch(lines[i+1].text); m != nil {
				return m[1]
			}
		}
	}
	return ""
}

var modelPrefix = regexp.MustCompile(`^(?:N\dK-|DS-|NEXUS ?)?C?(\d)`)

// NormalizeModel reduces a Cisco hardware name to the part every spelling
// shares, so that `show inventory`'s PID (N3K-C3172PQ-10GE), `show
// version`'s chassis line (C3172PQ-10GE) and an advisory's list compare
// equal: upper case, without the N3K-/N9K-/DS-/Nexus family prefix and the "C"
// before the number. Other names are only upper-cased.
func NormalizeModel(s string) string {
	s = strings.ToUpper(strings.TrimSpace(s))
	if m := modelPrefix.FindStringSubmatchIndex(s); m != nil {
		return s[m[2]:]
	}
	return s
}

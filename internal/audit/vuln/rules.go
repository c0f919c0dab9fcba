package vuln

import (
	"fmt"
	"slices"
	"strings"

	"github.com/seawall/seawall/internal/audit/device"
	"github.com/seawall/seawall/internal/audit/rule"
	"github.com/seawall/seawall/internal/audit/version"
)

const (
	unverified  = "unverified"
	kevCatalog  = "https://www.cisa.gov/known-exploited-vulnerabilities-catalog"
	msgExposed  = "exposed"
	msgNotReach = "vulnerable version but not reachable by configuration"
	msgUnknown  = "unknown version"
)

// reachability is what the configuration says about the vulnerable
// feature: whether it is on, the lines that show it, and how to say so.
type reachability struct {
	on         bool
	nodes      []*device.Node
	how        string
	confidence string
	// absent says the feature does not exist here (no Smart Install on a
	// router): a vulnerable release is then not worth a finding.
	absent bool
}

// feature reads one CVE's reachability from a configuration.
type feature struct {
	platforms []device.Vendor
	reach     func(c *device.Config, sw rule.Software) reachability
	// unknownSeverity is the severity of an "unknown version" finding:
	// medium where the configuration shows the feature on, low where the
	// flaw needs no feature (every device of the platform has it).
	unknownSeverity rule.Severity
	attack          []string
	doc             string
	remediation     map[device.Vendor]string
}

// features maps a dataset's reach names to their configuration checks.
func features() map[string]feature {
	return map[string]feature{
		"webui": {
			platforms: rule.Platforms(device.IOS), reach: webUI, unknownSeverity: rule.Medium, attack: []string{"T1190"},
			doc: "Reachable when the web UI is on: `ip http server` or `ip http secure-server` (the running configuration prints whichever is " +
				"enabled). `ip http active-session-modules none` / `ip http secure-active-session-modules none` keep the web UI off " +
				"on that transport; that reading is from analyst knowledge of the advisory, so such findings are unverified.",
			remediation: map[device.Vendor]string{device.IOS: "Upgrade to a fixed IOS XE release (17.9.4a, 17.6.6a, 17.3.8a, 16.12.10a on Catalyst 3650/3850, or later). " +
				"Until then, and unless the web UI is needed:\nno ip http server\nno ip http secure-server\n" +
				"Then look for compromise: unknown privilege-15 users and the implant (Cisco advisory, \"Indicators of compromise\")."},
		},
		"smartinstall": {
			platforms: rule.Platforms(device.IOS), reach: smartInstall, unknownSeverity: rule.Medium, attack: []string{"T1190"},
			doc: "Reachable when the Smart Install client is on (TCP/4786): a `vstack` line, or no `no vstack` line on a Catalyst switch " +
				"running classic IOS or IOS XE 3.x, where the client is on by default (the default choice: Cisco turned it off when " +
				"unused in later releases, CSCvd36820, so IOS XE 16.x and later, routers, and devices that cannot be told to be switches " +
				"are treated as off). A switch is recognised by its model (WS-C*, IE-*, C1000/C2960/C3560/C3650/C3750/C3850) or by " +
				"`switch N provision`, `vtp` or `spanning-tree mode` lines. Where neither line is present and the default is off, " +
				"Smart Install is taken to be absent and the release is not reported.",
			remediation: map[device.Vendor]string{device.IOS: "Turn the Smart Install client off; no release fixes Smart Install protocol misuse:\nno vstack\n" +
				"Block TCP/4786 at the edge, and upgrade to a release fixed for CVE-2018-0171 (Cisco Software Checker)."},
		},
		"admincli": {
			platforms: rule.Platforms(device.NXOS), reach: always("exploitation needs administrator credentials on the CLI, which stolen credentials give"),
			unknownSeverity: rule.Low, attack: []string{"T1068", "T1059"},
			doc: "The flaw is in CLI commands and needs administrator credentials, so the configuration cannot turn it off: the check is " +
				"by release and model. Releases before 9.3(5) are affected; 9.3(5) and later only on N3K-C3264C-E, N3K-C3172PQ-10GE(-XL), " +
				"N3K-C3172TQ-10GT, N3K-C3548P-10GX and N9K-C92348GC-X. A 9.3(5)-or-later device whose model is unknown is not reported: " +
				"pair a `show version` (or an Oxidized header with `show inventory`) so the model is known.",
			remediation: map[device.Vendor]string{device.NXOS: "Upgrade to a release fixed for CVE-2024-20399 (Cisco Software Checker). " +
				"Limit who holds network-admin: per-user accounts through TACACS+ with command accounting, no shared admin, and\n" +
				"aaa accounting default group <tacacs-group>\nReview `show accounting log` for `configure` commands with shell metacharacters."},
		},
		"shell": {
			platforms: rule.Platforms(device.Junos), reach: always("exploitation needs shell access by a high-privilege user"),
			unknownSeverity: rule.Low, attack: []string{"T1068", "T1601"},
			doc: "The flaw is local (veriexec bypass from the shell) and needs a high-privilege user, so the check is by release. " +
				"Junos OS Evolved is not affected.",
			remediation: map[device.Vendor]string{device.Junos: "Upgrade to 21.2R3-S9, 21.4R3-S10, 22.2R3-S6, 22.4R3-S6, 23.2R2-S3, 23.4R2-S4, 24.2R1-S2, 24.2R2 or later, " +
				"run the Juniper Malware Removal Tool (`request system malware-scan`), and take the shell away from login classes that do not need it:\n" +
				"delete system login class <class> permissions shell"},
		},
		"globalprotect": {
			platforms: rule.Platforms(device.PANOS), reach: globalProtect, unknownSeverity: rule.Medium, attack: []string{"T1190"},
			doc: "Reachable when a GlobalProtect gateway or portal is configured. Seawall does not parse PAN-OS configurations yet, so " +
				"this rule does not run in an audit today; the data is kept so a PAN-OS version from `show system info` can be matched.",
			remediation: map[device.Vendor]string{device.PANOS: "Upgrade to 10.2.9-h1, 11.0.4-h1, 11.1.2-h3 or a later hotfix; until then apply the " +
				"vendor's Threat Prevention signature for CVE-2024-3400 on the GlobalProtect interface."},
		},
	}
}

// Rules returns one rule per CVE in the embedded dataset, in dataset order.
func Rules() []rule.Rule {
	d, err := Load()
	if err != nil {
		panic(err) // the embedded file is tested; this is a build defect
	}
	var rs []rule.Rule
	for i := range d.CVEs {
		rs = append(rs, ruleFor(d, &d.CVEs[i]))
	}
	return rs
}

func ruleFor(d *Dataset, c *CVE) rule.Rule {
	f, ok := features()[c.Reach]
	if !ok {
		panic(fmt.Sprintf("vuln: %s: unknown reach %q", c.ID, c.Reach))
	}
	sev := rule.High
	if c.CVSS >= 9 {
		sev = rule.Critical
	}
	refs := []string{kevCatalog}
	for _, u := range append(append([]string(nil), c.Advisories...), c.KEVNotes...) {
		if !slices.Contains(refs, u) {
			refs = append(refs, u)
		}
	}
	return rule.Rule{
		ID: c.ID, Title: c.Name, Kind: rule.Vuln, Severity: sev, Platforms: f.platforms,
		Doc:         doc(d, c, f),
		Remediation: f.remediation, References: refs, ATTACK: f.attack,
		Check: check(c, f),
	}
}

func doc(d *Dataset, c *CVE, f feature) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s (CVSS %.1f", c.ShortDescription, c.CVSS)
	if c.CVSSConfidence != "" {
		b.WriteString(", " + c.CVSSConfidence)
	}
	fmt.Fprintf(&b, "). In CISA KEV since %s (catalogue %s); linked to %s. Affected:", c.DateAdded, d.CatalogVersion, c.Actors)
	for _, r := range c.Ranges {
		b.WriteString(" " + describeRange(r))
		if r.Confidence != "" {
			b.WriteString(" [" + r.Confidence + "]")
		}
		b.WriteString(";")
	}
	b.WriteString(" " + f.doc)
	if c.HotfixNote != "" {
		b.WriteString(" PAN-OS " + c.HotfixNote + ".")
	}
	if c.Note != "" {
		b.WriteString(" Note: " + c.Note)
	}
	return b.String()
}

func describeRange(r Range) string {
	s := osTitle(r.OS)
	switch {
	case r.From != "" && r.Before != "":
		s += " " + r.From + " up to " + r.Before
	case r.From != "":
		s += " " + r.From + " and later"
	case r.Before != "":
		s += " before " + r.Before
	}
	if len(r.Models) > 0 {
		s += " on " + strings.Join(r.Models, ", ")
	}
	return s
}

func osTitle(os string) string {
	switch os {
	case version.IOS:
		return "IOS"
	case version.IOSXE:
		return "IOS XE"
	case version.NXOS:
		return "NX-OS"
	case version.Junos:
		return "Junos"
	case version.PANOS:
		return "PAN-OS"
	case version.EOS:
		return "EOS"
	case version.IOSXR:
		return "IOS XR"
	}
	return os
}

// verdict is what the version data says.
type verdict int

const (
	notAffected verdict = iota
	affected
	unknown
)

type match struct {
	verdict    verdict
	why        string
	confidence string
}

// match places the device's software in the CVE's ranges.
func (c *CVE) match(sw rule.Software) match {
	allUnverified := true
	for _, r := range c.Ranges {
		allUnverified = allUnverified && r.Confidence == unverified
	}
	unknownConf := ""
	if allUnverified {
		unknownConf = unverified
	}
	if sw.Version == "" {
		return match{verdict: unknown, confidence: unknownConf,
			why: "the software version is not known (no version in the configuration and no `show version` paired with it)"}
	}
	v, err := version.Parse(sw.OS, sw.Version)
	if err != nil {
		return match{verdict: unknown, confidence: unknownConf, why: fmt.Sprintf("version %q could not be read", sw.Version)}
	}
	if sw.OS == version.Junos && strings.HasSuffix(sw.Version, "-EVO") && c.Reach == "shell" {
		return match{}
	}
	var maybe *Range
	for i, r := range c.Ranges {
		if r.OS != sw.OS {
			continue
		}
		if len(r.Models) > 0 && !modelIn(sw.Model, r.Models) {
			continue
		}
		switch v.Within(bound(r.OS, r.From), bound(r.OS, r.Before)) {
		case version.In:
			m := match{verdict: affected, confidence: r.Confidence,
				why: fmt.Sprintf("%s %s is affected (%s)", osTitle(sw.OS), sw.Version, describeRange(r))}
			if r.Fixed != "" {
				m.why += ", fixed in " + r.Fixed
			}
			if v.Train {
				m.why += "; the configuration names only the train, every release of which is affected"
			}
			if h := hotfixAtOrBelow(v, r); h != "" {
				m.confidence = unverified
				m.why += fmt.Sprintf("; hotfix %s and later of this release are reported fixed by the vendor [k]", h)
			}
			return m
		case version.Maybe:
			if maybe == nil {
				maybe = &c.Ranges[i]
			}
		}
	}
	if maybe != nil {
		return match{verdict: unknown, confidence: maybe.Confidence,
			why: fmt.Sprintf("%q names only the train and it holds both affected and fixed releases (%s)", sw.Version, describeRange(*maybe))}
	}
	return match{}
}

func bound(os, s string) version.V {
	if s == "" {
		return version.V{}
	}
	return version.MustParse(os, s)
}

// hotfixAtOrBelow returns the intermediate hotfix of v's own maintenance
// release that v has reached, if any (PAN-OS 10.2.8-h3 for 10.2.8-h4).
func hotfixAtOrBelow(v version.V, r Range) string {
	base, _, _ := strings.Cut(v.Raw, "-h")
	for _, h := range r.Hotfixes {
		hb, _, _ := strings.Cut(h, "-h")
		if hb == base && v.Compare(version.MustParse(r.OS, h)) >= 0 {
			return h
		}
	}
	return ""
}

func modelIn(model string, list []string) bool {
	if model == "" {
		return false
	}
	m := version.NormalizeModel(model)
	for _, l := range list {
		if version.NormalizeModel(l) == m {
			return true
		}
	}
	return false
}

// check builds a rule's Check from its version data and its feature.
func check(c *CVE, f feature) func(*rule.Device) []rule.Hit {
	return func(d *rule.Device) []rule.Hit {
		m := c.match(d.Software)
		if m.verdict == notAffected {
			return nil
		}
		r := f.reach(d.Config, d.Software)
		conf := m.confidence
		if r.confidence != "" {
			conf = r.confidence
		}
		nodes := append(versionNodes(d), r.nodes...)
		msg := m.why
		if r.how != "" {
			msg += "; " + r.how
		}
		switch {
		case m.verdict == affected && r.on:
			return []rule.Hit{{Message: msgExposed + ": " + msg, Nodes: nodes, Confidence: conf}}
		case m.verdict == affected && !r.absent:
			return []rule.Hit{{Message: msgNotReach + ": " + msg, Nodes: nodes, Severity: rule.Medium, Confidence: conf}}
		case r.on:
			return []rule.Hit{{Message: msgUnknown + ": " + msg, Nodes: nodes, Severity: f.unknownSeverity, Confidence: conf}}
		}
		return nil
	}
}

// versionNodes is the configuration line the version was read from: the
// statement, or for a header comment a stand-in node carrying the comment
// (Cisco-style dialects only; a Junos comment has no `set` form).
func versionNodes(d *rule.Device) []*device.Node {
	l := d.Software.Line
	if l <= 0 {
		return nil
	}
	var found *device.Node
	d.Config.Root.Walk(func(n *device.Node) bool {
		if n.Line == l {
			found = n // the deepest node on the line: Junos `version X`
		}
		return n.Line <= l
	})
	if found != nil {
		return []*device.Node{found}
	}
	if d.Config.Vendor == device.Junos {
		return nil
	}
	for _, cm := range d.Config.Comments {
		if cm.Line == l {
			return []*device.Node{{Line: l, Text: "! " + cm.Text, Words: strings.Fields(cm.Text)}}
		}
	}
	return nil
}

func always(how string) func(*device.Config, rule.Software) reachability {
	return func(*device.Config, rule.Software) reachability { return reachability{on: true, how: how} }
}

// webUI reads `ip http server` / `ip http secure-server`.
func webUI(c *device.Config, _ rule.Software) reachability {
	var r reachability
	var on, off []string
	for _, t := range []struct{ svc, modules string }{{"server", "active-session-modules"}, {"secure-server", "secure-active-session-modules"}} {
		n := c.First("ip", "http", t.svc)
		if n == nil {
			continue
		}
		r.nodes = append(r.nodes, n)
		if none := c.First("ip", "http", t.modules, "none"); none != nil {
			r.nodes = append(r.nodes, none)
			off = append(off, "ip http "+t.svc)
			continue
		}
		on = append(on, "ip http "+t.svc)
	}
	switch {
	case len(on) > 0:
		r.on = true
		r.how = "the web UI is enabled (" + strings.Join(on, ", ") + ")"
	case len(off) > 0:
		r.how = "the web UI is configured (" + strings.Join(off, ", ") + ") but its session modules are none"
		r.confidence = unverified
	default:
		r.how = "the web UI is off (no ip http server or ip http secure-server)"
	}
	return r
}

// smartInstall reads `vstack` / `no vstack`, and the default on Catalyst
// switches (see the feature's doc for the choice). Without either line on
// a device that is not a default-on switch, Smart Install is taken to be
// absent, so releases there are not reported at all: otherwise every IOS
// router would carry an unverified finding.
func smartInstall(c *device.Config, sw rule.Software) reachability {
	for _, n := range c.Top() {
		switch {
		case n.Hit("no", "vstack"):
			return reachability{nodes: []*device.Node{n}, how: "the Smart Install client is off (no vstack)"}
		case n.Hit("vstack"):
			return reachability{on: true, nodes: []*device.Node{n}, how: "the Smart Install client is on (" + n.Text + ")"}
		}
	}
	if defaultOnSwitch(c, sw) {
		return reachability{on: true, how: "the Smart Install client is on by default on this Catalyst switch (no `no vstack` line)"}
	}
	return reachability{absent: true, how: "no Smart Install client is configured"}
}

var catalystPrefixes = []string{"WS-C", "IE-", "C1000", "C2960", "C3560", "C3650", "C3750", "C3850"}

func defaultOnSwitch(c *device.Config, sw rule.Software) bool {
	if sw.OS == version.IOSXE {
		v, err := version.Parse(sw.OS, sw.Version)
		if err != nil || v.Compare(version.MustParse(version.IOSXE, "16.0")) >= 0 {
			return false
		}
	}
	model := strings.ToUpper(sw.Model)
	for _, p := range catalystPrefixes {
		if strings.HasPrefix(model, p) {
			return true
		}
	}
	if model != "" {
		return false
	}
	return c.First("switch", "*", "provision") != nil || c.First("vtp") != nil || c.First("spanning-tree", "mode") != nil
}

// globalProtect finds a GlobalProtect gateway or portal in any form that
// names it (set commands or XML element names as words).
func globalProtect(c *device.Config, _ rule.Software) reachability {
	var r reachability
	c.Root.Walk(func(n *device.Node) bool {
		for _, w := range n.Words {
			if w == "global-protect-gateway" || w == "global-protect-portal" {
				r.nodes = append(r.nodes, n)
				return false
			}
		}
		return true
	})
	if len(r.nodes) > 0 {
		r.on = true
		r.how = "a GlobalProtect gateway or portal is configured"
	} else {
		r.how = "no GlobalProtect gateway or portal is configured"
	}
	return r
}

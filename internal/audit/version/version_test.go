package version

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.yaml.in/yaml/v3"

	"github.com/seawall/seawall/internal/audit/device"
	"github.com/seawall/seawall/internal/audit/rule"
	"github.com/seawall/seawall/internal/testenv"
)

func TestFromConfig(t *testing.T) {
	tests := []struct {
		name   string
		vendor device.Vendor
		config string
		want   rule.Software
	}{
		{
			name: "ios train only", vendor: device.IOS,
			config: "!\nversion 15.2\nhostname sw1\n!\n",
			want:   rule.Software{OS: IOS, Version: "15.2", Line: 2, Source: "config line 2 (train only)"},
		},
		{
			name: "ios xe train only", vendor: device.IOS,
			config: "version 17.9\nhostname r1\n",
			want:   rule.Software{OS: IOSXE, Version: "17.9", Line: 1, Source: "config line 1 (train only)"},
		},
		{
			name: "oxidized ios xe header", vendor: device.IOS,
			config: "! Cisco IOS XE Software, Version 16.08.01b\n! \n! Image: Software: PPC_LINUX_IOSD-UNIVERSALK9_NPE-M, 16.8.1b, RELEASE SOFTWARE (fc1)\n" +
				"! Chassis type: ASR-920-24TZ-M\n!\nversion 16.8\nhostname asr\n",
			want: rule.Software{OS: IOSXE, Version: "16.08.01b", Model: "ASR-920-24TZ-M", Line: 1, Source: "config header line 1"},
		},
		{
			name: "rancid ios image line", vendor: device.IOS,
			config: "!RANCID-CONTENT-TYPE: cisco\n!\n!Chassis type: WS-C3750X-48P (PowerPC405)\n!Image: Software: C3750E-UNIVERSALK9-M, 15.0(2)SE11, RELEASE SOFTWARE (fc3)\n!\nversion 15.0\nhostname sw\n",
			want:   rule.Software{OS: IOS, Version: "15.0(2)SE11", Model: "WS-C3750X-48P", Line: 4, Source: "config header line 4"},
		},
		{
			name: "nxos version line", vendor: device.NXOS,
			config: "!Command: show running-config\nversion 7.3(13)N1(1)\nswitchname n5k\nfeature telnet\n",
			want:   rule.Software{OS: NXOS, Version: "7.3(13)N1(1)", Line: 2, Source: "config line 2"},
		},
		{
			name: "nxos oxidized header with inventory pid", vendor: device.NXOS,
			config: "! Cisco Nexus Operating System (NX-OS) Software\n!   NXOS: version 9.3(8)\n!   cisco Nexus3000 C3172PQ Chassis\n" +
				"! NAME: \"Chassis\", DESCR: \"Nexus 3172 Chassis\"\n! PID: N3K-C3172PQ-10GE   , VID: V01 , SN: FOC1\n!\nversion 9.3(8) Bios:version 07.15\nhostname n3k\nfeature nxapi\n",
			want: rule.Software{OS: NXOS, Version: "9.3(8)", Model: "N3K-C3172PQ-10GE", Line: 7, Source: "config line 7"},
		},
		{
			name: "junos version statement", vendor: device.Junos,
			config: "## Last commit: 2024-01-01 by admin\nversion 22.4R3-S2.11;\nsystem {\n    host-name j1;\n}\n",
			want:   rule.Software{OS: Junos, Version: "22.4R3-S2.11", Line: 2, Source: "config line 2"},
		},
		{
			name: "junos oxidized header only", vendor: device.Junos,
			config: "# Model: srx300\n# Junos: 22.4R3-S2.11\n# JUNOS Software Release [22.4R3-S2.11]\nset system host-name j1\n",
			want:   rule.Software{OS: Junos, Version: "22.4R3-S2.11", Model: "srx300", Line: 2, Source: "config header line 2"},
		},
		{
			name: "eos device header", vendor: device.EOS,
			config: "! Command: show running-config\n! device: eos-test-01 (DCS-7050SX3-48YC8, EOS-4.29.2F)\n!\nhostname eos-test-01\n",
			want:   rule.Software{OS: EOS, Version: "4.29.2F", Model: "DCS-7050SX3-48YC8", Line: 2, Source: "config header line 2"},
		},
		{
			name: "ios xr configuration comment", vendor: device.IOSXR,
			config: "!! IOS XR Configuration 7.3.2\n!! Last configuration change at Tue Jan 1 by admin\n!\nhostname xr1\n",
			want:   rule.Software{OS: IOSXR, Version: "7.3.2", Line: 1, Source: "config header line 1"},
		},
		{
			name: "ios xr old configuration comment", vendor: device.IOSXR,
			config: "!! IOS XR Configuration version = 5.3.4\n!\nhostname xr1\n",
			want:   rule.Software{OS: IOSXR, Version: "5.3.4", Line: 1, Source: "config header line 1"},
		},
		{
			name: "no version", vendor: device.IOS,
			config: "hostname r1\ninterface Loopback0\n",
			want:   rule.Software{},
		},
		{
			name: "garbage version", vendor: device.IOS,
			config: "version banana\nhostname r1\n",
			want:   rule.Software{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := device.Parse(tt.name, []byte(tt.config), tt.vendor)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, FromConfig(c)); diff != "" {
				t.Errorf("FromConfig (-want +got):\n%s", diff)
			}
		})
	}
}

func TestFromShowVersion(t *testing.T) {
	tests := []struct {
		file string
		want rule.Software
	}{
		{"cisco_ios_show_version_01.raw", rule.Software{OS: IOS, Version: "12.4(6)T2", Model: "1801"}},
		// IOS XE 3.x: the IOS XE release, not the IOS daemon's 15.3(2)S1.
		{"cisco_ios_show_version2.raw", rule.Software{OS: IOSXE, Version: "03.09.01.S", Model: "ASR1001"}},
		{"cisco_ios_show_version4.raw", rule.Software{OS: IOSXE, Version: "16.09.03", Model: "C9500-40X"}},
		{"cisco_nxos_show_version7.raw", rule.Software{OS: NXOS, Version: "9.3(15)", Model: "C3232C"}},
		{"cisco_nxos_show_version2.raw", rule.Software{OS: NXOS, Version: "7.1(4)N1(1)", Model: "5596"}},
		{"cisco_xr_show_version2.raw", rule.Software{OS: IOSXR, Version: "6.5.1", Model: "IOS-XRv 9000"}},
		{"cisco_xr_show_version_01.raw", rule.Software{OS: IOSXR, Version: "7.9.2", Model: "8202-32FH-M"}},
		{"juniper_junos_show_version_ex.raw", rule.Software{OS: Junos, Version: "13.2X51-D35.3", Model: "ex4550-32f"}},
		{"juniper_junos_show_version_qfx5100.raw", rule.Software{OS: Junos, Version: "21.4R3-S3.4", Model: "qfx5100-48t-6q"}},
		{"arista_eos_show_version2.raw", rule.Software{OS: EOS, Version: "4.27.6M", Model: "CCS-720XP-24ZY4-F"}},
		{"arista_eos_show_version_ceos.raw", rule.Software{OS: EOS, Version: "4.31.6M", Model: "cEOSLab"}},
		{"paloalto_panos_show_system_info.raw", rule.Software{OS: PANOS, Version: "7.0.1", Model: "PA-VM"}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			got, ok := FromShowVersion("dir/"+tt.file, data)
			if !ok {
				t.Fatal("not recognised as show version output")
			}
			tt.want.Source = "show version (" + tt.file + ")"
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("FromShowVersion (-want +got):\n%s", diff)
			}
		})
	}
}

func TestFromShowVersionRejects(t *testing.T) {
	for _, s := range []string{
		"",
		"hostname r1\ninterface Loopback0\n",
		"Cisco Adaptive Security Appliance Software Version 9.12(4)67\n",
		"Huawei Versatile Routing Platform Software\nVRP (R) software, Version 8.180 (NE40E V800R011C00SPC200)\n",
	} {
		if sw, ok := FromShowVersion("x", []byte(s)); ok {
			t.Errorf("FromShowVersion(%q) = %+v, true; want false", s, sw)
		}
	}
}

// ntcExpect is what ntc-templates' parsed_sample says, per platform.
type ntcExpect struct {
	Version  string `yaml:"version"`
	OS       string `yaml:"os"`
	Junos    string `yaml:"junos_version"`
	Image    string `yaml:"image"`
	Hardware any    `yaml:"hardware"`
	Platform string `yaml:"platform"`
	Model    string `yaml:"model"`
}

// TestNTCTemplatesCorpus reads every show version output of the shared
// ntc-templates corpus and checks the version (and model) against the
// fields ntc-templates extracts. Platforms seawall does not read (ASA,
// FortiOS, Huawei VRP) must not be taken for show version of one it does.
func TestNTCTemplatesCorpus(t *testing.T) {
	dir := testenv.SharedData(t, "configs/ntc-templates-version")
	platforms := map[string]string{
		"cisco_ios": IOS, "cisco_nxos": NXOS, "cisco_xr": IOSXR, "juniper_junos": Junos,
		"arista_eos": EOS, "paloalto_panos": PANOS,
		"cisco_asa": "", "fortinet": "", "huawei_vrp": "",
	}
	// Where seawall deliberately reads a different field than ntc-templates.
	override := map[string]string{
		// ntc-templates keeps the IOS daemon's 15.3(2)S1; the IOS XE
		// release is what advisories name.
		"cisco_ios_show_version2.raw": "03.09.01.S",
	}
	n := 0
	for platform, wantOS := range platforms {
		raws, err := filepath.Glob(filepath.Join(dir, platform, "*.raw"))
		if err != nil {
			t.Fatal(err)
		}
		for _, raw := range raws {
			n++
			base := filepath.Base(raw)
			data, err := os.ReadFile(raw)
			if err != nil {
				t.Fatal(err)
			}
			got, ok := FromShowVersion(raw, data)
			if wantOS == "" {
				if ok {
					t.Errorf("%s/%s: taken for show version of %s %q", platform, base, got.OS, got.Version)
				}
				continue
			}
			if !ok {
				t.Errorf("%s/%s: not recognised", platform, base)
				continue
			}
			want := readNTC(t, strings.TrimSuffix(raw, ".raw")+".yml")
			ver := firstNonEmpty(override[base], want.Version, want.OS, want.Junos, want.Image)
			if f := strings.Fields(ver); len(f) > 0 {
				ver = f[0] // "10.4(5) [Maintenance Release]", "7.9.2 LNT"
			}
			if ver == "" {
				if got.Version != "" {
					t.Errorf("%s/%s: version %q, ntc-templates finds none", platform, base, got.Version)
				}
				continue
			}
			c, err := Compare(got.OS, got.Version, ver)
			if err != nil || c != 0 {
				t.Errorf("%s/%s: version %s %q, want %q (%v)", platform, base, got.OS, got.Version, ver, err)
			}
			if wantOS == IOS && got.OS != IOS && got.OS != IOSXE || wantOS != IOS && got.OS != wantOS {
				t.Errorf("%s/%s: OS %q", platform, base, got.OS)
			}
			model := firstNonEmpty(want.Platform, want.Model)
			switch h := want.Hardware.(type) {
			case string:
				model = h
			case []any:
				if len(h) > 0 {
					model, _ = h[0].(string)
				}
			}
			if model != "" && NormalizeModel(got.Model) != NormalizeModel(model) {
				t.Errorf("%s/%s: model %q, want %q", platform, base, got.Model, model)
			}
		}
	}
	if n == 0 {
		t.Fatalf("no .raw files under %s", dir)
	}
}

func readNTC(t *testing.T, path string) ntcExpect {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Parsed []ntcExpect `yaml:"parsed_sample"`
	}
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if len(doc.Parsed) == 0 {
		t.Fatalf("%s: no parsed_sample", path)
	}
	return doc.Parsed[0]
}

func TestNormalizeModel(t *testing.T) {
	tests := []struct{ in, want string }{
		{"N3K-C3172PQ-10GE", "3172PQ-10GE"},
		{"C3172PQ-10GE", "3172PQ-10GE"},
		{"n9k-c92348gc-x", "92348GC-X"},
		{"N9K-C9396PX", "9396PX"},
		{"5596", "5596"},
		{"Nexus5548", "5548"},
		{"DS-C9148S-K9", "9148S-K9"},
		{"WS-C3850-48U", "WS-C3850-48U"},
	}
	for _, tt := range tests {
		if got := NormalizeModel(tt.in); got != tt.want {
			t.Errorf("NormalizeModel(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}

// FuzzFromShowVersion checks that any input is either rejected or gives a
// version that parses as its OS.
func FuzzFromShowVersion(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.raw"))
	for _, p := range files {
		if data, err := os.ReadFile(p); err == nil {
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		sw, ok := FromShowVersion("x", data)
		if !ok || sw.Version == "" {
			return
		}
		if _, err := Parse(sw.OS, sw.Version); err != nil {
			t.Fatalf("FromShowVersion gave %s %q that does not parse: %v", sw.OS, sw.Version, err)
		}
	})
}

package harden

import (
	"bufio"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/seawall/seawall/internal/audit/device"
	"github.com/seawall/seawall/internal/audit/rule"
	"github.com/seawall/seawall/internal/audit/rule/ruletest"
	"github.com/seawall/seawall/internal/inventory"
)

// got is what a test compares for one finding.
type got struct {
	ID         string
	Lines      []int
	Severity   rule.Severity
	Confidence string
}

// sections reads a fixture file of `-- name --` sections; line numbers in
// a section count from its first line.
func sections(t *testing.T, file string) map[string]string {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", file))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string]string{}
	name := ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		l := sc.Text()
		if strings.HasPrefix(l, "-- ") && strings.HasSuffix(l, " --") {
			name = strings.TrimSuffix(strings.TrimPrefix(l, "-- "), " --")
			out[name] = ""
			continue
		}
		out[name] += l + "\n"
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// run parses a fixture section and runs one rule on it.
func run(t *testing.T, r rule.Rule, name, text string, inv *inventory.Config) []got {
	t.Helper()
	v, ok := device.ParseVendor(strings.SplitN(name, "-", 2)[0])
	if !ok {
		t.Fatalf("section %q does not start with a vendor", name)
	}
	if !r.AppliesTo(v) {
		t.Fatalf("%s does not apply to %s", r.ID, v)
	}
	var out []got
	for _, f := range ruletest.Run(t, []rule.Rule{r}, ruletest.Device(ruletest.Parse(t, name, text, v), inv)) {
		out = append(out, got{ID: f.RuleID, Lines: ruletest.Lines(f), Severity: f.Severity, Confidence: f.Confidence})
	}
	return out
}

func TestRules(t *testing.T) {
	H, M, L, C := rule.High, rule.Medium, rule.Low, rule.Critical
	// core lists pe1 as an interior device, exposed as an exposed one:
	// only the former changes what the external-interface rules see.
	core := &inventory.Config{Devices: []inventory.Device{{Name: "pe1", Role: "core"}}}
	exposed := &inventory.Config{Devices: []inventory.Device{{Name: "pe1", Exposed: true}}}
	edge := &inventory.Config{Devices: []inventory.Device{{Name: "core1", Role: "core"}, {Name: "pe9", Exposed: true, Loopbacks: []netip.Addr{netip.MustParseAddr("10.255.9.9")}}}}
	tests := []struct {
		id, section string
		inv         *inventory.Config
		want        []got
	}{
		{"HARD-030", "ios-fail", nil, []got{{"HARD-030", []int{3}, C, ""}}},
		{"HARD-030", "ios-pass", nil, nil},
		{"HARD-030", "ios-old-switch", nil, []got{{"HARD-030", nil, H, "unverified"}}},
		{"HARD-030", "ios-router-17", nil, nil},

		{"HARD-031", "ios-fail", nil, []got{{"HARD-031", []int{2, 4}, H, ""}}},
		{"HARD-031", "ios-fail-iox", nil, []got{{"HARD-031", []int{2}, H, ""}}},
		{"HARD-031", "ios-fail-gs-only", nil, []got{{"HARD-031", []int{2}, M, ""}}},
		{"HARD-031", "ios-pass", nil, nil},

		{"HARD-032", "nxos-fail", nil, []got{{"HARD-032", []int{3}, H, ""}}},
		{"HARD-032", "nxos-pass", nil, nil},

		{"HARD-034", "ios-fail", nil, []got{{"HARD-034", []int{2, 3}, M, "unverified"}}},
		{"HARD-034", "ios-fail", core, nil},
		{"HARD-034", "ios-fail", exposed, []got{{"HARD-034", []int{2, 3}, M, "unverified"}}},
		{"HARD-034", "ios-fail-bgp", nil, []got{{"HARD-034", []int{2, 6}, M, "unverified"}}},
		{"HARD-034", "ios-pass", nil, nil},
		{"HARD-034", "ios-pass-iface", nil, nil},
		{"HARD-034", "nxos-fail", nil, []got{{"HARD-034", []int{3, 4}, M, "unverified"}}},
		{"HARD-034", "nxos-pass", nil, nil},
		{"HARD-034", "iosxr-fail", nil, []got{{"HARD-034", []int{3, 4}, M, "unverified"}}},
		{"HARD-034", "iosxr-pass", nil, nil},
		{"HARD-034", "junos-fail", nil, []got{{"HARD-034", []int{3, 2, 4}, M, "unverified"}}},
		{"HARD-034", "junos-pass", nil, nil},
		{"HARD-034", "eos-fail", nil, []got{{"HARD-034", []int{2, 3}, M, "unverified"}}},
		{"HARD-034", "eos-pass", nil, nil},
		{"HARD-034", "eos-pass-global", nil, nil},

		{"HARD-035", "ios-fail", nil, []got{{"HARD-035", []int{2}, M, ""}, {"HARD-035", []int{3}, M, ""}}},
		{"HARD-035", "ios-absent", nil, []got{{"HARD-035", nil, M, ""}}},
		{"HARD-035", "ios-pass", nil, nil},

		{"HARD-036", "ios-fail", nil, []got{{"HARD-036", []int{4, 5}, M, "unverified"}, {"HARD-036", []int{7}, L, ""}}},
		{"HARD-036", "ios-fail", core, []got{{"HARD-036", []int{4, 7}, L, ""}}},
		{"HARD-036", "ios-pass", nil, nil},
		{"HARD-036", "ios-pass-iface", nil, nil},

		{"HARD-037", "ios-fail", nil, []got{{"HARD-037", []int{4}, L, ""}}},
		{"HARD-037", "ios-pass", nil, nil},

		{"HARD-038", "ios-fail", nil, []got{{"HARD-038", []int{2}, M, ""}, {"HARD-038", []int{3}, M, ""}, {"HARD-038", []int{5}, M, ""}, {"HARD-038", []int{6}, M, ""}}},
		{"HARD-038", "ios-absent", nil, []got{{"HARD-038", nil, M, ""}}},
		{"HARD-038", "ios-pass", nil, nil},

		{"HARD-039", "ios-fail", nil, []got{{"HARD-039", []int{2}, M, ""}, {"HARD-039", []int{3}, M, ""}}},
		{"HARD-039", "ios-pass", nil, nil},
		{"HARD-039", "iosxr-fail", nil, []got{{"HARD-039", []int{2}, M, ""}}},
		{"HARD-039", "iosxr-pass", nil, nil},
		{"HARD-039", "junos-fail", nil, []got{{"HARD-039", []int{2}, M, ""}}},
		{"HARD-039", "junos-pass", nil, nil},

		{"HARD-040", "ios-fail", nil, []got{{"HARD-040", []int{6}, H, ""}, {"HARD-040", []int{8}, H, ""}, {"HARD-040", []int{10}, H, ""}, {"HARD-040", []int{12}, H, ""}}},
		{"HARD-040", "ios-fail-userinfo", nil, []got{{"HARD-040", []int{2}, H, ""}}},
		{"HARD-040", "ios-pass", nil, nil},
		{"HARD-040", "iosxr-fail", nil, []got{{"HARD-040", []int{3}, H, ""}, {"HARD-040", []int{6}, H, ""}}},
		{"HARD-040", "iosxr-pass", nil, nil},
		{"HARD-040", "junos-fail", nil, []got{{"HARD-040", []int{5}, H, ""}, {"HARD-040", []int{7}, H, ""}}},
		{"HARD-040", "junos-pass", nil, nil},

		{"HARD-041", "ios-fail", nil, []got{{"HARD-041", []int{5, 2}, M, ""}, {"HARD-041", []int{6}, M, ""}}},
		{"HARD-041", "ios-fail-explicit", nil, []got{{"HARD-041", []int{3}, M, ""}, {"HARD-041", []int{2}, M, "unverified"}}},
		{"HARD-041", "ios-pass", nil, nil},
		{"HARD-041", "ios-pass-nohttps", nil, nil},
		{"HARD-041", "nxos-fail", nil, []got{{"HARD-041", []int{2}, M, ""}, {"HARD-041", []int{3}, M, ""}}},
		{"HARD-041", "nxos-pass", nil, nil},
		{"HARD-041", "junos-fail", nil, []got{{"HARD-041", []int{5}, M, ""}}},
		{"HARD-041", "junos-pass", nil, nil},
		{"HARD-041", "eos-fail", nil, []got{{"HARD-041", []int{4}, M, ""}, {"HARD-041", []int{6}, M, ""}}},
		{"HARD-041", "eos-pass", nil, nil},

		{"HARD-042", "ios-fail", nil, []got{{"HARD-042", []int{2}, H, ""}, {"HARD-042", nil, H, ""}, {"HARD-042", []int{3}, H, ""}}},
		{"HARD-042", "ios-fail-level", nil, []got{{"HARD-042", []int{3}, H, ""}}},
		{"HARD-042", "ios-pass", nil, nil},
		{"HARD-042", "nxos-fail", nil, []got{{"HARD-042", []int{2}, H, ""}, {"HARD-042", []int{3}, H, ""}}},
		{"HARD-042", "nxos-absent", nil, []got{{"HARD-042", nil, H, ""}}},
		{"HARD-042", "nxos-pass", nil, nil},
		{"HARD-042", "iosxr-fail", nil, []got{{"HARD-042", []int{3}, H, ""}, {"HARD-042", []int{2}, H, ""}}},
		{"HARD-042", "iosxr-absent", nil, []got{{"HARD-042", nil, H, ""}}},
		{"HARD-042", "iosxr-pass", nil, nil},
		{"HARD-042", "junos-fail", nil, []got{{"HARD-042", []int{2}, H, ""}}},
		{"HARD-042", "junos-absent", nil, []got{{"HARD-042", []int{3}, H, ""}}},
		{"HARD-042", "junos-pass", nil, nil},
		{"HARD-042", "eos-fail", nil, []got{{"HARD-042", []int{2}, H, ""}}},
		{"HARD-042", "eos-absent", nil, []got{{"HARD-042", nil, H, ""}}},
		{"HARD-042", "eos-pass", nil, nil},

		{"HARD-043", "ios-fail", nil, []got{{"HARD-043", []int{2}, M, ""}, {"HARD-043", []int{3}, L, ""}}},
		{"HARD-043", "ios-pass", nil, nil},
		{"HARD-043", "nxos-fail", nil, []got{{"HARD-043", []int{2}, M, ""}, {"HARD-043", []int{3}, L, ""}}},
		{"HARD-043", "nxos-pass", nil, nil},
		{"HARD-043", "junos-fail", nil, []got{{"HARD-043", []int{2}, M, ""}, {"HARD-043", []int{3}, M, ""}, {"HARD-043", []int{5}, L, ""}}},
		{"HARD-043", "junos-pass", nil, nil},

		{"HARD-044", "ios-fail", nil, []got{{"HARD-044", []int{2}, M, ""}, {"HARD-044", []int{3}, M, ""}}},
		{"HARD-044", "ios-uptime", nil, []got{{"HARD-044", []int{1}, M, ""}, {"HARD-044", []int{2}, M, ""}}},
		{"HARD-044", "ios-absent", nil, []got{{"HARD-044", nil, M, ""}}},
		{"HARD-044", "ios-pass", nil, nil},

		{"HARD-045", "ios-fail", nil, []got{{"HARD-045", []int{2}, L, ""}, {"HARD-045", []int{3}, L, ""}}},
		{"HARD-045", "ios-pass", nil, nil},

		{"HARD-046", "ios-fail", nil, []got{{"HARD-046", []int{2}, H, ""}}},
		{"HARD-046", "ios-fail-no-enable", nil, []got{{"HARD-046", []int{3}, H, ""}}},
		{"HARD-046", "ios-fail-partial", nil, []got{{"HARD-046", []int{3}, M, ""}, {"HARD-046", []int{3}, M, ""}}},
		{"HARD-046", "ios-absent", nil, []got{{"HARD-046", nil, H, ""}}},
		{"HARD-046", "ios-pass", nil, nil},
		{"HARD-046", "junos-fail", nil, []got{{"HARD-046", []int{2}, H, ""}, {"HARD-046", []int{2}, H, ""}}},
		{"HARD-046", "junos-pass", nil, nil},
		{"HARD-046", "junos-pass-any", nil, nil},
		{"HARD-046", "iosxr-pass", nil, nil},
		{"HARD-046", "nxos-pass", nil, nil},

		{"HARD-047", "ios-fail", nil, []got{{"HARD-047", []int{2}, M, ""}, {"HARD-047", nil, M, ""}, {"HARD-047", []int{2}, M, ""}}},
		{"HARD-047", "ios-absent", nil, []got{{"HARD-047", nil, M, ""}}},
		{"HARD-047", "ios-pass", nil, nil},
		{"HARD-047", "nxos-fail", nil, []got{{"HARD-047", []int{3, 4}, M, ""}}},
		{"HARD-047", "nxos-pass", nil, nil},
		{"HARD-047", "iosxr-fail", nil, []got{{"HARD-047", []int{4}, M, ""}, {"HARD-047", []int{2}, M, ""}}},
		{"HARD-047", "iosxr-pass", nil, nil},
		{"HARD-047", "junos-fail", nil, []got{{"HARD-047", []int{2}, M, ""}, {"HARD-047", []int{2}, M, ""}, {"HARD-047", []int{2}, M, ""}}},
		{"HARD-047", "junos-untrusted", nil, []got{{"HARD-047", []int{5, 6}, M, ""}}},
		{"HARD-047", "junos-pass", nil, nil},

		{"HARD-048", "ios-fail", nil, []got{{"HARD-048", []int{2}, L, ""}}},
		{"HARD-048", "ios-pass", nil, nil},
		{"HARD-048", "ios-none", nil, nil},

		{"HARD-049", "ios-fail", nil, []got{{"HARD-049", []int{2}, H, ""}}},
		{"HARD-049", "ios-absent", nil, []got{{"HARD-049", nil, H, ""}}},
		{"HARD-049", "ios-pass", nil, nil},
		{"HARD-049", "ios-pass-cat9k", nil, nil},
		{"HARD-049", "nxos-fail", nil, []got{{"HARD-049", []int{2}, M, ""}}},
		{"HARD-049", "nxos-absent", nil, []got{{"HARD-049", nil, H, "unverified"}}},
		{"HARD-049", "nxos-pass", nil, nil},
		{"HARD-049", "nxos-pass-custom", nil, nil},
		{"HARD-049", "iosxr-pass", nil, nil},
		{"HARD-049", "junos-fail", nil, []got{{"HARD-049", []int{2}, H, ""}}},
		{"HARD-049", "junos-absent", nil, []got{{"HARD-049", nil, H, ""}}},
		{"HARD-049", "junos-pass", nil, nil},
		{"HARD-049", "junos-pass-group", nil, nil},
		{"HARD-049", "eos-fail", nil, []got{{"HARD-049", []int{6, 4}, H, ""}}},
		{"HARD-049", "eos-pass", nil, nil},
		{"HARD-049", "eos-pass-default", nil, nil},

		{"HARD-050", "ios-fail", nil, []got{{"HARD-050", []int{3}, H, ""}}},
		{"HARD-050", "ios-fail", edge, []got{{"HARD-050", []int{3}, H, ""}}},
		{"HARD-050", "ios-pass", nil, nil},
		{"HARD-050", "ios-ibgp-only", nil, nil},
		{"HARD-050", "iosxr-fail", nil, []got{{"HARD-050", []int{3}, H, ""}}},
		{"HARD-050", "iosxr-pass", nil, nil},
		{"HARD-050", "junos-fail", nil, []got{{"HARD-050", []int{2}, H, ""}}},
		{"HARD-050", "junos-pass", nil, nil},

		{"HARD-051", "ios-fail", nil, []got{{"HARD-051", []int{6}, M, ""}, {"HARD-051", []int{8}, M, ""}, {"HARD-051", []int{15}, M, ""}}},
		{"HARD-051", "ios-pass", nil, nil},
		{"HARD-051", "nxos-fail", nil, []got{{"HARD-051", []int{3}, M, ""}}},
		{"HARD-051", "nxos-pass", nil, nil},
		{"HARD-051", "iosxr-fail", nil, []got{{"HARD-051", []int{4}, M, ""}}},
		{"HARD-051", "iosxr-pass", nil, nil},
		{"HARD-051", "eos-fail", nil, []got{{"HARD-051", []int{4}, M, ""}}},
		{"HARD-051", "eos-pass", nil, nil},

		{"HARD-052", "ios-fail", nil, []got{{"HARD-052", []int{2, 3}, M, "unverified"}, {"HARD-052", []int{5, 6, 8}, L, "unverified"}, {"HARD-052", []int{9, 10}, M, "unverified"}}},
		{"HARD-052", "ios-fail", core, nil},
		{"HARD-052", "ios-pass", nil, nil},
		{"HARD-052", "iosxr-fail", nil, []got{{"HARD-052", []int{2, 6}, M, "unverified"}}},
		{"HARD-052", "iosxr-pass", nil, nil},
		{"HARD-052", "junos-fail", nil, []got{{"HARD-052", []int{2}, M, "unverified"}}},
		{"HARD-052", "junos-pass", nil, nil},
		{"HARD-052", "eos-fail", nil, []got{{"HARD-052", []int{2, 3, 6}, M, "unverified"}}},
		{"HARD-052", "eos-pass", nil, nil},

		{"HARD-053", "ios-fail", nil, []got{{"HARD-053", []int{14}, M, ""}, {"HARD-053", []int{4}, M, ""}, {"HARD-053", []int{7}, M, ""}, {"HARD-053", []int{10}, M, ""}}},
		{"HARD-053", "ios-fail-absent", nil, []got{{"HARD-053", []int{2}, M, ""}, {"HARD-053", []int{4}, M, ""}}},
		{"HARD-053", "ios-pass", nil, nil},
		{"HARD-053", "iosxr-fail", nil, []got{{"HARD-053", []int{8}, M, ""}, {"HARD-053", []int{5}, M, ""}, {"HARD-053", []int{2}, M, ""}}},
		{"HARD-053", "iosxr-pass", nil, nil},
		{"HARD-053", "junos-fail", nil, []got{{"HARD-053", []int{2}, M, ""}, {"HARD-053", []int{3}, M, ""}, {"HARD-053", []int{4}, M, ""}}},
		{"HARD-053", "junos-pass", nil, nil},
		{"HARD-053", "eos-fail", nil, []got{{"HARD-053", []int{8}, M, ""}, {"HARD-053", []int{4}, M, ""}}},
		{"HARD-053", "eos-pass", nil, nil},

		{"HARD-054", "ios-fail", nil, []got{{"HARD-054", []int{3}, M, ""}, {"HARD-054", []int{4}, M, ""}}},
		{"HARD-054", "ios-pass", nil, nil},
		{"HARD-054", "iosxr-fail", nil, []got{{"HARD-054", []int{4}, M, ""}}},
		{"HARD-054", "iosxr-pass", nil, nil},
		{"HARD-054", "junos-fail", nil, []got{{"HARD-054", []int{4}, M, ""}}},
		{"HARD-054", "junos-pass", nil, nil},

		{"HARD-055", "ios-fail", nil, []got{{"HARD-055", []int{4}, M, ""}, {"HARD-055", []int{5}, M, ""}, {"HARD-055", []int{6}, M, ""}, {"HARD-055", []int{9}, M, ""}, {"HARD-055", []int{12}, M, ""}, {"HARD-055", []int{7}, M, ""}, {"HARD-055", []int{2}, M, ""}}},
		{"HARD-055", "ios-pass", nil, nil},
		{"HARD-055", "iosxr-fail", nil, []got{{"HARD-055", []int{3}, M, ""}, {"HARD-055", []int{4}, M, ""}, {"HARD-055", []int{5}, M, ""}}},
		{"HARD-055", "iosxr-pass", nil, nil},
		{"HARD-055", "junos-fail", nil, []got{{"HARD-055", []int{1}, M, ""}, {"HARD-055", []int{2}, M, ""}, {"HARD-055", []int{6}, M, ""}, {"HARD-055", []int{4}, M, ""}, {"HARD-055", []int{5}, M, ""}}},
		{"HARD-055", "junos-pass", nil, nil},
		{"HARD-055", "eos-fail", nil, []got{{"HARD-055", []int{4}, M, ""}, {"HARD-055", []int{5}, M, ""}, {"HARD-055", []int{6}, M, ""}, {"HARD-055", []int{9}, M, ""}, {"HARD-055", []int{10}, M, ""}}},
		{"HARD-055", "eos-pass", nil, nil},

		{"HARD-057", "ios-fail", nil, []got{{"HARD-057", []int{10}, H, ""}}},
		{"HARD-057", "ios-pass", nil, nil},
		{"HARD-057", "ios-pass-noheader", nil, nil},
		{"HARD-057", "nxos-fail", nil, []got{{"HARD-057", []int{6}, H, ""}}},
		{"HARD-057", "nxos-pass", nil, nil},
		{"HARD-057", "iosxr-pass", nil, nil},
		{"HARD-057", "junos-pass", nil, nil},

		{"HARD-058", "ios-fail", nil, []got{
			{"HARD-058", []int{4, 8}, H, "unverified"},
			{"HARD-058", []int{2, 5}, C, ""},
			{"HARD-058", []int{6}, C, ""},
			{"HARD-058", []int{7}, C, ""},
		}},
		{"HARD-058", "ios-pass", nil, nil},
		{"HARD-058", "iosxr-fail", nil, []got{{"HARD-058", []int{2, 3}, C, ""}}},
		{"HARD-058", "iosxr-pass", nil, nil},

		{"HARD-060", "ios-fail", nil, []got{{"HARD-060", []int{2}, L, ""}}},
		{"HARD-060", "ios-absent", nil, []got{{"HARD-060", nil, L, ""}}},
		{"HARD-060", "ios-pass", nil, nil},
	}
	files := map[string]map[string]string{}
	for _, tt := range tests {
		name := tt.id + "/" + tt.section
		if tt.inv != nil {
			name += "/inventory"
		}
		t.Run(name, func(t *testing.T) {
			file := strings.ToLower(strings.ReplaceAll(tt.id, "-", "")[4:])
			file = "hard" + file + ".txt"
			if files[file] == nil {
				files[file] = sections(t, file)
			}
			text, ok := files[file][tt.section]
			if !ok {
				t.Fatalf("%s has no section %q", file, tt.section)
			}
			inv := tt.inv
			if inv == nil {
				inv = &inventory.Config{}
			}
			if diff := cmp.Diff(tt.want, run(t, ruletest.ByID(t, Rules(), tt.id), tt.section, text, inv)); diff != "" {
				t.Errorf("findings (-want +got):\n%s", diff)
			}
		})
	}
}

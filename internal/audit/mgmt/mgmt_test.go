package mgmt

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/seawall/seawall/internal/audit/device"
	"github.com/seawall/seawall/internal/audit/rule"
	"github.com/seawall/seawall/internal/audit/rule/ruletest"
	"github.com/seawall/seawall/internal/testenv"
)

// got is what a test asserts about one finding: the rule, the evidence
// lines and whether the finding rests on an unconfirmed default.
type got struct {
	ID         string
	Lines      []int
	Unverified bool
}

func audit(t *testing.T, file string, v device.Vendor) []rule.Finding {
	t.Helper()
	return ruletest.Run(t, Rules(), ruletest.Device(ruletest.Fixture(t, file, v), nil))
}

func summarise(fs []rule.Finding) []got {
	var out []got
	for _, f := range fs {
		out = append(out, got{ID: f.RuleID, Lines: ruletest.Lines(f), Unverified: f.Confidence == unverified})
	}
	return out
}

// Each platform has a hardened configuration that passes every rule and
// weak ones that fail them; the expectations list every finding, so a
// rule that starts firing on a good line fails the test as surely as one
// that stops firing on a bad one.
var fixtures = []struct {
	file   string
	vendor device.Vendor
	want   []got
}{
	{file: "ios-hardened.cfg", vendor: device.IOS},
	{file: "ios-weak.cfg", vendor: device.IOS, want: []got{
		{ID: "HARD-001", Lines: []int{36}},
		{ID: "HARD-002", Lines: []int{29}},
		{ID: "HARD-002", Lines: []int{30}, Unverified: true},
		{ID: "HARD-002", Lines: []int{32}, Unverified: true},
		{ID: "HARD-003", Lines: []int{33, 9}},
		{ID: "HARD-003", Lines: []int{37}},
		{ID: "HARD-004", Lines: []int{14}},
		{ID: "HARD-006", Lines: []int{17}},
		{ID: "HARD-006", Lines: []int{18}},
		{ID: "HARD-007", Lines: []int{15}},
		{ID: "HARD-007", Lines: []int{16}},
		{ID: "HARD-008", Lines: []int{11}},
		{ID: "HARD-009", Lines: []int{12}},
		{ID: "HARD-009", Lines: []int{13}},
		{ID: "HARD-009", Lines: []int{12}},
		{ID: "HARD-011"},
		{ID: "HARD-012"},
		{ID: "HARD-013", Lines: []int{28}},
		{ID: "HARD-013", Lines: []int{34}},
		{ID: "HARD-013", Lines: []int{38}},
		{ID: "HARD-014"},
		{ID: "HARD-014"},
		{ID: "HARD-014"},
		{ID: "HARD-015", Lines: []int{30}},
		{ID: "HARD-015", Lines: []int{31}},
		{ID: "HARD-016"},
		{ID: "HARD-016"},
	}},
	{file: "ios-old.cfg", vendor: device.IOS, want: []got{
		{ID: "HARD-001", Lines: []int{36}},
		{ID: "HARD-002", Lines: []int{36}, Unverified: true},
		{ID: "HARD-003", Lines: []int{37, 19}},
		{ID: "HARD-003", Lines: []int{39}},
		{ID: "HARD-004"},
		{ID: "HARD-005", Lines: []int{13}},
		{ID: "HARD-011", Lines: []int{8, 26, 27}},
		{ID: "HARD-012", Lines: []int{30}},
		{ID: "HARD-014"},
		{ID: "HARD-014"},
		{ID: "HARD-014"},
		{ID: "HARD-016"},
	}},
	{file: "nxos-hardened.cfg", vendor: device.NXOS},
	{file: "nxos-weak.cfg", vendor: device.NXOS, want: []got{
		{ID: "HARD-001", Lines: []int{4}},
		{ID: "HARD-003", Lines: []int{26, 11}},
		{ID: "HARD-005", Lines: []int{13}},
		{ID: "HARD-010", Lines: []int{7}},
		{ID: "HARD-011", Lines: []int{15, 18}},
		{ID: "HARD-012"},
		{ID: "HARD-013", Lines: []int{24}},
		{ID: "HARD-013", Lines: []int{25}, Unverified: true},
	}},
	{file: "nxos-defaults.cfg", vendor: device.NXOS, want: []got{
		{ID: "HARD-003", Lines: []int{11}, Unverified: true},
		{ID: "HARD-005", Unverified: true},
		{ID: "HARD-013", Lines: []int{9}, Unverified: true},
		{ID: "HARD-013", Lines: []int{10}, Unverified: true},
	}},
	{file: "iosxr-hardened.cfg", vendor: device.IOSXR},
	{file: "iosxr-weak.cfg", vendor: device.IOSXR, want: []got{
		{ID: "HARD-001", Lines: []int{10}},
		{ID: "HARD-001", Lines: []int{11}},
		{ID: "HARD-003", Lines: []int{13}},
		{ID: "HARD-004", Lines: []int{13}},
		{ID: "HARD-011", Lines: []int{13}},
		{ID: "HARD-012"},
		{ID: "HARD-013", Lines: []int{6}},
		{ID: "HARD-013", Lines: []int{8}},
	}},
	{file: "iosxr-mpp.cfg", vendor: device.IOSXR, want: []got{
		{ID: "HARD-003", Lines: []int{9, 6}},
		{ID: "HARD-011", Lines: []int{18}},
	}},
	{file: "junos-hardened.conf", vendor: device.Junos},
	{file: "junos-weak.set", vendor: device.Junos, want: []got{
		{ID: "HARD-001", Lines: []int{3}},
		{ID: "HARD-003", Lines: []int{21}},
		{ID: "HARD-004", Lines: []int{13}},
		{ID: "HARD-010", Lines: []int{4}},
		{ID: "HARD-010", Lines: []int{15}},
		{ID: "HARD-011", Lines: []int{17}},
		{ID: "HARD-012", Lines: []int{6}},
		{ID: "HARD-013", Lines: []int{7}},
		{ID: "HARD-013", Lines: []int{8}},
		{ID: "HARD-013", Lines: []int{9}},
		{ID: "HARD-014", Lines: []int{12}},
		{ID: "HARD-014", Lines: []int{16}},
	}},
	{file: "eos-hardened.cfg", vendor: device.EOS},
	{file: "eos-weak.cfg", vendor: device.EOS, want: []got{
		{ID: "HARD-001", Lines: []int{28, 30}},
		{ID: "HARD-003", Lines: []int{24, 7}},
		{ID: "HARD-003", Lines: []int{23}},
		{ID: "HARD-010", Lines: []int{16, 17}},
		{ID: "HARD-011"},
		{ID: "HARD-012"},
		{ID: "HARD-013", Lines: []int{23}},
		{ID: "HARD-013", Lines: []int{21}},
	}},
	{file: "eos-defaults.cfg", vendor: device.EOS, want: []got{
		{ID: "HARD-003"},
		{ID: "HARD-011", Lines: []int{10}},
		{ID: "HARD-013"},
	}},
}

func TestFixtures(t *testing.T) {
	for _, tc := range fixtures {
		t.Run(tc.file, func(t *testing.T) {
			fs := audit(t, tc.file, tc.vendor)
			if diff := cmp.Diff(tc.want, summarise(fs)); diff != "" {
				t.Errorf("findings (-want +got):\n%s", diff)
			}
		})
	}
}

// TestMessages pins the wording of every finding in a golden file per
// fixture, so a message that loses its specifics shows up in review.
func TestMessages(t *testing.T) {
	for _, tc := range fixtures {
		if len(tc.want) == 0 {
			continue
		}
		t.Run(tc.file, func(t *testing.T) {
			var b strings.Builder
			for _, f := range audit(t, tc.file, tc.vendor) {
				fmt.Fprintf(&b, "%s %s", f.RuleID, f.Severity)
				if f.Confidence != "" {
					fmt.Fprintf(&b, " (%s)", f.Confidence)
				}
				fmt.Fprintf(&b, ": %s\n", f.Message)
				for _, e := range f.Evidence {
					fmt.Fprintf(&b, "    %d: %s\n", e.Line, e.Text)
				}
			}
			testenv.Golden(t, filepath.Join("testdata", tc.file+".golden"), []byte(b.String()))
		})
	}
}

// TestNoSecrets checks that no finding repeats a password, hash, key or
// community string from the fixtures.
func TestNoSecrets(t *testing.T) {
	secrets := []string{
		"$9$", "$1$", "$6$", "0822455D0A16", "104D000A0618", "070C285F4D06",
		"Sup3rS3cretComm", "Pr1vateComm", "N3xusComm", "Ar1staComm",
	}
	for _, tc := range fixtures {
		ruletest.NoSecrets(t, tc.file, audit(t, tc.file, tc.vendor), secrets...)
	}
}

// TestRules checks each rule's metadata: catalogue order, a remediation
// for every platform it runs on, and the fields output needs.
func TestRules(t *testing.T) {
	rs := Rules()
	if len(rs) != 16 {
		t.Fatalf("%d rules, want 16", len(rs))
	}
	for i, r := range rs {
		if want := fmt.Sprintf("HARD-%03d", i+1); r.ID != want {
			t.Errorf("rule %d is %s, want %s", i, r.ID, want)
		}
		if r.Check == nil {
			t.Errorf("%s: no Check", r.ID)
		}
	}
	ruletest.CheckMetadata(t, rs, rule.Hardening)
}

// TestCorpus runs every rule over the shared configuration corpus, when it
// is present, to catch panics on real input.
func TestCorpus(t *testing.T) {
	ruletest.RunCorpus(t, Rules(), nil)
}

package ruletest

import (
	"fmt"
	"regexp"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/seawall/seawall/internal/audit/device"
	"github.com/seawall/seawall/internal/audit/rule"
)

// recorder is a testing.TB that keeps the errors it is given, so the
// helpers' own tests can show that they fail when they should.
type recorder struct {
	testing.TB
	errs []string
}

func (r *recorder) Helper()                   {}
func (r *recorder) Errorf(f string, a ...any) { r.errs = append(r.errs, fmt.Sprintf(f, a...)) }

func good() rule.Rule {
	return rule.Rule{
		ID: "HARD-001", Title: "t", Kind: rule.Hardening, Severity: rule.High, Doc: "d",
		Platforms:   rule.Platforms(device.IOS),
		Remediation: map[device.Vendor]string{device.IOS: "r"},
		References:  []string{"ref"},
		Check:       func(*rule.Device) []rule.Hit { return nil },
	}
}

func TestCheckMetadata(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(r *rule.Rule)
		nerrs int
	}{
		{"complete", func(*rule.Rule) {}, 0},
		{"bad id", func(r *rule.Rule) { r.ID = "HARD-1" }, 1},
		{"wrong kind", func(r *rule.Rule) { r.Kind = rule.Indicator }, 1},
		{"unknown severity", func(r *rule.Rule) { r.Severity = 99 }, 1},
		{"no doc", func(r *rule.Rule) { r.Doc = "" }, 1},
		{"no references", func(r *rule.Rule) { r.References = nil }, 1},
		{"check and needs state", func(r *rule.Rule) { r.NeedsState = "show" }, 1},
		{"remediation missing", func(r *rule.Rule) { r.Platforms = rule.Platforms(device.IOS, device.EOS) }, 2},
		{"remediation extra", func(r *rule.Rule) { r.Remediation = map[device.Vendor]string{device.IOS: "r", device.EOS: "r"} }, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := good()
			tt.edit(&r)
			rec := &recorder{TB: t}
			CheckMetadata(rec, []rule.Rule{r}, rule.Hardening)
			if len(rec.errs) != tt.nerrs {
				t.Errorf("%d errors, want %d: %q", len(rec.errs), tt.nerrs, rec.errs)
			}
		})
	}
	rec := &recorder{TB: t}
	CheckMetadata(rec, []rule.Rule{good(), good()}, rule.Hardening)
	if len(rec.errs) != 1 {
		t.Errorf("duplicate ids: %q", rec.errs)
	}
}

func TestNoSecrets(t *testing.T) {
	cfg := Parse(t, "r1.cfg", "hostname r1\nsnmp-server community <S&cret> RO\n", device.IOS)
	leak := good()
	leak.Check = func(d *rule.Device) []rule.Hit {
		return []rule.Hit{{Message: "community " + d.Config.Top()[1].Word(2)}}
	}
	fs := Run(t, []rule.Rule{leak}, Device(cfg, nil))
	if diff := cmp.Diff([]string{"r1"}, []string{fs[0].Device}); diff != "" {
		t.Errorf("device name (-want +got):\n%s", diff)
	}
	rec := &recorder{TB: t}
	NoSecrets(rec, "r1", fs, "<S&cret>", "absent")
	NoSecretMatch(rec, "r1", fs, regexp.MustCompile(`S&c`))
	if len(rec.errs) != 2 {
		t.Errorf("want the secret reported once by each check, got %q", rec.errs)
	}
	rec = &recorder{TB: t}
	NoSecrets(rec, "r1", fs, "absent")
	if len(rec.errs) != 0 {
		t.Errorf("false alarm: %q", rec.errs)
	}
}

func TestOnly(t *testing.T) {
	a, b := good(), good()
	b.ID = "HARD-002"
	var ids []string
	for _, r := range Only([]rule.Rule{a, b}, "HARD-002") {
		ids = append(ids, r.ID)
	}
	if diff := cmp.Diff([]string{"HARD-002"}, ids); diff != "" {
		t.Errorf("Only (-want +got):\n%s", diff)
	}
	if n := len(Only([]rule.Rule{a, b})); n != 2 {
		t.Errorf("Only with no ids kept %d rules, want 2", n)
	}
}

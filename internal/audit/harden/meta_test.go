package harden

import (
	"regexp"
	"strings"
	"testing"

	"github.com/seawall/seawall/internal/audit/device"
	"github.com/seawall/seawall/internal/audit/rule"
	"github.com/seawall/seawall/internal/audit/rule/ruletest"
)

// TestMetadata checks what every rule must carry for reports: catalogue
// id in order, a doc, a remediation per platform, references, and exactly
// one of Check and NeedsState.
func TestMetadata(t *testing.T) {
	id := regexp.MustCompile(`^HARD-0(3\d|4\d|5\d|60)$`)
	prev := ""
	for _, r := range Rules() {
		if !id.MatchString(r.ID) || r.ID <= prev {
			t.Errorf("%s: id out of range or order (after %s)", r.ID, prev)
		}
		prev = r.ID
	}
	ruletest.CheckMetadata(t, Rules(), rule.Hardening)
}

// TestNoSecrets runs every rule over the fixtures that carry passwords and
// communities and checks that no finding shows them.
func TestNoSecrets(t *testing.T) {
	secrets := []string{"Secret123", "Secret456", "CorrectHorseBattery", "public", "mycomm", "FAKEHASH", "0822455D0A16", "$9$/E6g9tO1IcSrvfTCu1hKv"}
	for _, file := range []string{"hard040.txt", "hard053.txt", "hard055.txt", "hard058.txt"} {
		for name, text := range sections(t, file) {
			v, _ := device.ParseVendor(strings.SplitN(name, "-", 2)[0])
			d := ruletest.Device(ruletest.Parse(t, name, text, v), nil)
			ruletest.NoSecrets(t, file+" "+name, ruletest.Run(t, Rules(), d), secrets...)
		}
	}
}

// TestCorpus runs every rule over the shared device-configuration corpus
// when it is present: no rule may panic, and every finding needs a message.
func TestCorpus(t *testing.T) {
	ruletest.RunCorpus(t, Rules(), func(path string, fs []rule.Finding) {
		for _, f := range fs {
			if f.Message == "" {
				t.Errorf("%s: %s without a message", path, f.RuleID)
			}
		}
	})
}

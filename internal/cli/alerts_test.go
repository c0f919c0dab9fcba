package cli

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/seawall/seawall/internal/alert"
	"github.com/seawall/seawall/internal/severity"
	"github.com/seawall/seawall/internal/store"
)

func TestAlertsList(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.run(t, "", "alerts", "list")
	expectCode(t, r, ExitFailure)
	if want := "seawall: no flow store yet at " + store.Path(e.dataDir) + "; run seawall serve\n"; r.err != want {
		t.Errorf("stderr %q, want %q", r.err, want)
	}

	now := time.Now().Truncate(time.Second).UTC()
	at := func(ago time.Duration) int64 { return now.Add(-ago).UnixNano() }
	seedStore(t, e, func(s *store.Store) {
		s.AddAlert(alert.Alert{Rule: "DET-FLOW-001", Title: "Blocked country", Severity: severity.High, First: at(time.Hour), Last: at(time.Minute), Count: 4,
			Key: "10.0.0.1>CN", Message: "10.0.0.1 talked to CN\n(AS4134)"})
		s.AddAlert(alert.Alert{Rule: "DET-FLOW-007", Title: "Port scan", Severity: severity.Low, First: at(2 * time.Hour), Last: at(2 * time.Hour), Count: 1, Key: "203.0.113.9"})
		s.AddAlert(alert.Alert{Rule: "DET-LOG-003", Title: "Config changed", Severity: severity.Critical, First: at(72 * time.Hour), Last: at(72 * time.Hour), Count: 1, Key: "r1"})
	})
	ts := func(ago time.Duration) string { return now.Add(-ago).Format(time.RFC3339) }
	tests := []struct {
		args []string
		want string
	}{
		{nil, "" +
			"last                  severity  rule          count  key          message\n" +
			ts(time.Minute) + "  high      DET-FLOW-001  4      10.0.0.1>CN  10.0.0.1 talked to CN (AS4134)\n" +
			ts(2*time.Hour) + "  low       DET-FLOW-007  1      203.0.113.9  Port scan\n"},
		{[]string{"--severity", "HIGH", "--since", "7d"}, "" +
			"last                  severity  rule          count  key          message\n" +
			ts(time.Minute) + "  high      DET-FLOW-001  4      10.0.0.1>CN  10.0.0.1 talked to CN (AS4134)\n" +
			ts(72*time.Hour) + "  critical  DET-LOG-003   1      r1           Config changed\n"},
		{[]string{"--since", "30s"}, "no alerts at or above info since " + ts(30*time.Second) + "\n"},
	}
	for _, tt := range tests {
		r := e.run(t, "", append([]string{"alerts", "list"}, tt.args...)...)
		expectCode(t, r, ExitOK)
		// The "no alerts" line prints the since time, which moves with
		// the clock; compare it by prefix.
		if strings.HasPrefix(tt.want, "no alerts") {
			if !strings.HasPrefix(r.out, "no alerts at or above info since ") {
				t.Errorf("alerts list %v: %q", tt.args, r.out)
			}
			continue
		}
		if diff := cmp.Diff(tt.want, r.out); diff != "" {
			t.Errorf("alerts list %v (-want +got):\n%s", tt.args, diff)
		}
	}

	r = e.run(t, "", "alerts", "list", "--json", "--since", "7d", "-n", "2")
	expectCode(t, r, ExitOK)
	var rules []string
	for _, l := range nonEmptyLines(r.out) {
		var a alert.Alert
		if err := json.Unmarshal([]byte(l), &a); err != nil {
			t.Fatalf("%v: %s", err, l)
		}
		rules = append(rules, a.Rule)
	}
	if diff := cmp.Diff([]string{"DET-FLOW-001", "DET-FLOW-007"}, rules); diff != "" {
		t.Errorf("--json -n 2 (-want +got):\n%s", diff)
	}

	for _, bad := range [][]string{{"--severity", "urgent"}, {"--since", "-1h"}, {"-n", "-3"}, {"now"}} {
		r := e.run(t, "", append([]string{"alerts", "list"}, bad...)...)
		expectCode(t, r, ExitUsage)
	}
	r = e.run(t, "", "alerts", "lst")
	expectCode(t, r, ExitUsage)
}

func TestParseSince(t *testing.T) {
	t.Parallel()
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Time
		ok   bool
	}{
		{"1h", now.Add(-time.Hour), true},
		{"90s", now.Add(-90 * time.Second), true},
		{"7d", now.Add(-7 * 24 * time.Hour), true},
		{"2025-05-01T00:00:00Z", time.Date(2025, 5, 1, 0, 0, 0, 0, time.UTC), true},
		{"yesterday", time.Time{}, false},
		{"-1h", time.Time{}, false},
		{"-1d", time.Time{}, false},
	}
	for _, tt := range tests {
		got, err := parseSince(tt.in, now)
		if (err == nil) != tt.ok || !got.Equal(tt.want) {
			t.Errorf("parseSince(%q) = %v, %v", tt.in, got, err)
		}
	}
}

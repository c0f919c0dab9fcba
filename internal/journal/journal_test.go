package journal

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestAppendRead(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state")
	if got, err := Read(dir); err != nil || got != nil {
		t.Fatalf("empty journal: %v, %v", got, err)
	}
	t0 := time.Date(2026, 2, 1, 12, 0, 0, 0, time.UTC)
	want := []Entry{
		{Time: t0, Actor: Actor{User: "ops", UID: 1000, SSHClient: "192.0.2.9:50122"}, Action: "geo.update", Summary: "installed 2026-02-01"},
		{Time: t0.Add(time.Minute), Actor: Actor{User: "root", SudoUser: "ops"}, Action: "block.apply", Forced: true, Summary: "CN", Details: map[string]any{"added": float64(3)}},
	}
	for _, e := range want {
		if err := Append(dir, e); err != nil {
			t.Fatal(err)
		}
	}
	got, err := Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("journal mismatch (-want +got):\n%s", d)
	}
	st, err := os.Stat(filepath.Join(dir, FileName))
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o640 {
		t.Errorf("journal mode %v, want 0640", st.Mode().Perm())
	}
}

func TestReadDamaged(t *testing.T) {
	dir := t.TempDir()
	if err := Append(dir, Entry{Action: "geo.update", Summary: "ok"}); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(filepath.Join(dir, FileName), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString("{not json\n"); err != nil {
		t.Fatal(err)
	}
	f.Close()
	got, err := Read(dir)
	if err == nil || !strings.Contains(err.Error(), FileName+":2:") {
		t.Fatalf("damaged line: err %v, want one naming line 2", err)
	}
	if len(got) != 1 || got[0].Summary != "ok" {
		t.Errorf("entries before the damage: %+v", got)
	}
}

func TestCurrentActor(t *testing.T) {
	t.Setenv("SSH_CONNECTION", "203.0.113.5 40000 198.51.100.1 22")
	t.Setenv("SUDO_USER", "alice")
	a := CurrentActor()
	if a.SSHClient != "203.0.113.5:40000" || a.SudoUser != "alice" || a.User == "" || a.UID != os.Getuid() {
		t.Errorf("CurrentActor() = %+v", a)
	}
}

package alert

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func readLines(t *testing.T, path string) []Alert {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []Alert
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var a Alert
		if err := json.Unmarshal(sc.Bytes(), &a); err != nil {
			t.Fatalf("line %d: %v", len(out)+1, err)
		}
		out = append(out, a)
	}
	return out
}

func TestFileSink(t *testing.T) {
	t.Parallel()
	for _, fsync := range []string{FsyncBatch, FsyncNever} {
		t.Run(fsync, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			path := filepath.Join(dir, "alerts.jsonl")
			// An existing file is appended to, not truncated.
			if err := os.WriteFile(path, []byte(`{"rule":"OLD"}`+"\n"), 0o640); err != nil {
				t.Fatal(err)
			}
			s, err := OpenFile(FileConfig{Path: path, Fsync: fsync})
			if err != nil {
				t.Fatal(err)
			}
			sendOK(t, s, []Alert{testAlert(0), testAlert(1)})

			// logrotate moves the file away, then the daemon gets SIGHUP.
			rotated := path + ".1"
			if err := os.Rename(path, rotated); err != nil {
				t.Fatal(err)
			}
			sendOK(t, s, []Alert{testAlert(2)}) // still goes to the moved file
			if err := s.Reopen(); err != nil {
				t.Fatal(err)
			}
			sendOK(t, s, []Alert{testAlert(3)})
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			if err := s.Send(t.Context(), []Alert{testAlert(4)}); !IsPermanent(err) {
				t.Errorf("Send after Close: %v, want a permanent error", err)
			}

			want := []Alert{{Rule: "OLD"}, testAlert(0), testAlert(1), testAlert(2)}
			if diff := cmp.Diff(want, readLines(t, rotated), addrs); diff != "" {
				t.Errorf("rotated file (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff([]Alert{testAlert(3)}, readLines(t, path), addrs); diff != "" {
				t.Errorf("new file (-want +got):\n%s", diff)
			}
		})
	}
}

func TestFileSinkBadPath(t *testing.T) {
	t.Parallel()
	_, err := OpenFile(FileConfig{Path: filepath.Join(t.TempDir(), "no", "such", "dir", "alerts.jsonl"), Fsync: FsyncBatch})
	if err == nil {
		t.Fatal("OpenFile in a missing directory succeeded")
	}
}

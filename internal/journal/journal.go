// Package journal is seawall's append-only record of changes to
// enforcement: every apply, remove, database update and use of --force,
// with who made it and when. It is a JSON-lines file in the data
// directory, opened for append only, synced after each entry, so that an
// operator (or an incident responder) can reconstruct what seawall did.
package journal

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// FileName is the journal's name inside the data directory.
const FileName = "journal.jsonl"

// Actor says who made a change: the account, the account behind sudo, and
// the SSH client the session came from.
type Actor struct {
	User      string `json:"user"`
	UID       int    `json:"uid"`
	SudoUser  string `json:"sudo_user,omitempty"`
	SSHClient string `json:"ssh_client,omitempty"`
}

// Entry is one recorded change.
type Entry struct {
	Time    time.Time      `json:"time"`
	Actor   Actor          `json:"actor"`
	Action  string         `json:"action"` // e.g. "geo.update", "block.apply"
	Forced  bool           `json:"forced,omitempty"`
	Summary string         `json:"summary"`
	Details map[string]any `json:"details,omitempty"`
}

// CurrentActor describes the running process's user from the OS and the
// environment that sudo and sshd set.
func CurrentActor() Actor {
	a := Actor{UID: os.Getuid(), SudoUser: os.Getenv("SUDO_USER")}
	if u, err := user.Current(); err == nil {
		a.User = u.Username
	} else {
		a.User = strconv.Itoa(a.UID)
	}
	if c := strings.Fields(os.Getenv("SSH_CONNECTION")); len(c) >= 2 {
		a.SSHClient = c[0] + ":" + c[1]
	}
	return a
}

// Append writes one entry to the journal in dataDir, creating it if
// needed, and syncs it to disk before returning.
func Append(dataDir string, e Entry) error {
	if e.Time.IsZero() {
		e.Time = time.Now().UTC()
	}
	line, err := json.Marshal(e)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dataDir, 0o750); err != nil {
		return err
	}
	p := filepath.Join(dataDir, FileName)
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o640)
	if err != nil {
		return fmt.Errorf("journal: %w", err)
	}
	if _, err := f.Write(append(line, '\n')); err != nil {
		f.Close()
		return fmt.Errorf("journal %s: %w", p, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("journal %s: %w", p, err)
	}
	return f.Close()
}

// Read returns every entry, oldest first. A missing journal is empty. A
// damaged line is an error naming it: the journal is evidence, and a
// silently skipped line would be a gap in it.
func Read(dataDir string) ([]Entry, error) {
	p := filepath.Join(dataDir, FileName)
	f, err := os.Open(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []Entry
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64*1024), 16<<20)
	n := 0
	for sc.Scan() {
		n++
		if len(strings.TrimSpace(sc.Text())) == 0 {
			continue
		}
		var e Entry
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			return out, fmt.Errorf("%s:%d: %v", p, n, err)
		}
		out = append(out, e)
	}
	if err := sc.Err(); err != nil {
		return out, fmt.Errorf("%s:%d: %w", p, n+1, err)
	}
	return out, nil
}

package alert

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sync"
)

// FileSink appends alerts to a file as JSON lines, the format SIEM
// shippers (Filebeat, Vector, Splunk UF, fluent-bit) tail. Each batch is
// written with one write(2), so a reader never sees half a batch from
// seawall's side, and is fsynced when the policy says so.
type FileSink struct {
	path  string
	fsync bool

	mu     sync.Mutex
	f      *os.File
	closed bool
}

// OpenFile opens (creating, mode 0640) path for appending.
func OpenFile(cfg FileConfig) (*FileSink, error) {
	s := &FileSink{path: cfg.Path, fsync: cfg.Fsync != FsyncNever}
	f, err := s.open()
	if err != nil {
		return nil, err
	}
	s.f = f
	return s, nil
}

func (s *FileSink) open() (*os.File, error) {
	f, err := os.OpenFile(s.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o640)
	if err != nil {
		return nil, fmt.Errorf("alert file: %w", err)
	}
	return f, nil
}

// Send appends one line per alert.
func (s *FileSink) Send(_ context.Context, alerts []Alert) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	for i := range alerts {
		if err := enc.Encode(&alerts[i]); err != nil {
			return Permanent(fmt.Errorf("alert file: encoding alert %s: %w", alerts[i].Rule, err))
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return Permanent(errors.New("alert file: sink is closed"))
	}
	if s.f == nil {
		// A failed Reopen left no file; try again now.
		f, err := s.open()
		if err != nil {
			return err
		}
		s.f = f
	}
	if _, err := s.f.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("alert file: writing %s: %w", s.path, err)
	}
	if s.fsync {
		if err := s.f.Sync(); err != nil {
			return fmt.Errorf("alert file: syncing %s: %w", s.path, err)
		}
	}
	return nil
}

// Reopen closes the file and opens the path again, for log rotation: the
// daemon calls it on SIGHUP after logrotate has moved the file away, and
// writing continues in a new file at the old name.
func (s *FileSink) Reopen() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return errors.New("alert file: sink is closed")
	}
	var errs []error
	if s.f != nil {
		errs = append(errs, s.f.Close())
		s.f = nil
	}
	f, err := s.open()
	if err != nil {
		errs = append(errs, err)
	} else {
		s.f = f
	}
	return errors.Join(errs...)
}

// Close closes the file.
func (s *FileSink) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	if s.f == nil {
		return nil
	}
	err := s.f.Close()
	s.f = nil
	return err
}

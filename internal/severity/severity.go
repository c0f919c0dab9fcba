// Package severity is the one severity scale seawall uses for audit
// findings and for detection alerts, so that `--fail-on high` and a SIEM's
// filter mean the same thing everywhere.
package severity

import (
	"fmt"
	"slices"
	"strings"
)

// Level orders findings and alerts; the zero value is Info.
type Level int

// Levels, lowest first.
const (
	Info Level = iota
	Low
	Medium
	High
	Critical
)

var names = []string{"info", "low", "medium", "high", "critical"}

func (s Level) String() string {
	if s < 0 || int(s) >= len(names) {
		return fmt.Sprintf("severity(%d)", int(s))
	}
	return names[s]
}

// Parse reads a level name (case-insensitive).
func Parse(s string) (Level, error) {
	i := slices.Index(names, strings.ToLower(strings.TrimSpace(s)))
	if i < 0 {
		return 0, fmt.Errorf("severity %q is not one of %s", s, strings.Join(names, ", "))
	}
	return Level(i), nil
}

// MarshalText writes the name, for JSON and YAML.
func (s Level) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText reads the name.
func (s *Level) UnmarshalText(b []byte) error {
	v, err := Parse(string(b))
	*s = v
	return err
}

// Syslog maps a level to an RFC 5424 severity (0 emergency .. 7 debug).
func (s Level) Syslog() int {
	switch s {
	case Critical:
		return 2
	case High:
		return 3
	case Medium:
		return 4
	case Low:
		return 5
	}
	return 6
}

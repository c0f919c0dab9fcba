// Package config reads seawall.yaml: strict decoding (an unknown key is an
// error, not a silent ignore), built-in defaults, and validation. Each
// section's type belongs to the package it configures.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"go.yaml.in/yaml/v3"

	"github.com/seawall/seawall/internal/geodata"
)

// DefaultPath is read when it exists and no -c is given.
const DefaultPath = "/etc/seawall/seawall.yaml"

// Config is the whole of seawall.yaml.
type Config struct {
	// DataDir holds state: the updated country database, logs, templates.
	DataDir string         `yaml:"data_dir"`
	Geo     geodata.Config `yaml:"geo"`

	// Path is the file the configuration came from ("" for defaults).
	Path string `yaml:"-"`
}

// Default returns the built-in configuration.
func Default() *Config {
	return &Config{Geo: geodata.DefaultConfig()}
}

// Load reads path, or DefaultPath when path is "" and that file exists, or
// returns the defaults. A named file that does not exist is an error.
func Load(path string) (*Config, error) {
	explicit := path != ""
	if !explicit {
		path = DefaultPath
	}
	data, err := os.ReadFile(path)
	if err != nil {
		if !explicit && errors.Is(err, fs.ErrNotExist) {
			return Default(), nil
		}
		return nil, err
	}
	c, err := Parse(data, path)
	if err != nil {
		return nil, err
	}
	return c, nil
}

// Parse decodes a configuration over the defaults and validates it.
func Parse(data []byte, name string) (*Config, error) {
	c := Default()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(c); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	c.Path = name
	if err := c.Validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return c, nil
}

// Validate checks every section.
func (c *Config) Validate() error {
	if c.DataDir != "" && !filepath.IsAbs(c.DataDir) {
		return fmt.Errorf("data_dir %q must be an absolute path", c.DataDir)
	}
	return c.Geo.Validate()
}

// DefaultDataDir is /var/lib/seawall for root and $XDG_STATE_HOME/seawall
// (~/.local/state/seawall) for others, so that tests and unprivileged use
// never need root.
func DefaultDataDir() string {
	if os.Geteuid() == 0 {
		return "/var/lib/seawall"
	}
	if x := os.Getenv("XDG_STATE_HOME"); x != "" {
		return filepath.Join(x, "seawall")
	}
	if h, err := os.UserHomeDir(); err == nil {
		return filepath.Join(h, ".local", "state", "seawall")
	}
	return filepath.Join(os.TempDir(), "seawall")
}

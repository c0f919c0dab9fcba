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
	"reflect"
	"regexp"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/seawall/seawall/internal/alert"
	"github.com/seawall/seawall/internal/detect"
	"github.com/seawall/seawall/internal/enforce"
	"github.com/seawall/seawall/internal/enforce/bgp"
	"github.com/seawall/seawall/internal/enforce/nft"
	"github.com/seawall/seawall/internal/geodata"
	"github.com/seawall/seawall/internal/ingest"
	"github.com/seawall/seawall/internal/inventory"
	"github.com/seawall/seawall/internal/store"
)

// DefaultPath is read when it exists and no -c is given.
const DefaultPath = "/etc/seawall/seawall.yaml"

// Config is the whole of seawall.yaml.
type Config struct {
	// DataDir holds state: the updated country database, logs, templates.
	DataDir string         `yaml:"data_dir"`
	Geo     geodata.Config `yaml:"geo"`
	// Block is the country block policy every enforcement backend renders.
	Block enforce.Config `yaml:"block"`
	// BGP is the blackhole speaker `seawall serve` runs when enabled.
	BGP bgp.Config `yaml:"bgp"`
	// Nftables makes `seawall serve` keep the block installed itself.
	Nftables nft.Config `yaml:"nftables"`
	// Inventory is the operator's record of devices, management networks
	// and approved servers, peers and users; the audit and flow detection
	// share it.
	Inventory inventory.Config `yaml:"inventory"`
	// Flows is the flow collector `seawall serve` runs: NetFlow/IPFIX and
	// sFlow listeners, on by default.
	Flows ingest.Config `yaml:"flows"`
	// Enrich names the files flows are tagged from beside the country
	// database, the block policy and the inventory: prefix-to-ASN tables
	// and threat lists.
	Enrich Enrich `yaml:"enrich"`
	// Detect tunes the flow detections (DET-FLOW-*).
	Detect detect.Config `yaml:"detect"`
	// Alerts are where detections go; serve always writes them to
	// alerts.file.path, by default alerts.jsonl in the data directory.
	Alerts alert.Config `yaml:"alerts"`
	// Store is the embedded database of alerts, exporters and per-minute
	// flow aggregates in the data directory.
	Store store.Config `yaml:"store"`

	// Path is the file the configuration came from ("" for defaults).
	Path string `yaml:"-"`
}

// Default returns the built-in configuration.
func Default() *Config {
	return &Config{
		Geo: geodata.DefaultConfig(), Block: enforce.DefaultConfig(), BGP: bgp.DefaultConfig(), Flows: ingest.DefaultConfig(),
		Detect: detect.DefaultConfig(), Alerts: alert.DefaultConfig(), Store: store.DefaultConfig(),
	}
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
		return nil, decodeError(name, data, err)
	}
	// A second document would otherwise be ignored, keys and all.
	var rest yaml.Node
	if err := dec.Decode(&rest); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%s: more than one YAML document (a second '---'); seawall.yaml holds one", name)
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
	if err := c.Geo.Guard.Validate(); err != nil {
		return fmt.Errorf("geo.guard: %w", err)
	}
	if err := c.Geo.Validate(); err != nil {
		return err
	}
	if err := c.Block.Validate(); err != nil {
		return err
	}
	if err := c.BGP.Validate(); err != nil {
		return fmt.Errorf("bgp.%w", err)
	}
	if err := c.Flows.Validate(); err != nil {
		return fmt.Errorf("flows.%w", err)
	}
	if err := c.Enrich.Validate(); err != nil {
		return err
	}
	if err := c.Detect.Validate(); err != nil {
		return err // its errors name detect.KEY already
	}
	if err := c.Alerts.Validate(); err != nil {
		return prefixed("alerts.", err)
	}
	if err := c.Store.Validate(); err != nil {
		return prefixed("store.", err)
	}
	return c.Inventory.Validate()
}

// prefixed names each of err's lines (a section's Validate joins one
// line per problem) with the section's key.
func prefixed(section string, err error) error {
	lines := strings.Split(err.Error(), "\n")
	for i, l := range lines {
		lines[i] = section + l
	}
	return errors.New(strings.Join(lines, "\n"))
}

// Resolve returns path as seawall reads it: relative paths in
// seawall.yaml are taken from the configuration file's directory, so
// that a configuration and the files it names move together.
func (c *Config) Resolve(path string) string {
	if path == "" || filepath.IsAbs(path) || c.Path == "" {
		return path
	}
	return filepath.Join(filepath.Dir(c.Path), path)
}

// typeErrorLine matches one of yaml.v3's decoding errors, and
// unknownField the one KnownFields produces.
var (
	typeErrorLine = regexp.MustCompile(`^line (\d+): (.*)$`)
	unknownField  = regexp.MustCompile(`^field (\S+) not found in type (\S+)$`)
	notMapping    = regexp.MustCompile(`^cannot unmarshal (.+) into (\S+)$`)
	quotedValue   = regexp.MustCompile(`"([^"]+)"`)
)

// decodeError restates yaml.v3's errors as file:line messages in
// seawall.yaml's own terms: an unknown key is named with its section and
// the keys that section does have, not with a Go type name.
func decodeError(name string, data []byte, err error) error {
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		// Values such as addresses are decoded by their own types, whose
		// errors carry no line: find the quoted value to name its line.
		if m := quotedValue.FindStringSubmatch(err.Error()); m != nil && m[1] != "" {
			for i, l := range strings.Split(string(data), "\n") {
				if strings.Contains(l, m[1]) {
					return fmt.Errorf("%s:%d: %q: %w", name, i+1, m[1], err)
				}
			}
		}
		return fmt.Errorf("%s: %w", name, err)
	}
	sections := map[string]section{}
	sectionsOf(reflect.TypeFor[Config](), "", sections)
	msgs := make([]string, len(te.Errors))
	for i, e := range te.Errors {
		m := typeErrorLine.FindStringSubmatch(e)
		if m == nil {
			msgs[i] = name + ": " + e
			continue
		}
		where, msg := name+":"+m[1], m[2]
		if f := unknownField.FindStringSubmatch(msg); f != nil {
			if s, ok := sections[f[2]]; ok {
				msg = fmt.Sprintf("unknown key %q %s (known keys: %s)", f[1], s.where(), strings.Join(s.keys, ", "))
			}
		} else if n := notMapping.FindStringSubmatch(msg); n != nil {
			if s, ok := sections[n[2]]; ok {
				msg = fmt.Sprintf("expected a mapping of keys (%s) %s, found %s", strings.Join(s.keys, ", "), s.where(), n[1])
			} else if strings.HasPrefix(n[2], "[]") && !strings.HasPrefix(n[1], "!!seq") {
				// A Go slice type means nothing to the user; a YAML list does.
				msg = fmt.Sprintf("expected a list (e.g. [a, b]), found %s", n[1])
			}
		}
		if strings.HasSuffix(msg, "into time.Duration") {
			msg += " (write a duration with its unit, e.g. 30s or 10m)"
		}
		msgs[i] = where + ": " + msg
	}
	return errors.New(strings.Join(msgs, "\n"))
}

// section is one mapping in seawall.yaml: its dotted path and its keys.
type section struct {
	path string
	keys []string
}

func (s section) where() string {
	if s.path == "" {
		return "at the top level"
	}
	return "in " + s.path
}

// sectionsOf records, by Go type name as yaml.v3 reports it, the path and
// keys of t and of every struct section beneath it.
func sectionsOf(t reflect.Type, path string, out map[string]section) {
	s := section{path: path}
	for f := range t.Fields() {
		key, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if key == "-" || !f.IsExported() {
			continue
		}
		if key == "" {
			key = strings.ToLower(f.Name)
		}
		s.keys = append(s.keys, key)
		ft := f.Type
		if ft.Kind() == reflect.Slice {
			ft = ft.Elem()
		}
		if ft.Kind() == reflect.Struct && ft.PkgPath() != "net/netip" {
			sub := key
			if path != "" {
				sub = path + "." + key
			}
			if f.Type.Kind() == reflect.Slice {
				sub += "[]"
			}
			sectionsOf(ft, sub, out)
		}
	}
	out[t.String()] = s
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

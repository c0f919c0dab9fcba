// Package geodata is the edge of the country database: it reads databases
// from files and directories, keeps the updated one in seawall's data
// directory, and downloads registry files for an update.
package geodata

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/seawall/seawall/internal/geo"
)

// FileName is the database's name inside the data directory.
const FileName = "geo.swgeo"

// Origin says which database a command is using.
type Origin string

// The places a database can come from, most specific first.
const (
	OriginFile     Origin = "file"     // --geo-db
	OriginDataDir  Origin = "data-dir" // installed by geo update
	OriginEmbedded Origin = "embedded" // built into the binary
)

// Loaded is a database and where it came from.
type Loaded struct {
	DB     *geo.DB
	Origin Origin
	Path   string // empty for the embedded one
}

// Mode returns how special-purpose ranges rank for this database: registry
// data (embedded or updated) never names a country for them, while a user's
// own file is taken at its word.
func (l Loaded) Mode() geo.SpecialMode {
	if l.Origin == OriginFile {
		return geo.SpecialsFallback
	}
	return geo.SpecialsOverride
}

// Load picks the database a command uses: the file given with --geo-db,
// else the one geo update installed in dataDir, else the embedded snapshot.
// A damaged installed database is an error, not a silent fallback, so the
// operator learns of it.
func Load(geoDB, dataDir string) (Loaded, error) {
	if geoDB != "" {
		db, err := ReadPath(geoDB)
		if err != nil {
			return Loaded{}, err
		}
		return Loaded{DB: db, Origin: OriginFile, Path: geoDB}, nil
	}
	if dataDir != "" {
		p := filepath.Join(dataDir, FileName)
		data, err := os.ReadFile(p)
		switch {
		case err == nil:
			db, err := geo.Decode(data)
			if err != nil {
				return Loaded{}, fmt.Errorf("%s: %w (run 'seawall geo update' again, or remove the file to use the embedded snapshot)", p, err)
			}
			return Loaded{DB: db, Origin: OriginDataDir, Path: p}, nil
		case !errors.Is(err, fs.ErrNotExist):
			return Loaded{}, err
		}
	}
	db, err := geo.World()
	if err != nil {
		return Loaded{}, fmt.Errorf("embedded country database: %w", err)
	}
	return Loaded{DB: db, Origin: OriginEmbedded}, nil
}

// ReadPath reads a database from a file or directory, whatever its form: a
// seawall database, a delegated-extended file (or several concatenated), a
// "PREFIX CC" list, or a directory of per-country lists laid out as
// country/<cc>/ipv4-aggregated.txt and ipv6-aggregated.txt.
func ReadPath(path string) (*geo.DB, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if st.IsDir() {
		return ReadDir(path, geo.Meta{Source: path})
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(path, data)
}

// Parse reads a database from a file's contents; name is used in errors.
func Parse(name string, data []byte) (*geo.DB, error) {
	switch {
	case geo.IsEncoded(data):
		db, err := geo.Decode(data)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		return db, nil
	case geo.LooksDelegated(data):
		d, err := geo.ParseDelegated(bytes.NewReader(data), name)
		if err != nil {
			return nil, err
		}
		b := geo.NewBuilder()
		b.AddDelegated(d)
		return b.Build(DelegatedMeta(name, d.Headers)), nil
	default:
		b, err := geo.ParseCountryList(bytes.NewReader(data), name)
		if err != nil {
			return nil, err
		}
		return b.Build(geo.Meta{Source: filepath.Base(name)}), nil
	}
}

// DelegatedMeta describes a database built from registry files: its date
// is the oldest file's, since the data is only as fresh as that.
func DelegatedMeta(source string, hs []geo.Header) geo.Meta {
	m := geo.Meta{Source: source}
	for _, h := range hs {
		m.Registries = append(m.Registries, h.Registry+" "+h.Serial)
		d := geo.DateFromSerial(h.EndDate)
		if h.EndDate == "" || strings.Trim(h.EndDate, "0") == "" {
			d = geo.DateFromSerial(h.Serial)
		}
		if m.Date == "" || d < m.Date {
			m.Date = d
		}
	}
	return m
}

// ReadDir reads per-country prefix lists laid out as
// <dir>/country/<cc>/ipv{4,6}-aggregated.txt (or <dir>/<cc>/...).
func ReadDir(dir string, meta geo.Meta) (*geo.DB, error) {
	root := filepath.Join(dir, "country")
	if _, err := os.Stat(root); err != nil {
		root = dir
	}
	ents, err := os.ReadDir(root)
	if err != nil {
		return nil, err
	}
	b := geo.NewBuilder()
	n := 0
	sort.Slice(ents, func(i, j int) bool { return ents[i].Name() < ents[j].Name() })
	for _, e := range ents {
		cc := strings.ToUpper(e.Name())
		if !e.IsDir() || !geo.ValidCode(cc) {
			continue
		}
		for _, f := range []string{"ipv4-aggregated.txt", "ipv6-aggregated.txt"} {
			p := filepath.Join(root, e.Name(), f)
			fh, err := os.Open(p)
			if errors.Is(err, fs.ErrNotExist) {
				continue
			}
			if err != nil {
				return nil, err
			}
			ps, err := geo.ParsePrefixList(fh, p)
			fh.Close()
			if err != nil {
				return nil, err
			}
			b.Add(cc, ps...)
			n++
		}
	}
	if n == 0 {
		return nil, fmt.Errorf("%s: no country/<cc>/ipv4-aggregated.txt or ipv6-aggregated.txt files", dir)
	}
	return b.Build(meta), nil
}

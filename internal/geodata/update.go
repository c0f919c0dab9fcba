package geodata

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/seawall/seawall/internal/geo"
)

// Config is the geo: section of seawall.yaml.
type Config struct {
	// Sources are the registries' delegated-extended files. A checksum is
	// looked for at each URL with ".md5" appended.
	Sources []string `yaml:"sources"`
	// Timeout bounds the whole download.
	Timeout time.Duration `yaml:"timeout"`
	// MaxBytes bounds each file, so a misbehaving server cannot fill memory.
	MaxBytes int64           `yaml:"max_bytes"`
	Guard    geo.GuardConfig `yaml:"guard"`
}

// DefaultSources are the five registries' published statistics files.
func DefaultSources() []string {
	return []string{
		"https://ftp.afrinic.net/stats/afrinic/delegated-afrinic-extended-latest",
		"https://ftp.apnic.net/stats/apnic/delegated-apnic-extended-latest",
		"https://ftp.arin.net/pub/stats/arin/delegated-arin-extended-latest",
		"https://ftp.lacnic.net/pub/stats/lacnic/delegated-lacnic-extended-latest",
		"https://ftp.ripe.net/pub/stats/ripencc/delegated-ripencc-extended-latest",
	}
}

// DefaultConfig returns the built-in settings.
func DefaultConfig() Config {
	return Config{Sources: DefaultSources(), Timeout: 10 * time.Minute, MaxBytes: 256 << 20, Guard: geo.DefaultGuard()}
}

// Validate checks the section.
func (c Config) Validate() error {
	if len(c.Sources) == 0 {
		return errors.New("geo.sources: at least one registry file URL is needed")
	}
	for i, s := range c.Sources {
		if !strings.HasPrefix(s, "https://") && !strings.HasPrefix(s, "http://") {
			return fmt.Errorf("geo.sources[%d]: %q is not an http(s) URL", i, s)
		}
	}
	if c.Timeout <= 0 {
		return fmt.Errorf("geo.timeout: %v must be positive", c.Timeout)
	}
	if c.MaxBytes <= 0 {
		return fmt.Errorf("geo.max_bytes: %d must be positive", c.MaxBytes)
	}
	return c.Guard.Validate()
}

// Progress is told how a download advances; the CLI draws a bar with it.
type Progress interface {
	Start(url string, size int64) io.Writer
	Done()
}

// FileReport says what one registry file held.
type FileReport struct {
	URL      string     `json:"url"`
	Bytes    int        `json:"bytes"`
	Checksum string     `json:"checksum"` // "md5 ok" or "none published"
	Header   geo.Header `json:"header"`
	Records  int        `json:"records"`
}

// UpdateReport says what an update did.
type UpdateReport struct {
	Files     []FileReport       `json:"files"`
	Meta      geo.Meta           `json:"meta"`
	Previous  geo.Meta           `json:"previous"`
	Installed string             `json:"installed"`
	Forced    []geo.GuardFailure `json:"forced,omitempty"` // guard failures overridden with --force
	Added     geo.Counts         `json:"-"`
}

// GuardError lists the countries that failed the shrink guard.
type GuardError struct{ Failures []geo.GuardFailure }

func (e *GuardError) Error() string {
	countries := map[string]bool{}
	for _, f := range e.Failures {
		countries[f.Country] = true
	}
	var b strings.Builder
	noun := "countries fail"
	if len(countries) == 1 {
		noun = "country fails"
	}
	fmt.Fprintf(&b, "refusing the new database: %d %s the shrink guard (use --force if the registries really changed this much):", len(countries), noun)
	const show = 20
	for i, f := range e.Failures {
		if i == show {
			fmt.Fprintf(&b, "\n  ... and %d more (geo update --json lists all)", len(e.Failures)-show)
			break
		}
		b.WriteString("\n  " + f.String())
	}
	return b.String()
}

// Update downloads the registry files, checks and parses them, guards
// against a shrinking feed, and atomically installs the new database in
// dataDir. On any failure the installed database is left as it was.
func Update(ctx context.Context, cfg Config, client *http.Client, dataDir string, force bool, pr Progress) (*UpdateReport, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	cur, err := Load("", dataDir)
	if err != nil {
		return nil, fmt.Errorf("reading the installed database: %w", err)
	}
	rep := &UpdateReport{Previous: cur.DB.Meta}
	b := geo.NewBuilder()
	var headers []geo.Header
	for _, url := range cfg.Sources {
		body, err := fetch(ctx, client, url, cfg.MaxBytes, pr)
		if err != nil {
			return nil, err
		}
		fr := FileReport{URL: url, Bytes: len(body)}
		sum, err := fetchMD5(ctx, client, url+".md5")
		switch {
		case err != nil:
			return nil, err
		case sum == "":
			fr.Checksum = "none published"
		default:
			got := md5.Sum(body)
			if hex.EncodeToString(got[:]) != sum {
				return nil, fmt.Errorf("%s: MD5 %x does not match the published %s (download damaged or file changed during download; try again)", url, got, sum)
			}
			fr.Checksum = "md5 ok"
		}
		d, err := geo.ParseDelegated(bytes.NewReader(body), url)
		if err != nil {
			return nil, err
		}
		b.AddDelegated(d)
		headers = append(headers, d.Headers...)
		fr.Header, fr.Records = d.Headers[0], len(d.Records)
		rep.Files = append(rep.Files, fr)
	}
	db := b.Build(DelegatedMeta("rir-delegated", headers))
	if len(db.Countries) == 0 {
		return nil, errors.New("the registry files delegate no addresses to any country; refusing an empty database")
	}
	if fails := geo.CheckShrink(cur.DB, db, cfg.Guard); len(fails) > 0 {
		if !force {
			return nil, &GuardError{Failures: fails}
		}
		rep.Forced = fails
	}
	data, err := geo.Encode(db)
	if err != nil {
		return nil, err
	}
	path, err := Install(dataDir, data)
	if err != nil {
		return nil, err
	}
	rep.Meta, rep.Installed = db.Meta, path
	return rep, nil
}

func fetch(ctx context.Context, client *http.Client, url string, limit int64, pr Progress) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("downloading %s: %w", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("downloading %s: %s", url, resp.Status)
	}
	w := io.Discard
	if pr != nil {
		w = pr.Start(url, resp.ContentLength)
		defer pr.Done()
	}
	body, err := io.ReadAll(io.TeeReader(io.LimitReader(resp.Body, limit+1), w))
	if err != nil {
		return nil, fmt.Errorf("downloading %s: %w (after %d bytes)", url, err, len(body))
	}
	if int64(len(body)) > limit {
		return nil, fmt.Errorf("downloading %s: larger than geo.max_bytes (%d)", url, limit)
	}
	if resp.ContentLength >= 0 && int64(len(body)) != resp.ContentLength {
		return nil, fmt.Errorf("downloading %s: got %d of %d bytes", url, len(body), resp.ContentLength)
	}
	return body, nil
}

var md5Hex = regexp.MustCompile(`\b[0-9a-fA-F]{32}\b`)

// fetchMD5 returns the published checksum, or "" when none is published
// (404). Both "MD5 (file) = sum" and "sum  file" forms are read.
func fetchMD5(ctx context.Context, client *http.Client, url string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return "", err
	}
	resp, err := client.Do(req)
	if err != nil {
		return "", fmt.Errorf("downloading %s: %w", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotFound {
		return "", nil
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("downloading %s: %s", url, resp.Status)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if err != nil {
		return "", fmt.Errorf("downloading %s: %w", url, err)
	}
	m := md5Hex.Find(body)
	if m == nil {
		return "", fmt.Errorf("%s: no MD5 checksum in %q", url, strings.TrimSpace(string(body)))
	}
	return strings.ToLower(string(m)), nil
}

// Install writes an encoded database into dataDir atomically: a reader
// sees the old file or the new one, never a mix, and a crash leaves the
// old one.
func Install(dataDir string, data []byte) (string, error) {
	if _, err := geo.Decode(data); err != nil {
		return "", fmt.Errorf("refusing to install: %w", err)
	}
	if err := os.MkdirAll(dataDir, 0o750); err != nil {
		return "", err
	}
	final := filepath.Join(dataDir, FileName)
	tmp, err := os.CreateTemp(dataDir, FileName+".tmp-*")
	if err != nil {
		return "", err
	}
	defer os.Remove(tmp.Name()) // no-op after the rename
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return "", err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return "", err
	}
	if err := tmp.Close(); err != nil {
		return "", err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return "", err
	}
	if err := os.Rename(tmp.Name(), final); err != nil {
		return "", err
	}
	if d, err := os.Open(dataDir); err == nil {
		_ = d.Sync() // make the rename durable; not all filesystems support it
		d.Close()
	}
	return final, nil
}

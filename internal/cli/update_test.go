package cli

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/seawall/seawall/internal/journal"
)

// registry serves delegated-extended files, and their .md5 files when
// asked, on 127.0.0.1 like a registry's FTP-over-HTTP mirror.
type registry struct {
	mu    sync.Mutex
	files map[string][]byte // path → body; a missing path is a 404
}

func newRegistry(t *testing.T) (*registry, *httptest.Server) {
	t.Helper()
	reg := &registry{files: map[string][]byte{}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reg.mu.Lock()
		body, ok := reg.files[r.URL.Path]
		reg.mu.Unlock()
		if !ok {
			http.NotFound(w, r)
			return
		}
		_, _ = w.Write(body)
	}))
	t.Cleanup(srv.Close)
	return reg, srv
}

// publish serves body at path, with a correct .md5 beside it when withMD5.
func (r *registry) publish(path string, body []byte, withMD5 bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.files[path] = body
	delete(r.files, path+".md5")
	if withMD5 {
		sum := md5.Sum(body)
		r.files[path+".md5"] = []byte("MD5 (" + filepath.Base(path) + ") = " + hex.EncodeToString(sum[:]) + "\n")
	}
}

func (r *registry) set(path string, body []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.files[path] = body
}

func (r *registry) remove(path string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.files, path)
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestGeoUpdate runs an update end to end: download from a local server,
// guard, --force, install, then the other commands reading the result.
// The steps depend on each other, so they run in order.
func TestGeoUpdate(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	reg, srv := newRegistry(t)
	tiny := readFile(t, filepath.Join("testdata", "update", "delegated-apnic-tiny"))
	const path = "/stats/apnic/delegated-apnic-extended-latest"
	reg.publish(path, tiny, true)
	url := srv.URL + path
	installed := filepath.Join(e.dataDir, "geo.swgeo")

	// A file this small would empty almost every country: the guard
	// refuses it and names them.
	r := e.run(t, "", "geo", "update", "--url", url)
	expectCode(t, r, ExitFailure)
	for _, s := range []string{
		"refusing the new database",
		"use --force",
		"\n  US IPv4: update would empty the country",
		"\n  DE IPv4: update would empty the country",
		"more (geo update --json lists all)",
		"\n  CN IPv4: update would remove",
	} {
		if !strings.Contains(r.err, s) {
			t.Errorf("guard failure: stderr does not contain %q:\n%.2000s", s, r.err)
		}
	}
	if r.out != "" {
		t.Errorf("guard failure: stdout %q, want nothing", r.out)
	}
	if _, err := os.Stat(installed); !os.IsNotExist(err) {
		t.Fatalf("a refused update left %s behind (stat: %v)", installed, err)
	}
	if info := decodeInfo(t, e.run(t, "", "geo", "info", "--json").out); info.Origin != "embedded" {
		t.Fatalf("after a refused update geo info says origin %q, want embedded", info.Origin)
	}

	// --force installs it and says what it forced past.
	r = e.run(t, "", "geo", "update", "--url", url, "--force")
	expectCode(t, r, ExitOK)
	for _, s := range []string{
		url + ": apnic serial 20260301, 5 records, md5 ok\n",
		"forced past guard: US IPv4: update would empty the country",
		"installed " + installed + " (data date 2026-03-01, was " + embeddedSource + ")\n",
	} {
		if !strings.Contains(r.out, s) {
			t.Errorf("forced update: stdout does not contain %q:\n%.2000s", s, r.out)
		}
	}
	if r.err != "" {
		t.Errorf("forced update: stderr %q, want nothing (no progress bar off a terminal)", r.err)
	}
	if st, err := os.Stat(installed); err != nil || st.Mode().Perm() != 0o644 {
		t.Fatalf("installed database: %v, %v", st, err)
	}
	if left, _ := filepath.Glob(filepath.Join(e.dataDir, "*.tmp-*")); len(left) > 0 {
		t.Errorf("temporary files left in the data directory: %v", left)
	}
	// The journal records the forced update, and only that: the refused
	// one changed nothing.
	entries, err := journal.Read(e.dataDir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Action != "geo.update" || !entries[0].Forced || entries[0].Actor.User == "" {
		t.Errorf("journal after a refused and a forced update: %+v", entries)
	}
	r = e.run(t, "", "block", "log")
	expectCode(t, r, ExitOK)
	if !strings.Contains(r.out, "geo.update --force") || !strings.Contains(r.out, "installed country database") {
		t.Errorf("block log after a forced update:\n%s", r.out)
	}

	// Every command now uses the installed database.
	r = e.run(t, "", "geo", "info", "--json")
	expectCode(t, r, ExitOK)
	want := infoJSON{
		Source: "rir-delegated", Date: "2026-03-01", Registries: []string{"apnic 20260301"},
		Origin: "data-dir", Path: installed, Countries: 2, Scope: "all countries",
		IPv4: familyJSON{Prefixes: 3, Addresses: "66048"},
		IPv6: familyJSON{Prefixes: 1, Addresses: "79228162514264337593543950336"},
	}
	if diff := cmp.Diff(want, decodeInfo(t, r.out)); diff != "" {
		t.Errorf("geo info after update (-want +got):\n%s", diff)
	}
	r = e.run(t, "", "geo", "info")
	expectCode(t, r, ExitOK)
	if !strings.Contains(r.out, "database   data-dir "+installed+"\n") || !strings.Contains(r.out, "registry   apnic 20260301\n") {
		t.Errorf("geo info text after update:\n%s", r.out)
	}
	r = e.run(t, "", "geo", "lookup", "1.2.4.8", "114.114.114.114", "8.8.8.8", "203.0.113.9", "2400:da00::1")
	expectCode(t, r, ExitOK)
	const src = "rir-delegated 2026-03-01"
	wantRows := [][3]string{
		{"1.2.4.8", "CN", src},
		{"114.114.114.114", "CN", src},
		{"8.8.8.8", "--", "not delegated to any country [" + src + "]"},
		// Registry data never names a country for special-purpose space,
		// even when a file says so.
		{"203.0.113.9", "--", "documentation (TEST-NET-3) (RFC 5737) [IANA special-purpose registry]"},
		{"2400:da00::1", "CN", src},
	}
	if diff := cmp.Diff(wantRows, parseTSV(t, r.out)); diff != "" {
		t.Errorf("lookup after update (-want +got):\n%s", diff)
	}
	r = e.run(t, "", "geo", "ranges", "CN")
	expectCode(t, r, ExitOK)
	if diff := cmp.Diff("1.2.4.0/24\n114.114.0.0/16\n2400:da00::/32\n", r.out); diff != "" {
		t.Errorf("ranges CN after update (-want +got):\n%s", diff)
	}

	// --geo-db still overrides the installed database.
	db := filepath.Join("testdata", "geodb", "doc-cn.txt")
	if info := decodeInfo(t, e.run(t, "", "geo", "info", "--json", "--geo-db", db).out); info.Origin != "file" || info.Path != db || info.Source != "doc-cn.txt" {
		t.Errorf("geo info --geo-db after update: %+v", info)
	}
	if rows := parseTSV(t, e.run(t, "", "geo", "lookup", "--geo-db", db, "1.2.4.8").out); rows[0][1] != "--" {
		t.Errorf("lookup --geo-db after update: %v, want 1.2.4.8 unknown to the file", rows)
	}
	// version still reports the embedded snapshot's date.
	if r := e.run(t, "", "version", "--json"); !strings.Contains(r.out, `"geo_data": "2026-02-01"`) {
		t.Errorf("version after update:\n%s", r.out)
	}

	// The guard now compares with the installed database: the same file
	// again passes without --force, and the JSON report says so.
	r = e.run(t, "", "geo", "update", "--url", url, "--json")
	expectCode(t, r, ExitOK)
	var rep struct {
		Files []struct {
			URL, Checksum string
			Records       int
		}
		Meta      struct{ Source, Date string }
		Previous  struct{ Source, Date string }
		Installed string
		Forced    []json.RawMessage
	}
	if err := json.Unmarshal([]byte(r.out), &rep); err != nil {
		t.Fatalf("update --json: %v\n%s", err, r.out)
	}
	if len(rep.Files) != 1 || rep.Files[0].URL != url || rep.Files[0].Checksum != "md5 ok" || rep.Files[0].Records != 5 ||
		rep.Meta.Date != "2026-03-01" || rep.Previous.Source != "rir-delegated" || rep.Installed != installed || len(rep.Forced) != 0 {
		t.Errorf("update --json report: %+v", rep)
	}

	// Failures leave the installed database exactly as it was.
	before := readFile(t, installed)
	failures := []struct {
		name      string
		prepare   func()
		wantErrIn string
	}{
		{"md5 mismatch", func() {
			reg.set(path+".md5", []byte("0123456789abcdef0123456789abcdef  delegated-apnic-extended-latest\n"))
		}, "does not match the published 0123456789abcdef0123456789abcdef"},
		{"md5 unreadable", func() { reg.set(path+".md5", []byte("<html>maintenance</html>")) }, "no MD5 checksum in"},
		{"truncated", func() { reg.publish(path, lastLineCut(tiny), true) }, "header announces 5 records but 4 follow"},
		{"not found", func() { reg.remove(path) }, "downloading " + url + ": 404 Not Found"},
		{"empty", func() { reg.publish(path, []byte("2|apnic|20260302|0|19830613|20260302|+1000\n"), false) }, "refusing an empty database"},
	}
	for _, f := range failures {
		f.prepare()
		r := e.run(t, "", "geo", "update", "--url", url, "--force")
		if r.code != ExitFailure || !strings.Contains(r.err, f.wantErrIn) {
			t.Errorf("%s: exit %d, stderr %q; want exit 1 and %q", f.name, r.code, r.err, f.wantErrIn)
		}
		if !cmp.Equal(before, readFile(t, installed)) {
			t.Fatalf("%s: the installed database changed", f.name)
		}
	}

	// No .md5 published (404) is accepted and reported.
	reg.publish(path, tiny, false)
	r = e.run(t, "", "geo", "update", "--url", url)
	expectCode(t, r, ExitOK)
	if !strings.Contains(r.out, "5 records, none published\n") {
		t.Errorf("update without .md5:\n%s", r.out)
	}
}

// TestGeoUpdateDataDirFromConfig checks that data_dir in seawall.yaml is
// where update installs and where the other commands look, and that
// --data-dir overrides it.
func TestGeoUpdateDataDirFromConfig(t *testing.T) {
	t.Parallel()
	reg, srv := newRegistry(t)
	const path = "/delegated-apnic-extended-latest"
	reg.publish(path, readFile(t, filepath.Join("testdata", "update", "delegated-apnic-tiny")), true)

	dir := t.TempDir()
	dataDir := filepath.Join(dir, "state")
	cfg := filepath.Join(dir, "seawall.yaml")
	yaml := "data_dir: " + dataDir + "\ngeo:\n  timeout: 30s\n  sources:\n    - " + srv.URL + path + "\n"
	if err := os.WriteFile(cfg, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	e := &env{}
	// geo.sources from the file, no --url.
	r := e.runRaw(t, "", "geo", "update", "--force", "-c", cfg)
	expectCode(t, r, ExitOK)
	if !strings.Contains(r.out, "installed "+filepath.Join(dataDir, "geo.swgeo")) {
		t.Errorf("update with data_dir from the config:\n%s", r.out)
	}
	if info := decodeInfo(t, e.runRaw(t, "", "geo", "info", "--json", "-c", cfg).out); info.Origin != "data-dir" {
		t.Errorf("geo info with data_dir from the config: origin %q, want data-dir", info.Origin)
	}
	other := t.TempDir()
	if info := decodeInfo(t, e.runRaw(t, "", "geo", "info", "--json", "-c", cfg, "--data-dir", other).out); info.Origin != "embedded" {
		t.Errorf("--data-dir %s does not override data_dir: origin %q", other, info.Origin)
	}
}

// TestGeoDataDirDamaged checks that a damaged installed database is an
// error that says what to do, not a silent fallback.
func TestGeoDataDirDamaged(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	if err := os.MkdirAll(e.dataDir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(e.dataDir, "geo.swgeo"), []byte("not a database"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := e.run(t, "", "geo", "lookup", "1.2.4.8")
	expectCode(t, r, ExitFailure)
	if !strings.Contains(r.err, "geo.swgeo") || !strings.Contains(r.err, "seawall geo update") {
		t.Errorf("stderr: %s", r.err)
	}
}

// lastLineCut drops the last line, as a download cut short at a line
// boundary would.
func lastLineCut(b []byte) []byte {
	return b[:bytes.LastIndexByte(b[:len(b)-1], '\n')+1]
}

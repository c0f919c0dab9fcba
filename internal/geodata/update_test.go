package geodata

import (
	"bytes"
	"context"
	"crypto/md5"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/seawall/seawall/internal/geo"
	"github.com/seawall/seawall/internal/prefixset"
	"github.com/seawall/seawall/internal/testenv"
)

var registries = []string{"afrinic", "apnic", "arin", "lacnic", "ripencc"}

// serials gives each registry its own date, so the database's date is
// the oldest one's.
var serials = map[string]string{"afrinic": "20260821", "apnic": "20260821", "arin": "20260820", "lacnic": "20260821", "ripencc": "20260819"}

// registryOf puts well-known countries in their own registry and spreads
// the rest over the five by position.
func registryOf(code string, i int) string {
	switch code {
	case "CN", "HK", "MO", "TW", "JP", "KR", "AU", "IN":
		return "apnic"
	case "US", "CA":
		return "arin"
	case "BR", "AR", "MX":
		return "lacnic"
	case "DE", "FR", "GB", "NL", "RU":
		return "ripencc"
	case "ZA", "KE", "EG", "NG":
		return "afrinic"
	}
	return registries[i%len(registries)]
}

// synthesise writes db as five delegated-extended files, one per registry,
// so that parsing them rebuilds db's countries exactly: IPv4 as merged
// start|count ranges (most counts are not powers of two), IPv6 as
// start|length prefixes, plus asn rows and unassigned (ZZ, empty country,
// available, reserved) rows that must not count. It returns each file's
// header too. (Lines are appended by hand: fmt takes seconds under -race
// for the world table's quarter of a million rows.)
func synthesise(db *geo.DB) (map[string][]byte, map[string]geo.Header) {
	recs := map[string][]byte{}
	counts := map[string]map[string]int{}
	for _, reg := range registries {
		counts[reg] = map[string]int{}
	}
	row := func(reg, cc, typ string, start []byte, value uint64, date, status, id string) {
		b := recs[reg]
		b = append(b, reg...)
		b = append(b, '|')
		b = append(b, cc...)
		b = append(b, '|')
		b = append(b, typ...)
		b = append(b, '|')
		b = append(b, start...)
		b = append(b, '|')
		b = strconv.AppendUint(b, value, 10)
		b = append(b, '|')
		b = append(b, date...)
		b = append(b, '|')
		b = append(b, status...)
		b = append(b, '|')
		b = append(b, id...)
		recs[reg] = append(b, '\n')
		counts[reg][typ]++
	}
	var buf []byte
	for i, c := range db.Countries {
		reg, cc := registryOf(c.Code, i), c.Code
		if i%7 == 3 {
			cc = strings.ToLower(cc) // some registries' files have had lower-case codes
		}
		status := [2]string{"allocated", "assigned"}[i%2]
		id := fmt.Sprintf("%08X", 0xA9000000+i)
		for _, r := range prefixset.Ranges(c.V4) {
			size, _ := r.Size()
			row(reg, cc, "ipv4", r.First.Addr(32).AppendTo(buf[:0]), size.Lo, "20100101", status, id)
		}
		for _, p := range c.V6 {
			row(reg, cc, "ipv6", p.Addr().AppendTo(buf[:0]), uint64(p.Bits()), "20100101", status, id)
		}
		row(reg, cc, "asn", strconv.AppendInt(buf[:0], int64(100000+10*i), 10), uint64(1+i%3), "20100101", "allocated", id)
	}
	for j, reg := range registries {
		row(reg, "ZZ", "ipv4", fmt.Appendf(nil, "240.%d.0.0", j), 768, "", "available", "")
		row(reg, "", "ipv4", fmt.Appendf(nil, "241.%d.0.0", j), 256, "", "reserved", "")
		row(reg, "ZZ", "ipv6", fmt.Appendf(nil, "3ff%x::", j), 32, "", "reserved", "")
		row(reg, "ZZ", "asn", fmt.Appendf(nil, "%d", 4200000000+10*j), 10, "", "available", "")
	}
	files, headers := map[string][]byte{}, map[string]geo.Header{}
	for _, reg := range registries {
		h := geo.Header{Version: "2", Registry: reg, Serial: serials[reg], StartDate: "19700101", EndDate: serials[reg], UTCOffset: "+0000"}
		if reg == "arin" {
			h.Version = "2.3"
		}
		for _, n := range counts[reg] {
			h.Records += n
		}
		var b bytes.Buffer
		if reg == "apnic" {
			b.WriteString("# synthesised from the embedded world table for seawall's tests\n")
		}
		fmt.Fprintf(&b, "%s|%s|%s|%d|%s|%s|%s\n", h.Version, reg, h.Serial, h.Records, h.StartDate, h.EndDate, h.UTCOffset)
		for _, typ := range []string{"asn", "ipv4", "ipv6"} {
			fmt.Fprintf(&b, "%s|*|%s|*|%d|summary\n", reg, typ, counts[reg][typ])
		}
		b.Write(recs[reg])
		files[reg], headers[reg] = b.Bytes(), h
	}
	return files, headers
}

// subset returns the named countries of db.
func subset(db *geo.DB, codes ...string) *geo.DB {
	out := &geo.DB{Meta: db.Meta}
	for _, c := range db.Countries {
		if slices.Contains(codes, c.Code) {
			out.Countries = append(out.Countries, c)
		}
	}
	return out
}

// shrink returns db with the last of a country's IPv4 ranges dropped until
// at least pct percent of its addresses are gone.
func shrink(t testing.TB, db *geo.DB, code string, pct uint64) *geo.DB {
	t.Helper()
	out := &geo.DB{Meta: db.Meta, Countries: slices.Clone(db.Countries)}
	i := slices.IndexFunc(out.Countries, func(c geo.Country) bool { return c.Code == code })
	c := out.Countries[i]
	total := c.Counts().V4.Addresses.Lo
	rs := prefixset.Ranges(c.V4)
	var removed uint64
	for removed*100 < total*pct {
		size, _ := rs[len(rs)-1].Size()
		removed += size.Lo
		rs = rs[:len(rs)-1]
	}
	var v4 []netip.Prefix
	for _, r := range rs {
		v4 = append(v4, r.Prefixes()...)
	}
	c.V4 = v4
	out.Countries[i] = c
	return out
}

// registryServer serves one delegated-extended file per registry at
// /<registry>/delegated-<registry>-extended-latest with an .md5 beside it
// in BSD form (MD5 (name) = sum) for some and GNU form (sum  name) for
// others; ripencc publishes none (404). Tests change files, checksums and
// behaviour through the exported fields before or between updates.
type registryServer struct {
	*httptest.Server
	mu    sync.Mutex
	files map[string][]byte // by registry
	md5s  map[string]string // by registry; "" for 404; set from files unless overridden
	// handler, when set for a path, serves it instead.
	handler map[string]http.HandlerFunc
}

func fileName(reg string) string { return "delegated-" + reg + "-extended-latest" }

func newRegistryServer(t *testing.T, files map[string][]byte) *registryServer {
	s := &registryServer{handler: map[string]http.HandlerFunc{}}
	s.setFiles(files)
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		h := s.handler[r.URL.Path]
		s.mu.Unlock()
		if h != nil {
			h(w, r)
			return
		}
		reg, name, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
		s.mu.Lock()
		body, ok := s.files[reg]
		sum := s.md5s[reg]
		s.mu.Unlock()
		switch {
		case ok && name == fileName(reg):
			w.Header().Set("Content-Length", fmt.Sprint(len(body)))
			_, _ = w.Write(body) // the client sees any failure
		case ok && name == fileName(reg)+".md5" && sum != "":
			_, _ = io.WriteString(w, sum)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(s.Close)
	return s
}

// setFiles serves files with honest checksums.
func (s *registryServer) setFiles(files map[string][]byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.files, s.md5s = files, map[string]string{}
	for reg, body := range files {
		sum := md5.Sum(body)
		switch reg {
		case "afrinic", "lacnic":
			s.md5s[reg] = fmt.Sprintf("MD5 (%s) = %x\n", fileName(reg), sum)
		case "apnic", "arin":
			s.md5s[reg] = fmt.Sprintf("%x  %s\n", sum, fileName(reg))
		}
	}
}

func (s *registryServer) url(reg string) string { return s.URL + "/" + reg + "/" + fileName(reg) }

func (s *registryServer) config() Config {
	cfg := DefaultConfig()
	cfg.Sources = nil
	for _, reg := range registries {
		cfg.Sources = append(cfg.Sources, s.url(reg))
	}
	cfg.Timeout = 15 * time.Second
	return cfg
}

// progress records what Update tells it.
type progress struct {
	mu      sync.Mutex
	started []string
	sizes   []int64
	written int64
	done    int
}

func (p *progress) Start(url string, size int64) io.Writer {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.started = append(p.started, url)
	p.sizes = append(p.sizes, size)
	return p
}

func (p *progress) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.written += int64(len(b))
	return len(b), nil
}

func (p *progress) Done() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done++
}

// TestUpdateWorld serves the embedded world table as five registry files
// and checks that a first update reproduces it, country for country, and
// reports what it did.
func TestUpdateWorld(t *testing.T) {
	t.Parallel() // the slow tests overlap; each has its own server and data dir
	w := world(t)
	dataDir := filepath.Join(t.TempDir(), "data")
	if testenv.Race {
		// The whole table takes over six seconds under -race (parsing a
		// quarter of a million rows, encoding at best compression): there
		// the base countries stand in for it, over an installed copy so
		// that the guard passes. Without -race it is the real first update.
		w = mustBase(t).db
		installBase(t, dataDir)
	}
	files, headers := synthesise(w)
	srv := newRegistryServer(t, files)
	pr := &progress{}

	rep, err := Update(context.Background(), srv.config(), srv.Client(), dataDir, false, pr)
	if err != nil {
		t.Fatal(err)
	}

	var wantFiles []FileReport
	var sizes []int64
	var total int64
	for _, reg := range registries {
		sum := "md5 ok"
		if reg == "ripencc" {
			sum = "none published"
		}
		wantFiles = append(wantFiles, FileReport{URL: srv.url(reg), Bytes: len(files[reg]), Checksum: sum, Header: headers[reg], Records: headers[reg].Records})
		sizes = append(sizes, int64(len(files[reg])))
		total += int64(len(files[reg]))
	}
	want := &UpdateReport{
		Files: wantFiles,
		Meta: geo.Meta{Source: "rir-delegated", Date: "2026-08-19", Registries: []string{
			"afrinic 20260821", "apnic 20260821", "arin 20260820", "lacnic 20260821", "ripencc 20260819"}},
		Previous:  w.Meta,
		Installed: filepath.Join(dataDir, FileName),
	}
	if diff := cmp.Diff(want, rep, cmpOpts); diff != "" {
		t.Errorf("report (-want +got):\n%s", diff)
	}
	type seen struct {
		Started []string
		Sizes   []int64
		Written int64
		Done    int
	}
	if diff := cmp.Diff(seen{srv.config().Sources, sizes, total, 5}, seen{pr.started, pr.sizes, pr.written, pr.done}); diff != "" {
		t.Errorf("progress (-want +got):\n%s", diff)
	}

	l, err := Load("", dataDir)
	if err != nil {
		t.Fatal(err)
	}
	if l.Origin != OriginDataDir || l.Path != filepath.Join(dataDir, FileName) {
		t.Errorf("Load: origin %s, path %q", l.Origin, l.Path)
	}
	if !countriesEqual(w, l.DB) {
		t.Errorf("updated countries differ from the world table's:\n%s", cmp.Diff(w.Countries, l.DB.Countries, cmpOpts))
	}
	if len(l.DB.Countries) != len(w.Countries) {
		t.Errorf("%d countries, want %d", len(l.DB.Countries), len(w.Countries))
	}
	// Equal prefixes make equal per-country counts; the totals say so.
	if diff := cmp.Diff(w.Totals(), l.DB.Totals()); diff != "" {
		t.Errorf("totals (-want +got):\n%s", diff)
	}
	if len(l.DB.ASNs) != len(w.Countries) {
		t.Errorf("%d ASN ranges, want one per country (%d)", len(l.DB.ASNs), len(w.Countries))
	}
	if got := snapshot(t, dataDir); len(got) != 1 {
		t.Errorf("data dir holds %v, want only %s", got, FileName)
	}
}

// base is the database the failure tests install and serve: a few
// countries of the world table, CN among them for the guard. It is built,
// encoded and written out as registry files once per test binary.
var base = sync.OnceValues(func() (*baseData, error) {
	w, err := sharedWorld()
	if err != nil {
		return nil, err
	}
	db := subset(w, "CN", "HK", "MO", "TW", "KE", "LU")
	enc, err := geo.Encode(db)
	if err != nil {
		return nil, err
	}
	files, _ := synthesise(db)
	return &baseData{db: db, encoded: enc, files: files}, nil
})

type baseData struct {
	db      *geo.DB
	encoded []byte
	files   map[string][]byte // do not modify; copy with withFile
}

func mustBase(t testing.TB) *baseData {
	t.Helper()
	b, err := base()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// withFile returns the base files with one registry's replaced.
func (b *baseData) withFile(reg string, body []byte) map[string][]byte {
	m := maps.Clone(b.files)
	m[reg] = body
	return m
}

// installBase installs the base database in dataDir, as a previous update
// would have.
func installBase(t *testing.T, dataDir string) {
	t.Helper()
	if _, err := Install(dataDir, mustBase(t).encoded); err != nil {
		t.Fatal(err)
	}
}

// cutTail drops the last n lines of a file, keeping its header.
func cutTail(body []byte, n int) []byte {
	ls := strings.SplitAfter(string(body), "\n")
	ls = ls[:len(ls)-1] // the empty string after the final newline
	return []byte(strings.Join(ls[:len(ls)-n], ""))
}

// replaceLine replaces the i-th record line (after header and summaries).
func replaceLine(body []byte, i int, line string) []byte {
	ls := strings.SplitAfter(string(body), "\n")
	ls[4+i] = line + "\n"
	return []byte(strings.Join(ls, ""))
}

// firstUnderRace names the failure cases that run as a first update under
// -race too.
var firstUnderRace = map[string]bool{"connection closed mid-body": true, "MD5 mismatch": true, "guard failure": true}

func TestUpdateFailures(t *testing.T) {
	t.Parallel() // the slow tests overlap; each has its own server and data dir
	b := mustBase(t)
	honest, with := b.files, b.withFile
	tests := []struct {
		name  string
		setup func(s *registryServer)
		cfg   func(*Config)
		want  []string
	}{
		{"connection closed mid-body", func(s *registryServer) {
			body := honest["apnic"]
			s.handler["/apnic/"+fileName("apnic")] = func(w http.ResponseWriter, r *http.Request) {
				conn, buf, err := w.(http.Hijacker).Hijack()
				if err != nil {
					panic(err)
				}
				defer conn.Close()
				fmt.Fprintf(buf, "HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n", len(body))
				_, _ = buf.Write(body[:len(body)/2])
				buf.Flush()
			}
		}, nil, []string{"downloading " + "URL(apnic)", "unexpected EOF"}},
		{"fewer bytes than Content-Length", func(s *registryServer) {
			body := honest["arin"]
			s.handler["/arin/"+fileName("arin")] = func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Length", fmt.Sprint(len(body)+100))
				_, _ = w.Write(body)
			}
		}, nil, []string{"downloading URL(arin)", "unexpected EOF"}},
		{"tail cut, header count mismatch", func(s *registryServer) {
			s.setFiles(with("apnic", cutTail(honest["apnic"], 3)))
		}, nil, []string{"URL(apnic):2: header announces", "(truncated or corrupt file)"}}, // line 1 is a comment
		{"tail cut, no checksum published", func(s *registryServer) {
			s.setFiles(with("ripencc", cutTail(honest["ripencc"], 1)))
		}, nil, []string{"URL(ripencc):1: header announces"}},
		{"corrupt line", func(s *registryServer) {
			s.setFiles(with("lacnic", replaceLine(honest["lacnic"], 2, "lacnic|BR|ipv4|200.0.0|256|20100101|allocated|X")))
		}, nil, []string{"URL(lacnic):7: ipv4 start \"200.0.0\" is not an IPv4 address"}},
		{"MD5 mismatch", func(s *registryServer) {
			s.setFiles(honest)
			s.md5s["afrinic"] = fmt.Sprintf("MD5 (%s) = %x\n", fileName("afrinic"), md5.Sum([]byte("something else")))
		}, nil, []string{"URL(afrinic): MD5", "does not match the published", "try again"}},
		{"MD5 of a damaged download", func(s *registryServer) {
			s.setFiles(honest)
			body := replaceLine(honest["apnic"], 0, strings.Repeat("x", 10))
			s.handler["/apnic/"+fileName("apnic")] = func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write(body) }
		}, nil, []string{"URL(apnic): MD5", "does not match"}},
		{"no checksum in the .md5 file", func(s *registryServer) {
			s.md5s["arin"] = "not a checksum\n"
		}, nil, []string{"URL(arin).md5: no MD5 checksum in \"not a checksum\""}},
		{"HTTP 500", func(s *registryServer) {
			s.handler["/lacnic/"+fileName("lacnic")] = func(w http.ResponseWriter, r *http.Request) {
				http.Error(w, "oops", http.StatusInternalServerError)
			}
		}, nil, []string{"downloading URL(lacnic): 500 Internal Server Error"}},
		{"HTTP 500 for the checksum", func(s *registryServer) {
			s.handler["/apnic/"+fileName("apnic")+".md5"] = func(w http.ResponseWriter, r *http.Request) {
				http.Error(w, "oops", http.StatusInternalServerError)
			}
		}, nil, []string{"downloading URL(apnic).md5: 500 Internal Server Error"}},
		{"HTTP 404", func(s *registryServer) {
			s.handler["/ripencc/"+fileName("ripencc")] = http.NotFound
		}, nil, []string{"downloading URL(ripencc): 404 Not Found"}},
		{"not a delegated file", func(s *registryServer) {
			s.setFiles(with("afrinic", []byte("<html>maintenance</html>\n")))
		}, nil, []string{"URL(afrinic):1: record before the version line"}},
		{"empty result", func(s *registryServer) {
			empty, _ := synthesise(&geo.DB{})
			s.setFiles(empty)
		}, nil, []string{"the registry files delegate no addresses to any country; refusing an empty database"}},
		{"larger than max_bytes", nil, func(c *Config) { c.MaxBytes = 1000 }, []string{"downloading URL(afrinic): larger than geo.max_bytes (1000)"}},
		{"timeout", func(s *registryServer) {
			s.handler["/arin/"+fileName("arin")] = func(w http.ResponseWriter, r *http.Request) {
				<-r.Context().Done() // hang until the client gives up
			}
		}, func(c *Config) { c.Timeout = 300 * time.Millisecond }, []string{"downloading ", "context deadline exceeded"}},
		{"guard failure", func(s *registryServer) {
			files, _ := synthesise(shrink(t, b.db, "CN", 10))
			s.setFiles(files)
		}, nil, []string{"refusing the new database: ", " the shrink guard (use --force"}},
		{"invalid config", nil, func(c *Config) { c.Sources = []string{"ftp://ftp.apnic.net/x"} }, []string{`geo.sources[0]: "ftp://ftp.apnic.net/x" is not an http(s) URL`}},
	}
	for _, tt := range tests {
		for _, installed := range []bool{false, true} {
			// A first update decodes the embedded table to guard against,
			// half a second under -race: there, only some cases run both ways.
			if !installed && testenv.Race && !firstUnderRace[tt.name] {
				continue
			}
			name := tt.name + map[bool]string{false: ", first update", true: ", over an installed database"}[installed]
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				srv := newRegistryServer(t, honest)
				if tt.setup != nil {
					tt.setup(srv)
				}
				cfg := srv.config()
				if tt.cfg != nil {
					tt.cfg(&cfg)
				}
				dataDir := filepath.Join(t.TempDir(), "data")
				if installed {
					installBase(t, dataDir)
				}
				before := snapshot(t, dataDir)

				rep, err := Update(context.Background(), cfg, srv.Client(), dataDir, false, &progress{})
				if err == nil {
					t.Fatalf("Update succeeded: %+v", rep)
				}
				for _, w := range tt.want {
					for _, reg := range registries {
						w = strings.ReplaceAll(w, "URL("+reg+")", srv.url(reg))
					}
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error %q does not contain %q", err, w)
					}
				}
				if diff := cmp.Diff(before, snapshot(t, dataDir)); diff != "" {
					t.Errorf("data dir changed (-before +after):\n%s", diff)
				}
			})
		}
	}
}

// TestUpdateGuard serves data in which CN lost 10% of its IPv4 addresses:
// the update is refused naming CN, unless forced.
func TestUpdateGuard(t *testing.T) {
	t.Parallel() // the slow tests overlap; each has its own server and data dir
	dataDir := t.TempDir()
	installBase(t, dataDir)
	shrunk := shrink(t, mustBase(t).db, "CN", 10)
	files, _ := synthesise(shrunk)
	srv := newRegistryServer(t, files)
	before := snapshot(t, dataDir)

	old, _ := mustBase(t).db.Country("CN")
	cand, _ := shrunk.Country("CN")
	lost := float64(old.Counts().V4.Addresses.Lo-cand.Counts().V4.Addresses.Lo) * 100 / float64(old.Counts().V4.Addresses.Lo)
	if lost < 10 || lost > 11 {
		t.Fatalf("shrink removed %.2f%% of CN", lost)
	}
	wantFail := []geo.GuardFailure{{
		Country: "CN", Family: "IPv4",
		Old: old.Counts().V4.Addresses.String(), New: cand.Counts().V4.Addresses.String(),
		Reason: fmt.Sprintf("update would remove %.2f%% of its addresses (limit 5%%)", lost),
	}}

	_, err := Update(context.Background(), srv.config(), srv.Client(), dataDir, false, nil)
	var ge *GuardError
	if !errors.As(err, &ge) {
		t.Fatalf("Update error %v, want a *GuardError", err)
	}
	if diff := cmp.Diff(wantFail, ge.Failures); diff != "" {
		t.Errorf("guard failures (-want +got):\n%s", diff)
	}
	for _, w := range []string{"1 country fails the shrink guard", "use --force", "\n  CN IPv4: update would remove"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not contain %q", err, w)
		}
	}
	if diff := cmp.Diff(before, snapshot(t, dataDir)); diff != "" {
		t.Errorf("refused update changed the data dir (-before +after):\n%s", diff)
	}

	// Forced, it installs and the report lists what was overridden.
	rep, err := Update(context.Background(), srv.config(), srv.Client(), dataDir, true, nil)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(wantFail, rep.Forced); diff != "" {
		t.Errorf("forced failures (-want +got):\n%s", diff)
	}
	l, err := Load("", dataDir)
	if err != nil {
		t.Fatal(err)
	}
	if !countriesEqual(shrunk, l.DB) {
		t.Errorf("forced update installed other countries:\n%s", cmp.Diff(shrunk.Countries, l.DB.Countries, cmpOpts))
	}
}

func TestGuardErrorMessage(t *testing.T) {
	fail := func(cc, family string) geo.GuardFailure {
		return geo.GuardFailure{Country: cc, Family: family, Old: "100", New: "0", Reason: "r"}
	}
	const head = " the shrink guard (use --force if the registries really changed this much):"
	tests := []struct {
		fails []geo.GuardFailure
		want  string
	}{
		{[]geo.GuardFailure{fail("CN", "IPv4")}, "refusing the new database: 1 country fails" + head + "\n  CN IPv4: r (100 -> 0 addresses)"},
		// One country emptied in both families is still one country.
		{[]geo.GuardFailure{fail("CN", "IPv4"), fail("CN", "IPv6")}, "refusing the new database: 1 country fails" + head +
			"\n  CN IPv4: r (100 -> 0 addresses)\n  CN IPv6: r (100 -> 0 addresses)"},
		{[]geo.GuardFailure{fail("CN", "IPv4"), fail("HK", "IPv6")}, "refusing the new database: 2 countries fail" + head +
			"\n  CN IPv4: r (100 -> 0 addresses)\n  HK IPv6: r (100 -> 0 addresses)"},
	}
	for _, tt := range tests {
		if got := (&GuardError{Failures: tt.fails}).Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
	// A feed that lost everything names some countries, not hundreds.
	var many []geo.GuardFailure
	for i := range 200 {
		many = append(many, fail(fmt.Sprintf("%c%c", 'A'+i/26, 'A'+i%26), "IPv4"))
	}
	msg := (&GuardError{Failures: many}).Error()
	if n := strings.Count(msg, "\n"); n > 25 || !strings.HasPrefix(msg, "refusing the new database: 200 countries fail") || !strings.Contains(msg, "AA IPv4") {
		t.Errorf("Error() for 200 failures has %d lines:\n%s", n+1, msg)
	}
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name string
		edit func(*Config)
		want string // "" for valid
	}{
		{"default", func(*Config) {}, ""},
		{"http allowed", func(c *Config) { c.Sources = []string{"http://127.0.0.1/x"} }, ""},
		{"no sources", func(c *Config) { c.Sources = nil }, "geo.sources: at least one registry file URL is needed"},
		{"not a URL", func(c *Config) { c.Sources = append(c.Sources, "ftp.apnic.net") }, `geo.sources[5]: "ftp.apnic.net" is not an http(s) URL`},
		{"zero timeout", func(c *Config) { c.Timeout = 0 }, "geo.timeout: 0s must be positive"},
		{"zero max bytes", func(c *Config) { c.MaxBytes = 0 }, "geo.max_bytes: 0 must be positive"},
		{"bad guard", func(c *Config) { c.Guard.MaxShrinkPercent = 101 }, "max_shrink_percent 101: want 0 to 100"},
	}
	for _, tt := range tests {
		c := DefaultConfig()
		tt.edit(&c)
		err := c.Validate()
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != tt.want {
			t.Errorf("%s: Validate() = %q, want %q", tt.name, got, tt.want)
		}
	}
	c := DefaultConfig()
	if len(c.Sources) != 5 || c.Guard != geo.DefaultGuard() {
		t.Errorf("DefaultConfig() = %+v", c)
	}
	for i, reg := range registries {
		if !strings.HasPrefix(c.Sources[i], "https://") || !strings.HasSuffix(c.Sources[i], fileName(reg)) {
			t.Errorf("default source %d = %q, want https://.../%s", i, c.Sources[i], fileName(reg))
		}
	}
}

package geodata

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io/fs"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/seawall/seawall/internal/geo"
)

// cmpOpts compares netip values by identity and treats nil and empty
// slices as equal (Build leaves empty slices, Decode nil).
var cmpOpts = cmp.Options{
	cmp.Comparer(func(a, b netip.Prefix) bool { return a == b }),
	cmpopts.EquateEmpty(),
}

// The embedded world table, decoded once per test binary and shared
// read-only: decoding takes about a second under -race.
var sharedWorld = sync.OnceValues(geo.World)

func world(t testing.TB) *geo.DB {
	t.Helper()
	db, err := sharedWorld()
	if err != nil {
		t.Fatalf("World: %v", err)
	}
	return db
}

// dbEqual is a fast equality for large databases, where cmp.Diff takes
// seconds; tests call cmp.Diff only to explain a difference.
func dbEqual(a, b *geo.DB) bool {
	return cmp.Equal(a.Meta, b.Meta, cmpopts.EquateEmpty()) &&
		slices.Equal(a.ASNs, b.ASNs) &&
		slices.EqualFunc(a.Countries, b.Countries, func(x, y geo.Country) bool {
			return x.Code == y.Code && slices.Equal(x.V4, y.V4) && slices.Equal(x.V6, y.V6)
		})
}

func countriesEqual(a, b *geo.DB) bool {
	return dbEqual(&geo.DB{Countries: a.Countries}, &geo.DB{Countries: b.Countries})
}

func mustPrefixes(t testing.TB, ss ...string) []netip.Prefix {
	t.Helper()
	var out []netip.Prefix
	for _, s := range ss {
		out = append(out, netip.MustParsePrefix(s))
	}
	return out
}

func writeFile(t testing.TB, path, data string) string {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func mustEncode(t testing.TB, db *geo.DB) []byte {
	t.Helper()
	data, err := geo.Encode(db)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// smallDB is a hand-made database of three countries.
func smallDB() *geo.DB {
	return &geo.DB{
		Meta: geo.Meta{Source: "small", Date: "2026-02-01"},
		Countries: []geo.Country{
			{Code: "CN", V4: []netip.Prefix{netip.MustParsePrefix("1.0.1.0/24"), netip.MustParsePrefix("1.0.2.0/23")}, V6: []netip.Prefix{netip.MustParsePrefix("2400:da00::/32")}},
			{Code: "HK", V4: []netip.Prefix{netip.MustParsePrefix("1.32.0.0/13")}},
			{Code: "MO", V6: []netip.Prefix{netip.MustParsePrefix("2001:df0:c00::/48")}},
		},
		ASNs: []geo.ASNRange{{Country: "CN", First: 4134, Last: 4134}},
	}
}

const delegatedSample = `2|apnic|20260201|4|19830613|20260131|+1000
apnic|*|asn|*|1|summary
apnic|*|ipv4|*|2|summary
apnic|*|ipv6|*|1|summary
apnic|CN|asn|4134|1|20020801|allocated|A92E1062
apnic|CN|ipv4|1.0.1.0|768|20110414|allocated|A92E1062
apnic|ZZ|ipv4|1.0.4.0|1024||available|
apnic|cn|ipv6|2400:da00::|32|20100519|allocated|A92E1062
`

const delegatedSample2 = `2.3|arin|1769990400000|1|19700101|20260130|-0500
arin|US|ipv4|8.8.8.0|256|20141203|assigned|8d2e2f0b
`

func TestReadPath(t *testing.T) {
	dir := t.TempDir()
	encoded := filepath.Join(dir, "small.swgeo")
	if err := os.WriteFile(encoded, mustEncode(t, smallDB()), 0o644); err != nil {
		t.Fatal(err)
	}
	delegated := writeFile(t, filepath.Join(dir, "delegated-apnic-extended-latest"), delegatedSample)
	concatenated := writeFile(t, filepath.Join(dir, "all"), delegatedSample+delegatedSample2)
	list := writeFile(t, filepath.Join(dir, "mine.txt"), "# my list\n1.0.1.0/24 CN\nCN,1.0.2.0/23\n2400:da00::/32\tcn\n8.8.8.8 US\n")

	tree := filepath.Join(dir, "ipverse")
	writeFile(t, filepath.Join(tree, "country", "cn", "ipv4-aggregated.txt"), "# Country: China (CN)\n#\n1.0.1.0/24\n1.0.2.0/23\n")
	writeFile(t, filepath.Join(tree, "country", "cn", "ipv6-aggregated.txt"), "# Country: China (CN)\n2400:da00::/32\n")
	writeFile(t, filepath.Join(tree, "country", "hk", "ipv4-aggregated.txt"), "1.32.0.0/13\n")
	writeFile(t, filepath.Join(tree, "country", "mo", "ipv6-aggregated.txt"), "2001:df0:c00::/48\n")
	writeFile(t, filepath.Join(tree, "country", "mo", "README"), "not a list\n")
	writeFile(t, filepath.Join(tree, "country", "xyz", "ipv4-aggregated.txt"), "9.9.9.0/24\n") // not a country
	writeFile(t, filepath.Join(tree, "country", "STATS.md"), "| cc | n |\n")
	writeFile(t, filepath.Join(tree, "STATS.md"), "| cc | n |\n")

	// The same lists without the country/ level.
	flat := filepath.Join(dir, "flat")
	writeFile(t, filepath.Join(flat, "CN", "ipv4-aggregated.txt"), "1.0.1.0/24\n1.0.2.0/23\n")
	writeFile(t, filepath.Join(flat, "cn", "ipv6-aggregated.txt"), "2400:da00::/32\n")

	cnOnly := []geo.Country{{Code: "CN", V4: mustPrefixes(t, "1.0.1.0/24", "1.0.2.0/23"), V6: mustPrefixes(t, "2400:da00::/32")}}
	tests := []struct {
		name string
		path string
		want *geo.DB
	}{
		{"encoded", encoded, smallDB()},
		{"delegated", delegated, &geo.DB{
			Meta:      geo.Meta{Source: delegated, Date: "2026-01-31", Registries: []string{"apnic 20260201"}},
			Countries: cnOnly,
			ASNs:      []geo.ASNRange{{Country: "CN", First: 4134, Last: 4134}},
		}},
		{"concatenated delegated", concatenated, &geo.DB{
			Meta:      geo.Meta{Source: concatenated, Date: "2026-01-30", Registries: []string{"apnic 20260201", "arin 1769990400000"}},
			Countries: append(slices.Clone(cnOnly), geo.Country{Code: "US", V4: mustPrefixes(t, "8.8.8.0/24")}),
			ASNs:      []geo.ASNRange{{Country: "CN", First: 4134, Last: 4134}},
		}},
		{"country list", list, &geo.DB{
			Meta:      geo.Meta{Source: "mine.txt"},
			Countries: append(slices.Clone(cnOnly), geo.Country{Code: "US", V4: mustPrefixes(t, "8.8.8.8/32")}),
		}},
		{"directory", tree, &geo.DB{Meta: geo.Meta{Source: tree}, Countries: smallDB().Countries}},
		{"flat directory", flat, &geo.DB{Meta: geo.Meta{Source: flat}, Countries: cnOnly}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ReadPath(tt.path)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got, cmpOpts); diff != "" {
				t.Errorf("ReadPath (-want +got):\n%s", diff)
			}
		})
	}
}

func TestReadPathErrors(t *testing.T) {
	corrupt := mustEncode(t, smallDB())
	corrupt[len(corrupt)/2] ^= 0xff
	tests := []struct {
		name  string
		setup func(dir string) string
		want  []string
	}{
		{"missing", func(dir string) string { return filepath.Join(dir, "nope") }, []string{"nope", "no such file"}},
		{"corrupt encoded", func(dir string) string {
			return writeFile(t, filepath.Join(dir, "bad.swgeo"), string(corrupt))
		}, []string{"bad.swgeo: corrupt country database"}},
		{"truncated delegated", func(dir string) string {
			return writeFile(t, filepath.Join(dir, "apnic"), strings.Join(strings.SplitAfter(delegatedSample, "\n")[:6], ""))
		}, []string{"apnic:1: header announces 4 records but 2 follow"}},
		{"bad delegated record", func(dir string) string {
			return writeFile(t, filepath.Join(dir, "apnic"), strings.Replace(delegatedSample, "1.0.1.0|768", "1.0.1.0|0", 1))
		}, []string{"apnic:6: ipv4 count \"0\" is not a positive number"}},
		{"bad country list", func(dir string) string {
			return writeFile(t, filepath.Join(dir, "list"), "1.0.1.0/24 CN\n1.2.3.4/8 CN\n")
		}, []string{"list:2: 1.2.3.4/8 has host bits set; did you mean 1.0.0.0/8?"}},
		{"empty directory", func(dir string) string {
			p := filepath.Join(dir, "empty")
			if err := os.MkdirAll(filepath.Join(p, "country", "cn"), 0o755); err != nil {
				t.Fatal(err)
			}
			return p
		}, []string{"empty: no country/<cc>/ipv4-aggregated.txt or ipv6-aggregated.txt files"}},
		{"bad list in directory", func(dir string) string {
			p := filepath.Join(dir, "tree")
			writeFile(t, filepath.Join(p, "country", "cn", "ipv4-aggregated.txt"), "1.0.1.0/24\n# x\nbogus\n")
			return p
		}, []string{filepath.Join("country", "cn", "ipv4-aggregated.txt") + `:3: "bogus" is not an IP prefix or address`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := tt.setup(t.TempDir())
			db, err := ReadPath(path)
			if err == nil {
				t.Fatalf("ReadPath(%s) = %+v, want an error", path, db)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestDelegatedMeta(t *testing.T) {
	tests := []struct {
		name string
		hs   []geo.Header
		want geo.Meta
	}{
		{"none", nil, geo.Meta{Source: "src"}},
		{"end date", []geo.Header{{Registry: "apnic", Serial: "20260201", EndDate: "20260131"}},
			geo.Meta{Source: "src", Date: "2026-01-31", Registries: []string{"apnic 20260201"}}},
		{"zero end date uses serial", []geo.Header{{Registry: "afrinic", Serial: "20260821", EndDate: "00000000"}},
			geo.Meta{Source: "src", Date: "2026-08-21", Registries: []string{"afrinic 20260821"}}},
		{"empty end date uses serial", []geo.Header{{Registry: "lacnic", Serial: "20260820"}},
			geo.Meta{Source: "src", Date: "2026-08-20", Registries: []string{"lacnic 20260820"}}},
		{"oldest wins", []geo.Header{
			{Registry: "afrinic", Serial: "20260821", EndDate: "20260821"},
			{Registry: "arin", Serial: "1769990400000", EndDate: "20260819"},
			{Registry: "ripencc", Serial: "20260820", EndDate: "20260820"},
		}, geo.Meta{Source: "src", Date: "2026-08-19", Registries: []string{"afrinic 20260821", "arin 1769990400000", "ripencc 20260820"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, DelegatedMeta("src", tt.hs)); diff != "" {
				t.Errorf("DelegatedMeta (-want +got):\n%s", diff)
			}
		})
	}
}

// snapshot is a directory's files and their SHA-256, to show that a
// refused install or update left it byte-identical.
func snapshot(t testing.TB, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	ents, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return out
	}
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(data)
		out[e.Name()] = hex.EncodeToString(sum[:])
	}
	return out
}

func TestLoad(t *testing.T) {
	t.Parallel()
	w := world(t)
	small := smallDB()
	dataDir := t.TempDir()
	if _, err := Install(dataDir, mustEncode(t, small)); err != nil {
		t.Fatal(err)
	}
	userFile := writeFile(t, filepath.Join(t.TempDir(), "mine.txt"), "192.0.2.0/24 CN\n")
	userDB := &geo.DB{Meta: geo.Meta{Source: "mine.txt"}, Countries: []geo.Country{{Code: "CN", V4: mustPrefixes(t, "192.0.2.0/24")}}}

	tests := []struct {
		name           string
		geoDB, dataDir string
		want           Loaded
		mode           geo.SpecialMode
	}{
		{"--geo-db wins over data dir", userFile, dataDir, Loaded{DB: userDB, Origin: OriginFile, Path: userFile}, geo.SpecialsFallback},
		{"data dir", "", dataDir, Loaded{DB: small, Origin: OriginDataDir, Path: filepath.Join(dataDir, FileName)}, geo.SpecialsOverride},
		{"empty data dir", "", t.TempDir(), Loaded{DB: w, Origin: OriginEmbedded}, geo.SpecialsOverride},
		{"no data dir", "", "", Loaded{DB: w, Origin: OriginEmbedded}, geo.SpecialsOverride},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Load(tt.geoDB, tt.dataDir)
			if err != nil {
				t.Fatal(err)
			}
			if got.Origin != tt.want.Origin || got.Path != tt.want.Path || !dbEqual(got.DB, tt.want.DB) {
				t.Errorf("Load = %s %q %s, want %s %q %s", got.Origin, got.Path, got.DB.Meta, tt.want.Origin, tt.want.Path, tt.want.DB.Meta)
			}
			if got.Mode() != tt.mode {
				t.Errorf("Mode() = %v, want %v", got.Mode(), tt.mode)
			}
		})
	}
}

func TestLoadErrors(t *testing.T) {
	corrupt := mustEncode(t, smallDB())
	corrupt = corrupt[:len(corrupt)-3]
	tests := []struct {
		name  string
		setup func(t *testing.T) (geoDB, dataDir string)
		want  []string
	}{
		{"corrupt data-dir file", func(t *testing.T) (string, string) {
			dir := t.TempDir()
			writeFile(t, filepath.Join(dir, FileName), string(corrupt))
			return "", dir
		}, []string{FileName + ": corrupt country database", "run 'seawall geo update' again, or remove the file"}},
		{"not a database in the data dir", func(t *testing.T) (string, string) {
			dir := t.TempDir()
			writeFile(t, filepath.Join(dir, FileName), "1.0.1.0/24 CN\n")
			return "", dir
		}, []string{FileName + ": corrupt country database: missing SWGEO header"}},
		{"data-dir file is a directory", func(t *testing.T) (string, string) {
			dir := t.TempDir()
			if err := os.Mkdir(filepath.Join(dir, FileName), 0o755); err != nil {
				t.Fatal(err)
			}
			return "", dir
		}, []string{FileName}},
		{"missing --geo-db", func(t *testing.T) (string, string) {
			return filepath.Join(t.TempDir(), "nope.swgeo"), t.TempDir()
		}, []string{"nope.swgeo"}},
		{"bad --geo-db", func(t *testing.T) (string, string) {
			return writeFile(t, filepath.Join(t.TempDir(), "mine.txt"), "1.0.1.0/24 CHN\n"), t.TempDir()
		}, []string{"mine.txt:1: country \"CHN\" is not a two-letter code"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			geoDB, dataDir := tt.setup(t)
			got, err := Load(geoDB, dataDir)
			if err == nil {
				t.Fatalf("Load = %s %s, want an error", got.Origin, got.Path)
			}
			want := append([]string{filepath.Join(dataDir, FileName)}, tt.want...)
			if geoDB != "" {
				want[0] = geoDB
			}
			for _, w := range want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestInstall(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "var", "lib", "seawall") // created by Install
	first, second := mustEncode(t, smallDB()), mustEncode(t, &geo.DB{Meta: geo.Meta{Source: "other"}, Countries: smallDB().Countries[:1]})

	path, err := Install(dir, first)
	if err != nil {
		t.Fatal(err)
	}
	if path != filepath.Join(dir, FileName) {
		t.Errorf("Install path %q, want %q", path, filepath.Join(dir, FileName))
	}
	check := func(want []byte) {
		t.Helper()
		got, err := os.ReadFile(filepath.Join(dir, FileName))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("installed file is %d bytes, not the %d given", len(got), len(want))
		}
		// Nothing but the database: no temp file left behind.
		ents, _ := os.ReadDir(dir)
		var names []string
		for _, e := range ents {
			names = append(names, e.Name())
		}
		if diff := cmp.Diff([]string{FileName}, names); diff != "" {
			t.Errorf("data dir (-want +got):\n%s", diff)
		}
		st, err := os.Stat(filepath.Join(dir, FileName))
		if err != nil || st.Mode().Perm() != 0o644 {
			t.Errorf("installed file mode %v, %v; want 0644", st.Mode(), err)
		}
	}
	check(first)
	if _, err := Install(dir, second); err != nil {
		t.Fatal(err)
	}
	check(second)

	// Invalid data is refused and the installed file stays as it was.
	bad := map[string][]byte{
		"empty":         nil,
		"not a db":      []byte("1.0.1.0/24 CN\n"),
		"truncated":     first[:len(first)-1],
		"flipped byte":  func() []byte { b := bytes.Clone(first); b[len(b)/2] ^= 0xff; return b }(),
		"trailing junk": append(bytes.Clone(first), "junk"...),
	}
	for name, data := range bad {
		if _, err := Install(dir, data); err == nil || !strings.Contains(err.Error(), "refusing to install") {
			t.Errorf("Install(%s) = %v, want refusing to install", name, err)
		}
		check(second)
	}
	// A refused first install leaves no file at all.
	fresh := filepath.Join(t.TempDir(), "fresh")
	if _, err := Install(fresh, bad["truncated"]); err == nil {
		t.Errorf("Install of a truncated database succeeded")
	}
	if got := snapshot(t, fresh); len(got) != 0 {
		t.Errorf("refused first install left %v", got)
	}
}

// TestInstallAtomic installs two databases in turn while a reader keeps
// loading: every read must be one whole database or the other.
func TestInstallAtomic(t *testing.T) {
	dir := t.TempDir()
	a := mustEncode(t, smallDB())
	bDB := smallDB()
	bDB.Meta.Source = "b"
	b := mustEncode(t, bDB)
	if _, err := Install(dir, a); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	var reads, bad int
	go func() {
		defer wg.Done()
		for {
			select {
			case <-done:
				return
			default:
			}
			l, err := Load("", dir)
			reads++
			if err != nil || (l.DB.Meta.Source != "small" && l.DB.Meta.Source != "b") {
				bad++
			}
		}
	}()
	for i := range 50 {
		if _, err := Install(dir, [][]byte{a, b}[i%2]); err != nil {
			t.Error(err)
		}
	}
	close(done)
	wg.Wait()
	if bad > 0 {
		t.Errorf("%d of %d concurrent loads saw a partial or missing database", bad, reads)
	}
	if got := snapshot(t, dir); len(got) != 1 {
		t.Errorf("data dir holds %v, want only %s", got, FileName)
	}
}

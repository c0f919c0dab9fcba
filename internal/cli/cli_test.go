package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"math/big"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/spf13/cobra"

	"github.com/seawall/seawall/internal/testenv"
)

// env is one isolated installation: its own configuration file and data
// directory, so that no test reads /etc/seawall or writes /var/lib/seawall.
type env struct {
	cfg     string
	dataDir string
	build   Build
}

func newEnv(t *testing.T) *env {
	t.Helper()
	dir := t.TempDir()
	cfg := filepath.Join(dir, "seawall.yaml")
	if err := os.WriteFile(cfg, []byte("# defaults\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return &env{cfg: cfg, dataDir: filepath.Join(dir, "data"), build: Build{Version: "v0.0.0-test", Commit: "0123456789abcdef"}}
}

type result struct {
	code     int
	out, err string
}

// run calls Run in-process with the env's -c and --data-dir appended after
// args (cobra takes flags anywhere), stdin as standard input.
func (e *env) run(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	full := append(append([]string{}, args...), "-c", e.cfg, "--data-dir", e.dataDir)
	return e.runRaw(t, stdin, full...)
}

// runRaw calls Run with args exactly as given.
func (e *env) runRaw(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	code := Run(context.Background(), args, IO{In: strings.NewReader(stdin), Out: &out, Err: &errb}, e.build)
	return result{code: code, out: out.String(), err: errb.String()}
}

// golden compares got with testdata/name, or rewrites it under -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	testenv.Golden(t, filepath.Join("testdata", name), []byte(got))
}

func expectCode(t *testing.T, r result, want int) {
	t.Helper()
	if r.code != want {
		t.Fatalf("exit code %d, want %d\nstdout:\n%s\nstderr:\n%s", r.code, want, r.out, r.err)
	}
}

// embeddedSource is how answers from the embedded snapshot cite it.
const embeddedSource = "ipverse/rir-ip@6745bab5f398 2026-02-01"

// acceptanceIPs is the example, in order.
var acceptanceIPs = []string{"1.2.4.8", "8.8.8.8", "114.114.114.114", "2400:da00::6666", "192.0.2.1", "10.1.2.3"}

// acceptanceAnswers is what each of acceptanceIPs must answer.
var acceptanceAnswers = []lookupJSON{
	{IP: "1.2.4.8", Country: "CN", Source: embeddedSource},
	{IP: "8.8.8.8", Country: "US", Source: embeddedSource},
	{IP: "114.114.114.114", Country: "CN", Source: embeddedSource},
	{IP: "2400:da00::6666", Country: "CN", Source: embeddedSource},
	{IP: "192.0.2.1", Country: "--", Source: "IANA special-purpose registry", Reason: "documentation (TEST-NET-1) (RFC 5737)"},
	{IP: "10.1.2.3", Country: "--", Source: "IANA special-purpose registry", Reason: "private use (RFC 1918)"},
}

// parseTSV splits lookup's text output into IP, country, source triples.
func parseTSV(t *testing.T, out string) [][3]string {
	t.Helper()
	var rows [][3]string
	for _, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		if line == "" {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) != 3 {
			t.Fatalf("line %q has %d tab-separated fields, want 3", line, len(f))
		}
		rows = append(rows, [3]string{f[0], f[1], f[2]})
	}
	return rows
}

// tsvRows is what acceptanceAnswers look like as text.
func tsvRows(answers []lookupJSON) [][3]string {
	var rows [][3]string
	for _, a := range answers {
		src := a.Source
		if a.Reason != "" {
			src = a.Reason + " [" + a.Source + "]"
		}
		rows = append(rows, [3]string{a.IP, a.Country, src})
	}
	return rows
}

func parseJSONLines(t *testing.T, out string) []lookupJSON {
	t.Helper()
	var got []lookupJSON
	for _, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		dec := json.NewDecoder(strings.NewReader(line))
		dec.DisallowUnknownFields()
		var v lookupJSON
		if err := dec.Decode(&v); err != nil {
			t.Fatalf("line %q is not one lookup JSON object: %v", line, err)
		}
		got = append(got, v)
	}
	return got
}

func TestGeoLookupAcceptance(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	stdin := "# the issue's example, one per line\n" +
		"1.2.4.8\n" +
		"\n" +
		"  8.8.8.8  \n" +
		"114.114.114.114\r\n" +
		"   # an indented comment\n" +
		"2400:da00::6666\n" +
		"192.0.2.1\n" +
		"\t\n" +
		"10.1.2.3" // no final newline
	tests := []struct {
		name  string
		stdin string
		args  []string
	}{
		{"arguments", "", append([]string{"geo", "lookup"}, acceptanceIPs...)},
		{"stdin", stdin, []string{"geo", "lookup"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := e.run(t, tt.stdin, tt.args...)
			expectCode(t, r, ExitOK)
			if r.err != "" {
				t.Errorf("stderr: %q, want nothing", r.err)
			}
			if diff := cmp.Diff(tsvRows(acceptanceAnswers), parseTSV(t, r.out)); diff != "" {
				t.Errorf("answers (-want +got):\n%s", diff)
			}
			golden(t, "lookup-acceptance.golden", r.out)
		})
	}
}

func TestGeoLookupJSON(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, tt := range []struct {
		name  string
		stdin string
		args  []string
	}{
		{"arguments", "", append([]string{"geo", "lookup", "--json"}, acceptanceIPs...)},
		{"stdin", strings.Join(acceptanceIPs, "\n") + "\n", []string{"geo", "lookup", "--json"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := e.run(t, tt.stdin, tt.args...)
			expectCode(t, r, ExitOK)
			if diff := cmp.Diff(acceptanceAnswers, parseJSONLines(t, r.out)); diff != "" {
				t.Errorf("JSON answers (-want +got):\n%s", diff)
			}
			// Every object names its fields, reason only when there is one.
			for _, line := range strings.Split(strings.TrimSpace(r.out), "\n") {
				var m map[string]any
				if err := json.Unmarshal([]byte(line), &m); err != nil {
					t.Fatal(err)
				}
				for _, k := range []string{"ip", "country", "source"} {
					if _, ok := m[k]; !ok {
						t.Errorf("%s: no %q field", line, k)
					}
				}
				if _, ok := m["reason"]; ok != (m["country"] == "--") {
					t.Errorf("%s: reason present = %v, want it exactly for \"--\" answers", line, ok)
				}
			}
		})
	}
}

func TestGeoLookupMalformed(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tests := []struct {
		name      string
		stdin     string
		args      []string
		wantRows  [][3]string
		wantJSON  []lookupJSON
		wantErrIn []string
	}{
		{
			name:  "stdin",
			stdin: "8.8.8.8\n# fine\nnot-an-ip\n\n1.2.4.8\n1.2.3.4/24\n",
			args:  []string{"geo", "lookup"},
			wantRows: [][3]string{
				{"8.8.8.8", "US", embeddedSource},
				{"1.2.4.8", "CN", embeddedSource},
			},
			wantErrIn: []string{`stdin line 3: "not-an-ip" is not an IP address`, `stdin line 6: "1.2.3.4/24" is not an IP address`, "2 input(s)"},
		},
		{
			name:  "stdin json",
			stdin: "8.8.8.8\n999.1.1.1\n",
			args:  []string{"geo", "lookup", "--json"},
			wantJSON: []lookupJSON{
				{IP: "8.8.8.8", Country: "US", Source: embeddedSource},
				{IP: "999.1.1.1", Country: "--", Error: "not an IP address"},
			},
			wantErrIn: []string{`stdin line 2: "999.1.1.1" is not an IP address`},
		},
		{
			name:      "arguments",
			args:      []string{"geo", "lookup", "1.2.4.8", "fe80::1%eth0", "example.com"},
			wantRows:  [][3]string{{"1.2.4.8", "CN", embeddedSource}},
			wantErrIn: []string{`"fe80::1%eth0" is not an IP address`, `"example.com" is not an IP address`, "2 input(s)"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := e.run(t, tt.stdin, tt.args...)
			expectCode(t, r, ExitFailure)
			if tt.wantJSON != nil {
				if diff := cmp.Diff(tt.wantJSON, parseJSONLines(t, r.out)); diff != "" {
					t.Errorf("JSON answers (-want +got):\n%s", diff)
				}
			} else if diff := cmp.Diff(tt.wantRows, parseTSV(t, r.out)); diff != "" {
				t.Errorf("good lines still answered (-want +got):\n%s", diff)
			}
			for _, s := range tt.wantErrIn {
				if !strings.Contains(r.err, s) {
					t.Errorf("stderr does not contain %q:\n%s", s, r.err)
				}
			}
		})
	}
}

// prefixStats checks that out is one prefix per line in the given family,
// masked, sorted and disjoint, and returns their number and address total.
func prefixStats(t *testing.T, out string, v4 bool) (int, *big.Int) {
	t.Helper()
	total := new(big.Int)
	n := 0
	var prev netip.Prefix
	for _, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		p, err := netip.ParsePrefix(line)
		if err != nil {
			t.Fatalf("line %d %q: %v", n+1, line, err)
		}
		if p.Addr().Is4() != v4 || p.Addr().Is4In6() || p.Masked() != p {
			t.Fatalf("line %d: %s is not a masked prefix of the expected family (IPv4 %v)", n+1, p, v4)
		}
		if n > 0 && (prev.Overlaps(p) || p.Addr().Less(prev.Addr())) {
			t.Fatalf("line %d: %s overlaps or precedes %s", n+1, p, prev)
		}
		total.Add(total, new(big.Int).Lsh(big.NewInt(1), uint(p.Addr().BitLen()-p.Bits())))
		prev = p
		n++
	}
	return n, total
}

type rangesJSON struct {
	Countries []string   `json:"countries"`
	Source    string     `json:"source"`
	IPv4      familyJSON `json:"ipv4"`
	IPv6      familyJSON `json:"ipv6"`
	Prefixes  []string   `json:"prefixes"`
}

func TestGeoRangesCN(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	four := e.run(t, "", "geo", "ranges", "CN", "-4")
	six := e.run(t, "", "geo", "ranges", "cn", "--ipv6")
	both := e.run(t, "", "geo", "ranges", "CN")
	tests := []struct {
		name      string
		r         result
		v4        bool
		wantN     int
		wantAddrs string
	}{
		{"CN -4", four, true, 5501, "342953984"},
		{"cn --ipv6", six, false, 2024, "5432680154495179978710000596942848"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			expectCode(t, tt.r, ExitOK)
			n, addrs := prefixStats(t, tt.r.out, tt.v4)
			if n != tt.wantN || addrs.String() != tt.wantAddrs {
				t.Errorf("%d prefixes, %s addresses; want %d, %s", n, addrs, tt.wantN, tt.wantAddrs)
			}
		})
	}
	expectCode(t, both, ExitOK)
	if both.out != four.out+six.out {
		t.Errorf("ranges CN is not ranges CN -4 followed by ranges CN -6")
	}
}

func bigOf(t *testing.T, s string) *big.Int {
	t.Helper()
	n, ok := new(big.Int).SetString(s, 10)
	if !ok {
		t.Fatalf("%q is not a decimal count", s)
	}
	return n
}

func TestGeoRangesMerge(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ranges := func(t *testing.T, codes string) rangesJSON {
		t.Helper()
		r := e.run(t, "", "geo", "ranges", codes, "--json")
		expectCode(t, r, ExitOK)
		var v rangesJSON
		dec := json.NewDecoder(strings.NewReader(r.out))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&v); err != nil {
			t.Fatal(err)
		}
		if got, want := len(v.Prefixes), v.IPv4.Prefixes+v.IPv6.Prefixes; got != want {
			t.Errorf("%s: %d prefixes listed, counts say %d", codes, got, want)
		}
		return v
	}
	merged := ranges(t, "CN,HK,MO")
	if diff := cmp.Diff([]string{"CN", "HK", "MO"}, merged.Countries); diff != "" {
		t.Errorf("countries (-want +got):\n%s", diff)
	}
	if merged.Source != embeddedSource {
		t.Errorf("source %q, want %q", merged.Source, embeddedSource)
	}
	// Spaces and case do not matter.
	if again := ranges(t, " cn, hk ,mo,"); !cmp.Equal(merged, again) {
		t.Errorf("\" cn, hk ,mo,\" differs from CN,HK,MO: %s", cmp.Diff(merged, again))
	}
	var parts struct {
		v4n, v6n     int
		v4sum, v6sum big.Int
	}
	for _, cc := range []string{"CN", "HK", "MO"} {
		p := ranges(t, cc)
		parts.v4n += p.IPv4.Prefixes
		parts.v6n += p.IPv6.Prefixes
		parts.v4sum.Add(&parts.v4sum, bigOf(t, p.IPv4.Addresses))
		parts.v6sum.Add(&parts.v6sum, bigOf(t, p.IPv6.Addresses))
	}
	if merged.IPv4.Prefixes > parts.v4n || merged.IPv6.Prefixes > parts.v6n {
		t.Errorf("merged cover has %d+%d prefixes, more than the parts' %d+%d", merged.IPv4.Prefixes, merged.IPv6.Prefixes, parts.v4n, parts.v6n)
	}
	// The countries are disjoint, so merging neither loses nor adds space.
	if bigOf(t, merged.IPv4.Addresses).Cmp(&parts.v4sum) != 0 || bigOf(t, merged.IPv6.Addresses).Cmp(&parts.v6sum) != 0 {
		t.Errorf("merged addresses %s/%s, parts sum to %s/%s", merged.IPv4.Addresses, merged.IPv6.Addresses, &parts.v4sum, &parts.v6sum)
	}
	if merged.IPv4.Prefixes != 8106 || merged.IPv4.Addresses != "356587840" {
		t.Errorf("CN,HK,MO IPv4: %+v, want 8106 prefixes, 356587840 addresses", merged.IPv4)
	}
}

func TestGeoRangesErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tests := []struct {
		name      string
		args      []string
		wantCode  int
		wantErrIn []string
	}{
		{"both families", []string{"geo", "ranges", "CN", "-4", "-6"}, ExitUsage, []string{"-4 and -6", "seawall geo ranges --help"}},
		{"unknown country", []string{"geo", "ranges", "XX"}, ExitFailure, []string{"XX", "ISO 3166"}},
		{"one unknown of several", []string{"geo", "ranges", "CN,XX,HK,QQ"}, ExitFailure, []string{"XX, QQ"}},
		{"no argument", []string{"geo", "ranges"}, ExitUsage, []string{"one argument", "seawall geo ranges --help"}},
		{"two arguments", []string{"geo", "ranges", "CN", "HK"}, ExitUsage, []string{"comma-separated"}},
		{"only commas", []string{"geo", "ranges", ",,"}, ExitUsage, []string{`no country codes in ",,"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := e.run(t, "", tt.args...)
			expectCode(t, r, tt.wantCode)
			if r.out != "" {
				t.Errorf("stdout %q, want nothing", r.out)
			}
			for _, s := range tt.wantErrIn {
				if !strings.Contains(r.err, s) {
					t.Errorf("stderr does not contain %q:\n%s", s, r.err)
				}
			}
		})
	}
}

// infoJSON is geo info --json.
type infoJSON struct {
	Source     string     `json:"source"`
	Commit     string     `json:"commit"`
	Date       string     `json:"date"`
	Registries []string   `json:"registries"`
	Origin     string     `json:"origin"`
	Path       string     `json:"path"`
	Countries  int        `json:"countries"`
	Scope      string     `json:"scope"`
	IPv4       familyJSON `json:"ipv4"`
	IPv6       familyJSON `json:"ipv6"`
}

func decodeInfo(t *testing.T, out string) infoJSON {
	t.Helper()
	var v infoJSON
	dec := json.NewDecoder(strings.NewReader(out))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("geo info --json: %v\n%s", err, out)
	}
	return v
}

func TestGeoInfo(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	t.Run("text", func(t *testing.T) {
		t.Parallel()
		r := e.run(t, "", "geo", "info")
		expectCode(t, r, ExitOK)
		golden(t, "info.golden", r.out)
	})
	t.Run("text country", func(t *testing.T) {
		t.Parallel()
		r := e.run(t, "", "geo", "info", "--country", "cn")
		expectCode(t, r, ExitOK)
		golden(t, "info-cn.golden", r.out)
	})
	t.Run("json country", func(t *testing.T) {
		t.Parallel()
		r := e.run(t, "", "geo", "info", "--json", "--country", "CN")
		expectCode(t, r, ExitOK)
		want := infoJSON{
			Source: "ipverse/rir-ip", Commit: "6745bab5f3983019124c8df375c6d5d2b54fed8e", Date: "2026-02-01",
			Origin: "embedded", Countries: 237, Scope: "CN",
			IPv4: familyJSON{Prefixes: 5501, Addresses: "342953984"},
			IPv6: familyJSON{Prefixes: 2024, Addresses: "5432680154495179978710000596942848"},
		}
		if diff := cmp.Diff(want, decodeInfo(t, r.out)); diff != "" {
			t.Errorf("geo info --json --country CN (-want +got):\n%s", diff)
		}
	})
	t.Run("json all", func(t *testing.T) {
		t.Parallel()
		r := e.run(t, "", "geo", "info", "--json")
		expectCode(t, r, ExitOK)
		got := decodeInfo(t, r.out)
		if got.Scope != "all countries" || got.Origin != "embedded" || got.Date != "2026-02-01" || got.IPv4.Prefixes <= 5501 {
			t.Errorf("geo info --json: %+v", got)
		}
	})
	for _, cc := range []string{"XX", "CHN"} {
		t.Run("unknown country "+cc, func(t *testing.T) {
			t.Parallel()
			r := e.run(t, "", "geo", "info", "--country", cc)
			expectCode(t, r, ExitUsage)
			if !strings.Contains(r.err, `country "`+cc+`" is not in the database`) {
				t.Errorf("stderr: %s", r.err)
			}
		})
	}
	t.Run("argument", func(t *testing.T) {
		t.Parallel()
		expectCode(t, e.run(t, "", "geo", "info", "CN"), ExitUsage)
	})
}

func TestGeoDBFile(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	db := filepath.Join("testdata", "geodb", "doc-cn.txt")
	t.Run("lookup", func(t *testing.T) {
		t.Parallel()
		r := e.run(t, "", "geo", "lookup", "--geo-db", db, "192.0.2.1", "198.51.100.7", "2001:db8::1", "10.0.0.1", "8.8.8.8")
		expectCode(t, r, ExitOK)
		want := [][3]string{
			{"192.0.2.1", "CN", "doc-cn.txt"},
			{"198.51.100.7", "CN", "doc-cn.txt"},
			{"2001:db8::1", "CN", "doc-cn.txt"},
			{"10.0.0.1", "--", "private use (RFC 1918) [IANA special-purpose registry]"},
			{"8.8.8.8", "--", "not delegated to any country [doc-cn.txt]"},
		}
		if diff := cmp.Diff(want, parseTSV(t, r.out)); diff != "" {
			t.Errorf("lookup --geo-db (-want +got):\n%s", diff)
		}
	})
	t.Run("ranges", func(t *testing.T) {
		t.Parallel()
		r := e.run(t, "", "geo", "ranges", "CN", "--geo-db", db)
		expectCode(t, r, ExitOK)
		if diff := cmp.Diff("192.0.2.0/24\n198.51.100.0/24\n2001:db8::/32\n", r.out); diff != "" {
			t.Errorf("ranges CN --geo-db (-want +got):\n%s", diff)
		}
	})
	t.Run("ranges unknown", func(t *testing.T) {
		t.Parallel()
		r := e.run(t, "", "geo", "ranges", "US", "--geo-db", db)
		expectCode(t, r, ExitFailure)
		if !strings.Contains(r.err, "US") {
			t.Errorf("stderr does not name US: %s", r.err)
		}
	})
	t.Run("info", func(t *testing.T) {
		t.Parallel()
		r := e.run(t, "", "geo", "info", "--json", "--geo-db", db)
		expectCode(t, r, ExitOK)
		want := infoJSON{
			Source: "doc-cn.txt", Origin: "file", Path: db, Countries: 1, Scope: "all countries",
			IPv4: familyJSON{Prefixes: 2, Addresses: "512"},
			IPv6: familyJSON{Prefixes: 1, Addresses: "79228162514264337593543950336"},
		}
		if diff := cmp.Diff(want, decodeInfo(t, r.out)); diff != "" {
			t.Errorf("geo info --geo-db (-want +got):\n%s", diff)
		}
	})
	for _, tt := range []struct {
		file, wantErr string
	}{
		{"host-bits.txt", "host-bits.txt:3: 198.51.100.7/24 has host bits set; did you mean 198.51.100.0/24?"},
		{"bad-country.txt", `bad-country.txt:2: country "CHN" is not a two-letter code`},
		{"missing.txt", "missing.txt: no such file or directory"},
	} {
		for _, cmd := range [][]string{{"geo", "lookup", "192.0.2.1"}, {"geo", "ranges", "CN"}, {"geo", "info"}} {
			t.Run(tt.file+" "+cmd[1], func(t *testing.T) {
				t.Parallel()
				r := e.run(t, "", append(cmd, "--geo-db", filepath.Join("testdata", "geodb", tt.file))...)
				expectCode(t, r, ExitFailure)
				if r.out != "" {
					t.Errorf("stdout %q, want nothing", r.out)
				}
				if !strings.Contains(r.err, tt.wantErr) {
					t.Errorf("stderr does not contain %q:\n%s", tt.wantErr, r.err)
				}
			})
		}
	}
}

func TestVersion(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	t.Run("text", func(t *testing.T) {
		t.Parallel()
		r := e.run(t, "", "version")
		expectCode(t, r, ExitOK)
		lines := strings.Split(r.out, "\n")
		want := []string{"seawall v0.0.0-test", "commit     0123456789abcdef", "geo data   2026-02-01 (embedded snapshot)"}
		if len(lines) < 3 {
			t.Fatalf("version printed %q", r.out)
		}
		if diff := cmp.Diff(want, lines[:3]); diff != "" {
			t.Errorf("version (-want +got):\n%s", diff)
		}
	})
	t.Run("json", func(t *testing.T) {
		t.Parallel()
		r := e.run(t, "", "version", "--json")
		expectCode(t, r, ExitOK)
		var got map[string]string
		if err := json.Unmarshal([]byte(r.out), &got); err != nil {
			t.Fatal(err)
		}
		delete(got, "go")
		delete(got, "platform")
		want := map[string]string{"version": "v0.0.0-test", "commit": "0123456789abcdef", "geo_data": "2026-02-01"}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("version --json (-want +got):\n%s", diff)
		}
	})
	t.Run("unset build", func(t *testing.T) {
		t.Parallel()
		var out bytes.Buffer
		code := Run(context.Background(), []string{"version", "--json"}, IO{In: strings.NewReader(""), Out: &out, Err: &out}, Build{})
		if code != ExitOK {
			t.Fatalf("exit %d: %s", code, out.String())
		}
		var got struct{ Version, Commit string }
		if err := json.Unmarshal(out.Bytes(), &got); err != nil {
			t.Fatal(err)
		}
		if got.Version == "" || got.Commit == "" {
			t.Errorf("an unset build prints %+v; want placeholders, not empty strings", got)
		}
	})
}

func TestUsageErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tests := []struct {
		name      string
		args      []string
		wantErrIn []string
		raw       bool // without the env's -c and --data-dir after args
	}{
		{"unknown command", []string{"bogus"}, []string{`unknown command "bogus" for "seawall"`, "Run 'seawall --help' for usage."}, false},
		{"misspelt command", []string{"verson"}, []string{`unknown command "verson"`, "version"}, false},
		{"unknown geo command", []string{"geo", "bogus"}, []string{`unknown command "bogus" for "seawall geo"`, "Run 'seawall geo --help' for usage."}, false},
		{"misspelt geo command", []string{"geo", "lokup", "1.2.4.8"}, []string{`unknown command "lokup" for "seawall geo"; did you mean lookup?`}, false},
		{"unknown flag", []string{"geo", "lookup", "--bogus", "1.2.4.8"}, []string{"unknown flag: --bogus", "Run 'seawall geo lookup --help' for usage."}, false},
		{"unknown shorthand", []string{"geo", "ranges", "CN", "-x"}, []string{"unknown shorthand flag: 'x' in -x", "seawall geo ranges --help"}, false},
		{"unknown root flag", []string{"--bogus"}, []string{"unknown flag: --bogus"}, true},
		{"flag without value", []string{"geo", "info", "--country"}, []string{"flag needs an argument: --country"}, true},
		{"bad bool", []string{"version", "--json=maybe"}, []string{`invalid argument "maybe"`}, false},
		{"version argument", []string{"version", "now"}, []string{`unknown command "now" for "seawall version"`}, false},
		{"update argument", []string{"geo", "update", "now"}, []string{`unknown command "now" for "seawall geo update"`}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := e.run(t, "", tt.args...)
			if tt.raw {
				r = e.runRaw(t, "", tt.args...)
			}
			expectCode(t, r, ExitUsage)
			if r.out != "" {
				t.Errorf("stdout %q, want nothing", r.out)
			}
			for _, s := range tt.wantErrIn {
				if !strings.Contains(r.err, s) {
					t.Errorf("stderr does not contain %q:\n%s", s, r.err)
				}
			}
		})
	}
}

// commandPaths lists every command below root, as argument lists.
func commandPaths() [][]string {
	var out [][]string
	var walk func(prefix []string, cmds []*cobra.Command)
	walk = func(prefix []string, cmds []*cobra.Command) {
		for _, c := range cmds {
			p := append(append([]string{}, prefix...), c.Name())
			out = append(out, p)
			walk(p, c.Commands())
		}
	}
	walk(nil, (&app{}).rootCmd().Commands())
	return out
}

func TestHelp(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	paths := append([][]string{{}}, commandPaths()...)
	if len(paths) < 7 {
		t.Fatalf("found only %d commands: %v", len(paths), paths)
	}
	for _, p := range paths {
		name := strings.Join(append([]string{"seawall"}, p...), " ")
		for _, form := range []struct {
			label string
			args  []string
		}{
			{"--help", append(append([]string{}, p...), "--help")},
			{"-h", append(append([]string{}, p...), "-h")},
			{"help", append([]string{"help"}, p...)},
		} {
			t.Run(name+" "+form.label, func(t *testing.T) {
				t.Parallel()
				r := e.runRaw(t, "", form.args...)
				expectCode(t, r, ExitOK)
				if r.err != "" {
					t.Errorf("stderr: %q, want nothing", r.err)
				}
				if !strings.Contains(r.out, "\nUsage:\n  "+name) {
					t.Errorf("no Usage section for %q:\n%s", name, r.out)
				}
				golden(t, filepath.Join("help", strings.ReplaceAll(name, " ", "_")+".golden"), r.out)
			})
		}
	}
	// A group command with nothing after it explains itself.
	for _, args := range [][]string{{}, {"geo"}} {
		t.Run("bare "+strings.Join(args, " "), func(t *testing.T) {
			t.Parallel()
			r := e.run(t, "", args...)
			expectCode(t, r, ExitOK)
			if !strings.Contains(r.out, "Usage:") {
				t.Errorf("no Usage section:\n%s", r.out)
			}
		})
	}
}

func TestConfigFile(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tests := []struct {
		name      string
		cfg       string
		wantErrIn []string
	}{
		{"missing", filepath.Join(t.TempDir(), "nope.yaml"), []string{"nope.yaml", "no such file"}},
		{"unknown key", filepath.Join("testdata", "config", "unknown-key.yaml"), []string{`unknown-key.yaml:4: unknown key "timout" in geo`}},
		{"relative data_dir", filepath.Join("testdata", "config", "relative-data-dir.yaml"), []string{"relative-data-dir.yaml", "data_dir", "absolute"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := e.runRaw(t, "", "geo", "lookup", "1.2.4.8", "-c", tt.cfg, "--data-dir", e.dataDir)
			expectCode(t, r, ExitFailure)
			for _, s := range tt.wantErrIn {
				if !strings.Contains(r.err, s) {
					t.Errorf("stderr does not contain %q:\n%s", s, r.err)
				}
			}
		})
	}
}

func TestGroupDigits(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"": "", "1": "1", "12": "12", "123": "123", "1234": "1,234", "12345": "12,345",
		"123456": "123,456", "1234567": "1,234,567", "342953984": "342,953,984",
	} {
		if got := group(in); got != want {
			t.Errorf("group(%q) = %q, want %q", in, got, want)
		}
	}
}

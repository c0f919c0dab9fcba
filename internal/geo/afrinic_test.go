package geo

import (
	"net/netip"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/seawall/seawall/internal/prefixset"
	"github.com/seawall/seawall/internal/testenv"
)

// AFRINIC's raw file has no clear licence, so it is read in place from
// ../shared and never copied into testdata.
func parseAfrinic(t *testing.T, day string) *Delegated {
	t.Helper()
	path := testenv.SharedData(t, "geo/fartbagxp-rir-backup/"+day+"/delegated-afrinic-extended-latest.txt")
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	d, err := ParseDelegated(f, path)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestParseAfrinic(t *testing.T) {
	type summary struct {
		Header   Header
		ByType   map[string]int
		ByStatus map[string]int
		CN       int
		ZZ       int
		Opaque   int
	}
	tests := []struct {
		day  string
		want summary
	}{
		{"2026-08-20", summary{
			Header: Header{Version: "2", Registry: "afrinic", Serial: "20260820", Records: 19594, StartDate: "00000000", EndDate: "20260820", UTCOffset: "00000"},
			ByType: map[string]int{"asn": 4350, "ipv4": 6044, "ipv6": 9200},
		}},
		{"2026-08-21", summary{
			Header: Header{Version: "2", Registry: "afrinic", Serial: "20260821", Records: 19600, StartDate: "00000000", EndDate: "20260821", UTCOffset: "00000"},
			ByType: map[string]int{"asn": 4350, "ipv4": 6045, "ipv6": 9205},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.day, func(t *testing.T) {
			d := parseAfrinic(t, tt.day)
			if len(d.Headers) != 1 {
				t.Fatalf("%d headers, want 1", len(d.Headers))
			}
			got := summary{Header: d.Headers[0], ByType: map[string]int{}, ByStatus: map[string]int{}}
			for _, r := range d.Records {
				got.ByType[r.Type]++
				got.ByStatus[r.Status]++
				if r.Country == "CN" {
					got.CN++
				}
				if r.Country == "ZZ" {
					got.ZZ++
				}
				if r.OpaqueID != "" {
					got.Opaque++
				}
				if r.Registry != "afrinic" || r.Line == 0 {
					t.Errorf("record %+v", r)
				}
			}
			if len(d.Records) != tt.want.Header.Records {
				t.Errorf("%d records, want %d", len(d.Records), tt.want.Header.Records)
			}
			// The file's shape, beyond the counts SOURCES.md states: every
			// status occurs, unassigned space is ZZ, and there is no CN.
			for _, st := range []string{"allocated", "assigned", "available", "reserved"} {
				if got.ByStatus[st] == 0 {
					t.Errorf("no %s records", st)
				}
			}
			if got.ZZ == 0 || got.Opaque == 0 {
				t.Errorf("%d ZZ records and %d with an opaque id; want some of each", got.ZZ, got.Opaque)
			}
			got.ByStatus, got.ZZ, got.Opaque = nil, 0, 0
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("summary (-want +got):\n%s", diff)
			}
		})
	}
}

// TestAfrinicDailyDiff builds the database of each day and checks that one
// day's update is the small delta the two files differ by: KE and ZA gain
// space that was available the day before, and nothing is removed.
func TestAfrinicDailyDiff(t *testing.T) {
	build := func(day string) *DB {
		b := NewBuilder()
		b.AddDelegated(parseAfrinic(t, day))
		return b.Build(Meta{Source: "afrinic", Date: day})
	}
	old, cur := build("2026-08-20"), build("2026-08-21")
	if len(old.Countries) < 50 || len(cur.Countries) != len(old.Countries) {
		t.Errorf("%d then %d countries", len(old.Countries), len(cur.Countries))
	}
	all := func(db *DB) []netip.Prefix {
		var out []netip.Prefix
		for _, c := range db.Countries {
			out = append(out, c.V4...)
			out = append(out, c.V6...)
		}
		return out
	}
	added, removed := prefixset.Diff(all(old), all(cur))
	if diff := cmp.Diff(mustPrefixes(t, "102.201.128.0/21", "2c0f:53a0::/32"), added, cmpOpts); diff != "" {
		t.Errorf("added, db-wide (-want +got):\n%s", diff)
	}
	if len(removed) != 0 {
		t.Errorf("removed, db-wide: %v, want none", removed)
	}

	type change struct{ Added, Removed []netip.Prefix }
	got := map[string]change{}
	for _, c := range cur.Countries {
		o, _ := old.Country(c.Code)
		a, r := prefixset.Diff(slices.Concat(o.V4, o.V6), slices.Concat(c.V4, c.V6))
		if len(a)+len(r) > 0 {
			got[c.Code] = change{a, r}
		}
	}
	want := map[string]change{
		"KE": {Added: mustPrefixes(t, "102.201.132.0/22", "2c0f:53a0::/32")},
		"ZA": {Added: mustPrefixes(t, "102.201.128.0/22")},
	}
	if diff := cmp.Diff(want, got, cmpOpts); diff != "" {
		t.Errorf("per-country changes (-want +got):\n%s", diff)
	}
	// KE's new ASN comes with its address space.
	newASNs := slices.DeleteFunc(slices.Clone(cur.ASNs), func(a ASNRange) bool { return slices.Contains(old.ASNs, a) })
	if diff := cmp.Diff([]ASNRange{{Country: "KE", First: 329795, Last: 329795}}, newASNs); diff != "" {
		t.Errorf("new ASNs (-want +got):\n%s", diff)
	}
	// Nothing shrank, so the update passes the shrink guard.
	if f := CheckShrink(old, cur, DefaultGuard()); len(f) != 0 {
		t.Errorf("CheckShrink(old, new) = %v", f)
	}
}

// TestAfrinicTruncated cuts the real file short at several places: each
// cut is an error at the version line, never a smaller database.
func TestAfrinicTruncated(t *testing.T) {
	path := testenv.SharedData(t, "geo/fartbagxp-rir-backup/2026-08-21/delegated-afrinic-extended-latest.txt")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	ls := strings.SplitAfter(string(data), "\n")
	tests := []struct {
		keep int // lines kept
		want string
	}{
		{len(ls) - 2, "header announces 19600 records but 19599 follow (truncated or corrupt file)"},
		{len(ls) / 2, "header announces 19600 records but"},
		{5, "header announces 19600 records but 1 follow"},
		{1, "header announces 19600 records but 0 follow"},
	}
	for _, tt := range tests {
		_, err := ParseDelegated(strings.NewReader(strings.Join(ls[:tt.keep], "")), "afrinic")
		if err == nil || !strings.Contains(err.Error(), "afrinic:1: "+tt.want) {
			t.Errorf("first %d lines: error %v, want afrinic:1: %s", tt.keep, err, tt.want)
		}
	}
	// A cut mid-line leaves a record that does not parse, or the count
	// check catches it. (A cut that only drops the last line's trailing
	// '|' or opaque id leaves a valid file: that is what the published MD5
	// is for.)
	for _, n := range []int{len(data) - 7, len(data) - 40, len(data) / 3} {
		if _, err := ParseDelegated(strings.NewReader(string(data[:n])), "afrinic"); err == nil {
			t.Errorf("first %d of %d bytes parsed without error", n, len(data))
		}
	}
}

package geo

import (
	"net/netip"
	"os"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestWorldMatchesUpstream compares the embedded table's entry for Macao
// with the upstream CC0 lists it was generated from (testdata/SOURCES.md).
func TestWorldMatchesUpstream(t *testing.T) {
	var want []netip.Prefix
	for _, f := range []string{"ipv4-aggregated.txt", "ipv6-aggregated.txt"} {
		path := "testdata/ipverse-rir-ip/country/mo/" + f
		fh, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		ps, err := ParsePrefixList(fh, path)
		fh.Close()
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, ps...)
	}
	if len(want) != 31+11 {
		t.Errorf("%d prefixes in the MO lists, want 42", len(want))
	}
	db, err := sharedWorld()
	if err != nil {
		t.Fatal(err)
	}
	mo, _ := db.Country("MO")
	if diff := cmp.Diff(want, slices.Concat(mo.V4, mo.V6), cmpOpts); diff != "" {
		t.Errorf("MO (-upstream +embedded):\n%s", diff)
	}
}

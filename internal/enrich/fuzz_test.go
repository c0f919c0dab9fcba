package enrich

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func seedFile(f *testing.F, path string) {
	f.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(string(b))
}

// FuzzParseIPToASN checks that parsing never panics, that what it accepts
// is well formed, and that writing it back out parses to the same ranges.
// Accepted ranges also build into a table that agrees with the reference
// at their edges, when they are disjoint.
func FuzzParseIPToASN(f *testing.F) {
	seedFile(f, "testdata/ip2asn-sample.tsv")
	f.Add("1.0.0.0\t1.0.0.255\t13335\tUS\tCLOUDFLARENET\n")
	f.Add("::ffff:1.0.0.0\t::ffff:1.0.0.9\t1\n1.0.0.10\t1.0.0.10\t2\n")
	f.Add("1.0.0.0\t1.0.0.255\t0\tNone\tNot routed\n")
	f.Fuzz(func(t *testing.T, in string) {
		rs, err := ParseIPToASN("f", strings.NewReader(in))
		if err != nil {
			if !strings.HasPrefix(err.Error(), "f:") {
				t.Fatalf("error does not name the input: %v", err)
			}
			return
		}
		var b strings.Builder
		for _, r := range rs {
			if r.ASN == 0 || r.Last.Less(r.First) || r.First.Is4() != r.Last.Is4() || r.First.Zone() != "" {
				t.Fatalf("accepted a bad range: %+v", r)
			}
			fmt.Fprintf(&b, "%s\t%s\t%d\t%s\t%s\n", r.First, r.Last, r.ASN, r.Country, r.Name)
		}
		again, err := ParseIPToASN("f", strings.NewReader(b.String()))
		if err != nil {
			t.Fatalf("re-parsing %q: %v", b.String(), err)
		}
		if diff := cmp.Diff(rs, again, cmpOpts); diff != "" {
			t.Fatalf("round trip mismatch (-first +second):\n%s", diff)
		}
		src := Sources{ASN: rs}
		tab, err := Build(src)
		if err != nil {
			return // overlapping ranges
		}
		var addrs []netip.Addr
		for _, r := range rs {
			addrs = append(addrs, r.First, r.Last, r.First.Prev(), r.Last.Next())
		}
		checkAgainstReference(t, src, tab, addrs)
	})
}

// FuzzParseList checks that parsing never panics, that accepted prefixes
// are masked, that writing them back parses to the same list, and that the
// list builds into a table agreeing with the reference.
func FuzzParseList(f *testing.F) {
	seedFile(f, "testdata/threats-sample.txt")
	f.Add("1.2.3.4\n10.0.0.0/8 # x\n2001:db8::/32;y\n")
	f.Add("::ffff:10.0.0.0/104\n0.0.0.0/0\n::/0\n")
	f.Fuzz(func(t *testing.T, in string) {
		l, err := ParseList("f", strings.NewReader(in))
		if err != nil {
			if !strings.HasPrefix(err.Error(), "f:") {
				t.Fatalf("error does not name the input: %v", err)
			}
			return
		}
		var b strings.Builder
		for _, p := range l.Prefixes {
			if p != p.Masked() {
				t.Fatalf("prefix %s not masked", p)
			}
			fmt.Fprintln(&b, p)
		}
		again, err := ParseList("f", strings.NewReader(b.String()))
		if err != nil {
			t.Fatalf("re-parsing %q: %v", b.String(), err)
		}
		if diff := cmp.Diff(l, again, cmpOpts); diff != "" {
			t.Fatalf("round trip mismatch (-first +second):\n%s", diff)
		}
		if len(l.Prefixes) > 200 {
			return // keep the reference check quick
		}
		src := Sources{Lists: []List{l}}
		tab, err := Build(src)
		if err != nil {
			t.Fatal(err)
		}
		rng := rand.New(rand.NewPCG(uint64(len(in)), 7))
		addrs := randAddrs(rng, 20)
		for _, p := range l.Prefixes {
			a := p.Addr()
			addrs = append(addrs, a, a.Prev(), randIn(rng, p))
		}
		checkAgainstReference(t, src, tab, addrs)
	})
}

package enrich

import (
	"net/netip"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/seawall/seawall/internal/prefixset/prefixsettest"
)

var cmpOpts = prefixsettest.CmpOptions

func addr(s string) netip.Addr { return netip.MustParseAddr(s) }

func TestParseIPToASNFile(t *testing.T) {
	f, err := os.Open("testdata/ip2asn-sample.tsv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got, err := ParseIPToASN("ip2asn-sample.tsv", f)
	if err != nil {
		t.Fatal(err)
	}
	want := []ASNRange{
		{First: addr("1.0.0.0"), Last: addr("1.0.0.255"), ASN: 13335, Country: "US", Name: "CLOUDFLARENET"},
		{First: addr("1.0.1.0"), Last: addr("1.0.3.255"), ASN: 4134, Country: "CN", Name: "CHINANET-BACKBONE No.31,Jin-rong Street"},
		{First: addr("1.0.4.0"), Last: addr("1.0.5.10"), ASN: 38803, Country: "AU", Name: "GTELECOM-AUSTRALIA Gtelecom Pty Ltd"},
		{First: addr("2001:200::"), Last: addr("2001:200:e00:ffff:ffff:ffff:ffff:ffff"), ASN: 2500, Country: "JP", Name: "WIDE-BB WIDE Project"},
		{First: addr("2001:200:e01::"), Last: addr("2001:200:e01::7f"), ASN: 7660, Country: "JP", Name: "APAN-JP Asia Pacific Advanced Network - Japan"},
	}
	if diff := cmp.Diff(want, got, cmpOpts); diff != "" {
		t.Errorf("ParseIPToASN mismatch (-want +got):\n%s", diff)
	}
	// The range not aligned to a CIDR block splits exactly.
	wantP := prefixsettest.Prefixes(t, "1.0.4.0/24", "1.0.5.0/29", "1.0.5.8/31", "1.0.5.10/32")
	if diff := cmp.Diff(wantP, got[2].Prefixes(), cmpOpts); diff != "" {
		t.Errorf("Prefixes mismatch (-want +got):\n%s", diff)
	}
}

func TestParseIPToASN(t *testing.T) {
	tests := []struct {
		name, in string
		want     []ASNRange
		err      string // substring of the error; "" for none
	}{
		{name: "empty", in: ""},
		{name: "blank lines and CRLF", in: "\r\n1.0.0.0\t1.0.0.255\t13335\tUS\tCLOUDFLARENET\r\n\n",
			want: []ASNRange{{First: addr("1.0.0.0"), Last: addr("1.0.0.255"), ASN: 13335, Country: "US", Name: "CLOUDFLARENET"}}},
		{name: "three columns", in: "10.0.0.1\t10.0.0.1\t65000\n",
			want: []ASNRange{{First: addr("10.0.0.1"), Last: addr("10.0.0.1"), ASN: 65000}}},
		{name: "byte order mark", in: "\ufeff1.0.0.0\t1.0.0.1\t7\n",
			want: []ASNRange{{First: addr("1.0.0.0"), Last: addr("1.0.0.1"), ASN: 7}}},
		{name: "not routed dropped", in: "1.0.0.0\t1.0.0.255\t0\tNone\tNot routed\n"},
		{name: "32-bit ASN", in: "1.0.0.0\t1.0.0.255\t4294967295\tZZ\tx\n",
			want: []ASNRange{{First: addr("1.0.0.0"), Last: addr("1.0.0.255"), ASN: 4294967295, Country: "ZZ", Name: "x"}}},
		{name: "ASN too large", in: "1.0.0.0\t1.0.0.255\t13335\tUS\tok\n1.0.1.0\t1.0.1.255\t4294967296\tUS\tx\n", err: "x:2: AS number"},
		{name: "spaces not tabs", in: "1.0.0.0 1.0.0.255 13335 US CLOUDFLARENET\n", err: "x:1: want range_start"},
		{name: "bad start", in: "1.0.0\t1.0.0.255\t1\n", err: `x:1: range_start: "1.0.0" is not an IP address`},
		{name: "bad end", in: "1.0.0.0\tnope\t1\n", err: "x:1: range_end"},
		{name: "reversed", in: "1.0.0.9\t1.0.0.1\t1\n", err: "x:1: range 1.0.0.9-1.0.0.1 ends before it starts"},
		{name: "mixed families", in: "1.0.0.0\t2001:db8::\t1\n", err: "x:1: range 1.0.0.0-2001:db8:: mixes IPv4 and IPv6"},
		{name: "zone", in: "fe80::1%eth0\tfe80::2\t1\n", err: "has a zone"},
		{name: "negative ASN", in: "1.0.0.0\t1.0.0.1\t-1\n", err: "x:1: AS number"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseIPToASN("x", strings.NewReader(tt.in))
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error = %v, want one containing %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got, cmpOpts); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseListFile(t *testing.T) {
	f, err := os.Open("testdata/threats-sample.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got, err := ParseList("sample", f)
	if err != nil {
		t.Fatal(err)
	}
	want := List{Name: "sample", Prefixes: prefixsettest.Prefixes(t, "198.51.100.7/32", "203.0.113.0/24", "2001:db8:bad::/48", "192.0.2.1/32")}
	if diff := cmp.Diff(want, got, cmpOpts); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
}

func TestParseList(t *testing.T) {
	tests := []struct {
		name, in string
		want     []string
		err      string
	}{
		{name: "empty", in: ""},
		{name: "comments only", in: "# a\n\n   # b\n;c\n"},
		{name: "addresses and prefixes", in: "1.2.3.4\n10.0.0.0/8\n2001:db8::1\n2001:db8::/32\n",
			want: []string{"1.2.3.4/32", "10.0.0.0/8", "2001:db8::1/128", "2001:db8::/32"}},
		{name: "trailing comments and spaces", in: "  1.2.3.4\t# scanner\n5.6.7.0/24;SBL1\n",
			want: []string{"1.2.3.4/32", "5.6.7.0/24"}},
		{name: "host bits cleared", in: "1.2.3.4/24\n", want: []string{"1.2.3.0/24"}},
		{name: "CRLF", in: "1.2.3.4\r\n", want: []string{"1.2.3.4/32"}},
		{name: "mapped kept as written", in: "::ffff:1.2.3.4\n", want: []string{"::ffff:1.2.3.4/128"}},
		{name: "bad line named", in: "1.2.3.4\n\n# c\nevil.example.com\n", err: `l:4: "evil.example.com" is not an IP address or CIDR prefix`},
		{name: "bad prefix length", in: "1.2.3.0/33\n", err: "l:1: "},
		{name: "two tokens", in: "1.2.3.4 5.6.7.8\n", err: "l:1: \"1.2.3.4 5.6.7.8\": want one IP address"},
		{name: "zone", in: "fe80::1%eth0\n", err: "l:1: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseList("l", strings.NewReader(tt.in))
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error = %v, want one containing %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want := List{Name: "l", Prefixes: prefixsettest.Prefixes(t, tt.want...)}
			if diff := cmp.Diff(want, got, cmpOpts); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseLongLine(t *testing.T) {
	in := "1.2.3.4\n" + strings.Repeat("x", maxLine+10) + "\n"
	_, err := ParseList("l", strings.NewReader(in))
	if err == nil || !strings.Contains(err.Error(), "l:2: line longer") {
		t.Fatalf("error = %v, want a too-long error for line 2", err)
	}
}

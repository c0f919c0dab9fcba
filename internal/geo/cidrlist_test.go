package geo

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParsePrefixList(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"ipverse layout", lines(
			"# ipverse/rir-ip country/cn/ipv4-aggregated.txt",
			"# Updated 2026-02-01",
			"",
			"1.0.1.0/24",
			"1.0.2.0/23",
			"  1.0.8.0/21  ",
			"1.1.0.0/24 # trailing comment",
			"2400:da00::/32",
		), []string{"1.0.1.0/24", "1.0.2.0/23", "1.0.8.0/21", "1.1.0.0/24", "2400:da00::/32"}},
		{"bare addresses", lines("8.8.8.8", "2001:4860:4860::8888", "::ffff:1.2.4.8"),
			[]string{"8.8.8.8/32", "2001:4860:4860::8888/128", "1.2.4.8/32"}},
		{"CRLF", "1.0.1.0/24\r\n1.0.2.0/23\r\n", []string{"1.0.1.0/24", "1.0.2.0/23"}},
		{"no final newline", "1.0.1.0/24", []string{"1.0.1.0/24"}},
		{"whole spaces", lines("0.0.0.0/0", "::/0"), []string{"0.0.0.0/0", "::/0"}},
		{"duplicates kept", lines("1.0.1.0/24", "1.0.1.0/24"), []string{"1.0.1.0/24", "1.0.1.0/24"}},
		{"empty", "", nil},
		{"comments only", lines("# a", "#b"), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParsePrefixList(strings.NewReader(tt.in), "list")
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(mustPrefixes(t, tt.want...), got, cmpOpts); diff != "" {
				t.Errorf("ParsePrefixList (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParsePrefixListErrors(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want ParseError
	}{
		{"host bits set", lines("# header", "1.0.1.0/24", "1.2.3.4/8"),
			ParseError{File: "cn.txt", Line: 3, Msg: "1.2.3.4/8 has host bits set; did you mean 1.0.0.0/8?"}},
		{"ipv6 host bits set", lines("2400:da00::1/32"),
			ParseError{File: "cn.txt", Line: 1, Msg: "2400:da00::1/32 has host bits set; did you mean 2400:da00::/32?"}},
		{"two fields", lines("1.0.1.0/24 CN"),
			ParseError{File: "cn.txt", Line: 1, Msg: `"1.0.1.0/24 CN": expected one prefix per line`}},
		{"comma", lines("1.0.1.0/24,1.0.2.0/23"),
			ParseError{File: "cn.txt", Line: 1, Msg: `"1.0.1.0/24,1.0.2.0/23": expected one prefix per line`}},
		{"tab", lines("1.0.1.0/24\t1.0.2.0/23"),
			ParseError{File: "cn.txt", Line: 1, Msg: `"1.0.1.0/24\t1.0.2.0/23": expected one prefix per line`}},
		{"not an address", lines("", "localhost"),
			ParseError{File: "cn.txt", Line: 2, Msg: `"localhost" is not an IP prefix or address`}},
		{"zone", lines("fe80::1%eth0"),
			ParseError{File: "cn.txt", Line: 1, Msg: `"fe80::1%eth0" is not an IP prefix or address`}},
		{"length too long", lines("1.0.1.0/33"),
			ParseError{File: "cn.txt", Line: 1, Msg: `"1.0.1.0/33" is not an IP prefix (expected e.g. 192.0.2.0/24 or 2001:db8::/32)`}},
		{"range", lines("1.0.1.0-1.0.1.255"),
			ParseError{File: "cn.txt", Line: 1, Msg: `"1.0.1.0-1.0.1.255" is not an IP prefix or address`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParsePrefixList(strings.NewReader(tt.in), "cn.txt")
			checkParseError(t, err, tt.want)
		})
	}
}

// checkParseError checks that err is exactly want.
func checkParseError(t *testing.T, err error, want ParseError) {
	t.Helper()
	var pe *ParseError
	if !errors.As(err, &pe) {
		t.Fatalf("error %v (%T), want a *ParseError", err, err)
	}
	if diff := cmp.Diff(want, *pe); diff != "" {
		t.Errorf("error (-want +got):\n%s", diff)
	}
}

func TestParseCountryList(t *testing.T) {
	in := lines(
		"# operator's own list",
		"1.0.1.0/24 CN",
		"CN 1.0.2.0/23",
		"1.0.4.0/22,cn",
		"cn,1.0.8.0/21",
		"1.0.16.0/20\tCN",
		"HK\t2001:df0::/48",
		"1.0.32.0/19 , CN   # spaces round the comma",
		"  ",
		"8.8.8.8 US",
		"US 2001:4860:4860::8888",
		"mo ::ffff:202.175.0.1",
		"2001:db8::/32 CN",
		"2001:db9::/32 CN",
	)
	b, err := ParseCountryList(strings.NewReader(in), "list")
	if err != nil {
		t.Fatal(err)
	}
	got := b.Build(Meta{Source: "list"})
	want := &DB{
		Meta: Meta{Source: "list"},
		Countries: []Country{
			{Code: "CN", V4: mustPrefixes(t, "1.0.1.0/24", "1.0.2.0/23", "1.0.4.0/22", "1.0.8.0/21", "1.0.16.0/20", "1.0.32.0/19"),
				V6: mustPrefixes(t, "2001:db8::/31")},
			{Code: "HK", V6: mustPrefixes(t, "2001:df0::/48")},
			{Code: "MO", V4: mustPrefixes(t, "202.175.0.1/32")},
			{Code: "US", V4: mustPrefixes(t, "8.8.8.8/32"), V6: mustPrefixes(t, "2001:4860:4860::8888/128")},
		},
	}
	if diff := cmp.Diff(want, got, cmpOpts); diff != "" {
		t.Errorf("ParseCountryList+Build (-want +got):\n%s", diff)
	}
}

func TestParseCountryListErrors(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want ParseError
	}{
		{"three-letter code", lines("1.0.1.0/24 CN", "1.0.2.0/23 CHN"),
			ParseError{File: "list", Line: 2, Msg: `country "CHN" is not a two-letter code`}},
		{"code first, bad", lines("C1 1.0.2.0/23"),
			ParseError{File: "list", Line: 1, Msg: `country "C1" is not a two-letter code`}},
		{"number as code", lines("1.0.2.0/23,12"),
			ParseError{File: "list", Line: 1, Msg: `country "12" is not a two-letter code`}},
		{"prefix only", lines("# x", "1.0.2.0/23"),
			ParseError{File: "list", Line: 2, Msg: `"1.0.2.0/23": expected a prefix and a two-letter country code`}},
		{"three fields", lines("1.0.2.0/23 CN HK"),
			ParseError{File: "list", Line: 1, Msg: `"1.0.2.0/23 CN HK": expected a prefix and a two-letter country code`}},
		{"host bits set", lines("1.2.3.4/8 CN"),
			ParseError{File: "list", Line: 1, Msg: "1.2.3.4/8 has host bits set; did you mean 1.0.0.0/8?"}},
		{"host bits set, code first", lines("CN 2400:da00::1/32"),
			ParseError{File: "list", Line: 1, Msg: "2400:da00::1/32 has host bits set; did you mean 2400:da00::/32?"}},
		{"not a prefix", lines("XX YY"),
			ParseError{File: "list", Line: 1, Msg: `"XX" is not an IP prefix or address`}},
		{"delegated file", lines("2|apnic|20260201|1|19830613|20260131|+1000"),
			ParseError{File: "list", Line: 1, Msg: `"2|apnic|20260201|1|19830613|20260131|+1000": expected a prefix and a two-letter country code`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := ParseCountryList(strings.NewReader(tt.in), "list")
			checkParseError(t, err, tt.want)
			if b != nil {
				t.Errorf("got a builder with the error")
			}
		})
	}
}

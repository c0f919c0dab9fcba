package geo

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// apnicSample is a small delegated-extended file with every kind of line a
// registry publishes: comments, header, summaries, asn/ipv4/ipv6 records,
// ZZ and empty countries, reserved and available space, a record without
// an opaque id, a trailing '|', a lower-case country and a CRLF ending.
var apnicSample = lines(
	"# APNIC statistics, synthesised for tests",
	"2|apnic|20260201|9|19830613|20260131|+1000",
	"apnic|*|asn|*|2|summary",
	"apnic|*|ipv4|*|4|summary",
	"apnic|*|ipv6|*|3|summary",
	"",
	"apnic|JP|asn|173|1|20020801|allocated|A91A7381",
	"apnic|ZZ|asn|4608|2||reserved|",
	"# a comment between records",
	"apnic|CN|ipv4|1.0.1.0|768|20110414|allocated|A92E1062",
	"apnic|AU|ipv4|1.0.0.0|3|20110811|assigned|A91872ED\r",
	"apnic|ZZ|ipv4|1.0.4.0|1024||available|",
	"apnic||ipv4|1.0.8.0|256||reserved",
	"apnic|cn|ipv6|2400:da00::|32|20100519|allocated|A92E1062",
	"apnic|ZZ|ipv6|2400:db00::|32||available|",
	"apnic|HK|ipv6|2001:df0::|48|20090101|assigned",
)

// arinSample uses ARIN's "2.3" version and follows apnicSample when the
// registries' files are concatenated.
var arinSample = lines(
	"2.3|arin|1769990400000|3|19700101|20260201|-0500",
	"arin|*|asn|*|1|summary",
	"arin|*|ipv4|*|1|summary",
	"arin|*|ipv6|*|1|summary",
	"arin|US|asn|15169|1|20000330|assigned|8d2e2f0bd1e3b5e6a6c5f9c8ad1b1fde",
	"arin|US|ipv4|8.8.8.0|256|20141203|assigned|8d2e2f0bd1e3b5e6a6c5f9c8ad1b1fde",
	"arin|US|ipv6|2001:4860::|32|20050314|allocated|8d2e2f0bd1e3b5e6a6c5f9c8ad1b1fde",
)

func TestParseDelegated(t *testing.T) {
	apnicHeader := Header{Version: "2", Registry: "apnic", Serial: "20260201", Records: 9, StartDate: "19830613", EndDate: "20260131", UTCOffset: "+1000"}
	apnicRecords := []Record{
		{Registry: "apnic", Country: "JP", Type: "asn", FirstASN: 173, ASNCount: 1, Date: "20020801", Status: "allocated", OpaqueID: "A91A7381", Line: 7},
		{Registry: "apnic", Country: "ZZ", Type: "asn", FirstASN: 4608, ASNCount: 2, Status: "reserved", Line: 8},
		{Registry: "apnic", Country: "CN", Type: "ipv4", Prefixes: mustPrefixes(t, "1.0.1.0/24", "1.0.2.0/23"), Date: "20110414", Status: "allocated", OpaqueID: "A92E1062", Line: 10},
		{Registry: "apnic", Country: "AU", Type: "ipv4", Prefixes: mustPrefixes(t, "1.0.0.0/31", "1.0.0.2/32"), Date: "20110811", Status: "assigned", OpaqueID: "A91872ED", Line: 11},
		{Registry: "apnic", Country: "ZZ", Type: "ipv4", Prefixes: mustPrefixes(t, "1.0.4.0/22"), Status: "available", Line: 12},
		{Registry: "apnic", Country: "", Type: "ipv4", Prefixes: mustPrefixes(t, "1.0.8.0/24"), Status: "reserved", Line: 13},
		{Registry: "apnic", Country: "CN", Type: "ipv6", Prefixes: mustPrefixes(t, "2400:da00::/32"), Date: "20100519", Status: "allocated", OpaqueID: "A92E1062", Line: 14},
		{Registry: "apnic", Country: "ZZ", Type: "ipv6", Prefixes: mustPrefixes(t, "2400:db00::/32"), Status: "available", Line: 15},
		{Registry: "apnic", Country: "HK", Type: "ipv6", Prefixes: mustPrefixes(t, "2001:df0::/48"), Date: "20090101", Status: "assigned", Line: 16},
	}
	arinHeader := Header{Version: "2.3", Registry: "arin", Serial: "1769990400000", Records: 3, StartDate: "19700101", EndDate: "20260201", UTCOffset: "-0500"}
	arinRecords := func(firstLine int) []Record {
		const id = "8d2e2f0bd1e3b5e6a6c5f9c8ad1b1fde"
		return []Record{
			{Registry: "arin", Country: "US", Type: "asn", FirstASN: 15169, ASNCount: 1, Date: "20000330", Status: "assigned", OpaqueID: id, Line: firstLine},
			{Registry: "arin", Country: "US", Type: "ipv4", Prefixes: mustPrefixes(t, "8.8.8.0/24"), Date: "20141203", Status: "assigned", OpaqueID: id, Line: firstLine + 1},
			{Registry: "arin", Country: "US", Type: "ipv6", Prefixes: mustPrefixes(t, "2001:4860::/32"), Date: "20050314", Status: "allocated", OpaqueID: id, Line: firstLine + 2},
		}
	}
	tests := []struct {
		name string
		in   string
		want *Delegated
	}{
		{"one registry", apnicSample, &Delegated{Headers: []Header{apnicHeader}, Records: apnicRecords}},
		{"2.3 version line", arinSample, &Delegated{Headers: []Header{arinHeader}, Records: arinRecords(5)}},
		{"concatenated", apnicSample + arinSample, &Delegated{
			Headers: []Header{apnicHeader, arinHeader},
			Records: append(append([]Record(nil), apnicRecords...), arinRecords(21)...),
		}},
		{"header only", "2|ripencc|20260201|0|19930901|20260201|+0100\n", &Delegated{
			Headers: []Header{{Version: "2", Registry: "ripencc", Serial: "20260201", StartDate: "19930901", EndDate: "20260201", UTCOffset: "+0100"}},
		}},
		{"no summary lines, no final newline", "2|lacnic|20260201|1|00000000|20260201|-0300\nlacnic|BR|ipv4|200.0.0.0|65536|19980101|allocated", &Delegated{
			Headers: []Header{{Version: "2", Registry: "lacnic", Serial: "20260201", Records: 1, StartDate: "00000000", EndDate: "20260201", UTCOffset: "-0300"}},
			Records: []Record{{Registry: "lacnic", Country: "BR", Type: "ipv4", Prefixes: mustPrefixes(t, "200.0.0.0/16"), Date: "19980101", Status: "allocated", Line: 2}},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseDelegated(strings.NewReader(tt.in), "test")
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got, cmpOpts); diff != "" {
				t.Errorf("ParseDelegated (-want +got):\n%s", diff)
			}
			if !LooksDelegated([]byte(tt.in)) {
				t.Errorf("LooksDelegated = false")
			}
		})
	}
}

// TestParseDelegatedSplit checks the exact CIDR split of IPv4 counts that
// are not powers of two or not aligned, and IPv6 prefix lengths.
func TestParseDelegatedSplit(t *testing.T) {
	tests := []struct {
		typ, start, value string
		want              []string
	}{
		{"ipv4", "1.0.0.0", "256", []string{"1.0.0.0/24"}},
		{"ipv4", "1.0.0.0", "768", []string{"1.0.0.0/23", "1.0.2.0/24"}},
		{"ipv4", "1.0.1.0", "768", []string{"1.0.1.0/24", "1.0.2.0/23"}},
		{"ipv4", "1.0.0.0", "3", []string{"1.0.0.0/31", "1.0.0.2/32"}},
		{"ipv4", "1.0.0.1", "3", []string{"1.0.0.1/32", "1.0.0.2/31"}},
		{"ipv4", "196.0.0.0", "1280", []string{"196.0.0.0/22", "196.0.4.0/24"}},
		{"ipv4", "10.0.0.255", "258", []string{"10.0.0.255/32", "10.0.1.0/24", "10.0.2.0/32"}},
		{"ipv4", "41.0.0.0", "1", []string{"41.0.0.0/32"}},
		{"ipv4", "102.0.0.0", "7", []string{"102.0.0.0/30", "102.0.0.4/31", "102.0.0.6/32"}},
		{"ipv4", "223.255.255.255", "1", []string{"223.255.255.255/32"}},
		{"ipv4", "255.255.255.255", "1", []string{"255.255.255.255/32"}},
		{"ipv4", "255.255.255.0", "256", []string{"255.255.255.0/24"}},
		{"ipv4", "128.0.0.0", "2147483648", []string{"128.0.0.0/1"}},
		{"ipv4", "0.0.0.0", "4294967296", []string{"0.0.0.0/0"}},
		{"ipv4", "0.0.0.1", "4294967295", []string{
			"0.0.0.1/32", "0.0.0.2/31", "0.0.0.4/30", "0.0.0.8/29", "0.0.0.16/28", "0.0.0.32/27", "0.0.0.64/26", "0.0.0.128/25",
			"0.0.1.0/24", "0.0.2.0/23", "0.0.4.0/22", "0.0.8.0/21", "0.0.16.0/20", "0.0.32.0/19", "0.0.64.0/18", "0.0.128.0/17",
			"0.1.0.0/16", "0.2.0.0/15", "0.4.0.0/14", "0.8.0.0/13", "0.16.0.0/12", "0.32.0.0/11", "0.64.0.0/10", "0.128.0.0/9",
			"1.0.0.0/8", "2.0.0.0/7", "4.0.0.0/6", "8.0.0.0/5", "16.0.0.0/4", "32.0.0.0/3", "64.0.0.0/2", "128.0.0.0/1",
		}},
		{"ipv6", "2400:da00::", "32", []string{"2400:da00::/32"}},
		{"ipv6", "2c0f:e000::", "19", []string{"2c0f:e000::/19"}},
		{"ipv6", "2001:df0:2e8::", "48", []string{"2001:df0:2e8::/48"}},
		{"ipv6", "2001:db8:1:2::", "64", []string{"2001:db8:1:2::/64"}},
		{"ipv6", "2001:db8::1", "128", []string{"2001:db8::1/128"}},
		{"ipv6", "::", "0", []string{"::/0"}},
	}
	for _, tt := range tests {
		t.Run(tt.start+"+"+tt.value, func(t *testing.T) {
			in := lines("2|afrinic|20260821|1|00000000|20260821|00000",
				fmt.Sprintf("afrinic|ZA|%s|%s|%s|20260820|allocated|F36B9F4B", tt.typ, tt.start, tt.value))
			d, err := ParseDelegated(strings.NewReader(in), "split")
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(mustPrefixes(t, tt.want...), d.Records[0].Prefixes, cmpOpts); diff != "" {
				t.Errorf("prefixes (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseDelegatedErrors(t *testing.T) {
	const hdr = "2|apnic|20260201|1|19830613|20260131|+1000"
	rec := func(r string) string { return lines(hdr, r) }
	tests := []struct {
		name string
		in   string
		line int
		msg  string
	}{
		{"bad field count", rec("apnic|CN|ipv4|1.0.0.0|256|20110414"), 2, "record has 6 fields, expected at least 7"},
		{"bad ipv4 address", rec("apnic|CN|ipv4|1.0.0|256|20110414|allocated"), 2, `ipv4 start "1.0.0" is not an IPv4 address`},
		{"ipv6 address in ipv4 row", rec("apnic|CN|ipv4|2400::|256|20110414|allocated"), 2, `ipv4 start "2400::" is not an IPv4 address`},
		{"ipv4 address in ipv6 row", rec("apnic|CN|ipv6|1.0.0.0|32|20110414|allocated"), 2, `ipv6 start "1.0.0.0" is not an IPv6 address`},
		{"ipv4-mapped ipv6 row", rec("apnic|CN|ipv6|::ffff:1.0.0.0|120|20110414|allocated"), 2, "is not an IPv6 address"},
		{"zoned ipv6 row", rec("apnic|CN|ipv6|fe80::%eth0|64|20110414|allocated"), 2, "is not an IPv6 address"},
		{"count 0", rec("apnic|CN|ipv4|1.0.0.0|0|20110414|allocated"), 2, `ipv4 count "0" is not a positive number`},
		{"count negative", rec("apnic|CN|ipv4|1.0.0.0|-256|20110414|allocated"), 2, `ipv4 count "-256" is not a positive number`},
		{"count not a number", rec("apnic|CN|ipv4|1.0.0.0|lots|20110414|allocated"), 2, `ipv4 count "lots" is not a positive number`},
		{"range past the end", rec("apnic|CN|ipv4|255.255.255.0|512|20110414|allocated"), 2, "ipv4 range 255.255.255.0 + 512 runs past 255.255.255.255"},
		{"range one past the end", rec("apnic|CN|ipv4|0.0.0.1|4294967296|20110414|allocated"), 2, "runs past 255.255.255.255"},
		// first+count-1 wraps round uint64 to below first.
		{"range wrapping uint64", rec("apnic|CN|ipv4|0.0.0.2|18446744073709551615|20110414|allocated"), 2, "runs past 255.255.255.255"},
		{"ipv6 length too long", rec("apnic|CN|ipv6|2400::|129|20110414|allocated"), 2, `ipv6 prefix length "129" is not 0-128`},
		{"ipv6 length not a number", rec("apnic|CN|ipv6|2400::|/32|20110414|allocated"), 2, `ipv6 prefix length "/32" is not 0-128`},
		{"ipv6 host bits", rec("apnic|CN|ipv6|2400:da00::1|32|20110414|allocated"), 2, "ipv6 2400:da00::1/32 has host bits set"},
		{"asn not a number", rec("apnic|CN|asn|AS4134|1|20110414|allocated"), 2, `asn start "AS4134" is not a 32-bit number`},
		{"asn count 0", rec("apnic|CN|asn|4134|0|20110414|allocated"), 2, `asn count "0" is not a positive number`},
		{"asn past 32 bits", rec("apnic|CN|asn|4294967295|2|20110414|allocated"), 2, "within the 32-bit ASN space"},
		{"unknown status", rec("apnic|CN|ipv4|1.0.0.0|256|20110414|allocatd"), 2, `status "allocatd", expected allocated, assigned, available or reserved`},
		{"unknown type", rec("apnic|CN|ipv5|1.0.0.0|256|20110414|allocated"), 2, `type "ipv5", expected ipv4, ipv6 or asn`},
		{"bad country", rec("apnic|CHN|ipv4|1.0.0.0|256|20110414|allocated"), 2, `country "CHN" is not a two-letter code`},
		{"registry mismatch", rec("ripencc|NL|ipv4|1.0.0.0|256|20110414|allocated"), 2, `record of registry "ripencc" inside "apnic"'s file`},
		{"registry mismatch in second file", apnicSample + lines(
			"2|arin|20260201|1|19700101|20260201|-0500",
			"apnic|US|ipv4|8.8.8.0|256|20141203|assigned"), 18, `record of registry "apnic" inside "arin"'s file`},
		{"header count: truncated", lines(
			"2|apnic|20260201|3|19830613|20260131|+1000",
			"apnic|CN|ipv4|1.0.1.0|256|20110414|allocated",
			"apnic|CN|ipv4|1.0.2.0|512|20110414|allocated"), 1, "header announces 3 records but 2 follow (truncated or corrupt file)"},
		{"header count: extra records", lines(
			"2|apnic|20260201|1|19830613|20260131|+1000",
			"apnic|CN|ipv4|1.0.1.0|256|20110414|allocated",
			"apnic|CN|ipv4|1.0.2.0|512|20110414|allocated"), 1, "header announces 1 records but 2 follow"},
		{"summary count mismatch", lines(
			"# comment",
			"2|apnic|20260201|2|19830613|20260131|+1000",
			"apnic|*|ipv4|*|3|summary",
			"apnic|CN|ipv4|1.0.1.0|256|20110414|allocated",
			"apnic|CN|ipv4|1.0.2.0|512|20110414|allocated"), 2, "summary announces 3 ipv4 records but 2 follow (truncated or corrupt file)"},
		{"summary of a missing type", lines(
			"2|apnic|20260201|1|19830613|20260131|+1000",
			"apnic|*|ipv6|*|1|summary",
			"apnic|CN|ipv4|1.0.1.0|256|20110414|allocated"), 1, "summary announces 1 ipv6 records but 0 follow"},
		{"first of two files truncated", lines(
			"2|apnic|20260201|2|19830613|20260131|+1000",
			"apnic|CN|ipv4|1.0.1.0|256|20110414|allocated") + arinSample, 1, "header announces 2 records but 1 follow"},
		{"second of two files truncated", apnicSample + strings.Join(strings.Split(arinSample, "\n")[:6], "\n"), 17, "header announces 3 records but 2 follow"},
		{"summary count not a number", lines(hdr, "apnic|*|ipv4|*|many|summary"), 2, `summary line: count "many" is not a number`},
		{"record before version line", lines("# comment", "apnic|CN|ipv4|1.0.1.0|256|20110414|allocated", hdr), 2, "record before the version line; expected a line like 2|apnic|20260201|..."},
		{"country list", lines("1.0.1.0/24 CN"), 1, "record before the version line"},
		{"version line too short", lines("2|apnic|20260201|1"), 1, "version line has 4 fields, expected 7: version|registry|serial|records|startdate|enddate|UTCoffset"},
		{"version line bad count", lines("2|apnic|20260201|x|19830613|20260131|+1000"), 1, `version line: record count "x" is not a number`},
		{"version line negative count", lines("2|apnic|20260201|-1|19830613|20260131|+1000"), 1, `version line: record count "-1" is not a number`},
		{"version line unknown registry", lines("2|nonic|20260201|0|19830613|20260131|+1000"), 1, `version line: unknown registry "nonic", expected afrinic, apnic, arin, lacnic, ripencc or iana`},
		{"empty input", "", 0, "no version line: not a delegated-extended file"},
		{"comments only", lines("# nothing", "#"), 0, "no version line: not a delegated-extended file"},
		{"line too long", lines(hdr, "apnic|CN|ipv4|1.0.1.0|256|20110414|allocated|"+strings.Repeat("x", 1<<20)), 2, "reading: bufio.Scanner: token too long"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := ParseDelegated(strings.NewReader(tt.in), "delegated-apnic-extended-latest")
			if err == nil {
				t.Fatalf("no error; parsed %d records", len(d.Records))
			}
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %T %q is not a *ParseError", err, err)
			}
			got := *pe
			if strings.Contains(got.Msg, tt.msg) {
				got.Msg = tt.msg // the message need only contain the expected text
			}
			if diff := cmp.Diff(ParseError{File: "delegated-apnic-extended-latest", Line: tt.line, Msg: tt.msg}, got); diff != "" {
				t.Errorf("error (-want +got):\n%s", diff)
			}
			where := "delegated-apnic-extended-latest: "
			if tt.line > 0 {
				where = fmt.Sprintf("delegated-apnic-extended-latest:%d: ", tt.line)
			}
			if !strings.HasPrefix(err.Error(), where) {
				t.Errorf("error %q does not start with %q", err, where)
			}
		})
	}
}

func TestLooksDelegated(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{apnicSample, true},
		{arinSample, true},
		{"\n\n  # comment\n2|afrinic|20260821|0|00000000|20260821|00000\n", true},
		{"1.0.1.0/24 CN\n", false},
		{"CN,1.0.1.0/24\n", false},
		{"apnic|CN|ipv4|1.0.1.0|256|20110414|allocated\n", false},
		{"", false},
		{"# only a comment\n", false},
		{"SWGEO\x01", false},
	}
	for _, tt := range tests {
		if got := LooksDelegated([]byte(tt.in)); got != tt.want {
			t.Errorf("LooksDelegated(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestRecordDelegated(t *testing.T) {
	tests := []struct {
		country, status string
		want            bool
	}{
		{"CN", "allocated", true},
		{"CN", "assigned", true},
		{"CN", "available", false},
		{"CN", "reserved", false},
		{"ZZ", "allocated", false},
		{"", "assigned", false},
		{"ZZ", "available", false},
	}
	for _, tt := range tests {
		r := Record{Country: tt.country, Status: tt.status}
		if got := r.Delegated(); got != tt.want {
			t.Errorf("Record{Country: %q, Status: %q}.Delegated() = %v, want %v", tt.country, tt.status, got, tt.want)
		}
	}
}

func TestParseErrorString(t *testing.T) {
	tests := []struct {
		e    ParseError
		want string
	}{
		{ParseError{File: "f", Line: 3, Msg: "bad"}, "f:3: bad"},
		{ParseError{File: "f", Msg: "bad"}, "f: bad"},
	}
	for _, tt := range tests {
		if got := tt.e.Error(); got != tt.want {
			t.Errorf("%+v.Error() = %q, want %q", tt.e, got, tt.want)
		}
	}
}

func TestBuilderAddDelegated(t *testing.T) {
	d, err := ParseDelegated(strings.NewReader(apnicSample+arinSample), "test")
	if err != nil {
		t.Fatal(err)
	}
	b := NewBuilder()
	b.AddDelegated(d)
	got := b.Build(Meta{Source: "test"})
	want := &DB{
		Meta: Meta{Source: "test"},
		Countries: []Country{
			{Code: "AU", V4: mustPrefixes(t, "1.0.0.0/31", "1.0.0.2/32")},
			{Code: "CN", V4: mustPrefixes(t, "1.0.1.0/24", "1.0.2.0/23"), V6: mustPrefixes(t, "2400:da00::/32")},
			{Code: "HK", V6: mustPrefixes(t, "2001:df0::/48")},
			{Code: "US", V4: mustPrefixes(t, "8.8.8.0/24"), V6: mustPrefixes(t, "2001:4860::/32")},
		},
		ASNs: []ASNRange{{Country: "JP", First: 173, Last: 173}, {Country: "US", First: 15169, Last: 15169}},
	}
	if diff := cmp.Diff(want, got, cmpOpts); diff != "" {
		t.Errorf("Build (-want +got):\n%s", diff)
	}
}

func TestDateFromSerial(t *testing.T) {
	for in, want := range map[string]string{
		"20260821":      "2026-08-21",
		"00000000":      "0000-00-00",
		"1769990400000": "1769990400000",
		"":              "",
	} {
		if got := DateFromSerial(in); got != want {
			t.Errorf("DateFromSerial(%q) = %q, want %q", in, got, want)
		}
	}
}

// A record's Prefixes keep the address family of its type.
func TestParseDelegatedFamilies(t *testing.T) {
	d, err := ParseDelegated(strings.NewReader(apnicSample), "test")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range d.Records {
		for _, p := range r.Prefixes {
			if got := map[bool]string{true: "ipv4", false: "ipv6"}[p.Addr().Is4()]; got != r.Type || p != p.Masked() || !p.IsValid() {
				t.Errorf("line %d: %s prefix %s", r.Line, r.Type, p)
			}
		}
		if r.Type == "asn" && r.Prefixes != nil {
			t.Errorf("line %d: asn record with prefixes", r.Line)
		}
	}
}

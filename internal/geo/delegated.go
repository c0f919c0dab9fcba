// Package geo parses the registries' country data and holds seawall's
// country database: which country each IPv4 and IPv6 prefix and each ASN is
// registered to, and the lookup index built from it.
package geo

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net/netip"
	"strconv"
	"strings"

	"github.com/seawall/seawall/internal/prefixset"
)

// ParseError says where input was malformed and what was expected there.
type ParseError struct {
	File string
	Line int
	Msg  string
}

func (e *ParseError) Error() string {
	if e.Line == 0 {
		return fmt.Sprintf("%s: %s", e.File, e.Msg)
	}
	return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
}

// Header is the version line of a delegated-extended file.
type Header struct {
	Version   string `json:"version"`
	Registry  string `json:"registry"`
	Serial    string `json:"serial"`
	Records   int    `json:"records"`
	StartDate string `json:"start_date"`
	EndDate   string `json:"end_date"`
	UTCOffset string `json:"utc_offset"`
}

// Record is one ipv4, ipv6 or asn row. For IP rows Prefixes holds the exact
// CIDR split of the range; for asn rows FirstASN and ASNCount are set.
type Record struct {
	Registry string
	Country  string // upper case; "" or "ZZ" when unassigned
	Type     string // "ipv4", "ipv6" or "asn"
	Prefixes []netip.Prefix
	FirstASN uint32
	ASNCount uint32
	Date     string
	Status   string // allocated, assigned, available or reserved
	OpaqueID string
	Line     int
}

// Delegated holds one or more parsed delegated-extended files (the five
// registries' files may be concatenated).
type Delegated struct {
	Headers []Header
	Records []Record
}

var knownRegistries = map[string]bool{
	"afrinic": true, "apnic": true, "arin": true, "lacnic": true, "ripencc": true, "iana": true,
}

var knownStatuses = map[string]bool{
	"allocated": true, "assigned": true, "available": true, "reserved": true,
}

// ParseDelegated reads the RIR statistics exchange format ("delegated
// extended"): a version line, summary lines and records, with '#' comments.
// It checks the counts the header and summary lines announce, so a
// truncated file is an error, not a smaller database. name is used in
// errors only.
func ParseDelegated(r io.Reader, name string) (*Delegated, error) {
	d := &Delegated{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 1024*1024)
	line := 0
	fail := func(format string, args ...any) error {
		return &ParseError{File: name, Line: line, Msg: fmt.Sprintf(format, args...)}
	}
	var (
		cur        *Header
		curRecords int
		summaries  map[string]int
		counts     map[string]int
		headerLine int
	)
	finish := func() error {
		if cur == nil {
			return nil
		}
		if curRecords != cur.Records {
			return &ParseError{File: name, Line: headerLine, Msg: fmt.Sprintf("header announces %d records but %d follow (truncated or corrupt file)", cur.Records, curRecords)}
		}
		for typ, want := range summaries {
			if counts[typ] != want {
				return &ParseError{File: name, Line: headerLine, Msg: fmt.Sprintf("summary announces %d %s records but %d follow (truncated or corrupt file)", want, typ, counts[typ])}
			}
		}
		return nil
	}
	for sc.Scan() {
		line++
		text := strings.TrimRight(sc.Text(), "\r")
		if text == "" || text[0] == '#' {
			continue
		}
		f := strings.Split(text, "|")
		switch {
		case isVersionLine(f):
			if err := finish(); err != nil {
				return nil, err
			}
			if len(f) < 7 {
				return nil, fail("version line has %d fields, expected 7: version|registry|serial|records|startdate|enddate|UTCoffset", len(f))
			}
			n, err := strconv.Atoi(f[3])
			if err != nil || n < 0 {
				return nil, fail("version line: record count %q is not a number", f[3])
			}
			if !knownRegistries[f[1]] {
				return nil, fail("version line: unknown registry %q, expected afrinic, apnic, arin, lacnic, ripencc or iana", f[1])
			}
			d.Headers = append(d.Headers, Header{Version: f[0], Registry: f[1], Serial: f[2], Records: n, StartDate: f[4], EndDate: f[5], UTCOffset: f[6]})
			cur, curRecords, headerLine = &d.Headers[len(d.Headers)-1], 0, line
			summaries, counts = map[string]int{}, map[string]int{}
		case cur == nil:
			return nil, fail("record before the version line; expected a line like 2|apnic|20260201|...")
		case len(f) >= 6 && f[1] == "*" && f[5] == "summary":
			n, err := strconv.Atoi(f[4])
			if err != nil || n < 0 {
				return nil, fail("summary line: count %q is not a number", f[4])
			}
			summaries[f[2]] = n
		default:
			rec, err := parseRecord(f, cur.Registry)
			if err != nil {
				return nil, fail("%v", err)
			}
			rec.Line = line
			d.Records = append(d.Records, rec)
			curRecords++
			counts[rec.Type]++
		}
	}
	if err := sc.Err(); err != nil {
		line++ // the line that could not be read
		return nil, fail("reading: %v", err)
	}
	if err := finish(); err != nil {
		return nil, err
	}
	if len(d.Headers) == 0 {
		return nil, &ParseError{File: name, Msg: "no version line: not a delegated-extended file"}
	}
	return d, nil
}

// isVersionLine recognises "2|apnic|..." and "2.3|arin|...".
func isVersionLine(f []string) bool {
	if len(f) < 2 || f[0] == "" || knownRegistries[f[0]] {
		return false
	}
	_, err := strconv.ParseFloat(f[0], 64)
	return err == nil
}

func parseRecord(f []string, registry string) (Record, error) {
	if len(f) < 7 {
		return Record{}, fmt.Errorf("record has %d fields, expected at least 7: registry|cc|type|start|value|date|status[|opaque-id]", len(f))
	}
	rec := Record{Registry: f[0], Country: strings.ToUpper(f[1]), Type: f[2], Date: f[5], Status: f[6]}
	if len(f) > 7 {
		rec.OpaqueID = f[7]
	}
	if rec.Registry != registry {
		return rec, fmt.Errorf("record of registry %q inside %q's file", rec.Registry, registry)
	}
	if rec.Country != "" && !ValidCode(rec.Country) {
		return rec, fmt.Errorf("country %q is not a two-letter code", f[1])
	}
	if !knownStatuses[rec.Status] {
		return rec, fmt.Errorf("status %q, expected allocated, assigned, available or reserved", rec.Status)
	}
	switch rec.Type {
	case "ipv4":
		start, err := netip.ParseAddr(f[3])
		if err != nil || !start.Is4() {
			return rec, fmt.Errorf("ipv4 start %q is not an IPv4 address", f[3])
		}
		n, err := strconv.ParseUint(f[4], 10, 64)
		if err != nil || n == 0 {
			return rec, fmt.Errorf("ipv4 count %q is not a positive number", f[4])
		}
		first := uint64(prefixset.FromAddr(start).Lo)
		if n > 1<<32-first { // not first+n-1, which can wrap round
			return rec, fmt.Errorf("ipv4 range %s + %d runs past 255.255.255.255", start, n)
		}
		last := prefixset.U128{Lo: first + n - 1}.Addr(32)
		rec.Prefixes, err = prefixset.RangePrefixes(start, last)
		if err != nil {
			return rec, err
		}
	case "ipv6":
		start, err := netip.ParseAddr(f[3])
		if err != nil || !start.Is6() || start.Is4In6() || start.Zone() != "" {
			return rec, fmt.Errorf("ipv6 start %q is not an IPv6 address", f[3])
		}
		bits, err := strconv.Atoi(f[4])
		if err != nil || bits < 0 || bits > 128 {
			return rec, fmt.Errorf("ipv6 prefix length %q is not 0-128", f[4])
		}
		p := netip.PrefixFrom(start, bits)
		if p.Masked().Addr() != start {
			return rec, fmt.Errorf("ipv6 %s/%d has host bits set", start, bits)
		}
		rec.Prefixes = []netip.Prefix{p}
	case "asn":
		first, err := strconv.ParseUint(f[3], 10, 32)
		if err != nil {
			return rec, fmt.Errorf("asn start %q is not a 32-bit number", f[3])
		}
		n, err := strconv.ParseUint(f[4], 10, 32)
		if err != nil || n == 0 || first+n-1 > 0xffffffff {
			return rec, fmt.Errorf("asn count %q is not a positive number within the 32-bit ASN space", f[4])
		}
		rec.FirstASN, rec.ASNCount = uint32(first), uint32(n)
	default:
		return rec, fmt.Errorf("type %q, expected ipv4, ipv6 or asn", rec.Type)
	}
	return rec, nil
}

// Delegated reports whether a record assigns resources to a country:
// allocated or assigned, with a real country code.
func (r *Record) Delegated() bool {
	return (r.Status == "allocated" || r.Status == "assigned") && r.Country != "" && r.Country != "ZZ"
}

// ValidCode reports whether cc is two upper-case ASCII letters, the shape
// of an ISO 3166 alpha-2 code.
func ValidCode(cc string) bool {
	return len(cc) == 2 && cc[0] >= 'A' && cc[0] <= 'Z' && cc[1] >= 'A' && cc[1] <= 'Z'
}

// LooksDelegated reports whether data starts like a delegated-extended
// file: its first non-comment line is a version line.
func LooksDelegated(data []byte) bool {
	for len(data) > 0 {
		var line []byte
		line, data, _ = bytes.Cut(data, []byte("\n"))
		line = bytes.TrimSpace(line)
		if len(line) == 0 || line[0] == '#' {
			continue
		}
		return isVersionLine(strings.Split(string(line), "|"))
	}
	return false
}

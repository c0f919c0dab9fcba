package enrich

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"strconv"
	"strings"

	"github.com/seawall/seawall/internal/prefixset"
)

// maxLine bounds one input line. Real rows are well under 200 bytes; the
// bound only keeps a corrupt file (no newlines at all) from being read
// into one ever-growing buffer.
const maxLine = 1 << 20

// ASNRange is one row of a prefix-to-ASN table: an inclusive address range
// and the AS that originates it. Ranges need not be CIDR-aligned; the table
// answers for exactly the addresses from First to Last.
type ASNRange struct {
	First, Last netip.Addr
	ASN         uint32
	// Country and Name are the table's own country code and AS
	// description. Tags take countries from the country database instead,
	// so that one source answers "which country" everywhere.
	Country string
	Name    string
}

// Prefixes splits the range into the fewest CIDR prefixes that cover it
// exactly, for consumers (firewalls, route filters) that only speak CIDR.
func (r ASNRange) Prefixes() []netip.Prefix {
	ps, err := prefixset.RangePrefixes(r.First, r.Last)
	if err != nil {
		return nil
	}
	return ps
}

// ParseIPToASN reads a prefix-to-ASN table in iptoasn.com's TSV format,
// IPv4, IPv6 or combined:
//
//	range_start<TAB>range_end<TAB>AS_number<TAB>country_code<TAB>AS_description
//
// Rows with AS 0 (iptoasn's "Not routed") are checked and dropped: an
// address the table does not route has no origin AS, like one the table
// does not list. The country and description columns may be missing.
// name is used in errors, which give the line number.
func ParseIPToASN(name string, r io.Reader) ([]ASNRange, error) {
	var out []ASNRange
	err := eachLine(name, r, func(n int, line string) error {
		line = strings.TrimRight(line, "\r")
		if strings.TrimSpace(line) == "" {
			return nil
		}
		f := strings.Split(line, "\t")
		if len(f) < 3 {
			return fmt.Errorf("%s:%d: want range_start, range_end and AS_number separated by tabs, got %q", name, n, clip(line))
		}
		var rg ASNRange
		var err error
		if rg.First, err = parseAddr(f[0]); err != nil {
			return fmt.Errorf("%s:%d: range_start: %w", name, n, err)
		}
		if rg.Last, err = parseAddr(f[1]); err != nil {
			return fmt.Errorf("%s:%d: range_end: %w", name, n, err)
		}
		if rg.First.Is4() != rg.Last.Is4() {
			return fmt.Errorf("%s:%d: range %s-%s mixes IPv4 and IPv6", name, n, rg.First, rg.Last)
		}
		if rg.Last.Less(rg.First) {
			return fmt.Errorf("%s:%d: range %s-%s ends before it starts", name, n, rg.First, rg.Last)
		}
		asn, err := strconv.ParseUint(strings.TrimSpace(f[2]), 10, 32)
		if err != nil {
			return fmt.Errorf("%s:%d: AS number %q is not a number from 0 to 4294967295", name, n, clip(f[2]))
		}
		if asn == 0 {
			return nil
		}
		rg.ASN = uint32(asn)
		if len(f) > 3 {
			rg.Country = strings.TrimSpace(f[3])
		}
		if len(f) > 4 {
			rg.Name = strings.TrimSpace(strings.Join(f[4:], "\t"))
		}
		out = append(out, rg)
		return nil
	})
	return out, err
}

// List is a named threat list: the addresses and networks it names.
type List struct {
	Name     string
	Prefixes []netip.Prefix
}

// ParseList reads a plain threat list: one IP address or CIDR prefix per
// line. Everything from a `#` (or a `;`, as in Spamhaus DROP) to the end
// of the line is a comment; blank lines are skipped; host bits of a prefix
// are cleared. Any other line is an error naming the list and line number,
// so that a list with a typo is fixed rather than half-loaded.
func ParseList(name string, r io.Reader) (List, error) {
	l := List{Name: name}
	err := eachLine(name, r, func(n int, line string) error {
		if i := strings.IndexAny(line, "#;"); i >= 0 {
			line = line[:i]
		}
		line = strings.TrimSpace(line)
		if line == "" {
			return nil
		}
		if strings.ContainsAny(line, " \t") {
			return fmt.Errorf("%s:%d: %q: want one IP address or CIDR prefix per line", name, n, clip(line))
		}
		p, err := parsePrefixOrAddr(line)
		if err != nil {
			return fmt.Errorf("%s:%d: %w", name, n, err)
		}
		l.Prefixes = append(l.Prefixes, p)
		return nil
	})
	return l, err
}

// eachLine calls fn for every line of r with its 1-based number. A UTF-8
// byte order mark before the first line is dropped.
func eachLine(name string, r io.Reader, fn func(n int, line string) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), maxLine)
	n := 0
	for sc.Scan() {
		n++
		line := sc.Text()
		if n == 1 {
			line = strings.TrimPrefix(line, "\ufeff")
		}
		if err := fn(n, line); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return fmt.Errorf("%s:%d: line longer than %d bytes", name, n+1, maxLine)
		}
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}

// parseAddr parses an address without a zone: zones name interfaces on
// one host and mean nothing in a shared table.
func parseAddr(s string) (netip.Addr, error) {
	s = strings.TrimSpace(s)
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Addr{}, fmt.Errorf("%q is not an IP address", clip(s))
	}
	if a.Zone() != "" {
		return netip.Addr{}, fmt.Errorf("%q has a zone; remove the %%%s", clip(s), a.Zone())
	}
	return a, nil
}

// parsePrefixOrAddr parses a CIDR prefix, host bits cleared, or a single
// address as a host prefix.
func parsePrefixOrAddr(s string) (netip.Prefix, error) {
	if !strings.Contains(s, "/") {
		a, err := parseAddr(s)
		if err != nil {
			return netip.Prefix{}, fmt.Errorf("%q is not an IP address or CIDR prefix", clip(s))
		}
		return netip.PrefixFrom(a, a.BitLen()), nil
	}
	p, err := netip.ParsePrefix(s)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("%q is not an IP address or CIDR prefix", clip(s))
	}
	return p.Masked(), nil
}

// clip shortens s for an error message.
func clip(s string) string {
	const n = 80
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

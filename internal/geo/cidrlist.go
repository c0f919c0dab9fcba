package geo

import (
	"bufio"
	"fmt"
	"io"
	"net/netip"
	"strings"
)

// ParsePrefixList reads one prefix (or bare address) per line, with '#'
// comments and blank lines, as the per-country aggregated lists are
// published. name is used in errors only.
func ParsePrefixList(r io.Reader, name string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	err := eachLine(r, name, func(line int, text string) error {
		if strings.ContainsAny(text, " \t,") {
			return &ParseError{File: name, Line: line, Msg: fmt.Sprintf("%q: expected one prefix per line", text)}
		}
		p, err := parsePrefix(text)
		if err != nil {
			return &ParseError{File: name, Line: line, Msg: err.Error()}
		}
		out = append(out, p)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ParseCountryList reads "PREFIX CC" lines (whitespace or a comma between
// them, either order), with '#' comments: the simplest way to state a
// country database, used by tests and by operators who keep their own.
func ParseCountryList(r io.Reader, name string) (*Builder, error) {
	b := NewBuilder()
	err := eachLine(r, name, func(line int, text string) error {
		f := strings.FieldsFunc(text, func(r rune) bool { return r == ' ' || r == '\t' || r == ',' })
		if len(f) != 2 {
			return &ParseError{File: name, Line: line, Msg: fmt.Sprintf("%q: expected a prefix and a two-letter country code", text)}
		}
		pf, cc := f[0], f[1]
		if strings.Contains(cc, ".") || strings.Contains(cc, ":") {
			pf, cc = cc, pf
		}
		cc = strings.ToUpper(cc)
		if !ValidCode(cc) {
			return &ParseError{File: name, Line: line, Msg: fmt.Sprintf("country %q is not a two-letter code", cc)}
		}
		p, err := parsePrefix(pf)
		if err != nil {
			return &ParseError{File: name, Line: line, Msg: err.Error()}
		}
		b.Add(cc, p)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return b, nil
}

func eachLine(r io.Reader, name string, fn func(line int, text string) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 1024*1024)
	line := 0
	for sc.Scan() {
		line++
		text := sc.Text()
		if i := strings.IndexByte(text, '#'); i >= 0 {
			text = text[:i]
		}
		text = strings.TrimSpace(text)
		if text == "" {
			continue
		}
		if err := fn(line, text); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		return &ParseError{File: name, Line: line + 1, Msg: fmt.Sprintf("reading: %v", err)}
	}
	return nil
}

// parsePrefix accepts a CIDR prefix or a bare address; host bits must be
// clear, since a list that says 1.2.3.4/8 is more likely wrong than meant.
func parsePrefix(s string) (netip.Prefix, error) {
	if !strings.Contains(s, "/") {
		a, err := netip.ParseAddr(s)
		if err != nil || a.Zone() != "" {
			return netip.Prefix{}, fmt.Errorf("%q is not an IP prefix or address", s)
		}
		a = a.Unmap()
		return netip.PrefixFrom(a, a.BitLen()), nil
	}
	p, err := netip.ParsePrefix(s)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("%q is not an IP prefix (expected e.g. 192.0.2.0/24 or 2001:db8::/32)", s)
	}
	if p.Masked() != p {
		return netip.Prefix{}, fmt.Errorf("%s has host bits set; did you mean %s?", p, p.Masked())
	}
	return p, nil
}

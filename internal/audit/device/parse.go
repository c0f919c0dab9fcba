package device

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// ErrUnsupported is returned (wrapped in *UnsupportedError) for files of a
// platform seawall recognises but does not parse.
var ErrUnsupported = errors.New("unsupported platform")

// UnsupportedError names the platform of a file seawall does not parse.
type UnsupportedError struct {
	Name   string
	Vendor Vendor
	Why    string // the evidence detection used
}

func (e *UnsupportedError) Error() string {
	if e.Vendor == Unknown {
		return fmt.Sprintf("%s: not a configuration seawall recognises (%s); use --vendor to name its dialect", e.Name, e.Why)
	}
	return fmt.Sprintf("%s: %s configuration (%s): not supported; seawall audits %s", e.Name, e.Vendor.Title(), e.Why, supportedList())
}

func (e *UnsupportedError) Unwrap() error { return ErrUnsupported }

func supportedList() string {
	var s []string
	for _, v := range supported {
		s = append(s, v.Title())
	}
	return strings.Join(s, ", ")
}

// MaxSize bounds the input Parse accepts; real configurations are far
// smaller, and a bound keeps a hostile file from costing unbounded memory.
const MaxSize = 64 << 20

// Parse reads one configuration. vendor Unknown means detect it. A file of
// an unsupported or unrecognised platform gives an *UnsupportedError. Lines
// the dialect does not know are kept in the tree and counted, never dropped.
// A UTF-8 byte-order mark is ignored and UTF-16 text is converted first;
// line numbers are those of the file.
func Parse(name string, data []byte, vendor Vendor) (*Config, error) {
	if len(data) > MaxSize {
		return nil, fmt.Errorf("%s: %d bytes is larger than the %d-byte limit for a configuration", name, len(data), MaxSize)
	}
	text := string(decodeText(data))
	why := "named by --vendor"
	if vendor == Unknown {
		vendor, why = detect(name, text)
	}
	if !vendor.Supported() {
		return nil, &UnsupportedError{Name: name, Vendor: vendor, Why: why}
	}
	lines, binary := splitLines(text)
	c := &Config{Name: name, Vendor: vendor, Binary: binary}
	if vendor == Junos {
		parseJunos(c, lines)
	} else {
		parseIndented(c, lines)
	}
	classify(c)
	return c, nil
}

// splitLines splits text into lines without line terminators, replacing
// control characters other than tab and invalid UTF-8 with U+FFFD so that
// evidence printed later cannot carry terminal escapes. Clean lines share
// text's memory.
func splitLines(text string) ([]string, int) {
	bad := 0
	n := strings.Count(text, "\n")
	if len(text) > 0 && text[len(text)-1] != '\n' {
		n++
	}
	lines := make([]string, 0, n)
	for len(text) > 0 {
		var l string
		if k := strings.IndexByte(text, '\n'); k >= 0 {
			l, text = text[:k], text[k+1:]
		} else {
			l, text = text, ""
		}
		l = strings.TrimSuffix(l, "\r")
		clean := true
		for i := 0; i < len(l); i++ {
			if b := l[i]; (b < 0x20 && b != '\t') || b >= 0x7f {
				clean = false
				break
			}
		}
		if clean || (utf8.ValidString(l) && !hasControl(l)) {
			lines = append(lines, l)
			continue
		}
		var sb strings.Builder
		for len(l) > 0 {
			r, size := utf8.DecodeRuneInString(l)
			l = l[size:]
			if r == utf8.RuneError && size <= 1 || (r < 0x20 && r != '\t') || r == 0x7f || (r >= 0x80 && r < 0xa0) {
				bad++
				sb.WriteRune(utf8.RuneError)
				continue
			}
			sb.WriteRune(r)
		}
		lines = append(lines, sb.String())
	}
	return lines, bad
}

// hasControl reports C0 (other than tab), DEL and C1 control characters.
func hasControl(s string) bool {
	for _, r := range s {
		if (r < 0x20 && r != '\t') || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return true
		}
	}
	return false
}

func indentOf(s string) int {
	n := 0
	for n < len(s) && (s[n] == ' ' || s[n] == '\t') {
		n++
	}
	return n
}

// MaxDepth bounds the nesting of the tree. Real configurations nest a
// handful of levels; a statement deeper than this is attached at this depth
// so that hostile input cannot make tree walks recurse without bound.
const MaxDepth = 64

// maxBodyLines bounds how far a banner or other free-text body is looked
// for its end; a longer body is taken as not closed.
const maxBodyLines = 20000

// arena hands out Nodes and word slices from a few large allocations
// instead of one or two per line.
type arena struct {
	nodes []Node
	words []string
}

func (a *arena) node() *Node {
	if len(a.nodes) == cap(a.nodes) {
		a.nodes = make([]Node, 0, max(64, cap(a.nodes)))
	}
	a.nodes = a.nodes[:len(a.nodes)+1]
	return &a.nodes[len(a.nodes)-1]
}

// fields splits s like strings.Fields into memory shared with other lines.
func (a *arena) fields(s string) []string {
	if cap(a.words)-len(a.words) < len(s)/2+1 {
		a.words = make([]string, 0, max(256, len(s)/2+1))
	}
	start := len(a.words)
	for i := 0; i < len(s); {
		for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
			i++
		}
		j := i
		for j < len(s) && s[j] != ' ' && s[j] != '\t' {
			j++
		}
		if j > i {
			a.words = append(a.words, s[i:j])
		}
		i = j
	}
	return a.words[start:len(a.words):len(a.words)]
}

// parseIndented builds the tree for the Cisco-style dialects (IOS, NX-OS,
// IOS-XR, EOS): a line belongs to the nearest preceding line that is less
// indented. Banners, IOS macros and certificate blocks hold free text up to
// their delimiter; that text is Body, not statements.
func parseIndented(c *Config, lines []string) {
	type frame struct {
		n      *Node
		indent int
	}
	a := &arena{nodes: make([]Node, 0, len(lines)*3/4+1)}
	stack := []frame{{n: &c.Root, indent: -1}}
	ends := bodyEnds{}
	for i := 0; i < len(lines); i++ {
		raw := lines[i]
		text := strings.TrimSpace(raw)
		if text == "" {
			continue
		}
		if text[0] == '!' || (text[0] == '#' && c.Vendor != IOSXR) {
			c.Comments = append(c.Comments, Comment{Line: i + 1, Text: strings.TrimSpace(strings.TrimLeft(text, "!#"))})
			continue
		}
		indent := indentOf(raw)
		for len(stack) > 1 && stack[len(stack)-1].indent >= indent {
			stack = stack[:len(stack)-1]
		}
		if len(stack) > MaxDepth {
			stack = stack[:MaxDepth]
		}
		parent := stack[len(stack)-1].n
		n := a.node()
		*n = Node{Line: i + 1, Text: text, Words: a.fields(text), Indent: indent, Parent: parent}
		parent.Children = append(parent.Children, n)
		c.Lines++
		stack = append(stack, frame{n: n, indent: indent})
		switch {
		case n.Words[0] == "banner" && len(n.Words) >= 2:
			i = readBanner(c, n, lines, i, ends)
		case n.Words[0] == "macro" && n.Hit("macro", "name") && c.Vendor == IOS:
			i = readUntil(n, lines, i, "@", exactLine, ends)
		case n.Words[0] == "certificate" && parent.Hit("crypto", "*", "certificate", "chain"):
			// IOS prints certificates as hex lines ending with "quit".
			i = readUntil(n, lines, i, "quit", exactLine, ends)
		}
	}
}

// bodyEnds remembers, per delimiter, the first line from which a search
// for it failed, so that a file of many unclosed banners costs linear time.
type bodyEnds map[string]int

const (
	exactLine = iota // the line, trimmed, is the delimiter
	inLine           // the line contains the delimiter
)

// readBanner consumes a banner's text. EOS banners have no delimiter and end
// at a line holding only "EOF"; the others start with a delimiter character
// (or the two characters "^C" as IOS prints ETX) and end at its next
// occurrence. A banner whose end never comes is taken as one line, so that a
// stray delimiter does not swallow the rest of the configuration.
func readBanner(c *Config, n *Node, lines []string, i int, ends bodyEnds) int {
	rest := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(n.Text), "banner"))
	if f := strings.Fields(rest); len(f) > 0 {
		rest = strings.TrimSpace(strings.TrimPrefix(rest, f[0]))
	}
	if rest == "" {
		if c.Vendor == EOS || c.Vendor == Unknown {
			return readUntil(n, lines, i, "EOF", exactLine, ends)
		}
		return i
	}
	delim := rest[:1]
	if strings.HasPrefix(rest, "^C") {
		delim = "^C"
	} else if r, size := utf8.DecodeRuneInString(rest); r != utf8.RuneError || size > 1 {
		delim = rest[:size]
	}
	inner := rest[len(delim):]
	if k := strings.Index(inner, delim); k >= 0 {
		n.Body = append(n.Body, strings.TrimSpace(inner[:k]))
		return i
	}
	if j := readUntil(n, lines, i, delim, inLine, ends); j > i {
		n.Body = append([]string{inner}, n.Body...)
		if k := strings.Index(lines[j], delim); k > 0 {
			if t := strings.TrimSpace(lines[j][:k]); t != "" {
				n.Body = append(n.Body, t)
			}
		}
		return j
	}
	return i
}

// readUntil moves the lines after i, up to the first that ends the body,
// into n.Body and returns that line's index. Without an end it consumes
// nothing and returns i.
func readUntil(n *Node, lines []string, i int, delim string, how int, ends bodyEnds) int {
	key := string(rune('0'+how)) + delim
	if from, ok := ends[key]; ok && from <= i+1 {
		return i
	}
	last := min(len(lines), i+1+maxBodyLines)
	for j := i + 1; j < last; j++ {
		l := lines[j]
		if (how == exactLine && strings.TrimSpace(l) == delim) || (how == inLine && strings.Contains(l, delim)) {
			n.Body = append(n.Body, lines[i+1:j]...)
			n.BodyEnd = j + 1
			return j
		}
	}
	if last == len(lines) {
		ends[key] = i + 1
	}
	return i
}

// Package device reads network-device configurations (Cisco IOS/IOS-XE,
// NX-OS, IOS-XR, Arista EOS and Juniper Junos in brace or set form) into a
// line-numbered tree that audit rules query. It is pure: bytes in, tree out.
//
// Cisco-style configurations become a tree by indentation: each line is a
// Node whose Words are its tokens. Junos configurations, whether written in
// braces or as `set` commands, become a tree of single words, so
// `system { services { telnet; } }` and `set system services telnet` give
// the same path system → services → telnet.
package device

import (
	"strings"
)

// Vendor names a configuration dialect.
type Vendor string

// The dialects seawall parses, and the ones it recognises but does not.
const (
	Unknown Vendor = ""
	IOS     Vendor = "ios"   // Cisco IOS and IOS-XE
	NXOS    Vendor = "nxos"  // Cisco NX-OS
	IOSXR   Vendor = "iosxr" // Cisco IOS-XR
	EOS     Vendor = "eos"   // Arista EOS
	Junos   Vendor = "junos" // Juniper Junos (brace and set forms)

	// Recognised but unsupported: reported, never parsed as IOS.
	ASA     Vendor = "asa"
	PANOS   Vendor = "panos"
	FortiOS Vendor = "fortios"
	SROS    Vendor = "sros"
	F5      Vendor = "f5"
	Cumulus Vendor = "cumulus"
	Other   Vendor = "other" // recognisably not a supported dialect (iptables, H3C, Aruba, ...)
)

// Supported are the dialects with a parser, in display order.
var supported = []Vendor{IOS, NXOS, IOSXR, EOS, Junos}

// SupportedVendors lists the dialects with a parser, in display order.
func SupportedVendors() []Vendor { return append([]Vendor(nil), supported...) }

// Supported reports whether v has a parser.
func (v Vendor) Supported() bool {
	for _, s := range supported {
		if v == s {
			return true
		}
	}
	return false
}

// Title is the vendor's own product name.
func (v Vendor) Title() string {
	switch v {
	case IOS:
		return "Cisco IOS / IOS-XE"
	case NXOS:
		return "Cisco NX-OS"
	case IOSXR:
		return "Cisco IOS-XR"
	case EOS:
		return "Arista EOS"
	case Junos:
		return "Juniper Junos"
	case ASA:
		return "Cisco ASA"
	case PANOS:
		return "Palo Alto PAN-OS"
	case FortiOS:
		return "Fortinet FortiOS"
	case SROS:
		return "Nokia SR OS"
	case F5:
		return "F5 BIG-IP"
	case Cumulus:
		return "Cumulus Linux"
	case Other:
		return "other"
	}
	return "unknown"
}

// ParseVendor reads a --vendor value; it accepts the names above and a few
// common spellings (xe, ios-xe, nx-os, xr, arista, juniper, junos-set).
func ParseVendor(s string) (Vendor, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "ios", "ios-xe", "iosxe", "xe", "cisco", "cisco_ios":
		return IOS, true
	case "nxos", "nx-os", "nx", "cisco-nx", "cisco_nxos":
		return NXOS, true
	case "iosxr", "ios-xr", "xr", "cisco-xr", "cisco_xr":
		return IOSXR, true
	case "eos", "arista", "arista_eos":
		return EOS, true
	case "junos", "juniper", "jn", "juniper_junos":
		return Junos, true
	}
	return Unknown, false
}

// Node is one configuration statement. For Cisco-style dialects it is a
// whole line (Words are its tokens); for Junos it is one word of the
// hierarchy (Words has exactly that word).
type Node struct {
	Line     int      // 1-based line number in the file
	Text     string   // the statement as written, indentation removed
	Words    []string // tokens; quoted Junos strings are unquoted
	Indent   int      // leading columns (tabs count as one column)
	Children []*Node
	Parent   *Node
	// Inactive marks Junos statements under `inactive:` or `deactivate`.
	Inactive bool
	// Known says the dialect's vocabulary recognises the statement.
	Known bool
	// Body is free text a statement carries (banner text, macro lines);
	// BodyEnd is the line that closed it, 0 when it ended on its own line.
	Body    []string
	BodyEnd int
}

// Comment is a line the device treats as a comment ("!" or "#"): headers
// such as "! Last configuration change at ..." or "## Last commit: ..."
// carry facts that rules read.
type Comment struct {
	Line int
	Text string // without the leading comment characters and spaces
}

// Config is one parsed configuration file.
type Config struct {
	Name   string // path or name as given, for evidence
	Vendor Vendor
	Root   Node // Root.Children are the top-level statements
	// Comments are the file's comment lines in order.
	Comments []Comment
	// Lines counts statement lines (not blank, not comment, not banner text).
	Lines int
	// Understood counts statement lines the vocabulary recognised;
	// Unknown lists the line numbers of the others (they stay in the tree).
	Understood int
	Unknown    []int
	// Binary counts control characters replaced while reading.
	Binary int
	// Version is the software version the configuration states about
	// itself ("version 15.2", "version 22.4R3-S2.11;", a header line), if any.
	Version     string
	VersionLine int
	Hostname    string
}

// Top returns the top-level statements.
func (c *Config) Top() []*Node { return c.Root.Children }

// Hit reports whether the node's words start with prefix (case-sensitive,
// exact words). A prefix word ending in "*" matches any word with that stem.
func (n *Node) Hit(prefix ...string) bool {
	if len(n.Words) < len(prefix) {
		return false
	}
	for i, p := range prefix {
		if !wordMatch(n.Words[i], p) {
			return false
		}
	}
	return true
}

func wordMatch(w, p string) bool {
	if strings.HasSuffix(p, "*") {
		return strings.HasPrefix(strings.ToLower(w), strings.ToLower(p[:len(p)-1]))
	}
	return w == p
}

// Word returns word i or "".
func (n *Node) Word(i int) string {
	if i < 0 || i >= len(n.Words) {
		return ""
	}
	return n.Words[i]
}

// After returns the word following the first occurrence of key, or "".
func (n *Node) After(key string) string {
	for i, w := range n.Words {
		if w == key && i+1 < len(n.Words) {
			return n.Words[i+1]
		}
	}
	return ""
}

// Has reports whether word appears anywhere in the node's words.
func (n *Node) Has(word string) bool {
	for _, w := range n.Words {
		if w == word {
			return true
		}
	}
	return false
}

// Find returns the node's children whose words start with prefix.
func (n *Node) Find(prefix ...string) []*Node {
	var out []*Node
	for _, c := range n.Children {
		if c.Hit(prefix...) {
			out = append(out, c)
		}
	}
	return out
}

// First returns the first child whose words start with prefix, or nil.
func (n *Node) First(prefix ...string) *Node {
	for _, c := range n.Children {
		if c.Hit(prefix...) {
			return c
		}
	}
	return nil
}

// Walk calls fn for n's descendants in file order; fn returning false skips
// that node's children.
func (n *Node) Walk(fn func(*Node) bool) {
	for _, c := range n.Children {
		if fn(c) {
			c.Walk(fn)
		}
	}
}

// Find returns the top-level statements whose words start with prefix.
func (c *Config) Find(prefix ...string) []*Node { return c.Root.Find(prefix...) }

// First returns the first top-level statement starting with prefix, or nil.
func (c *Config) First(prefix ...string) *Node { return c.Root.First(prefix...) }

// Path follows a Junos hierarchy one word per level and returns the node at
// its end, or nil. Inactive nodes are not followed. A word ending in "*"
// matches by prefix (the first match is followed).
func (n *Node) Path(words ...string) *Node {
	cur := n
	for _, w := range words {
		var next *Node
		for _, c := range cur.Children {
			if !c.Inactive && len(c.Words) > 0 && wordMatch(c.Words[0], w) {
				next = c
				break
			}
		}
		if next == nil {
			return nil
		}
		cur = next
	}
	return cur
}

// Path follows a Junos hierarchy from the top; see Node.Path.
func (c *Config) Path(words ...string) *Node { return c.Root.Path(words...) }

// Active returns n's children that are not deactivated (and not empty).
func (n *Node) Active() []*Node {
	var out []*Node
	for _, c := range n.Children {
		if !c.Inactive && len(c.Words) > 0 {
			out = append(out, c)
		}
	}
	return out
}

// Applied returns the Junos nodes at path (see Path) in the configuration
// itself and then in each group applied at the top level (`apply-groups`,
// in the order listed), which Junos merges into the configuration. Groups
// applied deeper in the hierarchy and `apply-groups-except` are not
// followed.
func (c *Config) Applied(path ...string) []*Node {
	var out []*Node
	if n := c.Path(path...); n != nil {
		out = append(out, n)
	}
	if ag := c.Path("apply-groups"); ag != nil {
		for _, g := range ag.Names() {
			if n := c.Path(append([]string{"groups", g}, path...)...); n != nil {
				out = append(out, n)
			}
		}
	}
	return out
}

// Names returns the first word of each active child: the values under a
// Junos node (for `authentication-order [ tacplus password ]`, the
// authentication-order node's Names are tacplus, password).
func (n *Node) Names() []string {
	var out []string
	for _, c := range n.Children {
		if !c.Inactive && len(c.Words) > 0 {
			out = append(out, c.Words[0])
		}
	}
	return out
}

// Leaves returns every path from n to a leaf, as words, for Junos trees:
// what `show configuration | display set` would print below n.
func (n *Node) Leaves() [][]*Node {
	var out [][]*Node
	var walk func(path []*Node, x *Node)
	walk = func(path []*Node, x *Node) {
		if x.Inactive {
			return
		}
		path = append(path, x)
		if len(x.Children) == 0 {
			out = append(out, append([]*Node(nil), path...))
			return
		}
		for _, c := range x.Children {
			walk(path, c)
		}
	}
	for _, c := range n.Children {
		walk(nil, c)
	}
	return out
}

// SetPath renders a Junos node's path from the top as `set` words.
func (n *Node) SetPath() string {
	var parts []string
	for x := n; x != nil && x.Parent != nil; x = x.Parent {
		if len(x.Words) > 0 {
			parts = append(parts, quoteJunos(x.Words[0]))
		}
	}
	for i, j := 0, len(parts)-1; i < j; i, j = i+1, j-1 {
		parts[i], parts[j] = parts[j], parts[i]
	}
	return strings.Join(parts, " ")
}

func quoteJunos(w string) string {
	if w == "" || strings.ContainsAny(w, " \t;{}") {
		return `"` + w + `"`
	}
	return w
}

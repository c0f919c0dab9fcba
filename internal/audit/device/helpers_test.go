package device

import (
	"errors"
	"fmt"
	"strings"
)

// dump renders a tree one node per line, indented by depth, as
// "line: text" with markers for inactive (~), understood (+) and body
// lines, so that tests compare tree shapes with cmp.Diff.
func dump(c *Config) []string {
	var out []string
	var walk func(n *Node, depth int)
	walk = func(n *Node, depth int) {
		for _, ch := range n.Children {
			mark := ""
			if ch.Inactive {
				mark += "~"
			}
			if ch.Known {
				mark += "+"
			}
			out = append(out, fmt.Sprintf("%s%d%s: %s", strings.Repeat("  ", depth), ch.Line, mark, ch.Text))
			for _, b := range ch.Body {
				out = append(out, fmt.Sprintf("%s  | %s", strings.Repeat("  ", depth), b))
			}
			walk(ch, depth+1)
		}
	}
	walk(&c.Root, 0)
	return out
}

// treeInvariants checks what every parse must keep: line numbers within
// the file, parent links, Cisco-style children after their parent and
// siblings in file order, and the line counts consistent with each other.
func treeInvariants(c *Config, maxLine int) error {
	var err error
	var walk func(n *Node, depth int)
	walk = func(n *Node, depth int) {
		prev := 0
		for _, ch := range n.Children {
			if err != nil {
				return
			}
			switch {
			case ch.Parent != n:
				err = fmt.Errorf("line %d: parent link broken", ch.Line)
			case ch.Line < 1 || ch.Line > maxLine:
				err = fmt.Errorf("node %q: line %d outside 1..%d", ch.Text, ch.Line, maxLine)
			case ch.BodyEnd != 0 && (ch.BodyEnd <= ch.Line || ch.BodyEnd > maxLine):
				err = fmt.Errorf("line %d: body ends at %d", ch.Line, ch.BodyEnd)
			case c.Vendor != Junos && n != &c.Root && ch.Line <= n.Line:
				err = fmt.Errorf("line %d: child of line %d", ch.Line, n.Line)
			case c.Vendor != Junos && ch.Line <= prev:
				err = fmt.Errorf("line %d: sibling after line %d", ch.Line, prev)
			case c.Vendor != Junos && len(ch.Words) == 0:
				err = fmt.Errorf("line %d: no words", ch.Line)
			case c.Vendor == Junos && len(ch.Words) != 1:
				err = fmt.Errorf("line %d: Junos node with %d words", ch.Line, len(ch.Words))
			}
			prev = max(ch.Line, ch.BodyEnd)
			walk(ch, depth+1)
		}
	}
	walk(&c.Root, 0)
	if err != nil {
		return err
	}
	if c.Understood < 0 || c.Understood > c.Lines || c.Lines > maxLine {
		return fmt.Errorf("understood %d of %d lines (file has %d)", c.Understood, c.Lines, maxLine)
	}
	if c.Vendor != Junos && c.Understood+len(c.Unknown) != c.Lines {
		return fmt.Errorf("understood %d + unknown %d != lines %d", c.Understood, len(c.Unknown), c.Lines)
	}
	if c.Understood+len(c.Unknown) > c.Lines {
		return fmt.Errorf("understood %d + unknown %d > lines %d", c.Understood, len(c.Unknown), c.Lines)
	}
	for i, l := range c.Unknown {
		if l < 1 || l > maxLine || (i > 0 && l <= c.Unknown[i-1]) {
			return fmt.Errorf("unknown lines not sorted within 1..%d: %v", maxLine, c.Unknown)
		}
	}
	for _, cm := range c.Comments {
		if cm.Line < 1 || cm.Line > maxLine {
			return fmt.Errorf("comment line %d outside 1..%d", cm.Line, maxLine)
		}
	}
	return nil
}

// lineCount is the number of lines splitLines gives for data.
func lineCount(data []byte) int {
	lines, _ := splitLines(string(decodeText(data)))
	return len(lines)
}

func errorsAs(err error, target **UnsupportedError) bool { return errors.As(err, target) }

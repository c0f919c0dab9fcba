package device

import "strings"

// Junos configurations come in two forms that describe the same hierarchy:
// braces (`system { services { ssh; } }`) and `set` commands. Both become a
// tree with one word per node, merged by word, in file order.

// jtok is one token of the brace form.
type jtok struct {
	s    string
	line int
	kind byte // 'w' word, 'q' quoted word, or one of { } ; [ ]
}

// parseJunos reads either form; a file may mix them (set commands at depth 0).
func parseJunos(c *Config, lines []string) {
	stmtLines := make([]bool, len(lines)+2)
	idx := childIndex{}
	var toks, scratch []jtok
	var words []string
	flush := func() {
		if len(toks) > 0 {
			junosBraces(c, toks, stmtLines, idx)
			toks = toks[:0]
		}
	}
	depth := 0
	inComment := false
	for i, raw := range lines {
		text := strings.TrimSpace(raw)
		if !inComment && depth == 0 && text != "" && (text[0] == '#' || strings.HasPrefix(text, "##")) {
			c.Comments = append(c.Comments, Comment{Line: i + 1, Text: strings.TrimSpace(strings.TrimLeft(text, "#"))})
			continue
		}
		if !inComment && depth == 0 {
			if f := strings.Fields(text); len(f) > 0 && (f[0] == "set" || f[0] == "deactivate" || f[0] == "delete" || f[0] == "activate") {
				flush()
				words, scratch = junosWords(text[len(f[0]):], scratch, words[:0])
				junosSet(c, f[0], words, i+1, idx)
				stmtLines[i+1] = true
				continue
			}
		}
		inComment = tokenizeJunos(raw, i+1, &toks, inComment, &depth)
	}
	flush()
	for _, ok := range stmtLines {
		if ok {
			c.Lines++
		}
	}
}

// tokenizeJunos appends the line's tokens; it tracks /* */ comments across
// lines and the brace depth (so `set` is recognised only at depth 0).
func tokenizeJunos(s string, line int, toks *[]jtok, inComment bool, depth *int) bool {
	for i := 0; i < len(s); {
		if inComment {
			k := strings.Index(s[i:], "*/")
			if k < 0 {
				return true
			}
			i += k + 2
			inComment = false
			continue
		}
		ch := s[i]
		switch {
		case ch == ' ' || ch == '\t':
			i++
		case ch == '#':
			return false
		case ch == '/' && i+1 < len(s) && s[i+1] == '*':
			inComment = true
			i += 2
		case ch == '{' || ch == '}' || ch == ';' || ch == '[' || ch == ']':
			*toks = append(*toks, jtok{s: string(ch), line: line, kind: ch})
			if ch == '{' {
				*depth++
			} else if ch == '}' && *depth > 0 {
				*depth--
			}
			i++
		case ch == '"':
			j := i + 1
			var sb strings.Builder
			for j < len(s) && s[j] != '"' {
				if s[j] == '\\' && j+1 < len(s) {
					j++
				}
				sb.WriteByte(s[j])
				j++
			}
			*toks = append(*toks, jtok{s: sb.String(), line: line, kind: 'q'})
			i = j + 1
		default:
			j := i
			for j < len(s) && !junosDelim[s[j]] {
				j++
			}
			*toks = append(*toks, jtok{s: s[i:j], line: line, kind: 'w'})
			i = j
		}
	}
	return inComment
}

// junosWords splits a set command's words, honouring double quotes; it
// reuses the scratch token slice and appends to out.
func junosWords(s string, scratch []jtok, out []string) ([]string, []jtok) {
	scratch = scratch[:0]
	depth := 0
	tokenizeJunos(s, 0, &scratch, false, &depth)
	for _, t := range scratch {
		out = append(out, t.s)
	}
	return out, scratch
}

// junosDelim are the bytes that end an unquoted Junos word.
var junosDelim = [256]bool{' ': true, '\t': true, '{': true, '}': true, ';': true, '[': true, ']': true, '"': true}

// childIndex finds a node's child by word once the node has many children
// (interfaces, prefix lists, address books), so that building the tree
// stays linear in the file's size.
type childIndex map[*Node]map[string]*Node

// indexFrom is the number of children from which lookups use the index.
const indexFrom = 16

// child returns parent's child with word w, creating it at line.
func child(parent *Node, w string, line int, idx childIndex) *Node {
	if len(parent.Children) >= indexFrom {
		m := idx[parent]
		if m == nil {
			m = make(map[string]*Node, len(parent.Children)*2)
			for _, c := range parent.Children {
				if _, dup := m[c.Words[0]]; !dup {
					m[c.Words[0]] = c
				}
			}
			idx[parent] = m
		}
		if c := m[w]; c != nil {
			return c
		}
		n := &Node{Line: line, Text: w, Words: []string{w}, Parent: parent}
		parent.Children = append(parent.Children, n)
		m[w] = n
		return n
	}
	for _, c := range parent.Children {
		if len(c.Words) == 1 && c.Words[0] == w {
			return c
		}
	}
	n := &Node{Line: line, Text: w, Words: []string{w}, Parent: parent}
	parent.Children = append(parent.Children, n)
	return n
}

func junosSet(c *Config, verb string, words []string, line int, idx childIndex) {
	var list bool
	cur := &c.Root
	for k, w := range words {
		if w == "[" {
			list = true
			continue
		}
		if w == "]" {
			continue
		}
		if verb == "delete" || verb == "deactivate" || verb == "activate" {
			next := cur.Path(w)
			if next == nil {
				for _, ch := range cur.Children {
					if ch.Words[0] == w {
						next = ch
					}
				}
			}
			if next == nil {
				return
			}
			if k == len(words)-1 {
				switch verb {
				case "delete":
					removeChild(cur, next, idx)
				case "deactivate":
					next.Inactive = true
				case "activate":
					next.Inactive = false
				}
				return
			}
			cur = next
			continue
		}
		if k >= MaxDepth {
			break
		}
		if list {
			child(cur, w, line, idx)
			continue
		}
		cur = child(cur, w, line, idx)
	}
}

func removeChild(p, n *Node, idx childIndex) {
	for i, c := range p.Children {
		if c == n {
			p.Children = append(p.Children[:i], p.Children[i+1:]...)
			break
		}
	}
	if m := idx[p]; m != nil && m[n.Words[0]] == n {
		delete(m, n.Words[0])
		for _, c := range p.Children {
			if c.Words[0] == n.Words[0] {
				m[c.Words[0]] = c
				break
			}
		}
	}
}

// junosBraces builds the tree from brace-form tokens.
func junosBraces(c *Config, toks []jtok, stmtLines []bool, idx childIndex) {
	stack := []*Node{&c.Root}
	var words []jtok
	inList := false
	var listHead *Node
	place := func() *Node {
		cur := stack[len(stack)-1]
		depthBelow := 0
		inactive := false
		for _, w := range words {
			if w.kind == 'w' && (w.s == "inactive:" || w.s == "replace:" || w.s == "protect:" || w.s == "delete:") {
				inactive = inactive || w.s == "inactive:" || w.s == "delete:"
				continue
			}
			if len(stack)+depthBelow >= MaxDepth {
				stmtLines[w.line] = true
				continue
			}
			cur = child(cur, w.s, w.line, idx)
			depthBelow++
			stmtLines[w.line] = true
			if inactive {
				cur.Inactive = true
				inactive = false
			}
		}
		return cur
	}
	for _, t := range toks {
		switch t.kind {
		case '[':
			listHead = place()
			words = words[:0]
			inList = true
		case ']':
			inList = false
		case ';':
			if len(words) > 0 {
				place()
			}
			words = words[:0]
			inList = false
		case '{':
			// A block opened beyond MaxDepth is read into the deepest
			// node; the stack still counts it so that its "}" matches.
			stack = append(stack, place())
			words = words[:0]
		case '}':
			if len(words) > 0 {
				place()
				words = words[:0]
			}
			if len(stack) > 1 {
				stack = stack[:len(stack)-1]
			}
		default:
			if inList && listHead != nil {
				child(listHead, t.s, t.line, idx)
				stmtLines[t.line] = true
				continue
			}
			words = append(words, t)
		}
	}
	if len(words) > 0 {
		place()
	}
}

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
	stmtLines := map[int]bool{}
	var toks []jtok
	flush := func() {
		if len(toks) > 0 {
			junosBraces(c, toks, stmtLines)
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
				junosSet(c, f[0], junosWords(text[len(f[0]):]), i+1)
				stmtLines[i+1] = true
				continue
			}
		}
		inComment = tokenizeJunos(raw, i+1, &toks, inComment, &depth)
	}
	flush()
	c.Lines = len(stmtLines)
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
			for j < len(s) && !strings.ContainsRune(" \t{};[]\"", rune(s[j])) {
				j++
			}
			*toks = append(*toks, jtok{s: s[i:j], line: line, kind: 'w'})
			i = j
		}
	}
	return inComment
}

// junosWords splits a set command's words, honouring double quotes.
func junosWords(s string) []string {
	var toks []jtok
	depth := 0
	tokenizeJunos(s, 0, &toks, false, &depth)
	out := make([]string, 0, len(toks))
	for _, t := range toks {
		out = append(out, t.s)
	}
	return out
}

// child returns parent's child with word w, creating it at line.
func child(parent *Node, w string, line int) *Node {
	for _, c := range parent.Children {
		if len(c.Words) == 1 && c.Words[0] == w {
			return c
		}
	}
	n := &Node{Line: line, Text: w, Words: []string{w}, Parent: parent}
	parent.Children = append(parent.Children, n)
	return n
}

func junosSet(c *Config, verb string, words []string, line int) {
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
					removeChild(cur, next)
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
		if list {
			child(cur, w, line)
			continue
		}
		cur = child(cur, w, line)
	}
}

func removeChild(p, n *Node) {
	for i, c := range p.Children {
		if c == n {
			p.Children = append(p.Children[:i], p.Children[i+1:]...)
			return
		}
	}
}

// junosBraces builds the tree from brace-form tokens.
func junosBraces(c *Config, toks []jtok, stmtLines map[int]bool) {
	stack := []*Node{&c.Root}
	var words []jtok
	inList := false
	var listHead *Node
	place := func() *Node {
		cur := stack[len(stack)-1]
		inactive := false
		for _, w := range words {
			if w.kind == 'w' && (w.s == "inactive:" || w.s == "replace:" || w.s == "protect:" || w.s == "delete:") {
				inactive = inactive || w.s == "inactive:" || w.s == "delete:"
				continue
			}
			cur = child(cur, w.s, w.line)
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
				child(listHead, t.s, t.line)
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

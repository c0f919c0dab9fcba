package mgmt

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/seawall/seawall/internal/audit/device"
	"github.com/seawall/seawall/internal/audit/rule"
)

// unverified marks a hit that rests on a platform default the
// configuration cannot confirm (the default changed between releases).
const unverified = "unverified"

// check is one platform's half of a rule.
type check func(c *device.Config) []rule.Hit

// perVendor dispatches a rule's Check to the function for the device's
// dialect, so each platform's logic stays readable on its own.
func perVendor(m map[device.Vendor]check) func(*rule.Device) []rule.Hit {
	return func(d *rule.Device) []rule.Hit {
		if f := m[d.Config.Vendor]; f != nil {
			return f(d.Config)
		}
		return nil
	}
}

// platformsOf lists the dialects a check map covers, in display order, so
// a rule's Platforms can never disagree with what its Check handles.
func platformsOf(m map[device.Vendor]check) []device.Vendor {
	var out []device.Vendor
	for _, v := range device.SupportedVendors() {
		if m[v] != nil {
			out = append(out, v)
		}
	}
	return out
}

// ciscoLines returns the top-level `line <kind> ...` blocks; kind may end
// in "*" (IOS prints `line con 0`, some releases `line console 0`).
func ciscoLines(c *device.Config, kind string) []*device.Node { return c.Find("line", kind) }

// majorVersion is the leading number of the version the configuration
// states about itself ("15.2" → 15, "17.09.04a" → 17), 0 when unknown.
func majorVersion(c *device.Config) int {
	v := c.Version
	i := 0
	for i < len(v) && v[i] >= '0' && v[i] <= '9' {
		i++
	}
	n, err := strconv.Atoi(v[:i])
	if err != nil {
		return 0
	}
	return n
}

// atoi reads a number, -1 when it is not one.
func atoi(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return -1
	}
	return n
}

// junosFirst is the first node c.Applied finds (the configuration's own
// before an applied group's), or nil.
func junosFirst(c *device.Config, path ...string) *device.Node {
	if ns := c.Applied(path...); len(ns) > 0 {
		return ns[0]
	}
	return nil
}

// acl is one access list as the rules need it: where it is defined and
// its entries.
type acl struct {
	defined bool
	entries []*device.Node
}

// findACL looks up an IPv4 access list by name in a Cisco-style dialect:
// IOS numbered (`access-list 10 permit ...`) and named (`ip access-list
// standard|extended NAME`), NX-OS and EOS `ip access-list [standard] NAME`,
// IOS-XR `ipv4 access-list NAME`. Harden and ioc read ACL headers
// differently for their own rules; see package acl.
func findACL(c *device.Config, name string) acl {
	var a acl
	for _, n := range c.Top() {
		switch {
		case n.Hit("access-list", name):
			a.defined = true
			a.entries = append(a.entries, n)
		case (n.Hit("ip", "access-list") || n.Hit("ipv4", "access-list")) && n.Word(len(n.Words)-1) == name && len(n.Words) >= 3:
			a.defined = true
			a.entries = append(a.entries, n.Children...)
		}
	}
	return a
}

// permitsAny returns the entries of a that permit traffic from any source
// address: the sign of an ACL that restricts nothing. Entries are read
// after an optional sequence number (and, for numbered IOS lists, the
// `access-list N` prefix); the source is the first word after `permit` for
// standard lists and the second (after the protocol) for extended ones.
func (a acl) permitsAny() []*device.Node {
	var out []*device.Node
	for _, e := range a.entries {
		w := e.Words
		if len(w) >= 2 && w[0] == "access-list" {
			w = w[2:]
		}
		if len(w) > 0 && atoi(w[0]) >= 0 {
			w = w[1:]
		}
		if len(w) < 2 || w[0] != "permit" {
			continue
		}
		src, next := w[1], ""
		if !isAddrWord(src) {
			if len(w) < 3 {
				continue
			}
			src = w[2]
			if len(w) > 3 {
				next = w[3]
			}
		} else if len(w) > 2 {
			next = w[2]
		}
		if src == "any" || src == "any4" || src == "0.0.0.0/0" || src == "::/0" || (src == "0.0.0.0" && next == "255.255.255.255") {
			out = append(out, e)
		}
	}
	return out
}

// isAddrWord says whether w can start a source specification rather than
// name a protocol.
func isAddrWord(w string) bool {
	if w == "any" || w == "any4" || w == "host" {
		return true
	}
	return strings.ContainsAny(w, ".:") && w[0] >= '0' && w[0] <= '9' || strings.Contains(w, "/")
}

// aclHits reports an access list that an access-class or access-group
// line (ref) names but that is not defined, or that permits any source.
// what names the service for the message ("line vty 0 4").
func aclHits(c *device.Config, ref *device.Node, name, what string) []rule.Hit {
	a := findACL(c, name)
	if !a.defined {
		// IOS documents that an undefined access-class permits every
		// source; the other dialects' behaviour is not documented as
		// clearly, so there the hit is unverified.
		if c.Vendor == device.IOS {
			return []rule.Hit{{
				Message: fmt.Sprintf("%s uses access list %s, which is not defined, so it filters nothing", what, name),
				Nodes:   []*device.Node{ref},
			}}
		}
		return []rule.Hit{{
			Message:    fmt.Sprintf("%s uses access list %s, which is not defined in this configuration and may filter nothing", what, name),
			Nodes:      []*device.Node{ref},
			Confidence: unverified,
		}}
	}
	if anyE := a.permitsAny(); len(anyE) > 0 {
		return []rule.Hit{{
			Message: fmt.Sprintf("%s uses access list %s, which permits any source (%s)", what, name, strings.Join(anyE[0].Words, " ")),
			Nodes:   append([]*device.Node{ref}, anyE...),
		}}
	}
	return nil
}

// hasNoShutdown reports whether a block (or any block inside it, such as
// an EOS `vrf` sub-block) says `no shutdown`: how EOS enables a service
// whose default is off.
func hasNoShutdown(n *device.Node) *device.Node {
	var found *device.Node
	n.Walk(func(x *device.Node) bool {
		if found == nil && x.Hit("no", "shutdown") {
			found = x
		}
		return found == nil
	})
	return found
}

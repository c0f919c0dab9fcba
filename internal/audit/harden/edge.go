package harden

import (
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"strings"

	"github.com/seawall/seawall/internal/audit/device"
	"github.com/seawall/seawall/internal/audit/rule"
)

// iface is one layer-3 (or would-be layer-3) interface as the rules that
// care about exposure see it. On Junos it is one logical unit.
type iface struct {
	node     *device.Node // Cisco-style: the `interface` line; Junos: the unit
	phys     string       // physical interface name (Junos) or the name
	name     string       // as the vendor prints it: Gi0/0, xe-0/0/0.0
	addrs    []ifAddr
	desc     string
	descNode *device.Node
	shut     bool
}

// ifAddr is an interface address and the line that sets it.
type ifAddr struct {
	p    netip.Prefix
	node *device.Node
}

// v4 reports whether the interface has an IPv4 address.
func (f *iface) v4() bool {
	return slices.ContainsFunc(f.addrs, func(a ifAddr) bool { return a.p.Addr().Is4() })
}

// child returns the interface's first statement starting with prefix
// (Cisco-style dialects), or nil.
func (f *iface) child(prefix ...string) *device.Node { return f.node.First(prefix...) }

// interfaces returns the configuration's interfaces in file order.
func interfaces(c *device.Config) []*iface {
	if c.Vendor == device.Junos {
		return junosInterfaces(c)
	}
	var out []*iface
	for _, n := range c.Find("interface") {
		name := n.Word(1)
		if name == "preconfigure" || name == "range" {
			continue
		}
		f := &iface{node: n, phys: name, name: name}
		for _, s := range n.Children {
			switch {
			case s.Hit("description"):
				f.desc, f.descNode = strings.TrimSpace(strings.TrimPrefix(s.Text, "description")), s
			case s.Hit("shutdown"):
				f.shut = true
			case s.Hit("ip", "address"), s.Hit("ipv4", "address"), s.Hit("ipv6", "address"):
				if p, ok := ciscoPrefix(s.Word(2), s.Word(3)); ok {
					f.addrs = append(f.addrs, ifAddr{p: p, node: s})
				}
			}
		}
		out = append(out, f)
	}
	return out
}

// ciscoPrefix reads `A/len` or `A MASK`.
func ciscoPrefix(a, mask string) (netip.Prefix, bool) {
	if p, err := netip.ParsePrefix(a); err == nil {
		return p, true
	}
	ip, m := addr(a), addr(mask)
	if !ip.IsValid() || !m.Is4() || !ip.Is4() {
		return netip.Prefix{}, false
	}
	bits := 0
	for _, b := range m.As4() {
		for i := 7; i >= 0 && b&(1<<i) != 0; i-- {
			bits++
		}
	}
	return netip.PrefixFrom(ip, bits), true
}

func junosInterfaces(c *device.Config) []*iface {
	ifs := c.Path("interfaces")
	if ifs == nil {
		return nil
	}
	var out []*iface
	for _, phys := range ifs.Children {
		if phys.Inactive || phys.Word(0) == "interface-range" || strings.HasPrefix(phys.Word(0), "apply-") {
			continue
		}
		pdesc := phys.Path("description")
		shut := phys.Path("disable") != nil
		u := phys.Path("unit")
		if u == nil {
			continue
		}
		for _, unit := range u.Children {
			if unit.Inactive {
				continue
			}
			f := &iface{node: unit, phys: phys.Word(0), name: phys.Word(0) + "." + unit.Word(0), shut: shut || unit.Path("disable") != nil}
			d := unit.Path("description")
			if d == nil {
				d = pdesc
			}
			if d != nil && len(d.Children) > 0 {
				f.desc, f.descNode = d.Children[0].Word(0), d.Children[0]
			}
			for _, fam := range []string{"inet", "inet6"} {
				as := unit.Path("family", fam, "address")
				if as == nil {
					continue
				}
				for _, a := range as.Children {
					if p, err := netip.ParsePrefix(a.Word(0)); err == nil && !a.Inactive {
						f.addrs = append(f.addrs, ifAddr{p: p, node: a})
					}
				}
			}
			out = append(out, f)
		}
	}
	return out
}

// neverExternal matches interfaces that cannot face a neighbour:
// loopbacks, null and management ports.
var neverExternal = regexp.MustCompile(`(?i)^(loopback|lo\d|null|mgmt|management|mgmteth|fxp|em\d|me\d|vme|ma\d)`)

// externalWords are description words that name an outside neighbour.
var externalWords = regexp.MustCompile(`(?i)\b(internet|transit|peer|peering|upstream|isp|customer|ix|ixp)\b`)

// notExternalWords are descriptions that use "peer" for a cluster partner.
var notExternalWords = regexp.MustCompile(`(?i)peer[- _]?(link|keep)|vpc`)

// customerWords mark an interface towards a customer (strict uRPF).
var customerWords = regexp.MustCompile(`(?i)\bcustomer\b`)

// external is an interface judged to face outside, and why.
type external struct {
	*iface
	sign     string       // the evident sign, for messages
	signNode *device.Node // the line that shows it
}

// evidence is the interface line plus the line showing the sign.
// A Junos set-form line holds several nodes; the deeper one is kept.
func (e external) evidence(extra ...*device.Node) []*device.Node {
	out := []*device.Node{e.node}
	for _, n := range append([]*device.Node{e.signNode}, extra...) {
		if n == nil || slices.Contains(out, n) {
			continue
		}
		if i := slices.IndexFunc(out, func(x *device.Node) bool { return x.Line == n.Line }); i >= 0 {
			out[i] = n
			continue
		}
		out = append(out, n)
	}
	return out
}

// unverified builds the Hit for a finding that rests on an evident sign.
func (e external) unverified(msg string, extra ...*device.Node) rule.Hit {
	h := hit(fmt.Sprintf("%s (external by sign: %s; not confirmed by the inventory)", msg, e.sign), e.evidence(extra...)...)
	h.Confidence = "unverified"
	return h
}

// externals returns the interfaces that face outside. The inventory cannot
// name interfaces, so it decides only whether to look: a device it lists
// as neither exposed nor in an edge role has none. Otherwise interfaces
// are judged by evident signs, in this order: an eBGP neighbour inside the
// interface's subnet, a description naming an outside party, a public
// address (unless the interface forms OSPF or IS-IS adjacencies, as core
// links with public addresses do). Loopback, null, management and shut-down interfaces never count.
func externals(d *rule.Device) []external {
	if inv := d.Inventory.Device(d.Name); inv != nil && !inv.Exposed && !slices.Contains(edgeRoles, strings.ToLower(inv.Role)) {
		return nil
	}
	peers := bgpPeers(d.Config)
	ifs := interfaces(d.Config)
	igp := igpInterfaces(d.Config, ifs)
	var out []external
	for _, f := range ifs {
		if f.shut || neverExternal.MatchString(f.phys) {
			continue
		}
		if e, ok := signOf(f, peers, igp); ok {
			out = append(out, e)
		}
	}
	return out
}

func signOf(f *iface, peers []*bgpPeer, igp map[string]bool) (external, bool) {
	for _, a := range f.addrs {
		if a.p.Bits() >= a.p.Addr().BitLen() {
			continue
		}
		for _, p := range peers {
			if p.ebgp && a.p.Masked().Contains(p.addr) {
				return external{iface: f, sign: fmt.Sprintf("eBGP neighbour %s (%s) is on its subnet %s", p.addr, p.asText(), a.p.Masked()), signNode: p.node}, true
			}
		}
	}
	if f.desc != "" && externalWords.MatchString(f.desc) && !notExternalWords.MatchString(f.desc) {
		return external{iface: f, sign: fmt.Sprintf("description %q", f.desc), signNode: f.descNode}, true
	}
	if igp[f.name] {
		return external{}, false
	}
	for _, a := range f.addrs {
		if public(a.p.Addr()) {
			return external{iface: f, sign: "public address " + a.p.Addr().String(), signNode: a.node}, true
		}
	}
	return external{}, false
}

// special are address blocks that are not public unicast (RFC 6890 and
// friends) beyond what netip already classifies.
var special = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"), netip.MustParsePrefix("100.64.0.0/10"),
	netip.MustParsePrefix("192.0.0.0/24"), netip.MustParsePrefix("192.0.2.0/24"),
	netip.MustParsePrefix("192.88.99.0/24"), netip.MustParsePrefix("198.18.0.0/15"),
	netip.MustParsePrefix("198.51.100.0/24"), netip.MustParsePrefix("203.0.113.0/24"),
	netip.MustParsePrefix("240.0.0.0/4"), netip.MustParsePrefix("2001:db8::/32"),
	netip.MustParsePrefix("2001::/23"), netip.MustParsePrefix("64:ff9b::/96"),
}

// public reports whether a is a globally routed unicast address.
// It differs from ioc's private/outside on purpose: here documentation
// ranges are not public (an interface numbered from them is a lab, not an
// internet edge), while ioc counts them as external because they stand in
// for actor hosts in examples and tests.
func public(a netip.Addr) bool {
	a = a.Unmap()
	if !a.IsGlobalUnicast() || a.IsPrivate() {
		return false
	}
	for _, p := range special {
		if p.Contains(a) {
			return false
		}
	}
	return true
}

// bgpPeer is one BGP neighbour with its effective options, its own and
// those inherited from a peer group, neighbour group or template.
type bgpPeer struct {
	addr     netip.Addr
	remoteAS string
	ebgp     bool
	node     *device.Node // the line that names the peer's AS, else its first line
	opts     []bgpOpt     // Cisco-style options, words after the neighbour
	jn       []*device.Node
}

// bgpOpt is one neighbour option: for IOS/EOS the words after
// `neighbor <x>`, for block dialects a statement inside the neighbour.
type bgpOpt struct {
	w    []string
	node *device.Node
}

// asText names the peer's AS for messages.
func (p *bgpPeer) asText() string {
	if p.remoteAS == "" {
		return "external group"
	}
	return "AS " + p.remoteAS
}

// has reports whether any option starts with one of the words.
func (p *bgpPeer) has(first ...string) *device.Node {
	for _, o := range p.opts {
		if len(o.w) > 0 && slices.Contains(first, o.w[0]) {
			return o.node
		}
	}
	return nil
}

// hasIn reports whether an inbound filter of one of the kinds is applied.
func (p *bgpPeer) hasIn(kinds ...string) bool {
	for _, o := range p.opts {
		if len(o.w) > 1 && slices.Contains(kinds, o.w[0]) && o.w[len(o.w)-1] == "in" {
			return true
		}
	}
	return false
}

// bgpPeers returns the BGP neighbours with an address, in file order.
func bgpPeers(c *device.Config) []*bgpPeer {
	switch c.Vendor {
	case device.IOS, device.EOS:
		return flatPeers(c)
	case device.IOSXR, device.NXOS:
		return blockPeers(c)
	case device.Junos:
		return junosPeers(c)
	}
	return nil
}

// flatPeers reads IOS and EOS `neighbor <x> ...` lines, where x is an
// address or a peer group.
func flatPeers(c *device.Config) []*bgpPeer {
	var out []*bgpPeer
	for _, rb := range c.Find("router", "bgp") {
		local := rb.Word(2)
		opts := map[string][]bgpOpt{}
		var order []string
		group := map[string]string{}
		rb.Walk(func(n *device.Node) bool {
			if !n.Hit("neighbor") || len(n.Words) < 3 {
				return true
			}
			k := n.Word(1)
			if _, ok := opts[k]; !ok {
				order = append(order, k)
			}
			w := n.Words[2:]
			opts[k] = append(opts[k], bgpOpt{w: w, node: n})
			switch {
			case w[0] == "peer-group" && len(w) > 1:
				group[k] = w[1]
			case w[0] == "peer" && len(w) > 2 && w[1] == "group":
				group[k] = w[2]
			}
			return true
		})
		for _, k := range order {
			a := addr(k)
			if !a.IsValid() {
				continue
			}
			p := &bgpPeer{addr: a, opts: slices.Clone(opts[k])}
			if g := group[k]; g != "" {
				p.opts = append(p.opts, opts[g]...)
			}
			for _, o := range p.opts {
				if o.w[0] == "remote-as" && len(o.w) > 1 && p.remoteAS == "" {
					p.remoteAS, p.node = o.w[1], o.node
				}
			}
			if p.node == nil {
				p.node = opts[k][0].node
			}
			p.ebgp = p.remoteAS != "" && p.remoteAS != local
			if p.has("shutdown") == nil {
				out = append(out, p)
			}
		}
	}
	return out
}

// blockPeers reads IOS XR and NX-OS `neighbor <x>` blocks, with XR
// `use neighbor-group` and NX-OS `inherit peer` templates.
func blockPeers(c *device.Config) []*bgpPeer {
	var out []*bgpPeer
	for _, rb := range c.Find("router", "bgp") {
		local := rb.Word(2)
		groups := map[string]*device.Node{}
		rb.Walk(func(n *device.Node) bool {
			if n.Hit("neighbor-group") || n.Hit("template", "peer") {
				groups[n.Words[len(n.Words)-1]] = n
			}
			return true
		})
		rb.Walk(func(n *device.Node) bool {
			if !n.Hit("neighbor") {
				return !n.Hit("neighbor-group") && !n.Hit("template")
			}
			a := addr(strings.SplitN(n.Word(1), "/", 2)[0])
			if !a.IsValid() {
				return false
			}
			p := &bgpPeer{addr: a, node: n}
			if n.Word(2) == "remote-as" {
				p.remoteAS = n.Word(3)
			}
			add := func(b *device.Node) {
				b.Walk(func(x *device.Node) bool {
					p.opts = append(p.opts, bgpOpt{w: x.Words, node: x})
					return true
				})
			}
			add(n)
			for _, o := range slices.Clone(p.opts) {
				if (o.node.Hit("use", "neighbor-group") || o.node.Hit("inherit", "peer")) && groups[o.w[2]] != nil {
					add(groups[o.w[2]])
				}
			}
			for _, o := range p.opts {
				if o.w[0] == "remote-as" && len(o.w) > 1 && p.remoteAS == "" {
					p.remoteAS, p.node = o.w[1], o.node
				}
			}
			p.ebgp = p.remoteAS != "" && p.remoteAS != local
			if p.has("shutdown") == nil {
				out = append(out, p)
			}
			return false
		})
	}
	return out
}

// junosPeers reads `protocols bgp group <g> neighbor <a>` in the main
// instance and routing instances. A peer's jn nodes are its neighbour,
// group and bgp nodes, most specific first.
func junosPeers(c *device.Config) []*bgpPeer {
	local := ""
	if as := c.Path("routing-options", "autonomous-system"); as != nil && len(as.Children) > 0 {
		local = as.Children[0].Word(0)
	}
	bgps := []*device.Node{c.Path("protocols", "bgp")}
	if ri := c.Path("routing-instances"); ri != nil {
		for _, inst := range ri.Children {
			bgps = append(bgps, inst.Path("protocols", "bgp"))
		}
	}
	var out []*bgpPeer
	for _, bgp := range bgps {
		if bgp == nil {
			continue
		}
		g := bgp.Path("group")
		if g == nil {
			continue
		}
		for _, grp := range g.Children {
			if grp.Inactive {
				continue
			}
			nb := grp.Path("neighbor")
			if nb == nil {
				continue
			}
			for _, n := range nb.Children {
				a := addr(n.Word(0))
				if n.Inactive || !a.IsValid() {
					continue
				}
				p := &bgpPeer{addr: a, node: n, jn: []*device.Node{n, grp, bgp}}
				for _, x := range p.jn {
					if pa := x.Path("peer-as"); pa != nil && len(pa.Children) > 0 {
						p.remoteAS = pa.Children[0].Word(0)
						break
					}
				}
				typ := ""
				if t := grp.Path("type"); t != nil && len(t.Children) > 0 {
					typ = t.Children[0].Word(0)
				}
				p.ebgp = typ == "external" || typ == "" && p.remoteAS != "" && p.remoteAS != local
				out = append(out, p)
			}
		}
	}
	return out
}

// junosAny returns the first of the nodes that has the path below it.
func junosAny(nodes []*device.Node, path ...string) *device.Node {
	for _, n := range nodes {
		if x := n.Path(path...); x != nil {
			return x
		}
	}
	return nil
}

// igpInterfaces returns the names of interfaces that run OSPF or IS-IS
// actively (not passive): links inside the operator's own network.
func igpInterfaces(c *device.Config, ifs []*iface) map[string]bool {
	out := map[string]bool{}
	switch c.Vendor {
	case device.Junos:
		for _, proto := range []string{"ospf", "ospf3", "isis"} {
			p := c.Path("protocols", proto)
			if p == nil {
				continue
			}
			p.Walk(func(n *device.Node) bool {
				if n.Word(0) != "interface" {
					return true
				}
				for _, in := range n.Children {
					if !in.Inactive && in.Path("passive") == nil {
						out[in.Word(0)] = true
					}
				}
				return false
			})
		}
	case device.IOSXR:
		for _, top := range c.Find("router") {
			if top.Word(1) != "ospf" && top.Word(1) != "ospfv3" && top.Word(1) != "isis" {
				continue
			}
			top.Walk(func(n *device.Node) bool {
				if n.Hit("interface") && n.First("passive") == nil {
					out[n.Word(1)] = true
				}
				return true
			})
		}
	default:
		var nets []addrMatch
		passive, passiveDefault, active := map[string]bool{}, false, map[string]bool{}
		for _, top := range c.Find("router") {
			if top.Word(1) != "ospf" && top.Word(1) != "isis" {
				continue
			}
			for _, n := range top.Children {
				switch {
				case n.Hit("network") && n.Has("area"):
					if m, _, ok := spec(n.Words, 1); ok {
						nets = append(nets, m)
					}
				case n.Hit("passive-interface", "default"):
					passiveDefault = true
				case n.Hit("passive-interface"):
					passive[n.Word(1)] = true
				case n.Hit("no", "passive-interface"):
					active[n.Word(2)] = true
				}
			}
		}
		for _, f := range ifs {
			in := slices.ContainsFunc(f.node.Children, func(n *device.Node) bool {
				return n.Hit("ip", "router", "isis") || n.Hit("ip", "router", "ospf") || n.Hit("ip", "ospf") && (n.Has("area") || len(n.Words) > 3 && n.Word(3) == "area")
			})
			for _, a := range f.addrs {
				in = in || slices.ContainsFunc(nets, func(m addrMatch) bool { return m.contains(a.p.Addr()) })
			}
			if in && !passive[f.name] && (!passiveDefault || active[f.name]) {
				out[f.name] = true
			}
		}
	}
	return out
}

package enrich

import (
	"cmp"
	"fmt"
	"net/netip"
	"slices"

	"github.com/seawall/seawall/internal/geo"
	"github.com/seawall/seawall/internal/prefixset"
)

// kind is what an input prefix says about the addresses it covers.
type kind uint8

const (
	kindCountry   kind = iota // a country from the database: code
	kindSpecial               // a special-purpose range
	kindNever                 // a range that never has a country
	kindBlock                 // the block policy covers it
	kindThreat                // threat list: val is the list's bit
	kindRole                  // an inventory role: role
	kindDevice                // a device's address: role, val is device index+1
	kindSensitive             // a sensitive host: val is its index+1
)

// item is one input prefix as an inclusive range of its family.
type item struct {
	first, last prefixset.U128
	bits        int // prefix length: shorter (outer) first among equal starts
	seq         int // input order: later wins among identical prefixes
	kind        kind
	code        [2]byte
	role        Role
	val         uint64
}

// state is what the covering prefixes of a point say, before the country
// rules turn it into Tags.
type state struct {
	country           [2]byte
	hasCountry        bool
	special, never    bool
	blocked           bool
	threat            uint64
	roles             Role
	device, sensitive uint16
}

// apply adds an item covering a more specific range than those already in s.
func (s state) apply(it *item) state {
	switch it.kind {
	case kindCountry:
		s.country, s.hasCountry = it.code, true
	case kindSpecial:
		s.special = true
	case kindNever:
		s.special, s.never = true, true
	case kindBlock:
		s.blocked = true
	case kindThreat:
		s.threat |= it.val
	case kindRole:
		s.roles |= it.role
	case kindDevice:
		s.roles |= it.role
		s.device = uint16(it.val)
	case kindSensitive:
		s.roles |= RoleSensitive
		s.sensitive = uint16(it.val)
	}
	return s
}

// tags resolves the country rules: registry data (SpecialsOverride) never
// names a country for a special-purpose address; a user's database
// (SpecialsFallback) is believed except for the NeverCountry ranges.
func (s state) tags(mode geo.SpecialMode) Tags {
	t := Tags{Blocked: s.blocked, Threat: s.threat, Roles: s.roles, Device: s.device, Sensitive: s.sensitive}
	switch {
	case s.never || (s.special && mode != geo.SpecialsFallback):
		t.Special = true
	case s.hasCountry:
		t.Country = s.country
	case s.special:
		t.Special = true
	}
	return t
}

// collect turns the sources into items, IPv4 in [0] and IPv6 in [1].
func collect(src Sources) ([2][]item, error) {
	var items [2][]item
	seq := 0
	add := func(p netip.Prefix, it item) error {
		if !p.IsValid() {
			return fmt.Errorf("invalid prefix")
		}
		p = p.Masked()
		if a := p.Addr(); a.Is4In6() && p.Bits() >= 96 {
			// Lookups answer mapped addresses as IPv4, so mapped
			// entries belong with IPv4.
			p = netip.PrefixFrom(a.Unmap(), p.Bits()-96)
		}
		r := prefixset.PrefixRange(p)
		it.first, it.last, it.bits, it.seq = r.First, r.Last, p.Bits(), seq
		seq++
		fam := 0
		if r.Bits == 128 {
			fam = 1
		}
		items[fam] = append(items[fam], it)
		return nil
	}
	addAll := func(what string, ps []netip.Prefix, it item) error {
		for i, p := range ps {
			if err := add(p, it); err != nil {
				return fmt.Errorf("%s[%d]: %w", what, i, err)
			}
		}
		return nil
	}
	addAddrs := func(what string, as []netip.Addr, it item) error {
		for i, a := range as {
			if !a.IsValid() {
				return fmt.Errorf("%s[%d]: invalid address", what, i)
			}
			a = a.WithZone("")
			if err := add(netip.PrefixFrom(a, a.BitLen()), it); err != nil {
				return fmt.Errorf("%s[%d]: %w", what, i, err)
			}
		}
		return nil
	}

	if db := src.Geo; db != nil {
		for _, c := range db.Countries {
			if len(c.Code) != 2 {
				return items, fmt.Errorf("country database: code %q is not two letters", c.Code)
			}
			it := item{kind: kindCountry, code: [2]byte{c.Code[0], c.Code[1]}}
			if err := addAll("country "+c.Code, c.V4, it); err != nil {
				return items, err
			}
			if err := addAll("country "+c.Code, c.V6, it); err != nil {
				return items, err
			}
		}
	}
	for _, s := range geo.Specials() {
		if err := add(s.Prefix, item{kind: kindSpecial}); err != nil {
			return items, err
		}
	}
	if err := addAll("never-country", geo.InternalPrefixes(), item{kind: kindNever}); err != nil {
		return items, err
	}
	if err := addAll("block", src.Block, item{kind: kindBlock}); err != nil {
		return items, err
	}
	for i, l := range src.Lists {
		if err := addAll(fmt.Sprintf("threat list %q", l.Name), l.Prefixes, item{kind: kindThreat, val: 1 << i}); err != nil {
			return items, err
		}
	}
	inv := src.Inventory
	if inv == nil {
		return items, nil
	}
	if len(inv.Devices) > 0xffff || len(inv.SensitiveHosts) > 0xffff {
		return items, fmt.Errorf("inventory: at most 65535 devices and 65535 sensitive hosts are supported")
	}
	for i, d := range inv.Devices {
		what := fmt.Sprintf("inventory.devices[%d] (%s)", i, d.Name)
		if err := addAddrs(what+".addresses", d.Addresses, item{kind: kindDevice, role: RoleDevice, val: uint64(i + 1)}); err != nil {
			return items, err
		}
		if err := addAddrs(what+".loopbacks", d.Loopbacks, item{kind: kindDevice, role: RoleLoopback, val: uint64(i + 1)}); err != nil {
			return items, err
		}
	}
	roles := []struct {
		what string
		ps   []netip.Prefix
		as   []netip.Addr
		role Role
	}{
		{what: "inventory.management_networks", ps: inv.ManagementNetworks, role: RoleManagement},
		{what: "inventory.jump_hosts", as: inv.JumpHosts, role: RoleJumpHost},
		{what: "inventory.aaa_servers", as: inv.AAAServers, role: RoleAAA},
		{what: "inventory.nms", as: inv.NMS, role: RoleNMS},
		{what: "inventory.syslog_collectors", as: inv.SyslogCollectors, role: RoleSyslog},
		{what: "inventory.flow_collectors", as: inv.FlowCollectors, role: RoleFlowCollector},
		{what: "inventory.ntp_servers", as: inv.NTPServers, role: RoleNTP},
		{what: "inventory.tunnel_peers", ps: inv.TunnelPeers, role: RoleTunnelPeer},
		{what: "inventory.bgp_peers", as: inv.BGPPeers, role: RoleBGPPeer},
	}
	for _, r := range roles {
		if err := addAll(r.what, r.ps, item{kind: kindRole, role: r.role}); err != nil {
			return items, err
		}
		if err := addAddrs(r.what, r.as, item{kind: kindRole, role: r.role}); err != nil {
			return items, err
		}
	}
	for i, s := range inv.SensitiveHosts {
		if err := add(s.Prefix, item{kind: kindSensitive, val: uint64(i + 1)}); err != nil {
			return items, fmt.Errorf("inventory.sensitive_hosts[%d] (%s): %w", i, s.Name, err)
		}
	}
	return items, nil
}

// flattener turns overlapping items into disjoint table entries.
type flattener struct {
	mode    geo.SpecialMode
	index   map[Tags]uint16
	palette []Tags
	entries []prefixset.Entry

	// The run of equal tags being extended, flushed when the tags change.
	run          bool
	runFirst     prefixset.U128
	runLast      prefixset.U128
	runTags      Tags
	bits         int
	cursor       prefixset.U128 // first address not yet emitted
	done         bool           // the family's last address is emitted
	familyLastIP prefixset.U128
}

// frame is an open item on the sweep's stack: the state inside it and
// where it ends.
type frame struct {
	last prefixset.U128
	st   state
}

// flatten sweeps one family's items in address order. CIDR prefixes
// either nest or are disjoint, so the items covering a point form a stack
// from least to most specific; the state at each level is the one below
// with the item applied, and each stretch of addresses between item
// boundaries is emitted with the state at the top of the stack.
func (fb *flattener) flatten(items []item, bits int) error {
	slices.SortFunc(items, func(a, b item) int {
		if c := a.first.Cmp(b.first); c != 0 {
			return c
		}
		if c := cmp.Compare(a.bits, b.bits); c != 0 {
			return c
		}
		return cmp.Compare(a.seq, b.seq)
	})
	fb.bits, fb.run, fb.done, fb.cursor = bits, false, false, prefixset.U128{}
	fb.familyLastIP = prefixset.PrefixRange(netip.PrefixFrom(familyZero(bits), 0)).Last
	var stack []frame
	pop := func() error {
		top := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		return fb.emit(top.last, top.st)
	}
	for i := range items {
		it := &items[i]
		for len(stack) > 0 && stack[len(stack)-1].last.Cmp(it.first) < 0 {
			if err := pop(); err != nil {
				return err
			}
		}
		var cur state
		if len(stack) > 0 {
			cur = stack[len(stack)-1].st
		}
		if fb.cursor.Cmp(it.first) < 0 {
			if err := fb.emit(it.first.SubOne(), cur); err != nil {
				return err
			}
		}
		stack = append(stack, frame{last: it.last, st: cur.apply(it)})
	}
	for len(stack) > 0 {
		if err := pop(); err != nil {
			return err
		}
	}
	return fb.flush()
}

// emit gives the addresses from the cursor to last the tags of st.
func (fb *flattener) emit(last prefixset.U128, st state) error {
	if fb.done || fb.cursor.Cmp(last) > 0 {
		return nil // an inner item already emitted them all
	}
	t := st.tags(fb.mode)
	if fb.run && t == fb.runTags && fb.runLast.AddOne() == fb.cursor {
		fb.runLast = last
	} else {
		if err := fb.flush(); err != nil {
			return err
		}
		fb.run, fb.runFirst, fb.runLast, fb.runTags = true, fb.cursor, last, t
	}
	if last == fb.familyLastIP {
		fb.done = true
	}
	fb.cursor = last.AddOne()
	return nil
}

// flush turns the current run into table entries.
func (fb *flattener) flush() error {
	if !fb.run {
		return nil
	}
	fb.run = false
	if fb.runTags == (Tags{}) {
		return nil
	}
	v, ok := fb.index[fb.runTags]
	if !ok {
		if len(fb.palette) > prefixset.MaxValue {
			return fmt.Errorf("more than %d distinct combinations of country, policy, threat lists and inventory; split the inventory or the threat lists", prefixset.MaxValue)
		}
		v = uint16(len(fb.palette))
		fb.palette = append(fb.palette, fb.runTags)
		fb.index[fb.runTags] = v
	}
	for _, p := range (prefixset.Range{First: fb.runFirst, Last: fb.runLast, Bits: fb.bits}).Prefixes() {
		fb.entries = append(fb.entries, prefixset.Entry{Prefix: p, Value: v})
	}
	return nil
}

// familyZero returns the family's unspecified address.
func familyZero(bits int) netip.Addr {
	if bits == 32 {
		return netip.IPv4Unspecified()
	}
	return netip.IPv6Unspecified()
}

package geo

import "net/netip"

// Special is a special-purpose range from the IANA registries: addresses
// that belong to no country, whatever a data file says.
type Special struct {
	Prefix netip.Prefix
	Name   string
	RFC    string
}

// String is the reason a lookup gives for the range.
func (s Special) String() string { return s.Name + " (" + s.RFC + ")" }

// Specials returns the IANA IPv4 and IPv6 Special-Purpose Address
// Registries, the multicast blocks, and the reserved 240/4, as of 2025.
// Where they nest, the more specific entry gives the more precise reason.
func Specials() []Special {
	raw := []struct{ p, name, rfc string }{
		{"0.0.0.0/8", "this network", "RFC 791"},
		{"10.0.0.0/8", "private use", "RFC 1918"},
		{"100.64.0.0/10", "shared address space (CGN)", "RFC 6598"},
		{"127.0.0.0/8", "loopback", "RFC 1122"},
		{"169.254.0.0/16", "link local", "RFC 3927"},
		{"172.16.0.0/12", "private use", "RFC 1918"},
		{"192.0.0.0/24", "IETF protocol assignments", "RFC 6890"},
		{"192.0.0.0/29", "IPv4 service continuity prefix", "RFC 7335"},
		{"192.0.0.8/32", "IPv4 dummy address", "RFC 7600"},
		{"192.0.0.9/32", "port control protocol anycast", "RFC 7723"},
		{"192.0.0.10/32", "TURN anycast", "RFC 8155"},
		{"192.0.0.170/31", "NAT64/DNS64 discovery", "RFC 8880"},
		{"192.0.2.0/24", "documentation (TEST-NET-1)", "RFC 5737"},
		{"192.31.196.0/24", "AS112-v4", "RFC 7535"},
		{"192.52.193.0/24", "AMT", "RFC 7450"},
		{"192.88.99.0/24", "deprecated 6to4 relay anycast", "RFC 7526"},
		{"192.168.0.0/16", "private use", "RFC 1918"},
		{"192.175.48.0/24", "direct delegation AS112 service", "RFC 7534"},
		{"198.18.0.0/15", "benchmarking", "RFC 2544"},
		{"198.51.100.0/24", "documentation (TEST-NET-2)", "RFC 5737"},
		{"203.0.113.0/24", "documentation (TEST-NET-3)", "RFC 5737"},
		{"224.0.0.0/4", "multicast", "RFC 5771"},
		{"240.0.0.0/4", "reserved", "RFC 1112"},
		{"255.255.255.255/32", "limited broadcast", "RFC 919"},

		{"::/128", "unspecified address", "RFC 4291"},
		{"::1/128", "loopback", "RFC 4291"},
		{"64:ff9b::/96", "IPv4-IPv6 translation", "RFC 6052"},
		{"64:ff9b:1::/48", "local-use IPv4-IPv6 translation", "RFC 8215"},
		{"100::/64", "discard-only", "RFC 6666"},
		{"100:0:0:1::/64", "dummy IPv6 prefix", "RFC 9780"},
		{"2001::/23", "IETF protocol assignments", "RFC 2928"},
		{"2001::/32", "Teredo", "RFC 4380"},
		{"2001:1::1/128", "port control protocol anycast", "RFC 7723"},
		{"2001:1::2/128", "TURN anycast", "RFC 8155"},
		{"2001:1::3/128", "DNS-SD service registration protocol anycast", "RFC 9665"},
		{"2001:2::/48", "benchmarking", "RFC 5180"},
		{"2001:3::/32", "AMT", "RFC 7450"},
		{"2001:4:112::/48", "AS112-v6", "RFC 7535"},
		{"2001:10::/28", "deprecated ORCHID", "RFC 4843"},
		{"2001:20::/28", "ORCHIDv2", "RFC 7343"},
		{"2001:30::/28", "drone remote ID entity tags", "RFC 9374"},
		{"2001:db8::/32", "documentation", "RFC 3849"},
		{"2002::/16", "6to4", "RFC 3056"},
		{"2620:4f:8000::/48", "direct delegation AS112 service", "RFC 7534"},
		{"3fff::/20", "documentation", "RFC 9637"},
		{"5f00::/16", "segment routing (SRv6) SIDs", "RFC 9602"},
		{"fc00::/7", "unique local", "RFC 4193"},
		{"fe80::/10", "link-local unicast", "RFC 4291"},
		{"ff00::/8", "multicast", "RFC 4291"},
	}
	out := make([]Special, len(raw))
	for i, r := range raw {
		out[i] = Special{Prefix: netip.MustParsePrefix(r.p), Name: r.name, RFC: r.rfc}
	}
	return out
}

// InternalPrefixes are the ranges on every operator's own network, which
// never route on the internet and never have a country whatever a data
// file says: "this network", private use and unique-local, shared CGN
// space, loopback, link-local, multicast and the limited broadcast. The
// other special-purpose ranges (documentation, benchmarking ...) are not
// here: a user's database may use them to stand in for real countries,
// and examples use them for outside hosts.
func InternalPrefixes() []netip.Prefix {
	ss := []string{
		"0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16",
		"172.16.0.0/12", "192.168.0.0/16", "224.0.0.0/4", "255.255.255.255/32",
		"::/128", "::1/128", "fc00::/7", "fe80::/10", "ff00::/8",
	}
	out := make([]netip.Prefix, len(ss))
	for i, s := range ss {
		out[i] = netip.MustParsePrefix(s)
	}
	return out
}

// Internal reports whether a is in InternalPrefixes (IPv4-mapped
// addresses as IPv4); an invalid address counts as internal. It uses
// netip's classifications, so it does not allocate.
func Internal(a netip.Addr) bool {
	a = a.Unmap()
	if !a.IsValid() || a.IsPrivate() || a.IsLoopback() || a.IsLinkLocalUnicast() || a.IsMulticast() || a.IsUnspecified() {
		return true
	}
	if a.Is4() {
		b := a.As4()
		return b[0] == 0 || b[0] == 100 && b[1]&0xc0 == 64 || b == [4]byte{255, 255, 255, 255}
	}
	return false
}

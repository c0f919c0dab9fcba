package daemon

import (
	"strings"

	"github.com/seawall/seawall/internal/enforce"
	"github.com/seawall/seawall/internal/enforce/nft"
)

// Ruleset turns the compiled policy into what the nftables backend
// installs. The comment stays the same while the countries do, so a data
// update is an element delta, not a rebuild.
func Ruleset(d *enforce.Desired) nft.Ruleset {
	rs := nft.Ruleset{
		IPv4:     d.Has(enforce.IPv4),
		IPv6:     d.Has(enforce.IPv6),
		V4:       d.Prefixes(enforce.IPv4),
		V6:       d.Prefixes(enforce.IPv6),
		Inbound:  d.HasDirection(enforce.Inbound),
		Outbound: d.HasDirection(enforce.Outbound),
		Forward:  d.HasDirection(enforce.Forwarded),
		Comment:  "seawall block: " + strings.Join(d.Countries, ","),
	}
	if d.Log.Count > 0 {
		rs.Log = &nft.LogConfig{PerMinute: perMinute(d.Log)}
	}
	return rs
}

// perMinute converts a log rate to lines per minute, at least 1.
func perMinute(r enforce.Rate) uint32 {
	n := r.Count
	switch r.Unit {
	case "second":
		n *= 60
	case "hour":
		n /= 60
	case "day":
		n /= 24 * 60
	}
	return uint32(max(n, 1))
}

package bgp

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Config is the BGP blackholing section of seawall.yaml.
type Config struct {
	// Enabled must be true for seawall serve to open any BGP session; New
	// refuses a disabled configuration so that a wiring mistake cannot.
	Enabled bool `yaml:"enabled"`
	// LocalASN is the AS seawall speaks as: the routers' own AS for iBGP
	// (the usual RTBH trigger), or a private AS for eBGP.
	LocalASN uint32 `yaml:"local_asn"`
	// RouterID is seawall's BGP identifier; an IPv4 address unique in the
	// AS, conventionally one of the host's own addresses.
	RouterID netip.Addr `yaml:"router_id"`
	// ListenPort is the TCP port to accept sessions on; 0 (the default)
	// opens no listener and only dials out, which needs no privilege.
	// Routers dial port 179, which needs root or CAP_NET_BIND_SERVICE.
	ListenPort int `yaml:"listen_port"`
	// ListenAddresses restricts the listener; empty means every address.
	ListenAddresses []netip.Addr `yaml:"listen_addresses"`
	// NextHopIPv4 and NextHopIPv6 are the next hops of the announced routes:
	// addresses every router sends to a discard interface. 192.0.2.1
	// (TEST-NET-1, RFC 5737) is never routed on the Internet and is what
	// vendors' RTBH guides use; 100::1 lies in 100::/64, the discard-only
	// prefix RFC 6666 reserves for exactly this purpose, so a router that
	// has no discard route for it still has nowhere real to send it.
	NextHopIPv4 netip.Addr `yaml:"next_hop_ipv4"`
	NextHopIPv6 netip.Addr `yaml:"next_hop_ipv6"`
	// Communities are added to BLACKHOLE and NO_EXPORT, which are always
	// sent, e.g. a provider's own blackhole community.
	Communities []Community `yaml:"communities"`
	// HoldTime is the proposed BGP hold time; the session uses the lower of
	// this and the router's.
	HoldTime time.Duration `yaml:"hold_time"`
	// ConnectRetry is how long to wait between attempts to reach a router
	// that is down. GoBGP's own default is 120 s; blackholes are wanted back
	// sooner than that.
	ConnectRetry    time.Duration   `yaml:"connect_retry"`
	GracefulRestart GracefulRestart `yaml:"graceful_restart"`
	Peers           []Peer          `yaml:"peers"`
}

// GracefulRestart keeps the routers' blackholes in place while seawall
// restarts (RFC 4724).
type GracefulRestart struct {
	// Enabled advertises the capability and stops without a NOTIFICATION.
	Enabled bool `yaml:"enabled"`
	// RestartTime is how long routers keep the routes after the session
	// drops, waiting for seawall to come back; at most 4095 s, whole
	// seconds. Routers may cap it with their own setting.
	RestartTime time.Duration `yaml:"restart_time"`
}

// Peer is one router seawall announces to.
type Peer struct {
	// Address is the router's session address.
	Address netip.Addr `yaml:"address"`
	// ASN is the router's AS: equal to local_asn for iBGP.
	ASN uint32 `yaml:"asn"`
	// Password enables TCP MD5 signatures (RFC 2385) with this key.
	Password string `yaml:"password"`
	// MultihopTTL allows an eBGP router that is not directly connected, at
	// most this many hops away; 0 keeps eBGP single-hop (TTL 1).
	MultihopTTL int `yaml:"multihop_ttl"`
	// LocalAddress is the source address of the session (e.g. a loopback
	// for multihop); empty lets the kernel choose.
	LocalAddress netip.Addr `yaml:"local_address"`
	// Port is the router's BGP port; 0 means 179.
	Port int `yaml:"port"`
	// Passive waits for the router to connect instead of dialling it; it
	// needs listen_port.
	Passive bool `yaml:"passive"`
	// Families are the address families announced on this session: "ipv4",
	// "ipv6" or both (the default), so one session can carry both.
	Families []Family `yaml:"families"`
}

// Family is an address family of announced routes.
type Family string

// The families a session can carry.
const (
	IPv4 Family = "ipv4"
	IPv6 Family = "ipv6"
)

// Community is a standard BGP community (RFC 1997), written "ASN:value".
type Community uint32

// Communities every announced route carries.
const (
	// Blackhole is BLACKHOLE (RFC 7999): "drop traffic to this prefix".
	Blackhole Community = 65535<<16 | 666
	// NoExport keeps the route inside the receiving AS (RFC 1997).
	NoExport Community = 65535<<16 | 65281
)

// ParseCommunity parses "ASN:value", each part 0 to 65535.
func ParseCommunity(s string) (Community, error) {
	hi, lo, ok := strings.Cut(strings.TrimSpace(s), ":")
	if !ok {
		return 0, fmt.Errorf("community %q: want ASN:value, e.g. 65000:666", s)
	}
	a, err1 := strconv.ParseUint(hi, 10, 16)
	v, err2 := strconv.ParseUint(lo, 10, 16)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("community %q: both parts must be numbers from 0 to 65535", s)
	}
	return Community(a<<16 | v), nil
}

// String returns the "ASN:value" form.
func (c Community) String() string { return fmt.Sprintf("%d:%d", c>>16, c&0xffff) }

// MarshalText writes the "ASN:value" form, so YAML and JSON show it as
// operators write it.
func (c Community) MarshalText() ([]byte, error) { return []byte(c.String()), nil }

// UnmarshalText reads the "ASN:value" form.
func (c *Community) UnmarshalText(b []byte) error {
	v, err := ParseCommunity(string(b))
	if err != nil {
		return err
	}
	*c = v
	return nil
}

// DefaultConfig returns the built-in settings: disabled, dial out only,
// the conventional discard next hops, graceful restart on for 120 s.
func DefaultConfig() Config {
	return Config{
		NextHopIPv4:     netip.MustParseAddr("192.0.2.1"),
		NextHopIPv6:     netip.MustParseAddr("100::1"),
		HoldTime:        90 * time.Second,
		ConnectRetry:    30 * time.Second,
		GracefulRestart: GracefulRestart{Enabled: true, RestartTime: 120 * time.Second},
	}
}

// Validate checks the section. Whatever is written is checked, so a typo
// shows before the section is enabled; what a session cannot do without
// (local_asn, router_id, a peer) is required only when enabled. Errors
// name the key relative to the section.
func (c Config) Validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }

	if c.Enabled && c.LocalASN == 0 {
		bad("local_asn: required when enabled (the AS seawall speaks as; the routers' AS for iBGP)")
	}
	if c.LocalASN == asTrans {
		bad("local_asn: 23456 is AS_TRANS (RFC 6793), not a real AS")
	}
	switch {
	case !c.RouterID.IsValid():
		if c.Enabled {
			bad("router_id: required when enabled (an IPv4 address unique in the AS, e.g. one of this host's)")
		}
	case !c.RouterID.Is4() || c.RouterID.IsUnspecified():
		bad("router_id: %s is not a usable IPv4 address", c.RouterID)
	}
	if c.ListenPort < 0 || c.ListenPort > 65535 {
		bad("listen_port: %d is not a port (0 disables listening)", c.ListenPort)
	}
	for i, a := range c.ListenAddresses {
		if !a.IsValid() {
			bad("listen_addresses[%d]: empty address", i)
		}
	}
	switch nh := c.NextHopIPv4; {
	case !nh.IsValid():
		bad("next_hop_ipv4: required (default 192.0.2.1)")
	case !nh.Is4() || nh.IsUnspecified():
		bad("next_hop_ipv4: %s is not a usable IPv4 address (default 192.0.2.1)", nh)
	}
	switch nh := c.NextHopIPv6; {
	case !nh.IsValid():
		bad("next_hop_ipv6: required (default 100::1, in the RFC 6666 discard prefix)")
	case !nh.Is6() || nh.Is4In6() || nh.IsUnspecified() || nh.IsLinkLocalUnicast():
		bad("next_hop_ipv6: %s is not a usable global IPv6 address (default 100::1, in the RFC 6666 discard prefix)", nh)
	}
	if c.HoldTime < 3*time.Second || c.HoldTime > 65535*time.Second || c.HoldTime%time.Second != 0 {
		bad("hold_time: %v must be whole seconds from 3s to 65535s", c.HoldTime)
	}
	if c.ConnectRetry < time.Second || c.ConnectRetry%time.Second != 0 {
		bad("connect_retry: %v must be whole seconds, at least 1s", c.ConnectRetry)
	}
	if gr := c.GracefulRestart; gr.Enabled && (gr.RestartTime < time.Second || gr.RestartTime > maxRestartTime || gr.RestartTime%time.Second != 0) {
		bad("graceful_restart.restart_time: %v must be whole seconds from 1s to 4095s (a 12-bit field in the capability)", gr.RestartTime)
	}
	if c.Enabled && len(c.Peers) == 0 {
		bad("peers: at least one router is needed when enabled")
	}
	seen := map[netip.Addr]int{}
	for i, p := range c.Peers {
		for _, err := range p.validate(c.ListenPort) {
			bad("peers[%d]: %w", i, err)
		}
		if p.Address.IsValid() {
			if j, dup := seen[p.Address]; dup {
				bad("peers[%d].address: %s is also peers[%d]", i, p.Address, j)
			}
			seen[p.Address] = i
		}
	}
	return errors.Join(errs...)
}

const (
	asTrans        = 23456
	maxRestartTime = 4095 * time.Second
	// md5MaxKeyLen is TCP_MD5SIG_MAXKEYLEN in Linux.
	md5MaxKeyLen = 80
)

func (p Peer) validate(listenPort int) []error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	switch {
	case !p.Address.IsValid():
		bad("address: required (the router's session address)")
	case p.Address.IsUnspecified() || p.Address.IsMulticast() || p.Address.Is4In6():
		bad("address: %s is not a router's unicast address", p.Address)
	}
	if p.ASN == 0 || p.ASN == asTrans {
		bad("asn: %d is not a usable AS number", p.ASN)
	}
	if len(p.Password) > md5MaxKeyLen {
		bad("password: %d bytes; TCP MD5 keys are at most %d", len(p.Password), md5MaxKeyLen)
	}
	if p.MultihopTTL < 0 || p.MultihopTTL > 255 {
		bad("multihop_ttl: %d must be 0 (directly connected) to 255", p.MultihopTTL)
	}
	if p.LocalAddress.IsValid() && p.Address.IsValid() && p.LocalAddress.Is4() != p.Address.Is4() {
		bad("local_address: %s is not of the same family as address %s", p.LocalAddress, p.Address)
	}
	if p.Port < 0 || p.Port > 65535 {
		bad("port: %d is not a port (0 means 179)", p.Port)
	}
	if p.Passive && listenPort == 0 {
		bad("passive: the router must dial in, but listen_port is 0 (not listening)")
	}
	for i, f := range p.Families {
		if f != IPv4 && f != IPv6 {
			bad("families[%d]: %q is not ipv4 or ipv6", i, f)
		} else if slices.Index(p.Families, f) != i {
			bad("families[%d]: %s listed twice", i, f)
		}
	}
	return errs
}

// families returns the configured families, both when none are listed.
func (p Peer) families() []Family {
	if len(p.Families) == 0 {
		return []Family{IPv4, IPv6}
	}
	return p.Families
}

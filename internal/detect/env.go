package detect

import (
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/seawall/seawall/internal/alert"
	"github.com/seawall/seawall/internal/enrich"
	"github.com/seawall/seawall/internal/geo"
	"github.com/seawall/seawall/internal/inventory"
	"github.com/seawall/seawall/internal/severity"
)

// env is what every detector shares: the configuration, the inventory
// facts the tags do not carry, and the engine's clock.
type env struct {
	cfg   Config
	inv   *inventory.Config
	lists []string
	// clock is the latest time seen, from flows and Tick (Unix ns).
	clock int64
	// Whether the inventory lists are filled in: a rule whose list is
	// empty falls back to flagging external peers only.
	haveAAA, haveNMS, haveTunnel, haveBGP, haveMgmt bool
	// ports[i] are device i's approved listening ports, sorted; nil when
	// the inventory does not give them.
	ports [][]uint16
}

func newEnv(cfg Config, inv *inventory.Config, lists []string) *env {
	if inv == nil {
		inv = &inventory.Config{}
	}
	e := &env{
		cfg: cfg, inv: inv, lists: lists,
		haveAAA: len(inv.AAAServers) > 0, haveNMS: len(inv.NMS) > 0,
		haveTunnel: len(inv.TunnelPeers) > 0, haveBGP: len(inv.BGPPeers) > 0,
		haveMgmt: len(inv.ManagementNetworks) > 0 || len(inv.JumpHosts) > 0,
	}
	e.ports = make([][]uint16, len(inv.Devices))
	for i, d := range inv.Devices {
		if len(d.ListeningPorts) > 0 {
			e.ports[i] = slices.Sorted(slices.Values(d.ListeningPorts))
		}
	}
	return e
}

// when is a flow's time: its end, else its start, else the clock (sFlow
// records that ingest did not stamp).
func (e *env) when(f *enrich.Flow) int64 {
	switch {
	case f.End != 0:
		return f.End
	case f.Start != 0:
		return f.Start
	}
	return e.clock
}

// scaled returns the flow's bytes multiplied by its sampling rate.
func scaled(f *enrich.Flow) uint64 {
	if f.SamplingRate > 1 {
		return f.Bytes * uint64(f.SamplingRate)
	}
	return f.Bytes
}

// end is one side of a flow.
type end struct {
	addr netip.Addr
	port uint16
	tags *enrich.Tags
	asn  uint32
}

func srcEnd(f *enrich.Flow) end { return end{f.SrcAddr, f.SrcPort, &f.Src, f.SrcASN} }
func dstEnd(f *enrich.Flow) end { return end{f.DstAddr, f.DstPort, &f.Dst, f.DstASN} }

const (
	deviceRoles = enrich.RoleDevice | enrich.RoleLoopback
	// mgmtRoles may manage devices.
	mgmtRoles = enrich.RoleManagement | enrich.RoleJumpHost | enrich.RoleNMS
)

// special reports an address that never has a country and is never "the
// internet": private, loopback, link-local, multicast, broadcast,
// unspecified or shared (CGNAT) space, or whatever enrichment marked
// special (documentation and other special-purpose ranges).
func (x end) special() bool {
	if x.tags.Special {
		return true
	}
	return geo.Internal(x.addr)
}

func (x end) has(r enrich.Role) bool { return x.tags.Roles&r != 0 }
func (x end) device() bool           { return x.has(deviceRoles) }

// external is an internet address that is not in the inventory.
func (x end) external() bool { return x.tags.Roles == 0 && !x.special() }

// blocked is a block-policy address; special addresses never are.
func (x end) blocked() bool { return x.tags.Blocked && !x.special() }

// bad is a blocked or threat-listed address.
func (x end) bad() bool { return x.blocked() || x.tags.Threat != 0 }

// country is the address's country code, "" for special addresses.
func (x end) country() string {
	if x.special() {
		return ""
	}
	return x.tags.CountryCode()
}

// grade is a peer-dependent severity: critical for a blocked or
// threat-listed peer, ext for another external peer, base otherwise.
func grade(base, ext severity.Level, peer end) severity.Level {
	switch {
	case peer.bad():
		return severity.Critical
	case peer.external():
		return ext
	}
	return base
}

// approved reports whether peer is approved by role r, whose inventory
// list is filled in when have is set; with an empty list only external
// peers are unapproved.
func approved(peer end, r enrich.Role, have bool) bool {
	if peer.has(r) {
		return true
	}
	return !have && !peer.external()
}

// portSet is a set of ports, one bit each.
type portSet [1024]uint64

func ports(ps ...uint16) *portSet {
	s := new(portSet)
	for _, p := range ps {
		s.add(p)
	}
	return s
}

func (s *portSet) add(p uint16)      { s[p>>6] |= 1 << (p & 63) }
func (s *portSet) has(p uint16) bool { return s[p>>6]&(1<<(p&63)) != 0 }

// serve orients a TCP or UDP flow towards a service on a port in ps: srv
// is the end whose port is in ps, cli the other. The destination is tried
// first, then the source (a server's reply). An end is not the server when
// the other end's port is well known (below 1024) and its own is not: that
// flow is a reply to the other end's service.
func serve(f *enrich.Flow, ps *portSet) (cli, srv end, ok bool) {
	if ps.has(f.DstPort) && (f.SrcPort >= 1024 || f.DstPort < 1024) {
		return srcEnd(f), dstEnd(f), true
	}
	if ps.has(f.SrcPort) && (f.DstPort >= 1024 || f.SrcPort < 1024) {
		return dstEnd(f), srcEnd(f), true
	}
	return end{}, end{}, false
}

// deviceName is the inventory name of x's device, "" when it is not one.
func (e *env) deviceName(x end) string {
	if i := int(x.tags.Device) - 1; i >= 0 && i < len(e.inv.Devices) {
		return e.inv.Devices[i].Name
	}
	return ""
}

// name describes an address for a message: "pe1 (10.0.0.1)" for a
// device, "203.0.113.9 (AS4134, CN, blocked)" for others.
func (e *env) name(x end) string {
	if n := e.deviceName(x); n != "" {
		return n + " (" + x.addr.String() + ")"
	}
	var facts []string
	if x.asn != 0 {
		facts = append(facts, "AS"+strconv.FormatUint(uint64(x.asn), 10))
	}
	if c := x.country(); c != "" {
		facts = append(facts, c)
	}
	if x.blocked() {
		facts = append(facts, "blocked")
	}
	if l := e.listNames(x.tags.Threat); l != "" {
		facts = append(facts, "on "+l)
	}
	if len(facts) == 0 {
		return x.addr.String()
	}
	return x.addr.String() + " (" + strings.Join(facts, ", ") + ")"
}

// listNames names the threat lists in mask, comma-separated.
func (e *env) listNames(mask uint64) string {
	var names []string
	for i := 0; mask != 0; i, mask = i+1, mask>>1 {
		if mask&1 == 0 {
			continue
		}
		if i < len(e.lists) {
			names = append(names, e.lists[i])
		} else {
			names = append(names, "list#"+strconv.Itoa(i))
		}
	}
	return strings.Join(names, ",")
}

// newAlert builds a one-flow alert. cli and srv become Src and Dst (the
// principal endpoints); peer, when valid, adds the peer_* tags.
func (e *env) newAlert(r *Rule, f *enrich.Flow, sev severity.Level, key string, cli, srv end, msg string, args ...any) alert.Alert {
	t := e.when(f)
	a := alert.Alert{
		Rule: r.ID, Title: r.Title, Severity: sev, Technique: r.Technique,
		First: t, Last: t, Count: 1, Key: key, Message: fmt.Sprintf(msg, args...),
		Exporter: f.Exporter, Src: cli.addr, Dst: srv.addr, SrcPort: cli.port, DstPort: srv.port, Proto: f.Proto,
		Evidence: []alert.Evidence{evidence(f, t)},
	}
	return a
}

// tag adds facts about x to a's tags under prefix (e.g. "peer_").
func (e *env) tag(a *alert.Alert, prefix string, x end) {
	set := func(k, v string) {
		if v == "" {
			return
		}
		if a.Tags == nil {
			a.Tags = map[string]string{}
		}
		a.Tags[prefix+k] = v
	}
	set("device", e.deviceName(x))
	set("country", x.country())
	if x.asn != 0 {
		set("asn", strconv.FormatUint(uint64(x.asn), 10))
	}
	if x.blocked() {
		set("blocked", "true")
	}
	set("lists", e.listNames(x.tags.Threat))
}

// evidence summarises f. Its counters are as exported, not scaled by the
// sampling rate; messages about volume give scaled figures.
func evidence(f *enrich.Flow, t int64) alert.Evidence {
	return alert.Evidence{
		Time: t, Exporter: f.Exporter, Src: f.SrcAddr, Dst: f.DstAddr,
		SrcPort: f.SrcPort, DstPort: f.DstPort, Proto: f.Proto, Bytes: f.Bytes, Packets: f.Packets,
	}
}

// pair is the usual alert key: "a>b".
func pair(a, b netip.Addr) string { return a.String() + ">" + b.String() }

// Protocol numbers.
const (
	protoTCP = 6
	protoUDP = 17
	protoGRE = 47
	protoESP = 50
)

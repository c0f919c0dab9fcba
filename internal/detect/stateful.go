package detect

import (
	"fmt"
	"math"
	"net/netip"
	"slices"
	"strconv"
	"time"

	"github.com/seawall/seawall/internal/alert"
	"github.com/seawall/seawall/internal/enrich"
	"github.com/seawall/seawall/internal/severity"
)

// tracker is a detector with bounded per-key state, for Stats.
type tracker interface {
	tracked() (keys int, evicted uint64)
}

// hop is DET-FLOW-012: device-to-device SSH/Telnet whose client is not a
// jump host; it remembers the client addresses it has seen so the first
// time is graded higher.
type hop struct {
	r    *Rule
	e    *env
	tcp  *portSet
	seen *lru[netip.Addr, struct{}]
}

func newHop(e *env) *hop {
	return &hop{r: rule("DET-FLOW-012"), e: e, tcp: ports(22, 23), seen: newLRU[netip.Addr, struct{}](e.cfg.NewSources)}
}

func (d *hop) ID() string                    { return d.r.ID }
func (d *hop) Tick(int64, func(alert.Alert)) {}
func (d *hop) tracked() (int, uint64)        { return d.seen.len(), d.seen.evicted }

func (d *hop) Observe(f *enrich.Flow, emit func(alert.Alert)) {
	if f.Proto != protoTCP || f.Src.Roles&deviceRoles == 0 || f.Dst.Roles&deviceRoles == 0 {
		return
	}
	cli, srv, ok := serve(f, d.tcp)
	if !ok || !cli.device() || !srv.device() || cli.has(enrich.RoleJumpHost) {
		return
	}
	sev, first := severity.Medium, ""
	if d.seen.get(cli.addr) == nil {
		d.seen.add(cli.addr)
		sev, first = severity.High, " (first time from this address)"
	}
	what := "SSH"
	if srv.port == 23 {
		what = "Telnet"
	}
	emit(d.e.newAlert(d.r, f, sev, pair(cli.addr, srv.addr), cli, srv,
		"%s from %s to %s: device-to-device, not from a jump host%s", what, d.e.name(cli), d.e.name(srv), first))
}

// mirror is DET-FLOW-005.
type mirror struct {
	r     *Rule
	e     *env
	pairs *lru[[2]netip.Addr, mirrorPair]
	days  []daily // per inventory device
}

type mirrorPair struct {
	start, first, last int64
	bytes              uint64
	alerted            bool
}

// notMirror are destinations whose GRE/UDP from devices is expected.
const notMirror = deviceRoles | enrich.RoleFlowCollector | enrich.RoleSyslog | enrich.RoleNMS |
	enrich.RoleAAA | enrich.RoleNTP | enrich.RoleTunnelPeer

func newMirror(e *env) *mirror {
	return &mirror{r: rule("DET-FLOW-005"), e: e, pairs: newLRU[[2]netip.Addr, mirrorPair](e.cfg.Mirror.MaxPairs),
		days: make([]daily, len(e.inv.Devices))}
}

func (d *mirror) ID() string                    { return d.r.ID }
func (d *mirror) Tick(int64, func(alert.Alert)) {}
func (d *mirror) tracked() (int, uint64)        { return d.pairs.len(), d.pairs.evicted }

func (d *mirror) Observe(f *enrich.Flow, emit func(alert.Alert)) {
	if f.Proto != protoGRE && f.Proto != protoUDP || f.Src.Roles&deviceRoles == 0 {
		return
	}
	dev, dst := srcEnd(f), dstEnd(f)
	if !dev.device() || dst.has(notMirror) {
		return
	}
	c, t, b := &d.e.cfg.Mirror, d.e.when(f), scaled(f)
	start := f.Start
	if start == 0 || start > t {
		start = t
	}
	k := [2]netip.Addr{dev.addr, dst.addr}
	p := d.pairs.get(k)
	if p == nil {
		p = d.pairs.add(k)
		*p = mirrorPair{start: t, first: start, last: t}
	} else if t-p.start >= int64(c.Window) {
		*p = mirrorPair{start: t, first: start, last: t}
	}
	p.bytes += b
	p.first, p.last = min(p.first, start), max(p.last, t)
	if !p.alerted && p.bytes >= c.MinBytes && p.last-p.first >= int64(c.MinDuration) {
		p.alerted = true
		what := "GRE"
		if f.Proto == protoUDP {
			what = "UDP"
		}
		a := d.e.newAlert(d.r, f, grade(severity.High, severity.High, dst), "pair|"+pair(dev.addr, dst.addr), dev, dst,
			"%s from %s to %s, not a collector: %s over %v", what, d.e.name(dev), d.e.name(dst),
			bytesText(p.bytes), time.Duration(p.last-p.first).Round(time.Second))
		d.e.tag(&a, "peer_", dst)
		emit(a)
	}
	i := int(dev.tags.Device) - 1
	if i < 0 || i >= len(d.days) {
		return
	}
	day := &d.days[i]
	day.add(t, b, c.Baseline.LearnDays)
	if over, limit := day.over(c.Baseline); over && !day.alerted {
		day.alerted = true
		a := d.e.newAlert(d.r, f, severity.Medium, "baseline|"+dev.addr.String(), dev, dst,
			"GRE/UDP from %s to non-collectors today: %s, above its baseline of %s", d.e.name(dev), bytesText(day.cur), bytesText(uint64(limit)))
		emit(a)
	}
}

// exfil is DET-FLOW-015.
type exfil struct {
	r     *Rule
	e     *env
	hosts *lru[netip.Addr, exfilHost]
	asns  *lru[exfilASN, struct{}]
}

type exfilHost struct {
	since int64
	d     daily
}

type exfilASN struct {
	host netip.Addr
	asn  uint32
}

func newExfil(e *env) *exfil {
	return &exfil{r: rule("DET-FLOW-015"), e: e, hosts: newLRU[netip.Addr, exfilHost](e.cfg.Exfil.MaxHosts),
		asns: newLRU[exfilASN, struct{}](e.cfg.Exfil.MaxDestASNs)}
}

func (d *exfil) ID() string                    { return d.r.ID }
func (d *exfil) Tick(int64, func(alert.Alert)) {}
func (d *exfil) tracked() (int, uint64) {
	return d.hosts.len() + d.asns.len(), d.hosts.evicted + d.asns.evicted
}

func (d *exfil) Observe(f *enrich.Flow, emit func(alert.Alert)) {
	if f.Src.Roles&enrich.RoleSensitive == 0 {
		return
	}
	src, dst := srcEnd(f), dstEnd(f)
	if !dst.external() {
		return
	}
	c, t := &d.e.cfg.Exfil, d.e.when(f)
	h := d.hosts.get(src.addr)
	if h == nil {
		h = d.hosts.add(src.addr)
		h.since = t
		h.d.reset()
	}
	h.d.add(t, scaled(f), c.Baseline.LearnDays)
	if over, limit := h.d.over(c.Baseline); over && !h.d.alerted {
		h.d.alerted = true
		a := d.e.newAlert(d.r, f, severity.High, "volume|"+src.addr.String(), src, dst,
			"sensitive host %s sent %s to external destinations today, above its baseline of %s",
			src.addr, bytesText(h.d.cur), bytesText(uint64(limit)))
		d.e.tag(&a, "peer_", dst)
		emit(a)
	}
	learned := t-h.since >= int64(c.Baseline.LearnDays)*dayNS
	asn := dst.asn
	if asn == 0 {
		asn = dst.tags.ASN
	}
	if asn == 0 || slices.Contains(c.IgnoreASNs, asn) {
		return
	}
	k := exfilASN{src.addr, asn}
	if d.asns.get(k) != nil {
		return
	}
	d.asns.add(k)
	if learned {
		a := d.e.newAlert(d.r, f, severity.Medium, "asn|"+src.addr.String()+"|"+strconv.FormatUint(uint64(asn), 10), src, dst,
			"sensitive host %s sent to AS%d for the first time (%s)", src.addr, asn, d.e.name(dst))
		d.e.tag(&a, "peer_", dst)
		emit(a)
	}
}

// scan is DET-FLOW-017: distinct counts per source (fan-out) and per
// device address (fan-in) over tumbling windows.
type scan struct {
	r        *Rule
	e        *env
	tcp, udp *portSet
	out, in  *lru[netip.Addr, fan]
}

// fan counts distinct peers, up to the threshold, by 64-bit address hash.
type fan struct {
	start   int64
	seen    []uint64
	alerted bool
}

func newScan(e *env) *scan {
	return &scan{r: rule("DET-FLOW-017"), e: e, tcp: ports(22, 23, 443, 4786, 57722), udp: ports(161),
		out: newLRU[netip.Addr, fan](e.cfg.Scan.MaxSources), in: newLRU[netip.Addr, fan](e.cfg.Scan.MaxTargets)}
}

func (d *scan) ID() string                    { return d.r.ID }
func (d *scan) Tick(int64, func(alert.Alert)) {}
func (d *scan) tracked() (int, uint64) {
	return d.out.len() + d.in.len(), d.out.evicted + d.in.evicted
}

func (d *scan) Observe(f *enrich.Flow, emit func(alert.Alert)) {
	if (f.Src.Roles|f.Dst.Roles)&deviceRoles == 0 {
		return
	}
	var cli, srv end
	var ok bool
	switch f.Proto {
	case protoTCP:
		cli, srv, ok = serve(f, d.tcp)
	case protoUDP:
		cli, srv, ok = serve(f, d.udp)
	}
	if !ok || !srv.device() || cli.has(mgmtRoles) {
		return
	}
	c, t := &d.e.cfg.Scan, d.e.when(f)
	sev := severity.Medium
	if cli.external() || cli.bad() {
		sev = severity.High
	}
	if n, hit := d.count(d.out, cli.addr, srv.addr, t, c.FanOut); hit {
		a := d.e.newAlert(d.r, f, sev, "out|"+cli.addr.String(), cli, srv,
			"%s reached %d device addresses on management ports within %v", d.e.name(cli), n, c.Window)
		d.e.tag(&a, "peer_", cli)
		emit(a)
	}
	if n, hit := d.count(d.in, srv.addr, cli.addr, t, c.FanIn); hit {
		a := d.e.newAlert(d.r, f, severity.Medium, "in|"+srv.addr.String(), cli, srv,
			"%d sources reached %s on management ports within %v", n, d.e.name(srv), c.Window)
		emit(a)
	}
}

// count adds peer to key's distinct set and reports when it reaches
// limit (once per window).
func (d *scan) count(l *lru[netip.Addr, fan], key, peer netip.Addr, t int64, limit int) (int, bool) {
	s := l.get(key)
	if s == nil {
		s = l.add(key)
		*s = fan{start: t, seen: s.seen[:0]}
	} else if t-s.start >= int64(d.e.cfg.Scan.Window) {
		*s = fan{start: t, seen: s.seen[:0]}
	}
	if s.alerted {
		return 0, false
	}
	h := addrHash(peer)
	if slices.Contains(s.seen, h) {
		return 0, false
	}
	if s.seen == nil {
		s.seen = make([]uint64, 0, min(limit, 8))
	}
	s.seen = append(s.seen, h)
	if len(s.seen) < limit {
		return 0, false
	}
	s.alerted = true
	return len(s.seen), true
}

// addrHash mixes an address into 64 bits (deterministically, so tests
// are); collisions can only undercount.
func addrHash(a netip.Addr) uint64 {
	b := a.Unmap().As16()
	var h uint64 = 0x9e3779b97f4a7c15
	for i := 0; i < 16; i += 8 {
		v := uint64(b[i]) | uint64(b[i+1])<<8 | uint64(b[i+2])<<16 | uint64(b[i+3])<<24 |
			uint64(b[i+4])<<32 | uint64(b[i+5])<<40 | uint64(b[i+6])<<48 | uint64(b[i+7])<<56
		h ^= v
		h ^= h >> 33
		h *= 0xff51afd7ed558ccd
		h ^= h >> 33
		h *= 0xc4ceb9fe1a85ec53
		h ^= h >> 33
	}
	return h
}

// silence is DET-FLOW-019: exporters and syslog senders that stop.
type silence struct {
	r    *Rule
	e    *env
	srcs *lru[silenceKey, silenceState]
}

type silenceKey struct {
	syslog bool
	addr   netip.Addr
}

type silenceState struct {
	last, interval int64 // last arrival (engine clock) and usual gap (EWMA)
	n              int
	silent         bool
}

// minGap is the smallest gap that teaches the interval: records from one
// datagram or burst arrive together and say nothing about the cadence.
const minGap = int64(time.Second)

func newSilence(e *env) *silence {
	return &silence{r: rule("DET-FLOW-019"), e: e, srcs: newLRU[silenceKey, silenceState](e.cfg.Silence.MaxExporters)}
}

func (d *silence) ID() string             { return d.r.ID }
func (d *silence) tracked() (int, uint64) { return d.srcs.len(), d.srcs.evicted }

// Observe notes arrivals at the engine clock rather than the flow's own
// time, so an exporter whose clock is off is not silent for it.
func (d *silence) Observe(f *enrich.Flow, _ func(alert.Alert)) {
	if f.Exporter.IsValid() {
		d.seen(silenceKey{false, f.Exporter})
	}
	if src := srcEnd(f); src.device() && (f.Proto == protoUDP && f.DstPort == 514 || f.Proto == protoTCP && f.DstPort == 6514) {
		d.seen(silenceKey{true, f.SrcAddr})
	}
}

func (d *silence) seen(k silenceKey) {
	now := d.e.clock
	s := d.srcs.get(k)
	if s == nil {
		s = d.srcs.add(k)
		*s = silenceState{last: now, n: 1}
		return
	}
	if gap := now - s.last; gap >= minGap {
		if s.interval == 0 {
			s.interval = gap
		} else {
			s.interval += (gap - s.interval) / 8
		}
	}
	s.last = max(s.last, now)
	s.n++
	s.silent = false
}

// Tick reports each source silent for longer than its limit, once per
// silence.
func (d *silence) Tick(now int64, emit func(alert.Alert)) {
	c := &d.e.cfg.Silence
	d.srcs.each(func(k silenceKey, s *silenceState) {
		limit := max(int64(math.Min(c.Factor*float64(s.interval), math.MaxInt64/2)), int64(c.MinSilence))
		if s.silent || s.n < c.MinObservations || now-s.last <= limit {
			return
		}
		s.silent = true
		what, key := "exporter", "exporter|"+k.addr.String()
		if k.syslog {
			what, key = "syslog sender", "syslog|"+k.addr.String()
		}
		name := k.addr.String()
		if i := d.deviceOf(k.addr); i >= 0 {
			name = d.e.inv.Devices[i].Name + " (" + name + ")"
		}
		emit(alert.Alert{
			Rule: d.r.ID, Title: d.r.Title, Severity: severity.Medium, Technique: d.r.Technique,
			First: s.last, Last: now, Count: 1, Key: key, Exporter: k.addr, Src: k.addr,
			Message: fmt.Sprintf("%s %s has been silent for %v (usual interval %v, limit %v)", what, name,
				time.Duration(now-s.last).Round(time.Second), time.Duration(s.interval).Round(time.Millisecond),
				time.Duration(limit).Round(time.Second)),
		})
	})
}

// deviceOf finds the inventory device with address a, -1 for none.
func (d *silence) deviceOf(a netip.Addr) int {
	a = a.Unmap()
	for i, dev := range d.e.inv.Devices {
		if slices.Contains(dev.Addresses, a) || slices.Contains(dev.Loopbacks, a) {
			return i
		}
	}
	return -1
}

// bytesText writes a byte count for people: "1.5 GiB".
func bytesText(b uint64) string {
	const unit = 1024
	if b < unit {
		return strconv.FormatUint(b, 10) + " B"
	}
	div, exp := uint64(unit), 0
	for n := b / unit; n >= unit && exp < 4; n /= unit {
		div *= unit
		exp++
	}
	return strconv.FormatFloat(float64(b)/float64(div), 'f', 1, 64) + " " + string("KMGTP"[exp]) + "iB"
}

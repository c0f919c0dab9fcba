package detect

import (
	"net/netip"
	"regexp"
	"slices"
	"strconv"

	"github.com/seawall/seawall/internal/alert"
	"github.com/seawall/seawall/internal/enrich"
	"github.com/seawall/seawall/internal/severity"
)

// stateless is a rule decided by one flow and its tags alone.
type stateless struct {
	r     *Rule
	e     *env
	check func(d *stateless, f *enrich.Flow, emit func(alert.Alert))
	// Rule-specific port sets.
	tcp, udp *portSet
	// anyDevice: the rule needs a device at one end.
	anyDevice bool
}

func (d *stateless) ID() string { return d.r.ID }

// Observe skips, cheaply, the flows without a device at either end (most
// of them) for the rules that need one.
func (d *stateless) Observe(f *enrich.Flow, emit func(alert.Alert)) {
	if d.anyDevice && (f.Src.Roles|f.Dst.Roles)&deviceRoles == 0 {
		return
	}
	d.check(d, f, emit)
}
func (d *stateless) Tick(int64, func(alert.Alert)) {}

// newStateless returns the rules that need no memory.
func newStateless(e *env) []Detector {
	ssh := regexp.MustCompile(`^\d{3,5}22$`)
	oddSSH := new(portSet)
	for p := 22; p < 65536; p += 100 { // only ports ending in 22 can match
		if p != 22 && ssh.MatchString(strconv.Itoa(p)) {
			oddSSH.add(uint16(p))
		}
	}
	web := ports(80, 443, 8443)
	for p := uint16(18000); p <= 18999; p++ {
		web.add(p)
	}
	mk := func(id string, check func(*stateless, *enrich.Flow, func(alert.Alert)), tcp, udp *portSet) Detector {
		return &stateless{r: rule(id), e: e, check: check, tcp: tcp, udp: udp, anyDevice: id != "DET-FLOW-016"}
	}
	return []Detector{
		mk("DET-FLOW-001", aaa, ports(49), nil),
		mk("DET-FLOW-002", aaa, nil, ports(1812, 1813, 1645, 1646)),
		mk("DET-FLOW-003", tunnel, nil, nil),
		mk("DET-FLOW-004", tunnel, nil, ports(500, 4500)),
		mk("DET-FLOW-006", inbound, ports(57722), nil),
		mk("DET-FLOW-007", oddPort, oddSSH, nil),
		mk("DET-FLOW-008", webMgmt, web, nil),
		mk("DET-FLOW-009", smartInstall, ports(4786), nil),
		mk("DET-FLOW-010", fileTransfer, ports(20, 21), ports(69)),
		mk("DET-FLOW-011", snmp, nil, ports(161, 162)),
		mk("DET-FLOW-013", mgmt, ports(22, 23, 443, 830, 57400), ports(161)),
		mk("DET-FLOW-014", outbound, ports(22, 80, 443, 8080, 8443), nil),
		mk("DET-FLOW-016", blockedOrListed, nil, nil),
		mk("DET-FLOW-018", bgp, nil, nil),
	}
}

// session orients a flow of the rule's protocol and ports.
func (d *stateless) session(f *enrich.Flow) (cli, srv end, ok bool) {
	switch {
	case f.Proto == protoTCP && d.tcp != nil:
		return serve(f, d.tcp)
	case f.Proto == protoUDP && d.udp != nil:
		return serve(f, d.udp)
	}
	return end{}, end{}, false
}

// aaa is DET-FLOW-001 and 002: a device authenticating against an
// unapproved server.
func aaa(d *stateless, f *enrich.Flow, emit func(alert.Alert)) {
	cli, srv, ok := d.session(f)
	if !ok || !cli.device() || approved(srv, enrich.RoleAAA, d.e.haveAAA) || srv.device() {
		return
	}
	what := "TACACS+"
	if f.Proto == protoUDP {
		what = "RADIUS"
	}
	a := d.e.newAlert(d.r, f, grade(severity.High, severity.High, srv), pair(cli.addr, srv.addr), cli, srv,
		"%s from %s to %s, which is not an approved AAA server", what, d.e.name(cli), d.e.name(srv))
	d.e.tag(&a, "peer_", srv)
	emit(a)
}

// tunnel is DET-FLOW-003 (GRE) and 004 (ESP, IKE, NAT-T): a device at one
// end, an unapproved tunnel peer at the other.
func tunnel(d *stateless, f *enrich.Flow, emit func(alert.Alert)) {
	switch {
	case d.udp == nil && f.Proto == protoGRE:
	case d.udp != nil && f.Proto == protoESP:
	case d.udp != nil && f.Proto == protoUDP && (d.udp.has(f.SrcPort) || d.udp.has(f.DstPort)):
	default:
		return
	}
	dev, peer := srcEnd(f), dstEnd(f)
	if !dev.device() {
		dev, peer = peer, dev
	}
	if !dev.device() || approved(peer, enrich.RoleTunnelPeer, d.e.haveTunnel) {
		return
	}
	base := severity.Medium
	if peer.device() {
		base = severity.Low
	}
	what := "GRE"
	switch f.Proto {
	case protoESP:
		what = "ESP"
	case protoUDP:
		p := f.DstPort
		if !d.udp.has(p) {
			p = f.SrcPort
		}
		what = "IKE/IPsec (UDP/" + strconv.Itoa(int(p)) + ")"
	}
	a := d.e.newAlert(d.r, f, grade(base, severity.High, peer), pair(dev.addr, peer.addr), dev, peer,
		"%s between %s and %s, which is not an approved tunnel peer", what, d.e.name(dev), d.e.name(peer))
	d.e.tag(&a, "peer_", peer)
	emit(a)
}

// inbound is DET-FLOW-006: anyone reaching a device's port in the set.
func inbound(d *stateless, f *enrich.Flow, emit func(alert.Alert)) {
	cli, srv, ok := d.session(f)
	if !ok || !srv.device() {
		return
	}
	a := d.e.newAlert(d.r, f, grade(severity.High, severity.High, cli), pair(cli.addr, srv.addr), cli, srv,
		"TCP/%d to %s from %s", srv.port, d.e.name(srv), d.e.name(cli))
	d.e.tag(&a, "peer_", cli)
	emit(a)
}

// oddPort is DET-FLOW-007: SSH-style ports, or ports the inventory does
// not approve.
func oddPort(d *stateless, f *enrich.Flow, emit func(alert.Alert)) {
	if cli, srv, ok := d.session(f); ok && srv.device() {
		a := d.e.newAlert(d.r, f, grade(severity.High, severity.High, cli), pair(cli.addr, srv.addr)+":"+strconv.Itoa(int(srv.port)), cli, srv,
			"TCP/%d (a non-standard SSH port) to %s from %s", srv.port, d.e.name(srv), d.e.name(cli))
		d.e.tag(&a, "peer_", cli)
		emit(a)
		return
	}
	// Not-approved ports: only the plainly inbound direction, since a
	// device's own sessions get replies on its ephemeral ports.
	if f.Proto != protoTCP || f.SrcPort < 1024 || f.DstPort >= 32768 {
		return
	}
	srv, cli := dstEnd(f), srcEnd(f)
	i := int(srv.tags.Device) - 1
	if !srv.device() || i < 0 || i >= len(d.e.ports) || d.e.ports[i] == nil {
		return
	}
	if _, found := slices.BinarySearch(d.e.ports[i], srv.port); found {
		return
	}
	a := d.e.newAlert(d.r, f, grade(severity.Medium, severity.Medium, cli), pair(cli.addr, srv.addr)+":"+strconv.Itoa(int(srv.port)), cli, srv,
		"TCP/%d to %s from %s: not among the device's approved listening ports", srv.port, d.e.name(srv), d.e.name(cli))
	d.e.tag(&a, "peer_", cli)
	emit(a)
}

// webMgmt is DET-FLOW-008.
func webMgmt(d *stateless, f *enrich.Flow, emit func(alert.Alert)) {
	cli, srv, ok := d.session(f)
	if !ok || !srv.device() || approved(cli, mgmtRoles, d.e.haveMgmt) {
		return
	}
	a := d.e.newAlert(d.r, f, grade(severity.Medium, severity.High, cli), pair(cli.addr, srv.addr), cli, srv,
		"web management port TCP/%d of %s reached from %s, outside the management networks", srv.port, d.e.name(srv), d.e.name(cli))
	d.e.tag(&a, "peer_", cli)
	emit(a)
}

// smartInstall is DET-FLOW-009.
func smartInstall(d *stateless, f *enrich.Flow, emit func(alert.Alert)) {
	cli, srv, ok := d.session(f)
	if !ok || !srv.device() || slices.Contains(d.e.cfg.SmartInstallDirectors, cli.addr.Unmap()) {
		return
	}
	a := d.e.newAlert(d.r, f, grade(severity.High, severity.Critical, cli), pair(cli.addr, srv.addr), cli, srv,
		"Smart Install (TCP/4786) to %s from %s, which is not a known director", d.e.name(srv), d.e.name(cli))
	d.e.tag(&a, "peer_", cli)
	emit(a)
}

// fileTransfer is DET-FLOW-010.
func fileTransfer(d *stateless, f *enrich.Flow, emit func(alert.Alert)) {
	cli, srv, ok := d.session(f)
	if !ok || !cli.device() || srv.device() {
		return
	}
	fs := d.e.cfg.FileServers
	if slices.ContainsFunc(fs, func(p netip.Prefix) bool { return p.Contains(srv.addr.Unmap()) }) ||
		len(fs) == 0 && srv.has(enrich.RoleManagement|enrich.RoleNMS) {
		return
	}
	what := "FTP"
	if f.Proto == protoUDP {
		what = "TFTP"
	}
	a := d.e.newAlert(d.r, f, grade(severity.Medium, severity.High, srv), pair(cli.addr, srv.addr), cli, srv,
		"%s from %s to %s, which is not an approved file server", what, d.e.name(cli), d.e.name(srv))
	d.e.tag(&a, "peer_", srv)
	emit(a)
}

// snmp is DET-FLOW-011.
func snmp(d *stateless, f *enrich.Flow, emit func(alert.Alert)) {
	cli, srv, ok := d.session(f)
	if !ok {
		return
	}
	nms := func(x end) bool {
		return x.has(enrich.RoleNMS) || !d.e.haveNMS && (x.has(enrich.RoleManagement) || !d.e.haveMgmt && !x.external())
	}
	var a alert.Alert
	switch {
	case srv.port == 161 && srv.device() && !cli.device() && !nms(cli):
		a = d.e.newAlert(d.r, f, grade(severity.Medium, severity.High, cli), "161|"+pair(cli.addr, srv.addr), cli, srv,
			"SNMP (UDP/161) to %s from %s, which is not an approved NMS", d.e.name(srv), d.e.name(cli))
		d.e.tag(&a, "peer_", cli)
	case srv.port == 162 && cli.device() && !srv.device() && !nms(srv):
		a = d.e.newAlert(d.r, f, grade(severity.Medium, severity.High, srv), "162|"+pair(cli.addr, srv.addr), cli, srv,
			"SNMP traps (UDP/162) from %s to %s, which is not an approved trap receiver", d.e.name(cli), d.e.name(srv))
		d.e.tag(&a, "peer_", srv)
	default:
		return
	}
	emit(a)
}

// mgmt is DET-FLOW-013.
func mgmt(d *stateless, f *enrich.Flow, emit func(alert.Alert)) {
	cli, srv, ok := d.session(f)
	if !ok || !srv.device() || cli.device() || approved(cli, mgmtRoles, d.e.haveMgmt) {
		return
	}
	proto := "TCP"
	if f.Proto == protoUDP {
		proto = "UDP"
	}
	a := d.e.newAlert(d.r, f, grade(severity.Medium, severity.High, cli), pair(cli.addr, srv.addr)+":"+strconv.Itoa(int(srv.port)), cli, srv,
		"management protocol %s/%d to %s from %s, outside the management networks", proto, srv.port, d.e.name(srv), d.e.name(cli))
	d.e.tag(&a, "peer_", cli)
	emit(a)
}

// outbound is DET-FLOW-014.
func outbound(d *stateless, f *enrich.Flow, emit func(alert.Alert)) {
	cli, srv, ok := d.session(f)
	if !ok || !cli.device() || !srv.external() {
		return
	}
	a := d.e.newAlert(d.r, f, grade(severity.High, severity.High, srv), pair(cli.addr, srv.addr), cli, srv,
		"%s opened TCP/%d to %s on the internet", d.e.name(cli), srv.port, d.e.name(srv))
	d.e.tag(&a, "peer_", srv)
	emit(a)
}

// blockedOrListed is DET-FLOW-016. The key is the remote address and
// direction, so a blocked host talking to many local ones is one alert.
func blockedOrListed(d *stateless, f *enrich.Flow, emit func(alert.Alert)) {
	if f.Src.Threat|f.Dst.Threat == 0 && !f.Src.Blocked && !f.Dst.Blocked {
		return
	}
	src, dst := srcEnd(f), dstEnd(f)
	if !src.bad() && !dst.bad() {
		return
	}
	if src.blocked() || dst.blocked() {
		remote, local, dir, prep := src, dst, "inbound", "from"
		if !src.blocked() {
			remote, local, dir, prep = dst, src, "outbound", "to"
		}
		cc := remote.country()
		if cc == "" {
			cc = "a blocked address"
		}
		a := d.e.newAlert(d.r, f, severity.High, "blocked|"+dir+"|"+remote.addr.String(), src, dst,
			"%s traffic %s %s leaked past the block: %s %s %s", dir, prep, cc, d.e.name(local), arrow(remote == src), d.e.name(remote))
		d.e.tag(&a, "remote_", remote)
		if a.Tags == nil {
			a.Tags = map[string]string{}
		}
		a.Tags["direction"] = dir
		emit(a)
	}
	for _, x := range [2]end{src, dst} {
		if x.tags.Threat == 0 {
			continue
		}
		other, dir := dst, "from"
		if x == dst {
			other, dir = src, "to"
		}
		a := d.e.newAlert(d.r, f, severity.High, "threat|"+x.addr.String(), src, dst,
			"traffic %s %s, listed on %s (with %s)", dir, x.addr, d.e.listNames(x.tags.Threat), d.e.name(other))
		d.e.tag(&a, "remote_", x)
		emit(a)
	}
}

func arrow(remoteIsSrc bool) string {
	if remoteIsSrc {
		return "<-"
	}
	return "->"
}

// bgp is DET-FLOW-018.
func bgp(d *stateless, f *enrich.Flow, emit func(alert.Alert)) {
	if f.Proto != protoTCP || f.SrcPort != 179 && f.DstPort != 179 {
		return
	}
	dev, peer := srcEnd(f), dstEnd(f)
	if !dev.device() {
		dev, peer = peer, dev
	}
	if !dev.device() || peer.device() || peer.has(enrich.RoleBGPPeer) || !d.e.haveBGP && !peer.bad() {
		return
	}
	a := d.e.newAlert(d.r, f, grade(severity.Medium, severity.High, peer), pair(dev.addr, peer.addr), dev, peer,
		"BGP (TCP/179) between %s and %s, which is not in the BGP peer inventory", d.e.name(dev), d.e.name(peer))
	d.e.tag(&a, "peer_", peer)
	emit(a)
}

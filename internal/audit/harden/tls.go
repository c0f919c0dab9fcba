package harden

import (
	"regexp"
	"slices"
	"strings"

	"github.com/seawall/seawall/internal/audit/device"
	"github.com/seawall/seawall/internal/audit/rule"
)

func hard041() rule.Rule {
	return rule.Rule{
		ID: "HARD-041", Title: "TLS services use TLS 1.2 or later with CA-issued certificates", Kind: rule.Hardening, Severity: rule.Medium,
		Platforms: rule.Platforms(device.IOS, device.NXOS, device.Junos, device.EOS),
		Doc: "A self-signed certificate teaches administrators to click through warnings, so a man in the middle " +
			"on the management path goes unnoticed; TLS 1.0 and 1.1 have known weaknesses. IOS, with " +
			"`ip http secure-server`: a `TP-self-signed-*` trustpoint in use (explicitly or because no " +
			"`ip http secure-trustpoint` is set), and `ip http tls-version` TLSv1.0/TLSv1.1 (no such line is reported " +
			"as unverified: older releases accept TLS 1.0). NX-OS with `feature nxapi`: no `nxapi certificate` (the " +
			"built-in self-signed certificate) and `nxapi ssl protocols` naming TLSv1 or TLSv1.1. Junos: " +
			"`web-management https system-generated-certificate`. EOS: an SSL profile whose `tls versions` include " +
			"1.0 or 1.1, and an enabled eAPI (`management api http-commands`) without `protocol https ssl profile`, " +
			"which serves EOS's self-signed certificate. Who issued a configured certificate, and its expiry, need " +
			"`show crypto pki certificates` or the file and are not checked.",
		Remediation: map[device.Vendor]string{
			device.IOS:   "crypto pki trustpoint <CA-TP>\n enrollment url <ca-url>\nip http secure-trustpoint <CA-TP>\nip http tls-version TLSv1.2",
			device.NXOS:  "nxapi certificate httpscrt certfile bootflash:<cert.pem>\nnxapi certificate httpskey keyfile bootflash:<key.pem>\nnxapi certificate enable\nnxapi ssl protocols TLSv1.2 TLSv1.3",
			device.Junos: "set security pki local-certificate <ca-cert> ...\ndelete system services web-management https system-generated-certificate\nset system services web-management https local-certificate <ca-cert>",
			device.EOS:   "management security\n   ssl profile <p>\n      tls versions 1.2 1.3\n      certificate <crt> key <key>\nmanagement api http-commands\n   protocol https ssl profile <p>",
		},
		References: []string{rule.RefEVH, rule.URLEVH},
		ATTACK:     []string{"T1557", "T1040"},
		Check: func(d *rule.Device) []rule.Hit {
			switch d.Config.Vendor {
			case device.IOS:
				return iosTLS(d.Config)
			case device.NXOS:
				return nxosTLS(d.Config)
			case device.Junos:
				if n := d.Config.Path("system", "services", "web-management", "https", "system-generated-certificate"); n != nil {
					return []rule.Hit{hit("J-Web HTTPS uses the system-generated (self-signed) certificate", n)}
				}
			case device.EOS:
				return eosTLS(d.Config)
			}
			return nil
		},
	}
}

// oldTLS matches TLS 1.0 and 1.1 as the dialects spell them.
var oldTLS = regexp.MustCompile(`(?i)^(tlsv1(\.0)?|tlsv1\.1|1\.0|1\.1)$`)

func oldVersions(ws []string) []string {
	var out []string
	for _, w := range ws {
		if oldTLS.MatchString(w) {
			out = append(out, w)
		}
	}
	return out
}

func iosTLS(c *device.Config) []rule.Hit {
	var secure, tp, ver *device.Node
	var selfTP []*device.Node
	for _, n := range c.Top() {
		switch {
		case n.Hit("ip", "http", "secure-server"):
			secure = n
		case n.Hit("no", "ip", "http", "secure-server"):
			secure = nil
		case n.Hit("ip", "http", "secure-trustpoint"):
			tp = n
		case n.Hit("ip", "http", "tls-version"):
			ver = n
		case n.Hit("crypto", "pki", "trustpoint", "TP-self-signed-*"):
			selfTP = append(selfTP, n)
		}
	}
	if secure == nil {
		return nil
	}
	var hits []rule.Hit
	switch {
	case tp != nil && strings.HasPrefix(strings.ToLower(tp.Word(3)), "tp-self-signed-"):
		hits = append(hits, hit("HTTPS uses the self-signed trustpoint "+tp.Word(3), tp))
	case tp == nil && len(selfTP) > 0:
		hits = append(hits, hit("HTTPS has no `ip http secure-trustpoint`, so it serves the self-signed "+selfTP[0].Word(3)+" certificate", secure, selfTP[0]))
	case tp == nil:
		h := hit("HTTPS has no `ip http secure-trustpoint`: IOS generates and serves a self-signed certificate", secure)
		h.Confidence = "unverified"
		hits = append(hits, h)
	}
	switch {
	case ver == nil:
		h := hit("no `ip http tls-version TLSv1.2`: older releases accept TLS 1.0 and 1.1 on HTTPS", secure)
		h.Confidence = "unverified"
		hits = append(hits, h)
	case len(oldVersions(ver.Words[3:])) > 0:
		hits = append(hits, hit("HTTPS accepts "+strings.Join(oldVersions(ver.Words[3:]), ", "), ver))
	}
	return hits
}

func nxosTLS(c *device.Config) []rule.Hit {
	var feature, protos *device.Node
	cert := false
	for _, n := range c.Top() {
		switch {
		case n.Hit("feature", "nxapi"):
			feature = n
		case n.Hit("nxapi", "ssl", "protocols"):
			protos = n
		case n.Hit("nxapi", "certificate"):
			cert = true
		}
	}
	if feature == nil {
		return nil
	}
	var hits []rule.Hit
	if !cert {
		hits = append(hits, hit("NX-API is enabled without `nxapi certificate`: it serves the built-in self-signed certificate", feature))
	}
	if protos != nil {
		if old := oldVersions(protos.Words[3:]); len(old) > 0 {
			hits = append(hits, hit("NX-API accepts "+strings.Join(old, ", "), protos))
		}
	}
	return hits
}

func eosTLS(c *device.Config) []rule.Hit {
	var hits []rule.Hit
	for _, ms := range c.Find("management", "security") {
		for _, p := range ms.Find("ssl", "profile") {
			for _, v := range p.Find("tls", "versions") {
				if old := oldVersions(v.Words[2:]); len(old) > 0 {
					hits = append(hits, hit("SSL profile "+p.Word(2)+" accepts TLS "+strings.Join(old, ", "), v))
				}
			}
		}
	}
	for _, api := range c.Find("management", "api", "http-commands") {
		if api.First("no", "shutdown") == nil {
			continue
		}
		if !slices.ContainsFunc(api.Find("protocol", "https"), func(n *device.Node) bool { return n.Has("profile") }) {
			hits = append(hits, hit("eAPI is enabled without `protocol https ssl profile`: it serves EOS's self-signed certificate", api))
		}
	}
	return hits
}

func hard043() rule.Rule {
	return rule.Rule{
		ID: "HARD-043", Title: "Log transport is encrypted", Kind: rule.Hardening, Severity: rule.Medium,
		Platforms: rule.Platforms(device.IOS, device.NXOS, device.Junos),
		Doc: "Syslog over UDP/514 can be read and forged on the path; the actors watched and edited logs. Each " +
			"remote syslog host without TLS is reported: IOS without `transport tls profile`, NX-OS without " +
			"`secure`, Junos without `transport tls` and `tlsdetails` (TLS without a trusted CA group is reported " +
			"too). A host reached through a management VRF or routing instance is reported at Low, because an " +
			"out-of-band network is an accepted alternative; whether it really is separate, or the logs ride an " +
			"IPsec tunnel, needs topology and is not checked.",
		Remediation: map[device.Vendor]string{
			device.IOS:   "logging tls-profile <p>\n tls-version TLSv1.2\nlogging host <collector> vrf <mgmt-vrf> transport tls profile <p>",
			device.NXOS:  "logging server <collector> 6 port 6514 secure use-vrf management",
			device.Junos: "set system syslog host <collector> transport tls\nset system syslog host <collector> tlsdetails trusted-ca-group <g> ca-profiles <ca>",
		},
		References: []string{rule.RefEVH, rule.URLEVH, "https://juniper.net/documentation/us/en/software/junos/network-mgmt/topics/topic-map/syslog-over-tls.html"},
		ATTACK:     []string{"T1040", "T1565.002"},
		Check:      checkLogTLS,
	}
}

// mgmtVRF matches VRF and routing-instance names used for out-of-band
// management.
var mgmtVRF = regexp.MustCompile(`(?i)^(mgmt|management|mgmt-intf|mgmt_junos|oob|oam)([-_].*)?$`)

func checkLogTLS(d *rule.Device) []rule.Hit {
	c := d.Config
	var hits []rule.Hit
	add := func(h *device.Node, name, vrf, msg string) {
		x := hit("syslog host "+name+" "+msg, h)
		if vrf != "" && mgmtVRF.MatchString(vrf) {
			x.Message += "; it is reached through the management network " + vrf + ", which is safe only if that network is out of band"
			x.Severity = rule.Low
		}
		hits = append(hits, x)
	}
	if c.Vendor == device.Junos {
		syslog := c.Path("system", "syslog")
		if syslog == nil {
			return nil
		}
		for _, hs := range syslog.Find("host") {
			for _, h := range hs.Children {
				if h.Inactive {
					continue
				}
				vrf := ""
				if ri := h.Path("routing-instance"); ri != nil && len(ri.Children) > 0 {
					vrf = ri.Children[0].Word(0)
				}
				switch {
				case h.Path("transport", "tls") == nil:
					add(h, h.Word(0), vrf, "receives syslog unencrypted (no `transport tls`)")
				case h.Path("tlsdetails") == nil:
					add(h, h.Word(0), vrf, "has `transport tls` without `tlsdetails`: no trusted CA to check the collector against")
				}
			}
		}
		return hits
	}
	for _, n := range c.Top() {
		if !isSyslogHost(c.Vendor, n) {
			continue
		}
		switch c.Vendor {
		case device.IOS:
			if n.Has("transport") && n.After("transport") == "tls" {
				continue
			}
			add(n, hostName(c.Vendor, n), n.After("vrf"), "receives syslog unencrypted (no `transport tls`)")
		case device.NXOS:
			if n.Has("secure") {
				continue
			}
			add(n, hostName(c.Vendor, n), n.After("use-vrf"), "receives syslog unencrypted (no `secure`)")
		}
	}
	return hits
}

package flow

import (
	"encoding/binary"
	"net/netip"
)

// EtherTypes and IP protocols the frame parser follows.
const (
	etherIPv4  = 0x0800
	etherIPv6  = 0x86dd
	etherVLAN  = 0x8100
	etherQinQ  = 0x88a8
	etherQinQ2 = 0x9100
	etherMPLS  = 0x8847
	etherMPLSm = 0x8848

	protoICMP   = 1
	protoTCP    = 6
	protoUDP    = 17
	protoICMPv6 = 58
)

// ParseEthernet fills r from a sampled Ethernet frame (an sFlow raw packet
// header, an IPFIX dataLinkFrameSection): VLAN and QinQ tags, an MPLS label
// stack (with Ethernet-over-MPLS behind a control word), IPv4 or IPv6, and
// TCP, UDP, ICMP or ICMPv6 ports and types. Samples are truncated by
// design, so parsing stops quietly at the first layer that does not fit,
// keeping what it found; it never fails and never allocates. It does not
// look inside tunnels (VXLAN, GRE): the outer flow is what crossed the link.
func (r *Record) ParseEthernet(b []byte) {
	// Ethernet over MPLS nests at most once here; bound the loop anyway.
	for range 2 {
		if len(b) < 14 {
			return
		}
		et := binary.BigEndian.Uint16(b[12:14])
		b = b[14:]
		tags := 0
		for et == etherVLAN || et == etherQinQ || et == etherQinQ2 {
			if len(b) < 4 {
				return
			}
			vid := binary.BigEndian.Uint16(b[0:2]) & 0x0fff
			switch tags {
			case 0:
				if r.VLAN == 0 {
					r.VLAN = vid
				}
			case 1:
				if r.InnerVLAN == 0 {
					r.InnerVLAN = vid
				}
			}
			tags++
			et = binary.BigEndian.Uint16(b[2:4])
			b = b[4:]
		}
		switch et {
		case etherIPv4:
			r.parseIPv4(b)
			return
		case etherIPv6:
			r.parseIPv6(b)
			return
		case etherMPLS, etherMPLSm:
			var next int
			b, next = r.parseMPLS(b)
			switch next {
			case 4:
				r.parseIPv4(b)
				return
			case 6:
				r.parseIPv6(b)
				return
			case 0:
				// Pseudowire control word, then the customer's frame.
				if len(b) < 4 {
					return
				}
				b = b[4:]
				continue
			}
			return
		default:
			return
		}
	}
}

// parseMPLS walks the label stack, records the top label and reports the
// first nibble after the bottom of the stack (4, 6, 0 for a control word).
func (r *Record) parseMPLS(b []byte) ([]byte, int) {
	first := true
	for len(b) >= 4 {
		e := binary.BigEndian.Uint32(b)
		b = b[4:]
		if first && r.MPLSLabel == 0 {
			r.MPLSLabel = e >> 12
		}
		first = false
		if e&0x100 != 0 {
			if len(b) == 0 {
				return b, -1
			}
			return b, int(b[0] >> 4)
		}
	}
	return b, -1
}

// ParseIP fills r from a sampled packet that starts at the IP header (sFlow
// header protocols 11 and 12), choosing the version from the first nibble.
func (r *Record) ParseIP(b []byte) {
	if len(b) == 0 {
		return
	}
	switch b[0] >> 4 {
	case 4:
		r.parseIPv4(b)
	case 6:
		r.parseIPv6(b)
	}
}

func (r *Record) parseIPv4(b []byte) {
	if len(b) < 20 || b[0]>>4 != 4 {
		return
	}
	ihl := int(b[0]&0x0f) * 4
	r.EtherType = etherIPv4
	r.ToS = b[1]
	r.Proto = b[9]
	r.SrcAddr = netip.AddrFrom4([4]byte(b[12:16]))
	r.DstAddr = netip.AddrFrom4([4]byte(b[16:20]))
	if ihl < 20 || len(b) < ihl {
		return
	}
	// Only the first fragment carries the transport header.
	if binary.BigEndian.Uint16(b[6:8])&0x1fff != 0 {
		return
	}
	r.parseL4(b[ihl:], b[9])
}

func (r *Record) parseIPv6(b []byte) {
	if len(b) < 40 || b[0]>>4 != 6 {
		return
	}
	r.EtherType = etherIPv6
	r.ToS = byte(binary.BigEndian.Uint16(b[0:2]) >> 4)
	r.SrcAddr = netip.AddrFrom16([16]byte(b[8:24]))
	r.DstAddr = netip.AddrFrom16([16]byte(b[24:40]))
	next := b[6]
	b = b[40:]
	// Extension headers: hop-by-hop, routing, destination options,
	// fragment. A bounded walk: a hostile chain cannot loop.
	for range 8 {
		switch next {
		case 0, 43, 60:
			if len(b) < 8 {
				r.Proto = next
				return
			}
			n := (int(b[1]) + 1) * 8
			next = b[0]
			if len(b) < n {
				r.Proto = next
				return
			}
			b = b[n:]
			continue
		case 44:
			if len(b) < 8 {
				r.Proto = next
				return
			}
			nh := b[0]
			offset := binary.BigEndian.Uint16(b[2:4]) >> 3
			r.Proto = nh
			if offset != 0 {
				return
			}
			next = nh
			b = b[8:]
			continue
		}
		break
	}
	r.Proto = next
	r.parseL4(b, next)
}

func (r *Record) parseL4(b []byte, proto uint8) {
	switch proto {
	case protoTCP:
		if len(b) < 14 {
			return
		}
		r.SrcPort = binary.BigEndian.Uint16(b[0:2])
		r.DstPort = binary.BigEndian.Uint16(b[2:4])
		r.TCPFlags = b[13]
	case protoUDP:
		if len(b) < 4 {
			return
		}
		r.SrcPort = binary.BigEndian.Uint16(b[0:2])
		r.DstPort = binary.BigEndian.Uint16(b[2:4])
	case protoICMP, protoICMPv6:
		if len(b) < 2 {
			return
		}
		r.ICMPType = b[0]
		r.ICMPCode = b[1]
	}
}

// Package capture extracts UDP datagrams (the exporter address, ports,
// capture time and payload) from pcap and pcapng captures, for offline
// decoding (`seawall flows decode`), replay to a collector (`seawall flows
// replay`) and tests. It reads bytes; the caller opens the file.
package capture

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/netip"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// Datagram is one UDP payload and where it came from.
type Datagram struct {
	// Frame is the 1-based frame number in the capture, as tshark counts.
	Frame            int
	Src              netip.Addr
	SrcPort, DstPort uint16
	// Time is the capture timestamp, Unix nanoseconds.
	Time    int64
	Payload []byte
}

type packetSource interface {
	ReadPacketData() ([]byte, gopacket.CaptureInfo, error)
	LinkType() layers.LinkType
}

type ngSource struct{ *pcapgo.NgReader }

func (s ngSource) LinkType() layers.LinkType { return s.NgReader.LinkType() }

// UDP returns the UDP datagrams of a pcap or pcapng capture in capture
// order, over Ethernet (with VLAN tags), Linux cooked capture v1/v2 or raw
// IP, IPv4 or IPv6. Non-UDP frames (BMP/BGP over TCP) are skipped; the
// frame numbers of the datagrams still count them.
func UDP(capture []byte) ([]Datagram, error) {
	var src packetSource
	if len(capture) >= 4 && bytes.Equal(capture[:4], []byte{0x0a, 0x0d, 0x0d, 0x0a}) {
		r, err := pcapgo.NewNgReader(bytes.NewReader(capture), pcapgo.DefaultNgReaderOptions)
		if err != nil {
			return nil, fmt.Errorf("pcapng: %w", err)
		}
		src = ngSource{r}
	} else {
		r, err := pcapgo.NewReader(bytes.NewReader(capture))
		if err != nil {
			return nil, fmt.Errorf("pcap: %w", err)
		}
		src = r
	}
	var out []Datagram
	for frame := 1; ; frame++ {
		data, ci, err := src.ReadPacketData()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return out, fmt.Errorf("frame %d: %w", frame, err)
		}
		p := gopacket.NewPacket(data, src.LinkType(), gopacket.Default)
		udp, ok := p.Layer(layers.LayerTypeUDP).(*layers.UDP)
		if !ok {
			continue
		}
		var addr netip.Addr
		if ip4, ok := p.Layer(layers.LayerTypeIPv4).(*layers.IPv4); ok {
			addr, _ = netip.AddrFromSlice(ip4.SrcIP.To4())
		} else if ip6, ok := p.Layer(layers.LayerTypeIPv6).(*layers.IPv6); ok {
			addr, _ = netip.AddrFromSlice(ip6.SrcIP)
		}
		out = append(out, Datagram{
			Frame:   frame,
			Time:    ci.Timestamp.UnixNano(),
			Src:     addr,
			SrcPort: uint16(udp.SrcPort),
			DstPort: uint16(udp.DstPort),
			Payload: bytes.Clone(udp.Payload),
		})
	}
	return out, nil
}

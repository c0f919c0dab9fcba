package e2e

import (
	"bytes"
	"fmt"
	"net/netip"
	"os"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// session is one conversation the test pcap carries: the client sends
// Out packets of OutPayload bytes of payload, the server answers with In
// packets of InPayload bytes. A TCP session opens with SYN, SYN-ACK, ACK
// and ends with FIN, FIN-ACK, ACK, so its segment counts are Out+4 and
// In+2 (see packets).
type session struct {
	Name                  string
	Proto                 layers.IPProtocol // TCP or UDP
	Src, Dst              netip.Addr
	SrcPort, DstPort      uint16
	Out, In               int // data packets each way
	OutPayload, InPayload int
}

// dir is one direction of a session as a flow exporter meters it.
// Exporters do not agree on what a byte is, so it is counted three ways:
// Bytes is IP bytes (IP total length, as NetFlow and IPFIX define
// octets); Frames is the Ethernet frames' length, which for a segment
// without payload includes the padding to Ethernet's 60-byte minimum
// (gopacket pads as a NIC would); L2Payload is Frames less the 14-byte
// Ethernet header, so the IP bytes plus that padding.
type dir struct {
	Src, Dst         netip.Addr
	SrcPort, DstPort uint16
	Proto            uint8
	Packets, Bytes   uint64
	Frames           uint64
}

// L2Payload is what a meter counting the frame past its link header
// sees: IP bytes plus the padding of short frames.
func (d dir) L2Payload() uint64 { return d.Frames - ethHeader*d.Packets }

// minFrame is Ethernet's minimum frame length without the FCS.
const minFrame = 60

// Header sizes: IPv4 without options, TCP without options, UDP.
const (
	ipHeader  = 20
	tcpHeader = 20
	udpHeader = 8
	ethHeader = 14
)

// sessions is the traffic every exporter run meters. Addresses are
// private or documentation ranges; nothing is ever sent anywhere, the
// frames exist only in the pcap.
var sessions = []session{
	// (a) A device loopback talking TACACS+ to a server that is not an
	// approved AAA server: DET-FLOW-001.
	{Name: "tacacs-unapproved", Proto: layers.IPProtocolTCP, Src: netip.MustParseAddr("10.255.0.1"), Dst: netip.MustParseAddr("203.0.113.9"),
		SrcPort: 40001, DstPort: 49, Out: 4, In: 3, OutPayload: 60, InPayload: 40},
	// The same device talking TACACS+ to its approved server: no alert.
	{Name: "tacacs-approved", Proto: layers.IPProtocolTCP, Src: netip.MustParseAddr("10.255.0.1"), Dst: netip.MustParseAddr("10.0.0.49"),
		SrcPort: 40002, DstPort: 49, Out: 4, In: 3, OutPayload: 60, InPayload: 40},
	// (b) A host talking to 192.0.2.10, which the test country database
	// puts in CN, a blocked country: DET-FLOW-016.
	{Name: "blocked-country", Proto: layers.IPProtocolTCP, Src: netip.MustParseAddr("10.1.1.10"), Dst: netip.MustParseAddr("192.0.2.10"),
		SrcPort: 40003, DstPort: 443, Out: 6, In: 8, OutPayload: 200, InPayload: 1200},
	// (c) Benign traffic: DNS, and HTTPS between private hosts. The
	// largest session comes last: pmacctd's sFlow probe loses the samples
	// of its last, partly filled datagram when the savefile ends (see
	// pmacctSFlow), and they must all fall within one session.
	{Name: "benign-dns", Proto: layers.IPProtocolUDP, Src: netip.MustParseAddr("10.1.1.11"), Dst: netip.MustParseAddr("10.0.0.53"),
		SrcPort: 40006, DstPort: 53, Out: 3, In: 3, OutPayload: 40, InPayload: 120},
	{Name: "benign-https-2", Proto: layers.IPProtocolTCP, Src: netip.MustParseAddr("10.1.1.12"), Dst: netip.MustParseAddr("10.2.2.20"),
		SrcPort: 40005, DstPort: 443, Out: 5, In: 7, OutPayload: 150, InPayload: 900},
	{Name: "benign-https-1", Proto: layers.IPProtocolTCP, Src: netip.MustParseAddr("10.1.1.11"), Dst: netip.MustParseAddr("10.2.2.20"),
		SrcPort: 40004, DstPort: 443, Out: 10, In: 20, OutPayload: 300, InPayload: 1400},
}

// packets returns the session's packet counts each way, handshake and
// teardown included.
func (s session) packets() (out, in int) {
	if s.Proto == layers.IPProtocolTCP {
		return s.Out + 4, s.In + 2
	}
	return s.Out, s.In
}

// dirs returns what a flow exporter should meter for s: one record per
// direction.
func (s session) dirs() [2]dir {
	l4 := udpHeader
	if s.Proto == layers.IPProtocolTCP {
		l4 = tcpHeader
	}
	po, pi := s.packets()
	frame := func(payload int) int { return max(minFrame, ethHeader+ipHeader+l4+payload) }
	// Handshake and teardown segments carry no payload.
	bo := uint64(po*(ipHeader+l4) + s.Out*s.OutPayload)
	bi := uint64(pi*(ipHeader+l4) + s.In*s.InPayload)
	fo := uint64((po-s.Out)*frame(0) + s.Out*frame(s.OutPayload))
	fi := uint64((pi-s.In)*frame(0) + s.In*frame(s.InPayload))
	return [2]dir{
		{Src: s.Src, Dst: s.Dst, SrcPort: s.SrcPort, DstPort: s.DstPort, Proto: uint8(s.Proto), Packets: uint64(po), Bytes: bo, Frames: fo},
		{Src: s.Dst, Dst: s.Src, SrcPort: s.DstPort, DstPort: s.SrcPort, Proto: uint8(s.Proto), Packets: uint64(pi), Bytes: bi, Frames: fi},
	}
}

// frame is one packet with its capture time.
type frame struct {
	at   time.Time
	data []byte
}

// buildFrames serialises every session's packets, 1ms apart, starting at
// start; sessions follow each other. Checksums are computed, so that a
// peer that checks them (pmacctd does not, softflowd does not, but a
// tcpdump reading the file would) sees valid frames.
func buildFrames(start time.Time, ss []session) ([]frame, error) {
	var frames []frame
	t := start
	next := func() time.Time { t = t.Add(time.Millisecond); return t }
	srcMAC := []byte{0x02, 0, 0, 0, 0, 1}
	dstMAC := []byte{0x02, 0, 0, 0, 0, 2}
	for _, s := range ss {
		var seqC, seqS uint32 = 1000, 5000
		emit := func(fromClient bool, payload int, flags string) error {
			src, dst, sp, dp := s.Src, s.Dst, s.SrcPort, s.DstPort
			mac1, mac2 := srcMAC, dstMAC
			if !fromClient {
				src, dst, sp, dp = dst, src, dp, sp
				mac1, mac2 = mac2, mac1
			}
			eth := &layers.Ethernet{SrcMAC: mac1, DstMAC: mac2, EthernetType: layers.EthernetTypeIPv4}
			ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: s.Proto, SrcIP: src.AsSlice(), DstIP: dst.AsSlice(), Flags: layers.IPv4DontFragment}
			body := gopacket.Payload(bytes.Repeat([]byte{'x'}, payload))
			var l4 gopacket.SerializableLayer
			switch s.Proto {
			case layers.IPProtocolTCP:
				tcp := &layers.TCP{SrcPort: layers.TCPPort(sp), DstPort: layers.TCPPort(dp), Window: 65535}
				seq, ack := &seqC, &seqS
				if !fromClient {
					seq, ack = &seqS, &seqC
				}
				tcp.Seq, tcp.Ack = *seq, *ack
				for _, f := range flags {
					switch f {
					case 'S':
						tcp.SYN = true
					case 'A':
						tcp.ACK = true
					case 'F':
						tcp.FIN = true
					case 'P':
						tcp.PSH = true
					}
				}
				*seq += uint32(payload)
				if tcp.SYN || tcp.FIN {
					*seq++
				}
				if err := tcp.SetNetworkLayerForChecksum(ip); err != nil {
					return err
				}
				l4 = tcp
			case layers.IPProtocolUDP:
				udp := &layers.UDP{SrcPort: layers.UDPPort(sp), DstPort: layers.UDPPort(dp)}
				if err := udp.SetNetworkLayerForChecksum(ip); err != nil {
					return err
				}
				l4 = udp
			default:
				return fmt.Errorf("session %s: protocol %v not supported", s.Name, s.Proto)
			}
			buf := gopacket.NewSerializeBuffer()
			opts := gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}
			if err := gopacket.SerializeLayers(buf, opts, eth, ip, l4, body); err != nil {
				return fmt.Errorf("session %s: %w", s.Name, err)
			}
			frames = append(frames, frame{at: next(), data: buf.Bytes()})
			return nil
		}
		var steps []func() error
		if s.Proto == layers.IPProtocolTCP {
			steps = append(steps,
				func() error { return emit(true, 0, "S") },
				func() error { return emit(false, 0, "SA") },
				func() error { return emit(true, 0, "A") })
		}
		// Requests and answers alternate while both have some left.
		for i := range max(s.Out, s.In) {
			if i < s.Out {
				steps = append(steps, func() error { return emit(true, s.OutPayload, "PA") })
			}
			if i < s.In {
				steps = append(steps, func() error { return emit(false, s.InPayload, "PA") })
			}
		}
		if s.Proto == layers.IPProtocolTCP {
			steps = append(steps,
				func() error { return emit(true, 0, "FA") },
				func() error { return emit(false, 0, "FA") },
				func() error { return emit(true, 0, "A") })
		}
		for _, step := range steps {
			if err := step(); err != nil {
				return nil, err
			}
		}
	}
	return frames, nil
}

// writePcap writes the sessions to a classic pcap file (microsecond
// timestamps, Ethernet link type), which softflowd and pmacctd read.
func writePcap(t *testing.T, path string, start time.Time, ss []session) {
	t.Helper()
	frames, err := buildFrames(start, ss)
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := pcapgo.NewWriter(f)
	err = w.WriteFileHeader(65535, layers.LinkTypeEthernet)
	for _, fr := range frames {
		if err != nil {
			break
		}
		err = w.WritePacket(gopacket.CaptureInfo{Timestamp: fr.at, CaptureLength: len(fr.data), Length: len(fr.data)}, fr.data)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatalf("writing %s: %v", path, err)
	}
}

// TestPcapCounts checks the builder against its own accounting by
// decoding the frames back: the expected totals every exporter test
// leans on must describe the file exactly.
func TestPcapCounts(t *testing.T) {
	t.Parallel()
	frames, err := buildFrames(time.Unix(1_700_000_000, 0), sessions)
	if err != nil {
		t.Fatal(err)
	}
	type key struct {
		src, dst netip.Addr
		sp, dp   uint16
	}
	got := map[key]*dir{}
	for _, fr := range frames {
		p := gopacket.NewPacket(fr.data, layers.LayerTypeEthernet, gopacket.Default)
		// The payload of the DNS session is not DNS; only the layers up
		// to the transport must decode.
		ip, _ := p.Layer(layers.LayerTypeIPv4).(*layers.IPv4)
		if ip == nil || p.TransportLayer() == nil {
			t.Fatalf("frame does not decode to IPv4 and TCP/UDP: %v", p)
		}
		var sp, dp uint16
		if tcp, ok := p.Layer(layers.LayerTypeTCP).(*layers.TCP); ok {
			sp, dp = uint16(tcp.SrcPort), uint16(tcp.DstPort)
		} else if udp, ok := p.Layer(layers.LayerTypeUDP).(*layers.UDP); ok {
			sp, dp = uint16(udp.SrcPort), uint16(udp.DstPort)
		}
		src, _ := netip.AddrFromSlice(ip.SrcIP)
		dst, _ := netip.AddrFromSlice(ip.DstIP)
		k := key{src, dst, sp, dp}
		d := got[k]
		if d == nil {
			d = &dir{}
			got[k] = d
		}
		d.Packets++
		d.Bytes += uint64(ip.Length)
		d.Frames += uint64(len(fr.data))
	}
	for _, s := range sessions {
		for _, want := range s.dirs() {
			g := got[key{want.Src, want.Dst, want.SrcPort, want.DstPort}]
			if g == nil || g.Packets != want.Packets || g.Bytes != want.Bytes || g.Frames != want.Frames {
				t.Errorf("%s %s:%d -> %s:%d: pcap has %+v, accounting says %d packets, %d IP bytes, %d frame bytes",
					s.Name, want.Src, want.SrcPort, want.Dst, want.DstPort, g, want.Packets, want.Bytes, want.Frames)
			}
		}
	}
}

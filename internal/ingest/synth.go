package ingest

import (
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"net/netip"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// SynthFlow is one flow of a synthetic datagram.
type SynthFlow struct {
	Src, Dst         netip.Addr
	SrcPort, DstPort uint16
	Proto            uint8
	Bytes, Packets   uint64
	// Start and End are the first and last packet times; zero means the
	// export time.
	Start, End time.Time
}

// Synth builds one exporter's NetFlow v9 or IPFIX datagrams, for tests,
// load tests and the example capture: real wire formats a collector
// decodes like any exporter's, with the flows the caller chooses. IPv4 and
// IPv6 flows go in data sets of their own templates (256 and 257).
type Synth struct {
	// IPFIX selects IPFIX (version 10) instead of NetFlow v9.
	IPFIX bool
	// Domain is the v9 source id or IPFIX observation domain.
	Domain uint32
	seq    uint32
}

// synthUptime is the exporter's sysUpTime in every v9 header: an hour, so
// that flows up to an hour old have sysUpTime offsets.
const synthUptime = uint32(time.Hour / time.Millisecond)

// Template ids and fields: addresses, ports, protocol, bytes, packets,
// first and last switched (v9: sysUpTime offsets; IPFIX: absolute
// milliseconds).
var (
	synthV4 = [][2]uint16{{8, 4}, {12, 4}, {7, 2}, {11, 2}, {4, 1}, {1, 8}, {2, 8}}
	synthV6 = [][2]uint16{{27, 16}, {28, 16}, {7, 2}, {11, 2}, {4, 1}, {1, 8}, {2, 8}}
)

func (s *Synth) fields(v6 bool) [][2]uint16 {
	f := synthV4
	if v6 {
		f = synthV6
	}
	if s.IPFIX {
		return append(f[:len(f):len(f)], [2]uint16{152, 8}, [2]uint16{153, 8})
	}
	return append(f[:len(f):len(f)], [2]uint16{22, 4}, [2]uint16{21, 4})
}

// Datagram returns the next datagram, exported at now, carrying the
// templates when withTemplates is set (an exporter repeats them every
// few datagrams; a collector drops data it has no template for) and
// flows.
func (s *Synth) Datagram(now time.Time, withTemplates bool, flows ...SynthFlow) []byte {
	var sets []byte
	records := 0
	if withTemplates {
		setID := uint16(0)
		if s.IPFIX {
			setID = 2
		}
		start := len(sets)
		sets = binary.BigEndian.AppendUint16(sets, setID)
		sets = binary.BigEndian.AppendUint16(sets, 0)
		for i, v6 := range []bool{false, true} {
			f := s.fields(v6)
			sets = binary.BigEndian.AppendUint16(sets, uint16(256+i))
			sets = binary.BigEndian.AppendUint16(sets, uint16(len(f)))
			for _, x := range f {
				sets = binary.BigEndian.AppendUint16(sets, x[0])
				sets = binary.BigEndian.AppendUint16(sets, x[1])
			}
			records++
		}
		binary.BigEndian.PutUint16(sets[start+2:], uint16(len(sets)-start))
	}
	for i, v6 := range []bool{false, true} {
		start := len(sets)
		for _, f := range flows {
			if f.Src.Is6() != v6 {
				continue
			}
			if len(sets) == start {
				sets = binary.BigEndian.AppendUint16(sets, uint16(256+i))
				sets = binary.BigEndian.AppendUint16(sets, 0)
			}
			sets = s.record(sets, f, now)
			records++
		}
		if len(sets) == start {
			continue
		}
		for (len(sets)-start)%4 != 0 {
			sets = append(sets, 0)
		}
		binary.BigEndian.PutUint16(sets[start+2:], uint16(len(sets)-start))
	}
	s.seq++
	var h []byte
	if s.IPFIX {
		h = binary.BigEndian.AppendUint16(h, 10)
		h = binary.BigEndian.AppendUint16(h, uint16(16+len(sets)))
		h = binary.BigEndian.AppendUint32(h, uint32(now.Unix()))
		h = binary.BigEndian.AppendUint32(h, s.seq)
	} else {
		h = binary.BigEndian.AppendUint16(h, 9)
		h = binary.BigEndian.AppendUint16(h, uint16(records))
		h = binary.BigEndian.AppendUint32(h, synthUptime)
		h = binary.BigEndian.AppendUint32(h, uint32(now.Unix()))
		h = binary.BigEndian.AppendUint32(h, s.seq)
	}
	h = binary.BigEndian.AppendUint32(h, s.Domain)
	return append(h, sets...)
}

func (s *Synth) record(b []byte, f SynthFlow, now time.Time) []byte {
	b = append(b, f.Src.AsSlice()...)
	b = append(b, f.Dst.AsSlice()...)
	b = binary.BigEndian.AppendUint16(b, f.SrcPort)
	b = binary.BigEndian.AppendUint16(b, f.DstPort)
	b = append(b, f.Proto)
	b = binary.BigEndian.AppendUint64(b, f.Bytes)
	b = binary.BigEndian.AppendUint64(b, f.Packets)
	start, end := f.Start, f.End
	if start.IsZero() {
		start = now
	}
	if end.IsZero() {
		end = now
	}
	if s.IPFIX {
		b = binary.BigEndian.AppendUint64(b, uint64(start.UnixMilli()))
		return binary.BigEndian.AppendUint64(b, uint64(end.UnixMilli()))
	}
	// v9 counts from the exporter's boot: now is synthUptime. The export
	// time has whole seconds, so offsets count from it.
	exported := time.Unix(now.Unix(), 0)
	up := func(t time.Time) uint32 {
		ago := exported.Sub(t).Milliseconds()
		return uint32(max(int64(synthUptime)-ago, 0))
	}
	b = binary.BigEndian.AppendUint32(b, up(start))
	return binary.BigEndian.AppendUint32(b, up(end))
}

// SynthPacket is one UDP datagram of a synthetic capture.
type SynthPacket struct {
	Time     time.Time
	Src, Dst netip.AddrPort // IPv4
	Payload  []byte
}

// WriteSynthPcap writes packets as a pcap capture (Ethernet, IPv4, UDP),
// the form `seawall flows replay` and `flows decode` read.
func WriteSynthPcap(w io.Writer, packets []SynthPacket) error {
	pw := pcapgo.NewWriter(w)
	if err := pw.WriteFileHeader(65535, layers.LinkTypeEthernet); err != nil {
		return err
	}
	for i, p := range packets {
		if !p.Src.Addr().Is4() || !p.Dst.Addr().Is4() {
			return fmt.Errorf("packet %d: %s → %s: only IPv4 transport is written", i, p.Src, p.Dst)
		}
		eth := &layers.Ethernet{SrcMAC: net.HardwareAddr{2, 0, 0, 0, 0, 1}, DstMAC: net.HardwareAddr{2, 0, 0, 0, 0, 2}, EthernetType: layers.EthernetTypeIPv4}
		ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolUDP, SrcIP: p.Src.Addr().AsSlice(), DstIP: p.Dst.Addr().AsSlice()}
		udp := &layers.UDP{SrcPort: layers.UDPPort(p.Src.Port()), DstPort: layers.UDPPort(p.Dst.Port())}
		if err := udp.SetNetworkLayerForChecksum(ip); err != nil {
			return err
		}
		sb := gopacket.NewSerializeBuffer()
		if err := gopacket.SerializeLayers(sb, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, eth, ip, udp, gopacket.Payload(p.Payload)); err != nil {
			return fmt.Errorf("packet %d: %w", i, err)
		}
		b := sb.Bytes()
		if err := pw.WritePacket(gopacket.CaptureInfo{Timestamp: p.Time, CaptureLength: len(b), Length: len(b)}, b); err != nil {
			return err
		}
	}
	return nil
}

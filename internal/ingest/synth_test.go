package ingest

import (
	"bytes"
	"encoding/binary"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"

	"github.com/seawall/seawall/internal/flow/capture"
)

// synthExporter builds one exporter's NetFlow v9 or IPFIX datagrams: a
// template (in the first datagram and every tplEvery-th) and data sets of
// flows records each.
type synthExporter struct {
	ipfix    bool
	domain   uint32
	seq      uint32
	tplEvery int
	n        int
}

// v9 fields: src, dst, srcport, dstport, proto, bytes, packets, first,
// last, input, output.
var v9Fields = [][2]uint16{{8, 4}, {12, 4}, {7, 2}, {11, 2}, {4, 1}, {1, 4}, {2, 4}, {22, 4}, {21, 4}, {10, 2}, {14, 2}}

// IPFIX fields: the same with 64-bit counters and absolute times.
var ipfixFields = [][2]uint16{{8, 4}, {12, 4}, {7, 2}, {11, 2}, {4, 1}, {1, 8}, {2, 8}, {152, 8}, {153, 8}, {10, 4}, {14, 4}}

func (e *synthExporter) fields() [][2]uint16 {
	if e.ipfix {
		return ipfixFields
	}
	return v9Fields
}

func (e *synthExporter) template() []byte {
	f := e.fields()
	var b []byte
	setID := uint16(0)
	if e.ipfix {
		setID = 2
	}
	b = binary.BigEndian.AppendUint16(b, setID)
	b = binary.BigEndian.AppendUint16(b, uint16(4+4+4*len(f)))
	b = binary.BigEndian.AppendUint16(b, 256)
	b = binary.BigEndian.AppendUint16(b, uint16(len(f)))
	for _, x := range f {
		b = binary.BigEndian.AppendUint16(b, x[0])
		b = binary.BigEndian.AppendUint16(b, x[1])
	}
	return b
}

// datagram returns the next datagram with flows records and whether it
// carries the template.
func (e *synthExporter) datagram(flows int, withTemplate bool, now time.Time) []byte {
	var sets []byte
	count := flows
	if withTemplate {
		sets = append(sets, e.template()...)
		count++
	}
	data := []byte{1, 0, 0, 0} // id, length filled below
	binary.BigEndian.PutUint16(data, 256)
	ms := uint64(now.UnixMilli())
	for i := range flows {
		k := uint32(e.n*1000 + i)
		data = binary.BigEndian.AppendUint32(data, 0x0a000000|k&0xffffff)     // 10.x
		data = binary.BigEndian.AppendUint32(data, 0xc6336400|uint32(i&0xff)) // 198.51.100.x
		data = binary.BigEndian.AppendUint16(data, uint16(1024+i))            // src port
		data = binary.BigEndian.AppendUint16(data, 443)                       // dst port
		data = append(data, 6)                                                // tcp
		if e.ipfix {
			data = binary.BigEndian.AppendUint64(data, 1500)
			data = binary.BigEndian.AppendUint64(data, 1)
			data = binary.BigEndian.AppendUint64(data, ms-1000)
			data = binary.BigEndian.AppendUint64(data, ms)
			data = binary.BigEndian.AppendUint32(data, 1)
			data = binary.BigEndian.AppendUint32(data, 2)
		} else {
			data = binary.BigEndian.AppendUint32(data, 1500)
			data = binary.BigEndian.AppendUint32(data, 1)
			data = binary.BigEndian.AppendUint32(data, 59000)
			data = binary.BigEndian.AppendUint32(data, 60000)
			data = binary.BigEndian.AppendUint16(data, 1)
			data = binary.BigEndian.AppendUint16(data, 2)
		}
	}
	for len(data)%4 != 0 {
		data = append(data, 0)
	}
	binary.BigEndian.PutUint16(data[2:], uint16(len(data)))
	sets = append(sets, data...)
	e.seq++
	e.n++
	var h []byte
	if e.ipfix {
		h = binary.BigEndian.AppendUint16(h, 10)
		h = binary.BigEndian.AppendUint16(h, uint16(16+len(sets)))
		h = binary.BigEndian.AppendUint32(h, uint32(now.Unix()))
		h = binary.BigEndian.AppendUint32(h, e.seq)
		h = binary.BigEndian.AppendUint32(h, e.domain)
	} else {
		h = binary.BigEndian.AppendUint16(h, 9)
		h = binary.BigEndian.AppendUint16(h, uint16(count))
		h = binary.BigEndian.AppendUint32(h, 60000) // sysUptime ms
		h = binary.BigEndian.AppendUint32(h, uint32(now.Unix()))
		h = binary.BigEndian.AppendUint32(h, e.seq)
		h = binary.BigEndian.AppendUint32(h, e.domain)
	}
	return append(h, sets...)
}

// synthCapture returns a pcap of exporters exporters (alternately v9 and
// IPFIX, from 192.0.2.1, 192.0.2.2, …) sending perExporter datagrams each,
// interleaved, of 20 to 30 flows, with a template every tplEvery
// datagrams; and the number of flows.
func synthCapture(t testing.TB, exporters, perExporter, tplEvery int) ([]byte, int) {
	t.Helper()
	var buf bytes.Buffer
	w := pcapgo.NewWriter(&buf)
	if err := w.WriteFileHeader(65535, layers.LinkTypeEthernet); err != nil {
		t.Fatal(err)
	}
	ex := make([]*synthExporter, exporters)
	for i := range ex {
		ex[i] = &synthExporter{ipfix: i%2 == 1, domain: uint32(i), tplEvery: tplEvery}
	}
	now := time.Unix(1767225600, 0)
	flows := 0
	for n := range perExporter {
		for i, e := range ex {
			k := 20 + (n+i)%11
			payload := e.datagram(k, n%tplEvery == 0, now)
			flows += k
			src := netip.AddrFrom4([4]byte{192, 0, 2, byte(i + 1)})
			writeUDP(t, w, src, payload, now)
			now = now.Add(time.Millisecond)
		}
	}
	return buf.Bytes(), flows
}

func writeUDP(t testing.TB, w *pcapgo.Writer, src netip.Addr, payload []byte, at time.Time) {
	t.Helper()
	eth := &layers.Ethernet{SrcMAC: net.HardwareAddr{2, 0, 0, 0, 0, 1}, DstMAC: net.HardwareAddr{2, 0, 0, 0, 0, 2}, EthernetType: layers.EthernetTypeIPv4}
	ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolUDP, SrcIP: src.AsSlice(), DstIP: net.IP{192, 0, 2, 200}}
	udp := &layers.UDP{SrcPort: 50000, DstPort: 2055}
	if err := udp.SetNetworkLayerForChecksum(ip); err != nil {
		t.Fatal(err)
	}
	sb := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(sb, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, eth, ip, udp, gopacket.Payload(payload)); err != nil {
		t.Fatal(err)
	}
	b := sb.Bytes()
	if err := w.WritePacket(gopacket.CaptureInfo{Timestamp: at, CaptureLength: len(b), Length: len(b)}, b); err != nil {
		t.Fatal(err)
	}
}

// synthReplay is a synthetic capture ready to replay.
func synthReplay(t testing.TB, exporters, perExporter, tplEvery int) (*Replay, int) {
	t.Helper()
	pcap, flows := synthCapture(t, exporters, perExporter, tplEvery)
	dgs, err := capture.UDP(pcap)
	if err != nil {
		t.Fatal(err)
	}
	r, err := NewReplay(dgs)
	if err != nil {
		t.Fatal(err)
	}
	if r.Flows != uint64(flows) {
		t.Fatalf("replay counts %d flows in the capture, the generator wrote %d", r.Flows, flows)
	}
	return r, flows
}

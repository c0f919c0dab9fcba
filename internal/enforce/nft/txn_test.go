package nft

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/nftables"
	"github.com/google/nftables/userdata"
	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"

	"github.com/seawall/seawall/internal/geo"
	"github.com/seawall/seawall/internal/testenv"
)

// elemMessage is an element message decoded with the netlink package's
// attribute decoder, independently of the encoder under test.
type elemMessage struct {
	Type       int
	Flags      int
	Table, Set string
	SetID      uint32
	Elements   []nftables.SetElement
}

// decodeElemMessages decodes the element messages in a batch's wire bytes,
// checking the framing as the kernel would.
func decodeElemMessages(tb testing.TB, wire []byte) []elemMessage {
	tb.Helper()
	var out []elemMessage
	for len(wire) > 0 {
		if len(wire) < unix.NLMSG_HDRLEN {
			tb.Fatalf("%d bytes left, less than a message header", len(wire))
		}
		n := int(binary.NativeEndian.Uint32(wire))
		if n < unix.NLMSG_HDRLEN+4 || n > len(wire) || n%4 != 0 {
			tb.Fatalf("message length %d with %d bytes left", n, len(wire))
		}
		m := elemMessage{
			Type:  int(binary.NativeEndian.Uint16(wire[4:])),
			Flags: int(binary.NativeEndian.Uint16(wire[6:])),
		}
		data := wire[unix.NLMSG_HDRLEN:n]
		if data[0] != unix.NFPROTO_INET || data[1] != unix.NFNETLINK_V0 {
			tb.Fatalf("nfgenmsg %x", data[:4])
		}
		m.Elements = decodeElemAttrs(tb, data[4:], &m)
		out = append(out, m)
		wire = wire[n:]
	}
	return out
}

func decodeElemAttrs(tb testing.TB, b []byte, m *elemMessage) []nftables.SetElement {
	tb.Helper()
	var els []nftables.SetElement
	ad, err := netlink.NewAttributeDecoder(b)
	if err != nil {
		tb.Fatal(err)
	}
	for ad.Next() {
		switch ad.Type() {
		case unix.NFTA_SET_ELEM_LIST_TABLE:
			m.Table = ad.String()
		case unix.NFTA_SET_ELEM_LIST_SET:
			m.Set = ad.String()
		case unix.NFTA_SET_ELEM_LIST_SET_ID:
			m.SetID = binary.BigEndian.Uint32(ad.Bytes())
		case unix.NFTA_SET_ELEM_LIST_ELEMENTS:
			if len(ad.Bytes()) > 0xffff {
				tb.Fatalf("element list of %d bytes", len(ad.Bytes()))
			}
			ad.Nested(func(list *netlink.AttributeDecoder) error {
				for list.Next() {
					list.Nested(func(el *netlink.AttributeDecoder) error {
						var e nftables.SetElement
						for el.Next() {
							switch el.Type() {
							case unix.NFTA_SET_ELEM_KEY:
								el.Nested(func(k *netlink.AttributeDecoder) error {
									for k.Next() {
										if k.Type() == unix.NFTA_DATA_VALUE {
											e.Key = k.Bytes()
										}
									}
									return nil
								})
							case unix.NFTA_SET_ELEM_FLAGS:
								e.IntervalEnd = binary.BigEndian.Uint32(el.Bytes())&unix.NFT_SET_ELEM_INTERVAL_END != 0
							case unix.NFTA_SET_ELEM_USERDATA:
								f, ok := userdata.GetUint32(el.Bytes(), userdata.NFTNL_UDATA_SET_ELEM_FLAGS)
								e.IntervalOpen = ok && f&userdata.NFTNL_UDATA_SET_ELEM_F_INTERVAL_OPEN != 0
							default:
								tb.Errorf("unexpected element attribute %d", el.Type())
							}
						}
						els = append(els, e)
						return nil
					})
				}
				return nil
			})
		default:
			tb.Errorf("unexpected attribute %d", ad.Type())
		}
	}
	if err := ad.Err(); err != nil {
		tb.Fatal(err)
	}
	return els
}

// elements encodes spans with txn.setElements into set blocked4 or
// blocked6 and decodes them back.
func elements(tb testing.TB, spans []span, markOpen bool) []nftables.SetElement {
	tb.Helper()
	var t txn
	if len(spans) == 0 {
		return nil
	}
	f := v4
	if spans[0].r.Bits == 128 {
		f = v6
	}
	set := testSet(f)
	t.setElements(unix.NFT_MSG_NEWSETELEM, set, spans, markOpen)
	var out []nftables.SetElement
	for _, m := range decodeElemMessages(tb, t.buf) {
		out = append(out, m.Elements...)
	}
	return out
}

// TestSetElementsLikeLibrary encodes the whole CN list (several messages
// per family) and checks that every message says what google/nftables'
// own encoding of the same elements says: same message type and flags,
// table, set, set id and elements, in the same order. The namespace tests
// then check that the kernel takes it (TestOtherWriters compares the
// result with what `nft -f` installs).
func TestSetElementsLikeLibrary(t *testing.T) {
	db, err := geo.World()
	if err != nil {
		t.Fatal(err)
	}
	rs := worldRuleset(t, db, "CN")
	for _, f := range families {
		for _, typ := range []int{unix.NFT_MSG_NEWSETELEM, unix.NFT_MSG_DELSETELEM} {
			t.Run(fmt.Sprintf("%s/%s", f.setName(), msgName(typ)), func(t *testing.T) {
				spans := spansOf([2][]netip.Prefix{rs.V4, rs.V6}[f], f)
				set := testSet(f)
				set.ID = 7 // as if added earlier in the same transaction
				var tx txn
				tx.setElements(typ, set, spans, typ == unix.NFT_MSG_NEWSETELEM)
				ours := decodeElemMessages(t, tx.buf)
				if len(ours) < 2 {
					t.Fatalf("%d spans in %d message(s): the test should cover splitting", len(spans), len(ours))
				}
				var els []nftables.SetElement
				for _, m := range ours {
					els = append(els, m.Elements...)
				}
				if n := countElements(spans); len(els) != n {
					t.Fatalf("%d elements, want %d", len(els), n)
				}
				// The library encodes the same elements, split its own way.
				lib := libraryElemMessages(t, typ, set, els)
				merge := func(ms []elemMessage) elemMessage {
					m := ms[0]
					m.Elements = nil
					for _, x := range ms {
						if x.Type != m.Type || x.Flags != m.Flags || x.Table != m.Table || x.Set != m.Set || x.SetID != m.SetID {
							t.Fatalf("messages differ in their headers: %+v and %+v", x, m)
						}
						m.Elements = append(m.Elements, x.Elements...)
					}
					return m
				}
				if diff := cmp.Diff(merge(lib), merge(ours)); diff != "" {
					t.Fatalf("our messages differ from the library's (-library +ours):\n%s", diff)
				}
			})
		}
	}
}

// libraryElemMessages records the messages google/nftables builds for
// adding or deleting els.
func libraryElemMessages(tb testing.TB, typ int, set *nftables.Set, els []nftables.SetElement) []elemMessage {
	tb.Helper()
	var tx txn
	rec, err := tx.recorder()
	if err != nil {
		tb.Fatal(err)
	}
	if typ == unix.NFT_MSG_NEWSETELEM {
		err = rec.SetAddElements(set, els)
	} else {
		err = rec.SetDeleteElements(set, els)
	}
	if err != nil {
		tb.Fatal(err)
	}
	if err := rec.Flush(); err != nil {
		tb.Fatal(err)
	}
	var wire []byte
	for _, m := range tx.recorded[1 : len(tx.recorded)-1] {
		b, err := m.MarshalBinary()
		if err != nil {
			tb.Fatal(err)
		}
		wire = append(wire, b...)
	}
	return decodeElemMessages(tb, wire)
}

// TestSetElementsAllocs asserts that encoding a warm transaction's
// elements allocates nothing.
func TestSetElementsAllocs(t *testing.T) {
	testenv.SkipIfRace(t)
	spans := spansOf(pfx(t, "10.0.0.0/8", "192.0.2.0/24", "198.51.100.0/24", "255.255.255.255/32"), v4)
	set := testSet(v4)
	var tx txn
	tx.setElements(unix.NFT_MSG_NEWSETELEM, set, spans, true)
	if n := testing.AllocsPerRun(100, func() {
		tx.buf, tx.elems = tx.buf[:0], tx.elems[:0]
		tx.setElements(unix.NFT_MSG_NEWSETELEM, set, spans, true)
	}); n != 0 {
		t.Errorf("%v allocations per run, want 0", n)
	}
}

// TestDescribe checks that a kernel error names the message it is about.
func TestDescribe(t *testing.T) {
	var tx txn
	rec, err := tx.recorder()
	if err != nil {
		t.Fatal(err)
	}
	rec.AddTable(newTable())
	if err := rec.Flush(); err != nil {
		t.Fatal(err)
	}
	set := testSet(v6)
	tx.setElements(unix.NFT_MSG_DELSETELEM, set, spansOf(pfx(t, "2001:db8::/32"), v6), false)
	tx.seq = 100 // begin 96, add table 97, element message 98, end 99
	for seq, want := range map[uint32]string{96: "batch begin", 97: "add table", 98: "delete element blocked6", 99: "batch end"} {
		got := tx.describe(&netlink.OpError{Op: "receive", Err: unix.ENOENT, Sequence: seq}, 96, 1)
		if got.Error() != want+": netlink receive: no such file or directory" {
			t.Errorf("sequence %d: %q, want it to start %q", seq, got, want)
		}
		if !errors.Is(got, unix.ENOENT) {
			t.Errorf("sequence %d: %v does not wrap the errno", seq, got)
		}
	}
}

// testSet is seawall's set for family f, as a first apply adds it.
func testSet(f family) *nftables.Set {
	return layout{fam: [2]bool{true, true}}.build().sets[f]
}

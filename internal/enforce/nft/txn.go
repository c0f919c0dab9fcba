package nft

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"

	"github.com/google/nftables"
	"github.com/google/nftables/userdata"
	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"

	"github.com/seawall/seawall/internal/prefixset"
)

// txn builds one nf_tables transaction (a netlink batch) and commits it.
//
// The table, sets, counters, chains and rules are few, and google/nftables
// marshals them, into a Conn that records its batch instead of sending it
// (rec). The set elements are many (a CN apply sends some 12,000) and are
// encoded here, as netlink messages, straight into one buffer that is
// reused from one transaction to the next: the library builds several
// slices and attribute values per element, and the netlink package copies
// every message once more into a fresh buffer; for a CN apply that was
// about 10 ms of encoding, allocation and garbage collection beside the
// kernel's own 15 ms. Both parts go to the kernel as one batch in one
// sendmsg over the Backend's plain socket, so the transaction stays atomic.
type txn struct {
	rec      *nftables.Conn
	recorded []netlink.Message // what rec flushed, batch begin and end included
	head     []byte            // batch begin and the recorded messages, on the wire
	buf      []byte            // the element messages, on the wire
	tail     []byte            // batch end
	elems    []elemMsg         // where each element message lies in buf
	seq      uint32            // sequence number of the last message sent
	sndbuf   int               // the socket's send buffer, once enlarged
}

// elemMsg is one NEWSETELEM or DELSETELEM message in txn.buf.
type elemMsg struct {
	typ      int // unix.NFT_MSG_NEWSETELEM or unix.NFT_MSG_DELSETELEM
	set      string
	off, end int
}

// recorder returns the Conn that collects the library's messages for this
// transaction, with nothing in it yet.
func (t *txn) recorder() (*nftables.Conn, error) {
	if t.rec == nil {
		c, err := nftables.New(nftables.WithTestDial(func(req []netlink.Message) ([]netlink.Message, error) {
			// Called with the batch, then (with nil) for the replies.
			if len(req) > 0 {
				t.recorded = append(t.recorded, req...)
			}
			return nil, nil
		}))
		if err != nil {
			return nil, err
		}
		t.rec = c
	}
	// Drop whatever a transaction abandoned before its commit left queued.
	_ = t.rec.Flush()
	t.recorded, t.elems = t.recorded[:0], t.elems[:0]
	if cap(t.buf) > 1<<20 && cap(t.buf) > 4*len(t.buf) {
		t.buf = nil // one large transaction (the whole world) need not pin its buffer
	}
	t.buf = t.buf[:0]
	return t.rec, nil
}

// openUserdata is the userdata nft gives an interval that runs to the top
// of the address space, so that `nft list` prints it as a range.
var openUserdata = userdata.AppendUint32(nil, userdata.NFTNL_UDATA_SET_ELEM_FLAGS, userdata.NFTNL_UDATA_SET_ELEM_F_INTERVAL_OPEN)

// Bounds of one element message: the element list is one attribute, whose
// length field has 16 bits, and one span takes at most two elements of at
// most maxElemBytes each.
const (
	maxElemBytes = 4 + 8 + 4 + 4 + 16 + 4 + 8 // list entry, flags, key nest, key value, userdata
	maxListBytes = math.MaxUint16 - 2*maxElemBytes
)

// setElements adds messages of type typ (unix.NFT_MSG_NEWSETELEM or
// unix.NFT_MSG_DELSETELEM) for spans to set s: each span as a start
// element and, unless it runs to the top of the space, an end element at
// the address after it, in ascending order. The order matters to the
// kernel: it refuses a start element whose nearest lower neighbour is
// another start element (an overlap), so each interval must be complete
// before the next starts. With markOpen, open intervals carry nft's
// "interval open" userdata (deletions must not: the kernel matches
// elements by key and flags only, and nft does not send it either).
func (t *txn) setElements(typ int, s *nftables.Set, spans []span, markOpen bool) {
	for i := 0; i < len(spans); {
		off := len(t.buf)
		t.buf = append(t.buf, make([]byte, unix.NLMSG_HDRLEN)...)         // filled in below and by commit
		t.buf = append(t.buf, unix.NFPROTO_INET, unix.NFNETLINK_V0, 0, 0) // nfgenmsg: family, version, resource id
		t.buf = appendAttr(t.buf, unix.NFTA_SET_ELEM_LIST_TABLE, cstring(s.Table.Name))
		t.buf = appendAttr(t.buf, unix.NFTA_SET_ELEM_LIST_SET, cstring(s.Name))
		if s.ID != 0 {
			t.buf = appendAttrU32(t.buf, unix.NFTA_SET_ELEM_LIST_SET_ID, s.ID)
		}
		list := len(t.buf)
		t.buf = append(t.buf, 0, 0, 0, 0)
		for ; i < len(spans) && len(t.buf)-list <= maxListBytes; i++ {
			sp := spans[i]
			var ud []byte
			if markOpen && !sp.end && isTop(sp.r.Last, sp.r.Bits) {
				ud = openUserdata
			}
			t.buf = appendElement(t.buf, sp.r.First, sp.r.Bits, 0, ud)
			if sp.end {
				t.buf = appendElement(t.buf, sp.r.Last.AddOne(), sp.r.Bits, unix.NFT_SET_ELEM_INTERVAL_END, nil)
			}
		}
		putAttrHeader(t.buf[list:], len(t.buf)-list, unix.NFTA_SET_ELEM_LIST_ELEMENTS|unix.NLA_F_NESTED)
		putMsgHeader(t.buf[off:], len(t.buf)-off, unix.NFNL_SUBSYS_NFTABLES<<8|typ, unix.NLM_F_REQUEST|unix.NLM_F_CREATE)
		t.elems = append(t.elems, elemMsg{typ: typ, set: s.Name, off: off, end: len(t.buf)})
	}
}

// addSet adds set s to the transaction with the elements for spans.
func (t *txn) addSet(rec *nftables.Conn, s *nftables.Set, spans []span) {
	_ = rec.AddSet(s, nil) // with no elements, it cannot fail
	t.setElements(unix.NFT_MSG_NEWSETELEM, s, spans, true)
}

// appendElement appends one set element: a list entry holding the flags
// (if any), the key and the userdata (if any).
func appendElement(b []byte, key prefixset.U128, bits int, flags uint32, ud []byte) []byte {
	entry := len(b)
	b = append(b, 0, 0, 0, 0)
	if flags != 0 {
		b = appendAttrU32(b, unix.NFTA_SET_ELEM_FLAGS, flags)
	}
	width := bits / 8
	b = appendAttrHeader(b, 4+4+width, unix.NFTA_SET_ELEM_KEY|unix.NLA_F_NESTED)
	b = appendAttrHeader(b, 4+width, unix.NFTA_DATA_VALUE)
	b = append(b, zeroKey[:width]...)
	putKey(b[len(b)-width:], key, bits) // 4 or 16 bytes: no padding
	if ud != nil {
		b = appendAttr(b, unix.NFTA_SET_ELEM_USERDATA, ud)
	}
	putAttrHeader(b[entry:], len(b)-entry, unix.NFTA_LIST_ELEM|unix.NLA_F_NESTED)
	return b
}

// Netlink attributes: a header of length and type in host byte order, the
// value, and padding to a multiple of four bytes that the length leaves out.

func appendAttrHeader(b []byte, length, typ int) []byte {
	b = binary.NativeEndian.AppendUint16(b, uint16(length))
	return binary.NativeEndian.AppendUint16(b, uint16(typ))
}

func putAttrHeader(b []byte, length, typ int) {
	binary.NativeEndian.PutUint16(b, uint16(length))
	binary.NativeEndian.PutUint16(b[2:], uint16(typ))
}

func appendAttr(b []byte, typ int, v []byte) []byte {
	b = appendAttrHeader(b, 4+len(v), typ)
	b = append(b, v...)
	for len(b)%4 != 0 {
		b = append(b, 0)
	}
	return b
}

// appendAttrU32 appends an attribute holding v in network byte order.
func appendAttrU32(b []byte, typ int, v uint32) []byte {
	b = appendAttrHeader(b, 8, typ)
	return binary.BigEndian.AppendUint32(b, v)
}

var zeroKey [16]byte

func cstring(s string) []byte { return append([]byte(s), 0) }

// putMsgHeader writes a netlink message header's length, type and flags;
// the sequence number and port stay for commit.
func putMsgHeader(b []byte, length, typ, flags int) {
	binary.NativeEndian.PutUint32(b, uint32(length))
	binary.NativeEndian.PutUint16(b[4:], uint16(typ))
	binary.NativeEndian.PutUint16(b[6:], uint16(flags))
}

// appendMsg appends a netlink message with the next sequence number.
func (t *txn) appendMsg(b []byte, typ, flags int, data []byte) []byte {
	off := len(b)
	b = append(b, make([]byte, unix.NLMSG_HDRLEN)...)
	putMsgHeader(b[off:], unix.NLMSG_HDRLEN+len(data), typ, flags)
	t.seq++
	binary.NativeEndian.PutUint32(b[off+8:], t.seq)
	b = append(b, data...)
	for len(b)%4 != 0 {
		b = append(b, 0)
	}
	return b
}

// commit sends the batch: begin (carrying the generation the transaction
// is conditional on, unless gen is 0), the messages recorded from the
// library, the element messages, end. It returns the kernel's first error,
// naming the message it refused; on any error the kernel has committed
// nothing.
func (t *txn) commit(nl *netlink.Conn, gen uint32) error {
	if err := t.rec.Flush(); err != nil {
		return fmt.Errorf("marshalling the transaction: %w", err)
	}
	objs := t.recorded
	if len(objs) >= 2 {
		objs = objs[1 : len(objs)-1] // the recorder's own batch begin and end
	}
	batchData := []byte{unix.AF_UNSPEC, unix.NFNETLINK_V0, 0, unix.NFNL_SUBSYS_NFTABLES} // resource id: the subsystem, big endian
	if gen != 0 {
		batchData = appendAttrU32(batchData, unix.NFNL_BATCH_GENID, gen)
	}
	first := t.seq + 1 // messages carry first, first+1, ... in batch order
	t.head = t.appendMsg(t.head[:0], unix.NFNL_MSG_BATCH_BEGIN, unix.NLM_F_REQUEST, batchData)
	for _, m := range objs {
		t.head = t.appendMsg(t.head, int(m.Header.Type), int(m.Header.Flags), m.Data)
	}
	for _, e := range t.elems {
		t.seq++
		binary.NativeEndian.PutUint32(t.buf[e.off+8:], t.seq)
	}
	t.tail = t.appendMsg(t.tail[:0], unix.NFNL_MSG_BATCH_END, unix.NLM_F_REQUEST, batchData)
	// The kernel refuses a message larger than the send buffer, and the
	// batch is one message to it.
	if size := len(t.head) + len(t.buf) + len(t.tail); size > t.sndbuf {
		if err := nl.SetWriteBuffer(size); err != nil {
			return fmt.Errorf("enlarging the socket's send buffer to %d bytes: %w", size, err)
		}
		t.sndbuf = size
	}
	if err := sendBatch(nl, [][]byte{t.head, t.buf, t.tail}); err != nil {
		return fmt.Errorf("sending the batch: %w", err)
	}
	// The kernel handles a batch within the send call, so every reply
	// (errors, and the rules the library asks to have echoed) is queued
	// by now; read until none is left.
	var firstErr error
	for {
		ready, err := readable(nl)
		if err != nil {
			return errors.Join(firstErr, err)
		}
		if !ready {
			return firstErr
		}
		if _, err := nl.Receive(); err != nil && firstErr == nil {
			firstErr = t.describe(err, first, len(objs))
		}
	}
}

// sendBatch sends bufs as one datagram to the kernel.
func sendBatch(nl *netlink.Conn, bufs [][]byte) error {
	rc, err := nl.SyscallConn()
	if err != nil {
		return err
	}
	var serr error
	if err := rc.Write(func(fd uintptr) bool {
		_, serr = unix.SendmsgBuffers(int(fd), bufs, nil, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}, 0)
		return serr != unix.EAGAIN
	}); err != nil {
		return err
	}
	return serr
}

// readable reports whether a reply waits on the socket, without blocking.
func readable(nl *netlink.Conn) (bool, error) {
	rc, err := nl.SyscallConn()
	if err != nil {
		return false, err
	}
	var n int
	var perr error
	if err := rc.Control(func(fd uintptr) {
		fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
		for {
			n, perr = unix.Poll(fds, 0)
			if perr != unix.EINTR {
				return
			}
		}
	}); err != nil {
		return false, err
	}
	return n > 0, perr
}

// describe names the message the kernel refused, given the sequence
// number of the batch's first message and the number of recorded ones. err
// wraps the kernel's errno, so errors.Is(err, unix.ERESTART) still tells a
// generation mismatch.
func (t *txn) describe(err error, first uint32, nobjs int) error {
	var op *netlink.OpError
	if !errors.As(err, &op) || op.Sequence-first > t.seq-first {
		return err
	}
	var what string
	switch i := int(op.Sequence - first); {
	case i == 0:
		what = "batch begin"
	case i <= nobjs:
		what = msgName(int(t.recorded[i].Header.Type) & 0xff)
	case i <= nobjs+len(t.elems):
		e := t.elems[i-1-nobjs]
		what = msgName(e.typ) + " " + e.set
	default:
		what = "batch end"
	}
	return fmt.Errorf("%s: %w", what, err)
}

// msgName names an nf_tables message type as nft's monitor does.
func msgName(typ int) string {
	names := map[int]string{
		unix.NFT_MSG_NEWTABLE: "add table", unix.NFT_MSG_DELTABLE: "delete table",
		unix.NFT_MSG_NEWCHAIN: "add chain", unix.NFT_MSG_DELCHAIN: "delete chain",
		unix.NFT_MSG_NEWRULE: "add rule", unix.NFT_MSG_DELRULE: "delete rule",
		unix.NFT_MSG_NEWSET: "add set", unix.NFT_MSG_DELSET: "delete set",
		unix.NFT_MSG_NEWSETELEM: "add element", unix.NFT_MSG_DELSETELEM: "delete element",
		unix.NFT_MSG_NEWOBJ: "add object", unix.NFT_MSG_DELOBJ: "delete object",
	}
	if n, ok := names[typ]; ok {
		return n
	}
	return fmt.Sprintf("message type %d", typ)
}

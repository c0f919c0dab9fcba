package nft

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"syscall"

	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"

	"github.com/seawall/seawall/internal/prefixset"
)

// rawElem is what seawall needs of a set element: its key and whether it
// ends an interval.
type rawElem struct {
	k   prefixset.U128
	end bool
}

// dumpSet reads the elements of one of seawall's sets. It does what the
// library's GetSetElements does, but decodes only keys and flags, in
// place, instead of building a structure per element and attribute: for
// the CN set that is a few milliseconds instead of tens, and it is what a
// new process (`seawall block apply`, `status`) pays before its first
// diff.
func dumpSet(nl *netlink.Conn, set string, f family) ([]rawElem, error) {
	attrs, err := netlink.MarshalAttributes([]netlink.Attribute{
		{Type: unix.NFTA_SET_ELEM_LIST_TABLE, Data: []byte(TableName + "\x00")},
		{Type: unix.NFTA_SET_ELEM_LIST_SET, Data: []byte(set + "\x00")},
	})
	if err != nil {
		return nil, err
	}
	// nfgenmsg: family, version, resource id (big endian).
	hdr := []byte{unix.NFPROTO_INET, unix.NFNETLINK_V0, 0, 0}
	req, err := nl.Send(netlink.Message{
		Header: netlink.Header{
			Type:  netlink.HeaderType(unix.NFNL_SUBSYS_NFTABLES<<8 | unix.NFT_MSG_GETSETELEM),
			Flags: netlink.Request | netlink.Dump,
		},
		Data: append(hdr, attrs...),
	})
	if err != nil {
		return nil, err
	}
	// The reply is read here rather than with the library's Receive,
	// which starts every read with a one-page buffer: the kernel sizes
	// each part of a dump by the largest read it has seen (up to 32 KiB),
	// and it walks an interval set from its first element for every part,
	// so small parts make a dump quadratic. A 64 KiB buffer gets the
	// largest parts, a few times faster for the CN set.
	rc, err := nl.SyscallConn()
	if err != nil {
		return nil, err
	}
	buf := make([]byte, 64<<10)
	var out []rawElem
	for {
		var n int
		var rerr error
		if err := rc.Read(func(fd uintptr) bool {
			n, _, rerr = unix.Recvfrom(int(fd), buf, 0)
			return rerr != unix.EAGAIN
		}); err != nil {
			return nil, err
		}
		if rerr != nil {
			return nil, fmt.Errorf("receiving elements of set %s: %w", set, rerr)
		}
		msgs, err := syscall.ParseNetlinkMessage(buf[:n])
		if err != nil {
			return nil, fmt.Errorf("receiving elements of set %s: %w", set, err)
		}
		for _, m := range msgs {
			if m.Header.Seq != req.Header.Sequence {
				continue // not ours: left over from an earlier request
			}
			switch m.Header.Type {
			case unix.NLMSG_DONE:
				return out, nil
			case unix.NLMSG_ERROR:
				if len(m.Data) < 4 {
					return nil, fmt.Errorf("receiving elements of set %s: %w", set, errTruncated)
				}
				if code := int32(binary.NativeEndian.Uint32(m.Data)); code != 0 {
					return nil, fmt.Errorf("listing elements of set %s: %w", set, unix.Errno(-code))
				}
				return out, nil
			}
			if out, err = parseElemDump(out, m.Data, f.bits()/8); err != nil {
				return nil, fmt.Errorf("decoding elements of set %s: %w", set, err)
			}
		}
	}
}

// errTruncated is a malformed attribute in an element dump.
var errTruncated = errors.New("truncated netlink attribute")

// parseElemDump appends the elements of one NFT_MSG_NEWSETELEM message
// (nfgenmsg header, then attributes) to dst. Keys of another width than
// the set's are skipped, as decodeElements would skip them.
func parseElemDump(dst []rawElem, msg []byte, width int) ([]rawElem, error) {
	if len(msg) < 4 {
		return dst, errTruncated
	}
	return dst, eachAttr(msg[4:], func(typ uint16, list []byte) error {
		if typ != unix.NFTA_SET_ELEM_LIST_ELEMENTS {
			return nil
		}
		return eachAttr(list, func(typ uint16, elem []byte) error {
			if typ != unix.NFTA_LIST_ELEM {
				return nil
			}
			var e rawElem
			var key []byte
			err := eachAttr(elem, func(typ uint16, data []byte) error {
				switch typ {
				case unix.NFTA_SET_ELEM_KEY:
					return eachAttr(data, func(typ uint16, v []byte) error {
						if typ == unix.NFTA_DATA_VALUE {
							key = v
						}
						return nil
					})
				case unix.NFTA_SET_ELEM_FLAGS:
					if len(data) < 4 {
						return errTruncated
					}
					e.end = binary.BigEndian.Uint32(data)&unix.NFT_SET_ELEM_INTERVAL_END != 0
				}
				return nil
			})
			if err != nil {
				return err
			}
			if len(key) != width {
				return nil
			}
			a, _ := netip.AddrFromSlice(key)
			e.k = prefixset.FromAddr(a)
			dst = append(dst, e)
			return nil
		})
	})
}

// eachAttr calls fn for each netlink attribute in b, with the type's
// flag bits (nested, byte order) cleared.
func eachAttr(b []byte, fn func(typ uint16, data []byte) error) error {
	for len(b) > 0 {
		if len(b) < unix.NLA_HDRLEN {
			return errTruncated
		}
		n := int(binary.NativeEndian.Uint16(b))
		typ := binary.NativeEndian.Uint16(b[2:]) &^ (unix.NLA_F_NESTED | unix.NLA_F_NET_BYTEORDER)
		if n < unix.NLA_HDRLEN || n > len(b) {
			return errTruncated
		}
		if err := fn(typ, b[unix.NLA_HDRLEN:n]); err != nil {
			return err
		}
		n = (n + unix.NLA_ALIGNTO - 1) &^ (unix.NLA_ALIGNTO - 1)
		if n > len(b) {
			return nil // the last attribute's padding may be missing
		}
		b = b[n:]
	}
	return nil
}

package geo

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"net/netip"

	"github.com/seawall/seawall/internal/prefixset"
)

// magic starts every encoded database; the last byte is the format version.
var magic = []byte("SWGEO\x01")

// IsEncoded reports whether data is an encoded database.
func IsEncoded(data []byte) bool { return bytes.HasPrefix(data, magic) }

// Encode writes db in seawall's compact form: per country, each prefix as
// the gap from the end of the previous one and its length, deflated, with a
// CRC-32 so that a damaged file is refused rather than half-loaded. The
// world table takes about half a megabyte this way.
func Encode(db *DB) ([]byte, error) {
	var p []byte
	meta, err := json.Marshal(db.Meta)
	if err != nil {
		return nil, err
	}
	p = binary.AppendUvarint(p, uint64(len(meta)))
	p = append(p, meta...)
	p = binary.AppendUvarint(p, uint64(len(db.Countries)))
	for i, c := range db.Countries {
		if !ValidCode(c.Code) {
			return nil, fmt.Errorf("encode: country code %q is not two upper-case letters", c.Code)
		}
		// Decode refuses what breaks these rules, so Encode must not write it.
		if i > 0 && c.Code <= db.Countries[i-1].Code {
			return nil, fmt.Errorf("encode: countries are not sorted and unique at %s", c.Code)
		}
		p = append(p, c.Code...)
		for fi, fam := range [][]netip.Prefix{c.V4, c.V6} {
			p = binary.AppendUvarint(p, uint64(len(fam)))
			var next prefixset.U128
			full := false // the previous prefix ended at the family's last address
			for _, pf := range fam {
				if !pf.IsValid() || pf.Addr().Is4() != (fi == 0) || pf.Masked() != pf {
					return nil, fmt.Errorf("encode: %s: %s is not a masked %s prefix", c.Code, pf, [2]string{"IPv4", "IPv6"}[fi])
				}
				r := prefixset.PrefixRange(pf)
				if full || r.First.Cmp(next) < 0 {
					return nil, fmt.Errorf("encode: %s prefixes of %s are not sorted and disjoint at %s", c.Code, familyName(pf), pf)
				}
				gap := r.First.Sub(next)
				if pf.Addr().Is4() {
					p = binary.AppendUvarint(p, gap.Lo)
				} else {
					p = binary.AppendUvarint(p, gap.Hi)
					p = binary.AppendUvarint(p, gap.Lo)
				}
				p = append(p, byte(pf.Bits()))
				next = r.Last.AddOne()
				full = next.IsZero()
			}
		}
	}
	p = binary.AppendUvarint(p, uint64(len(db.ASNs)))
	var prev uint32
	for _, a := range db.ASNs {
		if !ValidCode(a.Country) || a.First < prev || a.Last < a.First {
			return nil, fmt.Errorf("encode: ASN range %d-%d (%s) is invalid or out of order", a.First, a.Last, a.Country)
		}
		p = append(p, a.Country...)
		p = binary.AppendUvarint(p, uint64(a.First-prev))
		p = binary.AppendUvarint(p, uint64(a.Last-a.First))
		prev = a.First
	}
	p = binary.BigEndian.AppendUint32(p, crc32.ChecksumIEEE(p))

	var out bytes.Buffer
	out.Write(magic)
	w, err := flate.NewWriter(&out, flate.DefaultCompression)
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(p); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

func familyName(p netip.Prefix) string {
	if p.Addr().Is4() {
		return "IPv4"
	}
	return "IPv6"
}

// errCorrupt is wrapped by every decoding error.
var errCorrupt = errors.New("corrupt country database")

// Decode reads a database written by Encode.
func Decode(data []byte) (*DB, error) {
	if !IsEncoded(data) {
		return nil, fmt.Errorf("%w: missing SWGEO header", errCorrupt)
	}
	// bytes.Reader is an io.ByteReader, so flate reads no further than the
	// end of its stream and what is left over is trailing garbage.
	br := bytes.NewReader(data[len(magic):])
	p, err := io.ReadAll(flate.NewReader(br))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errCorrupt, err)
	}
	if br.Len() != 0 {
		return nil, fmt.Errorf("%w: %d bytes after the compressed data", errCorrupt, br.Len())
	}
	if len(p) < 4 || crc32.ChecksumIEEE(p[:len(p)-4]) != binary.BigEndian.Uint32(p[len(p)-4:]) {
		return nil, fmt.Errorf("%w: checksum mismatch", errCorrupt)
	}
	d := decoder{p: p[:len(p)-4]}
	db := &DB{}
	if err := json.Unmarshal(d.bytes(int(d.uvarint())), &db.Meta); err != nil && d.err == nil {
		d.err = fmt.Errorf("meta: %v", err)
	}
	n := d.count(3)
	for i := 0; i < n && d.err == nil; i++ {
		c := Country{Code: string(d.bytes(2))}
		if !ValidCode(c.Code) {
			d.fail("country code %q", c.Code)
		}
		if i > 0 && c.Code <= db.Countries[i-1].Code {
			d.fail("countries out of order at %s", c.Code)
		}
		c.V4 = d.prefixes(32)
		c.V6 = d.prefixes(128)
		db.Countries = append(db.Countries, c)
	}
	n = d.count(4)
	var prev uint64
	for i := 0; i < n && d.err == nil; i++ {
		cc := string(d.bytes(2))
		gap, length := d.uvarint(), d.uvarint()
		// Check before adding, so that a huge varint cannot wrap round to
		// a range that is out of order or ends before it starts.
		if gap > 0xffffffff-prev || length > 0xffffffff-(prev+gap) {
			d.fail("ASN range %d+%d+%d past the 32-bit ASN space", prev, gap, length)
			break
		}
		first := prev + gap
		last := first + length
		if !ValidCode(cc) {
			d.fail("ASN range %d-%d (%q)", first, last, cc)
		}
		db.ASNs = append(db.ASNs, ASNRange{Country: cc, First: uint32(first), Last: uint32(last)})
		prev = first
	}
	if d.err == nil && len(d.p) != 0 {
		d.fail("%d trailing bytes", len(d.p))
	}
	if d.err != nil {
		return nil, fmt.Errorf("%w: %v", errCorrupt, d.err)
	}
	return db, nil
}

type decoder struct {
	p   []byte
	err error
}

func (d *decoder) fail(format string, args ...any) {
	if d.err == nil {
		d.err = fmt.Errorf(format, args...)
	}
}

func (d *decoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.p)
	if n <= 0 {
		d.fail("bad varint")
		return 0
	}
	d.p = d.p[n:]
	return v
}

func (d *decoder) byte1() int {
	if b := d.bytes(1); len(b) == 1 {
		return int(b[0])
	}
	return 0
}

func (d *decoder) bytes(n int) []byte {
	if d.err != nil || n < 0 || n > len(d.p) {
		d.fail("truncated")
		return nil
	}
	b := d.p[:n]
	d.p = d.p[n:]
	return b
}

// count reads an element count and refuses one that the remaining bytes
// cannot hold (each element needs at least min bytes), so a hostile file
// cannot make us allocate without bound.
func (d *decoder) count(min int) int {
	n := d.uvarint()
	if n > uint64(len(d.p)/min) {
		d.fail("count %d exceeds the data", n)
		return 0
	}
	return int(n)
}

func (d *decoder) prefixes(bits int) []netip.Prefix {
	n := d.count(2)
	if d.err != nil || n == 0 {
		return nil
	}
	out := make([]netip.Prefix, 0, n)
	var next prefixset.U128
	wrapped := false
	for i := 0; i < n && d.err == nil; i++ {
		var gap prefixset.U128
		if bits == 32 {
			gap.Lo = d.uvarint()
		} else {
			gap.Hi = d.uvarint()
			gap.Lo = d.uvarint()
		}
		l := d.byte1()
		first := next.Add(gap)
		if wrapped || first.Cmp(next) < 0 || l > bits || (bits == 32 && (first.Hi != 0 || first.Lo > 0xffffffff)) {
			d.fail("prefix %d out of range", i)
			break
		}
		pf := netip.PrefixFrom(first.Addr(bits), l)
		if pf.Masked() != pf {
			d.fail("prefix %s has host bits set", pf)
			break
		}
		out = append(out, pf)
		last := prefixset.PrefixRange(pf).Last
		next = last.AddOne()
		wrapped = next.IsZero() || (bits == 32 && next.Lo > 0xffffffff)
	}
	return out
}

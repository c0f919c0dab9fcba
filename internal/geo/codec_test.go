package geo

import (
	"bytes"
	"encoding/binary"
	"errors"
	"net/netip"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/seawall/seawall/internal/testenv"
)

// codecDBs are small databases that exercise the corners of the encoding:
// the ends of both address spaces, whole spaces, IPv4-mapped IPv6, ASNs at
// the top of the 32-bit space, and every Meta field.
func codecDBs(t testing.TB) map[string]*DB {
	return map[string]*DB{
		"empty":     {},
		"meta only": {Meta: Meta{Source: "rir-delegated", Commit: "c6ccd2d07127e7784608a717999e85d805158735", Date: "2026-08-21", Registries: []string{"afrinic 20260821", "apnic 20260820"}}},
		"small":     smallDB(t),
		"edges": {
			Meta: Meta{Source: "edges", Date: "2026-02-01"},
			Countries: []Country{
				{Code: "AA", V4: mustPrefixes(t, "0.0.0.0/32", "0.0.0.2/31", "255.255.255.255/32"), V6: mustPrefixes(t, "::/128", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128")},
				{Code: "BB", V4: mustPrefixes(t, "0.0.0.0/0")},
				{Code: "CC", V6: mustPrefixes(t, "::/0")},
				{Code: "DD", V6: mustPrefixes(t, "::ffff:1.2.3.0/120", "8000::/1")},
				{Code: "EE"},
			},
			ASNs: []ASNRange{{"AA", 0, 0}, {"BB", 0, 4294967295}, {"CC", 4200000000, 4294967294}, {"DD", 4294967295, 4294967295}},
		},
	}
}

func TestEncodeDecodeRoundTrip(t *testing.T) {
	for name, db := range codecDBs(t) {
		t.Run(name, func(t *testing.T) {
			data, err := Encode(db)
			if err != nil {
				t.Fatal(err)
			}
			if !IsEncoded(data) {
				t.Errorf("IsEncoded = false")
			}
			got, err := Decode(data)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(db, got, cmpOpts); diff != "" {
				t.Errorf("Decode(Encode(db)) (-want +got):\n%s", diff)
			}
			again, err := Encode(got)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(data, again) {
				t.Errorf("Encode is not deterministic: %d then %d bytes", len(data), len(again))
			}
		})
	}
}

func TestEncodeDecodeWorld(t *testing.T) {
	t.Parallel()
	db := mustWorld(t)
	if testenv.Race {
		// Encoding at best compression takes seconds under -race: there a
		// quarter of the countries (every fourth, CN among them) stand in.
		part := &DB{Meta: db.Meta}
		for i, c := range db.Countries {
			if i%4 == 0 || c.Code == "CN" {
				part.Countries = append(part.Countries, c)
			}
		}
		db = part
	}
	data, err := Encode(db)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	// cmp.Diff of a quarter of a million prefixes takes seconds; only
	// explain a difference once one is known.
	if !dbEqual(db, got) {
		t.Errorf("world round trip (-want +got):\n%s", cmp.Diff(db, got, cmpOpts))
	}
	if len(data) > 1<<20 {
		t.Errorf("encoded world is %d bytes, want under 1 MiB", len(data))
	}
}

func TestEncodeErrors(t *testing.T) {
	p := func(ss ...string) []netip.Prefix { return mustPrefixes(t, ss...) }
	tests := []struct {
		name string
		db   *DB
		want string
	}{
		{"bad code", &DB{Countries: []Country{{Code: "cn"}}}, `country code "cn" is not two upper-case letters`},
		{"long code", &DB{Countries: []Country{{Code: "CHN"}}}, `country code "CHN"`},
		{"countries unsorted", &DB{Countries: []Country{{Code: "HK"}, {Code: "CN"}}}, "countries are not sorted and unique at CN"},
		{"countries repeated", &DB{Countries: []Country{{Code: "CN"}, {Code: "CN"}}}, "countries are not sorted and unique at CN"},
		{"prefixes unsorted", &DB{Countries: []Country{{Code: "CN", V4: p("1.0.2.0/24", "1.0.1.0/24")}}}, "CN prefixes of IPv4 are not sorted and disjoint at 1.0.1.0/24"},
		{"prefixes overlap", &DB{Countries: []Country{{Code: "CN", V4: p("1.0.0.0/16", "1.0.1.0/24")}}}, "not sorted and disjoint at 1.0.1.0/24"},
		{"IPv6 after the last address", &DB{Countries: []Country{{Code: "CN", V6: p("ffff::/16", "::/8")}}}, "not sorted and disjoint at ::/8"},
		{"IPv4 after the last address", &DB{Countries: []Country{{Code: "CN", V4: p("255.0.0.0/8", "0.0.0.0/8")}}}, "not sorted and disjoint at 0.0.0.0/8"},
		{"IPv6 in the IPv4 list", &DB{Countries: []Country{{Code: "CN", V4: p("2400::/12")}}}, "CN: 2400::/12 is not a masked IPv4 prefix"},
		{"IPv4 in the IPv6 list", &DB{Countries: []Country{{Code: "CN", V6: p("1.0.0.0/8")}}}, "CN: 1.0.0.0/8 is not a masked IPv6 prefix"},
		{"host bits", &DB{Countries: []Country{{Code: "CN", V4: p("1.2.3.4/8")}}}, "CN: 1.2.3.4/8 is not a masked IPv4 prefix"},
		{"invalid prefix", &DB{Countries: []Country{{Code: "CN", V4: []netip.Prefix{{}}}}}, "is not a masked IPv4 prefix"},
		{"ASNs unsorted", &DB{ASNs: []ASNRange{{"CN", 10, 10}, {"CN", 5, 5}}}, "ASN range 5-5 (CN) is invalid or out of order"},
		{"ASN range inverted", &DB{ASNs: []ASNRange{{"CN", 10, 9}}}, "ASN range 10-9 (CN) is invalid"},
		{"ASN bad code", &DB{ASNs: []ASNRange{{"", 10, 10}}}, "ASN range 10-10 () is invalid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data, err := Encode(tt.db)
			if err == nil {
				_, derr := Decode(data)
				t.Fatalf("Encode succeeded (Decode of it: %v), want error containing %q", derr, tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "encode: ") {
				t.Errorf("Encode error %q, want encode: ...%q", err, tt.want)
			}
		})
	}
}

// payload is a hand-written decoder input, before framing.
type payload []byte

func (p payload) uv(vs ...uint64) payload {
	for _, v := range vs {
		p = binary.AppendUvarint(p, v)
	}
	return p
}
func (p payload) s(s string) payload { return append(p, s...) }

func TestDecodeErrors(t *testing.T) {
	good, err := Encode(smallDB(t))
	if err != nil {
		t.Fatal(err)
	}
	meta := payload(nil).uv(2).s("{}")
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "missing SWGEO header"},
		{"bad magic", append([]byte("SWGEO\x02"), good[len(magic):]...), "missing SWGEO header"},
		{"country list", []byte("1.0.1.0/24 CN\n"), "missing SWGEO header"},
		{"magic only", []byte("SWGEO\x01"), "unexpected EOF"},
		{"not deflate", []byte("SWGEO\x01\xff\xff\xff\xff"), "corrupt country database"},
		{"trailing garbage after the stream", append(append([]byte(nil), good...), "garbage"...), "7 bytes after the compressed data"},
		{"trailing zero byte", append(append([]byte(nil), good...), 0), "1 bytes after the compressed data"},
		{"second stream appended", append(append([]byte(nil), good...), good[len(magic):]...), "bytes after the compressed data"},
		{"short payload", wrapPayload(nil)[:len(magic)], "unexpected EOF"},
		{"payload without checksum", wrapPayloadNoCRC([]byte{1, 2}), "checksum mismatch"},
		{"empty payload", wrapPayload(nil), "bad varint"},
		{"bad meta JSON", wrapPayload(payload(nil).uv(3).s("{x}").uv(0, 0)), "meta: invalid character"},
		{"meta length past the end", wrapPayload(payload(nil).uv(100).s("{}")), "truncated"},
		{"huge meta length", wrapPayload(payload(nil).uv(1 << 63).s("{}")), "truncated"},
		{"country count too large", wrapPayload(meta.uv(1000, 0)), "count 1000 exceeds the data"},
		{"bad country code", wrapPayload(meta.uv(1).s("c1").uv(0, 0, 0)), `country code "c1"`},
		{"countries out of order", wrapPayload(meta.uv(2).s("HK").uv(0, 0).s("CN").uv(0, 0, 0)), "countries out of order at CN"},
		{"countries repeated", wrapPayload(meta.uv(2).s("CN").uv(0, 0).s("CN").uv(0, 0, 0)), "countries out of order at CN"},
		{"IPv4 prefix length 33", wrapPayload(meta.uv(1).s("CN").uv(1, 0).s("\x21").uv(0, 0)), "prefix 0 out of range"},
		{"IPv6 prefix length 129", wrapPayload(meta.uv(1).s("CN").uv(0, 1, 0, 0).s("\x81").uv(0)), "prefix 0 out of range"},
		{"IPv4 past the end", wrapPayload(meta.uv(1).s("CN").uv(1, 1<<32).s("\x20").uv(0, 0)), "prefix 0 out of range"},
		{"IPv4 after the last address", wrapPayload(meta.uv(1).s("CN").uv(2, 0xffffffff).s("\x20").uv(0).s("\x20").uv(0, 0)), "prefix 1 out of range"},
		{"IPv6 gap wraps", wrapPayload(meta.uv(1).s("CN").uv(0, 2, 1<<63, 0).s("\x01").uv(1<<63, 0).s("\x01").uv(0)), "prefix 1 out of range"},
		{"IPv6 after the last address", wrapPayload(meta.uv(1).s("CN").uv(0, 2, 0, 0).s("\x00").uv(0, 0).s("\x80").uv(0)), "prefix 1 out of range"},
		{"host bits", wrapPayload(meta.uv(1).s("CN").uv(1, 1).s("\x18").uv(0, 0)), "prefix 0.0.0.1/24 has host bits set"},
		{"prefix count too large", wrapPayload(meta.uv(1).s("CN").uv(50, 0).s("\x08").uv(0, 0)), "count 50 exceeds the data"},
		{"bad varint", wrapPayload(meta.s("\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff")), "bad varint"},
		{"ASN count too large", wrapPayload(meta.uv(0, 9).s("CN").uv(1, 1)), "count 9 exceeds the data"},
		{"ASN bad code", wrapPayload(meta.uv(0, 1).s("c\x00").uv(1, 1)), `ASN range 1-2 ("c\x00")`},
		{"ASN past 32 bits", wrapPayload(meta.uv(0, 1).s("CN").uv(4294967295, 1)), "past the 32-bit ASN space"},
		{"ASN first past 32 bits", wrapPayload(meta.uv(0, 1).s("CN").uv(1<<32, 0)), "past the 32-bit ASN space"},
		// Gaps and lengths that wrap round uint64 must not come back as
		// out-of-order or inverted ranges.
		{"ASN gap wraps", wrapPayload(meta.uv(0, 2).s("CN").uv(10, 0).s("CN").uv(1<<64-5, 0)), "past the 32-bit ASN space"},
		{"ASN length wraps", wrapPayload(meta.uv(0, 1).s("CN").uv(100, 1<<64-50)), "past the 32-bit ASN space"},
		{"ASN both wrap", wrapPayload(meta.uv(0, 1).s("CN").uv(1<<33, 1<<64-(1<<33)+5)), "past the 32-bit ASN space"},
		{"trailing bytes in the payload", wrapPayload(meta.uv(0, 0).s("x")), "1 trailing bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db, err := Decode(tt.data)
			if err == nil {
				t.Fatalf("Decode succeeded: %+v", db)
			}
			if !errors.Is(err, errCorrupt) {
				t.Errorf("error %q does not wrap errCorrupt", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not contain %q", err, tt.want)
			}
		})
	}
	// The hand-written framing itself is right: an empty database decodes.
	if _, err := Decode(wrapPayload(meta.uv(0, 0))); err != nil {
		t.Errorf("minimal payload: %v", err)
	}
}

// wrapPayloadNoCRC frames a payload without appending its checksum.
func wrapPayloadNoCRC(p []byte) []byte { return append(bytes.Clone(magic), deflate(p)...) }

func TestDecodeDamage(t *testing.T) {
	for name, db := range codecDBs(t) {
		t.Run(name, func(t *testing.T) {
			data, err := Encode(db)
			if err != nil {
				t.Fatal(err)
			}
			// Every truncation fails, and none panics.
			for n := range len(data) {
				if got, err := Decode(data[:n]); err == nil {
					t.Errorf("Decode of the first %d of %d bytes succeeded: %+v", n, len(data), got)
				}
			}
			// Every damaged byte is caught: in the header, in the deflate
			// stream or by the checksum.
			for i := range data {
				d := bytes.Clone(data)
				d[i] ^= 0xff
				if got, err := Decode(d); err == nil {
					t.Errorf("Decode with byte %d of %d inverted succeeded: %+v", i, len(data), got)
				}
			}
			// A single flipped bit is caught too, unless it is one of the
			// padding bits deflate ignores before a stored block's length:
			// then the content the checksum protects is unchanged.
			for i := range data {
				for bit := range 8 {
					d := bytes.Clone(data)
					d[i] ^= 1 << bit
					got, err := Decode(d)
					if err != nil {
						continue
					}
					if diff := cmp.Diff(db, got, cmpOpts); diff != "" {
						t.Errorf("Decode with bit %d of byte %d flipped gave a different database (-want +got):\n%s", bit, i, diff)
					}
				}
			}
		})
	}
}

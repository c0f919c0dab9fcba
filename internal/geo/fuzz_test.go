package geo

import (
	"bytes"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// checkRoundTrip checks that a database Encode accepts decodes to itself
// and re-encodes to the same bytes.
func checkRoundTrip(t *testing.T, db *DB) {
	t.Helper()
	data, err := Encode(db)
	if err != nil {
		t.Fatalf("Encode: %v\ndb: %+v", err, db)
	}
	got, err := Decode(data)
	if err != nil {
		t.Fatalf("Decode(Encode(db)): %v\ndb: %+v", err, db)
	}
	if !dbEqual(db, got) {
		t.Fatalf("round trip (-want +got):\n%s", cmp.Diff(db, got, cmpOpts))
	}
	again, err := Encode(got)
	if err != nil {
		t.Fatalf("re-Encode: %v", err)
	}
	if !bytes.Equal(data, again) {
		t.Fatalf("re-encoding gave %d bytes, first encoding %d", len(again), len(data))
	}
}

func FuzzParseDelegated(f *testing.F) {
	f.Add([]byte(apnicSample))
	f.Add([]byte(arinSample))
	f.Add([]byte(apnicSample + arinSample))
	f.Add([]byte("2|afrinic|20260821|1|00000000|20260821|00000\nafrinic|ZA|ipv4|10.0.0.255|258|20260820|allocated|F36B9F4B\n"))
	f.Add([]byte("2|ripencc|20260201|2|19930901|20260201|+0100\nripencc|NL|asn|1103|2|19930901|allocated\nripencc||ipv6|2001:610::|32||reserved|\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := ParseDelegated(bytes.NewReader(data), "fuzz")
		if err != nil {
			if !strings.HasPrefix(err.Error(), "fuzz:") {
				t.Fatalf("error %q does not name the file", err)
			}
			return
		}
		if len(d.Headers) == 0 {
			t.Fatalf("parsed without a header")
		}
		want := 0
		for _, h := range d.Headers {
			want += h.Records
		}
		if len(d.Records) != want {
			t.Fatalf("%d records, headers announce %d", len(d.Records), want)
		}
		for _, r := range d.Records {
			switch r.Type {
			case "ipv4", "ipv6":
				if len(r.Prefixes) == 0 {
					t.Fatalf("line %d: no prefixes", r.Line)
				}
				for _, p := range r.Prefixes {
					if !p.IsValid() || p != p.Masked() || p.Addr().Is4() != (r.Type == "ipv4") {
						t.Fatalf("line %d: %s prefix %s", r.Line, r.Type, p)
					}
				}
			case "asn":
				if r.ASNCount == 0 || uint64(r.FirstASN)+uint64(r.ASNCount)-1 > 0xffffffff {
					t.Fatalf("line %d: ASNs %d+%d", r.Line, r.FirstASN, r.ASNCount)
				}
			default:
				t.Fatalf("line %d: type %q", r.Line, r.Type)
			}
		}
		b := NewBuilder()
		b.AddDelegated(d)
		checkRoundTrip(t, b.Build(Meta{Source: "fuzz"}))
	})
}

func FuzzParseCountryList(f *testing.F) {
	f.Add([]byte("1.0.1.0/24 CN\nCN 1.0.2.0/23\n1.0.4.0/22,cn\n# comment\nHK\t2001:df0::/48\n"))
	f.Add([]byte("8.8.8.8 US\nUS 2001:4860:4860::8888\nmo ::ffff:202.175.0.1\n"))
	f.Add([]byte("192.0.2.0/24 CN\n198.51.100.0/24 CN\n2001:db8::/32 CN\n"))
	f.Add([]byte("1.2.3.4/8 CN\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := ParseCountryList(bytes.NewReader(data), "fuzz")
		if err != nil {
			if !strings.HasPrefix(err.Error(), "fuzz:") {
				t.Fatalf("error %q does not name the file", err)
			}
			return
		}
		checkRoundTrip(t, b.Build(Meta{Source: "fuzz"}))
	})
}

func FuzzParsePrefixList(f *testing.F) {
	f.Add([]byte("# ipverse\n1.0.1.0/24\n1.0.2.0/23 # x\n2400:da00::/32\n"))
	f.Add([]byte("8.8.8.8\n2001:4860:4860::8888\n::ffff:1.2.4.8\n"))
	f.Add([]byte("1.2.3.4/8\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		ps, err := ParsePrefixList(bytes.NewReader(data), "fuzz")
		if err != nil {
			if !strings.HasPrefix(err.Error(), "fuzz:") {
				t.Fatalf("error %q does not name the file", err)
			}
			return
		}
		var buf strings.Builder
		for _, p := range ps {
			if !p.IsValid() || p != p.Masked() {
				t.Fatalf("prefix %s", p)
			}
			buf.WriteString(p.String() + "\n")
		}
		// What was read, written back in canonical form, reads the same.
		again, err := ParsePrefixList(strings.NewReader(buf.String()), "again")
		if err != nil {
			t.Fatalf("re-parsing %q: %v", buf.String(), err)
		}
		if diff := cmp.Diff(ps, again, cmpOpts); diff != "" {
			t.Fatalf("re-parse (-first +second):\n%s", diff)
		}
	})
}

func FuzzDecode(f *testing.F) {
	for _, db := range codecDBs(f) {
		data, err := Encode(db)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
		// The payload alone, for the framed path below.
		p, err := payloadOf(data)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(p)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		// As given, the checksum stops almost every mutation; framed as a
		// valid stream with a good checksum, mutations reach the decoder.
		for _, in := range [][]byte{data, wrapPayload(data)} {
			db, err := Decode(in)
			if err != nil {
				continue
			}
			checkRoundTrip(t, db)
		}
	})
}

// payloadOf returns the decoder's input inside an encoded database,
// without its checksum.
func payloadOf(data []byte) ([]byte, error) {
	p, err := inflate(data[len(magic):])
	if err != nil {
		return nil, err
	}
	return p[:len(p)-4], nil
}

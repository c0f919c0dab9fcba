package geo

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"hash/crc32"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/seawall/seawall/internal/prefixset/prefixsettest"
)

// Shared with the other packages' tests (Build leaves empty families as
// empty slices and Decode as nil, which mean the same).
var (
	cmpOpts      = prefixsettest.CmpOptions
	mustPrefixes = prefixsettest.Prefixes
)

// lines joins lines into a file with a final newline.
func lines(ls ...string) string { return strings.Join(ls, "\n") + "\n" }

// mustCountryList builds a DB from "PREFIX CC" lines.
func mustCountryList(t testing.TB, meta Meta, ls ...string) *DB {
	t.Helper()
	b, err := ParseCountryList(strings.NewReader(lines(ls...)), "test")
	if err != nil {
		t.Fatal(err)
	}
	return b.Build(meta)
}

// mustWorld decodes the embedded world table.
func mustWorld(t testing.TB) *DB {
	t.Helper()
	db, err := World()
	if err != nil {
		t.Fatalf("World: %v", err)
	}
	return db
}

// wrapPayload frames a raw payload the way Encode does (magic, deflate,
// CRC-32), so that tests and fuzzing reach the decoder behind the checksum.
func wrapPayload(p []byte) []byte {
	p = binary.BigEndian.AppendUint32(bytes.Clone(p), crc32.ChecksumIEEE(p))
	return append(bytes.Clone(magic), deflate(p)...)
}

func deflate(p []byte) []byte {
	var out bytes.Buffer
	w, err := flate.NewWriter(&out, flate.BestSpeed)
	if err != nil {
		panic(err)
	}
	if _, err := w.Write(p); err != nil {
		panic(err)
	}
	if err := w.Close(); err != nil {
		panic(err)
	}
	return out.Bytes()
}

// dbEqual is a fast equality of databases, treating nil and empty slices as
// equal, for large ones where cmp.Diff is slow.
func dbEqual(a, b *DB) bool {
	return cmp.Equal(a.Meta, b.Meta, cmpopts.EquateEmpty()) &&
		slices.Equal(a.ASNs, b.ASNs) &&
		slices.EqualFunc(a.Countries, b.Countries, func(x, y Country) bool {
			return x.Code == y.Code && slices.Equal(x.V4, y.V4) && slices.Equal(x.V6, y.V6)
		})
}

func inflate(p []byte) ([]byte, error) {
	return io.ReadAll(flate.NewReader(bytes.NewReader(p)))
}

package nft

import (
	"context"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/google/nftables"
	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"

	"github.com/seawall/seawall/internal/geo"
	"github.com/seawall/seawall/internal/prefixset"
)

// encodeElemDump builds an NFT_MSG_NEWSETELEM message body as the kernel
// dumps it, for elements of the given key width.
func encodeElemDump(tb testing.TB, es []rawElem, width int) []byte {
	tb.Helper()
	var list []netlink.Attribute
	for _, e := range es {
		k := make([]byte, 16)
		binary.BigEndian.PutUint64(k, e.k.Hi)
		binary.BigEndian.PutUint64(k[8:], e.k.Lo)
		key, err := netlink.MarshalAttributes([]netlink.Attribute{{Type: unix.NFTA_DATA_VALUE, Data: k[16-width:]}})
		if err != nil {
			tb.Fatal(err)
		}
		attrs := []netlink.Attribute{{Type: unix.NLA_F_NESTED | unix.NFTA_SET_ELEM_KEY, Data: key}}
		if e.end {
			flags := binary.BigEndian.AppendUint32(nil, unix.NFT_SET_ELEM_INTERVAL_END)
			attrs = append([]netlink.Attribute{{Type: unix.NFTA_SET_ELEM_FLAGS, Data: flags}}, attrs...)
		}
		elem, err := netlink.MarshalAttributes(attrs)
		if err != nil {
			tb.Fatal(err)
		}
		list = append(list, netlink.Attribute{Type: unix.NLA_F_NESTED | unix.NFTA_LIST_ELEM, Data: elem})
	}
	elems, err := netlink.MarshalAttributes(list)
	if err != nil {
		tb.Fatal(err)
	}
	body, err := netlink.MarshalAttributes([]netlink.Attribute{
		{Type: unix.NFTA_SET_ELEM_LIST_TABLE, Data: []byte(TableName + "\x00")},
		{Type: unix.NFTA_SET_ELEM_LIST_SET, Data: []byte(Set4 + "\x00")},
		{Type: unix.NLA_F_NESTED | unix.NFTA_SET_ELEM_LIST_ELEMENTS, Data: elems},
	})
	if err != nil {
		tb.Fatal(err)
	}
	return append([]byte{unix.NFPROTO_INET, 0, 0, 0}, body...)
}

var rawCmp = cmp.Comparer(func(a, b rawElem) bool { return a == b })

func TestParseElemDump(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for _, width := range []int{4, 16} {
		for range 200 {
			es := make([]rawElem, rng.IntN(20))
			for i := range es {
				es[i] = rawElem{k: prefixset.U128{Lo: rng.Uint64()}, end: rng.IntN(2) == 0}
				if width == 4 {
					es[i].k.Lo &= 0xffffffff
				} else {
					es[i].k.Hi = rng.Uint64()
				}
			}
			got, err := parseElemDump(nil, encodeElemDump(t, es, width), width)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(es, got, rawCmp, cmpopts.EquateEmpty()); diff != "" {
				t.Fatalf("width %d (-want +got):\n%s", width, diff)
			}
			// Keys of the other width are skipped.
			if got, _ := parseElemDump(nil, encodeElemDump(t, es, width), 20-width); len(got) != 0 {
				t.Fatalf("keys of width %d parsed as width %d: %v", width, 20-width, got)
			}
		}
	}
	for _, bad := range [][]byte{
		{1, 2},                         // no nfgenmsg
		{1, 0, 0, 0, 3, 0},             // attribute header cut short
		{1, 0, 0, 0, 8, 0, 3, 0x80, 1}, // attribute longer than the message
		{1, 0, 0, 0, 2, 0, 3, 0},       // length below the header
	} {
		if _, err := parseElemDump(nil, bad, 4); err == nil {
			t.Errorf("parseElemDump(%v) accepted a malformed message", bad)
		}
	}
}

func FuzzParseElemDump(f *testing.F) {
	f.Add(encodeElemDump(f, []rawElem{{k: prefixset.U128{Lo: 0x0a000000}}, {k: prefixset.U128{Lo: 0x0b000000}, end: true}}, 4), 4)
	f.Add(encodeElemDump(f, []rawElem{{k: prefixset.U128{Hi: 0x20010db800000000}}}, 16), 16)
	f.Fuzz(func(t *testing.T, msg []byte, width int) {
		if width != 4 && width != 16 {
			return
		}
		es, err := parseElemDump(nil, msg, width)
		if err != nil {
			return
		}
		// Whatever parses decodes into sorted, disjoint spans.
		spans := decodeElements(es, width*8)
		for i := 1; i < len(spans); i++ {
			if spans[i].r.First.Cmp(spans[i-1].r.Last) <= 0 {
				t.Fatalf("spans %v overlap", spans)
			}
		}
	})
}

// TestDumpSet compares the fast element reader with the library's on real
// sets: the test ruleset written by nft (with nft's zero element), the CN
// set, and unless -short the world.
func TestDumpSet(t *testing.T) {
	requireKernel(t)
	db, err := geo.World()
	if err != nil {
		t.Fatal(err)
	}
	ns := newNetns(t, "dump")
	nft := newNftRunner(t, ns)
	test := testRuleset(t)
	test.Inbound = true
	cases := []struct {
		name  string
		apply func() error
	}{
		{"nft -f", func() error { return nft.run(nft.write(t, nftScript(test))) }},
		{"CN", func() error {
			_, err := newBackend(t, ns).Apply(context.Background(), worldRuleset(t, db, "CN"), Guard{Force: true})
			return err
		}},
	}
	if !testing.Short() {
		var all []string
		for _, c := range db.Countries {
			all = append(all, c.Code)
		}
		cases = append(cases, struct {
			name  string
			apply func() error
		}{"world", func() error {
			_, err := newBackend(t, ns).Apply(context.Background(), worldRuleset(t, db, all...), Guard{Force: true})
			return err
		}})
	}
	b := newBackend(t, ns)
	defer func() { _ = b.Close() }()
	conn, err := nftables.New(nftables.WithNetNSFd(ns.fd()))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if err := c.apply(); err != nil {
				t.Fatal(err)
			}
			nl, err := b.netlink()
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range families {
				got, err := dumpSet(nl, f.setName(), f)
				if err != nil {
					t.Fatal(err)
				}
				lib, err := conn.GetSetElements(&nftables.Set{Table: newTable(), Name: f.setName()})
				if err != nil {
					t.Fatal(err)
				}
				want := fromSetElements(lib, f.bits())
				order := func(a, b rawElem) int {
					if c := a.k.Cmp(b.k); c != 0 {
						return c
					}
					return strings.Compare(fmt.Sprint(a.end), fmt.Sprint(b.end))
				}
				slices.SortFunc(got, order)
				slices.SortFunc(want, order)
				if diff := cmp.Diff(want, got, rawCmp, cmpopts.EquateEmpty()); diff != "" {
					t.Errorf("%s: dumpSet differs from GetSetElements (-lib +dump):\n%s", f.setName(), diff)
				}
				t.Logf("%s: %d elements", f.setName(), len(got))
			}
			if _, err := b.Remove(context.Background()); err != nil {
				t.Fatal(err)
			}
		})
	}
}

package netflow_test

import (
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/seawall/seawall/internal/flow"
	"github.com/seawall/seawall/internal/flow/capture"
	"github.com/seawall/seawall/internal/flow/netflow"
	"github.com/seawall/seawall/internal/testenv"
)

// datExporter stands for the exporter of the logstash .dat captures, which
// carry no IP header.
var datExporter = netip.MustParseAddr("192.0.2.1")

// input is one datagram of a corpus case.
type input struct {
	file     string // file name, for messages
	frame    int
	exporter netip.Addr
	payload  []byte
}

// loadInputs reads the files of a case in order. Names ending in .dat are
// raw payloads in testdata/logstash; others are pcaps under
// ../shared/data/flows (GPL/AGPL: read in place, never copied).
func loadInputs(t *testing.T, files []string) []input {
	t.Helper()
	var in []input
	for _, f := range files {
		if strings.HasSuffix(f, ".dat") {
			b, err := os.ReadFile(filepath.Join("testdata", "logstash", f))
			if err != nil {
				t.Fatal(err)
			}
			in = append(in, input{file: f, frame: 1, exporter: datExporter, payload: b})
			continue
		}
		p := testenv.SharedData(t, filepath.Join("flows", f))
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		ds, err := capture.UDP(b)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for _, d := range ds {
			// BMP/BGP ride on TCP and are already gone; keep the flow
			// collector ports only.
			in = append(in, input{file: f, frame: d.Frame, exporter: d.Src, payload: d.Payload})
		}
	}
	return in
}

// result summarizes decoding a case.
type result struct {
	Datagrams int
	Records   int
	Errors    map[string]int // by netflow.Reason name
}

func decodeAll(t *testing.T, d *netflow.Decoder, in []input) (result, []flow.Record) {
	t.Helper()
	res := result{Errors: map[string]int{}}
	var recs []flow.Record
	for _, i := range in {
		res.Datagrams++
		n := len(recs)
		var err error
		recs, err = d.Decode(i.exporter, i.payload, recs)
		if err != nil {
			var r netflow.Reason
			for r = 0; r < netflow.NumReasons; r++ {
				if errors.Is(err, reasonErr(r)) {
					break
				}
			}
			res.Errors[r.String()]++
			if testing.Verbose() {
				t.Logf("%s frame %d: %v (%d records kept)", i.file, i.frame, err, len(recs)-n)
			}
		}
	}
	res.Records = len(recs)
	if len(res.Errors) == 0 {
		res.Errors = nil
	}
	return res, recs
}

func reasonErr(r netflow.Reason) error {
	return [...]error{
		netflow.ErrTruncated, netflow.ErrVersion, netflow.ErrSetLength, netflow.ErrTemplate,
		netflow.ErrTemplateLimit, netflow.ErrMissingTemplate, netflow.ErrRecord, netflow.ErrCount,
	}[r]
}

func newDecoder() *netflow.Decoder { return netflow.New(netflow.Config{}) }

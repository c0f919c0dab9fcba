package netflow_test

import (
	"net/netip"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/seawall/seawall/internal/flow"
	"github.com/seawall/seawall/internal/flow/netflow"
)

// wantCorpus is what each case decodes to. Record counts were checked
// against tshark 4.0 (`tshark -V -d udp.port==N,cflow`: flows per data set
// minus options records). Errors are the datagrams counted as failed:
//   - missing-template: the datagram carries data sets whose template is not
//     (yet) known, as tshark also reports; the other sets still decode.
//     akvorado data+templates sends data for 257 before its template;
//     pmacct 112 frames 11 and 21 use templates the capture never holds
//     (tshark also misses 347, because it keys templates by collector
//     address too); netscaler's data carries set 280 that no template
//     defines; ipt-netflow's first set precedes its template.
//
// logstash/ipfix.dat holds two IPFIX messages back to back (6 flows
// each); tshark decodes the first only.
//   - count: the negative cases logstash marks invalid: v5 counts of 55582
//     and 163 (more than 30, more than the datagram holds), and a v9
//     header counting 2 for 6 flowsets.
var wantCorpus = map[string]result{
	"akvorado/nfv5":                     {Datagrams: 1, Records: 29},
	"akvorado/v9":                       {Datagrams: 2, Records: 4},
	"akvorado/v9-data+templates":        {Datagrams: 1, Records: 10, Errors: map[string]int{"missing-template": 1}},
	"akvorado/v9-options":               {Datagrams: 4, Records: 4},
	"akvorado/v9-samplingrate":          {Datagrams: 2, Records: 6},
	"akvorado/v9-multiplesamplingrates": {Datagrams: 4, Records: 12},
	"akvorado/v9-icmp":                  {Datagrams: 2, Records: 4},
	"akvorado/v9-nat":                   {Datagrams: 1, Records: 9},
	"akvorado/ipfix-mpls":               {Datagrams: 1, Records: 2},
	"akvorado/ipfix-physicalinterfaces": {Datagrams: 1, Records: 8},
	"akvorado/ipfix-datalink":           {Datagrams: 2, Records: 1},
	"akvorado/ipfix-eompls":             {Datagrams: 2, Records: 10},
	"akvorado/ipfix-srv6":               {Datagrams: 2, Records: 1},
	"akvorado/ipfixprobe":               {Datagrams: 2, Records: 4},
	"akvorado/juniper-cpid":             {Datagrams: 2, Records: 1},
	"pmacct/100":                        {Datagrams: 6, Records: 12},
	"pmacct/101":                        {Datagrams: 40, Records: 51},
	"pmacct/102":                        {Datagrams: 25, Records: 35},
	"pmacct/103":                        {Datagrams: 6, Records: 12},
	"pmacct/104":                        {Datagrams: 5, Records: 3},
	"pmacct/106":                        {Datagrams: 6, Records: 3},
	"pmacct/111-v9":                     {Datagrams: 11, Records: 11},
	"pmacct/111-ipfix":                  {Datagrams: 11, Records: 13},
	"pmacct/112":                        {Datagrams: 21, Records: 9, Errors: map[string]int{"missing-template": 2}},
	"pmacct/900":                        {Datagrams: 11, Records: 11},
	"swisscom/400-00":                   {Datagrams: 583, Records: 657},
	"swisscom/400-01":                   {Datagrams: 277, Records: 109},
	"swisscom/401-00":                   {Datagrams: 596, Records: 748},
	"swisscom/401-01":                   {Datagrams: 622, Records: 716},
	"swisscom/500":                      {Datagrams: 40, Records: 43},
	"swisscom/501":                      {Datagrams: 66, Records: 74},
	"swisscom/502":                      {Datagrams: 64, Records: 75},
	"logstash/ipfix":                    {Datagrams: 1, Records: 12},
	"logstash/barracuda":                {Datagrams: 2, Records: 8},
	"logstash/barracuda-uniflow":        {Datagrams: 2, Records: 2},
	"logstash/ixia":                     {Datagrams: 2, Records: 3},
	"logstash/juniper-mx240":            {Datagrams: 2, Records: 0},
	"logstash/mikrotik-ipfix":           {Datagrams: 3, Records: 46},
	"logstash/netscaler":                {Datagrams: 2, Records: 3, Errors: map[string]int{"missing-template": 1}},
	"logstash/nokia-bras":               {Datagrams: 2, Records: 1},
	"logstash/openbsd-pflow":            {Datagrams: 2, Records: 26},
	"logstash/procera":                  {Datagrams: 2, Records: 8},
	"logstash/viptela":                  {Datagrams: 2, Records: 1},
	"logstash/vmware-vds":               {Datagrams: 4, Records: 5},
	"logstash/yaf":                      {Datagrams: 5, Records: 2},
	"logstash/v5":                       {Datagrams: 1, Records: 2},
	"logstash/v5-juniper-mx80":          {Datagrams: 1, Records: 29},
	"logstash/v5-mikrotik":              {Datagrams: 1, Records: 30},
	"logstash/v5-invalid01":             {Datagrams: 1, Records: 0, Errors: map[string]int{"count": 1}},
	"logstash/v5-invalid02":             {Datagrams: 1, Records: 0, Errors: map[string]int{"count": 1}},
	"logstash/asr1001x":                 {Datagrams: 1, Records: 25},
	"logstash/0length-fields":           {Datagrams: 1, Records: 10},
	"logstash/cisco-1941":               {Datagrams: 1, Records: 29},
	"logstash/cisco-aci":                {Datagrams: 2, Records: 3},
	"logstash/cisco-asa-1":              {Datagrams: 2, Records: 14},
	"logstash/cisco-asa-2":              {Datagrams: 3, Records: 19},
	"logstash/cisco-asr9k":              {Datagrams: 7, Records: 21},
	"logstash/cisco-nbar":               {Datagrams: 3, Records: 5},
	"logstash/cisco-wlc":                {Datagrams: 3, Records: 19},
	"logstash/layer2segmentid":          {Datagrams: 2, Records: 1},
	"logstash/fortios-521":              {Datagrams: 3, Records: 1},
	"logstash/fortios-542":              {Datagrams: 2, Records: 17},
	"logstash/h3c":                      {Datagrams: 2, Records: 16},
	"logstash/h3c-varstring":            {Datagrams: 2, Records: 1},
	"logstash/huawei":                   {Datagrams: 2, Records: 1},
	"logstash/v9-invalid01":             {Datagrams: 1, Records: 0, Errors: map[string]int{"count": 1}},
	"logstash/ipt-netflow":              {Datagrams: 1, Records: 12, Errors: map[string]int{"missing-template": 1}},
	"logstash/juniper-srx":              {Datagrams: 1, Records: 0},
	"logstash/macaddr":                  {Datagrams: 2, Records: 29},
	"logstash/nprobe":                   {Datagrams: 3, Records: 2},
	"logstash/paloalto-81":              {Datagrams: 2, Records: 1},
	"logstash/paloalto-panos":           {Datagrams: 2, Records: 8},
	"logstash/softflowd":                {Datagrams: 1, Records: 7},
	"logstash/streamcore":               {Datagrams: 2, Records: 4},
	"logstash/ubnt-edgerouter":          {Datagrams: 3, Records: 16},
	"logstash/unknown-tpl266-292":       {Datagrams: 1, Records: 2},
	"logstash/valid01":                  {Datagrams: 1, Records: 7},
}

func TestCorpus(t *testing.T) {
	for _, c := range corpusCases {
		t.Run(c.name, func(t *testing.T) {
			in := loadInputs(t, c.files)
			res, _ := decodeAll(t, netflow.New(netflow.Config{}), in)
			if diff := cmp.Diff(wantCorpus[c.name], res); diff != "" {
				t.Errorf("decode (-want +got):\n%s", diff)
			}
		})
	}
}

// TestCorpusRecords checks chosen records field by field; the expected
// values were read with tshark -V.
func TestCorpusRecords(t *testing.T) {
	a := netip.MustParseAddr
	tests := []struct {
		name  string
		index int
		want  flow.Record
	}{
		{"akvorado/nfv5", 0, flow.Record{
			Exporter: a("10.19.144.41"), ObservationDomain: 3, Source: flow.SourceNetFlowV5,
			SrcAddr: a("161.202.212.212"), DstAddr: a("202.152.70.24"), NextHop: a("61.6.255.150"),
			SrcPort: 30104, DstPort: 11963, Proto: 6, TCPFlags: 0x18, EtherType: 0x0800,
			SrcMask: 19, DstMask: 24, Bytes: 133, Packets: 1, InIf: 117, OutIf: 86,
			SrcAS: 36351, DstAS: 10101,
			// SysUptime 2874339 s, StartTime 2874324 s, export 1680626679 s.
			Start: 1680626664e9, End: 1680626664e9,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var files []string
			for _, c := range corpusCases {
				if c.name == tt.name {
					files = c.files
				}
			}
			_, recs := decodeAll(t, netflow.New(netflow.Config{}), loadInputs(t, files))
			if tt.index >= len(recs) {
				t.Fatalf("%d records, want index %d", len(recs), tt.index)
			}
			if diff := cmp.Diff(tt.want, recs[tt.index], cmp.Comparer(func(x, y netip.Addr) bool { return x == y })); diff != "" {
				t.Errorf("record %d (-want +got):\n%s", tt.index, diff)
			}
		})
	}
}

package device

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/seawall/seawall/internal/testenv"
)

func TestParseTree(t *testing.T) {
	tests := []struct {
		name   string
		vendor Vendor
		in     string
		want   []string
		lines  int // Config.Lines
	}{
		{
			name:   "ios banner ^C",
			vendor: IOS,
			in:     "hostname r1\nbanner motd ^C\nAuthorised use only\n  really ^C\ninterface Gi0/0\n shutdown\n",
			want:   []string{"1+: hostname r1", "2+: banner motd ^C", "  | ", "  | Authorised use only", "  | really", "5+: interface Gi0/0", "  6+: shutdown"},
			lines:  4,
		},
		{
			name:   "ios banner one line",
			vendor: IOS,
			in:     "banner login #keep out#\nhostname r1\n",
			want:   []string{"1+: banner login #keep out#", "  | keep out", "2+: hostname r1"},
			lines:  2,
		},
		{
			name:   "ios banner control-character delimiter",
			vendor: IOS,
			in:     "banner exec \x03\nhello\n\x03\nhostname r1\n",
			want:   []string{"1+: banner exec \uFFFD", "  | ", "  | hello", "4+: hostname r1"},
			lines:  2,
		},
		{
			name:   "unclosed banner swallows nothing",
			vendor: IOS,
			in:     "banner motd %\nhostname r1\nbanner exec ~\nline vty 0 4\n",
			want:   []string{"1+: banner motd %", "2+: hostname r1", "3+: banner exec ~", "4+: line vty 0 4"},
			lines:  4,
		},
		{
			name:   "eos banner EOF",
			vendor: EOS,
			in:     "banner login\nline one\nEOF not alone\nEOF\nhostname s1\n",
			want:   []string{"1+: banner login", "  | line one", "  | EOF not alone", "5+: hostname s1"},
			lines:  2,
		},
		{
			name:   "nx-os banner arbitrary delimiter",
			vendor: NXOS,
			in:     "banner motd @\nno entry\n@\nfeature bgp\n",
			want:   []string{"1+: banner motd @", "  | ", "  | no entry", "4+: feature bgp"},
			lines:  2,
		},
		{
			name:   "ios macro",
			vendor: IOS,
			in:     "macro name access\n switchport mode access\n spanning-tree portfast\n@\nhostname r1\n",
			want:   []string{"1+: macro name access", "  |  switchport mode access", "  |  spanning-tree portfast", "5+: hostname r1"},
			lines:  2,
		},
		{
			name:   "certificate chain",
			vendor: IOS,
			in:     "crypto pki certificate chain TP\n certificate self-signed 01\n  30820330 30820218\n  A0030201\n  \tquit\nhostname r1\n",
			want:   []string{"1+: crypto pki certificate chain TP", "  2+: certificate self-signed 01", "    |   30820330 30820218", "    |   A0030201", "6+: hostname r1"},
			lines:  3,
		},
		{
			name:   "xr route-policy and sets",
			vendor: IOSXR,
			in:     "prefix-set PS\n  10.0.0.0/8 le 32\nend-set\n!\nroute-policy RP\n  if destination in PS then\n    drop\n  endif\nend-policy\n",
			want:   []string{"1+: prefix-set PS", "  2+: 10.0.0.0/8 le 32", "3+: end-set", "5+: route-policy RP", "  6+: if destination in PS then", "    7+: drop", "  8+: endif", "9+: end-policy"},
			lines:  8,
		},
		{
			name:   "ios unknown statement kept",
			vendor: IOS,
			in:     "frobnicate all\ninterface Gi0/0\n quux 1\n description x\n",
			want:   []string{"1: frobnicate all", "2+: interface Gi0/0", "  3: quux 1", "  4+: description x"},
			lines:  4,
		},
		{
			name:   "junos braces, inactive, annotations, comments, lists, quotes",
			vendor: Junos,
			in: `## Last commit: 2024-01-01
system {
    /* who may log in */
    host-name "core 1";
    inactive: services {
        telnet;
    }
    # a comment
    authentication-order [ tacplus password ];
    login {
        message "say \"hi\"";
    }
}
`,
			want: []string{
				"2+: system",
				"  4+: host-name", "    4+: core 1",
				"  5~+: services", "    6+: telnet",
				"  9+: authentication-order", "    9+: tacplus", "    9+: password",
				"  10+: login", "    11+: message", `      11+: say "hi"`,
			},
			lines: 7, // 2, 4, 5, 6, 9, 10, 11; brace-only lines do not count
		},
		{
			name:   "junos set, deactivate, delete",
			vendor: Junos,
			in:     "set system host-name r1\nset system services ssh\nset system services telnet\ndeactivate system services ssh\ndelete system services telnet\nset interfaces ge-0/0/0 description \"to core\"\n",
			want: []string{
				"1+: system", "  1+: host-name", "    1+: r1", "  2+: services", "    2~+: ssh",
				"6+: interfaces", "  6+: ge-0/0/0", "    6+: description", "      6+: to core",
			},
			lines: 6,
		},
		{
			name:   "junos brace and set give the same tree",
			vendor: Junos,
			in:     "snmp {\n    community public {\n        authorization read-only;\n    }\n}\nset snmp location lab\n",
			want:   []string{"1+: snmp", "  2+: community", "    2+: public", "      3+: authorization", "        3+: read-only", "  6+: location", "    6+: lab"},
			lines:  4, // 1, 2, 3 and 6
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Parse("t", []byte(tt.in), tt.vendor)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, dump(c)); diff != "" {
				t.Errorf("tree (-want +got):\n%s", diff)
			}
			if c.Lines != tt.lines {
				t.Errorf("Lines = %d, want %d", c.Lines, tt.lines)
			}
			if err := treeInvariants(c, lineCount([]byte(tt.in))); err != nil {
				t.Error(err)
			}
		})
	}
}

func TestParseHostile(t *testing.T) {
	big := strings.Repeat("x", 1<<20)
	tests := []struct {
		name   string
		vendor Vendor
		in     string
	}{
		{"control bytes", IOS, "hostname \x1b[31mr1\x00\ninterface Gi0/0\x07\n description \xff\xfe\n"},
		{"1 MB line ios", IOS, "hostname r1\ndescription " + big + "\n"},
		{"1 MB line junos", Junos, "set system host-name " + big + "\n"},
		{"1 MB quoted junos", Junos, `system { host-name "` + big + "\n"},
		{"deep braces", Junos, strings.Repeat("a {\n", 100000) + strings.Repeat("}\n", 100000)},
		{"unbalanced braces", Junos, strings.Repeat("}\n", 1000) + "system { host-name r1; }\n" + strings.Repeat("{", 1000)},
		{"deep indentation", IOS, func() string {
			var sb strings.Builder
			for i := range 5000 {
				sb.WriteString(strings.Repeat(" ", i) + "interface x\n")
			}
			return sb.String()
		}()},
		{"unclosed comment", Junos, "system {\n/* never closed\nhost-name r1;\n}\n"},
		{"unclosed quote", Junos, "system { host-name \"r1;\n}\n"},
		{"many unclosed banners", IOS, strings.Repeat("banner motd ~\nhostname r1\n", 20000)},
		{"utf-16", IOS, "\xff\xfeh\x00o\x00s\x00t\x00n\x00a\x00m\x00e\x00 \x00r\x001\x00\n\x00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Parse("t", []byte(tt.in), tt.vendor)
			if err != nil {
				t.Fatal(err)
			}
			if err := treeInvariants(c, lineCount([]byte(tt.in))); err != nil {
				t.Error(err)
			}
			deepest := 0
			var walk func(n *Node, d int)
			walk = func(n *Node, d int) {
				deepest = max(deepest, d)
				for _, ch := range n.Children {
					walk(ch, d+1)
				}
			}
			walk(&c.Root, 0)
			if deepest > MaxDepth+1 {
				t.Errorf("tree %d deep, want at most %d", deepest, MaxDepth+1)
			}
		})
	}
}

// TestParseControlBytes checks that control characters never reach the
// tree and are counted.
func TestParseControlBytes(t *testing.T) {
	c, err := Parse("t", []byte("hostname r\x1b1\x00\n"), IOS)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"1+: hostname r\uFFFD1\uFFFD"}, dump(c)); diff != "" {
		t.Error(diff)
	}
	if c.Binary != 2 {
		t.Errorf("Binary = %d, want 2", c.Binary)
	}
}

// TestParseLinear checks that parse time grows linearly: about 100k lines
// may take at most 40 times as long as 10k lines (10 times, with slack for
// a busy machine and garbage collection; quadratic work would be 100 times).
func TestParseLinear(t *testing.T) {
	if testing.Short() {
		t.Skip("timing test")
	}
	// The race detector slows code unevenly; the pass without -race checks it.
	testenv.SkipIfRace(t)
	gen := map[Vendor]func(i int) string{
		IOS: func(i int) string {
			return fmt.Sprintf("interface Gi0/%d\n description port %d\n ip address 10.0.%d.1 255.255.255.0\n", i, i, i%250)
		},
		Junos: func(i int) string {
			return fmt.Sprintf("set interfaces ge-0/0/%d unit 0 family inet address 10.%d.0.1/24\n", i, i%250)
		},
	}
	gen[IOSXR] = gen[IOS]
	for v, g := range gen {
		build := func(n int) []byte {
			var sb strings.Builder
			for i := range n {
				sb.WriteString(g(i))
			}
			return []byte(sb.String())
		}
		small, large := build(3500), build(35000)
		timeIt := func(data []byte) time.Duration {
			best := time.Duration(1 << 62)
			for range 3 {
				start := time.Now()
				if _, err := Parse("t", data, v); err != nil {
					t.Fatal(err)
				}
				best = min(best, time.Since(start))
			}
			return best
		}
		ts, tl := timeIt(small), timeIt(large)
		if tl > 40*ts+50*time.Millisecond {
			t.Errorf("%s: 10x input took %v vs %v: not linear", v, tl, ts)
		}
	}
}

func TestDetect(t *testing.T) {
	tests := []struct {
		name, in string
		want     Vendor
	}{
		{"ios", "version 15.2\nservice timestamps debug datetime msec\nhostname r1\n", IOS},
		{"ios utf-8 bom", "\xef\xbb\xbfhostname r1\ninterface GigabitEthernet0/0\n ip address 10.0.0.1 255.255.255.0\n", IOS},
		{"ios acl snippet", "ip access-list extended blah\n   permit ip any any\n", IOS},
		{"nxos", "!Command: show running-config\nversion 9.3(5)\nfeature bgp\n", NXOS},
		{"xr", "hostname r1\nroute-policy PASS\n  pass\nend-policy\n", IOSXR},
		{"eos", "! device: s1 (DCS-7050SX3-48YC8, EOS-4.29.2F)\nhostname s1\n", EOS},
		{"junos set", "set system host-name r1\n", Junos},
		{"junos braces", "system {\n    host-name r1;\n}\n", Junos},
		{"asa", ": Saved\nASA Version 9.12(4)\nhostname fw\n", ASA},
		{"fortios", "#config-version=FG100F-7.4.8\nconfig system global\n", FortiOS},
		{"sros", "# TiMOS-B-20.10.R1\nconfigure {\n", SROS},
		{"panos", "set deviceconfig system hostname fw\n", PANOS},
		{"iptables", "*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -j DROP\nCOMMIT\n", Other},
		{"license", "                                 Apache License\n                           Version 2.0, January 2004\n", Unknown},
		{"markdown", "# Source\n\n- Repository: x\n| a | b |\n", Unknown},
		{"empty", "", Unknown},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, why := Detect("r1.cfg", []byte(tt.in)); got != tt.want {
				t.Errorf("Detect = %q (%s), want %q", got, why, tt.want)
			}
		})
	}
}

func TestParseUnsupported(t *testing.T) {
	for _, in := range []string{": Saved\nASA Version 9.8(1)\n", "config system global\n    set hostname x\nend\n", "LICENSE\n"} {
		_, err := Parse("x", []byte(in), Unknown)
		var ue *UnsupportedError
		if !errorsAs(err, &ue) {
			t.Errorf("%q: err = %v, want *UnsupportedError", in, err)
		}
	}
}

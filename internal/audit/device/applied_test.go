package device

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestApplied(t *testing.T) {
	conf := `set groups G1 system services ssh
set groups G2 system services telnet
set groups G3 system services ftp
set system services netconf ssh
set apply-groups [ G2 G1 ]
deactivate groups G1
`
	c, err := Parse("j", []byte(conf), Junos)
	if err != nil {
		t.Fatal(err)
	}
	lines := func(ns []*Node) []int {
		var out []int
		for _, n := range ns {
			out = append(out, n.Line)
		}
		return out
	}
	tests := []struct {
		path []string
		want []int
	}{
		{[]string{"system", "services"}, []int{4, 2}}, // own first, then G2; G1 is inactive, G3 not applied
		{[]string{"system", "services", "telnet"}, []int{2}},
		{[]string{"system", "services", "ftp"}, nil},
		{[]string{"snmp"}, nil},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, lines(c.Applied(tt.path...))); diff != "" {
			t.Errorf("Applied(%q) lines (-want +got):\n%s", tt.path, diff)
		}
	}
}

func TestActive(t *testing.T) {
	c, err := Parse("j", []byte("set system services ssh\nset system services telnet\ndeactivate system services telnet\nset system services ftp\n"), Junos)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, n := range c.Path("system", "services").Active() {
		got = append(got, n.Words[0])
	}
	if diff := cmp.Diff([]string{"ssh", "ftp"}, got); diff != "" {
		t.Errorf("Active (-want +got):\n%s", diff)
	}
}

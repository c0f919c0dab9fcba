package acl

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestStripSeq(t *testing.T) {
	tests := []struct{ in, want string }{
		{"10 permit ip any any", "permit ip any any"},
		{"permit ip any any", "permit ip any any"},
		{"10", ""},
		{"", ""},
		{"remark 10 x", "remark 10 x"},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(strings.Fields(tt.want), StripSeq(strings.Fields(tt.in)), cmp.Comparer(func(a, b []string) bool { return strings.Join(a, " ") == strings.Join(b, " ") })); diff != "" {
			t.Errorf("StripSeq(%q) (-want +got):\n%s", tt.in, diff)
		}
	}
}

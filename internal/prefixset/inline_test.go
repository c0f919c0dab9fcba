package prefixset_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestHotPathsInline guards the lookup speed against an innocent edit: the
// IPv4 fast paths must stay within the compiler's inlining budget, since a
// call costs a third of a lookup. The compiler's own -m report says.
func TestHotPathsInline(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the package with -gcflags=-m")
	}
	// go test runs with the go command's own directory first in PATH.
	out, err := exec.Command("go", "build", "-gcflags=-m", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build -gcflags=-m: %v\n%s", err, out)
	}
	for _, fn := range []string{"(*Table).Lookup4", "(*Set).Contains4"} {
		if !strings.Contains(string(out), "can inline "+fn+"\n") {
			t.Errorf("%s is no longer inlinable; keep its cost within budget 80 (go build -gcflags=-m=2 ./internal/prefixset/ says why)", fn)
		}
	}
}

package testenv

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// goldenTB records Errorf as well as Fatalf.
type goldenTB struct {
	fakeTB
	errored string
}

func (g *goldenTB) Errorf(format string, args ...any) { g.errored = fmt.Sprintf(format, args...) }

func TestGolden(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "sub", "out.golden")

	g := &goldenTB{}
	Golden(g, path, []byte("one\n"))
	if !strings.Contains(g.failed, "go test -update") {
		t.Errorf("missing golden file: Fatalf %q, want a hint at -update", g.failed)
	}

	old := *update
	*update = true
	g = &goldenTB{}
	Golden(g, path, []byte("one\n"))
	*update = old
	if g.failed != "" || g.errored != "" {
		t.Fatalf("-update: failed %q, errored %q", g.failed, g.errored)
	}
	if b, err := os.ReadFile(path); err != nil || string(b) != "one\n" {
		t.Fatalf("-update wrote %q, %v", b, err)
	}

	g = &goldenTB{}
	Golden(g, path, []byte("one\n"))
	if g.failed != "" || g.errored != "" {
		t.Errorf("same content: failed %q, errored %q", g.failed, g.errored)
	}

	g = &goldenTB{}
	Golden(g, path, []byte("two\n"))
	if !strings.Contains(g.errored, path) || !strings.Contains(g.errored, `"two\n"`) {
		t.Errorf("changed content: Errorf %q, want the path and the diff", g.errored)
	}
}

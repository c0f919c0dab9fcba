package ioc

import (
	"fmt"
	"path/filepath"
	"testing"
)

func TestDump(t *testing.T) {
	files, _ := filepath.Glob("testdata/*/*.cfg")
	for _, f := range files {
		f = f[len("testdata/"):]
		for _, inv := range []bool{false, true} {
			i := testInventory()
			if !inv {
				i = nil
			}
			for _, fd := range run(t, f, i, Rules()) {
				var ls []int
				for _, e := range fd.Evidence {
					ls = append(ls, e.Line)
				}
				fmt.Printf("%s inv=%v %s %s %v %s\n", f, inv, fd.RuleID, fd.Severity, ls, fd.Message)
			}
		}
	}
}

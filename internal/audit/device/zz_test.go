package device

import (
	"fmt"
	"sort"
	"testing"
)

func TestZZUnknown(t *testing.T) {
	files := loadCorpus(t)
	cnt := map[string]int{}
	for _, f := range files {
		c, err := Parse(f.rel, f.data, Unknown)
		if err != nil {
			continue
		}
		var walk func(n *Node, d int)
		walk = func(n *Node, d int) {
			for _, ch := range n.Children {
				if !ch.Known {
					k := fmt.Sprintf("%s d%d %s", c.Vendor, d, ch.Word(0))
					if d > 0 {
						pw := n.Word(0)
						if c.Vendor != Junos && (pw == "router" || pw == "line") {
							pw += "_" + n.Word(1)
						}
						w := ch.Word(0)
						if w == "no" {
							w = ch.Word(1)
						}
						k = fmt.Sprintf("%s d%d %s>%s", c.Vendor, d, pw, w)
					}
					cnt[k]++
				}
				if d < 1 {
					walk(ch, d+1)
				}
			}
		}
		walk(&c.Root, 0)
	}
	var ks []string
	for k := range cnt {
		ks = append(ks, k)
	}
	sort.Slice(ks, func(i, j int) bool { return cnt[ks[i]] > cnt[ks[j]] })
	for _, k := range ks {
		fmt.Println(cnt[k], k)
	}
}

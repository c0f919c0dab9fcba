package daemon

import (
	"fmt"
	"net/netip"
	"os"
	"reflect"
	"slices"

	"github.com/seawall/seawall/internal/config"
	"github.com/seawall/seawall/internal/detect"
	"github.com/seawall/seawall/internal/enrich"
	"github.com/seawall/seawall/internal/geodata"
	"github.com/seawall/seawall/internal/inventory"
)

// pipelineConfig is what the enrichment table and the detection engine
// are built from, as of the last successful load.
type pipelineConfig struct {
	enrich    config.Enrich
	detect    detect.Config
	inventory inventory.Config
	lists     []string
}

// buildTable reads the ASN tables and threat lists the enrich: section
// names (relative paths from resolve's directory) and builds the table
// with the country database, the block policy's prefixes and the
// inventory. It returns the number of ASN ranges.
func buildTable(resolve func(string) string, e config.Enrich, l geodata.Loaded, block []netip.Prefix, inv *inventory.Config) (*enrich.Table, int, error) {
	src := enrich.Sources{Geo: l.DB, GeoMode: l.Mode(), Block: block, Inventory: inv}
	for _, p := range e.ASN {
		path := resolve(p)
		f, err := os.Open(path)
		if err != nil {
			return nil, 0, fmt.Errorf("enrich.asn: %w", err)
		}
		r, err := enrich.ParseIPToASN(path, f)
		f.Close()
		if err != nil {
			return nil, 0, fmt.Errorf("enrich.asn: %w", err)
		}
		src.ASN = append(src.ASN, r...)
	}
	for _, tl := range e.Lists {
		path := resolve(tl.Path)
		f, err := os.Open(path)
		if err != nil {
			return nil, 0, fmt.Errorf("enrich.lists %q: %w", tl.Name, err)
		}
		list, err := enrich.ParseList(path, f)
		f.Close()
		if err != nil {
			return nil, 0, fmt.Errorf("enrich.lists %q: %w", tl.Name, err)
		}
		list.Name = tl.Name
		src.Lists = append(src.Lists, list)
	}
	t, err := enrich.Build(src)
	if err != nil {
		return nil, 0, fmt.Errorf("enrich: %w", err)
	}
	return t, len(src.ASN), nil
}

// sameEngine tells whether an engine built from a serves b: the detect:
// and inventory: sections and the threat lists' names are what New takes.
func sameEngine(a, b *pipelineConfig) bool {
	return a != nil && reflect.DeepEqual(a.detect, b.detect) && reflect.DeepEqual(a.inventory, b.inventory) && slices.Equal(a.lists, b.lists)
}

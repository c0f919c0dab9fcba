package config

import (
	"errors"
	"fmt"

	"github.com/seawall/seawall/internal/enrich"
)

// Enrich is the enrich: section of seawall.yaml: the files flows are
// tagged from, beside the country database, the block policy and the
// inventory. internal/enrich is pure (it parses readers and builds
// tables), so the section naming files lives here with the other parts
// the daemon opens; `seawall serve` reads the files at start and on every
// reload, and a reload that finds one broken keeps the last good table.
type Enrich struct {
	// ASN are prefix-to-ASN tables in iptoasn.com's TSV format
	// (ip2asn-v4.tsv, ip2asn-v6.tsv or ip2asn-combined.tsv, unzipped).
	// Relative paths are taken from the configuration file's directory.
	ASN []string `yaml:"asn"`
	// Lists are threat lists: one address or prefix per line, # comments.
	Lists []ThreatList `yaml:"lists"`
}

// ThreatList is one named threat list file.
type ThreatList struct {
	// Name is what alerts call the list (DET-FLOW-016 names it).
	Name string `yaml:"name"`
	Path string `yaml:"path"`
}

// Validate checks the section without reading the files (the daemon reads
// them, and reports a broken one with its line).
func (e Enrich) Validate() error {
	var errs []error
	for i, p := range e.ASN {
		if p == "" {
			errs = append(errs, fmt.Errorf("enrich.asn[%d]: empty path", i))
		}
	}
	if len(e.Lists) > enrich.MaxLists {
		errs = append(errs, fmt.Errorf("enrich.lists: %d lists, at most %d are supported", len(e.Lists), enrich.MaxLists))
	}
	seen := map[string]bool{}
	for i, l := range e.Lists {
		switch {
		case l.Name == "":
			errs = append(errs, fmt.Errorf("enrich.lists[%d].name: missing (alerts name the list by it)", i))
		case seen[l.Name]:
			errs = append(errs, fmt.Errorf("enrich.lists[%d].name: %q is listed twice", i, l.Name))
		}
		seen[l.Name] = true
		if l.Path == "" {
			errs = append(errs, fmt.Errorf("enrich.lists[%d].path: missing", i))
		}
	}
	return errors.Join(errs...)
}

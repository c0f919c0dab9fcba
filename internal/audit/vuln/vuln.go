// Package vuln matches a device's software version against the exploited
// CVEs seawall knows (the CISA KEV catalogue joined with affected and fixed
// versions), and says whether the configuration makes each reachable.
//
// The dataset is dataset.json, embedded and dated: `go generate` joins the
// KEV snapshot in ../shared/data/kev with affected.json, whose ranges are
// written by hand from the threat catalogue's section 5. Ranges the
// catalogue marks [k] (from analyst knowledge, not re-read against the
// vendor) or does not give at all carry confidence "unverified", and so do
// the findings they produce.
//
// A finding's message starts with one of three verdicts:
//   - "exposed": the release is affected and the configuration enables
//     the vulnerable feature (or the flaw needs no feature);
//   - "vulnerable version but not reachable by configuration": affected,
//     but the feature is off (reported at medium severity);
//   - "unknown version": the feature is on but the release is not known
//     (no version, or only the train, and the train straddles a fix).
//
// Otherwise the rule stays silent.
package vuln

import (
	_ "embed"
	"encoding/json"
	"fmt"
)

//go:generate go run gen.go -kev ../../../../shared/data/kev -in affected.json -o dataset.json

//go:embed dataset.json
var datasetJSON []byte

// Dataset is the embedded vulnerability data.
type Dataset struct {
	// Source names the KEV catalogue and where it came from; Commit is the
	// kev-data commit of the snapshot.
	Source         string `json:"source"`
	Commit         string `json:"commit"`
	CatalogVersion string `json:"catalogVersion"`
	DateReleased   string `json:"dateReleased"`
	// VersionsFrom says where the affected ranges come from.
	VersionsFrom string `json:"versionsFrom"`
	CVEs         []CVE  `json:"cves"`
}

// CVE is one KEV entry joined with its affected releases.
type CVE struct {
	ID               string   `json:"cveID"`
	Vendor           string   `json:"vendor"`
	Product          string   `json:"product"`
	Name             string   `json:"name"`
	DateAdded        string   `json:"dateAdded"`
	DueDate          string   `json:"dueDate"`
	Ransomware       string   `json:"knownRansomwareCampaignUse"`
	ShortDescription string   `json:"shortDescription"`
	KEVNotes         []string `json:"kevNotes"`
	CVSS             float64  `json:"cvss"`
	CVSSConfidence   string   `json:"cvssConfidence,omitempty"`
	Reach            string   `json:"reach"`
	Advisories       []string `json:"advisories"`
	Actors           string   `json:"actors"`
	Ranges           []Range  `json:"ranges"`
	HotfixNote       string   `json:"hotfixNote,omitempty"`
	Note             string   `json:"note,omitempty"`
}

// Range is a run of affected releases of one OS: From (inclusive, "" for
// no lower bound) up to Before (exclusive, "" for no upper bound). Fixed
// is the release to move to, "" when the data has none.
type Range struct {
	OS         string `json:"os"`
	From       string `json:"from,omitempty"`
	Before     string `json:"before,omitempty"`
	Fixed      string `json:"fixed,omitempty"`
	Confidence string `json:"confidence,omitempty"`
	Note       string `json:"note,omitempty"`
	// Models limits the range to these hardware models (Cisco product ids).
	Models []string `json:"models,omitempty"`
	// Hotfixes are intermediate fixed releases inside the range ([k]).
	Hotfixes []string `json:"hotfixes,omitempty"`
}

// Load decodes the embedded dataset.
func Load() (*Dataset, error) {
	var d Dataset
	if err := json.Unmarshal(datasetJSON, &d); err != nil {
		return nil, fmt.Errorf("vuln: embedded dataset.json: %w", err)
	}
	return &d, nil
}

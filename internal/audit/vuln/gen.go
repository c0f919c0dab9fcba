//go:build ignore

// gen.go joins the hand-written affected.json with a CISA KEV catalogue
// snapshot and writes dataset.json, which the package embeds. Run it with
// `go generate ./internal/audit/vuln` from a checkout that has ../shared.
//
//	go run gen.go -kev ../../../../shared/data/kev -o dataset.json
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

type kevCatalogue struct {
	CatalogVersion  string     `json:"catalogVersion"`
	DateReleased    string     `json:"dateReleased"`
	Vulnerabilities []kevEntry `json:"vulnerabilities"`
}

type kevEntry struct {
	CVEID             string `json:"cveID"`
	VendorProject     string `json:"vendorProject"`
	Product           string `json:"product"`
	VulnerabilityName string `json:"vulnerabilityName"`
	DateAdded         string `json:"dateAdded"`
	DueDate           string `json:"dueDate"`
	Ransomware        string `json:"knownRansomwareCampaignUse"`
	ShortDescription  string `json:"shortDescription"`
	Notes             string `json:"notes"`
}

type affected struct {
	VersionsFrom string            `json:"versionsFrom"`
	CVEs         []json.RawMessage `json:"cves"`
}

func main() {
	kevDir := flag.String("kev", "../../../../shared/data/kev", "directory holding known_exploited_vulnerabilities.json and SOURCES.md")
	in := flag.String("in", "affected.json", "hand-written affected ranges")
	out := flag.String("o", "dataset.json", "output")
	flag.Parse()
	if err := run(*kevDir, *in, *out); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(kevDir, in, out string) error {
	raw, err := os.ReadFile(filepath.Join(kevDir, "known_exploited_vulnerabilities.json"))
	if err != nil {
		return err
	}
	var kev kevCatalogue
	if err := json.Unmarshal(raw, &kev); err != nil {
		return fmt.Errorf("kev: %w", err)
	}
	commit := ""
	if src, err := os.ReadFile(filepath.Join(kevDir, "SOURCES.md")); err == nil {
		if m := regexp.MustCompile(`Commit: ([0-9a-f]{40})`).FindSubmatch(src); m != nil {
			commit = string(m[1])
		}
	}
	byID := map[string]kevEntry{}
	for _, e := range kev.Vulnerabilities {
		byID[e.CVEID] = e
	}
	araw, err := os.ReadFile(in)
	if err != nil {
		return err
	}
	var aff affected
	if err := json.Unmarshal(araw, &aff); err != nil {
		return fmt.Errorf("%s: %w", in, err)
	}
	var cves []map[string]any
	for _, c := range aff.CVEs {
		var m map[string]any
		if err := json.Unmarshal(c, &m); err != nil {
			return fmt.Errorf("%s: %w", in, err)
		}
		id, _ := m["cveID"].(string)
		e, ok := byID[id]
		if !ok {
			return fmt.Errorf("%s is not in KEV catalogue %s", id, kev.CatalogVersion)
		}
		m["vendor"] = e.VendorProject
		m["product"] = e.Product
		m["name"] = e.VulnerabilityName
		m["dateAdded"] = e.DateAdded
		m["dueDate"] = e.DueDate
		m["knownRansomwareCampaignUse"] = e.Ransomware
		m["shortDescription"] = e.ShortDescription
		var refs []string
		for _, n := range strings.Split(e.Notes, ";") {
			if n = strings.TrimSpace(n); strings.HasPrefix(n, "https://") {
				refs = append(refs, n)
			}
		}
		m["kevNotes"] = refs
		cves = append(cves, m)
	}
	doc := map[string]any{
		"source":         "CISA Known Exploited Vulnerabilities catalogue (CC0-1.0), https://github.com/cisagov/kev-data",
		"commit":         commit,
		"catalogVersion": kev.CatalogVersion,
		"dateReleased":   kev.DateReleased,
		"versionsFrom":   aff.VersionsFrom,
		"cves":           cves,
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", " ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(doc); err != nil {
		return err
	}
	return os.WriteFile(out, buf.Bytes(), 0o644)
}

//go:build ignore

// gen builds the embedded world table from a directory of per-country
// prefix lists; see world.go.
package main

import (
	"flag"
	"fmt"
	"log"
	"os"

	"github.com/seawall/seawall/internal/geo"
	"github.com/seawall/seawall/internal/geodata"
)

func main() {
	src := flag.String("src", "", "directory with country/<cc>/ipv{4,6}-aggregated.txt")
	source := flag.String("source", "", "name of the upstream source")
	commit := flag.String("commit", "", "upstream commit")
	date := flag.String("date", "", "data date, YYYY-MM-DD")
	out := flag.String("out", "world.swgeo", "output file")
	flag.Parse()
	db, err := geodata.ReadDir(*src, geo.Meta{Source: *source, Commit: *commit, Date: *date})
	if err != nil {
		log.Fatal(err)
	}
	data, err := geo.Encode(db)
	if err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(*out, data, 0o644); err != nil {
		log.Fatal(err)
	}
	t := db.Totals()
	fmt.Printf("%s: %d countries, %d IPv4 and %d IPv6 prefixes, %d bytes\n", *out, len(db.Countries), t.V4.Prefixes, t.V6.Prefixes, len(data))
}

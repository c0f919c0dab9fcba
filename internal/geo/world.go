package geo

import _ "embed"

// The world table: every country's IPv4 and IPv6 prefixes from the five
// registries' delegated files (allocated and assigned), as aggregated by
// the CC0 ipverse/rir-ip project. Regenerate with `go generate` when
// ../shared holds a newer snapshot; update commit and date below to match.
//
//go:generate go run gen.go -src ../../../shared/data/geo/ipverse-rir-ip -source ipverse/rir-ip -commit 6745bab5f3983019124c8df375c6d5d2b54fed8e -date 2026-02-01 -out world.swgeo

//go:embed world.swgeo
var world []byte

// World decodes the embedded world table. Each call decodes anew; callers
// keep the result.
func World() (*DB, error) { return Decode(world) }

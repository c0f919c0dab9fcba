//go:build !race

package prefixset

const raceEnabled = false

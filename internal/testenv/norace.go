//go:build !race

package testenv

// Race reports whether the test binary was built with -race. The race
// runtime allocates on its own, so allocation counts (testing.AllocsPerRun)
// are only meaningful when Race is false; see SkipIfRace.
const Race = false

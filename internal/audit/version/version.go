// Package version reads the software version a device runs, from its
// configuration's own header lines or from `show version` output, and
// compares versions the way each vendor numbers them.
package version

import (
	"github.com/seawall/seawall/internal/audit/device"
	"github.com/seawall/seawall/internal/audit/rule"
)

// FromConfig returns the software version the configuration states about
// itself (a `version` line, a RANCID or Oxidized header), or a zero
// Software when it states none.
func FromConfig(c *device.Config) rule.Software { return rule.Software{} }

// FromShowVersion reads `show version` (or `display version`) output; ok is
// false when data is not such output.
func FromShowVersion(name string, data []byte) (s rule.Software, ok bool) {
	return rule.Software{}, false
}

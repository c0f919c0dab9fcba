package export

import (
	"github.com/seawall/seawall/internal/enforce"
)

// renderCIDR writes one prefix per line, IPv4 first, for tools seawall
// has no format for; lines starting with # are the header.
func renderCIDR(w *writer, d *enforce.Desired) {
	for _, f := range families(d) {
		for _, p := range d.Prefixes(f) {
			w.line(p.String())
		}
	}
}

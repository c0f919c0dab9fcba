package alert

import (
	"net/netip"

	"github.com/google/go-cmp/cmp/cmpopts"
)

// addrs lets cmp compare netip.Addr fields by value.
var addrs = cmpopts.EquateComparable(netip.Addr{})

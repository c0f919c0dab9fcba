package version

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
)

// The operating systems whose version numbering this package knows, as
// rule.Software.OS names them.
const (
	IOS   = "ios"   // classic Cisco IOS: 12.2(55)SE12, 15.2(4)M11
	IOSXE = "iosxe" // Cisco IOS XE: 16.08.01b, 17.9.4a, 03.06.05E
	NXOS  = "nxos"  // Cisco NX-OS: 9.3(5), 7.0(3)I7(9), 7.3(13)N1(1)
	IOSXR = "iosxr" // Cisco IOS XR: 7.3.2
	Junos = "junos" // Juniper Junos: 22.4R3-S2.11, 15.1X49-D200.3
	EOS   = "eos"   // Arista EOS: 4.29.2F
	PANOS = "panos" // Palo Alto PAN-OS: 10.2.9-h1
)

// part is one ordered component of a version: numbers compare as numbers,
// then words as strings. A missing part sorts before any present one, so
// 17.9.4 < 17.9.4a and 21.4R3 < 21.4R3-S1.
type part struct {
	n int
	s string
}

// V is a parsed version. Two versions of the same OS compare by Compare;
// a train-level version (Train is true: `version 17.9`, `version 15.2`)
// stands for every release of that train, so use Within for it.
type V struct {
	OS  string
	Raw string
	// Train is true when Raw names only a train (major.minor), as IOS
	// configurations do in their `version` line.
	Train bool
	key   []part
}

// IsZero reports whether v is the zero V (used as an open range bound).
func (v V) IsZero() bool { return v.key == nil }

func (v V) String() string { return v.Raw }

// Compare orders v and w: -1, 0 or +1. A train-level version compares as
// the lowest release of its train. Versions of different trains of the
// same major.minor (IOS 15.2(4)M vs 15.2(4)E, Junos 15.1R vs 15.1X49)
// still get a fixed order, but it means nothing: ranges should name the
// train they mean.
func (v V) Compare(w V) int { return compareKeys(v.key, w.key) }

func compareKeys(a, b []part) int {
	for i := range min(len(a), len(b)) {
		if a[i].n != b[i].n {
			if a[i].n < b[i].n {
				return -1
			}
			return 1
		}
		if c := strings.Compare(a[i].s, b[i].s); c != 0 {
			return c
		}
	}
	switch {
	case len(a) < len(b):
		return -1
	case len(a) > len(b):
		return 1
	}
	return 0
}

// Membership says whether a version lies in a range.
type Membership int

// Range memberships.
const (
	Out   Membership = iota // outside the range
	In                      // inside the range
	Maybe                   // a train-level version whose train straddles a bound
)

func (m Membership) String() string { return [...]string{"out", "in", "maybe"}[m] }

// Within says whether v lies in [lo, hi); a zero lo or hi leaves that end
// open. For a train-level v it is In when the whole train lies inside,
// Out when none of it does, and Maybe otherwise.
func (v V) Within(lo, hi V) Membership {
	first := v.key
	last := v.key
	if v.Train {
		last = append(append([]part(nil), v.key...), part{n: math.MaxInt})
	}
	geLo := lo.IsZero() || compareKeys(first, lo.key) >= 0
	ltHi := hi.IsZero() || compareKeys(last, hi.key) < 0
	if geLo && ltHi {
		return In
	}
	if !v.Train {
		return Out
	}
	if (!lo.IsZero() && compareKeys(last, lo.key) < 0) || (!hi.IsZero() && compareKeys(first, hi.key) >= 0) {
		return Out
	}
	return Maybe
}

// Compare parses a and b as versions of os and orders them.
func Compare(os, a, b string) (int, error) {
	va, err := Parse(os, a)
	if err != nil {
		return 0, err
	}
	vb, err := Parse(os, b)
	if err != nil {
		return 0, err
	}
	return va.Compare(vb), nil
}

// MustParse is Parse for versions written in code and data; it panics on
// a malformed one.
func MustParse(os, s string) V {
	v, err := Parse(os, s)
	if err != nil {
		panic(err)
	}
	return v
}

var (
	// 12.2(55)SE12, 15.2(4)M11, 15.2(4.0.55)E, 12.2(44r)SG9, 15.2(7)E0a
	iosRE = regexp.MustCompile(`^(\d+)\.(\d+)(?:\((\d+)(?:\.(\d+))?(?:\.(\d+))?([a-z]*)\)([A-Z]*)(\d*)([a-z]*))?$`)
	// 16.08.01b, 17.9.4a, 03.06.05E, 03.09.01.S, 3.16.10S, 17.9
	xeRE = regexp.MustCompile(`^(\d+)\.(\d+)(?:\.(\d+)([a-z]*)\.?([A-Z]{0,4}))?$`)
	// 9.3(5), 9.3(7a), 7.0(3)I7(9), 7.3(13)N1(1), 14.0(1h), 10.4(5)M
	nxRE = regexp.MustCompile(`^(\d+)\.(\d+)(?:\((\d+)([a-z]*)\)(?:([A-Z]+)(\d+)\((\d+)([a-z]*)\))?([MF]?))?$`)
	// 22.4R3-S2.11, 21.4R3-S5, 15.1X49-D200.3, 21.1X3.3, 22.4, 19.1R1-S5-EVO
	junosRE = regexp.MustCompile(`^(\d+)\.(\d+)(?:([RFBI])(\d+)(?:-S(\d+))?|X(\d+)(?:-D(\d+))?)?(?:\.(\d+))?(-EVO)?$`)
	// 4.29.2F, 4.23.0.1F, 4.31.6M-39953990.4316M
	eosRE = regexp.MustCompile(`^(\d+)\.(\d+)(?:\.(\d+)(?:\.(\d+))?([A-Z]{0,3})(?:-\S*)?)?$`)
	// 10.2.9-h1, 7.0.1, 11.1.2-h3
	panRE = regexp.MustCompile(`^(\d+)\.(\d+)(?:\.(\d+)(?:-h(\d+))?)?$`)
	// 7.3.2, 6.1.4, 7.5.1.2
	xrRE = regexp.MustCompile(`^(\d+)\.(\d+)(?:\.(\d+)(?:\.(\d+))?)?$`)
)

// Parse reads s as a version of os (one of the OS constants). It accepts
// the vendor's own spellings: IOS XE with or without zero padding, NX-OS
// with or without its M/F suffix, EOS with its internal build suffix.
func Parse(os, s string) (V, error) {
	s = strings.TrimSpace(s)
	v := V{OS: os, Raw: s}
	var m []string
	var ok bool
	switch os {
	case IOS:
		if m = iosRE.FindStringSubmatch(s); m != nil {
			ok = true
			v.Train = m[3] == ""
			v.key = nums(m[1], m[2])
			if !v.Train {
				v.key = append(v.key, nums(m[3], m[4], m[5])...)
				v.key = append(v.key, part{s: m[6]}, part{s: m[7]}, num(m[8]), part{s: m[9]})
			}
		}
	case IOSXE:
		if m = xeRE.FindStringSubmatch(s); m != nil {
			ok = true
			v.Train = m[3] == ""
			v.key = nums(m[1], m[2])
			if !v.Train {
				// The 3.x trains (E, S, SG) are parallel: compare the
				// train before the rebuild letter.
				v.key = append(v.key, num(m[3]), part{s: m[5]}, part{s: m[4]})
			}
		}
	case NXOS:
		if m = nxRE.FindStringSubmatch(s); m != nil {
			ok = true
			v.Train = m[3] == ""
			v.key = nums(m[1], m[2])
			if !v.Train {
				v.key = append(v.key, num(m[3]), part{s: m[4]})
				if m[5] != "" {
					v.key = append(v.key, part{s: m[5]}, num(m[6]), num(m[7]), part{s: m[8]})
				}
			}
		}
	case Junos:
		if m = junosRE.FindStringSubmatch(s); m != nil {
			ok = true
			v.Train = m[3] == "" && m[6] == ""
			v.key = nums(m[1], m[2])
			switch {
			case m[3] != "":
				rank := map[string]int{"I": 0, "B": 1, "R": 2, "F": 3}[m[3]]
				v.key = append(v.key, part{n: rank}, num(m[4]), num(m[5]), num(m[8]))
			case m[6] != "":
				v.key = append(v.key, part{n: 4}, num(m[6]), num(m[7]), num(m[8]))
			default:
				ok = m[8] == "" // 22.4.3 is not a Junos version
			}
		}
	case EOS:
		// F and M mark a release's status, not its order: ignored.
		if m = eosRE.FindStringSubmatch(s); m != nil {
			ok = true
			v.Train = m[3] == ""
			v.key = nums(m[1], m[2])
			if !v.Train {
				v.key = append(v.key, nums(m[3], m[4])...)
			}
		}
	case PANOS:
		if m = panRE.FindStringSubmatch(s); m != nil {
			ok = true
			v.Train = m[3] == ""
			v.key = nums(m[1], m[2])
			if !v.Train {
				v.key = append(v.key, nums(m[3], m[4])...)
			}
		}
	case IOSXR:
		if m = xrRE.FindStringSubmatch(s); m != nil {
			ok = true
			v.Train = m[3] == ""
			v.key = nums(m[1], m[2])
			if !v.Train {
				v.key = append(v.key, nums(m[3], m[4])...)
			}
		}
	default:
		return V{}, fmt.Errorf("version %q: unknown operating system %q", s, os)
	}
	if !ok || !fits(m) {
		return V{}, fmt.Errorf("version %q is not a %s version", s, os)
	}
	return v, nil
}

// fits rejects numbers too long to be real components (fuzzing finds
// them; Atoi would fail or overflow).
func fits(m []string) bool {
	for _, g := range m[1:] {
		if len(g) > 9 && strings.Trim(g, "0123456789") == "" {
			return false
		}
	}
	return true
}

func num(s string) part {
	n, _ := strconv.Atoi(s) // "" and over-long digits are zero; fits bounds length
	return part{n: n}
}

func nums(s ...string) []part {
	out := make([]part, len(s))
	for i, x := range s {
		out[i] = num(x)
	}
	return out
}

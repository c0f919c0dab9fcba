package report

import (
	"bufio"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"unicode"

	"github.com/seawall/seawall/internal/audit"
	"github.com/seawall/seawall/internal/audit/rule"
)

// WriteTable writes the report for a terminal: a one-line verdict, the
// devices worst first, the findings grouped by severity (signs of
// intrusion first within each) with their evidence (file:line) and
// remediation, then parse coverage, the files
// that were not audited and the rules that need device state.
func WriteTable(w io.Writer, r *audit.Report, _ Meta) error {
	bw := bufio.NewWriter(w)
	f := split(r)
	fmt.Fprintf(bw, "seawall audit: %s audited, %s: %s\n", plural(len(f.audited), "device"), plural(len(r.Findings), "finding"), countLine(f.counts))
	if n := len(f.unsupported) + len(f.failed); n > 0 {
		fmt.Fprintf(bw, "%s not audited (listed at the end)\n", plural(n, "file"))
	}

	if len(f.audited) > 0 {
		fmt.Fprintf(bw, "\nDEVICES (worst first; score is 100 minus 25 per critical, 10 per high, 4 per medium, 1 per low)\n")
		tw := tabwriter.NewWriter(bw, 0, 4, 2, ' ', 0)
		fmt.Fprintf(tw, "  SCORE\tDEVICE\tVENDOR\tSOFTWARE\tCRIT\tHIGH\tMED\tLOW\tFILE\n")
		for _, d := range f.audited {
			sw := software(d.Software)
			if sw == "" {
				sw = "-"
			}
			fmt.Fprintf(tw, "  %d\t%s\t%s\t%s\t%d\t%d\t%d\t%d\t%s\n", d.Score, clean(d.Name), d.Vendor, clean(sw),
				d.Counts["critical"], d.Counts["high"], d.Counts["medium"], d.Counts["low"], clean(d.File))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}

	groups := bySeverity(r.Findings)
	for _, s := range severities {
		fs := groups[s]
		if len(fs) == 0 {
			continue
		}
		// Signs of intrusion first: they change what to do before anything
		// is fixed.
		fs = slices.Clone(fs)
		slices.SortStableFunc(fs, func(x, y rule.Finding) int { return kindOrder(x.Kind) - kindOrder(y.Kind) })
		fmt.Fprintf(bw, "\n%s (%d)\n", strings.ToUpper(s.String()), len(fs))
		for _, x := range fs {
			fmt.Fprintf(bw, "\n  %s  %s  [%s]\n", x.RuleID, x.Title, clean(x.Device))
			msg := x.Message
			if x.Confidence != "" {
				msg += " (" + x.Confidence + ")"
			}
			if msg != "" {
				fmt.Fprintf(bw, "    %s\n", clean(msg))
			}
			if len(x.Evidence) == 0 {
				fmt.Fprintf(bw, "    %s\n", clean(location(x)))
			}
			for _, e := range x.Evidence {
				fmt.Fprintf(bw, "    %s:%d  %s\n", clean(e.File), e.Line, clean(e.Text))
			}
			if x.Remediation != "" {
				lines := strings.Split(strings.TrimRight(x.Remediation, "\n"), "\n")
				fmt.Fprintf(bw, "    fix: %s\n", clean(lines[0]))
				for _, l := range lines[1:] {
					fmt.Fprintf(bw, "         %s\n", clean(l))
				}
			}
		}
	}

	if len(r.Vendors) > 0 {
		fmt.Fprintf(bw, "\nPARSE COVERAGE\n")
		tw := tabwriter.NewWriter(bw, 0, 4, 2, ' ', 0)
		fmt.Fprintf(tw, "  VENDOR\tFILES\tLINES\tUNDERSTOOD\n")
		for _, s := range r.Vendors {
			if !s.Vendor.Supported() {
				fmt.Fprintf(tw, "  %s\t%d\t-\tnot supported\n", s.Vendor.Title(), s.Files)
				continue
			}
			fmt.Fprintf(tw, "  %s\t%d\t%d\t%s\n", s.Vendor.Title(), s.Files, s.Lines, percent(s))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	for _, part := range []struct {
		title string
		ds    []audit.Device
	}{{"NOT AUDITED: UNSUPPORTED OR UNRECOGNISED", f.unsupported}, {"NOT AUDITED: ERRORS", f.failed}} {
		if len(part.ds) == 0 {
			continue
		}
		fmt.Fprintf(bw, "\n%s\n", part.title)
		for _, d := range part.ds {
			fmt.Fprintf(bw, "  %s: %s\n", clean(d.File), clean(reason(d)))
		}
	}
	var ruleErrs []audit.Device
	for _, d := range f.audited {
		if d.Error != "" {
			ruleErrs = append(ruleErrs, d)
		}
	}
	if len(ruleErrs) > 0 {
		fmt.Fprintf(bw, "\nRULE ERRORS (the device's other rules still ran)\n")
		for _, d := range ruleErrs {
			fmt.Fprintf(bw, "  %s: %s\n", clean(d.File), clean(reason(d)))
		}
	}
	if len(r.Skipped) > 0 {
		verb := "need"
		if len(r.Skipped) == 1 {
			verb = "needs"
		}
		fmt.Fprintf(bw, "\nNOT CHECKED: %s %s device state, not the configuration\n", plural(len(r.Skipped), "rule"), verb)
		for _, s := range r.Skipped {
			fmt.Fprintf(bw, "  %s  %s: %s\n", s.ID, s.Title, s.Reason)
		}
	}
	return bw.Flush()
}

// clean makes configuration text safe to print on a terminal: a hostile
// configuration could otherwise carry escape sequences that rewrite the
// screen. Control characters become visible \xNN escapes; tabs, spaces.
func clean(s string) string {
	if !strings.ContainsFunc(s, unicode.IsControl) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\t':
			b.WriteByte(' ')
		case unicode.IsControl(r):
			fmt.Fprintf(&b, "\\x%02x", r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

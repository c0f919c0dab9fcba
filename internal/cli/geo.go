package cli

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"strings"
	"text/tabwriter"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"

	"github.com/seawall/seawall/internal/geo"
	"github.com/seawall/seawall/internal/geodata"
	"github.com/seawall/seawall/internal/journal"
	"github.com/seawall/seawall/internal/prefixset"
)

func (a *app) geoCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "geo",
		Short: "Query and update the country IP database",
		Long: `The country database maps every IPv4 and IPv6 prefix to the country the
regional internet registries (AFRINIC, APNIC, ARIN, LACNIC, RIPE NCC) have
delegated it to. A snapshot is built into seawall; 'seawall geo update'
installs a fresh one from the registries in the data directory.

"Country" here means registration, not where a host physically sits: a VPS
rented abroad or a hijacked router elsewhere is not found this way.`,
		Args: cobra.ArbitraryArgs,
		RunE: runGroup,
	}
	cmd.AddCommand(a.geoInfoCmd(), a.geoLookupCmd(), a.geoRangesCmd(), a.geoUpdateCmd())
	return cmd
}

// familyJSON is one family's counts in JSON; IPv6 address counts exceed
// what JSON numbers hold exactly, so counts are strings.
type familyJSON struct {
	Prefixes  int    `json:"prefixes"`
	Addresses string `json:"addresses"`
}

func famJSON(c prefixset.Count) familyJSON {
	return familyJSON{Prefixes: c.Prefixes, Addresses: c.Addresses.String()}
}

func (a *app) geoInfoCmd() *cobra.Command {
	var (
		asJSON  bool
		country string
	)
	cmd := &cobra.Command{
		Use:   "info [--country CC]",
		Short: "Show the database's source, date and counts",
		Example: `  seawall geo info
  seawall geo info --country CN --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			l, err := a.loadGeo()
			if err != nil {
				return err
			}
			db := l.DB
			counts := db.Totals()
			scope := "all countries"
			if country != "" {
				c, ok := db.Country(country)
				if !ok {
					return usagef("country %q is not in the database (%s)", country, db.Meta)
				}
				counts, scope = c.Counts(), c.Code
			}
			out := struct {
				Source     string     `json:"source"`
				Commit     string     `json:"commit,omitempty"`
				Date       string     `json:"date"`
				Registries []string   `json:"registries,omitempty"`
				Origin     string     `json:"origin"`
				Path       string     `json:"path,omitempty"`
				Countries  int        `json:"countries"`
				Scope      string     `json:"scope"`
				IPv4       familyJSON `json:"ipv4"`
				IPv6       familyJSON `json:"ipv6"`
			}{db.Meta.Source, db.Meta.Commit, db.Meta.Date, db.Meta.Registries, string(l.Origin), l.Path, len(db.Countries), scope, famJSON(counts.V4), famJSON(counts.V6)}
			w := cmd.OutOrStdout()
			if asJSON {
				return writeJSON(w, out)
			}
			tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
			fmt.Fprintf(tw, "source\t%s\n", db.Meta)
			for _, r := range db.Meta.Registries {
				fmt.Fprintf(tw, "registry\t%s\n", r)
			}
			where := string(l.Origin)
			if l.Path != "" {
				where += " " + l.Path
			}
			fmt.Fprintf(tw, "database\t%s\n", where)
			fmt.Fprintf(tw, "countries\t%d\n", out.Countries)
			fmt.Fprintf(tw, "scope\t%s\n", scope)
			fmt.Fprintf(tw, "IPv4\t%d prefixes\t%s addresses\n", counts.V4.Prefixes, group(counts.V4.Addresses.String()))
			fmt.Fprintf(tw, "IPv6\t%d prefixes\t%s addresses (%s /48s)\n", counts.V6.Prefixes, group(counts.V6.Addresses.String()), group(slash48s(counts.V6.Addresses)))
			return tw.Flush()
		},
	}
	a.addGeoDBFlag(cmd)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.Flags().StringVar(&country, "country", "", "counts for one country (ISO 3166 alpha-2 code)")
	return cmd
}

// slash48s expresses an IPv6 address count in /48 networks, the unit
// operators think in.
func slash48s(n prefixset.U128) string {
	return prefixset.U128{Lo: n.Hi >> 16}.String()
}

// group writes digits in groups of three for reading.
func group(s string) string {
	if len(s) <= 3 {
		return s
	}
	var b strings.Builder
	lead := len(s) % 3
	if lead > 0 {
		b.WriteString(s[:lead])
	}
	for i := lead; i < len(s); i += 3 {
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(s[i : i+3])
	}
	return b.String()
}

type lookupJSON struct {
	IP      string `json:"ip"`
	Country string `json:"country"`
	Source  string `json:"source"`
	Reason  string `json:"reason,omitempty"`
	Error   string `json:"error,omitempty"`
}

func (a *app) geoLookupCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "lookup [IP...]",
		Short: "Print the country of each address",
		Long: `Print IP, country code and source, tab-separated, for each address given,
or for each line of standard input when none are given.

Addresses that belong to no country answer "--" with the reason: private,
loopback, documentation, multicast and the other IANA special-purpose
ranges, and space no registry has delegated. With --json each answer is one
JSON object per line.

Malformed addresses are reported on standard error (with --json, also as
an object with an "error" field) and the rest are still answered; the exit
code is then 1.`,
		Example: `  seawall geo lookup 1.2.4.8 8.8.8.8 2400:da00::6666
  cut -f1 addresses.txt | seawall geo lookup --json`,
		RunE: func(cmd *cobra.Command, args []string) error {
			l, err := a.loadGeo()
			if err != nil {
				return err
			}
			ix, err := geo.NewIndex(l.DB, l.Mode())
			if err != nil {
				return err
			}
			w := bufio.NewWriter(cmd.OutOrStdout())
			defer w.Flush()
			source := l.DB.Meta.String()
			bad := 0
			answer := func(where, s string) {
				addr, err := netip.ParseAddr(strings.TrimSpace(s))
				if err != nil || addr.Zone() != "" {
					bad++
					if asJSON {
						_ = writeLine(w, lookupJSON{IP: s, Country: "--", Error: "not an IP address"})
					}
					fmt.Fprintf(a.io.Err, "seawall: %s%q is not an IP address\n", where, s)
					return
				}
				ans := ix.Lookup(addr)
				r := lookupJSON{IP: addr.String(), Country: ans.Country, Source: source}
				switch {
				case ans.Special != nil:
					r.Country, r.Source, r.Reason = "--", "IANA special-purpose registry", ans.Special.String()
				case ans.Country == "":
					r.Country, r.Reason = "--", "not delegated to any country"
				}
				if asJSON {
					_ = writeLine(w, r)
					return
				}
				src := r.Source
				if r.Reason != "" {
					src = r.Reason + " [" + r.Source + "]"
				}
				fmt.Fprintf(w, "%s\t%s\t%s\n", r.IP, r.Country, src)
			}
			if len(args) > 0 {
				for _, s := range args {
					answer("", s)
				}
			} else {
				if isTerminal(a.io.In) {
					_, _ = fmt.Fprintln(a.io.Err, "seawall: reading addresses from standard input, one per line; end with Ctrl-D")
				}
				sc := bufio.NewScanner(a.io.In)
				n := 0
				for sc.Scan() {
					n++
					if s := strings.TrimSpace(sc.Text()); s != "" && !strings.HasPrefix(s, "#") {
						answer(fmt.Sprintf("stdin line %d: ", n), s)
					}
				}
				if err := sc.Err(); err != nil {
					return fmt.Errorf("reading standard input after line %d: %w", n, err)
				}
			}
			if err := w.Flush(); err != nil {
				return err
			}
			if bad > 0 {
				return fmt.Errorf("%d input(s) were not IP addresses", bad)
			}
			return nil
		},
	}
	a.addGeoDBFlag(cmd)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print one JSON object per address")
	return cmd
}

func writeLine(w io.Writer, v any) error {
	b, err := jsonMarshal(v)
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

func (a *app) geoRangesCmd() *cobra.Command {
	var (
		asJSON bool
		only4  bool
		only6  bool
	)
	cmd := &cobra.Command{
		Use:   "ranges CC[,CC...]",
		Short: "Print the minimal CIDR cover of one or more countries",
		Long: `Print the fewest prefixes that cover exactly the addresses delegated to the
given countries, IPv4 first, one per line. Several countries are merged
into one cover. Use -4 or -6 for one family.`,
		Example: `  seawall geo ranges CN -4
  seawall geo ranges CN,HK,MO --json`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usagef("ranges takes one argument, a comma-separated list of country codes (e.g. CN or CN,HK,MO)")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if only4 && only6 {
				return usagef("-4 and -6 exclude each other; give neither for both families")
			}
			l, err := a.loadGeo()
			if err != nil {
				return err
			}
			var codes []string
			for _, c := range strings.Split(args[0], ",") {
				if c = strings.ToUpper(strings.TrimSpace(c)); c != "" {
					codes = append(codes, c)
				}
			}
			if len(codes) == 0 {
				return usagef("no country codes in %q", args[0])
			}
			ps, err := l.DB.Ranges(codes...)
			if err != nil {
				return err
			}
			var sel []netip.Prefix
			for _, p := range ps {
				if (only4 && !p.Addr().Is4()) || (only6 && p.Addr().Is4()) {
					continue
				}
				sel = append(sel, p)
			}
			w := bufio.NewWriter(cmd.OutOrStdout())
			defer w.Flush()
			if asJSON {
				v4, v6 := prefixset.Counts(sel)
				strs := make([]string, len(sel))
				for i, p := range sel {
					strs[i] = p.String()
				}
				return writeJSON(w, struct {
					Countries []string   `json:"countries"`
					Source    string     `json:"source"`
					IPv4      familyJSON `json:"ipv4"`
					IPv6      familyJSON `json:"ipv6"`
					Prefixes  []string   `json:"prefixes"`
				}{codes, l.DB.Meta.String(), famJSON(v4), famJSON(v6), strs})
			}
			for _, p := range sel {
				fmt.Fprintln(w, p)
			}
			return w.Flush()
		},
	}
	a.addGeoDBFlag(cmd)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON with counts")
	cmd.Flags().BoolVarP(&only4, "ipv4", "4", false, "IPv4 only")
	cmd.Flags().BoolVarP(&only6, "ipv6", "6", false, "IPv6 only")
	return cmd
}

func (a *app) geoUpdateCmd() *cobra.Command {
	var (
		asJSON bool
		force  bool
		urls   []string
	)
	cmd := &cobra.Command{
		Use:   "update",
		Short: "Download the registries' files and install a new database",
		Long: `Download the five registries' delegated-extended statistics files (geo.sources
in seawall.yaml, or --url), check each against its published .md5, parse and
validate them, and install the result atomically in the data directory.

A guard refuses a database that would empty a country, or remove more than
geo.guard.max_shrink_percent (default 5%) of the IPv4 addresses of a
country holding at least geo.guard.min_ipv4 (65,536) addresses; it names
each country that fails. --force installs it anyway. On any failure the
installed database stays as it was; the embedded snapshot remains the
fallback when none is installed.`,
		Example: `  seawall geo update
  seawall geo update --url https://mirror.example/delegated-apnic-extended-latest`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := a.config()
			if err != nil {
				return err
			}
			if len(urls) > 0 {
				c.Geo.Sources = urls
			}
			var pr geodata.Progress
			if isTerminal(a.io.Err) {
				pr = &barProgress{w: a.io.Err}
			}
			rep, err := geodata.Update(cmd.Context(), c.Geo, &http.Client{}, c.DataDir, force, pr)
			var ge *geodata.GuardError
			if asJSON && errors.As(err, &ge) {
				if err := writeJSON(cmd.OutOrStdout(), map[string]any{"error": "shrink guard", "guard_failures": ge.Failures}); err != nil {
					return err
				}
				return err
			}
			if err != nil {
				return err
			}
			entry := journal.Entry{Actor: journal.CurrentActor(), Action: "geo.update", Forced: len(rep.Forced) > 0,
				Summary: fmt.Sprintf("installed country database %s (was %s)", rep.Meta, rep.Previous),
				Details: map[string]any{"files": rep.Files, "installed": rep.Installed, "forced_past_guard": rep.Forced}}
			if err := journal.Append(c.DataDir, entry); err != nil {
				return fmt.Errorf("the new database is installed, but recording it in the journal failed: %w", err)
			}
			if asJSON {
				return writeJSON(cmd.OutOrStdout(), rep)
			}
			w := cmd.OutOrStdout()
			for _, f := range rep.Files {
				fmt.Fprintf(w, "%s: %s serial %s, %d records, %s\n", f.URL, f.Header.Registry, f.Header.Serial, f.Records, f.Checksum)
			}
			for _, f := range rep.Forced {
				fmt.Fprintf(w, "forced past guard: %s\n", f)
			}
			fmt.Fprintf(w, "installed %s (data date %s, was %s)\n", rep.Installed, rep.Meta.Date, rep.Previous)
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the report as JSON")
	cmd.Flags().BoolVar(&force, "force", false, "install even if the shrink guard fails")
	cmd.Flags().StringSliceVar(&urls, "url", nil, "registry file URL (repeatable; replaces geo.sources)")
	return cmd
}

// barProgress draws a progress bar per download on a terminal.
type barProgress struct {
	w   io.Writer
	bar *progressbar.ProgressBar
}

func (p *barProgress) Start(url string, size int64) io.Writer {
	name := url[strings.LastIndexByte(url, '/')+1:]
	p.bar = progressbar.NewOptions64(size,
		progressbar.OptionSetWriter(p.w),
		progressbar.OptionSetDescription(name),
		progressbar.OptionShowBytes(true),
		progressbar.OptionClearOnFinish(),
		progressbar.OptionThrottle(100_000_000),
	)
	return p.bar
}

func (p *barProgress) Done() {
	if p.bar != nil {
		_ = p.bar.Finish()
	}
}

package cli

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"

	"github.com/seawall/seawall/internal/audit"
	"github.com/seawall/seawall/internal/audit/device"
	"github.com/seawall/seawall/internal/audit/report"
	"github.com/seawall/seawall/internal/audit/rule"
)

// progressMin is the number of files above which audit shows a progress
// bar (on a terminal): below it the audit is over before a bar is useful.
const progressMin = 50

func (a *app) auditCmd() *cobra.Command {
	var (
		format, failOn, vendor, output string
		asJSON, noProgress             bool
	)
	cmd := &cobra.Command{
		Use:   "audit [flags] PATH...",
		Short: "Audit device configurations for weaknesses, signs of intrusion and exploited CVEs",
		Long: `Audit network-device configurations for hardening weaknesses (HARD-*),
signs of an intruder's work (IOC-CFG-*) and software releases with exploited
CVEs, as described in the Salt Typhoon and Volt Typhoon advisories.

Each PATH is a configuration file or a directory. Directories are walked
recursively; hidden files and directories, files larger than 64 MiB and
symbolic links that loop back are skipped. Cisco IOS / IOS-XE, NX-OS,
IOS-XR, Arista EOS and Juniper Junos (brace or set form) are recognised by
content, whatever the file is called; --vendor forces one dialect for every
file. Files of other platforms (ASA, PAN-OS, FortiOS, ...) are listed as not
audited. A 'show version' capture named like a configuration (r1.cfg and
r1.version.txt) supplies that device's software version.

The inventory section of the configuration file (-c) lists your approved AAA,
NTP, syslog and SNMP servers, tunnel and BGP peers, local users and
management networks. With it, rules compare each device against what you
approved; without it they fall back to generic signs.

Formats: table (default, for reading), json (stable schema
"seawall.audit/v1"), sarif (SARIF 2.1.0 for GitHub code scanning and other
SARIF viewers), html (a self-contained report to hand over), csv (one
finding per row). Evidence never shows secrets: passwords, hashes, keys and
community strings appear as markers such as <type 7>.

Exit codes: 0 when no finding is at or above --fail-on; 1 when one is, or
when a PATH is missing or unreadable, a rule failed or no configuration was
found (everything readable is still audited and reported); 2 for bad flags.`,
		Example: `  # Audit a directory of configurations (an Oxidized or RANCID tree, say)
  seawall audit /srv/oxidized/configs

  # A self-contained HTML report to hand over
  seawall audit --format html -o audit.html configs/

  # SARIF for GitHub code scanning (upload with github/codeql-action/upload-sarif)
  seawall audit --format sarif -o seawall.sarif configs/

  # In CI: compare against your inventory and fail only on critical findings
  seawall audit -c seawall.yaml --fail-on critical configs/`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			f, err := report.ParseFormat(format)
			if err != nil {
				return usagef("--format: %v", err)
			}
			if asJSON {
				if cmd.Flags().Changed("format") && f != report.JSON {
					return usagef("--json and --format %s disagree; give one of them", f)
				}
				f = report.JSON
			}
			threshold, never := rule.Severity(0), false
			if strings.EqualFold(failOn, "none") {
				never = true
			} else if threshold, err = rule.ParseSeverity(failOn); err != nil {
				return usagef("--fail-on: %v (or none)", err)
			}
			var v device.Vendor
			if vendor != "" {
				var ok bool
				if v, ok = device.ParseVendor(vendor); !ok {
					return usagef("--vendor %q is not one of ios, nxos, iosxr, eos, junos", vendor)
				}
			}
			c, err := a.config()
			if err != nil {
				return err
			}

			files, problems, skipped := collect(args)
			for _, p := range problems {
				fmt.Fprintf(a.io.Err, "seawall: %s\n", p.Error)
			}
			aud := audit.New(audit.Options{Vendor: v, Inventory: &c.Inventory})
			bar := a.auditBar(len(files), noProgress)
			var unread []audit.Device
			for _, fi := range files {
				data, err := readLimited(fi.path)
				if err != nil {
					d := audit.Device{Name: filepath.Base(fi.path), File: fi.path, Error: err.Error(), Counts: map[string]int{}}
					fmt.Fprintf(a.io.Err, "seawall: %s\n", d.Error)
					unread = append(unread, d)
				} else {
					aud.Add(fi.path, data)
				}
				if bar != nil {
					_ = bar.Add(1)
				}
			}
			if bar != nil {
				_ = bar.Finish()
			}
			rep := aud.Report()
			rep.Devices = append(rep.Devices, problems...)
			rep.Devices = append(rep.Devices, unread...)
			rep.Devices = append(rep.Devices, skipped...)

			meta := report.Meta{Version: a.build.Version, Generated: time.Now(), Paths: args}
			if err := writeReport(cmd.OutOrStdout(), output, f, rep, meta); err != nil {
				return err
			}
			return auditVerdict(a.io.Err, rep, output, threshold, never, len(files), len(problems)+len(unread))
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&format, "format", "table", "output format: table, json, sarif, html or csv")
	fl.BoolVar(&asJSON, "json", false, "same as --format json")
	fl.StringVar(&failOn, "fail-on", "high", "exit 1 when a finding is at or above this severity: critical, high, medium, low, info, or none")
	fl.StringVar(&vendor, "vendor", "", "treat every file as this dialect instead of detecting it: ios, nxos, iosxr, eos or junos")
	fl.StringVarP(&output, "output", "o", "", "write the report to this file instead of standard output")
	fl.BoolVar(&noProgress, "no-progress", false, "never show a progress bar (one is shown on a terminal for more than 50 files)")
	return cmd
}

// auditBar is a progress bar on standard error for n files, or nil when
// there are few files, standard error is not a terminal or it is off.
func (a *app) auditBar(n int, off bool) *progressbar.ProgressBar {
	if off || n <= progressMin || !isTerminal(a.io.Err) {
		return nil
	}
	return progressbar.NewOptions(n,
		progressbar.OptionSetWriter(a.io.Err),
		progressbar.OptionSetDescription("reading configurations"),
		progressbar.OptionShowCount(),
		progressbar.OptionSetItsString("files"),
		progressbar.OptionShowIts(),
		progressbar.OptionClearOnFinish(),
		progressbar.OptionThrottle(100*time.Millisecond),
	)
}

// writeReport writes to w, or to the file named by output: through a
// temporary file renamed into place, so a failed run never leaves half a
// report where the last good one was.
func writeReport(w io.Writer, output string, f report.Format, rep *audit.Report, meta report.Meta) error {
	if output == "" || output == "-" {
		return report.Write(w, f, rep, meta)
	}
	tmp := fmt.Sprintf("%s.%d.tmp", output, os.Getpid())
	fh, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return fmt.Errorf("writing the report: %w", err)
	}
	err = report.Write(fh, f, rep, meta)
	if cerr := fh.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, output)
	}
	if err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("writing the report to %s: %w", output, err)
	}
	return nil
}

// auditVerdict turns the report into the exit status, saying why on
// standard error.
func auditVerdict(errw io.Writer, rep *audit.Report, output string, threshold rule.Severity, never bool, files, failed int) error {
	var over int
	for _, f := range rep.Findings {
		if f.Severity >= threshold {
			over++
		}
	}
	ruleErrs := 0
	for _, d := range rep.Devices {
		if d.Vendor != device.Unknown && d.Error != "" {
			fmt.Fprintf(errw, "seawall: %s\n", d.Error)
			ruleErrs++
		}
	}
	if output != "" && output != "-" {
		fmt.Fprintf(errw, "seawall: wrote %s: %s in %s\n", output, count(len(rep.Findings), "finding"), count(files, "file"))
	}
	var problems []string
	if failed > 0 {
		problems = append(problems, fmt.Sprintf("%s could not be read (the rest were audited)", count(failed, "path")))
	}
	if ruleErrs > 0 {
		problems = append(problems, fmt.Sprintf("rules failed on %s", count(ruleErrs, "device")))
	}
	if files == 0 && failed == 0 {
		problems = append(problems, "no configuration files found")
	}
	if over > 0 && !never {
		worst, _ := rep.Worst()
		problems = append(problems, fmt.Sprintf("%s at or above --fail-on %s (worst: %s)", count(over, "finding"), threshold, worst))
	}
	if len(problems) == 0 {
		return nil
	}
	fmt.Fprintf(errw, "seawall: %s\n", strings.Join(problems, "; "))
	return exitError{ExitFailure}
}

// auditFile is one file to audit.
type auditFile struct {
	path string
}

// collect expands PATHs into files: files as named, directories walked in
// lexical order. Paths that do not exist or cannot be listed come back as
// problems, and files too large to be a configuration as skipped: both are
// devices carrying the reason, so the report lists them.
func collect(paths []string) (files []auditFile, problems, skipped []audit.Device) {
	c := &collector{seen: map[string]bool{}}
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			c.fail(p, err)
			continue
		}
		if st.IsDir() {
			c.dir(p)
			continue
		}
		c.file(p, st)
	}
	return c.files, c.problems, c.skipped
}

type collector struct {
	files    []auditFile
	problems []audit.Device
	skipped  []audit.Device
	// seen holds the real paths of directories and files already taken, so
	// that symbolic links neither loop nor audit a file twice.
	seen map[string]bool
}

func (c *collector) fail(path string, err error) {
	msg := err.Error()
	var pe *fs.PathError
	if errors.As(err, &pe) {
		msg = fmt.Sprintf("%s: %v", path, pe.Err)
		if errors.Is(err, fs.ErrNotExist) {
			msg = fmt.Sprintf("%s: no such file or directory", path)
		}
	}
	c.problems = append(c.problems, audit.Device{Name: filepath.Base(path), File: path, Error: msg, Counts: map[string]int{}})
}

// once reports whether path's real location is new.
func (c *collector) once(path string) bool {
	real, err := filepath.EvalSymlinks(path)
	if err != nil {
		real = path
	}
	if abs, err := filepath.Abs(real); err == nil {
		real = abs
	}
	if c.seen[real] {
		return false
	}
	c.seen[real] = true
	return true
}

func (c *collector) file(path string, st fs.FileInfo) {
	if !st.Mode().IsRegular() || !c.once(path) {
		return
	}
	if st.Size() > device.MaxSize {
		c.skipped = append(c.skipped, audit.Device{Name: filepath.Base(path), File: path, Counts: map[string]int{},
			Error: fmt.Sprintf("%s: %d bytes is larger than the %d-byte limit for a configuration; skipped", path, st.Size(), device.MaxSize)})
		return
	}
	c.files = append(c.files, auditFile{path: path})
}

func (c *collector) dir(path string) {
	if !c.once(path) {
		return
	}
	ents, err := os.ReadDir(path)
	if err != nil {
		c.fail(path, err)
		return
	}
	slices.SortFunc(ents, func(a, b fs.DirEntry) int { return strings.Compare(a.Name(), b.Name()) })
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), ".") {
			continue
		}
		p := filepath.Join(path, e.Name())
		st, err := os.Stat(p) // follows links; loops are caught by once
		if err != nil {
			if e.Type()&fs.ModeSymlink != 0 && errors.Is(err, fs.ErrNotExist) {
				continue // a dangling link in a config tree is no configuration
			}
			c.fail(p, err)
			continue
		}
		if st.IsDir() {
			c.dir(p)
		} else {
			c.file(p, st)
		}
	}
}

// readLimited reads a file of at most device.MaxSize bytes (it may have
// grown since it was listed).
func readLimited(path string) ([]byte, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	data, err := io.ReadAll(io.LimitReader(fh, device.MaxSize+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return data, nil
}

// count is "1 file" or "3 files".
func count(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

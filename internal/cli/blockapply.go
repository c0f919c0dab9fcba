package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/seawall/seawall/internal/config"
	"github.com/seawall/seawall/internal/daemon"
	"github.com/seawall/seawall/internal/enforce"
	"github.com/seawall/seawall/internal/enforce/nft"
	"github.com/seawall/seawall/internal/journal"
	"github.com/seawall/seawall/internal/prefixset"
)

// stateFile records what the last apply installed, for status: the kernel
// holds the prefixes, not where they came from.
const stateFile = "block.json"

// blockState is the content of stateFile.
type blockState struct {
	AppliedAt time.Time             `json:"applied_at"`
	Countries []string              `json:"countries"`
	Data      string                `json:"data"`
	DataDate  string                `json:"data_date"`
	Policy    string                `json:"policy"`
	Sizes     []enforce.CountrySize `json:"sizes"`
}

// compile loads the configuration and the country database and resolves
// the block policy into the prefixes to install.
func (a *app) compile() (*config.Config, *enforce.Desired, error) {
	c, err := a.config()
	if err != nil {
		return nil, nil, err
	}
	l, err := a.loadGeo()
	if err != nil {
		return nil, nil, err
	}
	d, err := enforce.Compile(l.DB, c.Block)
	if err != nil {
		return nil, nil, err
	}
	return c, d, nil
}

// lockout returns the addresses this session and the configured management
// networks depend on that the policy would block.
func lockout(d *enforce.Desired) []netip.Prefix {
	var keep []netip.Prefix
	if f := strings.Fields(os.Getenv("SSH_CONNECTION")); len(f) >= 1 {
		if ip, err := netip.ParseAddr(f[0]); err == nil {
			ip = ip.Unmap()
			keep = append(keep, netip.PrefixFrom(ip, ip.BitLen()))
		}
	}
	keep = append(keep, d.Management...)
	return d.Blocked(keep)
}

type familyPlanJSON struct {
	Family   string   `json:"family"`
	Prefixes int      `json:"prefixes"`
	Added    []string `json:"added"`
	Removed  []string `json:"removed"`
}

type planJSON struct {
	Countries []string         `json:"countries"`
	Data      string           `json:"data"`
	Policy    string           `json:"policy"`
	Installed string           `json:"installed"` // "yes", "no" or why unknown
	Action    string           `json:"action"`
	Families  []familyPlanJSON `json:"families"`
	Lockout   []string         `json:"lockout,omitempty"`
}

func strs(ps []netip.Prefix) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.String()
	}
	return out
}

// makePlan compares the desired ruleset with the kernel's. Reading the
// kernel needs CAP_NET_ADMIN; without it the plan is against nothing and
// says so.
func (a *app) makePlan(ctx context.Context, d *enforce.Desired) (planJSON, error) {
	rs := daemon.Ruleset(d)
	p := planJSON{Countries: d.Countries, Data: d.Data.String(), Policy: d.Policy, Installed: "no"}
	installed, err := a.backend().Installed(ctx)
	switch {
	case err != nil && (errors.Is(err, fs.ErrPermission) || strings.Contains(err.Error(), "operation not permitted")):
		p.Installed = "unknown (reading nftables needs root or CAP_NET_ADMIN)"
	case err != nil:
		return p, err
	case installed.Present:
		p.Installed = "yes"
	}
	rep, err := nft.Plan(installed, rs)
	if err != nil {
		return p, err
	}
	p.Action = rep.Action.String()
	for _, f := range []struct {
		name string
		on   bool
		c    nft.Change
		ps   []netip.Prefix
	}{{"ipv4", rs.IPv4, rep.V4, rs.V4}, {"ipv6", rs.IPv6, rep.V6, rs.V6}} {
		if !f.on && len(f.c.Removed) == 0 {
			continue
		}
		p.Families = append(p.Families, familyPlanJSON{Family: f.name, Prefixes: len(f.ps), Added: strs(f.c.Added), Removed: strs(f.c.Removed)})
	}
	p.Lockout = strs(lockout(d))
	return p, nil
}

func printPlan(w io.Writer, p planJSON) error {
	fmt.Fprintf(w, "policy   %s (%s)\n", strings.Join(p.Countries, ","), p.Policy)
	fmt.Fprintf(w, "data     %s\n", p.Data)
	fmt.Fprintf(w, "installed %s; apply would be: %s\n", p.Installed, p.Action)
	for _, f := range p.Families {
		fmt.Fprintf(w, "%s     %d prefixes; +%d -%d\n", f.Family, f.Prefixes, len(f.Added), len(f.Removed))
		show := func(sign string, ps []string) {
			for i, s := range ps {
				if i == 10 {
					fmt.Fprintf(w, "  %s... and %d more (--json lists all)\n", sign, len(ps)-10)
					return
				}
				fmt.Fprintf(w, "  %s%s\n", sign, s)
			}
		}
		show("+", f.Added)
		show("-", f.Removed)
	}
	if len(p.Lockout) > 0 {
		fmt.Fprintf(w, "WARNING: the policy blocks addresses this session or the management networks use: %s\n", strings.Join(p.Lockout, ", "))
	}
	return nil
}

func (a *app) blockPlanCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "plan",
		Short: "Show what apply would install and how it differs from what is installed",
		Long: `Compile the block: policy against the country database and compare it with
seawall's nftables table in this network namespace. Changes nothing.
Reading the installed table needs root (CAP_NET_ADMIN); without it the plan
is against an empty table and says so.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, d, err := a.compile()
			if err != nil {
				return err
			}
			p, err := a.makePlan(cmd.Context(), d)
			if err != nil {
				return err
			}
			if asJSON {
				return writeJSON(cmd.OutOrStdout(), p)
			}
			return printPlan(cmd.OutOrStdout(), p)
		},
	}
	a.addGeoDBFlag(cmd)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func (a *app) blockApplyCmd() *cobra.Command {
	var (
		asJSON, dryRun, force bool
	)
	cmd := &cobra.Command{
		Use:   "apply",
		Short: "Install the block in the kernel (nftables), atomically",
		Long: `Compile the block: policy and install it as seawall's own nftables table
(inet seawall) in this network namespace, in one atomic transaction; later
applies send only the difference. The rules stay in the kernel when seawall
exits. On any failure the previous rules stay in force.

Guards, each overridden only by --force:
  - the policy would block the SSH client of this session or a network in
    block.management (lock-out protection);
  - a set would shrink by more than block.guard.max_shrink_percent.
An empty set for an enforced family is always refused.

Every apply is recorded in the journal ('seawall block log').`,
		Example: `  seawall block apply --dry-run
  ip netns exec lab seawall block apply -c lab.yaml`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, d, err := a.compile()
			if err != nil {
				return err
			}
			p, err := a.makePlan(cmd.Context(), d)
			if err != nil {
				return err
			}
			rs := daemon.Ruleset(d)
			guard := nft.Guard{MaxShrinkPercent: c.Block.Guard.MaxShrinkPercent, Force: force}
			if len(p.Lockout) > 0 && !force {
				return fmt.Errorf("refusing to apply: the policy would block %s, which this SSH session or block.management depends on; add it to block.allow, or use --force if you are sure", strings.Join(p.Lockout, ", "))
			}
			w := cmd.OutOrStdout()
			if dryRun {
				if asJSON {
					return writeJSON(w, p)
				}
				if err := printPlan(w, p); err != nil {
					return err
				}
				_, err := fmt.Fprintln(w, "dry run: nothing changed")
				return err
			}
			// Whether --force is what lets this apply through, judged
			// before it changes what is installed, for the journal.
			strict := guard
			strict.Force = false
			forced := force && (len(p.Lockout) > 0 || strict.Check(a.installedRuleset(cmd.Context()), rs) != nil)
			rep, err := a.backend().Apply(cmd.Context(), rs, guard)
			if err != nil {
				if errors.Is(err, nft.ErrShrink) {
					return fmt.Errorf("%w (use --force if the data really changed this much)", err)
				}
				return err
			}
			st := blockState{AppliedAt: time.Now().UTC(), Countries: d.Countries, Data: d.Data.String(), DataDate: d.Data.Date, Policy: d.Policy, Sizes: d.Sizes}
			if err := writeState(c.DataDir, st); err != nil {
				return fmt.Errorf("the block is installed, but saving its state failed: %w", err)
			}
			entry := journal.Entry{Actor: journal.CurrentActor(), Action: "block.apply", Forced: forced,
				Summary: fmt.Sprintf("%s %s: +%d/-%d IPv4, +%d/-%d IPv6 prefixes (%s)", rep.Action, strings.Join(d.Countries, ","),
					len(rep.V4.Added), len(rep.V4.Removed), len(rep.V6.Added), len(rep.V6.Removed), d.Data),
				Details: map[string]any{"policy": d.Policy, "lockout": p.Lockout, "added_v4": strs(rep.V4.Added), "removed_v4": strs(rep.V4.Removed),
					"added_v6": strs(rep.V6.Added), "removed_v6": strs(rep.V6.Removed)}}
			if err := journal.Append(c.DataDir, entry); err != nil {
				return fmt.Errorf("the block is installed, but recording it in the journal failed: %w", err)
			}
			if asJSON {
				return writeJSON(w, map[string]any{"action": rep.Action.String(), "ipv4": rep.V4, "ipv6": rep.V6, "policy": d.Policy, "data": d.Data.String()})
			}
			_, err = fmt.Fprintf(w, "%s table inet %s: IPv4 +%d -%d, IPv6 +%d -%d prefixes (%s, %s)\n", rep.Action, nft.TableName,
				len(rep.V4.Added), len(rep.V4.Removed), len(rep.V6.Added), len(rep.V6.Removed), strings.Join(d.Countries, ","), d.Data)
			return err
		},
	}
	a.addGeoDBFlag(cmd)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "show what would change and run the guards, change nothing")
	cmd.Flags().BoolVar(&force, "force", false, "apply even if it locks out this session or shrinks a set beyond the guard")
	return cmd
}

// installedRuleset is what is installed now, or the zero Ruleset.
func (a *app) installedRuleset(ctx context.Context) nft.Ruleset {
	st, err := a.backend().Installed(ctx)
	if err != nil {
		return nft.Ruleset{}
	}
	return st.Ruleset
}

func writeState(dataDir string, st blockState) error {
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dataDir, 0o750); err != nil {
		return err
	}
	tmp := filepath.Join(dataDir, stateFile+".tmp")
	if err := os.WriteFile(tmp, append(b, '\n'), 0o640); err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Join(dataDir, stateFile))
}

func readState(dataDir string) (*blockState, error) {
	b, err := os.ReadFile(filepath.Join(dataDir, stateFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var st blockState
	if err := json.Unmarshal(b, &st); err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(dataDir, stateFile), err)
	}
	return &st, nil
}

type counterJSON struct {
	Name      string `json:"name"`
	Hook      string `json:"hook"`
	Match     string `json:"match"`
	Family    int    `json:"family"`
	Direction string `json:"direction"`
	Packets   uint64 `json:"packets"`
	Bytes     uint64 `json:"bytes"`
}

// direction names what a drop rule stops, in the policy's words.
func direction(c nft.Counter) string {
	switch {
	case c.Hook == nft.HookForward:
		return "forwarded"
	case c.Match == nft.MatchSource:
		return "inbound"
	default:
		return "outbound"
	}
}

func (a *app) blockStatusCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show the installed block: sets, data date, drop counters",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := a.config()
			if err != nil {
				return err
			}
			st, err := a.backend().Installed(cmd.Context())
			if err != nil {
				return fmt.Errorf("reading nftables (needs root or CAP_NET_ADMIN): %w", err)
			}
			state, err := readState(c.DataDir)
			if err != nil {
				return err
			}
			var counters []counterJSON
			for _, k := range st.Counters {
				counters = append(counters, counterJSON{Name: k.Name, Hook: k.Hook.String(), Match: k.Match.String(), Family: k.Family, Direction: direction(k), Packets: k.Packets, Bytes: k.Bytes})
			}
			v4, _ := prefixset.Counts(st.Ruleset.V4)
			_, v6 := prefixset.Counts(st.Ruleset.V6)
			out := map[string]any{"installed": st.Present, "modified": st.Modified, "table": "inet " + nft.TableName,
				"ipv4": famJSON(v4), "ipv6": famJSON(v6), "elements_ipv4": st.Elements4, "elements_ipv6": st.Elements6,
				"inbound": st.Ruleset.Inbound, "outbound": st.Ruleset.Outbound, "forward": st.Ruleset.Forward, "counters": counters, "applied": state}
			var serve *daemon.Status
			if cl, err := daemon.Dial(c.DataDir); err == nil {
				if ds, err := cl.Status(cmd.Context()); err == nil {
					serve = &ds
					out["serve"] = serve
				}
			}
			w := cmd.OutOrStdout()
			if asJSON {
				return writeJSON(w, out)
			}
			printServe(w, serve)
			if !st.Present {
				_, err := fmt.Fprintf(w, "not installed: no table inet %s in this network namespace\n", nft.TableName)
				return err
			}
			tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
			fmt.Fprintf(tw, "table\tinet %s\n", nft.TableName)
			if st.Modified {
				fmt.Fprintf(tw, "warning\tthe table differs from what seawall writes; the next apply rebuilds it\n")
			}
			if state != nil {
				fmt.Fprintf(tw, "policy\t%s (%s)\n", strings.Join(state.Countries, ","), state.Policy)
				fmt.Fprintf(tw, "data\t%s\n", state.Data)
				fmt.Fprintf(tw, "applied\t%s\n", state.AppliedAt.Format(time.RFC3339))
			}
			fmt.Fprintf(tw, "IPv4\t%d prefixes\t%s addresses\n", v4.Prefixes, group(v4.Addresses.String()))
			fmt.Fprintf(tw, "IPv6\t%d prefixes\t%s addresses\n", v6.Prefixes, group(v6.Addresses.String()))
			fmt.Fprintln(tw, "COUNTER\tDIRECTION\tPACKETS\tBYTES")
			for _, k := range counters {
				fmt.Fprintf(tw, "%s\t%s\t%d\t%d\n", k.Name, k.Direction, k.Packets, k.Bytes)
			}
			return tw.Flush()
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func (a *app) blockRemoveCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "remove",
		Short: "Remove seawall's nftables table, and nothing else",
		Long: `Delete table inet seawall from this network namespace. No other table, chain
or rule is touched. The removal is recorded in the journal.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := a.config()
			if err != nil {
				return err
			}
			removed, err := a.backend().Remove(cmd.Context())
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			if !removed {
				_, err := fmt.Fprintf(w, "nothing to remove: no table inet %s\n", nft.TableName)
				return err
			}
			if err := os.Remove(filepath.Join(c.DataDir, stateFile)); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return err
			}
			if err := journal.Append(c.DataDir, journal.Entry{Actor: journal.CurrentActor(), Action: "block.remove", Summary: "removed table inet " + nft.TableName}); err != nil {
				return fmt.Errorf("the table is removed, but recording it in the journal failed: %w", err)
			}
			_, err = fmt.Fprintf(w, "removed table inet %s\n", nft.TableName)
			return err
		},
	}
	return cmd
}

// backend is the nftables backend for the namespace --netns names, or for
// seawall's own.
func (a *app) backend() *nft.Backend {
	if a.netnsFD >= 0 {
		return nft.New(nft.WithNetNS(a.netnsFD))
	}
	return nft.New()
}

// openNetNS opens /run/netns/NAME (as `ip netns add` makes it) for the
// commands that take --netns; the descriptor lives as long as the process.
func (a *app) openNetNS(cmd *cobra.Command, _ []string) error {
	a.netnsFD = -1
	if a.netns == "" {
		return nil
	}
	p := a.netns
	if !strings.Contains(p, "/") {
		p = filepath.Join("/run/netns", p)
	}
	f, err := os.Open(p)
	if err != nil {
		return usagef("--netns %s: %v (create it with 'ip netns add NAME')", a.netns, err)
	}
	a.netnsFile = f
	a.netnsFD = int(f.Fd())
	return nil
}

// printServe says what a running serve announces, if one runs.
func printServe(w io.Writer, s *daemon.Status) {
	if s == nil {
		fmt.Fprintln(w, "serve     not running (no BGP announcements from this host)")
		return
	}
	fmt.Fprintf(w, "serve     running since %s: %s, %d prefixes (%s)\n", s.Started.Format(time.RFC3339), strings.Join(s.Countries, ","), s.Prefixes, s.Data)
	if s.LoadError != "" {
		fmt.Fprintf(w, "serve     last reload failed, still announcing the previous set: %s\n", s.LoadError)
	}
	if s.BGP == nil {
		fmt.Fprintln(w, "bgp       not enabled")
		return
	}
	fmt.Fprintf(w, "bgp       announcing %d IPv4 and %d IPv6 routes\n", s.BGP.Announced.IPv4, s.BGP.Announced.IPv6)
	for _, p := range s.BGP.Peers {
		fmt.Fprintf(w, "bgp peer  %s AS%d %s\n", p.Address, p.ASN, p.State)
	}
}

package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/seawall/seawall/internal/enforce"
	"github.com/seawall/seawall/internal/enforce/export"
	"github.com/seawall/seawall/internal/geodata"
)

func (a *app) blockCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "block",
		Short: "Block countries' traffic both ways: firewall and router configurations",
		Long: `Block all traffic to and from the countries in the block: section of
seawall.yaml (default: CN), wherever the network enforces: on Linux hosts
and gateways, at the border through BGP blackholing, and on routers through
generated configuration.

What is blocked: every IPv4 and IPv6 prefix the regional internet
registries (AFRINIC, APNIC, ARIN, LACNIC, RIPE NCC) have delegated to the
listed countries, plus block.extra, minus block.allow, which is never
blocked. Both ways, by default: inbound (packets from those addresses),
outbound (packets to them) and forwarded (packets routed through this host
either way); block.directions and block.families narrow it.

What "China" means here: CN is the address space registered to holders in
mainland China. Hong Kong (HK) and Macao (MO) are separate registry codes,
blocked only when listed. Registration is not location: a VPS rented
abroad, a cloud region elsewhere, a proxy or a hijacked router in another
country is not blocked this way. Pair the block with monitoring of flows
and device logs.

Every output names the data date and the digest of the policy it came
from, so a configuration found on a device says where it came from.`,
		Args: cobra.ArbitraryArgs,
		RunE: runGroup,
	}
	cmd.PersistentFlags().StringVar(&a.netns, "netns", "", "work in this network namespace (a name from 'ip netns', or a path) instead of seawall's own")
	cmd.PersistentPreRunE = a.openNetNS
	cmd.AddCommand(a.blockPlanCmd(), a.blockApplyCmd(), a.blockStatusCmd(), a.blockRemoveCmd(), a.blockExportCmd(), a.blockLogCmd())
	return cmd
}

func (a *app) blockExportCmd() *cobra.Command {
	var format, output string
	var list strings.Builder
	for _, f := range export.Formats() {
		fmt.Fprintf(&list, "  %-12s %s\n", f.Name, f.Summary)
	}
	cmd := &cobra.Command{
		Use:   "export --format FORMAT [-o FILE]",
		Short: "Render the block as a firewall or router configuration",
		Long: `Render the block (the block: policy over the country database) in one of
these formats, on standard output or, with -o, into a file (replaced
atomically, so a daemon reading it never sees half of it):

` + list.String() + `
The output is deterministic, so it can be diffed and kept under version
control, and starts with a comment naming seawall, the countries, the data
source and date, and the policy digest. Router formats define lists and
filters; their opening comments say how to apply them. Nothing is applied
to this host: see the format's comments for how to load it.

The command fails, writing nothing, when a configured country is missing
from the database or would be blocked by no prefix at all.`,
		Example: `  seawall block export --format nft -o /etc/nftables.d/seawall.nft
  seawall block export --format cisco-ios > seawall-ios.txt
  seawall block export --format bird -o /etc/bird/seawall-block.conf`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if format == "" {
				return usagef("--format is required: one of %s", strings.Join(export.Names(), ", "))
			}
			if !contains(export.Names(), format) {
				return usagef("unknown format %q: want one of %s", format, strings.Join(export.Names(), ", "))
			}
			c, err := a.config()
			if err != nil {
				return err
			}
			l, err := geodata.Load(a.geoDB, c.DataDir)
			if err != nil {
				return err
			}
			d, err := enforce.Compile(l.DB, c.Block)
			if err != nil {
				if c.Path != "" {
					return fmt.Errorf("%s: %w", c.Path, err)
				}
				return err
			}
			out, err := export.Render(format, d)
			if err != nil {
				return err
			}
			if output == "" || output == "-" {
				_, err := cmd.OutOrStdout().Write(out)
				return err
			}
			if err := writeAtomic(output, out); err != nil {
				return err
			}
			fmt.Fprintf(a.io.Err, "seawall: wrote %s (%s): %d IPv4 and %d IPv6 prefixes, %s, data %s, policy %s\n",
				output, format, len(d.V4), len(d.V6), strings.Join(d.Countries, ","), d.Data.Date, d.Policy)
			return nil
		},
	}
	a.addGeoDBFlag(cmd)
	cmd.Flags().StringVar(&format, "format", "", "output format: "+strings.Join(export.Names(), ", "))
	cmd.Flags().StringVarP(&output, "output", "o", "", "write to FILE instead of standard output")
	return cmd
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// writeAtomic replaces path with data through a temporary file in the same
// directory and a rename, so that readers see the old file or the new one,
// never a partial one.
func writeAtomic(path string, data []byte) error {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".tmp*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp) // fails harmlessly once renamed
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := f.Chmod(0o644); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return os.Rename(tmp, path)
}

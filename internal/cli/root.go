// Package cli is seawall's command line: one file per subcommand, flags and
// output only. The work is done by the domain packages.
package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"

	"github.com/seawall/seawall/internal/config"
	"github.com/seawall/seawall/internal/geo"
	"github.com/seawall/seawall/internal/geodata"
)

// Exit codes, the same for every command.
const (
	ExitOK      = 0 // success, nothing found
	ExitFailure = 1 // a finding, or the command failed
	ExitUsage   = 2 // bad flags or arguments
)

// IO is where a command reads and writes.
type IO struct {
	In       io.Reader
	Out, Err io.Writer
}

// Build identifies the binary.
type Build struct {
	Version, Commit string
}

// usageError marks errors in how seawall was called.
type usageError struct{ error }

func usagef(format string, args ...any) error { return usageError{fmt.Errorf(format, args...)} }

// exitError carries a chosen exit code whose message is already printed.
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit %d", e.code) }

// app holds what every subcommand shares: global flags and I/O.
type app struct {
	io      IO
	build   Build
	cfgPath string
	dataDir string
	geoDB   string

	netns     string   // --netns of the block commands
	netnsFD   int      // its open descriptor, or -1
	netnsFile *os.File // keeps netnsFD open
}

// Run executes seawall with args (without the program name) and returns the
// process exit code.
func Run(ctx context.Context, args []string, stdio IO, b Build) int {
	a := &app{io: stdio, build: fillBuild(b), netnsFD: -1}
	root := a.rootCmd()
	root.SetArgs(args)
	root.SetIn(stdio.In)
	root.SetOut(stdio.Out)
	root.SetErr(stdio.Err)
	cmd, err := root.ExecuteContextC(ctx)
	if err == nil {
		return ExitOK
	}
	var ee exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	fmt.Fprintf(stdio.Err, "seawall: %v\n", err)
	var ue usageError
	if errors.As(err, &ue) || isCobraUsage(err) {
		path := "seawall"
		if cmd != nil {
			path = cmd.CommandPath()
		}
		fmt.Fprintf(stdio.Err, "Run '%s --help' for usage.\n", path)
		return ExitUsage
	}
	return ExitFailure
}

// isCobraUsage recognises cobra's own argument errors, which it does not
// type.
func isCobraUsage(err error) bool {
	msg := err.Error()
	for _, p := range []string{"unknown command", "unknown flag", "unknown shorthand flag", "accepts ", "requires at least", "invalid argument"} {
		if strings.HasPrefix(msg, p) {
			return true
		}
	}
	return false
}

func fillBuild(b Build) Build {
	if b.Version == "" {
		b.Version = "dev"
	}
	if info, ok := debug.ReadBuildInfo(); ok {
		if b.Version == "dev" && info.Main.Version != "" && info.Main.Version != "(devel)" {
			b.Version = info.Main.Version
		}
		for _, s := range info.Settings {
			if s.Key == "vcs.revision" && b.Commit == "" {
				b.Commit = s.Value
			}
		}
	}
	if b.Commit == "" {
		b.Commit = "unknown"
	}
	return b
}

func (a *app) rootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "seawall",
		Short: "Defend a carrier network: block countries, watch flows, audit devices",
		Long: `seawall defends carrier and ISP networks against state-sponsored intrusion of
the Salt Typhoon / Volt Typhoon kind. It compiles registry country data into
enforcement, monitors flows and assesses device configurations.

Configuration is read from ` + config.DefaultPath + ` when it exists (-c to
choose another); state lives in the data directory (--data-dir).

Exit codes: 0 success, 1 a finding or a failure, 2 a usage error.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.CompletionOptions.HiddenDefaultCmd = true
	pf := root.PersistentFlags()
	pf.StringVarP(&a.cfgPath, "config", "c", "", "configuration file (default "+config.DefaultPath+" if it exists)")
	pf.StringVar(&a.dataDir, "data-dir", "", "state directory (default: data_dir from the configuration, else /var/lib/seawall as root, else $XDG_STATE_HOME/seawall)")
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	root.AddCommand(a.versionCmd(), a.serveCmd(), a.geoCmd(), a.blockCmd(), a.auditCmd())
	root.AddCommand(a.flowsCmd(), a.alertsCmd())
	return root
}

// config loads seawall.yaml and resolves the data directory: the flag wins
// over the file, the file over the default.
func (a *app) config() (*config.Config, error) {
	c, err := config.Load(a.cfgPath)
	if err != nil {
		return nil, err
	}
	switch {
	case a.dataDir != "":
		c.DataDir = a.dataDir
	case c.DataDir == "":
		c.DataDir = config.DefaultDataDir()
	}
	return c, nil
}

// loadGeo loads the country database the command should use.
func (a *app) loadGeo() (geodata.Loaded, error) {
	c, err := a.config()
	if err != nil {
		return geodata.Loaded{}, err
	}
	return geodata.Load(a.geoDB, c.DataDir)
}

// addGeoDBFlag gives a command the --geo-db flag.
func (a *app) addGeoDBFlag(cmd *cobra.Command) {
	cmd.Flags().StringVar(&a.geoDB, "geo-db", "", "country database to use instead of the installed one: a delegated-extended file, a \"PREFIX CC\" list, a seawall .swgeo file, or a directory of per-country lists")
}

// embeddedDate is the date of the built-in snapshot.
func embeddedDate() string {
	db, err := geo.World()
	if err != nil {
		return "unreadable: " + err.Error()
	}
	return db.Meta.Date
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func isTerminal(rw any) bool {
	f, ok := rw.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// runGroup runs a command that only groups subcommands. Cobra prints such
// a command's help and succeeds whatever follows it, so that a mistyped
// subcommand ("seawall geo lokup") would exit 0 having done nothing; this
// makes it a usage error instead.
func runGroup(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return cmd.Help()
	}
	msg := fmt.Sprintf("unknown command %q for %q", args[0], cmd.CommandPath())
	if cmd.SuggestionsMinimumDistance <= 0 {
		cmd.SuggestionsMinimumDistance = 2 // cobra's default, which it sets only for the root
	}
	if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
		msg += "; did you mean " + strings.Join(s, " or ") + "?"
	}
	return usagef("%s", msg)
}

func jsonMarshal(v any) ([]byte, error) { return json.Marshal(v) }

package cli

import "github.com/spf13/cobra"

// flowsExtraCmds are the flows subcommands defined outside flows.go.
func (a *app) flowsExtraCmds() []*cobra.Command { return []*cobra.Command{a.flowsReplayCmd()} }

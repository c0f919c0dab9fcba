// Command seawall defends carrier networks: country blocking, flow
// monitoring and device assessment. See README.md.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/seawall/seawall/internal/cli"
)

// Set by the Makefile with -ldflags "-X main.version=... -X main.commit=...".
var version, commit string

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Run(ctx, os.Args[1:], cli.IO{In: os.Stdin, Out: os.Stdout, Err: os.Stderr}, cli.Build{Version: version, Commit: commit})
	stop()
	os.Exit(code)
}

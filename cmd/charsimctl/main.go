// Command charsimctl administers charsim: `migrate` copies a SQLite store into
// PostgreSQL, `reindex` rebuilds the vector memory; see `charsimctl --help`.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/mojin/charsim/internal/ctl"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	err := ctl.Run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "charsimctl:", err)
		os.Exit(1)
	}
}

// Command cronworker runs one DriftExact check from a JSON configuration
// file, writes the report where the file says, and exits with a code a
// scheduler can act on:
//
//	0  no drift in what was checked
//	1  drift found
//	2  configuration or input error, with a one-line reason on stderr
//
// Usage:
//
//	cronworker -config /etc/driftexact/acme.json [-v]
//
// Secrets (the Stripe key, the database DSN) are read from environment
// variables the file names, and never printed. -v logs the check at debug
// level on stderr. While pulling, a progress line is drawn on stderr when
// it is a terminal. The README's cron worker section documents every field
// of the file.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	_ "github.com/go-sql-driver/mysql"
	_ "github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, env{
		args:     os.Args[1:],
		getenv:   os.LookupEnv,
		stdout:   os.Stdout,
		stderr:   os.Stderr,
		terminal: isTerminal(os.Stderr),
	})
	stop()
	os.Exit(code)
}

// isTerminal reports whether f is a character device, as a terminal is.
func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

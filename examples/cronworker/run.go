package main

import (
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/driftexact/driftexact"
	"github.com/driftexact/driftexact/report"
	"github.com/driftexact/driftexact/source"
	"github.com/driftexact/driftexact/sqlsrc"
	"github.com/driftexact/driftexact/stripesrc"
)

// Exit codes.
const (
	exitClean = 0 // no drift in what was checked
	exitDrift = 1 // drift found
	exitError = 2 // configuration or input error; nothing or not all checked
)

const usage = "usage: cronworker -config FILE [-v]"

// env is what the worker takes from its process, passed in so tests can
// run it whole.
type env struct {
	args     []string // command-line arguments, without the program name
	getenv   func(string) (string, bool)
	stdout   io.Writer
	stderr   io.Writer
	terminal bool // stderr is a terminal: show progress there
}

// run runs one check as the command line and configuration say, and
// returns the exit code. Every failure prints one line on stderr.
func run(ctx context.Context, e env) int {
	code, err := check(ctx, e)
	if err != nil {
		fmt.Fprintln(e.stderr, "cronworker:", oneLine(err))
	}
	return code
}

func check(ctx context.Context, e env) (int, error) {
	path, verbose, err := parseArgs(e)
	switch {
	case err != nil:
		return exitError, err
	case path == "": // -h
		return exitClean, nil
	}
	s, err := loadConfig(path, e.getenv)
	if err != nil {
		return exitError, fmt.Errorf("config %s: %w", path, err)
	}
	log := logger(verbose, e.stderr)
	job, closeAll, err := s.job(log)
	if err != nil {
		return exitError, err
	}
	defer closeAll()
	hist, closeHist, err := s.openHistory(ctx)
	if err != nil {
		return exitError, err
	}
	defer closeHist()
	job.Options = &driftexact.Options{Logger: log}
	if e.terminal {
		p := newProgress(e.stderr)
		job.Options.Progress = p.update
		defer p.end()
	}
	return s.execute(ctx, job, hist, e.stdout)
}

// parseArgs reads the command line. For -h it prints the usage on stdout
// and returns no path and no error.
func parseArgs(e env) (path string, verbose bool, err error) {
	fs := flag.NewFlagSet("cronworker", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&path, "config", "", "path of the JSON configuration file (required)")
	fs.BoolVar(&verbose, "v", false, "log the check at debug level on stderr")
	err = fs.Parse(e.args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		fs.SetOutput(e.stdout)
		fmt.Fprintln(e.stdout, usage)
		fs.PrintDefaults()
		return "", false, nil
	case err != nil:
		return "", false, fmt.Errorf("%w (%s)", err, usage)
	case path == "" || fs.NArg() > 0:
		return "", false, errors.New(usage)
	}
	return path, verbose, nil
}

// execute runs the check, stores it, writes every output and returns the
// exit code.
func (s *settings) execute(ctx context.Context, job driftexact.Job, hist *runHistory,
	stdout io.Writer) (int, error) {
	rep, err := driftexact.Check(ctx, job)
	if err != nil {
		return exitError, hist.failed(ctx, err)
	}
	// A report that could not be stored is still written, then reported.
	lc, herr := hist.save(ctx, rep)
	if err := writeOutputs(s.cfg.Outputs, rep, stdout); err != nil {
		return exitError, errors.Join(err, herr)
	}
	if herr != nil {
		return exitError, herr
	}
	if err := hist.writeLifecycle(lc, stdout); err != nil {
		return exitError, err
	}
	return verdict(rep)
}

// verdict turns a report into the exit code and, for code 2, the reason.
func verdict(rep *report.Report) (int, error) {
	switch n := len(rep.Coverage.Incomplete); {
	case rep.Drift():
		return exitDrift, nil
	case n > 0:
		return exitError, fmt.Errorf("%d records could not be read and were not compared; "+
			"see the report's coverage", n)
	}
	return exitClean, nil
}

// job opens the sources the settings name, logging to log. Opening makes
// no network call. The returned function closes what was opened.
func (s *settings) job(log *slog.Logger) (driftexact.Job, func(), error) {
	job := driftexact.Job{
		Workspace: s.cfg.Workspace, Profile: &s.cfg.Profile, AsOf: s.asOf,
	}
	st := s.cfg.Stripe
	billing, err := stripesrc.Open(stripesrc.Key(s.key), &stripesrc.Options{
		BaseURL: st.BaseURL, MetadataKeys: s.cfg.Profile.MetadataKeys(),
		Account: st.Account, RequestsPerSecond: st.Rate, MaxRetries: st.MaxRetries,
		AllowSecretKey: st.AllowSecretKey, Logger: log,
	})
	if err != nil {
		return job, nil, fmt.Errorf("stripe: %w", err)
	}
	access, closeAccess, err := s.openAccess()
	if err != nil {
		return job, nil, err
	}
	job.Billing, job.Access = billing, access
	return job, closeAccess, nil
}

func (s *settings) openAccess() (source.Access, func(), error) {
	switch a := s.cfg.Access; {
	case a.CSV != nil:
		return openCSV(a.CSV)
	case a.Agent != nil:
		return openAgent(a.Agent, s.token)
	}
	return s.openSQL()
}

func (s *settings) openSQL() (source.Access, func(), error) {
	q := s.cfg.Access.SQL
	db, err := sql.Open(drivers[q.Driver], s.dsn)
	if err != nil {
		// Driver errors may quote the DSN, which may hold a password.
		return nil, nil, fmt.Errorf("access.sql.dsn_env: the DSN in %q is not valid for %s",
			q.DSNEnv, q.Driver)
	}
	args := make([]any, len(q.Args))
	for i, a := range q.Args {
		args[i] = a
	}
	src, err := sqlsrc.New(db, q.Query, &sqlsrc.Options{
		Columns: q.Columns, ActiveValues: q.ActiveValues, Args: args,
	})
	if err != nil {
		db.Close()
		return nil, nil, fmt.Errorf("access.sql: %w", err)
	}
	return src, func() { db.Close() }, nil
}

// logger returns a debug logger on w when verbose, else one that discards.
func logger(verbose bool, w io.Writer) *slog.Logger {
	if !verbose {
		return nil
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// oneLine keeps a message on one line for log collectors.
func oneLine(err error) string {
	return strings.Join(strings.Fields(err.Error()), " ")
}

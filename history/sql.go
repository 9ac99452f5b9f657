package history

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"time"
	"unicode/utf8"

	"github.com/driftexact/driftexact/report"
)

// Options configure a [SQLStore]. A nil *Options, and every zero field,
// means the default.
type Options struct {
	// Dialect is the engine behind the database; zero means SQLite.
	Dialect Dialect
	// Prefix starts the name of every table the store creates, so that
	// several stores can share one database; zero means
	// [DefaultPrefix]. It must match [a-z][a-z0-9_]* and be at most 32
	// bytes long.
	Prefix string
	// RecurAfter is the streak beyond which a persisting finding counts
	// as recurring; zero means [DefaultRecurAfter].
	RecurAfter int
	// Retention bounds what is kept of each workspace; it is applied
	// within every save. The zero value keeps everything.
	Retention Retention
	// Clock stamps acknowledgements that carry no creation time; nil
	// means time.Now.
	Clock func() time.Time
}

// DefaultPrefix is the table prefix used when [Options.Prefix] is empty.
const DefaultPrefix = "driftexact_history_"

var prefixRE = regexp.MustCompile(`^[a-z][a-z0-9_]{0,31}$`)

// SQLStore is a [Store] over database/sql. It is safe for concurrent use,
// by several goroutines and by several processes sharing one database:
// saves to one workspace run one after the other, and the schema is
// migrated by whichever process gets there first.
//
// The store does not own its *sql.DB: the caller closes it, after the last
// call on the store has returned.
type SQLStore struct {
	db         *sql.DB
	dialect    Dialect
	prefix     string
	recurAfter int
	retention  Retention
	clock      func() time.Time
	batch      int // rows per INSERT statement
}

// defaultBatch is how many rows one INSERT statement carries.
const defaultBatch = 100

// OpenSQL returns a store over db, creating its tables or bringing them up
// to date first. It is safe to call from several processes at once.
func OpenSQL(ctx context.Context, db *sql.DB, opts *Options) (*SQLStore, error) {
	if db == nil {
		return nil, errors.New("history: nil *sql.DB")
	}
	var o Options
	if opts != nil {
		o = *opts
	}
	s := &SQLStore{db: db, dialect: o.Dialect, prefix: o.Prefix,
		recurAfter: o.RecurAfter, retention: o.Retention, clock: o.Clock,
		batch: defaultBatch}
	if err := s.defaults(); err != nil {
		return nil, err
	}
	if err := s.migrate(ctx); err != nil {
		return nil, fmt.Errorf("history: schema: %w", err)
	}
	return s, nil
}

func (s *SQLStore) defaults() error {
	if s.dialect == "" {
		s.dialect = SQLite
	}
	if !s.dialect.valid() {
		return fmt.Errorf("history: options.dialect: unknown value %q", s.dialect)
	}
	if s.prefix == "" {
		s.prefix = DefaultPrefix
	}
	if !prefixRE.MatchString(s.prefix) {
		return fmt.Errorf("history: options.prefix: %q must match %s",
			s.prefix, prefixRE)
	}
	if s.recurAfter < 0 {
		return fmt.Errorf("history: options.recur_after: %d is negative", s.recurAfter)
	}
	if s.recurAfter == 0 {
		s.recurAfter = DefaultRecurAfter
	}
	if s.retention.Runs < 0 || s.retention.Age < 0 {
		return errors.New("history: options.retention: negative limit")
	}
	if s.clock == nil {
		s.clock = time.Now
	}
	return nil
}

// table returns the full name of one of the store's tables.
func (s *SQLStore) table(name string) string { return s.prefix + name }

func checkWorkspace(ws string) error {
	switch {
	case ws == "":
		return ErrNoWorkspace
	case len(ws) > maxWorkspaceLen:
		return fmt.Errorf("history: workspace %q: longer than %d bytes",
			ws, maxWorkspaceLen)
	case !utf8.ValidString(ws):
		return fmt.Errorf("history: workspace %q: not valid UTF-8", ws)
	}
	return nil
}

// Errors of [SQLStore.Save] about a report that does not follow on from
// the workspace's last completed run.
var (
	// ErrOutOfOrder: the report is judged earlier than that run.
	ErrOutOfOrder = errors.New("history: report is older than the last stored run")
	// ErrMaskingChanged: one report is masked and the other not, so their
	// fingerprints cannot be matched. Keep masking on or off for a
	// workspace's whole history, with the same key.
	ErrMaskingChanged = errors.New("history: report masking differs from the last stored run")
)

// Save stores rep as the next run of workspace in one transaction, works
// out the lifecycle of its findings against the fingerprints remembered
// from earlier runs, and applies the store's retention. Either all of it
// is stored or, on any error, none of it.
//
// rep must belong to workspace, and must not be judged earlier than the
// workspace's last completed run. Save does not change rep.
func (s *SQLStore) Save(ctx context.Context, workspace string,
	rep *report.Report) (*Lifecycle, error) {
	if err := checkWorkspace(workspace); err != nil {
		return nil, err
	}
	if rep == nil {
		return nil, errors.New("history: save: nil report")
	}
	if rep.Workspace != workspace {
		return nil, fmt.Errorf("%w: report of %q saved under %q",
			ErrWorkspaceMismatch, rep.Workspace, workspace)
	}
	var lc *Lifecycle
	err := s.inTx(ctx, workspace, func(tx *sql.Tx, w *wsRow) error {
		var err error
		lc, err = s.saveRun(ctx, tx, w, rep)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("history: save run of %q: %w", workspace, err)
	}
	return lc, nil
}

func (s *SQLStore) saveRun(ctx context.Context, tx *sql.Tx, w *wsRow,
	rep *report.Report) (*Lifecycle, error) {
	asOf := rep.AsOf.UTC()
	if w.lastOK > 0 && asOf.Before(w.lastOKAsOf) {
		return nil, fmt.Errorf("%w: as of %s, last run %d as of %s",
			ErrOutOfOrder, fmtTime(asOf), w.lastOK, fmtTime(w.lastOKAsOf))
	}
	if w.lastOK > 0 && rep.Masked != w.lastOKMasked {
		return nil, fmt.Errorf("%w: report masked %v, last run %d masked %v",
			ErrMaskingChanged, rep.Masked, w.lastOK, w.lastOKMasked)
	}
	states, err := s.loadStates(ctx, tx, w.workspace)
	if err != nil {
		return nil, err
	}
	acks, err := s.loadAcks(ctx, tx, w.workspace)
	if err != nil {
		return nil, err
	}
	lc, err := advance(states, step{run: w.run, previous: w.lastOK, rep: rep,
		acks: acks, recurAfter: s.recurAfter})
	if err != nil {
		return nil, err
	}
	if err := s.writeRun(ctx, tx, w, rep); err != nil {
		return nil, err
	}
	if err := s.writeLifecycle(ctx, tx, w, lc); err != nil {
		return nil, err
	}
	if err := s.writeStates(ctx, tx, w.workspace, states); err != nil {
		return nil, err
	}
	return lc, s.finish(ctx, tx, w, rep)
}

// SaveFailure records a failed check of workspace as its next run, with
// f.Err cut to [MaxErrorLen] bytes. It changes no finding's lifecycle and
// applies the store's retention.
func (s *SQLStore) SaveFailure(ctx context.Context, workspace string,
	f Failure) (RunInfo, error) {
	if err := checkWorkspace(workspace); err != nil {
		return RunInfo{}, err
	}
	info := RunInfo{Workspace: workspace, Status: RunFailed,
		Error: cut(f.Err), AsOf: f.At.UTC()}
	err := s.inTx(ctx, workspace, func(tx *sql.Tx, w *wsRow) error {
		info.ID = w.run
		if err := s.insertFailure(ctx, tx, w, &info); err != nil {
			return err
		}
		return s.finish(ctx, tx, w, nil)
	})
	if err != nil {
		return RunInfo{}, fmt.Errorf("history: save failed run of %q: %w", workspace, err)
	}
	return info, nil
}

// cut shortens a failure message to MaxErrorLen bytes on a rune boundary.
func cut(msg string) string {
	const mark = " [cut]"
	if len(msg) <= MaxErrorLen {
		return msg
	}
	n := MaxErrorLen - len(mark)
	for n > 0 && !utf8.RuneStart(msg[n]) {
		n--
	}
	return msg[:n] + mark
}

// wsRow is a workspace's bookkeeping row, claimed for one new run.
type wsRow struct {
	workspace  string
	run        int64 // the id of the run being stored
	lastOK     int64 // the last completed run before it; 0 for none
	lastOKAsOf time.Time
	// lastOKMasked says whether that run's report was masked.
	lastOKMasked bool
}

// inTx claims the next run id of workspace and runs fn in the same
// transaction, committing only when fn succeeds. Claiming the id locks the
// workspace's row, so saves to one workspace never interleave, while
// saves to others go on.
func (s *SQLStore) inTx(ctx context.Context, workspace string, fn func(*sql.Tx,
	*wsRow) error) error {
	// The row is created outside the transaction: on MySQL two
	// transactions inserting the same new key may deadlock.
	ins, end := s.dialect.insertIgnore(s.table(tWorkspaces), "workspace")
	if _, err := s.db.ExecContext(ctx, s.dialect.bind(ins+
		" (workspace, last_run, last_ok_run, last_ok_as_of, last_ok_masked)"+
		" VALUES (?, 0, 0, '', 0)"+end),
		workspace); err != nil {
		return err
	}
	tx, err := s.db.BeginTx(ctx, s.dialect.saveTx())
	if err != nil {
		return err
	}
	defer tx.Rollback()
	w, err := s.claim(ctx, tx, workspace)
	if err != nil {
		return err
	}
	if err := fn(tx, w); err != nil {
		return err
	}
	return tx.Commit()
}

func (s *SQLStore) claim(ctx context.Context, tx *sql.Tx,
	workspace string) (*wsRow, error) {
	t := s.table(tWorkspaces)
	if _, err := tx.ExecContext(ctx, s.dialect.bind(
		"UPDATE "+t+" SET last_run = last_run + 1 WHERE workspace = ?"),
		workspace); err != nil {
		return nil, err
	}
	w := &wsRow{workspace: workspace}
	var asOf string
	var masked int
	err := tx.QueryRowContext(ctx, s.dialect.bind(
		"SELECT last_run, last_ok_run, last_ok_as_of, last_ok_masked FROM "+t+
			" WHERE workspace = ?"), workspace).Scan(&w.run, &w.lastOK, &asOf,
		&masked)
	if err != nil {
		return nil, err
	}
	w.lastOKMasked = masked == 1
	w.lastOKAsOf, err = parseTime(asOf)
	return w, err
}

// finish records the run in the workspace's row and applies retention;
// rep is the report of a completed run, nil for a failed one.
func (s *SQLStore) finish(ctx context.Context, tx *sql.Tx, w *wsRow,
	rep *report.Report) error {
	if rep != nil {
		if _, err := tx.ExecContext(ctx, s.dialect.bind(
			"UPDATE "+s.table(tWorkspaces)+" SET last_ok_run = ?,"+
				" last_ok_as_of = ?, last_ok_masked = ? WHERE workspace = ?"),
			w.run, fmtTime(rep.AsOf), b2i(rep.Masked), w.workspace); err != nil {
			return err
		}
	}
	_, err := s.prune(ctx, tx, w.workspace)
	return err
}

// timeLayout has a fixed width, so stored times sort as text.
const timeLayout = "2006-01-02T15:04:05.000000000Z07:00"

// fmtTime formats t in UTC; the zero time is the empty string.
func fmtTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(timeLayout)
}

func parseTime(v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(timeLayout, v)
	if err != nil {
		return time.Time{}, fmt.Errorf("stored time %q: %w", v, err)
	}
	return t.UTC(), nil
}

package sqlsrc

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"iter"
	"strings"
	"sync"
	"time"

	"github.com/driftexact/driftexact/internal/coerce"
	"github.com/driftexact/driftexact/source"
)

// Columns names the result columns that hold each grant field, matched
// without regard to case. AccountID is required. An empty name means the
// query has no such column: the field is left empty, except Access, whose
// absence means every row grants access.
type Columns struct {
	AccountID      string `json:"account_id"`
	CustomerID     string `json:"customer_id,omitempty"`
	SubscriptionID string `json:"subscription_id,omitempty"`
	Plan           string `json:"plan,omitempty"`
	Seats          string `json:"seats,omitempty"`
	Access         string `json:"access,omitempty"`
	Expires        string `json:"expires,omitempty"`
}

// Options configure a [Source]. A nil *Options is refused, since Columns
// must name at least the account id.
type Options struct {
	Columns Columns

	// ActiveValues are the texts that mean "access on" when the access
	// column holds text, compared without regard to case or surrounding
	// space. Nil means "active", "on", "true", "yes", "enabled", "1" and
	// "t". Booleans and integers need no list: true and non-zero are on.
	ActiveValues []string
	// InactiveValues, when not nil, are the texts that mean "access off";
	// a text in neither list is then a bad value rather than off. Nil
	// reads every text not in ActiveValues as off.
	InactiveValues []string

	// Workspace, when not nil, is bound to the query's first placeholder,
	// so that one query serves every tenant and only this one's rows come
	// back. It is never formatted into the SQL text.
	Workspace any
	// Args are bound to the query's placeholders, after Workspace.
	Args []any

	// Location is the zone of times stored without one: text such as
	// "2024-07-01 12:00:00", and MySQL DATETIME read without parseTime.
	// Nil means UTC. Times a driver returns as time.Time keep the zone
	// the driver gave them.
	Location *time.Location

	// FailOnBadRow makes a value that cannot be read end the pull with an
	// error wrapping [ErrBadRow]. By default the row is yielded with a
	// *source.RecordError and the pull goes on.
	FailOnBadRow bool
}

// Source is a [source.Access] over a *sql.DB. It does not own the
// database handle: the caller opens and closes it. A Source is safe for
// concurrent use; each pull runs its own transaction.
type Source struct {
	db     *sql.DB
	query  string
	cols   Columns
	args   []any
	sw     *coerce.Switch
	loc    *time.Location
	fail   bool
	sqlite bool

	mu   sync.Mutex
	last source.Stats
}

// ErrNotSelect is wrapped by the error for a query that is not a single
// SELECT or WITH … SELECT statement, or that names a write.
var ErrNotSelect = errors.New("sqlsrc: only a single SELECT statement is allowed")

// ErrBadRow is wrapped by the error that ends a pull at a value that
// cannot be read, when [Options.FailOnBadRow] is set.
var ErrBadRow = errors.New("sqlsrc: a row could not be read")

// New returns a source that reads grants from db with query. It checks the
// query and options but does not touch the database.
func New(db *sql.DB, query string, opts *Options) (*Source, error) {
	if db == nil {
		return nil, errors.New("sqlsrc: nil *sql.DB")
	}
	if opts == nil || strings.TrimSpace(opts.Columns.AccountID) == "" {
		return nil, errors.New("sqlsrc: columns.account_id is required")
	}
	if err := checkSelect(query); err != nil {
		return nil, err
	}
	if opts.Workspace != nil && !hasPlaceholder(query) {
		return nil, errors.New(
			"sqlsrc: a workspace is set but the query has no placeholder to bind it to")
	}
	s := &Source{
		db: db, query: query, cols: opts.Columns,
		sw:     coerce.NewSwitch(opts.ActiveValues, opts.InactiveValues),
		loc:    opts.Location,
		fail:   opts.FailOnBadRow,
		sqlite: strings.Contains(strings.ToLower(fmt.Sprintf("%T", db.Driver())), "sqlite"),
	}
	if opts.Workspace != nil {
		s.args = append(s.args, opts.Workspace)
	}
	s.args = append(s.args, opts.Args...)
	return s, nil
}

// Columns returns the column mapping the source reads with.
func (s *Source) Columns() Columns { return s.cols }

// Unavailable implements [source.FieldReporter]: it returns the grant
// fields that the column mapping leaves out, so the checks that need them
// are reported as not run.
func (s *Source) Unavailable() []string {
	var out []string
	if s.cols.Seats == "" {
		out = append(out, "seats")
	}
	if s.cols.Expires == "" {
		out = append(out, "expires")
	}
	return out
}

// Describe implements [source.Describer].
func (s *Source) Describe() string { return "sql" }

// LastPull implements [source.StatsReporter]: it counts the rows of the
// most recent pull that read to the end, bad rows included.
func (s *Source) LastPull() source.Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.last
}

// Grants implements [source.Access]. Each call runs the query once, in a
// read-only transaction, and yields rows as they are scanned. The
// transaction and its rows are released before the range statement
// returns, however it ends. A row with a bad value is yielded with a
// *source.RecordError naming its account and column (see
// [Options.FailOnBadRow]); any other error is fatal and ends the sequence.
func (s *Source) Grants(ctx context.Context) iter.Seq2[source.Grant, error] {
	return func(yield func(source.Grant, error) bool) {
		ctx, cancel := context.WithCancel(ctx)
		p, err := s.start(ctx)
		if err != nil {
			cancel()
			yield(source.Grant{}, err)
			return
		}
		complete := false
		defer func() {
			// A pull left early is cancelled before its rows are closed:
			// closing them would otherwise read the rest of the result.
			if !complete {
				cancel()
			}
			p.close()
			cancel()
		}()
		sc, err := newScanner(p.rows, s)
		if err != nil {
			yield(source.Grant{}, err)
			return
		}
		n, done := 0, ctx.Done()
		for p.rows.Next() {
			// database/sql notices cancellation in the background; a fast
			// driver could hand on many rows before it does.
			select {
			case <-done:
				yield(source.Grant{}, fmt.Errorf("sqlsrc: after row %d: %w", n, ctx.Err()))
				return
			default:
			}
			n++
			g, bad, err := sc.scan(n)
			switch {
			case err != nil:
				yield(source.Grant{}, err)
				return
			case bad != nil && s.fail:
				yield(source.Grant{}, fmt.Errorf("%w: %s", ErrBadRow, bad))
				return
			case bad != nil:
				if !yield(g, bad) {
					return
				}
			case !yield(g, nil):
				return
			}
		}
		if err := p.rows.Err(); err != nil {
			yield(source.Grant{}, fmt.Errorf("sqlsrc: reading row %d: %w", n+1, err))
			return
		}
		// Some drivers end an interrupted result as if it were complete;
		// a pull whose context ended is never reported as whole.
		if err := ctx.Err(); err != nil {
			yield(source.Grant{}, fmt.Errorf("sqlsrc: after row %d: %w", n, err))
			return
		}
		complete = true
		s.mu.Lock()
		s.last = source.Stats{Records: n}
		s.mu.Unlock()
	}
}

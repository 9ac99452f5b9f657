// Package sqlsrc reads access records from a SQL database as a
// [source.Access].
//
// The caller supplies one SELECT statement and says which of its columns
// hold which grant field. The statement runs inside a read-only
// transaction, and anything but a single SELECT (or WITH … SELECT) is
// refused before it reaches the database.
package sqlsrc

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"iter"
	"strings"

	"github.com/driftexact/driftexact/source"
)

// Columns names the result columns that hold each grant field. AccountID is
// required; an empty name means the query has no such column.
type Columns struct {
	AccountID      string `json:"account_id"`
	CustomerID     string `json:"customer_id,omitempty"`
	SubscriptionID string `json:"subscription_id,omitempty"`
	Plan           string `json:"plan,omitempty"`
	Seats          string `json:"seats,omitempty"`
	Access         string `json:"access,omitempty"`
	Expires        string `json:"expires,omitempty"`
}

// Options configure a [Source]. The zero value is not usable: Columns must
// name at least the account id.
type Options struct {
	Columns Columns
	// ActiveValues are the texts that mean "access on" when the access
	// column holds text, compared case-insensitively. Nil means "active",
	// "on", "true", "yes", "enabled", "1" and "t".
	ActiveValues []string
	// Args are bound to the query's placeholders, in order. Use them for a
	// tenant or workspace value; never format values into the query.
	Args []any
	// FailOnBadRow makes a value that cannot be read end the pull with an
	// error. By default the row is yielded as a *source.RecordError and
	// the pull goes on.
	FailOnBadRow bool
}

// Source is a [source.Access] over a *sql.DB. It does not own the database
// handle: the caller closes it. A Source is safe for concurrent use.
type Source struct {
	db     *sql.DB
	query  string
	opts   Options
	active map[string]bool
	sqlite bool
}

// ErrNotSelect is wrapped by the error for a query that is not a single
// SELECT or WITH … SELECT statement.
var ErrNotSelect = errors.New("sqlsrc: only a single SELECT statement is allowed")

var defaultActive = []string{"active", "on", "true", "yes", "enabled", "1", "t"}

// New returns a source that reads grants from db with query.
func New(db *sql.DB, query string, opts *Options) (*Source, error) {
	if db == nil {
		return nil, errors.New("sqlsrc: nil *sql.DB")
	}
	if err := checkSelect(query); err != nil {
		return nil, err
	}
	if opts == nil || opts.Columns.AccountID == "" {
		return nil, errors.New("sqlsrc: columns.account_id is required")
	}
	s := &Source{db: db, query: query, opts: *opts, active: map[string]bool{},
		sqlite: strings.Contains(strings.ToLower(fmt.Sprintf("%T", db.Driver())), "sqlite")}
	vals := opts.ActiveValues
	if vals == nil {
		vals = defaultActive
	}
	for _, v := range vals {
		s.active[strings.ToLower(strings.TrimSpace(v))] = true
	}
	return s, nil
}

// Unavailable returns the grant fields that the column mapping leaves out,
// so the checks that need them can be reported as not run.
func (s *Source) Unavailable() []string {
	var out []string
	if s.opts.Columns.Seats == "" {
		out = append(out, "seats")
	}
	if s.opts.Columns.Expires == "" {
		out = append(out, "expires")
	}
	return out
}

// Grants implements [source.Access]. Rows are handed on as they are
// scanned; the transaction is rolled back when the sequence ends.
func (s *Source) Grants(ctx context.Context) iter.Seq2[source.Grant, error] {
	return func(yield func(source.Grant, error) bool) {
		tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
		if err != nil {
			yield(source.Grant{}, fmt.Errorf("sqlsrc: begin read-only transaction: %w", err))
			return
		}
		defer tx.Rollback()
		if s.sqlite {
			// SQLite has no read-only transactions; query_only refuses
			// writes on this connection until it is switched back.
			if _, err := tx.ExecContext(ctx, "PRAGMA query_only = ON"); err != nil {
				yield(source.Grant{}, fmt.Errorf("sqlsrc: set query_only: %w", err))
				return
			}
			defer tx.ExecContext(context.WithoutCancel(ctx), "PRAGMA query_only = OFF")
		}
		rows, err := tx.QueryContext(ctx, s.query, s.opts.Args...)
		if err != nil {
			yield(source.Grant{}, fmt.Errorf("sqlsrc: query: %w", err))
			return
		}
		defer rows.Close()
		sc, err := newScanner(rows, s)
		if err != nil {
			yield(source.Grant{}, err)
			return
		}
		for n := 1; rows.Next(); n++ {
			g, err := sc.scan(n)
			if err != nil && s.opts.FailOnBadRow {
				yield(source.Grant{}, fmt.Errorf("sqlsrc: %w", err))
				return
			}
			if !yield(g, err) {
				return
			}
		}
		if err := rows.Err(); err != nil {
			yield(source.Grant{}, fmt.Errorf("sqlsrc: reading rows: %w", err))
			return
		}
		if err := rows.Close(); err != nil {
			yield(source.Grant{}, fmt.Errorf("sqlsrc: closing rows: %w", err))
		}
	}
}

// Describe implements [source.Describer].
func (s *Source) Describe() string { return "sql" }

package sqlsrc

import (
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/driftexact/driftexact/internal/coerce"
	"github.com/driftexact/driftexact/source"
)

// field is a grant field a column can feed.
type field int

const (
	fAccount field = iota
	fCustomer
	fSubscription
	fPlan
	fSeats
	fAccess
	fExpires
	nFields
)

var optionNames = [nFields]string{
	"account_id", "customer_id", "subscription_id", "plan", "seats",
	"access", "expires",
}

func (c Columns) byField() [nFields]string {
	return [nFields]string{
		c.AccountID, c.CustomerID, c.SubscriptionID, c.Plan, c.Seats,
		c.Access, c.Expires,
	}
}

// cell receives one mapped column. It implements sql.Scanner so that
// database/sql hands it the driver's value directly, with no reflection
// and no copy of text it is about to convert anyway. Scan never fails:
// a bad value is kept in err, so the other columns of the row are still
// read and the error can name the row's account.
type cell struct {
	f    field
	sw   *coerce.Switch
	loc  *time.Location
	text string
	n    int64
	ok   bool
	on   bool
	t    time.Time
	err  error
}

func (c *cell) Scan(v any) error {
	switch c.f {
	case fSeats:
		c.n, c.ok, c.err = coerce.Count(v)
	case fAccess:
		c.on, c.err = c.sw.Read(v)
	case fExpires:
		c.t, c.err = coerce.Time(v, c.loc)
	default:
		c.text, c.err = coerce.Text(v)
	}
	return nil
}

// skip receives a column the mapping does not name.
type skip struct{}

func (skip) Scan(any) error { return nil }

// scanner reads the rows of one pull into grants.
type scanner struct {
	rows  *sql.Rows
	dest  []any
	cells [nFields]*cell
	names [nFields]string // the result's own spelling, for errors
	slab  []int64         // seat counts are handed out from here
}

func newScanner(rows *sql.Rows, s *Source) (*scanner, error) {
	names, err := rows.Columns()
	if err != nil {
		return nil, fmt.Errorf("sqlsrc: columns: %w", err)
	}
	sc := &scanner{rows: rows, dest: make([]any, len(names))}
	for i := range sc.dest {
		sc.dest[i] = skip{}
	}
	for f, want := range s.cols.byField() {
		if want == "" {
			continue
		}
		i, err := findColumn(names, want, optionNames[f])
		if err != nil {
			return nil, err
		}
		if _, taken := sc.dest[i].(*cell); taken {
			return nil, fmt.Errorf("sqlsrc: column %q is mapped to two grant fields", names[i])
		}
		c := &cell{f: field(f), sw: s.sw, loc: s.loc}
		sc.dest[i], sc.cells[f], sc.names[f] = c, c, names[i]
	}
	return sc, nil
}

// findColumn returns the position of the one column named want.
func findColumn(names []string, want, option string) (int, error) {
	at := -1
	for i, n := range names {
		if !strings.EqualFold(strings.TrimSpace(n), strings.TrimSpace(want)) {
			continue
		}
		if at >= 0 {
			return 0, fmt.Errorf(
				"sqlsrc: columns.%s: the query returns two columns named %q; alias one",
				option, want)
		}
		at = i
	}
	if at < 0 {
		return 0, fmt.Errorf("sqlsrc: columns.%s: the query has no column %q (it has %s)",
			option, want, strings.Join(quoteAll(names), ", "))
	}
	return at, nil
}

func quoteAll(names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = fmt.Sprintf("%q", n)
	}
	return out
}

// scan reads the current row, the n-th. A value that cannot be read gives
// the grant as far as it was read and a record error naming the account
// (or the row, when the account id itself is unreadable) and the first bad
// column. err is a failure of the row as a whole.
func (sc *scanner) scan(n int) (g source.Grant, bad *source.RecordError, err error) {
	if err := sc.rows.Scan(sc.dest...); err != nil {
		return g, nil, fmt.Errorf("sqlsrc: row %d: %w", n, err)
	}
	var first field = -1
	text := func(f field) string {
		c := sc.cells[f]
		if c == nil {
			return ""
		}
		if c.err != nil && first < 0 {
			first = f
		}
		return c.text
	}
	g.AccountID = text(fAccount)
	g.CustomerID = text(fCustomer)
	g.SubscriptionID = text(fSubscription)
	g.Plan = text(fPlan)
	if c := sc.cells[fSeats]; c != nil {
		if c.ok {
			g.Seats = sc.seats(c.n)
		}
		if c.err != nil && first < 0 {
			first = fSeats
		}
	}
	g.Active = true
	if c := sc.cells[fAccess]; c != nil {
		g.Active = c.on
		if c.err != nil && first < 0 {
			first = fAccess
		}
	}
	if c := sc.cells[fExpires]; c != nil {
		g.Expires = c.t
		if c.err != nil && first < 0 {
			first = fExpires
		}
	}
	return g, sc.badRow(n, g.AccountID, first), nil
}

var errNoAccount = errors.New("the account id is empty")

// badRow builds the record error for a row whose first bad field is
// first, or returns nil when the row is good.
func (sc *scanner) badRow(n int, account string, first field) *source.RecordError {
	acct := sc.cells[fAccount]
	if first < 0 && account != "" {
		return nil
	}
	rec := account
	if rec == "" || acct.err != nil {
		rec = fmt.Sprintf("row %d", n)
	}
	if first < 0 {
		return &source.RecordError{Record: rec, Field: sc.names[fAccount], Err: errNoAccount}
	}
	return &source.RecordError{Record: rec, Field: sc.names[first], Err: sc.cells[first].err}
}

// seats returns a pointer to n. Pointers are cut from a shared block, so a
// pull of a million rows makes thousands of allocations, not a million.
func (sc *scanner) seats(n int64) *int64 {
	if len(sc.slab) == 0 {
		sc.slab = make([]int64, 512)
	}
	p := &sc.slab[0]
	*p, sc.slab = n, sc.slab[1:]
	return p
}

package csvsrc

import (
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"time"

	"github.com/driftexact/driftexact/internal/coerce"
	"github.com/driftexact/driftexact/source"
)

// AccessColumns names the header of the column that holds each grant
// field. Names match without regard to case or surrounding space. See
// [AccessOptions] for what an empty name means.
type AccessColumns struct {
	AccountID      string `json:"account_id,omitempty"`
	CustomerID     string `json:"customer_id,omitempty"`
	SubscriptionID string `json:"subscription_id,omitempty"`
	Plan           string `json:"plan,omitempty"`
	Seats          string `json:"seats,omitempty"`
	Access         string `json:"access,omitempty"`
	Expires        string `json:"expires,omitempty"`
}

func (c AccessColumns) list() []string {
	return []string{c.AccountID, c.CustomerID, c.SubscriptionID, c.Plan,
		c.Seats, c.Access, c.Expires}
}

func accessColumnsOf(names []string) AccessColumns {
	return AccessColumns{names[aAccount], names[aCustomer], names[aSubscription],
		names[aPlan], names[aSeats], names[aAccess], names[aExpires]}
}

const (
	aAccount = iota
	aCustomer
	aSubscription
	aPlan
	aSeats
	aAccess
	aExpires
)

// accessColumns are the grant fields and the headers they are detected
// under, in normalised form (see normal), best first.
var accessColumns = []column{
	{option: "account_id", required: true, names: []string{
		"accountid", "account", "accountuuid", "userid", "user", "orgid",
		"organizationid", "organisationid", "teamid", "workspaceid", "tenantid",
		"id", "email", "useremail", "accountemail"}},
	{option: "customer_id", names: []string{
		"stripecustomerid", "stripecustomer", "customerid", "customer", "cusid"}},
	{option: "subscription_id", names: []string{
		"stripesubscriptionid", "stripesubscription", "subscriptionid",
		"subscription", "subid"}},
	{option: "plan", names: []string{
		"plan", "planname", "planid", "tier", "product", "productname"}},
	{option: "seats", names: []string{
		"seats", "seatcount", "numseats", "quantity", "licenses", "licensecount"}},
	{option: "access", names: []string{
		"access", "hasaccess", "accessenabled", "active", "isactive", "enabled",
		"status", "accessstatus", "subscriptionstatus", "state"}},
	{option: "expires", names: []string{
		"expiresat", "expires", "expiry", "expiration", "expirationdate",
		"expiresutc", "expiresatutc", "validuntil", "accessuntil", "paiduntil",
		"endsat", "enddate", "currentperiodend"}},
}

// AccessOptions configure an [Access] source. A nil *AccessOptions means
// the zero value: every column detected, default access values, UTC,
// bad rows reported and the pull carried on, commas between fields.
type AccessOptions struct {
	// Columns names the headers to read. A field left empty is looked
	// for under common names (account_id, stripe_customer_id, customer,
	// email, subscription_id, plan, seats, status, active, expires_at and
	// others), unless Exact is set. [Access.Columns] reports what was
	// found.
	Columns AccessColumns
	// Exact turns detection off: only the names in Columns are read.
	Exact bool

	// ActiveValues and InactiveValues say which texts of the access
	// column mean on and off, as for sqlsrc: nil ActiveValues means
	// "active", "on", "true", "yes", "enabled", "1" and "t"; with
	// InactiveValues set, a text in neither list is a bad value. When
	// the file has no access column, every row grants access.
	ActiveValues   []string
	InactiveValues []string

	// Location is the zone of times written without one; nil means UTC.
	Location *time.Location
	// FailOnBadRow makes a row that cannot be read end the pull with an
	// error wrapping [ErrBadRow], instead of being yielded with a
	// *source.RecordError.
	FailOnBadRow bool
	// Comma is the field separator; 0 means ','.
	Comma rune
}

// Access is a [source.Access] over an access CSV: a header row, then one
// grant per row. It is safe for concurrent use when read from a path; a
// source over a caller's reader serves one pull at a time.
type Access struct {
	in    *input
	cols  AccessColumns
	pos   []int
	sw    *coerce.Switch
	loc   *time.Location
	fail  bool
	stats stats
}

// OpenAccess returns a source that reads the access CSV at path. It reads
// the header now, to map the columns, and reopens the file for each pull,
// which closes it before the range statement returns.
func OpenAccess(path string, opts *AccessOptions) (*Access, error) {
	return newAccess(path, nil, opts)
}

// NewAccess returns a source that reads an access CSV from r. It reads the
// header now, to map the columns. The first pull reads on from there; a
// later one seeks r back to its start if r is an io.ReadSeeker and fails
// with [ErrReread] if not. The caller closes r, after the last pull.
func NewAccess(r io.Reader, opts *AccessOptions) (*Access, error) {
	if r == nil {
		return nil, errors.New("csvsrc: nil reader")
	}
	return newAccess("", r, opts)
}

func newAccess(path string, r io.Reader, opts *AccessOptions) (*Access, error) {
	var o AccessOptions
	if opts != nil {
		o = *opts
	}
	in, err := openInput(path, r, o.Comma)
	if err != nil {
		return nil, err
	}
	pos, names, err := resolve(in.header, o.Columns.list(), accessColumns, o.Exact)
	if err != nil {
		if in.first != nil {
			in.first.close()
		}
		return nil, err
	}
	return &Access{
		in: in, cols: accessColumnsOf(names), pos: pos,
		sw:  coerce.NewSwitch(o.ActiveValues, o.InactiveValues),
		loc: o.Location, fail: o.FailOnBadRow,
	}, nil
}

// Columns returns the header of the column read for each grant field, as
// the file spells it; a field the file lacks is empty. It is how a caller
// sees which columns were detected.
func (a *Access) Columns() AccessColumns { return a.cols }

// Unavailable implements [source.FieldReporter].
func (a *Access) Unavailable() []string {
	var out []string
	if a.pos[aSeats] < 0 {
		out = append(out, "seats")
	}
	if a.pos[aExpires] < 0 {
		out = append(out, "expires")
	}
	return out
}

// Describe implements [source.Describer].
func (a *Access) Describe() string { return "csv" }

// LastPull implements [source.StatsReporter]: it counts the rows of the
// most recent pull that read to the end, bad rows included.
func (a *Access) LastPull() source.Stats { return a.stats.get() }

// Grants implements [source.Access]. Rows are read and handed on one at a
// time. A row that cannot be read comes with a *source.RecordError naming
// its account (or its line, when the account id is unreadable) and the
// column, wrapping a *LineError; malformed CSV, an I/O error or a
// cancelled context ends the sequence.
func (a *Access) Grants(ctx context.Context) iter.Seq2[source.Grant, error] {
	return func(yield func(source.Grant, error) bool) {
		c, release, err := a.in.take()
		if err != nil {
			yield(source.Grant{}, err)
			return
		}
		defer release()
		n, done := 0, ctx.Done()
		var seats slab
		for {
			select {
			case <-done:
				yield(source.Grant{}, fmt.Errorf("csvsrc: after %d rows: %w", n, ctx.Err()))
				return
			default:
			}
			rec, err := c.next()
			if err == io.EOF {
				break
			}
			var g source.Grant
			var bad *source.RecordError
			if fault, ok := rowFault(err); ok {
				bad = fault
			} else if err != nil {
				yield(source.Grant{}, fmt.Errorf("csvsrc: %w", err))
				return
			} else {
				g, bad = a.grant(c, rec, &seats)
			}
			n++
			if !emit(yield, g, bad, a.fail) {
				return
			}
		}
		a.stats.set(n)
	}
}

// emit yields a record and its record error, if any, or the fatal form of
// the error when fail is set. It reports whether to go on.
func emit[R any](yield func(R, error) bool, r R, bad *source.RecordError, fail bool) bool {
	switch {
	case bad == nil:
		return yield(r, nil)
	case fail:
		var zero R
		yield(zero, fmt.Errorf("%w: %s", ErrBadRow, bad))
		return false
	}
	return yield(r, bad)
}

// grant reads one row. On a bad value it returns the grant as far as it
// was read and an error naming the account and column.
func (a *Access) grant(c *cursor, rec []string, seats *slab) (source.Grant, *source.RecordError) {
	p := a.pos
	g := source.Grant{
		AccountID:      field(rec, p[aAccount]),
		CustomerID:     field(rec, p[aCustomer]),
		SubscriptionID: field(rec, p[aSubscription]),
		Plan:           field(rec, p[aPlan]),
		Active:         true,
	}
	var first error
	firstAt := -1
	note := func(f int, err error) {
		if err != nil && first == nil {
			first, firstAt = err, f
		}
	}
	for f, s := range []*string{&g.AccountID, &g.CustomerID, &g.SubscriptionID, &g.Plan} {
		var err error
		*s, err = coerce.TextString(*s)
		note(f, err)
		if f != aPlan {
			note(f, idText(*s))
		}
	}
	detach(&g.AccountID, &g.CustomerID, &g.SubscriptionID, &g.Plan)
	if g.AccountID == "" {
		note(aAccount, errNoAccount)
	}
	if n, ok, err := coerce.CountString(field(rec, p[aSeats])); ok {
		g.Seats = seats.ptr(n)
	} else {
		note(aSeats, err)
	}
	if p[aAccess] >= 0 {
		var err error
		g.Active, err = a.sw.ReadString(rec[p[aAccess]])
		note(aAccess, err)
	}
	var err error
	g.Expires, err = coerce.TimeString(field(rec, p[aExpires]), a.loc)
	note(aExpires, err)
	if first == nil {
		return g, nil
	}
	return g, a.bad(c, g.AccountID, firstAt, first)
}

var errNoAccount = errors.New("the account id is empty")

func (a *Access) bad(c *cursor, account string, f int, err error) *source.RecordError {
	line := c.line(a.pos[f])
	rec := account
	if rec == "" || f == aAccount {
		rec = fmt.Sprintf("line %d", line)
	}
	return &source.RecordError{
		Record: rec, Field: a.cols.list()[f],
		Err: &LineError{Line: line, Err: err},
	}
}

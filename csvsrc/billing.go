package csvsrc

import (
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"slices"
	"strings"
	"time"

	"github.com/driftexact/driftexact/internal/coerce"
	"github.com/driftexact/driftexact/source"
)

// BillingColumns names the header of the column that holds each
// subscription field. Names match without regard to case or surrounding
// space; an empty name is detected (see [BillingOptions]).
type BillingColumns struct {
	ID                string `json:"id,omitempty"`
	CustomerID        string `json:"customer_id,omitempty"`
	Status            string `json:"status,omitempty"`
	Plan              string `json:"plan,omitempty"` // the price (or legacy plan) id
	Product           string `json:"product,omitempty"`
	Quantity          string `json:"quantity,omitempty"`
	CurrentPeriodEnd  string `json:"current_period_end,omitempty"`
	CancelAt          string `json:"cancel_at,omitempty"`
	CancelAtPeriodEnd string `json:"cancel_at_period_end,omitempty"`
	CanceledAt        string `json:"canceled_at,omitempty"`
	EndedAt           string `json:"ended_at,omitempty"`
	TrialEnd          string `json:"trial_end,omitempty"`
	Created           string `json:"created,omitempty"`
}

const (
	bID = iota
	bCustomer
	bStatus
	bPlan
	bProduct
	bQuantity
	bPeriodEnd
	bCancelAt
	bCancelAtPeriodEnd
	bCanceledAt
	bEndedAt
	bTrialEnd
	bCreated
)

func (c BillingColumns) list() []string {
	return []string{c.ID, c.CustomerID, c.Status, c.Plan, c.Product, c.Quantity,
		c.CurrentPeriodEnd, c.CancelAt, c.CancelAtPeriodEnd, c.CanceledAt,
		c.EndedAt, c.TrialEnd, c.Created}
}

func billingColumnsOf(n []string) BillingColumns {
	return BillingColumns{n[bID], n[bCustomer], n[bStatus], n[bPlan], n[bProduct],
		n[bQuantity], n[bPeriodEnd], n[bCancelAt], n[bCancelAtPeriodEnd],
		n[bCanceledAt], n[bEndedAt], n[bTrialEnd], n[bCreated]}
}

// billingColumns are the headers of Stripe's dashboard export of
// subscriptions ("id", "Customer ID", "Current Period End (UTC)", …) and
// of snake_case exports such as Sigma's, in normalised form.
var billingColumns = []column{
	{option: "id", required: true, names: []string{"id", "subscriptionid"}},
	{option: "customer_id", required: true, names: []string{"customerid", "customer"}},
	{option: "status", required: true, names: []string{"status"}},
	{option: "plan", names: []string{"plan", "planid", "priceid", "price"}},
	{option: "product", names: []string{"product", "productid"}},
	{option: "quantity", names: []string{"quantity"}},
	{option: "current_period_end", names: []string{"currentperiodendutc", "currentperiodend"}},
	{option: "cancel_at", names: []string{"cancelatutc", "cancelat"}},
	{option: "cancel_at_period_end", names: []string{"cancelatperiodend"}},
	{option: "canceled_at", names: []string{
		"canceledatutc", "canceledat", "cancelledatutc", "cancelledat"}},
	{option: "ended_at", names: []string{"endedatutc", "endedat"}},
	{option: "trial_end", names: []string{"trialendutc", "trialend"}},
	{option: "created", names: []string{"createdutc", "created"}},
}

// BillingOptions configure a [Billing] source. A nil *BillingOptions
// means the zero value.
type BillingOptions struct {
	// Columns names the headers to read. A field left empty is looked
	// for under the names of Stripe's dashboard export and their
	// snake_case forms, unless Exact is set. id, customer and status
	// must be found. [Billing.Columns] reports what was.
	Columns BillingColumns
	// Exact turns detection off: only the names in Columns are read.
	Exact bool
	// MetadataKeys are the metadata keys to keep, read from columns
	// headed "<key> (metadata)" as the dashboard exports them. Other
	// metadata columns are dropped.
	MetadataKeys []string
	// Livemode is the mode of every subscription in the file, which the
	// export does not record.
	Livemode bool
	// Location is the zone of times written without one; nil means UTC,
	// which is what the dashboard's "(UTC)" columns hold.
	Location *time.Location
	// FailOnBadRow makes a row that cannot be read end the pull with an
	// error wrapping [ErrBadRow].
	FailOnBadRow bool
	// Comma is the field separator; 0 means ','.
	Comma rune
}

// Billing is a [source.Billing] over a CSV export of Stripe subscriptions.
// It is safe for concurrent use when read from a path; a source over a
// caller's reader serves one pull at a time.
type Billing struct {
	in       *input
	cols     BillingColumns
	pos      []int
	metaKeys []string
	metaPos  []int
	livemode bool
	loc      *time.Location
	fail     bool
	stats    stats
}

// OpenBilling returns a source that reads the subscription export at
// path, as [OpenAccess] does for access files.
func OpenBilling(path string, opts *BillingOptions) (*Billing, error) {
	return newBilling(path, nil, opts)
}

// NewBilling returns a source that reads a subscription export from r,
// as [NewAccess] does for access files.
func NewBilling(r io.Reader, opts *BillingOptions) (*Billing, error) {
	if r == nil {
		return nil, errors.New("csvsrc: nil reader")
	}
	return newBilling("", r, opts)
}

func newBilling(path string, r io.Reader, opts *BillingOptions) (*Billing, error) {
	var o BillingOptions
	if opts != nil {
		o = *opts
	}
	in, err := openInput(path, r, o.Comma)
	if err != nil {
		return nil, err
	}
	pos, names, err := resolve(in.header, o.Columns.list(), billingColumns, o.Exact)
	if err != nil {
		if in.first != nil {
			in.first.close()
		}
		return nil, err
	}
	b := &Billing{in: in, cols: billingColumnsOf(names), pos: pos,
		livemode: o.Livemode, loc: o.Location, fail: o.FailOnBadRow}
	for _, k := range o.MetadataKeys {
		if at := slices.Index(in.header, k+" (metadata)"); at >= 0 {
			b.metaKeys, b.metaPos = append(b.metaKeys, k), append(b.metaPos, at)
		}
	}
	return b, nil
}

// Columns returns the header of the column read for each subscription
// field, as the file spells it; a field the file lacks is empty.
func (b *Billing) Columns() BillingColumns { return b.cols }

// Describe implements [source.Describer].
func (b *Billing) Describe() string { return "csv" }

// LastPull implements [source.StatsReporter]: it counts the subscriptions
// of the most recent pull that read to the end, bad ones included.
func (b *Billing) LastPull() source.Stats { return b.stats.get() }

// pending is a subscription whose rows may not all have been read: rows
// that repeat the id of the row before them add items to it.
type pending struct {
	sub   source.Subscription
	bad   *source.RecordError
	ok    bool
	split bool // two rows disagree on the subscription; sub holds only its id
}

// Subscriptions implements [source.Billing]. Rows are read one at a time;
// a subscription is handed on when a row with another id (or the end)
// shows it is whole. A subscription with a row that cannot be read comes
// with a *source.RecordError naming its id (or the line) and the column,
// wrapping a *LineError.
func (b *Billing) Subscriptions(ctx context.Context) iter.Seq2[source.Subscription, error] {
	return func(yield func(source.Subscription, error) bool) {
		c, release, err := b.in.take()
		if err != nil {
			yield(source.Subscription{}, err)
			return
		}
		defer release()
		var p pending
		n, done := 0, ctx.Done()
		flush := func() bool {
			if !p.ok {
				return true
			}
			n++
			p.ok = false
			return emit(yield, p.sub, p.bad, b.fail)
		}
		for {
			select {
			case <-done:
				yield(source.Subscription{}, fmt.Errorf("csvsrc: after %d subscriptions: %w", n, ctx.Err()))
				return
			default:
			}
			rec, err := c.next()
			if err == io.EOF {
				break
			}
			if bad, ok := rowFault(err); ok {
				if !flush() || !emit(yield, source.Subscription{}, bad, b.fail) {
					return
				}
				n++
				continue
			}
			if err != nil {
				yield(source.Subscription{}, fmt.Errorf("csvsrc: %w", err))
				return
			}
			s, bad := b.subscription(c, rec)
			if p.ok && s.ID != "" && s.ID == p.sub.ID {
				b.merge(c, &p, s, bad)
				continue
			}
			if !flush() {
				return
			}
			p = pending{sub: s, bad: bad, ok: true}
		}
		if flush() {
			b.stats.set(n)
		}
	}
}

// merge adds the items of a row that repeats the pending subscription's
// id. A row that disagrees with the rows before it on a field of the
// subscription itself (not of the item) makes the subscription unreadable:
// taking either row's value would make the result depend on row order.
func (b *Billing) merge(c *cursor, p *pending, s source.Subscription, bad *source.RecordError) {
	if p.split {
		return
	}
	if bad == nil {
		if bad = b.conflict(c, &p.sub, &s); bad != nil {
			p.split = true
		}
	}
	if p.bad == nil {
		p.bad = bad
	}
	if p.split {
		p.sub = source.Subscription{ID: p.sub.ID}
		return
	}
	p.sub.Items = append(p.sub.Items, s.Items...)
}

var errConflict = errors.New("differs from the row before with the same id: " +
	"subscription read more than once with different contents")

// conflict returns an error naming the first subscription-level field in
// which s differs from a, or nil when they agree.
func (b *Billing) conflict(c *cursor, a, s *source.Subscription) *source.RecordError {
	for _, d := range []struct {
		f    int
		same bool
	}{
		{bCustomer, a.CustomerID == s.CustomerID},
		{bStatus, a.Status == s.Status},
		{bPeriodEnd, a.CurrentPeriodEnd.Equal(s.CurrentPeriodEnd)},
		{bCancelAt, a.CancelAt.Equal(s.CancelAt)},
		{bCancelAtPeriodEnd, a.CancelAtPeriodEnd == s.CancelAtPeriodEnd},
		{bCanceledAt, a.CanceledAt.Equal(s.CanceledAt)},
		{bEndedAt, a.EndedAt.Equal(s.EndedAt)},
		{bTrialEnd, a.TrialEnd.Equal(s.TrialEnd)},
		{bCreated, a.Created.Equal(s.Created)},
	} {
		if !d.same {
			return b.bad(c, s.ID, d.f, errConflict)
		}
	}
	for i, k := range b.metaKeys {
		if a.Metadata[k] != s.Metadata[k] {
			line := c.line(b.metaPos[i])
			return &source.RecordError{Record: s.ID, Field: b.in.header[b.metaPos[i]],
				Err: &LineError{Line: line, Err: errConflict}}
		}
	}
	for _, it := range s.Items {
		for _, have := range a.Items {
			if it.PriceID != "" && it.PriceID == have.PriceID {
				return b.bad(c, s.ID, bPlan, errRepeatedPrice)
			}
		}
	}
	return nil
}

// errRepeatedPrice reports a price on two rows of one subscription.
// Stripe holds each price once in a subscription, so the rows are a
// repeat, and adding them up would bill the quantity twice.
var errRepeatedPrice = errors.New("the same price is on an earlier row of this " +
	"subscription; Stripe holds each price once, so the rows are a repeat")

// subscription reads one row.
func (b *Billing) subscription(c *cursor, rec []string) (source.Subscription, *source.RecordError) {
	p := b.pos
	s := source.Subscription{
		ID:         strings.TrimSpace(field(rec, p[bID])),
		CustomerID: strings.TrimSpace(field(rec, p[bCustomer])),
		Status:     strings.ToLower(strings.TrimSpace(field(rec, p[bStatus]))),
		Livemode:   b.livemode,
	}
	var first error
	firstAt := -1
	note := func(f int, err error) {
		if err != nil && first == nil {
			first, firstAt = err, f
		}
	}
	for f, v := range []string{s.ID, s.CustomerID, s.Status} {
		if _, err := coerce.TextString(v); err != nil {
			note(f, err)
		} else if err := idText(v); err != nil {
			note(f, err)
		} else if v == "" {
			note(f, errEmpty)
		}
	}
	item, at, err := b.item(rec)
	note(at, err)
	if item.PriceID != "" || item.ProductID != "" || item.Quantity != 0 {
		s.Items = []source.Item{item}
	}
	for _, t := range []struct {
		f  int
		to *time.Time
	}{
		{bPeriodEnd, &s.CurrentPeriodEnd}, {bCancelAt, &s.CancelAt},
		{bCanceledAt, &s.CanceledAt}, {bEndedAt, &s.EndedAt},
		{bTrialEnd, &s.TrialEnd}, {bCreated, &s.Created},
	} {
		var err error
		*t.to, err = coerce.TimeString(field(rec, p[t.f]), b.loc)
		note(t.f, err)
	}
	s.CancelAtPeriodEnd, err = coerce.Bool(field(rec, p[bCancelAtPeriodEnd]))
	note(bCancelAtPeriodEnd, err)
	b.metadata(&s, rec)
	detach(&s.ID, &s.CustomerID, &s.Status)
	if first == nil {
		return s, nil
	}
	return s, b.bad(c, s.ID, firstAt, first)
}

var errEmpty = errors.New("the value is empty")

// item reads the row's price, product and quantity. at is the column of
// the first bad value.
func (b *Billing) item(rec []string) (it source.Item, at int, err error) {
	p := b.pos
	it.PriceID = strings.TrimSpace(field(rec, p[bPlan]))
	it.ProductID = strings.TrimSpace(field(rec, p[bProduct]))
	if _, err := coerce.TextString(it.PriceID); err != nil {
		return it, bPlan, err
	}
	if _, err := coerce.TextString(it.ProductID); err != nil {
		return it, bProduct, err
	}
	if err := idText(it.PriceID); err != nil {
		return it, bPlan, err
	}
	if err := idText(it.ProductID); err != nil {
		return it, bProduct, err
	}
	q, _, err := coerce.CountString(field(rec, p[bQuantity]))
	if err != nil {
		return it, bQuantity, err
	}
	it.Quantity = q
	detach(&it.PriceID, &it.ProductID)
	return it, -1, nil
}

// metadata keeps the values of the named metadata columns that are set.
func (b *Billing) metadata(s *source.Subscription, rec []string) {
	for i, at := range b.metaPos {
		v := strings.TrimSpace(rec[at])
		if v == "" {
			continue
		}
		if s.Metadata == nil {
			s.Metadata = make(map[string]string, len(b.metaPos))
		}
		s.Metadata[b.metaKeys[i]] = strings.Clone(v)
	}
}

func (b *Billing) bad(c *cursor, id string, f int, err error) *source.RecordError {
	line := c.line(b.pos[f])
	rec := id
	if rec == "" || f == bID {
		rec = fmt.Sprintf("line %d", line)
	}
	return &source.RecordError{
		Record: rec, Field: b.cols.list()[f],
		Err: &LineError{Line: line, Err: err},
	}
}

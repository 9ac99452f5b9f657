package source

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"time"
)

// Subscription is a Stripe subscription reduced to the fields needed to link
// it to an account, decide access and explain a finding. Times are in UTC;
// the zero time means the field was absent (or 0) in Stripe.
type Subscription struct {
	ID         string
	CustomerID string
	Status     string // Stripe's status, verbatim (unknown values are kept)

	// Metadata holds only the metadata keys the comparison profile names.
	Metadata map[string]string
	Items    []Item

	CurrentPeriodEnd  time.Time
	CancelAt          time.Time
	CancelAtPeriodEnd bool
	CanceledAt        time.Time
	EndedAt           time.Time
	TrialEnd          time.Time
	Created           time.Time

	// PauseCollection is non-nil when collection is paused.
	PauseCollection *PauseCollection
	ScheduleID      string
	Livemode        bool

	// Incomplete, when not empty, says why this record is known to be
	// partial (for example an item list that could not be read to its end).
	// Incomplete records are reported in coverage and raise no drift.
	Incomplete string
}

// PauseCollection is the pause_collection setting of a subscription.
type PauseCollection struct {
	Behavior  string    // keep_as_draft, mark_uncollectible or void
	ResumesAt time.Time // zero when open-ended
}

// Item is one subscription item: a price and a quantity.
type Item struct {
	PriceID   string
	ProductID string
	LookupKey string
	Quantity  int64
	// CurrentPeriodEnd is the item-level period end carried by newer API
	// shapes; zero when absent.
	CurrentPeriodEnd time.Time
}

// Grant is one access record from the host's own system.
type Grant struct {
	AccountID      string
	CustomerID     string // Stripe customer id, empty when unknown
	SubscriptionID string // Stripe subscription id, empty when unknown
	Plan           string
	// Seats is the number of seats granted; nil when the source has no
	// seat column or the value is NULL.
	Seats *int64
	// Active reports whether access is on.
	Active bool
	// Expires is when access ends; the zero time means open-ended.
	Expires time.Time
}

// Billing is implemented by sources of Stripe subscriptions.
type Billing interface {
	// Subscriptions streams every subscription the source can see,
	// whatever its status. See the package documentation for the rules of
	// iteration and errors.
	Subscriptions(ctx context.Context) iter.Seq2[Subscription, error]
}

// SubscriptionGetter is an optional interface of a [Billing] source that can
// read one subscription by id. It is used for subscriptions that access
// records name but the listing did not return. It returns an error wrapping
// [ErrNotFound] when no such subscription exists.
type SubscriptionGetter interface {
	Subscription(ctx context.Context, id string) (Subscription, error)
}

// Access is implemented by sources of access records.
type Access interface {
	// Grants streams every access record of the source's workspace. See
	// the package documentation for the rules of iteration and errors.
	Grants(ctx context.Context) iter.Seq2[Grant, error]
}

// ErrNotFound reports that a record asked for by id does not exist.
var ErrNotFound = errors.New("source: not found")

// RecordError describes one record that could not be read. The sequence that
// yields it continues with the next record.
type RecordError struct {
	Record string // the record's id, or its position when it has none
	Field  string // the field or column that could not be read
	Err    error
}

func (e *RecordError) Error() string {
	if e.Field == "" {
		return fmt.Sprintf("record %q: %v", e.Record, e.Err)
	}
	return fmt.Sprintf("record %q: field %q: %v", e.Record, e.Field, e.Err)
}

func (e *RecordError) Unwrap() error { return e.Err }

// Describer is an optional interface of a source that names itself in
// reports (for example "stripe" or "sql"). Without it, the report names the
// source's Go type. The description is written into reports and debug logs,
// so it must never hold a secret such as a DSN or a key.
type Describer interface {
	Describe() string
}

// FieldReporter is an optional interface of an [Access] source whose
// records lack some fields altogether, such as a table with no seat column.
// Unavailable returns the missing fields among "seats" and "expires"; the
// checks that need them are reported as not run rather than as passing.
type FieldReporter interface {
	Unavailable() []string
}

// Stats describes what one pull read.
type Stats struct {
	Records int // records yielded
	Pages   int // API pages or batches read; 0 where the source has none
}

// StatsReporter is an optional interface of a source that counts what its
// most recent completed pull read, for the report's pull stamps. Sources
// that are read by several pulls at once may report either pull.
type StatsReporter interface {
	LastPull() Stats
}

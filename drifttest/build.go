package drifttest

import (
	"maps"
	"slices"
	"time"

	"github.com/driftexact/driftexact/source"
	"github.com/driftexact/driftexact/stripesrc/stripetest"
)

// SubscriptionBuilder describes a billing record in a line of a test:
//
//	drifttest.Subscription("sub_1").Customer("cus_1").Price("price_pro")
//
// Each method returns a changed copy and leaves its receiver alone, so a
// builder may be shared and extended by several tests at once. The zero
// value describes an empty subscription; start from [Subscription].
type SubscriptionBuilder struct {
	s source.Subscription
}

// Subscription starts a subscription with the given id, status "active"
// and no items. With no period end it renews indefinitely.
func Subscription(id string) SubscriptionBuilder {
	return SubscriptionBuilder{s: source.Subscription{ID: id, Status: "active"}}
}

// Record returns the subscription as a source record. It shares nothing
// with the builder.
func (b SubscriptionBuilder) Record() source.Subscription {
	s := b.s
	s.Items = slices.Clone(s.Items)
	s.Metadata = maps.Clone(s.Metadata)
	if pc := s.PauseCollection; pc != nil {
		c := *pc
		s.PauseCollection = &c
	}
	return s
}

// Customer sets the Stripe customer id.
func (b SubscriptionBuilder) Customer(id string) SubscriptionBuilder {
	b.s.CustomerID = id
	return b
}

// Status sets Stripe's status, verbatim.
func (b SubscriptionBuilder) Status(status string) SubscriptionBuilder {
	b.s.Status = status
	return b
}

// Price adds an item of one unit of the price.
func (b SubscriptionBuilder) Price(priceID string) SubscriptionBuilder {
	return b.Item(source.Item{PriceID: priceID, Quantity: 1})
}

// Seats adds an item of quantity units of the price, for per-seat plans.
func (b SubscriptionBuilder) Seats(priceID string, quantity int64) SubscriptionBuilder {
	return b.Item(source.Item{PriceID: priceID, Quantity: quantity})
}

// Item adds an item as given, for lookup keys, products or item-level
// period ends.
func (b SubscriptionBuilder) Item(it source.Item) SubscriptionBuilder {
	b.s.Items = append(slices.Clip(b.s.Items), it)
	return b
}

// PeriodEnd sets the end of the current billing period.
func (b SubscriptionBuilder) PeriodEnd(t time.Time) SubscriptionBuilder {
	b.s.CurrentPeriodEnd = t
	return b
}

// CancelAt schedules cancellation at t, as Stripe's cancel_at does.
func (b SubscriptionBuilder) CancelAt(t time.Time) SubscriptionBuilder {
	b.s.CancelAt = t
	return b
}

// CancelAtPeriodEnd schedules cancellation at the end of the period.
func (b SubscriptionBuilder) CancelAtPeriodEnd() SubscriptionBuilder {
	b.s.CancelAtPeriodEnd = true
	return b
}

// Canceled ends the subscription at t: status "canceled", with canceled_at
// and ended_at both t.
func (b SubscriptionBuilder) Canceled(t time.Time) SubscriptionBuilder {
	b.s.Status, b.s.CanceledAt, b.s.EndedAt = "canceled", t, t
	return b
}

// Trialing puts the subscription on trial until t: status "trialing", with
// trial end and period end both t.
func (b SubscriptionBuilder) Trialing(until time.Time) SubscriptionBuilder {
	b.s.Status, b.s.TrialEnd, b.s.CurrentPeriodEnd = "trialing", until, until
	return b
}

// PausedCollection pauses collection with a behavior such as
// "mark_uncollectible"; the status stays as it is, as in Stripe.
func (b SubscriptionBuilder) PausedCollection(behavior string) SubscriptionBuilder {
	b.s.PauseCollection = &source.PauseCollection{Behavior: behavior}
	return b
}

// Metadata sets one metadata value, as a metadata link strategy reads it.
func (b SubscriptionBuilder) Metadata(key, value string) SubscriptionBuilder {
	m := maps.Clone(b.s.Metadata)
	if m == nil {
		m = map[string]string{}
	}
	m[key] = value
	b.s.Metadata = m
	return b
}

// GrantBuilder describes an access record in a line of a test:
//
//	drifttest.Grant("acct_1").Subscription("sub_1").Plan("pro")
//
// Like [SubscriptionBuilder], each method returns a changed copy. The zero
// value describes an empty grant with access off; start from [Grant].
type GrantBuilder struct {
	g source.Grant
}

// Grant starts a grant for the account, with access on, open-ended, and no
// plan, seats or Stripe ids.
func Grant(account string) GrantBuilder {
	return GrantBuilder{g: source.Grant{AccountID: account, Active: true}}
}

// Record returns the grant as a source record. It shares nothing with the
// builder.
func (b GrantBuilder) Record() source.Grant {
	g := b.g
	if g.Seats != nil {
		n := *g.Seats
		g.Seats = &n
	}
	return g
}

// Customer sets the Stripe customer id the account holds.
func (b GrantBuilder) Customer(id string) GrantBuilder {
	b.g.CustomerID = id
	return b
}

// Subscription sets the Stripe subscription id the account holds.
func (b GrantBuilder) Subscription(id string) GrantBuilder {
	b.g.SubscriptionID = id
	return b
}

// Plan sets the internal plan.
func (b GrantBuilder) Plan(plan string) GrantBuilder {
	b.g.Plan = plan
	return b
}

// Seats sets the number of seats granted.
func (b GrantBuilder) Seats(n int64) GrantBuilder {
	b.g.Seats = &n
	return b
}

// Off turns access off, as after a revocation.
func (b GrantBuilder) Off() GrantBuilder {
	b.g.Active = false
	return b
}

// Expires sets when access ends.
func (b GrantBuilder) Expires(t time.Time) GrantBuilder {
	b.g.Expires = t
	return b
}

// Billing returns an in-memory billing source holding the subscriptions, in
// the order given; with none it holds nothing. It can also read them by id.
// The source is safe for concurrent use and needs no closing.
func Billing(subs ...SubscriptionBuilder) *source.MemoryBilling {
	recs := make([]source.Subscription, len(subs))
	for i, b := range subs {
		recs[i] = b.Record()
	}
	return source.NewMemoryBilling(recs...)
}

// Access returns an in-memory access source holding the grants, in the
// order given; with none it holds nothing. The source is safe for
// concurrent use and needs no closing.
func Access(grants ...GrantBuilder) *source.MemoryAccess {
	recs := make([]source.Grant, len(grants))
	for i, b := range grants {
		recs[i] = b.Record()
	}
	return source.NewMemoryAccess(recs...)
}

// Stripe returns the subscription in the shape the fake Stripe API of
// package stripesrc/stripetest is seeded with, so that one description
// serves a test that reads through the real Stripe adapter. Its period end
// is set on the subscription (the older API shape) and on every item (the
// newer one); incompleteness is not carried.
func (b SubscriptionBuilder) Stripe() stripetest.Subscription {
	s := b.Record()
	out := stripetest.Subscription{
		ID: s.ID, Customer: s.CustomerID, Status: s.Status, Created: s.Created,
		Livemode: s.Livemode, Metadata: s.Metadata,
		CurrentPeriodEnd: s.CurrentPeriodEnd, CancelAt: s.CancelAt,
		CancelAtPeriodEnd: s.CancelAtPeriodEnd, CanceledAt: s.CanceledAt,
		EndedAt: s.EndedAt, TrialEnd: s.TrialEnd, Schedule: s.ScheduleID,
	}
	if pc := s.PauseCollection; pc != nil {
		out.PauseCollection = &stripetest.PauseCollection{
			Behavior: pc.Behavior, ResumesAt: pc.ResumesAt}
	}
	for _, it := range s.Items {
		end := it.CurrentPeriodEnd
		if end.IsZero() {
			end = s.CurrentPeriodEnd
		}
		out.Items = append(out.Items, stripetest.Item{
			Price: it.PriceID, Product: it.ProductID, LookupKey: it.LookupKey,
			Quantity: it.Quantity, CurrentPeriodEnd: end,
		})
	}
	return out
}

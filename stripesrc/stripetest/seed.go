package stripetest

import (
	"encoding/json"
	"fmt"
	"maps"
	"time"
)

// Subscription is a subscription to seed a [Server] with, as plain values.
// Zero values are left out of the JSON the fake serves (times, strings,
// Items) or take the default named on the field.
type Subscription struct {
	ID       string // required, unique per account
	Customer string
	Status   string // empty means "active"
	Created  time.Time
	Livemode bool
	Metadata map[string]string
	Items    []Item

	// CurrentPeriodEnd is the subscription-level period end of older API
	// versions; leave it zero, and set the items' instead, to serve the
	// newer shape.
	CurrentPeriodEnd  time.Time
	CancelAt          time.Time
	CancelAtPeriodEnd bool
	CanceledAt        time.Time
	EndedAt           time.Time
	TrialEnd          time.Time
	PauseCollection   *PauseCollection
	Schedule          string // subscription schedule id

	// TestClock is the id of the test clock the subscription runs on.
	// Such subscriptions are left out of lists that name no test clock
	// (or customer), as Stripe does, and can still be read by id.
	TestClock string
	// Account is the connected account (acct_…) holding the subscription;
	// it is seen only by requests whose Stripe-Account header names it.
	// Empty means the platform's own account.
	Account string
}

// Item is one subscription item.
type Item struct {
	ID        string // empty means "si_" + the subscription id + "_" + position
	Price     string
	Product   string
	LookupKey string
	Quantity  int64
	// CurrentPeriodEnd is the item-level period end carried by newer API
	// versions; zero leaves it out.
	CurrentPeriodEnd time.Time
}

// PauseCollection is a subscription's pause_collection setting.
type PauseCollection struct {
	Behavior  string    // keep_as_draft, mark_uncollectible or void
	ResumesAt time.Time // zero means open-ended
}

// JSON returns the subscription object in Stripe's shape, with every item
// embedded (the server cuts the embedded list short when it serves it).
func (s Subscription) JSON() json.RawMessage {
	m := map[string]any{
		"id": s.ID, "object": "subscription", "status": s.statusOrDefault(),
		"created": unixOrZero(s.Created), "livemode": s.Livemode,
		"cancel_at_period_end": s.CancelAtPeriodEnd,
		"metadata":             maps.Clone(s.Metadata),
		"items":                s.itemList(),
	}
	if m["metadata"] == nil {
		m["metadata"] = map[string]string{}
	}
	setString(m, "customer", s.Customer)
	setString(m, "schedule", s.Schedule)
	setString(m, "test_clock", s.TestClock)
	setTime(m, "current_period_end", s.CurrentPeriodEnd)
	setTime(m, "cancel_at", s.CancelAt)
	setTime(m, "canceled_at", s.CanceledAt)
	setTime(m, "ended_at", s.EndedAt)
	setTime(m, "trial_end", s.TrialEnd)
	if pc := s.PauseCollection; pc != nil {
		p := map[string]any{"behavior": pc.Behavior}
		setTime(p, "resumes_at", pc.ResumesAt)
		m["pause_collection"] = p
	}
	return mustJSON(m)
}

func (s Subscription) statusOrDefault() string {
	if s.Status == "" {
		return "active"
	}
	return s.Status
}

func (s Subscription) itemList() map[string]any {
	data := make([]any, len(s.Items))
	for i, it := range s.Items {
		id := it.ID
		if id == "" {
			id = fmt.Sprintf("si_%s_%d", s.ID, i)
		}
		m := map[string]any{
			"id": id, "object": "subscription_item", "subscription": s.ID,
			"quantity": it.Quantity, "price": it.price(),
		}
		setTime(m, "current_period_end", it.CurrentPeriodEnd)
		data[i] = m
	}
	return map[string]any{"object": "list", "data": data, "has_more": false,
		"url": "/v1/subscription_items?subscription=" + s.ID}
}

func (it Item) price() map[string]any {
	p := map[string]any{"id": it.Price, "object": "price"}
	setString(p, "product", it.Product)
	setString(p, "lookup_key", it.LookupKey)
	return p
}

func setString(m map[string]any, k, v string) {
	if v != "" {
		m[k] = v
	}
}

func setTime(m map[string]any, k string, t time.Time) {
	if !t.IsZero() {
		m[k] = t.Unix()
	}
}

func unixOrZero(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.Unix()
}

func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		// Only maps of strings, numbers and booleans reach here.
		panic("stripetest: " + err.Error())
	}
	return b
}

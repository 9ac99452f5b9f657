package source

import (
	"context"
	"fmt"
	"iter"
	"slices"
)

// MemoryBilling is an in-memory [Billing] source, for tests and examples.
// It is also a [SubscriptionGetter]. The zero value holds no subscriptions.
type MemoryBilling struct {
	subs []Subscription
}

// NewMemoryBilling returns a billing source that yields copies of subs in
// the order given.
func NewMemoryBilling(subs ...Subscription) *MemoryBilling {
	return &MemoryBilling{subs: slices.Clone(subs)}
}

// Subscriptions implements [Billing].
func (m *MemoryBilling) Subscriptions(ctx context.Context) iter.Seq2[Subscription, error] {
	return func(yield func(Subscription, error) bool) {
		for _, s := range m.subs {
			if err := ctx.Err(); err != nil {
				yield(Subscription{}, err)
				return
			}
			if !yield(s, nil) {
				return
			}
		}
	}
}

// Subscription implements [SubscriptionGetter].
func (m *MemoryBilling) Subscription(ctx context.Context, id string) (Subscription, error) {
	if err := ctx.Err(); err != nil {
		return Subscription{}, err
	}
	for _, s := range m.subs {
		if s.ID == id {
			return s, nil
		}
	}
	return Subscription{}, fmt.Errorf("subscription %q: %w", id, ErrNotFound)
}

// MemoryAccess is an in-memory [Access] source, for tests and examples. The
// zero value holds no grants.
type MemoryAccess struct {
	grants []Grant
}

// NewMemoryAccess returns an access source that yields copies of grants in
// the order given.
func NewMemoryAccess(grants ...Grant) *MemoryAccess {
	return &MemoryAccess{grants: slices.Clone(grants)}
}

// Grants implements [Access].
func (m *MemoryAccess) Grants(ctx context.Context) iter.Seq2[Grant, error] {
	return func(yield func(Grant, error) bool) {
		for _, g := range m.grants {
			if err := ctx.Err(); err != nil {
				yield(Grant{}, err)
				return
			}
			if !yield(g, nil) {
				return
			}
		}
	}
}

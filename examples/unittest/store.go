// Package unittest is the billing code of a small host application, kept
// here to show how such an application tests itself with drifttest.
//
// The application keeps its own record of who may use what ([Store]) and
// updates it from Stripe's webhooks ([Webhook]). Its tests, in
// webhook_test.go, send the handler the events Stripe would send, then
// assert with drifttest that what Stripe bills and what the store grants
// agree, reading Stripe through the real adapter from the fake Stripe API in
// stripesrc/stripetest:
//
//	go test ./examples/unittest
package unittest

import (
	"context"
	"iter"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/driftexact/driftexact/source"
)

// Account is the application's own access record for one customer.
type Account struct {
	ID             string
	CustomerID     string // Stripe customer id, set at sign-up
	SubscriptionID string // the subscription that pays for access
	Plan           string
	Seats          int64
	Active         bool
	Expires        time.Time
}

// Store holds accounts in memory. It is safe for concurrent use, and it is
// a [source.Access], so a check can read it as it stands.
type Store struct {
	mu       sync.Mutex
	accounts map[string]*Account
	byCust   map[string]string // customer id → account id
}

// NewStore returns an empty store.
func NewStore() *Store {
	return &Store{accounts: map[string]*Account{}, byCust: map[string]string{}}
}

// SignUp creates an account, without access, for a Stripe customer.
func (s *Store) SignUp(accountID, customerID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.accounts[accountID] = &Account{ID: accountID, CustomerID: customerID}
	s.byCust[customerID] = accountID
}

// update changes the account of a customer; it reports false when the
// customer has no account.
func (s *Store) update(customerID string, change func(*Account)) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.accounts[s.byCust[customerID]]
	if ok {
		change(a)
	}
	return ok
}

// Grants implements [source.Access]. It yields a snapshot taken when the
// pull starts, in account id order.
func (s *Store) Grants(ctx context.Context) iter.Seq2[source.Grant, error] {
	return func(yield func(source.Grant, error) bool) {
		for _, g := range s.snapshot() {
			if err := ctx.Err(); err != nil {
				yield(source.Grant{}, err)
				return
			}
			if !yield(g, nil) {
				return
			}
		}
	}
}

func (s *Store) snapshot() []source.Grant {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []source.Grant
	for _, id := range slices.Sorted(maps.Keys(s.accounts)) {
		a := s.accounts[id]
		seats := a.Seats
		out = append(out, source.Grant{
			AccountID: a.ID, CustomerID: a.CustomerID,
			SubscriptionID: a.SubscriptionID, Plan: a.Plan, Seats: &seats,
			Active: a.Active, Expires: a.Expires,
		})
	}
	return out
}

package driftexact_test

import (
	"context"
	"errors"
	"iter"
	"strings"
	"testing"
	"time"

	"github.com/driftexact/driftexact"
	"github.com/driftexact/driftexact/compare"
	"github.com/driftexact/driftexact/source"
)

var asOf = time.Date(2024, 6, 15, 0, 0, 0, 0, time.UTC)

// listless is a billing source whose listing misses subscriptions it can
// still read by id, as Stripe's list leaves out test-clock subscriptions.
type listless struct{ *source.MemoryBilling }

func (listless) Subscriptions(context.Context) iter.Seq2[source.Subscription, error] {
	return func(func(source.Subscription, error) bool) {}
}

type failing struct{}

func (failing) Grants(context.Context) iter.Seq2[source.Grant, error] {
	return func(yield func(source.Grant, error) bool) {
		yield(source.Grant{}, errors.New("connection refused"))
	}
}

func TestCheckNeedsWorkspace(t *testing.T) {
	_, err := driftexact.Check(context.Background(), driftexact.Job{
		Billing: source.NewMemoryBilling(), Access: source.NewMemoryAccess()})
	if !errors.Is(err, driftexact.ErrNoWorkspace) {
		t.Errorf("got %v, want ErrNoWorkspace", err)
	}
}

func TestCheckReadsMissingByID(t *testing.T) {
	sub := source.Subscription{ID: "sub_clock", CustomerID: "cus_1", Status: "active",
		Items: []source.Item{{PriceID: "price_pro", Quantity: 1}}}
	rep, err := driftexact.Check(context.Background(), driftexact.Job{
		Workspace: "ws",
		Billing:   listless{source.NewMemoryBilling(sub)},
		Access: source.NewMemoryAccess(source.Grant{
			AccountID: "a1", SubscriptionID: "sub_clock", Plan: "pro", Active: true}),
		Profile: &compare.Profile{PriceIDs: map[string]string{"price_pro": "pro"}},
		AsOf:    asOf,
	})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Billing.Records != 1 || len(rep.Findings) != 0 {
		t.Errorf("billing records %d, findings %+v; want 1 record and no drift",
			rep.Billing.Records, rep.Findings)
	}
}

func TestCheckNamesFailingSide(t *testing.T) {
	_, err := driftexact.Check(context.Background(), driftexact.Job{
		Workspace: "ws", Billing: source.NewMemoryBilling(), Access: failing{}, AsOf: asOf})
	if err == nil || !strings.Contains(err.Error(), "access side") ||
		!strings.Contains(err.Error(), "connection refused") {
		t.Errorf("got %v, want an access side error", err)
	}
}

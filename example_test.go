package driftexact_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/driftexact/driftexact"
	"github.com/driftexact/driftexact/compare"
	"github.com/driftexact/driftexact/source"
)

// A check of two accounts over in-memory sources: one agrees, the other
// still has access after its subscription was cancelled.
func ExampleCheck() {
	june15 := time.Date(2024, 6, 15, 0, 0, 0, 0, time.UTC)
	billing := source.NewMemoryBilling(
		source.Subscription{ID: "sub_1", CustomerID: "cus_1", Status: "active",
			Items: []source.Item{{PriceID: "price_pro", Quantity: 1}}},
		source.Subscription{ID: "sub_2", CustomerID: "cus_2", Status: "canceled",
			EndedAt: june15.AddDate(0, 0, -3),
			Items:   []source.Item{{PriceID: "price_pro", Quantity: 1}}},
	)
	access := source.NewMemoryAccess(
		source.Grant{AccountID: "acct_1", SubscriptionID: "sub_1", Plan: "pro", Active: true},
		source.Grant{AccountID: "acct_2", SubscriptionID: "sub_2", Plan: "pro", Active: true},
	)
	rep, err := driftexact.Check(context.Background(), driftexact.Job{
		Workspace: "example",
		Billing:   billing,
		Access:    access,
		Profile:   &compare.Profile{PriceIDs: map[string]string{"price_pro": "pro"}},
		AsOf:      june15,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("checked %d subscriptions and %d grants\n",
		rep.Coverage.Subscriptions, rep.Coverage.Grants)
	for _, f := range rep.Findings {
		fmt.Printf("%s %s %s\n", f.Severity, f.Kind, f.Account)
		fmt.Printf("  stripe:   %s\n  internal: %s\n", f.Stripe, f.Internal)
	}
	// Output:
	// checked 2 subscriptions and 2 grants
	// high access_without_payment acct_2
	//   stripe:   not entitled: sub_2 canceled, ended 2024-06-12T00:00:00Z
	//   internal: access on
}

// Options fix the clock, so pull stamps and the as-of time are the same on
// every run, and report progress as each side is read.
func ExampleOptions() {
	noon := time.Date(2024, 6, 15, 12, 0, 0, 0, time.UTC)
	rep, err := driftexact.Check(context.Background(), driftexact.Job{
		Workspace: "example",
		Billing:   source.NewMemoryBilling(),
		Access: source.NewMemoryAccess(
			source.Grant{AccountID: "acct_free", Plan: "free", Active: true}),
		Profile: &compare.Profile{NoBilling: []string{"free"}},
		Options: &driftexact.Options{
			Clock: func() time.Time { return noon },
			Progress: func(p driftexact.Progress) {
				if p.Done && p.Side == driftexact.SideAccess {
					fmt.Printf("access: %d records read\n", p.Records)
				}
			},
		},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("as of", rep.AsOf.Format(time.RFC3339), "drift:", rep.Drift())
	// Output:
	// access: 1 records read
	// as of 2024-06-15T12:00:00Z drift: false
}

// A failed pull names its side; callers branch on it with errors.As, and
// on cancellation with errors.Is.
func ExamplePullError() {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := driftexact.Check(ctx, driftexact.Job{
		Workspace: "example",
		Billing:   source.NewMemoryBilling(),
		Access:    source.NewMemoryAccess(source.Grant{AccountID: "acct_1"}),
	})
	var pe *driftexact.PullError
	if errors.As(err, &pe) {
		fmt.Println("side:", pe.Side)
		fmt.Println("cancelled:", errors.Is(err, context.Canceled))
	}
	// Output:
	// side: access
	// cancelled: true
}

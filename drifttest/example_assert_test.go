package drifttest_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/driftexact/driftexact"
	"github.com/driftexact/driftexact/compare"
	"github.com/driftexact/driftexact/drifttest"
)

// printingT stands in for a test's *testing.T so that this example can show
// what a failing test prints. In a real test, pass t itself.
type printingT struct{ testing.TB }

func (printingT) Helper()                  {}
func (printingT) Context() context.Context { return context.Background() }
func (printingT) Error(args ...any)        { fmt.Println(args...) }

// After a webhook handler should have revoked access for a cancelled
// subscription, the test asserts that billing and access agree. Here the
// handler forgot, and the failure says so.
func ExampleAssertNoDrift() {
	var t testing.TB = printingT{} // in a test: the *testing.T
	june15 := time.Date(2024, 6, 15, 0, 0, 0, 0, time.UTC)

	drifttest.AssertNoDrift(t, driftexact.Job{
		Billing: drifttest.Billing(
			drifttest.Subscription("sub_1").Customer("cus_1").Price("price_pro").
				Canceled(june15.AddDate(0, 0, -2)),
		),
		Access: drifttest.Access(
			drifttest.Grant("acct_1").Subscription("sub_1").Plan("pro"),
		),
		Profile: &compare.Profile{PriceIDs: map[string]string{"price_pro": "pro"}},
		AsOf:    june15,
	})
	// Output:
	// billing and access disagree in workspace "test" as of 2024-06-15T00:00:00Z: 1 finding
	//   1. high access_without_payment (over_granted), account "acct_1", plan "pro"
	//      access: stripe "not entitled: sub_1 canceled, ended 2024-06-13T00:00:00Z", internal "access on"
	//      rule: access is on, but no subscription in Stripe entitles the account at the as-of time
	//      stripe ids: cus_1 sub_1 (linked by subscription_id)
}

package compare_test

import (
	"fmt"
	"time"

	"github.com/driftexact/driftexact/compare"
	"github.com/driftexact/driftexact/source"
)

func ExampleCompare() {
	profile := &compare.Profile{
		PriceIDs:  map[string]string{"price_pro_monthly": "pro"},
		NoBilling: []string{"free"},
	}
	pro := []source.Item{{PriceID: "price_pro_monthly", Quantity: 1}}
	in := compare.Input{
		Workspace: "example",
		Subscriptions: []source.Subscription{
			// A renewal payment failed; Stripe is still retrying.
			{ID: "sub_1", CustomerID: "cus_1", Status: "past_due", Items: pro},
			// Cancelled ten days ago.
			{ID: "sub_2", CustomerID: "cus_2", Status: "canceled",
				EndedAt: time.Date(2024, 6, 5, 0, 0, 0, 0, time.UTC), Items: pro},
		},
		Grants: []source.Grant{
			{AccountID: "acct_1", SubscriptionID: "sub_1", Plan: "pro", Active: false},
			{AccountID: "acct_2", CustomerID: "cus_2", Plan: "pro", Active: true},
			{AccountID: "acct_3", Plan: "free", Active: true},
		},
	}
	asOf := time.Date(2024, 6, 15, 0, 0, 0, 0, time.UTC)
	res, err := compare.Compare(in, profile, asOf)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("entitling:", res.Policy.Entitling)
	for _, f := range res.Findings {
		fmt.Println(f.Severity, f.Kind, f.Account, f.Direction)
		fmt.Println("  stripe:  ", f.Stripe)
		fmt.Println("  internal:", f.Internal)
		fmt.Println("  linked by", f.LinkedBy)
	}
	// Output:
	// entitling: [active past_due trialing]
	// high paid_without_access acct_1 under_granted
	//   stripe:   entitled by sub_1 past_due
	//   internal: access off
	//   linked by subscription_id
	// high access_without_payment acct_2 over_granted
	//   stripe:   not entitled: sub_2 canceled, ended 2024-06-05T00:00:00Z
	//   internal: access on
	//   linked by customer_id
}

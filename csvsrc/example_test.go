package csvsrc_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"strings"

	"github.com/driftexact/driftexact/csvsrc"
	"github.com/driftexact/driftexact/source"
)

// With no mapping given, the columns are found by their headers, and
// Columns says which were used. A row that cannot be read is reported with
// its line and column; the others are read.
func ExampleNewAccess() {
	const export = `Email,Stripe Customer ID,Plan,Seats,Status,Expires At
ada@example.com,cus_1,team,5,active,2024-07-01
grace@example.com,cus_2,pro,,canceled,2024-06-01 12:00
alan@example.com,cus_3,pro,two,active,
`
	access, err := csvsrc.NewAccess(strings.NewReader(export), nil)
	if err != nil {
		log.Fatal(err)
	}
	c := access.Columns()
	fmt.Printf("account %q, customer %q, plan %q\n", c.AccountID, c.CustomerID, c.Plan)
	fmt.Printf("seats %q, access %q, expires %q\n", c.Seats, c.Access, c.Expires)
	for g, err := range access.Grants(context.Background()) {
		var bad *source.RecordError
		if errors.As(err, &bad) {
			fmt.Println("bad row:", bad)
			continue
		}
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(g.AccountID, g.Plan, g.Active, g.Expires.Format("2006-01-02 15:04"))
	}
	// Output:
	// account "Email", customer "Stripe Customer ID", plan "Plan"
	// seats "Seats", access "Status", expires "Expires At"
	// ada@example.com team true 2024-07-01 00:00
	// grace@example.com pro false 2024-06-01 12:00
	// bad row: record "alan@example.com": field "Seats": line 4: "two" is not a whole number
}

// A subscription export from Stripe's dashboard reads as it comes.
func ExampleOpenBilling() {
	billing, err := csvsrc.OpenBilling("testdata/stripe_subscriptions.csv",
		&csvsrc.BillingOptions{MetadataKeys: []string{"account_id"}})
	if err != nil {
		log.Fatal(err)
	}
	for s, err := range billing.Subscriptions(context.Background()) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(s.ID, s.Status, s.Items[0].PriceID, s.Items[0].Quantity,
			s.CurrentPeriodEnd.Format("2006-01-02"), s.Metadata["account_id"])
	}
	// Output:
	// sub_1PgA2bExample01 active price_1PgPro 1 2024-07-01 acct_ada
	// sub_1PgA2bExample02 trialing price_1PgSeat 12 2024-06-24 acct_grace
	// sub_1PgA2bExample03 canceled price_1PgPro 1 2024-06-15 acct_alan
}

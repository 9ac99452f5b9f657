package drifttest_test

import (
	"fmt"
	"time"

	"github.com/driftexact/driftexact/drifttest"
)

// Builders are values: a base description can be shared and extended, and
// Record turns it into the source record.
func ExampleSubscription() {
	july1 := time.Date(2024, 7, 1, 0, 0, 0, 0, time.UTC)
	base := drifttest.Subscription("sub_1").Customer("cus_1").PeriodEnd(july1)
	team := base.Seats("price_team", 5)
	ending := team.CancelAtPeriodEnd()

	for _, b := range []drifttest.SubscriptionBuilder{base, team, ending} {
		s := b.Record()
		fmt.Println(s.ID, s.Status, len(s.Items), "items, cancel at period end:",
			s.CancelAtPeriodEnd)
	}
	// Output:
	// sub_1 active 0 items, cancel at period end: false
	// sub_1 active 1 items, cancel at period end: false
	// sub_1 active 1 items, cancel at period end: true
}

// A grant starts with access on; Off turns it off.
func ExampleGrant() {
	g := drifttest.Grant("acct_1").Customer("cus_1").Plan("team").Seats(5).Record()
	fmt.Println(g.AccountID, g.Plan, *g.Seats, "on:", g.Active)
	g = drifttest.Grant("acct_2").Plan("pro").Off().Record()
	fmt.Println(g.AccountID, g.Plan, "on:", g.Active)
	// Output:
	// acct_1 team 5 on: true
	// acct_2 pro on: false
}

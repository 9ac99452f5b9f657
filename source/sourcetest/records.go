package sourcetest

import (
	"fmt"
	"time"

	"github.com/driftexact/driftexact/source"
)

var base = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

var statuses = []string{
	"active", "trialing", "past_due", "unpaid", "canceled",
	"incomplete", "incomplete_expired", "paused",
}

// Subscriptions returns n distinct subscriptions with every field set on
// some of them, in a fixed order. Ids sort in creation order.
func Subscriptions(n int) []source.Subscription {
	out := make([]source.Subscription, n)
	for i := range out {
		at := func(days int) time.Time { return base.AddDate(0, 0, i%300+days) }
		s := source.Subscription{
			ID:               fmt.Sprintf("sub_conf_%06d", i),
			CustomerID:       fmt.Sprintf("cus_conf_%06d", i),
			Status:           statuses[i%len(statuses)],
			Metadata:         map[string]string{"account_id": fmt.Sprintf("acct_conf_%06d", i)},
			CurrentPeriodEnd: at(30),
			Created:          at(0).Add(time.Duration(i) * time.Second),
			Livemode:         i%2 == 0,
			Items: []source.Item{{
				PriceID: fmt.Sprintf("price_conf_%d", i%4), ProductID: "prod_conf",
				LookupKey: fmt.Sprintf("lk_%d", i%4), Quantity: int64(1 + i%9),
			}},
		}
		switch i % 5 {
		case 1:
			s.CancelAt, s.CancelAtPeriodEnd, s.CanceledAt = at(30), true, at(10)
		case 2:
			s.EndedAt, s.CanceledAt = at(5), at(5)
		case 3:
			s.TrialEnd = at(14)
			s.Items = append(s.Items, source.Item{PriceID: "price_conf_addon",
				ProductID: "prod_conf_addon", Quantity: 2, CurrentPeriodEnd: at(30)})
		case 4:
			s.PauseCollection = &source.PauseCollection{Behavior: "void", ResumesAt: at(20)}
			s.ScheduleID = fmt.Sprintf("sub_sched_conf_%06d", i)
		}
		out[i] = s
	}
	return out
}

// Grants returns n distinct grants with every field set on some of them, in
// a fixed order. Account ids sort in the order returned.
func Grants(n int) []source.Grant {
	out := make([]source.Grant, n)
	for i := range out {
		g := source.Grant{
			AccountID: fmt.Sprintf("acct_conf_%06d", i),
			Plan:      []string{"basic", "pro", "team", "free"}[i%4],
			Active:    i%3 != 0,
		}
		if i%4 != 3 {
			g.CustomerID = fmt.Sprintf("cus_conf_%06d", i)
			g.SubscriptionID = fmt.Sprintf("sub_conf_%06d", i)
		}
		if i%5 != 0 {
			seats := int64(1 + i%20)
			g.Seats = &seats
		}
		if i%6 != 0 {
			g.Expires = base.AddDate(0, 0, i%400)
		}
		out[i] = g
	}
	return out
}

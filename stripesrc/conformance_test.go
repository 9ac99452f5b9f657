package stripesrc_test

import (
	"net/http"
	"testing"

	"github.com/driftexact/driftexact/source"
	"github.com/driftexact/driftexact/source/sourcetest"
	"github.com/driftexact/driftexact/stripesrc"
	"github.com/driftexact/driftexact/stripesrc/stripetest"
)

// seeds turns normalised records back into the Stripe objects they came
// from.
func seeds(subs []source.Subscription) []stripetest.Subscription {
	out := make([]stripetest.Subscription, len(subs))
	for i, s := range subs {
		out[i] = stripetest.Subscription{
			ID: s.ID, Customer: s.CustomerID, Status: s.Status, Created: s.Created,
			Livemode: s.Livemode, Metadata: s.Metadata,
			CurrentPeriodEnd: s.CurrentPeriodEnd, CancelAt: s.CancelAt,
			CancelAtPeriodEnd: s.CancelAtPeriodEnd, CanceledAt: s.CanceledAt,
			EndedAt: s.EndedAt, TrialEnd: s.TrialEnd, Schedule: s.ScheduleID,
		}
		if pc := s.PauseCollection; pc != nil {
			out[i].PauseCollection = &stripetest.PauseCollection{
				Behavior: pc.Behavior, ResumesAt: pc.ResumesAt}
		}
		for _, it := range s.Items {
			out[i].Items = append(out[i].Items, stripetest.Item{
				Price: it.PriceID, Product: it.ProductID, LookupKey: it.LookupKey,
				Quantity: it.Quantity, CurrentPeriodEnd: it.CurrentPeriodEnd,
			})
		}
	}
	return out
}

func TestConformance(t *testing.T) {
	opts := &stripesrc.Options{MetadataKeys: []string{"account_id"}, PageSize: 40}
	sourcetest.TestBilling(t, sourcetest.Billing{
		Open: func(t *testing.T, subs []source.Subscription) source.Billing {
			return open(t, stripetest.Start(t, seeds(subs)...), opts)
		},
		OpenFailing: func(t *testing.T, subs []source.Subscription) source.Billing {
			fake := stripetest.Start(t, seeds(subs)...)
			fake.Inject(func(n int, _ *http.Request) stripetest.Fault {
				if n > 3 {
					return stripetest.ServerError
				}
				return stripetest.NoFault
			})
			o := *opts
			o.MaxRetries, o.Workers = 2, 1
			return open(t, fake, &o)
		},
	})
}

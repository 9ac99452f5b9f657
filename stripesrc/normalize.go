package stripesrc

import (
	"encoding/json"
	"fmt"
	"time"

	stripe "github.com/stripe/stripe-go/v76"

	"github.com/driftexact/driftexact/source"
)

// Normalize reduces a stripe-go subscription to a source record, keeping
// only the named metadata keys. stripe-go v76 objects carry no item-level
// period ends; use [NormalizeJSON] on the raw object to keep them. A
// subscription whose embedded item list has more pages is marked
// Incomplete, since only its first items are known.
func Normalize(s *stripe.Subscription, metadataKeys []string) source.Subscription {
	return normalize(s, metadataKeys, nil)
}

// NormalizeJSON decodes one subscription object as Stripe sends it (in a
// list, a read by id or an event) and reduces it like [Normalize], keeping
// item-level period ends where the object carries them.
func NormalizeJSON(raw []byte, metadataKeys []string) (source.Subscription, error) {
	var r rawSubscription
	if err := json.Unmarshal(raw, &r); err != nil {
		return source.Subscription{}, fmt.Errorf("stripesrc: decode subscription: %w", err)
	}
	return normalize(&r.sub, metadataKeys, r.itemEnds), nil
}

func normalize(s *stripe.Subscription, keys []string,
	itemEnds map[string]int64) source.Subscription {
	out := source.Subscription{
		ID:                s.ID,
		Status:            string(s.Status),
		CurrentPeriodEnd:  unix(s.CurrentPeriodEnd),
		CancelAt:          unix(s.CancelAt),
		CancelAtPeriodEnd: s.CancelAtPeriodEnd,
		CanceledAt:        unix(s.CanceledAt),
		EndedAt:           unix(s.EndedAt),
		TrialEnd:          unix(s.TrialEnd),
		Created:           unix(s.Created),
		Livemode:          s.Livemode,
		Metadata:          pick(s.Metadata, keys),
	}
	if s.Customer != nil {
		out.CustomerID = s.Customer.ID
	}
	if s.Schedule != nil {
		out.ScheduleID = s.Schedule.ID
	}
	if pc := s.PauseCollection; pc != nil && pc.Behavior != "" {
		out.PauseCollection = &source.PauseCollection{
			Behavior: string(pc.Behavior), ResumesAt: unix(pc.ResumesAt),
		}
	}
	if s.Items != nil {
		for _, it := range s.Items.Data {
			out.Items = append(out.Items, normalizeItem(it, itemEnds[it.ID]))
		}
		if s.Items.HasMore {
			out.Incomplete = "item list has more pages than were read"
		}
	}
	return out
}

// pick copies the named keys of md, or returns nil when none is present.
func pick(md map[string]string, keys []string) map[string]string {
	var out map[string]string
	for _, k := range keys {
		if v, ok := md[k]; ok {
			if out == nil {
				out = make(map[string]string, len(keys))
			}
			out[k] = v
		}
	}
	return out
}

func normalizeItem(it *stripe.SubscriptionItem, periodEnd int64) source.Item {
	out := source.Item{Quantity: it.Quantity, CurrentPeriodEnd: unix(periodEnd)}
	if p := it.Price; p != nil {
		out.PriceID = p.ID
		out.LookupKey = p.LookupKey
		if p.Product != nil {
			out.ProductID = p.Product.ID
		}
	}
	return out
}

func unix(sec int64) time.Time {
	if sec == 0 {
		return time.Time{}
	}
	return time.Unix(sec, 0).UTC()
}

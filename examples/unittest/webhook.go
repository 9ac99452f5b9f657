package unittest

import (
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"time"

	stripe "github.com/stripe/stripe-go/v76"
	"github.com/stripe/stripe-go/v76/webhook"
)

// Webhook updates a [Store] from Stripe's subscription events. It answers
// 400 to a body it cannot verify or read, and 200 to everything else,
// including events it does not handle, as Stripe expects.
type Webhook struct {
	Store *Store
	// Secret is the endpoint's signing secret (whsec_…).
	Secret string
	// Plans maps Stripe price ids to the application's plans.
	Plans map[string]string
}

// entitling are the statuses under which the application gives access.
var entitling = []string{"active", "trialing", "past_due"}

// maxBody bounds the event bodies the handler reads.
const maxBody = 1 << 16

func (h *Webhook) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody))
	if err != nil {
		http.Error(w, "unreadable body", http.StatusBadRequest)
		return
	}
	ev, err := webhook.ConstructEvent(body, r.Header.Get("Stripe-Signature"), h.Secret)
	if err != nil {
		http.Error(w, "bad signature", http.StatusBadRequest)
		return
	}
	switch ev.Type {
	case "customer.subscription.created", "customer.subscription.updated",
		"customer.subscription.deleted":
	default:
		return
	}
	var sub stripe.Subscription
	if err := json.Unmarshal(ev.Data.Raw, &sub); err != nil || sub.Customer == nil {
		http.Error(w, "unreadable subscription", http.StatusBadRequest)
		return
	}
	h.Store.update(sub.Customer.ID, func(a *Account) { h.apply(a, &sub) })
}

// apply brings an account in line with its subscription.
func (h *Webhook) apply(a *Account, sub *stripe.Subscription) {
	a.SubscriptionID = sub.ID
	a.Active = slices.Contains(entitling, string(sub.Status))
	a.Expires = time.Unix(sub.CurrentPeriodEnd, 0).UTC()
	if sub.Items != nil && len(sub.Items.Data) > 0 {
		it := sub.Items.Data[0]
		if it.Price != nil {
			a.Plan = h.Plans[it.Price.ID]
		}
		a.Seats = it.Quantity
	}
}

package stripesrc_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	stripe "github.com/stripe/stripe-go/v76"

	"github.com/driftexact/driftexact/source"
	"github.com/driftexact/driftexact/stripesrc"
)

// newShape is a subscription in a newer API's shape: no subscription-level
// period, one on each item, and fields normalisation drops.
const newShape = `{"id": "sub_n", "object": "subscription", "customer": "cus_n",
 "status": "past_due", "created": 1714521600, "livemode": true,
 "cancel_at_period_end": true, "cancel_at": 1719792000,
 "schedule": {"id": "sub_sched_n", "object": "subscription_schedule"},
 "pause_collection": {"behavior": "void", "resumes_at": null},
 "description": "dropped", "metadata": {"account_id": "acct_n", "note": "dropped"},
 "items": {"object": "list", "has_more": false, "data": [
   {"id": "si_1", "quantity": 3, "current_period_end": 1717200000,
    "price": {"id": "price_seat", "lookup_key": "seat_m", "product": "prod_team"}},
   {"id": "si_2", "quantity": 1,
    "price": {"id": "price_addon", "product": {"id": "prod_addon", "object": "product"}}}]}}`

func TestNormalizeJSON(t *testing.T) {
	got, err := stripesrc.NormalizeJSON([]byte(newShape), []string{"account_id", "absent"})
	if err != nil {
		t.Fatal(err)
	}
	unix := func(s int64) time.Time { return time.Unix(s, 0).UTC() }
	want := source.Subscription{
		ID: "sub_n", CustomerID: "cus_n", Status: "past_due", Livemode: true,
		Metadata: map[string]string{"account_id": "acct_n"},
		Items: []source.Item{
			{PriceID: "price_seat", ProductID: "prod_team", LookupKey: "seat_m",
				Quantity: 3, CurrentPeriodEnd: unix(1717200000)},
			{PriceID: "price_addon", ProductID: "prod_addon", Quantity: 1},
		},
		CancelAt: unix(1719792000), CancelAtPeriodEnd: true, Created: unix(1714521600),
		PauseCollection: &source.PauseCollection{Behavior: "void"},
		ScheduleID:      "sub_sched_n",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("normalised (-want +got):\n%s", diff)
	}
	if _, err := stripesrc.NormalizeJSON([]byte(`{"id": 7}`), nil); err == nil {
		t.Error("a malformed subscription was normalised")
	}
}

func TestNormalizeMarksCutItemListIncomplete(t *testing.T) {
	raw := strings.Replace(newShape, `"has_more": false`, `"has_more": true`, 1)
	var s stripe.Subscription
	if err := json.Unmarshal([]byte(raw), &s); err != nil {
		t.Fatal(err)
	}
	got := stripesrc.Normalize(&s, nil)
	if got.Incomplete == "" || got.Metadata != nil {
		t.Errorf("got Incomplete %q and metadata %v; want a reason and no metadata",
			got.Incomplete, got.Metadata)
	}
}

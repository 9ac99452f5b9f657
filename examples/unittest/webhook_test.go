package unittest

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	stripe "github.com/stripe/stripe-go/v76"
	"github.com/stripe/stripe-go/v76/webhook"

	"github.com/driftexact/driftexact"
	"github.com/driftexact/driftexact/compare"
	"github.com/driftexact/driftexact/drifttest"
	"github.com/driftexact/driftexact/stripesrc"
	"github.com/driftexact/driftexact/stripesrc/stripetest"
)

const secret = "whsec_unittest_example"

var (
	june15 = time.Date(2024, 6, 15, 0, 0, 0, 0, time.UTC)
	july1  = time.Date(2024, 7, 1, 0, 0, 0, 0, time.UTC)
)

// profile says how this application's Stripe prices map to its plans.
var profile = &compare.Profile{
	PriceIDs: map[string]string{"price_pro": "pro", "price_team": "team"},
	Plans:    map[string]compare.Plan{"team": {PerSeat: true}},
}

func newHandler(store *Store) *Webhook {
	return &Webhook{Store: store, Secret: secret, Plans: profile.PriceIDs}
}

// sub is a subscription as Stripe's API shows it.
type sub struct {
	id, customer, status, price string
	quantity                    int64
	endedAt                     time.Time
}

func (s sub) json() json.RawMessage {
	obj := map[string]any{
		"id": s.id, "object": "subscription", "status": s.status,
		"customer": s.customer, "created": june15.AddDate(0, -1, 0).Unix(),
		"current_period_end": july1.Unix(),
		"items": map[string]any{"object": "list", "data": []any{map[string]any{
			"id": "si_" + s.id, "object": "subscription_item", "quantity": s.quantity,
			"price": map[string]any{"id": s.price, "object": "price"},
		}}},
	}
	if !s.endedAt.IsZero() {
		obj["ended_at"] = s.endedAt.Unix()
		obj["canceled_at"] = s.endedAt.Unix()
	}
	b, _ := json.Marshal(obj)
	return b
}

// stripeHolding starts a fake Stripe API holding subs as they stand now.
func stripeHolding(t *testing.T, subs ...sub) *stripesrc.Source {
	t.Helper()
	raw := make([]json.RawMessage, len(subs))
	for i, s := range subs {
		raw[i] = s.json()
	}
	fake, err := stripetest.NewServer(raw...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(fake.Close)
	src, err := stripesrc.Open("rk_test_unittest", &stripesrc.Options{BaseURL: fake.URL})
	if err != nil {
		t.Fatal(err)
	}
	return src
}

// deliver sends the handler one signed event about s, as Stripe would.
func deliver(t *testing.T, h http.Handler, eventType string, s sub) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{
		"id": "evt_" + s.id + "_" + eventType, "object": "event", "type": eventType,
		"api_version": stripe.APIVersion, "created": june15.Unix(),
		"data": map[string]any{"object": s.json()},
	})
	signed := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{
		Payload: body, Secret: secret})
	req := httptest.NewRequest(http.MethodPost, "/stripe/webhook", bytes.NewReader(body))
	req.Header.Set("Stripe-Signature", signed.Header)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		t.Fatalf("%s: status %d: %s", eventType, rec.Code, rec.Body)
	}
}

func TestNewSubscriptionGrantsAccess(t *testing.T) {
	store := NewStore()
	store.SignUp("acct_ada", "cus_ada")
	pro := sub{"sub_ada", "cus_ada", "active", "price_pro", 1, time.Time{}}

	deliver(t, newHandler(store), "customer.subscription.created", pro)

	drifttest.RequireNoDrift(t, driftexact.Job{
		Billing: stripeHolding(t, pro), Access: store, Profile: profile, AsOf: june15,
	})
}

func TestSeatChangeFollowsBilling(t *testing.T) {
	store := NewStore()
	store.SignUp("acct_bo", "cus_bo")
	team := sub{"sub_bo", "cus_bo", "active", "price_team", 3, time.Time{}}
	h := newHandler(store)

	deliver(t, h, "customer.subscription.created", team)
	team.quantity = 5
	deliver(t, h, "customer.subscription.updated", team)

	drifttest.RequireNoDrift(t, driftexact.Job{
		Billing: stripeHolding(t, team), Access: store, Profile: profile, AsOf: june15,
	})
}

func TestCancellationRevokesAccess(t *testing.T) {
	store := NewStore()
	store.SignUp("acct_cy", "cus_cy")
	live := sub{"sub_cy", "cus_cy", "active", "price_pro", 1, time.Time{}}
	ended := live
	ended.status, ended.endedAt = "canceled", june15.AddDate(0, 0, -2)
	h := newHandler(store)

	deliver(t, h, "customer.subscription.created", live)
	deliver(t, h, "customer.subscription.deleted", ended)

	drifttest.RequireNoDrift(t, driftexact.Job{
		Billing: stripeHolding(t, ended), Access: store, Profile: profile, AsOf: june15,
	})
}

// TestLostEventIsCaught shows what the assertion is for: when the deleted
// event never reached the handler, the check names the account that kept
// access it no longer pays for.
func TestLostEventIsCaught(t *testing.T) {
	store := NewStore()
	store.SignUp("acct_di", "cus_di")
	live := sub{"sub_di", "cus_di", "active", "price_pro", 1, time.Time{}}
	ended := live
	ended.status, ended.endedAt = "canceled", june15.AddDate(0, 0, -2)

	deliver(t, newHandler(store), "customer.subscription.created", live)
	// The deleted event is lost.

	rep := drifttest.Check(t, driftexact.Job{
		Billing: stripeHolding(t, ended), Access: store, Profile: profile, AsOf: june15,
	})
	if len(rep.Findings) != 1 || rep.Findings[0].Kind != compare.AccessWithoutPayment ||
		rep.Findings[0].Account != "acct_di" {
		t.Errorf("want one access_without_payment for acct_di; got\n%s",
			drifttest.Describe(rep))
	}
}

func TestUnsignedEventIsRefused(t *testing.T) {
	store := NewStore()
	store.SignUp("acct_ed", "cus_ed")
	body := []byte(`{"type":"customer.subscription.created"}`)
	req := httptest.NewRequest(http.MethodPost, "/stripe/webhook", bytes.NewReader(body))
	rec := httptest.NewRecorder()
	newHandler(store).ServeHTTP(rec, req)
	if rec.Code != http.StatusBadRequest {
		t.Errorf("status %d, want 400", rec.Code)
	}
	drifttest.RequireNoDrift(t, driftexact.Job{
		Billing: drifttest.Billing(), Access: store, AsOf: june15,
	})
}

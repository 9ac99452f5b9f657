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

// stripeHolding starts a fake Stripe API holding subs as they stand now,
// and returns the real Stripe adapter reading it.
func stripeHolding(t *testing.T,
	subs ...drifttest.SubscriptionBuilder) *stripesrc.Source {
	t.Helper()
	fake, err := stripetest.NewServer()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(fake.Close)
	for _, s := range subs {
		if err := fake.Seed(s.Stripe()); err != nil {
			t.Fatal(err)
		}
	}
	src, err := stripesrc.Open("rk_test_unittest", &stripesrc.Options{BaseURL: fake.URL})
	if err != nil {
		t.Fatal(err)
	}
	return src
}

// deliver sends the handler one signed event about s, as Stripe would.
func deliver(t *testing.T, h http.Handler, eventType string,
	s drifttest.SubscriptionBuilder) {
	t.Helper()
	obj := s.Stripe()
	body, _ := json.Marshal(map[string]any{
		"id": "evt_" + obj.ID + "_" + eventType, "object": "event", "type": eventType,
		"api_version": stripe.APIVersion, "created": june15.Unix(),
		"data": map[string]any{"object": obj.JSON()},
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
	pro := drifttest.Subscription("sub_ada").Customer("cus_ada").Price("price_pro").
		PeriodEnd(july1)

	deliver(t, newHandler(store), "customer.subscription.created", pro)

	drifttest.RequireNoDrift(t, driftexact.Job{
		Billing: stripeHolding(t, pro), Access: store, Profile: profile, AsOf: june15,
	})
}

func TestSeatChangeFollowsBilling(t *testing.T) {
	store := NewStore()
	store.SignUp("acct_bo", "cus_bo")
	team := drifttest.Subscription("sub_bo").Customer("cus_bo").PeriodEnd(july1)
	h := newHandler(store)

	deliver(t, h, "customer.subscription.created", team.Seats("price_team", 3))
	team = team.Seats("price_team", 5)
	deliver(t, h, "customer.subscription.updated", team)

	drifttest.RequireNoDrift(t, driftexact.Job{
		Billing: stripeHolding(t, team), Access: store, Profile: profile, AsOf: june15,
	})
}

func TestCancellationRevokesAccess(t *testing.T) {
	store := NewStore()
	store.SignUp("acct_cy", "cus_cy")
	live := drifttest.Subscription("sub_cy").Customer("cus_cy").Price("price_pro").
		PeriodEnd(july1)
	ended := live.Canceled(june15.AddDate(0, 0, -2))
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
	live := drifttest.Subscription("sub_di").Customer("cus_di").Price("price_pro").
		PeriodEnd(july1)
	ended := live.Canceled(june15.AddDate(0, 0, -2))

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

package stripesrc_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	stripe "github.com/stripe/stripe-go/v76"

	"github.com/driftexact/driftexact/source"
	"github.com/driftexact/driftexact/stripesrc"
	"github.com/driftexact/driftexact/stripesrc/stripetest"
)

func sub(id, status string, created int64) json.RawMessage {
	return json.RawMessage(fmt.Sprintf(`{"id":%q,"object":"subscription","customer":"cus_%s",
		"status":%q,"created":%d,"current_period_end":1719792000,
		"metadata":{"app_account_id":"acct_%s","secret_note":"drop me"},
		"items":{"object":"list","has_more":false,"data":[{"id":"si_%s","quantity":3,
		"price":{"id":"price_x","lookup_key":"lk","product":"prod_x"}}]}}`,
		id, id, status, created, id, id))
}

func newFake(t *testing.T, subs ...json.RawMessage) *stripetest.Server {
	t.Helper()
	fake, err := stripetest.NewServer(subs...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(fake.Close)
	return fake
}

func TestWriteNeverReachesServer(t *testing.T) {
	fake := newFake(t, sub("sub_1", "active", 1))
	src, err := stripesrc.Open("rk_test_x", &stripesrc.Options{BaseURL: fake.URL})
	if err != nil {
		t.Fatal(err)
	}
	_, err = src.Client().Subscriptions.Cancel("sub_1", nil)
	if !errors.Is(err, stripesrc.ErrWriteRefused) {
		t.Fatalf("cancel: got %v, want ErrWriteRefused", err)
	}
	if !strings.Contains(err.Error(), "DELETE /v1/subscriptions/sub_1") {
		t.Errorf("error does not name method and path: %v", err)
	}
	_, err = src.Client().Subscriptions.Update("sub_1", &stripe.SubscriptionParams{
		CancelAtPeriodEnd: stripe.Bool(true)})
	if !errors.Is(err, stripesrc.ErrWriteRefused) {
		t.Fatalf("update: got %v, want ErrWriteRefused", err)
	}
	if reqs := fake.Requests(); len(reqs) != 0 {
		t.Errorf("server saw %d requests, want none: %+v", len(reqs), reqs)
	}
}

func TestListsEveryPageWithStatusAll(t *testing.T) {
	var subs []json.RawMessage
	for i := range 250 {
		status := "active"
		if i%7 == 0 {
			status = "canceled"
		}
		subs = append(subs, sub(fmt.Sprintf("sub_%03d", i), status, int64(1000+i)))
	}
	fake := newFake(t, subs...)
	src, err := stripesrc.Open("rk_test_x", &stripesrc.Options{BaseURL: fake.URL})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for s, err := range src.Subscriptions(context.Background()) {
		if err != nil {
			t.Fatal(err)
		}
		if seen[s.ID] {
			t.Errorf("%s read twice", s.ID)
		}
		seen[s.ID] = true
	}
	if len(seen) != 250 {
		t.Errorf("read %d subscriptions, want 250", len(seen))
	}
	reqs := fake.Requests()
	if len(reqs) != 3 {
		t.Errorf("made %d requests, want 3 pages", len(reqs))
	}
	for _, r := range reqs {
		if r.Method != http.MethodGet || !strings.Contains(r.Query, "status=all") ||
			!strings.Contains(r.Query, "limit=100") {
			t.Errorf("request %s %s?%s lacks status=all or limit=100", r.Method, r.Path, r.Query)
		}
	}
}

func TestNormalize(t *testing.T) {
	fake := newFake(t, sub("sub_n", "past_due", 1717200000))
	src, err := stripesrc.Open("rk_test_x", &stripesrc.Options{
		BaseURL: fake.URL, MetadataKeys: []string{"app_account_id"}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := src.Subscription(context.Background(), "sub_n")
	if err != nil {
		t.Fatal(err)
	}
	want := source.Subscription{
		ID: "sub_n", CustomerID: "cus_sub_n", Status: "past_due",
		Metadata:         map[string]string{"app_account_id": "acct_sub_n"},
		Items:            []source.Item{{PriceID: "price_x", ProductID: "prod_x", LookupKey: "lk", Quantity: 3}},
		CurrentPeriodEnd: time.Unix(1719792000, 0).UTC(),
		Created:          time.Unix(1717200000, 0).UTC(),
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("normalised (-want +got):\n%s", diff)
	}
	_, err = src.Subscription(context.Background(), "sub_missing")
	if !errors.Is(err, source.ErrNotFound) {
		t.Errorf("missing subscription: got %v, want ErrNotFound", err)
	}
}

package drifttest_test

import (
	"cmp"
	"context"
	"slices"
	"testing"

	gocmp "github.com/google/go-cmp/cmp"

	"github.com/driftexact/driftexact/drifttest"
	"github.com/driftexact/driftexact/source"
	"github.com/driftexact/driftexact/stripesrc"
	"github.com/driftexact/driftexact/stripesrc/stripetest"
)

// TestStripeRoundTrip seeds the fake Stripe API from builders and reads
// the subscriptions back through the real adapter: they must come back as
// the builders' own records.
func TestStripeRoundTrip(t *testing.T) {
	builders := []drifttest.SubscriptionBuilder{
		drifttest.Subscription("sub_a").Customer("cus_a").Price("price_pro").
			PeriodEnd(july1).Metadata("app_account", "acct_a"),
		drifttest.Subscription("sub_b").Customer("cus_b").Seats("price_team", 7).
			PeriodEnd(july1).CancelAt(july1).CancelAtPeriodEnd(),
		drifttest.Subscription("sub_c").Customer("cus_c").Price("price_pro").
			Canceled(june1),
		drifttest.Subscription("sub_d").Customer("cus_d").Price("price_pro").
			Trialing(july1).PausedCollection("void"),
	}
	fake, err := stripetest.NewServer()
	if err != nil {
		t.Fatal(err)
	}
	defer fake.Close()
	var want []source.Subscription
	for _, b := range builders {
		if err := fake.Seed(b.Stripe()); err != nil {
			t.Fatal(err)
		}
		rec := b.Record()
		for i := range rec.Items { // the fake serves item-level period ends too
			if rec.Items[i].CurrentPeriodEnd.IsZero() {
				rec.Items[i].CurrentPeriodEnd = rec.CurrentPeriodEnd
			}
		}
		want = append(want, rec)
	}
	src, err := stripesrc.Open("rk_test_drifttest", &stripesrc.Options{
		BaseURL: fake.URL, MetadataKeys: []string{"app_account"}})
	if err != nil {
		t.Fatal(err)
	}
	var got []source.Subscription
	for s, err := range src.Subscriptions(context.Background()) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, s)
	}
	slices.SortFunc(got, func(a, b source.Subscription) int { return cmp.Compare(a.ID, b.ID) })
	if diff := gocmp.Diff(want, got); diff != "" {
		t.Errorf("read back (-built +read):\n%s", diff)
	}
}

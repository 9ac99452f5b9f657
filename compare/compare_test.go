package compare_test

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/driftexact/driftexact/compare"
	"github.com/driftexact/driftexact/source"
)

var asOf = time.Date(2024, 6, 15, 0, 0, 0, 0, time.UTC)

func item(price string, qty int64) []source.Item {
	return []source.Item{{PriceID: price, Quantity: qty}}
}

func sampleInput() compare.Input {
	return compare.Input{
		Workspace: "ws",
		Subscriptions: []source.Subscription{
			{ID: "sub_ok", CustomerID: "cus_ok", Status: "active", Items: item("price_pro", 1)},
			{ID: "sub_locked", CustomerID: "cus_locked", Status: "past_due", Items: item("price_pro", 1)},
			{ID: "sub_gone", CustomerID: "cus_gone", Status: "canceled",
				EndedAt: asOf.AddDate(0, 0, -10), Items: item("price_pro", 1)},
			{ID: "sub_orphan", CustomerID: "cus_orphan", Status: "active", Items: item("price_pro", 1)},
			{ID: "sub_up", CustomerID: "cus_up", Status: "active", Items: item("price_pro", 1)},
			{ID: "sub_old", CustomerID: "cus_old", Status: "active", Items: item("price_2019", 1)},
		},
		Grants: []source.Grant{
			{AccountID: "a_ok", SubscriptionID: "sub_ok", Plan: "pro", Active: true},
			{AccountID: "a_locked", SubscriptionID: "sub_locked", Plan: "pro"},
			{AccountID: "a_gone", CustomerID: "cus_gone", Plan: "pro", Active: true},
			{AccountID: "a_up", SubscriptionID: "sub_up", Plan: "basic", Active: true},
			{AccountID: "a_old", SubscriptionID: "sub_old", Plan: "pro", Active: true},
			{AccountID: "a_free", Plan: "free", Active: true},
		},
	}
}

var profile = &compare.Profile{
	PriceIDs:  map[string]string{"price_pro": "pro", "price_basic": "basic"},
	Plans:     map[string]compare.Plan{"pro": {Family: "base"}, "basic": {Family: "base"}},
	NoBilling: []string{"free"},
}

func TestCompareFirstKinds(t *testing.T) {
	res, err := compare.Compare(sampleInput(), profile, asOf)
	if err != nil {
		t.Fatal(err)
	}
	type key struct {
		Kind    compare.Kind
		Account string
	}
	var got []key
	for _, f := range res.Findings {
		got = append(got, key{f.Kind, f.Account})
	}
	want := []key{
		{compare.PaidWithoutAccess, "a_locked"},
		{compare.AccessWithoutPayment, "a_gone"},
		{compare.MissingIdentifier, ""},
		{compare.PlanMismatch, "a_up"},
		{compare.UnmappedPrice, "a_old"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
}

func TestCompareIgnoresInputOrder(t *testing.T) {
	want, err := compare.Compare(sampleInput(), profile, asOf)
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 50 {
		in := sampleInput()
		r.Shuffle(len(in.Subscriptions), func(i, j int) {
			in.Subscriptions[i], in.Subscriptions[j] = in.Subscriptions[j], in.Subscriptions[i]
		})
		r.Shuffle(len(in.Grants), func(i, j int) {
			in.Grants[i], in.Grants[j] = in.Grants[j], in.Grants[i]
		})
		got, err := compare.Compare(in, profile, asOf)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("shuffled input changed the result (-want +got):\n%s", diff)
		}
	}
}

func TestCompareRejectsBadProfile(t *testing.T) {
	bad := &compare.Profile{Links: []compare.Link{{By: "email"}}}
	if _, err := compare.Compare(compare.Input{}, bad, asOf); err == nil {
		t.Error("unknown link strategy accepted")
	}
}

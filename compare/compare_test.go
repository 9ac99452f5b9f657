package compare_test

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/driftexact/driftexact/compare"
	"github.com/driftexact/driftexact/source"
)

var asOf = defaultAsOf

func item(price string, qty int64) []source.Item {
	return []source.Item{{PriceID: price, Quantity: qty}}
}

func sampleInput() compare.Input {
	return compare.Input{
		Workspace: "ws",
		Subscriptions: []source.Subscription{
			{ID: "sub_ok", CustomerID: "cus_ok", Status: "active", Items: item("price_pro", 1),
				Metadata: map[string]string{"uid": "a_ok"}},
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

func TestCompareDoesNotChangeInput(t *testing.T) {
	in := sampleInput()
	if _, err := compare.Compare(in, profile, asOf); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(sampleInput(), in); diff != "" {
		t.Errorf("input changed (-before +after):\n%s", diff)
	}
}

func TestCompareRejectsBadProfile(t *testing.T) {
	for _, tc := range []struct {
		name    string
		profile compare.Profile
		want    string // part of the error
	}{
		{"unknown link", compare.Profile{Links: []compare.Link{{By: "email"}}},
			`links[0]: unknown link strategy "email"`},
		{"metadata link without key",
			compare.Profile{Links: []compare.Link{{By: compare.ByMetadata}}},
			"links[0]: metadata link needs a key"},
		{"key on customer link",
			compare.Profile{Links: []compare.Link{{By: compare.ByCustomerID, Key: "k"}}},
			`links[0]: key "k"`},
		{"empty plan", compare.Profile{LookupKeys: map[string]string{"pro_m": ""}},
			`lookup_keys["pro_m"]: empty plan`},
		{"negative tolerance", compare.Profile{ExpiryTolerance: -1},
			"expiry_tolerance: must not be negative"},
		{"unknown kind", compare.Profile{Severity: map[compare.Kind]compare.Severity{
			"refund": compare.High}}, `severity: unknown kind "refund"`},
		{"unknown severity", compare.Profile{Severity: map[compare.Kind]compare.Severity{
			compare.PlanMismatch: "urgent"}}, `unknown severity "urgent"`},
		{"unknown entitling status", compare.Profile{Policy: compare.Policy{
			Entitling: []string{"active", "frozen"}}},
			`policy.entitling[1]: unknown status "frozen"`},
		{"unknown grace status", compare.Profile{Policy: compare.Policy{
			Grace: map[string]compare.Duration{"frozen": 1}}},
			`policy.grace["frozen"]: unknown status`},
		{"negative grace", compare.Profile{Policy: compare.Policy{
			Grace: map[string]compare.Duration{"past_due": -1}}},
			`policy.grace["past_due"]: must not be negative`},
		{"unknown paused rule", compare.Profile{Policy: compare.Policy{Paused: "later"}},
			`policy.paused: unknown value "later"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := compare.Compare(compare.Input{}, &tc.profile, asOf)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestNilProfileIsZeroProfile(t *testing.T) {
	want, err := compare.Compare(sampleInput(), &compare.Profile{}, asOf)
	if err != nil {
		t.Fatal(err)
	}
	got, err := compare.Compare(sampleInput(), nil, asOf)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("nil profile (-zero +nil):\n%s", diff)
	}
	if diff := cmp.Diff(compare.DefaultPolicy(), got.Policy); diff != "" {
		t.Errorf("policy stated (-want +got):\n%s", diff)
	}
}

// A profile that maps no price cannot check plans, duplicates or seats:
// coverage says so, and no unmapped_price flood is raised.
func TestNoPriceMapChecksLess(t *testing.T) {
	res, err := compare.Compare(sampleInput(), nil, asOf)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range res.Findings {
		switch f.Kind {
		case compare.UnmappedPrice, compare.PlanMismatch, compare.DuplicateSubscriptions:
			t.Errorf("raised %s without a price map: %+v", f.Kind, f)
		}
	}
	notRun := map[string]string{}
	for _, c := range res.Coverage.Checks {
		if !c.Ran {
			notRun[c.Name] = c.Reason
		}
	}
	want := map[string]string{
		"plan":       "the profile maps no prices",
		"duplicates": "the profile maps no prices",
		"seats":      "the profile maps no prices",
	}
	if diff := cmp.Diff(want, notRun); diff != "" {
		t.Errorf("checks not run (-want +got):\n%s", diff)
	}
}

// Fingerprints depend on the workspace, kind, account, Stripe ids and plan,
// and not on the values compared, so that later runs can match them.
func TestFingerprintStable(t *testing.T) {
	base := compare.Input{Workspace: "ws",
		Subscriptions: []source.Subscription{{ID: "sub_1", CustomerID: "cus_1",
			Status: "active", Items: item("price_team", 5)}},
		Grants: []source.Grant{{AccountID: "a1", SubscriptionID: "sub_1", Plan: "team",
			Active: true, Seats: ptr(int64(20))}},
	}
	p := &compare.Profile{PriceIDs: map[string]string{"price_team": "team"},
		Plans: map[string]compare.Plan{"team": {PerSeat: true}}}
	fp := func(in compare.Input) string {
		t.Helper()
		res, err := compare.Compare(in, p, asOf)
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Findings) != 1 {
			t.Fatalf("want one finding, got %+v", res.Findings)
		}
		return res.Findings[0].Fingerprint
	}
	first := fp(base)
	if first != "41c586924ee141d26c8b708ae68e1a37" {
		t.Errorf("fingerprint %s changed: stored runs would no longer match", first)
	}
	other := base
	other.Grants = []source.Grant{base.Grants[0]}
	other.Grants[0].Seats = ptr(int64(30))
	if got := fp(other); got != first {
		t.Errorf("a different seat count changed the fingerprint: %s, want %s", got, first)
	}
	other.Workspace = "ws2"
	if got := fp(other); got == first {
		t.Error("another workspace gave the same fingerprint")
	}
}

func ptr[T any](v T) *T { return &v }

func TestAsOfInAnyZoneIsUTC(t *testing.T) {
	zone := time.FixedZone("UTC+5", 5*3600)
	want, err := compare.Compare(sampleInput(), profile, asOf)
	if err != nil {
		t.Fatal(err)
	}
	got, err := compare.Compare(sampleInput(), profile, asOf.In(zone))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("as-of zone changed the result (-UTC +UTC+5):\n%s", diff)
	}
}

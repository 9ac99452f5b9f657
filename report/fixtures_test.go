package report_test

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/driftexact/driftexact/compare"
	"github.com/driftexact/driftexact/report"
	"github.com/driftexact/driftexact/source"
)

// The fixtures build reports the way a check does: normalised records go
// through compare.Compare, and report.New stamps the result.

var (
	asOf     = time.Date(2024, 6, 15, 0, 0, 0, 0, time.UTC)
	jul1     = time.Date(2024, 7, 1, 0, 0, 0, 0, time.UTC)
	signKey  = []byte("test signing key, 32 bytes long!")
	maskKey  = []byte("test masking key, 32 bytes long!")
	seats    = func(n int64) *int64 { return &n }
	pullTime = func(sec int) time.Time { return asOf.Add(time.Duration(sec) * time.Second) }
)

func items(price string, qty int64) []source.Item {
	return []source.Item{{PriceID: price, Quantity: qty}}
}

func testProfile() *compare.Profile {
	return &compare.Profile{
		Links: []compare.Link{
			{By: compare.BySubscriptionID}, {By: compare.ByCustomerID},
			{By: compare.ByMetadata, Key: "app_account_id"},
		},
		PriceIDs: map[string]string{
			"price_pro_m": "pro", "price_basic_m": "basic", "price_seat_m": "team",
		},
		Plans: map[string]compare.Plan{
			"pro": {Family: "base"}, "basic": {Family: "base"},
			"team": {Family: "base", PerSeat: true},
		},
		NoBilling:       []string{"free"},
		ExpiryTolerance: compare.Duration(24 * time.Hour),
		Policy: compare.Policy{
			Grace: map[string]compare.Duration{"unpaid": compare.Duration(72 * time.Hour)},
		},
	}
}

// driftInput holds one or more findings of every kind, a note, an
// unknown status and records that could not be read whole.
func driftInput() compare.Input {
	active := func(id, cus, price string) source.Subscription {
		return source.Subscription{ID: id, CustomerID: cus, Status: "active",
			Items: items(price, 1), CurrentPeriodEnd: jul1}
	}
	seatSub := active("sub_1PSeats", "cus_PSeats", "price_seat_m")
	seatSub.Items = items("price_seat_m", 5)
	cancel := active("sub_1PCancel", "cus_PCancel", "price_pro_m")
	cancel.CancelAt = jul1
	orphan := active("sub_1POrphan", "cus_POrphan", "price_pro_m")
	partial := active("sub_1PPartial", "cus_PPartial", "price_pro_m")
	partial.Incomplete = "item list cut short after 100 items"
	return compare.Input{
		Workspace: "acme-prod",
		Subscriptions: []source.Subscription{
			active("sub_1POk", "cus_POk", "price_pro_m"),
			{ID: "sub_1PLocked", CustomerID: "cus_PLocked", Status: "past_due",
				Items: items("price_pro_m", 1), CurrentPeriodEnd: jul1},
			{ID: "sub_1PGone", CustomerID: "cus_PGone", Status: "canceled",
				Items: items("price_pro_m", 1), EndedAt: asOf.AddDate(0, 0, -10)},
			active("sub_1PUp", "cus_PUp", "price_pro_m"),
			seatSub,
			active("sub_1PLate", "cus_PLate", "price_pro_m"),
			active("sub_1PDupA", "cus_PDup", "price_pro_m"),
			active("sub_1PDupB", "cus_PDup", "price_basic_m"),
			active("sub_1PShared", "cus_PShared", "price_pro_m"),
			active("sub_1PLegacy", "cus_PLegacy", "price_legacy_2019"),
			orphan, cancel, partial,
			{ID: "sub_1POdd", CustomerID: "cus_POdd", Status: "frozen",
				Items: items("price_pro_m", 1)},
		},
		Grants: []source.Grant{
			{AccountID: "acct_ok", SubscriptionID: "sub_1POk", Plan: "pro", Seats: seats(1),
				Active: true, Expires: jul1},
			{AccountID: "acct_locked", SubscriptionID: "sub_1PLocked", Plan: "pro"},
			{AccountID: "acct_gone", CustomerID: "cus_PGone", Plan: "pro", Active: true},
			{AccountID: "acct_up", SubscriptionID: "sub_1PUp", Plan: "basic", Active: true,
				Expires: jul1},
			{AccountID: "acct_seats", SubscriptionID: "sub_1PSeats", Plan: "team",
				Seats: seats(20), Active: true, Expires: jul1},
			{AccountID: "acct_late", SubscriptionID: "sub_1PLate", Plan: "pro", Active: true,
				Expires: time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)},
			{AccountID: "acct_dup", CustomerID: "cus_PDup", SubscriptionID: "sub_1PDupA",
				Plan: "pro", Active: true, Expires: jul1},
			{AccountID: "acct_twin_a", SubscriptionID: "sub_1PShared", Plan: "pro"},
			{AccountID: "acct_twin_b", SubscriptionID: "sub_1PShared", Plan: "pro"},
			{AccountID: "acct_legacy", SubscriptionID: "sub_1PLegacy", Plan: "pro",
				Active: true, Expires: jul1},
			{AccountID: "acct_nostripe", Plan: "pro", Active: true},
			{AccountID: "acct_cancel", SubscriptionID: "sub_1PCancel", Plan: "pro",
				Active: true, Expires: jul1},
			{AccountID: "acct_odd", SubscriptionID: "sub_1POdd", Plan: "pro"},
			{AccountID: "acct_free", Plan: "free", Active: true},
		},
		Incomplete: []compare.Incomplete{{
			Side: "access", ID: "acct_broken",
			Reason: `record "acct_broken": field "seats": not an integer: "many"`,
		}},
	}
}

// cleanInput agrees everywhere, but its access source has no seat column.
func cleanInput() compare.Input {
	return compare.Input{
		Workspace: "acme-staging",
		Subscriptions: []source.Subscription{
			{ID: "sub_1SOne", CustomerID: "cus_SOne", Status: "active",
				Items: items("price_pro_m", 1), CurrentPeriodEnd: jul1},
			{ID: "sub_1STwo", CustomerID: "cus_STwo", Status: "trialing",
				Items: items("price_basic_m", 1), CurrentPeriodEnd: jul1},
		},
		Grants: []source.Grant{
			{AccountID: "acct_one", SubscriptionID: "sub_1SOne", Plan: "pro", Active: true,
				Expires: jul1},
			{AccountID: "acct_two", CustomerID: "cus_STwo", Plan: "basic", Active: true,
				Expires: jul1},
		},
		Unavailable: []string{"seats"},
	}
}

// Values that would do harm if a renderer let them through as markup,
// formulas or terminal control sequences.
const (
	hostileImg     = `<img src=x onerror="document.title='pwned'">`
	hostileScript  = `<script>document.title='pwned'</script>`
	hostileFormula = `=HYPERLINK("http://attacker.test/","click")`
	hostilePlan    = "pro|team *bold* [link](http://attacker.test) @here #1 `code`"
	hostileCust    = "cus_\x1b[2J\u202eevil"
)

// hostileInput carries markup, formulas, pipes and control characters in
// values that a business's own data (metadata, plan names) can hold.
func hostileInput() compare.Input {
	sub := func(id, cus, acct string) source.Subscription {
		return source.Subscription{ID: id, CustomerID: cus, Status: "active",
			Items: items("price_pro_m", 1), CurrentPeriodEnd: jul1,
			Metadata: map[string]string{"app_account_id": acct}}
	}
	return compare.Input{
		Workspace: "acme <b>prod</b>",
		Subscriptions: []source.Subscription{
			sub("sub_1HImg", "cus_HImg", hostileImg),
			sub("sub_1HFormula", "cus_HFormula", hostileFormula),
			sub("sub_1HPlan", hostileCust, ""),
		},
		Grants: []source.Grant{
			{AccountID: "acct_plan", SubscriptionID: "sub_1HPlan", Plan: hostilePlan,
				Active: true, Expires: jul1},
		},
	}
}

func meta(in compare.Input, p *compare.Profile, billing, access string) report.Meta {
	return report.Meta{
		Billing: report.Pull{Source: billing, Started: pullTime(1), Finished: pullTime(4),
			Records: len(in.Subscriptions), Pages: 2},
		Access: report.Pull{Source: access, Started: pullTime(1), Finished: pullTime(2),
			Records: len(in.Grants) + len(in.Incomplete)},
		Digests: report.Digest(in, p),
	}
}

// build compares in and stamps the report.
func build(t testing.TB, in compare.Input, billing, access string) *report.Report {
	t.Helper()
	p := testProfile()
	res, err := compare.Compare(in, p, asOf)
	if err != nil {
		t.Fatal(err)
	}
	return report.New(res, meta(in, p, billing, access))
}

// scenario is one named report of the golden set.
type scenario struct {
	name  string
	input func() compare.Input
	// finish signs or masks the report after it is built.
	finish func(testing.TB, *report.Report) *report.Report
}

func signed(t testing.TB, r *report.Report) *report.Report {
	if err := r.Sign(signKey, "test-2024"); err != nil {
		t.Fatal(err)
	}
	return r
}

func masked(t testing.TB, r *report.Report) *report.Report {
	m, err := report.Mask(r, maskKey)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func asIs(_ testing.TB, r *report.Report) *report.Report { return r }

var scenarios = []scenario{
	{"drift", driftInput, signed},
	{"clean", cleanInput, asIs},
	{"hostile", hostileInput, asIs},
	{"drift-masked", driftInput, masked},
	{"history", driftInput, withHistory},
}

// The runs of the history fixture: a week apart, the last one the
// report's own.
var (
	run1 = asOf.AddDate(0, 0, -14)
	run2 = asOf.AddDate(0, 0, -7)
)

// withHistory adds the history section of a third stored run and signs
// the report. The findings take the lifecycles of lifePatterns in turn,
// and two findings of earlier runs are gone: one resolved, and one whose
// record this run could not read whole.
func withHistory(t testing.TB, r *report.Report) *report.Report {
	t.Helper()
	if err := r.SetHistory(historyFor(r)); err != nil {
		t.Fatal(err)
	}
	return signed(t, r)
}

// lifePatterns are the lifecycles the history fixture gives findings.
var lifePatterns = []report.HistoryEntry{
	{Status: report.StatusNew, FirstSeen: asOf, Since: asOf, RunsSeen: 1, Streak: 1},
	{Status: report.StatusPersisting, FirstSeen: run2, Since: run2, RunsSeen: 2,
		Streak: 2, DaysOpen: 7},
	{Status: report.StatusPersisting, FirstSeen: run1, Since: run1, RunsSeen: 3,
		Streak: 3, DaysOpen: 14, Recurring: true},
	{Status: report.StatusReopened, FirstSeen: run1, Since: asOf, RunsSeen: 2,
		Streak: 1, Reopened: 1, Recurring: true},
}

func historyFor(r *report.Report) *report.History {
	h := &report.History{Run: 3, Previous: 2, RecurAfter: 2}
	seen := map[string]bool{}
	for _, f := range r.Findings {
		if seen[f.Fingerprint] {
			continue
		}
		seen[f.Fingerprint] = true
		e := lifePatterns[len(h.Entries)%len(lifePatterns)]
		e.Fingerprint, e.Kind, e.Severity = f.Fingerprint, f.Kind, f.Severity
		e.Account, e.CustomerID, e.Plan = f.Account, f.CustomerID, f.Plan
		e.Subscriptions, e.LastSeen = slices.Clone(f.Subscriptions), asOf
		if len(h.Entries) == 2 {
			e.Ack = &report.Acknowledgement{Expires: asOf.AddDate(0, 0, 7)}
		}
		h.Entries = append(h.Entries, e)
	}
	return historyGone(h)
}

// historyGone adds to h a finding resolved since run 2 and one that this
// run could not check, in reverse of the order SetHistory gives them.
func historyGone(h *report.History) *report.History {
	h.Entries = append(h.Entries, report.HistoryEntry{
		Fingerprint: "0b7e0c6f1d2a4b5c8e9f001122334455", Status: report.StatusUnchecked,
		Kind: compare.SeatMismatch, Severity: compare.Medium, Account: "acct_broken",
		Subscriptions: []string{"sub_1PBroken"}, Plan: "team",
		FirstSeen: run1, Since: run2, LastSeen: run2, RunsSeen: 2, Streak: 1,
		Reopened: 1, DaysOpen: 7, Recurring: true,
	}, report.HistoryEntry{
		Fingerprint: "9a1c3e5f7b9d1f3a5c7e9b1d3f5a7c9e", Status: report.StatusResolved,
		Kind: compare.PlanMismatch, Severity: compare.High, Account: "acct_fixed",
		CustomerID: "cus_PFixed", Subscriptions: []string{"sub_1PFixed"}, Plan: "pro",
		FirstSeen: run1, Since: run1, LastSeen: run2, RunsSeen: 2, Streak: 2,
		DaysOpen: 14,
	})
	return h
}

func (s scenario) build(t testing.TB, in compare.Input) *report.Report {
	t.Helper()
	billing, access := "stripe", "sql"
	if s.name == "hostile" {
		access = "sql " + hostileScript
	}
	return s.finish(t, build(t, in, billing, access))
}

// shuffled returns in with its records in a random order.
func shuffled(in compare.Input, r *rand.Rand) compare.Input {
	r.Shuffle(len(in.Subscriptions), func(i, j int) {
		in.Subscriptions[i], in.Subscriptions[j] = in.Subscriptions[j], in.Subscriptions[i]
	})
	r.Shuffle(len(in.Grants), func(i, j int) {
		in.Grants[i], in.Grants[j] = in.Grants[j], in.Grants[i]
	})
	r.Shuffle(len(in.Incomplete), func(i, j int) {
		in.Incomplete[i], in.Incomplete[j] = in.Incomplete[j], in.Incomplete[i]
	})
	return in
}

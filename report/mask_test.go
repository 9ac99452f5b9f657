package report_test

import (
	"bytes"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/driftexact/driftexact/compare"
	"github.com/driftexact/driftexact/report"
	"github.com/driftexact/driftexact/source"
)

// rawIDs lists every account, customer and subscription id of an input.
func rawIDs(in compare.Input) []string {
	var ids []string
	for _, s := range in.Subscriptions {
		ids = append(ids, s.ID, s.CustomerID)
	}
	for _, g := range in.Grants {
		ids = append(ids, g.AccountID, g.CustomerID, g.SubscriptionID)
	}
	for _, x := range in.Incomplete {
		ids = append(ids, x.ID)
	}
	return slices.DeleteFunc(ids, func(s string) bool { return s == "" })
}

// TestMaskHidesEveryRawID looks for each raw id and each raw fingerprint
// in every format of the masked report.
func TestMaskHidesEveryRawID(t *testing.T) {
	in := driftInput()
	r := build(t, in, "stripe", "sql")
	m := masked(t, r)
	secrets := rawIDs(in)
	for _, f := range r.Findings {
		secrets = append(secrets, f.Fingerprint)
	}
	for _, f := range report.Formats {
		out := render(t, m, f)
		for _, s := range secrets {
			if bytes.Contains(out, []byte(s)) {
				t.Errorf("%s output of the masked report holds %q", f, s)
			}
		}
	}
	if !m.Masked || r.Masked {
		t.Error("Masked flag not set on the copy only")
	}
}

func TestMaskKeepsEverythingElse(t *testing.T) {
	r := build(t, driftInput(), "stripe", "sql")
	before := render(t, r, report.FormatJSON)
	m := masked(t, r)
	if !bytes.Equal(before, render(t, r, report.FormatJSON)) {
		t.Fatal("Mask changed the report it was given")
	}
	type shape struct {
		Kind                        compare.Kind
		Severity                    compare.Severity
		Direction                   compare.Direction
		Plan, Field, Rule, LinkedBy string
		HasAccount, HasCustomer     bool
		Subs                        int
		Tried                       string
		ValuesAlike                 bool
	}
	shapes := func(rep *report.Report) []shape {
		var out []shape
		for _, f := range rep.Findings {
			out = append(out, shape{f.Kind, f.Severity, f.Direction, f.Plan, f.Field,
				f.Rule, f.LinkedBy, f.Account != "", f.CustomerID != "",
				len(f.Subscriptions), strings.Join(f.Tried, ","), f.Stripe == f.Internal})
		}
		slices.SortFunc(out, func(a, b shape) int {
			return strings.Compare(string(a.Kind)+a.Field+a.Plan, string(b.Kind)+b.Field+b.Plan)
		})
		return out
	}
	if diff := cmp.Diff(shapes(r), shapes(m)); diff != "" {
		t.Errorf("masking changed what findings say (-before +after):\n%s", diff)
	}
	if diff := cmp.Diff(r.Counts, m.Counts); diff != "" {
		t.Errorf("counts changed (-before +after):\n%s", diff)
	}
	if r.Digests != m.Digests || r.Coverage.Linked != m.Coverage.Linked {
		t.Error("digests or coverage counts changed")
	}
	// Values that are counts, times and plans stay as they were.
	for _, f := range m.Findings {
		switch f.Kind {
		case compare.SeatMismatch:
			if f.Stripe != "5" || f.Internal != "20" {
				t.Errorf("seat values masked: %q %q", f.Stripe, f.Internal)
			}
		case compare.PeriodMismatch:
			if f.Stripe != "2024-07-01T00:00:00Z (renews)" {
				t.Errorf("period value masked: %q", f.Stripe)
			}
		}
	}
}

func TestMaskIsStableAndSalted(t *testing.T) {
	a, err := report.NewMasker("acme-prod", maskKey)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := report.NewMasker("acme-prod", maskKey)
	other, _ := report.NewMasker("acme-dev", maskKey)
	rekeyed, _ := report.NewMasker("acme-prod", []byte("a different masking key, 32 byte"))
	id := "acct_42"
	if a.Account(id) != b.Account(id) {
		t.Error("same workspace and key mask one id two ways")
	}
	if a.Account(id) == other.Account(id) || a.Account(id) == rekeyed.Account(id) {
		t.Error("another workspace or key gives the same pseudonym")
	}
	if a.Account(id) == a.Subscription(id) || a.Account(id) == a.Customer(id) {
		t.Error("classes share pseudonyms")
	}
	pat := regexp.MustCompile(`^(acct|cus|sub)-[0-9a-f]{16}$`)
	for _, p := range []string{a.Account(id), a.Customer(id), a.Subscription(id)} {
		if !pat.MatchString(p) {
			t.Errorf("pseudonym %q has the wrong form", p)
		}
	}
	if a.Account("") != "" || a.Fingerprint("") != "" {
		t.Error("empty values do not stay empty")
	}
}

// TestMaskedFingerprintsFollowFindingsAcrossRuns builds two runs a day
// apart, in which the same findings persist, and expects the same masked
// fingerprints for them.
func TestMaskedFingerprintsFollowFindingsAcrossRuns(t *testing.T) {
	fps := func(at time.Time) []string {
		in := driftInput()
		res, err := compare.Compare(in, testProfile(), at)
		if err != nil {
			t.Fatal(err)
		}
		m := masked(t, report.New(res, report.Meta{}))
		var out []string
		for _, f := range m.Findings {
			out = append(out, f.Fingerprint)
		}
		slices.Sort(out)
		return out
	}
	today, tomorrow := fps(asOf), fps(asOf.Add(24*time.Hour))
	if diff := cmp.Diff(today, tomorrow); diff != "" {
		t.Errorf("masked fingerprints changed between runs (-today +tomorrow):\n%s", diff)
	}
}

func TestMaskRefuses(t *testing.T) {
	r := build(t, driftInput(), "stripe", "sql")
	m, _ := report.NewMasker("another-workspace", maskKey)
	if _, err := m.Mask(r); err == nil {
		t.Error("masker of another workspace accepted the report")
	}
	twice := masked(t, r)
	if _, err := report.Mask(twice, maskKey); err == nil {
		t.Error("a masked report was masked again")
	}
	if _, err := report.NewMasker("", maskKey); err == nil {
		t.Error("masker without a workspace accepted")
	}
}

func TestMaskedReportIsSealedAndValid(t *testing.T) {
	m := masked(t, signed(t, build(t, driftInput(), "stripe", "sql")))
	if m.Integrity.Signature != "" {
		t.Error("masked copy kept the signature of the unmasked report")
	}
	data := render(t, m, report.FormatJSON)
	if err := report.ValidateJSON(data); err != nil {
		t.Error(err)
	}
	if _, err := report.Verify(data, nil); err != nil {
		t.Error(err)
	}
}

// TestMaskFreeText covers ids inside text: ambiguous account lists, record
// errors quoting an id, and ids made only of digits, which are replaced
// where quoted but never where they could be a count.
func TestMaskFreeText(t *testing.T) {
	in := compare.Input{
		Workspace: "ws",
		Subscriptions: []source.Subscription{
			{ID: "sub_A", CustomerID: "cus_A", Status: "active", Items: items("price_seat_m", 20)},
			{ID: "sub_B", CustomerID: "cus_B", Status: "active", Items: items("price_pro_m", 1)},
		},
		Grants: []source.Grant{
			{AccountID: "20", SubscriptionID: "sub_A", Plan: "team", Seats: seats(3), Active: true},
			{AccountID: "acct_b1", SubscriptionID: "sub_B", Plan: "pro"},
			{AccountID: "acct_b10", SubscriptionID: "sub_B", Plan: "pro"},
		},
		Incomplete: []compare.Incomplete{
			{Side: "access", ID: "7", Reason: `record "7": field "seats": not an integer: "7x"`},
		},
	}
	r := build(t, in, "stripe", "sql")
	mk, _ := report.NewMasker("ws", maskKey)
	m, err := mk.Mask(r)
	if err != nil {
		t.Fatal(err)
	}
	var seat, amb *compare.Finding
	for i := range m.Findings {
		switch m.Findings[i].Kind {
		case compare.SeatMismatch:
			seat = &m.Findings[i]
		case compare.AmbiguousIdentity:
			amb = &m.Findings[i]
		}
	}
	if seat == nil || amb == nil {
		t.Fatalf("fixture lacks a seat or ambiguous finding: %+v", m.Findings)
	}
	if seat.Account != mk.Account("20") || seat.Stripe != "20" || seat.Internal != "3" {
		t.Errorf("seat finding: account %q, values %q %q", seat.Account, seat.Stripe, seat.Internal)
	}
	if want := mk.Account("acct_b1") + ", " + mk.Account("acct_b10"); amb.Internal != want {
		t.Errorf("ambiguous accounts: got %q, want %q", amb.Internal, want)
	}
	if amb.Stripe != mk.Subscription("sub_B") {
		t.Errorf("ambiguous Stripe value: got %q", amb.Stripe)
	}
	inc := m.Coverage.Incomplete[0]
	want := `record "` + mk.Account("7") + `": field "seats": not an integer: "7x"`
	if inc.ID != mk.Account("7") || inc.Reason != want {
		t.Errorf("incomplete record: got %q %q, want reason %q", inc.ID, inc.Reason, want)
	}
}

// TestMaskHidesLinkedSubscriptions masks an ambiguous_identity finding on
// disagreeing rows whose Stripe value describes subscriptions that the
// rows do not store: every id must be masked in every format.
func TestMaskHidesLinkedSubscriptions(t *testing.T) {
	end := asOf.Add(15 * 24 * time.Hour)
	in := compare.Input{
		Workspace: "ws",
		Subscriptions: []source.Subscription{
			{ID: "sub_LIVE", CustomerID: "cus_A", Status: "active",
				CurrentPeriodEnd: end, Items: items("price_pro_m", 1)},
			{ID: "sub_OLDONE", CustomerID: "cus_A", Status: "canceled",
				EndedAt: asOf.Add(-24 * time.Hour), Items: items("price_pro_m", 1)},
		},
		Grants: []source.Grant{
			{AccountID: "acct_c", CustomerID: "cus_A", SubscriptionID: "sub_GHOST",
				Plan: "pro", Seats: seats(1), Active: true, Expires: end},
			{AccountID: "acct_c", CustomerID: "cus_A", SubscriptionID: "sub_GHOST",
				Plan: "basic", Seats: seats(1)},
		},
	}
	r := build(t, in, "stripe", "sql")
	if !slices.ContainsFunc(r.Findings, func(f compare.Finding) bool {
		return f.Kind == compare.AmbiguousIdentity && strings.Contains(f.Stripe, "sub_LIVE")
	}) {
		t.Fatalf("fixture lacks the ambiguous rows finding: %+v", r.Findings)
	}
	m := masked(t, r)
	for _, f := range report.Formats {
		out := render(t, m, f)
		for _, id := range rawIDs(in) {
			if bytes.Contains(out, []byte(id)) {
				t.Errorf("%s output of the masked report holds %q", f, id)
			}
		}
	}
}

// TestMaskStripeShapedIDs covers ids that no id field names: a word shaped
// like a customer's Stripe object id is masked in free text with the same
// pseudonym its id field would get, while prices, products and ordinary
// words are kept.
func TestMaskStripeShapedIDs(t *testing.T) {
	in := compare.Input{
		Workspace: "ws",
		Incomplete: []compare.Incomplete{{Side: "billing", ID: "sub_X",
			Reason: "item si_Q1 of sub_Y (customer cus_Z, price price_pro_m, " +
				"product prod_1) could not be read; in_ a sub_ acct_9"}},
	}
	r := build(t, in, "stripe", "sql")
	mk, _ := report.NewMasker("ws", maskKey)
	m, err := mk.Mask(r)
	if err != nil {
		t.Fatal(err)
	}
	got := m.Coverage.Incomplete[0].Reason
	for _, raw := range []string{"si_Q1", "sub_Y", "cus_Z", "acct_9"} {
		if strings.Contains(got, raw) {
			t.Errorf("reason still holds %q: %q", raw, got)
		}
	}
	for _, kept := range []string{"price_pro_m", "prod_1", "in_ a sub_ ",
		mk.Subscription("sub_Y"), mk.Customer("cus_Z"), mk.Account("acct_9")} {
		if !strings.Contains(got, kept) {
			t.Errorf("reason lacks %q: %q", kept, got)
		}
	}
	if !regexp.MustCompile(`item si-[0-9a-f]{16} of`).MatchString(got) {
		t.Errorf("item id not masked as si-…: %q", got)
	}
}

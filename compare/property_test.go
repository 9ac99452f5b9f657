package compare_test

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/google/go-cmp/cmp"

	"github.com/driftexact/driftexact/compare"
	"github.com/driftexact/driftexact/source"
)

// entropy hands out the bytes of a fuzz input one at a time, and zeros
// once they run out, so that every input decodes to some records.
type entropy struct{ b []byte }

func (e *entropy) next() byte {
	if len(e.b) == 0 {
		return 0
	}
	v := e.b[0]
	e.b = e.b[1:]
	return v
}

func (e *entropy) n(max int) int { return int(e.next()) % max }

func (e *entropy) pick(list ...string) string { return list[e.n(len(list))] }

// instant is zero one time in eight, else within about two months of
// the default as-of time, on a half-day grid so that ties happen.
func (e *entropy) instant() time.Time {
	v := e.next()
	if v%8 == 0 {
		return time.Time{}
	}
	return defaultAsOf.Add(time.Duration(int8(v)) * 12 * time.Hour)
}

// Small pools of ids, so that records collide and link in every way.
var (
	poolSubs      = []string{"sub_1", "sub_2", "sub_3", "sub_4", "sub_5", ""}
	poolCustomers = []string{"cus_1", "cus_2", "cus_3", ""}
	poolAccounts  = []string{"acct_1", "acct_2", "acct_3", "acct_4", ""}
	poolStatuses  = append(slices.Clone(compare.KnownStatuses), "frozen", "")
	poolPrices    = []string{"price_pro", "price_basic", "price_seat",
		"price_addon", "price_old", ""}
	poolPlans = []string{"pro", "basic", "team", "addon", "free", "", "other"}
)

// genProfile builds a profile from e. Now and then it is invalid.
func genProfile(e *entropy) *compare.Profile {
	p := &compare.Profile{
		PriceIDs:   map[string]string{"price_pro": "pro", "price_basic": "basic"},
		LookupKeys: map[string]string{"seat_monthly": "team"},
		ProductIDs: map[string]string{"prod_addon": "addon"},
		Plans: map[string]compare.Plan{
			"pro": {Family: "base"}, "basic": {Family: "base"},
			"team": {Family: "base", PerSeat: e.n(2) == 0},
		},
		NoBilling:       []string{"free"},
		ExpiryTolerance: compare.Duration(time.Duration(e.n(3)) * 12 * time.Hour),
	}
	if e.n(4) == 0 {
		p.PriceIDs = nil
	}
	for range e.n(4) {
		switch e.n(4) {
		case 0:
			p.Links = append(p.Links, compare.Link{By: compare.BySubscriptionID})
		case 1:
			p.Links = append(p.Links, compare.Link{By: compare.ByCustomerID})
		case 2:
			p.Links = append(p.Links, compare.Link{By: compare.ByMetadata,
				Key: e.pick("account", "uid", "")})
		default:
			p.Links = append(p.Links, compare.Link{By: "email"})
		}
	}
	if e.n(2) == 0 {
		for range e.n(4) {
			p.Policy.Entitling = append(p.Policy.Entitling, e.pick(poolStatuses...))
		}
		p.Policy.Paused = compare.Paused(e.pick("", "never", "always",
			"until_period_end", "sometimes"))
		p.Policy.Grace = map[string]compare.Duration{
			e.pick(poolStatuses...): compare.Duration(time.Duration(int8(e.next())) * time.Hour),
		}
	}
	if e.n(8) == 0 {
		p.Severity = map[compare.Kind]compare.Severity{
			compare.Kinds[e.n(len(compare.Kinds))]: compare.Severity(e.pick("high", "low", "dire")),
		}
	}
	return p
}

// genInput builds records from e.
func genInput(e *entropy) compare.Input {
	in := compare.Input{Workspace: "ws_gen"}
	for range e.n(10) {
		in.Subscriptions = append(in.Subscriptions, genSubscription(e))
	}
	for range e.n(10) {
		in.Grants = append(in.Grants, genGrant(e))
	}
	if e.n(8) == 0 {
		in.Incomplete = append(in.Incomplete, compare.Incomplete{
			Side: e.pick("billing", "access"), ID: e.pick(append(poolSubs, poolAccounts...)...),
			Reason: "could not be read"})
	}
	if e.n(8) == 0 {
		in.Unavailable = []string{e.pick("seats", "expires", "plan")}
	}
	return in
}

func genSubscription(e *entropy) source.Subscription {
	s := source.Subscription{
		ID: e.pick(poolSubs...), CustomerID: e.pick(poolCustomers...),
		Status:           e.pick(poolStatuses...),
		CurrentPeriodEnd: e.instant(), CancelAt: e.instant(),
		CancelAtPeriodEnd: e.n(4) == 0, EndedAt: e.instant(),
	}
	if e.n(3) == 0 {
		s.CancelAt = time.Time{}
	}
	if e.n(2) == 0 {
		s.EndedAt = time.Time{}
	}
	if e.n(3) == 0 {
		s.Metadata = map[string]string{e.pick("account", "uid"): e.pick(poolAccounts...)}
	}
	if e.n(6) == 0 {
		s.PauseCollection = &source.PauseCollection{Behavior: "void", ResumesAt: e.instant()}
	}
	if e.n(10) == 0 {
		s.Incomplete = "item list has more pages than were read"
	}
	for range e.n(4) {
		s.Items = append(s.Items, source.Item{
			PriceID: e.pick(poolPrices...), LookupKey: e.pick("", "seat_monthly"),
			ProductID: e.pick("", "prod_addon", "prod_old"),
			Quantity:  int64(e.n(25)), CurrentPeriodEnd: e.instant(),
		})
	}
	return s
}

func genGrant(e *entropy) source.Grant {
	g := source.Grant{
		AccountID: e.pick(poolAccounts...), CustomerID: e.pick(poolCustomers...),
		SubscriptionID: e.pick(poolSubs...), Plan: e.pick(poolPlans...),
		Active: e.n(3) > 0, Expires: e.instant(),
	}
	if e.n(3) > 0 {
		seats := int64(e.n(25))
		g.Seats = &seats
	}
	return g
}

// shuffled returns a copy of in with both sides in another order.
func shuffled(in compare.Input, r *rand.Rand) compare.Input {
	in.Subscriptions = slices.Clone(in.Subscriptions)
	in.Grants = slices.Clone(in.Grants)
	in.Incomplete = slices.Clone(in.Incomplete)
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

// TestShuffledInputSameResult checks, over every case file and many
// generated inputs, that any order of the same records gives a
// byte-identical result.
func TestShuffledInputSameResult(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 7))
	for _, j := range propertyJobs(t, r) {
		want := mustJSON(t, j.in, j.p, j.asOf)
		for range 20 {
			got := mustJSON(t, shuffled(j.in, r), j.p, j.asOf)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Fatalf("%s: shuffled input changed the result (-want +got):\n%s",
					j.name, diff)
			}
		}
	}
}

// job is one input of the property tests.
type job struct {
	name string
	in   compare.Input
	p    *compare.Profile
	asOf time.Time
}

// propertyJobs returns every case file and 300 inputs generated from r
// whose profile is valid.
func propertyJobs(t *testing.T, r *rand.Rand) []job {
	t.Helper()
	var jobs []job
	for _, sc := range loadScenarios(t) {
		jobs = append(jobs, job{sc.name, sc.in, sc.profile, sc.asOf})
	}
	for i := range 300 {
		buf := make([]byte, 256)
		for j := range buf {
			buf[j] = byte(r.Uint32())
		}
		e := &entropy{buf}
		p := genProfile(e)
		if p.Validate() != nil {
			continue
		}
		jobs = append(jobs, job{fmt.Sprintf("generated %d (%s)", i,
			hex.EncodeToString(buf[:8])), genInput(e), p, defaultAsOf})
	}
	return jobs
}

// TestFindingsNameTheirIDs checks, over every case file and many
// generated inputs, that every Stripe subscription or customer id that a
// finding's compared values mention is also in its id fields: a reader
// (and report masking) must find in Subscriptions and CustomerID every id
// the finding talks about.
func TestFindingsNameTheirIDs(t *testing.T) {
	jobs := propertyJobs(t, rand.New(rand.NewPCG(5, 9)))
	for _, j := range jobs {
		res, err := compare.Compare(j.in, j.p, j.asOf)
		if err != nil {
			t.Fatal(err)
		}
		checkNamedIDs(t, j.name, j.in, res)
	}
}

// checkNamedIDs reports each subscription or customer id, known from in
// or shaped like one ("sub_…", "cus_…"), that a finding's Stripe or
// Internal value holds as a word but its id fields do not list.
func checkNamedIDs(t *testing.T, name string, in compare.Input, res *compare.Result) {
	t.Helper()
	subs, cuss := map[string]bool{}, map[string]bool{}
	for _, s := range in.Subscriptions {
		subs[s.ID], cuss[s.CustomerID] = true, true
	}
	for _, g := range in.Grants {
		subs[g.SubscriptionID], cuss[g.CustomerID] = true, true
	}
	delete(subs, "")
	delete(cuss, "")
	for i, f := range res.Findings {
		for _, w := range idWords(f.Stripe + " " + f.Internal) {
			isSub := subs[w] || strings.HasPrefix(w, "sub_")
			isCus := cuss[w] || strings.HasPrefix(w, "cus_")
			if isSub && !slices.Contains(f.Subscriptions, w) ||
				isCus && !isSub && f.CustomerID != w {
				t.Errorf("%s: finding %d (%s/%s) mentions %q but its ids are "+
					"customer %q, subscriptions %q", name, i, f.Kind, f.Field, w,
					f.CustomerID, f.Subscriptions)
			}
		}
	}
}

// idWords splits s into words of letters, digits and underscores.
func idWords(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool {
		return r != '_' && !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
}

func mustJSON(t *testing.T, in compare.Input, p *compare.Profile, asOf time.Time) string {
	t.Helper()
	res, err := compare.Compare(in, p, asOf)
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.MarshalIndent(res, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// FuzzCompare checks that Compare never panics on arbitrary records and
// profiles, fails exactly when the profile is invalid, and otherwise
// returns a well-formed result that does not depend on input order.
func FuzzCompare(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte("\x05\x05\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c"))
	f.Add([]byte("linking, statuses, items and rows from the same bytes"))
	f.Add([]byte{0xff, 0x80, 0x7f, 0x00, 0x01, 0xfe, 0x10, 0x20, 0x30, 0x40,
		0x50, 0x60, 0x70, 0x90, 0xa0, 0xb0, 0xc0, 0xd0, 0xe0, 0xf0})
	seed := rand.New(rand.NewPCG(11, 13))
	for range 8 {
		b := make([]byte, 200)
		for i := range b {
			b[i] = byte(seed.Uint32())
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		e := &entropy{data}
		p := genProfile(e)
		in := genInput(e)
		res, err := compare.Compare(in, p, defaultAsOf)
		if verr := p.Validate(); (err != nil) != (verr != nil) {
			t.Fatalf("Compare error %v, Validate error %v", err, verr)
		}
		if err != nil {
			return
		}
		checkWellFormed(t, in, res)
		checkNamedIDs(t, "fuzz input", in, res)
		rev := shuffled(in, rand.New(rand.NewPCG(uint64(len(data)), 1)))
		again, err := compare.Compare(rev, p, defaultAsOf)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(res, again); diff != "" {
			t.Fatalf("order changed the result (-first +shuffled):\n%s", diff)
		}
	})
}

// checkWellFormed checks the invariants of every result.
func checkWellFormed(t *testing.T, in compare.Input, res *compare.Result) {
	t.Helper()
	if res.Findings == nil {
		t.Error("findings are nil")
	}
	if res.Coverage.Subscriptions != len(in.Subscriptions) ||
		res.Coverage.Grants != len(in.Grants) {
		t.Errorf("coverage counts %d/%d, input %d/%d", res.Coverage.Subscriptions,
			res.Coverage.Grants, len(in.Subscriptions), len(in.Grants))
	}
	prev := [2]int{}
	for i, f := range res.Findings {
		rank := [2]int{slices.Index(compare.Severities, f.Severity),
			slices.Index(compare.Kinds, f.Kind)}
		if rank[0] < 0 || rank[1] < 0 {
			t.Fatalf("finding %d: unknown severity or kind: %+v", i, f)
		}
		if i > 0 && (rank[0] < prev[0] || rank[0] == prev[0] && rank[1] < prev[1] ||
			rank == prev && f.Account < res.Findings[i-1].Account) {
			t.Fatalf("finding %d out of order: %+v", i, f)
		}
		prev = rank
		if len(f.Fingerprint) != 32 {
			t.Errorf("finding %d: fingerprint %q", i, f.Fingerprint)
		}
		if f.Direction != "" && f.Direction != compare.OverGranted &&
			f.Direction != compare.UnderGranted {
			t.Errorf("finding %d: direction %q", i, f.Direction)
		}
		if i > 0 && cmp.Equal(f, res.Findings[i-1]) {
			t.Errorf("finding %d repeats the one before: %+v", i, f)
		}
	}
}

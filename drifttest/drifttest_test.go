package drifttest_test

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"iter"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/driftexact/driftexact"
	"github.com/driftexact/driftexact/compare"
	"github.com/driftexact/driftexact/drifttest"
	"github.com/driftexact/driftexact/source"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata")

var (
	june1  = time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)
	june15 = time.Date(2024, 6, 15, 0, 0, 0, 0, time.UTC)
	july1  = time.Date(2024, 7, 1, 0, 0, 0, 0, time.UTC)
)

var profile = &compare.Profile{
	PriceIDs: map[string]string{"price_pro": "pro", "price_team": "team"},
	Plans:    map[string]compare.Plan{"team": {PerSeat: true}},
}

// fakeT records what a helper reports instead of failing the real test.
// Only the methods the helpers call are implemented.
type fakeT struct {
	testing.TB
	ctx    context.Context
	errors []string
	fatal  bool
}

func (f *fakeT) Helper()                  {}
func (f *fakeT) Context() context.Context { return f.ctx }
func (f *fakeT) Error(args ...any)        { f.errors = append(f.errors, fmt.Sprint(args...)) }
func (f *fakeT) Fatal(args ...any)        { f.Error(args...); f.fatal = true; runtime.Goexit() }
func (f *fakeT) Fatalf(format string, args ...any) {
	f.Fatal(fmt.Sprintf(format, args...))
}

// run calls fn with a fakeT on its own goroutine, as Fatal ends it.
func run(fn func(t testing.TB)) *fakeT {
	ft := &fakeT{ctx: context.Background()}
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn(ft)
	}()
	<-done
	return ft
}

func agreeingJob() driftexact.Job {
	return driftexact.Job{
		Billing: drifttest.Billing(
			drifttest.Subscription("sub_1").Customer("cus_1").Price("price_pro").
				PeriodEnd(july1),
			drifttest.Subscription("sub_2").Customer("cus_2").Seats("price_team", 5).
				PeriodEnd(july1),
		),
		Access: drifttest.Access(
			drifttest.Grant("acct_1").Subscription("sub_1").Plan("pro").Expires(july1),
			drifttest.Grant("acct_2").Customer("cus_2").Plan("team").Seats(5).
				Expires(july1),
		),
		Profile: profile,
		AsOf:    june15,
	}
}

func driftingJob() driftexact.Job {
	return driftexact.Job{
		Billing: drifttest.Billing(
			drifttest.Subscription("sub_1").Customer("cus_1").Price("price_pro").
				Canceled(june1),
			drifttest.Subscription("sub_2").Customer("cus_2").Seats("price_team", 5),
			drifttest.Subscription("sub_3").Customer("cus_3").Price("price_pro"),
		),
		Access: drifttest.Access(
			drifttest.Grant("acct_1").Subscription("sub_1").Plan("pro"),
			drifttest.Grant("acct_2").Customer("cus_2").Plan("team").Seats(3),
			drifttest.Grant("acct_3").Subscription("sub_3").Plan("pro").Off(),
		),
		Profile: profile,
		AsOf:    june15,
	}
}

func TestAssertNoDriftPasses(t *testing.T) {
	ft := run(func(t testing.TB) {
		if !drifttest.AssertNoDrift(t, agreeingJob()) {
			t.Error("AssertNoDrift returned false")
		}
		drifttest.RequireNoDrift(t, agreeingJob())
	})
	if len(ft.errors) > 0 || ft.fatal {
		t.Errorf("agreeing sides failed the test: %q", ft.errors)
	}
}

func TestAssertNoDriftFailsWithFindings(t *testing.T) {
	ft := run(func(t testing.TB) {
		if drifttest.AssertNoDrift(t, driftingJob()) {
			t.Error("AssertNoDrift returned true")
		}
	})
	if ft.fatal || len(ft.errors) != 1 {
		t.Fatalf("fatal %v, errors %q; want one non-fatal error", ft.fatal, ft.errors)
	}
	golden(t, "drift.golden", ft.errors[0])
}

func TestRequireNoDriftStops(t *testing.T) {
	reached := false
	ft := run(func(t testing.TB) {
		drifttest.RequireNoDrift(t, driftingJob())
		reached = true
	})
	if !ft.fatal || reached {
		t.Errorf("fatal %v, went on %v; want the test stopped", ft.fatal, reached)
	}
}

// unreadable yields one grant that cannot be read.
type unreadable struct{}

func (unreadable) Grants(context.Context) iter.Seq2[source.Grant, error] {
	return func(yield func(source.Grant, error) bool) {
		yield(source.Grant{}, &source.RecordError{Record: "acct_9", Field: "plan",
			Err: errors.New("not valid UTF-8")})
	}
}

func TestUnreadableRecordsAreNotAgreement(t *testing.T) {
	job := driftexact.Job{Billing: drifttest.Billing(), Access: unreadable{}, AsOf: june15}
	ft := run(func(t testing.TB) { drifttest.AssertNoDrift(t, job) })
	if len(ft.errors) != 1 {
		t.Fatalf("errors %q, want one", ft.errors)
	}
	golden(t, "unreadable.golden", ft.errors[0])
}

// brokenAccess fails every pull.
type brokenAccess struct{}

func (brokenAccess) Grants(context.Context) iter.Seq2[source.Grant, error] {
	return func(yield func(source.Grant, error) bool) {
		yield(source.Grant{}, errors.New("database is locked"))
	}
}

func TestCheckStopsWhenTheCheckCannotRun(t *testing.T) {
	ft := run(func(t testing.TB) {
		drifttest.AssertNoDrift(t, driftexact.Job{
			Billing: drifttest.Billing(), Access: brokenAccess{}})
	})
	want := []string{"drifttest: the check did not run: " +
		"driftexact: access side: database is locked"}
	if diff := cmp.Diff(want, ft.errors); diff != "" || !ft.fatal {
		t.Errorf("fatal %v, errors (-want +got):\n%s", ft.fatal, diff)
	}
}

func TestCheckDefaultsWorkspace(t *testing.T) {
	rep := drifttest.Check(t, agreeingJob())
	if rep.Workspace != drifttest.DefaultWorkspace {
		t.Errorf("workspace %q, want %q", rep.Workspace, drifttest.DefaultWorkspace)
	}
	job := agreeingJob()
	job.Workspace = "mine"
	if rep := drifttest.Check(t, job); rep.Workspace != "mine" {
		t.Errorf("workspace %q, want mine", rep.Workspace)
	}
}

func TestBuildersAreValues(t *testing.T) {
	// Three items leave spare capacity in the slice, where a careless
	// append would let a and b overwrite each other.
	base := drifttest.Subscription("sub_1").Price("p1").Price("p2").Price("p3").
		Metadata("k", "v")
	a := base.Price("price_addon").Metadata("k", "a")
	b := base.Price("price_other")
	want := source.Subscription{ID: "sub_1", Status: "active",
		Items: []source.Item{{PriceID: "p1", Quantity: 1},
			{PriceID: "p2", Quantity: 1}, {PriceID: "p3", Quantity: 1}},
		Metadata: map[string]string{"k": "v"}}
	if diff := cmp.Diff(want, base.Record()); diff != "" {
		t.Errorf("base changed by its extensions (-want +got):\n%s", diff)
	}
	if got := a.Record().Items[3].PriceID; got != "price_addon" {
		t.Errorf("a's fourth item %q, want price_addon", got)
	}
	if got := b.Record().Items[3].PriceID; got != "price_other" {
		t.Errorf("b's fourth item %q, want price_other", got)
	}
	rec := a.Record()
	rec.Items[0].PriceID = "changed"
	rec.Metadata["k"] = "changed"
	if diff := cmp.Diff(want, base.Record()); diff != "" {
		t.Errorf("a record shares memory with its builder (-want +got):\n%s", diff)
	}
	g := drifttest.Grant("acct_1").Seats(2)
	gr := g.Record()
	*gr.Seats = 9
	if *g.Record().Seats != 2 {
		t.Error("a grant record shares its seats with the builder")
	}
}

func TestBuilders(t *testing.T) {
	sub := drifttest.Subscription("sub_1").Customer("cus_1").Status("past_due").
		Item(source.Item{LookupKey: "pro_monthly", Quantity: 1}).
		PeriodEnd(july1).CancelAt(july1).CancelAtPeriodEnd().
		PausedCollection("void").Record()
	want := source.Subscription{ID: "sub_1", CustomerID: "cus_1", Status: "past_due",
		Items:            []source.Item{{LookupKey: "pro_monthly", Quantity: 1}},
		CurrentPeriodEnd: july1, CancelAt: july1, CancelAtPeriodEnd: true,
		PauseCollection: &source.PauseCollection{Behavior: "void"}}
	if diff := cmp.Diff(want, sub); diff != "" {
		t.Errorf("subscription (-want +got):\n%s", diff)
	}
	trial := drifttest.Subscription("sub_t").Trialing(july1).Record()
	if trial.Status != "trialing" || !trial.TrialEnd.Equal(july1) ||
		!trial.CurrentPeriodEnd.Equal(july1) {
		t.Errorf("trial %+v", trial)
	}
	ended := drifttest.Subscription("sub_e").Canceled(june1).Record()
	if ended.Status != "canceled" || !ended.EndedAt.Equal(june1) ||
		!ended.CanceledAt.Equal(june1) {
		t.Errorf("canceled %+v", ended)
	}
	seats := int64(4)
	g := drifttest.Grant("acct_1").Customer("cus_1").Subscription("sub_1").
		Plan("team").Seats(4).Expires(july1).Off().Record()
	wantG := source.Grant{AccountID: "acct_1", CustomerID: "cus_1",
		SubscriptionID: "sub_1", Plan: "team", Seats: &seats, Expires: july1}
	if diff := cmp.Diff(wantG, g); diff != "" {
		t.Errorf("grant (-want +got):\n%s", diff)
	}
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	got += "\n"
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s (-want +got):\n%s", path, diff)
	}
}

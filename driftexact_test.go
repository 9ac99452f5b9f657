package driftexact_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"iter"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/driftexact/driftexact"
	"github.com/driftexact/driftexact/compare"
	"github.com/driftexact/driftexact/report"
	"github.com/driftexact/driftexact/source"
)

var asOf = time.Date(2024, 6, 15, 0, 0, 0, 0, time.UTC)

// listless is a billing source whose listing misses subscriptions it can
// still read by id, as Stripe's list leaves out test-clock subscriptions.
type listless struct{ *source.MemoryBilling }

func (listless) Subscriptions(context.Context) iter.Seq2[source.Subscription, error] {
	return func(func(source.Subscription, error) bool) {}
}

// failingAccess fails at once with a fatal error.
type failingAccess struct{}

func (failingAccess) Grants(context.Context) iter.Seq2[source.Grant, error] {
	return func(yield func(source.Grant, error) bool) {
		yield(source.Grant{}, errors.New("connection refused"))
	}
}

// blocker is a source of either side that yields nothing and blocks until
// its context ends. exited is closed when its sequence has returned.
type blocker struct {
	exited chan struct{}
	// plainErr makes it end with an error that does not wrap the
	// context's, as some drivers do.
	plainErr bool
}

func newBlocker() *blocker { return &blocker{exited: make(chan struct{})} }

func (b *blocker) wait(ctx context.Context) error {
	defer close(b.exited)
	<-ctx.Done()
	if b.plainErr {
		return errors.New("driver: bad connection")
	}
	return ctx.Err()
}

func (b *blocker) Subscriptions(ctx context.Context) iter.Seq2[source.Subscription, error] {
	return func(yield func(source.Subscription, error) bool) {
		yield(source.Subscription{}, b.wait(ctx))
	}
}

func (b *blocker) Grants(ctx context.Context) iter.Seq2[source.Grant, error] {
	return func(yield func(source.Grant, error) bool) {
		yield(source.Grant{}, b.wait(ctx))
	}
}

// exitedBy reports whether b's sequence had returned.
func (b *blocker) exitedBy() bool {
	select {
	case <-b.exited:
		return true
	default:
		return false
	}
}

// checkWithin runs Check and fails the test if it takes longer than a
// generous bound; a hung Check would otherwise hang the suite.
func checkWithin(t *testing.T, ctx context.Context, job driftexact.Job) (*report.Report, error) {
	t.Helper()
	type result struct {
		rep *report.Report
		err error
	}
	done := make(chan result, 1)
	go func() {
		rep, err := driftexact.Check(ctx, job)
		done <- result{rep, err}
	}()
	select {
	case r := <-done:
		return r.rep, r.err
	case <-time.After(10 * time.Second):
		t.Fatal("Check did not return within 10s")
		return nil, nil
	}
}

func proSub(id, customer string) source.Subscription {
	return source.Subscription{ID: id, CustomerID: customer, Status: "active",
		Items: []source.Item{{PriceID: "price_pro", Quantity: 1}}}
}

func proGrant(acct, sub string) source.Grant {
	return source.Grant{AccountID: acct, SubscriptionID: sub, Plan: "pro", Active: true}
}

var proPlans = &compare.Profile{PriceIDs: map[string]string{"price_pro": "pro"}}

func TestCheckRejectsUnusableJobs(t *testing.T) {
	mb, ma := source.NewMemoryBilling(), source.NewMemoryAccess()
	tests := []struct {
		name string
		job  driftexact.Job
		want error
	}{
		{"no workspace", driftexact.Job{Billing: mb, Access: ma}, driftexact.ErrNoWorkspace},
		{"no billing", driftexact.Job{Workspace: "ws", Access: ma}, driftexact.ErrNoSource},
		{"no access", driftexact.Job{Workspace: "ws", Billing: mb}, driftexact.ErrNoSource},
		{"bad profile", driftexact.Job{Workspace: "ws", Billing: mb, Access: ma,
			Profile: &compare.Profile{Policy: compare.Policy{Paused: "sometimes"}}},
			driftexact.ErrInvalidProfile},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := driftexact.Check(context.Background(), tt.job)
			if !errors.Is(err, tt.want) {
				t.Errorf("got %v, want %v", err, tt.want)
			}
		})
	}
}

func TestCheckInvalidProfileNamesField(t *testing.T) {
	_, err := driftexact.Check(context.Background(), driftexact.Job{
		Workspace: "ws", Billing: newBlocker(), Access: newBlocker(),
		Profile: &compare.Profile{Links: []compare.Link{{By: "email"}}},
	})
	if err == nil || !strings.Contains(err.Error(), "links[0]") {
		t.Errorf("got %v, want an error naming links[0]", err)
	}
}

func TestCheckReadsMissingByID(t *testing.T) {
	rep, err := driftexact.Check(context.Background(), driftexact.Job{
		Workspace: "ws",
		Billing:   listless{source.NewMemoryBilling(proSub("sub_clock", "cus_1"))},
		Access: source.NewMemoryAccess(proGrant("a1", "sub_clock"),
			proGrant("a2", "sub_gone")),
		Profile: proPlans,
		AsOf:    asOf,
	})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Billing.Records != 1 {
		t.Errorf("billing records %d, want 1 (read by id)", rep.Billing.Records)
	}
	// a1 agrees once sub_clock is read by id; a2 names a subscription that
	// does not exist and so has access without payment.
	var got []string
	for _, f := range rep.Findings {
		got = append(got, string(f.Kind)+" "+f.Account)
	}
	if diff := cmp.Diff([]string{"access_without_payment a2"}, got); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
}

// gettingFails lists nothing and fails every read by id.
type gettingFails struct{ listless }

func (gettingFails) Subscription(context.Context, string) (source.Subscription, error) {
	return source.Subscription{}, errors.New("rate limited")
}

func TestCheckReadByIDFailureNamesID(t *testing.T) {
	_, err := driftexact.Check(context.Background(), driftexact.Job{
		Workspace: "ws", Billing: gettingFails{},
		Access: source.NewMemoryAccess(proGrant("a1", "sub_x")), AsOf: asOf,
	})
	var pe *driftexact.PullError
	if !errors.As(err, &pe) || pe.Side != driftexact.SideBilling ||
		!strings.Contains(err.Error(), `"sub_x"`) ||
		!strings.Contains(err.Error(), "rate limited") {
		t.Errorf("got %v, want a billing PullError naming sub_x", err)
	}
}

func TestCheckNamesFailingSide(t *testing.T) {
	billing := newBlocker()
	_, err := checkWithin(t, context.Background(), driftexact.Job{
		Workspace: "ws", Billing: billing, Access: failingAccess{}, AsOf: asOf})
	var pe *driftexact.PullError
	if !errors.As(err, &pe) || pe.Side != driftexact.SideAccess {
		t.Fatalf("got %v, want a *PullError for the access side", err)
	}
	if want := "driftexact: access side: connection refused"; err.Error() != want {
		t.Errorf("message %q, want %q", err.Error(), want)
	}
	if !billing.exitedBy() {
		t.Error("Check returned while the billing pull was still running")
	}
}

func TestCheckCancelStopsBothSides(t *testing.T) {
	for _, plain := range []bool{false, true} {
		t.Run(fmt.Sprintf("plain error %v", plain), func(t *testing.T) {
			b, a := newBlocker(), newBlocker()
			b.plainErr, a.plainErr = plain, plain
			ctx, cancel := context.WithCancel(context.Background())
			time.AfterFunc(20*time.Millisecond, cancel)
			rep, err := checkWithin(t, ctx, driftexact.Job{
				Workspace: "ws", Billing: b, Access: a, AsOf: asOf})
			if rep != nil || !errors.Is(err, context.Canceled) {
				t.Errorf("got report %v, error %v; want no report and context.Canceled",
					rep != nil, err)
			}
			if !b.exitedBy() || !a.exitedBy() {
				t.Error("Check returned while a pull was still running")
			}
		})
	}
}

func TestCheckDeadline(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	_, err := checkWithin(t, ctx, driftexact.Job{
		Workspace: "ws", Billing: newBlocker(), Access: newBlocker(), AsOf: asOf})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("got %v, want context.DeadlineExceeded", err)
	}
}

// paged is a billing source that reports the pages of its last pull.
type paged struct{ *source.MemoryBilling }

func (paged) LastPull() source.Stats { return source.Stats{Records: 3, Pages: 2} }
func (paged) Describe() string       { return "paged-fake" }

// tick returns a clock that moves one second on each call.
func tick() func() time.Time {
	var n atomic.Int64
	return func() time.Time {
		return asOf.Add(time.Duration(n.Add(1)) * time.Second)
	}
}

func TestCheckStampsPulls(t *testing.T) {
	rep, err := driftexact.Check(context.Background(), driftexact.Job{
		Workspace: "ws",
		Billing: paged{source.NewMemoryBilling(proSub("s1", "c1"),
			proSub("s2", "c2"), proSub("s3", "c3"))},
		Access:  source.NewMemoryAccess(proGrant("a1", "s1")),
		Profile: proPlans,
		Options: &driftexact.Options{Clock: tick()},
	})
	if err != nil {
		t.Fatal(err)
	}
	b, a := rep.Billing, rep.Access
	if b.Source != "paged-fake" || b.Records != 3 || b.Pages != 2 {
		t.Errorf("billing pull %+v, want paged-fake with 3 records in 2 pages", b)
	}
	if a.Source != "source.MemoryAccess" || a.Records != 1 {
		t.Errorf("access pull %+v, want source.MemoryAccess with 1 record", a)
	}
	for _, p := range []report.Pull{a, b} {
		if p.Started.IsZero() || !p.Finished.After(p.Started) {
			t.Errorf("%s pull stamps %v .. %v", p.Source, p.Started, p.Finished)
		}
	}
	if !rep.AsOf.After(b.Finished) || !rep.AsOf.After(a.Finished) {
		t.Errorf("as-of %v should follow both pulls (%v, %v)", rep.AsOf,
			b.Finished, a.Finished)
	}
}

// badRows is an access source with one unreadable row among good ones.
type badRows struct{}

func (badRows) Grants(context.Context) iter.Seq2[source.Grant, error] {
	return func(yield func(source.Grant, error) bool) {
		_ = yield(proGrant("a1", "s1"), nil) &&
			yield(source.Grant{}, &source.RecordError{Record: "a2", Field: "seats",
				Err: errors.New(`"many" is not a number`)}) &&
			yield(proGrant("a3", "s3"), nil)
	}
}

func TestCheckKeepsUnreadableRecordsAsIncomplete(t *testing.T) {
	rep, err := driftexact.Check(context.Background(), driftexact.Job{
		Workspace: "ws",
		Billing:   source.NewMemoryBilling(proSub("s1", "c1"), proSub("s3", "c3")),
		Access:    badRows{}, Profile: proPlans, AsOf: asOf,
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []compare.Incomplete{{Side: "access", ID: "a2",
		Reason: `record "a2": field "seats": "many" is not a number`}}
	if diff := cmp.Diff(want, rep.Coverage.Incomplete); diff != "" {
		t.Errorf("incomplete (-want +got):\n%s", diff)
	}
	if rep.Access.Records != 3 || rep.Drift() {
		t.Errorf("access records %d, drift %v; want 3 and none",
			rep.Access.Records, rep.Drift())
	}
}

func TestCheckProgress(t *testing.T) {
	subs := make([]source.Subscription, 250)
	for i := range subs {
		subs[i] = proSub(fmt.Sprintf("s%03d", i), fmt.Sprintf("c%03d", i))
	}
	var (
		mu       sync.Mutex
		got      []driftexact.Progress
		inflight atomic.Int32
		overlap  atomic.Bool
		returned atomic.Bool
	)
	progress := func(p driftexact.Progress) {
		if inflight.Add(1) > 1 {
			overlap.Store(true)
		}
		defer inflight.Add(-1)
		if returned.Load() {
			t.Error("progress called after Check returned")
		}
		time.Sleep(time.Millisecond) // widen the window for overlaps
		mu.Lock()
		got = append(got, p)
		mu.Unlock()
	}
	_, err := driftexact.Check(context.Background(), driftexact.Job{
		Workspace: "ws",
		Billing:   listless{source.NewMemoryBilling(proSub("s_late", "c_late"))},
		Access:    source.NewMemoryAccess(proGrant("a1", "s_late")),
		AsOf:      asOf, Options: &driftexact.Options{Progress: progress},
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = driftexact.Check(context.Background(), driftexact.Job{
		Workspace: "ws", Billing: source.NewMemoryBilling(subs...),
		Access: source.NewMemoryAccess(), AsOf: asOf,
		Options: &driftexact.Options{Progress: progress},
	})
	returned.Store(true)
	if err != nil {
		t.Fatal(err)
	}
	bySide := map[driftexact.Side][]driftexact.Progress{}
	for _, p := range got {
		bySide[p.Side] = append(bySide[p.Side], p)
	}
	want := map[driftexact.Side][]driftexact.Progress{
		// The first check: one subscription, read by id after listing.
		// The second: 250 listed, reported every 100 and when done.
		driftexact.SideBilling: {
			{Side: "billing", Records: 1, Done: true},
			{Side: "billing", Records: 100},
			{Side: "billing", Records: 200},
			{Side: "billing", Records: 250, Done: true},
		},
		driftexact.SideAccess: {
			{Side: "access", Records: 1, Done: true},
			{Side: "access", Records: 0, Done: true},
		},
	}
	if diff := cmp.Diff(want, bySide); diff != "" {
		t.Errorf("progress (-want +got):\n%s", diff)
	}
	if overlap.Load() {
		t.Error("progress calls overlapped")
	}
}

func TestCheckNoDoneAfterFailure(t *testing.T) {
	var got []driftexact.Progress
	_, err := driftexact.Check(context.Background(), driftexact.Job{
		Workspace: "ws", Billing: newBlocker(), Access: failingAccess{}, AsOf: asOf,
		Options: &driftexact.Options{Progress: func(p driftexact.Progress) {
			got = append(got, p)
		}},
	})
	if err == nil || len(got) != 0 {
		t.Errorf("error %v, progress %+v; want an error and no progress", err, got)
	}
}

func TestCheckIsDeterministic(t *testing.T) {
	var subs []source.Subscription
	var grants []source.Grant
	for i := range 40 {
		s := proSub(fmt.Sprintf("s%02d", i), fmt.Sprintf("c%02d", i))
		if i%7 == 0 {
			s.Status = "canceled"
		}
		subs = append(subs, s)
		g := proGrant(fmt.Sprintf("a%02d", i), s.ID)
		g.Active = i%5 != 0
		grants = append(grants, g)
	}
	clock := func() time.Time { return asOf }
	render := func(seed uint64) string {
		r := rand.New(rand.NewPCG(seed, seed))
		r.Shuffle(len(subs), func(i, j int) { subs[i], subs[j] = subs[j], subs[i] })
		r.Shuffle(len(grants), func(i, j int) { grants[i], grants[j] = grants[j], grants[i] })
		rep, err := driftexact.Check(context.Background(), driftexact.Job{
			Workspace: "ws", Billing: source.NewMemoryBilling(subs...),
			Access: source.NewMemoryAccess(grants...), Profile: proPlans,
			Options: &driftexact.Options{Clock: clock},
		})
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := report.WriteJSON(&buf, rep); err != nil {
			t.Fatal(err)
		}
		return buf.String()
	}
	first := render(1)
	if !strings.Contains(first, "access_without_payment") {
		t.Fatal("the data set should hold drift")
	}
	for seed := uint64(2); seed < 6; seed++ {
		if diff := cmp.Diff(first, render(seed)); diff != "" {
			t.Fatalf("shuffle %d changed the report (-first +got):\n%s", seed, diff)
		}
	}
}

func TestCheckConcurrentJobs(t *testing.T) {
	job := driftexact.Job{
		Workspace: "ws",
		Billing:   listless{source.NewMemoryBilling(proSub("s1", "c1"))},
		Access:    source.NewMemoryAccess(proGrant("a1", "s1"), proGrant("a2", "")),
		Profile:   proPlans, AsOf: asOf,
		Options: &driftexact.Options{Clock: func() time.Time { return asOf }},
	}
	var wg sync.WaitGroup
	reps := make([]*report.Report, 8)
	for i := range reps {
		wg.Go(func() {
			rep, err := driftexact.Check(context.Background(), job)
			if err != nil {
				t.Error(err)
			}
			reps[i] = rep
		})
	}
	wg.Wait()
	for i, rep := range reps[1:] {
		if diff := cmp.Diff(reps[0], rep); diff != "" {
			t.Errorf("run %d differs (-first +got):\n%s", i+1, diff)
		}
	}
}

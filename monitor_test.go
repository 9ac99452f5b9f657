package driftexact_test

import (
	"context"
	"database/sql"
	"errors"
	"iter"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	_ "modernc.org/sqlite"

	"github.com/driftexact/driftexact"
	"github.com/driftexact/driftexact/compare"
	"github.com/driftexact/driftexact/history"
	"github.com/driftexact/driftexact/report"
	"github.com/driftexact/driftexact/source"
)

// fakeClock is a clock that moves only when the monitor sleeps or a run
// takes time, so the tests never wait in real time.
type fakeClock struct {
	mu    sync.Mutex
	now   time.Time
	slept []time.Duration
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	c.slept = append(c.slept, d)
	return nil
}

// scriptedAccess serves, on its n-th read, grants for accounts a, b and c
// with access off for those script[n] names, or fails when it names
// "FAIL". Each read takes cost[n] of fake time; it tracks how many reads
// ever ran at once.
type scriptedAccess struct {
	clock        *fakeClock
	script       [][]string
	cost         map[int]time.Duration
	n            atomic.Int32
	active, peak atomic.Int32
}

func (s *scriptedAccess) Grants(ctx context.Context) iter.Seq2[source.Grant, error] {
	return func(yield func(source.Grant, error) bool) {
		n := int(s.n.Add(1)) - 1
		if a := s.active.Add(1); a > s.peak.Load() {
			s.peak.Store(a)
		}
		defer s.active.Add(-1)
		s.clock.advance(s.cost[n])
		off := s.script[min(n, len(s.script)-1)]
		if slices.Contains(off, "FAIL") {
			yield(source.Grant{}, errors.New("connection refused"))
			return
		}
		for _, acct := range []string{"a", "b", "c"} {
			g := source.Grant{AccountID: acct, SubscriptionID: "sub_" + acct,
				Plan: "pro", Active: !slices.Contains(off, acct)}
			if !yield(g, nil) {
				return
			}
		}
	}
}

func activeSubs() *source.MemoryBilling {
	var subs []source.Subscription
	for _, acct := range []string{"a", "b", "c"} {
		subs = append(subs, source.Subscription{ID: "sub_" + acct,
			CustomerID: "cus_" + acct, Status: "active",
			Items: []source.Item{{PriceID: "price_pro", Quantity: 1}}})
	}
	return source.NewMemoryBilling(subs...)
}

var proProfile = &compare.Profile{PriceIDs: map[string]string{"price_pro": "pro"}}

func openHistory(t *testing.T) *history.SQLStore {
	db, err := sql.Open("sqlite", "file:"+filepath.Join(t.TempDir(), "h.db")+
		"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	st, err := history.OpenSQL(context.Background(), db, nil)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func accounts(es []history.Entry) []string {
	var out []string
	for _, e := range es {
		out = append(out, e.Account)
	}
	return out
}

// TestMonitor runs six checks over changing access data, two of which
// fail, and checks what each run reported, how long the monitor waited
// after it, and what was stored.
func TestMonitor(t *testing.T) {
	const interval, jitter, backoff = time.Hour, 5 * time.Minute, 10 * time.Minute
	clock := &fakeClock{now: time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)}
	access := &scriptedAccess{clock: clock,
		script: [][]string{{"b"}, {"c"}, {"FAIL"}, {"FAIL"}, {"c"}, {}},
		// The fifth run takes longer than the interval: the next
		// starts right after it, never alongside.
		cost: map[int]time.Duration{0: time.Minute, 4: 2 * interval}}
	store := openHistory(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var got []driftexact.MonitorRun
	err := driftexact.Monitor(ctx, driftexact.Job{
		Workspace: "acme", Billing: activeSubs(), Access: access,
		Profile: proProfile,
	}, store, &driftexact.MonitorOptions{
		Interval: interval, Jitter: jitter, Backoff: backoff,
		Clock: clock.Now, Sleep: clock.Sleep, Rand: rand.New(rand.NewPCG(1, 2)),
		OnRun: func(r driftexact.MonitorRun) {
			got = append(got, r)
			if len(got) == 6 {
				cancel()
			}
		},
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Monitor returned %v, want context.Canceled", err)
	}
	if p := access.peak.Load(); p != 1 {
		t.Errorf("%d runs overlapped, want none", p)
	}
	// The same seed draws the same jitter.
	r := rand.New(rand.NewPCG(1, 2))
	j := func() time.Duration { return time.Duration(r.Int64N(int64(jitter))) }
	type outcome struct {
		Run           int64
		New, Resolved []string
		Failed        bool
		Failures      int
		Next          time.Duration
	}
	want := []outcome{
		{1, []string{"b"}, nil, false, 0, interval - time.Minute + j()},
		{2, []string{"c"}, []string{"b"}, false, 0, interval + j()},
		{3, nil, nil, true, 1, backoff + j()},
		{4, nil, nil, true, 2, 2*backoff + j()},
		{5, nil, nil, false, 0, j()},
		{6, nil, []string{"c"}, false, 0, interval + j()},
	}
	var outcomes []outcome
	for _, r := range got {
		outcomes = append(outcomes, outcome{r.Run, accounts(r.New),
			accounts(r.Resolved), r.Err != nil, r.Failures, r.Next})
		failed := r.Err != nil
		if r.Report != nil && (r.Report.History == nil || r.Report.History.Run != r.Run) {
			t.Errorf("run %d: report carries no history section of its run", r.Run)
		}
		if failed == (r.Report == nil) && failed == (r.Lifecycle == nil) {
			continue
		}
		t.Errorf("run %d: err %v with report %v, lifecycle %v", r.Run, r.Err,
			r.Report != nil, r.Lifecycle != nil)
	}
	if diff := cmp.Diff(want, outcomes); diff != "" {
		t.Errorf("runs (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(clock.slept, nexts(got)[:5]); diff != "" {
		t.Errorf("sleeps (-want +got):\n%s", diff)
	}
	runs, err := store.Runs(context.Background(), "acme", 0)
	if err != nil {
		t.Fatal(err)
	}
	var statuses []string
	for _, r := range runs {
		statuses = append(statuses, string(r.Status))
		if r.Status == history.RunFailed && !strings.Contains(r.Error, "access side") {
			t.Errorf("failed run %d stored error %q, want the check's error", r.ID, r.Error)
		}
	}
	if diff := cmp.Diff([]string{"ok", "ok", "failed", "failed", "ok", "ok"},
		statuses); diff != "" {
		t.Errorf("stored runs, newest first (-want +got):\n%s", diff)
	}
}

func nexts(rs []driftexact.MonitorRun) []time.Duration {
	var out []time.Duration
	for _, r := range rs {
		out = append(out, r.Next)
	}
	return out
}

// blockingAccess blocks until its context ends.
type blockingAccess struct{ started chan struct{} }

func (b blockingAccess) Grants(ctx context.Context) iter.Seq2[source.Grant, error] {
	return func(yield func(source.Grant, error) bool) {
		close(b.started)
		<-ctx.Done()
		yield(source.Grant{}, ctx.Err())
	}
}

// TestMonitorCancelledMidRun cancels while a run is reading: Monitor
// returns, records nothing and reports nothing.
func TestMonitorCancelledMidRun(t *testing.T) {
	store := openHistory(t)
	access := blockingAccess{started: make(chan struct{})}
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-access.started
		cancel()
	}()
	called := false
	err := driftexact.Monitor(ctx, driftexact.Job{
		Workspace: "acme", Billing: activeSubs(), Access: access,
		Profile: proProfile,
	}, store, &driftexact.MonitorOptions{OnRun: func(driftexact.MonitorRun) { called = true }})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Monitor returned %v, want context.Canceled", err)
	}
	runs, err := store.Runs(context.Background(), "acme", 0)
	if err != nil || len(runs) != 0 || called {
		t.Errorf("after cancelling: runs %+v (%v), OnRun called %v; want none",
			runs, err, called)
	}
}

// flakyStore fails the saves its script marks, passing the rest to a
// real store.
type flakyStore struct {
	*history.SQLStore
	n                 int
	failSave, failRec map[int]bool
}

func (f *flakyStore) Save(ctx context.Context, ws string,
	rep *report.Report) (*history.Lifecycle, error) {
	f.n++
	if f.failSave[f.n] {
		return nil, errors.New("database is locked")
	}
	return f.SQLStore.Save(ctx, ws, rep)
}

func (f *flakyStore) SaveFailure(ctx context.Context, ws string,
	fl history.Failure) (history.RunInfo, error) {
	if f.failRec[f.n] {
		return history.RunInfo{}, errors.New("database is gone")
	}
	return f.SQLStore.SaveFailure(ctx, ws, fl)
}

// TestMonitorStoreFails shows a failing store counts as a failed run and
// the loop goes on.
func TestMonitorStoreFails(t *testing.T) {
	clock := &fakeClock{now: time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)}
	store := &flakyStore{SQLStore: openHistory(t),
		failSave: map[int]bool{1: true, 2: true}, failRec: map[int]bool{2: true}}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var errs []string
	var ids []int64
	err := driftexact.Monitor(ctx, driftexact.Job{
		Workspace: "acme", Billing: activeSubs(),
		Access:  &scriptedAccess{clock: clock, script: [][]string{{}}},
		Profile: proProfile,
	}, store, &driftexact.MonitorOptions{
		Clock: clock.Now, Sleep: clock.Sleep,
		OnRun: func(r driftexact.MonitorRun) {
			errs = append(errs, errString(r.Err))
			ids = append(ids, r.Run)
			if len(errs) == 3 {
				cancel()
			}
		},
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Monitor returned %v, want context.Canceled", err)
	}
	wantErrs := []string{"database is locked",
		"database is locked\ndriftexact: record failed run: database is gone", ""}
	if diff := cmp.Diff(wantErrs, errs); diff != "" {
		t.Errorf("errors (-want +got):\n%s", diff)
	}
	// The second failure could not be stored, so it has no id.
	if diff := cmp.Diff([]int64{1, 0, 2}, ids); diff != "" {
		t.Errorf("run ids (-want +got):\n%s", diff)
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func TestMonitorRejects(t *testing.T) {
	store := openHistory(t)
	job := driftexact.Job{Workspace: "acme", Billing: activeSubs(),
		Access: source.NewMemoryAccess()}
	for name, call := range map[string]func() error{
		"no workspace": func() error {
			return driftexact.Monitor(context.Background(), driftexact.Job{}, store, nil)
		},
		"no store": func() error {
			return driftexact.Monitor(context.Background(), job, nil, nil)
		},
		"negative interval": func() error {
			return driftexact.Monitor(context.Background(), job, store,
				&driftexact.MonitorOptions{Interval: -time.Second})
		},
	} {
		if err := call(); err == nil || errors.Is(err, context.Canceled) {
			t.Errorf("%s: err = %v, want a usage error", name, err)
		}
	}
}

// Package sourcetest is a conformance suite for implementations of
// [source.Billing] and [source.Access], ours and users' alike.
//
// An adapter's test calls [TestBilling] or [TestAccess] once with a harness
// that can fill the adapter's backing store with given records. The suite
// then checks that
//
//   - every record comes back, once, unchanged (in any order);
//   - an empty store gives an empty, error-free sequence;
//   - a fatal error from the store reaches the consumer and ends the
//     sequence;
//   - a record that cannot be read is reported as a [*source.RecordError]
//     naming it, and the sequence goes on to the records after it;
//   - cancelling the context stops the stream, ending it with the
//     context's error, before every record has been yielded;
//   - breaking out of a range statement early releases what the pull held:
//     no goroutine is left behind and a second pull works;
//   - a source that reads by id ([source.SubscriptionGetter]) returns the
//     stored record and [source.ErrNotFound] for an unknown id.
package sourcetest

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"iter"
	"runtime"
	"slices"
	"testing"
	"time"

	gocmp "github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/driftexact/driftexact/source"
)

// Billing is the harness for [TestBilling].
type Billing struct {
	// Open returns a source whose store holds exactly subs. Required.
	Open func(t *testing.T, subs []source.Subscription) source.Billing
	// OpenFailing returns a source that yields some of subs and then
	// fails with a fatal error. Nil skips the error check.
	OpenFailing func(t *testing.T, subs []source.Subscription) source.Billing
	// OpenBad returns a source whose store holds subs and, among them, one
	// more record, with id bad, that cannot be read. Nil skips the check.
	OpenBad func(t *testing.T, subs []source.Subscription, bad string) source.Billing
	// Options are passed to cmp.Diff when records read are compared with
	// records stored, for adapters that cannot carry every field.
	Options []gocmp.Option
}

// Access is the harness for [TestAccess].
type Access struct {
	// Open returns a source whose store holds exactly grants. Required.
	Open func(t *testing.T, grants []source.Grant) source.Access
	// OpenFailing returns a source that yields some of grants and then
	// fails with a fatal error. Nil skips the error check.
	OpenFailing func(t *testing.T, grants []source.Grant) source.Access
	// OpenBad returns a source whose store holds grants and, among them, one
	// more record, with id bad, that cannot be read. Nil skips the check.
	OpenBad func(t *testing.T, grants []source.Grant, bad string) source.Access
	// Options are passed to cmp.Diff, as for [Billing].
	Options []gocmp.Option
}

// Records is how many records the suite stores for its larger checks; an
// adapter that pages should page at least twice over this many.
const Records = 1000

// TestBilling runs the conformance suite against a billing adapter.
func TestBilling(t *testing.T, h Billing) {
	t.Helper()
	seq := func(s source.Billing) seqFunc[source.Subscription] { return s.Subscriptions }
	open := func(t *testing.T, recs []source.Subscription) seqFunc[source.Subscription] {
		return seq(h.Open(t, recs))
	}
	var failing func(*testing.T, []source.Subscription) seqFunc[source.Subscription]
	if h.OpenFailing != nil {
		failing = func(t *testing.T, recs []source.Subscription) seqFunc[source.Subscription] {
			return seq(h.OpenFailing(t, recs))
		}
	}
	var bad func(*testing.T, []source.Subscription, string) seqFunc[source.Subscription]
	if h.OpenBad != nil {
		bad = func(t *testing.T, recs []source.Subscription, id string) seqFunc[source.Subscription] {
			return seq(h.OpenBad(t, recs, id))
		}
	}
	s := suite[source.Subscription]{
		open: open, failing: failing, bad: bad, opts: h.Options, gen: Subscriptions,
		key: func(s source.Subscription) string { return s.ID },
	}
	s.run(t)
	t.Run("ReadByID", func(t *testing.T) { testGetter(t, h) })
}

// TestAccess runs the conformance suite against an access adapter.
func TestAccess(t *testing.T, h Access) {
	t.Helper()
	seq := func(s source.Access) seqFunc[source.Grant] { return s.Grants }
	var failing func(*testing.T, []source.Grant) seqFunc[source.Grant]
	if h.OpenFailing != nil {
		failing = func(t *testing.T, recs []source.Grant) seqFunc[source.Grant] {
			return seq(h.OpenFailing(t, recs))
		}
	}
	var bad func(*testing.T, []source.Grant, string) seqFunc[source.Grant]
	if h.OpenBad != nil {
		bad = func(t *testing.T, recs []source.Grant, id string) seqFunc[source.Grant] {
			return seq(h.OpenBad(t, recs, id))
		}
	}
	s := suite[source.Grant]{
		open: func(t *testing.T, recs []source.Grant) seqFunc[source.Grant] {
			return seq(h.Open(t, recs))
		},
		failing: failing, bad: bad, opts: h.Options, gen: Grants,
		key: func(g source.Grant) string { return g.AccountID },
	}
	s.run(t)
}

type seqFunc[R any] func(context.Context) iter.Seq2[R, error]

// suite holds the checks shared by both kinds of source.
type suite[R any] struct {
	open    func(*testing.T, []R) seqFunc[R]
	failing func(*testing.T, []R) seqFunc[R]
	bad     func(*testing.T, []R, string) seqFunc[R]
	opts    []gocmp.Option
	gen     func(n int) []R
	key     func(R) string
}

func (s suite[R]) run(t *testing.T) {
	t.Run("Empty", func(t *testing.T) { s.testComplete(t, 0) })
	t.Run("One", func(t *testing.T) { s.testComplete(t, 1) })
	t.Run("Many", func(t *testing.T) { s.testComplete(t, Records) })
	t.Run("FatalError", s.testFatal)
	t.Run("BadRecord", s.testBad)
	t.Run("Cancel", s.testCancel)
	t.Run("EarlyBreak", s.testBreak)
}

func (s suite[R]) sorted(recs []R) []R {
	out := slices.Clone(recs)
	slices.SortFunc(out, func(a, b R) int { return cmp.Compare(s.key(a), s.key(b)) })
	return out
}

func (s suite[R]) testComplete(t *testing.T, n int) {
	want := s.gen(n)
	pull := s.open(t, want)
	var got []R
	for r, err := range pull(context.Background()) {
		if err != nil {
			t.Fatalf("after %d records: %v", len(got), err)
		}
		got = append(got, r)
	}
	opts := append([]gocmp.Option{cmpopts.EquateEmpty()}, s.opts...)
	if diff := gocmp.Diff(s.sorted(want), s.sorted(got), opts...); diff != "" {
		t.Errorf("records read differ from records stored (-want +got):\n%s", diff)
	}
}

func (s suite[R]) testFatal(t *testing.T) {
	if s.failing == nil {
		t.Skip("the harness cannot make the store fail")
	}
	pull := s.failing(t, s.gen(Records))
	var fatal error
	after := 0
	for _, err := range pull(context.Background()) {
		if fatal != nil {
			after++
			continue
		}
		var re *source.RecordError
		if err != nil && !errors.As(err, &re) {
			fatal = err
		}
	}
	if fatal == nil {
		t.Fatal("the failing store's error never reached the consumer")
	}
	if after > 0 {
		t.Errorf("%d values followed the fatal error %v", after, fatal)
	}
}

// badID sorts in the middle of the generated records of both kinds.
const badID = "bad_conformance_record"

func (s suite[R]) testBad(t *testing.T) {
	if s.bad == nil {
		t.Skip("the harness cannot store an unreadable record")
	}
	want := s.gen(Records)
	pull := s.bad(t, want, badID)
	var got []R
	var recErrs []*source.RecordError
	for r, err := range pull(context.Background()) {
		var re *source.RecordError
		switch {
		case errors.As(err, &re):
			recErrs = append(recErrs, re)
		case err != nil:
			t.Fatalf("fatal error after %d records: %v", len(got), err)
		default:
			got = append(got, r)
		}
	}
	if len(recErrs) != 1 {
		t.Fatalf("got %d record errors, want 1: %v", len(recErrs), recErrs)
	}
	if recErrs[0].Record != badID {
		t.Errorf("record error names %q, want %q: %v", recErrs[0].Record, badID, recErrs[0])
	}
	if len(got) != len(want) {
		t.Errorf("read %d good records around the bad one, want %d", len(got), len(want))
	}
}

func (s suite[R]) testCancel(t *testing.T) {
	pull := s.open(t, s.gen(Records))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	n := 0
	var last error
	done := make(chan struct{})
	go func() {
		defer close(done)
		for _, err := range pull(ctx) {
			if err != nil {
				last = err
				continue
			}
			n++
			if n == 1 {
				cancel()
			}
		}
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the sequence did not end within 10s of cancellation")
	}
	if n >= Records {
		t.Errorf("all %d records were yielded after cancellation", n)
	}
	if !errors.Is(last, context.Canceled) {
		t.Errorf("last error = %v, want one wrapping context.Canceled", last)
	}
}

func (s suite[R]) testBreak(t *testing.T) {
	recs := s.gen(Records)
	pull := s.open(t, recs)
	before := runtime.NumGoroutine()
	for i := range 3 {
		for _, err := range pull(context.Background()) {
			if err != nil {
				t.Fatalf("pull %d: %v", i, err)
			}
			break
		}
	}
	if err := settle(before); err != nil {
		t.Error(err)
	}
	// A full pull after the early breaks must still work: a pull that
	// kept its connection or lock would block or fail here.
	done := make(chan int)
	go func() {
		n := 0
		for _, err := range pull(context.Background()) {
			if err == nil {
				n++
			}
		}
		done <- n
	}()
	select {
	case n := <-done:
		if n != len(recs) {
			t.Errorf("full pull after early breaks read %d records, want %d", n, len(recs))
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a full pull after early breaks did not finish in 10s")
	}
}

// settle waits for the goroutine count to fall back to at most before.
func settle(before int) error {
	deadline := time.Now().Add(3 * time.Second)
	for {
		now := runtime.NumGoroutine()
		if now <= before {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%d goroutines remain after early breaks, %d before", now, before)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func testGetter(t *testing.T, h Billing) {
	recs := Subscriptions(5)
	src := h.Open(t, recs)
	g, ok := src.(source.SubscriptionGetter)
	if !ok {
		t.Skip("the source does not read by id")
	}
	got, err := g.Subscription(context.Background(), recs[3].ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := gocmp.Diff(recs[3], got, h.Options...); diff != "" {
		t.Errorf("read by id (-want +got):\n%s", diff)
	}
	_, err = g.Subscription(context.Background(), "sub_conformance_missing")
	if !errors.Is(err, source.ErrNotFound) {
		t.Errorf("unknown id: got %v, want ErrNotFound", err)
	}
}

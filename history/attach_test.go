package history_test

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"slices"
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

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// day is the as-of time of a run on day d of June 2024.
func day(d int) time.Time { return time.Date(2024, 6, d, 6, 0, 0, 0, time.UTC) }

// world is what the two sides hold on one day. Every account pays for
// pro; the lists say what is wrong with whom.
type world struct {
	day      int
	accounts []string
	off      []string // access off although paid
	basic    []string // granted basic, billed pro
	canceled []string // subscription canceled, access still on
	partial  []string // subscription read only in part
}

func (w world) job() driftexact.Job {
	var subs []source.Subscription
	var grants []source.Grant
	for _, a := range w.accounts {
		s := source.Subscription{ID: "sub_" + a, CustomerID: "cus_" + a,
			Status: "active", Items: []source.Item{{PriceID: "price_pro", Quantity: 1}},
			CurrentPeriodEnd: day(30)}
		if slices.Contains(w.canceled, a) {
			s.Status, s.EndedAt = "canceled", day(1).Add(-time.Hour)
		}
		if slices.Contains(w.partial, a) {
			s.Incomplete = "item list cut short"
		}
		g := source.Grant{AccountID: a, SubscriptionID: s.ID, Plan: "pro",
			Active: !slices.Contains(w.off, a), Expires: day(30)}
		if slices.Contains(w.basic, a) {
			g.Plan = "basic"
		}
		subs, grants = append(subs, s), append(grants, g)
	}
	asOf := day(w.day)
	return driftexact.Job{
		Workspace: "acme",
		Billing:   source.NewMemoryBilling(subs...),
		Access:    source.NewMemoryAccess(grants...),
		Profile: &compare.Profile{
			PriceIDs: map[string]string{"price_pro": "pro", "price_basic": "basic"},
			Plans: map[string]compare.Plan{
				"pro": {Family: "base"}, "basic": {Family: "base"}},
			ExpiryTolerance: compare.Duration(48 * time.Hour),
		},
		AsOf:    asOf,
		Options: &driftexact.Options{Clock: func() time.Time { return asOf }},
	}
}

// life is the part of a history entry the test states, by account.
type life struct {
	Status           report.LifecycleStatus
	Kind             compare.Kind
	Streak, RunsSeen int
	Reopened, Days   int
	Recurring, Acked bool
}

func lives(h *report.History) map[string]life {
	out := map[string]life{}
	for _, e := range h.Entries {
		out[e.Account] = life{e.Status, e.Kind, e.Streak, e.RunsSeen, e.Reopened,
			e.DaysOpen, e.Recurring, e.Ack != nil}
	}
	return out
}

// TestAttachThroughSQLite saves three checks over changing data in an
// SQLite history, attaches each run's lifecycle to its report, and
// checks the section of every run and the rendering of the last.
//
// acct_a stays locked out and so recurs; acct_b's plan is fixed and then
// wrong again (reopened); acct_c keeps access after cancelling, until a
// run that cannot read its subscription whole (unchecked); acct_e is let
// in by the third run (resolved); acct_d is locked out in the third
// (new). acct_a is acknowledged for run 2 only, acct_b from run 3 on.
func TestAttachThroughSQLite(t *testing.T) {
	ctx := context.Background()
	store := openSQLite(t)
	all := []string{"acct_a", "acct_b", "acct_c", "acct_d", "acct_e"}
	runs := []struct {
		world world
		ack   func(fp map[string]string) []history.Ack
		want  map[string]life
	}{{
		world: world{day: 1, accounts: all, off: []string{"acct_a", "acct_e"},
			basic: []string{"acct_b"}, canceled: []string{"acct_c"}},
		ack: func(fp map[string]string) []history.Ack {
			return []history.Ack{{Fingerprint: fp["acct_a"], Author: "ops@acme.test",
				Reason: "card migration", Expires: day(5)}}
		},
		want: map[string]life{
			"acct_a": {report.StatusNew, compare.PaidWithoutAccess, 1, 1, 0, 0, false, false},
			"acct_b": {report.StatusNew, compare.PlanMismatch, 1, 1, 0, 0, false, false},
			"acct_c": {report.StatusNew, compare.AccessWithoutPayment, 1, 1, 0, 0, false, false},
			"acct_e": {report.StatusNew, compare.PaidWithoutAccess, 1, 1, 0, 0, false, false},
		},
	}, {
		world: world{day: 3, accounts: all, off: []string{"acct_a", "acct_e"},
			canceled: []string{"acct_c"}},
		ack: func(fp map[string]string) []history.Ack {
			return []history.Ack{{Fingerprint: fp["acct_b"], Author: "billing@acme.test",
				Reason: "plan change pending", Expires: day(20)}}
		},
		want: map[string]life{
			"acct_a": {report.StatusPersisting, compare.PaidWithoutAccess, 2, 2, 0, 2, false, true},
			"acct_b": {report.StatusResolved, compare.PlanMismatch, 1, 1, 0, 2, false, false},
			"acct_c": {report.StatusPersisting, compare.AccessWithoutPayment, 2, 2, 0, 2, false, false},
			"acct_e": {report.StatusPersisting, compare.PaidWithoutAccess, 2, 2, 0, 2, false, false},
		},
	}, {
		world: world{day: 8, accounts: all, off: []string{"acct_a", "acct_d"},
			basic: []string{"acct_b"}, canceled: []string{"acct_c"},
			partial: []string{"acct_c"}},
		want: map[string]life{
			"acct_a": {report.StatusPersisting, compare.PaidWithoutAccess, 3, 3, 0, 7, true, false},
			"acct_b": {report.StatusReopened, compare.PlanMismatch, 1, 2, 1, 0, true, true},
			"acct_c": {report.StatusUnchecked, compare.AccessWithoutPayment, 2, 2, 0, 7, false, false},
			"acct_d": {report.StatusNew, compare.PaidWithoutAccess, 1, 1, 0, 0, false, false},
			"acct_e": {report.StatusResolved, compare.PaidWithoutAccess, 2, 2, 0, 7, false, false},
		},
	}}
	fps := map[string]string{}
	var last *report.Report
	for i, run := range runs {
		r, err := driftexact.Check(ctx, run.world.job())
		if err != nil {
			t.Fatal(err)
		}
		lc, err := store.Save(ctx, "acme", r)
		if err != nil {
			t.Fatal(err)
		}
		stored := r.Integrity.Digest
		if err := history.Attach(r, lc); err != nil {
			t.Fatalf("run %d: %v", i+1, err)
		}
		h := r.History
		if h.Run != int64(i+1) || h.Previous != int64(i) || h.RecurAfter != 2 {
			t.Errorf("run %d: section of run %d against %d, recur after %d",
				i+1, h.Run, h.Previous, h.RecurAfter)
		}
		if diff := cmp.Diff(run.want, lives(h)); diff != "" {
			t.Errorf("run %d: lifecycle by account (-want +got):\n%s", i+1, diff)
		}
		checkAttached(t, store, r, stored)
		for _, e := range h.Entries {
			fps[e.Account] = e.Fingerprint
		}
		if run.ack != nil {
			for _, a := range run.ack(fps) {
				if err := store.Acknowledge(ctx, "acme", a); err != nil {
					t.Fatal(err)
				}
			}
		}
		last = r
	}
	if err := last.Sign([]byte("history test signing key, 32 b!!"), "k1"); err != nil {
		t.Fatal(err)
	}
	for _, f := range report.Formats {
		golden(t, "attach"+f.Ext(), last, f)
		// Acknowledgements are marked in reports, but who made them and
		// why stay in the store.
		var buf bytes.Buffer
		if err := report.Write(&buf, last, f); err != nil {
			t.Fatal(err)
		}
		for _, secret := range []string{"ops@acme.test", "card migration",
			"billing@acme.test", "plan change pending"} {
			if bytes.Contains(buf.Bytes(), []byte(secret)) {
				t.Errorf("%s report holds the acknowledgement's %q", f, secret)
			}
		}
		if !bytes.Contains(buf.Bytes(), []byte("acknowledged")) &&
			!bytes.Contains(buf.Bytes(), []byte(`"ack"`)) {
			t.Errorf("%s report does not mark the acknowledged finding", f)
		}
	}
}

// checkAttached checks a report after Attach: it is still valid and
// sealed, its findings are as saved, and without the section it is the
// report the store holds, digest for digest.
func checkAttached(t *testing.T, store *history.SQLStore, r *report.Report,
	stored string) {
	t.Helper()
	var buf bytes.Buffer
	if err := report.WriteJSON(&buf, r); err != nil {
		t.Fatal(err)
	}
	if err := report.ValidateJSON(buf.Bytes()); err != nil {
		t.Error(err)
	}
	if _, err := report.Verify(buf.Bytes(), nil); err != nil {
		t.Error(err)
	}
	run, err := store.Run(context.Background(), r.Workspace, r.History.Run)
	if err != nil {
		t.Fatal(err)
	}
	plain := *r
	if err := plain.SetHistory(nil); err != nil {
		t.Fatal(err)
	}
	if plain.Integrity.Digest != stored || run.Integrity.Digest != stored {
		t.Errorf("run %d: digest without history %s, stored %s, before attaching %s",
			r.History.Run, plain.Integrity.Digest, run.Integrity.Digest, stored)
	}
	if r.Integrity.Digest == stored {
		t.Errorf("run %d: attaching did not change the digest", r.History.Run)
	}
}

func TestAttachRefuses(t *testing.T) {
	ctx := context.Background()
	store := openSQLite(t)
	w := world{day: 1, accounts: []string{"acct_a", "acct_b"}, off: []string{"acct_a"}}
	r, err := driftexact.Check(ctx, w.job())
	if err != nil {
		t.Fatal(err)
	}
	lc, err := store.Save(ctx, "acme", r)
	if err != nil {
		t.Fatal(err)
	}
	other := *lc
	other.Workspace = "globex"
	if err := history.Attach(r, &other); !errors.Is(err, history.ErrWorkspaceMismatch) {
		t.Errorf("lifecycle of another workspace: got %v", err)
	}
	later := *lc
	later.AsOf = lc.AsOf.Add(time.Hour)
	if err := history.Attach(r, &later); err == nil {
		t.Error("lifecycle of another run attached")
	}
	if err := history.Attach(r, nil); err == nil {
		t.Error("nil lifecycle attached")
	}
	w.off = []string{"acct_b"}
	r2, err := driftexact.Check(ctx, w.job())
	if err != nil {
		t.Fatal(err)
	}
	if err := history.Attach(r2, lc); err == nil {
		t.Error("lifecycle of other findings attached")
	}
	if err := r.Sign([]byte("history test signing key, 32 b!!"), ""); err != nil {
		t.Fatal(err)
	}
	signed := r.Integrity
	if err := history.Attach(r, lc); !errors.Is(err, report.ErrSigned) {
		t.Errorf("signed report: got %v, want ErrSigned", err)
	}
	if r.History != nil || r.Integrity != signed {
		t.Error("a refused attach changed the report")
	}
}

func openSQLite(t *testing.T) *history.SQLStore {
	t.Helper()
	db, err := sql.Open("sqlite", filepath.Join(t.TempDir(), "history.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	store, err := history.OpenSQL(context.Background(), db,
		&history.Options{RecurAfter: 2})
	if err != nil {
		t.Fatal(err)
	}
	return store
}

// golden compares r rendered in format f with testdata/name; -update
// rewrites the file.
func golden(t *testing.T, name string, r *report.Report, f report.Format) {
	t.Helper()
	var buf bytes.Buffer
	if err := report.Write(&buf, r, f); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), buf.String()); diff != "" {
		t.Errorf("%s differs (-want +got):\n%s", path, diff)
	}
}

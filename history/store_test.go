package history

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/driftexact/driftexact/compare"
	"github.com/driftexact/driftexact/report"
)

var day0 = time.Date(2024, 6, 1, 9, 0, 0, 0, time.UTC)

func at(days int) time.Time { return day0.Add(time.Duration(days) * 24 * time.Hour) }

// finding returns a finding of kind for acct whose fingerprint is fp.
func finding(fp string, kind compare.Kind, acct string) compare.Finding {
	return compare.Finding{
		Kind: kind, Severity: compare.High, Direction: compare.UnderGranted,
		Account: acct, CustomerID: "cus_" + acct,
		Subscriptions: []string{"sub_" + acct}, Plan: "pro",
		Field: "access", Stripe: "active", Internal: "off",
		Rule: "an entitling subscription needs access", LinkedBy: "subscription_id",
		Fingerprint: fp,
	}
}

// runReport builds the report of ws on day d holding fs, with every check
// run except those named in notRun.
func runReport(ws string, d int, fs []compare.Finding, notRun ...string) *report.Report {
	res := &compare.Result{Workspace: ws, AsOf: at(d), Policy: compare.DefaultPolicy(),
		Findings: fs}
	res.Coverage.Subscriptions, res.Coverage.Grants = 10, 9
	for _, name := range []string{"link", "access", "plan", "duplicates", "seats", "expiry"} {
		ch := compare.Check{Name: name, Ran: true}
		for _, n := range notRun {
			if n == name {
				ch = compare.Check{Name: name, Reason: "the access source has no " + name}
			}
		}
		res.Coverage.Checks = append(res.Coverage.Checks, ch)
	}
	start := at(d).Add(-time.Minute)
	return report.New(res, report.Meta{
		Billing: report.Pull{Source: "stripe", Started: start,
			Finished: start.Add(time.Second), Records: 10, Pages: 1},
		Access: report.Pull{Source: "sql", Started: start,
			Finished: start.Add(time.Second), Records: 9},
		Digests: report.Digests{Profile: "p" + fmt.Sprint(d), Billing: "b", Access: "a"},
	})
}

// brief is the part of an entry the sequence test states.
type brief struct {
	FP                         string
	Status                     Status
	Streak, RunsSeen, Reopened int
	DaysOpen                   int
	Recurring                  bool
}

func briefs(lc *Lifecycle) []brief {
	var out []brief
	for _, e := range lc.Entries {
		out = append(out, brief{e.Fingerprint, e.Status, e.Streak, e.RunsSeen,
			e.Reopened, e.DaysOpen, e.Recurring})
	}
	return out
}

// TestLifecycleSequence saves a sequence of runs over changing findings
// and checks every finding's status, streak and marks after each.
func TestLifecycleSequence(t *testing.T) {
	a := finding("fa", compare.PaidWithoutAccess, "acct_a")
	b := finding("fb", compare.AccessWithoutPayment, "acct_b")
	c := finding("fc", compare.PlanMismatch, "acct_c")
	s := finding("fs", compare.SeatMismatch, "acct_s")
	incompleteA := func(r *report.Report) {
		r.Coverage.Incomplete = []compare.Incomplete{
			{Side: "access", ID: "acct_a", Reason: "bad row"}}
	}
	steps := []struct {
		name   string
		day    int
		fs     []compare.Finding
		notRun []string
		edit   func(*report.Report)
		fail   bool
		prev   int64
		want   []brief
	}{{
		name: "first run: all new", day: 0, fs: []compare.Finding{a, b, s},
		want: []brief{{"fa", New, 1, 1, 0, 0, false}, {"fb", New, 1, 1, 0, 0, false},
			{"fs", New, 1, 1, 0, 0, false}},
	}, {
		name: "b fixed", day: 1, fs: []compare.Finding{a, s}, prev: 1,
		want: []brief{{"fa", Persisting, 2, 2, 0, 1, false},
			{"fs", Persisting, 2, 2, 0, 1, false},
			{"fb", Resolved, 1, 1, 0, 1, false}},
	}, {
		name: "b back; seats not checked, so s is unchecked, not resolved",
		day:  3, fs: []compare.Finding{a, b}, notRun: []string{"seats"}, prev: 2,
		want: []brief{{"fa", Persisting, 3, 3, 0, 3, true},
			{"fb", Reopened, 1, 2, 1, 0, true},
			{"fs", Unchecked, 2, 2, 0, 3, false}},
	}, {
		name: "a failed run changes nothing", day: 4, fail: true,
	}, {
		name: "a's record incomplete: a unchecked; s checked and gone: resolved",
		day:  5, fs: []compare.Finding{b, c}, edit: incompleteA, prev: 3,
		want: []brief{{"fb", Persisting, 2, 3, 1, 2, true},
			{"fc", New, 1, 1, 0, 0, false},
			{"fa", Unchecked, 3, 3, 0, 5, true},
			{"fs", Resolved, 2, 2, 0, 5, false}},
	}, {
		name: "a seen again continues its streak; b resolved", day: 6,
		fs: []compare.Finding{c, a, c}, prev: 5,
		want: []brief{{"fc", Persisting, 2, 2, 0, 1, false},
			{"fa", Persisting, 4, 4, 0, 6, true},
			{"fb", Resolved, 2, 3, 1, 3, false}},
	}}
	forEachEngine(t, func(t *testing.T, e engine, db *sql.DB, prefix string) {
		ctx := context.Background()
		st := openStore(t, e, db, prefix, &Options{RecurAfter: 2})
		for i, sp := range steps {
			id := int64(i + 1)
			if sp.fail {
				info, err := st.SaveFailure(ctx, "ws", Failure{At: at(sp.day), Err: "boom"})
				if err != nil || info.ID != id {
					t.Fatalf("%s: SaveFailure = %+v, %v", sp.name, info, err)
				}
				continue
			}
			rep := runReport("ws", sp.day, sp.fs, sp.notRun...)
			if sp.edit != nil {
				sp.edit(rep)
			}
			lc, err := st.Save(ctx, "ws", rep)
			if err != nil {
				t.Fatalf("%s: %v", sp.name, err)
			}
			if lc.Run != id || lc.Previous != sp.prev {
				t.Errorf("%s: run %d previous %d, want %d and %d",
					sp.name, lc.Run, lc.Previous, id, sp.prev)
			}
			if diff := cmp.Diff(sp.want, briefs(lc)); diff != "" {
				t.Errorf("%s: lifecycle (-want +got):\n%s", sp.name, diff)
			}
			back, err := st.Lifecycle(ctx, "ws", id)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(lc, back, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("%s: lifecycle read back (-saved +read):\n%s", sp.name, diff)
			}
		}
	})
}

// TestRunRoundTrip reads back everything a run stores.
func TestRunRoundTrip(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine, db *sql.DB, prefix string) {
		ctx := context.Background()
		st := openStore(t, e, db, prefix, nil)
		f := finding("f1", compare.PlanMismatch, "acct_ü")
		f.Subscriptions = []string{"sub_1", "sub,2"}
		f.Tried = []string{"subscription_id", "metadata:a,b"}
		f.Internal = "line one\nline 'two' \"quoted\" ?"
		g := finding("f2", compare.MissingIdentifier, "")
		g.Direction, g.Subscriptions, g.CustomerID = "", nil, ""
		rep := runReport("ws", 0, []compare.Finding{f, g}, "expiry")
		rep.Coverage.UnknownStatuses = []string{"weird"}
		rep.Coverage.Incomplete = []compare.Incomplete{
			{Side: "billing", ID: "sub_x", Reason: "items cut"}}
		rep.Coverage.OutOfScope = []string{"refunds", "invoices"}
		if err := rep.Sign([]byte("a signing key of 32 bytes, test!"), "k1"); err != nil {
			t.Fatal(err)
		}
		if _, err := st.Save(ctx, "ws", rep); err != nil {
			t.Fatal(err)
		}
		got, err := st.Run(ctx, "ws", 1)
		if err != nil {
			t.Fatal(err)
		}
		want := &Run{
			RunInfo:       RunInfo{Workspace: "ws", ID: 1, Status: RunOK, AsOf: rep.AsOf, Findings: 2},
			SchemaVersion: rep.SchemaVersion, Engine: rep.Engine,
			Billing: rep.Billing, Access: rep.Access, Digests: rep.Digests,
			Integrity: rep.Integrity,
			Coverage:  rep.Coverage, Counts: rep.Counts, Findings: rep.Findings,
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("run read back (-want +got):\n%s", diff)
		}
		if _, err := st.Run(ctx, "ws", 2); !errors.Is(err, ErrNotFound) {
			t.Errorf("Run of a missing id: err = %v, want ErrNotFound", err)
		}
	})
}

// TestWorkspaceIsolation stores runs with identical fingerprints in
// workspaces whose ids differ only by case or a trailing space, and shows
// that no method of one ever sees the other.
func TestWorkspaceIsolation(t *testing.T) {
	wss := []string{"acme", "ACME", "acme "}
	forEachEngine(t, func(t *testing.T, e engine, db *sql.DB, prefix string) {
		ctx := context.Background()
		st := openStore(t, e, db, prefix, nil)
		a := finding("same", compare.PaidWithoutAccess, "acct_1")
		// Run 1: every workspace holds a. Run 2: only the first keeps it.
		for _, ws := range wss {
			lc, err := st.Save(ctx, ws, runReport(ws, 0, []compare.Finding{a}))
			if err != nil {
				t.Fatal(err)
			}
			if lc.Run != 1 || len(lc.Entries) != 1 || lc.Entries[0].Status != New {
				t.Fatalf("%q run 1: %+v, want run 1 with one new entry", ws, lc)
			}
		}
		if err := st.Acknowledge(ctx, wss[1], Ack{Fingerprint: "same",
			Reason: "known", Author: "ops", Expires: at(30)}); err != nil {
			t.Fatal(err)
		}
		for i, ws := range wss {
			var fs []compare.Finding
			if i == 0 {
				fs = []compare.Finding{a}
			}
			lc, err := st.Save(ctx, ws, runReport(ws, 1, fs))
			if err != nil {
				t.Fatal(err)
			}
			wantStatus, wantAck := Resolved, i == 1
			if i == 0 {
				wantStatus = Persisting
			}
			e := lc.Entries[0]
			if lc.Run != 2 || e.Status != wantStatus || (e.Ack != nil) != wantAck {
				t.Errorf("%q run 2: run %d status %s ack %v, want run 2 %s ack %v",
					ws, lc.Run, e.Status, e.Ack != nil, wantStatus, wantAck)
			}
		}
		for _, ws := range wss {
			runs, err := st.Runs(ctx, ws, 0)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range runs {
				if r.Workspace != ws {
					t.Errorf("Runs(%q) returned a run of %q", ws, r.Workspace)
				}
			}
			if len(runs) != 2 {
				t.Errorf("Runs(%q): %d runs, want 2", ws, len(runs))
			}
			acks, err := st.Acks(ctx, ws)
			if err != nil {
				t.Fatal(err)
			}
			if want := map[string]int{"ACME": 1}[ws]; len(acks) != want {
				t.Errorf("Acks(%q): %d, want %d", ws, len(acks), want)
			}
		}
		if err := st.Unacknowledge(ctx, "acme", "same"); !errors.Is(err, ErrNotFound) {
			t.Errorf("Unacknowledge in the wrong workspace: err = %v, want ErrNotFound", err)
		}
		_, err := st.Save(ctx, "acme", runReport("ACME", 2, nil))
		if !errors.Is(err, ErrWorkspaceMismatch) {
			t.Errorf("Save under another workspace: err = %v, want ErrWorkspaceMismatch", err)
		}
		if _, err := st.Run(ctx, "other", 1); !errors.Is(err, ErrNotFound) {
			t.Errorf("Run of an unknown workspace: err = %v, want ErrNotFound", err)
		}
	})
}

func TestAcknowledgement(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine, db *sql.DB, prefix string) {
		ctx := context.Background()
		clock := func() time.Time { return at(0) }
		st := openStore(t, e, db, prefix, &Options{Clock: clock})
		a := finding("fa", compare.PaidWithoutAccess, "acct_a")
		ack := Ack{Fingerprint: "fa", Reason: "migration, fixed on the 10th",
			Author: "ops@example.com", Expires: at(2)}
		for _, bad := range []Ack{
			{Fingerprint: "fa", Author: "x", Expires: at(2)},
			{Fingerprint: "fa", Reason: "x", Expires: at(2)},
			{Fingerprint: "fa", Reason: "x", Author: "x"},
			{Reason: "x", Author: "x", Expires: at(2)},
		} {
			if err := st.Acknowledge(ctx, "ws", bad); err == nil {
				t.Errorf("Acknowledge(%+v) succeeded, want an error", bad)
			}
		}
		if err := st.Acknowledge(ctx, "ws", ack); err != nil {
			t.Fatal(err)
		}
		// Marked on days 0 and 1; on day 2 the acknowledgement has
		// expired, and the finding still appears, unmarked.
		for d, marked := range []bool{true, true, false} {
			lc, err := st.Save(ctx, "ws", runReport("ws", d, []compare.Finding{a}))
			if err != nil {
				t.Fatal(err)
			}
			if len(lc.Entries) != 1 || (lc.Entries[0].Ack != nil) != marked {
				t.Fatalf("day %d: entries %+v, want one, marked %v", d, lc.Entries, marked)
			}
		}
		got, err := st.Acks(ctx, "ws")
		if err != nil {
			t.Fatal(err)
		}
		ack.Created = at(0)
		if diff := cmp.Diff([]Ack{ack}, got); diff != "" {
			t.Errorf("Acks (-want +got):\n%s", diff)
		}
		if err := st.Unacknowledge(ctx, "ws", "fa"); err != nil {
			t.Fatal(err)
		}
		if got, _ := st.Acks(ctx, "ws"); len(got) != 0 {
			t.Errorf("after Unacknowledge: %+v", got)
		}
	})
}

func TestRetention(t *testing.T) {
	cases := []struct {
		name string
		keep Retention
		want []int64 // run ids left after runs on days 0..5
	}{
		{"by count", Retention{Runs: 2}, []int64{6, 5}},
		{"by age", Retention{Age: 48 * time.Hour}, []int64{6, 5, 4}},
		{"both: the larger wins", Retention{Runs: 4, Age: 24 * time.Hour}, []int64{6, 5, 4, 3}},
		{"none", Retention{}, []int64{6, 5, 4, 3, 2, 1}},
	}
	forEachEngine(t, func(t *testing.T, e engine, db *sql.DB, prefix string) {
		ctx := context.Background()
		for i, c := range cases {
			st := openStore(t, e, db, prefix, &Options{Retention: c.keep})
			ws := fmt.Sprintf("ws%d", i)
			a := finding("fa", compare.PaidWithoutAccess, "acct_a")
			for d := range 6 {
				var fs []compare.Finding
				if d == 0 || d == 5 {
					fs = []compare.Finding{a}
				}
				if d == 3 {
					st.SaveFailure(ctx, ws, Failure{At: at(d), Err: "x"})
					continue
				}
				lc, err := st.Save(ctx, ws, runReport(ws, d, fs))
				if err != nil {
					t.Fatal(err)
				}
				// a, resolved on day 1, is forgotten with the runs that
				// held it, and then counts as new.
				if d == 5 {
					want := New
					if c.keep.zero() {
						want = Reopened
					}
					if lc.Entries[0].Status != want {
						t.Errorf("%s: a on day 5 is %s, want %s", c.name, lc.Entries[0].Status, want)
					}
				}
			}
			runs, err := st.Runs(ctx, ws, 0)
			if err != nil {
				t.Fatal(err)
			}
			var ids []int64
			for _, r := range runs {
				ids = append(ids, r.ID)
			}
			if diff := cmp.Diff(c.want, ids); diff != "" {
				t.Errorf("%s: runs kept (-want +got):\n%s", c.name, diff)
			}
			if _, err := st.Run(ctx, ws, 1); c.keep.zero() == errors.Is(err, ErrNotFound) {
				t.Errorf("%s: Run 1 after pruning: err = %v", c.name, err)
			}
		}
	})
}

func TestSaveRejects(t *testing.T) {
	e := engines(t)[0]
	db := e.open(t)
	st := openStore(t, e, db, testPrefix(t, e, db), nil)
	ctx := context.Background()
	noFP := finding("", compare.PlanMismatch, "acct_z")
	long := strings.Repeat("w", 201)
	masked := runReport("ws", 2, nil)
	masked.Masked = true
	if _, err := st.Save(ctx, "ws", runReport("ws", 1, nil)); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		ws   string
		rep  *report.Report
		want string
	}{
		{"no workspace", "", runReport("", 1, nil), "no workspace"},
		{"long workspace", long, runReport(long, 1, nil), "longer than"},
		{"nil report", "ws", nil, "nil report"},
		{"no fingerprint", "ws", runReport("ws", 2, []compare.Finding{noFP}),
			`finding 0 (plan_mismatch, account "acct_z"): no fingerprint`},
		{"older than the last run", "ws", runReport("ws", 0, nil), "older than the last stored run"},
		{"masking changed", "ws", masked, "masking differs"},
	} {
		_, err := st.Save(ctx, c.ws, c.rep)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want one containing %q", c.name, err, c.want)
		}
	}
	if runs, _ := st.Runs(ctx, "ws", 0); len(runs) != 1 {
		t.Errorf("rejected saves stored runs: %+v", runs)
	}
}

// TestFailureRecord stores failures: a long message is cut and marked, a
// failed run has no lifecycle, and Runs honours its limit.
func TestFailureRecord(t *testing.T) {
	e := engines(t)[0]
	db := e.open(t)
	st := openStore(t, e, db, testPrefix(t, e, db), nil)
	ctx := context.Background()
	if _, err := st.Save(ctx, "ws", runReport("ws", 0, nil)); err != nil {
		t.Fatal(err)
	}
	long := strings.Repeat("é", MaxErrorLen) // two bytes a rune
	info, err := st.SaveFailure(ctx, "ws", Failure{At: at(1), Err: long})
	if err != nil {
		t.Fatal(err)
	}
	runs, err := st.Runs(ctx, "ws", 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 1 || runs[0].ID != 2 || runs[0].Status != RunFailed {
		t.Fatalf("Runs(limit 1) = %+v, want the failed run 2 alone", runs)
	}
	msg := runs[0].Error
	if len(msg) > MaxErrorLen || !strings.HasSuffix(msg, " [cut]") ||
		!utf8.ValidString(msg) || msg != info.Error {
		t.Errorf("stored message of %d bytes ending %q, want at most %d, cut and valid",
			len(msg), msg[len(msg)-10:], MaxErrorLen)
	}
	if _, err := st.Lifecycle(ctx, "ws", 2); !errors.Is(err, ErrNotFound) {
		t.Errorf("Lifecycle of a failed run: err = %v, want ErrNotFound", err)
	}
	lc, err := st.Save(ctx, "ws", runReport("ws", 2, nil))
	if err != nil || lc.Previous != 1 {
		t.Errorf("save after a failure: %+v, %v; want previous run 1", lc, err)
	}
}

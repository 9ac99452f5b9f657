package report_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/driftexact/driftexact/compare"
	"github.com/driftexact/driftexact/report"
)

// historyReport is the drift report with the history fixture, unsigned.
func historyReport(t *testing.T) *report.Report {
	t.Helper()
	r := build(t, driftInput(), "stripe", "sql")
	if err := r.SetHistory(historyFor(r)); err != nil {
		t.Fatal(err)
	}
	return r
}

func TestSetHistoryCountsAndOrders(t *testing.T) {
	r := historyReport(t)
	want := report.HistoryCounts{New: 3, Persisting: 5, Reopened: 2, Resolved: 1,
		Unchecked: 1, Recurring: 5, Acknowledged: 1}
	if diff := cmp.Diff(want, r.History.Counts); diff != "" {
		t.Errorf("counts (-want +got):\n%s", diff)
	}
	var got []string
	for _, e := range r.History.Entries {
		got = append(got, e.Fingerprint[:4]+" "+string(e.Status))
	}
	wantOrder := []string{"f58e new", "6c79 persisting", "4f42 persisting",
		"3ae6 reopened", "f7f9 new", "9691 persisting", "f205 persisting",
		"bee5 reopened", "fa45 new", "afa8 persisting",
		"9a1c resolved", "0b7e unchecked"}
	if diff := cmp.Diff(wantOrder, got); diff != "" {
		t.Errorf("entries not in the findings' order, then by status (-want +got):\n%s", diff)
	}

	// The same entries given in any order, with times in another zone,
	// give the same bytes.
	base := render(t, r, report.FormatJSON)
	rnd := rand.New(rand.NewPCG(8, 8))
	zone := time.FixedZone("UTC+5", 5*3600)
	for i := range 10 {
		r2 := build(t, driftInput(), "stripe", "sql")
		h := historyFor(r2)
		rnd.Shuffle(len(h.Entries), func(a, b int) {
			h.Entries[a], h.Entries[b] = h.Entries[b], h.Entries[a]
		})
		for j := range h.Entries {
			h.Entries[j].Since = h.Entries[j].Since.In(zone)
		}
		if err := r2.SetHistory(h); err != nil {
			t.Fatal(err)
		}
		if got := render(t, r2, report.FormatJSON); !bytes.Equal(got, base) {
			t.Fatalf("order %d: JSON differs:\n%s", i, cmp.Diff(string(base), string(got)))
		}
	}
}

func TestSetHistoryCopies(t *testing.T) {
	r := build(t, driftInput(), "stripe", "sql")
	h := historyFor(r)
	if err := r.SetHistory(h); err != nil {
		t.Fatal(err)
	}
	before := render(t, r, report.FormatJSON)
	h.Entries[0].Status = report.StatusResolved
	h.Entries[0].Subscriptions[0] = "sub_changed"
	if !bytes.Equal(before, render(t, r, report.FormatJSON)) {
		t.Error("changing the history given changed the report")
	}
}

// TestSetHistoryRefuses gives SetHistory broken sections and expects an
// error naming the problem, with the report left as it was.
func TestSetHistoryRefuses(t *testing.T) {
	fp0 := func(r *report.Report) string { return r.Findings[0].Fingerprint }
	tests := []struct {
		name, want string
		edit       func(r *report.Report, h *report.History)
	}{
		{"no run", "run 0 is not a run id", func(_ *report.Report, h *report.History) {
			h.Run = 0
		}},
		{"previous after run", "previous run 3 does not come before run 3",
			func(_ *report.Report, h *report.History) { h.Previous = 3 }},
		{"negative recur-after", "negative recur-after",
			func(_ *report.Report, h *report.History) { h.RecurAfter = -1 }},
		{"finding without entry", "finding 0 (fingerprint",
			func(_ *report.Report, h *report.History) { h.Entries = h.Entries[1:] }},
		{"entry twice", "listed twice", func(_ *report.Report, h *report.History) {
			h.Entries = append(h.Entries, h.Entries[0])
		}},
		{"finding marked resolved", "is resolved but a finding has its fingerprint",
			func(_ *report.Report, h *report.History) {
				h.Entries[0].Status = report.StatusResolved
			}},
		{"entry of another report", "is new but no finding has its fingerprint",
			func(_ *report.Report, h *report.History) {
				h.Entries[len(h.Entries)-1].Status = report.StatusNew
			}},
		{"unknown status", `unknown status "flaky"`, func(r *report.Report, h *report.History) {
			h.Entries[0].Status = "flaky"
		}},
		{"no fingerprint", "entry 1 has no fingerprint", func(_ *report.Report, h *report.History) {
			h.Entries[1].Fingerprint = ""
		}},
		{"endless acknowledgement", "acknowledgement without expiry",
			func(r *report.Report, h *report.History) {
				h.Entries[0].Ack = &report.Acknowledgement{}
				if h.Entries[0].Fingerprint != fp0(r) {
					t.Fatal("fixture changed: entry 0 is not finding 0")
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := build(t, driftInput(), "stripe", "sql")
			before := render(t, r, report.FormatJSON)
			h := historyFor(r)
			tt.edit(r, h)
			err := r.SetHistory(h)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want an error with %q", err, tt.want)
			}
			if !bytes.Equal(before, render(t, r, report.FormatJSON)) {
				t.Error("a refused history changed the report")
			}
		})
	}
}

// TestSetHistoryOnSignedReport: a signature does not cover a section
// added later, so SetHistory refuses to leave one in place; the report
// is attached and signed again in that order.
func TestSetHistoryOnSignedReport(t *testing.T) {
	r := signed(t, build(t, driftInput(), "stripe", "sql"))
	before := render(t, r, report.FormatJSON)
	if err := r.SetHistory(historyFor(r)); !errors.Is(err, report.ErrSigned) {
		t.Fatalf("got %v, want ErrSigned", err)
	}
	if !bytes.Equal(before, render(t, r, report.FormatJSON)) {
		t.Fatal("refused SetHistory changed the report")
	}
	if err := r.Seal(); err != nil {
		t.Fatal(err)
	}
	if err := r.SetHistory(historyFor(r)); err != nil {
		t.Fatal(err)
	}
	r = signed(t, r)
	if _, err := report.Verify(render(t, r, report.FormatJSON), signKey); err != nil {
		t.Errorf("signed after attaching: %v", err)
	}
}

// TestHistoryIsSealed changes the history of a signed report in its JSON
// form, keeping the JSON valid, and expects Verify to notice.
func TestHistoryIsSealed(t *testing.T) {
	r := signed(t, historyReport(t))
	data := render(t, r, report.FormatJSON)
	got, err := report.Verify(data, signKey)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(r, got); diff != "" {
		t.Errorf("verified report differs (-want +got):\n%s", diff)
	}
	canon, err := r.Canonical()
	if err != nil || !bytes.Contains(canon, []byte(`"history":{"run":3,`)) {
		t.Errorf("canonical form leaves out the history (err %v)", err)
	}
	for _, edit := range [][2]string{
		{`"status": "reopened"`, `"status": "persisting"`},
		{`"recurring": true`, `"recurring": false`},
		{`"expires": "2024-06-22T00:00:00Z"`, `"expires": "2024-06-29T00:00:00Z"`},
		{`"run": 3`, `"run": 4`},
	} {
		changed := bytes.Replace(data, []byte(edit[0]), []byte(edit[1]), 1)
		if bytes.Equal(changed, data) {
			t.Fatalf("fixture lacks %s", edit[0])
		}
		if _, err := report.Verify(changed, nil); !errors.Is(err, report.ErrTampered) {
			t.Errorf("%s changed to %s: got %v, want ErrTampered", edit[0], edit[1], err)
		}
	}
}

// TestNoHistoryChangesNothing removes the section again and expects the
// report a check gives without history, byte for byte.
func TestNoHistoryChangesNothing(t *testing.T) {
	r := historyReport(t)
	if err := r.SetHistory(nil); err != nil {
		t.Fatal(err)
	}
	plain := build(t, driftInput(), "stripe", "sql")
	for _, f := range report.Formats {
		if got, want := render(t, r, f), render(t, plain, f); !bytes.Equal(got, want) {
			t.Errorf("%s differs once history is removed:\n%s", f,
				cmp.Diff(string(want), string(got)))
		}
	}
}

func TestHistorySchemaRejects(t *testing.T) {
	valid := render(t, historyReport(t), report.FormatJSON)
	if err := report.ValidateJSON(valid); err != nil {
		t.Fatal(err)
	}
	hist := func(m map[string]any) map[string]any { return m["history"].(map[string]any) }
	entry := func(m map[string]any, i int) map[string]any {
		return hist(m)["entries"].([]any)[i].(map[string]any)
	}
	tests := []struct {
		name, path string
		edit       func(m map[string]any)
	}{
		{"run 0", "$.history.run", func(m map[string]any) { hist(m)["run"] = 0 }},
		{"no counts", "$.history", func(m map[string]any) { delete(hist(m), "counts") }},
		{"unknown status", "$.history.entries[1].status", func(m map[string]any) {
			entry(m, 1)["status"] = "flaky"
		}},
		{"short fingerprint", "$.history.entries[0].fingerprint", func(m map[string]any) {
			entry(m, 0)["fingerprint"] = "abc"
		}},
		{"ack without expiry", "$.history.entries[2].ack", func(m map[string]any) {
			delete(entry(m, 2)["ack"].(map[string]any), "expires")
		}},
		{"extra member", "$.history.entries[0]", func(m map[string]any) {
			entry(m, 0)["note"] = "x"
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var m map[string]any
			if err := json.Unmarshal(valid, &m); err != nil {
				t.Fatal(err)
			}
			tt.edit(m)
			b, err := json.Marshal(m)
			if err != nil {
				t.Fatal(err)
			}
			err = report.ValidateJSON(b)
			if err == nil || !strings.Contains(err.Error(), tt.path+":") {
				t.Errorf("got %v, want an error at %s", err, tt.path)
			}
		})
	}
}

// TestMaskHistory masks a report with history: the entries' fingerprints
// still match the findings', the fingerprint of a resolved finding masks
// as it would in the run that held it, and no raw id is left in any
// format.
func TestMaskHistory(t *testing.T) {
	r := historyReport(t)
	if err := r.SetHistory(r.History); err != nil {
		t.Fatal(err)
	}
	m := masked(t, r)
	mk, err := report.NewMasker(r.Workspace, maskKey)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.SetHistory(m.History); err != nil {
		t.Errorf("masked history does not match the masked findings: %v", err)
	}
	for i, e := range r.History.Entries {
		j := slices.IndexFunc(m.History.Entries, func(x report.HistoryEntry) bool {
			return x.Fingerprint == mk.Fingerprint(e.Fingerprint)
		})
		if j < 0 {
			t.Errorf("entry %d: no masked entry with the masked fingerprint", i)
			continue
		}
		got := m.History.Entries[j]
		if got.Account != mk.Account(e.Account) || got.CustomerID != mk.Customer(e.CustomerID) ||
			got.Status != e.Status || got.Streak != e.Streak || got.Recurring != e.Recurring {
			t.Errorf("entry %s masked as %+v", e.Fingerprint, got)
		}
	}
	if diff := cmp.Diff(r.History.Counts, m.History.Counts); diff != "" {
		t.Errorf("counts changed (-before +after):\n%s", diff)
	}
	secrets := rawIDs(driftInput())
	for _, e := range r.History.Entries {
		secrets = append(secrets, e.Fingerprint, e.Account, e.CustomerID)
		secrets = append(secrets, e.Subscriptions...)
	}
	secrets = slices.DeleteFunc(secrets, func(s string) bool { return s == "" })
	for _, f := range report.Formats {
		out := render(t, m, f)
		for _, s := range secrets {
			if bytes.Contains(out, []byte(s)) {
				t.Errorf("%s output of the masked report holds %q", f, s)
			}
		}
	}
	if err := report.ValidateJSON(render(t, m, report.FormatJSON)); err != nil {
		t.Error(err)
	}
}

// TestHistoryValuesAreEscaped puts markup, formulas and control
// characters in what an operator types (an acknowledgement) and in the
// ids of a resolved finding, and checks every format keeps them inert.
func TestHistoryValuesAreEscaped(t *testing.T) {
	r := build(t, hostileInput(), "stripe", "sql")
	h := &report.History{Run: 2, Previous: 1, RecurAfter: 1}
	for _, f := range r.Findings {
		h.Entries = append(h.Entries, report.HistoryEntry{
			Fingerprint: f.Fingerprint, Status: report.StatusPersisting,
			Kind: f.Kind, Severity: f.Severity, Account: f.Account,
			FirstSeen: run2, Since: run2, LastSeen: asOf, RunsSeen: 2, Streak: 2,
			DaysOpen: 7, Recurring: true,
			Ack: &report.Acknowledgement{Expires: jul1},
		})
	}
	h.Entries = append(h.Entries, report.HistoryEntry{
		Fingerprint: strings.Repeat("cd", 16), Status: report.StatusResolved,
		Kind: compare.PlanMismatch, Severity: compare.High, Account: hostileScript,
		Subscriptions: []string{hostilePlan}, FirstSeen: run1, Since: run1,
		LastSeen: run2, RunsSeen: 1, Streak: 1,
	})
	if err := r.SetHistory(h); err != nil {
		t.Fatal(err)
	}
	for _, f := range report.Formats {
		out := render(t, r, f)
		if f != report.FormatJSON && bytes.ContainsAny(out, "\x1b\u202e") {
			t.Errorf("%s output holds a raw escape or bidi override", f)
		}
		if f == report.FormatHTML || f == report.FormatMarkdown {
			raws := []string{hostileImg, hostileScript}
			if f == report.FormatMarkdown {
				raws = append(raws, hostilePlan)
			}
			for _, raw := range raws {
				if bytes.Contains(out, []byte(raw)) {
					t.Errorf("%s output holds %q unescaped", f, raw)
				}
			}
		}
	}
	parseJUnit(t, r)
}

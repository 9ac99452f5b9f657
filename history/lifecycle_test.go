package history

import (
	"bytes"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/driftexact/driftexact/compare"
	"github.com/driftexact/driftexact/report"
)

// TestCheckOfCoversCompare guards the table that tells which coverage
// check raises each kind: every kind must have one, and every check named
// must be one that Compare reports.
func TestCheckOfCoversCompare(t *testing.T) {
	res, err := compare.Compare(compare.Input{Workspace: "ws"}, nil, day0)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range res.Coverage.Checks {
		names = append(names, c.Name)
	}
	for _, k := range compare.Kinds {
		name, ok := checkOf[k]
		if !ok {
			t.Errorf("kind %s has no check in checkOf", k)
		} else if !slices.Contains(names, name) {
			t.Errorf("kind %s: check %q is not among Compare's checks %v", k, name, names)
		}
	}
}

// TestAdvanceIsDeterministic works out the same step from states built
// in different orders and expects the same lifecycle, byte for byte.
func TestAdvanceIsDeterministic(t *testing.T) {
	fs := manyFindings(50, "x")
	var outs []string
	for _, order := range [][]compare.Finding{fs, reversed(fs)} {
		states := map[string]*state{}
		if _, err := advance(states, step{run: 1, rep: runReport("ws", 0, order),
			recurAfter: 3}); err != nil {
			t.Fatal(err)
		}
		lc, err := advance(states, step{run: 2, previous: 1,
			rep: runReport("ws", 1, fs[:10]), recurAfter: 3})
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := lc.WriteText(&buf); err != nil {
			t.Fatal(err)
		}
		outs = append(outs, buf.String())
	}
	if outs[0] != outs[1] {
		t.Errorf("lifecycles differ with the order of earlier findings:\n%s\n---\n%s",
			outs[0], outs[1])
	}
}

func reversed(fs []compare.Finding) []compare.Finding {
	out := slices.Clone(fs)
	slices.Reverse(out)
	return out
}

// TestWriteTextQuotesControlCharacters stores nothing: it writes an
// entry whose account and acknowledgement carry terminal escapes.
func TestWriteTextQuotesControlCharacters(t *testing.T) {
	lc := &Lifecycle{Run: 1, AsOf: day0, Entries: []Entry{{
		Status: New, Kind: compare.PlanMismatch, Account: "acct\x1b[2J",
		Ack: &Ack{Author: "ops\r", Reason: "ok\x07", Expires: at(1)},
	}}}
	var buf bytes.Buffer
	if err := lc.WriteText(&buf); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if strings.ContainsAny(out, "\x1b\r\x07") {
		t.Errorf("output holds control characters: %q", out)
	}
	for _, want := range []string{`"acct\x1b[2J"`, `"ops\r"`, `"ok\a"`} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %s:\n%s", want, out)
		}
	}
}

func TestDaysBetween(t *testing.T) {
	for _, c := range []struct {
		from, to time.Time
		want     int
	}{
		{day0, day0, 0},
		{day0, day0.Add(23 * time.Hour), 0},
		{day0, day0.Add(24 * time.Hour), 1},
		{day0, day0.Add(-time.Hour), 0},
		{day0, at(40), 40},
	} {
		if got := daysBetween(c.from, c.to); got != c.want {
			t.Errorf("daysBetween(%s, %s) = %d, want %d", c.from, c.to, got, c.want)
		}
	}
}

// TestStatusesMatchTheReport keeps this package's statuses and the
// report's in step, since Attach converts one into the other by name.
func TestStatusesMatchTheReport(t *testing.T) {
	var got []string
	for _, s := range statusOrder {
		got = append(got, string(s))
	}
	var want []string
	for _, s := range report.LifecycleStatuses {
		want = append(want, string(s))
	}
	if !slices.Equal(got, want) {
		t.Errorf("history statuses %q, report statuses %q", got, want)
	}
}

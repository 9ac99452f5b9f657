package report

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/driftexact/driftexact/compare"
)

// LifecycleStatus is where a finding stands in one run, against the runs
// of its workspace stored before it.
type LifecycleStatus string

// The lifecycle statuses, as package history works them out.
const (
	// StatusNew: first seen in this run.
	StatusNew LifecycleStatus = "new"
	// StatusPersisting: seen in this run and open since an earlier one.
	StatusPersisting LifecycleStatus = "persisting"
	// StatusReopened: seen in this run after an earlier run resolved it.
	StatusReopened LifecycleStatus = "reopened"
	// StatusResolved: open before, absent now, and this run checked what
	// would have raised it.
	StatusResolved LifecycleStatus = "resolved"
	// StatusUnchecked: open before and absent now, but this run could not
	// have raised it (its check did not run, or a record it names was
	// not read whole). It is still open.
	StatusUnchecked LifecycleStatus = "unchecked"
)

// LifecycleStatuses lists every status, in the order renderers count
// them. Treat it as read-only.
var LifecycleStatuses = []LifecycleStatus{
	StatusNew, StatusPersisting, StatusReopened, StatusResolved, StatusUnchecked,
}

// present reports whether a finding of status s is in the run.
func (s LifecycleStatus) present() bool {
	return s == StatusNew || s == StatusPersisting || s == StatusReopened
}

// History is the optional lifecycle section of a report: how each
// finding stands against the earlier runs of its workspace, and what
// those runs held that this one no longer does. Package history builds
// it (see history.Attach); [Report.SetHistory] adds it to a report.
type History struct {
	// Run is the stored run this report is; Previous the last completed
	// run before it, 0 for a workspace's first.
	Run      int64 `json:"run"`
	Previous int64 `json:"previous"`
	// RecurAfter is the streak, in runs, beyond which an open finding
	// counts as recurring.
	RecurAfter int `json:"recur_after"`
	// Counts counts Entries; [Report.SetHistory] computes it.
	Counts HistoryCounts `json:"counts"`
	// Entries holds one entry per fingerprint: first those of the
	// report's findings, in the findings' order, then the findings of
	// earlier runs that this one does not hold, by status, kind, account
	// and fingerprint.
	Entries []HistoryEntry `json:"entries"`
}

// HistoryCounts counts the entries of a [History] by status, and those
// recurring and acknowledged among them.
type HistoryCounts struct {
	New          int `json:"new"`
	Persisting   int `json:"persisting"`
	Reopened     int `json:"reopened"`
	Resolved     int `json:"resolved"`
	Unchecked    int `json:"unchecked"`
	Recurring    int `json:"recurring"`
	Acknowledged int `json:"acknowledged"`
}

// of returns the count of status s; 0 for an unknown status.
func (c *HistoryCounts) of(s LifecycleStatus) int {
	switch s {
	case StatusNew:
		return c.New
	case StatusPersisting:
		return c.Persisting
	case StatusReopened:
		return c.Reopened
	case StatusResolved:
		return c.Resolved
	case StatusUnchecked:
		return c.Unchecked
	}
	return 0
}

// HistoryEntry is the lifecycle of one fingerprint. Its ids are those
// of the finding when it was last seen.
type HistoryEntry struct {
	Fingerprint string          `json:"fingerprint"`
	Status      LifecycleStatus `json:"status"`

	Kind          compare.Kind     `json:"kind"`
	Severity      compare.Severity `json:"severity"`
	Account       string           `json:"account,omitempty"`
	CustomerID    string           `json:"customer_id,omitempty"`
	Subscriptions []string         `json:"subscriptions,omitempty"`
	Plan          string           `json:"plan,omitempty"`

	// FirstSeen is the as-of time of the first run that held the
	// finding; Since that of the run that began its current streak (for
	// a resolved finding, its last); LastSeen that of the last run that
	// held it.
	FirstSeen time.Time `json:"first_seen"`
	Since     time.Time `json:"since"`
	LastSeen  time.Time `json:"last_seen"`
	// RunsSeen counts the runs that held the finding; Streak the runs of
	// its current (or last) streak; Reopened how often it came back
	// after being resolved; DaysOpen the whole days from Since to this
	// run.
	RunsSeen int `json:"runs_seen"`
	Streak   int `json:"streak"`
	Reopened int `json:"reopened"`
	DaysOpen int `json:"days_open"`
	// Recurring marks an open finding that was reopened at least once or
	// whose streak is longer than [History.RecurAfter].
	Recurring bool `json:"recurring"`
	// Ack is the acknowledgement holding at the report's as-of time; nil
	// when there is none.
	Ack *Acknowledgement `json:"ack,omitempty"`
}

// Acknowledgement marks a finding an operator has acknowledged. It holds
// until Expires. Who acknowledged it and why stay in the history store
// and are never copied into a report.
type Acknowledgement struct {
	Expires time.Time `json:"expires"`
}

// ErrSigned is returned by [Report.SetHistory] for a signed report: a
// signature covers the report without the section, and would no longer
// hold. Attach first, then sign.
var ErrSigned = errors.New("report: report is signed; add history before signing")

// SetHistory sets r's history section to a copy of h, with its counts
// computed, times in UTC and entries in the order [History] gives, and
// seals r again. A nil h removes the section. r's findings and h must
// agree: every fingerprint of the findings has exactly one entry of
// status new, persisting or reopened, and no other entry has such a
// status.
//
// SetHistory refuses a signed report with [ErrSigned]; drop the
// signature with [Report.Seal] first if it must go, and call
// [Report.Sign] after. On any error r is left unchanged. SetHistory
// changes r: do not call it while r is read elsewhere.
func (r *Report) SetHistory(h *History) error {
	if r.Integrity.Signature != "" {
		return ErrSigned
	}
	var c *History
	if h != nil {
		if err := checkHistory(h, r.Findings); err != nil {
			return err
		}
		c = cloneHistory(h)
		sortEntries(c.Entries, r.Findings)
		c.Counts = countHistory(c.Entries)
	}
	old := r.History
	r.History = c
	if err := r.Seal(); err != nil {
		r.History = old
		_ = r.Seal()
		return err
	}
	return nil
}

// checkHistory checks h on its own and against the findings of its report.
func checkHistory(h *History, fs []compare.Finding) error {
	switch {
	case h.Run < 1:
		return fmt.Errorf("report: history: run %d is not a run id", h.Run)
	case h.Previous < 0 || h.Previous >= h.Run:
		return fmt.Errorf("report: history: previous run %d does not come before run %d",
			h.Previous, h.Run)
	case h.RecurAfter < 0:
		return fmt.Errorf("report: history: negative recur-after %d", h.RecurAfter)
	}
	want := map[string]bool{}
	for i := range fs {
		want[fs[i].Fingerprint] = true
	}
	seen := map[string]bool{}
	for i := range h.Entries {
		e := &h.Entries[i]
		if err := checkEntry(i, e, seen, want); err != nil {
			return err
		}
		seen[e.Fingerprint] = true
	}
	for i := range fs {
		if !seen[fs[i].Fingerprint] {
			return fmt.Errorf("report: history: finding %d (fingerprint %q) has no entry",
				i, fs[i].Fingerprint)
		}
	}
	return nil
}

func checkEntry(i int, e *HistoryEntry, seen, findings map[string]bool) error {
	fp := e.Fingerprint
	switch {
	case fp == "":
		return fmt.Errorf("report: history: entry %d has no fingerprint", i)
	case seen[fp]:
		return fmt.Errorf("report: history: entry %d: fingerprint %q listed twice", i, fp)
	case !slices.Contains(LifecycleStatuses, e.Status):
		return fmt.Errorf("report: history: entry %q: unknown status %q", fp, e.Status)
	case e.Status.present() && !findings[fp]:
		return fmt.Errorf("report: history: entry %q is %s but no finding has its fingerprint",
			fp, e.Status)
	case !e.Status.present() && findings[fp]:
		return fmt.Errorf("report: history: entry %q is %s but a finding has its fingerprint",
			fp, e.Status)
	case e.Ack != nil && e.Ack.Expires.IsZero():
		return fmt.Errorf("report: history: entry %q: acknowledgement without expiry", fp)
	}
	return nil
}

func cloneHistory(h *History) *History {
	c := *h
	c.Entries = make([]HistoryEntry, len(h.Entries))
	for i, e := range h.Entries {
		e.Subscriptions = slices.Clone(e.Subscriptions)
		e.FirstSeen, e.Since, e.LastSeen = utc(e.FirstSeen), utc(e.Since), utc(e.LastSeen)
		if e.Ack != nil {
			a := *e.Ack
			a.Expires = utc(a.Expires)
			e.Ack = &a
		}
		c.Entries[i] = e
	}
	return &c
}

// sortEntries puts the entries of the findings fs first, in the order of
// fs, and the others after, by status, kind, account, subscriptions and
// fingerprint.
func sortEntries(es []HistoryEntry, fs []compare.Finding) {
	pos := make(map[string]int, len(fs))
	for i := len(fs) - 1; i >= 0; i-- {
		pos[fs[i].Fingerprint] = i
	}
	rank := func(e *HistoryEntry) int {
		if i, ok := pos[e.Fingerprint]; ok {
			return i
		}
		return len(fs)
	}
	slices.SortFunc(es, func(a, b HistoryEntry) int {
		return cmp.Or(
			cmp.Compare(rank(&a), rank(&b)),
			cmp.Compare(slices.Index(LifecycleStatuses, a.Status),
				slices.Index(LifecycleStatuses, b.Status)),
			cmp.Compare(kindIndex(a.Kind), kindIndex(b.Kind)),
			cmp.Compare(a.Account, b.Account),
			slices.Compare(a.Subscriptions, b.Subscriptions),
			cmp.Compare(a.Fingerprint, b.Fingerprint),
		)
	})
}

// kindIndex ranks a kind as [compare.Kinds] does, unknown kinds last.
func kindIndex(k compare.Kind) int {
	if i := slices.Index(compare.Kinds, k); i >= 0 {
		return i
	}
	return len(compare.Kinds)
}

func countHistory(es []HistoryEntry) HistoryCounts {
	var c HistoryCounts
	for i := range es {
		switch es[i].Status {
		case StatusNew:
			c.New++
		case StatusPersisting:
			c.Persisting++
		case StatusReopened:
			c.Reopened++
		case StatusResolved:
			c.Resolved++
		case StatusUnchecked:
			c.Unchecked++
		}
		if es[i].Recurring {
			c.Recurring++
		}
		if es[i].Ack != nil {
			c.Acknowledged++
		}
	}
	return c
}

package history

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	"github.com/driftexact/driftexact/compare"
	"github.com/driftexact/driftexact/report"
)

// Status is where a finding stands in one run, against the runs before.
type Status string

// The lifecycle statuses.
const (
	// New: first seen in this run.
	New Status = "new"
	// Persisting: seen in this run and open since an earlier one.
	Persisting Status = "persisting"
	// Reopened: seen in this run after an earlier run had resolved it.
	Reopened Status = "reopened"
	// Resolved: open before, absent from this run, and this run checked
	// what would have raised it.
	Resolved Status = "resolved"
	// Unchecked: open before and absent from this run, but this run could
	// not check it (a check did not run, or a record it involves was
	// incomplete). It stays open; it is neither persisting nor resolved.
	Unchecked Status = "unchecked"
)

// DefaultRecurAfter is the streak beyond which a persisting finding counts
// as recurring when [Options.RecurAfter] is zero.
const DefaultRecurAfter = 3

// Entry is one finding's lifecycle in one run. Findings that share a
// fingerprint share an entry, described by the first of them.
type Entry struct {
	Fingerprint string `json:"fingerprint"`
	Status      Status `json:"status"`

	// Kind to Plan identify the finding, as in [compare.Finding].
	Kind          compare.Kind     `json:"kind"`
	Severity      compare.Severity `json:"severity"`
	Account       string           `json:"account,omitempty"`
	CustomerID    string           `json:"customer_id,omitempty"`
	Subscriptions []string         `json:"subscriptions,omitempty"`
	Plan          string           `json:"plan,omitempty"`

	// FirstSeen is the as-of time of the first run that held the finding;
	// Since that of the run that opened its current (or, once resolved,
	// last) streak; LastSeen that of the last run that held it.
	FirstSeen time.Time `json:"first_seen"`
	Since     time.Time `json:"since"`
	LastSeen  time.Time `json:"last_seen"`
	// RunsSeen counts the runs that held the finding; Streak the runs in
	// its current streak, this one included; Reopened how often it came
	// back after being resolved.
	RunsSeen int `json:"runs_seen"`
	Streak   int `json:"streak"`
	Reopened int `json:"reopened"`
	// DaysOpen is the number of whole days from Since to this run.
	DaysOpen int `json:"days_open"`
	// Recurring marks open findings that were reopened at least once or
	// whose streak is longer than the store's recur-after limit.
	Recurring bool `json:"recurring"`
	// Ack is the operator's acknowledgement holding at this run's as-of
	// time; nil when there is none.
	Ack *Ack `json:"ack,omitempty"`
}

// Lifecycle is the lifecycle of every finding of one run, and of those
// that the run no longer holds, against the runs stored before it.
type Lifecycle struct {
	Workspace string    `json:"workspace"`
	Run       int64     `json:"run"`
	AsOf      time.Time `json:"as_of"`
	// Previous is the id of the last completed run before this one; 0 for
	// a workspace's first.
	Previous int64 `json:"previous"`
	// RecurAfter is the streak beyond which a finding counted as
	// recurring.
	RecurAfter int `json:"recur_after"`
	// Entries lists this run's findings in the report's order, then those
	// resolved or unchecked, by kind, account and fingerprint.
	Entries []Entry `json:"entries"`
}

// Status returns the entries with status s, in order. A nil Lifecycle has
// none.
func (l *Lifecycle) Status(s Status) []Entry {
	return l.filter(func(e *Entry) bool { return e.Status == s })
}

// Recurring returns the recurring entries, in order.
func (l *Lifecycle) Recurring() []Entry {
	return l.filter(func(e *Entry) bool { return e.Recurring })
}

func (l *Lifecycle) filter(keep func(*Entry) bool) []Entry {
	if l == nil {
		return nil
	}
	var out []Entry
	for i := range l.Entries {
		if keep(&l.Entries[i]) {
			out = append(out, l.Entries[i])
		}
	}
	return out
}

// state is what a store remembers of one fingerprint between runs.
type state struct {
	identity
	open      bool
	firstSeen time.Time
	since     time.Time
	lastSeen  time.Time
	lastRun   int64
	runsSeen  int
	streak    int
	reopened  int
	changed   bool // set by advance when the state must be written back
}

// identity is what names a finding to a reader.
type identity struct {
	kind          compare.Kind
	severity      compare.Severity
	account       string
	customer      string
	subscriptions []string
	plan          string
}

func identityOf(f *compare.Finding) identity {
	return identity{f.Kind, f.Severity, f.Account, f.CustomerID,
		slices.Clone(f.Subscriptions), f.Plan}
}

// step is the input of one lifecycle step.
type step struct {
	run        int64
	previous   int64
	rep        *report.Report
	acks       map[string]*Ack
	recurAfter int
}

// advance works out the lifecycle of s.rep against states, the remembered
// state of each fingerprint of the workspace, and updates states in place,
// marking what changed. It reads no clock and no map order reaches its
// output.
func advance(states map[string]*state, s step) (*Lifecycle, error) {
	rep := s.rep
	lc := &Lifecycle{Workspace: rep.Workspace, Run: s.run, AsOf: rep.AsOf,
		Previous: s.previous, RecurAfter: s.recurAfter}
	open := 0
	for _, st := range states {
		if st.open {
			open++
		}
	}
	lc.Entries = make([]Entry, 0, len(rep.Findings)+open)
	seen := make(map[string]bool, len(rep.Findings))
	for i := range rep.Findings {
		f := &rep.Findings[i]
		if err := checkFinding(i, f); err != nil {
			return nil, err
		}
		if seen[f.Fingerprint] {
			continue
		}
		seen[f.Fingerprint] = true
		st, status := observe(states, f, s.run, rep.AsOf)
		lc.Entries = append(lc.Entries, s.entry(f.Fingerprint, st, status))
	}
	lc.Entries = append(lc.Entries, s.absent(states, seen)...)
	return lc, nil
}

func checkFinding(i int, f *compare.Finding) error {
	switch {
	case f.Fingerprint == "":
		return fmt.Errorf("history: finding %d (%s, account %q): no fingerprint",
			i, f.Kind, f.Account)
	case len(f.Fingerprint) > maxKeyLen:
		return fmt.Errorf("history: finding %d: fingerprint %q longer than %d bytes",
			i, f.Fingerprint, maxKeyLen)
	}
	return nil
}

// observe updates the state of a finding present in the run at asOf.
func observe(states map[string]*state, f *compare.Finding, run int64,
	asOf time.Time) (*state, Status) {
	st := states[f.Fingerprint]
	status := Persisting
	switch {
	case st == nil:
		st = &state{firstSeen: asOf, since: asOf}
		states[f.Fingerprint] = st
		status = New
	case !st.open:
		st.reopened++
		st.since, st.streak = asOf, 0
		status = Reopened
	}
	st.identity = identityOf(f)
	st.open, st.lastSeen, st.lastRun = true, asOf, run
	st.runsSeen++
	st.streak++
	st.changed = true
	return st, status
}

// absent returns the entries of open findings the run does not hold,
// resolving those it checked.
func (s step) absent(states map[string]*state, seen map[string]bool) []Entry {
	notRun := map[string]bool{}
	for _, c := range s.rep.Coverage.Checks {
		if !c.Ran {
			notRun[c.Name] = true
		}
	}
	var out []Entry
	for fp, st := range states {
		if !st.open || seen[fp] {
			continue
		}
		status := Unchecked
		if !s.unchecked(st, notRun) {
			status = Resolved
			st.open, st.changed = false, true
		}
		out = append(out, s.entry(fp, st, status))
	}
	slices.SortFunc(out, compareGone)
	return out
}

// unchecked reports whether the run could not have raised st's finding.
func (s step) unchecked(st *state, notRun map[string]bool) bool {
	if notRun[checkOf[st.kind]] {
		return true
	}
	for _, in := range s.rep.Coverage.Incomplete {
		if in.ID == "" {
			continue
		}
		if in.ID == st.account || in.ID == st.customer ||
			slices.Contains(st.subscriptions, in.ID) {
			return true
		}
	}
	return false
}

// checkOf names the coverage check that raises each kind of finding.
var checkOf = map[compare.Kind]string{
	compare.PaidWithoutAccess:      "access",
	compare.AccessWithoutPayment:   "access",
	compare.PlanMismatch:           "plan",
	compare.UnmappedPrice:          "plan",
	compare.SeatMismatch:           "seats",
	compare.PeriodMismatch:         "expiry",
	compare.DuplicateSubscriptions: "duplicates",
	compare.AmbiguousIdentity:      "link",
	compare.MissingIdentifier:      "link",
}

func compareGone(a, b Entry) int {
	return cmp.Or(
		cmp.Compare(kindRank(a.Kind), kindRank(b.Kind)),
		cmp.Compare(a.Account, b.Account),
		cmp.Compare(a.Fingerprint, b.Fingerprint))
}

func kindRank(k compare.Kind) int {
	if i := slices.Index(compare.Kinds, k); i >= 0 {
		return i
	}
	return len(compare.Kinds)
}

// entry describes st as of the step's run.
func (s step) entry(fp string, st *state, status Status) Entry {
	asOf := s.rep.AsOf
	e := Entry{
		Fingerprint: fp, Status: status,
		Kind: st.kind, Severity: st.severity, Account: st.account,
		CustomerID: st.customer, Subscriptions: st.subscriptions, Plan: st.plan,
		FirstSeen: st.firstSeen, Since: st.since, LastSeen: st.lastSeen,
		RunsSeen: st.runsSeen, Streak: st.streak, Reopened: st.reopened,
		DaysOpen: daysBetween(st.since, asOf),
	}
	e.Recurring = status != Resolved &&
		(st.reopened > 0 || st.streak > s.recurAfter)
	if a := s.acks[fp]; a != nil && a.activeAt(asOf) {
		ack := *a
		e.Ack = &ack
	}
	return e
}

func daysBetween(from, to time.Time) int {
	if !to.After(from) {
		return 0
	}
	return int(to.Sub(from) / (24 * time.Hour))
}

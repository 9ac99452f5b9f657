package history

import (
	"errors"
	"fmt"

	"github.com/driftexact/driftexact/report"
)

// Attach adds lc to r as the report's history section ([report.History])
// and seals r again, so that every format r is rendered in shows the
// recurring drift, a lifecycle mark per finding and what was resolved.
// lc must be the lifecycle of r itself, as [SQLStore.Save] returns it or
// [SQLStore.Lifecycle] reads it back: of r's workspace and as-of time,
// with one entry for each fingerprint of r's findings. Attach returns an
// error otherwise, wrapping [ErrWorkspaceMismatch] for another workspace.
//
// A signature does not cover a section added after it, so Attach refuses
// a signed report with an error wrapping [report.ErrSigned], rather than
// leave a signature that no longer holds. Save, attach, then sign; for a
// report signed before it was saved, call [report.Report.Seal] to drop
// the signature first and [report.Report.Sign] after. On any error r is
// left unchanged.
//
// The store keeps the run as saved: its digest is that of r without the
// section. Removing the section (r.SetHistory(nil)) gives that report
// back, byte for byte. Attach changes r: do not call it while r is read
// elsewhere. lc is not changed, and r holds no reference to it.
func Attach(r *report.Report, lc *Lifecycle) error {
	switch {
	case r == nil || lc == nil:
		return errors.New("history: attach needs a report and a lifecycle")
	case lc.Workspace != r.Workspace:
		return fmt.Errorf("%w: lifecycle of %q, report of %q",
			ErrWorkspaceMismatch, lc.Workspace, r.Workspace)
	case !lc.AsOf.Equal(r.AsOf):
		return fmt.Errorf("history: lifecycle of run %d is as of %s, the report as of %s",
			lc.Run, stamp(lc.AsOf), stamp(r.AsOf))
	}
	if err := r.SetHistory(section(lc)); err != nil {
		return fmt.Errorf("history: attach run %d: %w", lc.Run, err)
	}
	return nil
}

// section converts a lifecycle to a report's history section.
func section(lc *Lifecycle) *report.History {
	h := &report.History{Run: lc.Run, Previous: lc.Previous,
		RecurAfter: lc.RecurAfter, Entries: make([]report.HistoryEntry, len(lc.Entries))}
	for i, e := range lc.Entries {
		h.Entries[i] = report.HistoryEntry{
			Fingerprint: e.Fingerprint, Status: report.LifecycleStatus(e.Status),
			Kind: e.Kind, Severity: e.Severity, Account: e.Account,
			CustomerID: e.CustomerID, Subscriptions: e.Subscriptions, Plan: e.Plan,
			FirstSeen: e.FirstSeen, Since: e.Since, LastSeen: e.LastSeen,
			RunsSeen: e.RunsSeen, Streak: e.Streak, Reopened: e.Reopened,
			DaysOpen: e.DaysOpen, Recurring: e.Recurring,
		}
		if a := e.Ack; a != nil {
			// Only the mark and its expiry: author and reason
			// stay in the store.
			h.Entries[i].Ack = &report.Acknowledgement{Expires: a.Expires}
		}
	}
	return h
}

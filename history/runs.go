package history

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/driftexact/driftexact/compare"
	"github.com/driftexact/driftexact/report"
)

// Runs returns the runs of workspace, newest first, at most limit of
// them; limit 0 or less means all.
func (s *SQLStore) Runs(ctx context.Context, workspace string,
	limit int) ([]RunInfo, error) {
	if err := checkWorkspace(workspace); err != nil {
		return nil, err
	}
	q := s.selectFrom(tRuns, infoCols, "workspace = ? ORDER BY run_id DESC")
	var out []RunInfo
	err := s.query(ctx, s.db, q, []any{workspace}, func(r scanner) error {
		if limit > 0 && len(out) == limit {
			return nil
		}
		info, err := scanInfo(r, workspace)
		out = append(out, info)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("history: runs of %q: %w", workspace, err)
	}
	return out, nil
}

var infoCols = []string{"run_id", "status", "error", "as_of", "total"}

func scanInfo(r scanner, ws string) (RunInfo, error) {
	info := RunInfo{Workspace: ws}
	var asOf string
	if err := r.Scan(&info.ID, &info.Status, &info.Error, &asOf,
		&info.Findings); err != nil {
		return info, err
	}
	var err error
	info.AsOf, err = parseTime(asOf)
	return info, err
}

// Run reads back run id of workspace: everything stored of its report. It
// returns an error wrapping [ErrNotFound] when workspace has no such run.
func (s *SQLStore) Run(ctx context.Context, workspace string, id int64) (*Run, error) {
	if err := checkWorkspace(workspace); err != nil {
		return nil, err
	}
	r, err := s.readRun(ctx, workspace, id)
	if err != nil {
		return nil, fmt.Errorf("history: run %d of %q: %w", id, workspace, err)
	}
	return r, nil
}

func (s *SQLStore) readRun(ctx context.Context, ws string, id int64) (*Run, error) {
	r := &Run{}
	var bs, bf, as, af string
	var prev int64
	row := s.db.QueryRowContext(ctx, s.dialect.bind(s.selectFrom(tRuns,
		runCols[4:], "workspace = ? AND run_id = ?")), ws, id)
	var asOf string
	var masked int
	err := row.Scan(&prev, &asOf, &r.SchemaVersion, &r.Engine, &masked,
		&r.Billing.Source, &bs, &bf, &r.Billing.Records, &r.Billing.Pages,
		&r.Access.Source, &as, &af, &r.Access.Records, &r.Access.Pages,
		&r.Digests.Profile, &r.Digests.Policy, &r.Digests.Billing,
		&r.Digests.Access, &r.Integrity.Digest, &r.Integrity.Signature,
		&r.Integrity.KeyID,
		&r.Coverage.Subscriptions, &r.Coverage.Grants, &r.Coverage.Linked,
		&r.RunInfo.Findings)
	if err != nil {
		return nil, notFound(err, "no such run")
	}
	r.Masked = masked == 1
	r.Counts.Total = r.RunInfo.Findings
	if err := parseTimes([]string{asOf, bs, bf, as, af}, &r.AsOf,
		&r.Billing.Started, &r.Billing.Finished,
		&r.Access.Started, &r.Access.Finished); err != nil {
		return nil, err
	}
	if err := s.readStatus(ctx, ws, id, &r.RunInfo); err != nil {
		return nil, err
	}
	if err := s.readCounts(ctx, ws, id, &r.Counts); err != nil {
		return nil, err
	}
	if err := s.readCoverage(ctx, ws, id, &r.Coverage); err != nil {
		return nil, err
	}
	r.Findings, err = s.readFindings(ctx, ws, id)
	return r, err
}

func parseTimes(raw []string, dst ...*time.Time) error {
	for i, v := range raw {
		t, err := parseTime(v)
		if err != nil {
			return err
		}
		*dst[i] = t
	}
	return nil
}

func (s *SQLStore) readStatus(ctx context.Context, ws string, id int64,
	info *RunInfo) error {
	info.Workspace, info.ID = ws, id
	return s.db.QueryRowContext(ctx, s.dialect.bind(s.selectFrom(tRuns,
		[]string{"status", "error"}, "workspace = ? AND run_id = ?")), ws, id).
		Scan(&info.Status, &info.Error)
}

func (s *SQLStore) readCounts(ctx context.Context, ws string, id int64,
	c *report.Counts) error {
	q := s.selectFrom(tCounts, []string{"dimension", "name", "n"},
		"workspace = ? AND run_id = ? ORDER BY dimension, seq")
	return s.query(ctx, s.db, q, []any{ws, id}, func(r scanner) error {
		var dim, name string
		var n int
		if err := r.Scan(&dim, &name, &n); err != nil {
			return err
		}
		if dim == "kind" {
			c.ByKind = append(c.ByKind, report.KindCount{Kind: compare.Kind(name), Count: n})
		} else {
			c.BySeverity = append(c.BySeverity,
				report.SeverityCount{Severity: compare.Severity(name), Count: n})
		}
		return nil
	})
}

func (s *SQLStore) readCoverage(ctx context.Context, ws string, id int64,
	c *compare.Coverage) error {
	q := s.selectFrom(tChecks, []string{"name", "ran", "reason"},
		"workspace = ? AND run_id = ? ORDER BY seq")
	err := s.query(ctx, s.db, q, []any{ws, id}, func(r scanner) error {
		var ch compare.Check
		var ran int
		err := r.Scan(&ch.Name, &ran, &ch.Reason)
		ch.Ran = ran == 1
		c.Checks = append(c.Checks, ch)
		return err
	})
	if err != nil {
		return err
	}
	q = s.selectFrom(tCoverage, []string{"section", "side", "record", "text"},
		"workspace = ? AND run_id = ? ORDER BY seq")
	return s.query(ctx, s.db, q, []any{ws, id}, func(r scanner) error {
		var sec, side, rec, text string
		if err := r.Scan(&sec, &side, &rec, &text); err != nil {
			return err
		}
		switch sec {
		case secUnknownStatus:
			c.UnknownStatuses = append(c.UnknownStatuses, text)
		case secIncomplete:
			c.Incomplete = append(c.Incomplete,
				compare.Incomplete{Side: side, ID: rec, Reason: text})
		case secOutOfScope:
			c.OutOfScope = append(c.OutOfScope, text)
		default:
			return fmt.Errorf("coverage row of unknown section %q", sec)
		}
		return nil
	})
}

func (s *SQLStore) readFindings(ctx context.Context, ws string,
	id int64) ([]compare.Finding, error) {
	q := s.selectFrom(tFindings, findingCols[3:],
		"workspace = ? AND run_id = ? ORDER BY seq")
	var out []compare.Finding
	err := s.query(ctx, s.db, q, []any{ws, id}, func(r scanner) error {
		var f compare.Finding
		var subs, tried string
		if err := r.Scan(&f.Fingerprint, &f.Kind, &f.Severity, &f.Direction,
			&f.Account, &f.CustomerID, &subs, &f.Plan, &f.Field, &f.Stripe,
			&f.Internal, &f.Rule, &f.LinkedBy, &tried); err != nil {
			return err
		}
		var err, e error
		f.Subscriptions, err = splitList(subs)
		f.Tried, e = splitList(tried)
		out = append(out, f)
		return errors.Join(err, e)
	})
	return out, err
}

// Lifecycle reads back the lifecycle stored with run id of workspace. Its
// acknowledgements are those stored now that held at the run's as-of
// time, and its recurring marks follow the store's current RecurAfter. It
// returns an error wrapping [ErrNotFound] when workspace has no completed
// run id.
func (s *SQLStore) Lifecycle(ctx context.Context, workspace string,
	id int64) (*Lifecycle, error) {
	if err := checkWorkspace(workspace); err != nil {
		return nil, err
	}
	lc, err := s.readLifecycle(ctx, workspace, id)
	if err != nil {
		return nil, fmt.Errorf("history: lifecycle of run %d of %q: %w",
			id, workspace, err)
	}
	return lc, nil
}

func (s *SQLStore) readLifecycle(ctx context.Context, ws string,
	id int64) (*Lifecycle, error) {
	lc := &Lifecycle{Workspace: ws, Run: id, RecurAfter: s.recurAfter}
	var status RunStatus
	var asOf string
	err := s.db.QueryRowContext(ctx, s.dialect.bind(s.selectFrom(tRuns,
		[]string{"status", "previous_run", "as_of"},
		"workspace = ? AND run_id = ?")), ws, id).Scan(&status, &lc.Previous, &asOf)
	if err != nil {
		return nil, notFound(err, "no such run")
	}
	if status != RunOK {
		return nil, fmt.Errorf("%w: the run failed and has no lifecycle", ErrNotFound)
	}
	if lc.AsOf, err = parseTime(asOf); err != nil {
		return nil, err
	}
	acks, err := s.loadAcks(ctx, s.db, ws)
	if err != nil {
		return nil, err
	}
	st := step{rep: &report.Report{AsOf: lc.AsOf}, acks: acks, recurAfter: s.recurAfter}
	q := s.selectFrom(tLifecycle, lifecycleCols[3:],
		"workspace = ? AND run_id = ? ORDER BY seq")
	err = s.query(ctx, s.db, q, []any{ws, id}, func(r scanner) error {
		var fp string
		var status Status
		var h hist
		p := &state{}
		dst := append([]any{&fp, &status}, h.identityDst(&p.identity)...)
		if err := r.Scan(append(dst, h.historyDst()...)...); err != nil {
			return err
		}
		if err := h.fill(&p.identity); err != nil {
			return fmt.Errorf("fingerprint %q: %w", fp, err)
		}
		p.firstSeen, p.since, p.lastSeen = h.first, h.since, h.last
		p.runsSeen, p.streak, p.reopened = h.runsSeen, h.streak, h.reopened
		lc.Entries = append(lc.Entries, st.entry(fp, p, status))
		return nil
	})
	return lc, err
}

// Acknowledge records a, replacing any acknowledgement of the same
// fingerprint in workspace. Reason, author and expiry are required; a
// zero a.Created is stamped with the store's clock. Acknowledgements are
// kept apart from runs: retention never removes them.
func (s *SQLStore) Acknowledge(ctx context.Context, workspace string, a Ack) error {
	if err := checkWorkspace(workspace); err != nil {
		return err
	}
	if err := checkAck(&a); err != nil {
		return err
	}
	if a.Created.IsZero() {
		a.Created = s.clock()
	}
	end := s.dialect.upsert([]string{"workspace", "fingerprint"}, ackCols[2:])
	_, err := s.db.ExecContext(ctx, s.insertSQL(tAcks, ackCols, 1, end),
		workspace, a.Fingerprint, a.Reason, a.Author,
		fmtTime(a.Created), fmtTime(a.Expires))
	if err != nil {
		return fmt.Errorf("history: acknowledge %q in %q: %w",
			a.Fingerprint, workspace, err)
	}
	return nil
}

func checkAck(a *Ack) error {
	field := ""
	switch {
	case a.Fingerprint == "", len(a.Fingerprint) > maxKeyLen:
		field = "fingerprint"
	case strings.TrimSpace(a.Reason) == "":
		field = "reason"
	case strings.TrimSpace(a.Author) == "":
		field = "author"
	case a.Expires.IsZero():
		field = "expires"
	}
	if field != "" {
		return fmt.Errorf("history: acknowledgement of %q: %s missing or invalid",
			a.Fingerprint, field)
	}
	return nil
}

// Unacknowledge removes the acknowledgement of fingerprint in workspace.
// It returns an error wrapping [ErrNotFound] when there is none.
func (s *SQLStore) Unacknowledge(ctx context.Context, workspace,
	fingerprint string) error {
	if err := checkWorkspace(workspace); err != nil {
		return err
	}
	res, err := s.db.ExecContext(ctx, s.dialect.bind("DELETE FROM "+
		s.table(tAcks)+" WHERE workspace = ? AND fingerprint = ?"),
		workspace, fingerprint)
	if err != nil {
		return fmt.Errorf("history: unacknowledge %q in %q: %w",
			fingerprint, workspace, err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return fmt.Errorf("%w: no acknowledgement of %q in %q",
			ErrNotFound, fingerprint, workspace)
	}
	return nil
}

// Acks returns the acknowledgements of workspace, expired ones included,
// by fingerprint.
func (s *SQLStore) Acks(ctx context.Context, workspace string) ([]Ack, error) {
	if err := checkWorkspace(workspace); err != nil {
		return nil, err
	}
	var out []Ack
	q := s.selectFrom(tAcks, ackCols[1:], "workspace = ? ORDER BY fingerprint")
	err := s.query(ctx, s.db, q, []any{workspace}, func(r scanner) error {
		a, err := scanAck(r)
		if err == nil {
			out = append(out, *a)
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("history: acknowledgements of %q: %w", workspace, err)
	}
	return out, nil
}

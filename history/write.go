package history

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/driftexact/driftexact/compare"
	"github.com/driftexact/driftexact/report"
)

// maxParams bounds the placeholders of one statement, below the smallest
// limit of the supported engines (SQLite's 32766).
const maxParams = 30000

// insertRows inserts n rows into table, s.batch rows a statement; row
// appends the values of row i to dst in the order of cols. end finishes
// every statement (an upsert clause, or nothing).
func (s *SQLStore) insertRows(ctx context.Context, tx *sql.Tx, table string,
	cols []string, end string, n int, row func(i int, dst []any) []any) error {
	per := min(max(s.batch, 1), maxParams/len(cols))
	var full *sql.Stmt
	args := make([]any, 0, min(per, n)*len(cols))
	for start := 0; start < n; start += per {
		k := min(per, n-start)
		args = args[:0]
		for i := start; i < start+k; i++ {
			args = row(i, args)
		}
		var err error
		switch {
		case k < per:
			_, err = tx.ExecContext(ctx, s.insertSQL(table, cols, k, end), args...)
		case full == nil:
			full, err = tx.PrepareContext(ctx, s.insertSQL(table, cols, k, end))
			if err != nil {
				return fmt.Errorf("insert into %s: %w", table, err)
			}
			defer full.Close()
			fallthrough
		default:
			_, err = full.ExecContext(ctx, args...)
		}
		if err != nil {
			return fmt.Errorf("insert into %s: %w", table, err)
		}
	}
	return nil
}

// insertSQL builds an INSERT of k rows.
func (s *SQLStore) insertSQL(table string, cols []string, k int, end string) string {
	var b strings.Builder
	b.WriteString("INSERT INTO " + s.table(table) + " (" +
		strings.Join(cols, ", ") + ") VALUES ")
	one := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", ") + ")"
	for i := range k {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(one)
	}
	b.WriteString(end)
	return s.dialect.bind(b.String())
}

// writeRun stores what the report holds: the run row, counts, coverage and
// findings.
func (s *SQLStore) writeRun(ctx context.Context, tx *sql.Tx, w *wsRow,
	r *report.Report) error {
	ws, id := w.workspace, w.run
	cov := &r.Coverage
	err := s.insertRows(ctx, tx, tRuns, runCols, "", 1, func(_ int, a []any) []any {
		return append(a, ws, id, string(RunOK), "", w.lastOK, fmtTime(r.AsOf),
			r.SchemaVersion, r.Engine, b2i(r.Masked),
			r.Billing.Source, fmtTime(r.Billing.Started), fmtTime(r.Billing.Finished),
			r.Billing.Records, r.Billing.Pages,
			r.Access.Source, fmtTime(r.Access.Started), fmtTime(r.Access.Finished),
			r.Access.Records, r.Access.Pages,
			r.Digests.Profile, r.Digests.Policy, r.Digests.Billing,
			r.Digests.Access, r.Integrity.Digest, r.Integrity.Signature,
			r.Integrity.KeyID,
			cov.Subscriptions, cov.Grants, cov.Linked, r.Counts.Total)
	})
	if err != nil {
		return err
	}
	if err := s.writeCounts(ctx, tx, ws, id, &r.Counts); err != nil {
		return err
	}
	if err := s.writeCoverage(ctx, tx, ws, id, cov); err != nil {
		return err
	}
	return s.writeFindings(ctx, tx, ws, id, r.Findings)
}

func (s *SQLStore) insertFailure(ctx context.Context, tx *sql.Tx, w *wsRow,
	info *RunInfo) error {
	return s.insertRows(ctx, tx, tRuns, runCols, "", 1, func(_ int, a []any) []any {
		a = append(a, w.workspace, w.run, string(RunFailed), info.Error,
			w.lastOK, fmtTime(info.AsOf))
		// A failed run has no report: every other column is zero.
		for _, c := range runCols[6:] {
			if intCols[c] {
				a = append(a, 0)
			} else {
				a = append(a, "")
			}
		}
		return a
	})
}

func (s *SQLStore) writeCounts(ctx context.Context, tx *sql.Tx, ws string,
	id int64, c *report.Counts) error {
	type row struct {
		dim, name string
		seq, n    int
	}
	var rows []row
	for i, k := range c.ByKind {
		rows = append(rows, row{"kind", string(k.Kind), i, k.Count})
	}
	for i, v := range c.BySeverity {
		rows = append(rows, row{"severity", string(v.Severity), i, v.Count})
	}
	return s.insertRows(ctx, tx, tCounts, countCols, "", len(rows),
		func(i int, a []any) []any {
			r := rows[i]
			return append(a, ws, id, r.dim, r.seq, r.name, r.n)
		})
}

// Sections of the coverage table.
const (
	secUnknownStatus = "unknown_status"
	secIncomplete    = "incomplete"
	secOutOfScope    = "out_of_scope"
)

func (s *SQLStore) writeCoverage(ctx context.Context, tx *sql.Tx, ws string,
	id int64, c *compare.Coverage) error {
	err := s.insertRows(ctx, tx, tChecks, checkCols, "", len(c.Checks),
		func(i int, a []any) []any {
			ch := c.Checks[i]
			return append(a, ws, id, i, ch.Name, b2i(ch.Ran), ch.Reason)
		})
	if err != nil {
		return err
	}
	type row struct{ sec, side, record, text string }
	var rows []row
	for _, v := range c.UnknownStatuses {
		rows = append(rows, row{secUnknownStatus, "", "", v})
	}
	for _, v := range c.Incomplete {
		rows = append(rows, row{secIncomplete, v.Side, v.ID, v.Reason})
	}
	for _, v := range c.OutOfScope {
		rows = append(rows, row{secOutOfScope, "", "", v})
	}
	return s.insertRows(ctx, tx, tCoverage, coverCols, "", len(rows),
		func(i int, a []any) []any {
			r := rows[i]
			return append(a, ws, id, r.sec, i, r.side, r.record, r.text)
		})
}

func (s *SQLStore) writeFindings(ctx context.Context, tx *sql.Tx, ws string,
	id int64, fs []compare.Finding) error {
	return s.insertRows(ctx, tx, tFindings, findingCols, "", len(fs),
		func(i int, a []any) []any {
			f := &fs[i]
			return append(a, ws, id, i, f.Fingerprint,
				string(f.Kind), string(f.Severity), string(f.Direction),
				f.Account, f.CustomerID, joinList(f.Subscriptions), f.Plan,
				f.Field, f.Stripe, f.Internal, f.Rule, f.LinkedBy,
				joinList(f.Tried))
		})
}

func (s *SQLStore) writeLifecycle(ctx context.Context, tx *sql.Tx, w *wsRow,
	lc *Lifecycle) error {
	return s.insertRows(ctx, tx, tLifecycle, lifecycleCols, "", len(lc.Entries),
		func(i int, a []any) []any {
			e := &lc.Entries[i]
			a = append(a, w.workspace, w.run, i, e.Fingerprint, string(e.Status))
			a = appendIdentity(a, identity{e.Kind, e.Severity, e.Account,
				e.CustomerID, e.Subscriptions, e.Plan})
			return append(a, fmtTime(e.FirstSeen), fmtTime(e.Since),
				fmtTime(e.LastSeen), e.RunsSeen, e.Streak, e.Reopened)
		})
}

// writeStates writes back the states advance changed, in fingerprint
// order so that concurrent writers lock rows in the same order.
func (s *SQLStore) writeStates(ctx context.Context, tx *sql.Tx, ws string,
	states map[string]*state) error {
	var fps []string
	for fp, st := range states {
		if st.changed {
			fps = append(fps, fp)
		}
	}
	sort.Strings(fps)
	end := s.dialect.upsert([]string{"workspace", "fingerprint"}, stateCols[2:])
	return s.insertRows(ctx, tx, tFingerprint, stateCols, end, len(fps),
		func(i int, a []any) []any {
			st := states[fps[i]]
			a = append(a, ws, fps[i], b2i(st.open), st.lastRun)
			a = appendIdentity(a, st.identity)
			return append(a, fmtTime(st.firstSeen), fmtTime(st.since),
				fmtTime(st.lastSeen), st.runsSeen, st.streak, st.reopened)
		})
}

func appendIdentity(a []any, id identity) []any {
	return append(a, string(id.kind), string(id.severity), id.account,
		id.customer, joinList(id.subscriptions), id.plan)
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// joinList encodes a list of ids as a JSON array; an empty list is the
// empty string.
func joinList(v []string) string {
	if len(v) == 0 {
		return ""
	}
	b, _ := json.Marshal(v) // a []string always encodes
	return string(b)
}

func splitList(v string) ([]string, error) {
	if v == "" {
		return nil, nil
	}
	var out []string
	if err := json.Unmarshal([]byte(v), &out); err != nil {
		return nil, fmt.Errorf("stored list %q: %w", v, err)
	}
	return out, nil
}

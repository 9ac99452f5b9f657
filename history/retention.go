package history

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// Prune applies the store's retention to workspace now, as every save
// does, and returns the number of runs removed. Fingerprints resolved
// before the oldest run kept are forgotten with them: a finding that
// comes back after that counts as new.
func (s *SQLStore) Prune(ctx context.Context, workspace string) (int, error) {
	if err := checkWorkspace(workspace); err != nil {
		return 0, err
	}
	tx, err := s.db.BeginTx(ctx, s.dialect.saveTx())
	if err != nil {
		return 0, fmt.Errorf("history: prune %q: %w", workspace, err)
	}
	defer tx.Rollback()
	n, err := s.prune(ctx, tx, workspace)
	if err == nil {
		err = tx.Commit()
	}
	if err != nil {
		return 0, fmt.Errorf("history: prune %q: %w", workspace, err)
	}
	return n, nil
}

// prune removes the runs of ws that the retention no longer keeps.
func (s *SQLStore) prune(ctx context.Context, tx *sql.Tx, ws string) (int, error) {
	if s.retention.zero() {
		return 0, nil
	}
	type run struct {
		id   int64
		asOf time.Time
	}
	var runs []run // newest first
	err := s.query(ctx, tx, s.selectFrom(tRuns, []string{"run_id", "as_of"},
		"workspace = ? ORDER BY run_id DESC"), []any{ws}, func(r scanner) error {
		var v run
		var at string
		if err := r.Scan(&v.id, &at); err != nil {
			return err
		}
		var err error
		v.asOf, err = parseTime(at)
		runs = append(runs, v)
		return err
	})
	if err != nil || len(runs) == 0 {
		return 0, err
	}
	oldestKept, n := runs[0].id, 0
	for i, r := range runs {
		if !s.retention.drops(i, r.asOf, runs[0].asOf) {
			oldestKept = r.id
			continue
		}
		if err := s.deleteRun(ctx, tx, ws, r.id); err != nil {
			return 0, err
		}
		n++
	}
	if n == 0 {
		return 0, nil
	}
	_, err = tx.ExecContext(ctx, s.dialect.bind("DELETE FROM "+
		s.table(tFingerprint)+
		" WHERE workspace = ? AND is_open = 0 AND last_run < ?"), ws, oldestKept)
	return n, err
}

// drops reports whether r lets go of the run at rank i (0 for the newest)
// judged at asOf, when the newest run was judged at newest.
func (r Retention) drops(i int, asOf, newest time.Time) bool {
	if r.Runs > 0 && i < r.Runs {
		return false
	}
	if r.Age > 0 && !asOf.Before(newest.Add(-r.Age)) {
		return false
	}
	return true
}

func (s *SQLStore) deleteRun(ctx context.Context, tx *sql.Tx, ws string, id int64) error {
	for _, t := range runTables {
		if _, err := tx.ExecContext(ctx, s.dialect.bind("DELETE FROM "+
			s.table(t)+" WHERE workspace = ? AND run_id = ?"), ws, id); err != nil {
			return fmt.Errorf("delete run %d from %s: %w", id, t, err)
		}
	}
	return nil
}

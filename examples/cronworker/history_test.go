package main

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/driftexact/driftexact/history"
)

// withHistory adds a history in an SQLite file beside the access table,
// writing each run's lifecycle to lifecycle.txt.
func (f *fixture) withHistory() {
	f.config["history"] = map[string]any{
		"driver": "sqlite", "dsn_env": "HISTORY_DSN", "keep_runs": 10,
		"lifecycle": filepath.Join(f.dir, "lifecycle.txt"),
	}
	f.env["HISTORY_DSN"] = "file:" + filepath.Join(f.dir, "history.db") +
		"?_pragma=busy_timeout(5000)&password=" + testPassword
}

func (f *fixture) lifecycle() string {
	f.t.Helper()
	b, err := os.ReadFile(filepath.Join(f.dir, "lifecycle.txt"))
	if err != nil {
		f.t.Fatal(err)
	}
	return string(b)
}

func (f *fixture) storedRuns() []history.RunInfo {
	f.t.Helper()
	db, err := sql.Open("sqlite", filepath.Join(f.dir, "history.db"))
	if err != nil {
		f.t.Fatal(err)
	}
	defer db.Close()
	st, err := history.OpenSQL(context.Background(), db, nil)
	if err != nil {
		f.t.Fatal(err)
	}
	runs, err := st.Runs(context.Background(), "acme-test", 10)
	if err != nil {
		f.t.Fatal(err)
	}
	return runs
}

// TestHistoryAcrossRuns runs the worker three times over changing data:
// drift appears, persists, then is fixed.
func TestHistoryAcrossRuns(t *testing.T) {
	f := newFixture(t, append(stripeSubs(),
		stripeSub("sub_4", "cus_4", "active", "price_pro", 1))...)
	f.insert([]any{"acct_4", "cus_4", "sub_4", "pro", 1, "revoked", "2024-07-01T00:00:00Z"})
	f.withHistory()
	cfg := f.writeConfig()

	steps := []struct {
		fix      bool
		wantCode int
		want     string
	}{
		{false, exitDrift, "1 new, 0 persisting, 0 reopened, 0 resolved"},
		{false, exitDrift, "0 new, 1 persisting, 0 reopened, 0 resolved"},
		{true, exitClean, "0 new, 0 persisting, 0 reopened, 1 resolved"},
	}
	for i, st := range steps {
		if st.fix {
			if _, err := f.db.Exec(`UPDATE accounts SET status = 'active'
				WHERE id = 'acct_4'`); err != nil {
				t.Fatal(err)
			}
		}
		r := f.run(false, "-config", cfg)
		if r.code != st.wantCode {
			t.Fatalf("run %d: exit %d, want %d; stderr %q", i+1, r.code, st.wantCode, r.stderr)
		}
		if lc := f.lifecycle(); !strings.Contains(lc, st.want) {
			t.Errorf("run %d: lifecycle lacks %q:\n%s", i+1, st.want, lc)
		}
		if h := f.readReport().History; h == nil || h.Run != int64(i+1) {
			t.Errorf("run %d: the JSON report's history section is %+v", i+1, h)
		}
	}
	if runs := f.storedRuns(); len(runs) != 3 {
		t.Errorf("%d runs stored, want 3", len(runs))
	}
}

func TestHistoryRecordsFailedRun(t *testing.T) {
	f := newFixture(t, stripeSubs()...)
	f.withHistory()
	f.set("access.sql.query", "SELECT id FROM no_such_table")
	r := f.run(false, "-config", f.writeConfig())
	if r.code != exitError || !strings.Contains(r.stderr, "access side") {
		t.Fatalf("exit %d, stderr %q; want 2 naming the access side", r.code, r.stderr)
	}
	runs := f.storedRuns()
	if len(runs) != 1 || runs[0].Status != history.RunFailed ||
		!strings.Contains(runs[0].Error, "no_such_table") {
		t.Errorf("stored runs %+v, want one failed run naming the table", runs)
	}
}

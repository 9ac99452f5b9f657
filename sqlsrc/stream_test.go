package sqlsrc_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/driftexact/driftexact/sqlsrc"
)

// TestWorkspaceIsBound shows the workspace reaching the query as a bound
// value: one that would widen the query if it were formatted into the SQL
// text matches nothing.
func TestWorkspaceIsBound(t *testing.T) {
	for _, tc := range []struct {
		name string
		open func(*testing.T) *engine
	}{
		{"sqlite", func(t *testing.T) *engine { return openSQLite(t) }},
		{"postgres", func(t *testing.T) *engine { return openPostgres(t, nil) }},
		{"mysql", func(t *testing.T) *engine { return openMySQL(t, nil) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := tc.open(t)
			table := e.table(t, "workspace VARCHAR(40), account_id VARCHAR(8), plan VARCHAR(8)",
				`INSERT INTO {t} VALUES ('acme', 'a1', 'pro'), ('acme', 'a2', 'pro'),
					('globex', 'g1', 'team')`)
			query := fmt.Sprintf("SELECT account_id FROM %s WHERE workspace = %s AND plan = %s",
				table, e.ph(1), e.ph(2))
			for ws, want := range map[string]int{
				"acme": 2, "globex": 0, "acme' OR '1'='1": 0, "x' OR 1=1 -- ": 0,
			} {
				gs, errs := collect(t, newSource(t, e.db, query, &sqlsrc.Options{
					Columns: sqlsrc.Columns{AccountID: "account_id"}, Workspace: ws,
					Args: []any{"pro"},
				}))
				if len(errs) > 0 || len(gs) != want {
					t.Errorf("workspace %q: %d grants, errors %v; want %d", ws, len(gs), errs, want)
				}
			}
		})
	}
}

func TestWorkspaceNeedsAPlaceholder(t *testing.T) {
	e := openSQLite(t)
	_, err := sqlsrc.New(e.db, "SELECT 'a1' AS id", &sqlsrc.Options{
		Columns: sqlsrc.Columns{AccountID: "id"}, Workspace: "acme"})
	if err == nil {
		t.Fatal("a workspace with nowhere to go was accepted")
	}
}

// endless yields a billion rows, one at a time: a pull that gathered them
// before handing any on would never return.
const endlessSQLite = `WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c
	LIMIT 1000000000) SELECT 'a' || i AS account_id FROM c`

const endlessPostgres = `SELECT 'a' || g AS account_id
	FROM (SELECT generate_series(1, 1000000000) AS g) s /* %s */`

// firstRows reads n rows of src, then breaks or cancels. It fails the test
// if the pull does not end within a minute.
func firstRows(t *testing.T, src *sqlsrc.Source, n int, cancel bool) error {
	t.Helper()
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	done := make(chan error, 1)
	go func() {
		var last error
		got := 0
		for _, err := range src.Grants(ctx) {
			if err != nil {
				last = err
				continue
			}
			if got++; got == n {
				if !cancel {
					break
				}
				stop()
			}
		}
		done <- last
	}()
	select {
	case err := <-done:
		return err
	case <-time.After(time.Minute):
		t.Fatal("the pull did not end within a minute of the consumer stopping")
		return nil
	}
}

func TestSQLiteStreams(t *testing.T) {
	e := openSQLite(t)
	e.db.SetMaxOpenConns(1)
	table := e.table(t, "account_id TEXT")
	src := newSource(t, e.db, endlessSQLite, idOnly)
	if err := firstRows(t, src, 10, false); err != nil {
		t.Fatalf("break: %v", err)
	}
	if err := firstRows(t, src, 10, true); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancel: last error %v, want context.Canceled", err)
	}
	// The one connection was handed back writable after both.
	if _, err := e.db.Exec("INSERT INTO " + table + " VALUES ('a1')"); err != nil {
		t.Errorf("write after cancelled pull: %v", err)
	}
}

// TestPostgresCancelStopsQuery cancels a pull of an endless query and
// watches the server until the query is no longer running.
func TestPostgresCancelStopsQuery(t *testing.T) {
	e := openPostgres(t, nil)
	mark := fmt.Sprintf("dx-cancel-%08x", rand.Uint32())
	src := newSource(t, e.db, fmt.Sprintf(endlessPostgres, mark), idOnly)
	if err := firstRows(t, src, 10, false); err != nil {
		t.Fatalf("break: %v", err)
	}
	if err := firstRows(t, src, 10, true); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancel: last error %v, want context.Canceled", err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		var running int
		err := e.db.QueryRow(`SELECT count(*) FROM pg_stat_activity
			WHERE state = 'active' AND pid <> pg_backend_pid() AND query LIKE $1`,
			"%"+mark+"%").Scan(&running)
		if err != nil {
			t.Fatal(err)
		}
		if running == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the query still runs on the server 30s after the pull ended")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

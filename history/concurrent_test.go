package history

import (
	"context"
	"database/sql"
	"errors"
	"testing"

	"golang.org/x/sync/errgroup"

	"github.com/driftexact/driftexact/compare"
)

// handles opens n separate handles on e's database, as n processes would.
func handles(t *testing.T, e engine, n int) []*sql.DB {
	dbs := make([]*sql.DB, n)
	for i := range dbs {
		dbs[i] = e.open(t)
	}
	return dbs
}

// TestOpenConcurrently opens stores on fresh tables from several handles
// at once: every one must succeed and find the schema complete.
func TestOpenConcurrently(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine, db *sql.DB, prefix string) {
		ctx := context.Background()
		var g errgroup.Group
		stores := make([]*SQLStore, 4)
		for i, h := range handles(t, e, len(stores)) {
			g.Go(func() error {
				var err error
				stores[i], err = OpenSQL(ctx, h, &Options{Dialect: e.dialect, Prefix: prefix})
				return err
			})
		}
		if err := g.Wait(); err != nil {
			t.Fatal(err)
		}
		var v, rows int
		if err := db.QueryRow("SELECT COUNT(*), MAX(version) FROM "+prefix+tSchema).
			Scan(&rows, &v); err != nil {
			t.Fatal(err)
		}
		if rows != 1 || v != schemaVersion {
			t.Errorf("schema table: %d rows, version %d; want 1 row, version %d",
				rows, v, schemaVersion)
		}
		for i, s := range stores {
			if _, err := s.Save(ctx, "ws", runReport("ws", 0, nil)); err != nil {
				t.Errorf("store %d: %v", i, err)
			}
		}
	})
}

// TestSaveConcurrently saves the same finding to one workspace from
// several handles at once. Saves to a workspace must not interleave: run
// ids are 1 to n with no gap, exactly one save sees the finding as new,
// and the last sees the whole streak.
func TestSaveConcurrently(t *testing.T) {
	const writers, each = 4, 5
	forEachEngine(t, func(t *testing.T, e engine, db *sql.DB, prefix string) {
		ctx := context.Background()
		a := []compare.Finding{finding("fa", compare.PaidWithoutAccess, "acct_a")}
		results := make([][]*Lifecycle, writers)
		var g errgroup.Group
		for i, h := range handles(t, e, writers) {
			g.Go(func() error {
				s, err := OpenSQL(ctx, h, &Options{Dialect: e.dialect, Prefix: prefix})
				if err != nil {
					return err
				}
				for range each {
					for _, ws := range []string{"ws", "other"} {
						lc, err := s.Save(ctx, ws, runReport(ws, 0, a))
						if err != nil {
							return err
						}
						if ws == "ws" {
							results[i] = append(results[i], lc)
						}
					}
				}
				return nil
			})
		}
		if err := g.Wait(); err != nil {
			t.Fatal(err)
		}
		byRun := map[int64]*Lifecycle{}
		news := 0
		for _, lcs := range results {
			for _, lc := range lcs {
				if byRun[lc.Run] != nil {
					t.Errorf("run id %d given twice", lc.Run)
				}
				byRun[lc.Run] = lc
				if lc.Entries[0].Status == New {
					news++
				}
				if lc.Entries[0].Streak != int(lc.Run) {
					t.Errorf("run %d: streak %d, want %d", lc.Run,
						lc.Entries[0].Streak, lc.Run)
				}
			}
		}
		if len(byRun) != writers*each || byRun[writers*each] == nil || news != 1 {
			t.Errorf("runs %d (last %v), new %d; want %d runs up to %d, new once",
				len(byRun), byRun[writers*each] != nil, news, writers*each, writers*each)
		}
	})
}

func TestSchemaVersion(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine, db *sql.DB, prefix string) {
		ctx := context.Background()
		s := openStore(t, e, db, prefix, nil)
		if _, err := s.Save(ctx, "ws", runReport("ws", 0, nil)); err != nil {
			t.Fatal(err)
		}
		// Opening again migrates nothing and keeps the data.
		s = openStore(t, e, db, prefix, nil)
		if runs, err := s.Runs(ctx, "ws", 0); err != nil || len(runs) != 1 {
			t.Fatalf("after reopening: %v, %v", runs, err)
		}
		if _, err := db.Exec("UPDATE " + prefix + tSchema + " SET version = 99"); err != nil {
			t.Fatal(err)
		}
		_, err := OpenSQL(ctx, db, &Options{Dialect: e.dialect, Prefix: prefix})
		if !errors.Is(err, ErrSchemaTooNew) {
			t.Errorf("open over a newer schema: err = %v, want ErrSchemaTooNew", err)
		}
	})
}

func TestOpenRejectsOptions(t *testing.T) {
	e := engines(t)[0]
	db := e.open(t)
	for _, o := range []Options{
		{Dialect: "oracle"}, {Prefix: "Bad-Prefix"}, {Prefix: "x; DROP TABLE y"},
		{RecurAfter: -1}, {Retention: Retention{Runs: -1}},
	} {
		if _, err := OpenSQL(context.Background(), db, &o); err == nil {
			t.Errorf("OpenSQL(%+v) succeeded, want an error", o)
		}
	}
}

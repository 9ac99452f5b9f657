package sqlsrc_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/driftexact/driftexact/sqlsrc"
)

// The benchmarks read a million grants through a Source and, in the same
// run, through the plain database/sql loop a host would write by hand:
// scan each row into typed variables and drop it.
const benchRows = 1_000_000

var benchColumns = sqlsrc.Columns{
	AccountID: "account_id", CustomerID: "customer", SubscriptionID: "sub",
	Plan: "plan", Seats: "seats", Access: "status", Expires: "expires",
}

const benchQuery = "SELECT account_id, customer, sub, plan, seats, status, expires FROM %s"

// benchFixtures are built once per test binary and removed by TestMain.
var benchFixtures struct {
	sync.Mutex
	cleanups []func()
	sqlite   *sql.DB
	pg       *sql.DB
	pgTable  string
}

func TestMain(m *testing.M) {
	code := m.Run()
	for _, f := range slices.Backward(benchFixtures.cleanups) {
		f()
	}
	os.Exit(code)
}

func benchSQLite(b *testing.B) (*sql.DB, string) {
	f := &benchFixtures
	f.Lock()
	defer f.Unlock()
	if f.sqlite != nil {
		return f.sqlite, "grants"
	}
	dir, err := os.MkdirTemp("", "sqlsrc-bench-")
	if err != nil {
		b.Fatal(err)
	}
	db, err := sql.Open("sqlite", filepath.Join(dir, "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	f.cleanups = append(f.cleanups, func() { db.Close(); os.RemoveAll(dir) })
	for _, stmt := range []string{
		`CREATE TABLE grants (account_id TEXT, customer TEXT, sub TEXT, plan TEXT,
			seats INTEGER, status TEXT, expires DATETIME)`,
		fmt.Sprintf(`WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c
			WHERE i < %d)
		INSERT INTO grants SELECT printf('acct_%%07d', i),
			CASE WHEN i %% 10 = 0 THEN NULL ELSE printf('cus_%%07d', i) END,
			CASE WHEN i %% 10 = 0 THEN NULL ELSE printf('sub_%%07d', i) END,
			CASE i %% 3 WHEN 0 THEN 'basic' WHEN 1 THEN 'pro' ELSE 'team' END,
			CASE WHEN i %% 5 = 0 THEN NULL ELSE i %% 20 END,
			CASE WHEN i %% 7 = 0 THEN 'revoked' ELSE 'active' END,
			CASE WHEN i %% 6 = 0 THEN NULL
				ELSE datetime(1719792000 + i * 60, 'unixepoch') END
			FROM c`, benchRows),
	} {
		if _, err := db.Exec(stmt); err != nil {
			b.Fatal(err)
		}
	}
	f.sqlite = db
	return db, "grants"
}

func benchPostgres(b *testing.B) (*sql.DB, string) {
	f := &benchFixtures
	f.Lock()
	defer f.Unlock()
	if f.pg != nil {
		return f.pg, f.pgTable
	}
	db := connectPostgres(b, nil)
	f.cleanups = append(f.cleanups, func() { db.Close() })
	table := tableName()
	f.cleanups = append(f.cleanups, func() { db.Exec("DROP TABLE IF EXISTS " + table) })
	for _, stmt := range []string{
		fmt.Sprintf(`CREATE TABLE %s (account_id text, customer text, sub text, plan text,
			seats integer, status text, expires timestamptz)`, table),
		fmt.Sprintf(`INSERT INTO %s SELECT 'acct_' || lpad(i::text, 7, '0'),
			CASE WHEN i %% 10 = 0 THEN NULL ELSE 'cus_' || lpad(i::text, 7, '0') END,
			CASE WHEN i %% 10 = 0 THEN NULL ELSE 'sub_' || lpad(i::text, 7, '0') END,
			(ARRAY['basic', 'pro', 'team'])[i %% 3 + 1],
			CASE WHEN i %% 5 = 0 THEN NULL ELSE i %% 20 END,
			CASE WHEN i %% 7 = 0 THEN 'revoked' ELSE 'active' END,
			CASE WHEN i %% 6 = 0 THEN NULL ELSE to_timestamp(1719792000 + i * 60) END
			FROM generate_series(1, %d) AS i`, table, benchRows),
		"ANALYZE " + table,
	} {
		if _, err := db.Exec(stmt); err != nil {
			b.Fatal(err)
		}
	}
	f.pg, f.pgTable = db, table
	return db, table
}

// BenchmarkGrants reads the table twice per iteration, once through a
// Source and once with the bare loop, in alternating order, so that both
// see the same load on a shared machine. It reports each one's rows per
// second and the Source's share of the bare loop's rate.
func BenchmarkGrants(b *testing.B) {
	for _, eng := range []struct {
		name string
		open func(*testing.B) (*sql.DB, string)
	}{
		{"sqlite", benchSQLite},
		{"postgres", benchPostgres},
	} {
		b.Run(eng.name, func(b *testing.B) {
			db, table := eng.open(b)
			query := fmt.Sprintf(benchQuery, table)
			src := newSource(b, db, query, &sqlsrc.Options{Columns: benchColumns})
			pulls := [2]func() int{
				func() int { return sourceLoop(b, src) },
				func() int { return bareLoop(b, db, query) },
			}
			var spent [2]time.Duration
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				for _, k := range [2]int{i % 2, 1 - i%2} {
					start := time.Now()
					if n := pulls[k](); n != benchRows {
						b.Fatalf("read %d rows, want %d", n, benchRows)
					}
					spent[k] += time.Since(start)
				}
				i++
			}
			rate := func(d time.Duration) float64 { return float64(benchRows*i) / d.Seconds() }
			b.ReportMetric(rate(spent[0]), "sqlsrc-rows/s")
			b.ReportMetric(rate(spent[1]), "bare-rows/s")
			b.ReportMetric(100*spent[1].Seconds()/spent[0].Seconds(), "%-of-bare")
		})
	}
}

func sourceLoop(b *testing.B, src *sqlsrc.Source) int {
	n := 0
	for _, err := range src.Grants(context.Background()) {
		if err != nil {
			b.Fatal(err)
		}
		n++
	}
	return n
}

// bareLoop is the hand-written read: typed variables, no coercion.
func bareLoop(b *testing.B, db *sql.DB, query string) int {
	rows, err := db.QueryContext(context.Background(), query)
	if err != nil {
		b.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var account, plan, status string
		var customer, sub sql.NullString
		var seats sql.NullInt64
		var expires sql.NullTime
		if err := rows.Scan(&account, &customer, &sub, &plan, &seats, &status, &expires); err != nil {
			b.Fatal(err)
		}
		n++
	}
	if err := rows.Err(); err != nil {
		b.Fatal(err)
	}
	return n
}

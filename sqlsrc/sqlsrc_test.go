package sqlsrc_test

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	_ "modernc.org/sqlite"

	"github.com/driftexact/driftexact/source"
	"github.com/driftexact/driftexact/sqlsrc"
)

func openSQLite(t *testing.T, stmts ...string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", filepath.Join(t.TempDir(), "a.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	for _, s := range stmts {
		if _, err := db.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	return db
}

var cols = sqlsrc.Columns{
	AccountID: "account_id", CustomerID: "customer", SubscriptionID: "sub",
	Plan: "plan", Seats: "seats", Access: "access", Expires: "expires",
}

func collect(t *testing.T, src *sqlsrc.Source) ([]source.Grant, []error) {
	t.Helper()
	var gs []source.Grant
	var errs []error
	for g, err := range src.Grants(context.Background()) {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		gs = append(gs, g)
	}
	return gs, errs
}

func seats(n int64) *int64 { return &n }

func TestSQLiteCoercion(t *testing.T) {
	db := openSQLite(t,
		`CREATE TABLE g (account_id TEXT, customer TEXT, sub TEXT, plan TEXT,
			seats, access, expires)`,
		`INSERT INTO g VALUES
			('a1', 'cus_1', 'sub_1', 'pro', 3, 1, '2024-07-01T00:00:00Z'),
			('a2', NULL, NULL, 'free', NULL, 'Active', NULL),
			('a3', 'cus_3', '', 'team', '5.00', 'revoked', 1719792000),
			('a4', 'cus_4', 'sub_4', 'pro', 1, 0, '2024-07-01 02:00:00+02:00')`)
	src, err := sqlsrc.New(db, "SELECT * FROM g", &sqlsrc.Options{Columns: cols})
	if err != nil {
		t.Fatal(err)
	}
	gs, errs := collect(t, src)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	jul1 := time.Date(2024, 7, 1, 0, 0, 0, 0, time.UTC)
	want := []source.Grant{
		{AccountID: "a1", CustomerID: "cus_1", SubscriptionID: "sub_1", Plan: "pro",
			Seats: seats(3), Active: true, Expires: jul1},
		{AccountID: "a2", Plan: "free", Active: true},
		{AccountID: "a3", CustomerID: "cus_3", Plan: "team", Seats: seats(5), Expires: jul1},
		{AccountID: "a4", CustomerID: "cus_4", SubscriptionID: "sub_4", Plan: "pro",
			Seats: seats(1), Expires: jul1},
	}
	if diff := cmp.Diff(want, gs); diff != "" {
		t.Errorf("grants (-want +got):\n%s", diff)
	}
}

func TestBadValueNamesAccountAndColumn(t *testing.T) {
	db := openSQLite(t,
		`CREATE TABLE g (account_id TEXT, customer TEXT, sub TEXT, plan TEXT,
			seats, access, expires)`,
		`INSERT INTO g VALUES ('a1', 'c', 's', 'pro', 'many', 1, NULL),
			('a2', 'c2', 's2', 'pro', 1, 1, 'next tuesday'),
			('a3', 'c3', 's3', 'pro', 1, 1, NULL)`)
	src, err := sqlsrc.New(db, "SELECT * FROM g ORDER BY account_id", &sqlsrc.Options{Columns: cols})
	if err != nil {
		t.Fatal(err)
	}
	gs, errs := collect(t, src)
	if len(gs) != 1 || gs[0].AccountID != "a3" {
		t.Errorf("good rows: %+v", gs)
	}
	if len(errs) != 2 {
		t.Fatalf("got %d errors, want 2: %v", len(errs), errs)
	}
	for i, want := range []struct{ rec, field string }{{"a1", "seats"}, {"a2", "expires"}} {
		var re *source.RecordError
		if !errors.As(errs[i], &re) || re.Record != want.rec || re.Field != want.field {
			t.Errorf("error %d = %v, want record %s field %s", i, errs[i], want.rec, want.field)
		}
	}

	strict, _ := sqlsrc.New(db, "SELECT * FROM g ORDER BY account_id",
		&sqlsrc.Options{Columns: cols, FailOnBadRow: true})
	gs, errs = collect(t, strict)
	if len(gs) != 0 || len(errs) != 1 {
		t.Errorf("strict: %d grants, errors %v; want none and one error", len(gs), errs)
	}
}

func TestRefusesAnythingButOneSelect(t *testing.T) {
	db := openSQLite(t, `CREATE TABLE g (account_id TEXT)`)
	for _, q := range []string{
		"DELETE FROM g",
		"SELECT 1; DELETE FROM g",
		"UPDATE g SET account_id = 'x'",
		"",
		"/* SELECT */ INSERT INTO g VALUES ('x')",
	} {
		_, err := sqlsrc.New(db, q, &sqlsrc.Options{Columns: sqlsrc.Columns{AccountID: "account_id"}})
		if !errors.Is(err, sqlsrc.ErrNotSelect) {
			t.Errorf("%q: got %v, want ErrNotSelect", q, err)
		}
	}
	for _, q := range []string{
		"SELECT account_id FROM g WHERE account_id <> ';'",
		"WITH x AS (SELECT account_id FROM g) SELECT * FROM x;",
		"-- DELETE\nSELECT account_id FROM g",
	} {
		if _, err := sqlsrc.New(db, q, &sqlsrc.Options{Columns: sqlsrc.Columns{AccountID: "account_id"}}); err != nil {
			t.Errorf("%q refused: %v", q, err)
		}
	}
}

func TestSQLiteRunsReadOnly(t *testing.T) {
	db := openSQLite(t,
		`CREATE TABLE g (account_id TEXT)`,
		`INSERT INTO g VALUES ('a1')`)
	// INSERT … RETURNING yields rows like a SELECT. With the statement
	// check bypassed, only the read-only transaction stands in its way.
	src := sqlsrc.NewUnguarded(db, `INSERT INTO g VALUES ('intruder') RETURNING account_id`,
		&sqlsrc.Options{Columns: sqlsrc.Columns{AccountID: "account_id"}})
	gs, errs := collect(t, src)
	if len(errs) == 0 {
		t.Errorf("write through the source succeeded: %+v", gs)
	}
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM g`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Errorf("table holds %d rows after refused write, want 1", n)
	}
	// The host's own connection is writable again after the pull.
	if _, err := db.Exec(`INSERT INTO g VALUES ('a2')`); err != nil {
		t.Errorf("host write after pull failed: %v", err)
	}
}

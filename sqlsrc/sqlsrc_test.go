package sqlsrc_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/driftexact/driftexact/source"
	"github.com/driftexact/driftexact/sqlsrc"
)

var allColumns = sqlsrc.Columns{
	AccountID: "account_id", CustomerID: "customer", SubscriptionID: "sub",
	Plan: "plan", Seats: "seats", Access: "access", Expires: "expires",
}

const grantColumns = `account_id TEXT, customer TEXT, sub TEXT, plan TEXT,
	seats, access, expires`

func TestBadValuesNameAccountAndColumn(t *testing.T) {
	e := openSQLite(t)
	table := e.table(t, grantColumns,
		`INSERT INTO {t} VALUES ('a1', 'c1', 's1', 'pro', 'many', 1, NULL)`,
		`INSERT INTO {t} VALUES ('a2', 'c2', 's2', 'pro', 1, 1, 'next tuesday')`,
		`INSERT INTO {t} VALUES ('a3', 'c3', 's3', 'pro', 1, 1, NULL)`,
		`INSERT INTO {t} VALUES (NULL, 'c4', 's4', 'pro', 1, 1, NULL)`,
		`INSERT INTO {t} VALUES ('a5', 'c5', 's5', 'pro', -2, 'weird', NULL)`,
		`INSERT INTO {t} VALUES (x'ff', 'c6', 's6', 'pro', 1, 1, NULL)`,
		`INSERT INTO {t} VALUES ('a7', 'c7', 's7', 'pro', 2.5, 1, 1719792000000)`)
	query := "SELECT * FROM " + table + " ORDER BY rowid"
	src := newSource(t, e.db, query, &sqlsrc.Options{Columns: allColumns,
		InactiveValues: []string{"0", "revoked"}})
	gs, errs := collect(t, src)
	if len(gs) != 1 || gs[0].AccountID != "a3" {
		t.Errorf("good rows: %+v, want only a3", gs)
	}
	type recField struct{ Record, Field string }
	want := []recField{
		{"a1", "seats"}, {"a2", "expires"}, {"row 4", "account_id"},
		{"a5", "seats"}, {"row 6", "account_id"}, {"a7", "seats"},
	}
	var got []recField
	for _, err := range errs {
		var re *source.RecordError
		if !errors.As(err, &re) {
			t.Fatalf("error %v is not a *source.RecordError", err)
		}
		got = append(got, recField{re.Record, re.Field})
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("record errors (-want +got):\n%s", diff)
	}
	for _, msg := range []string{`"many"`, `"next tuesday"`, "empty", "negative", "UTF-8"} {
		if !strings.Contains(joinErrors(errs), msg) {
			t.Errorf("no error mentions %s: %v", msg, errs)
		}
	}
}

func joinErrors(errs []error) string { return errors.Join(errs...).Error() }

// A row yielded with a record error still carries what could be read, so
// nothing about it is lost.
func TestBadRowKeepsWhatWasRead(t *testing.T) {
	e := openSQLite(t)
	table := e.table(t, grantColumns,
		`INSERT INTO {t} VALUES ('a1', 'c1', 's1', 'pro', 3, 1, 'soon')`)
	src := newSource(t, e.db, "SELECT * FROM "+table, &sqlsrc.Options{Columns: allColumns})
	for g, err := range src.Grants(context.Background()) {
		if err == nil {
			t.Fatal("bad expiry read without error")
		}
		want := source.Grant{AccountID: "a1", CustomerID: "c1", SubscriptionID: "s1",
			Plan: "pro", Seats: seats(3), Active: true}
		if diff := cmp.Diff(want, g); diff != "" {
			t.Errorf("partial grant (-want +got):\n%s", diff)
		}
	}
}

func TestFailOnBadRowStopsThePull(t *testing.T) {
	e := openSQLite(t)
	table := e.table(t, grantColumns,
		`INSERT INTO {t} VALUES ('a1', 'c1', 's1', 'pro', 1, 1, NULL)`,
		`INSERT INTO {t} VALUES ('a2', 'c2', 's2', 'pro', 'many', 1, NULL)`,
		`INSERT INTO {t} VALUES ('a3', 'c3', 's3', 'pro', 1, 1, NULL)`)
	src := newSource(t, e.db, "SELECT * FROM "+table+" ORDER BY account_id",
		&sqlsrc.Options{Columns: allColumns, FailOnBadRow: true})
	var n int
	var last error
	for _, err := range src.Grants(context.Background()) {
		if err != nil {
			last = err
			continue
		}
		n++
	}
	if n != 1 || !errors.Is(last, sqlsrc.ErrBadRow) {
		t.Fatalf("read %d grants, last error %v; want 1 and ErrBadRow", n, last)
	}
	// The fatal error must not pass for a per-record one, or a caller
	// would carry on past a pull that stopped.
	var re *source.RecordError
	if errors.As(last, &re) {
		t.Errorf("fatal error unwraps to a record error: %v", last)
	}
	if !strings.Contains(last.Error(), `"a2"`) || !strings.Contains(last.Error(), `"seats"`) {
		t.Errorf("error does not name account and column: %v", last)
	}
}

func TestMappingErrors(t *testing.T) {
	e := openSQLite(t)
	table := e.table(t, grantColumns)
	for _, tc := range []struct {
		query string
		cols  sqlsrc.Columns
		want  string
	}{
		{"SELECT * FROM " + table, sqlsrc.Columns{AccountID: "id"},
			`no column "id" (it has "account_id", "customer"`},
		{"SELECT account_id, customer AS ACCOUNT_ID FROM " + table,
			sqlsrc.Columns{AccountID: "account_id"}, "two columns"},
		{"SELECT * FROM " + table,
			sqlsrc.Columns{AccountID: "account_id", CustomerID: "ACCOUNT_ID"}, "two grant fields"},
	} {
		_, errs := collect(t, newSource(t, e.db, tc.query, &sqlsrc.Options{Columns: tc.cols}))
		if len(errs) != 1 || !strings.Contains(errs[0].Error(), tc.want) {
			t.Errorf("%s with %+v: got %v, want one error containing %q", tc.query, tc.cols, errs, tc.want)
		}
	}
	if _, err := sqlsrc.New(e.db, "SELECT 1", nil); err == nil {
		t.Error("nil options accepted")
	}
	if _, err := sqlsrc.New(nil, "SELECT 1", &sqlsrc.Options{Columns: allColumns}); err == nil {
		t.Error("nil db accepted")
	}
}

func TestNoAccessColumnMeansOn(t *testing.T) {
	e := openSQLite(t)
	src := newSource(t, e.db, "SELECT 'a1' AS id", &sqlsrc.Options{
		Columns: sqlsrc.Columns{AccountID: "id"}})
	gs, errs := collect(t, src)
	if len(errs) > 0 || len(gs) != 1 || !gs[0].Active {
		t.Errorf("got %+v %v, want one active grant", gs, errs)
	}
	if diff := cmp.Diff([]string{"seats", "expires"}, src.Unavailable()); diff != "" {
		t.Errorf("Unavailable (-want +got):\n%s", diff)
	}
}

// A database that cannot be reached fails the pull with one fatal error.
func TestClosedDatabase(t *testing.T) {
	e := openSQLite(t)
	src := newSource(t, e.db, "SELECT 'a1' AS account_id", idOnly)
	e.db.Close()
	gs, errs := collect(t, src)
	if len(gs) != 0 || len(errs) != 1 || !strings.Contains(errs[0].Error(), "read-only transaction") {
		t.Errorf("got %+v, %v; want one error beginning the transaction", gs, errs)
	}
}

func TestLastPullCountsEveryRow(t *testing.T) {
	e := openSQLite(t)
	table := e.table(t, grantColumns,
		`INSERT INTO {t} VALUES ('a1', NULL, NULL, 'pro', 1, 1, NULL)`,
		`INSERT INTO {t} VALUES ('a2', NULL, NULL, 'pro', 'x', 1, NULL)`)
	src := newSource(t, e.db, "SELECT * FROM "+table, &sqlsrc.Options{Columns: allColumns})
	if got := src.LastPull(); got.Records != 0 {
		t.Errorf("before any pull: %+v", got)
	}
	collect(t, src)
	if got := src.LastPull(); got.Records != 2 {
		t.Errorf("LastPull = %+v, want 2 records (one bad)", got)
	}
}

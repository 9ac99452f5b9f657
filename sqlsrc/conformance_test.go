package sqlsrc_test

import (
	"context"
	"database/sql"
	"fmt"
	"testing"

	"github.com/driftexact/driftexact/source"
	"github.com/driftexact/driftexact/source/sourcetest"
	"github.com/driftexact/driftexact/sqlsrc"
)

var conformanceColumns = sqlsrc.Columns{
	AccountID: "account_id", CustomerID: "customer", SubscriptionID: "sub",
	Plan: "plan", Seats: "seats", Access: "active", Expires: "expires",
}

// storeGrants writes grants to a new table the way a host might, with
// NULL for absent values.
func storeGrants(t *testing.T, e *engine, timeType string, grants []source.Grant) string {
	table := e.table(t, fmt.Sprintf(`account_id VARCHAR(32), customer VARCHAR(32),
		sub VARCHAR(32), plan VARCHAR(16), seats INTEGER, active BOOLEAN, expires %s`, timeType))
	tx, err := e.db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	insert := fmt.Sprintf("INSERT INTO %s VALUES (%s, %s, %s, %s, %s, %s, %s)", table,
		e.ph(1), e.ph(2), e.ph(3), e.ph(4), e.ph(5), e.ph(6), e.ph(7))
	for _, g := range grants {
		_, err := tx.Exec(insert, g.AccountID, null(g.CustomerID), null(g.SubscriptionID),
			g.Plan, g.Seats, g.Active, sql.NullTime{Time: g.Expires, Valid: !g.Expires.IsZero()})
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	return table
}

func null(s string) sql.NullString { return sql.NullString{String: s, Valid: s != ""} }

// conformance runs the suite on one engine. failAt, when not empty, is a
// select-list expression that fails at run time for rows past the middle
// (account ids sort in the order stored).
func conformance(t *testing.T, e *engine, timeType, failAt string) {
	h := sourcetest.Access{
		Open: func(t *testing.T, grants []source.Grant) source.Access {
			table := storeGrants(t, e, timeType, grants)
			return newSource(t, e.db, "SELECT * FROM "+table,
				&sqlsrc.Options{Columns: conformanceColumns})
		},
	}
	if e.name == "sqlite" {
		// SQLite keeps a text in an INTEGER column, so a row with
		// unreadable seats can be stored.
		h.OpenBad = func(t *testing.T, grants []source.Grant, bad string) source.Access {
			table := storeGrants(t, e, timeType, grants)
			if _, err := e.db.Exec("INSERT INTO "+table+
				" VALUES (?, 'cus_bad', 'sub_bad', 'pro', 'many', 1, NULL)", bad); err != nil {
				t.Fatal(err)
			}
			return newSource(t, e.db, "SELECT * FROM "+table+" ORDER BY account_id",
				&sqlsrc.Options{Columns: conformanceColumns})
		}
	}
	if failAt != "" {
		h.OpenFailing = func(t *testing.T, grants []source.Grant) source.Access {
			table := storeGrants(t, e, timeType, grants)
			mid := grants[len(grants)/2].AccountID
			return newSource(t, e.db, fmt.Sprintf(
				"SELECT *, CASE WHEN account_id >= '%s' THEN %s END AS boom FROM %s ORDER BY account_id",
				mid, failAt, table), &sqlsrc.Options{Columns: conformanceColumns})
		}
	}
	sourcetest.TestAccess(t, h)
}

// The failing stores are the engines' own run-time errors, not a mock's.
func TestSQLiteConforms(t *testing.T) {
	conformance(t, openSQLite(t), "DATETIME", "abs(-9223372036854775807 - 1)")
}

func TestPostgresConforms(t *testing.T) {
	conformance(t, openPostgres(t, nil), "timestamptz",
		"1 / (length(account_id) - length(account_id))")
}

// MySQL has no run-time error a SELECT can be made to raise, so the suite
// skips its fatal-error check there.
func TestMySQLConforms(t *testing.T) {
	conformance(t, openMySQL(t, nil), "DATETIME", "")
}

func TestSQLiteFailsMidStream(t *testing.T) {
	e := openSQLite(t)
	table := storeGrants(t, e, "DATETIME", sourcetest.Grants(10))
	src := newSource(t, e.db, `SELECT *, CASE WHEN rowid > 5
		THEN abs(-9223372036854775807 - 1) END AS boom FROM `+table,
		&sqlsrc.Options{Columns: conformanceColumns})
	n := 0
	var fatal error
	for _, err := range src.Grants(context.Background()) {
		if err != nil {
			fatal = err
			continue
		}
		n++
	}
	if n != 5 || fatal == nil {
		t.Errorf("read %d grants then %v; want 5 then an overflow error", n, fatal)
	}
}

package sqlsrc_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/go-sql-driver/mysql"

	"github.com/driftexact/driftexact/sqlsrc"
)

var idOnly = &sqlsrc.Options{Columns: sqlsrc.Columns{AccountID: "account_id"}}

// refused runs a pull that must fail before yielding a grant, and returns
// its error.
func refused(t *testing.T, src *sqlsrc.Source) error {
	t.Helper()
	gs, errs := collect(t, src)
	if len(gs) > 0 || len(errs) != 1 {
		t.Fatalf("pull yielded %+v and errors %v; want a single error", gs, errs)
	}
	return errs[0]
}

func TestSQLiteRunsReadOnly(t *testing.T) {
	e := openSQLite(t)
	e.db.SetMaxOpenConns(1) // every pull and write below shares one connection
	table := e.table(t, "account_id TEXT", `INSERT INTO {t} VALUES ('a1')`)
	for _, q := range []string{
		// INSERT … RETURNING yields rows like a SELECT.
		"INSERT INTO " + table + " VALUES ('intruder') RETURNING account_id",
		"DELETE FROM " + table + " RETURNING account_id",
		"SELECT account_id FROM " + table + "; DELETE FROM " + table,
	} {
		t.Run(q, func(t *testing.T) {
			if _, err := sqlsrc.New(e.db, q, idOnly); !errors.Is(err, sqlsrc.ErrNotSelect) {
				t.Errorf("New: got %v, want ErrNotSelect", err)
			}
			// Past the statement check, query_only stands in the way.
			err := refused(t, sqlsrc.NewUnguarded(e.db, q, idOnly))
			if !strings.Contains(err.Error(), "readonly database") {
				t.Errorf("refusal %q is not SQLite's read-only error", err)
			}
			if n := e.count(t, table); n != 1 {
				t.Errorf("table holds %d rows after the refused write, want 1", n)
			}
		})
	}
	// A query that hides a COMMIT and a PRAGMA behind SQLite's [..]
	// quoting is refused before it reaches the driver, which would run
	// every statement of the text.
	smuggle := "SELECT 1 AS [x']; COMMIT; PRAGMA query_only=0; DELETE FROM " + table +
		"; SELECT 'acct_1' AS account_id, 1 AS [y']"
	if _, err := sqlsrc.New(e.db, smuggle, idOnly); !errors.Is(err, sqlsrc.ErrNotSelect) {
		t.Errorf("smuggled statements: got %v, want ErrNotSelect", err)
	}
	if n := e.count(t, table); n != 1 {
		t.Errorf("table holds %d rows after the smuggling attempt, want 1", n)
	}
	// The host's own connection is writable again after the pulls.
	if _, err := e.db.Exec("INSERT INTO " + table + " VALUES ('a2')"); err != nil {
		t.Errorf("host write after pulls failed: %v", err)
	}
}

// A database opened read-only by its DSN stays so after a pull.
func TestSQLiteKeepsQueryOnlyOfTheHost(t *testing.T) {
	e := openSQLite(t)
	e.db.SetMaxOpenConns(1)
	table := e.table(t, "account_id TEXT", `INSERT INTO {t} VALUES ('a1')`)
	if _, err := e.db.Exec("PRAGMA query_only = ON"); err != nil {
		t.Fatal(err)
	}
	if _, errs := collect(t, newSource(t, e.db, "SELECT * FROM "+table, idOnly)); len(errs) > 0 {
		t.Fatal(errs)
	}
	if _, err := e.db.Exec("INSERT INTO " + table + " VALUES ('a2')"); err == nil {
		t.Error("a pull switched off the host's own query_only")
	}
	if _, err := e.db.Exec("PRAGMA query_only = OFF"); err != nil {
		t.Fatal(err)
	}
}

func TestPostgresRefusesWrites(t *testing.T) {
	e := openPostgres(t, nil)
	table := e.table(t, "account_id text", `INSERT INTO {t} VALUES ('a1'), ('a2')`)
	for _, tc := range []struct {
		name, query, server string
	}{
		// A data-modifying CTE is a single statement the server would
		// prepare: only the read-only transaction stops it.
		{"data-modifying CTE",
			"WITH d AS (DELETE FROM " + table + " RETURNING account_id) SELECT account_id FROM d",
			"read-only transaction"},
		{"locking read", "SELECT account_id FROM " + table + " FOR UPDATE",
			"read-only transaction"},
		{"stacked statement",
			"SELECT account_id FROM " + table + "; DELETE FROM " + table,
			"multiple commands"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := sqlsrc.New(e.db, tc.query, idOnly); !errors.Is(err, sqlsrc.ErrNotSelect) {
				t.Errorf("New: got %v, want ErrNotSelect", err)
			}
			err := refused(t, sqlsrc.NewUnguarded(e.db, tc.query, idOnly))
			if !strings.Contains(err.Error(), tc.server) {
				t.Errorf("server refusal %q does not mention %q", err, tc.server)
			}
			if n := e.count(t, table); n != 2 {
				t.Errorf("table holds %d rows after the refused write, want 2", n)
			}
		})
	}
}

// A stacked statement reaches MySQL only when the DSN allows several
// statements per query, so this test turns that on.
func TestMySQLRefusesWrites(t *testing.T) {
	e := openMySQL(t, func(c *mysql.Config) { c.MultiStatements = true })
	table := e.table(t, "account_id VARCHAR(8)", `INSERT INTO {t} VALUES ('a1'), ('a2')`)
	for _, tc := range []struct {
		name, query, server string
	}{
		{"stacked statement", "SELECT account_id FROM " + table + "; DELETE FROM " + table,
			"syntax"},
		// COMMIT would end the read-only transaction and let the DELETE
		// run on its own; the server refuses to prepare the three.
		{"stacked commit", "SELECT account_id FROM " + table + "; COMMIT; DELETE FROM " + table,
			"syntax"},
		// A lone DELETE prepares fine: the read-only transaction stops it.
		{"single write", "DELETE FROM " + table, "READ ONLY"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := sqlsrc.New(e.db, tc.query, idOnly); !errors.Is(err, sqlsrc.ErrNotSelect) {
				t.Errorf("New: got %v, want ErrNotSelect", err)
			}
			err := refused(t, sqlsrc.NewUnguarded(e.db, tc.query, idOnly))
			if !strings.Contains(err.Error(), tc.server) {
				t.Errorf("server refusal %q does not mention %q", err, tc.server)
			}
			if n := e.count(t, table); n != 2 {
				t.Errorf("table holds %d rows after the refused write, want 2", n)
			}
		})
	}
	// The same stacked text, run by hand outside sqlsrc, does delete:
	// the refusals above come from sqlsrc, not from the DSN.
	if _, err := e.db.ExecContext(context.Background(),
		"SELECT 1; DELETE FROM "+table); err != nil {
		t.Fatal(err)
	}
	if n := e.count(t, table); n != 0 {
		t.Errorf("control: stacked DELETE left %d rows", n)
	}
}

package history

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"

	_ "github.com/go-sql-driver/mysql"
	_ "github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite"
)

// engine is one SQL engine the store is tested on.
type engine struct {
	name    string
	dialect Dialect
	driver  string
	dsn     string // empty: the engine is not available
}

// sqliteDSN opens path with a busy timeout, as the package doc advises for
// databases written by several connections.
func sqliteDSN(path string) string {
	return "file:" + path + "?_pragma=busy_timeout(20000)&_pragma=journal_mode(WAL)"
}

func engines(t testing.TB) []engine {
	return []engine{
		{"sqlite", SQLite, "sqlite", sqliteDSN(filepath.Join(t.TempDir(), "h.db"))},
		{"postgres", Postgres, "pgx", os.Getenv("DRIFTEXACT_TEST_POSTGRES_DSN")},
		{"mysql", MySQL, "mysql", os.Getenv("DRIFTEXACT_TEST_MYSQL_DSN")},
	}
}

// forEachEngine runs fn on every engine as a subtest, with a table prefix
// of its own that is dropped afterwards. Engines without a DSN skip.
func forEachEngine(t *testing.T, fn func(t *testing.T, e engine, db *sql.DB,
	prefix string)) {
	for _, e := range engines(t) {
		t.Run(e.name, func(t *testing.T) {
			db := e.open(t)
			fn(t, e, db, testPrefix(t, e, db))
		})
	}
}

// open returns a database handle closed at the end of the test, or skips
// when the engine is not available.
func (e engine) open(t testing.TB) *sql.DB {
	t.Helper()
	if e.dsn == "" {
		t.Skipf("%s: set DRIFTEXACT_TEST_%s_DSN to run against it",
			e.name, map[Dialect]string{Postgres: "POSTGRES", MySQL: "MYSQL"}[e.dialect])
	}
	db, err := sql.Open(e.driver, e.dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Ping(); err != nil {
		t.Fatalf("%s: %v", e.name, err)
	}
	return db
}

// testPrefix returns a random table prefix and drops its tables when the
// test ends, so tests sharing one database never meet.
func testPrefix(t testing.TB, e engine, db *sql.DB) string {
	b := make([]byte, 5)
	rand.Read(b)
	prefix := "t" + hex.EncodeToString(b) + "_"
	t.Cleanup(func() {
		for _, tb := range allTables {
			db.ExecContext(context.Background(), "DROP TABLE IF EXISTS "+prefix+tb)
		}
	})
	return prefix
}

// openStore opens a store on db with opts, filling in dialect and prefix.
func openStore(t testing.TB, e engine, db *sql.DB, prefix string,
	opts *Options) *SQLStore {
	t.Helper()
	var o Options
	if opts != nil {
		o = *opts
	}
	o.Dialect, o.Prefix = e.dialect, prefix
	s, err := OpenSQL(context.Background(), db, &o)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

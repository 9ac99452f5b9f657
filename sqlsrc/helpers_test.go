package sqlsrc_test

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite"

	"github.com/driftexact/driftexact/source"
	"github.com/driftexact/driftexact/sqlsrc"
)

const (
	postgresVar = "DRIFTEXACT_TEST_POSTGRES_DSN"
	mysqlVar    = "DRIFTEXACT_TEST_MYSQL_DSN"
)

var jul1 = time.Date(2024, 7, 1, 0, 0, 0, 0, time.UTC)

func seats(n int64) *int64 { return &n }

// engine is one SQL database the tests run against.
type engine struct {
	name string
	db   *sql.DB
	ph   func(n int) string // the n-th placeholder, from 1
}

func question(int) string        { return "?" }
func dollar(n int) string        { return fmt.Sprintf("$%d", n) }
func tableName() string          { return fmt.Sprintf("dx_sqlsrc_%08x", rand.Uint32()) }
func (e *engine) String() string { return e.name }

func openSQLite(t testing.TB) *engine {
	t.Helper()
	db, err := sql.Open("sqlite", filepath.Join(t.TempDir(), "access.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return &engine{name: "sqlite", db: db, ph: question}
}

// openPostgres connects to the server named by DRIFTEXACT_TEST_POSTGRES_DSN,
// with runtime parameters params, or skips the test. The connection is
// closed when the test ends.
func openPostgres(t testing.TB, params map[string]string) *engine {
	t.Helper()
	db := connectPostgres(t, params)
	t.Cleanup(func() { db.Close() })
	return &engine{name: "postgres", db: db, ph: dollar}
}

// connectPostgres is openPostgres for a caller that closes db itself.
func connectPostgres(t testing.TB, params map[string]string) *sql.DB {
	t.Helper()
	dsn := os.Getenv(postgresVar)
	if dsn == "" {
		t.Skipf("%s is not set; set it to a PostgreSQL URL such as "+
			"postgres://postgres@127.0.0.1:5432/test?sslmode=disable to run this test", postgresVar)
	}
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		t.Fatalf("%s: %v", postgresVar, err)
	}
	for k, v := range params {
		cfg.RuntimeParams[k] = v
	}
	db := stdlib.OpenDB(*cfg)
	if err := db.Ping(); err != nil {
		db.Close()
		t.Fatalf("%s is set but the server does not answer: %v", postgresVar, err)
	}
	return db
}

// openMySQL connects to the server named by DRIFTEXACT_TEST_MYSQL_DSN, after
// edit has changed its configuration, or skips the test. Sessions run in
// UTC so that TIMESTAMP columns read the same on any server.
func openMySQL(t testing.TB, edit func(*mysql.Config)) *engine {
	t.Helper()
	dsn := os.Getenv(mysqlVar)
	if dsn == "" {
		t.Skipf("%s is not set; set it to a go-sql-driver DSN such as "+
			"root@tcp(127.0.0.1:3306)/test?parseTime=true to run this test", mysqlVar)
	}
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		t.Fatalf("%s: %v", mysqlVar, err)
	}
	if cfg.Params == nil {
		cfg.Params = map[string]string{}
	}
	cfg.Params["time_zone"] = "'+00:00'"
	if edit != nil {
		edit(cfg)
	}
	db, err := sql.Open("mysql", cfg.FormatDSN())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Ping(); err != nil {
		t.Fatalf("%s is set but the server does not answer: %v", mysqlVar, err)
	}
	return &engine{name: "mysql", db: db, ph: question}
}

// exec runs stmts in order on one connection, so that session settings
// made by one apply to the next. The connection is then discarded, so
// that those settings reach no other query.
func (e *engine) exec(t testing.TB, stmts ...string) {
	t.Helper()
	ctx := context.Background()
	conn, err := e.db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		conn.Raw(func(any) error { return driver.ErrBadConn })
		conn.Close()
	}()
	for _, s := range stmts {
		if _, err := conn.ExecContext(ctx, s); err != nil {
			t.Fatalf("%s: %s: %v", e.name, s, err)
		}
	}
}

// table creates a table of a unique name with the given column
// definitions, runs stmts (in which "{t}" stands for the table name) and
// drops the table when the test ends.
func (e *engine) table(t testing.TB, cols string, stmts ...string) string {
	t.Helper()
	name := tableName()
	e.exec(t, fmt.Sprintf("CREATE TABLE %s (%s)", name, cols))
	t.Cleanup(func() {
		if _, err := e.db.Exec("DROP TABLE " + name); err != nil {
			t.Errorf("drop %s: %v", name, err)
		}
	})
	for i := range stmts {
		stmts[i] = strings.ReplaceAll(stmts[i], "{t}", name)
	}
	e.exec(t, stmts...)
	return name
}

func (e *engine) count(t testing.TB, table string) int {
	t.Helper()
	var n int
	if err := e.db.QueryRow("SELECT count(*) FROM " + table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func newSource(t testing.TB, db *sql.DB, query string, opts *sqlsrc.Options) *sqlsrc.Source {
	t.Helper()
	src, err := sqlsrc.New(db, query, opts)
	if err != nil {
		t.Fatal(err)
	}
	return src
}

// collect reads a whole pull, keeping grants and errors apart.
func collect(t testing.TB, src source.Access) ([]source.Grant, []error) {
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

func byAccount(gs []source.Grant) []source.Grant {
	slices.SortFunc(gs, func(a, b source.Grant) int {
		return strings.Compare(a.AccountID, b.AccountID)
	})
	return gs
}

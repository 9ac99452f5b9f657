package history

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"
)

// Dialect names the SQL engine behind a store's database.
type Dialect string

// The supported dialects.
const (
	SQLite   Dialect = "sqlite"   // SQLite, for example through modernc.org/sqlite
	Postgres Dialect = "postgres" // PostgreSQL, for example through pgx's stdlib
	MySQL    Dialect = "mysql"    // MySQL or MariaDB, through go-sql-driver/mysql
)

func (d Dialect) valid() bool {
	switch d {
	case SQLite, Postgres, MySQL:
		return true
	}
	return false
}

// bind rewrites ? placeholders into the dialect's form. Queries built here
// hold no literal question mark.
func (d Dialect) bind(q string) string {
	if d != Postgres {
		return q
	}
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// keyType is the column type of a short key compared byte for byte.
// MySQL's character types ignore case and trailing spaces under common
// collations, so keys there are binary.
func (d Dialect) keyType(n int) string {
	if d == MySQL {
		return fmt.Sprintf("VARBINARY(%d)", n)
	}
	return fmt.Sprintf("VARCHAR(%d)", n)
}

// tableSuffix ends every CREATE TABLE statement.
func (d Dialect) tableSuffix() string {
	if d == MySQL {
		return " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin"
	}
	return ""
}

// insertIgnore starts an INSERT that does nothing for an existing key; its
// second result ends the statement.
func (d Dialect) insertIgnore(table string, keys ...string) (string, string) {
	switch d {
	case MySQL:
		return "INSERT IGNORE INTO " + table, ""
	case SQLite:
		return "INSERT OR IGNORE INTO " + table, ""
	}
	return "INSERT INTO " + table,
		" ON CONFLICT (" + strings.Join(keys, ", ") + ") DO NOTHING"
}

// upsert ends an INSERT so that a row whose key exists replaces the
// columns set.
func (d Dialect) upsert(keys, set []string) string {
	var b strings.Builder
	if d == MySQL {
		b.WriteString(" ON DUPLICATE KEY UPDATE ")
	} else {
		b.WriteString(" ON CONFLICT (" + strings.Join(keys, ", ") +
			") DO UPDATE SET ")
	}
	for i, c := range set {
		if i > 0 {
			b.WriteString(", ")
		}
		if d == MySQL {
			b.WriteString(c + " = VALUES(" + c + ")")
		} else {
			b.WriteString(c + " = excluded." + c)
		}
	}
	return b.String()
}

// saveTx is how a save transaction starts. MySQL runs it at READ
// COMMITTED to avoid gap locks between workspaces; the others keep their
// default.
func (d Dialect) saveTx() *sql.TxOptions {
	if d == MySQL {
		return &sql.TxOptions{Isolation: sql.LevelReadCommitted}
	}
	return nil
}

// querier is what both *sql.Tx and *sql.Conn offer.
type querier interface {
	ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row
}

// exclusive runs fn while holding a lock that every store on the same
// tables takes for migrations, so that two processes opening a store at
// once migrate one after the other. Where DDL is transactional (SQLite,
// PostgreSQL) fn runs in one transaction.
func (d Dialect) exclusive(ctx context.Context, db *sql.DB, name string,
	fn func(querier) error) error {
	switch d {
	case Postgres:
		return exclusivePostgres(ctx, db, name, fn)
	case MySQL:
		return exclusiveMySQL(ctx, db, name, fn)
	}
	return exclusiveSQLite(ctx, db, fn)
}

func exclusivePostgres(ctx context.Context, db *sql.DB, name string,
	fn func(querier) error) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	h := fnv.New64a()
	h.Write([]byte(name))
	if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock($1)",
		int64(h.Sum64())); err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit()
}

// mysqlLockWait is how long, in seconds, a MySQL store waits for another
// process's migration.
const mysqlLockWait = 60

func exclusiveMySQL(ctx context.Context, db *sql.DB, name string,
	fn func(querier) error) (err error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	var got sql.NullInt64
	if err := conn.QueryRowContext(ctx, "SELECT GET_LOCK(?, ?)",
		name, mysqlLockWait).Scan(&got); err != nil {
		return err
	}
	if got.Int64 != 1 {
		return fmt.Errorf("lock %q not granted within %ds", name, mysqlLockWait)
	}
	defer func() {
		_, rerr := conn.ExecContext(context.WithoutCancel(ctx),
			"DO RELEASE_LOCK(?)", name)
		err = errors.Join(err, rerr)
	}()
	return fn(conn)
}

func exclusiveSQLite(ctx context.Context, db *sql.DB,
	fn func(querier) error) (err error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		return err
	}
	if err := fn(conn); err != nil {
		_, rerr := conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
		return errors.Join(err, rerr)
	}
	if _, err := conn.ExecContext(ctx, "COMMIT"); err != nil {
		_, rerr := conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
		return errors.Join(err, rerr)
	}
	return nil
}

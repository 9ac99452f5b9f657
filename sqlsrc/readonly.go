package sqlsrc

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"time"
)

// pull holds what one run of the query opened, in the order it must be
// released.
type pull struct {
	rows    *sql.Rows
	stmt    *sql.Stmt
	tx      *sql.Tx
	release func() // returns a dedicated SQLite connection, if any
}

var readOnly = &sql.TxOptions{ReadOnly: true}

// start begins a read-only transaction, prepares the query in it and runs
// it. Preparing first means the server parses the text as one statement:
// PostgreSQL and MySQL refuse to prepare two.
func (s *Source) start(ctx context.Context) (p *pull, err error) {
	p = &pull{}
	defer func() {
		if err != nil {
			p.close()
		}
	}()
	if s.sqlite {
		p.tx, p.release, err = beginSQLite(ctx, s.db)
	} else {
		p.tx, err = s.db.BeginTx(ctx, readOnly)
	}
	if err != nil {
		return p, fmt.Errorf("sqlsrc: begin read-only transaction: %w", err)
	}
	if p.stmt, err = p.tx.PrepareContext(ctx, s.query); err != nil {
		return p, fmt.Errorf("sqlsrc: prepare query: %w", err)
	}
	if p.rows, err = p.stmt.QueryContext(ctx, s.args...); err != nil {
		return p, fmt.Errorf("sqlsrc: query: %w", err)
	}
	return p, nil
}

// close releases the pull. A read-only transaction has nothing to keep,
// so it is rolled back, and errors closing it are not reported: every row
// was already read or the consumer stopped reading.
func (p *pull) close() {
	if p.rows != nil {
		p.rows.Close()
	}
	if p.stmt != nil {
		p.stmt.Close()
	}
	if p.tx != nil {
		p.tx.Rollback()
	}
	if p.release != nil {
		p.release()
	}
}

// BUG(sqlsrc): SQLite is recognised by its driver's type name (any name
// holding "sqlite"). A SQLite driver wrapped in a type of another name, as
// some tracing wrappers do, is treated like a server engine: the pull then
// relies on the statement check alone, since SQLite ignores a read-only
// transaction.

// beginSQLite begins a transaction on a connection of its own with
// query_only set, since SQLite has no read-only transactions. release
// restores query_only before the connection goes back to the pool; if it
// cannot, the connection is discarded rather than handed on read-only.
func beginSQLite(ctx context.Context, db *sql.DB) (*sql.Tx, func(), error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, nil, err
	}
	var was int
	err = conn.QueryRowContext(ctx, "PRAGMA query_only").Scan(&was)
	if err == nil {
		_, err = conn.ExecContext(ctx, "PRAGMA query_only = ON")
	}
	if err != nil {
		conn.Close()
		return nil, nil, fmt.Errorf("set query_only: %w", err)
	}
	release := func() {
		if was == 0 && !restore(conn) {
			conn.Raw(func(any) error { return driver.ErrBadConn })
		}
		conn.Close()
	}
	tx, err := conn.BeginTx(ctx, readOnly)
	if err != nil {
		release()
		return nil, nil, err
	}
	return tx, release, nil
}

// restore turns query_only off again. It runs after the pull's context may
// have ended, so it has a short context of its own.
func restore(conn *sql.Conn) bool {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err := conn.ExecContext(ctx, "PRAGMA query_only = OFF")
	return err == nil
}

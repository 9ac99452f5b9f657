package agent_test

import (
	"context"
	"crypto/tls"
	"database/sql"
	"errors"
	"iter"
	"net"
	"net/http"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"github.com/driftexact/driftexact/agent"
	"github.com/driftexact/driftexact/internal/testpki"
	"github.com/driftexact/driftexact/source"
	"github.com/driftexact/driftexact/sqlsrc"
)

// grantColumns map the test table to grant fields.
var grantColumns = sqlsrc.Columns{
	AccountID: "account_id", CustomerID: "customer_id",
	SubscriptionID: "subscription_id", Plan: "plan", Seats: "seats",
	Access: "active", Expires: "expires",
}

const grantsQuery = `SELECT account_id, customer_id, subscription_id, plan,
	seats, active, expires FROM grants ORDER BY account_id`

// openGrantsDB returns an SQLite database whose grants table holds gs.
func openGrantsDB(t testing.TB, gs []source.Grant) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", filepath.Join(t.TempDir(), "grants.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Exec(`CREATE TABLE grants (account_id TEXT PRIMARY KEY,
		customer_id TEXT, subscription_id TEXT, plan TEXT, seats,
		active INTEGER, expires TEXT)`); err != nil {
		t.Fatal(err)
	}
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	for _, g := range gs {
		var seats, expires any
		if g.Seats != nil {
			seats = *g.Seats
		}
		if !g.Expires.IsZero() {
			expires = g.Expires.Format(time.RFC3339Nano)
		}
		if _, err := tx.Exec(`INSERT INTO grants VALUES (?, ?, ?, ?, ?, ?, ?)`,
			g.AccountID, g.CustomerID, g.SubscriptionID, g.Plan, seats,
			g.Active, expires); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	return db
}

// sqlAccess returns an sqlsrc source over db's grants table.
func sqlAccess(t testing.TB, db *sql.DB, opts *sqlsrc.Options) *sqlsrc.Source {
	t.Helper()
	if opts == nil {
		opts = &sqlsrc.Options{}
	}
	opts.Columns = grantColumns
	src, err := sqlsrc.New(db, grantsQuery, opts)
	if err != nil {
		t.Fatal(err)
	}
	return src
}

// failingSQLAccess returns an sqlsrc source whose query fails in the
// database when it reaches account acct: SQLite refuses abs() of the
// smallest integer with an overflow error.
func failingSQLAccess(t testing.TB, db *sql.DB, acct string) *sqlsrc.Source {
	t.Helper()
	src, err := sqlsrc.New(db, `SELECT account_id, customer_id, subscription_id,
		plan, CASE WHEN account_id = ? THEN abs(-9223372036854775808)
		ELSE seats END AS seats, active, expires FROM grants ORDER BY account_id`,
		&sqlsrc.Options{Columns: grantColumns, Args: []any{acct}})
	if err != nil {
		t.Fatal(err)
	}
	return src
}

// counting wraps an access source and counts the pulls that reached it.
type counting struct {
	source.Access
	pulls atomic.Int64
	ended atomic.Int64
}

func (c *counting) Grants(ctx context.Context) iter.Seq2[source.Grant, error] {
	return func(yield func(source.Grant, error) bool) {
		c.pulls.Add(1)
		defer c.ended.Add(1)
		for g, err := range c.Access.Grants(ctx) {
			if !yield(g, err) {
				return
			}
		}
	}
}

// Unavailable passes the wrapped source's answer on.
func (c *counting) Unavailable() []string {
	if fr, ok := c.Access.(source.FieldReporter); ok {
		return fr.Unavailable()
	}
	return nil
}

// testAgent is an agent serving on a loopback port with TLS from a test
// CA.
type testAgent struct {
	base    string
	addr    string
	handler *agent.Handler
	server  *http.Server
	ca      *testpki.CA
}

// startAgent serves workspaces over TLS on 127.0.0.1 and stops when the
// test ends.
func startAgent(t testing.TB, ws []agent.Workspace, opts *agent.Options,
	sopts *agent.ServerOptions) *testAgent {
	t.Helper()
	ca := testpki.NewCA(t, "agent test CA")
	h, err := agent.NewHandler(ws, opts)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var so agent.ServerOptions
	if sopts != nil {
		so = *sopts
	}
	so.Addr = ln.Addr().String()
	so.Certificates = []tls.Certificate{ca.Server(t).TLS}
	srv, err := agent.NewServer(h, &so)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.ServeTLS(ln, "", "") }()
	t.Cleanup(func() {
		srv.Close()
		if err := <-done; !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("serve: %v", err)
		}
	})
	return &testAgent{base: "https://" + so.Addr, addr: so.Addr,
		handler: h, server: srv, ca: ca}
}

// open returns a client for workspace ws of a.
func (a *testAgent) open(t testing.TB, ws string, tok agent.Token) *agent.Client {
	t.Helper()
	c, err := agent.Open(a.base+agent.GrantsPath(ws), tok,
		&agent.ClientOptions{RootCAs: a.ca.Pool})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// newToken returns a fresh token and its hash.
func newToken(t testing.TB) (agent.Token, agent.TokenHash) {
	t.Helper()
	tok, err := agent.NewToken()
	if err != nil {
		t.Fatal(err)
	}
	return tok, agent.HashToken(tok)
}

// drain reads a whole pull, keeping grants, record errors and the error
// that ended it.
func drain(ctx context.Context, a source.Access) (
	gs []source.Grant, bad []*source.RecordError, fatal error) {
	for g, err := range a.Grants(ctx) {
		var re *source.RecordError
		switch {
		case errors.As(err, &re):
			bad = append(bad, re)
		case err != nil:
			return gs, bad, err
		default:
			gs = append(gs, g)
		}
	}
	return gs, bad, nil
}

// generated is an access source that makes n grants as they are read,
// holding none of them.
type generated int

func (n generated) Grants(ctx context.Context) iter.Seq2[source.Grant, error] {
	return func(yield func(source.Grant, error) bool) {
		base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
		seats := int64(3)
		for i := range int(n) {
			if i%1024 == 0 && ctx.Err() != nil {
				yield(source.Grant{}, ctx.Err())
				return
			}
			g := source.Grant{
				AccountID: "acct_" + itoa(i), CustomerID: "cus_" + itoa(i),
				SubscriptionID: "sub_" + itoa(i), Plan: "pro", Seats: &seats,
				Active: i%7 != 0, Expires: base.Add(time.Duration(i) * time.Minute),
			}
			if !yield(g, nil) {
				return
			}
		}
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

// blocking is an access source that yields one grant and then waits for
// hold to close or the pull to be cancelled.
type blocking struct{ hold chan struct{} }

func (b blocking) Grants(ctx context.Context) iter.Seq2[source.Grant, error] {
	return func(yield func(source.Grant, error) bool) {
		if !yield(source.Grant{AccountID: "acct_1"}, nil) {
			return
		}
		select {
		case <-b.hold:
		case <-ctx.Done():
			yield(source.Grant{}, ctx.Err())
		}
	}
}

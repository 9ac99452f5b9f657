package driftexact_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	_ "modernc.org/sqlite"

	"github.com/driftexact/driftexact"
	"github.com/driftexact/driftexact/agent"
	"github.com/driftexact/driftexact/source"
	"github.com/driftexact/driftexact/sqlsrc"
	"github.com/driftexact/driftexact/stripesrc"
	"github.com/driftexact/driftexact/stripesrc/stripetest"
)

// Secrets a real run holds. None may reach the debug log.
const (
	secretKey      = "rk_test_51SecretKeyThatMustNotLeak"
	secretPassword = "pw-Hunter2-MustNotLeak"
	secretToken    = agent.Token("tok_AgentTokenThatMustNotLeak_0123456789")
)

// openSQLite opens an access table through a DSN that carries a password,
// as a DSN read from the environment would. SQLite ignores the parameter.
func openSQLite(t *testing.T) *sqlsrc.Source {
	t.Helper()
	dsn := "file:" + filepath.Join(t.TempDir(), "access.db") +
		"?password=" + secretPassword
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	_, err = db.Exec(`CREATE TABLE accounts (id TEXT, sub TEXT, plan TEXT, on_ INTEGER);
		INSERT INTO accounts VALUES ('a1', 'sub_1', 'pro', 1), ('a2', 'sub_2', 'pro', 1)`)
	if err != nil {
		t.Fatal(err)
	}
	src, err := sqlsrc.New(db, `SELECT id, sub, plan, on_ FROM accounts`,
		&sqlsrc.Options{Columns: sqlsrc.Columns{
			AccountID: "id", SubscriptionID: "sub", Plan: "plan", Access: "on_"}})
	if err != nil {
		t.Fatal(err)
	}
	return src
}

// viaAgent serves the SQLite access table through a data agent on
// loopback, logging to logger, and returns a client holding the token.
func viaAgent(t *testing.T, logger *slog.Logger) *agent.Client {
	t.Helper()
	h, err := agent.NewHandler([]agent.Workspace{{ID: "ws", Access: openSQLite(t),
		Tokens: []agent.TokenHash{agent.HashToken(secretToken)}}},
		&agent.Options{Logger: logger, Insecure: true})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	c, err := agent.Open(srv.URL+agent.GrantsPath("ws"), secretToken,
		&agent.ClientOptions{Insecure: true})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func debugLogger() (*slog.Logger, *bytes.Buffer) {
	var buf bytes.Buffer
	h := slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})
	return slog.New(h), &buf
}

func assertNoSecret(t *testing.T, log string) {
	t.Helper()
	if log == "" {
		t.Fatal("the debug log is empty; the test would prove nothing")
	}
	for _, s := range []string{secretKey, secretPassword, string(secretToken),
		"Hunter2", "SecretKey", "AgentToken"} {
		if strings.Contains(log, s) {
			t.Errorf("debug log holds secret %q:\n%s", s, log)
		}
	}
}

// TestDebugLogHoldsNoSecret runs a whole check at debug level: Stripe read
// with a key, access read through a data agent with a token, the agent
// reading a database through a DSN with a password.
func TestDebugLogHoldsNoSecret(t *testing.T) {
	fake, err := stripetest.NewServer(
		json.RawMessage(`{"id":"sub_1","object":"subscription","status":"active",
			"customer":"cus_1","created":1700000000,
			"items":{"object":"list","data":[{"id":"si_1","quantity":1,
			"price":{"id":"price_pro"}}]}}`))
	if err != nil {
		t.Fatal(err)
	}
	defer fake.Close()
	logger, buf := debugLogger()
	billing, err := stripesrc.Open(secretKey, &stripesrc.Options{
		BaseURL: fake.URL, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := driftexact.Check(context.Background(), driftexact.Job{
		Workspace: "ws", Billing: billing, Access: viaAgent(t, logger),
		Profile: proPlans, AsOf: asOf,
		Options: &driftexact.Options{Logger: logger},
	})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Drift() {
		t.Fatal("want drift: a2 names a subscription Stripe does not have")
	}
	for _, want := range []string{"check started", "side read", "compared",
		"read missing subscriptions by id", "source=stripe", "source=agent"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("debug log lacks %q:\n%s", want, buf)
		}
	}
	assertNoSecret(t, buf.String())
}

// TestDebugLogOfFailureHoldsNoSecret has Stripe answer with an error that
// quotes the key back, and shows the log does not carry error texts.
func TestDebugLogOfFailureHoldsNoSecret(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		json.NewEncoder(w).Encode(map[string]any{"error": map[string]string{
			"type":    "invalid_request_error",
			"message": "Invalid API Key provided: " + r.Header.Get("Authorization"),
		}})
	}))
	defer srv.Close()
	logger, buf := debugLogger()
	billing, err := stripesrc.Open(secretKey, &stripesrc.Options{
		BaseURL: srv.URL, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	_, err = driftexact.Check(context.Background(), driftexact.Job{
		Workspace: "ws", Billing: billing, Access: source.NewMemoryAccess(),
		Options: &driftexact.Options{Logger: logger},
	})
	if err == nil {
		t.Fatal("want an error from a 401")
	}
	if !strings.Contains(buf.String(), "side=billing") {
		t.Errorf("debug log does not name the failed side:\n%s", buf)
	}
	assertNoSecret(t, buf.String())
}

package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/driftexact/driftexact/report"
	"github.com/driftexact/driftexact/stripesrc/stripetest"
)

const (
	testKey      = "rk_test_cronworkerKeyNeverPrinted"
	testPassword = "cronworker-Passw0rd-NeverPrinted"
	testToken    = "tok_cronworkerTokenNeverPrinted_0123456789"
)

var (
	june15 = time.Date(2024, 6, 15, 0, 0, 0, 0, time.UTC)
	july1  = time.Date(2024, 7, 1, 0, 0, 0, 0, time.UTC)
)

// stripeSub is a subscription as Stripe's API shows it.
func stripeSub(id, customer, status, price string, qty int64) json.RawMessage {
	b, _ := json.Marshal(map[string]any{
		"id": id, "object": "subscription", "status": status, "customer": customer,
		"created": june15.AddDate(0, -1, 0).Unix(), "current_period_end": july1.Unix(),
		"items": map[string]any{"object": "list", "data": []any{map[string]any{
			"id": "si_" + id, "quantity": qty, "price": map[string]any{"id": price},
		}}},
	})
	return b
}

// fixture is one worker set-up: a fake Stripe, an SQLite access table, a
// configuration file and the environment.
type fixture struct {
	t      *testing.T
	dir    string
	fake   *stripetest.Server
	db     *sql.DB
	config map[string]any
	env    map[string]string
}

// accountRows are the access table's rows; all agree with stripeSubs.
var accountRows = [][]any{
	{"acct_1", "cus_1", "sub_1", "pro", 1, "active", "2024-07-01T00:00:00Z"},
	{"acct_2", "cus_2", "sub_2", "team", 5, "active", "2024-07-01T00:00:00Z"},
	{"acct_3", "cus_3", nil, "free", nil, "active", nil},
}

func stripeSubs() []json.RawMessage {
	return []json.RawMessage{
		stripeSub("sub_1", "cus_1", "active", "price_pro", 1),
		stripeSub("sub_2", "cus_2", "active", "price_team", 5),
	}
}

func newFixture(t *testing.T, subs ...json.RawMessage) *fixture {
	t.Helper()
	fake, err := stripetest.NewServer(subs...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(fake.Close)
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "access.db")
	db, err := sql.Open("sqlite", dbPath)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	_, err = db.Exec(`CREATE TABLE accounts (id TEXT, customer TEXT, subscription TEXT,
		plan TEXT, seats INTEGER, status TEXT, expires TEXT)`)
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{t: t, dir: dir, fake: fake, db: db,
		env: map[string]string{
			"STRIPE_KEY": testKey,
			"ACCESS_DSN": "file:" + dbPath + "?password=" + testPassword,
		}}
	f.insert(accountRows...)
	f.config = f.baseConfig()
	return f
}

func (f *fixture) insert(rows ...[]any) {
	for _, r := range rows {
		if _, err := f.db.Exec(`INSERT INTO accounts VALUES (?, ?, ?, ?, ?, ?, ?)`,
			r...); err != nil {
			f.t.Fatal(err)
		}
	}
}

func (f *fixture) baseConfig() map[string]any {
	var c map[string]any
	err := json.Unmarshal([]byte(`{
	"workspace": "acme-test",
	"as_of": "2024-06-15T00:00:00Z",
	"stripe": {"key_env": "STRIPE_KEY", "base_url": "`+f.fake.URL+`", "rate": 20},
	"access": {"sql": {
		"driver": "sqlite", "dsn_env": "ACCESS_DSN",
		"query": "SELECT id, customer, subscription, plan, seats, status, expires FROM accounts",
		"columns": {"account_id": "id", "customer_id": "customer",
			"subscription_id": "subscription", "plan": "plan", "seats": "seats",
			"access": "status", "expires": "expires"}}},
	"profile": {
		"links": [{"by": "subscription_id"}, {"by": "customer_id"}],
		"price_ids": {"price_pro": "pro", "price_team": "team"},
		"plans": {"pro": {"family": "base"}, "team": {"family": "base", "per_seat": true}},
		"no_billing": ["free"],
		"policy": {"entitling": ["active", "trialing", "past_due"], "paused": "never"},
		"expiry_tolerance": "24h"},
	"outputs": [{"format": "text", "path": "-"},
		{"format": "json", "path": "`+filepath.Join(f.dir, "report.json")+`"}]
	}`), &c)
	if err != nil {
		f.t.Fatal(err)
	}
	return c
}

// set changes the configuration at a dotted path such as "stripe.rate";
// a nil value deletes the field.
func (f *fixture) set(path string, v any) {
	m := f.config
	keys := strings.Split(path, ".")
	for _, k := range keys[:len(keys)-1] {
		m = m[k].(map[string]any)
	}
	if v == nil {
		delete(m, keys[len(keys)-1])
		return
	}
	m[keys[len(keys)-1]] = v
}

// writeConfig writes the configuration and returns its path.
func (f *fixture) writeConfig() string {
	b, err := json.MarshalIndent(f.config, "", "  ")
	if err != nil {
		f.t.Fatal(err)
	}
	return f.writeRaw(b)
}

func (f *fixture) writeRaw(b []byte) string {
	path := filepath.Join(f.dir, "config.json")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		f.t.Fatal(err)
	}
	return path
}

type result struct {
	code           int
	stdout, stderr string
}

// run runs the worker in-process, as main would, with extra arguments.
func (f *fixture) run(terminal bool, args ...string) result {
	f.t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), env{
		args: args,
		getenv: func(k string) (string, bool) {
			v, ok := f.env[k]
			return v, ok
		},
		stdout: &out, stderr: &errb, terminal: terminal,
	})
	return result{code, out.String(), errb.String()}
}

func (f *fixture) readReport() *report.Report {
	f.t.Helper()
	b, err := os.ReadFile(filepath.Join(f.dir, "report.json"))
	if err != nil {
		f.t.Fatal(err)
	}
	var rep report.Report
	if err := json.Unmarshal(b, &rep); err != nil {
		f.t.Fatal(err)
	}
	return &rep
}

func TestCleanDataExitsZero(t *testing.T) {
	f := newFixture(t, stripeSubs()...)
	r := f.run(false, "-config", f.writeConfig())
	if r.code != exitClean || r.stderr != "" {
		t.Fatalf("exit %d, stderr %q; want 0 and nothing", r.code, r.stderr)
	}
	if !strings.Contains(r.stdout, "DriftExact report: no drift found") ||
		!strings.Contains(r.stdout, "acme-test") {
		t.Errorf("stdout is not a clean text report:\n%s", r.stdout)
	}
	rep := f.readReport()
	if rep.Drift() || rep.Billing.Records != 2 || rep.Access.Records != 3 {
		t.Errorf("report: drift %v, records %d and %d; want none, 2 and 3",
			rep.Drift(), rep.Billing.Records, rep.Access.Records)
	}
	if !rep.AsOf.Equal(june15) {
		t.Errorf("as-of %v, want %v from the config", rep.AsOf, june15)
	}
}

func TestDriftExitsOne(t *testing.T) {
	subs := append(stripeSubs(),
		stripeSub("sub_4", "cus_4", "active", "price_pro", 1),
		stripeSub("sub_5", "cus_5", "canceled", "price_pro", 1))
	f := newFixture(t, subs...)
	f.insert(
		[]any{"acct_4", "cus_4", "sub_4", "pro", 1, "revoked", nil},
		[]any{"acct_5", "cus_5", "sub_5", "pro", 1, "active", nil},
	)
	r := f.run(false, "-config", f.writeConfig())
	if r.code != exitDrift || r.stderr != "" {
		t.Fatalf("exit %d, stderr %q; want 1 and nothing", r.code, r.stderr)
	}
	for _, want := range []string{"2 findings", "paid_without_access", "acct_4",
		"access_without_payment", "acct_5"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, r.stdout)
		}
	}
	if rep := f.readReport(); rep.Counts.Total != 2 {
		t.Errorf("JSON report holds %d findings, want 2", rep.Counts.Total)
	}
}

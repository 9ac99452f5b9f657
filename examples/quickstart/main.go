// Command quickstart runs one complete DriftExact check on sample data,
// with no network and no set-up.
//
// It creates an SQLite database of sample access records in a temporary
// directory, serves sample Stripe subscriptions from an in-process fake of
// Stripe's list API, reads both through the real adapters (sqlsrc and
// stripesrc), and prints the report. The sample holds clean accounts and
// one or more cases of several kinds of drift.
//
//	go run ./examples/quickstart               # text report
//	go run ./examples/quickstart -format json  # JSON report
//	go run ./examples/quickstart -format html > report.html
package main

import (
	"context"
	"database/sql"
	_ "embed"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	_ "modernc.org/sqlite"

	"github.com/driftexact/driftexact"
	"github.com/driftexact/driftexact/compare"
	"github.com/driftexact/driftexact/report"
	"github.com/driftexact/driftexact/sqlsrc"
	"github.com/driftexact/driftexact/stripesrc"
	"github.com/driftexact/driftexact/stripesrc/stripetest"
)

//go:embed subscriptions.json
var sampleSubscriptions []byte

// The sample is judged at a fixed instant, and pull stamps come from a
// fixed clock, so the report is the same on every run.
var asOf = time.Date(2024, 6, 15, 0, 0, 0, 0, time.UTC)

const schema = `CREATE TABLE accounts (
	account_id TEXT PRIMARY KEY,
	stripe_customer_id TEXT,
	stripe_subscription_id TEXT,
	plan TEXT NOT NULL,
	seats INTEGER,
	status TEXT NOT NULL,
	expires_at TEXT
)`

// sampleAccounts are rows of the host's own access table.
var sampleAccounts = [][]any{
	{"acct_clean_pro", "cus_QS_clean_pro", "sub_QS_clean_pro", "pro", 1, "active", "2024-07-01T00:00:00Z"},
	{"acct_clean_team", "cus_QS_clean_team", "sub_QS_clean_team", "team", 5, "active", "2024-07-01T00:00:00Z"},
	{"acct_trial", "cus_QS_trial", nil, "basic", 1, "active", "2024-07-01T00:00:00Z"},
	{"acct_free", nil, nil, "free", 1, "active", nil},
	{"acct_locked_out", "cus_QS_locked_out", "sub_QS_locked_out", "pro", 1, "revoked", "2024-06-01T00:00:00Z"},
	{"acct_cancelled", "cus_QS_cancelled", "sub_QS_cancelled", "pro", 1, "active", nil},
	{"acct_upgraded", "cus_QS_upgraded", "sub_QS_upgraded", "basic", 1, "active", "2024-07-01T00:00:00Z"},
	{"acct_legacy", "cus_QS_legacy", "sub_QS_legacy", "pro", 1, "active", "2024-07-01T00:00:00Z"},
}

func sampleProfile() *compare.Profile {
	return &compare.Profile{
		Links: []compare.Link{
			{By: compare.BySubscriptionID},
			{By: compare.ByCustomerID},
			{By: compare.ByMetadata, Key: "app_account_id"},
		},
		PriceIDs:   map[string]string{"price_QS_pro_m": "pro", "price_QS_seat_m": "team"},
		LookupKeys: map[string]string{"basic_monthly": "basic"},
		Plans: map[string]compare.Plan{
			"basic": {Family: "base"}, "pro": {Family: "base"},
			"team": {Family: "base", PerSeat: true},
		},
		NoBilling:       []string{"free"},
		ExpiryTolerance: compare.Duration(24 * time.Hour),
	}
}

func main() {
	format := flag.String("format", "text",
		"report format: text, json, csv, markdown, html or junit")
	flag.Parse()
	if err := run(context.Background(), *format, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(2)
	}
}

func run(ctx context.Context, format string, w io.Writer) error {
	f, err := report.ParseFormat(format)
	if err != nil {
		return err
	}
	var subs []json.RawMessage
	if err := json.Unmarshal(sampleSubscriptions, &subs); err != nil {
		return fmt.Errorf("sample subscriptions: %w", err)
	}
	fake, err := stripetest.NewServer(subs...)
	if err != nil {
		return err
	}
	defer fake.Close()

	dir, err := os.MkdirTemp("", "driftexact-quickstart-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	db, err := sampleDB(ctx, filepath.Join(dir, "access.db"))
	if err != nil {
		return err
	}
	defer db.Close()

	profile := sampleProfile()
	billing, err := stripesrc.Open("rk_test_quickstart", &stripesrc.Options{
		BaseURL: fake.URL, MetadataKeys: profile.MetadataKeys(),
	})
	if err != nil {
		return err
	}
	access, err := sqlsrc.New(db,
		`SELECT account_id, stripe_customer_id, stripe_subscription_id,
		        plan, seats, status, expires_at
		   FROM accounts`,
		&sqlsrc.Options{Columns: sqlsrc.Columns{
			AccountID: "account_id", CustomerID: "stripe_customer_id",
			SubscriptionID: "stripe_subscription_id", Plan: "plan",
			Seats: "seats", Access: "status", Expires: "expires_at",
		}})
	if err != nil {
		return err
	}
	rep, err := driftexact.Check(ctx, driftexact.Job{
		Workspace: "quickstart",
		Billing:   billing,
		Access:    access,
		Profile:   profile,
		AsOf:      asOf,
		Options:   &driftexact.Options{Clock: func() time.Time { return asOf }},
	})
	if err != nil {
		return err
	}
	return report.Write(w, rep, f)
}

// sampleDB creates the sample access table in a new SQLite file.
func sampleDB(ctx context.Context, path string) (*sql.DB, error) {
	db, err := sql.Open("sqlite", path)
	if err != nil {
		return nil, err
	}
	if _, err := db.ExecContext(ctx, schema); err != nil {
		db.Close()
		return nil, fmt.Errorf("create sample table: %w", err)
	}
	for _, row := range sampleAccounts {
		if _, err := db.ExecContext(ctx,
			`INSERT INTO accounts VALUES (?, ?, ?, ?, ?, ?, ?)`, row...); err != nil {
			db.Close()
			return nil, fmt.Errorf("insert sample row %v: %w", row[0], err)
		}
	}
	return db, nil
}

package history_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"github.com/driftexact/driftexact"
	"github.com/driftexact/driftexact/compare"
	"github.com/driftexact/driftexact/history"
	"github.com/driftexact/driftexact/report"
	"github.com/driftexact/driftexact/sqlsrc"
	"github.com/driftexact/driftexact/stripesrc"
	"github.com/driftexact/driftexact/stripesrc/stripetest"
)

// Markers planted in the inputs that must never reach the history.
const (
	secretKey   = "rk_test_SECRETKEY0123456789"
	signingKey  = "SIGNINGKEY-SECRET-0123456789"
	rawMarkers  = "RAWDESC|pm_RAWPAYMENT|RAWMETA|4242|alice@example.com|RAWCUSTOMERNAME"
	keptMetaKey = "app_account_id"
)

// subscription returns a Stripe subscription object carrying fields that
// normalisation drops.
func subscription(id, status, price string) json.RawMessage {
	return json.RawMessage(fmt.Sprintf(`{"id": %q, "object": "subscription",
	 "customer": "cus_%s", "status": %q, "created": 1714521600,
	 "current_period_end": 1719792000,
	 "description": "RAWDESC", "default_payment_method": "pm_RAWPAYMENT",
	 "metadata": {%q: "acct_%s", "note": "RAWMETA"},
	 "items": {"object": "list", "has_more": false, "data": [
	   {"id": "si_%s", "object": "subscription_item", "quantity": 1,
	    "price": {"id": %q, "object": "price", "product": "prod_pro",
	              "unit_amount": 4242, "nickname": "RAWCUSTOMERNAME"}}]}}`,
		id, id, status, keptMetaKey, id, id, price))
}

// fullRun runs one whole check through the real adapters and returns its
// report.
func fullRun(t *testing.T) *report.Report {
	ctx := context.Background()
	fake, err := stripetest.NewServer(
		subscription("sub_1", "active", "price_pro"),
		subscription("sub_2", "active", "price_pro"),
		subscription("sub_3", "canceled", "price_pro"),
		subscription("sub_4", "active", "price_unknown"))
	if err != nil {
		t.Fatal(err)
	}
	defer fake.Close()
	adb, err := sql.Open("sqlite", filepath.Join(t.TempDir(), "access.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer adb.Close()
	for _, q := range []string{
		`CREATE TABLE accounts (id TEXT, sub TEXT, plan TEXT, status TEXT,
		  email TEXT, password_hash TEXT)`,
		`INSERT INTO accounts VALUES
		  ('acct_sub_1', 'sub_1', 'pro', 'active', 'alice@example.com', 'RAWMETA'),
		  ('acct_sub_2', 'sub_2', 'pro', 'revoked', 'alice@example.com', 'RAWMETA'),
		  ('acct_sub_3', 'sub_3', 'pro', 'active', 'alice@example.com', 'RAWMETA'),
		  ('acct_sub_4', 'sub_4', 'pro', 'active', 'alice@example.com', 'RAWMETA')`,
	} {
		if _, err := adb.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	profile := &compare.Profile{PriceIDs: map[string]string{"price_pro": "pro"},
		Links: []compare.Link{{By: compare.BySubscriptionID},
			{By: compare.ByMetadata, Key: keptMetaKey}}}
	billing, err := stripesrc.Open(secretKey, &stripesrc.Options{
		BaseURL: fake.URL, MetadataKeys: profile.MetadataKeys()})
	if err != nil {
		t.Fatal(err)
	}
	access, err := sqlsrc.New(adb, "SELECT id, sub, plan, status FROM accounts",
		&sqlsrc.Options{Columns: sqlsrc.Columns{AccountID: "id",
			SubscriptionID: "sub", Plan: "plan", Access: "status"}})
	if err != nil {
		t.Fatal(err)
	}
	asOf := time.Date(2024, 6, 15, 0, 0, 0, 0, time.UTC)
	rep, err := driftexact.Check(ctx, driftexact.Job{Workspace: "acme",
		Billing: billing, Access: access, Profile: profile, AsOf: asOf,
		Options: &driftexact.Options{Clock: func() time.Time { return asOf }}})
	if err != nil {
		t.Fatal(err)
	}
	if err := rep.Sign([]byte(signingKey), "audit-2024"); err != nil {
		t.Fatal(err)
	}
	if len(rep.Findings) < 3 {
		t.Fatalf("the sample raised %d findings, want 3 or more", len(rep.Findings))
	}
	return rep
}

// TestStoredRowsHoldOnlyReportData stores a full run and dumps every row
// the store wrote. Every column must be a report field or the store's own
// bookkeeping, every text value must come from the report, and nothing
// from the raw inputs or the API key may appear.
func TestStoredRowsHoldOnlyReportData(t *testing.T) {
	rep := fullRun(t)
	db, err := sql.Open("sqlite", filepath.Join(t.TempDir(), "history.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	st, err := history.OpenSQL(ctx, db, &history.Options{Prefix: "h_"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Save(ctx, "acme", rep); err != nil {
		t.Fatal(err)
	}
	// A second, empty run resolves everything, filling the lifecycle and
	// fingerprint tables with resolved entries too.
	empty := *rep
	empty.Findings, empty.Counts = nil, report.Counts{}
	if _, err := st.Save(ctx, "acme", &empty); err != nil {
		t.Fatal(err)
	}
	known := reportValues(t, rep)
	dump := dumpStore(t, db, "h_")
	for table, rows := range dump {
		for _, row := range rows {
			for col, v := range row {
				if !allowedColumn(table, col) {
					t.Errorf("table %s: column %s is not a report field", table, col)
				}
				if s, ok := v.(string); ok && !fromReport(s, known) {
					t.Errorf("table %s column %s: value %q is not in the report", table, col, s)
				}
			}
		}
	}
	text := fmt.Sprint(dump)
	markers := append(strings.Split(rawMarkers, "|"), secretKey, "SECRETKEY", signingKey)
	for _, m := range markers {
		if strings.Contains(text, m) {
			t.Errorf("stored rows contain %q", m)
		}
	}
}

// allowedColumn lists, per table, the columns a store may write: report
// fields under their JSON names (pull and digest fields prefixed by their
// side), keys and order, and the lifecycle's own counts.
func allowedColumn(table, col string) bool {
	keys := []string{"workspace", "run_id", "seq"}
	pulls := []string{}
	for _, side := range []string{"billing", "access"} {
		for _, f := range []string{"source", "started", "finished", "records", "pages"} {
			pulls = append(pulls, side+"_"+f)
		}
	}
	identity := []string{"fingerprint", "kind", "severity", "account",
		"customer_id", "subscriptions", "plan"}
	lifecycle := []string{"status", "first_seen", "since", "last_seen",
		"runs_seen", "streak", "reopened"}
	allowed := map[string][]string{
		"schema": {"id", "version"},
		"workspaces": {"workspace", "last_run", "last_ok_run", "last_ok_as_of",
			"last_ok_masked"},
		"runs": append(append(keys, pulls...), "status", "error",
			"previous_run", "as_of", "schema_version", "engine", "masked",
			"digest_profile", "digest_policy", "digest_billing", "digest_access",
			"integrity_digest", "integrity_signature", "integrity_key_id",
			"coverage_subscriptions", "coverage_grants", "coverage_linked", "total"),
		"counts":   append(keys, "dimension", "name", "n"),
		"checks":   append(keys, "name", "ran", "reason"),
		"coverage": append(keys, "section", "side", "record", "text"),
		"findings": append(append(keys, identity...), "direction", "field",
			"stripe", "internal", "rule", "linked_by", "tried"),
		"lifecycle": append(append(keys, identity...), lifecycle...),
		"fingerprints": append(append(identity, lifecycle[1:]...),
			"workspace", "is_open", "last_run"),
		"acks": {"workspace", "fingerprint", "reason", "author", "created", "expires"},
	}
	return slices.Contains(allowed[table], col)
}

// reportValues returns every string in rep's JSON.
func reportValues(t *testing.T, rep *report.Report) map[string]bool {
	var buf bytes.Buffer
	if err := report.WriteJSON(&buf, rep); err != nil {
		t.Fatal(err)
	}
	var v any
	if err := json.Unmarshal(buf.Bytes(), &v); err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	var walk func(any)
	walk = func(v any) {
		switch v := v.(type) {
		case string:
			out[v] = true
		case []any:
			for _, e := range v {
				walk(e)
			}
		case map[string]any:
			for _, e := range v {
				walk(e)
			}
		}
	}
	walk(v)
	return out
}

// fromReport reports whether a stored text value comes from the report:
// as is, as a time, as a list of its strings, or as one of the store's
// own words.
func fromReport(s string, known map[string]bool) bool {
	own := []string{"", "ok", "kind", "severity", "incomplete",
		"unknown_status", "out_of_scope", "new", "persisting", "reopened",
		"resolved", "unchecked"}
	if known[s] || slices.Contains(own, s) {
		return true
	}
	if tm, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return known[tm.UTC().Format(time.RFC3339Nano)]
	}
	var list []string
	if json.Unmarshal([]byte(s), &list) == nil && len(list) > 0 {
		for _, e := range list {
			if !known[e] {
				return false
			}
		}
		return true
	}
	return false
}

// dumpStore returns every row of every table whose name starts with
// prefix, keyed by the name without it.
func dumpStore(t *testing.T, db *sql.DB, prefix string) map[string][]map[string]any {
	names, err := db.Query(`SELECT name FROM sqlite_master
		WHERE type = 'table' AND name LIKE ? ORDER BY name`, prefix+"%")
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for names.Next() {
		var n string
		names.Scan(&n)
		tables = append(tables, n)
	}
	names.Close()
	if len(tables) == 0 {
		t.Fatal("no tables to dump")
	}
	out := map[string][]map[string]any{}
	for _, tb := range tables {
		rows, err := db.Query("SELECT * FROM " + tb)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			row := map[string]any{}
			for i, c := range cols {
				row[c] = vals[i]
			}
			out[strings.TrimPrefix(tb, prefix)] = append(out[strings.TrimPrefix(tb, prefix)], row)
		}
		rows.Close()
	}
	return out
}

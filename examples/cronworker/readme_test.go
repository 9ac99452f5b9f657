package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// readmeConfig returns the complete configuration the README's cron worker
// section shows.
func readmeConfig(t *testing.T) map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(b), "\n## Cron worker\n")
	if !ok {
		t.Fatal("README has no Cron worker section")
	}
	_, block, ok := strings.Cut(section, "```json\n")
	block, _, ok2 := strings.Cut(block, "```")
	if !ok || !ok2 {
		t.Fatal("the Cron worker section has no json block")
	}
	var c map[string]any
	if err := json.Unmarshal([]byte(block), &c); err != nil {
		t.Fatalf("the README's config is not JSON: %v", err)
	}
	return c
}

// TestREADMEConfig runs the built worker on the README's configuration, as
// a new user would, with local substitutions: Stripe is the fake, the
// access and history databases are SQLite files (the access one holding
// the table the README's query reads), and files go to a temporary
// directory.
func TestREADMEConfig(t *testing.T) {
	bin := binary(t)
	for _, tc := range []struct {
		name     string
		drift    bool
		wantCode int
	}{{"clean", false, 0}, {"drift", true, 1}} {
		t.Run(tc.name, func(t *testing.T) {
			subs := []json.RawMessage{
				stripeSub("sub_1", "cus_1", "active", "price_pro_monthly", 1),
				stripeSub("sub_2", "cus_2", "active", "price_team_monthly", 4),
			}
			f := newFixture(t, subs...)
			f.config = readmeConfig(t)
			setUpREADMETable(t, f, tc.drift)
			f.set("stripe.base_url", f.fake.URL)
			f.set("access.sql.driver", "sqlite")
			f.set("history.driver", "sqlite")
			out := filepath.Join(f.dir, "report.json")
			f.config["outputs"].([]any)[1].(map[string]any)["path"] = out
			f.set("history.lifecycle", filepath.Join(f.dir, "lifecycle.txt"))
			f.env = map[string]string{
				"STRIPE_RESTRICTED_KEY": testKey,
				"ACCESS_DSN":            f.env["ACCESS_DSN"],
				"HISTORY_DSN":           "file:" + filepath.Join(f.dir, "history.db"),
			}
			r := f.exec(bin, "-config", f.writeConfig())
			if r.code != tc.wantCode {
				t.Fatalf("exit %d, want %d; stderr %q, stdout:\n%s",
					r.code, tc.wantCode, r.stderr, r.stdout)
			}
			if !strings.Contains(r.stdout, "DriftExact report") ||
				!strings.Contains(r.stdout, "acme-prod") {
				t.Errorf("no text report on stdout:\n%s", r.stdout)
			}
			rep := f.readReport()
			if rep.Billing.Records != 2 || rep.Access.Records != 3 {
				t.Errorf("records %d and %d, want 2 and 3",
					rep.Billing.Records, rep.Access.Records)
			}
			if lc := f.lifecycle(); !strings.Contains(lc, "LIFECYCLE run 1") {
				t.Errorf("no lifecycle of the first run:\n%s", lc)
			}
			if tc.drift && (rep.Counts.Total != 1 ||
				rep.Findings[0].Kind != "seat_mismatch") {
				t.Errorf("findings %+v, want one seat_mismatch", rep.Findings)
			}
		})
	}
}

// setUpREADMETable creates the accounts table the README's query reads.
// With drift, the team account holds one seat too few.
func setUpREADMETable(t *testing.T, f *fixture, drift bool) {
	t.Helper()
	teamSeats := 4
	if drift {
		teamSeats = 3
	}
	_, err := f.db.Exec(`DROP TABLE accounts;
		CREATE TABLE accounts (id TEXT, stripe_customer_id TEXT,
			stripe_subscription_id TEXT, plan TEXT, seats INTEGER, status TEXT,
			expires_at TEXT)`)
	if err != nil {
		t.Fatal(err)
	}
	for _, row := range [][]any{
		{"acct_1", "cus_1", "sub_1", "pro", 1, "active", "2024-07-01T00:00:00Z"},
		{"acct_2", "cus_2", "sub_2", "team", teamSeats, "trialing", "2024-07-01T00:00:00Z"},
		{"acct_3", nil, nil, "staff", nil, "active", nil},
	} {
		if _, err := f.db.Exec(`INSERT INTO accounts VALUES (?, ?, ?, ?, ?, ?, ?)`,
			row...); err != nil {
			t.Fatal(err)
		}
	}
}

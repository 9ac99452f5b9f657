package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBadConfigExitsTwo runs the worker with one fault in an otherwise good
// set-up. Each must exit 2 with one line naming the field, before any
// request reaches Stripe and before any report is written.
func TestBadConfigExitsTwo(t *testing.T) {
	tests := []struct {
		name   string
		break_ func(f *fixture)
		want   string
	}{
		{"unknown top-level field", func(f *fixture) { f.set("workspaces", "x") },
			"workspaces: unknown field"},
		{"unknown stripe field", func(f *fixture) { f.set("stripe.acount", "acct_1") },
			`stripe: unknown field "acount"`},
		{"unknown field deep in the profile",
			func(f *fixture) { f.set("profile.plans.team.seats", true) },
			`profile.plans.team: unknown field "seats"`},
		{"unknown field in an output", func(f *fixture) {
			f.config["outputs"].([]any)[1].(map[string]any)["mode"] = "0600"
		}, `outputs[1]: unknown field "mode"`},
		{"key variable not set", func(f *fixture) { delete(f.env, "STRIPE_KEY") },
			`stripe.key_env: environment variable "STRIPE_KEY" is not set`},
		{"key variable empty", func(f *fixture) { f.env["STRIPE_KEY"] = " " },
			`stripe.key_env: environment variable "STRIPE_KEY" is empty`},
		{"a full secret key", func(f *fixture) { f.env["STRIPE_KEY"] = "sk_test_fullSecret" },
			"stripe: stripesrc: refusing a full secret key"},
		{"key variable not named", func(f *fixture) { f.set("stripe.key_env", nil) },
			"stripe.key_env: required"},
		{"no stripe section", func(f *fixture) { f.set("stripe", nil) }, "stripe: required"},
		{"no workspace", func(f *fixture) { f.set("workspace", nil) }, "workspace: required"},
		{"malformed as_of", func(f *fixture) { f.set("as_of", "15/06/2024") },
			`as_of: "15/06/2024" is not an RFC 3339 time`},
		{"malformed duration", func(f *fixture) { f.set("profile.expiry_tolerance", "1 day") },
			"profile.expiry_tolerance: time: unknown unit"},
		{"malformed grace", func(f *fixture) {
			f.set("profile.policy.grace", map[string]any{"past_due": "soon"})
		}, "profile.policy.grace.past_due: time: invalid duration"},
		{"rate of the wrong type", func(f *fixture) { f.set("stripe.rate", "fast") },
			"stripe.rate: want a number, got a JSON string"},
		{"rate too high", func(f *fixture) { f.set("stripe.rate", 100) },
			"stripe.rate: 100 is outside 0 to 25"},
		{"retries below -1", func(f *fixture) { f.set("stripe.max_retries", -2) },
			"stripe.max_retries: -2 is below -1"},
		{"output over the access database", func(f *fixture) {
			f.set("outputs", []any{map[string]any{"format": "json",
				"path": filepath.Join(f.dir, ".", "access.db")}})
		}, `is the file access.sql.dsn_env reads`},
		{"one file under two spellings", func(f *fixture) {
			f.set("outputs", []any{
				map[string]any{"format": "text", "path": filepath.Join(f.dir, "out.txt")},
				map[string]any{"format": "json", "path": f.dir + "/./out.txt"}})
		}, `is already written by outputs[0]`},
		{"missing SQLite file", func(f *fixture) {
			f.env["ACCESS_DSN"] = "file:" + filepath.Join(t.TempDir(), "typo.db")
		}, `access.sql.dsn_env: the SQLite file named in "ACCESS_DSN" does not exist`},
		{"malformed base URL", func(f *fixture) { f.set("stripe.base_url", "localhost:1") },
			`stripe.base_url: "localhost:1" is not an http or https URL`},
		{"malformed connected account", func(f *fixture) { f.set("stripe.account", "123") },
			`stripe.account: "123" is not a connected account id`},
		{"no access section", func(f *fixture) { f.set("access", nil) },
			"access: required"},
		{"both sql and csv", func(f *fixture) {
			f.set("access.csv", map[string]any{"path": "grants.csv"})
		}, "access: give only one of sql, csv and agent"},
		{"empty access section", func(f *fixture) { f.set("access", map[string]any{}) },
			"access: give one of sql, csv and agent"},
		{"CSV file missing", func(f *fixture) {
			f.config["access"] = map[string]any{"csv": map[string]any{
				"path": filepath.Join(f.dir, "missing.csv")}}
		}, "access.csv.path: stat"},
		{"CSV without an account column", func(f *fixture) {
			path := filepath.Join(f.dir, "grants.csv")
			os.WriteFile(path, []byte("plan,seats\npro,1\n"), 0o600)
			f.config["access"] = map[string]any{"csv": map[string]any{"path": path}}
		}, "access.csv: "},
		{"agent token variable not set", func(f *fixture) {
			f.config["access"] = map[string]any{"agent": map[string]any{
				"url":       "https://127.0.0.1:1/v1/workspaces/acme-test/grants",
				"token_env": "AGENT_TOKEN"}}
		}, `access.agent.token_env: environment variable "AGENT_TOKEN" is not set`},
		{"agent over plain http", func(f *fixture) {
			f.env["AGENT_TOKEN"] = testToken
			f.config["access"] = map[string]any{"agent": map[string]any{
				"url":       "http://agent.internal/v1/workspaces/acme-test/grants",
				"token_env": "AGENT_TOKEN"}}
		}, "access.agent.url: agent: url"},
		{"agent CA file without a certificate", func(f *fixture) {
			f.env["AGENT_TOKEN"] = testToken
			ca := filepath.Join(f.dir, "ca.pem")
			os.WriteFile(ca, []byte("not a certificate"), 0o600)
			f.config["access"] = map[string]any{"agent": map[string]any{
				"url":       "https://127.0.0.1:1/v1/workspaces/acme-test/grants",
				"token_env": "AGENT_TOKEN", "ca_file": ca}}
		}, "access.agent.ca_file: no PEM certificate in the file"},
		{"unknown driver", func(f *fixture) { f.set("access.sql.driver", "oracle") },
			`access.sql.driver: "oracle" is not one of mysql, pgx, postgres, sqlite`},
		{"DSN variable not set", func(f *fixture) { delete(f.env, "ACCESS_DSN") },
			`access.sql.dsn_env: environment variable "ACCESS_DSN" is not set`},
		{"malformed postgres DSN", func(f *fixture) {
			f.set("access.sql.driver", "postgres")
			f.env["ACCESS_DSN"] = "postgres://u:" + testPassword + "@[::1"
		}, `access.sql.dsn_env: the DSN in "ACCESS_DSN" is not valid for postgres`},
		{"no query", func(f *fixture) { f.set("access.sql.query", "") },
			"access.sql.query: required"},
		{"malformed mysql DSN", func(f *fixture) {
			f.set("access.sql.driver", "mysql")
			f.env["ACCESS_DSN"] = "root:" + testPassword + "@tcp(127.0.0.1:3306)"
		}, `access.sql.dsn_env: the DSN in "ACCESS_DSN" is not valid for mysql`},
		{"a query that writes", func(f *fixture) {
			f.set("access.sql.query", "DELETE FROM accounts")
		}, "access.sql: sqlsrc: only a single SELECT"},
		{"no account column", func(f *fixture) {
			f.set("access.sql.columns.account_id", nil)
		}, "access.sql.columns.account_id: required"},
		{"bad link strategy", func(f *fixture) {
			f.set("profile.links", []any{map[string]any{"by": "email"}})
		}, `profile.links[0]: unknown link strategy "email"`},
		{"bad paused policy", func(f *fixture) { f.set("profile.policy.paused", "maybe") },
			`profile.policy.paused: unknown value "maybe"`},
		{"no outputs", func(f *fixture) { f.set("outputs", []any{}) },
			"outputs: at least one output is required"},
		{"unknown format", func(f *fixture) {
			f.config["outputs"].([]any)[0].(map[string]any)["format"] = "pdf"
		}, `outputs[0].format: "pdf" is not one of`},
		{"output directory missing", func(f *fixture) {
			f.config["outputs"].([]any)[1].(map[string]any)["path"] =
				filepath.Join(f.dir, "nowhere", "r.json")
		}, "outputs[1].path: directory"},
		{"unknown history driver", func(f *fixture) {
			f.withHistory()
			f.set("history.driver", "sqlite3")
		}, `history.driver: "sqlite3" is not one of`},
		{"history DSN variable not set", func(f *fixture) {
			f.withHistory()
			delete(f.env, "HISTORY_DSN")
		}, `history.dsn_env: environment variable "HISTORY_DSN" is not set`},
		{"bad history prefix", func(f *fixture) {
			f.withHistory()
			f.set("history.prefix", "Drift-")
		}, `history.prefix: "Drift-" must match`},
		{"negative keep_runs", func(f *fixture) {
			f.withHistory()
			f.set("history.keep_runs", -1)
		}, "history.keep_runs: -1 is negative"},
		{"malformed keep_for", func(f *fixture) {
			f.withHistory()
			f.set("history.keep_for", "90 days")
		}, "history.keep_for: time: unknown unit"},
		{"lifecycle on an output's path", func(f *fixture) {
			f.withHistory()
			f.set("history.lifecycle", "-")
		}, `history.lifecycle: "-" is already written by outputs[0]`},
		{"one path twice", func(f *fixture) {
			f.config["outputs"].([]any)[1].(map[string]any)["path"] = "-"
		}, `outputs[1].path: "-" is already written by outputs[0]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, stripeSubs()...)
			tt.break_(f)
			r := f.run(false, "-config", f.writeConfig())
			f.assertRefused(r, tt.want)
		})
	}
}

// assertRefused checks a run that must fail before doing anything.
func (f *fixture) assertRefused(r result, want string) {
	f.t.Helper()
	if r.code != exitError {
		f.t.Errorf("exit %d, want 2", r.code)
	}
	if !strings.Contains(r.stderr, want) {
		f.t.Errorf("stderr %q does not contain %q", r.stderr, want)
	}
	if strings.Count(r.stderr, "\n") != 1 || !strings.HasPrefix(r.stderr, "cronworker: ") {
		f.t.Errorf("stderr %q is not one line starting with the program name", r.stderr)
	}
	for _, secret := range []string{testKey, testPassword, testToken} {
		if strings.Contains(r.stderr, secret) {
			f.t.Errorf("stderr holds a secret: %q", r.stderr)
		}
	}
	if reqs := f.fake.Requests(); len(reqs) > 0 {
		f.t.Errorf("%d requests reached Stripe before the config was refused", len(reqs))
	}
	if r.stdout != "" {
		f.t.Errorf("stdout %q, want nothing", r.stdout)
	}
	if _, err := os.Stat(filepath.Join(f.dir, "report.json")); err == nil {
		f.t.Error("a report file was written")
	}
}

func TestMalformedFileExitsTwo(t *testing.T) {
	tests := []struct {
		name, body, want string
	}{
		{"syntax error", "{\n  \"workspace\": \"a\",\n  \"stripe\": {,\n}",
			"line 3: invalid character"},
		{"empty file", "", "the file holds no complete JSON object"},
		{"two objects", `{"workspace": "a"} {}`, "unexpected data after the top-level object"},
		{"not an object", `["workspace"]`, "the file must hold one JSON object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			r := f.run(false, "-config", f.writeRaw([]byte(tt.body)))
			f.assertRefused(r, tt.want)
		})
	}
}

func TestCommandLineErrorsExitTwo(t *testing.T) {
	f := newFixture(t)
	for _, args := range [][]string{
		{}, {"-config"}, {"-nope"}, {"-config", "a.json", "extra"},
		{"-config", filepath.Join(f.dir, "missing.json")},
	} {
		r := f.run(false, args...)
		if r.code != exitError || !strings.HasPrefix(r.stderr, "cronworker: ") ||
			strings.Count(r.stderr, "\n") != 1 {
			t.Errorf("%q: exit %d, stderr %q; want 2 and a reason", args, r.code, r.stderr)
		}
	}
}

func TestHelpExitsZero(t *testing.T) {
	f := newFixture(t)
	r := f.run(false, "-h")
	if r.code != exitClean || !strings.Contains(r.stdout, "-config") || r.stderr != "" {
		t.Errorf("exit %d, stdout %q, stderr %q; want 0 and usage on stdout",
			r.code, r.stdout, r.stderr)
	}
}

package main

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestProgressOnlyOnATerminal(t *testing.T) {
	f := newFixture(t, stripeSubs()...)
	cfg := f.writeConfig()
	if r := f.run(false, "-config", cfg); r.code != exitClean || r.stderr != "" {
		t.Errorf("not a terminal: exit %d, stderr %q; want 0 and nothing", r.code, r.stderr)
	}
	r := f.run(true, "-config", cfg)
	want := "\rpulling: billing 2 records, done, access 3 records, done \n"
	if r.code != exitClean || !strings.HasSuffix(r.stderr, want) {
		t.Errorf("terminal: exit %d, stderr %q; want 0 and a progress line ending %q",
			r.code, r.stderr, want)
	}
	if strings.Contains(r.stdout, "pulling") {
		t.Error("progress reached stdout")
	}
}

func TestVerboseLogHoldsNoSecret(t *testing.T) {
	f := newFixture(t, stripeSubs()...)
	f.withHistory() // a second DSN with a password
	r := f.run(false, "-v", "-config", f.writeConfig())
	if r.code != exitClean {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
	if !strings.Contains(r.stderr, "level=DEBUG") || !strings.Contains(r.stderr, "side=billing") {
		t.Fatalf("no debug log on stderr: %q", r.stderr)
	}
	for _, secret := range []string{testKey, testPassword, "NeverPrinted"} {
		if strings.Contains(r.stderr+r.stdout, secret) {
			t.Errorf("output holds secret %q:\n%s", secret, r.stderr)
		}
	}
}

func TestAccessFailureExitsTwo(t *testing.T) {
	f := newFixture(t, stripeSubs()...)
	f.set("access.sql.query", "SELECT id FROM no_such_table")
	r := f.run(false, "-config", f.writeConfig())
	if r.code != exitError || !strings.Contains(r.stderr, "access side") ||
		!strings.Contains(r.stderr, "no_such_table") {
		t.Errorf("exit %d, stderr %q; want 2 naming the access side", r.code, r.stderr)
	}
	if r.stdout != "" {
		t.Errorf("a report was printed for a failed check:\n%s", r.stdout)
	}
}

func TestStripeFailureExitsTwo(t *testing.T) {
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, `{"error":{"type":"api_error","message":"down"}}`,
			http.StatusServiceUnavailable)
	}))
	defer down.Close()
	f := newFixture(t)
	f.set("stripe.base_url", down.URL)
	f.set("stripe.max_retries", 1)
	r := f.run(false, "-config", f.writeConfig())
	if r.code != exitError || !strings.Contains(r.stderr, "billing side") {
		t.Errorf("exit %d, stderr %q; want 2 naming the billing side", r.code, r.stderr)
	}
	if strings.Contains(r.stderr, testKey) {
		t.Errorf("stderr holds the key: %q", r.stderr)
	}
}

// TestRevokedKeyExitsTwo: Stripe answers 401, which is not retried.
func TestRevokedKeyExitsTwo(t *testing.T) {
	revoked := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		w.Write([]byte(`{"error":{"type":"invalid_request_error",` +
			`"message":"Expired API Key provided"}}`))
	}))
	defer revoked.Close()
	f := newFixture(t)
	f.set("stripe.base_url", revoked.URL)
	r := f.run(false, "-config", f.writeConfig())
	if r.code != exitError || !strings.Contains(r.stderr, "billing side") ||
		!strings.Contains(r.stderr, "Expired API Key") {
		t.Errorf("exit %d, stderr %q; want 2 naming the billing side", r.code, r.stderr)
	}
	if strings.Contains(r.stderr, testKey) {
		t.Errorf("stderr holds the key: %q", r.stderr)
	}
}

// TestUnreadableRowsExitTwo: a row that cannot be read is reported, and
// the run is not called clean, since that row was not compared.
func TestUnreadableRowsExitTwo(t *testing.T) {
	f := newFixture(t, stripeSubs()...)
	f.insert([]any{"acct_9", nil, nil, "free", "lots", "active", nil})
	r := f.run(false, "-config", f.writeConfig())
	if r.code != exitError ||
		!strings.Contains(r.stderr, "1 records could not be read and were not compared") {
		t.Errorf("exit %d, stderr %q; want 2 and the reason", r.code, r.stderr)
	}
	if rep := f.readReport(); len(rep.Coverage.Incomplete) != 1 ||
		rep.Coverage.Incomplete[0].ID != "acct_9" {
		t.Errorf("report coverage %+v, want acct_9 incomplete", rep.Coverage.Incomplete)
	}
}

func TestOutputFileReplacedWhole(t *testing.T) {
	f := newFixture(t, stripeSubs()...)
	path := filepath.Join(f.dir, "report.json")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if r := f.run(false, "-config", f.writeConfig()); r.code != exitClean {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
	if rep := f.readReport(); rep.Workspace != "acme-test" {
		t.Errorf("workspace %q", rep.Workspace)
	}
	left, _ := filepath.Glob(filepath.Join(f.dir, ".report.json.*"))
	if len(left) > 0 {
		t.Errorf("temporary files left behind: %v", left)
	}
}

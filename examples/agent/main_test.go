package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"database/sql"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/driftexact/driftexact/agent"
	"github.com/driftexact/driftexact/internal/testpki"
	"github.com/driftexact/driftexact/source"
)

// newTokenViaCommand runs "agent token" and reads back its two lines.
func newTokenViaCommand(t *testing.T) (agent.Token, string) {
	t.Helper()
	var out bytes.Buffer
	if err := run(context.Background(), []string{"token"}, env{stdout: &out}); err != nil {
		t.Fatal(err)
	}
	var tok, hash string
	for line := range strings.Lines(out.String()) {
		k, v, _ := strings.Cut(line, ":")
		switch k {
		case "token":
			tok = strings.TrimSpace(v)
		case "sha256":
			hash = strings.TrimSpace(v)
		}
	}
	if tok == "" || hash == "" {
		t.Fatalf("agent token printed %q", out.String())
	}
	return agent.Token(tok), hash
}

func TestTokenAndHashCommands(t *testing.T) {
	tok, hash := newTokenViaCommand(t)
	var out bytes.Buffer
	err := run(context.Background(), []string{"hash"},
		env{stdin: strings.NewReader(string(tok) + "\n"), stdout: &out})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.TrimSpace(out.String()); got != hash {
		t.Errorf("agent hash printed %q, agent token said %q", got, hash)
	}
	if want := agent.HashToken(tok).String(); hash != want {
		t.Errorf("hash %q, want %q", hash, want)
	}
	err = run(context.Background(), []string{"hash"},
		env{stdin: strings.NewReader("password1\n"), stdout: &out})
	if err == nil || !strings.Contains(err.Error(), "at least 32") {
		t.Errorf("short token: err = %v, want a refusal", err)
	}
}

// baseConfig returns a valid configuration as a JSON object.
func baseConfig() map[string]any {
	return map[string]any{
		"listen": "127.0.0.1:0",
		"tls":    map[string]any{"cert_file": "agent.crt", "key_file": "agent.key"},
		"database": map[string]any{
			"driver": "sqlite", "dsn_env": "TEST_AGENT_DSN",
		},
		"workspaces": []any{map[string]any{
			"id":    "acme",
			"query": "SELECT account_id, plan, seats, active, expires FROM grants",
			"columns": map[string]any{
				"account_id": "account_id", "plan": "plan", "seats": "seats",
				"access": "active", "expires": "expires",
			},
			"token_sha256": []any{strings.Repeat("ab", 32)},
		}},
	}
}

func writeConfig(t *testing.T, cfg map[string]any) string {
	t.Helper()
	b, err := json.MarshalIndent(cfg, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "agent.json")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestConfigErrorsNameTheField(t *testing.T) {
	ws := func(c map[string]any) map[string]any {
		return c["workspaces"].([]any)[0].(map[string]any)
	}
	tests := []struct {
		name, want string
		edit       func(map[string]any)
	}{
		{"no listen", "listen: required", func(c map[string]any) { delete(c, "listen") }},
		{"no certificate", "tls.cert_file: required", func(c map[string]any) { delete(c, "tls") }},
		{"insecure on all addresses", "insecure_loopback: allowed only with a loopback",
			func(c map[string]any) { c["insecure_loopback"] = true; c["listen"] = ":8080" }},
		{"unknown driver", `database.driver: "oracle" is not one of`,
			func(c map[string]any) { c["database"].(map[string]any)["driver"] = "oracle" }},
		{"no dsn variable", "database.dsn_env: required",
			func(c map[string]any) { delete(c["database"].(map[string]any), "dsn_env") }},
		{"no workspace", "workspaces: at least one",
			func(c map[string]any) { c["workspaces"] = []any{} }},
		{"no id", "workspaces[0].id: required", func(c map[string]any) { delete(ws(c), "id") }},
		{"no query", "workspaces[0].query: required", func(c map[string]any) { ws(c)["query"] = " " }},
		{"no account column", "workspaces[0].columns.account_id: required",
			func(c map[string]any) { delete(ws(c)["columns"].(map[string]any), "account_id") }},
		{"short hash", "workspaces[0].token_sha256[0]: token hash: want 64 hex digits, got 6",
			func(c map[string]any) { ws(c)["token_sha256"] = []any{"abcdef"} }},
		{"duplicate workspace", `workspaces[1].id: "acme" is also the id of workspaces[0]`,
			func(c map[string]any) { c["workspaces"] = append(c["workspaces"].([]any), ws(c)) }},
		{"misspelt field", `unknown field "colums"`,
			func(c map[string]any) { ws(c)["colums"] = ws(c)["columns"] }},
		{"bad duration", `want a duration such as "30s", got "soon"`,
			func(c map[string]any) { c["limits"] = map[string]any{"write_timeout": "soon"} }},
		{"negative burst", "limits.burst: must not be negative",
			func(c map[string]any) { c["limits"] = map[string]any{"burst": -1} }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := baseConfig()
			tt.edit(cfg)
			_, err := loadConfig(writeConfig(t, cfg))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want one containing %q", err, tt.want)
			}
		})
	}
	if _, err := loadConfig(writeConfig(t, baseConfig())); err != nil {
		t.Errorf("the base configuration is refused: %v", err)
	}
}

func TestExampleConfigIsValid(t *testing.T) {
	if _, err := loadConfig("agent.example.json"); err != nil {
		t.Fatal(err)
	}
}

func TestCheckCommand(t *testing.T) {
	cfg := baseConfig()
	cfg["insecure_loopback"] = true
	path := writeConfig(t, cfg)
	var out bytes.Buffer
	e := env{getenv: func(string) string { return "" }, stdout: &out}
	err := run(context.Background(), []string{"check", "-config", path}, e)
	want := `database.dsn_env: the environment variable "TEST_AGENT_DSN" is empty`
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("without the DSN: err = %v", err)
	}
	e.getenv = func(string) string { return filepath.Join(t.TempDir(), "x.db") }
	if err := run(context.Background(), []string{"check", "-config", path}, e); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "ok, 1 workspaces") {
		t.Errorf("check printed %q", out.String())
	}
}

// TestServe runs the agent as a team would, on SQLite with TLS files, and
// reads it with the agent package's client; then rotates the token by
// reloading the configuration.
func TestServe(t *testing.T) {
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "app.db")
	seedApp(t, dbPath)
	ca := testpki.NewCA(t, "examples/agent test CA")
	leaf := ca.Server(t)
	writeFile(t, filepath.Join(dir, "agent.crt"), leaf.CertPEM)
	writeFile(t, filepath.Join(dir, "agent.key"), leaf.KeyPEM)

	tok, hash := newTokenViaCommand(t)
	cfg := baseConfig()
	cfg["tls"] = map[string]any{"cert_file": filepath.Join(dir, "agent.crt"),
		"key_file": filepath.Join(dir, "agent.key")}
	cfg["workspaces"].([]any)[0].(map[string]any)["token_sha256"] = []any{hash}
	path := writeConfig(t, cfg)

	ctx, cancel := context.WithCancel(context.Background())
	listening := make(chan string, 1)
	var logs syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve", "-config", path}, env{
			getenv: func(string) string { return dbPath }, stderr: &logs, listening: listening})
	}()
	var addr string
	select {
	case addr = <-listening:
	case err := <-done:
		t.Fatalf("serve: %v", err)
	}
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
		if strings.Contains(logs.String(), string(tok)) {
			t.Error("the token reached the agent's log")
		}
	}()
	url := "https://" + addr + agent.GrantsPath("acme")
	pull := func(tok agent.Token) ([]source.Grant, error) {
		c, err := agent.Open(url, tok, &agent.ClientOptions{RootCAs: ca.Pool})
		if err != nil {
			t.Fatal(err)
		}
		var gs []source.Grant
		for g, err := range c.Grants(context.Background()) {
			if err != nil {
				return gs, err
			}
			gs = append(gs, g)
		}
		return gs, nil
	}
	gs, err := pull(tok)
	if err != nil {
		t.Fatal(err)
	}
	seats := int64(3)
	want := []source.Grant{
		{AccountID: "a1", Plan: "pro", Seats: &seats, Active: true,
			Expires: time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC)},
		{AccountID: "a2", Plan: "free"},
	}
	if diff := cmp.Diff(want, gs); diff != "" {
		t.Errorf("grants (-want +got):\n%s", diff)
	}
	checkHealth(t, ca, addr)

	// Rotate: the file now holds only a new token's hash.
	fresh, freshHash := newTokenViaCommand(t)
	cfg["workspaces"].([]any)[0].(map[string]any)["token_sha256"] = []any{freshHash}
	b, _ := json.Marshal(cfg)
	writeFile(t, path, b)
	t.Run("reload through SIGHUP", func(t *testing.T) {
		if err := sighup(); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(5 * time.Second)
		for {
			_, err := pull(tok)
			if errors.Is(err, agent.ErrUnauthorized) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("old token after SIGHUP: err = %v, want ErrUnauthorized", err)
			}
			time.Sleep(50 * time.Millisecond)
		}
		if _, err := pull(fresh); err != nil {
			t.Errorf("new token after SIGHUP: %v", err)
		}
		// A broken file changes nothing.
		writeFile(t, path, []byte(`{"listen": `))
		if err := sighup(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(200 * time.Millisecond)
		if _, err := pull(fresh); err != nil {
			t.Errorf("after a SIGHUP with a broken file: %v", err)
		}
		if !strings.Contains(logs.String(), "tokens not reloaded") {
			t.Errorf("the broken file was not logged:\n%s", logs.String())
		}
	})
}

func sighup() error {
	p, err := os.FindProcess(os.Getpid())
	if err != nil {
		return err
	}
	return p.Signal(syscall.SIGHUP)
}

func checkHealth(t *testing.T, ca *testpki.CA, addr string) {
	t.Helper()
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: ca.Pool}}}
	resp, err := hc.Get("https://" + addr + agent.HealthPath)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]string
	json.NewDecoder(resp.Body).Decode(&body)
	if resp.StatusCode != 200 || body["status"] != "ready" {
		t.Errorf("health: %d %v", resp.StatusCode, body)
	}
}

func seedApp(t *testing.T, path string) {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, s := range []string{
		`CREATE TABLE grants (account_id TEXT, plan TEXT, seats INTEGER, active TEXT, expires TEXT)`,
		`INSERT INTO grants VALUES ('a1', 'pro', 3, 'active', '2025-07-01'),
			('a2', 'free', NULL, 'revoked', NULL)`,
	} {
		if _, err := db.Exec(s); err != nil {
			t.Fatal(err)
		}
	}
}

func writeFile(t *testing.T, path string, b []byte) {
	t.Helper()
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// syncBuffer is a bytes.Buffer safe for the agent's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

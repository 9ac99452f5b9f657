package main

import (
	"encoding/pem"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/driftexact/driftexact/agent"
	"github.com/driftexact/driftexact/csvsrc"
	"github.com/driftexact/driftexact/source"
)

func TestCSVAccess(t *testing.T) {
	f := newFixture(t, stripeSubs()...)
	path := filepath.Join(f.dir, "grants.csv")
	csv := "account_id,stripe_customer_id,stripe_subscription_id,plan,seats," +
		"status,expires_at\n" +
		"acct_1,cus_1,sub_1,pro,1,active,2024-07-01T00:00:00Z\n" +
		"acct_2,cus_2,sub_2,team,5,active,2024-07-01T00:00:00Z\n"
	if err := os.WriteFile(path, []byte(csv), 0o600); err != nil {
		t.Fatal(err)
	}
	f.config["access"] = map[string]any{"csv": map[string]any{"path": path}}
	r := f.run(false, "-config", f.writeConfig())
	if r.code != exitClean {
		t.Fatalf("exit %d, stderr %q, stdout:\n%s", r.code, r.stderr, r.stdout)
	}
	if rep := f.readReport(); rep.Access.Records != 2 {
		t.Errorf("access records %d, want 2", rep.Access.Records)
	}
}

// TestAgentAccess reads access through a data agent over TLS on loopback,
// trusting the agent's certificate through ca_file, and checks that the
// verbose log carries no token.
func TestAgentAccess(t *testing.T) {
	f := newFixture(t, stripeSubs()...)
	grants, err := csvsrc.NewAccess(strings.NewReader(
		"account_id,customer_id,subscription_id,plan,seats,status,expires_at\n"+
			"acct_1,cus_1,sub_1,pro,1,active,2024-07-01T00:00:00Z\n"+
			"acct_2,cus_2,sub_2,team,4,active,2024-07-01T00:00:00Z\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	srv := startAgent(t, "acme-test", grants) // a reader source: one pull
	ca := filepath.Join(f.dir, "agent-ca.pem")
	block := &pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}
	if err := os.WriteFile(ca, pem.EncodeToMemory(block), 0o600); err != nil {
		t.Fatal(err)
	}
	f.env["AGENT_TOKEN"] = testToken
	f.config["access"] = map[string]any{"agent": map[string]any{
		"url":       srv.URL + agent.GrantsPath("acme-test"),
		"token_env": "AGENT_TOKEN", "ca_file": ca}}
	r := f.run(false, "-v", "-config", f.writeConfig())
	if r.code != exitDrift {
		t.Fatalf("exit %d, want 1; stderr %q", r.code, r.stderr)
	}
	rep := f.readReport()
	if rep.Access.Source != "agent" || rep.Counts.Total != 1 ||
		rep.Findings[0].Kind != "seat_mismatch" {
		t.Errorf("access from %q, findings %+v; want the agent and one seat_mismatch",
			rep.Access.Source, rep.Findings)
	}
	for _, secret := range []string{testKey, testPassword, testToken} {
		if strings.Contains(r.stderr+r.stdout, secret) {
			t.Errorf("output holds secret %q:\n%s", secret, r.stderr)
		}
	}
}

func startAgent(t *testing.T, workspace string, access source.Access) *httptest.Server {
	t.Helper()
	h, err := agent.NewHandler([]agent.Workspace{{ID: workspace, Access: access,
		Tokens: []agent.TokenHash{agent.HashToken(testToken)}}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewTLSServer(h)
	t.Cleanup(srv.Close)
	return srv
}

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
	"github.com/driftexact/driftexact/stripesrc/stripetest"
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

// TestConnectedAccount reads one connected account's subscriptions: the
// platform's own are not seen.
func TestConnectedAccount(t *testing.T) {
	f := newFixture(t)
	err := f.fake.Seed(
		stripetest.Subscription{ID: "sub_1", Customer: "cus_1", Account: "acct_conn",
			Items: []stripetest.Item{{Price: "price_pro", Quantity: 1}}},
		stripetest.Subscription{ID: "sub_2", Customer: "cus_2", Account: "acct_conn",
			Items: []stripetest.Item{{Price: "price_team", Quantity: 5}}},
		stripetest.Subscription{ID: "sub_platform", Customer: "cus_9",
			Items: []stripetest.Item{{Price: "price_pro", Quantity: 1}}},
	)
	if err != nil {
		t.Fatal(err)
	}
	f.set("stripe.account", "acct_conn")
	r := f.run(false, "-config", f.writeConfig())
	if r.code != exitClean {
		t.Fatalf("exit %d, stderr %q, stdout:\n%s", r.code, r.stderr, r.stdout)
	}
	if rep := f.readReport(); rep.Billing.Records != 2 {
		t.Errorf("billing records %d, want the connected account's 2", rep.Billing.Records)
	}
}

func TestSecretKeyWhenAllowed(t *testing.T) {
	f := newFixture(t, stripeSubs()...)
	f.env["STRIPE_KEY"] = "sk_test_fullSecretAllowed"
	f.set("stripe.allow_secret_key", true)
	if r := f.run(false, "-config", f.writeConfig()); r.code != exitClean {
		t.Errorf("exit %d, stderr %q; want 0", r.code, r.stderr)
	}
}

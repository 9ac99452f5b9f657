package agent_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/driftexact/driftexact/agent"
)

// streamOf returns a well-formed stream, trailer and checksum included,
// that says it is of workspace ws and holds one grant.
func streamOf(ws string) string {
	head := fmt.Sprintf(`{"type":"begin","version":%d,"workspace":%q}`+"\n",
		agent.ProtocolVersion, ws) +
		`{"type":"grant","account_id":"acct_of_` + ws + `","active":true}` + "\n"
	sum := sha256.Sum256([]byte(head))
	return head + fmt.Sprintf(`{"type":"end","grants":1,"record_errors":0,"sha256":%q}`+"\n",
		hex.EncodeToString(sum[:]))
}

// TestClientRefusesAnotherWorkspace has a server answer a pull of acme
// with a valid stream of another workspace. The client hands on none of
// its grants and names both workspaces; the same server's stream of acme
// is accepted, also behind a proxy prefix.
func TestClientRefusesAnotherWorkspace(t *testing.T) {
	body := streamOf("other-tenant")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", agent.ContentType)
		fmt.Fprint(w, body)
	}))
	defer srv.Close()
	opts := &agent.ClientOptions{Insecure: true}
	c, err := agent.Open(srv.URL+agent.GrantsPath("acme"), "tok_test_0123456789", opts)
	if err != nil {
		t.Fatal(err)
	}
	gs, _, err := drain(context.Background(), c)
	if len(gs) != 0 || !errors.Is(err, agent.ErrWrongWorkspace) ||
		!errors.Is(err, agent.ErrIncomplete) {
		t.Fatalf("got %d grants, err %v; want none and ErrWrongWorkspace", len(gs), err)
	}
	for _, ws := range []string{`"other-tenant"`, `"acme"`} {
		if !strings.Contains(err.Error(), ws) {
			t.Errorf("error %q does not name %s", err, ws)
		}
	}
	body = streamOf("acme")
	c, err = agent.Open(srv.URL+"/proxy"+agent.GrantsPath("acme"), "tok_test_0123456789", opts)
	if err != nil {
		t.Fatal(err)
	}
	if gs, _, err := drain(context.Background(), c); err != nil || len(gs) != 1 {
		t.Fatalf("stream of acme: %d grants, err %v", len(gs), err)
	}
}

// TestOpenNeedsAWorkspacePath refuses URLs that name no workspace's
// stream, since the client could not check which workspace answers.
func TestOpenNeedsAWorkspacePath(t *testing.T) {
	for _, path := range []string{"", "/", "/v1/workspaces/acme", "/v1/workspaces//grants",
		"/v1/workspaces/acme/grants/", "/grants"} {
		_, err := agent.Open("https://agent.example"+path, "tok_test_0123456789", nil)
		if err == nil || !strings.Contains(err.Error(), "path must end in") {
			t.Errorf("Open with path %q: err %v", path, err)
		}
	}
}

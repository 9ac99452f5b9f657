package agent_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/driftexact/driftexact"
	"github.com/driftexact/driftexact/agent"
	"github.com/driftexact/driftexact/source"
	"github.com/driftexact/driftexact/source/sourcetest"
)

var checkAsOf = time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)

// TestCheckThroughAgent runs a whole check with the agent's client as the
// access source: the pull is stamped as the agent's, and a row the agent
// could not read is reported as incomplete.
func TestCheckThroughAgent(t *testing.T) {
	gs := sourcetest.Grants(10)
	db := openGrantsDB(t, gs)
	if _, err := db.Exec(`UPDATE grants SET seats = 'many' WHERE account_id = ?`,
		gs[4].AccountID); err != nil {
		t.Fatal(err)
	}
	tok, hash := newToken(t)
	a := startAgent(t, []agent.Workspace{{ID: "acme", Access: sqlAccess(t, db, nil),
		Tokens: []agent.TokenHash{hash}}}, nil, nil)
	rep, err := driftexact.Check(context.Background(), driftexact.Job{
		Workspace: "acme", Billing: source.NewMemoryBilling(),
		Access: a.open(t, "acme", tok), AsOf: checkAsOf,
		Options: &driftexact.Options{Clock: func() time.Time { return checkAsOf }},
	})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Access.Source != "agent" || rep.Access.Records != 10 {
		t.Errorf("access pull = %+v, want source agent and 10 records", rep.Access)
	}
	inc := rep.Coverage.Incomplete
	if len(inc) != 1 || inc[0].Side != "access" || inc[0].ID != gs[4].AccountID {
		t.Errorf("incomplete = %+v, want %s on the access side", inc, gs[4].AccountID)
	}
}

// TestCheckRefusesAShortStream serves a stream without its trailer: the
// check fails rather than compare a partial list.
func TestCheckRefusesAShortStream(t *testing.T) {
	orig := recorded(t, 50)
	cut := orig[:bytes.LastIndex(orig[:len(orig)-1], []byte("\n"))+1]
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", agent.ContentType)
		w.Write(cut)
	}))
	defer srv.Close()
	c, err := agent.Open(srv.URL+agent.GrantsPath("acme"), "tok_test_0123456789",
		&agent.ClientOptions{Insecure: true})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := driftexact.Check(context.Background(), driftexact.Job{
		Workspace: "acme", Billing: source.NewMemoryBilling(), Access: c,
		AsOf:    checkAsOf,
		Options: &driftexact.Options{Clock: func() time.Time { return checkAsOf }},
	})
	if !errors.Is(err, agent.ErrIncomplete) || rep != nil {
		t.Errorf("Check = %v, %v; want no report and ErrIncomplete", rep, err)
	}
}

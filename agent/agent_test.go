package agent_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/driftexact/driftexact/agent"
	"github.com/driftexact/driftexact/source"
	"github.com/driftexact/driftexact/source/sourcetest"
	"github.com/driftexact/driftexact/sqlsrc"
)

// TestClientConforms runs the conformance suite against a client reading
// a real agent over loopback TLS, which reads SQLite through sqlsrc.
func TestClientConforms(t *testing.T) {
	open := func(t *testing.T, gs []source.Grant, fail bool) source.Access {
		db := openGrantsDB(t, gs)
		src := sqlAccess(t, db, nil)
		if fail {
			src = failingSQLAccess(t, db, gs[len(gs)/2].AccountID)
		}
		tok, hash := newToken(t)
		a := startAgent(t, []agent.Workspace{{ID: "acme", Access: src,
			Tokens: []agent.TokenHash{hash}}},
			&agent.Options{Rate: 100, Burst: 100}, nil)
		return a.open(t, "acme", tok)
	}
	sourcetest.TestAccess(t, sourcetest.Access{
		Open: func(t *testing.T, gs []source.Grant) source.Access {
			return open(t, gs, false)
		},
		OpenFailing: func(t *testing.T, gs []source.Grant) source.Access {
			return open(t, gs, true)
		},
	})
}

// TestRecordErrorsTravel shows that a row the agent's source cannot read
// reaches the client as a *source.RecordError naming the record and the
// column, that the pull goes on past it, and that the trailer counts it.
func TestRecordErrorsTravel(t *testing.T) {
	gs := sourcetest.Grants(10)
	db := openGrantsDB(t, gs)
	if _, err := db.Exec(`UPDATE grants SET expires = 'soon' WHERE account_id = ?`,
		gs[4].AccountID); err != nil {
		t.Fatal(err)
	}
	tok, hash := newToken(t)
	a := startAgent(t, []agent.Workspace{{ID: "acme",
		Access: sqlAccess(t, db, nil), Tokens: []agent.TokenHash{hash}}}, nil, nil)
	c := a.open(t, "acme", tok)
	got, bad, err := drain(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 9 {
		t.Errorf("got %d grants, want 9", len(got))
	}
	if len(bad) != 1 {
		t.Fatalf("got %d record errors, want 1", len(bad))
	}
	// The same rows read locally give the same record error, word for
	// word.
	_, local, err := drain(context.Background(), sqlAccess(t, db, nil))
	if err != nil || len(local) != 1 {
		t.Fatalf("local pull: %d record errors, err %v", len(local), err)
	}
	if bad[0].Error() != local[0].Error() || bad[0].Record != gs[4].AccountID ||
		bad[0].Field != "expires" {
		t.Errorf("record error through the agent = %q (record %q, field %q), locally %q",
			bad[0].Error(), bad[0].Record, bad[0].Field, local[0].Error())
	}
	if n := c.LastPull().Records; n != 10 {
		t.Errorf("LastPull().Records = %d, want 10", n)
	}
}

// TestUnavailableTravels shows that the fields the agent's source lacks
// reach the client, so checks needing them are reported as not run.
func TestUnavailableTravels(t *testing.T) {
	db := openGrantsDB(t, sourcetest.Grants(3))
	src, err := sqlsrc.New(db, `SELECT account_id, plan FROM grants`,
		&sqlsrc.Options{Columns: sqlsrc.Columns{AccountID: "account_id", Plan: "plan"}})
	if err != nil {
		t.Fatal(err)
	}
	tok, hash := newToken(t)
	a := startAgent(t, []agent.Workspace{{ID: "acme", Access: src,
		Tokens: []agent.TokenHash{hash}}}, nil, nil)
	c := a.open(t, "acme", tok)
	if _, _, err := drain(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"seats", "expires"}, c.Unavailable()); diff != "" {
		t.Errorf("Unavailable (-want +got):\n%s", diff)
	}
}

// TestSeveralClients pulls from one agent with several clients at once,
// each with its own token, and checks that every pull is whole.
func TestSeveralClients(t *testing.T) {
	const clients, n = 4, 20000
	var ws []agent.Workspace
	var toks []agent.Token
	for i := range clients {
		tok, hash := newToken(t)
		toks = append(toks, tok)
		ws = append(ws, agent.Workspace{ID: "ws" + itoa(i), Access: generated(n),
			Tokens: []agent.TokenHash{hash}})
	}
	a := startAgent(t, ws, &agent.Options{MaxStreams: clients}, nil)
	var wg sync.WaitGroup
	errs := make([]error, clients)
	counts := make([]int, clients)
	for i := range clients {
		wg.Go(func() {
			gs, _, err := drain(context.Background(), a.open(t, ws[i].ID, toks[i]))
			counts[i], errs[i] = len(gs), err
		})
	}
	wg.Wait()
	for i := range clients {
		if errs[i] != nil || counts[i] != n {
			t.Errorf("client %d: %d grants, err %v; want %d", i, counts[i], errs[i], n)
		}
	}
}

// TestBusyAgent shows that a stream beyond MaxStreams is refused with a
// clear error rather than queued.
func TestBusyAgent(t *testing.T) {
	tok, hash := newToken(t)
	hold := make(chan struct{})
	a := startAgent(t, []agent.Workspace{{ID: "acme", Access: blocking{hold},
		Tokens: []agent.TokenHash{hash}}}, &agent.Options{MaxStreams: 1}, nil)
	c := a.open(t, "acme", tok)
	started := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range c.Grants(context.Background()) {
			close(started)
			<-hold
			break
		}
	}()
	<-started
	_, _, err := drain(context.Background(), c)
	close(hold)
	<-done
	if !errors.Is(err, agent.ErrRateLimited) || !strings.Contains(err.Error(), "503") {
		t.Errorf("second stream: err = %v, want ErrRateLimited with status 503", err)
	}
}

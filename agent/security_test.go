package agent_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/driftexact/driftexact/agent"
	"github.com/driftexact/driftexact/internal/testpki"
	"github.com/driftexact/driftexact/source/sourcetest"
)

// securedAgent serves two workspaces from one SQLite database through a
// counting wrapper, and records what the agent logs.
type securedAgent struct {
	*testAgent
	db          *counting
	acme, other agent.Token
	logs        *syncBuffer
}

func startSecured(t *testing.T, opts *agent.Options, sopts *agent.ServerOptions) *securedAgent {
	t.Helper()
	db := openGrantsDB(t, sourcetest.Grants(20))
	acme, acmeHash := newToken(t)
	other, otherHash := newToken(t)
	count := &counting{Access: sqlAccess(t, db, nil)}
	logs := &syncBuffer{}
	var o agent.Options
	if opts != nil {
		o = *opts
	}
	o.Logger = slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	a := startAgent(t, []agent.Workspace{
		{ID: "acme", Access: count, Tokens: []agent.TokenHash{acmeHash}},
		{ID: "globex", Access: count, Tokens: []agent.TokenHash{otherHash}},
	}, &o, sopts)
	s := &securedAgent{testAgent: a, db: count, acme: acme, other: other, logs: logs}
	t.Cleanup(func() { s.checkLogs(t) })
	return s
}

// checkLogs fails the test if any token reached the agent's log.
func (s *securedAgent) checkLogs(t *testing.T) {
	for _, tok := range []agent.Token{s.acme, s.other} {
		if strings.Contains(s.logs.String(), string(tok)) {
			t.Errorf("a token reached the agent's log:\n%s", s.logs.String())
		}
	}
}

// syncBuffer is a bytes.Buffer safe for the server's goroutines.
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

// httpClient trusts the agent's test CA and nothing else.
func (a *testAgent) httpClient() *http.Client {
	return &http.Client{Transport: &http.Transport{
		TLSClientConfig:   &tls.Config{RootCAs: a.ca.Pool},
		DisableKeepAlives: true,
	}}
}

// request sends one request and returns the status, the headers and the
// body.
func (a *testAgent) request(t *testing.T, method, path, auth string) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequest(method, a.base+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := a.httpClient().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, string(body)
}

func TestRequestsThatNeverReachTheDatabase(t *testing.T) {
	s := startSecured(t, &agent.Options{Rate: 100, Burst: 100}, nil)
	wrong, _ := newToken(t)
	acme := agent.GrantsPath("acme")
	bearer := func(tok agent.Token) string { return "Bearer " + string(tok) }
	tests := []struct {
		name, method, path, auth string
		status                   int
		body                     string
	}{
		{"no token", "GET", acme, "", 401, `{"error":"unauthorized"}`},
		{"wrong token", "GET", acme, bearer(wrong), 401, `{"error":"unauthorized"}`},
		{"basic scheme", "GET", acme, "Basic " + string(s.acme), 401, `{"error":"unauthorized"}`},
		{"empty bearer", "GET", acme, "Bearer ", 401, `{"error":"unauthorized"}`},
		{"token in wrong case", "GET", acme, bearer(agent.Token(strings.ToUpper(string(s.acme)))),
			401, `{"error":"unauthorized"}`},
		{"other workspace's token", "GET", acme, bearer(s.other), 403, `{"error":"forbidden"}`},
		// An unknown workspace answers as a foreign one does, so
		// workspace names cannot be probed with a valid token.
		{"unknown workspace", "GET", agent.GrantsPath("initech"), bearer(s.acme), 403,
			`{"error":"forbidden"}`},
		{"unknown workspace, no token", "GET", agent.GrantsPath("initech"), "", 401,
			`{"error":"unauthorized"}`},
		{"POST", "POST", acme, bearer(s.acme), 405, `{"error":"method not allowed"}`},
		{"PUT", "PUT", acme, bearer(s.acme), 405, `{"error":"method not allowed"}`},
		{"DELETE", "DELETE", acme, bearer(s.acme), 405, `{"error":"method not allowed"}`},
		{"PATCH", "PATCH", acme, bearer(s.acme), 405, `{"error":"method not allowed"}`},
		{"OPTIONS", "OPTIONS", acme, bearer(s.acme), 405, `{"error":"method not allowed"}`},
		{"a parameter", "GET", acme + "?query=DELETE+FROM+grants", bearer(s.acme), 400,
			`{"error":"the agent takes no parameters"}`},
		{"unknown path", "GET", "/v1/workspaces/acme", bearer(s.acme), 404, `{"error":"not found"}`},
		{"HEAD", "HEAD", acme, bearer(s.acme), 200, ""},
		{"health", "GET", agent.HealthPath, "", 200, `{"status":"ready"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, hd, body := s.request(t, tt.method, tt.path, tt.auth)
			if status != tt.status || strings.TrimSpace(body) != tt.body {
				t.Errorf("got %d %q, want %d %q", status, body, tt.status, tt.body)
			}
			if tt.status == 405 && hd.Get("Allow") != "GET, HEAD" {
				t.Errorf("Allow = %q, want %q", hd.Get("Allow"), "GET, HEAD")
			}
			if tt.status == 401 && hd.Get("WWW-Authenticate") == "" {
				t.Error("401 without WWW-Authenticate")
			}
		})
	}
	if n := s.db.pulls.Load(); n != 0 {
		t.Fatalf("%d requests reached the database, want none", n)
	}
	// The control: an allowed request does reach it.
	if status, _, _ := s.request(t, "GET", acme, bearer(s.acme)); status != 200 {
		t.Fatalf("allowed request: status %d", status)
	}
	if n := s.db.pulls.Load(); n != 1 {
		t.Errorf("allowed request: %d pulls, want 1", n)
	}
}

func TestReplayAfterRotation(t *testing.T) {
	s := startSecured(t, &agent.Options{Rate: 100, Burst: 100}, nil)
	if _, _, err := drain(context.Background(), s.open(t, "acme", s.acme)); err != nil {
		t.Fatalf("before rotation: %v", err)
	}
	fresh, freshHash := newToken(t)
	if err := s.handler.SetTokens("acme", []agent.TokenHash{freshHash}); err != nil {
		t.Fatal(err)
	}
	_, _, err := drain(context.Background(), s.open(t, "acme", s.acme))
	if !errors.Is(err, agent.ErrUnauthorized) {
		t.Errorf("replayed token after rotation: err = %v, want ErrUnauthorized", err)
	}
	if n := s.db.pulls.Load(); n != 1 {
		t.Errorf("the replayed token reached the database: %d pulls, want 1", n)
	}
	if _, _, err := drain(context.Background(), s.open(t, "acme", fresh)); err != nil {
		t.Errorf("new token: %v", err)
	}
	// A workspace's token cannot be handed to another workspace.
	if err := s.handler.SetTokens("globex", []agent.TokenHash{freshHash}); err == nil {
		t.Error("SetTokens accepted a token of another workspace")
	}
}

func TestRateLimitPerToken(t *testing.T) {
	s := startSecured(t, &agent.Options{Rate: 0.1, Burst: 2}, nil)
	auth := "Bearer " + string(s.acme)
	var got []int
	for range 3 {
		status, hd, _ := s.request(t, "HEAD", agent.GrantsPath("acme"), auth)
		got = append(got, status)
		if status == 429 && hd.Get("Retry-After") != "10" {
			t.Errorf("Retry-After = %q, want 10", hd.Get("Retry-After"))
		}
	}
	if fmt.Sprint(got) != "[200 200 429]" {
		t.Errorf("statuses %v, want [200 200 429]", got)
	}
	// Another token has its own budget.
	if status, _, _ := s.request(t, "HEAD", agent.GrantsPath("globex"),
		"Bearer "+string(s.other)); status != 200 {
		t.Errorf("other token: status %d, want 200", status)
	}
	_, _, err := drain(context.Background(), s.open(t, "acme", s.acme))
	if !errors.Is(err, agent.ErrRateLimited) {
		t.Errorf("client past the limit: err = %v, want ErrRateLimited", err)
	}
	if n := s.db.pulls.Load(); n != 0 {
		t.Errorf("%d rate-limited requests reached the database", n)
	}
}

func TestOversizedHeaders(t *testing.T) {
	s := startSecured(t, nil, &agent.ServerOptions{MaxHeaderBytes: 4 << 10})
	req, _ := http.NewRequest("GET", s.base+agent.GrantsPath("acme"), nil)
	req.Header.Set("Authorization", "Bearer "+string(s.acme))
	req.Header.Set("X-Padding", strings.Repeat("a", 64<<10))
	resp, err := s.httpClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("status %d, want 431", resp.StatusCode)
	}
	if n := s.db.pulls.Load(); n != 0 {
		t.Errorf("%d requests reached the database", n)
	}
}

// TestSlowHeaders sends a request's headers a byte at a time and shows
// that the agent hangs up after its header timeout, long before the
// headers end, without reaching the database.
func TestSlowHeaders(t *testing.T) {
	s := startSecured(t, nil, &agent.ServerOptions{ReadHeaderTimeout: 300 * time.Millisecond})
	conn, err := tls.Dial("tcp", s.addr, &tls.Config{RootCAs: s.ca.Pool})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	closed := make(chan struct{})
	go func() {
		io.Copy(io.Discard, conn)
		close(closed)
	}()
	start := time.Now()
	head := "GET " + agent.GrantsPath("acme") + " HTTP/1.1\r\nHost: x\r\n" +
		"Authorization: Bearer " + string(s.acme) + "\r\nX-Slow: "
	// At most 200 bytes, one each 50ms: ten seconds if never cut off.
	sent := 0
	for ; sent < 200; sent++ {
		b := byte('a')
		if sent < len(head) {
			b = head[sent]
		}
		if _, err := conn.Write([]byte{b}); err != nil {
			break
		}
		select {
		case <-closed:
		case <-time.After(50 * time.Millisecond):
			continue
		}
		break
	}
	select {
	case <-closed:
	case <-time.After(5 * time.Second):
		t.Fatal("the agent kept a connection with unfinished headers open")
	}
	if sent >= 200 {
		t.Errorf("the agent read all %d bytes of dribbled headers", sent)
	}
	t.Logf("cut off after %v and %d bytes", time.Since(start).Round(time.Millisecond), sent)
	if n := s.db.pulls.Load(); n != 0 {
		t.Errorf("%d requests reached the database", n)
	}
}

// TestSlowReader asks for a long stream and then reads nothing. The
// agent's write deadline cuts the client off and the pull is released.
func TestSlowReader(t *testing.T) {
	tok, hash := newToken(t)
	src := &counting{Access: generated(2_000_000)}
	a := startAgent(t, []agent.Workspace{{ID: "acme", Access: src,
		Tokens: []agent.TokenHash{hash}}},
		&agent.Options{WriteTimeout: 300 * time.Millisecond}, nil)
	conn, err := tls.Dial("tcp", a.addr, &tls.Config{RootCAs: a.ca.Pool})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n\r\n",
		agent.GrantsPath("acme"), string(tok))
	deadline := time.Now().Add(20 * time.Second)
	for src.ended.Load() == 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if src.ended.Load() == 0 {
		t.Fatal("a client that reads nothing held the pull open for 20s")
	}
	if src.pulls.Load() != 1 {
		t.Errorf("pulls = %d, want 1", src.pulls.Load())
	}
}

func TestMutualTLS(t *testing.T) {
	db := openGrantsDB(t, sourcetest.Grants(5))
	count := &counting{Access: sqlAccess(t, db, nil)}
	tok, hash := newToken(t)
	clients := testpki.NewCA(t, "client CA")
	a := startAgent(t, []agent.Workspace{{ID: "acme", Access: count,
		Tokens: []agent.TokenHash{hash}}}, nil,
		&agent.ServerOptions{ClientCAs: clients.Pool})
	url := a.base + agent.GrantsPath("acme")
	good := clients.Client(t, "checker").TLS
	stranger := testpki.NewCA(t, "stranger CA").Client(t, "checker").TLS
	for _, tt := range []struct {
		name string
		cert *tls.Certificate
		ok   bool
	}{
		{"no certificate", nil, false},
		{"certificate of another CA", &stranger, false},
		{"certificate of the client CA", &good, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c, err := agent.Open(url, tok, &agent.ClientOptions{
				RootCAs: a.ca.Pool, Certificate: tt.cert})
			if err != nil {
				t.Fatal(err)
			}
			gs, _, err := drain(context.Background(), c)
			if tt.ok && (err != nil || len(gs) != 5) {
				t.Errorf("got %d grants, err %v; want 5", len(gs), err)
			}
			if !tt.ok && err == nil {
				t.Error("the agent accepted a client without a valid certificate")
			}
		})
	}
	if n := count.pulls.Load(); n != 1 {
		t.Errorf("%d pulls reached the database, want 1 (the trusted client's)", n)
	}
}

func TestTransportRules(t *testing.T) {
	tok, hash := newToken(t)
	ws := []agent.Workspace{{ID: "acme", Access: generated(3),
		Tokens: []agent.TokenHash{hash}}}
	h, err := agent.NewHandler(ws, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := agent.NewServer(h, &agent.ServerOptions{Addr: "127.0.0.1:0"}); err == nil {
		t.Error("NewServer without a certificate and without Insecure: no error")
	}
	insecure, err := agent.NewHandler(ws, &agent.Options{Insecure: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, addr := range []string{":8080", "0.0.0.0:8080", "192.0.2.1:8080"} {
		if _, err := agent.NewServer(insecure, &agent.ServerOptions{Addr: addr}); err == nil {
			t.Errorf("NewServer: plain HTTP on %q allowed", addr)
		}
	}

	// Plain HTTP reaches a handler that is not Insecure: refused.
	plain := httptest.NewServer(h)
	defer plain.Close()
	resp, err := http.Get(plain.URL + agent.GrantsPath("acme"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("plain HTTP to a TLS-only handler: status %d, want 400", resp.StatusCode)
	}

	// An Insecure handler on loopback serves an Insecure client.
	loop := httptest.NewServer(insecure)
	defer loop.Close()
	url := loop.URL + agent.GrantsPath("acme")
	if _, err := agent.Open(url, tok, nil); err == nil {
		t.Error("Open accepted an http URL without Insecure")
	}
	c, err := agent.Open(url, tok, &agent.ClientOptions{Insecure: true})
	if err != nil {
		t.Fatal(err)
	}
	if gs, _, err := drain(context.Background(), c); err != nil || len(gs) != 3 {
		t.Errorf("insecure loopback pull: %d grants, err %v", len(gs), err)
	}
	if _, err := agent.Open("http://192.0.2.1/v1/workspaces/acme/grants", tok,
		&agent.ClientOptions{Insecure: true}); err == nil {
		t.Error("Open accepted plain http to a host that is not loopback")
	}
}

func TestOldTLSRefused(t *testing.T) {
	a := startAgent(t, []agent.Workspace{{ID: "acme", Access: generated(1)}}, nil, nil)
	conn, err := tls.Dial("tcp", a.addr, &tls.Config{RootCAs: a.ca.Pool,
		MinVersion: tls.VersionTLS10, MaxVersion: tls.VersionTLS11})
	if err == nil {
		conn.Close()
		t.Fatal("the agent accepted TLS 1.1")
	}
}

func TestTokenNeverShown(t *testing.T) {
	tok, _ := newToken(t)
	c, err := agent.Open("https://127.0.0.1:1/v1/workspaces/acme/grants", tok, nil)
	if err != nil {
		t.Fatal(err)
	}
	var logged bytes.Buffer
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("pull", "token", tok)
	js, _ := json.Marshal(struct{ Token agent.Token }{tok})
	_, _, pullErr := drain(context.Background(), c)
	shown := []string{
		fmt.Sprintf("%v %s %q %x %X %d %#v %+v", tok, tok, tok, tok, tok, tok, tok, tok),
		fmt.Sprintf("%v %+v %#v", c, c, c),
		logged.String(), string(js), pullErr.Error(),
	}
	for _, s := range shown {
		if strings.Contains(s, string(tok)) {
			t.Errorf("the token is shown in %q", s)
		}
	}
	if !strings.Contains(shown[0], "[redacted]") {
		t.Errorf("formatted token = %q, want [redacted]", shown[0])
	}
}

func TestHealthSaysNotReady(t *testing.T) {
	var asked atomic.Int64
	ready := func(context.Context) error {
		asked.Add(1)
		return errors.New("database down")
	}
	s := startSecured(t, &agent.Options{Ready: ready}, nil)
	for range 5 {
		status, _, body := s.request(t, "GET", agent.HealthPath, "")
		if status != 503 || strings.TrimSpace(body) != `{"status":"not ready"}` {
			t.Errorf("got %d %q, want 503 not ready", status, body)
		}
	}
	if n := asked.Load(); n != 1 {
		t.Errorf("Ready was asked %d times in quick succession, want 1", n)
	}
	if n := s.db.pulls.Load(); n != 0 {
		t.Errorf("the health check pulled grants %d times", n)
	}
}

func TestPing(t *testing.T) {
	s := startSecured(t, &agent.Options{Rate: 100, Burst: 100}, nil)
	wrong, _ := newToken(t)
	for _, tt := range []struct {
		name string
		tok  agent.Token
		want error
	}{
		{"own token", s.acme, nil},
		{"wrong token", wrong, agent.ErrUnauthorized},
		{"other workspace's token", s.other, agent.ErrForbidden},
	} {
		err := s.open(t, "acme", tt.tok).Ping(context.Background())
		if !errors.Is(err, tt.want) || (tt.want == nil && err != nil) {
			t.Errorf("%s: Ping = %v, want %v", tt.name, err, tt.want)
		}
	}
	if n := s.db.pulls.Load(); n != 0 {
		t.Errorf("Ping reached the database %d times", n)
	}
}

package agent_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/driftexact/driftexact/agent"
	"github.com/driftexact/driftexact/source"
	"github.com/driftexact/driftexact/source/sourcetest"
)

// halting yields n grants and then waits, until the pull is cancelled,
// after telling reached.
type halting struct {
	n       int
	reached chan struct{}
}

func (h halting) Grants(ctx context.Context) iter.Seq2[source.Grant, error] {
	return func(yield func(source.Grant, error) bool) {
		for g, err := range generated(h.n).Grants(ctx) {
			if !yield(g, err) {
				return
			}
		}
		close(h.reached)
		<-ctx.Done()
		yield(source.Grant{}, ctx.Err())
	}
}

// TestServerDiesMidStream stops the agent, connections and all, while a
// client is part way through a stream. Every time, the client ends with
// an error, not with a short list.
func TestServerDiesMidStream(t *testing.T) {
	for _, n := range []int{0, 1, 700, 20000} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			tok, hash := newToken(t)
			src := halting{n: n, reached: make(chan struct{})}
			a := startAgent(t, []agent.Workspace{{ID: "acme", Access: src,
				Tokens: []agent.TokenHash{hash}}}, nil, nil)
			c := a.open(t, "acme", tok)
			go func() {
				<-src.reached
				// Let the agent's buffer go out before it dies.
				time.Sleep(400 * time.Millisecond)
				a.server.Close()
			}()
			gs, _, err := drain(context.Background(), c)
			if !errors.Is(err, agent.ErrIncomplete) {
				t.Fatalf("after %d of %d grants: err = %v, want ErrIncomplete", len(gs), n, err)
			}
			if len(gs) != n {
				t.Errorf("read %d grants before the cut, want all %d sent", len(gs), n)
			}
			t.Log(err)
		})
	}
}

// cutProxy is a loopback TCP proxy that passes at most limit bytes from
// the agent to the client, then closes or resets the client's connection.
// A negative limit passes everything.
type cutProxy struct {
	ln     net.Listener
	target string
	limit  int
	reset  bool
	wg     sync.WaitGroup // the accept loop and the relays
	relays sync.WaitGroup
	mu     sync.Mutex
	passed int
}

func startProxy(t *testing.T, target string, limit int, reset bool) *cutProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &cutProxy{ln: ln, target: target, limit: limit, reset: reset}
	p.wg.Add(1)
	go p.serve()
	t.Cleanup(func() {
		ln.Close()
		p.wg.Wait()
	})
	return p
}

func (p *cutProxy) serve() {
	defer p.wg.Done()
	for {
		in, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.wg.Add(1)
		p.relays.Add(1)
		go func() {
			defer p.wg.Done()
			defer p.relays.Done()
			p.relay(in.(*net.TCPConn))
		}()
	}
}

func (p *cutProxy) relay(in *net.TCPConn) {
	defer in.Close()
	out, err := net.Dial("tcp", p.target)
	if err != nil {
		return
	}
	defer out.Close()
	go io.Copy(out, in)
	var src io.Reader = out
	if p.limit >= 0 {
		src = io.LimitReader(out, int64(p.limit))
	}
	n, _ := io.Copy(in, src)
	p.mu.Lock()
	p.passed += int(n)
	p.mu.Unlock()
	if p.reset {
		in.SetLinger(0)
	}
}

func (p *cutProxy) addr() string { return p.ln.Addr().String() }

// TestProxyCutsTheStream passes a whole stream through a proxy once to
// learn its length, then cuts it at many points, by a clean close and by
// a reset. No cut gives a pull that ends without an error. It runs over
// plain HTTP, where every byte is the HTTP message, and over TLS.
func TestProxyCutsTheStream(t *testing.T) {
	for _, tls := range []bool{false, true} {
		t.Run(map[bool]string{false: "plain", true: "tls"}[tls], func(t *testing.T) {
			testProxyCuts(t, tls)
		})
	}
}

func testProxyCuts(t *testing.T, useTLS bool) {
	tok, hash := newToken(t)
	// The stream must be the same length on every connection for the
	// cuts to land where they are aimed: 150 grants fit the agent's
	// buffer, so they go out in one piece whatever the timing, and the
	// test CA signs with Ed25519, whose signatures have a fixed length.
	const n = 150
	ws := []agent.Workspace{{ID: "acme", Access: generated(n), Tokens: []agent.TokenHash{hash}}}
	opts := &agent.Options{Rate: 1000, Burst: 1000, Insecure: !useTLS}
	var target, scheme string
	copts := &agent.ClientOptions{Insecure: !useTLS}
	if useTLS {
		a := startAgent(t, ws, opts, nil)
		target, scheme, copts.RootCAs = a.addr, "https://", a.ca.Pool
	} else {
		srv := httptest.NewServer(mustHandler(t, ws, opts))
		defer srv.Close()
		target, scheme = srv.Listener.Addr().String(), "http://"
	}
	pull := func(p *cutProxy) ([]source.Grant, error) {
		c, err := agent.Open(scheme+p.addr()+agent.GrantsPath("acme"), tok, copts)
		if err != nil {
			t.Fatal(err)
		}
		gs, _, err := drain(context.Background(), c)
		return gs, err
	}
	whole := startProxy(t, target, -1, false)
	if gs, err := pull(whole); err != nil || len(gs) != n {
		t.Fatalf("through a proxy that cuts nothing: %d grants, err %v", len(gs), err)
	}
	whole.relays.Wait()
	total, end := whole.passed, whole.passed
	if useTLS {
		// The last 24 bytes are the agent's TLS 1.3 close_notify alert,
		// sent after the whole HTTP message: a cut there loses nothing.
		end = total - 24
	}
	cuts := []int{0, 100, end - 1, end - 2, end - 7, end - 40}
	for i := 1; i < 16; i++ {
		cuts = append(cuts, end*i/16)
	}
	for _, reset := range []bool{false, true} {
		for _, cut := range cuts {
			gs, err := pull(startProxy(t, target, cut, reset))
			if err == nil {
				t.Errorf("cut at byte %d of %d (reset %v): %d grants and no error",
					cut, total, reset, len(gs))
				continue
			}
			if len(gs) > 0 && !errors.Is(err, agent.ErrIncomplete) {
				t.Errorf("cut at byte %d after %d grants: err = %v, want ErrIncomplete",
					cut, len(gs), err)
			}
		}
	}
	if useTLS {
		if gs, err := pull(startProxy(t, target, end, false)); err != nil || len(gs) != n {
			t.Errorf("cut inside the TLS close alert: %d grants, err %v; want all, no error",
				len(gs), err)
		}
	}
}

func mustHandler(t *testing.T, ws []agent.Workspace, opts *agent.Options) *agent.Handler {
	t.Helper()
	h, err := agent.NewHandler(ws, opts)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// recorded fetches one real stream's bytes from an agent.
func recorded(t *testing.T, n int) []byte {
	t.Helper()
	tok, hash := newToken(t)
	a := startAgent(t, []agent.Workspace{{ID: "acme", Access: generated(n),
		Tokens: []agent.TokenHash{hash}}}, nil, nil)
	req, _ := http.NewRequest("GET", a.base+agent.GrantsPath("acme"), nil)
	req.Header.Set("Authorization", "Bearer "+string(tok))
	resp, err := a.httpClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestTamperedStreams serves altered copies of a real stream, each
// framed correctly at the HTTP level, and checks that the client refuses
// every one, every time, saying why.
func TestTamperedStreams(t *testing.T) {
	orig := recorded(t, 50)
	lines := bytes.SplitAfter(orig, []byte("\n"))
	lines = lines[:len(lines)-1] // the empty piece after the last newline
	last := len(lines) - 1
	join := func(ls ...[]byte) []byte { return bytes.Join(ls, nil) }
	without := func(i int) []byte {
		return join(join(lines[:i]...), join(lines[i+1:]...))
	}
	replace := func(old, new string) []byte {
		if !bytes.Contains(orig, []byte(old)) {
			t.Fatalf("the stream holds no %q", old)
		}
		return bytes.Replace(orig, []byte(old), []byte(new), 1)
	}
	sum := string(lines[last][bytes.Index(lines[last], []byte(`"sha256":"`))+10:][:64])
	flipped := strings.Map(func(r rune) rune {
		if r == '0' {
			return '1'
		}
		return '0'
	}, sum[:1]) + sum[1:]
	tests := []struct {
		name, want  string
		body        []byte
		contentType string
	}{
		{"untouched", "", orig, ""},
		{"checksum corrupted", "checksum mismatch", replace(sum, flipped), ""},
		{"a grant altered", "checksum mismatch", replace(`"acct_17"`, `"acct_71"`), ""},
		{"a grant dropped", "the trailer counts 50 grants and 0 record errors, the stream held 49",
			without(5), ""},
		{"trailer dropped", "the stream ended without a trailer", without(last), ""},
		{"trailer count raised", "the trailer counts 51 grants",
			replace(`"grants":50`, `"grants":51`), ""},
		{"trailer counts missing", "the trailer lacks its counts",
			replace(`"grants":50,`, ``), ""},
		{"data after the trailer", "more data follows the trailer",
			join(orig, lines[3]), ""},
		{"cut inside a line", "the stream ended inside a line",
			orig[:len(orig)-len(lines[last])-10], ""},
		{"begin dropped", `does not start with a "begin" record`, without(0), ""},
		{"other version", "stream version 2", replace(`"version":1`, `"version":2`), ""},
		{"unknown record", `unknown record type "grnt"`,
			replace(`"type":"grant"`, `"type":"grnt"`), ""},
		{"source failure", "the agent's source failed: disk on fire",
			join(join(lines[:10]...), []byte(`{"type":"failure","error":"disk on fire"}`+"\n")), ""},
		{"not JSON", "unreadable line", replace(`{"type":"grant"`, `<html>`), ""},
		{"wrong content type", `response of type "text/html"`, orig, "text/html"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ct := cmpOr(tt.contentType, agent.ContentType)
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", ct)
				w.Write(tt.body)
			}))
			defer srv.Close()
			c, err := agent.Open(srv.URL+agent.GrantsPath("acme"), "tok_test_0123456789",
				&agent.ClientOptions{Insecure: true})
			if err != nil {
				t.Fatal(err)
			}
			for range 3 {
				gs, _, err := drain(context.Background(), c)
				if tt.want == "" {
					if err != nil || len(gs) != 50 {
						t.Fatalf("untouched stream: %d grants, err %v", len(gs), err)
					}
					continue
				}
				if err == nil || !strings.Contains(err.Error(), tt.want) {
					t.Fatalf("err = %v, want one saying %q", err, tt.want)
				}
			}
		})
	}
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// TestSourceFailsMidStream has the agent's database fail part way. The
// client is told the source failed, with no database detail; the agent's
// log has the detail.
func TestSourceFailsMidStream(t *testing.T) {
	gs := sourcetest.Grants(100)
	db := openGrantsDB(t, gs)
	tok, hash := newToken(t)
	var logs syncBuffer
	a := startAgent(t, []agent.Workspace{{ID: "acme",
		Access: failingSQLAccess(t, db, gs[60].AccountID), Tokens: []agent.TokenHash{hash}}},
		&agent.Options{Logger: slog.New(slog.NewTextHandler(&logs, nil))}, nil)
	got, _, err := drain(context.Background(), a.open(t, "acme", tok))
	if !errors.Is(err, agent.ErrIncomplete) ||
		!strings.Contains(err.Error(), "after 60 records: the agent's source failed") {
		t.Errorf("err = %v, want ErrIncomplete after 60 records naming the source", err)
	}
	if strings.Contains(err.Error(), "overflow") {
		t.Errorf("the database's own error reached the client: %v", err)
	}
	if len(got) != 60 {
		t.Errorf("%d grants before the failure, want 60", len(got))
	}
	if !strings.Contains(logs.String(), "integer overflow") {
		t.Errorf("the agent's log lacks the database error:\n%s", logs.String())
	}
}

// TestLongStreamOutlivesReadTimeout makes a stream last longer than the
// server's read timeout, which bounds reading the request only: had the
// deadline stayed on the connection, its expiry would cancel the
// request's context and cut the stream.
func TestLongStreamOutlivesReadTimeout(t *testing.T) {
	tok, hash := newToken(t)
	a := startAgent(t, []agent.Workspace{{ID: "acme", Access: slow{pause: 600 * time.Millisecond},
		Tokens: []agent.TokenHash{hash}}}, nil, &agent.ServerOptions{ReadTimeout: 200 * time.Millisecond})
	gs, _, err := drain(context.Background(), a.open(t, "acme", tok))
	if err != nil || len(gs) != 2 {
		t.Errorf("%d grants, err %v; want 2 and no error", len(gs), err)
	}
}

// slow yields a grant, pauses, and yields another.
type slow struct{ pause time.Duration }

func (s slow) Grants(ctx context.Context) iter.Seq2[source.Grant, error] {
	return func(yield func(source.Grant, error) bool) {
		if !yield(source.Grant{AccountID: "a1"}, nil) {
			return
		}
		select {
		case <-time.After(s.pause):
		case <-ctx.Done():
			yield(source.Grant{}, ctx.Err())
			return
		}
		yield(source.Grant{AccountID: "a2"}, nil)
	}
}

// TestAgentFallsSilent has the agent stop sending without closing: the
// client's idle timeout ends the pull with an error.
func TestAgentFallsSilent(t *testing.T) {
	tok, hash := newToken(t)
	hold := make(chan struct{})
	defer close(hold)
	a := startAgent(t, []agent.Workspace{{ID: "acme", Access: blocking{hold},
		Tokens: []agent.TokenHash{hash}}}, nil, nil)
	c, err := agent.Open(a.base+agent.GrantsPath("acme"), tok,
		&agent.ClientOptions{RootCAs: a.ca.Pool, IdleTimeout: 500 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	gs, _, err := drain(context.Background(), c)
	if !errors.Is(err, agent.ErrIncomplete) ||
		!strings.Contains(err.Error(), "sent nothing for 500ms") {
		t.Errorf("after %d grants: err = %v, want ErrIncomplete saying the agent fell silent",
			len(gs), err)
	}
}

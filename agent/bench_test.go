package agent_test

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"runtime"
	"runtime/metrics"
	"sync"
	"testing"
	"time"

	"github.com/driftexact/driftexact/agent"
	"github.com/driftexact/driftexact/internal/testpki"
	"github.com/driftexact/driftexact/source"
)

// The load benchmarks stream a million grants from an agent on loopback
// TLS. Run them with
//
//	go test ./agent -run '^$' -bench . -benchtime 1x
//
// Each reports the peak of live heap (heap objects, sampled every 5ms,
// above what was live before the pull) for the process, which holds both
// the agent and the client.
const loadGrants = 1_000_000

// heapPeak samples live heap objects until stop is called and returns the
// peak above the level when it started.
func heapPeak() (stop func() uint64) {
	runtime.GC()
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	read := func() uint64 {
		metrics.Read(sample)
		return sample[0].Value.Uint64()
	}
	base, peak := read(), uint64(0)
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				peak = max(peak, read())
			}
		}
	})
	return func() uint64 {
		close(done)
		wg.Wait()
		peak = max(peak, read())
		if peak < base {
			return 0
		}
		return peak - base
	}
}

func reportLoad(b *testing.B, n int, peak uint64, d time.Duration) {
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
	b.ReportMetric(float64(n)/d.Seconds(), "grants/s")
	b.ReportMetric(0, "ns/op")
}

// BenchmarkStream: agent and client, every grant verified, at two sizes
// to show that memory does not grow with the stream.
func BenchmarkStream(b *testing.B) {
	for _, n := range []int{loadGrants / 10, loadGrants} {
		b.Run(itoa(n), func(b *testing.B) { benchStream(b, n) })
	}
}

func benchStream(b *testing.B, size int) {
	tok, hash := newToken(b)
	a := startAgent(b, []agent.Workspace{{ID: "acme", Access: generated(size),
		Tokens: []agent.TokenHash{hash}}}, &agent.Options{Rate: 1000, Burst: 1000}, nil)
	c := a.open(b, "acme", tok)
	for b.Loop() {
		stop := heapPeak()
		start := time.Now()
		n := 0
		for _, err := range c.Grants(context.Background()) {
			if err != nil {
				b.Fatal(err)
			}
			n++
		}
		d := time.Since(start)
		if n != size {
			b.Fatalf("%d grants, want %d", n, size)
		}
		reportLoad(b, n, stop(), d)
	}
}

// BenchmarkServerOnly1M: the agent alone, its stream read and thrown away
// by a plain HTTP client, to show the agent's own memory.
func BenchmarkServerOnly1M(b *testing.B) {
	tok, hash := newToken(b)
	a := startAgent(b, []agent.Workspace{{ID: "acme", Access: generated(loadGrants),
		Tokens: []agent.TokenHash{hash}}}, &agent.Options{Rate: 1000, Burst: 1000}, nil)
	hc := a.httpClient()
	for b.Loop() {
		stop := heapPeak()
		start := time.Now()
		req, _ := http.NewRequest("GET", a.base+agent.GrantsPath("acme"), nil)
		req.Header.Set("Authorization", "Bearer "+string(tok))
		resp, err := hc.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		size, err := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if err != nil {
			b.Fatal(err)
		}
		d := time.Since(start)
		reportLoad(b, loadGrants, stop(), d)
		b.ReportMetric(float64(size)/(1<<20), "stream-MiB")
	}
}

// BenchmarkStreamParallel: four clients at once, 250,000 grants each.
func BenchmarkStreamParallel(b *testing.B) {
	const clients = 4
	var ws []agent.Workspace
	var toks []agent.Token
	for i := range clients {
		tok, hash := newToken(b)
		toks = append(toks, tok)
		ws = append(ws, agent.Workspace{ID: "ws" + itoa(i),
			Access: generated(loadGrants / clients), Tokens: []agent.TokenHash{hash}})
	}
	a := startAgent(b, ws, &agent.Options{Rate: 1000, Burst: 1000}, nil)
	for b.Loop() {
		stop := heapPeak()
		start := time.Now()
		var wg sync.WaitGroup
		errs := make([]error, clients)
		for i := range clients {
			c := a.open(b, ws[i].ID, toks[i])
			wg.Go(func() {
				n := 0
				for _, err := range c.Grants(context.Background()) {
					if err != nil {
						errs[i] = err
						return
					}
					n++
				}
			})
		}
		wg.Wait()
		d := time.Since(start)
		for _, err := range errs {
			if err != nil {
				b.Fatal(err)
			}
		}
		reportLoad(b, loadGrants, stop(), d)
	}
}

// BenchmarkBuffered1M is the plain alternative to streaming: the server
// collects every grant and writes one JSON array; the client decodes it
// whole. Same TLS, same grants.
func BenchmarkBuffered1M(b *testing.B) {
	a := startBuffered(b)
	hc := a.httpClient()
	for b.Loop() {
		stop := heapPeak()
		start := time.Now()
		resp, err := hc.Get(a.base + "/all")
		if err != nil {
			b.Fatal(err)
		}
		var gs []source.Grant
		err = json.NewDecoder(resp.Body).Decode(&gs)
		resp.Body.Close()
		if err != nil || len(gs) != loadGrants {
			b.Fatalf("%d grants, err %v", len(gs), err)
		}
		d := time.Since(start)
		reportLoad(b, len(gs), stop(), d)
	}
}

// startBuffered serves the plain alternative over TLS from a test CA.
func startBuffered(b *testing.B) *testAgent {
	ca := testpki.NewCA(b, "buffered test CA")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	srv := &http.Server{
		TLSConfig: &tls.Config{Certificates: []tls.Certificate{ca.Server(b).TLS}},
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			var gs []source.Grant
			for g, err := range generated(loadGrants).Grants(r.Context()) {
				if err != nil {
					http.Error(w, err.Error(), 500)
					return
				}
				gs = append(gs, g)
			}
			w.Header().Set("Content-Type", "application/json")
			json.NewEncoder(w).Encode(gs)
		}),
	}
	go srv.ServeTLS(ln, "", "")
	b.Cleanup(func() { srv.Close() })
	return &testAgent{base: "https://" + ln.Addr().String(), ca: ca}
}

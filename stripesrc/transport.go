package stripesrc

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"math/rand/v2"
	"net/http"
	"sync/atomic"
	"time"

	stripe "github.com/stripe/stripe-go/v76"
	"golang.org/x/time/rate"
)

// ErrWriteRefused is wrapped by the error returned when anything other than
// a GET request is attempted through the source's HTTP client.
var ErrWriteRefused = errors.New("stripesrc: only GET requests are allowed")

// WriteRefusedError reports a refused request. It names the method and path
// and never the query or headers, which may carry secrets.
type WriteRefusedError struct {
	Method string
	Path   string
}

func (e *WriteRefusedError) Error() string {
	return fmt.Sprintf("stripesrc: refused %s %s: the Stripe source is read-only",
		e.Method, e.Path)
}

// Unwrap returns [ErrWriteRefused].
func (e *WriteRefusedError) Unwrap() error { return ErrWriteRefused }

// APIVersion is the Stripe API version every request asks for: the one
// stripe-go v76 is generated from. Responses therefore keep the shape the
// normaliser expects even when the account's default version moves on.
const APIVersion = stripe.APIVersion

const (
	rateLimitReasonHeader = "Stripe-Rate-Limited-Reason"
	shouldRetryHeader     = "Stripe-Should-Retry"
)

// transport is the only way the source's requests reach the network. In
// order, it refuses every method but GET, sets the credentials and the
// pinned headers, waits for the shared token bucket before every attempt,
// turns any redirect into an error, and retries rate-limit answers, server
// errors and broken connections with jittered exponential backoff. Its
// log records pass through a scrubHandler.
type transport struct {
	next    http.RoundTripper
	key     *Key
	account string
	limiter *rate.Limiter
	retry   retryPolicy
	log     *slog.Logger
	latency atomic.Int64 // moving average of round trips, in nanoseconds
}

// newTransport returns the transport for o, which must be filled; its
// next is o.Transport, nil when the caller is to supply one.
func newTransport(key *Key, o *Options) *transport {
	return &transport{
		next: o.Transport, key: key, account: o.Account,
		log:     scrubLogger(o.Logger, key),
		limiter: rate.NewLimiter(rate.Limit(o.RequestsPerSecond), o.Workers),
		retry: retryPolicy{
			max: max(o.MaxRetries, 0), base: o.RetryWait, cap: 32 * o.RetryWait,
		},
	}
}

// retryPolicy says how often and how patiently a request is retried.
type retryPolicy struct {
	max       int           // retries after the first attempt
	base, cap time.Duration // first wait, and the longest wait
}

// wait returns the pause before retry number n (0 for the first retry):
// base doubled n times, capped, then reduced by up to half at random so
// that workers that failed together do not retry together.
func (p retryPolicy) wait(n int) time.Duration {
	d := p.base
	for i := 0; i < n && d < p.cap; i++ {
		d *= 2
	}
	d = min(d, p.cap)
	if d <= 1 {
		return d
	}
	return d/2 + rand.N(d/2)
}

func (t *transport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Method != http.MethodGet {
		if r.Body != nil {
			r.Body.Close()
		}
		return nil, &WriteRefusedError{Method: r.Method, Path: r.URL.Path}
	}
	ctx := r.Context()
	r = r.Clone(ctx)
	r.Header.Set("Authorization", "Bearer "+string(*t.key))
	r.Header.Set("Stripe-Version", APIVersion)
	if t.account != "" {
		r.Header.Set("Stripe-Account", t.account)
	}
	for n := 0; ; n++ {
		if err := t.take(ctx); err != nil {
			return nil, err
		}
		began := time.Now()
		resp, err := t.next.RoundTrip(r)
		if err == nil {
			t.observe(time.Since(began))
			if err := refuseRedirect(r, resp); err != nil {
				return nil, err
			}
		}
		if n >= t.retry.max || !retryable(ctx, resp, err) {
			return resp, err
		}
		wait := t.retry.wait(n)
		t.log.LogAttrs(ctx, slog.LevelDebug, "stripesrc: retrying request",
			slog.String("path", r.URL.Path), slog.String("cause", cause(resp, err)),
			slog.Int("retry", n+1), slog.Duration("wait", wait))
		discard(resp)
		if err := sleep(ctx, wait); err != nil {
			return nil, err
		}
	}
}

// observe folds one round trip into the moving average of latency.
func (t *transport) observe(d time.Duration) {
	for {
		old := t.latency.Load()
		avg := int64(d)
		if old != 0 {
			avg = old + (int64(d)-old)/4
		}
		if t.latency.CompareAndSwap(old, avg) {
			return
		}
	}
}

// inFlight returns how many requests must be under way at once to use the
// whole rate budget at the latency seen so far, or 0 before any answer.
func (t *transport) inFlight() int {
	lat := time.Duration(t.latency.Load())
	if lat == 0 {
		return 0
	}
	n := math.Ceil(float64(t.limiter.Limit()) * lat.Seconds())
	return int(min(n, 1<<20)) // the limit may be rate.Inf
}

// take waits for a token from the shared bucket.
func (t *transport) take(ctx context.Context) error {
	if err := t.limiter.Wait(ctx); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		// The wait would outlast the context's deadline.
		return fmt.Errorf("stripesrc: rate limit wait: %w", context.DeadlineExceeded)
	}
	return nil
}

// retryable reports whether a GET that got resp or err is worth sending
// again.
func retryable(ctx context.Context, resp *http.Response, err error) bool {
	if err != nil {
		var cert *tls.CertificateVerificationError
		return ctx.Err() == nil && !errors.As(err, &cert)
	}
	switch resp.Header.Get(shouldRetryHeader) {
	case "false":
		return false
	case "true":
		return true
	}
	return resp.StatusCode == http.StatusTooManyRequests ||
		resp.StatusCode >= http.StatusInternalServerError
}

// refuseRedirect returns an error for a 3xx answer, after discarding it.
// Stripe's API never redirects, and following one would send the key
// wherever the answer points, so no redirect reaches the HTTP client. The
// error names the status and the path asked for, never the Location.
func refuseRedirect(r *http.Request, resp *http.Response) error {
	if resp.StatusCode < 300 || resp.StatusCode > 399 {
		return nil
	}
	discard(resp)
	return fmt.Errorf("stripesrc: GET %s was answered %d %s, "+
		"and redirects are never followed", r.URL.Path,
		resp.StatusCode, http.StatusText(resp.StatusCode))
}

func cause(resp *http.Response, err error) string {
	if err != nil {
		return "connection error"
	}
	if reason := resp.Header.Get(rateLimitReasonHeader); reason != "" {
		return resp.Status + " " + reason
	}
	return resp.Status
}

// discard reads and closes a response that will not be used, so that its
// connection can be reused.
func discard(resp *http.Response) {
	if resp == nil {
		return
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

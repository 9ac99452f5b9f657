package agent

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/driftexact/driftexact/source"
)

// Errors a pull can end with, for errors.Is.
var (
	// ErrUnauthorized: the agent refused the token (401).
	ErrUnauthorized = errors.New("agent: token refused")
	// ErrForbidden: the token belongs to another workspace (403).
	ErrForbidden = errors.New("agent: token not valid for this workspace")
	// ErrRateLimited: the token started too many pulls (429), or the
	// agent is serving as many streams as it allows (503).
	ErrRateLimited = errors.New("agent: too many requests")
	// ErrIncomplete: the stream cannot be proven whole: it was cut short,
	// its trailer was missing or did not match, or the agent's source
	// failed part way.
	ErrIncomplete = errors.New("agent: incomplete stream")
	// ErrWrongWorkspace: the agent answered with another workspace's
	// stream than the one the client's URL names. An error wrapping it
	// wraps [ErrIncomplete] too, and no grant of that stream is handed on.
	ErrWrongWorkspace = errors.New("agent: stream of another workspace")
)

// ClientOptions configure a [Client]. The zero value trusts the system's
// certificate authorities and presents no client certificate.
type ClientOptions struct {
	// RootCAs are the authorities the agent's certificate must chain to.
	// Nil means the system's.
	RootCAs *x509.CertPool
	// Certificate is presented to an agent that asks for client
	// certificates (mutual TLS). Nil presents none.
	Certificate *tls.Certificate
	// Insecure allows an http:// URL, but only to a loopback address. It
	// is meant for tests.
	Insecure bool
	// IdleTimeout is the longest the client waits for the agent to send
	// anything, headers or records, before it gives up. Zero means two
	// minutes.
	IdleTimeout time.Duration
}

// Client reads one workspace's grants from an agent. It is a
// [source.Access], a [source.FieldReporter], a [source.StatsReporter] and
// a [source.Describer]. It is safe for concurrent use; it holds no
// connection between pulls, so there is nothing to close.
type Client struct {
	url string
	// workspace is the workspace the URL names; a stream must be of it.
	workspace string
	// token is held by pointer so that printing a Client with %+v shows
	// an address, never the secret.
	token *Token
	http  *http.Client
	idle  time.Duration

	mu          sync.Mutex
	unavailable []string
	last        source.Stats
}

// Open returns a client for the grants stream at rawURL, the full URL of
// a workspace's stream such as
// https://agent.example:8443/v1/workspaces/acme/grants, read with token.
// It makes no request. Nil opts means the defaults.
//
// The URL must use https, or http with Insecure and a loopback host; it
// may hold no user name, password, query or fragment, and its path must
// end in [GrantsPath] of a workspace (anything before that is kept, for
// an agent behind a proxy). Every stream must say it is of that
// workspace.
func Open(rawURL string, token Token, opts *ClientOptions) (*Client, error) {
	var o ClientOptions
	if opts != nil {
		o = *opts
	}
	u, err := checkURL(rawURL, o.Insecure)
	if err != nil {
		return nil, err
	}
	ws, ok := urlWorkspace(u.Path)
	if !ok {
		return nil, fmt.Errorf("agent: url %q: path must end in %s", rawURL,
			GrantsPath("{workspace}"))
	}
	if token == "" {
		return nil, errors.New("agent: empty token")
	}
	idle := orDefault(o.IdleTimeout, 2*time.Minute)
	tlsCfg := &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: o.RootCAs}
	if o.Certificate != nil {
		tlsCfg.Certificates = []tls.Certificate{*o.Certificate}
	}
	tr := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		TLSClientConfig:       tlsCfg,
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: idle,
		DisableKeepAlives:     true,
		DisableCompression:    true,
	}
	hc := &http.Client{Transport: tr, CheckRedirect: noRedirect}
	return &Client{url: u.String(), workspace: ws, token: &token, http: hc,
		idle: idle}, nil
}

// urlWorkspace returns the workspace named by a path that ends in a
// grants stream's path.
func urlWorkspace(path string) (string, bool) {
	i := strings.LastIndex(path, workspacePrefix)
	if i < 0 {
		return "", false
	}
	return parseGrantsPath(path[i:])
}

// noRedirect keeps the token from following a redirect to another host.
func noRedirect(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

func checkURL(rawURL string, insecure bool) (*url.URL, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("agent: url: %w", err)
	}
	switch {
	case u.User != nil:
		return nil, errors.New("agent: url: must not hold a user or password")
	case u.RawQuery != "" || u.Fragment != "":
		return nil, errors.New("agent: url: must not hold a query or fragment")
	case u.Host == "":
		return nil, fmt.Errorf("agent: url %q: no host", rawURL)
	case u.Scheme == "https":
		return u, nil
	case u.Scheme == "http" && insecure && isLoopback(u.Host):
		return u, nil
	case u.Scheme == "http":
		return nil, fmt.Errorf("agent: url %q: plain http needs Insecure and a loopback host", rawURL)
	}
	return nil, fmt.Errorf("agent: url %q: scheme must be https", rawURL)
}

// Describe implements [source.Describer].
func (c *Client) Describe() string { return "agent" }

// Unavailable implements [source.FieldReporter]: the grant fields the
// agent's source lacks, as its most recent stream said.
func (c *Client) Unavailable() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.unavailable)
}

// LastPull implements [source.StatsReporter]: the records of the most
// recent complete pull, grants and record errors together.
func (c *Client) LastPull() source.Stats {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.last
}

// Ping asks the agent, with a HEAD request, whether it accepts the token
// for this workspace. It reads no data and does not reach the agent's
// database. It uses one request of the token's rate limit.
func (c *Client) Ping(ctx context.Context) error {
	resp, err := c.do(ctx, http.MethodHead)
	if err != nil {
		return err
	}
	resp.Body.Close()
	return nil
}

// Grants implements [source.Access]. Grants are handed on as they arrive.
// The sequence ends with an error wrapping [ErrIncomplete] whenever the
// stream cannot be proven whole, so a short read is never taken as the
// whole list. Records the agent's source could not read arrive as
// *source.RecordError values and the pull goes on.
func (c *Client) Grants(ctx context.Context) iter.Seq2[source.Grant, error] {
	return func(yield func(source.Grant, error) bool) {
		ctx, cancel := context.WithCancelCause(ctx)
		defer cancel(nil)
		resp, err := c.do(ctx, http.MethodGet)
		if err != nil {
			yield(source.Grant{}, err)
			return
		}
		body := newWatchdog(resp.Body, c.idle, cancel)
		defer body.Close()
		r := newStreamReader(body, c.workspace)
		c.read(ctx, r, yield)
	}
}

// read yields the records of one stream, then checks its trailer.
func (c *Client) read(ctx context.Context, r *streamReader, yield func(source.Grant, error) bool) {
	for {
		if err := ctx.Err(); err != nil {
			yield(source.Grant{}, c.stopped(ctx, r))
			return
		}
		g, err, done := r.next()
		switch {
		case done && err == nil:
			c.finish(r)
			return
		case done:
			if ctx.Err() != nil {
				err = c.stopped(ctx, r)
			}
			yield(source.Grant{}, err)
			return
		}
		if !yield(g, err) {
			return
		}
	}
}

// stopped explains why a pull stopped: the caller's context, or the
// agent falling silent.
func (c *Client) stopped(ctx context.Context, r *streamReader) error {
	cause := context.Cause(ctx)
	if errors.Is(cause, errStalled) {
		return fmt.Errorf("%w: the agent sent nothing for %v after %d records",
			ErrIncomplete, c.idle, r.records())
	}
	return fmt.Errorf("agent: pull stopped after %d records: %w", r.records(), cause)
}

func (c *Client) finish(r *streamReader) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.unavailable = slices.Clone(r.unavailable)
	c.last = source.Stats{Records: r.records()}
}

// do sends one request and checks the response's status and type. On
// success the caller closes the body.
func (c *Client) do(ctx context.Context, method string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, c.url, nil)
	if err != nil {
		return nil, fmt.Errorf("agent: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+string(*c.token))
	req.Header.Set("Accept", ContentType)
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("agent: %s %s: %w", method, c.url, unwrapURLError(err))
	}
	if err := statusError(resp); err != nil {
		resp.Body.Close()
		return nil, err
	}
	return resp, nil
}

// unwrapURLError drops the *url.Error wrapper, whose text repeats the
// method and URL that the caller's message already names.
func unwrapURLError(err error) error {
	if ue, ok := errors.AsType[*url.Error](err); ok {
		return ue.Err
	}
	return err
}

func statusError(resp *http.Response) error {
	switch resp.StatusCode {
	case http.StatusOK:
		if ct := resp.Header.Get("Content-Type"); ct != ContentType {
			return fmt.Errorf("agent: response of type %q, want %q", ct, ContentType)
		}
		return nil
	case http.StatusUnauthorized:
		return ErrUnauthorized
	case http.StatusForbidden:
		return ErrForbidden
	case http.StatusTooManyRequests, http.StatusServiceUnavailable:
		return fmt.Errorf("%w (status %d, retry after %q seconds)",
			ErrRateLimited, resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	return fmt.Errorf("agent: unexpected status %q", resp.Status)
}

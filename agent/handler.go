package agent

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/driftexact/driftexact/source"
)

// Workspace is one workspace the agent serves.
type Workspace struct {
	// ID names the workspace in URLs and in the stream: 1 to 64 letters,
	// digits, dots, hyphens and underscores. Required.
	ID string
	// Access supplies the workspace's grants. Its query is fixed when it
	// is built; nothing in a request reaches it. It must be safe for
	// concurrent use: several streams may read it at once. The handler
	// does not close it. Required.
	Access source.Access
	// Tokens are the hashes of the tokens allowed to read this workspace.
	// A workspace with none can be read by no one until tokens are set
	// with [Handler.SetTokens].
	Tokens []TokenHash
}

// Options configure a [Handler]. The zero value is usable and means the
// defaults stated on each field.
type Options struct {
	// Logger receives refused requests and source failures, never a
	// token. Nil discards.
	Logger *slog.Logger
	// Rate is how many requests per second each token may start, and
	// Burst how many at once. A zero Rate means 1 per second with a
	// burst of 5; a zero Burst with a Rate set means 1.
	Rate  rate.Limit
	Burst int
	// MaxStreams is how many grant streams may run at once across all
	// tokens; further requests get 503. Zero means 8.
	MaxStreams int
	// WriteTimeout is the longest any one write of a stream may take: a
	// client that reads too slowly is cut off. The deadline moves forward
	// with every write. Zero means 30 seconds.
	WriteTimeout time.Duration
	// MaxDuration bounds a whole stream. Zero means one hour.
	MaxDuration time.Duration
	// Insecure allows plain HTTP, but only for requests that arrive on a
	// loopback address. It is meant for tests. Without it, a request
	// that did not come over TLS gets 400.
	Insecure bool
	// Ready reports whether the agent can serve, for the health endpoint;
	// it is called at most once a second. Nil means always ready.
	Ready func(context.Context) error
}

// Handler serves the grants of one or more workspaces, each to its own
// tokens. Build it with [NewHandler]; it is safe for concurrent use, and
// its tokens can be replaced while it serves.
type Handler struct {
	opts    Options
	log     *slog.Logger
	streams chan struct{}
	spaces  map[string]source.Access
	health  health

	mu     sync.RWMutex
	tokens []tokenEntry
}

// tokenEntry is one accepted token: its hash, its workspace and its limit.
type tokenEntry struct {
	hash      TokenHash
	workspace string
	limiter   *rate.Limiter
}

var workspaceID = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// NewHandler returns a handler serving workspaces. Nil opts means the
// defaults.
func NewHandler(workspaces []Workspace, opts *Options) (*Handler, error) {
	h := &Handler{spaces: map[string]source.Access{}}
	if opts != nil {
		h.opts = *opts
	}
	if h.opts.Rate < 0 || h.opts.Burst < 0 {
		return nil, errors.New("agent: negative rate or burst")
	}
	h.setDefaults()
	if len(workspaces) == 0 {
		return nil, errors.New("agent: no workspace to serve")
	}
	for i, ws := range workspaces {
		if err := h.addWorkspace(ws); err != nil {
			return nil, fmt.Errorf("agent: workspaces[%d]: %w", i, err)
		}
	}
	return h, nil
}

func (h *Handler) setDefaults() {
	o := &h.opts
	if o.Rate == 0 {
		o.Rate, o.Burst = 1, 5
	}
	if o.Burst == 0 {
		o.Burst = 1
	}
	if o.MaxStreams <= 0 {
		o.MaxStreams = 8
	}
	if o.WriteTimeout <= 0 {
		o.WriteTimeout = 30 * time.Second
	}
	if o.MaxDuration <= 0 {
		o.MaxDuration = time.Hour
	}
	h.log = o.Logger
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	h.streams = make(chan struct{}, o.MaxStreams)
	h.health.ready = o.Ready
}

func (h *Handler) addWorkspace(ws Workspace) error {
	if !workspaceID.MatchString(ws.ID) {
		return fmt.Errorf("workspace id %q: want 1 to 64 of A-Z a-z 0-9 . - _", ws.ID)
	}
	if _, dup := h.spaces[ws.ID]; dup {
		return fmt.Errorf("workspace %q is listed twice", ws.ID)
	}
	if ws.Access == nil {
		return fmt.Errorf("workspace %q: nil Access", ws.ID)
	}
	h.spaces[ws.ID] = ws.Access
	return h.SetTokens(ws.ID, ws.Tokens)
}

// SetTokens replaces the tokens of a workspace. A token left out is
// refused from the next request on; streams already running go on. A
// token kept keeps its rate limit. It is an error to give a token that
// belongs to another workspace.
func (h *Handler) SetTokens(workspace string, hashes []TokenHash) error {
	if _, ok := h.spaces[workspace]; !ok {
		return fmt.Errorf("agent: unknown workspace %q", workspace)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	old := map[TokenHash]*rate.Limiter{}
	var keep []tokenEntry
	for _, e := range h.tokens {
		if e.workspace == workspace {
			old[e.hash] = e.limiter
		} else {
			keep = append(keep, e)
		}
	}
	for i, hash := range hashes {
		for _, e := range keep {
			if e.hash == hash {
				return fmt.Errorf("agent: workspace %q: token %d is also a token of workspace %q",
					workspace, i, e.workspace)
			}
		}
		lim := old[hash]
		if lim == nil {
			lim = rate.NewLimiter(h.opts.Rate, h.opts.Burst)
		}
		old[hash] = lim
		keep = append(keep, tokenEntry{hash: hash, workspace: workspace, limiter: lim})
	}
	h.tokens = keep
	return nil
}

// ServeHTTP implements [http.Handler].
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	hd.Set("Cache-Control", "no-store")
	hd.Set("X-Content-Type-Options", "nosniff")
	if !h.transportOK(r) {
		h.refuse(w, r, http.StatusBadRequest, "tls required")
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		hd.Set("Allow", "GET, HEAD")
		h.refuse(w, r, http.StatusMethodNotAllowed, "method not allowed")
		return
	}
	if r.URL.Path == HealthPath {
		h.serveHealth(w, r)
		return
	}
	ws, ok := parseGrantsPath(r.URL.Path)
	if !ok {
		h.refuse(w, r, http.StatusNotFound, "not found")
		return
	}
	h.serveWorkspace(w, r, ws)
}

func parseGrantsPath(p string) (string, bool) {
	rest, ok := strings.CutPrefix(p, workspacePrefix)
	if !ok {
		return "", false
	}
	ws, ok := strings.CutSuffix(rest, grantsSuffix)
	if !ok || !workspaceID.MatchString(ws) {
		return "", false
	}
	return ws, true
}

// transportOK accepts TLS, and plain HTTP only when Insecure is set and
// the request came in on a loopback address.
func (h *Handler) transportOK(r *http.Request) bool {
	if r.TLS != nil {
		return true
	}
	if !h.opts.Insecure {
		return false
	}
	addr, _ := r.Context().Value(http.LocalAddrContextKey).(net.Addr)
	return addr != nil && isLoopback(addr.String())
}

// isLoopback reports whether a host:port names a loopback address.
func isLoopback(hostport string) bool {
	host, _, err := net.SplitHostPort(hostport)
	if err != nil {
		host = hostport
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func (h *Handler) serveWorkspace(w http.ResponseWriter, r *http.Request, ws string) {
	e, status := h.authenticate(r, ws)
	switch status {
	case http.StatusUnauthorized:
		w.Header().Set("WWW-Authenticate", `Bearer realm="driftexact-agent"`)
		h.refuse(w, r, status, "unauthorized")
		return
	case http.StatusForbidden:
		h.refuse(w, r, status, "forbidden")
		return
	}
	if r.URL.RawQuery != "" {
		h.refuse(w, r, http.StatusBadRequest, "the agent takes no parameters")
		return
	}
	if !e.limiter.Allow() {
		w.Header().Set("Retry-After", retryAfter(h.opts.Rate))
		h.refuse(w, r, http.StatusTooManyRequests, "rate limited")
		return
	}
	if r.Method == http.MethodHead {
		setStreamHeaders(w)
		w.WriteHeader(http.StatusOK)
		return
	}
	select {
	case h.streams <- struct{}{}:
		defer func() { <-h.streams }()
	default:
		w.Header().Set("Retry-After", "1")
		h.refuse(w, r, http.StatusServiceUnavailable, "busy")
		return
	}
	h.stream(w, r, ws, h.spaces[ws])
}

func retryAfter(l rate.Limit) string {
	secs := 1
	if l > 0 && l < 1 {
		secs = int(1/float64(l) + 0.999)
	}
	return fmt.Sprint(secs)
}

// refuse answers with a status and a short JSON body that names no
// detail beyond the status.
func (h *Handler) refuse(w http.ResponseWriter, r *http.Request, status int, msg string) {
	if status != http.StatusNotFound {
		h.log.Warn("agent: request refused", "status", status,
			"method", r.Method, "path", r.URL.Path, "remote", r.RemoteAddr)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		json.NewEncoder(w).Encode(map[string]string{"error": msg})
	}
}

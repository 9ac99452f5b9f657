package agent

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"time"
)

// maxTokenLength bounds the token a request may present; longer ones are
// refused before they are hashed.
const maxTokenLength = 512

// authenticate finds the token a request presents. It returns 401 when
// there is no token or it is unknown, and 403 when the token belongs to a
// workspace other than ws. Every known hash is compared, in constant time,
// whatever matches, so the time taken says nothing about which hash came
// close.
func (h *Handler) authenticate(r *http.Request, ws string) (tokenEntry, int) {
	tok, ok := bearer(r.Header.Values("Authorization"))
	if !ok {
		return tokenEntry{}, http.StatusUnauthorized
	}
	sum := HashToken(tok)
	h.mu.RLock()
	defer h.mu.RUnlock()
	var found tokenEntry
	hit := 0
	for _, e := range h.tokens {
		eq := subtle.ConstantTimeCompare(e.hash[:], sum[:])
		if eq == 1 && hit == 0 {
			found = e
		}
		hit |= eq
	}
	switch {
	case hit == 0:
		return tokenEntry{}, http.StatusUnauthorized
	case found.workspace != ws:
		return tokenEntry{}, http.StatusForbidden
	}
	return found, http.StatusOK
}

// bearer reads a single "Bearer <token>" authorization header.
func bearer(values []string) (Token, bool) {
	if len(values) != 1 {
		return "", false
	}
	scheme, tok, ok := strings.Cut(values[0], " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	if tok == "" || len(tok) > maxTokenLength || strings.ContainsAny(tok, " \t") {
		return "", false
	}
	return Token(tok), true
}

// health answers the health endpoint, asking Ready at most once a second.
type health struct {
	ready func(context.Context) error

	mu      sync.Mutex
	checked time.Time
	ok      bool
}

func (hl *health) check(ctx context.Context) bool {
	if hl.ready == nil {
		return true
	}
	hl.mu.Lock()
	defer hl.mu.Unlock()
	if time.Since(hl.checked) < time.Second {
		return hl.ok
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	hl.ok = hl.ready(ctx) == nil
	hl.checked = time.Now()
	return hl.ok
}

// serveHealth reports readiness, and nothing about the data.
func (h *Handler) serveHealth(w http.ResponseWriter, r *http.Request) {
	status, msg := http.StatusOK, "ready"
	if !h.health.check(r.Context()) {
		status, msg = http.StatusServiceUnavailable, "not ready"
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		json.NewEncoder(w).Encode(map[string]string{"status": msg})
	}
}

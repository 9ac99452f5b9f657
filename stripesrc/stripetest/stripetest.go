// Package stripetest is a stateful fake of Stripe's subscription API on
// httptest, for tests of code that reads Stripe.
//
// Subscriptions are seeded as JSON objects in the API's own shape. The fake
// lists them newest first, as Stripe does, honours limit, starting_after
// and status, serves reads by id, and records every request it receives.
package stripetest

import (
	"cmp"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// Request is one request the fake received.
type Request struct {
	Method string
	Path   string
	Query  string
}

// Server is a fake Stripe API. Close it when done. Its methods are safe for
// concurrent use.
type Server struct {
	*httptest.Server

	mu       sync.Mutex
	subs     []stored
	requests []Request
}

type stored struct {
	id      string
	status  string
	created int64
	raw     json.RawMessage
}

// NewServer starts a fake holding subs, each a subscription object as JSON.
func NewServer(subs ...json.RawMessage) (*Server, error) {
	s := &Server{}
	if err := s.Add(subs...); err != nil {
		return nil, err
	}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	return s, nil
}

// Add seeds more subscriptions. Each needs a string "id".
func (s *Server) Add(subs ...json.RawMessage) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, raw := range subs {
		var head struct {
			ID      string `json:"id"`
			Status  string `json:"status"`
			Created int64  `json:"created"`
		}
		if err := json.Unmarshal(raw, &head); err != nil {
			return fmt.Errorf("stripetest: subscription %d: %w", i, err)
		}
		if head.ID == "" {
			return fmt.Errorf("stripetest: subscription %d: no id", i)
		}
		s.subs = append(s.subs, stored{head.ID, head.Status, head.Created, raw})
	}
	// Newest first; ties broken by id, descending, as a stable stand-in
	// for Stripe's own order.
	slices.SortStableFunc(s.subs, func(a, b stored) int {
		return cmp.Or(cmp.Compare(b.created, a.created), cmp.Compare(b.id, a.id))
	})
	return nil
}

// Requests returns a copy of every request received so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.requests)
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.requests = append(s.requests, Request{r.Method, r.URL.Path, r.URL.RawQuery})
	s.mu.Unlock()
	if r.Method != http.MethodGet {
		writeError(w, http.StatusMethodNotAllowed, "the fake serves reads only")
		return
	}
	switch {
	case r.URL.Path == "/v1/subscriptions":
		s.list(w, r)
	case strings.HasPrefix(r.URL.Path, "/v1/subscriptions/"):
		s.get(w, strings.TrimPrefix(r.URL.Path, "/v1/subscriptions/"))
	default:
		writeError(w, http.StatusNotFound, "unrecognized request URL")
	}
}

func (s *Server) list(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit := 10
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 {
			writeError(w, http.StatusBadRequest, "limit must be between 1 and 100")
			return
		}
		limit = n
	}
	status := q.Get("status")
	after := q.Get("starting_after")
	s.mu.Lock()
	defer s.mu.Unlock()
	var page []json.RawMessage
	started := after == ""
	more := false
	for _, st := range s.subs {
		if !started {
			started = st.id == after
			continue
		}
		if !statusMatches(status, st.status) {
			continue
		}
		if len(page) == limit {
			more = true
			break
		}
		page = append(page, st.raw)
	}
	if page == nil {
		page = []json.RawMessage{}
	}
	writeJSON(w, map[string]any{
		"object": "list", "url": "/v1/subscriptions", "has_more": more, "data": page,
	})
}

// statusMatches applies Stripe's status filter: with no status, canceled
// and incomplete_expired subscriptions are left out.
func statusMatches(filter, status string) bool {
	switch filter {
	case "all":
		return true
	case "":
		return status != "canceled" && status != "incomplete_expired"
	}
	return filter == status
}

func (s *Server) get(w http.ResponseWriter, id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, st := range s.subs {
		if st.id == id {
			writeJSON(w, st.raw)
			return
		}
	}
	writeError(w, http.StatusNotFound, "No such subscription: '"+id+"'")
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(map[string]any{
		"error": map[string]string{"type": "invalid_request_error", "message": msg},
	})
}

// Package stripetest is a stateful fake of Stripe's subscription and
// subscription-item APIs on [httptest], for tests of code that reads
// Stripe: ours, and yours.
//
// # Seeding
//
// A [Server] holds subscriptions seeded as plain values ([Subscription],
// through [Start] or [Server.Seed]) or as JSON objects in the API's own
// shape ([NewServer], [Server.Add]). Seeding may go on while the server
// runs.
//
//	fake := stripetest.Start(t,
//		stripetest.Subscription{ID: "sub_1", Customer: "cus_1", Created: t0,
//			Items: []stripetest.Item{{Price: "price_pro", Quantity: 1}}},
//	)
//	src, err := stripesrc.Open("rk_test_x", &stripesrc.Options{BaseURL: fake.URL})
//
// # What it serves
//
// GET /v1/subscriptions lists newest first (ties in one second broken by
// id, descending) and honours limit (1 to 100, default 10),
// starting_after, ending_before, created and created[gt|gte|lt|lte],
// status (any status, "all", "ended", or none, which leaves out canceled
// subscriptions), customer and test_clock. Like Stripe, it leaves out
// subscriptions on a test clock unless test_clock or customer is given.
// Each subscription embeds at most 10 items (see [Server.SetEmbeddedItems])
// with has_more set when it holds more; the rest are served by
// GET /v1/subscription_items?subscription=…, with the same paging
// parameters. GET /v1/subscriptions/{id} reads one subscription, test
// clock or not. The Stripe-Account header selects a connected account's
// subscriptions. Unknown parameters, bad values and every method but GET
// are answered 400 or 405 with an error in Stripe's shape.
//
// # Faults
//
// [Server.SetLatency] delays every answer; [Server.Inject] fails chosen
// requests with 429 (with or without Stripe-Rate-Limited-Reason), 500,
// 503, 403 or a reset connection, picked by request number ([FirstN],
// [EveryNth], [Fraction]), by path ([OnPath]) or by a function of your
// own. [Server.RequireKey] answers 401 to any other
// key. [Server.Requests] returns every request received, in order.
//
// # Concurrency
//
// A Server is safe for concurrent use. Close it when done ([Start] does so
// at the end of the test).
package stripetest

import (
	"cmp"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"
)

// DefaultEmbeddedItems is how many items a served subscription embeds
// unless [Server.SetEmbeddedItems] says otherwise.
const DefaultEmbeddedItems = 10

// Request is one request the fake received.
type Request struct {
	Method  string
	Path    string
	Query   string // the raw query, still encoded
	Account string // the Stripe-Account header
	Version string // the Stripe-Version header
	Fault   Fault  // the fault injected instead of an answer
	At      time.Time
}

// Server is a fake Stripe API. Its methods are safe for concurrent use.
// Close it when done.
type Server struct {
	*httptest.Server

	mu       sync.Mutex
	subs     []*stored // newest first
	byID     map[string]*stored
	requests []Request
	count    int // requests received, for injectors
	latency  time.Duration
	inject   Injector
	key      string
	embedded int
}

// stored is one seeded subscription.
type stored struct {
	id, status, customer string
	created              int64
	account, testClock   string
	fields               map[string]json.RawMessage // without "items"
	items                []json.RawMessage
	itemIDs              []string
	head                 json.RawMessage // as served, items cut short
}

// NewServer starts a fake holding subs, each a subscription object as
// JSON in the API's shape with at least a string "id".
func NewServer(subs ...json.RawMessage) (*Server, error) {
	s := newServer()
	if err := s.Add(subs...); err != nil {
		return nil, err
	}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	return s, nil
}

// Start starts a fake holding subs and closes it when tb's test ends. It
// fails tb if a subscription cannot be seeded.
func Start(tb testing.TB, subs ...Subscription) *Server {
	tb.Helper()
	s, err := NewServer()
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(s.Close)
	if err := s.Seed(subs...); err != nil {
		tb.Fatal(err)
	}
	return s
}

func newServer() *Server {
	return &Server{byID: map[string]*stored{}, embedded: DefaultEmbeddedItems}
}

// Seed adds subscriptions given as plain values. It fails, adding none,
// if one has no id or an id already held in its account.
func (s *Server) Seed(subs ...Subscription) error {
	raws := make([]json.RawMessage, len(subs))
	accounts := make([]string, len(subs))
	for i, sub := range subs {
		raws[i], accounts[i] = sub.JSON(), sub.Account
	}
	return s.add(raws, accounts)
}

// Add adds subscriptions given as JSON objects in the API's shape, to the
// platform's own account. It fails, adding none, if one is not an object
// with a string "id", or its id is already held.
func (s *Server) Add(subs ...json.RawMessage) error {
	return s.add(subs, make([]string, len(subs)))
}

func (s *Server) add(raws []json.RawMessage, accounts []string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	fresh := make([]*stored, len(raws))
	ids := map[string]bool{}
	for i, raw := range raws {
		st, err := parse(raw, accounts[i])
		if err != nil {
			return fmt.Errorf("stripetest: subscription %d: %w", i, err)
		}
		key := accounts[i] + "/" + st.id
		if s.byID[key] != nil || ids[key] {
			return fmt.Errorf("stripetest: subscription %q: id already seeded", st.id)
		}
		ids[key] = true
		st.head = st.serve(s.embedded)
		fresh[i] = st
	}
	for _, st := range fresh {
		s.byID[st.account+"/"+st.id] = st
	}
	s.subs = append(s.subs, fresh...)
	slices.SortFunc(s.subs, newestFirst)
	return nil
}

// newestFirst orders subscriptions as lists return them.
func newestFirst(a, b *stored) int {
	return cmp.Or(cmp.Compare(b.created, a.created), cmp.Compare(b.id, a.id),
		cmp.Compare(a.account, b.account))
}

// SetLatency delays every later answer by d (zero for none). A request
// whose client gives up meanwhile is answered at once.
func (s *Server) SetLatency(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.latency = d
}

// Inject makes in choose the fault of every later request; nil removes it.
func (s *Server) Inject(in Injector) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.inject = in
}

// RequireKey makes the server answer 401 to any request that does not
// carry key as a bearer token. The error message repeats the credentials
// presented in full, which Stripe does not do (it masks all but the end of
// a key), so that tests can prove that what the client reports never holds
// a key. Empty accepts any key, the default.
func (s *Server) RequireKey(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.key = key
}

// SetEmbeddedItems sets how many items a served subscription embeds
// before its item list says has_more; n below 1 is taken as 1.
func (s *Server) SetEmbeddedItems(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.embedded = max(n, 1)
	for _, st := range s.subs {
		st.head = st.serve(s.embedded)
	}
}

// Requests returns a copy of every request received so far, in the order
// received.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.requests)
}

// ClearRequests forgets the requests received so far. Request numbers
// given to an [Injector] go on counting.
func (s *Server) ClearRequests() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = s.requests[len(s.requests):]
}

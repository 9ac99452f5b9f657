package stripetest

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// parse reads the fields the fake filters on out of a subscription object.
func parse(raw json.RawMessage, account string) (*stored, error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil {
		return nil, err
	}
	st := &stored{account: account, fields: fields}
	var head struct {
		ID        string `json:"id"`
		Status    string `json:"status"`
		Created   int64  `json:"created"`
		Customer  any    `json:"customer"`
		TestClock any    `json:"test_clock"`
		Items     struct {
			Data []json.RawMessage `json:"data"`
		} `json:"items"`
	}
	if err := json.Unmarshal(raw, &head); err != nil {
		return nil, err
	}
	if head.ID == "" {
		return nil, errors.New(`field "id" is missing`)
	}
	st.id, st.status, st.created = head.ID, head.Status, head.Created
	st.customer, st.testClock = idOf(head.Customer), idOf(head.TestClock)
	for i, it := range head.Items.Data {
		var item struct {
			ID string `json:"id"`
		}
		if err := json.Unmarshal(it, &item); err != nil || item.ID == "" {
			return nil, fmt.Errorf("%q: item %d has no id", head.ID, i)
		}
		st.items = append(st.items, it)
		st.itemIDs = append(st.itemIDs, item.ID)
	}
	delete(fields, "items")
	return st, nil
}

// idOf reads an expandable field: an id, or an object with an "id".
func idOf(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case map[string]any:
		id, _ := v["id"].(string)
		return id
	}
	return ""
}

// serve returns the subscription as served, embedding at most n items.
func (st *stored) serve(n int) json.RawMessage {
	data := st.items[:min(n, len(st.items))]
	list := map[string]any{
		"object": "list", "data": nonNil(data), "has_more": len(st.items) > n,
		"total_count": len(st.items),
		"url":         "/v1/subscription_items?subscription=" + st.id,
	}
	out := make(map[string]any, len(st.fields)+1)
	for k, v := range st.fields {
		out[k] = v
	}
	out["items"] = list
	return mustJSON(out)
}

func nonNil(d []json.RawMessage) []json.RawMessage {
	if d == nil {
		return []json.RawMessage{}
	}
	return d
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	fault, latency, key := s.record(r)
	if latency > 0 && !wait(r, latency) {
		return
	}
	if fault != NoFault {
		fail(w, r, fault)
		return
	}
	if key != "" && r.Header.Get("Authorization") != "Bearer "+key {
		writeError(w, http.StatusUnauthorized, "invalid_request_error", "",
			"Invalid API Key provided; authorization was '"+r.Header.Get("Authorization")+"'")
		return
	}
	if r.Method != http.MethodGet {
		writeError(w, http.StatusMethodNotAllowed, "invalid_request_error", "",
			"the fake serves GET requests only")
		return
	}
	account := r.Header.Get("Stripe-Account")
	switch {
	case r.URL.Path == "/v1/subscriptions":
		s.listSubscriptions(w, r.URL.Query(), account)
	case r.URL.Path == "/v1/subscription_items":
		s.listItems(w, r.URL.Query(), account)
	case strings.HasPrefix(r.URL.Path, "/v1/subscriptions/"):
		s.retrieve(w, strings.TrimPrefix(r.URL.Path, "/v1/subscriptions/"), account)
	default:
		writeError(w, http.StatusNotFound, "invalid_request_error", "",
			"Unrecognized request URL (GET: "+r.URL.Path+")")
	}
}

// record notes the request and returns its fault and the settings that
// apply to it.
func (s *Server) record(r *http.Request) (Fault, time.Duration, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.count++
	fault := NoFault
	if s.inject != nil {
		fault = s.inject(s.count, r)
	}
	s.requests = append(s.requests, Request{
		Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery,
		Account: r.Header.Get("Stripe-Account"), Version: r.Header.Get("Stripe-Version"),
		Fault: fault, At: time.Now(),
	})
	return fault, s.latency, s.key
}

// wait sleeps for d, and reports false if the client gave up meanwhile.
func wait(r *http.Request, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
		return false
	}
}

func fail(w http.ResponseWriter, r *http.Request, f Fault) {
	switch f {
	case RateLimited, RateLimitedNoReason:
		if f == RateLimited {
			w.Header().Set("Stripe-Rate-Limited-Reason", "global-rate")
		}
		writeError(w, http.StatusTooManyRequests, "invalid_request_error", "rate_limit",
			"Request rate limit exceeded.")
	case ServerError:
		writeError(w, http.StatusInternalServerError, "api_error", "",
			"An unknown error occurred (injected by stripetest).")
	case Unavailable:
		writeError(w, http.StatusServiceUnavailable, "api_error", "",
			"The service is unavailable (injected by stripetest).")
	case ConnectionReset:
		reset(w)
	case PermissionDenied:
		writeError(w, http.StatusForbidden, "invalid_request_error", "",
			"The provided key does not have the required permissions for this endpoint; "+
				"authorization was '"+r.Header.Get("Authorization")+"'.")
	}
}

// reset closes the client's connection without an answer, with a TCP
// reset where the connection allows it.
func reset(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		tc.SetLinger(0)
	}
	conn.Close()
}

func (s *Server) retrieve(w http.ResponseWriter, id, account string) {
	id, _ = url.PathUnescape(id)
	s.mu.Lock()
	st := s.byID[account+"/"+id]
	var head json.RawMessage
	if st != nil {
		head = st.head
	}
	s.mu.Unlock()
	if st == nil {
		writeMissing(w, missing{"subscription", id})
		return
	}
	writeJSON(w, head)
}

func writeMissing(w http.ResponseWriter, m missing) {
	writeError(w, http.StatusNotFound, "invalid_request_error", "resource_missing",
		m.Error())
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, typ, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Request-Id", "req_stripetest_"+strconv.Itoa(status))
	w.WriteHeader(status)
	e := map[string]string{"type": typ, "message": msg}
	if code != "" {
		e["code"] = code
	}
	json.NewEncoder(w).Encode(map[string]any{"error": e})
}

// page is one page of a list answer.
type page struct {
	Object  string            `json:"object"`
	URL     string            `json:"url"`
	HasMore bool              `json:"has_more"`
	Data    []json.RawMessage `json:"data"`
}

var errBadParam = errors.New("bad parameter")

// paging holds the paging parameters common to every list.
type paging struct {
	limit                       int
	startingAfter, endingBefore string
}

func readPaging(q url.Values) (paging, error) {
	p := paging{limit: 10, startingAfter: q.Get("starting_after"),
		endingBefore: q.Get("ending_before")}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 {
			return p, fmt.Errorf("%w: limit must be an integer from 1 to 100", errBadParam)
		}
		p.limit = n
	}
	if p.startingAfter != "" && p.endingBefore != "" {
		return p, fmt.Errorf("%w: starting_after and ending_before exclude each other",
			errBadParam)
	}
	return p, nil
}

// unknownParam returns the first parameter of q not in allowed.
func unknownParam(q url.Values, allowed ...string) string {
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if !slices.Contains(allowed, k) {
			return k
		}
	}
	return ""
}

package stripetest

import (
	"cmp"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
)

var statuses = []string{
	"active", "past_due", "unpaid", "canceled", "incomplete",
	"incomplete_expired", "trialing", "paused", "all", "ended",
}

// filter is what a subscription list request asks for.
type filter struct {
	account, status, customer, testClock string
	lo, hi                               int64 // created in [lo, hi)
}

func (f filter) match(st *stored) bool {
	switch {
	case st.account != f.account || st.created < f.lo || st.created >= f.hi:
		return false
	case f.customer != "" && st.customer != f.customer:
		return false
	case f.testClock != "" && st.testClock != f.testClock:
		return false
	case f.testClock == "" && f.customer == "" && st.testClock != "":
		return false
	}
	switch f.status {
	case "all":
		return true
	case "":
		return st.status != "canceled"
	case "ended":
		return st.status == "canceled" || st.status == "incomplete_expired"
	}
	return st.status == f.status
}

func readFilter(q url.Values, account string) (filter, error) {
	f := filter{account: account, status: q.Get("status"), customer: q.Get("customer"),
		testClock: q.Get("test_clock"), lo: minInt, hi: maxInt}
	if f.status != "" && !slices.Contains(statuses, f.status) {
		return f, fmt.Errorf("%w: status %q is not one of %v", errBadParam, f.status, statuses)
	}
	for _, b := range []struct {
		name  string
		apply func(v int64)
	}{
		{"created", func(v int64) { f.lo, f.hi = max(f.lo, v), min(f.hi, v+1) }},
		{"created[gt]", func(v int64) { f.lo = max(f.lo, v+1) }},
		{"created[gte]", func(v int64) { f.lo = max(f.lo, v) }},
		{"created[lt]", func(v int64) { f.hi = min(f.hi, v) }},
		{"created[lte]", func(v int64) { f.hi = min(f.hi, v+1) }},
	} {
		if s := q.Get(b.name); s != "" {
			v, err := strconv.ParseInt(s, 10, 64)
			if err != nil {
				return f, fmt.Errorf("%w: %s must be an integer", errBadParam, b.name)
			}
			b.apply(v)
		}
	}
	return f, nil
}

const (
	minInt = -1 << 63
	maxInt = 1<<63 - 1
)

func (s *Server) listSubscriptions(w http.ResponseWriter, q url.Values, account string) {
	if k := unknownParam(q, "limit", "starting_after", "ending_before", "status",
		"customer", "test_clock", "created", "created[gt]", "created[gte]",
		"created[lt]", "created[lte]"); k != "" {
		writeError(w, http.StatusBadRequest, "invalid_request_error", "parameter_unknown",
			"Received unknown parameter: "+k)
		return
	}
	p, err := readPaging(q)
	if err != nil {
		writeError(w, http.StatusBadRequest, "invalid_request_error", "", err.Error())
		return
	}
	f, err := readFilter(q, account)
	if err != nil {
		writeError(w, http.StatusBadRequest, "invalid_request_error", "", err.Error())
		return
	}
	s.mu.Lock()
	out, err := s.pageOfSubscriptions(p, f)
	s.mu.Unlock()
	if err != nil {
		writeMissing(w, err.(missing))
		return
	}
	out.URL = "/v1/subscriptions"
	writeJSON(w, out)
}

// missing names an object a request refers to that does not exist.
type missing struct{ kind, id string }

func (m missing) Error() string { return fmt.Sprintf("No such %s: '%s'", m.kind, m.id) }

// pageOfSubscriptions builds one page. The caller holds s.mu.
func (s *Server) pageOfSubscriptions(p paging, f filter) (page, error) {
	// The first subscription created before hi.
	top := sort.Search(len(s.subs), func(i int) bool { return s.subs[i].created < f.hi })
	at := func(i int) (json.RawMessage, bool) { return s.subs[i].head, f.match(s.subs[i]) }
	from := top
	if id := cmp.Or(p.endingBefore, p.startingAfter); id != "" {
		cur := s.byID[f.account+"/"+id]
		if cur == nil {
			return page{}, missing{"subscription", id}
		}
		i, _ := slices.BinarySearchFunc(s.subs, cur, newestFirst)
		if p.endingBefore != "" {
			return collectBackward(at, i-1, top, p.limit), nil
		}
		from = max(top, i+1)
	}
	stop := func(i int) bool { return s.subs[i].created < f.lo }
	return collectForward(at, stop, from, len(s.subs), p.limit), nil
}

// collectForward gathers up to limit matching values from index from on,
// and notes whether another follows.
func collectForward(at func(int) (json.RawMessage, bool), stop func(int) bool,
	from, end, limit int) page {
	out := page{Object: "list", Data: []json.RawMessage{}}
	for i := from; i < end && !stop(i); i++ {
		v, ok := at(i)
		if !ok {
			continue
		}
		if len(out.Data) == limit {
			out.HasMore = true
			break
		}
		out.Data = append(out.Data, v)
	}
	return out
}

// collectBackward gathers the limit matching values nearest before index
// from (going down to index end), in list order, and notes whether
// another precedes them.
func collectBackward(at func(int) (json.RawMessage, bool), from, end, limit int) page {
	out := page{Object: "list", Data: []json.RawMessage{}}
	for i := from; i >= end; i-- {
		v, ok := at(i)
		if !ok {
			continue
		}
		if len(out.Data) == limit {
			out.HasMore = true
			break
		}
		out.Data = append(out.Data, v)
	}
	slices.Reverse(out.Data)
	return out
}

func (s *Server) listItems(w http.ResponseWriter, q url.Values, account string) {
	if k := unknownParam(q, "subscription", "limit", "starting_after",
		"ending_before"); k != "" {
		writeError(w, http.StatusBadRequest, "invalid_request_error", "parameter_unknown",
			"Received unknown parameter: "+k)
		return
	}
	p, err := readPaging(q)
	if err != nil {
		writeError(w, http.StatusBadRequest, "invalid_request_error", "", err.Error())
		return
	}
	id := q.Get("subscription")
	if id == "" {
		writeError(w, http.StatusBadRequest, "invalid_request_error", "parameter_missing",
			"Missing required param: subscription.")
		return
	}
	s.mu.Lock()
	out, err := s.pageOfItems(p, account, id)
	s.mu.Unlock()
	if err != nil {
		writeMissing(w, err.(missing))
		return
	}
	out.URL = "/v1/subscription_items"
	writeJSON(w, out)
}

// pageOfItems builds one page of a subscription's items. The caller holds
// s.mu.
func (s *Server) pageOfItems(p paging, account, id string) (page, error) {
	st := s.byID[account+"/"+id]
	if st == nil {
		return page{}, missing{"subscription", id}
	}
	at := func(i int) (json.RawMessage, bool) { return st.items[i], true }
	i := -1
	if cursor := cmp.Or(p.endingBefore, p.startingAfter); cursor != "" {
		if i = slices.Index(st.itemIDs, cursor); i < 0 {
			return page{}, missing{"subscription item", cursor}
		}
	}
	if p.endingBefore != "" {
		return collectBackward(at, i-1, 0, p.limit), nil
	}
	never := func(int) bool { return false }
	return collectForward(at, never, i+1, len(st.items), p.limit), nil
}

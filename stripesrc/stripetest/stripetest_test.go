package stripetest_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/driftexact/driftexact/stripesrc/stripetest"
)

var t0 = time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)

// list is a list answer, reduced to what the tests look at.
type list struct {
	HasMore bool `json:"has_more"`
	Data    []struct {
		ID      string `json:"id"`
		Created int64  `json:"created"`
	} `json:"data"`
}

func (l list) ids() []string {
	var out []string
	for _, d := range l.Data {
		out = append(out, d.ID)
	}
	return out
}

// get sends a GET to the fake and decodes the answer into v, returning
// the status code.
func get(t *testing.T, s *stripetest.Server, path string, v any, header ...string) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, s.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if v != nil && resp.StatusCode == http.StatusOK {
		if err := json.Unmarshal(body, v); err != nil {
			t.Fatalf("GET %s: %v in %s", path, err, body)
		}
	}
	return resp.StatusCode
}

// sample holds five subscriptions; sub_c and sub_d share a second.
func sample(t *testing.T) *stripetest.Server {
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	return stripetest.Start(t,
		stripetest.Subscription{ID: "sub_a", Created: at(1), Customer: "cus_1"},
		stripetest.Subscription{ID: "sub_b", Created: at(2), Status: "canceled"},
		stripetest.Subscription{ID: "sub_c", Created: at(3), Status: "incomplete_expired"},
		stripetest.Subscription{ID: "sub_d", Created: at(3), Status: "past_due", Customer: "cus_1"},
		stripetest.Subscription{ID: "sub_e", Created: at(4), Status: "trialing"},
		stripetest.Subscription{ID: "sub_clock", Created: at(5), TestClock: "clock_1"},
	)
}

func TestListFilters(t *testing.T) {
	s := sample(t)
	c := func(sec int) int64 { return t0.Unix() + int64(sec) }
	for _, tc := range []struct {
		query string
		want  []string
	}{
		{"status=all", []string{"sub_e", "sub_d", "sub_c", "sub_b", "sub_a"}},
		{"", []string{"sub_e", "sub_d", "sub_c", "sub_a"}},
		{"status=ended", []string{"sub_c", "sub_b"}},
		{"status=past_due", []string{"sub_d"}},
		{"status=all&customer=cus_1", []string{"sub_d", "sub_a"}},
		{"test_clock=clock_1", []string{"sub_clock"}},
		{fmt.Sprintf("status=all&created=%d", c(3)), []string{"sub_d", "sub_c"}},
		{fmt.Sprintf("status=all&created[gt]=%d", c(3)), []string{"sub_e"}},
		{fmt.Sprintf("status=all&created[gte]=%d", c(3)), []string{"sub_e", "sub_d", "sub_c"}},
		{fmt.Sprintf("status=all&created[lt]=%d", c(3)), []string{"sub_b", "sub_a"}},
		{fmt.Sprintf("status=all&created[lte]=%d&created[gt]=%d", c(3), c(1)),
			[]string{"sub_d", "sub_c", "sub_b"}},
		{"status=all&starting_after=sub_d", []string{"sub_c", "sub_b", "sub_a"}},
		{"status=all&ending_before=sub_b&limit=2", []string{"sub_d", "sub_c"}},
		{fmt.Sprintf("status=all&starting_after=sub_e&created[lt]=%d", c(3)),
			[]string{"sub_b", "sub_a"}},
	} {
		t.Run(tc.query, func(t *testing.T) {
			var l list
			if code := get(t, s, "/v1/subscriptions?"+tc.query, &l); code != http.StatusOK {
				t.Fatalf("status %d", code)
			}
			if diff := cmp.Diff(tc.want, l.ids()); diff != "" {
				t.Errorf("ids (-want +got):\n%s", diff)
			}
		})
	}
}

func TestListPaging(t *testing.T) {
	s := sample(t)
	var seen []string
	path := "/v1/subscriptions?status=all&limit=2"
	for pages := 0; ; pages++ {
		if pages > 5 {
			t.Fatal("paging does not end")
		}
		var l list
		get(t, s, path, &l)
		seen = append(seen, l.ids()...)
		if !l.HasMore {
			break
		}
		path = "/v1/subscriptions?status=all&limit=2&starting_after=" + seen[len(seen)-1]
	}
	want := []string{"sub_e", "sub_d", "sub_c", "sub_b", "sub_a"}
	if diff := cmp.Diff(want, seen); diff != "" {
		t.Errorf("paged ids (-want +got):\n%s", diff)
	}
}

func TestBadRequests(t *testing.T) {
	s := sample(t)
	for _, tc := range []struct {
		path string
		want int
	}{
		{"/v1/subscriptions?limit=0", http.StatusBadRequest},
		{"/v1/subscriptions?limit=101", http.StatusBadRequest},
		{"/v1/subscriptions?status=lapsed", http.StatusBadRequest},
		{"/v1/subscriptions?expand[]=data.customer", http.StatusBadRequest},
		{"/v1/subscriptions?created[gte]=soon", http.StatusBadRequest},
		{"/v1/subscriptions?starting_after=sub_nope", http.StatusNotFound},
		{"/v1/subscriptions/sub_nope", http.StatusNotFound},
		{"/v1/subscription_items", http.StatusBadRequest},
		{"/v1/subscription_items?subscription=sub_nope", http.StatusNotFound},
		{"/v1/customers", http.StatusNotFound},
	} {
		if got := get(t, s, tc.path, nil); got != tc.want {
			t.Errorf("GET %s: status %d, want %d", tc.path, got, tc.want)
		}
	}
	resp, err := http.Post(s.URL+"/v1/subscriptions/sub_a",
		"application/x-www-form-urlencoded", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST: status %d, want 405", resp.StatusCode)
	}
}

func TestItemsAndRetrieve(t *testing.T) {
	sub := stripetest.Subscription{ID: "sub_big", Created: t0}
	for i := range 13 {
		sub.Items = append(sub.Items, stripetest.Item{Price: fmt.Sprint("price_", i)})
	}
	s := stripetest.Start(t, sub)
	s.SetEmbeddedItems(5)
	var one struct {
		ID    string `json:"id"`
		Items list   `json:"items"`
	}
	get(t, s, "/v1/subscriptions/sub_big", &one)
	if len(one.Items.Data) != 5 || !one.Items.HasMore {
		t.Errorf("embedded %d items, has_more %v; want 5 and true",
			len(one.Items.Data), one.Items.HasMore)
	}
	var page list
	items := "/v1/subscription_items?subscription=sub_big"
	if code := get(t, s, items+"&starting_after=si_x", nil); code != 404 {
		t.Errorf("unknown item cursor: status %d, want 404", code)
	}
	get(t, s, items+"&limit=10&starting_after=si_sub_big_2", &page)
	if len(page.Data) != 10 || page.Data[0].ID != "si_sub_big_3" || page.HasMore {
		t.Errorf("item page after si_sub_big_2: %v, has_more %v", page.ids(), page.HasMore)
	}
}

func TestAccountsAreSeparate(t *testing.T) {
	s := stripetest.Start(t,
		stripetest.Subscription{ID: "sub_1", Created: t0},
		stripetest.Subscription{ID: "sub_1", Created: t0, Account: "acct_x", Status: "past_due"},
	)
	var platform, connected list
	get(t, s, "/v1/subscriptions?status=all", &platform)
	get(t, s, "/v1/subscriptions?status=all", &connected, "Stripe-Account", "acct_x")
	if len(platform.Data) != 1 || len(connected.Data) != 1 {
		t.Fatalf("platform %v, connected %v", platform.ids(), connected.ids())
	}
	var sub struct{ Status string }
	get(t, s, "/v1/subscriptions/sub_1", &sub, "Stripe-Account", "acct_x")
	if sub.Status != "past_due" {
		t.Errorf("connected account read the platform's sub_1 (status %q)", sub.Status)
	}
	if code := get(t, s, "/v1/subscriptions/sub_1", nil, "Stripe-Account", "acct_y"); code != 404 {
		t.Errorf("another account read sub_1: status %d", code)
	}
	reqs := s.Requests()
	if len(reqs) != 4 || reqs[1].Account != "acct_x" || reqs[0].Account != "" {
		t.Errorf("recorded requests: %+v", reqs)
	}
}

func TestSeedErrors(t *testing.T) {
	s := stripetest.Start(t, stripetest.Subscription{ID: "sub_1"})
	err := s.Seed(stripetest.Subscription{ID: "sub_2"}, stripetest.Subscription{ID: "sub_1"})
	if err == nil {
		t.Error("a duplicate id was seeded")
	}
	if err := s.Seed(stripetest.Subscription{}); err == nil {
		t.Error("a subscription without an id was seeded")
	}
	if err := s.Add(json.RawMessage(`{"id": 3}`)); err == nil {
		t.Error("a subscription with a numeric id was added")
	}
	if err := s.Add(json.RawMessage(`{"id":"sub_r","items":{"data":[{"price":{}}]}}`)); err == nil {
		t.Error("an item without an id was added")
	}
	var l list
	get(t, s, "/v1/subscriptions?status=all", &l)
	if diff := cmp.Diff([]string{"sub_1"}, l.ids()); diff != "" {
		t.Errorf("a failed seed left subscriptions behind (-want +got):\n%s", diff)
	}
}

func TestFaults(t *testing.T) {
	for _, tc := range []struct {
		fault  stripetest.Fault
		status int
		reason string
	}{
		{stripetest.RateLimited, 429, "global-rate"},
		{stripetest.RateLimitedNoReason, 429, ""},
		{stripetest.ServerError, 500, ""},
		{stripetest.Unavailable, 503, ""},
		{stripetest.PermissionDenied, 403, ""},
	} {
		t.Run(tc.fault.String(), func(t *testing.T) {
			s := sample(t)
			s.Inject(stripetest.FirstN(1, tc.fault))
			resp, err := http.Get(s.URL + "/v1/subscriptions")
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tc.status ||
				resp.Header.Get("Stripe-Rate-Limited-Reason") != tc.reason {
				t.Errorf("status %d reason %q, want %d %q", resp.StatusCode,
					resp.Header.Get("Stripe-Rate-Limited-Reason"), tc.status, tc.reason)
			}
			if code := get(t, s, "/v1/subscriptions", nil); code != 200 {
				t.Errorf("the second request failed too: %d", code)
			}
		})
	}
	t.Run("reset", func(t *testing.T) {
		s := sample(t)
		s.Inject(stripetest.EveryNth(1, stripetest.ConnectionReset))
		_, err := http.Get(s.URL + "/v1/subscriptions")
		if err == nil {
			t.Fatal("a reset connection gave an answer")
		}
		if reqs := s.Requests(); reqs[0].Fault != stripetest.ConnectionReset {
			t.Errorf("recorded %+v", reqs[0])
		}
	})
}

func TestFractionIsReproducible(t *testing.T) {
	count := func(seed uint64) (n int, which []int) {
		in := stripetest.Fraction(0.1, seed, stripetest.RateLimited)
		for i := 1; i <= 2000; i++ {
			if in(i, nil) != stripetest.NoFault {
				which = append(which, i)
			}
		}
		return len(which), which
	}
	n, a := count(1)
	_, b := count(1)
	_, c := count(2)
	if n < 150 || n > 250 {
		t.Errorf("failed %d of 2000, want about 200", n)
	}
	if !slices.Equal(a, b) || slices.Equal(a, c) {
		t.Error("the same seed chose differently, or another seed chose the same")
	}
}

func TestLatencyAndKey(t *testing.T) {
	s := sample(t)
	s.SetLatency(50 * time.Millisecond)
	s.RequireKey("rk_test_right")
	began := time.Now()
	code := get(t, s, "/v1/subscriptions", nil, "Authorization", "Bearer rk_test_right")
	if code != 200 {
		t.Errorf("right key: status %d", code)
	}
	if took := time.Since(began); took < 50*time.Millisecond {
		t.Errorf("answered in %v despite a latency of 50ms", took)
	}
	req, _ := http.NewRequest(http.MethodGet, s.URL+"/v1/subscriptions", nil)
	req.Header.Set("Authorization", "Bearer rk_test_wrong")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 401 || !strings.Contains(string(body), "rk_test_wrong") {
		t.Errorf("wrong key: status %d body %s", resp.StatusCode, body)
	}
	s.ClearRequests()
	if n := len(s.Requests()); n != 0 {
		t.Errorf("%d requests after ClearRequests", n)
	}
}

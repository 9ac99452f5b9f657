package stripesrc_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/driftexact/driftexact/source"
	"github.com/driftexact/driftexact/stripesrc"
	"github.com/driftexact/driftexact/stripesrc/stripetest"
)

func TestListsEverySubscriptionOnceWithStatusAll(t *testing.T) {
	subs := simple(900)
	for i := range subs {
		subs[i].Status = []string{"active", "canceled", "incomplete_expired", "trialing"}[i%4]
	}
	for _, workers := range []int{1, 3, 8} {
		t.Run(fmt.Sprintf("workers=%d", workers), func(t *testing.T) {
			fake := stripetest.Start(t, subs...)
			src := open(t, fake, &stripesrc.Options{Workers: workers, PageSize: 25})
			got := pullAll(t, src)
			if err := exactlyOnce(subs, got); err != nil {
				t.Fatal(err)
			}
			reqs := fake.Requests()
			for _, r := range reqs {
				q, _ := url.ParseQuery(r.Query)
				if q.Get("status") != "all" || q.Get("limit") != "25" {
					t.Errorf("request %s?%s lacks status=all or limit=25", r.Path, r.Query)
				}
			}
			if st := src.LastPull(); st.Records != len(subs) || st.Pages != len(reqs) {
				t.Errorf("LastPull = %+v, want %d records in %d pages", st, len(subs), len(reqs))
			}
		})
	}
}

// clustered returns n subscriptions created in few seconds: most seconds
// hold dozens, and one holds more than several pages.
func clustered(n int, seed uint64) []stripetest.Subscription {
	r := rand.New(rand.NewPCG(seed, 7))
	subs := make([]stripetest.Subscription, 0, n)
	for len(subs) < n {
		at := t0.Add(-time.Duration(r.IntN(40*24)) * time.Hour)
		size := 1 + r.IntN(60)
		if len(subs) == 0 {
			size = 230 // one second holding many pages
		}
		for j := 0; j < size && len(subs) < n; j++ {
			subs = append(subs, stripetest.Subscription{
				ID: fmt.Sprintf("sub_%d_%05d", seed, len(subs)), Created: at})
		}
	}
	return subs
}

func TestWindowBoundariesInCrowdedSeconds(t *testing.T) {
	for seed := range uint64(6) {
		t.Run(fmt.Sprint("seed=", seed), func(t *testing.T) {
			subs := clustered(1500, seed)
			fake := stripetest.Start(t, subs...)
			// With latency, windows are cut while their pages are on the
			// way; with faults, while their pages are retried.
			fake.SetLatency(time.Duration(seed%3) * time.Millisecond)
			if seed%2 == 1 {
				fake.Inject(stripetest.Fraction(0.2, seed, stripetest.RateLimited))
			}
			src := open(t, fake, &stripesrc.Options{Workers: 8, PageSize: 10})
			if err := exactlyOnce(subs, pullAll(t, src)); err != nil {
				t.Fatal(err)
			}
			// The check means little unless windows were split.
			windows := 0
			for _, r := range fake.Requests() {
				if !strings.Contains(r.Query, "starting_after") {
					windows++
				}
			}
			if windows < 8 {
				t.Errorf("only %d windows were read; the listing was hardly split", windows)
			}
			// A second pull starts from the shape of the first.
			if err := exactlyOnce(subs, pullAll(t, src)); err != nil {
				t.Fatalf("second pull: %v", err)
			}
		})
	}
}

func TestItemPagesAreRead(t *testing.T) {
	end := t0.AddDate(0, 1, 0)
	many := stripetest.Subscription{ID: "sub_many", Customer: "cus_many", Created: t0}
	for i := range 230 {
		many.Items = append(many.Items, stripetest.Item{
			ID: fmt.Sprintf("si_%03d", i), Price: fmt.Sprintf("price_%03d", i), Quantity: 1,
			CurrentPeriodEnd: end.Add(time.Duration(i) * time.Second),
		})
	}
	few := stripetest.Subscription{ID: "sub_few", Created: t0.Add(time.Second),
		Items: []stripetest.Item{{Price: "price_x", Quantity: 2}}}
	fake := stripetest.Start(t, many, few)
	src := open(t, fake, nil)
	got := pullAll(t, src)
	if len(got) != 2 {
		t.Fatalf("read %d subscriptions, want 2", len(got))
	}
	var items []source.Item
	for _, s := range got {
		if s.Incomplete != "" {
			t.Errorf("%s marked incomplete: %s", s.ID, s.Incomplete)
		}
		if s.ID == "sub_many" {
			items = s.Items
		}
	}
	if len(items) != 230 {
		t.Fatalf("sub_many has %d items, want 230", len(items))
	}
	for i, it := range items {
		want := source.Item{PriceID: fmt.Sprintf("price_%03d", i), Quantity: 1,
			CurrentPeriodEnd: end.Add(time.Duration(i) * time.Second)}
		if diff := cmp.Diff(want, it); diff != "" {
			t.Fatalf("item %d (-want +got):\n%s", i, diff)
		}
	}
	itemPages := 0
	for _, r := range fake.Requests() {
		if r.Path == "/v1/subscription_items" {
			itemPages++
			if !strings.Contains(r.Query, "subscription=sub_many") {
				t.Errorf("item request for the wrong subscription: %s", r.Query)
			}
		}
	}
	if itemPages != 3 {
		t.Errorf("read %d item pages, want 3", itemPages)
	}
	if st := src.LastPull(); st.Pages != 4 {
		t.Errorf("LastPull().Pages = %d, want 1 subscription page and 3 item pages", st.Pages)
	}
}

func TestItemListRefusedMarksIncomplete(t *testing.T) {
	sub := stripetest.Subscription{ID: "sub_big", Created: t0}
	for i := range 12 {
		sub.Items = append(sub.Items, stripetest.Item{Price: fmt.Sprint("price_", i)})
	}
	fake := stripetest.Start(t, sub)
	fake.Inject(stripetest.OnPath("/v1/subscription_items",
		stripetest.FirstN(1000, stripetest.PermissionDenied)))
	got := pullAll(t, open(t, fake, nil))
	if len(got) != 1 || !strings.Contains(got[0].Incomplete, "403") {
		t.Fatalf("got %+v, want one record marked incomplete for a 403", got)
	}
	if len(got[0].Items) != stripetest.DefaultEmbeddedItems {
		t.Errorf("kept %d items, want the %d embedded", len(got[0].Items),
			stripetest.DefaultEmbeddedItems)
	}
	if strings.Contains(got[0].Incomplete, string(testKey)) {
		t.Errorf("incomplete reason holds the key: %s", got[0].Incomplete)
	}
}

func TestReadByID(t *testing.T) {
	clock := stripetest.Subscription{ID: "sub_clock", Created: t0, TestClock: "clock_1",
		Items: []stripetest.Item{{Price: "price_p", CurrentPeriodEnd: t0.AddDate(0, 1, 0)}}}
	plain := stripetest.Subscription{ID: "sub_plain", Created: t0}
	fake := stripetest.Start(t, clock, plain)
	src := open(t, fake, nil)
	listed := pullAll(t, src)
	if len(listed) != 1 || listed[0].ID != "sub_plain" {
		t.Fatalf("listed %v, want only sub_plain (test clocks are left out)", listed)
	}
	got, err := src.Subscription(context.Background(), "sub_clock")
	if err != nil {
		t.Fatal(err)
	}
	want := source.Subscription{ID: "sub_clock", Status: "active", Created: t0,
		Items: []source.Item{{PriceID: "price_p", CurrentPeriodEnd: t0.AddDate(0, 1, 0)}}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("read by id (-want +got):\n%s", diff)
	}
	_, err = src.Subscription(context.Background(), "sub_missing")
	if !errors.Is(err, source.ErrNotFound) || !strings.Contains(err.Error(), `"sub_missing"`) {
		t.Errorf("missing subscription: got %v, want ErrNotFound naming the id", err)
	}
}

func TestConnectedAccount(t *testing.T) {
	fake := stripetest.Start(t,
		stripetest.Subscription{ID: "sub_platform", Created: t0},
		stripetest.Subscription{ID: "sub_connected", Created: t0, Account: "acct_123"},
	)
	src := open(t, fake, &stripesrc.Options{Account: "acct_123"})
	got := pullAll(t, src)
	if len(got) != 1 || got[0].ID != "sub_connected" {
		t.Fatalf("read %v, want only the connected account's subscription", got)
	}
	if _, err := src.Subscription(context.Background(), "sub_connected"); err != nil {
		t.Fatal(err)
	}
	for _, r := range fake.Requests() {
		if r.Account != "acct_123" {
			t.Errorf("request %s %s sent Stripe-Account %q", r.Method, r.Path, r.Account)
		}
	}
	if d := src.Describe(); d != "stripe account acct_123" {
		t.Errorf("Describe() = %q", d)
	}
}

func TestHeadersArePinned(t *testing.T) {
	fake := stripetest.Start(t, simple(30)...)
	fake.RequireKey(string(testKey))
	src := open(t, fake, &stripesrc.Options{PageSize: 10})
	pullAll(t, src)
	if _, err := src.Subscription(context.Background(), "sub_00001"); err != nil {
		t.Fatal(err)
	}
	if stripesrc.APIVersion != "2023-10-16" {
		t.Errorf("APIVersion = %q, want stripe-go v76's 2023-10-16", stripesrc.APIVersion)
	}
	for _, r := range fake.Requests() {
		if r.Version != "2023-10-16" {
			t.Errorf("request %s sent Stripe-Version %q, want 2023-10-16", r.Path, r.Version)
		}
		if r.Account != "" {
			t.Errorf("request %s sent Stripe-Account %q without an account", r.Path, r.Account)
		}
	}
}

func TestRetriesFaultsAndResumes(t *testing.T) {
	for _, f := range []stripetest.Fault{
		stripetest.RateLimited, stripetest.RateLimitedNoReason,
		stripetest.ServerError, stripetest.Unavailable, stripetest.ConnectionReset,
	} {
		t.Run(f.String(), func(t *testing.T) {
			subs := simple(300)
			fake := stripetest.Start(t, subs...)
			fake.Inject(stripetest.EveryNth(3, f)) // some pages fail twice in a row
			src := open(t, fake, &stripesrc.Options{PageSize: 20, Workers: 4})
			if err := exactlyOnce(subs, pullAll(t, src)); err != nil {
				t.Fatal(err)
			}
			reqs := fake.Requests()
			faulted := 0
			for i, r := range reqs {
				if r.Fault == stripetest.NoFault {
					continue
				}
				faulted++
				if !retried(reqs[i+1:], r) {
					t.Errorf("failed request %s?%s was not sent again", r.Path, r.Query)
				}
			}
			if faulted == 0 {
				t.Fatal("no request was faulted; the test proves nothing")
			}
		})
	}
}

// retried reports whether a later request repeats r exactly: a failed page
// resumes from the same cursor, not from the start.
func retried(later []stripetest.Request, r stripetest.Request) bool {
	for _, l := range later {
		if l.Path == r.Path && l.Query == r.Query && l.Fault == stripetest.NoFault {
			return true
		}
	}
	return false
}

func TestPullThatCannotCompleteFails(t *testing.T) {
	subs := simple(200)
	fake := stripetest.Start(t, subs...)
	fake.Inject(func(n int, r *http.Request) stripetest.Fault {
		if strings.Contains(r.URL.RawQuery, "starting_after") {
			return stripetest.ServerError // every page after the first fails
		}
		return stripetest.NoFault
	})
	src := open(t, fake, &stripesrc.Options{PageSize: 50, Workers: 1, MaxRetries: 3})
	got, err := collect(context.Background(), src)
	if err == nil {
		t.Fatalf("pull of %d subscriptions ended without error after %d", len(subs), len(got))
	}
	var ae *stripesrc.APIError
	if !errors.As(err, &ae) || ae.StatusCode != 500 || !ae.Retryable() {
		t.Errorf("error %v does not carry the 500 answer", err)
	}
	if !strings.Contains(err.Error(), "after \"sub_00150\"") {
		t.Errorf("error %q does not name the cursor it failed at", err)
	}
	if n := len(fake.Requests()); n != 1+4 {
		t.Errorf("sent %d requests, want the first page and 4 attempts of the second", n)
	}
	if st := src.LastPull(); st != (source.Stats{}) {
		t.Errorf("failed pull recorded stats %+v", st)
	}
}

func TestCancellationIsPrompt(t *testing.T) {
	fake := stripetest.Start(t, simple(500)...)
	fake.SetLatency(10 * time.Second)
	src := open(t, fake, &stripesrc.Options{PageSize: 10})
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	began := time.Now()
	got, err := collect(ctx, src)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("got %d subscriptions and %v, want context.Canceled", len(got), err)
	}
	if took := time.Since(began); took > 2*time.Second {
		t.Errorf("the pull took %v to stop after cancellation", took)
	}
}

func TestRateLimitHoldsTheBudget(t *testing.T) {
	fake := stripetest.Start(t, simple(40)...)
	src := open(t, fake, &stripesrc.Options{PageSize: 2, Workers: 4, RequestsPerSecond: 20})
	began := time.Now()
	pullAll(t, src)
	reqs := fake.Requests()
	// A bucket of 4 tokens refilled at 20 per second: the n-th request
	// cannot come before (n-4)/20 seconds.
	if min := time.Duration(len(reqs)-4) * time.Second / 20; time.Since(began) < min {
		t.Errorf("%d requests took %v, under the %v the budget allows", len(reqs),
			time.Since(began), min)
	}
}

func TestOpenChecksOptions(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts stripesrc.Options
		want string
	}{
		{"rate above 25", stripesrc.Options{RequestsPerSecond: 26}, "RequestsPerSecond"},
		{"negative rate", stripesrc.Options{RequestsPerSecond: -1}, "RequestsPerSecond"},
		{"negative workers", stripesrc.Options{Workers: -1}, "Workers"},
		{"page too large", stripesrc.Options{PageSize: 101}, "PageSize"},
		{"not an account", stripesrc.Options{Account: "cus_1"}, "Account"},
		{"negative wait", stripesrc.Options{RetryWait: -time.Second}, "RetryWait"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := stripesrc.Open(testKey, &tc.opts)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Open: got %v, want an error naming %s", err, tc.want)
			}
		})
	}
	if _, err := stripesrc.Open(testKey, &stripesrc.Options{RequestsPerSecond: 25}); err != nil {
		t.Errorf("25 requests per second refused: %v", err)
	}
}

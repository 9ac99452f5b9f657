package stripesrc_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/driftexact/driftexact/source"
	"github.com/driftexact/driftexact/stripesrc"
	"github.com/driftexact/driftexact/stripesrc/stripetest"
)

// testKey is the restricted key the tests read with.
const testKey stripesrc.Key = "rk_test_51TestSecretPartThatMustNeverLeak"

var t0 = time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)

// open opens a source on fake with fast retries and, unless opts names a
// rate, no rate limit; opts may be nil.
func open(t *testing.T, fake *stripetest.Server, opts *stripesrc.Options) *stripesrc.Source {
	t.Helper()
	o := stripesrc.Options{}
	if opts != nil {
		o = *opts
	}
	o.BaseURL = fake.URL
	if o.RetryWait == 0 {
		o.RetryWait = time.Millisecond
	}
	src, err := stripesrc.Open(testKey, &o)
	if err != nil {
		t.Fatal(err)
	}
	if o.RequestsPerSecond == 0 {
		stripesrc.Unthrottle(src)
	}
	return src
}

// simple returns n subscriptions, created every second from t0, with one
// item each.
func simple(n int) []stripetest.Subscription {
	subs := make([]stripetest.Subscription, n)
	for i := range subs {
		subs[i] = stripetest.Subscription{
			ID: fmt.Sprintf("sub_%05d", i), Customer: fmt.Sprintf("cus_%05d", i),
			Created: t0.Add(time.Duration(i) * time.Second),
			Items:   []stripetest.Item{{Price: "price_basic", Quantity: 1}},
		}
	}
	return subs
}

// pullAll reads every subscription of src, failing t on any error.
func pullAll(t testing.TB, src source.Billing) []source.Subscription {
	t.Helper()
	subs, err := collect(context.Background(), src)
	if err != nil {
		t.Fatal(err)
	}
	return subs
}

// collect reads src to its end and returns what it yielded and the error
// that ended it, checking that nothing follows an error.
func collect(ctx context.Context, src source.Billing) ([]source.Subscription, error) {
	var subs []source.Subscription
	var failed error
	for s, err := range src.Subscriptions(ctx) {
		if failed != nil {
			return subs, fmt.Errorf("value after the error %v", failed)
		}
		if err != nil {
			failed = err
			continue
		}
		subs = append(subs, s)
	}
	return subs, failed
}

// exactlyOnce reports ids read twice and ids of want not read.
func exactlyOnce(want []stripetest.Subscription, got []source.Subscription) error {
	seen := map[string]int{}
	for _, s := range got {
		seen[s.ID]++
	}
	var dup, lost []string
	for id, n := range seen {
		if n > 1 {
			dup = append(dup, id)
		}
	}
	for _, s := range want {
		if seen[s.ID] == 0 {
			lost = append(lost, s.ID)
		}
	}
	if len(dup)+len(lost) > 0 || len(got) != len(want) {
		return fmt.Errorf("read %d of %d: %d duplicated (%.5q), %d lost (%.5q)",
			len(got), len(want), len(dup), dup, len(lost), lost)
	}
	return nil
}

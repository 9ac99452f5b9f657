package stripesrc_test

import (
	"context"
	"fmt"
	"iter"
	"math/rand/v2"
	"net/http"
	"testing"
	"time"

	stripe "github.com/stripe/stripe-go/v76"
	"github.com/stripe/stripe-go/v76/client"
	"golang.org/x/time/rate"

	"github.com/driftexact/driftexact/source"
	"github.com/driftexact/driftexact/stripesrc"
	"github.com/driftexact/driftexact/stripesrc/stripetest"
)

// Benchmark settings: 10,000 subscriptions, each page answered after
// 300ms, and a budget of 20 requests per second, whose ceiling is 2,000
// subscriptions per second at 100 to a page.
const (
	benchSubs    = 10_000
	benchLatency = 300 * time.Millisecond
	benchRate    = 20
)

// benchData returns n subscriptions created over a year; a tenth of them
// come in batches of up to 30 that share one second, as imports do.
func benchData(n int) []stripetest.Subscription {
	r := rand.New(rand.NewPCG(42, 42))
	end := time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)
	subs := make([]stripetest.Subscription, 0, n)
	for len(subs) < n {
		at := end.Add(-time.Duration(r.Int64N(int64(365 * 24 * time.Hour)))).Truncate(time.Second)
		batch := 1
		if r.IntN(10) == 0 {
			batch = 1 + r.IntN(30)
		}
		for range min(batch, n-len(subs)) {
			subs = append(subs, stripetest.Subscription{
				ID: fmt.Sprintf("sub_bench_%05d", len(subs)), Customer: "cus_bench",
				Created: at, Items: []stripetest.Item{{Price: "price_pro", Quantity: 1}},
			})
		}
	}
	return subs
}

// BenchmarkPull compares, in one run, parallel paging with plain
// sequential stripe-go iteration, and parallel paging when a tenth of the
// requests are answered 429. It reports subscriptions per second, requests
// per second as the fake saw them, pulls that failed, and subscriptions
// lost or read twice. Run it with
//
//	go test ./stripesrc -run '^$' -bench Pull -benchtime 3x
func BenchmarkPull(b *testing.B) {
	subs := benchData(benchSubs)
	fake := stripetest.Start(b, subs...)
	fake.SetLatency(benchLatency)
	opts := &stripesrc.Options{BaseURL: fake.URL, RequestsPerSecond: benchRate, Workers: 8}

	b.Run("parallel/first-pull", func(b *testing.B) {
		benchPulls(b, fake, subs, func() source.Billing { return mustOpen(b, opts) })
	})
	b.Run("parallel/next-pull", func(b *testing.B) {
		src := mustOpen(b, opts)
		pullAll(b, src) // the source plans from what this pull saw
		benchPulls(b, fake, subs, func() source.Billing { return src })
	})
	b.Run("parallel/first-pull-10pct-429", func(b *testing.B) {
		fake.Inject(stripetest.Fraction(0.1, 7, stripetest.RateLimited))
		defer fake.Inject(nil)
		benchPulls(b, fake, subs, func() source.Billing { return mustOpen(b, opts) })
	})
	b.Run("sequential/stripe-go", func(b *testing.B) {
		benchPulls(b, fake, subs, func() source.Billing { return plainStripeGo(fake.URL) })
	})
}

func mustOpen(b *testing.B, opts *stripesrc.Options) *stripesrc.Source {
	src, err := stripesrc.Open("rk_test_bench", opts)
	if err != nil {
		b.Fatal(err)
	}
	return src
}

// benchPulls times b.N pulls, each from a source newSource returns.
func benchPulls(b *testing.B, fake *stripetest.Server, subs []stripetest.Subscription,
	newSource func() source.Billing) {
	var took time.Duration
	var failed, lost, twice, requests int
	for b.Loop() {
		src := newSource()
		fake.ClearRequests()
		began := time.Now()
		got, err := collect(context.Background(), src)
		took += time.Since(began)
		requests += len(fake.Requests())
		if err != nil {
			failed++
			b.Logf("pull failed: %v", err)
			continue
		}
		l, d := lostAndTwice(subs, got)
		lost, twice = lost+l, twice+d
	}
	secs := took.Seconds()
	b.ReportMetric(float64(b.N*len(subs))/secs, "subs/s")
	b.ReportMetric(float64(requests)/secs, "req/s")
	b.ReportMetric(float64(requests)/float64(b.N), "req/pull")
	b.ReportMetric(float64(failed), "failed-pulls")
	b.ReportMetric(float64(lost), "lost")
	b.ReportMetric(float64(twice), "duplicated")
}

func lostAndTwice(want []stripetest.Subscription, got []source.Subscription) (lost, twice int) {
	seen := make(map[string]int, len(got))
	for _, s := range got {
		seen[s.ID]++
	}
	for _, s := range want {
		switch n := seen[s.ID]; {
		case n == 0:
			lost++
		case n > 1:
			twice += n - 1
		}
	}
	return lost, twice
}

// stripeGoSource is the plain alternative: stripe-go's own list iterator,
// one page after another, behind the same rate budget.
type stripeGoSource struct{ api *client.API }

func plainStripeGo(url string) stripeGoSource {
	limited := &limitedTransport{rate.NewLimiter(benchRate, 1), http.DefaultTransport}
	backend := stripe.GetBackendWithConfig(stripe.APIBackend, &stripe.BackendConfig{
		URL:           stripe.String(url),
		HTTPClient:    &http.Client{Transport: limited},
		LeveledLogger: &stripe.LeveledLogger{Level: stripe.LevelNull},
	})
	return stripeGoSource{client.New("rk_test_bench", &stripe.Backends{API: backend})}
}

func (s stripeGoSource) Subscriptions(ctx context.Context) iter.Seq2[source.Subscription, error] {
	return func(yield func(source.Subscription, error) bool) {
		params := &stripe.SubscriptionListParams{Status: stripe.String("all")}
		params.Limit = stripe.Int64(100)
		params.Context = ctx
		it := s.api.Subscriptions.List(params)
		for it.Next() {
			if !yield(stripesrc.Normalize(it.Subscription(), nil), nil) {
				return
			}
		}
		if err := it.Err(); err != nil {
			yield(source.Subscription{}, err)
		}
	}
}

type limitedTransport struct {
	limiter *rate.Limiter
	next    http.RoundTripper
}

func (t *limitedTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if err := t.limiter.Wait(r.Context()); err != nil {
		return nil, err
	}
	return t.next.RoundTrip(r)
}

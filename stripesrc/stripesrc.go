// Package stripesrc reads Stripe subscriptions as a [source.Billing].
//
// The source is read-only by construction: its HTTP transport refuses every
// method but GET before a request leaves the process, so no code path,
// including stripe-go's own write calls made through [Source.Client], can
// change anything in Stripe. A restricted key with only subscriptions:read
// is all it needs.
//
// Stripe objects are reduced to [source.Subscription] values as each page
// arrives; no raw response is kept.
package stripesrc

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"slices"
	"time"

	stripe "github.com/stripe/stripe-go/v76"
	"github.com/stripe/stripe-go/v76/client"

	"github.com/driftexact/driftexact/source"
)

// Options configure a [Source]. The zero value reads api.stripe.com with
// http.DefaultTransport.
type Options struct {
	// BaseURL replaces Stripe's API address, for tests and local fakes.
	BaseURL string
	// Transport carries requests; nil means http.DefaultTransport. It is
	// wrapped so that only GET requests pass.
	Transport http.RoundTripper
	// MetadataKeys are the subscription metadata keys to keep; all others
	// are dropped when a subscription is normalised.
	MetadataKeys []string
}

// Source is a [source.Billing] over the Stripe API. It is safe for
// concurrent use.
type Source struct {
	api  *client.API
	opts Options
}

// Open returns a source that reads with key. It makes no request.
func Open(key string, opts *Options) (*Source, error) {
	if key == "" {
		return nil, errors.New("stripesrc: empty API key")
	}
	var o Options
	if opts != nil {
		o = *opts
	}
	o.MetadataKeys = slices.Clone(o.MetadataKeys)
	next := o.Transport
	if next == nil {
		next = http.DefaultTransport
	}
	cfg := &stripe.BackendConfig{
		HTTPClient:        &http.Client{Transport: readOnlyTransport{next: next}},
		LeveledLogger:     &stripe.LeveledLogger{Level: stripe.LevelNull},
		MaxNetworkRetries: stripe.Int64(0),
	}
	if o.BaseURL != "" {
		cfg.URL = stripe.String(o.BaseURL)
	}
	b := stripe.GetBackendWithConfig(stripe.APIBackend, cfg)
	api := client.New(key, &stripe.Backends{API: b, Connect: b, Uploads: b})
	return &Source{api: api, opts: o}, nil
}

// Client returns the stripe-go client the source reads through. Every
// request it sends passes the read-only transport: any call other than a
// read fails with an error wrapping [ErrWriteRefused].
func (s *Source) Client() *client.API { return s.api }

// Subscriptions implements [source.Billing]. It lists with status=all, 100
// to a page, until the last page.
func (s *Source) Subscriptions(ctx context.Context) iter.Seq2[source.Subscription, error] {
	return func(yield func(source.Subscription, error) bool) {
		params := &stripe.SubscriptionListParams{Status: stripe.String("all")}
		params.Limit = stripe.Int64(100)
		params.Context = ctx
		it := s.api.Subscriptions.List(params)
		for it.Next() {
			if !yield(Normalize(it.Subscription(), s.opts.MetadataKeys), nil) {
				return
			}
		}
		if err := it.Err(); err != nil {
			yield(source.Subscription{}, fmt.Errorf("stripesrc: list subscriptions: %w", err))
		}
	}
}

// Subscription implements [source.SubscriptionGetter].
func (s *Source) Subscription(ctx context.Context, id string) (source.Subscription, error) {
	p := &stripe.SubscriptionParams{}
	p.Context = ctx
	sub, err := s.api.Subscriptions.Get(id, p)
	if err != nil {
		var se *stripe.Error
		if errors.As(err, &se) && se.HTTPStatusCode == http.StatusNotFound {
			return source.Subscription{}, fmt.Errorf("stripesrc: subscription %q: %w", id, source.ErrNotFound)
		}
		return source.Subscription{}, fmt.Errorf("stripesrc: get subscription %q: %w", id, err)
	}
	return Normalize(sub, s.opts.MetadataKeys), nil
}

// Normalize reduces a stripe-go subscription to a source record, keeping
// only the named metadata keys.
func Normalize(s *stripe.Subscription, metadataKeys []string) source.Subscription {
	out := source.Subscription{
		ID:                s.ID,
		Status:            string(s.Status),
		CurrentPeriodEnd:  unix(s.CurrentPeriodEnd),
		CancelAt:          unix(s.CancelAt),
		CancelAtPeriodEnd: s.CancelAtPeriodEnd,
		CanceledAt:        unix(s.CanceledAt),
		EndedAt:           unix(s.EndedAt),
		TrialEnd:          unix(s.TrialEnd),
		Created:           unix(s.Created),
		Livemode:          s.Livemode,
	}
	if s.Customer != nil {
		out.CustomerID = s.Customer.ID
	}
	if s.Schedule != nil {
		out.ScheduleID = s.Schedule.ID
	}
	if pc := s.PauseCollection; pc != nil && pc.Behavior != "" {
		out.PauseCollection = &source.PauseCollection{
			Behavior: string(pc.Behavior), ResumesAt: unix(pc.ResumesAt),
		}
	}
	for _, k := range metadataKeys {
		if v, ok := s.Metadata[k]; ok {
			if out.Metadata == nil {
				out.Metadata = map[string]string{}
			}
			out.Metadata[k] = v
		}
	}
	if s.Items != nil {
		for _, it := range s.Items.Data {
			out.Items = append(out.Items, normalizeItem(it))
		}
		if s.Items.HasMore {
			out.Incomplete = "item list has more pages than were read"
		}
	}
	return out
}

func normalizeItem(it *stripe.SubscriptionItem) source.Item {
	out := source.Item{Quantity: it.Quantity}
	if p := it.Price; p != nil {
		out.PriceID = p.ID
		out.LookupKey = p.LookupKey
		if p.Product != nil {
			out.ProductID = p.Product.ID
		}
	}
	return out
}

func unix(sec int64) time.Time {
	if sec == 0 {
		return time.Time{}
	}
	return time.Unix(sec, 0).UTC()
}

// Describe implements [source.Describer].
func (s *Source) Describe() string { return "stripe" }

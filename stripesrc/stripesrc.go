package stripesrc

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"iter"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	stripe "github.com/stripe/stripe-go/v76"
	"github.com/stripe/stripe-go/v76/client"
	"github.com/stripe/stripe-go/v76/form"

	"github.com/driftexact/driftexact/source"
)

// Defaults and limits of [Options].
const (
	DefaultRequestsPerSecond = 10                     // zero RequestsPerSecond
	MaxRequestsPerSecond     = 25                     // the most Open accepts
	DefaultWorkers           = 8                      // zero Workers
	DefaultMaxRetries        = 8                      // zero MaxRetries
	DefaultRetryWait         = 500 * time.Millisecond // zero RetryWait
	MaxPageSize              = 100                    // Stripe's largest page
)

// Options configure a [Source]. A nil *Options, like the zero value, reads
// api.stripe.com through a transport of the source's own, at 10 requests
// per second with 8 workers.
type Options struct {
	// BaseURL replaces Stripe's API address, for stripe-mock and fakes.
	BaseURL string
	// Transport carries requests; nil means a clone of
	// http.DefaultTransport owned by the source, whose idle connections
	// are closed at the end of every pull. A given Transport is wrapped
	// (so that only GET requests pass) but never closed.
	Transport http.RoundTripper
	// MetadataKeys are the subscription metadata keys to keep; all others
	// are dropped when a subscription is normalised.
	MetadataKeys []string

	// AllowSecretKey accepts a full secret key (sk_…). Without it only
	// restricted keys (rk_…) are accepted.
	AllowSecretKey bool
	// Account is a Stripe Connect account id (acct_…) sent as the
	// Stripe-Account header of every request, so that the source reads
	// that connected account. Empty reads the key's own account.
	Account string

	// RequestsPerSecond is the rate of the token bucket every request
	// (list pages, item pages, reads by id, retries and calls through
	// Client) waits for. Zero means 10; more than 25 is refused.
	RequestsPerSecond float64
	// Workers is the most windows of creation times a pull pages at once;
	// zero means 8, and 1 pages the listing sequentially. A pull keeps
	// only as many busy as the rate budget can serve at the latency it
	// sees (RequestsPerSecond times latency, plus one), so Workers should
	// be at least that: 8 covers 25 requests per second at 280ms a page.
	// The token bucket holds as many tokens as there are workers, so all
	// may start at once.
	Workers int
	// PageSize is the limit asked for on every list page, from 1 to 100.
	// Zero means 100, which uses the rate budget best.
	PageSize int
	// MaxRetries is how often a request answered 429 or 5xx, or cut off
	// by a broken connection, is sent again. Zero means 8; a negative
	// value turns retries off.
	MaxRetries int
	// RetryWait is the wait before the first retry; each further retry
	// waits about twice as long, up to 32 times RetryWait, less a random
	// part of up to half. Zero means 500ms.
	RetryWait time.Duration
	// Logger receives a debug record for every retry; nil discards them.
	// Keys never reach it: the source's records are scrubbed of anything
	// shaped like a key, including what the server sent.
	Logger *slog.Logger
}

// placeholderKey is the key stripe-go is given. The real key is added by
// the source's transport, so that stripe-go's structs, logs and errors
// never hold it.
const placeholderKey = "stripesrc-key-set-by-transport"

// Source is a [source.Billing] over the Stripe API. It also reads by id
// ([source.SubscriptionGetter]) and reports the size of its last complete
// pull ([source.StatsReporter]). It is safe for concurrent use; all its
// requests share one token bucket. Nothing needs closing: the idle
// connections of a transport the source made itself are closed at the end
// of each pull, and otherwise expire.
type Source struct {
	backend  stripe.Backend
	api      *client.API
	key      *Key // a pointer, so that printing a Source shows no key
	account  string
	metadata []string
	workers  int
	pageSize int
	owned    *http.Transport // closed idle after each pull; nil if given
	t        *transport

	mu    sync.Mutex
	last  source.Stats
	shape shape // of the last complete pull, to plan the next
}

// Open returns a source that reads with key, a [Key] or a plain string,
// after checking the key and the options. It makes no request. See the
// package documentation for the key policy.
func Open[K ~string](key K, opts *Options) (*Source, error) {
	return open(Key(strings.TrimSpace(string(key))), opts)
}

func open(key Key, opts *Options) (*Source, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	if err := checkKey(key, o.AllowSecretKey); err != nil {
		return nil, err
	}
	if err := o.fill(); err != nil {
		return nil, err
	}
	s := &Source{
		key: &key, account: o.Account, metadata: slices.Clone(o.MetadataKeys),
		workers: o.Workers, pageSize: o.PageSize,
	}
	s.t = newTransport(&key, &o)
	if s.t.next == nil {
		s.owned = http.DefaultTransport.(*http.Transport).Clone()
		s.owned.MaxIdleConnsPerHost = o.Workers
		s.t.next = s.owned
	}
	s.backend = newBackend(s.t, o.BaseURL)
	s.api = client.New(placeholderKey, &stripe.Backends{
		API: s.backend, Connect: s.backend, Uploads: s.backend,
	})
	return s, nil
}

// newBackend returns a stripe-go backend that sends everything through t,
// with stripe-go's logging, retries and telemetry off.
func newBackend(t *transport, baseURL string) stripe.Backend {
	cfg := &stripe.BackendConfig{
		HTTPClient:        &http.Client{Transport: t},
		LeveledLogger:     &stripe.LeveledLogger{Level: stripe.LevelNull},
		MaxNetworkRetries: stripe.Int64(0),
		EnableTelemetry:   stripe.Bool(false),
	}
	if baseURL != "" {
		cfg.URL = stripe.String(strings.TrimRight(baseURL, "/"))
	}
	return stripe.GetBackendWithConfig(stripe.APIBackend, cfg)
}

// fill checks o and replaces zero values with defaults.
func (o *Options) fill() error {
	switch {
	case o.RequestsPerSecond < 0 || o.RequestsPerSecond > MaxRequestsPerSecond:
		return fmt.Errorf("stripesrc: Options.RequestsPerSecond is %v, want 0 to %d",
			o.RequestsPerSecond, MaxRequestsPerSecond)
	case o.Workers < 0:
		return fmt.Errorf("stripesrc: Options.Workers is %d, want 0 or more", o.Workers)
	case o.PageSize < 0 || o.PageSize > MaxPageSize:
		return fmt.Errorf("stripesrc: Options.PageSize is %d, want 0 to %d",
			o.PageSize, MaxPageSize)
	case o.RetryWait < 0:
		return fmt.Errorf("stripesrc: Options.RetryWait is %v, want 0 or more", o.RetryWait)
	case o.Account != "" && !strings.HasPrefix(o.Account, "acct_"):
		return fmt.Errorf("stripesrc: Options.Account is %q, "+
			"want a connected account id (acct_...)", o.Account)
	}
	if o.RequestsPerSecond == 0 {
		o.RequestsPerSecond = DefaultRequestsPerSecond
	}
	o.Workers = cmp.Or(o.Workers, DefaultWorkers)
	o.PageSize = cmp.Or(o.PageSize, MaxPageSize)
	o.MaxRetries = cmp.Or(o.MaxRetries, DefaultMaxRetries)
	o.RetryWait = cmp.Or(o.RetryWait, DefaultRetryWait)
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return nil
}

// Client returns the stripe-go client the source reads through. Every
// request it sends passes the source's transport: it waits for the shared
// token bucket, carries the key and the connected account, and any method
// other than GET fails with an error wrapping [ErrWriteRefused] before it
// leaves the process. The client's own Key field holds a placeholder.
func (s *Source) Client() *client.API { return s.api }

// Subscriptions implements [source.Billing]. It lists every subscription,
// whatever its status (status=all), in windows of creation times paged by
// several workers, and yields them in no particular order. Item lists cut
// short are completed first. Any failure that retries cannot mend ends
// the sequence with an error; a sequence that ends without one holds every
// subscription the listing returned, each once.
func (s *Source) Subscriptions(ctx context.Context) iter.Seq2[source.Subscription, error] {
	return func(yield func(source.Subscription, error) bool) {
		s.stream(ctx, yield)
	}
}

// Subscription implements [source.SubscriptionGetter]: it reads one
// subscription by id, including those on test clocks that lists leave out.
// It returns an error wrapping [source.ErrNotFound] when Stripe has no
// such subscription.
func (s *Source) Subscription(ctx context.Context, id string) (source.Subscription, error) {
	if id == "" {
		return source.Subscription{}, errors.New("stripesrc: read subscription: empty id")
	}
	params := &stripe.Params{Context: ctx}
	var r rawSubscription
	path := "/v1/subscriptions/" + url.PathEscape(id)
	if err := s.backend.Call(http.MethodGet, path, placeholderKey, params, &r); err != nil {
		err = s.clean(err)
		var ae *APIError
		if errors.As(err, &ae) && ae.StatusCode == http.StatusNotFound {
			return source.Subscription{}, fmt.Errorf("stripesrc: subscription %q: %w: %w",
				id, source.ErrNotFound, err)
		}
		return source.Subscription{}, fmt.Errorf("stripesrc: read subscription %q: %w", id, err)
	}
	sub, _, err := s.complete(ctx, &r)
	return sub, err
}

// complete normalises r, first reading its whole item list when the
// embedded one is cut short. It returns how many item pages it read. An
// item list Stripe refuses to give (for example for want of permission),
// or one that lacks an embedded item or holds no more than were embedded
// although the embedded list said more follow, leaves the record marked
// Incomplete with its embedded items; any other failure is returned.
func (s *Source) complete(ctx context.Context, r *rawSubscription) (
	source.Subscription, int, error) {
	if r.sub.Items == nil || !r.sub.Items.HasMore {
		return normalize(&r.sub, s.metadata, r.itemEnds), 0, nil
	}
	items, ends, pages, err := s.items(ctx, r.sub.ID)
	switch {
	case permanent(err):
		sub := normalize(&r.sub, s.metadata, r.itemEnds)
		sub.Incomplete = "item list has more pages, and reading them failed: " + err.Error()
		return sub, pages, nil
	case err != nil:
		return source.Subscription{}, pages, fmt.Errorf(
			"stripesrc: read items of subscription %q: %w", r.sub.ID, err)
	}
	if why := lacking(r.sub.Items.Data, items); why != "" {
		sub := normalize(&r.sub, s.metadata, r.itemEnds)
		sub.Incomplete = "item list has more pages, and the list read " + why
		return sub, pages, nil
	}
	r.sub.Items = &stripe.SubscriptionItemList{Data: items}
	return normalize(&r.sub, s.metadata, ends), pages, nil
}

// lacking says how the item list read falls short of the embedded one,
// which it must contain, or returns "" when it holds every embedded item
// and more.
func lacking(embedded, read []*stripe.SubscriptionItem) string {
	if len(read) <= len(embedded) {
		return fmt.Sprintf("holds %d items, no more than the %d embedded",
			len(read), len(embedded))
	}
	have := make(map[string]bool, len(read))
	for _, it := range read {
		have[it.ID] = true
	}
	for _, it := range embedded {
		if !have[it.ID] {
			return fmt.Sprintf("lacks embedded item %q", it.ID)
		}
	}
	return ""
}

// items reads a subscription's whole item list from the subscription-item
// list API. It starts from the first item rather than after the embedded
// ones, so that it depends on no relation between the two orders; an item
// seen twice is kept once.
func (s *Source) items(ctx context.Context, subID string) (
	[]*stripe.SubscriptionItem, map[string]int64, int, error) {
	var items []*stripe.SubscriptionItem
	ends := map[string]int64{}
	seen := map[string]bool{}
	pages := 0
	params := &stripe.SubscriptionItemListParams{Subscription: stripe.String(subID)}
	params.Context = ctx
	params.Limit = stripe.Int64(MaxPageSize)
	for {
		var page itemPage
		if err := s.list(&page, "/v1/subscription_items", params); err != nil {
			return nil, nil, pages, s.clean(err)
		}
		pages++
		err := checkList("/v1/subscription_items", page.Object, page.Data == nil)
		if err != nil {
			return nil, nil, pages, err
		}
		for _, it := range page.Data {
			if seen[it.item.ID] {
				continue
			}
			seen[it.item.ID] = true
			items = append(items, &it.item)
			if it.end != 0 {
				ends[it.item.ID] = it.end
			}
		}
		if !page.HasMore {
			return items, ends, pages, nil
		}
		if len(page.Data) == 0 {
			return nil, nil, pages, errors.New(
				"stripe sent an empty item page that claims more follow")
		}
		params.StartingAfter = stripe.String(page.Data[len(page.Data)-1].item.ID)
	}
}

// list reads one list page into v.
func (s *Source) list(v stripe.LastResponseSetter, path string,
	params stripe.ListParamsContainer) error {
	values := &form.Values{}
	form.AppendTo(values, params)
	lp := params.GetListParams()
	return s.backend.CallRaw(http.MethodGet, path, placeholderKey, values, lp.GetParams(), v)
}

// LastPull implements [source.StatsReporter]: the subscriptions yielded
// and the list pages read (of subscriptions and of items) by the most
// recent pull that ran to its end without error. Zero before any.
func (s *Source) LastPull() source.Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.last
}

func (s *Source) setLastPull(st source.Stats, sh shape) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.last, s.shape = st, sh
}

// releaseConnections closes the idle connections of a transport the
// source owns, so that no connection outlives the pull that opened it.
func (s *Source) releaseConnections() {
	if s.owned != nil {
		s.owned.CloseIdleConnections()
	}
}

// Describe implements [source.Describer]: "stripe", or "stripe account
// acct_…" for a connected account.
func (s *Source) Describe() string {
	if s.account != "" {
		return "stripe account " + s.account
	}
	return "stripe"
}

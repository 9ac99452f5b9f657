// Package stripesrc reads Stripe subscriptions as a [source.Billing]: every
// subscription, once, through a key that can only read, as fast as a rate
// budget allows.
//
//	src, err := stripesrc.Open(os.Getenv("STRIPE_KEY"), &stripesrc.Options{
//		MetadataKeys: profile.MetadataKeys(),
//	})
//	for sub, err := range src.Subscriptions(ctx) { … }
//
// # Read-only
//
// Every request goes through the source's own HTTP transport, which
// refuses any method but GET before the request leaves the process, with a
// [*WriteRefusedError] that names the method and the path. That holds for
// stripe-go calls made through [Source.Client] too: a cancel or an update
// fails and never reaches Stripe.
//
// # Keys
//
// A [Key] prints redacted in every form (fmt verbs, slog, JSON), showing
// only its kind and mode, such as "rk_live_[REDACTED]". Open expects a
// restricted key (rk_…) whose only permission is Subscriptions: Read. A
// full secret key (sk_…) can change anything in the account, so Open
// refuses it with [ErrSecretKey], whose message says how to create a
// restricted key, unless [Options.AllowSecretKey] is set. The key is added
// to each request by the transport: stripe-go itself holds a placeholder,
// and every error the source returns is rebuilt with any key or credential
// removed, including the text Stripe's answers carry ([*APIError]).
//
// # Completeness
//
// A pull lists subscriptions of every status (status=all), every page to
// the last. An answer that is not a list object with a data array (an
// empty one is fine) fails the pull rather than reading as an empty
// list. When a subscription's embedded item list says has_more, its
// whole item list is read from the subscription-item list API; if Stripe
// refuses that (for example for want of permission), or the list it gives
// lacks an embedded item or holds no more items than were embedded, the
// record keeps its embedded items and is marked Incomplete with the
// reason rather than passed as whole. Item-level
// period ends, which newer API versions carry and stripe-go v76's types
// lack, are decoded from the raw objects. Every request asks for API
// version [APIVersion], the one stripe-go v76 is generated from, so the
// account's default version cannot change the shapes read.
//
// Lists leave out subscriptions that run on test clocks; [Source.Subscription]
// reads any subscription by id, and the root package uses it for
// subscriptions that access records name but the listing did not return.
// [Source.LastPull] says how many subscriptions and pages the last
// complete pull read.
//
// A pull that cannot be completed, after retries, ends its sequence with
// an error; a sequence that ends without one has yielded every
// subscription the listing holds, each once. The source also refuses a
// page that breaks the rules this relies on (a subscription outside the
// window asked for, out of newest-first order, without an id, or one
// already read in its window, in that page or an earlier one) rather
// than risk a short or doubled list.
//
// # Rate limits and faults
//
// All requests of a source, including retries, reads by id and calls
// through Client, wait for one token bucket: [Options.RequestsPerSecond],
// 10 by default and at most 25, holding as many tokens as there are
// workers. Answers 429 (with or without a Stripe-Rate-Limited-Reason
// header) and 5xx, and broken connections, are retried up to
// [Options.MaxRetries] times with jittered exponential backoff; stripe-go's
// own retries are off, since they leave rate-limit answers alone. A retried
// page is asked for again with the same cursor, so a pull resumes from the
// last subscription seen. Cancelling the context stops a pull at once,
// waiting in the bucket, in a backoff or on the network.
//
// # Parallel paging
//
// Stripe lists newest first and pages with a cursor, so one listing is
// one request at a time. A pull therefore splits the listing into windows
// of creation times, created >= lo and created < hi, each read with its
// own cursor by one of [Options.Workers] goroutines. A second is always in
// exactly one window, so however many subscriptions share a second, none
// is read twice or missed at a boundary. After the first page, slices of
// doubling width are cut below it to learn where subscriptions lie, and a
// worker left without a window takes the older part of the window expected
// to last longest. Only as many windows are read at once as the rate
// budget can serve at the latency seen, since each window ends with a
// partly filled page. A complete pull remembers where its subscriptions
// lay in time, and the next pull of the same source starts from windows of
// equal shares.
//
// # Concurrency and memory
//
// A [Source] is safe for concurrent use; its pulls share its token bucket.
// Each sequence returned by Subscriptions is single-use, yields in no
// particular order, and has stopped every goroutine it started by the
// time the range statement ends, whether it ran to its end, failed, or
// was left early. Only normalised records leave a page: no raw response
// or stripe-go object outlives the page it came in.
package stripesrc

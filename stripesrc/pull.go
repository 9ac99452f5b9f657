package stripesrc

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"

	stripe "github.com/stripe/stripe-go/v76"
	"golang.org/x/sync/errgroup"

	"github.com/driftexact/driftexact/source"
)

// pull is one listing of every subscription, read by Workers goroutines
// that share the listing through a plan. It lives for one call of the
// sequence returned by [Source.Subscriptions].
type pull struct {
	s      *Source
	ctx    context.Context // cancelled when the pull ends or a worker fails
	plan   *plan
	out    chan []source.Subscription // one batch per page; closed at the end
	failed error                      // the first worker error; read after out closes
	pages  atomic.Int64               // list pages read, of subscriptions and items
}

// stream runs one pull and yields its records; see [Source.Subscriptions].
// It returns only after every goroutine of the pull has stopped.
func (s *Source) stream(parent context.Context, yield func(source.Subscription, error) bool) {
	ctx, cancel := context.WithCancel(parent)
	p := s.start(ctx)
	defer func() {
		cancel()
		for range p.out { // wait for every worker to stop
		}
		s.releaseConnections()
	}()
	n := 0
	for batch := range p.out {
		for _, sub := range batch {
			if err := parent.Err(); err != nil {
				yield(source.Subscription{}, fmt.Errorf("stripesrc: list subscriptions: %w", err))
				return
			}
			if !yield(sub, nil) {
				return
			}
			n++
		}
	}
	if p.failed != nil {
		yield(source.Subscription{}, p.failed)
		return
	}
	s.setLastPull(source.Stats{Records: n, Pages: int(p.pages.Load())}, p.plan.shape())
}

// start sets Workers goroutines reading and returns the pull; its out
// channel closes once they have all stopped.
func (s *Source) start(ctx context.Context) *pull {
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(s.workers)
	p := &pull{s: s, ctx: gctx, out: make(chan []source.Subscription),
		plan: newPlan(s.busy, s.pageSize, 2*s.pageSize, s.firstWindows())}
	stopPlan := context.AfterFunc(gctx, p.plan.stop)
	for range s.workers {
		g.Go(p.work)
	}
	go func() {
		p.failed = g.Wait()
		stopPlan()
		close(p.out)
	}()
	return p
}

// firstWindows returns the windows a pull starts with: the whole listing,
// or, once a pull has completed, windows that held equal shares then.
func (s *Source) firstWindows() []window {
	s.mu.Lock()
	sh := s.shape
	s.mu.Unlock()
	return sh.windows(s.busy())
}

// work reads windows until the plan has none left.
func (p *pull) work() error {
	for c := p.plan.next(); c != nil; c = p.plan.next() {
		if err := p.read(c); err != nil {
			return err
		}
	}
	return nil
}

// read pages through c's window to its end.
func (p *pull) read(c *cursor) error {
	for {
		w, after := p.plan.position(c)
		page, err := p.page(w, after)
		if err != nil {
			return fmt.Errorf("stripesrc: list subscriptions created in %v after %q: %w",
				w, after, err)
		}
		subs, end, err := p.plan.advance(c, w, page)
		if err != nil {
			return err
		}
		batch, err := p.normalize(subs)
		if err != nil {
			return err
		}
		select {
		case p.out <- batch:
		case <-p.ctx.Done():
			return p.ctx.Err()
		}
		if end {
			return nil
		}
	}
}

// normalize reduces a page's subscriptions to records, reading further
// item pages where an item list is cut short.
func (p *pull) normalize(subs []*rawSubscription) ([]source.Subscription, error) {
	batch := make([]source.Subscription, 0, len(subs))
	for _, r := range subs {
		sub, pages, err := p.s.complete(p.ctx, r)
		p.pages.Add(int64(pages))
		if err != nil {
			return nil, err
		}
		batch = append(batch, sub)
	}
	return batch, nil
}

// busy returns how many windows to read at once: enough to use the whole
// rate budget at the latency seen, plus one to cover a slow answer, and
// no more than Workers. Every further window would only end in one more
// partly filled page.
func (s *Source) busy() int {
	n := s.t.inFlight()
	if n == 0 {
		return s.workers
	}
	return min(n+1, s.workers)
}

// page reads the page of w that follows the subscription after.
func (p *pull) page(w window, after string) (*subscriptionPage, error) {
	params := &stripe.SubscriptionListParams{Status: stripe.String("all")}
	params.Context = p.ctx
	params.Limit = stripe.Int64(int64(p.s.pageSize))
	if after != "" {
		params.StartingAfter = stripe.String(after)
	}
	if w != everything {
		r := &stripe.RangeQueryParams{}
		if w.lo != noLo {
			r.GreaterThanOrEqual = w.lo
		}
		if w.hi != noHi {
			r.LesserThan = w.hi
		}
		params.CreatedRange = r
	}
	page := &subscriptionPage{}
	if err := p.s.list(page, "/v1/subscriptions", params); err != nil {
		return nil, p.s.clean(err)
	}
	p.pages.Add(1)
	if err := checkList("/v1/subscriptions", page.Object, page.Data == nil); err != nil {
		return nil, err
	}
	if page.HasMore && len(page.Data) == 0 {
		return nil, errors.New("stripe sent an empty page that claims more follow")
	}
	return page, nil
}

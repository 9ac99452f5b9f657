package stripesrc

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"sync"
)

// plan shares one listing among workers as windows of creation times. It
// starts from given windows (the whole listing, or the shape of the last
// complete pull); a worker with nothing to read takes the older part of
// the window expected to last longest (see cursor.carve), as long as fewer
// windows are being read than the rate budget can keep busy. Cursors are
// guarded by the plan's lock. Its methods are safe for concurrent use.
type plan struct {
	mu      sync.Mutex
	wake    *sync.Cond // broadcast whenever a cursor moves or the plan ends
	busy    func() int // how many windows to read at once
	minPart int        // fewest subscriptions worth a window of their own
	unit    int        // what the top slice keeps when a first page is cut

	pending []*cursor        // windows not yet taken
	live    map[*cursor]bool // windows being read
	over    bool
	tops    []pageTop // where each page began, for the next plan
}

// pageTop is the creation time of a page's first subscription and how
// many subscriptions the page held.
type pageTop struct {
	created int64
	n       int
}

func newPlan(busy func() int, minPart, unit int, start []window) *plan {
	p := &plan{busy: busy, minPart: minPart, unit: unit, live: map[*cursor]bool{}}
	p.wake = sync.NewCond(&p.mu)
	for _, w := range start {
		p.pending = append(p.pending, &cursor{w: w})
	}
	return p
}

// next waits until there is a window for the calling worker and returns
// it, or returns nil once every window is read or the plan is stopped.
func (p *plan) next() *cursor {
	p.mu.Lock()
	defer p.mu.Unlock()
	for !p.over {
		var c *cursor
		switch {
		case len(p.pending) > 0:
			c = p.pending[len(p.pending)-1]
			p.pending = p.pending[:len(p.pending)-1]
		case len(p.live) == 0:
			p.over = true
			p.wake.Broadcast()
			return nil
		case len(p.live) < p.busy():
			c = p.steal()
		}
		if c != nil {
			p.live[c] = true
			return c
		}
		p.wake.Wait()
	}
	return nil
}

// stop ends the plan: next returns nil from now on.
func (p *plan) stop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.over = true
	p.wake.Broadcast()
}

// steal carves the window expected to last longest, queues all but one of
// the new windows and returns that one, or nil if nothing is worth
// carving. The caller holds the lock.
func (p *plan) steal() *cursor {
	var victim *cursor
	most, total := 0.0, 0.0
	for c := range p.live {
		left := c.left()
		if !math.IsInf(left, 1) {
			total += left
		}
		if left > most {
			victim, most = c, left
		}
	}
	if victim == nil {
		return nil
	}
	busy := p.busy()
	ws := victim.carve(busy-len(p.live), total/float64(busy), p.minPart, p.unit)
	if len(ws) == 0 {
		return nil
	}
	victim.w.lo = ws[len(ws)-1].hi
	for _, w := range ws[1:] {
		p.pending = append(p.pending, &cursor{w: w})
	}
	p.wake.Broadcast()
	return &cursor{w: ws[0]}
}

// position returns the window and the cursor the next page of c starts
// from.
func (p *plan) position(c *cursor) (window, string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return c.w, c.after
}

// advance moves c over a page read for the window asked, and returns the
// subscriptions of the page that are c's to yield, and whether c's window
// is read to its end. A page may reach below c's window when another
// worker took the older part while the page was on its way; what lies
// there is left to that worker.
func (p *plan) advance(c *cursor, asked window, page *subscriptionPage) (
	[]*rawSubscription, bool, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	defer p.wake.Broadcast()
	keep, end := page.Data, !page.HasMore
	for i, r := range page.Data {
		if err := check(c, asked, i, r); err != nil {
			return nil, false, err
		}
		if r.sub.Created < c.w.lo {
			keep, end = page.Data[:i], true
			break
		}
		c.move(r)
	}
	if len(keep) > 0 {
		p.tops = append(p.tops, pageTop{keep[0].sub.Created, len(keep)})
	}
	if end {
		delete(p.live, c)
	}
	return keep, end, nil
}

// move moves c past r.
func (c *cursor) move(r *rawSubscription) {
	if c.n == 0 {
		c.top = r.sub.Created
	}
	if c.n == 0 || r.sub.Created != c.last {
		if c.tail == nil {
			c.tail = map[string]bool{}
		}
		clear(c.tail)
	}
	c.tail[r.sub.ID] = true
	c.after, c.last, c.n = r.sub.ID, r.sub.Created, c.n+1
}

// check refuses a subscription that has no id, lies outside the window
// asked for, comes out of Stripe's newest-first order, or was read before
// by c (in this page, or as the cursor the page was asked to start after):
// any of these would break the promise that every subscription is read
// once.
func check(c *cursor, asked window, i int, r *rawSubscription) error {
	created := r.sub.Created
	switch {
	case r.sub.ID == "":
		return fmt.Errorf("stripesrc: subscription %d of the page after %q: "+
			"field \"id\" is missing", i, c.after)
	case !asked.contains(created):
		return fmt.Errorf("stripesrc: subscription %q created at %d lies outside "+
			"the requested window %v", r.sub.ID, created, asked)
	case c.n > 0 && created > c.last:
		return fmt.Errorf("stripesrc: subscription %q is out of order: created at %d "+
			"after one created at %d", r.sub.ID, created, c.last)
	case c.n > 0 && created == c.last && c.tail[r.sub.ID]:
		return fmt.Errorf("stripesrc: subscription %q is listed twice in "+
			"the window %v", r.sub.ID, asked)
	}
	return nil
}

// shareCuts is how many equal shares a shape cuts the listing into.
const shareCuts = 64

// shape is what a complete pull learned of where subscriptions lie in
// time: ascending creation times that cut the listing into shareCuts
// shares holding about as many subscriptions each.
type shape []int64

// shape returns the shape of everything read, judged by where pages
// began. The caller must not call it while workers run.
func (p *plan) shape() shape {
	tops := p.tops
	slices.SortFunc(tops, func(a, b pageTop) int { return cmp.Compare(a.created, b.created) })
	total := 0
	for _, t := range tops {
		total += t.n
	}
	if total == 0 {
		return nil
	}
	out := make(shape, 0, shareCuts-1)
	seen := 0
	for _, t := range tops {
		seen += t.n
		for len(out) < shareCuts-1 && seen*shareCuts >= (len(out)+1)*total {
			out = append(out, t.created)
		}
	}
	return out
}

// windows cuts the listing into at most k windows that held about as many
// subscriptions each when the shape was taken. The lowest is open to the
// past and the highest to the future, so a shape never hides anything: a
// stale one only costs balance, which stealing restores.
func (sh shape) windows(k int) []window {
	if k <= 1 || len(sh) == 0 {
		return []window{everything}
	}
	out := make([]window, 0, k)
	lo := int64(noLo)
	for j := 1; j < k; j++ {
		cut := sh[min(j*(len(sh)+1)/k, len(sh)-1)]
		if cut <= lo || cut <= 1 {
			continue
		}
		out = append(out, window{lo, cut})
		lo = cut
	}
	return append(out, window{lo, noHi})
}

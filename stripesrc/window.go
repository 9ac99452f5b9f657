package stripesrc

import (
	"fmt"
	"math"
)

// window is a half-open interval of creation times in Unix seconds: a
// subscription belongs to it when lo <= created < hi. Windows that share
// no second never return the same subscription, which is how parallel
// workers avoid reading anything twice however many subscriptions share a
// second: a boundary second belongs to exactly one window, the one whose
// lo it is.
type window struct{ lo, hi int64 }

const (
	noLo = math.MinInt64 // lo of a window open to the past
	noHi = math.MaxInt64 // hi of a window open to the future
)

// everything is the window of the whole listing.
var everything = window{noLo, noHi}

func (w window) contains(t int64) bool { return w.lo <= t && t < w.hi }

func (w window) String() string {
	lo, hi := "-inf", "+inf"
	if w.lo != noLo {
		lo = fmt.Sprint(w.lo)
	}
	if w.hi != noHi {
		hi = fmt.Sprint(w.hi)
	}
	return "[" + lo + ", " + hi + ")"
}

// cursor is how far one worker has read its window. Stripe lists newest
// first, so the worker moves from hi towards lo. Other workers may raise
// lo to take the older part of the window for themselves (see carve); hi
// never changes.
type cursor struct {
	w     window
	after string // id of the last subscription read; "" before the first
	top   int64  // created of the first subscription read
	last  int64  // created of the last subscription read
	n     int    // subscriptions read in this window
	// tail holds the ids read that were created at last: a subscription
	// listed again must lie in that second, since anything newer would be
	// out of order.
	tail map[string]bool
}

// density is the number of subscriptions read per second of creation time.
func (c *cursor) density() float64 {
	return float64(c.n) / float64(c.top-c.last+1)
}

// left estimates how many subscriptions remain below the cursor, from the
// density read so far: none is known before the first page, and a window
// open to the past may hold any number.
func (c *cursor) left() float64 {
	switch {
	case c.n == 0:
		return 0
	case c.w.lo == noLo:
		return math.Inf(1)
	}
	return c.density() * float64(c.last-c.w.lo)
}

// carve proposes windows, lowest first and contiguous from c.w.lo, that
// other workers can read while c goes on: up to k for a window open to
// the past (see carveOpen, with unit), at most one otherwise. Every
// proposed window lies below c.last, so none holds a subscription c has
// read, or will read with its cursor once c.w.lo is raised to the hi of
// the last window given away.
//
// A bounded window keeps, below its cursor, about share subscriptions, but
// no more than half of what it expects to hold and no fewer than minPart,
// and proposes everything older. Keeping the part next to the cursor,
// whose density is known, and giving away the far part means that the new
// window starts where subscriptions are still dense even when they thin
// out towards lo. Nothing is proposed when the far part would be expected
// to hold fewer than minPart.
func (c *cursor) carve(k int, share float64, minPart, unit int) []window {
	if k < 1 || c.n == 0 || c.last <= c.w.lo || c.last <= 1 {
		return nil
	}
	if c.w.lo == noLo {
		return c.carveOpen(k, unit)
	}
	left := c.left()
	keep := max(min(share, left/2), float64(minPart))
	if left-keep < float64(minPart) {
		return nil
	}
	cut := c.last + 1 - int64(math.Ceil(keep/c.density()))
	if cut <= c.w.lo || cut > c.last {
		return nil
	}
	return []window{{c.w.lo, cut}}
}

// carveOpen handles a window open to the past, whose extent is unknown. It
// keeps a slice expected to hold unit subscriptions below the cursor (at
// least as many as were read so far), proposes k-1 slices each twice as
// wide as the one above it, and gives the lowest worker everything older.
// The slices scout the past: the first page of each shows how dense it
// is, and an empty one shows where the subscriptions end.
func (c *cursor) carveOpen(k, unit int) []window {
	span := c.top - c.last + 1
	width := max(span, int64(math.Ceil(float64(unit)/c.density())))
	edge := c.last + 1 - width // lowest second c keeps
	if edge <= 1 {
		return nil
	}
	var cuts []int64 // descending
	for w := 2 * width; len(cuts) < k-1; w *= 2 {
		if edge-w <= 1 {
			break
		}
		cuts = append(cuts, edge)
		edge -= w
	}
	out := []window{{noLo, edge}}
	for i := len(cuts) - 1; i >= 0; i-- {
		out = append(out, window{out[len(out)-1].hi, cuts[i]})
	}
	return out
}

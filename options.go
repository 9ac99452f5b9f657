package driftexact

import (
	"log/slog"
	"sync"
	"time"
)

// Options tune how [Check] runs. A nil *Options, like the zero value, means
// a silent check on the system clock with no progress reports. Check reads
// the options and never changes them, so one value may serve many jobs at
// once.
type Options struct {
	// Logger receives debug records of the check: which sources were read,
	// how many records each gave, how many pages and how long it took.
	// Nil discards them. Records carry counts and record ids, never a
	// record's other fields, an error text or a secret: the error itself
	// is returned to the caller.
	Logger *slog.Logger

	// Clock supplies the pull stamps and, when the job has no as-of time,
	// the instant access is judged at. Nil means time.Now. It is called
	// from several goroutines and must be safe for that.
	Clock func() time.Time

	// Progress, when not nil, is told how far each side has got: after
	// every [ProgressEvery] records and once more when the side is done.
	// Calls never overlap, so the function needs no locking of its own,
	// but it runs on the pulling goroutines and should return quickly.
	// It is never called after Check returns.
	Progress func(Progress)
}

// ProgressEvery is how many records a side reads between two calls of
// [Options.Progress].
const ProgressEvery = 100

// Side names one of the two sides of a check.
type Side string

// The two sides.
const (
	SideBilling Side = "billing" // the billing source: Stripe subscriptions
	SideAccess  Side = "access"  // the access source: the host's own grants
)

// Progress is one report of how far a side has been read.
type Progress struct {
	Side Side
	// Records counts the records read so far on this side, including
	// those that could not be read whole. For the billing side it
	// includes subscriptions read one by one after the listing.
	Records int
	// Done is true once, in the last report of the side, when the side
	// has been read to its end. A side that fails never reports Done.
	Done bool
}

// settings are the options of one Check call with defaults filled in.
type settings struct {
	log   *slog.Logger
	clock func() time.Time

	mu       sync.Mutex // serialises progress calls
	progress func(Progress)
}

func newSettings(o *Options) *settings {
	s := &settings{log: slog.New(slog.DiscardHandler), clock: time.Now}
	if o == nil {
		return s
	}
	if o.Logger != nil {
		s.log = o.Logger
	}
	if o.Clock != nil {
		s.clock = o.Clock
	}
	s.progress = o.Progress
	return s
}

// report passes p to the progress callback, one call at a time.
func (s *settings) report(p Progress) {
	if s.progress == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.progress(p)
}

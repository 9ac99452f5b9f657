package driftexact

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/driftexact/driftexact/history"
	"github.com/driftexact/driftexact/report"
)

// MonitorOptions configure [Monitor]. A nil *MonitorOptions, and every
// zero field, means the default.
type MonitorOptions struct {
	// Interval is the time from the start of one completed run to the
	// start of the next; zero means one hour. A run that takes longer is
	// followed at once by the next, never overlapped.
	Interval time.Duration
	// Jitter adds a random wait in [0, Jitter) before every run after the
	// first, so that many monitors started together spread out; zero adds
	// none.
	Jitter time.Duration
	// Backoff is the wait after a failed run; it doubles with each
	// failure in a row up to MaxBackoff, and a completed run resets it.
	// Zero means Interval; a zero MaxBackoff means 8 × Backoff.
	Backoff    time.Duration
	MaxBackoff time.Duration
	// OnRun, when set, is called after every run with its outcome, from
	// the goroutine running Monitor; the next run waits for it to return.
	OnRun func(MonitorRun)
	// Clock stamps failed runs and, when the job has no clock of its own,
	// serves as the job's clock; nil means time.Now.
	Clock func() time.Time
	// Sleep waits d or until ctx is done, whichever comes first, and
	// returns ctx.Err() in the second case; nil means a timer.
	Sleep func(ctx context.Context, d time.Duration) error
	// Rand draws the jitter, from the goroutine running Monitor only;
	// nil means math/rand/v2's global source.
	Rand *rand.Rand
}

// MonitorRun is the outcome of one run of [Monitor].
type MonitorRun struct {
	// Run is the stored run's id; 0 when not even the failure could be
	// stored.
	Run int64
	// Started is when the run began, by the monitor's clock.
	Started time.Time
	// Report and Lifecycle are nil when the run failed. The report carries
	// the lifecycle as its history section.
	Report    *report.Report
	Lifecycle *history.Lifecycle
	// New and Resolved are the lifecycle entries that became new and
	// resolved with this run, in the lifecycle's order.
	New, Resolved []history.Entry
	// Err is why the run failed: the check's error, the store's, or both.
	Err error
	// Failures counts the failed runs in a row, this one included; 0
	// after a completed run.
	Failures int
	// Next is how long the monitor waits before the next run.
	Next time.Duration
}

// Monitor checks job every opts.Interval until ctx is done, storing each
// run in store and reporting it to opts.OnRun. The first run starts at
// once. A run that fails, in the check or in the store, is recorded as
// failed and followed by the next after a backoff; Monitor itself does not
// stop on it. Runs never overlap: the next starts only after the previous
// one is stored and reported.
//
// Monitor returns only when ctx is done, with ctx.Err(), once the run in
// progress (which ctx also stops) has ended; a run that ctx cut short
// before it was stored is not recorded, neither as completed nor as
// failed. It returns at once with an error for a job without a
// workspace, a nil store or negative options.
//
// Each run is judged at the job's AsOf; leave it zero so that each is
// judged when it runs. Several monitors, in one process or many, may
// share a store and even a workspace: the store stores their runs one
// after the other.
func Monitor(ctx context.Context, job Job, store history.Store,
	opts *MonitorOptions) error {
	m, err := newMonitor(job, store, opts)
	if err != nil {
		return err
	}
	for {
		ev, done := m.runOnce(ctx)
		if !done {
			return ctx.Err()
		}
		if m.OnRun != nil {
			m.OnRun(ev)
		}
		if err := m.Sleep(ctx, ev.Next); err != nil {
			return err
		}
	}
}

// monitor is one Monitor call's settled options and state.
type monitor struct {
	MonitorOptions
	job      Job
	store    history.Store
	failures int
}

func newMonitor(job Job, store history.Store, opts *MonitorOptions) (*monitor, error) {
	if job.Workspace == "" {
		return nil, ErrNoWorkspace
	}
	if store == nil {
		return nil, errors.New("driftexact: monitor needs a history store")
	}
	m := &monitor{job: job, store: store}
	if opts != nil {
		m.MonitorOptions = *opts
	}
	if m.Interval < 0 || m.Jitter < 0 || m.Backoff < 0 || m.MaxBackoff < 0 {
		return nil, errors.New("driftexact: monitor options: negative duration")
	}
	if m.Interval == 0 {
		m.Interval = time.Hour
	}
	if m.Backoff == 0 {
		m.Backoff = m.Interval
	}
	if m.MaxBackoff == 0 {
		m.MaxBackoff = 8 * m.Backoff
	}
	if m.Clock == nil {
		m.Clock = time.Now
	}
	if m.job.Options == nil || m.job.Options.Clock == nil {
		var o Options // a copy: the caller's options are left alone
		if m.job.Options != nil {
			o = *m.job.Options
		}
		o.Clock = m.Clock
		m.job.Options = &o
	}
	if m.Sleep == nil {
		m.Sleep = sleep
	}
	return m, nil
}

// runOnce checks, stores and works out the wait before the next run. It
// reports false when ctx ended the run before it was stored.
func (m *monitor) runOnce(ctx context.Context) (MonitorRun, bool) {
	ev := MonitorRun{Started: m.Clock()}
	rep, err := Check(ctx, m.job)
	if err == nil {
		ev.Lifecycle, err = m.store.Save(ctx, m.job.Workspace, rep)
	}
	if err != nil && ctx.Err() != nil {
		return ev, false
	}
	if err != nil {
		m.failures++
		ev.Lifecycle, ev.Err = nil, err
		info, serr := m.store.SaveFailure(ctx, m.job.Workspace,
			history.Failure{At: ev.Started, Err: err.Error()})
		if serr != nil {
			ev.Err = errors.Join(err, fmt.Errorf("driftexact: record failed run: %w", serr))
		}
		ev.Run, ev.Failures = info.ID, m.failures
		ev.Next = m.backoff() + m.jitter()
		return ev, true
	}
	m.failures = 0
	if err := history.Attach(rep, ev.Lifecycle); err != nil {
		// The run is stored; only its report lacks the section.
		ev.Err = fmt.Errorf("driftexact: attach lifecycle to report: %w", err)
	}
	ev.Report, ev.Run = rep, ev.Lifecycle.Run
	ev.New = ev.Lifecycle.Status(history.New)
	ev.Resolved = ev.Lifecycle.Status(history.Resolved)
	ev.Next = max(m.Interval-m.Clock().Sub(ev.Started), 0) + m.jitter()
	return ev, true
}

// backoff is the wait after m.failures failures in a row.
func (m *monitor) backoff() time.Duration {
	d := m.Backoff
	for i := 1; i < m.failures && d < m.MaxBackoff; i++ {
		d *= 2
	}
	return min(d, m.MaxBackoff)
}

func (m *monitor) jitter() time.Duration {
	if m.Jitter <= 0 {
		return 0
	}
	if m.Rand != nil {
		return time.Duration(m.Rand.Int64N(int64(m.Jitter)))
	}
	return time.Duration(rand.Int64N(int64(m.Jitter)))
}

func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

package driftexact

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"slices"
	"strings"

	"golang.org/x/sync/errgroup"

	"github.com/driftexact/driftexact/compare"
	"github.com/driftexact/driftexact/report"
	"github.com/driftexact/driftexact/source"
)

// getLimit bounds the reads by id that run at once. The billing source
// keeps its own rate limit; this only keeps a long list of missing ids
// from holding many connections.
const getLimit = 4

// pulled is what one side's pull gathered.
type pulled[T any] struct {
	pull    report.Pull
	records []T
	bad     []compare.Incomplete
}

// snapshot is both sides of a check, read to their end.
type snapshot struct {
	billing     pulled[source.Subscription]
	access      pulled[source.Grant]
	unavailable []string
}

func (s *snapshot) input(workspace string) compare.Input {
	return compare.Input{
		Workspace:     workspace,
		Subscriptions: s.billing.records,
		Grants:        s.access.records,
		Incomplete:    slices.Concat(s.billing.bad, s.access.bad),
		Unavailable:   s.unavailable,
	}
}

// pull reads both sides at once, then the subscriptions grants name that
// the listing lacked.
func pull(ctx context.Context, job Job, st *settings) (*snapshot, error) {
	snap := &snapshot{}
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() (err error) {
		snap.billing, err = drain(gctx, SideBilling, job.Billing,
			job.Billing.Subscriptions(gctx), st)
		return err
	})
	g.Go(func() (err error) {
		snap.access, err = drain(gctx, SideAccess, job.Access,
			job.Access.Grants(gctx), st)
		if err != nil {
			return err
		}
		if fr, ok := job.Access.(source.FieldReporter); ok {
			snap.unavailable = fr.Unavailable()
		}
		st.done(SideAccess, &snap.access.pull)
		return nil
	})
	if err := g.Wait(); err != nil {
		return nil, err
	}
	if err := readMissing(ctx, job.Billing, snap, st); err != nil {
		return nil, err
	}
	snap.billing.pull.Finished = st.clock()
	st.done(SideBilling, &snap.billing.pull)
	return snap, nil
}

// drain ranges over one side's sequence. Unreadable records are kept as
// incomplete; a fatal error ends the pull with a *PullError.
func drain[T any](ctx context.Context, side Side, src any,
	seq iter.Seq2[T, error], st *settings) (pulled[T], error) {
	p := pulled[T]{pull: report.Pull{Source: describe(src), Started: st.clock()}}
	n := 0
	for rec, err := range seq {
		if re := (*source.RecordError)(nil); errors.As(err, &re) {
			p.bad = append(p.bad, compare.Incomplete{
				Side: string(side), ID: re.Record, Reason: re.Error()})
		} else if err != nil {
			return p, &PullError{Side: side, Err: withCause(ctx, err)}
		} else {
			p.records = append(p.records, rec)
		}
		if n++; n%ProgressEvery == 0 {
			st.report(Progress{Side: side, Records: n})
		}
	}
	p.pull.Finished = st.clock()
	p.pull.Records = n
	if sr, ok := src.(source.StatsReporter); ok {
		p.pull.Pages = sr.LastPull().Pages
	}
	return p, nil
}

// withCause makes sure an error that ends a cancelled pull says so, even
// when the source's own error does not wrap the context's.
func withCause(ctx context.Context, err error) error {
	if cerr := ctx.Err(); cerr != nil && !errors.Is(err, cerr) {
		return fmt.Errorf("%w (%w)", err, cerr)
	}
	return err
}

// done logs a finished side and reports it to the progress callback.
func (s *settings) done(side Side, p *report.Pull) {
	s.log.Debug("driftexact: side read", "side", side, "source", p.Source,
		"records", p.Records, "pages", p.Pages,
		"took", p.Finished.Sub(p.Started))
	s.report(Progress{Side: side, Records: p.Records, Done: true})
}

// readMissing reads by id, when the billing source can, the subscriptions
// that grants name but the listing did not return. Ids that do not exist
// are skipped; the comparison reports the grants that name them.
func readMissing(ctx context.Context, b source.Billing, snap *snapshot, st *settings) error {
	getter, ok := b.(source.SubscriptionGetter)
	if !ok {
		return nil
	}
	ids := missingIDs(snap.billing.records, snap.access.records)
	if len(ids) == 0 {
		return nil
	}
	found := make([]*source.Subscription, len(ids))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(getLimit)
	for i, id := range ids {
		g.Go(func() error {
			s, err := getter.Subscription(gctx, id)
			if errors.Is(err, source.ErrNotFound) {
				return nil
			}
			if err != nil {
				return &PullError{Side: SideBilling, Err: fmt.Errorf(
					"read subscription %q: %w", id, withCause(gctx, err))}
			}
			found[i] = &s
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	n := 0
	for _, s := range found {
		if s != nil {
			snap.billing.records = append(snap.billing.records, *s)
			n++
		}
	}
	snap.billing.pull.Records += n
	st.log.Debug("driftexact: read missing subscriptions by id",
		"asked", len(ids), "found", n)
	return nil
}

// missingIDs returns, sorted, the subscription ids grants name that are not
// among subs.
func missingIDs(subs []source.Subscription, grants []source.Grant) []string {
	seen := make(map[string]bool, len(subs))
	for _, s := range subs {
		seen[s.ID] = true
	}
	var ids []string
	for _, g := range grants {
		if id := g.SubscriptionID; id != "" && !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids
}

// describe names a source for the report: its own description when it
// gives one, else its Go type.
func describe(v any) string {
	if d, ok := v.(source.Describer); ok {
		return d.Describe()
	}
	return strings.TrimPrefix(fmt.Sprintf("%T", v), "*")
}

// failedSide returns the side a pull error names, for the debug log.
func failedSide(err error) Side {
	if pe := (*PullError)(nil); errors.As(err, &pe) {
		return pe.Side
	}
	return ""
}

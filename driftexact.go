// Package driftexact checks, read-only and deterministically, whether what a
// business bills in Stripe matches the access its own product grants.
//
// A [Job] names a workspace and two sources: one for billing (Stripe
// subscriptions, see package stripesrc) and one for access (the host's own
// records, see package sqlsrc). [Check] reads both at once, compares them
// under a [compare.Profile] and returns a [report.Report]. Nothing is ever
// written to either side.
package driftexact

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/driftexact/driftexact/compare"
	"github.com/driftexact/driftexact/report"
	"github.com/driftexact/driftexact/source"
)

// Job is one check of one workspace.
type Job struct {
	// Workspace identifies the tenant; it is required and stamped on the
	// report and every fingerprint.
	Workspace string
	Billing   source.Billing
	Access    source.Access
	// Profile maps Stripe onto access; nil means a zero Profile.
	Profile *compare.Profile
	// AsOf is the instant access is judged at; zero means Clock().
	AsOf time.Time
	// Clock supplies pull stamps and the default as-of time; nil means
	// time.Now.
	Clock func() time.Time
	// Logger receives debug records of the pull; nil discards them.
	Logger *slog.Logger
}

// ErrNoWorkspace is returned by [Check] for a job without a workspace id.
var ErrNoWorkspace = errors.New("driftexact: job has no workspace id")

// Check reads both sides of job concurrently, compares them and returns the
// report. It returns an error, naming the side, when either side cannot be
// read completely; it never returns a partial report.
func Check(ctx context.Context, job Job) (*report.Report, error) {
	if job.Workspace == "" {
		return nil, ErrNoWorkspace
	}
	if job.Billing == nil || job.Access == nil {
		return nil, errors.New("driftexact: job needs both a billing and an access source")
	}
	clock := job.Clock
	if clock == nil {
		clock = time.Now
	}
	log := job.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	var bs, as side
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { return bs.pullBilling(gctx, job.Billing, clock) })
	g.Go(func() error { return as.pullAccess(gctx, job.Access, clock) })
	if err := g.Wait(); err != nil {
		return nil, err
	}
	in := compare.Input{
		Workspace:     job.Workspace,
		Subscriptions: bs.subs,
		Grants:        as.grants,
		Incomplete:    append(bs.bad, as.bad...),
		Unavailable:   as.unavailable,
	}
	bp, ap := bs.pull, as.pull
	if err := readMissing(ctx, job.Billing, &in, &bp); err != nil {
		return nil, err
	}
	log.Debug("driftexact: pulled", "workspace", job.Workspace,
		"subscriptions", bp.Records, "grants", ap.Records)
	asOf := job.AsOf
	if asOf.IsZero() {
		asOf = clock()
	}
	res, err := compare.Compare(in, job.Profile, asOf)
	if err != nil {
		return nil, fmt.Errorf("driftexact: %w", err)
	}
	return report.New(res, report.Meta{
		Billing: bp, Access: ap, Digests: report.Digest(in, job.Profile),
	}), nil
}

// side is what one pull gathered. Each goroutine of Check owns one.
type side struct {
	pull        report.Pull
	subs        []source.Subscription
	grants      []source.Grant
	bad         []compare.Incomplete
	unavailable []string
}

func (sd *side) pullBilling(ctx context.Context, b source.Billing, clock func() time.Time) error {
	sd.pull = report.Pull{Source: describe(b), Started: clock()}
	for s, err := range b.Subscriptions(ctx) {
		if re := (*source.RecordError)(nil); errors.As(err, &re) {
			sd.bad = append(sd.bad, compare.Incomplete{
				Side: "billing", ID: re.Record, Reason: re.Error()})
			continue
		}
		if err != nil {
			return fmt.Errorf("driftexact: billing side: %w", err)
		}
		sd.subs = append(sd.subs, s)
	}
	sd.pull.Finished = clock()
	sd.pull.Records = len(sd.subs) + len(sd.bad)
	if sr, ok := b.(source.StatsReporter); ok {
		sd.pull.Pages = sr.LastPull().Pages
	}
	return nil
}

func (sd *side) pullAccess(ctx context.Context, a source.Access, clock func() time.Time) error {
	sd.pull = report.Pull{Source: describe(a), Started: clock()}
	for g, err := range a.Grants(ctx) {
		if re := (*source.RecordError)(nil); errors.As(err, &re) {
			sd.bad = append(sd.bad, compare.Incomplete{
				Side: "access", ID: re.Record, Reason: re.Error()})
			continue
		}
		if err != nil {
			return fmt.Errorf("driftexact: access side: %w", err)
		}
		sd.grants = append(sd.grants, g)
	}
	if fr, ok := a.(source.FieldReporter); ok {
		sd.unavailable = fr.Unavailable()
	}
	sd.pull.Finished = clock()
	sd.pull.Records = len(sd.grants) + len(sd.bad)
	return nil
}

// readMissing reads by id the subscriptions that grants name but the
// listing did not return, when the billing source can.
func readMissing(ctx context.Context, b source.Billing, in *compare.Input, p *report.Pull) error {
	getter, ok := b.(source.SubscriptionGetter)
	if !ok {
		return nil
	}
	seen := map[string]bool{}
	for _, s := range in.Subscriptions {
		seen[s.ID] = true
	}
	var missing []string
	for _, g := range in.Grants {
		if id := g.SubscriptionID; id != "" && !seen[id] {
			seen[id] = true
			missing = append(missing, id)
		}
	}
	slices.Sort(missing)
	for _, id := range missing {
		s, err := getter.Subscription(ctx, id)
		if errors.Is(err, source.ErrNotFound) {
			continue
		}
		if err != nil {
			return fmt.Errorf("driftexact: billing side: read %q: %w", id, err)
		}
		in.Subscriptions = append(in.Subscriptions, s)
		p.Records++
	}
	return nil
}

func describe(v any) string {
	if d, ok := v.(source.Describer); ok {
		return d.Describe()
	}
	name := fmt.Sprintf("%T", v)
	return strings.TrimPrefix(name, "*")
}

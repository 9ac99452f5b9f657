package driftexact

import (
	"context"
	"fmt"
	"time"

	"github.com/driftexact/driftexact/compare"
	"github.com/driftexact/driftexact/report"
	"github.com/driftexact/driftexact/source"
)

// Job is one check of one workspace: what to read and how to judge it. A
// Job is a plain value; [Check] reads it and changes nothing in it, so one
// Job may be checked many times and from several goroutines, as far as its
// sources allow: the module's sources over a database, a URL or a file
// path do; a csvsrc source over a caller's reader serves one pull at a time.
//
// Check does not close the sources: whoever opened them (a *sql.DB under
// an access source, say) closes them after the last check.
type Job struct {
	// Workspace identifies the tenant. It is required, and stamped on the
	// report and on every finding's fingerprint.
	Workspace string

	// Billing yields the Stripe subscriptions; required.
	Billing source.Billing
	// Access yields the host's own access records; required.
	Access source.Access

	// Profile maps Stripe onto access: link strategies, prices to plans,
	// the access policy and tolerances. Nil means the zero
	// [compare.Profile]: link by subscription id then customer id, map no
	// price, apply [compare.DefaultPolicy].
	Profile *compare.Profile

	// AsOf is the instant access is judged at. The zero time means the
	// options' clock, read once both sides have been pulled.
	AsOf time.Time

	// Options tune logging, the clock and progress reports; nil means
	// defaults (see [Options]).
	Options *Options
}

// Check reads both sides of job at once, compares them and returns the
// report.
//
// Before reading anything it checks the job, returning [ErrNoWorkspace],
// [ErrNoSource] or an error wrapping [ErrInvalidProfile]. When a side cannot
// be read to its end (a fatal source error, or ctx ending) it stops the
// other side, waits for both to let go, and returns a [*PullError] naming
// the side: it never returns a partial report. Records a source reports as
// unreadable ([*source.RecordError]) do not stop the check; they are listed
// in the report's coverage as incomplete.
//
// When the billing source can read by id ([source.SubscriptionGetter]),
// Check also reads the subscriptions that access records name but the
// listing did not return, as Stripe's list leaves out subscriptions on test
// clocks. Subscriptions that do not exist are left for the comparison to
// report.
//
// Check is safe for concurrent use. It starts goroutines for the pull and
// none of them outlives the call.
func Check(ctx context.Context, job Job) (*report.Report, error) {
	if err := job.validate(); err != nil {
		return nil, err
	}
	st := newSettings(job.Options)
	st.log.DebugContext(ctx, "driftexact: check started",
		"workspace", job.Workspace,
		"billing", describe(job.Billing), "access", describe(job.Access))
	snap, err := pull(ctx, job, st)
	if err != nil {
		st.log.DebugContext(ctx, "driftexact: check stopped: a side failed",
			"workspace", job.Workspace, "side", failedSide(err))
		return nil, err
	}
	asOf := job.AsOf
	if asOf.IsZero() {
		asOf = st.clock()
	}
	in := snap.input(job.Workspace)
	res, err := compare.Compare(in, job.Profile, asOf)
	if err != nil {
		return nil, fmt.Errorf("driftexact: %w", err)
	}
	st.log.DebugContext(ctx, "driftexact: compared",
		"workspace", job.Workspace, "as_of", res.AsOf,
		"findings", len(res.Findings), "linked", res.Coverage.Linked)
	return report.New(res, report.Meta{
		Billing: snap.billing.pull, Access: snap.access.pull,
		Digests: report.Digest(in, job.Profile),
	}), nil
}

// validate reports what makes the job impossible to run.
func (job *Job) validate() error {
	if job.Workspace == "" {
		return ErrNoWorkspace
	}
	if job.Billing == nil || job.Access == nil {
		return ErrNoSource
	}
	if job.Profile != nil {
		if err := job.Profile.Validate(); err != nil {
			return fmt.Errorf("%w: %w", ErrInvalidProfile, err)
		}
	}
	return nil
}

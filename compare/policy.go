package compare

import (
	"fmt"
	"slices"
	"time"

	"github.com/driftexact/driftexact/source"
)

// Paused says whether an active subscription whose collection is paused
// entitles its account.
type Paused string

// The paused-collection policies.
const (
	PausedNever          Paused = "never"            // paused collection never entitles
	PausedAlways         Paused = "always"           // it entitles like any active one
	PausedUntilPeriodEnd Paused = "until_period_end" // it entitles until the paid period ends
)

// KnownStatuses are the subscription statuses the library understands. Any
// other status entitles nothing and is listed in coverage.
var KnownStatuses = []string{
	"active", "trialing", "past_due", "unpaid", "incomplete",
	"incomplete_expired", "canceled", "paused",
}

// DefaultEntitling is the list of entitling statuses used when a policy
// names none.
var DefaultEntitling = []string{"active", "trialing", "past_due"}

// Policy decides which subscriptions entitle their account to access. The
// zero value is [DefaultPolicy].
type Policy struct {
	// Entitling lists the statuses that grant access; nil means
	// [DefaultEntitling]. Every status must be one of [KnownStatuses].
	Entitling []string `json:"entitling,omitempty"`
	// Grace extends, per status, how long after the effective end a
	// subscription still entitles. A status that is not entitling but has
	// a grace entitles until its effective end plus the grace. Keys must
	// be among [KnownStatuses]; nil means no grace anywhere.
	Grace map[string]Duration `json:"grace,omitempty"`
	// Paused is the rule for active subscriptions with pause_collection;
	// empty means [PausedNever].
	Paused Paused `json:"paused,omitempty"`
}

// DefaultPolicy returns the policy applied when a profile sets none, in
// the form results state it.
func DefaultPolicy() Policy { return Policy{}.resolved() }

// resolved returns the policy with defaults filled in, as stated in
// results: entitling statuses sorted and without repeats.
func (p Policy) resolved() Policy {
	r := Policy{Entitling: p.Entitling, Paused: p.Paused}
	if r.Entitling == nil {
		r.Entitling = DefaultEntitling
	}
	r.Entitling = slices.Compact(slices.Sorted(slices.Values(r.Entitling)))
	if r.Paused == "" {
		r.Paused = PausedNever
	}
	if len(p.Grace) > 0 {
		r.Grace = make(map[string]Duration, len(p.Grace))
		for k, v := range p.Grace {
			r.Grace[k] = v
		}
	}
	return r
}

func (p Policy) validate() error {
	switch p.Paused {
	case "", PausedNever, PausedAlways, PausedUntilPeriodEnd:
	default:
		return fmt.Errorf("policy.paused: unknown value %q", p.Paused)
	}
	for i, s := range p.Entitling {
		if parseStatus(s) == statusUnknown {
			return fmt.Errorf("policy.entitling[%d]: unknown status %q", i, s)
		}
	}
	for s, d := range p.Grace {
		if parseStatus(s) == statusUnknown {
			return fmt.Errorf("policy.grace[%q]: unknown status", s)
		}
		if d < 0 {
			return fmt.Errorf("policy.grace[%q]: must not be negative", s)
		}
	}
	return nil
}

// status is a subscription status the library knows, or statusUnknown.
type status uint8

const (
	statusUnknown status = iota
	statusActive
	statusTrialing
	statusPastDue
	statusUnpaid
	statusIncomplete
	statusIncompleteExpired
	statusCanceled
	statusPaused
	numStatuses
)

func parseStatus(s string) status {
	switch s {
	case "active":
		return statusActive
	case "trialing":
		return statusTrialing
	case "past_due":
		return statusPastDue
	case "unpaid":
		return statusUnpaid
	case "incomplete":
		return statusIncomplete
	case "incomplete_expired":
		return statusIncompleteExpired
	case "canceled":
		return statusCanceled
	case "paused":
		return statusPaused
	}
	return statusUnknown
}

// live reports whether a subscription in this status still bills or may
// bill again. Ended and never-paid subscriptions are not live.
func (s status) live() bool {
	switch s {
	case statusActive, statusTrialing, statusPastDue, statusUnpaid,
		statusPaused:
		return true
	}
	return false
}

// ended reports whether the status is terminal.
func (s status) ended() bool {
	return s == statusCanceled || s == statusIncompleteExpired
}

// rules is a policy compiled for fast lookups.
type rules struct {
	entitling [numStatuses]bool
	grace     [numStatuses]time.Duration
	paused    Paused
}

func newRules(p Policy) rules {
	var r rules
	for _, s := range p.Entitling {
		r.entitling[parseStatus(s)] = true
	}
	for s, d := range p.Grace {
		r.grace[parseStatus(s)] = time.Duration(d)
	}
	r.entitling[statusUnknown] = false
	r.grace[statusUnknown] = 0
	r.paused = p.Paused
	return r
}

// effectiveEnd is when a subscription's access ends by Stripe's data, and
// whether that end is final rather than a renewal. The zero time means
// unknown. The order is: ended_at; else cancel_at, whatever
// cancel_at_period_end says; else the period end, taking the earliest
// item-level period end when the top-level one is absent.
func effectiveEnd(s *source.Subscription, st status) (time.Time, bool) {
	if !s.EndedAt.IsZero() {
		return s.EndedAt, true
	}
	if !s.CancelAt.IsZero() {
		return s.CancelAt, true
	}
	return periodEnd(s), s.CancelAtPeriodEnd || st.ended()
}

// periodEnd is the top-level period end, or the earliest item-level one
// when the top-level one is zero.
func periodEnd(s *source.Subscription) time.Time {
	if !s.CurrentPeriodEnd.IsZero() {
		return s.CurrentPeriodEnd
	}
	var end time.Time
	for i := range s.Items {
		e := s.Items[i].CurrentPeriodEnd
		if !e.IsZero() && (end.IsZero() || e.Before(end)) {
			end = e
		}
	}
	return end
}

// collectionPaused reports whether s's collection is paused at asOf. A
// pause whose resume time has passed no longer counts.
func collectionPaused(s *source.Subscription, asOf time.Time) bool {
	pc := s.PauseCollection
	return pc != nil && (pc.ResumesAt.IsZero() || asOf.Before(pc.ResumesAt))
}

// entitles reports whether a subscription grants access at asOf.
func (r *rules) entitles(s *source.Subscription, st status,
	end time.Time, final bool, asOf time.Time) bool {
	grace := r.grace[st]
	if st == statusActive && collectionPaused(s, asOf) {
		switch r.paused {
		case PausedAlways:
		case PausedUntilPeriodEnd:
			return !end.IsZero() && asOf.Before(end)
		default:
			return false
		}
	}
	if !r.entitling[st] {
		return grace > 0 && !end.IsZero() && asOf.Before(end.Add(grace))
	}
	if final && !end.IsZero() {
		return asOf.Before(end.Add(grace))
	}
	return true
}

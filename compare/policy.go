package compare

import (
	"fmt"
	"slices"
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
	// [DefaultEntitling].
	Entitling []string `json:"entitling,omitempty"`
	// Grace extends, per status, how long after the effective end a
	// subscription still entitles.
	Grace map[string]Duration `json:"grace,omitempty"`
	// Paused is the rule for active subscriptions with pause_collection;
	// empty means [PausedNever].
	Paused Paused `json:"paused,omitempty"`
}

// DefaultPolicy returns the policy applied when a profile sets none.
func DefaultPolicy() Policy {
	return Policy{Entitling: slices.Clone(DefaultEntitling), Paused: PausedNever}
}

// resolved returns the policy with defaults filled in, as stated in
// results.
func (p Policy) resolved() Policy {
	r := Policy{Entitling: p.Entitling, Paused: p.Paused}
	if r.Entitling == nil {
		r.Entitling = DefaultEntitling
	}
	r.Entitling = slices.Clone(r.Entitling)
	slices.Sort(r.Entitling)
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
		if s == "" {
			return fmt.Errorf("policy.entitling[%d]: empty status", i)
		}
	}
	for s, d := range p.Grace {
		if d < 0 {
			return fmt.Errorf("policy.grace[%s]: must not be negative", s)
		}
	}
	return nil
}

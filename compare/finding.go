package compare

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"time"

	"github.com/driftexact/driftexact/source"
)

// Kind is the kind of a finding.
type Kind string

// The finding kinds.
const (
	PaidWithoutAccess      Kind = "paid_without_access"
	AccessWithoutPayment   Kind = "access_without_payment"
	PlanMismatch           Kind = "plan_mismatch"
	SeatMismatch           Kind = "seat_mismatch"
	PeriodMismatch         Kind = "period_mismatch"
	DuplicateSubscriptions Kind = "duplicate_subscriptions"
	AmbiguousIdentity      Kind = "ambiguous_identity"
	UnmappedPrice          Kind = "unmapped_price"
	MissingIdentifier      Kind = "missing_identifier"
)

// Kinds lists every kind in the order findings of equal severity sort.
var Kinds = []Kind{
	PaidWithoutAccess, AccessWithoutPayment, PlanMismatch, SeatMismatch,
	PeriodMismatch, DuplicateSubscriptions, AmbiguousIdentity,
	UnmappedPrice, MissingIdentifier,
}

// Severity ranks findings.
type Severity string

// The severities, highest first.
const (
	High   Severity = "high"
	Medium Severity = "medium"
	Low    Severity = "low"
)

// Severities lists the severities, highest first.
var Severities = []Severity{High, Medium, Low}

func (s Severity) rank() int {
	switch s {
	case High:
		return 0
	case Medium:
		return 1
	}
	return 2
}

// Direction says which way access differs from billing, where that has a
// meaning.
type Direction string

// The directions.
const (
	OverGranted  Direction = "over_granted"  // more access than is billed
	UnderGranted Direction = "under_granted" // less access than is billed
)

// Finding is one disagreement between billing and access.
type Finding struct {
	Kind      Kind      `json:"kind"`
	Severity  Severity  `json:"severity"`
	Direction Direction `json:"direction,omitempty"`

	// Account is the internal account id; empty when none could be linked.
	Account    string `json:"account,omitempty"`
	CustomerID string `json:"customer_id,omitempty"`
	// Subscriptions are the Stripe subscription ids involved, sorted.
	Subscriptions []string `json:"subscriptions,omitempty"`
	Plan          string   `json:"plan,omitempty"`

	// Field names what was compared; Stripe and Internal are each side's
	// value of it, as text.
	Field    string `json:"field"`
	Stripe   string `json:"stripe"`
	Internal string `json:"internal"`

	// Rule says in plain words why the finding was raised.
	Rule string `json:"rule"`
	// LinkedBy is the link strategy that tied the records together; empty
	// when nothing linked, and then Tried lists what was tried.
	LinkedBy string   `json:"linked_by,omitempty"`
	Tried    []string `json:"tried,omitempty"`

	// Fingerprint identifies the same finding across runs: it depends on
	// the workspace, kind, account, subscription ids and plan only.
	Fingerprint string `json:"fingerprint"`
}

// fingerprint computes f's fingerprint within workspace ws.
func fingerprint(ws string, f *Finding) string {
	h := sha256.New()
	for _, part := range []string{
		ws, string(f.Kind), f.Account, f.CustomerID,
		strings.Join(f.Subscriptions, ","), f.Plan,
	} {
		h.Write([]byte(part))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// Note is information that is not drift, such as a scheduled cancellation
// that both sides agree on.
type Note struct {
	Account      string `json:"account,omitempty"`
	Subscription string `json:"subscription,omitempty"`
	Text         string `json:"text"`
}

// Check records whether one check ran and, if not, why.
type Check struct {
	Name   string `json:"name"`
	Ran    bool   `json:"ran"`
	Reason string `json:"reason,omitempty"`
}

// Incomplete names a record that was only partly read, or not at all.
type Incomplete struct {
	Side   string `json:"side"` // "billing" or "access"
	ID     string `json:"id"`
	Reason string `json:"reason"`
}

// Coverage says what was checked and what could not be. A result with no
// findings means "no drift" only for what coverage says ran.
type Coverage struct {
	Subscriptions int `json:"subscriptions"`
	Grants        int `json:"grants"`
	// Linked counts subscriptions tied to an account.
	Linked          int          `json:"linked"`
	Checks          []Check      `json:"checks"`
	UnknownStatuses []string     `json:"unknown_statuses,omitempty"`
	Incomplete      []Incomplete `json:"incomplete,omitempty"`
	// OutOfScope lists what the sources cannot show and so was not
	// checked.
	OutOfScope []string `json:"out_of_scope"`
}

// Input is what [Compare] compares: both sides' normalised records, and the
// records the sources reported they could not read.
type Input struct {
	Workspace     string
	Subscriptions []source.Subscription
	Grants        []source.Grant
	// Incomplete lists records the sources could not read whole.
	Incomplete []Incomplete
	// Unavailable names grant fields the access source cannot supply
	// ("seats", "expires"); the checks that need them are reported as not
	// run.
	Unavailable []string
}

// Result is the outcome of [Compare].
type Result struct {
	Workspace string    `json:"workspace"`
	AsOf      time.Time `json:"as_of"`
	// Policy is the access policy applied, with defaults filled in.
	Policy   Policy    `json:"policy"`
	Findings []Finding `json:"findings"`
	Notes    []Note    `json:"notes,omitempty"`
	Coverage Coverage  `json:"coverage"`
}

package compare

import (
	"crypto/sha256"
	"encoding/hex"
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
	case Low:
		return 2
	}
	return unknownRank
}

// unknownRank is the rank of a severity or kind the package does not
// define; it sorts after every known one.
const unknownRank = 99

// rank is the kind's position in [Kinds].
func (k Kind) rank() int {
	switch k {
	case PaidWithoutAccess:
		return 0
	case AccessWithoutPayment:
		return 1
	case PlanMismatch:
		return 2
	case SeatMismatch:
		return 3
	case PeriodMismatch:
		return 4
	case DuplicateSubscriptions:
		return 5
	case AmbiguousIdentity:
		return 6
	case UnmappedPrice:
		return 7
	case MissingIdentifier:
		return 8
	}
	return unknownRank
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
	Kind     Kind     `json:"kind"`
	Severity Severity `json:"severity"`
	// Direction is set where the finding has one: over_granted when the
	// product grants more than is billed, under_granted when less.
	Direction Direction `json:"direction,omitempty"`

	// Account is the internal account id; empty when none could be linked.
	Account    string `json:"account,omitempty"`
	CustomerID string `json:"customer_id,omitempty"`
	// Subscriptions are the Stripe subscription ids involved, sorted.
	Subscriptions []string `json:"subscriptions,omitempty"`
	// Price is the Stripe price involved (unmapped_price only).
	Price string `json:"price,omitempty"`
	// Plan is the plan concerned: the plan granted, or for
	// paid_without_access the plans billed, or for
	// duplicate_subscriptions the plan family. Several are
	// comma-separated.
	Plan string `json:"plan,omitempty"`
	// Accounts lists, sorted, the accounts that share one Stripe id
	// (ambiguous_identity only).
	Accounts []string `json:"accounts,omitempty"`

	// Field names what was compared; Stripe and Internal are each side's
	// value of it, as text.
	Field    string `json:"field"`
	Stripe   string `json:"stripe"`
	Internal string `json:"internal"`

	// Rule says in plain words why the finding was raised.
	Rule string `json:"rule"`
	// LinkedBy is the link strategy that tied the records together (a
	// comma-separated list when several subscriptions linked in different
	// ways); empty when nothing linked, and then Tried lists, in order,
	// what was tried.
	LinkedBy string   `json:"linked_by,omitempty"`
	Tried    []string `json:"tried,omitempty"`

	// Fingerprint identifies the same finding across runs: it depends on
	// the workspace, kind, account, Stripe ids (customer, subscriptions,
	// price) and plan only, never on the values compared.
	Fingerprint string `json:"fingerprint"`
}

// fingerprint computes f's fingerprint within workspace ws. buf is scratch
// space, returned for reuse.
func fingerprint(ws string, f *Finding, buf []byte) (string, []byte) {
	buf = buf[:0]
	for _, part := range [...]string{ws, string(f.Kind), f.Account,
		f.CustomerID} {
		buf = append(buf, part...)
		buf = append(buf, 0)
	}
	for i, id := range f.Subscriptions {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = append(buf, id...)
	}
	buf = append(buf, 0)
	buf = append(buf, f.Price...)
	buf = append(buf, 0)
	buf = append(buf, f.Plan...)
	sum := sha256.Sum256(buf)
	return hex.EncodeToString(sum[:16]), buf
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

// Incomplete names a record that was only partly read, or not at all. An
// account that such a record belongs to is not judged.
type Incomplete struct {
	Side   string `json:"side"` // "billing" or "access"
	ID     string `json:"id"`
	Reason string `json:"reason"`
}

// Coverage says what was checked and what could not be. A result with no
// findings means "no drift" only for what coverage says ran.
type Coverage struct {
	// Subscriptions and Grants count the records read on each side.
	Subscriptions int `json:"subscriptions"`
	Grants        int `json:"grants"`
	// Linked counts subscriptions tied to an account.
	Linked int `json:"linked"`
	// Checks lists every check in a fixed order, with whether it ran.
	Checks []Check `json:"checks"`
	// UnknownStatuses lists, sorted, the statuses the library does not
	// know; subscriptions in them entitle nothing.
	UnknownStatuses []string `json:"unknown_statuses,omitempty"`
	// Incomplete lists, sorted by side, id and reason, the records that
	// were only partly read or could not be used.
	Incomplete []Incomplete `json:"incomplete,omitempty"`
	// OutOfScope lists what the sources cannot show and so was not
	// checked.
	OutOfScope []string `json:"out_of_scope"`
}

// Input is what [Compare] compares: both sides' normalised records, and the
// records the sources reported they could not read. Compare reads it and
// never changes it; the order of every slice is irrelevant.
type Input struct {
	// Workspace is stamped on the result and on every fingerprint.
	Workspace     string
	Subscriptions []source.Subscription
	Grants        []source.Grant
	// Incomplete lists records the sources could not read whole. A
	// billing entry's ID is a subscription id; an access entry's ID is an
	// account id (or a position, which matches nothing).
	Incomplete []Incomplete
	// Unavailable names grant fields the access source cannot supply
	// ("seats", "expires", "plan"); the checks that need them are
	// reported as not run.
	Unavailable []string
}

// Result is the outcome of [Compare]. Every slice in it is in a defined
// order; none depends on the order of the input or on map iteration.
type Result struct {
	Workspace string    `json:"workspace"`
	AsOf      time.Time `json:"as_of"`
	// Policy is the access policy applied, with defaults filled in.
	Policy Policy `json:"policy"`
	// Findings are sorted by severity, kind, account, subscription ids,
	// then every other field; never nil.
	Findings []Finding `json:"findings"`
	// Notes are sorted by account, subscription and text.
	Notes    []Note   `json:"notes,omitempty"`
	Coverage Coverage `json:"coverage"`
}

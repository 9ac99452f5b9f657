package compare

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/driftexact/driftexact/source"
)

// outOfScope is what a subscriptions:read key cannot show.
var outOfScope = []string{
	"refunds, disputes and invoices are not visible with subscriptions:read " +
		"and were not checked",
}

// Compare compares billing with access as of asOf and returns every finding,
// sorted. It is a pure function: it does no I/O, never reads the clock, and
// returns byte-for-byte the same result for the same records in any order.
// It returns an error only when the profile is invalid.
func Compare(in Input, p *Profile, asOf time.Time) (*Result, error) {
	if p == nil {
		p = &Profile{}
	}
	if err := p.Validate(); err != nil {
		return nil, fmt.Errorf("compare: profile: %w", err)
	}
	c := newComparison(in, p, asOf.UTC())
	c.run()
	return c.result(), nil
}

// comparison holds the state of one Compare call.
type comparison struct {
	in        Input
	p         *Profile
	policy    Policy
	entitling map[string]bool
	asOf      time.Time

	subs   []source.Subscription // sorted by id
	grants []source.Grant        // sorted by account id

	grantsByAccount map[string][]int
	bySub           map[string][]string // subscription id → accounts
	byCustomer      map[string][]string // customer id → accounts
	linked          map[string][]link   // account → linked subscriptions
	accounts        []string            // every account, sorted

	findings []Finding
	notes    []Note
	cov      Coverage
}

// link records that subscription sub is tied to an account by strategy.
type link struct {
	sub *source.Subscription
	by  string
}

func newComparison(in Input, p *Profile, asOf time.Time) *comparison {
	c := &comparison{
		in: in, p: p, asOf: asOf, policy: p.Policy.resolved(),
		grantsByAccount: map[string][]int{},
		bySub:           map[string][]string{},
		byCustomer:      map[string][]string{},
		linked:          map[string][]link{},
		entitling:       map[string]bool{},
	}
	for _, s := range c.policy.Entitling {
		c.entitling[s] = true
	}
	c.subs = slices.Clone(in.Subscriptions)
	slices.SortFunc(c.subs, func(a, b source.Subscription) int {
		return cmp.Compare(a.ID, b.ID)
	})
	c.grants = slices.Clone(in.Grants)
	slices.SortFunc(c.grants, compareGrants)
	for i, g := range c.grants {
		c.grantsByAccount[g.AccountID] = append(c.grantsByAccount[g.AccountID], i)
		if g.SubscriptionID != "" {
			c.bySub[g.SubscriptionID] = appendUnique(c.bySub[g.SubscriptionID], g.AccountID)
		}
		if g.CustomerID != "" {
			c.byCustomer[g.CustomerID] = appendUnique(c.byCustomer[g.CustomerID], g.AccountID)
		}
	}
	return c
}

func compareGrants(a, b source.Grant) int {
	return cmp.Or(
		cmp.Compare(a.AccountID, b.AccountID),
		cmp.Compare(a.SubscriptionID, b.SubscriptionID),
		cmp.Compare(a.CustomerID, b.CustomerID),
		cmp.Compare(a.Plan, b.Plan),
		compareBool(a.Active, b.Active),
		a.Expires.Compare(b.Expires),
		cmp.Compare(seatsOf(a.Seats), seatsOf(b.Seats)),
	)
}

func compareBool(a, b bool) int {
	if a == b {
		return 0
	}
	if a {
		return 1
	}
	return -1
}

func seatsOf(p *int64) int64 {
	if p == nil {
		return -1
	}
	return *p
}

// appendUnique appends v to a sorted-by-insertion list unless present.
// Grants are visited in sorted order, so the result is sorted.
func appendUnique(list []string, v string) []string {
	if len(list) > 0 && list[len(list)-1] == v {
		return list
	}
	return append(list, v)
}

func (c *comparison) run() {
	c.cov.Subscriptions = len(c.subs)
	c.cov.Grants = len(c.grants)
	c.cov.Incomplete = slices.Clone(c.in.Incomplete)
	c.linkAll()
	for _, acct := range c.accounts {
		c.checkAccount(acct)
	}
	c.coverChecks()
}

// linkAll ties each subscription to an account, or reports why it cannot.
func (c *comparison) linkAll() {
	accts := map[string]bool{}
	for a := range c.grantsByAccount {
		accts[a] = true
	}
	unknown := map[string]bool{}
	for i := range c.subs {
		s := &c.subs[i]
		if !slices.Contains(KnownStatuses, s.Status) && !unknown[s.Status] {
			unknown[s.Status] = true
			c.cov.UnknownStatuses = append(c.cov.UnknownStatuses, s.Status)
		}
		if s.Incomplete != "" {
			c.cov.Incomplete = append(c.cov.Incomplete, Incomplete{
				Side: "billing", ID: s.ID, Reason: s.Incomplete,
			})
			continue
		}
		acct, by, tried := c.linkOne(s)
		if acct == "" {
			c.unlinked(s, tried)
			continue
		}
		c.cov.Linked++
		accts[acct] = true
		c.linked[acct] = append(c.linked[acct], link{sub: s, by: by})
	}
	slices.Sort(c.cov.UnknownStatuses)
	c.accounts = sortedKeys(accts)
}

// linkOne applies the link strategies in order. It returns the account and
// strategy that linked, or the strategies tried.
func (c *comparison) linkOne(s *source.Subscription) (acct, by string, tried []string) {
	for _, l := range c.p.links() {
		var cands []string
		switch l.By {
		case BySubscriptionID:
			cands = c.bySub[s.ID]
		case ByCustomerID:
			if s.CustomerID != "" {
				cands = c.byCustomer[s.CustomerID]
			}
		case ByMetadata:
			if v := s.Metadata[l.Key]; v != "" {
				cands = []string{v}
			}
		}
		tried = append(tried, l.String())
		if len(cands) == 1 {
			return cands[0], l.String(), nil
		}
		if len(cands) > 1 {
			c.ambiguous(s, l.String(), cands)
			return "", "", nil
		}
	}
	return "", "", tried
}

func (c *comparison) ambiguous(s *source.Subscription, by string, accts []string) {
	c.add(Finding{
		Kind: AmbiguousIdentity, Severity: Medium,
		CustomerID: s.CustomerID, Subscriptions: []string{s.ID},
		Field: "account", Stripe: s.ID, Internal: strings.Join(accts, ", "),
		Rule:     "one Stripe id appears on several accounts, so it links to none",
		LinkedBy: by,
	})
}

// unlinked reports a live subscription that links to no account. Ended
// subscriptions with no account are normal and raise nothing.
func (c *comparison) unlinked(s *source.Subscription, tried []string) {
	if !isLive(s.Status) {
		return
	}
	sev := Medium
	if c.entitles(s) {
		sev = High
	}
	c.add(Finding{
		Kind: MissingIdentifier, Severity: sev,
		CustomerID: s.CustomerID, Subscriptions: []string{s.ID},
		Field: "account", Stripe: s.Status, Internal: "no matching account",
		Rule:  "a live subscription matches no account by any link strategy",
		Tried: tried,
	})
}

// isLive reports whether a subscription in this status still bills or may
// bill again.
func isLive(status string) bool {
	switch status {
	case "active", "trialing", "past_due", "unpaid", "paused":
		return true
	}
	return false
}

// effectiveEnd is when the subscription's access ends under Stripe's data,
// and whether that end is final (scheduled or past) rather than a renewal.
func effectiveEnd(s *source.Subscription) (end time.Time, final bool) {
	switch {
	case !s.EndedAt.IsZero():
		return s.EndedAt, true
	case !s.CancelAt.IsZero():
		return s.CancelAt, true
	case !s.CurrentPeriodEnd.IsZero():
		return s.CurrentPeriodEnd, s.CancelAtPeriodEnd
	}
	for _, it := range s.Items {
		if !it.CurrentPeriodEnd.IsZero() && (end.IsZero() || it.CurrentPeriodEnd.Before(end)) {
			end = it.CurrentPeriodEnd
		}
	}
	return end, s.CancelAtPeriodEnd
}

// entitles reports whether s grants access at asOf under the policy.
func (c *comparison) entitles(s *source.Subscription) bool {
	end, final := effectiveEnd(s)
	grace := time.Duration(c.policy.Grace[s.Status])
	if !c.entitling[s.Status] {
		return grace > 0 && !end.IsZero() && c.asOf.Before(end.Add(grace))
	}
	if s.Status == "active" && s.PauseCollection != nil {
		switch c.policy.Paused {
		case PausedNever:
			return false
		case PausedUntilPeriodEnd:
			return !end.IsZero() && c.asOf.Before(end)
		}
	}
	if final && !end.IsZero() {
		return c.asOf.Before(end.Add(grace))
	}
	return true
}

func (c *comparison) add(f Finding) {
	if sev, ok := c.p.Severity[f.Kind]; ok {
		f.Severity = sev
	}
	slices.Sort(f.Subscriptions)
	f.Fingerprint = fingerprint(c.in.Workspace, &f)
	c.findings = append(c.findings, f)
}

func (c *comparison) coverChecks() {
	lacks := func(field string) bool { return slices.Contains(c.in.Unavailable, field) }
	c.cov.Checks = []Check{
		{Name: "link", Ran: true},
		{Name: "access", Ran: true},
		{Name: "plan", Ran: true},
		{Name: "duplicates", Ran: true},
		{Name: "seats", Ran: !lacks("seats")},
		{Name: "expiry", Ran: !lacks("expires")},
	}
	for i := range c.cov.Checks {
		if !c.cov.Checks[i].Ran {
			c.cov.Checks[i].Reason = "the access source has no " + c.cov.Checks[i].Name + " column"
		}
	}
	c.cov.OutOfScope = slices.Clone(outOfScope)
	slices.SortFunc(c.cov.Incomplete, func(a, b Incomplete) int {
		return cmp.Or(cmp.Compare(a.Side, b.Side), cmp.Compare(a.ID, b.ID),
			cmp.Compare(a.Reason, b.Reason))
	})
}

func (c *comparison) result() *Result {
	slices.SortFunc(c.findings, compareFindings)
	slices.SortFunc(c.notes, func(a, b Note) int {
		return cmp.Or(cmp.Compare(a.Account, b.Account),
			cmp.Compare(a.Subscription, b.Subscription), cmp.Compare(a.Text, b.Text))
	})
	if c.findings == nil {
		c.findings = []Finding{}
	}
	return &Result{
		Workspace: c.in.Workspace, AsOf: c.asOf, Policy: c.policy,
		Findings: c.findings, Notes: c.notes, Coverage: c.cov,
	}
}

// compareFindings orders findings by severity, kind, account and ids, with
// the remaining fields as tie-breakers so the order is total.
func compareFindings(a, b Finding) int {
	return cmp.Or(
		cmp.Compare(a.Severity.rank(), b.Severity.rank()),
		cmp.Compare(slices.Index(Kinds, a.Kind), slices.Index(Kinds, b.Kind)),
		cmp.Compare(a.Account, b.Account),
		slices.Compare(a.Subscriptions, b.Subscriptions),
		cmp.Compare(a.CustomerID, b.CustomerID),
		cmp.Compare(a.Plan, b.Plan),
		cmp.Compare(a.Field, b.Field),
		cmp.Compare(a.Stripe, b.Stripe),
		cmp.Compare(a.Internal, b.Internal),
		cmp.Compare(a.Fingerprint, b.Fingerprint),
	)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func formatTime(t time.Time) string {
	if t.IsZero() {
		return "none"
	}
	return t.UTC().Format(time.RFC3339)
}

func formatSeats(p *int64) string {
	if p == nil {
		return "none"
	}
	return strconv.FormatInt(*p, 10)
}

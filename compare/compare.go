package compare

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	"github.com/driftexact/driftexact/source"
)

// outOfScope is what a subscriptions:read key cannot show.
var outOfScope = []string{
	"refunds, disputes and invoices are not visible with subscriptions:read " +
		"and were not checked",
}

// Compare compares billing with access as of asOf under profile p and
// returns every finding, sorted. A nil p means a zero [Profile].
//
// It is a pure function: it does no I/O, never reads the clock, never
// changes in, and returns the same result for the same records in any
// order. It returns an error only when the profile is invalid. It is safe
// to call from several goroutines at once.
func Compare(in Input, p *Profile, asOf time.Time) (*Result, error) {
	if p == nil {
		p = &Profile{}
	}
	if err := p.Validate(); err != nil {
		return nil, fmt.Errorf("compare: profile: %w", err)
	}
	c := newComparison(&in, p, asOf.UTC())
	c.indexGrants()
	c.linkSubscriptions()
	c.group()
	for a := range c.acctSrc {
		c.judge(int32(a))
	}
	c.reportUnlinked()
	c.reportAmbiguous()
	return c.result(), nil
}

// Account numbers that are not accounts.
const (
	noAccount       int32 = -1 // nothing linked
	severalAccounts int32 = -2 // a Stripe id stored on several accounts
	unlinkable      int32 = -3 // a subscription without an id
)

// comparison holds the state of one Compare call. Accounts are numbered in
// the order first seen; that order never reaches the result, which is
// sorted at the end.
type comparison struct {
	in     *Input
	p      *Profile
	asOf   time.Time
	policy Policy
	rules  rules
	cat    *catalog
	links  []Link
	tried  []string // every link strategy's name, in order

	// checks that can run
	planCheck, seatCheck, expiryCheck bool

	// Account number → where its id is kept: the index of an access
	// record, or ^k for named[k], an account that only a subscription's
	// metadata names.
	acctSrc []int32
	named   []string
	acctNum *idIndex // account id → account number
	bySub   *idIndex // stored subscription id → first grant storing it
	// byCus maps stored customer ids to accounts, for the customers of
	// the subscriptions that reach the customer strategy only.
	byCus map[string]int32
	// Ids stored on several accounts, with those accounts; sharedSub
	// marks the first grant storing such a subscription id.
	multiSub, multiCus map[string][]int32
	sharedSub          []bool

	grantAcct []int32 // grant index → account, or noAccount
	subAcct   []int32 // subscription index → account, or a sentinel
	subBy     []int32 // subscription index → link strategy
	// Records of each account, grouped: account a's grants are
	// grantOrder[grantStart[a]:grantStart[a+1]], likewise subscriptions.
	grantStart, grantOrder []int32
	subStart, subOrder     []int32

	held []bool // accounts not judged because their identity is ambiguous

	// Ids of records the sources could not read.
	badSubs, badAccts map[string]bool
	// Subscriptions whose customer id is stored on several accounts.
	ambCustomer []int32
	// Customer of the subscription behind each ambiguous stored id.
	ambSubCustomer map[string]string

	unknown map[string]bool

	x acct // the account being judged; its slices are reused

	findings findingLog
	notes    []Note
	cov      Coverage
}

func newComparison(in *Input, p *Profile, asOf time.Time) *comparison {
	c := &comparison{in: in, p: p, asOf: asOf, policy: p.Policy.resolved(),
		cat: newCatalog(p), links: p.links()}
	c.rules = newRules(c.policy)
	for _, l := range c.links {
		c.tried = append(c.tried, l.String())
	}
	lacks := func(f string) bool { return slices.Contains(in.Unavailable, f) }
	c.planCheck = c.cat.mapsPrices && !lacks("plan")
	c.seatCheck = c.cat.mapsPrices && c.cat.perSeat && !lacks("seats")
	c.expiryCheck = !lacks("expires")
	c.cov = Coverage{Subscriptions: len(in.Subscriptions), Grants: len(in.Grants)}
	for _, r := range in.Incomplete {
		c.cov.Incomplete = append(c.cov.Incomplete, r)
		c.markBad(r.Side, r.ID)
	}
	return c
}

func (c *comparison) markBad(side, id string) {
	if id == "" {
		return
	}
	switch side {
	case "billing":
		if c.badSubs == nil {
			c.badSubs = map[string]bool{}
		}
		c.badSubs[id] = true
	case "access":
		if c.badAccts == nil {
			c.badAccts = map[string]bool{}
		}
		c.badAccts[id] = true
	}
}

func (c *comparison) incomplete(side, id, reason string) {
	c.cov.Incomplete = append(c.cov.Incomplete,
		Incomplete{Side: side, ID: id, Reason: reason})
}

// add records a finding, applying the profile's severity override.
func (c *comparison) add(f Finding) {
	if sev, ok := c.p.Severity[f.Kind]; ok {
		f.Severity = sev
	}
	slices.Sort(f.Subscriptions)
	c.findings.add(&f)
}

func (c *comparison) note(acct, sub, text string) {
	c.notes = append(c.notes, Note{Account: acct, Subscription: sub, Text: text})
}

func (c *comparison) result() *Result {
	findings := c.sortedFindings()
	slices.SortFunc(c.notes, func(a, b Note) int {
		return cmp.Or(cmp.Compare(a.Account, b.Account),
			cmp.Compare(a.Subscription, b.Subscription),
			cmp.Compare(a.Text, b.Text))
	})
	c.notes = slices.Compact(c.notes)
	c.cover()
	return &Result{
		Workspace: c.in.Workspace, AsOf: c.asOf, Policy: c.policy,
		Findings: findings, Notes: c.notes, Coverage: c.cov,
	}
}

// cover fills in the checks, unknown statuses and incomplete records.
func (c *comparison) cover() {
	const noPrices = "the profile maps no prices"
	notRun := func(name, reason string) Check {
		return Check{Name: name, Reason: reason}
	}
	ran := func(name string) Check { return Check{Name: name, Ran: true} }
	plan, dups, seats, expiry := ran("plan"), ran("duplicates"),
		ran("seats"), ran("expiry")
	lacks := func(f string) bool { return slices.Contains(c.in.Unavailable, f) }
	switch {
	case !c.cat.mapsPrices:
		plan, dups = notRun("plan", noPrices), notRun("duplicates", noPrices)
	case lacks("plan"):
		plan = notRun("plan", "the access source has no plan column")
	}
	switch {
	case lacks("seats"):
		seats = notRun("seats", "the access source has no seats column")
	case !c.cat.mapsPrices:
		seats = notRun("seats", noPrices)
	case !c.cat.perSeat:
		seats = notRun("seats", "the profile declares no per-seat plan")
	}
	if !c.expiryCheck {
		expiry = notRun("expiry", "the access source has no expiry column")
	}
	c.cov.Checks = []Check{ran("link"), ran("access"), plan, dups, seats, expiry}
	for s := range c.unknown {
		c.cov.UnknownStatuses = append(c.cov.UnknownStatuses, s)
	}
	slices.Sort(c.cov.UnknownStatuses)
	slices.SortFunc(c.cov.Incomplete, func(a, b Incomplete) int {
		return cmp.Or(cmp.Compare(a.Side, b.Side), cmp.Compare(a.ID, b.ID),
			cmp.Compare(a.Reason, b.Reason))
	})
	c.cov.OutOfScope = slices.Clone(outOfScope)
}

// subscription returns the subscription at index i of the input.
func (c *comparison) subscription(i int32) *source.Subscription {
	return &c.in.Subscriptions[i]
}

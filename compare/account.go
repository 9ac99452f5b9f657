package compare

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"github.com/driftexact/driftexact/source"
)

// subView is a subscription as the policy sees it at the as-of time.
type subView struct {
	s     *source.Subscription
	by    int32 // link strategy, -1 when unlinked
	st    status
	end   time.Time // effective end; zero when unknown
	final bool      // the end will not renew
	ent   bool      // it entitles at the as-of time
	// Plan numbers of its items are acct.refs[lo:hi], in item order.
	lo, hi int32
}

// rowView is one distinct access record of an account.
type rowView struct {
	g      *source.Grant
	plan   int32 // plan number, or noPlan
	family string
}

// acct is the account being judged, with its records. Its slices are
// reused from one account to the next.
type acct struct {
	id   string
	rows []rowView // distinct access records, sorted
	subs []subView // linked subscriptions, sorted by id
	refs []int32   // plan numbers of the subscriptions' items
	// judged are the rows whose plan, seats and expiry are compared: the
	// active rows of paid plans, or all active rows when none is paid.
	judged []rowView
	on     bool // some row has access on
	paid   bool // some active row is on a plan that needs billing
	ent    bool // some subscription entitles
	skip   bool // a record of the account is incomplete

	// scratch for checks
	billed []int32
	pairs  []famSub
	names  []string
}

// famSub pairs a plan family with a subscription, for duplicates.
type famSub struct {
	family string
	sub    int
}

// view evaluates subscription s under the policy.
func (c *comparison) view(s *source.Subscription, by int32) subView {
	st := parseStatus(s.Status)
	end, final := effectiveEnd(s, st)
	v := subView{s: s, by: by, st: st, end: end, final: final}
	v.ent = st != statusUnknown &&
		c.rules.entitles(s, st, end, final, c.asOf)
	return v
}

// judge runs every check on account a.
func (c *comparison) judge(a int32) {
	x := c.load(a)
	c.cov.Linked += len(x.subs)
	if x.skip {
		return
	}
	if c.cat.mapsPrices {
		c.checkDuplicates(x)
		c.checkPrices(x)
	}
	if c.held[a] || c.conflicting(x) {
		return
	}
	c.checkAccess(x)
	c.addNotes(x)
}

// load gathers account a's records into c.x.
func (c *comparison) load(a int32) *acct {
	x := &c.x
	x.id = c.accountID(a)
	x.rows, x.subs, x.refs = x.rows[:0], x.subs[:0], x.refs[:0]
	x.judged = x.judged[:0]
	x.on, x.paid, x.ent, x.skip = false, false, false, false
	for _, i := range c.grantOrder[c.grantStart[a]:c.grantStart[a+1]] {
		g := &c.in.Grants[i]
		ref := c.cat.plan(g.Plan)
		x.rows = append(x.rows,
			rowView{g: g, plan: ref, family: c.cat.family(ref, g.Plan)})
	}
	if len(x.rows) > 1 {
		slices.SortFunc(x.rows, func(a, b rowView) int {
			return compareGrants(a.g, b.g)
		})
		x.rows = slices.CompactFunc(x.rows, func(a, b rowView) bool {
			return compareGrants(a.g, b.g) == 0
		})
	}
	for _, i := range c.subOrder[c.subStart[a]:c.subStart[a+1]] {
		s := c.subscription(i)
		v := c.view(s, c.subBy[i])
		v.lo = int32(len(x.refs))
		for j := range s.Items {
			x.refs = append(x.refs, c.cat.resolve(&s.Items[j]))
		}
		v.hi = int32(len(x.refs))
		x.subs = append(x.subs, v)
	}
	if len(x.subs) > 1 {
		c.dedupeSubs(x)
	}
	c.summarise(x)
	return x
}

// dedupeSubs sorts x's subscriptions by id and keeps one record of each.
// Records of one id whose contents differ make the account incomplete.
func (c *comparison) dedupeSubs(x *acct) {
	slices.SortFunc(x.subs, func(a, b subView) int {
		return cmp.Compare(a.s.ID, b.s.ID)
	})
	out := x.subs[:0]
	for lo := 0; lo < len(x.subs); {
		first := x.subs[lo]
		hi, differ := lo+1, false
		for ; hi < len(x.subs) && x.subs[hi].s.ID == first.s.ID; hi++ {
			differ = differ || !sameSubscription(first.s, x.subs[hi].s)
		}
		if differ {
			c.incomplete("billing", first.s.ID,
				"subscription read more than once with different contents")
			x.skip = true
		}
		out = append(out, first)
		lo = hi
	}
	x.subs = out
}

// summarise sets x's access, entitlement and completeness flags.
func (c *comparison) summarise(x *acct) {
	for i := range x.rows {
		r := &x.rows[i]
		if !r.g.Active {
			continue
		}
		x.on = true
		if r.plan == noPlan || !c.cat.plans[r.plan].free {
			x.paid = true
		}
	}
	for i := range x.rows {
		r := &x.rows[i]
		if r.g.Active && (!x.paid || r.plan == noPlan || !c.cat.plans[r.plan].free) {
			x.judged = append(x.judged, *r)
		}
		if len(c.badSubs) > 0 && c.badSubs[r.g.SubscriptionID] {
			x.skip = true
		}
	}
	for i := range x.subs {
		v := &x.subs[i]
		x.ent = x.ent || v.ent
		if v.s.Incomplete != "" || (len(c.badSubs) > 0 && c.badSubs[v.s.ID]) {
			x.skip = true
		}
	}
	if len(c.badAccts) > 0 && c.badAccts[x.id] {
		x.skip = true
	}
}

// conflicting reports, as ambiguous_identity, an account with several
// distinct access records in one plan family. Which of them is right
// cannot be told, so the account is not judged further.
func (c *comparison) conflicting(x *acct) bool {
	if len(x.rows) < 2 {
		return false
	}
	conflict := false
	for i := range x.rows {
		for j := i + 1; j < len(x.rows); j++ {
			conflict = conflict || x.rows[i].family == x.rows[j].family
		}
	}
	if !conflict {
		return false
	}
	desc := make([]string, len(x.rows))
	for i := range x.rows {
		desc[i] = describeRow(x.rows[i].g)
	}
	c.add(Finding{
		Kind: AmbiguousIdentity, Severity: Medium, Account: x.id,
		CustomerID: firstCustomer(x), Subscriptions: x.namedSubs(),
		Field: "rows", Stripe: describeSubs(x.subs, c.asOf),
		Internal: strings.Join(desc, "; "),
		Rule: "the account has several access records in one plan family " +
			"that disagree, so it is not judged on access, plan, seats or expiry",
		LinkedBy: c.linkedBy(x.subs),
	})
	return true
}

// compareGrants orders grants by every field, so that equal means
// identical.
func compareGrants(a, b *source.Grant) int {
	return cmp.Or(
		cmp.Compare(a.AccountID, b.AccountID),
		cmp.Compare(a.SubscriptionID, b.SubscriptionID),
		cmp.Compare(a.CustomerID, b.CustomerID),
		cmp.Compare(a.Plan, b.Plan),
		compareBool(a.Active, b.Active),
		a.Expires.Compare(b.Expires),
		compareSeats(a.Seats, b.Seats),
	)
}

func compareBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}

func compareSeats(a, b *int64) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return -1
	case b == nil:
		return 1
	}
	return cmp.Compare(*a, *b)
}

// sameSubscription reports whether two records of one subscription carry
// the same data.
func sameSubscription(a, b *source.Subscription) bool {
	same := a.ID == b.ID && a.CustomerID == b.CustomerID &&
		a.Status == b.Status && a.CancelAtPeriodEnd == b.CancelAtPeriodEnd &&
		a.CurrentPeriodEnd.Equal(b.CurrentPeriodEnd) &&
		a.CancelAt.Equal(b.CancelAt) && a.CanceledAt.Equal(b.CanceledAt) &&
		a.EndedAt.Equal(b.EndedAt) && a.TrialEnd.Equal(b.TrialEnd) &&
		a.Created.Equal(b.Created) && a.ScheduleID == b.ScheduleID &&
		a.Livemode == b.Livemode && a.Incomplete == b.Incomplete &&
		len(a.Metadata) == len(b.Metadata) &&
		slices.EqualFunc(a.Items, b.Items, sameItem)
	for k, v := range a.Metadata {
		w, ok := b.Metadata[k]
		same = same && ok && v == w
	}
	pa, pb := a.PauseCollection, b.PauseCollection
	if pa == nil || pb == nil {
		return same && pa == pb
	}
	return same && pa.Behavior == pb.Behavior && pa.ResumesAt.Equal(pb.ResumesAt)
}

func sameItem(a, b source.Item) bool {
	return a.PriceID == b.PriceID && a.ProductID == b.ProductID &&
		a.LookupKey == b.LookupKey && a.Quantity == b.Quantity &&
		a.CurrentPeriodEnd.Equal(b.CurrentPeriodEnd)
}

package compare

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// checkAccess compares expected with actual access, and where both sides
// grant access goes on to plan, seats and expiry.
func (c *comparison) checkAccess(x *acct) {
	switch {
	case x.ent && !x.on:
		c.paidWithoutAccess(x)
	case !x.ent && x.paid && len(x.subs) == 0 && !x.storesIDs():
		c.missingStripeID(x)
	case !x.ent && x.paid:
		c.accessWithoutPayment(x)
	case x.ent && x.on:
		c.checkPlan(x)
		c.checkSeats(x)
		c.checkExpiry(x)
	}
}

func (c *comparison) paidWithoutAccess(x *acct) {
	internal, rule := "no access record",
		"Stripe entitles the account at the as-of time, but it has no access record"
	if len(x.rows) > 0 {
		internal, rule = "access off",
			"Stripe entitles the account at the as-of time, but its access is off"
	}
	ent := x.entitling()
	c.add(Finding{
		Kind: PaidWithoutAccess, Severity: High, Direction: UnderGranted,
		Account: x.id, CustomerID: firstCustomer(x), Subscriptions: subIDs(ent),
		Plan:  c.billedNames(x, ""),
		Field: "access", Stripe: "entitled by " + describeSubs(ent, c.asOf),
		Internal: internal, Rule: rule, LinkedBy: c.linkedBy(ent),
	})
}

func (c *comparison) accessWithoutPayment(x *acct) {
	f := Finding{
		Kind: AccessWithoutPayment, Severity: High, Direction: OverGranted,
		Account: x.id, CustomerID: firstCustomer(x), Plan: x.grantedPlans(),
		Field: "access", Stripe: "no subscription", Internal: "access on",
		Rule: "access is on, but no subscription in Stripe entitles the " +
			"account at the as-of time",
	}
	if len(x.subs) > 0 {
		f.Subscriptions = subIDs(x.subs)
		f.Stripe = "not entitled: " + describeSubs(x.subs, c.asOf)
		f.LinkedBy = c.linkedBy(x.subs)
	} else {
		f.Subscriptions = x.storedSubs()
		f.Tried = slices.Clone(c.tried)
	}
	c.add(f)
}

func (c *comparison) missingStripeID(x *acct) {
	c.add(Finding{
		Kind: MissingIdentifier, Severity: Medium, Account: x.id,
		Plan: x.grantedPlans(), Field: "stripe id", Stripe: "none",
		Internal: "access on, no Stripe customer or subscription id",
		Rule: "access is on for a paid plan, but the access record carries " +
			"no Stripe id and no subscription names the account",
		Tried: slices.Clone(c.tried),
	})
}

// checkPlan reports each granted plan that is not among the plans the
// entitling subscriptions bill. Items whose price maps to no plan are left
// to unmapped_price.
func (c *comparison) checkPlan(x *acct) {
	if !c.planCheck || len(c.billed(x)) == 0 {
		return
	}
	for i := range x.judged {
		r := &x.judged[i]
		if c.isBilled(x, r.g.Plan) || seenPlan(x.judged[:i], r.g.Plan) {
			continue
		}
		shown := c.billedNames(x, r.family)
		if shown == "" {
			shown = c.billedNames(x, "")
		}
		ent := x.entitling()
		c.add(Finding{
			Kind: PlanMismatch, Severity: Medium, Account: x.id,
			CustomerID: firstCustomer(x), Subscriptions: subIDs(ent),
			Plan: r.g.Plan, Field: "plan", Stripe: shown,
			Internal: orNone(r.g.Plan),
			Rule:     "the plan billed in Stripe differs from the plan granted",
			LinkedBy: c.linkedBy(ent),
		})
	}
}

func seenPlan(rows []rowView, plan string) bool {
	for i := range rows {
		if rows[i].g.Plan == plan {
			return true
		}
	}
	return false
}

// billed collects into x.billed the distinct plan numbers that the
// entitling subscriptions' items map to.
func (c *comparison) billed(x *acct) []int32 {
	x.billed = x.billed[:0]
	for i := range x.subs {
		v := &x.subs[i]
		if !v.ent {
			continue
		}
		for _, ref := range x.refs[v.lo:v.hi] {
			if ref != noPlan && !slices.Contains(x.billed, ref) {
				x.billed = append(x.billed, ref)
			}
		}
	}
	return x.billed
}

func (c *comparison) isBilled(x *acct, plan string) bool {
	for _, ref := range x.billed {
		if c.cat.name(ref) == plan {
			return true
		}
	}
	return false
}

// billedNames lists, sorted, the billed plans of one family, or of every
// family when family is empty.
func (c *comparison) billedNames(x *acct, family string) string {
	x.names = x.names[:0]
	for _, ref := range c.billed(x) {
		if family == "" || c.cat.plans[ref].family == family {
			x.names = append(x.names, c.cat.name(ref))
		}
	}
	slices.Sort(x.names)
	return strings.Join(x.names, ", ")
}

// checkSeats compares the quantity billed on per-seat items with the seats
// granted.
func (c *comparison) checkSeats(x *acct) {
	if !c.seatCheck {
		return
	}
	var billed, granted int64
	perSeat, hasSeats := false, false
	for i := range x.subs {
		v := &x.subs[i]
		for j, ref := range x.refs[v.lo:v.hi] {
			if v.ent && ref != noPlan && c.cat.plans[ref].perSeat {
				perSeat = true
				billed += v.s.Items[j].Quantity
			}
		}
	}
	for i := range x.judged {
		if s := x.judged[i].g.Seats; s != nil {
			hasSeats = true
			granted += *s
		}
	}
	if !perSeat || !hasSeats || billed == granted {
		return
	}
	dir := OverGranted
	if granted < billed {
		dir = UnderGranted
	}
	ent := x.entitling()
	c.add(Finding{
		Kind: SeatMismatch, Severity: Medium, Direction: dir, Account: x.id,
		CustomerID: firstCustomer(x), Subscriptions: subIDs(ent),
		Plan: x.grantedPlans(), Field: "seats",
		Stripe:   strconv.FormatInt(billed, 10),
		Internal: strconv.FormatInt(granted, 10),
		Rule:     "the seats granted differ from the quantity billed on per-seat items",
		LinkedBy: c.linkedBy(ent),
	})
}

// checkExpiry compares each judged row's expiry with the effective end of
// the entitling subscriptions of its plan family (or of all entitling
// subscriptions when none is of that family).
func (c *comparison) checkExpiry(x *acct) {
	if !c.expiryCheck {
		return
	}
	for i := range x.judged {
		c.checkRowExpiry(x, &x.judged[i])
	}
}

func (c *comparison) checkRowExpiry(x *acct, r *rowView) {
	family := r.family
	if !c.hasFamily(x, family) {
		family = ""
	}
	var end time.Time
	renews := false
	for i := range x.subs {
		v := &x.subs[i]
		if !v.ent || (family != "" && !c.subHasFamily(x, v, family)) {
			continue
		}
		renews = renews || !v.final
		if v.end.After(end) {
			end = v.end
		}
	}
	exp := r.g.Expires
	var d time.Duration
	switch {
	case exp.IsZero() && renews, end.IsZero():
		return // open-ended access agrees with a renewal; unknown ends
	case exp.IsZero():
		d = 1 // open-ended against a final end: access outlasts it
	default:
		d = exp.Sub(end)
		if d.Abs() <= time.Duration(c.p.ExpiryTolerance) {
			return
		}
	}
	c.periodMismatch(x, r, family, end, renews, d)
}

func (c *comparison) periodMismatch(x *acct, r *rowView, family string,
	end time.Time, renews bool, d time.Duration) {
	dir := OverGranted
	if d < 0 {
		dir = UnderGranted
	}
	var ids []string
	for i := range x.subs {
		v := &x.subs[i]
		if v.ent && (family == "" || c.subHasFamily(x, v, family)) {
			ids = append(ids, v.s.ID)
		}
	}
	stripe := formatTime(end) + " (ends)"
	if renews {
		stripe = formatTime(end) + " (renews)"
	}
	internal := "open-ended"
	if !r.g.Expires.IsZero() {
		internal = formatTime(r.g.Expires)
	}
	c.add(Finding{
		Kind: PeriodMismatch, Severity: Low, Direction: dir, Account: x.id,
		CustomerID: firstCustomer(x), Subscriptions: ids, Plan: r.g.Plan,
		Field: "expiry", Stripe: stripe, Internal: internal,
		Rule: "Stripe's effective end differs from the internal expiry " +
			"by more than the tolerance",
		LinkedBy: c.linkedBy(x.entitling()),
	})
}

// hasFamily reports whether an entitling subscription bills a plan of
// family.
func (c *comparison) hasFamily(x *acct, family string) bool {
	for i := range x.subs {
		if x.subs[i].ent && c.subHasFamily(x, &x.subs[i], family) {
			return true
		}
	}
	return false
}

func (c *comparison) subHasFamily(x *acct, v *subView, family string) bool {
	for _, ref := range x.refs[v.lo:v.hi] {
		if ref != noPlan && c.cat.plans[ref].family == family {
			return true
		}
	}
	return false
}

// checkDuplicates reports plan families with more than one live
// subscription. Ended subscriptions never count; an add-on is its own
// family.
func (c *comparison) checkDuplicates(x *acct) {
	live := 0
	for i := range x.subs {
		if x.subs[i].st.live() {
			live++
		}
	}
	if live < 2 {
		return
	}
	x.pairs = x.pairs[:0]
	for i := range x.subs {
		v := &x.subs[i]
		if !v.st.live() {
			continue
		}
		for _, ref := range x.refs[v.lo:v.hi] {
			p := famSub{family: c.cat.family(ref, ""), sub: i}
			if ref != noPlan && !slices.Contains(x.pairs, p) {
				x.pairs = append(x.pairs, p)
			}
		}
	}
	slices.SortFunc(x.pairs, func(a, b famSub) int {
		return cmp.Or(cmp.Compare(a.family, b.family), cmp.Compare(a.sub, b.sub))
	})
	for lo := 0; lo < len(x.pairs); {
		hi := lo + 1
		for hi < len(x.pairs) && x.pairs[hi].family == x.pairs[lo].family {
			hi++
		}
		if hi-lo > 1 {
			c.duplicate(x, x.pairs[lo:hi])
		}
		lo = hi
	}
}

func (c *comparison) duplicate(x *acct, group []famSub) {
	family := group[0].family
	subs := make([]subView, len(group))
	for i, p := range group {
		subs[i] = x.subs[p.sub]
	}
	internal := "no plan of this family"
	for i := range x.rows {
		if r := &x.rows[i]; r.family == family {
			internal = orNone(r.g.Plan) + " " + onOff(r.g.Active)
		}
	}
	c.add(Finding{
		Kind: DuplicateSubscriptions, Severity: Medium, Account: x.id,
		CustomerID: firstCustomer(x), Subscriptions: subIDs(subs),
		Plan: family, Field: "subscriptions",
		Stripe:   strconv.Itoa(len(subs)) + " live: " + describeSubs(subs, c.asOf),
		Internal: internal,
		Rule: "more than one live subscription in the same plan family " +
			"bills the account",
		LinkedBy: c.linkedBy(subs),
	})
}

// checkPrices reports each item of a live or entitling subscription whose
// price maps to no plan.
func (c *comparison) checkPrices(x *acct) {
	for i := range x.subs {
		v := &x.subs[i]
		if !v.ent && !v.st.live() {
			continue
		}
		for j, ref := range x.refs[v.lo:v.hi] {
			if ref == noPlan && !repeatsPrice(v, j) {
				c.unmapped(x, v, j)
			}
		}
	}
}

// repeatsPrice reports whether an earlier item of v has item j's price.
func repeatsPrice(v *subView, j int) bool {
	key := priceKey(&v.s.Items[j])
	for k := range j {
		if priceKey(&v.s.Items[k]) == key {
			return true
		}
	}
	return false
}

func (c *comparison) unmapped(x *acct, v *subView, j int) {
	it := &v.s.Items[j]
	c.add(Finding{
		Kind: UnmappedPrice, Severity: Medium, Account: x.id,
		CustomerID: v.s.CustomerID, Subscriptions: []string{v.s.ID},
		Price: priceKey(it), Field: "price", Stripe: describeItem(it),
		Internal: "no plan",
		Rule:     "the price maps to no plan by price id, lookup key or product id",
		LinkedBy: c.linkName(v.by),
	})
}

// addNotes adds information that is not drift: scheduled cancellations of
// entitling subscriptions, and stored subscription ids that have ended
// while another subscription entitles the account.
func (c *comparison) addNotes(x *acct) {
	for i := range x.subs {
		v := &x.subs[i]
		if v.ent && v.final && v.s.EndedAt.IsZero() && !v.st.ended() &&
			v.end.After(c.asOf) {
			c.note(x.id, v.s.ID, "cancellation scheduled for "+formatTime(v.end))
		}
	}
	if !x.ent {
		return
	}
	for i := range x.rows {
		id := x.rows[i].g.SubscriptionID
		for j := range x.subs {
			if v := &x.subs[j]; v.s.ID == id && !v.ent && !v.st.live() {
				c.note(x.id, id, "stored subscription id has ended ("+
					v.s.Status+"); "+subIDsText(x.entitling())+
					" entitles the account")
			}
		}
	}
}

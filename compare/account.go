package compare

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/driftexact/driftexact/source"
)

// checkAccount compares one account's grant with its linked subscriptions.
func (c *comparison) checkAccount(acct string) {
	links := c.linked[acct]
	g, hasGrant := c.accountGrant(acct)
	var entitled []link
	for _, l := range links {
		if c.entitles(l.sub) {
			entitled = append(entitled, l)
		}
	}
	c.checkDuplicates(acct, links)
	c.checkPrices(acct, links)
	active := hasGrant && g.Active
	switch {
	case len(entitled) > 0 && !active:
		c.paidWithoutAccess(acct, g, hasGrant, entitled)
	case len(entitled) == 0 && active && !slices.Contains(c.p.NoBilling, g.Plan):
		c.accessWithoutPayment(acct, g, links)
	case len(entitled) > 0 && active:
		c.checkPlan(acct, g, entitled)
		c.checkSeats(acct, g, entitled)
		c.checkExpiry(acct, g, entitled)
	}
}

// accountGrant returns the grant that stands for the account: its first
// active row, or its first row. Rows that disagree on plan or access are
// reported as ambiguous_identity.
func (c *comparison) accountGrant(acct string) (source.Grant, bool) {
	idx := c.grantsByAccount[acct]
	if len(idx) == 0 {
		return source.Grant{}, false
	}
	g := c.grants[idx[0]]
	for _, i := range idx {
		if c.grants[i].Active {
			g = c.grants[i]
			break
		}
	}
	var rows []string
	conflict := false
	for _, i := range idx {
		o := c.grants[i]
		rows = append(rows, o.Plan+"/"+onOff(o.Active))
		if o.Plan != g.Plan || o.Active != g.Active {
			conflict = true
		}
	}
	if conflict {
		c.add(Finding{
			Kind: AmbiguousIdentity, Severity: Medium, Account: acct,
			Field: "rows", Stripe: "", Internal: strings.Join(rows, ", "),
			Rule: "one account has several access rows that disagree",
		})
	}
	return g, true
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

func subIDs(links []link) []string {
	ids := make([]string, len(links))
	for i, l := range links {
		ids[i] = l.sub.ID
	}
	return ids
}

func describeSubs(links []link) string {
	parts := make([]string, len(links))
	for i, l := range links {
		parts[i] = l.sub.ID + " " + l.sub.Status
	}
	return strings.Join(parts, ", ")
}

func (c *comparison) paidWithoutAccess(acct string, g source.Grant, has bool, ent []link) {
	internal := "no access record"
	if has {
		internal = "access off"
	}
	c.add(Finding{
		Kind: PaidWithoutAccess, Severity: High, Direction: UnderGranted,
		Account: acct, CustomerID: ent[0].sub.CustomerID, Subscriptions: subIDs(ent),
		Plan:  g.Plan,
		Field: "access", Stripe: "entitled (" + describeSubs(ent) + ")", Internal: internal,
		Rule:     "Stripe entitles the account at the as-of time but access is not on",
		LinkedBy: ent[0].by,
	})
}

func (c *comparison) accessWithoutPayment(acct string, g source.Grant, links []link) {
	if g.CustomerID == "" && g.SubscriptionID == "" && len(links) == 0 {
		c.add(Finding{
			Kind: MissingIdentifier, Severity: High, Account: acct, Plan: g.Plan,
			Field: "stripe id", Stripe: "none", Internal: "access on, no Stripe id",
			Rule:  "a paid grant carries no Stripe customer or subscription id",
			Tried: linkNames(c.p.links()),
		})
		return
	}
	stripe := "no subscription"
	if len(links) > 0 {
		stripe = "not entitled (" + describeSubs(links) + ")"
	}
	f := Finding{
		Kind: AccessWithoutPayment, Severity: High, Direction: OverGranted,
		Account: acct, CustomerID: g.CustomerID, Subscriptions: subIDs(links),
		Plan: g.Plan, Field: "access", Stripe: stripe, Internal: "access on",
		Rule: "access is on but no subscription entitles the account at the as-of time",
	}
	if len(links) > 0 {
		f.LinkedBy = links[0].by
	} else {
		f.Tried = linkNames(c.p.links())
		if g.SubscriptionID != "" {
			f.Subscriptions = []string{g.SubscriptionID}
		}
	}
	c.add(f)
}

func linkNames(ls []Link) []string {
	out := make([]string, len(ls))
	for i, l := range ls {
		out[i] = l.String()
	}
	return out
}

// checkDuplicates reports more than one live subscription in one plan
// family. Ended subscriptions never count.
func (c *comparison) checkDuplicates(acct string, links []link) {
	byFamily := map[string][]link{}
	for _, l := range links {
		if !isLive(l.sub.Status) {
			continue
		}
		seen := map[string]bool{}
		for _, it := range l.sub.Items {
			plan, ok := c.p.resolvePrice(it.PriceID, it.LookupKey, it.ProductID)
			if !ok {
				continue
			}
			fam := c.p.family(plan)
			if !seen[fam] {
				seen[fam] = true
				byFamily[fam] = append(byFamily[fam], l)
			}
		}
	}
	for _, fam := range sortedKeys(byFamily) {
		ls := byFamily[fam]
		if len(ls) < 2 {
			continue
		}
		c.add(Finding{
			Kind: DuplicateSubscriptions, Severity: Medium, Account: acct,
			CustomerID: ls[0].sub.CustomerID, Subscriptions: subIDs(ls), Plan: fam,
			Field: "subscriptions", Stripe: describeSubs(ls), Internal: "one expected",
			Rule:     "more than one live subscription in the same plan family",
			LinkedBy: ls[0].by,
		})
	}
}

// checkPrices reports items of live subscriptions whose price maps to no
// plan.
func (c *comparison) checkPrices(acct string, links []link) {
	for _, l := range links {
		if !isLive(l.sub.Status) {
			continue
		}
		for _, it := range l.sub.Items {
			if _, ok := c.p.resolvePrice(it.PriceID, it.LookupKey, it.ProductID); ok {
				continue
			}
			c.add(Finding{
				Kind: UnmappedPrice, Severity: Medium, Account: acct,
				CustomerID: l.sub.CustomerID, Subscriptions: []string{l.sub.ID},
				Field: "price", Stripe: it.PriceID, Internal: "no plan",
				Rule:     "the price maps to no plan by id, lookup key or product",
				LinkedBy: l.by,
			})
		}
	}
}

// mappedPlans returns the sorted plans that the entitling items map to.
func (c *comparison) mappedPlans(ent []link) []string {
	var plans []string
	for _, l := range ent {
		for _, it := range l.sub.Items {
			if plan, ok := c.p.resolvePrice(it.PriceID, it.LookupKey, it.ProductID); ok &&
				!slices.Contains(plans, plan) {
				plans = append(plans, plan)
			}
		}
	}
	slices.Sort(plans)
	return plans
}

func (c *comparison) checkPlan(acct string, g source.Grant, ent []link) {
	plans := c.mappedPlans(ent)
	if len(plans) == 0 || slices.Contains(plans, g.Plan) {
		return
	}
	// Show the plans of the grant's family when there are any, so an
	// add-on does not clutter the comparison.
	shown := slices.DeleteFunc(slices.Clone(plans), func(p string) bool {
		return c.p.family(p) != c.p.family(g.Plan)
	})
	if len(shown) == 0 {
		shown = plans
	}
	c.add(Finding{
		Kind: PlanMismatch, Severity: Medium, Account: acct,
		CustomerID: ent[0].sub.CustomerID, Subscriptions: subIDs(ent), Plan: g.Plan,
		Field: "plan", Stripe: strings.Join(shown, ", "), Internal: g.Plan,
		Rule:     "the plan billed in Stripe differs from the plan granted",
		LinkedBy: ent[0].by,
	})
}

func (c *comparison) checkSeats(acct string, g source.Grant, ent []link) {
	if g.Seats == nil || slices.Contains(c.in.Unavailable, "seats") {
		return
	}
	var billed int64
	perSeat := false
	for _, l := range ent {
		for _, it := range l.sub.Items {
			plan, ok := c.p.resolvePrice(it.PriceID, it.LookupKey, it.ProductID)
			if ok && c.p.Plans[plan].PerSeat {
				perSeat = true
				billed += it.Quantity
			}
		}
	}
	if !perSeat || billed == *g.Seats {
		return
	}
	dir := OverGranted
	if *g.Seats < billed {
		dir = UnderGranted
	}
	c.add(Finding{
		Kind: SeatMismatch, Severity: Medium, Direction: dir, Account: acct,
		CustomerID: ent[0].sub.CustomerID, Subscriptions: subIDs(ent), Plan: g.Plan,
		Field: "seats", Stripe: strconv.FormatInt(billed, 10), Internal: formatSeats(g.Seats),
		Rule:     "the seats granted differ from the quantity billed",
		LinkedBy: ent[0].by,
	})
}

// checkExpiry compares the internal expiry with Stripe's effective end of
// the entitling subscription that runs longest.
func (c *comparison) checkExpiry(acct string, g source.Grant, ent []link) {
	if slices.Contains(c.in.Unavailable, "expires") {
		return
	}
	best := ent[0]
	end, final := effectiveEnd(best.sub)
	for _, l := range ent[1:] {
		e, f := effectiveEnd(l.sub)
		if e.After(end) || (e.Equal(end) && final && !f) {
			best, end, final = l, e, f
		}
	}
	if final && !best.sub.CancelAt.IsZero() {
		c.notes = append(c.notes, Note{
			Account: acct, Subscription: best.sub.ID,
			Text: "cancellation scheduled for " + formatTime(end),
		})
	}
	tol := time.Duration(c.p.ExpiryTolerance)
	var mismatch bool
	switch {
	case g.Expires.IsZero():
		mismatch = final
	case end.IsZero():
		return
	default:
		d := g.Expires.Sub(end)
		mismatch = d > tol || d < -tol
	}
	if !mismatch {
		return
	}
	stripe := formatTime(end)
	if !final {
		stripe += " (renews)"
	}
	internal := formatTime(g.Expires)
	if g.Expires.IsZero() {
		internal = "open-ended"
	}
	c.add(Finding{
		Kind: PeriodMismatch, Severity: Low, Account: acct,
		CustomerID: best.sub.CustomerID, Subscriptions: []string{best.sub.ID}, Plan: g.Plan,
		Field: "expiry", Stripe: stripe, Internal: internal,
		Rule:     "Stripe's effective end differs from the internal expiry beyond the tolerance",
		LinkedBy: best.by,
	})
}

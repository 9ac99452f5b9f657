package compare

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/driftexact/driftexact/source"
)

// This file holds the helpers that describe records in findings. They run
// only when a finding or note is made, never for an account in agreement.

// entitling returns the subscriptions of x that entitle.
func (x *acct) entitling() []subView {
	var out []subView
	for _, v := range x.subs {
		if v.ent {
			out = append(out, v)
		}
	}
	return out
}

// storesIDs reports whether a judged row carries a Stripe id.
func (x *acct) storesIDs() bool {
	for i := range x.judged {
		if g := x.judged[i].g; g.SubscriptionID != "" || g.CustomerID != "" {
			return true
		}
	}
	return false
}

// storedSubs returns the distinct subscription ids x's rows store, sorted.
func (x *acct) storedSubs() []string {
	var ids []string
	for i := range x.rows {
		if id := x.rows[i].g.SubscriptionID; id != "" {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return slices.Compact(ids)
}

// namedSubs returns, sorted and distinct, the subscription ids x's rows
// store and those of its linked subscriptions: every id that a
// description of both sides names.
func (x *acct) namedSubs() []string {
	ids := x.storedSubs()
	for i := range x.subs {
		ids = append(ids, x.subs[i].s.ID)
	}
	slices.Sort(ids)
	return slices.Compact(ids)
}

// grantedPlans lists the plans of the judged rows.
func (x *acct) grantedPlans() string {
	var plans []string
	for i := range x.judged {
		plans = append(plans, x.judged[i].g.Plan)
	}
	slices.Sort(plans)
	return strings.Join(slices.Compact(plans), ", ")
}

// firstCustomer returns the customer id of x's first subscription that has
// one, else the first one a row stores.
func firstCustomer(x *acct) string {
	for i := range x.subs {
		if id := x.subs[i].s.CustomerID; id != "" {
			return id
		}
	}
	for i := range x.rows {
		if id := x.rows[i].g.CustomerID; id != "" {
			return id
		}
	}
	return ""
}

func subIDs(subs []subView) []string {
	ids := make([]string, len(subs))
	for i := range subs {
		ids[i] = subs[i].s.ID
	}
	return ids
}

func subIDsText(subs []subView) string {
	return strings.Join(subIDs(subs), ", ")
}

// linkedBy lists, in profile order, the strategies that linked subs.
func (c *comparison) linkedBy(subs []subView) string {
	var names []string
	for k := range c.links {
		for i := range subs {
			if subs[i].by == int32(k) {
				names = append(names, c.tried[k])
				break
			}
		}
	}
	return strings.Join(names, ", ")
}

func (c *comparison) linkName(by int32) string {
	if by < 0 {
		return ""
	}
	return c.tried[by]
}

func describeSubs(subs []subView, asOf time.Time) string {
	parts := make([]string, len(subs))
	for i := range subs {
		parts[i] = describeSub(&subs[i], asOf)
	}
	return strings.Join(parts, "; ")
}

// describeSub says what a subscription's state is, and why it does not
// entitle when it does not.
func describeSub(v *subView, asOf time.Time) string {
	var b strings.Builder
	b.WriteString(v.s.ID)
	b.WriteString(" ")
	b.WriteString(v.s.Status)
	switch {
	case v.st == statusUnknown:
		b.WriteString(" (unknown status)")
	case v.st == statusActive && collectionPaused(v.s, asOf):
		b.WriteString(", collection paused")
	}
	switch {
	case v.end.IsZero():
	case v.final && v.end.After(asOf):
		b.WriteString(", cancels " + formatTime(v.end))
	case v.final:
		b.WriteString(", ended " + formatTime(v.end))
	case !v.end.After(asOf):
		b.WriteString(", period ended " + formatTime(v.end))
	}
	return b.String()
}

func describeRow(g *source.Grant) string {
	s := orNone(g.Plan) + " " + onOff(g.Active)
	if g.Seats != nil {
		s += ", " + strconv.FormatInt(*g.Seats, 10) + " seats"
	}
	if !g.Expires.IsZero() {
		s += ", until " + formatTime(g.Expires)
	}
	if g.SubscriptionID != "" {
		s += ", " + g.SubscriptionID
	}
	return s
}

func describeItem(it *source.Item) string {
	s := orNone(it.PriceID)
	if it.LookupKey != "" {
		s += ", lookup key " + it.LookupKey
	}
	if it.ProductID != "" {
		s += ", product " + it.ProductID
	}
	return s
}

// priceKey names an item's price: its id, else its lookup key or product.
func priceKey(it *source.Item) string {
	switch {
	case it.PriceID != "":
		return it.PriceID
	case it.LookupKey != "":
		return it.LookupKey
	}
	return it.ProductID
}

func onOff(on bool) string {
	if on {
		return "on"
	}
	return "off"
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

func formatTime(t time.Time) string {
	if t.IsZero() {
		return "none"
	}
	return t.UTC().Format(time.RFC3339)
}

package compare

import (
	"slices"
	"strings"

	"github.com/driftexact/driftexact/source"
)

// indexGrants numbers the accounts and indexes the Stripe ids that access
// records store.
func (c *comparison) indexGrants() {
	gs := c.in.Grants
	c.acctNum = make(map[string]int32, len(gs))
	c.acctIDs = make([]string, 0, len(gs))
	c.bySub = make(map[string]int32, len(gs))
	c.byCus = make(map[string]int32, len(gs))
	c.grantAcct = make([]int32, len(gs))
	for i := range gs {
		g := &gs[i]
		if g.AccountID == "" {
			c.grantAcct[i] = noAccount
			c.incomplete("access", cmp0(g.SubscriptionID, g.CustomerID),
				"access record has no account id")
			continue
		}
		a := c.account(g.AccountID)
		c.grantAcct[i] = a
		if g.SubscriptionID != "" {
			c.store(c.bySub, &c.multiSub, g.SubscriptionID, a)
		}
		if g.CustomerID != "" {
			c.store(c.byCus, &c.multiCus, g.CustomerID, a)
		}
	}
}

// cmp0 returns the first non-empty string.
func cmp0(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// account returns the number of account id, numbering it if new.
func (c *comparison) account(id string) int32 {
	if a, ok := c.acctNum[id]; ok {
		return a
	}
	a := int32(len(c.acctIDs))
	c.acctNum[id] = a
	c.acctIDs = append(c.acctIDs, id)
	return a
}

// store records that account a stores Stripe id id. An id stored on
// several accounts maps to severalAccounts, and multi lists them.
func (c *comparison) store(m map[string]int32, multi *map[string][]int32,
	id string, a int32) {
	prev, ok := m[id]
	switch {
	case !ok:
		m[id] = a
	case prev == a:
	case prev == severalAccounts:
		if !slices.Contains((*multi)[id], a) {
			(*multi)[id] = append((*multi)[id], a)
		}
	default:
		if *multi == nil {
			*multi = map[string][]int32{}
		}
		m[id] = severalAccounts
		(*multi)[id] = []int32{prev, a}
	}
}

// linkSubscriptions ties each subscription to an account by the profile's
// strategies, in order.
func (c *comparison) linkSubscriptions() {
	subs := c.in.Subscriptions
	c.subAcct = make([]int32, len(subs))
	c.subBy = make([]int32, len(subs))
	for i := range subs {
		s := &subs[i]
		if parseStatus(s.Status) == statusUnknown {
			if c.unknown == nil {
				c.unknown = map[string]bool{}
			}
			c.unknown[s.Status] = true
		}
		if s.Incomplete != "" && s.ID != "" {
			c.incomplete("billing", s.ID, s.Incomplete)
		}
		if s.ID == "" {
			c.subAcct[i] = noAccount
			c.subBy[i] = -1
			c.incomplete("billing", s.CustomerID, "subscription has no id")
			continue
		}
		c.subAcct[i], c.subBy[i] = c.link(s)
		if c.subAcct[i] == severalAccounts {
			c.noteAmbiguous(int32(i))
		}
	}
}

// link returns the account s links to and the index of the strategy that
// linked it; noAccount and -1 when none did. It stops at the first
// strategy that finds anything, even several accounts.
func (c *comparison) link(s *source.Subscription) (int32, int32) {
	for k := range c.links {
		l := &c.links[k]
		a, ok := noAccount, false
		switch l.By {
		case BySubscriptionID:
			a, ok = c.bySub[s.ID]
		case ByCustomerID:
			if s.CustomerID != "" {
				a, ok = c.byCus[s.CustomerID]
			}
		case ByMetadata:
			if v := s.Metadata[l.Key]; v != "" {
				a, ok = c.account(v), true
			}
		}
		if ok {
			return a, int32(k)
		}
	}
	return noAccount, -1
}

// noteAmbiguous remembers a subscription that met a Stripe id stored on
// several accounts.
func (c *comparison) noteAmbiguous(i int32) {
	s := c.subscription(i)
	if c.links[c.subBy[i]].By == BySubscriptionID {
		if c.ambSubCustomer == nil {
			c.ambSubCustomer = map[string]string{}
		}
		// Keep the smallest customer id, whatever the order of records.
		if prev, ok := c.ambSubCustomer[s.ID]; !ok || prev == "" ||
			(s.CustomerID != "" && s.CustomerID < prev) {
			c.ambSubCustomer[s.ID] = s.CustomerID
		}
		return
	}
	c.ambCustomer = append(c.ambCustomer, i)
}

// group lists each account's records, and marks as held the accounts that
// share a Stripe id with another.
func (c *comparison) group() {
	n := len(c.acctIDs)
	c.held = make([]bool, n)
	c.grantStart, c.grantOrder = groupBy(c.grantAcct, n)
	c.subStart, c.subOrder = groupBy(c.subAcct, n)
	for _, accts := range c.multiSub {
		for _, a := range accts {
			c.held[a] = true
		}
	}
	for _, i := range c.ambCustomer {
		for _, a := range c.multiCus[c.subscription(i).CustomerID] {
			c.held[a] = true
		}
	}
}

// groupBy is a counting sort: it returns, for n groups, where each group
// starts in order and the record indexes in group order. Records whose
// group is negative are left out.
func groupBy(groupOf []int32, n int) (start, order []int32) {
	start = make([]int32, n+1)
	for _, g := range groupOf {
		if g >= 0 {
			start[g+1]++
		}
	}
	for i := 1; i <= n; i++ {
		start[i] += start[i-1]
	}
	order = make([]int32, start[n])
	next := slices.Clone(start[:n])
	for i, g := range groupOf {
		if g >= 0 {
			order[next[g]] = int32(i)
			next[g]++
		}
	}
	return start, order
}

// reportUnlinked reports live or entitling subscriptions that link to no
// account. Ended subscriptions with no account are normal, and incomplete
// ones raise nothing.
func (c *comparison) reportUnlinked() {
	for i, a := range c.subAcct {
		if a != noAccount {
			continue
		}
		s := c.subscription(int32(i))
		if s.ID == "" || s.Incomplete != "" || c.badSubs[s.ID] {
			continue
		}
		v := c.view(s, -1)
		if !v.ent && !v.st.live() {
			continue
		}
		sev := Medium
		if v.ent {
			sev = High
		}
		c.add(Finding{
			Kind: MissingIdentifier, Severity: sev,
			CustomerID: s.CustomerID, Subscriptions: []string{s.ID},
			Field: "account", Stripe: describeSub(&v, c.asOf),
			Internal: "no matching account",
			Rule:     "a live subscription matches no account by any link strategy",
			Tried:    slices.Clone(c.tried),
		})
	}
}

// reportAmbiguous reports Stripe ids stored on several accounts: every
// subscription id, and the customer ids a subscription needed to link.
func (c *comparison) reportAmbiguous() {
	for id, accts := range c.multiSub {
		c.ambiguous(c.ambSubCustomer[id], id, "subscription id "+id, accts,
			"one subscription id is stored on several accounts")
	}
	for _, i := range c.ambCustomer {
		s := c.subscription(i)
		c.ambiguous(s.CustomerID, s.ID, "customer id "+s.CustomerID,
			c.multiCus[s.CustomerID],
			"the subscription's customer id is stored on several accounts")
	}
}

func (c *comparison) ambiguous(cus, sub, stripe string, accts []int32, why string) {
	ids := make([]string, len(accts))
	for i, a := range accts {
		ids[i] = c.acctIDs[a]
	}
	slices.Sort(ids)
	c.add(Finding{
		Kind: AmbiguousIdentity, Severity: Medium,
		CustomerID: cus, Subscriptions: []string{sub}, Accounts: ids,
		Field: "account", Stripe: stripe, Internal: strings.Join(ids, ", "),
		Rule: why + ", so it links to none of them and they are not " +
			"judged on access, plan, seats or expiry",
	})
}

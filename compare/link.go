package compare

import (
	"slices"
	"strings"
)

// indexGrants numbers the accounts and indexes the subscription ids that
// access records store.
func (c *comparison) indexGrants() {
	gs := c.in.Grants
	c.acctSrc = make([]int32, 0, len(gs))
	c.acctNum = newIDIndex(len(gs), c.accountID)
	c.bySub = newIDIndex(len(gs), func(g int32) string { return gs[g].SubscriptionID })
	c.grantAcct = make([]int32, len(gs))
	for i := range gs {
		g := &gs[i]
		if g.AccountID == "" {
			c.grantAcct[i] = noAccount
			c.incomplete("access", firstNonEmpty(g.SubscriptionID, g.CustomerID),
				"access record has no account id")
			continue
		}
		a := c.account(g.AccountID, int32(i))
		c.grantAcct[i] = a
		if g.SubscriptionID != "" {
			c.storeSub(int32(i), a)
		}
	}
}

// firstNonEmpty returns the first non-empty string.
func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// account returns the number of account id, numbering it if new. src
// says where the id is kept: the index of an access record that holds
// it, or -1 when only a subscription's metadata names the account.
func (c *comparison) account(id string, src int32) int32 {
	if src < 0 {
		src = ^int32(len(c.named))
	}
	a, had := c.acctNum.put(id, int32(len(c.acctSrc)))
	if !had {
		if src < 0 {
			c.named = append(c.named, id)
		}
		c.acctSrc = append(c.acctSrc, src)
	}
	return a
}

// accountID returns the id of account a.
func (c *comparison) accountID(a int32) string {
	if src := c.acctSrc[a]; src >= 0 {
		return c.in.Grants[src].AccountID
	}
	return c.named[^c.acctSrc[a]]
}

// storeSub indexes the subscription id that grant g of account a stores.
// An id stored on several accounts is marked shared on the first grant
// that stores it, and multiSub lists its accounts.
func (c *comparison) storeSub(g, a int32) {
	id := c.in.Grants[g].SubscriptionID
	first, had := c.bySub.put(id, g)
	if !had || c.grantAcct[first] == a {
		return
	}
	if c.multiSub == nil {
		c.multiSub = map[string][]int32{}
		c.sharedSub = make([]bool, len(c.in.Grants))
	}
	accts := c.multiSub[id]
	if accts == nil {
		accts = []int32{c.grantAcct[first]}
		c.sharedSub[first] = true
	}
	if !slices.Contains(accts, a) {
		c.multiSub[id] = append(accts, a)
	}
}

// subAccount returns the account that stores subscription id, or
// severalAccounts.
func (c *comparison) subAccount(id string) (int32, bool) {
	g, ok := c.bySub.get(id)
	switch {
	case !ok:
		return noAccount, false
	case c.sharedSub != nil && c.sharedSub[g]:
		return severalAccounts, true
	}
	return c.grantAcct[g], true
}

// storeCustomer records that account a stores customer id id. An id
// stored on several accounts maps to severalAccounts, and multiCus lists
// them.
func (c *comparison) storeCustomer(id string, a int32) {
	prev, ok := c.byCus[id]
	switch {
	case !ok:
		c.byCus[id] = a
	case prev == a:
	case prev == severalAccounts:
		if !slices.Contains(c.multiCus[id], a) {
			c.multiCus[id] = append(c.multiCus[id], a)
		}
	default:
		if c.multiCus == nil {
			c.multiCus = map[string][]int32{}
		}
		c.byCus[id] = severalAccounts
		c.multiCus[id] = []int32{prev, a}
	}
}

// indexCustomers indexes the customer ids that access records store, but
// only those of subscriptions still unlinked: most subscriptions link by
// subscription id, and this keeps the customer index small.
func (c *comparison) indexCustomers() {
	if c.byCus != nil {
		return // a strategy named twice finds the index built
	}
	wanted := map[string]bool{}
	for i, a := range c.subAcct {
		if s := c.subscription(int32(i)); a == noAccount && s.CustomerID != "" {
			wanted[s.CustomerID] = true
		}
	}
	c.byCus = make(map[string]int32, len(wanted))
	if len(wanted) == 0 {
		return
	}
	for i := range c.in.Grants {
		g := &c.in.Grants[i]
		if a := c.grantAcct[i]; a != noAccount && wanted[g.CustomerID] {
			c.storeCustomer(g.CustomerID, a)
		}
	}
}

// linkSubscriptions ties each subscription to an account by the profile's
// strategies. Each strategy in turn is tried on the subscriptions that no
// earlier one linked, which is the same as trying them in order for each
// subscription. A strategy that finds several accounts decides too: the
// subscription is then ambiguous.
func (c *comparison) linkSubscriptions() {
	subs := c.in.Subscriptions
	c.subAcct = make([]int32, len(subs))
	c.subBy = make([]int32, len(subs))
	// The first strategy runs in the same pass as the checks of each
	// record, unless it needs the customer index, which is built from the
	// subscriptions left unlinked.
	first := 0
	if len(c.links) > 0 && c.links[0].By != ByCustomerID {
		first = 1
	}
	for i := range subs {
		if c.admit(int32(i)) && first == 1 {
			c.linkBy(int32(i), 0)
		}
	}
	for k := first; k < len(c.links); k++ {
		if c.links[k].By == ByCustomerID {
			c.indexCustomers()
		}
		for i, a := range c.subAcct {
			if a == noAccount {
				c.linkBy(int32(i), int32(k))
			}
		}
	}
	for i, a := range c.subAcct {
		if a == severalAccounts {
			c.noteAmbiguous(int32(i))
		}
	}
}

// admit notes what coverage needs to know of subscription i (an unknown
// status, an incomplete record) and reports whether it can be linked: a
// subscription without an id cannot.
func (c *comparison) admit(i int32) bool {
	s := c.subscription(i)
	c.subAcct[i], c.subBy[i] = noAccount, -1
	if parseStatus(s.Status) == statusUnknown {
		if c.unknown == nil {
			c.unknown = map[string]bool{}
		}
		c.unknown[s.Status] = true
	}
	switch {
	case s.ID == "":
		c.subAcct[i] = unlinkable
		c.incomplete("billing", s.CustomerID, "subscription has no id")
		return false
	case s.Incomplete != "":
		c.incomplete("billing", s.ID, s.Incomplete)
	}
	return true
}

// linkBy tries strategy k on subscription i.
func (c *comparison) linkBy(i, k int32) {
	s := c.subscription(i)
	l := &c.links[k]
	a, ok := noAccount, false
	switch l.By {
	case BySubscriptionID:
		a, ok = c.subAccount(s.ID)
	case ByCustomerID:
		if s.CustomerID != "" {
			a, ok = c.byCus[s.CustomerID]
		}
	case ByMetadata:
		if v := s.Metadata[l.Key]; v != "" {
			a, ok = c.account(v, -1), true
		}
	}
	if ok {
		c.subAcct[i], c.subBy[i] = a, k
	}
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
	n := len(c.acctSrc)
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
		if s.Incomplete != "" || c.badSubs[s.ID] {
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
		c.ambiguous(c.ambSubCustomer[id], id, id, accts,
			"one subscription id is stored on several accounts")
	}
	for _, i := range c.ambCustomer {
		s := c.subscription(i)
		c.ambiguous(s.CustomerID, s.ID, s.CustomerID,
			c.multiCus[s.CustomerID],
			"the subscription's customer id is stored on several accounts")
	}
}

func (c *comparison) ambiguous(cus, sub, stripe string, accts []int32, why string) {
	ids := make([]string, len(accts))
	for i, a := range accts {
		ids[i] = c.accountID(a)
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

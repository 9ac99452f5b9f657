package compare

import (
	"slices"

	"github.com/driftexact/driftexact/source"
)

// planInfo is one internal plan as the profile describes it.
type planInfo struct {
	name    string
	family  string
	perSeat bool
	free    bool // needs no billing
}

// catalog is a profile's plans and price maps compiled so that an item
// resolves with one map lookup to a plan number.
type catalog struct {
	plans     []planInfo
	byName    map[string]int32
	byPrice   map[string]int32
	byLookup  map[string]int32
	byProduct map[string]int32
	// mapsPrices is false when the profile maps no price at all.
	mapsPrices bool
	// perSeat is true when some plan is billed per seat.
	perSeat bool
	// The last plan name and price id looked up, and what they gave:
	// neighbouring records mostly share them. A catalog belongs to one
	// comparison, so this needs no lock.
	lastName, lastPrice string
	lastPlan, lastRef   int32
}

const noPlan int32 = -1

func newCatalog(p *Profile) *catalog {
	var names []string
	for _, m := range []map[string]string{p.PriceIDs, p.LookupKeys, p.ProductIDs} {
		for _, plan := range m {
			names = append(names, plan)
		}
	}
	for plan := range p.Plans {
		names = append(names, plan)
	}
	names = append(names, p.NoBilling...)
	slices.Sort(names)
	names = slices.Compact(names)

	c := &catalog{byName: make(map[string]int32, len(names))}
	for i, name := range names {
		info := planInfo{name: name, family: p.Plans[name].Family,
			perSeat: p.Plans[name].PerSeat, free: slices.Contains(p.NoBilling, name)}
		if info.family == "" {
			info.family = name
		}
		c.perSeat = c.perSeat || info.perSeat
		c.plans = append(c.plans, info)
		c.byName[name] = int32(i)
	}
	c.byPrice = c.refs(p.PriceIDs)
	c.byLookup = c.refs(p.LookupKeys)
	c.byProduct = c.refs(p.ProductIDs)
	c.mapsPrices = len(c.byPrice)+len(c.byLookup)+len(c.byProduct) > 0
	return c
}

// refs turns a key → plan name map into a key → plan number map, leaving
// out empty keys, which never match.
func (c *catalog) refs(m map[string]string) map[string]int32 {
	out := make(map[string]int32, len(m))
	for k, plan := range m {
		if k != "" {
			out[k] = c.byName[plan]
		}
	}
	return out
}

// resolve maps an item to a plan: by price id, then lookup key, then
// product id. It returns noPlan when nothing matches.
func (c *catalog) resolve(it *source.Item) int32 {
	if it.PriceID == c.lastPrice && it.PriceID != "" {
		return c.lastRef
	}
	if r, ok := c.byPrice[it.PriceID]; ok {
		c.lastPrice, c.lastRef = it.PriceID, r
		return r
	}
	if r, ok := c.byLookup[it.LookupKey]; ok {
		return r
	}
	if r, ok := c.byProduct[it.ProductID]; ok {
		return r
	}
	return noPlan
}

// plan returns the number of a named plan, or noPlan when the profile
// does not mention it.
func (c *catalog) plan(name string) int32 {
	if name == c.lastName && name != "" {
		return c.lastPlan
	}
	r, ok := c.byName[name]
	if !ok {
		r = noPlan
	}
	c.lastName, c.lastPlan = name, r
	return r
}

// family returns the family of plan number ref, or of the unmentioned plan
// name, which is its own family.
func (c *catalog) family(ref int32, name string) string {
	if ref == noPlan {
		return name
	}
	return c.plans[ref].family
}

// name returns the name of plan number ref.
func (c *catalog) name(ref int32) string { return c.plans[ref].name }

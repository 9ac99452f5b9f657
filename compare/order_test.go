package compare

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// Abbreviated keys must never order two accounts against their string
// order; equal abbreviations are allowed and fall back to the strings.
func TestAbbreviateKeepsOrder(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 8))
	parts := []string{"acct_", "acct_1", "a", "", "\x00", "zz", "acct_123456789"}
	for range 200 {
		keys := make([]findingKey, 1+r.IntN(30))
		for i := range keys {
			var b strings.Builder
			for range r.IntN(4) {
				b.WriteString(parts[r.IntN(len(parts))])
			}
			keys[i].account = b.String()
		}
		abbreviate(keys)
		for _, a := range keys {
			for _, b := range keys {
				if a.account < b.account && a.abbrev > b.abbrev {
					t.Fatalf("%q < %q but abbreviations %x > %x",
						a.account, b.account, a.abbrev, b.abbrev)
				}
			}
		}
	}
}

func TestFindingOrderIsTotal(t *testing.T) {
	a := Finding{Kind: PlanMismatch, Severity: Medium, Account: "a", Plan: "pro"}
	b := a
	b.Tried = []string{"customer_id"}
	fs := []Finding{b, a}
	slices.SortFunc(fs, func(x, y Finding) int { return compareFindings(&x, &y) })
	if compareFindings(&fs[0], &fs[1]) >= 0 || fs[0].Tried != nil {
		t.Errorf("findings differing only in Tried are not ordered: %+v", fs)
	}
}

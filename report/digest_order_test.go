package report_test

import (
	"testing"

	"github.com/driftexact/driftexact/compare"
	"github.com/driftexact/driftexact/report"
	"github.com/driftexact/driftexact/source"
)

// Two records that share an id but differ must digest the same in either
// order: sorting by id alone would leave their order to the input.
func TestDigestOfSharedIDsIgnoresOrder(t *testing.T) {
	a := source.Subscription{ID: "sub_1", Status: "active"}
	b := source.Subscription{ID: "sub_1", Status: "canceled"}
	g1 := source.Grant{AccountID: "acct_1", Plan: "pro"}
	g2 := source.Grant{AccountID: "acct_1", Plan: "basic"}
	one := report.Digest(compare.Input{
		Subscriptions: []source.Subscription{a, b}, Grants: []source.Grant{g1, g2}}, nil)
	two := report.Digest(compare.Input{
		Subscriptions: []source.Subscription{b, a}, Grants: []source.Grant{g2, g1}}, nil)
	if one != two {
		t.Errorf("digests depend on order:\n%+v\n%+v", one, two)
	}
	if one.Billing == report.Digest(compare.Input{
		Subscriptions: []source.Subscription{a, a}}, nil).Billing {
		t.Error("different subscriptions digest alike")
	}
}

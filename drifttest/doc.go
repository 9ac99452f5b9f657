// Package drifttest helps a host application's own tests state that
// billing and access agree, and read a clear list of findings when they do
// not.
//
// A typical test runs the code under test (a webhook handler, a migration,
// a support tool), then checks the result in one line:
//
//	func TestCancelRevokesAccess(t *testing.T) {
//		store := newStore()
//		handleEvent(store, cancelledEvent) // the code under test
//		drifttest.RequireNoDrift(t, driftexact.Job{
//			Billing: drifttest.Billing(
//				drifttest.Subscription("sub_1").Customer("cus_1").
//					Price("price_pro").Canceled(june1)),
//			Access:  store, // the application's own source.Access
//			Profile: profile,
//			AsOf:    june15,
//		})
//	}
//
// On disagreement the test fails with every finding spelled out: kind,
// severity, account, both sides' values, the rule that fired and the Stripe
// ids to look up (see [Describe]).
//
// # Adapters
//
// Any [source.Billing] and [source.Access] will do. For billing, a test
// may build records with [Subscription] and hold them in [Billing], or
// read through the real Stripe adapter (package stripesrc) from the fake
// Stripe API in package stripesrc/stripetest, which exercises the wire
// format too. For access, [Grant] and [Access] build records in memory,
// and the application's own store can implement source.Access directly.
//
// # Determinism
//
// Set the job's AsOf: without it the check judges access at the current
// time, and a subscription whose period ends next week passes today and
// fails later. The messages of [Describe] depend on the report alone and
// list findings in the report's order.
//
// # Concurrency
//
// Every function may be called from parallel tests. Builders are values:
// each method returns a changed copy, so a base builder can be shared and
// extended freely. The sources [Billing] and [Access] return are safe for
// concurrent use and hold nothing that needs closing.
//
// # Errors
//
// A check that cannot run (no source, an invalid profile, a source error)
// stops the test with t.Fatal in every function here, since no statement
// about agreement can be made. Records a source could not read count as
// disagreement: they were not compared, so agreement cannot be claimed.
package drifttest

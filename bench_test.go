package driftexact_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/driftexact/driftexact"
	"github.com/driftexact/driftexact/compare"
	"github.com/driftexact/driftexact/source"
)

// records returns n agreeing subscriptions and grants.
func records(n int) ([]source.Subscription, []source.Grant) {
	subs := make([]source.Subscription, n)
	grants := make([]source.Grant, n)
	for i := range n {
		subs[i] = proSub(fmt.Sprintf("sub_%07d", i), fmt.Sprintf("cus_%07d", i))
		grants[i] = proGrant(fmt.Sprintf("acct_%07d", i), subs[i].ID)
	}
	return subs, grants
}

// BenchmarkCheck100k measures a whole check of 100,000 accounts over
// in-memory sources, beside the plain alternative: draining both sources
// one after the other and calling compare.Compare, with no concurrency,
// stamps or digests.
func BenchmarkCheck100k(b *testing.B) {
	subs, grants := records(100_000)
	billing, access := source.NewMemoryBilling(subs...), source.NewMemoryAccess(grants...)
	ctx := context.Background()
	b.Run("Check", func(b *testing.B) {
		for b.Loop() {
			_, err := driftexact.Check(ctx, driftexact.Job{Workspace: "ws",
				Billing: billing, Access: access, Profile: proPlans, AsOf: asOf})
			if err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("plain", func(b *testing.B) {
		for b.Loop() {
			in := compare.Input{Workspace: "ws"}
			for s, err := range billing.Subscriptions(ctx) {
				if err != nil {
					b.Fatal(err)
				}
				in.Subscriptions = append(in.Subscriptions, s)
			}
			for g, err := range access.Grants(ctx) {
				if err != nil {
					b.Fatal(err)
				}
				in.Grants = append(in.Grants, g)
			}
			if _, err := compare.Compare(in, proPlans, asOf); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// slowGetter lists nothing and reads each subscription by id after a
// fixed latency, as a remote API would.
type slowGetter struct{ listless }

func (g slowGetter) Subscription(ctx context.Context, id string) (source.Subscription, error) {
	time.Sleep(2 * time.Millisecond)
	return g.MemoryBilling.Subscription(ctx, id)
}

// BenchmarkReadMissing measures reading 200 subscriptions by id at 2ms
// each, which Check does four at a time, beside the plain alternative of
// reading them one after the other.
func BenchmarkReadMissing(b *testing.B) {
	subs, grants := records(200)
	billing := slowGetter{listless{source.NewMemoryBilling(subs...)}}
	job := driftexact.Job{Workspace: "ws", Billing: billing,
		Access: source.NewMemoryAccess(grants...), Profile: proPlans, AsOf: asOf}
	ctx := context.Background()
	b.Run("Check", func(b *testing.B) {
		for b.Loop() {
			rep, err := driftexact.Check(ctx, job)
			if err != nil || rep.Billing.Records != 200 {
				b.Fatal(err, rep.Billing.Records)
			}
		}
	})
	b.Run("sequential", func(b *testing.B) {
		for b.Loop() {
			for _, g := range grants {
				if _, err := billing.Subscription(ctx, g.SubscriptionID); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
}

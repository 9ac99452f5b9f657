package source_test

import (
	"context"
	"errors"
	"iter"
	"testing"

	"github.com/driftexact/driftexact/source"
	"github.com/driftexact/driftexact/source/sourcetest"
)

// failAfter yields half of what it holds, then a fatal error.
type failAfter[R any] struct{ recs []R }

func (f failAfter[R]) seq(ctx context.Context) iter.Seq2[R, error] {
	return func(yield func(R, error) bool) {
		for _, r := range f.recs[:len(f.recs)/2] {
			if !yield(r, nil) {
				return
			}
		}
		var zero R
		yield(zero, errors.New("store went away"))
	}
}

type failingBilling struct{ failAfter[source.Subscription] }

func (f failingBilling) Subscriptions(ctx context.Context) iter.Seq2[source.Subscription, error] {
	return f.seq(ctx)
}

type failingAccess struct{ failAfter[source.Grant] }

func (f failingAccess) Grants(ctx context.Context) iter.Seq2[source.Grant, error] {
	return f.seq(ctx)
}

func TestMemoryBillingConforms(t *testing.T) {
	sourcetest.TestBilling(t, sourcetest.Billing{
		Open: func(t *testing.T, subs []source.Subscription) source.Billing {
			return source.NewMemoryBilling(subs...)
		},
		OpenFailing: func(t *testing.T, subs []source.Subscription) source.Billing {
			return failingBilling{failAfter[source.Subscription]{subs}}
		},
	})
}

func TestMemoryAccessConforms(t *testing.T) {
	sourcetest.TestAccess(t, sourcetest.Access{
		Open: func(t *testing.T, grants []source.Grant) source.Access {
			return source.NewMemoryAccess(grants...)
		},
		OpenFailing: func(t *testing.T, grants []source.Grant) source.Access {
			return failingAccess{failAfter[source.Grant]{grants}}
		},
	})
}

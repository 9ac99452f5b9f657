package compare_test

import (
	"runtime"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/driftexact/driftexact/compare"
	"github.com/driftexact/driftexact/source"
)

// benchProfile is the profile generated populations are compared under.
var benchProfile = &compare.Profile{
	Links: []compare.Link{{By: compare.BySubscriptionID},
		{By: compare.ByCustomerID}},
	PriceIDs: map[string]string{"price_basic": "basic", "price_pro": "pro",
		"price_team": "team", "price_storage": "storage"},
	Plans: map[string]compare.Plan{
		"basic": {Family: "base"}, "pro": {Family: "base"},
		"team": {Family: "base", PerSeat: true},
	},
	NoBilling:       []string{"free"},
	ExpiryTolerance: compare.Duration(24 * time.Hour),
}

// population generates n accounts with one access record and one
// subscription each. Of every 50 accounts, one shows each of the nine
// drift kinds (18% in all); a few kinds add a record to one side.
func population(n int) compare.Input {
	in := compare.Input{Workspace: "bench",
		Subscriptions: make([]source.Subscription, 0, n+n/50),
		Grants:        make([]source.Grant, 0, n+n/50)}
	end := defaultAsOf.AddDate(0, 0, 16)
	var buf []byte
	id := func(prefix string, i int) string {
		buf = strconv.AppendInt(append(buf[:0], prefix...), int64(i), 10)
		return string(buf)
	}
	for i := range n {
		acct, cus, sub := id("acct_", i), id("cus_", i), id("sub_", i)
		price, plan, qty := "price_pro", "pro", int64(1)
		if i%3 == 0 {
			price, plan, qty = "price_team", "team", int64(1+i%7)
		}
		seats := qty
		g := source.Grant{AccountID: acct, CustomerID: cus, SubscriptionID: sub,
			Plan: plan, Seats: &seats, Active: true, Expires: end}
		s := source.Subscription{ID: sub, CustomerID: cus, Status: "active",
			CurrentPeriodEnd: end, Created: defaultAsOf.AddDate(0, -1, 0),
			Items: []source.Item{{PriceID: price, ProductID: "prod_" + plan,
				Quantity: qty}}}
		switch i % 50 {
		case 1: // paid_without_access
			g.Active = false
		case 2: // access_without_payment
			s.Status, s.EndedAt = "canceled", defaultAsOf.AddDate(0, 0, -3)
		case 3: // plan_mismatch
			g.Plan = "basic"
		case 4: // seat_mismatch
			s.Items[0] = source.Item{PriceID: "price_team", Quantity: 5}
			g.Plan, *g.Seats = "team", 8
		case 5: // period_mismatch
			g.Expires = end.AddDate(0, 0, -10)
		case 6: // duplicate_subscriptions: a second subscription by customer
			dup := s
			dup.ID = id("sub_dup_", i)
			in.Subscriptions = append(in.Subscriptions, dup)
		case 7: // ambiguous_identity: a second account stores the same id
			other := g
			other.AccountID = id("acct_other_", i)
			in.Grants = append(in.Grants, other)
		case 8: // unmapped_price
			s.Items[0].PriceID, s.Items[0].ProductID = "price_legacy", "prod_legacy"
		case 9: // missing_identifier: the account stores no Stripe id
			g.Plan, g.CustomerID, g.SubscriptionID = "free", "", ""
		}
		in.Grants = append(in.Grants, g)
		in.Subscriptions = append(in.Subscriptions, s)
	}
	return in
}

var populations sync.Map // size → *compare.Input

func cachedPopulation(n int) compare.Input {
	if in, ok := populations.Load(n); ok {
		return *in.(*compare.Input)
	}
	in := population(n)
	populations.Store(n, &in)
	return in
}

func TestPopulationHasEveryKind(t *testing.T) {
	res, err := compare.Compare(population(1000), benchProfile, defaultAsOf)
	if err != nil {
		t.Fatal(err)
	}
	count := map[compare.Kind]int{}
	for _, f := range res.Findings {
		count[f.Kind]++
	}
	for _, k := range compare.Kinds {
		if count[k] < 1000/50 {
			t.Errorf("%s: %d findings in 1000 accounts, want at least 20", k, count[k])
		}
	}
}

func BenchmarkCompare(b *testing.B) {
	for _, n := range []int{100_000, 1_000_000} {
		b.Run(strconv.Itoa(n/1000)+"k", func(b *testing.B) {
			in := cachedPopulation(n)
			records := len(in.Subscriptions) + len(in.Grants)
			runtime.GC()
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			cpu := cpuTime()
			b.ResetTimer()
			var res *compare.Result
			for b.Loop() {
				var err error
				if res, err = compare.Compare(in, benchProfile, defaultAsOf); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			cpu = cpuTime() - cpu
			runtime.ReadMemStats(&after)
			total := float64(records) * float64(b.N)
			b.ReportMetric(total/b.Elapsed().Seconds(), "records/s")
			b.ReportMetric(total/cpu.Seconds(), "records/cpu-s")
			b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/total, "B/record")
			b.ReportMetric(float64(len(res.Findings)), "findings")
			res = nil
			b.ReportMetric(retained(in)/float64(records), "result-B/record")
		})
	}
}

// retained measures the heap that one result keeps alive once Compare has
// returned. B/record, everything Compare allocates, bounds the peak.
func retained(in compare.Input) float64 {
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	res, err := compare.Compare(in, benchProfile, defaultAsOf)
	if err != nil {
		panic(err)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(res)
	return float64(after.HeapAlloc) - float64(before.HeapAlloc)
}

// BenchmarkPlainJoin is the floor any comparison pays: one map from the
// subscription ids that access records store, and one lookup for each
// subscription. Compare's figures are read against it.
func BenchmarkPlainJoin(b *testing.B) {
	for _, n := range []int{100_000, 1_000_000} {
		b.Run(strconv.Itoa(n/1000)+"k", func(b *testing.B) {
			in := cachedPopulation(n)
			records := len(in.Subscriptions) + len(in.Grants)
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			cpu := cpuTime()
			b.ResetTimer()
			linked := 0
			for b.Loop() {
				bySub := make(map[string]int32, len(in.Grants))
				for i := range in.Grants {
					bySub[in.Grants[i].SubscriptionID] = int32(i)
				}
				linked = 0
				for i := range in.Subscriptions {
					if _, ok := bySub[in.Subscriptions[i].ID]; ok {
						linked++
					}
				}
			}
			b.StopTimer()
			cpu = cpuTime() - cpu
			runtime.ReadMemStats(&after)
			total := float64(records) * float64(b.N)
			b.ReportMetric(total/b.Elapsed().Seconds(), "records/s")
			b.ReportMetric(total/cpu.Seconds(), "records/cpu-s")
			b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/total, "B/record")
			b.ReportMetric(float64(linked), "linked")
		})
	}
}

// cpuTime is the CPU time the process has used, all threads together. On
// a machine shared with other work it measures a benchmark more fairly
// than the wall clock.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

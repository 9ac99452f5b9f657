package history

import (
	"context"
	"fmt"
	"testing"

	"github.com/driftexact/driftexact/compare"
)

// benchFindings is the size of the runs benchmarked.
const benchFindings = 100_000

// benchRuns returns two consecutive runs of n findings: the second keeps
// 90% of the first, drops 10% and adds as many new ones.
func benchRuns(ws string, n int) (prev, cur []compare.Finding) {
	all := manyFindings(n+n/10, "f")
	return all[:n], all[n/10:]
}

// BenchmarkSave stores a run of 100k findings and works out its lifecycle
// against a previous run of 100k, in one transaction, on every engine
// available. batch=1 is the plain alternative: one INSERT a row.
func BenchmarkSave(b *testing.B) {
	for _, e := range engines(b) {
		for _, batch := range []int{1, defaultBatch} {
			b.Run(fmt.Sprintf("%s/batch=%d", e.name, batch), func(b *testing.B) {
				benchSave(b, e, batch)
			})
		}
	}
}

func benchSave(b *testing.B, e engine, batch int) {
	db := e.open(b)
	st := openStore(b, e, db, testPrefix(b, e, db), nil)
	st.batch = batch
	ctx := context.Background()
	i := 0
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		ws := fmt.Sprintf("bench%d", i)
		i++
		prev, cur := benchRuns(ws, benchFindings)
		if _, err := st.Save(ctx, ws, runReport(ws, 0, prev)); err != nil {
			b.Fatal(err)
		}
		rep := runReport(ws, 1, cur)
		b.StartTimer()
		lc, err := st.Save(ctx, ws, rep)
		if err != nil {
			b.Fatal(err)
		}
		if len(lc.Entries) != benchFindings+benchFindings/10 {
			b.Fatalf("%d entries", len(lc.Entries))
		}
	}
	b.ReportMetric(float64(benchFindings)*float64(b.N)/b.Elapsed().Seconds(), "findings/s")
}

// BenchmarkLifecycle works out the lifecycle of a run of 100k findings
// against the remembered state of a previous run of 100k, in memory: the
// part of a save that is not SQL.
func BenchmarkLifecycle(b *testing.B) {
	prev, cur := benchRuns("ws", benchFindings)
	first := runReport("ws", 0, prev)
	second := runReport("ws", 1, cur)
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		states := map[string]*state{}
		if _, err := advance(states, step{run: 1, rep: first, recurAfter: 3}); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if _, err := advance(states, step{run: 2, previous: 1, rep: second,
			recurAfter: 3}); err != nil {
			b.Fatal(err)
		}
	}
}

package csvsrc_test

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/driftexact/driftexact/csvsrc"
)

// rowMaker is an io.Reader over an access CSV of n rows that makes each
// row as it is read, so that the file itself takes no memory.
type rowMaker struct {
	n, next int
	buf     []byte
}

func newRowMaker(n int) *rowMaker {
	return &rowMaker{n: n, buf: []byte("account_id,stripe_customer_id,stripe_subscription_id," +
		"plan,seats,status,expires_at\r\n")}
}

func (m *rowMaker) Read(p []byte) (int, error) {
	for len(m.buf) < len(p) && m.next < m.n {
		i := m.next
		m.next++
		m.buf = fmt.Appendf(m.buf, "acct_%07d,cus_%07d,sub_%07d,%s,%d,%s,2024-%02d-01T00:00:00Z\r\n",
			i, i, i, [3]string{"basic", "pro", "team"}[i%3], i%20,
			[2]string{"active", "revoked"}[i%2], 1+i%12)
	}
	if len(m.buf) == 0 {
		return 0, io.EOF
	}
	n := copy(p, m.buf)
	m.buf = m.buf[:copy(m.buf, m.buf[n:])]
	return n, nil
}

// liveHeap returns the bytes held by reachable objects.
func liveHeap() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// streamRows reads n generated rows through an Access source, measuring
// the live heap every tenth of the way, and returns the largest growth
// over the heap before the pull.
func streamRows(t testing.TB, n int) (peak uint64) {
	a, err := csvsrc.NewAccess(newRowMaker(n), nil)
	if err != nil {
		t.Fatal(err)
	}
	base := liveHeap()
	read, every := 0, max(n/10, 1)
	for _, err := range a.Grants(context.Background()) {
		if err != nil {
			t.Fatal(err)
		}
		if read++; read%every == 0 {
			if h := liveHeap(); h > base {
				peak = max(peak, h-base)
			}
		}
	}
	if read != n {
		t.Fatalf("read %d rows, want %d", read, n)
	}
	return peak
}

// TestMillionRowsInBoundedMemory reads a million rows (a hundred thousand
// with -short) and checks that the live heap during the pull stays within
// a small bound that does not depend on the number of rows: the source
// keeps nothing it has yielded. Kept rows would take over 100 MiB.
func TestMillionRowsInBoundedMemory(t *testing.T) {
	n := 1_000_000
	if testing.Short() {
		n = 100_000
	}
	const bound = 4 << 20
	small := streamRows(t, 1000)
	large := streamRows(t, n)
	t.Logf("live heap growth: %d B over 1000 rows, %d B over %d rows", small, large, n)
	if large > bound {
		t.Errorf("live heap grew by %d B over %d rows; want under %d B", large, n, bound)
	}
}

// BenchmarkAccess reads a generated million-row access file through an
// Access source and with a bare encoding/csv loop, alternately, and
// reports both rates. Making the rows is part of both.
func BenchmarkAccess(b *testing.B) {
	const n = 1_000_000
	pulls := [2]func(){
		func() {
			a, err := csvsrc.NewAccess(newRowMaker(n), nil)
			if err != nil {
				b.Fatal(err)
			}
			for _, err := range a.Grants(context.Background()) {
				if err != nil {
					b.Fatal(err)
				}
			}
		},
		func() { bareCSV(b, newRowMaker(n)) },
	}
	var spent [2]time.Duration
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		for _, k := range [2]int{i % 2, 1 - i%2} {
			start := time.Now()
			pulls[k]()
			spent[k] += time.Since(start)
		}
		i++
	}
	rate := func(d time.Duration) float64 { return float64(n*i) / d.Seconds() }
	b.ReportMetric(rate(spent[0]), "csvsrc-rows/s")
	b.ReportMetric(rate(spent[1]), "bare-rows/s")
	b.ReportMetric(100*spent[1].Seconds()/spent[0].Seconds(), "%-of-bare")
}

// bareCSV is the plain read: encoding/csv and strconv, no mapping, no
// checks.
func bareCSV(b *testing.B, r io.Reader) {
	cr := csv.NewReader(r)
	cr.ReuseRecord = true
	if _, err := cr.Read(); err != nil {
		b.Fatal(err)
	}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return
		}
		if err != nil {
			b.Fatal(err)
		}
		if _, err := strconv.Atoi(rec[4]); err != nil {
			b.Fatal(err)
		}
	}
}

package history

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/driftexact/driftexact/compare"
)

// faultyConnector wraps the real SQLite driver and lets a test fail, or
// act on, any statement as it is prepared. Hiding the driver's own Exec
// and Query paths sends every statement through PrepareContext.
type faultyConnector struct {
	base driver.Driver
	dsn  string
	mu   sync.Mutex
	hook func(query string) error
}

func (c *faultyConnector) setHook(h func(string) error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.hook = h
}

func (c *faultyConnector) Connect(context.Context) (driver.Conn, error) {
	conn, err := c.base.Open(c.dsn)
	if err != nil {
		return nil, err
	}
	return &faultyConn{Conn: conn, c: c}, nil
}

func (c *faultyConnector) Driver() driver.Driver { return c.base }

type faultyConn struct {
	driver.Conn
	c *faultyConnector
}

func (fc *faultyConn) PrepareContext(ctx context.Context, q string) (driver.Stmt, error) {
	fc.c.mu.Lock()
	h := fc.c.hook
	fc.c.mu.Unlock()
	if h != nil {
		if err := h(q); err != nil {
			return nil, err
		}
	}
	return fc.Conn.(driver.ConnPrepareContext).PrepareContext(ctx, q)
}

func (fc *faultyConn) BeginTx(ctx context.Context,
	o driver.TxOptions) (driver.Tx, error) {
	return fc.Conn.(driver.ConnBeginTx).BeginTx(ctx, o)
}

func openFaulty(t *testing.T) (*sql.DB, *faultyConnector) {
	real, err := sql.Open("sqlite", "")
	if err != nil {
		t.Fatal(err)
	}
	defer real.Close()
	fc := &faultyConnector{base: real.Driver(),
		dsn: sqliteDSN(filepath.Join(t.TempDir(), "crash.db"))}
	db := sql.OpenDB(fc)
	t.Cleanup(func() { db.Close() })
	return db, fc
}

// dumpTables returns every row of the store's tables as text, in key
// order.
func dumpTables(t testing.TB, db *sql.DB, prefix string) string {
	t.Helper()
	var b strings.Builder
	for _, tb := range allTables {
		rows, err := db.Query("SELECT * FROM " + prefix + tb + " ORDER BY 1, 2")
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		fmt.Fprintf(&b, "%s %v\n", tb, cols)
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			for i, v := range vals {
				if bs, ok := v.([]byte); ok {
					vals[i] = string(bs)
				}
			}
			fmt.Fprintf(&b, "  %q\n", vals)
		}
		if err := rows.Close(); err != nil {
			t.Fatal(err)
		}
	}
	return b.String()
}

func manyFindings(n int, prefix string) []compare.Finding {
	fs := make([]compare.Finding, n)
	for i := range fs {
		fs[i] = finding(fmt.Sprintf("%s%05d", prefix, i), compare.PaidWithoutAccess,
			fmt.Sprintf("acct_%s%05d", prefix, i))
	}
	return fs
}

// TestSaveInterrupted breaks saves midway, by a driver error and by
// cancelling the context, at several points, and shows that each leaves
// the database exactly as it was; the same save then succeeds.
func TestSaveInterrupted(t *testing.T) {
	db, fc := openFaulty(t)
	e := engines(t)[0]
	prefix := "crash_"
	st := openStore(t, e, db, prefix, nil)
	st.batch = 100
	ctx := context.Background()
	first := append(manyFindings(150, "a"), manyFindings(100, "b")...)
	if _, err := st.Save(ctx, "ws", runReport("ws", 0, first)); err != nil {
		t.Fatal(err)
	}
	before := dumpTables(t, db, prefix)
	// The second run keeps the a's, drops the b's and adds 245 c's, so
	// that the last statement of each table is a short one.
	second := append(manyFindings(150, "a"), manyFindings(245, "c")...)
	errInjected := errors.New("injected fault")
	for _, tb := range []string{tRuns, tCounts, tFindings, tLifecycle, tFingerprint} {
		for _, mode := range []string{"error", "cancel"} {
			t.Run(tb+"/"+mode, func(t *testing.T) {
				ctx, cancel := context.WithCancel(ctx)
				defer cancel()
				seen := 0
				fc.setHook(func(q string) error {
					if !strings.HasPrefix(q, "INSERT INTO "+prefix+tb+" ") {
						return nil
					}
					// Findings and lifecycle rows go in several
					// statements: strike at the second, after rows
					// were written.
					if seen++; seen < 2 && (tb == tFindings || tb == tLifecycle) {
						return nil
					}
					if mode == "cancel" {
						cancel()
						return nil
					}
					return errInjected
				})
				defer fc.setHook(nil)
				_, err := st.Save(ctx, "ws", runReport("ws", 1, second))
				if err == nil {
					t.Fatal("save succeeded despite the fault")
				}
				if mode == "error" && !errors.Is(err, errInjected) ||
					mode == "cancel" && !errors.Is(err, context.Canceled) {
					t.Errorf("err = %v, want the injected fault", err)
				}
				if diff := cmp.Diff(before, dumpTables(t, db, prefix)); diff != "" {
					t.Errorf("interrupted save left rows (-before +after):\n%s", diff)
				}
			})
		}
	}
	lc, err := st.Save(ctx, "ws", runReport("ws", 1, second))
	if err != nil {
		t.Fatal(err)
	}
	counts := map[Status]int{}
	for _, e := range lc.Entries {
		counts[e.Status]++
	}
	want := map[Status]int{Persisting: 150, New: 245, Resolved: 100}
	if lc.Run != 2 || !cmp.Equal(want, counts) {
		t.Errorf("save after the faults: run %d, statuses %v; want run 2, %v",
			lc.Run, counts, want)
	}
}

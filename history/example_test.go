package history_test

import (
	"context"
	"database/sql"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	_ "modernc.org/sqlite"

	"github.com/driftexact/driftexact"
	"github.com/driftexact/driftexact/compare"
	"github.com/driftexact/driftexact/history"
	"github.com/driftexact/driftexact/source"
)

// check runs one check of workspace "acme" on day d, where every account
// pays for "pro" and the accounts in off have no access.
func check(d int, off ...string) *driftexact.Job {
	var subs []source.Subscription
	var grants []source.Grant
	for _, acct := range []string{"acct_a", "acct_b", "acct_c"} {
		subs = append(subs, source.Subscription{ID: "sub_" + acct,
			CustomerID: "cus_" + acct, Status: "active",
			Items: []source.Item{{PriceID: "price_pro", Quantity: 1}}})
		on := true
		for _, o := range off {
			on = on && o != acct
		}
		grants = append(grants, source.Grant{AccountID: acct,
			SubscriptionID: "sub_" + acct, Plan: "pro", Active: on})
	}
	asOf := time.Date(2024, 6, 1+d, 0, 0, 0, 0, time.UTC)
	return &driftexact.Job{
		Workspace: "acme",
		Billing:   source.NewMemoryBilling(subs...),
		Access:    source.NewMemoryAccess(grants...),
		Profile:   &compare.Profile{PriceIDs: map[string]string{"price_pro": "pro"}},
		AsOf:      asOf,
		Options:   &driftexact.Options{Clock: func() time.Time { return asOf }},
	}
}

// Four daily checks stored in an SQLite history. acct_b is locked out,
// let in on the third day and locked out again on the fourth; acct_c is
// locked out from the second day on, and an operator acknowledges it.
func Example() {
	dir, err := os.MkdirTemp("", "history-example-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	db, err := sql.Open("sqlite", filepath.Join(dir, "history.db"))
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	store, err := history.OpenSQL(ctx, db, &history.Options{RecurAfter: 1})
	if err != nil {
		log.Fatal(err)
	}
	for d, off := range [][]string{
		{"acct_b"}, {"acct_b", "acct_c"}, {"acct_c"}, {"acct_b", "acct_c"},
	} {
		rep, err := driftexact.Check(ctx, *check(d, off...))
		if err != nil {
			log.Fatal(err)
		}
		lc, err := store.Save(ctx, "acme", rep)
		if err != nil {
			log.Fatal(err)
		}
		if d == 1 {
			// An operator acknowledges acct_c's finding for a week.
			fp := lc.Status(history.New)[0].Fingerprint
			err = store.Acknowledge(ctx, "acme", history.Ack{Fingerprint: fp,
				Reason: "card migration", Author: "ops@example.com",
				Expires: rep.AsOf.Add(7 * 24 * time.Hour)})
			if err != nil {
				log.Fatal(err)
			}
		}
		lc.WriteText(os.Stdout)
	}
	runs, err := store.Runs(ctx, "acme", 0)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%d runs stored; the last held %d findings\n", len(runs), runs[0].Findings)
	// Output:
	// LIFECYCLE run 1 (as of 2024-06-01T00:00:00Z)
	//   1 new, 0 persisting, 0 reopened, 0 resolved, 0 unchecked; 0 recurring
	//   new        paid_without_access      acct_b
	// LIFECYCLE run 2 against run 1 (as of 2024-06-02T00:00:00Z)
	//   1 new, 1 persisting, 0 reopened, 0 resolved, 0 unchecked; 1 recurring
	//   persisting paid_without_access      acct_b since 2024-06-01 (1 day, 2 runs) RECURRING
	//   new        paid_without_access      acct_c
	// LIFECYCLE run 3 against run 2 (as of 2024-06-03T00:00:00Z)
	//   0 new, 1 persisting, 0 reopened, 1 resolved, 0 unchecked; 1 recurring
	//   persisting paid_without_access      acct_c since 2024-06-02 (1 day, 2 runs) RECURRING
	//     acknowledged by ops@example.com until 2024-06-09T00:00:00Z: card migration
	//   resolved   paid_without_access      acct_b open 2024-06-01 to 2024-06-02
	// LIFECYCLE run 4 against run 3 (as of 2024-06-04T00:00:00Z)
	//   0 new, 1 persisting, 1 reopened, 0 resolved, 0 unchecked; 2 recurring
	//   reopened   paid_without_access      acct_b first seen 2024-06-01, reopened 1 time RECURRING
	//   persisting paid_without_access      acct_c since 2024-06-02 (2 days, 3 runs) RECURRING
	//     acknowledged by ops@example.com until 2024-06-09T00:00:00Z: card migration
	// 4 runs stored; the last held 2 findings
}

// Attach puts a run's lifecycle into its report, so that every format the
// report is written in shows it. Here acct_b stays locked out for three
// daily checks, and so recurs.
func ExampleAttach() {
	dir, err := os.MkdirTemp("", "history-attach-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	db, err := sql.Open("sqlite", filepath.Join(dir, "history.db"))
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	store, err := history.OpenSQL(ctx, db, &history.Options{RecurAfter: 2})
	if err != nil {
		log.Fatal(err)
	}
	for d, off := range [][]string{{"acct_a", "acct_b"}, {"acct_b"}, {"acct_b", "acct_c"}} {
		rep, err := driftexact.Check(ctx, *check(d, off...))
		if err != nil {
			log.Fatal(err)
		}
		lc, err := store.Save(ctx, "acme", rep)
		if err != nil {
			log.Fatal(err)
		}
		// Attach before signing: Attach refuses a signed report.
		if err := history.Attach(rep, lc); err != nil {
			log.Fatal(err)
		}
		h := rep.History
		fmt.Printf("run %d: %d new, %d persisting, %d resolved, %d recurring\n",
			h.Run, h.Counts.New, h.Counts.Persisting, h.Counts.Resolved, h.Counts.Recurring)
	}
	// Output:
	// run 1: 2 new, 0 persisting, 0 resolved, 0 recurring
	// run 2: 0 new, 1 persisting, 1 resolved, 0 recurring
	// run 3: 1 new, 1 persisting, 0 resolved, 1 recurring
}

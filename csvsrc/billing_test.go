package csvsrc_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/driftexact/driftexact/csvsrc"
	"github.com/driftexact/driftexact/source"
)

func subscriptions(b *csvsrc.Billing) ([]source.Subscription, []error) {
	return pull(func(ctx context.Context) func(func(source.Subscription, error) bool) {
		return b.Subscriptions(ctx)
	})
}

func at(s string) time.Time {
	t, err := time.Parse("2006-01-02 15:04", s)
	if err != nil {
		panic(err)
	}
	return t
}

// testdata/stripe_subscriptions.csv has the columns of the dashboard's
// subscription export, a byte-order mark, CRLF line ends, quoted fields
// and blank lines at the end.
func TestStripeDashboardExport(t *testing.T) {
	b, err := csvsrc.OpenBilling("testdata/stripe_subscriptions.csv", &csvsrc.BillingOptions{
		MetadataKeys: []string{"account_id", "absent_key"}, Livemode: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	wantCols := csvsrc.BillingColumns{
		ID: "id", CustomerID: "Customer ID", Status: "Status", Plan: "Plan",
		Product: "Product", Quantity: "Quantity",
		CurrentPeriodEnd: "Current Period End (UTC)", CancelAtPeriodEnd: "Cancel At Period End",
		CanceledAt: "Canceled At (UTC)", EndedAt: "Ended At (UTC)",
		TrialEnd: "Trial End (UTC)", Created: "Created (UTC)",
	}
	if diff := cmp.Diff(wantCols, b.Columns()); diff != "" {
		t.Errorf("Columns (-want +got):\n%s", diff)
	}
	subs, errs := subscriptions(b)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	want := []source.Subscription{{
		ID: "sub_1PgA2bExample01", CustomerID: "cus_QXa1Example01", Status: "active",
		Metadata: map[string]string{"account_id": "acct_ada"},
		Items:    []source.Item{{PriceID: "price_1PgPro", ProductID: "prod_QXpro", Quantity: 1}},
		Created:  at("2024-05-01 09:30"), CurrentPeriodEnd: at("2024-07-01 09:30"),
		Livemode: true,
	}, {
		ID: "sub_1PgA2bExample02", CustomerID: "cus_QXa1Example02", Status: "trialing",
		Metadata: map[string]string{"account_id": "acct_grace"},
		Items:    []source.Item{{PriceID: "price_1PgSeat", ProductID: "prod_QXteam", Quantity: 12}},
		Created:  at("2024-06-10 14:05"), CurrentPeriodEnd: at("2024-06-24 14:05"),
		TrialEnd: at("2024-06-24 14:05"), Livemode: true,
	}, {
		ID: "sub_1PgA2bExample03", CustomerID: "cus_QXa1Example03", Status: "canceled",
		Metadata: map[string]string{"account_id": "acct_alan"},
		Items:    []source.Item{{PriceID: "price_1PgPro", ProductID: "prod_QXpro", Quantity: 1}},
		Created:  at("2024-01-15 08:00"), CurrentPeriodEnd: at("2024-06-15 08:00"),
		CancelAtPeriodEnd: true, CanceledAt: at("2024-05-20 11:12"),
		EndedAt: at("2024-06-15 08:00"), Livemode: true,
	}}
	if diff := cmp.Diff(want, subs); diff != "" {
		t.Errorf("subscriptions (-want +got):\n%s", diff)
	}
	if b.LastPull().Records != 3 {
		t.Errorf("LastPull = %+v", b.LastPull())
	}
}

func TestSnakeCaseExport(t *testing.T) {
	const file = "id,customer_id,status,price_id,quantity," +
		"current_period_end,cancel_at,cancel_at_period_end\n" +
		"sub_1,cus_1,Active,price_1,2,1719792000,2024-07-01,TRUE\n"
	b, err := csvsrc.NewBilling(strings.NewReader(file), nil)
	if err != nil {
		t.Fatal(err)
	}
	subs, errs := subscriptions(b)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	want := []source.Subscription{{ID: "sub_1", CustomerID: "cus_1", Status: "active",
		Items:            []source.Item{{PriceID: "price_1", Quantity: 2}},
		CurrentPeriodEnd: jul1, CancelAt: jul1, CancelAtPeriodEnd: true}}
	if diff := cmp.Diff(want, subs); diff != "" {
		t.Errorf("subscriptions (-want +got):\n%s", diff)
	}
}

// Rows that repeat the id of the row before them add an item.
func TestRepeatedIDsAreItems(t *testing.T) {
	const file = "id,Customer ID,Status,Plan,Quantity\n" +
		"sub_1,cus_1,active,price_base,1\n" +
		"sub_1,cus_1,active,price_seat,5\n" +
		"sub_2,cus_2,active,price_base,1\n" +
		"sub_2,cus_9,active,price_seat,3\n" + // line 5: another customer
		"sub_3,cus_3,active,,\n"
	b, err := csvsrc.NewBilling(strings.NewReader(file), nil)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	var bad []error
	for s, err := range b.Subscriptions(context.Background()) {
		if err != nil {
			bad = append(bad, err)
		}
		var prices []string
		for _, it := range s.Items {
			prices = append(prices, it.PriceID)
		}
		got = append(got, s.ID+":"+strings.Join(prices, "+"))
	}
	want := []string{"sub_1:price_base+price_seat", "sub_2:", "sub_3:"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("subscriptions (-want +got):\n%s", diff)
	}
	var re *source.RecordError
	if len(bad) != 1 || !errors.As(bad[0], &re) || re.Record != "sub_2" ||
		re.Field != "Customer ID" || !strings.Contains(re.Error(), "line 5") {
		t.Errorf("errors %v; want one naming sub_2, Customer ID and line 5", bad)
	}
}

// A row repeated whole would add its quantity twice; since Stripe holds
// each price once in a subscription, the repeat makes it unreadable.
func TestRepeatedPriceIsUnreadable(t *testing.T) {
	const file = "id,Customer ID,Status,Plan,Quantity\n" +
		"sub_1,cus_1,active,price_seat,5\n" +
		"sub_1,cus_1,active,price_seat,5\n" + // line 3: the same row again
		"sub_2,cus_2,active,price_seat,2\n"
	b, err := csvsrc.NewBilling(strings.NewReader(file), nil)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	var bad []error
	for s, err := range b.Subscriptions(context.Background()) {
		if err != nil {
			bad = append(bad, err)
			continue
		}
		for _, it := range s.Items {
			got = append(got, fmt.Sprintf("%s:%s×%d", s.ID, it.PriceID, it.Quantity))
		}
	}
	if diff := cmp.Diff([]string{"sub_2:price_seat×2"}, got); diff != "" {
		t.Errorf("items read (-want +got):\n%s", diff)
	}
	var re *source.RecordError
	if len(bad) != 1 || !errors.As(bad[0], &re) || re.Record != "sub_1" ||
		re.Field != "Plan" || !strings.Contains(re.Error(), "line 3") {
		t.Errorf("errors %v; want one naming sub_1, Plan and line 3", bad)
	}
}

// Rows of one subscription that disagree on a field of the subscription
// make it unreadable, whichever row comes first: taking the first row's
// value would make the result depend on the order of the rows.
func TestConflictingRowsAreUnreadable(t *testing.T) {
	const header = "id,customer_id,status,plan,quantity,current_period_end," +
		"cancel_at,cancel_at_period_end,canceled_at,ended_at,trial_end," +
		"created,account_id (metadata)\n"
	const base = "sub_1,cus_1,active,price_pro,3,2024-07-01,,false,,,," +
		"2024-01-01,acct_1\n"
	const next = "sub_2,cus_2,active,price_pro,1,,,,,,,,\n"
	for _, tc := range []struct{ field, row string }{
		{"customer_id", "sub_1,cus_9,active,price_seat,1,2024-07-01,,false,,,,2024-01-01,acct_1\n"},
		{"status", "sub_1,cus_1,canceled,price_seat,1,2024-07-01,,false,,,,2024-01-01,acct_1\n"},
		{"current_period_end", "sub_1,cus_1,active,price_seat,1,2024-01-01,,false,,,,2024-01-01,acct_1\n"},
		{"cancel_at", "sub_1,cus_1,active,price_seat,1,2024-07-01,2024-07-01,false,,,,2024-01-01,acct_1\n"},
		{"cancel_at_period_end", "sub_1,cus_1,active,price_seat,1,2024-07-01,,true,,,,2024-01-01,acct_1\n"},
		{"canceled_at", "sub_1,cus_1,active,price_seat,1,2024-07-01,,false,2024-02-01,,,2024-01-01,acct_1\n"},
		{"ended_at", "sub_1,cus_1,active,price_seat,1,2024-07-01,,false,,2024-02-01,,2024-01-01,acct_1\n"},
		{"trial_end", "sub_1,cus_1,active,price_seat,1,2024-07-01,,false,,,2024-01-08,2024-01-01,acct_1\n"},
		{"created", "sub_1,cus_1,active,price_seat,1,2024-07-01,,false,,,,2023-01-01,acct_1\n"},
		{"account_id (metadata)", "sub_1,cus_1,active,price_seat,1,2024-07-01,,false,,,,2024-01-01,acct_9\n"},
	} {
		for order, file := range map[string]string{
			"base first": header + base + tc.row + next,
			"base last":  header + tc.row + base + next,
		} {
			b, err := csvsrc.NewBilling(strings.NewReader(file),
				&csvsrc.BillingOptions{MetadataKeys: []string{"account_id"}})
			if err != nil {
				t.Fatal(err)
			}
			subs, errs := subscriptions(b)
			if len(subs) != 1 || subs[0].ID != "sub_2" {
				t.Errorf("%s, %s: records %+v, want only sub_2", tc.field, order, subs)
			}
			var re *source.RecordError
			var le *csvsrc.LineError
			if len(errs) != 1 || !errors.As(errs[0], &re) || !errors.As(errs[0], &le) ||
				re.Record != "sub_1" || re.Field != tc.field || le.Line != 3 ||
				!strings.Contains(re.Error(), "more than once with different contents") {
				t.Errorf("%s, %s: errors %v; want one naming sub_1, %s and line 3",
					tc.field, order, errs, tc.field)
			}
		}
	}
}

func TestBillingBadRows(t *testing.T) {
	const file = "id,Customer ID,Status,Quantity,Current Period End (UTC),Cancel At Period End\n" +
		"sub_1,cus_1,active,1,2024-07-01 00:00,false\n" +
		"sub_2,cus_2,active,two,2024-07-01 00:00,false\n" +
		"sub_3,,active,1,2024-07-01 00:00,false\n" +
		",cus_4,active,1,2024-07-01 00:00,false\n" +
		"sub_5,cus_5,active,1,July,false\n" +
		"sub_6,cus_6,active,1,2024-07-01 00:00,maybe\n" +
		"sub_7,cus_7,active\n"
	b, err := csvsrc.NewBilling(strings.NewReader(file), nil)
	if err != nil {
		t.Fatal(err)
	}
	subs, errs := subscriptions(b)
	if len(subs) != 1 || subs[0].ID != "sub_1" {
		t.Errorf("good rows: %+v", subs)
	}
	type where struct{ Record, Field string }
	want := []where{{"sub_2", "Quantity"}, {"sub_3", "Customer ID"}, {"line 5", "id"},
		{"sub_5", "Current Period End (UTC)"}, {"sub_6", "Cancel At Period End"}, {"line 8", ""}}
	var got []where
	for _, err := range errs {
		var re *source.RecordError
		var le *csvsrc.LineError
		if !errors.As(err, &re) || !errors.As(err, &le) {
			t.Fatalf("%v is not a record error with a line", err)
		}
		got = append(got, where{re.Record, re.Field})
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("errors (-want +got):\n%s", diff)
	}
	if b.LastPull().Records != 7 {
		t.Errorf("LastPull = %+v, want 7 (bad rows included)", b.LastPull())
	}
}

func TestBillingNeedsIDCustomerAndStatus(t *testing.T) {
	_, err := csvsrc.NewBilling(strings.NewReader("id,Customer ID,Plan\n"), nil)
	if err == nil || !strings.Contains(err.Error(), "status") {
		t.Errorf("got %v, want an error about the status column", err)
	}
}

func TestBillingRefusesAmbiguousColumns(t *testing.T) {
	for _, tc := range []struct {
		header string
		cols   csvsrc.BillingColumns
		want   string
	}{
		{"id,customer_id,status,status", csvsrc.BillingColumns{Status: "status"},
			`status: the header has the column "status" twice`},
		{"id,customer_id,status,status", csvsrc.BillingColumns{},
			`both "status" and "status" could hold it`},
		{"id,customer_id,status", csvsrc.BillingColumns{ID: "id", CustomerID: "ID"},
			`id and customer_id both name the column "id"`},
	} {
		_, err := csvsrc.NewBilling(strings.NewReader(tc.header+"\n"),
			&csvsrc.BillingOptions{Columns: tc.cols})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q %+v: got %v, want an error containing %q",
				tc.header, tc.cols, err, tc.want)
		}
	}
	// A named column is not taken by detection for another field.
	b, err := csvsrc.NewBilling(strings.NewReader("id,customer,status,plan\n"),
		&csvsrc.BillingOptions{Columns: csvsrc.BillingColumns{
			ID: "plan", CustomerID: "customer"}})
	if err != nil {
		t.Fatal(err)
	}
	want := csvsrc.BillingColumns{ID: "plan", CustomerID: "customer", Status: "status"}
	if diff := cmp.Diff(want, b.Columns()); diff != "" {
		t.Errorf("Columns (-want +got):\n%s", diff)
	}
}

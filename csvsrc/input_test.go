package csvsrc_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/driftexact/driftexact/csvsrc"
	"github.com/driftexact/driftexact/source"
)

// A file whose lines end in a lone CR reads as a single header row; it is
// refused at open rather than read as a file without rows.
func TestLoneCRIsRefused(t *testing.T) {
	const bill = "id,customer_id,status,plan\r" +
		"sub_1,cus_1,active,price_pro\rsub_2,cus_2,active,price_pro\r"
	const acc = "account_id,stripe_customer_id,active\r" +
		"acct_1,cus_1,1\racct_2,cus_2,1\r"
	_, berr := csvsrc.NewBilling(strings.NewReader(bill), nil)
	_, aerr := csvsrc.NewAccess(strings.NewReader(acc), nil)
	path := saveFile(t, []byte(acc))
	_, perr := csvsrc.OpenAccess(path, nil)
	for side, err := range map[string]error{
		"billing": berr, "access": aerr, "access path": perr} {
		if err == nil || !strings.Contains(err.Error(), "lone CR") ||
			!strings.Contains(err.Error(), "LF or CRLF") {
			t.Errorf("%s: got %v, want a lone CR error saying how to convert",
				side, err)
		}
	}
	// The same files with CRLF or LF line ends read every row.
	for _, end := range []string{"\r\n", "\n"} {
		b, err := csvsrc.NewBilling(
			strings.NewReader(strings.ReplaceAll(bill, "\r", end)), nil)
		if err != nil {
			t.Fatalf("%q: %v", end, err)
		}
		if subs, errs := subscriptions(b); len(subs) != 2 || len(errs) > 0 {
			t.Errorf("%q: got %+v %v, want two subscriptions", end, subs, errs)
		}
		a := newAccess(t, strings.ReplaceAll(acc, "\r", end), nil)
		if gs, errs := grants(a); len(gs) != 2 || len(errs) > 0 {
			t.Errorf("%q: got %+v %v, want two grants", end, gs, errs)
		}
	}
}

type where struct {
	Record, Field string
	Line          int
}

func places(t *testing.T, errs []error) []where {
	t.Helper()
	var got []where
	for _, err := range errs {
		var re *source.RecordError
		var le *csvsrc.LineError
		if !errors.As(err, &re) || !errors.As(err, &le) {
			t.Fatalf("%v is not a record error with a line", err)
		}
		got = append(got, where{re.Record, re.Field, le.Line})
	}
	return got
}

// Two exports joined leave the second header among the rows; it is a bad
// row, not a record, whether or not it carries a byte-order mark.
func TestRepeatedHeaderIsABadRow(t *testing.T) {
	for _, bom := range []string{"", "\uFEFF"} {
		acc := "account_id,stripe_customer_id,active\nacct_1,cus_1,1\n" +
			bom + "account_id,stripe_customer_id,active\nacct_2,cus_2,1\n"
		gs, errs := grants(newAccess(t, acc, nil))
		if len(gs) != 2 || gs[0].AccountID != "acct_1" || gs[1].AccountID != "acct_2" {
			t.Errorf("bom %q: grants %+v, want acct_1 and acct_2", bom, gs)
		}
		if diff := cmp.Diff([]where{{"line 3", "", 3}}, places(t, errs)); diff != "" {
			t.Errorf("bom %q: access errors (-want +got):\n%s", bom, diff)
		}
		if len(errs) == 1 && !strings.Contains(errs[0].Error(), "repeats the header") {
			t.Errorf("bom %q: message %v", bom, errs[0])
		}

		bill := "id,customer_id,status\nsub_1,cus_1,active\n" +
			bom + "ID,Customer_ID,Status\nsub_2,cus_2,active\n"
		b, err := csvsrc.NewBilling(strings.NewReader(bill), nil)
		if err != nil {
			t.Fatal(err)
		}
		subs, errs := subscriptions(b)
		if len(subs) != 2 || subs[0].ID != "sub_1" || subs[1].ID != "sub_2" {
			t.Errorf("bom %q: subscriptions %+v, want sub_1 and sub_2", bom, subs)
		}
		if diff := cmp.Diff([]where{{"line 3", "", 3}}, places(t, errs)); diff != "" {
			t.Errorf("bom %q: billing errors (-want +got):\n%s", bom, diff)
		}
	}
}

// A NUL or a byte-order mark inside an id is a bad value naming the line
// and the column.
func TestControlCharactersInIDs(t *testing.T) {
	const acc = "account_id,stripe_customer_id,subscription_id\n" +
		"acct_1\x00,cus_1,sub_1\n" +
		"acct_2,cus_2\uFEFF,sub_2\n" +
		"acct_3,cus_3,sub\x00_3\n" +
		"acct_4,cus_4,sub_4\n"
	gs, errs := grants(newAccess(t, acc, nil))
	if len(gs) != 1 || gs[0].AccountID != "acct_4" {
		t.Errorf("grants %+v, want only acct_4", gs)
	}
	want := []where{{"line 2", "account_id", 2},
		{"acct_2", "stripe_customer_id", 3}, {"acct_3", "subscription_id", 4}}
	if diff := cmp.Diff(want, places(t, errs)); diff != "" {
		t.Errorf("access errors (-want +got):\n%s", diff)
	}

	const bill = "id,customer_id,status,plan\n" +
		"sub_1\x00,cus_1,active,price_1\n" +
		"sub_2,\uFEFFcus_2,active,price_1\n" +
		"sub_3,cus_3,active,price\x00_1\n" +
		"sub_4,cus_4,active,price_1\n"
	b, err := csvsrc.NewBilling(strings.NewReader(bill), nil)
	if err != nil {
		t.Fatal(err)
	}
	subs, errs := subscriptions(b)
	if len(subs) != 1 || subs[0].ID != "sub_4" {
		t.Errorf("subscriptions %+v, want only sub_4", subs)
	}
	want = []where{{"line 2", "id", 2}, {"sub_2", "customer_id", 3},
		{"sub_3", "plan", 4}}
	if diff := cmp.Diff(want, places(t, errs)); diff != "" {
		t.Errorf("billing errors (-want +got):\n%s", diff)
	}
	if len(errs) > 1 && !strings.Contains(errs[1].Error(), "U+FEFF") {
		t.Errorf("message %v does not name the byte-order mark", errs[1])
	}
}

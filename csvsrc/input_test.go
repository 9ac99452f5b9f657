package csvsrc_test

import (
	"strings"
	"testing"

	"github.com/driftexact/driftexact/csvsrc"
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

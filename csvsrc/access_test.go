package csvsrc_test

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/driftexact/driftexact/csvsrc"
	"github.com/driftexact/driftexact/source"
)

var jul1 = time.Date(2024, 7, 1, 0, 0, 0, 0, time.UTC)

func seats(n int64) *int64 { return &n }

func newAccess(t *testing.T, text string, opts *csvsrc.AccessOptions) *csvsrc.Access {
	t.Helper()
	a, err := csvsrc.NewAccess(strings.NewReader(text), opts)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// pull reads a whole pull, keeping records and errors apart.
func pull[R any](seq func(context.Context) func(func(R, error) bool)) ([]R, []error) {
	var recs []R
	var errs []error
	for r, err := range seq(context.Background()) {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		recs = append(recs, r)
	}
	return recs, errs
}

func grants(a *csvsrc.Access) ([]source.Grant, []error) {
	return pull(func(ctx context.Context) func(func(source.Grant, error) bool) {
		return a.Grants(ctx)
	})
}

func TestDetection(t *testing.T) {
	for _, tc := range []struct {
		name   string
		header string
		opts   *csvsrc.AccessOptions
		want   csvsrc.AccessColumns
	}{
		{"snake case, email as the account",
			"email,stripe_customer_id,customer,plan,seats,status,expires_at",
			nil,
			csvsrc.AccessColumns{AccountID: "email", CustomerID: "stripe_customer_id",
				Plan: "plan", Seats: "seats", Access: "status", Expires: "expires_at"}},
		{"title case with spaces",
			"Account ID,Customer ID,Subscription ID,Plan,Seats,Active,Expires At",
			nil,
			csvsrc.AccessColumns{AccountID: "Account ID", CustomerID: "Customer ID",
				SubscriptionID: "Subscription ID", Plan: "Plan", Seats: "Seats",
				Access: "Active", Expires: "Expires At"}},
		{"id preferred to email, access preferred to status",
			"id,email,customer,subscription,tier,quantity,status,access,valid_until",
			nil,
			csvsrc.AccessColumns{AccountID: "id", CustomerID: "customer",
				SubscriptionID: "subscription", Plan: "tier", Seats: "quantity",
				Access: "access", Expires: "valid_until"}},
		{"named account, the rest detected",
			"uid,customer_id,plan,enabled",
			&csvsrc.AccessOptions{Columns: csvsrc.AccessColumns{AccountID: "UID"}},
			csvsrc.AccessColumns{AccountID: "uid", CustomerID: "customer_id",
				Plan: "plan", Access: "enabled"}},
		{"exact",
			"uid,customer_id,plan,enabled",
			&csvsrc.AccessOptions{Exact: true,
				Columns: csvsrc.AccessColumns{AccountID: "uid", Plan: "plan"}},
			csvsrc.AccessColumns{AccountID: "uid", Plan: "plan"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := newAccess(t, tc.header+"\n", tc.opts)
			if diff := cmp.Diff(tc.want, a.Columns()); diff != "" {
				t.Errorf("Columns (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDetectionRefuses(t *testing.T) {
	for _, tc := range []struct {
		header string
		opts   *csvsrc.AccessOptions
		want   string
	}{
		{"plan,seats", nil, `no column for account_id (the header has "plan", "seats")`},
		{"account_id,customer_id,Customer ID", nil, `both "customer_id" and "Customer ID"`},
		{"account_id,plan", &csvsrc.AccessOptions{Columns: csvsrc.AccessColumns{Plan: "tier"}},
			`plan: the header has no column "tier"`},
		{"", nil, "empty"},
		{"account_id,stripe_customer_id,active,Active",
			&csvsrc.AccessOptions{Columns: csvsrc.AccessColumns{Access: "active"}},
			`access: the header has the column "active" twice (columns 3 and 4)`},
		{"account_id,stripe_customer_id",
			&csvsrc.AccessOptions{Columns: csvsrc.AccessColumns{
				AccountID: "account_id", SubscriptionID: "Account_ID"}},
			`account_id and subscription_id both name the column "account_id"`},
	} {
		_, err := csvsrc.NewAccess(strings.NewReader(tc.header), tc.opts)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("header %q: got %v, want an error containing %q", tc.header, err, tc.want)
		}
	}
}

// The file below has a byte-order mark, CRLF line ends, quoted fields
// holding commas, quotes and a line break, a row of empty cells and blank
// lines at the end.
const awkward = "\uFEFFaccount_id,stripe_customer_id,plan,seats,status,expires_at\r\n" +
	"a1,cus_1,pro,3,active,2024-07-01T00:00:00Z\r\n" +
	"\"a,2\",\"cus_\"\"2\"\"\",\"team\r\nplus\",\" 5.00 \",Revoked,2024-07-01 02:00:00+02:00\r\n" +
	",,,,,\r\n" +
	"a3,,free,,on,\r\n" +
	"\r\n\r\n"

func TestAwkwardFile(t *testing.T) {
	gs, errs := grants(newAccess(t, awkward, nil))
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	want := []source.Grant{
		{AccountID: "a1", CustomerID: "cus_1", Plan: "pro", Seats: seats(3), Active: true, Expires: jul1},
		// A line break inside quotes is read as "\n", whatever the file used.
		{AccountID: "a,2", CustomerID: `cus_"2"`, Plan: "team\nplus", Seats: seats(5), Expires: jul1},
		{AccountID: "a3", Plan: "free", Active: true},
	}
	if diff := cmp.Diff(want, gs); diff != "" {
		t.Errorf("grants (-want +got):\n%s", diff)
	}
}

func TestNoAccessColumnMeansOn(t *testing.T) {
	a := newAccess(t, "account_id,plan\na1,pro\n", nil)
	gs, errs := grants(a)
	if len(errs) > 0 || len(gs) != 1 || !gs[0].Active {
		t.Errorf("got %+v %v; want one active grant", gs, errs)
	}
	if diff := cmp.Diff([]string{"seats", "expires"}, a.Unavailable()); diff != "" {
		t.Errorf("Unavailable (-want +got):\n%s", diff)
	}
}

func TestBadRowsNameLineAndColumn(t *testing.T) {
	const file = "account_id,seats,status,expires_at\n" +
		"a1,3,active,\n" + // line 2
		"a2,many,active,\n" + // line 3
		"a3,1,active,next week\n" + // line 4
		",1,active,\n" + // line 5
		"a5,1\n" + // line 6: too few fields
		"\"a6\nb\",1,paused,\n" + // lines 7-8: status outside both lists
		"a8,1,active,\xff\n" + // line 9
		"a9,-1,active,\n" // line 10
	gs, errs := grants(newAccess(t, file, &csvsrc.AccessOptions{
		InactiveValues: []string{"canceled"}}))
	if len(gs) != 1 || gs[0].AccountID != "a1" {
		t.Errorf("good rows: %+v, want only a1", gs)
	}
	type where struct {
		Record, Field string
		Line          int
	}
	want := []where{
		{"a2", "seats", 3}, {"a3", "expires_at", 4}, {"line 5", "account_id", 5},
		{"line 6", "", 6}, {"a6\nb", "status", 8}, {"a8", "expires_at", 9},
		{"a9", "seats", 10},
	}
	var got []where
	for _, err := range errs {
		var re *source.RecordError
		var le *csvsrc.LineError
		if !errors.As(err, &re) || !errors.As(err, &le) {
			t.Fatalf("%v is not a record error with a line", err)
		}
		got = append(got, where{re.Record, re.Field, le.Line})
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("errors (-want +got):\n%s", diff)
	}
	const msg = `record "a2": field "seats": line 3: "many" is not a whole number`
	if errs[0].Error() != msg {
		t.Errorf("message: %s, want %s", errs[0], msg)
	}
}

func TestFailOnBadRow(t *testing.T) {
	a := newAccess(t, "account_id,seats\na1,1\na2,x\na3,1\n",
		&csvsrc.AccessOptions{FailOnBadRow: true})
	gs, errs := grants(a)
	if len(gs) != 1 || len(errs) != 1 || !errors.Is(errs[0], csvsrc.ErrBadRow) {
		t.Fatalf("got %+v, %v; want a1 then ErrBadRow", gs, errs)
	}
	var re *source.RecordError
	if errors.As(errs[0], &re) {
		t.Errorf("the fatal error passes for a per-record one: %v", errs[0])
	}
	if !strings.Contains(errs[0].Error(), "line 3") {
		t.Errorf("no line number: %v", errs[0])
	}
	if a.LastPull().Records != 0 {
		t.Errorf("a pull that stopped was counted: %+v", a.LastPull())
	}
}

func TestMalformedCSVIsFatal(t *testing.T) {
	gs, errs := grants(newAccess(t, "account_id,plan\na1,pro\na\"2,pro\na3,pro\n", nil))
	if len(gs) != 1 || len(errs) != 1 {
		t.Fatalf("got %+v, %v; want a1 then one error", gs, errs)
	}
	if !strings.Contains(errs[0].Error(), "line 3") {
		t.Errorf("error does not give the line: %v", errs[0])
	}
}

func TestUTF16IsRefused(t *testing.T) {
	_, err := csvsrc.NewAccess(strings.NewReader("\xff\xfea\x00"), nil)
	if err == nil || !strings.Contains(err.Error(), "UTF-16") {
		t.Errorf("got %v, want a UTF-16 error", err)
	}
}

func TestReaderPulls(t *testing.T) {
	const file = "account_id\na1\na2\n"
	a := newAccess(t, file, nil) // a *strings.Reader can seek
	for i := range 2 {
		if gs, errs := grants(a); len(gs) != 2 || len(errs) > 0 {
			t.Errorf("pull %d: %+v %v", i, gs, errs)
		}
	}
	once, err := csvsrc.NewAccess(io.MultiReader(strings.NewReader(file)), nil)
	if err != nil {
		t.Fatal(err)
	}
	if gs, _ := grants(once); len(gs) != 2 {
		t.Errorf("first pull of a plain reader read %d", len(gs))
	}
	if _, errs := grants(once); len(errs) != 1 || !errors.Is(errs[0], csvsrc.ErrReread) {
		t.Errorf("second pull of a plain reader: %v, want ErrReread", errs)
	}
	// A reader serves one pull at a time.
	for range a.Grants(context.Background()) {
		if _, errs := grants(a); len(errs) != 1 {
			t.Errorf("a pull during a pull: %v, want one error", errs)
		}
		break
	}
}

func TestOpenAccess(t *testing.T) {
	path := filepath.Join(t.TempDir(), "access.csv")
	if err := os.WriteFile(path, []byte("account_id,plan\na1,pro\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	a, err := csvsrc.OpenAccess(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Pulls from a path may overlap: each has its own file.
	for range a.Grants(context.Background()) {
		if gs, errs := grants(a); len(gs) != 1 || len(errs) > 0 {
			t.Errorf("overlapping pull: %+v %v", gs, errs)
		}
	}
	if err := os.WriteFile(path, []byte("plan,account_id\npro,a1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, errs := grants(a); len(errs) != 1 || !strings.Contains(errs[0].Error(), "header") {
		t.Errorf("pull after the header changed: %v", errs)
	}
	_, err = csvsrc.OpenAccess(filepath.Join(t.TempDir(), "missing.csv"), nil)
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}

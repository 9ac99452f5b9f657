package csvsrc_test

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	gocmp "github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/driftexact/driftexact/csvsrc"
	"github.com/driftexact/driftexact/source"
	"github.com/driftexact/driftexact/source/sourcetest"
)

// writeCSV renders rows with encoding/csv, CRLF line ends and a byte-order
// mark, as spreadsheet programs save them.
func writeCSV(t *testing.T, rows [][]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	buf.WriteString("\uFEFF")
	w := csv.NewWriter(&buf)
	w.UseCRLF = true
	if err := w.WriteAll(rows); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func saveFile(t *testing.T, data []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "export.csv")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// failingReader gives the first half of data, then an I/O error.
func failingReader(data []byte) io.Reader {
	return io.MultiReader(bytes.NewReader(data[:len(data)/2]), errReader{})
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errors.New("disk read failed") }

func stamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format("2006-01-02 15:04:05")
}

func accessRows(grants []source.Grant) [][]string {
	rows := [][]string{{"account_id", "stripe_customer_id", "stripe_subscription_id",
		"plan", "seats", "status", "expires_at"}}
	for _, g := range grants {
		seats, status := "", "canceled"
		if g.Seats != nil {
			seats = strconv.FormatInt(*g.Seats, 10)
		}
		if g.Active {
			status = "active"
		}
		rows = append(rows, []string{g.AccountID, g.CustomerID, g.SubscriptionID,
			g.Plan, seats, status, stamp(g.Expires)})
	}
	return rows
}

func TestAccessConforms(t *testing.T) {
	failing := func(t *testing.T, grants []source.Grant) source.Access {
		a, err := csvsrc.NewAccess(failingReader(writeCSV(t, accessRows(grants))), nil)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	t.Run("path", func(t *testing.T) {
		sourcetest.TestAccess(t, sourcetest.Access{
			Open: func(t *testing.T, grants []source.Grant) source.Access {
				a, err := csvsrc.OpenAccess(saveFile(t, writeCSV(t, accessRows(grants))), nil)
				if err != nil {
					t.Fatal(err)
				}
				return a
			},
			OpenFailing: failing,
		})
	})
	t.Run("reader", func(t *testing.T) {
		sourcetest.TestAccess(t, sourcetest.Access{
			Open: func(t *testing.T, grants []source.Grant) source.Access {
				a, err := csvsrc.NewAccess(bytes.NewReader(writeCSV(t, accessRows(grants))), nil)
				if err != nil {
					t.Fatal(err)
				}
				return a
			},
			OpenFailing: failing,
			OpenBad:     badAccess,
		})
	})
}

// badAccess stores grants with one more row, in the middle, whose seats
// cannot be read.
func badAccess(t *testing.T, grants []source.Grant, bad string) source.Access {
	rows := accessRows(grants)
	mid := 1 + len(grants)/2
	row := []string{bad, "cus_bad", "sub_bad", "pro", "many", "active", ""}
	rows = append(rows[:mid], append([][]string{row}, rows[mid:]...)...)
	a, err := csvsrc.NewAccess(bytes.NewReader(writeCSV(t, rows)), nil)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

var billingHeader = []string{"id", "Customer ID", "Status", "Plan", "Product",
	"Quantity", "Current Period End (UTC)", "Cancel At (UTC)", "Cancel At Period End",
	"Canceled At (UTC)", "Ended At (UTC)", "Trial End (UTC)", "Created (UTC)",
	"account_id (metadata)"}

// billingRows writes one row per item, as some exports do.
func billingRows(subs []source.Subscription) [][]string {
	rows := [][]string{billingHeader}
	for _, s := range subs {
		for _, it := range s.Items {
			rows = append(rows, []string{s.ID, s.CustomerID, s.Status, it.PriceID,
				it.ProductID, strconv.FormatInt(it.Quantity, 10), stamp(s.CurrentPeriodEnd),
				stamp(s.CancelAt), strconv.FormatBool(s.CancelAtPeriodEnd),
				stamp(s.CanceledAt), stamp(s.EndedAt), stamp(s.TrialEnd), stamp(s.Created),
				s.Metadata["account_id"]})
		}
	}
	return rows
}

// The export carries no pause_collection, schedule, livemode, lookup keys
// or item-level period ends.
var notExported = []gocmp.Option{
	cmpopts.IgnoreFields(source.Subscription{}, "PauseCollection", "ScheduleID", "Livemode"),
	cmpopts.IgnoreFields(source.Item{}, "LookupKey", "CurrentPeriodEnd"),
}

func TestBillingConforms(t *testing.T) {
	opts := &csvsrc.BillingOptions{MetadataKeys: []string{"account_id"}}
	sourcetest.TestBilling(t, sourcetest.Billing{
		Open: func(t *testing.T, subs []source.Subscription) source.Billing {
			b, err := csvsrc.OpenBilling(saveFile(t, writeCSV(t, billingRows(subs))), opts)
			if err != nil {
				t.Fatal(err)
			}
			return b
		},
		OpenFailing: func(t *testing.T, subs []source.Subscription) source.Billing {
			b, err := csvsrc.NewBilling(failingReader(writeCSV(t, billingRows(subs))), opts)
			if err != nil {
				t.Fatal(err)
			}
			return b
		},
		Options: notExported,
	})
}

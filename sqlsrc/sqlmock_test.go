package sqlsrc_test

import (
	"context"
	"errors"
	"regexp"
	"testing"

	"github.com/DATA-DOG/go-sqlmock"

	"github.com/driftexact/driftexact/source"
	"github.com/driftexact/driftexact/sqlsrc"
)

// These cases need a driver to fail in ways no real engine can be made to
// on demand: the connection breaking between two rows, and closing the
// rows failing after the last one. go-sqlmock plays the driver.

const mockQuery = "SELECT account_id, plan FROM accounts"

func mockSource(t *testing.T, rows *sqlmock.Rows) (*sqlsrc.Source, sqlmock.Sqlmock) {
	t.Helper()
	db, mock, err := sqlmock.New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	mock.ExpectBegin()
	mock.ExpectPrepare(regexp.QuoteMeta(mockQuery)).ExpectQuery().WillReturnRows(rows)
	mock.ExpectRollback()
	src := newSource(t, db, mockQuery, &sqlsrc.Options{
		Columns: sqlsrc.Columns{AccountID: "account_id", Plan: "plan"}})
	return src, mock
}

// pullAll reads a pull to its end and returns the grants read before the
// first fatal error, that error, and how many values followed it.
func pullAll(src source.Access) (n int, fatal error, after int) {
	for _, err := range src.Grants(context.Background()) {
		switch {
		case fatal != nil:
			after++
		case err != nil:
			fatal = err
		default:
			n++
		}
	}
	return n, fatal, after
}

func TestConnectionBreaksMidStream(t *testing.T) {
	broken := errors.New("read tcp 127.0.0.1:5432: connection reset by peer")
	rows := sqlmock.NewRows([]string{"account_id", "plan"}).
		AddRow("a1", "pro").AddRow("a2", "pro").AddRow("a3", "pro").
		RowError(2, broken)
	src, mock := mockSource(t, rows)
	n, fatal, after := pullAll(src)
	if n != 2 || !errors.Is(fatal, broken) || after != 0 {
		t.Fatalf("read %d, then %v, then %d more; want 2, the broken connection, none", n, fatal, after)
	}
	var re *source.RecordError
	if errors.As(fatal, &re) {
		t.Errorf("a broken connection passed for one bad record: %v", fatal)
	}
	if src.LastPull().Records != 0 {
		t.Errorf("a failed pull was recorded as complete: %+v", src.LastPull())
	}
	if err := mock.ExpectationsWereMet(); err != nil {
		t.Error(err)
	}
}

func TestClosingRowsFails(t *testing.T) {
	closing := errors.New("bad connection while discarding the result")
	rows := sqlmock.NewRows([]string{"account_id", "plan"}).
		AddRow("a1", "pro").AddRow("a2", "pro").
		CloseError(closing)
	src, mock := mockSource(t, rows)
	n, fatal, after := pullAll(src)
	if n != 2 || !errors.Is(fatal, closing) || after != 0 {
		t.Fatalf("read %d, then %v, then %d more; want 2, the close error, none", n, fatal, after)
	}
	if err := mock.ExpectationsWereMet(); err != nil {
		t.Error(err)
	}
}

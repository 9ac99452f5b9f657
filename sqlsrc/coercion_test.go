package sqlsrc_test

import (
	"fmt"
	"testing"
	"time"
	_ "time/tzdata"

	"github.com/go-sql-driver/mysql"
	"github.com/google/go-cmp/cmp"

	"github.com/driftexact/driftexact/source"
	"github.com/driftexact/driftexact/sqlsrc"
)

// The coercion table holds each grant field in several column types. Row
// a1 has every value set, a2 has NULL in every column but the account id,
// and " a3 " has "off" values, padding, and times written in other zones.
// Every time in it is 2024-07-01 00:00 UTC.
var coercionWant = []source.Grant{
	{AccountID: "a1", CustomerID: "cus_1", SubscriptionID: "sub_1", Plan: "pro",
		Seats: seats(3), Active: true, Expires: jul1},
	{AccountID: "a2"},
	{AccountID: "a3", CustomerID: "cus_3", SubscriptionID: "sub_3", Plan: "team",
		Seats: seats(0), Active: false, Expires: jul1},
}

var (
	seatColumns   = []string{"seats_int", "seats_num", "seats_text"}
	accessColumns = []string{"on_bool", "on_tiny", "on_text"}
	expiryColumns = []string{"exp_tz", "exp_dt", "exp_date", "exp_text", "exp_unix"}
)

const coercionNull = `('a2', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
	NULL, NULL, NULL, NULL, NULL)`

func coercionSQLite(t *testing.T, e *engine) string {
	return e.table(t, `account_id TEXT, customer TEXT, sub TEXT, plan TEXT,
		seats_int INTEGER, seats_num NUMERIC, seats_text TEXT,
		on_bool BOOLEAN, on_tiny INTEGER, on_text TEXT,
		exp_tz TIMESTAMP, exp_dt DATETIME, exp_date DATE, exp_text TEXT, exp_unix INTEGER`,
		`INSERT INTO {t} VALUES ('a1', 'cus_1', 'sub_1', 'pro', 3, '3.00', '3',
			TRUE, 1, 'Active', '2024-07-01 02:00:00+02:00', '2024-07-01 00:00:00',
			'2024-07-01', '2024-07-01T00:00:00Z', 1719792000)`,
		`INSERT INTO {t} VALUES `+coercionNull,
		`INSERT INTO {t} VALUES (' a3 ', 'cus_3 ', 'sub_3', 'team ', 0, 0.0, ' 0 ',
			FALSE, 0, 'revoked', '2024-06-30T19:00:00-05:00', '2024-07-01 00:00:00',
			'2024-07-01', '2024-06-30 20:00:00-04:00', '1719792000')`)
}

func coercionPostgres(t *testing.T, e *engine) string {
	return e.table(t, `account_id text, customer text, sub text, plan char(8),
		seats_int integer, seats_num numeric(10,2), seats_text text,
		on_bool boolean, on_tiny smallint, on_text text,
		exp_tz timestamptz, exp_dt timestamp, exp_date date, exp_text text, exp_unix bigint`,
		`INSERT INTO {t} VALUES ('a1', 'cus_1', 'sub_1', 'pro', 3, 3, '3',
			true, 1, 'Active', '2024-07-01 02:00:00+02', '2024-07-01 00:00:00',
			'2024-07-01', '2024-07-01T00:00:00Z', 1719792000)`,
		`INSERT INTO {t} VALUES `+coercionNull,
		`INSERT INTO {t} VALUES (' a3 ', 'cus_3 ', 'sub_3', 'team', 0, 0, ' 0 ',
			false, 0, 'revoked', '2024-06-30 19:00:00-05', '2024-07-01 00:00:00',
			'2024-07-01', '2024-06-30 20:00:00-04:00', 1719792000)`)
}

// coercionMySQL writes the TIMESTAMP column from sessions in two other
// zones; MySQL stores it in UTC.
func coercionMySQL(t *testing.T, e *engine) string {
	return e.table(t, `account_id VARCHAR(16), customer VARCHAR(16), sub VARCHAR(16),
		plan CHAR(8), seats_int INT, seats_num DECIMAL(10,2), seats_text VARCHAR(8),
		on_bool BOOLEAN, on_tiny TINYINT, on_text VARCHAR(16),
		exp_tz TIMESTAMP NULL, exp_dt DATETIME, exp_date DATE, exp_text VARCHAR(40),
		exp_unix BIGINT`,
		`SET time_zone = '+02:00'`,
		`INSERT INTO {t} VALUES ('a1', 'cus_1', 'sub_1', 'pro', 3, 3, '3',
			TRUE, 1, 'Active', '2024-07-01 02:00:00', '2024-07-01 00:00:00',
			'2024-07-01', '2024-07-01T00:00:00Z', 1719792000)`,
		`INSERT INTO {t} VALUES `+coercionNull,
		`SET time_zone = '-05:00'`,
		`INSERT INTO {t} VALUES (' a3 ', 'cus_3 ', 'sub_3', 'team', 0, 0, ' 0 ',
			FALSE, 0, 'revoked', '2024-06-30 19:00:00', '2024-07-01 00:00:00',
			'2024-07-01', '2024-06-30 20:00:00-04:00', 1719792000)`)
}

// checkCoercion reads the table once per column of each field, the other
// fields held at their first column, and expects the same grants each time.
func checkCoercion(t *testing.T, e *engine, table string, opts sqlsrc.Options) {
	t.Helper()
	query := "SELECT * FROM " + table
	run := func(seats, access, expires string) {
		t.Run(fmt.Sprintf("%s,%s,%s", seats, access, expires), func(t *testing.T) {
			o := opts
			o.Columns = sqlsrc.Columns{AccountID: "account_id", CustomerID: "customer",
				SubscriptionID: "sub", Plan: "plan", Seats: seats, Access: access, Expires: expires}
			gs, errs := collect(t, newSource(t, e.db, query, &o))
			if len(errs) > 0 {
				t.Fatalf("errors: %v", errs)
			}
			if diff := cmp.Diff(coercionWant, byAccount(gs)); diff != "" {
				t.Errorf("grants (-want +got):\n%s", diff)
			}
		})
	}
	for _, c := range seatColumns {
		run(c, accessColumns[0], expiryColumns[0])
	}
	for _, c := range accessColumns[1:] {
		run(seatColumns[0], c, expiryColumns[0])
	}
	for _, c := range expiryColumns[1:] {
		run(seatColumns[0], accessColumns[0], c)
	}
}

func TestCoercionSQLite(t *testing.T) {
	e := openSQLite(t)
	checkCoercion(t, e, coercionSQLite(t, e), sqlsrc.Options{})
}

func TestCoercionPostgres(t *testing.T) {
	e := openPostgres(t, nil)
	table := coercionPostgres(t, e)
	checkCoercion(t, e, table, sqlsrc.Options{})
	// The session's zone changes how the server prints times, not the
	// instants read.
	t.Run("session in Tokyo", func(t *testing.T) {
		tokyo := openPostgres(t, map[string]string{"timezone": "Asia/Tokyo"})
		checkCoercion(t, tokyo, table, sqlsrc.Options{})
	})
}

func TestCoercionMySQL(t *testing.T) {
	e := openMySQL(t, func(c *mysql.Config) { c.ParseTime = true })
	table := coercionMySQL(t, e)
	t.Run("parseTime", func(t *testing.T) {
		checkCoercion(t, e, table, sqlsrc.Options{})
	})
	// Without parseTime the driver hands DATETIME, DATE and TIMESTAMP
	// values on as text.
	t.Run("no parseTime", func(t *testing.T) {
		text := openMySQL(t, func(c *mysql.Config) { c.ParseTime = false })
		checkCoercion(t, text, table, sqlsrc.Options{})
	})
}

// A DATETIME holds a wall-clock time with no zone. The driver's loc and
// Options.Location say which zone it is in, and agree.
func TestMySQLDatetimeZone(t *testing.T) {
	tokyo, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		t.Fatal(err)
	}
	e := openMySQL(t, nil)
	table := e.table(t, "account_id VARCHAR(8), expires DATETIME",
		`INSERT INTO {t} VALUES ('a1', '2024-07-01 09:00:00')`)
	for _, tc := range []struct {
		name string
		edit func(*mysql.Config)
		loc  *time.Location
	}{
		{"parseTime with loc", func(c *mysql.Config) { c.ParseTime, c.Loc = true, tokyo }, nil},
		{"text with Location", func(c *mysql.Config) { c.ParseTime = false }, tokyo},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := openMySQL(t, tc.edit).db
			gs, errs := collect(t, newSource(t, db, "SELECT * FROM "+table, &sqlsrc.Options{
				Columns:  sqlsrc.Columns{AccountID: "account_id", Expires: "expires"},
				Location: tc.loc,
			}))
			if len(errs) > 0 || len(gs) != 1 || !gs[0].Expires.Equal(jul1) {
				t.Errorf("got %+v, %v; want expiry %v", gs, errs, jul1)
			}
		})
	}
}

// Account ids stored as integers, and as PostgreSQL uuids, read as text.
func TestNumericAccountIDs(t *testing.T) {
	for _, tc := range []struct {
		open  func(*testing.T) *engine
		query string
		want  string
	}{
		{func(t *testing.T) *engine { return openSQLite(t) }, "SELECT 42 AS id", "42"},
		{func(t *testing.T) *engine { return openPostgres(t, nil) },
			"SELECT 42::bigint AS id", "42"},
		{func(t *testing.T) *engine { return openPostgres(t, nil) },
			"SELECT 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid AS id",
			"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"},
		{func(t *testing.T) *engine { return openMySQL(t, nil) },
			"SELECT CAST(42 AS UNSIGNED) AS id", "42"},
	} {
		t.Run(tc.query, func(t *testing.T) {
			e := tc.open(t)
			gs, errs := collect(t, newSource(t, e.db, tc.query,
				&sqlsrc.Options{Columns: sqlsrc.Columns{AccountID: "id"}}))
			if len(errs) > 0 || len(gs) != 1 || gs[0].AccountID != tc.want {
				t.Errorf("got %+v, %v; want account %q", gs, errs, tc.want)
			}
		})
	}
}

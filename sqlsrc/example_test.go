package sqlsrc_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log"
	"os"
	"path/filepath"

	_ "modernc.org/sqlite"

	"github.com/driftexact/driftexact/source"
	"github.com/driftexact/driftexact/sqlsrc"
)

// exampleDB creates a small access table in a temporary SQLite file.
func exampleDB() (*sql.DB, func()) {
	dir, err := os.MkdirTemp("", "sqlsrc-example-")
	if err != nil {
		log.Fatal(err)
	}
	db, err := sql.Open("sqlite", filepath.Join(dir, "app.db"))
	if err != nil {
		log.Fatal(err)
	}
	for _, stmt := range []string{
		`CREATE TABLE accounts (id TEXT, workspace TEXT, stripe_customer TEXT,
			plan TEXT, seats, status TEXT, paid_until)`,
		`INSERT INTO accounts VALUES
			('acct_1', 'acme', 'cus_1', 'team', 5, 'active', '2024-07-01 00:00:00'),
			('acct_2', 'acme', 'cus_2', 'pro', NULL, 'revoked', 1719792000),
			('acct_3', 'acme', 'cus_3', 'pro', 'lots', 'active', NULL),
			('acct_9', 'globex', 'cus_9', 'pro', 1, 'active', NULL)`,
	} {
		if _, err := db.Exec(stmt); err != nil {
			log.Fatal(err)
		}
	}
	return db, func() { db.Close(); os.RemoveAll(dir) }
}

// Read one workspace's grants. The row whose seat count cannot be read
// comes with a record error naming its account and column; the others are
// read as they stream in.
func Example() {
	db, cleanup := exampleDB()
	defer cleanup()

	src, err := sqlsrc.New(db,
		`SELECT id, stripe_customer, plan, seats, status, paid_until
		   FROM accounts WHERE workspace = ? ORDER BY id`,
		&sqlsrc.Options{
			Columns: sqlsrc.Columns{
				AccountID: "id", CustomerID: "stripe_customer", Plan: "plan",
				Seats: "seats", Access: "status", Expires: "paid_until",
			},
			Workspace: "acme",
		})
	if err != nil {
		log.Fatal(err)
	}
	for g, err := range src.Grants(context.Background()) {
		var bad *source.RecordError
		switch {
		case errors.As(err, &bad):
			fmt.Printf("%s: cannot read %s: %v\n", bad.Record, bad.Field, bad.Err)
		case err != nil:
			log.Fatal(err)
		default:
			fmt.Printf("%s %s on=%t seats=%s until=%s\n", g.AccountID, g.Plan,
				g.Active, seatText(g.Seats), g.Expires.Format("2006-01-02"))
		}
	}
	// Output:
	// acct_1 team on=true seats=5 until=2024-07-01
	// acct_2 pro on=false seats=- until=2024-07-01
	// acct_3: cannot read seats: "lots" is not a whole number
}

func seatText(n *int64) string {
	if n == nil {
		return "-"
	}
	return fmt.Sprint(*n)
}

// Anything but one SELECT is refused before it reaches the database.
func ExampleNew_refused() {
	db, cleanup := exampleDB()
	defer cleanup()

	_, err := sqlsrc.New(db,
		`WITH gone AS (DELETE FROM accounts RETURNING id) SELECT id FROM gone`,
		&sqlsrc.Options{Columns: sqlsrc.Columns{AccountID: "id"}})
	fmt.Println(err)
	fmt.Println(errors.Is(err, sqlsrc.ErrNotSelect))
	// Output:
	// sqlsrc: only a single SELECT statement is allowed: the query holds DELETE
	// true
}

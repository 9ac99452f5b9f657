// Package sqlsrc reads access records from a SQL database through
// database/sql, as a [source.Access].
//
// The caller supplies one SELECT statement and says which of its result
// columns hold which grant field. Any database/sql driver whose
// transactions can be read-only works; the package is tested with
// PostgreSQL (github.com/jackc/pgx/v5/stdlib), MySQL and MariaDB
// (github.com/go-sql-driver/mysql) and SQLite (modernc.org/sqlite).
//
//	src, err := sqlsrc.New(db,
//		`SELECT id, stripe_customer, plan, seats, status, paid_until
//		   FROM accounts WHERE workspace_id = $1`,
//		&sqlsrc.Options{
//			Columns: sqlsrc.Columns{
//				AccountID: "id", CustomerID: "stripe_customer",
//				Plan: "plan", Seats: "seats", Access: "status",
//				Expires: "paid_until",
//			},
//			Workspace: "acme",
//		})
//
// # Mapping
//
// [Columns] names, for each grant field, the result column that holds it;
// names match without regard to case, and a column the mapping does not
// name is ignored. Only the account id is required. A mapping that names a
// column the query does not return, or a name the result holds twice, fails
// the pull before any row is read, with an error listing the columns the
// query does return. Fields with no column are reported by
// [Source.Unavailable] so that the checks needing them are shown as not
// run. A query without an access column lists grants that are on.
//
// [Options.Workspace] scopes one query to one tenant: it is bound to the
// first placeholder ("$1" for PostgreSQL, "?" for MySQL and SQLite) and is
// never formatted into the SQL text. [Options.Args] follow it.
//
// # Coercion
//
// Each field accepts what the engines actually return for it:
//
//   - ids and plan: text of any kind, and integers (formatted in base 10),
//     trimmed of surrounding space;
//   - seats: integers, NUMERIC or DECIMAL values with no fraction ("5.00"),
//     and text holding either; negative or fractional counts are errors;
//   - access: booleans, integers (TINYINT(1) and the like; non-zero is on)
//     and text compared with [Options.ActiveValues], and with
//     [Options.InactiveValues] when given;
//   - expiry: TIMESTAMPTZ, TIMESTAMP, DATETIME and DATE values as the driver
//     returns them, integer Unix seconds, and text: RFC 3339, "2006-01-02
//     15:04:05" with or without a zone, a bare date, or Unix seconds.
//     Text without a zone is read in [Options.Location] (UTC by default);
//     this covers MySQL DSNs without parseTime=true, whose DATETIME values
//     arrive as text. Integers past year 9999 are refused, since they are
//     almost always milliseconds.
//
// NULL in any column other than the account id is the field's zero value:
// no customer, no seat count (nil), access off, no expiry. The integer 0,
// and MySQL's zero date, are no expiry too. All times are returned in UTC.
//
// # Read-only
//
// A pull cannot change the database, by three locks of its own: the query
// must be a single SELECT or WITH … SELECT naming no write and nothing
// that ends a transaction or lifts a safeguard (no INSERT, UPDATE, DELETE,
// MERGE, INTO, FOR UPDATE, COMMIT, PRAGMA, ATTACH and so on; a column
// named like one must be quoted) under the quoting rules of every engine
// family, SQLite's [bracketed] identifiers included, which [New] checks; the statement is prepared
// before it runs, so PostgreSQL and MySQL refuse a second statement
// smuggled past the check; and it runs in a read-only transaction, which
// the server enforces, that is always rolled back. SQLite has no
// read-only transactions, so the pull takes a connection of its own and sets
// PRAGMA query_only for its length, then clears it (or discards the
// connection if it cannot). A driver that cannot begin a read-only
// transaction fails the pull rather than running the query without one.
//
// BUG: the SQLite driver runs every statement of a text it is asked to
// prepare, so on SQLite the single-statement check is the only lock
// against a query that ends the transaction and clears query_only itself.
// Open SQLite databases that hold access data read-only where you can
// (mode=ro in the DSN).
//
// For defence in depth, connect with a database role that may only SELECT
// the tables the query reads: functions with side effects outside the
// transaction are beyond what these locks can stop.
//
// # Errors
//
// A value that cannot be read, or an empty account id, makes the row's
// grant come with a *source.RecordError naming the account (or "row N"
// when the account id itself is unreadable) and the result column; the
// sequence goes on, and the report lists the row in its coverage. No row
// is ever dropped without one or the other. With [Options.FailOnBadRow] the
// first such row ends the pull instead, with an error wrapping [ErrBadRow].
// Any other error (connecting, the query, a failure mid-stream, a
// cancelled context) is fatal: it is the last value of the sequence, and
// wraps the driver's error or the context's.
//
// # Streaming and cancellation
//
// Rows are handed on as the driver reads them; a pull holds one row at a
// time, whatever the size of the result. Cancelling the context given to
// [Source.Grants] stops the query on the server (database/sql closes the
// rows and the driver cancels the statement) and ends the sequence with the
// context's error. Breaking out of the range statement cancels the query
// too, before the loop exits (closing its rows would otherwise read the
// rest of the result), and rolls the transaction back.
//
// # Concurrency
//
// A [Source] is safe for concurrent use: each pull runs in its own
// transaction on its own connection. The *sql.DB belongs to the caller,
// who must keep it open while pulls run and close it afterwards.
package sqlsrc

// Package csvsrc reads CSV files as DriftExact sources: an export of the
// host's own access records as a [source.Access] ([Access]), and an export
// of Stripe subscriptions as a [source.Billing] ([Billing]).
//
// Each source is opened from a path ([OpenAccess], [OpenBilling]) or built
// over an io.Reader the caller owns ([NewAccess], [NewBilling]). Either way
// the header row is read at once, so that a file whose columns cannot be
// mapped is refused before any pull.
//
//	access, err := csvsrc.OpenAccess("accounts.csv", nil)
//	if err != nil {
//		return err
//	}
//	log.Printf("columns read: %+v", access.Columns())
//
// # Mapping
//
// Columns are found by their header. [AccessColumns] and [BillingColumns]
// name them; names match without regard to case or surrounding space. A
// field left unnamed is detected: headers are compared after dropping case,
// spaces and punctuation, with a list of common names tried best first —
// stripe_customer_id before customer, for example, and the account id under
// account_id, user_id, id or, failing those, email. Set Exact to turn
// detection off. A header that two fields could claim equally is an error
// asking for a name, never a guess, as are a named column the header holds
// twice and one column named for two fields. [Access.Columns] and
// [Billing.Columns] report the mapping used, so detection can be checked
// and logged.
//
// The billing side reads Stripe's dashboard export of subscriptions as it
// comes: "id", "Customer ID", "Status", "Plan" (the price id), "Product",
// "Quantity", "Current Period End (UTC)", "Cancel At Period End", "Canceled
// At (UTC)", "Ended At (UTC)", "Trial End (UTC)", "Created (UTC)" and, for
// each of [BillingOptions.MetadataKeys], "<key> (metadata)"; snake_case
// exports such as Sigma's (customer_id, current_period_end, …) are detected
// too. Columns the export does not carry (pause_collection, the schedule,
// lookup keys, livemode) are left empty, with livemode taken from the
// options. Rows that repeat the id of the row before them are items of the
// same subscription; when they disagree on a field of the subscription
// itself (customer, status, a time, cancel_at_period_end or a kept metadata
// key), or list one price twice (a repeated row, whose quantity would
// otherwise count twice), the subscription is unreadable rather than read
// from one of them.
//
// # Coercion
//
// Values are read as sqlsrc reads text: ids trimmed; seat counts and
// quantities as whole numbers ("5" or "5.00"); access from words in the
// ActiveValues and InactiveValues options (or "active", "true", "1" and the
// like by default), every row being on when the file has no access column;
// times as RFC 3339, "2006-01-02 15:04" or "2006-01-02 15:04:05" with or
// without a zone, a bare date or Unix seconds, in the Location option when
// they carry no zone (UTC by default); yes/no flags as true/false, yes/no
// or 1/0. Empty cells are absent values.
//
// # Files
//
// Files are UTF-8, with or without a byte-order mark; a UTF-16 file is
// refused with an error saying so, and text that is not valid UTF-8 is a
// bad value. Quoted fields may hold separators, doubled quotes and line
// breaks; lines may end in LF or CRLF. A header that holds a line break,
// as a file with lone CR line ends reads, is refused at open. Blank lines,
// and rows whose cells are all empty, are skipped. The separator is ','
// unless the Comma option says otherwise.
//
// # Errors
//
// A row that cannot be read is yielded with a *source.RecordError naming
// the record (the account or subscription id, or "line N" when the id
// itself is unreadable) and the column as the header spells it; its Err is
// a *LineError carrying the line number. A row with the wrong number of
// fields is such an error too. The sequence goes on after them, so no row
// is dropped without a trace. With FailOnBadRow set, the first bad row
// ends the pull with an error wrapping [ErrBadRow] instead. CSV that
// cannot be parsed (a stray quote), an I/O error or a cancelled context
// ends the sequence with a fatal error; parse errors carry the line and
// column where parsing failed.
//
// # Streaming and memory
//
// A pull reads one record at a time through a fixed buffer and keeps
// nothing once it is yielded, so a file of millions of rows is read in
// bounded memory. Each record yielded holds copies of its own fields only,
// not the whole line, so a consumer that keeps records keeps no more than
// it needs.
//
// # Read-only
//
// Files are opened for reading only, and a caller's reader is only read
// (and, to pull again, rewound); nothing is ever written.
//
// # Concurrency
//
// A source opened from a path is safe for concurrent use: each pull opens
// the file anew and closes it before the range statement returns. A source
// over a caller's reader serves one pull at a time; a second pull while
// one is running fails, and a pull after the first one rewinds the reader
// when it is an io.ReadSeeker and fails with [ErrReread] when it is not.
// Such a reader is never closed by this package.
package csvsrc

// Package source defines the normalised records DriftExact compares and the
// two small interfaces that adapters implement to supply them.
//
// A billing source yields [Subscription] values; an access source yields
// [Grant] values. Both stream through an [iter.Seq2] so that an adapter can
// hand records on as it reads them, and both are read-only by contract: an
// implementation must never change the system it reads.
//
// # Adapters
//
// The module's adapters live in sibling packages: stripesrc reads Stripe's
// API, sqlsrc runs one SELECT through database/sql, csvsrc reads CSV
// exports, and agent reads from a self-hosted data agent. [MemoryBilling]
// and [MemoryAccess] hold records in memory for tests and examples.
//
// A host may write its own adapter, for an access store the module does
// not know, by implementing [Billing] or [Access]: one method returning a
// sequence. It may also implement the optional interfaces the check looks
// for: [SubscriptionGetter] (read by id what a listing left out),
// [FieldReporter] (fields the store lacks), [StatsReporter] (pages read)
// and [Describer] (a name for the report). Package source/sourcetest holds
// a conformance suite that shows an adapter keeps the rules below; run it
// from the adapter's tests.
//
// An adapter keeps only the fields of [Subscription] and [Grant] and drops
// everything else it reads as it reads it; metadata is limited to the keys
// the comparison profile names.
//
// # Iteration
//
// Sequences are single-use and must be ranged over by one goroutine. A
// sequence ends when it has yielded every record, when it yields a fatal
// error, or when the consumer stops early (break). An adapter releases
// everything it holds (rows, response bodies, goroutines) before the range
// statement returns, in every one of those cases.
//
// # Determinism
//
// A source may yield records in any order, and two pulls of unchanged data
// may differ in order: the comparison sorts what it reads. What a source
// must guarantee is that one pull yields each record once and leaves none
// out without saying so, by a [*RecordError] or a fatal error. Times are in
// UTC; the zero time means absent.
//
// # Concurrency
//
// Record values are plain data and safe to copy. The in-memory sources in
// this package are safe for concurrent use once built. A check calls
// [Billing.Subscriptions] and [Access.Grants] on different goroutines at
// the same time, and may pull one source from several checks at once, so
// an adapter that is shared between jobs must allow concurrent pulls.
// Sources do not own what they were opened over (a *sql.DB, an
// http.Client): whoever opened that closes it.
//
// # Errors
//
// An error that is a [*RecordError] describes a single record that could not
// be read; the sequence goes on after it, and the consumer decides whether
// to stop. Any other error is fatal and is the last value yielded. When the
// context ends, a sequence stops promptly and yields an error wrapping the
// context's error, so callers can test it with errors.Is. A read by id of a
// record that does not exist returns an error wrapping [ErrNotFound].
//
// Errors name the record (with %q) and the field, and never carry a secret:
// no key, token, password or full DSN, since callers log and print them.
package source

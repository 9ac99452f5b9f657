// Package history keeps the runs of DriftExact checks over time, per
// workspace, and tells for every finding whether it is new, persisting,
// resolved or reopened.
//
// A [Store] is what a monitoring loop needs: [Store.Save] stores a report
// and returns its [Lifecycle]; [Store.SaveFailure] records a check that
// failed. [SQLStore], opened with [OpenSQL] over a *sql.DB, implements it
// on SQLite, PostgreSQL and MySQL or MariaDB, and adds reading back
// ([SQLStore.Runs], [SQLStore.Run], [SQLStore.Lifecycle]),
// acknowledgements and retention.
//
// # Storage
//
// A run is stored as normalised rows: the run's own row (workspace, run id,
// as-of time, whether ids were masked, both sides' pull stamps, the input
// digests, the report's integrity digest and signature, coverage counts
// and the total), its counts by kind and severity, its coverage checks and
// lists (unknown statuses, incomplete records, what is out of scope), and
// its findings, one row each with the fields of [compare.Finding]. A
// failed run keeps only its time and error message. Nothing else of the
// report is kept (not its policy, not its notes), and nothing that is not
// in the report: no Stripe object, no access row, no key. Lists of ids
// are stored as JSON arrays of strings; times as fixed-width UTC text that
// sorts in time order.
//
// Beside the runs, the store remembers each fingerprint of a workspace
// (when it was first and last seen, its streak, whether it is open), so a
// lifecycle does not depend on old runs still being kept. Acknowledgements
// live in a table of their own and are never copied into run data.
//
// [OpenSQL] creates the tables, named with a configurable prefix, and
// migrates them to the package's schema version, recorded in a version
// table. Migrations are idempotent and run under a lock (an advisory lock
// on PostgreSQL, GET_LOCK on MySQL, an immediate transaction on SQLite),
// so several processes may open a store on the same database at once. A
// database holding a newer schema than the package knows is refused with
// [ErrSchemaTooNew].
//
// Every save is one transaction: the run, its lifecycle rows, the
// remembered fingerprints and the retention's deletions are committed
// together or not at all. A save cut short by an error, a cancelled
// context or a crash leaves no part of the run behind.
//
// With SQLite, open the database with a busy timeout (for
// modernc.org/sqlite, "?_pragma=busy_timeout(10000)") whenever more than
// one connection or process may write, and prefer journal_mode(WAL) for a
// file several processes share. An in-memory SQLite database is private to
// one connection: call SetMaxOpenConns(1) on its *sql.DB.
//
// # Isolation
//
// Every method takes the workspace it acts on, and every statement the
// store runs names that workspace in its key; there is no method that
// reads two. Workspace ids are compared byte for byte on every engine
// (binary keys on MySQL), so "acme", "ACME" and "acme " are three
// workspaces. Two workspaces holding findings with identical fingerprints
// never see each other's. [SQLStore.Save] refuses a report of another
// workspace with [ErrWorkspaceMismatch].
//
// # Lifecycle
//
// Each save compares the run with what the store remembers of the
// workspace:
//
//   - new: the fingerprint was never seen (or was forgotten by
//     retention);
//   - persisting: it was open and is seen again; Since, Streak and
//     DaysOpen say for how long;
//   - reopened: it had been resolved and is seen again;
//   - resolved: it was open, is absent, and the run checked what would
//     have raised it;
//   - unchecked: it was open and is absent, but the run could not have
//     raised it, because the check behind its kind did not run or a
//     record it names was incomplete. It stays open; "not checked" is
//     never taken for "fixed".
//
// Findings that were reopened at least once, or persist for more runs
// than [Options.RecurAfter], are marked Recurring. Findings sharing a
// fingerprint within one run share one entry. Failed runs change no
// lifecycle. A workspace's reports must all be masked (with one key) or
// all be plain: masked fingerprints never match plain ones, so
// [SQLStore.Save] refuses a switch with [ErrMaskingChanged] rather than
// report everything as resolved and new. A lifecycle is deterministic: the same stored history and
// report give the same entries in the same order, and no clock is read.
//
// An acknowledgement ([SQLStore.Acknowledge]) marks a fingerprint as known,
// with a reason, an author and an expiry. The finding still appears in
// every lifecycle, with its [Entry.Ack] set, until the acknowledgement
// expires at a run's as-of time.
//
// [Attach] puts a lifecycle into its report as the report's history
// section ([report.History]), which every format then shows: recurring
// drift first, a lifecycle mark per finding, acknowledgements (marked with
// their expiry only: who acknowledged a finding and why stay in the
// store), and what was resolved since the previous run. Attach between [SQLStore.Save]
// and signing: it refuses a signed report, since the signature would no
// longer hold. The section is not stored; the run in the store keeps the
// digest of the report without it.
//
// Retention ([Options.Retention]) keeps, per workspace, the newest N runs
// or the runs within a time span of the newest, and is applied within
// every save. Fingerprints resolved before the oldest run kept are
// forgotten too.
//
// # Concurrency
//
// A [SQLStore] is safe for concurrent use by many goroutines, and by many
// processes sharing one database. Saves to one workspace are serialised
// by a lock on that workspace's row, taken first in the save's
// transaction, so run ids go up by one with no gap or repeat and each
// lifecycle is worked out against the run committed just before; saves
// to different workspaces proceed side by side. The store does not own
// its *sql.DB, and has nothing to close.
package history

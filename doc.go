// Package driftexact checks, read-only and deterministically, whether what
// a business bills in Stripe matches the access its own product grants.
//
// A [Job] names a workspace, two sources and a profile. [Check] reads both
// sources at once, compares their records under the profile and returns a
// [report.Report]: every disagreement as a finding, and a coverage section
// saying what was and was not checked. Nothing is ever written to either
// side, and nothing is fixed: the report is for people to act on.
// [Monitor] runs a job on a schedule and stores every run in a history, so
// that each report says which findings are new, persisting or resolved.
//
//	rep, err := driftexact.Check(ctx, driftexact.Job{
//		Workspace: "acme-prod",
//		Billing:   billing, // a source.Billing, such as a *stripesrc.Source
//		Access:    access,  // a source.Access, such as a *sqlsrc.Source
//		Profile:   profile, // a *compare.Profile
//	})
//
// # Adapters
//
// The two sides arrive through the small interfaces of package source:
// [source.Billing] yields subscriptions and [source.Access] yields access
// records ("grants"). The module ships adapters for Stripe's API (package
// stripesrc), SQL databases (sqlsrc) and CSV exports (csvsrc), in-memory
// sources for tests (source.NewMemoryBilling, source.NewMemoryAccess), and
// a conformance suite (source/sourcetest) that a host's own adapter can run
// to show it keeps the contract.
//
// A source may offer more through optional interfaces that Check looks for:
// [source.SubscriptionGetter] to read subscriptions by id that the listing
// left out, [source.FieldReporter] to say which grant fields it cannot
// supply (the checks needing them are then reported as not run),
// [source.StatsReporter] to count the pages it read, and [source.Describer]
// to name itself in the report.
//
// # Determinism
//
// The same records, in any order, under the same profile and as-of time,
// give the same report byte for byte: the comparison sorts everything it
// returns and never lets map order reach its output. The only inputs from
// the clock are the pull stamps and, when a job has no as-of time, the
// instant access is judged at; both come from [Options.Clock], so a test
// that fixes the clock gets identical reports on every run.
//
// # Concurrency
//
// Check pulls both sides at once, on goroutines that all end before it
// returns. Cancelling ctx, or a fatal error on one side, stops the other
// side promptly, as long as the sources honour their context (every
// adapter in this module does). Check holds no global state and may run
// many jobs at once; a Job and its Options are only read.
//
// # Errors
//
// Check returns an error and no report when the job is unusable
// ([ErrNoWorkspace], [ErrNoSource], [ErrInvalidProfile]) or when a side
// cannot be read to its end ([*PullError], which names the side and unwraps
// to the source's error and, on cancellation, to the context's). A partial
// report is never returned. A single record a source cannot read is not an
// error: it is listed in the report's coverage as incomplete, so "no drift"
// is never claimed for records that were not compared.
//
// Library code is quiet: it logs only through the *slog.Logger given in
// [Options], at debug level, with counts and ids and never a secret, and it
// never exits the process.
package driftexact

// Package report turns a comparison result into a versioned, sealed
// report, and renders it for terminals, programs, spreadsheets, tickets,
// browsers and CI dashboards.
//
// # Model
//
// A [Report] is schema version 1 ([SchemaVersion]); [Schema] returns its
// JSON Schema, which the repository also ships as
// report/schema/report.v1.json, and [ValidateJSON] checks a document
// against it. A report holds:
//
//   - the workspace, and the as-of instant access was judged at;
//   - for each side, a [Pull]: the source's name, when the pull started
//     and ended, and how many records and pages it read;
//   - the engine version that computed it;
//   - [Digests] of the profile, of the access policy as applied, and of
//     each side's normalised input, so that two reports can be shown to
//     rest on the same data;
//   - the policy itself, and the coverage: which checks ran, which could
//     not and why, unknown statuses, records not read whole, and what is
//     out of scope. No findings means no drift only in what coverage says
//     ran;
//   - [Counts] by kind and severity, every kind and severity listed;
//   - the findings and notes of [compare.Compare], unchanged;
//   - optionally, a [History] section (see below);
//   - the [Integrity] seal.
//
// [New] builds a report from a [compare.Result] and a [Meta].
//
// # Formats
//
// [Write] renders a report in any [Format]; [Formats] lists them all, and
// each has its own function: [WriteText] (a summary and the findings by
// severity, within 100 columns), [WriteJSON] (the schema), [WriteCSV]
// (one finding per row), [WriteMarkdown], [WriteHTML] (one page with no
// script and no external asset) and [WriteJUnit] (failing test cases
// where findings are). Every value from the report is escaped for its
// format: markup in HTML and Markdown, formulas in CSV, and control or
// text-reordering characters in every format meant for people.
//
// # History
//
// A report stored in a history (package history) can carry the lifecycle
// of its findings: for each fingerprint whether it is new, persisting,
// reopened, resolved since the previous run, or unchecked (open before,
// but this run could not have raised it), since when and over how many
// runs, whether it recurs (reopened, or open for more than a set number
// of runs in a row), and the acknowledgement that holds for it, if any.
// history.Attach adds the section; [Report.SetHistory] is what it calls,
// which checks the section against the findings, orders and counts it,
// and seals the report again. A signature cannot cover a section added
// after it, so SetHistory refuses a signed report with [ErrSigned]:
// attach first, then sign.
//
// With the section, text, Markdown and HTML show the recurring drift
// first, a lifecycle mark on each finding ("persisting 3 runs since
// 2024-06-01", "reopened ×2", "acknowledged until ..."),
// and the findings resolved since the previous run or left unchecked;
// CSV adds lifecycle columns and JUnit properties with the counts.
// Without it, a report and every rendering of it are exactly as they
// would be if this section did not exist.
//
// # Determinism
//
// Every renderer writes the same bytes for the same report. Nothing is
// read from the clock or the environment, no map is iterated into output,
// and findings keep the order compare gave them (by severity, kind,
// account and ids); history entries follow the findings, then go by
// status, kind, account and fingerprint. Because compare gives the same result for the same
// records in any order, and [Digest] sorts records before encoding them,
// a report built from the same input in any order renders the same.
//
// # Integrity
//
// The canonical encoding of a report ([Report.Canonical]) is its compact
// JSON without the integrity member. [New] seals a report with the
// SHA-256 digest of that encoding; [Report.Seal] refreshes it after a
// change. [Report.Sign] adds an HMAC-SHA256 signature with a key the
// caller holds and names with a key id. [Verify] takes a report exactly as
// [WriteJSON] wrote it and refuses any change: to content, which breaks
// the digest and signature, and to form, since the bytes must equal the
// report's own encoding. A digest guards against accidental change only,
// as anyone can compute one; a signature also guards against deliberate
// change. Keys never appear in output or in errors.
//
// # Masking
//
// A [Masker] makes a copy of a report that can be shared outside the
// team: account, customer and subscription ids become pseudonyms such as
// "acct-3f9a0c1d2e4b5a6c", computed as an HMAC of the id under a key the
// team keeps and salted with the workspace. The same id masks the same way
// in every run with the same key, so masked reports can still be compared
// over time; the same id in two workspaces masks differently; and since
// the hash is keyed, nobody without the key can test a guessed id (an
// account number, an e-mail address) against a pseudonym.
//
// Ids are replaced wherever they appear: in findings, notes, coverage and
// the history section, inside the values of findings (an id list such as "entitled
// (sub_1 active)"), in the account lists of ambiguous_identity findings
// and in the reasons of records not read whole. Any other word in free
// text shaped like the id of a Stripe object that belongs to one customer
// ("sub_", "cus_", "si_", "in_", "pi_", "ch_", "pm_", "seti_") or a
// connected account ("acct_") is masked the same way, so an id that no id
// field names still does not leave; prices and products, the business's
// catalogue, are kept. A text field of a finding that
// this package does not know by name, as a newer compare may add, is
// treated as free text, so no id leaves through it. Two rules keep
// masking from changing what a finding says: in the compared values of a
// finding, which hold counts, times and plan names, only Stripe ids are
// replaced, so a count of 20 never becomes the pseudonym of account 20;
// and elsewhere in text, ids made of digits only are replaced only where
// they stand in quotes.
//
// Fingerprints are replaced too, by a keyed hash of the original
// ([Masker.Fingerprint]). A fingerprint is a plain hash of the workspace,
// kind and ids, so leaving it would let a reader confirm a guessed id; the
// keyed form is as stable as the original across runs, and the team, who
// hold the key, can map a fingerprint from their own reports to its
// masked form. The history section's fingerprints are masked the same
// way, so its entries still match the findings. The digests of the
// inputs are kept: each covers a whole set of records and gives away no
// single id.
//
// # Concurrency
//
// A Report is plain data. Renderers only read it, so several may run at
// once; [Report.Seal], [Report.Sign] and [Report.SetHistory] change it
// and must not run alongside anything else. A [Masker] is safe for concurrent use.
package report

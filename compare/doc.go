// Package compare decides, from normalised records, where what Stripe
// bills and what the product grants disagree.
//
// [Compare] takes both sides' records in an [Input], a [Profile] and an
// as-of instant, and returns a [Result]: the findings, the notes, the
// policy applied and the coverage. It reads nothing else: no network, no
// clock, no files.
//
// # The comparison
//
// Compare works account by account:
//
//  1. Link. Each subscription is tied to one account by the profile's
//     link strategies, tried in order: the subscription id an access
//     record stores, the customer id it stores, or a metadata key whose
//     value is an account id. The first strategy that finds anything
//     decides. Linking is per subscription, so a stored subscription id
//     that points at an ended subscription does not hide a newer live
//     subscription of the same customer: that one links by customer id.
//  2. Expect. An account is entitled when any of its subscriptions
//     entitles at the as-of time under the [Policy]. Access is on when any
//     of its access records says so.
//  3. Map. Each item's price resolves to an internal plan by price id,
//     then lookup key, then product id. Plans belong to families; an
//     add-on is its own family.
//  4. Compare. Entitled without access is paid_without_access; access
//     without entitlement is access_without_payment (unless every active
//     plan is one the profile says needs no billing). Where both sides
//     grant access, plans, seats and expiry are compared. Duplicates and
//     unmapped prices are reported whatever the access.
//
// # The profile
//
// A [Profile] holds the link strategies, the price maps, the plans (family
// and whether billed per seat), the plans that need no billing, the access
// policy, the expiry tolerance and severity overrides. Its zero value links
// by subscription id then customer id, maps no prices (so plan, duplicate
// and seat checks do not run, and coverage says so) and applies
// [DefaultPolicy]. [Profile.Validate] names the first unusable field.
//
// A price that maps to no plan is unmapped_price, never plan_mismatch: the
// plan cannot be checked. Several live subscriptions with plans of one
// family are duplicate_subscriptions; ended subscriptions (canceled,
// incomplete_expired) and incomplete ones never count, while unpaid and
// paused ones do, because they still bill or may bill again.
//
// # The policy
//
// A [Policy] says which statuses entitle (by default active, trialing and
// past_due), how long a grace each status gets after the effective end,
// and whether an active subscription with paused collection entitles
// never (the default), always, or until its paid period ends. A status the
// library does not know entitles nothing and is listed in coverage. The
// result states the policy it applied, defaults filled in.
//
// The effective end of a subscription is its ended_at when it has ended;
// else its cancel_at when set, whatever cancel_at_period_end says; else
// its period end, or the earliest item-level period end when the
// top-level one is absent. Zero means unknown, never 1970. An end is final
// when the subscription has ended or its cancellation is scheduled, and
// renewing otherwise.
//
// An entitling status entitles until a final end plus its grace, and
// without limit while the period renews. A status that does not entitle
// but has a grace entitles until its effective end plus the grace.
//
// Expiry is judged only where both sides grant access. An empty internal
// expiry is open-ended: it agrees with a renewing end and disagrees with a
// final one. Otherwise the two instants may differ by at most the
// profile's tolerance.
//
// # Identity and incomplete input
//
// One subscription id stored on several accounts, or a customer id on
// several accounts when a subscription needs it to link, is
// ambiguous_identity; the subscription links to none of them, and those
// accounts are not judged on access, plan, seats or expiry. So is an
// account with several differing access records in one plan family.
//
// A record that was only partly read (an item list cut short, a record
// the source could not decode) is listed in coverage, and the account it
// belongs to is not judged: incomplete input raises no drift. Refunds,
// disputes and invoices are outside what a subscriptions:read key shows;
// coverage says so on every result.
//
// # Determinism
//
// The same records in any order give the same result, field for field.
// Findings are sorted by severity, kind, account and subscription ids,
// then by every other field; notes, coverage lists and the ids inside a
// finding are sorted too. No map iteration reaches the result. Each
// finding carries a fingerprint computed from the workspace, kind,
// account, Stripe ids and plan, but not from the values compared, so a
// later run can recognise the same finding after the values move.
//
// # Concurrency
//
// Compare keeps no state between calls and is safe to call from several
// goroutines at once. It reads the Input and the Profile and changes
// neither; the caller must not change them during the call. The Result
// shares no memory with the Input or the Profile except strings.
package compare

package drifttest

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/driftexact/driftexact"
	"github.com/driftexact/driftexact/compare"
	"github.com/driftexact/driftexact/report"
)

// DefaultWorkspace is the workspace a job gets when it names none.
const DefaultWorkspace = "test"

// Check runs [driftexact.Check] on job under the test's context and returns
// the report. A job without a workspace gets [DefaultWorkspace]. When the
// check fails (a source error, an invalid profile) Check stops the test
// with t.Fatal, naming the error, so the caller always gets a report.
//
// Check is safe to call from parallel tests; it closes nothing.
func Check(t testing.TB, job driftexact.Job) *report.Report {
	t.Helper()
	if job.Workspace == "" {
		job.Workspace = DefaultWorkspace
	}
	rep, err := driftexact.Check(t.Context(), job)
	if err != nil {
		t.Fatalf("drifttest: the check did not run: %v", err)
	}
	return rep
}

// AssertNoDrift checks job, as [Check] does, and marks the test failed,
// without stopping it,
// when billing and access disagree: when the report holds a finding, or
// records that could not be read and so were not compared. The failure
// message lists every finding as [Describe] does. It reports whether the
// two sides agree.
func AssertNoDrift(t testing.TB, job driftexact.Job) bool {
	t.Helper()
	rep := Check(t, job)
	if Agree(rep) {
		return true
	}
	t.Error(Describe(rep))
	return false
}

// RequireNoDrift is [AssertNoDrift] that stops the test on disagreement.
func RequireNoDrift(t testing.TB, job driftexact.Job) {
	t.Helper()
	rep := Check(t, job)
	if !Agree(rep) {
		t.Fatal(Describe(rep))
	}
}

// Agree reports whether a report, which must not be nil, shows billing and
// access in agreement:
// no finding, and no record left uncompared because it could not be read.
// Checks the access source could not run (no seat column, say) do not
// count against agreement; the report's coverage lists them.
func Agree(rep *report.Report) bool {
	return len(rep.Findings) == 0 && len(rep.Coverage.Incomplete) == 0
}

// Describe returns a report's disagreements as a test failure shows them
// (rep must not be nil):
// a summary line, then each finding with both sides' values, the rule that
// fired and the ids to look up, then each record that could not be read.
// It returns a one-line summary when the sides agree. The text is the same
// for the same report.
func Describe(rep *report.Report) string {
	var b strings.Builder
	n, bad := len(rep.Findings), len(rep.Coverage.Incomplete)
	if n == 0 && bad == 0 {
		fmt.Fprintf(&b, "billing and access agree in workspace %q as of %s",
			rep.Workspace, stamp(rep.AsOf))
		return b.String()
	}
	fmt.Fprintf(&b, "billing and access disagree in workspace %q as of %s: %s",
		rep.Workspace, stamp(rep.AsOf), plural(n, "finding"))
	if bad > 0 {
		fmt.Fprintf(&b, ", %s not compared", plural(bad, "unreadable record"))
	}
	for i := range rep.Findings {
		describeFinding(&b, i+1, &rep.Findings[i])
	}
	for _, in := range rep.Coverage.Incomplete {
		fmt.Fprintf(&b, "\n  not compared: %s record %q: %s", in.Side, in.ID, in.Reason)
	}
	return b.String()
}

func describeFinding(b *strings.Builder, n int, f *compare.Finding) {
	kind := string(f.Kind)
	if f.Direction != "" {
		kind += " (" + string(f.Direction) + ")"
	}
	acct := "no account"
	if f.Account != "" {
		acct = fmt.Sprintf("account %q", f.Account)
	}
	fmt.Fprintf(b, "\n  %d. %s %s, %s", n, f.Severity, kind, acct)
	if f.Plan != "" {
		fmt.Fprintf(b, ", plan %q", f.Plan)
	}
	fmt.Fprintf(b, "\n     %s: stripe %q, internal %q", f.Field, f.Stripe, f.Internal)
	fmt.Fprintf(b, "\n     rule: %s", f.Rule)
	ids := strings.Join(append(nonEmpty(f.CustomerID), f.Subscriptions...), " ")
	switch {
	case ids != "" && f.LinkedBy != "":
		fmt.Fprintf(b, "\n     stripe ids: %s (linked by %s)", ids, f.LinkedBy)
	case ids != "":
		fmt.Fprintf(b, "\n     stripe ids: %s", ids)
	}
	if len(f.Tried) > 0 {
		fmt.Fprintf(b, "\n     no link by: %s", strings.Join(f.Tried, ", "))
	}
}

func nonEmpty(s string) []string {
	if s == "" {
		return nil
	}
	return []string{s}
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

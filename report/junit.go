package report

import (
	"cmp"
	"encoding/xml"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/driftexact/driftexact/compare"
)

// checkOf names the coverage check whose failure each kind of finding is.
// A kind missing here is its own check.
var checkOf = map[compare.Kind]string{
	compare.MissingIdentifier:      "link",
	compare.AmbiguousIdentity:      "link",
	compare.PaidWithoutAccess:      "access",
	compare.AccessWithoutPayment:   "access",
	compare.PlanMismatch:           "plan",
	compare.UnmappedPrice:          "plan",
	compare.DuplicateSubscriptions: "duplicates",
	compare.SeatMismatch:           "seats",
	compare.PeriodMismatch:         "expiry",
}

func checkName(k compare.Kind) string {
	if c, ok := checkOf[k]; ok {
		return c
	}
	return string(k)
}

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	Skipped    int             `xml:"skipped,attr"`
	Timestamp  string          `xml:"timestamp,attr"`
	Properties []junitProperty `xml:"properties>property"`
	Cases      []junitCase     `xml:"testcase"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Failure   *junitFailure `xml:"failure"`
	Skipped   *junitSkipped `xml:"skipped"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",cdata"`
}

type junitSkipped struct {
	Message string `xml:"message,attr"`
}

// WriteJUnit writes r as JUnit XML, so that CI dashboards show drift as
// failing tests. Each check is a test suite named "driftexact.CHECK". In
// it, each account with findings of that check is a failing test case
// (named by the account, or by the Stripe ids when no account was
// linked), and one more case stands for every other account: it passes
// when the check ran and is skipped, with the reason, when it did not.
// The report does not list the accounts that had no finding, so they are
// not named one by one. A report with a history section adds its counts
// as properties of each suite, and each finding's lifecycle to its
// failure text. The caller closes w.
func WriteJUnit(w io.Writer, r *Report) error {
	doc := junitDoc(r)
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

func junitDoc(r *Report) *junitSuites {
	doc := &junitSuites{Name: "driftexact " + r.Workspace}
	props := junitProperties(r)
	for _, name := range checkNames(r) {
		s := junitCheck(r, name)
		s.Timestamp = r.AsOf.UTC().Format("2006-01-02T15:04:05")
		s.Properties = props
		doc.Suites = append(doc.Suites, s)
		doc.Tests += s.Tests
		doc.Failures += s.Failures
		doc.Skipped += s.Skipped
	}
	return doc
}

// checkNames lists the checks in coverage order, then any check that
// only findings name, sorted.
func checkNames(r *Report) []string {
	var names, extra []string
	for _, c := range r.Coverage.Checks {
		names = append(names, c.Name)
	}
	for i := range r.Findings {
		c := checkName(r.Findings[i].Kind)
		if !slices.Contains(names, c) && !slices.Contains(extra, c) {
			extra = append(extra, c)
		}
	}
	slices.Sort(extra)
	return append(names, extra...)
}

func junitProperties(r *Report) []junitProperty {
	masked := "false"
	if r.Masked {
		masked = "true"
	}
	props := []junitProperty{
		{"workspace", r.Workspace},
		{"as_of", stamp(r.AsOf)},
		{"engine", r.Engine},
		{"masked", masked},
		{"report_digest", r.Integrity.Digest},
	}
	if h := r.History; h != nil {
		n := func(name string, v int64) junitProperty {
			return junitProperty{"history_" + name, strconv.FormatInt(v, 10)}
		}
		c := h.Counts
		props = append(props, n("run", h.Run), n("previous", h.Previous),
			n("recur_after", int64(h.RecurAfter)),
			n("new", int64(c.New)), n("persisting", int64(c.Persisting)),
			n("reopened", int64(c.Reopened)), n("resolved", int64(c.Resolved)),
			n("unchecked", int64(c.Unchecked)), n("recurring", int64(c.Recurring)),
			n("acknowledged", int64(c.Acknowledged)))
	}
	return props
}

// junitCheck builds the suite of one check.
func junitCheck(r *Report, check string) junitSuite {
	class := "driftexact." + check
	s := junitSuite{Name: class}
	bySubject := map[string][]*compare.Finding{}
	var subjects []string
	for i := range r.Findings {
		f := &r.Findings[i]
		if checkName(f.Kind) != check {
			continue
		}
		sub := subject(f)
		if _, ok := bySubject[sub]; !ok {
			subjects = append(subjects, sub)
		}
		bySubject[sub] = append(bySubject[sub], f)
	}
	slices.Sort(subjects)
	idx := entryIndex(r.History)
	for _, sub := range subjects {
		s.Cases = append(s.Cases, junitCase{
			Name: sub, Classname: class, Failure: junitFail(bySubject[sub], idx),
		})
	}
	rest := junitCase{Name: "all accounts", Classname: class}
	if len(subjects) > 0 {
		rest.Name = "every other account"
	}
	if i := slices.IndexFunc(r.Coverage.Checks, func(c compare.Check) bool {
		return c.Name == check
	}); i >= 0 && !r.Coverage.Checks[i].Ran {
		rest.Skipped = &junitSkipped{Message: "not run: " + r.Coverage.Checks[i].Reason}
		s.Skipped++
	}
	s.Cases = append(s.Cases, rest)
	s.Tests = len(s.Cases)
	s.Failures = len(subjects)
	return s
}

// subject names what a finding is about: its account, or else its Stripe
// ids.
func subject(f *compare.Finding) string {
	switch {
	case f.Account != "":
		return f.Account
	case len(f.Subscriptions) > 0:
		return "subscription " + strings.Join(f.Subscriptions, " ")
	case f.CustomerID != "":
		return "customer " + f.CustomerID
	}
	return "unlinked record"
}

// junitFail describes the findings of one subject, with their lifecycle
// from idx when the report has a history.
func junitFail(fs []*compare.Finding, idx map[string]*HistoryEntry) *junitFailure {
	slices.SortStableFunc(fs, func(a, b *compare.Finding) int {
		return cmp.Compare(slices.Index(compare.Kinds, a.Kind), slices.Index(compare.Kinds, b.Kind))
	})
	f := fs[0]
	fail := &junitFailure{
		Type:    string(f.Kind),
		Message: fmt.Sprintf("%s %s: %s", f.Severity, kindTitle(f), f.Rule),
	}
	if len(fs) > 1 {
		fail.Message = fmt.Sprintf("%d findings, first %s", len(fs), fail.Message)
	}
	var b strings.Builder
	for i, f := range fs {
		if i > 0 {
			b.WriteString("\n")
		}
		writeFindingLines(&b, f, idx[f.Fingerprint])
	}
	fail.Text = b.String()
	return fail
}

// writeFindingLines writes a finding as "name: value" lines. Values are
// made printable, which also keeps out the control characters that XML
// cannot hold even in a CDATA section. e, when not nil, adds the
// finding's lifecycle.
func writeFindingLines(b *strings.Builder, f *compare.Finding, e *HistoryEntry) {
	line := func(k, v string) {
		if v != "" {
			fmt.Fprintf(b, "%s: %s\n", k, printable(v))
		}
	}
	line("severity", string(f.Severity))
	line("kind", kindTitle(f))
	line("account", f.Account)
	line("customer", f.CustomerID)
	line("subscriptions", strings.Join(f.Subscriptions, " "))
	line("plan", f.Plan)
	line("compared", f.Field)
	line("stripe", f.Stripe)
	line("internal", f.Internal)
	line("rule", f.Rule)
	line("link", linkLine(f))
	if e != nil {
		line("lifecycle", lifeMark(e))
		if e.Ack != nil {
			line("acknowledged", ackLine(e.Ack))
		}
	}
	line("fingerprint", f.Fingerprint)
}

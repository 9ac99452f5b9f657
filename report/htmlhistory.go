package report

import (
	_ "embed"
	"html/template"
	"slices"

	"github.com/driftexact/driftexact/compare"
)

var (
	//go:embed html/history.css
	historyCSS string

	// htmlHistoryCSP is the page's policy when it has a history section,
	// which brings a second style sheet.
	htmlHistoryCSP = "default-src 'none'; style-src 'sha256-" + cssHash(htmlCSS) +
		"' 'sha256-" + cssHash(historyCSS) + "'; base-uri 'none'; form-action 'none'"
)

// htmlHistory is the view of a history section. Every string in it is
// printable already; html/template escapes it.
type htmlHistory struct {
	Run, Statuses, Rule, None string
	Acked                     int
	Recurring                 []htmlRecurring
	ResolvedTitle             string
	Resolved, Unchecked       []htmlGone
	UncheckedNote             string
}

type htmlRecurring struct {
	Severity, SeverityClass, Kind, Account string
	Status, HowLong, HowOften, Ack         string
	Fingerprint                            string
	IDs                                    []string
}

type htmlGone struct{ Line, Fingerprint string }

// htmlLife is a finding's lifecycle cell.
type htmlLife struct {
	Status, Mark, Ack string
	Recurring         bool
}

func newHTMLHistory(h *History) *htmlHistory {
	if h == nil {
		return nil
	}
	p := printable
	v := &htmlHistory{
		Run: p(runLine(h)), Statuses: statusLine(h), Rule: recurRule(h),
		None: noneRecurring(h), Acked: h.Counts.Acknowledged,
		ResolvedTitle: p(resolvedTitle(h)), UncheckedNote: uncheckedNote,
	}
	for _, e := range recurring(h) {
		v.Recurring = append(v.Recurring, htmlRecur(e))
	}
	for _, e := range withStatus(h, StatusResolved) {
		v.Resolved = append(v.Resolved, htmlGone{p(goneLine(e)), p(e.Fingerprint)})
	}
	for _, e := range withStatus(h, StatusUnchecked) {
		v.Unchecked = append(v.Unchecked, htmlGone{p(goneLine(e)), p(e.Fingerprint)})
	}
	return v
}

func htmlRecur(e *HistoryEntry) htmlRecurring {
	p := printable
	r := htmlRecurring{
		Severity: p(string(e.Severity)), SeverityClass: severityClass(e.Severity),
		Kind: p(string(e.Kind)), Account: p(e.Account), Status: p(string(e.Status)),
		HowLong: p(howLong(e)), HowOften: p(howOften(e)),
		Fingerprint: p(e.Fingerprint), IDs: htmlIDs(e.CustomerID, e.Subscriptions),
	}
	if e.Ack != nil {
		r.Ack = p(ackLine(e.Ack))
	}
	return r
}

func newHTMLLife(e *HistoryEntry) *htmlLife {
	if e == nil {
		return nil
	}
	l := &htmlLife{Status: printable(string(e.Status)), Mark: printable(lifeDetail(e)),
		Recurring: e.Recurring}
	if e.Ack != nil {
		l.Ack = printable(ackLine(e.Ack))
	}
	return l
}

// severityClass is the style class of a severity: its name, or "other".
func severityClass(s compare.Severity) string {
	if !slices.Contains(compare.Severities, s) {
		return "other"
	}
	return string(s)
}

// htmlIDs lists a customer id and subscription ids, made printable.
func htmlIDs(customer string, subs []string) []string {
	var ids []string
	if customer != "" {
		ids = append(ids, printable(customer))
	}
	for _, s := range subs {
		ids = append(ids, printable(s))
	}
	return ids
}

// historyStyle returns the history section's style sheet and the page's
// policy: the plain ones when r has no history.
func historyStyle(r *Report) (template.CSS, string) {
	if r.History == nil {
		return "", htmlCSP
	}
	return template.CSS(historyCSS), htmlHistoryCSP
}

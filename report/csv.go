package report

import (
	"encoding/csv"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
)

// csvHeader names the columns of [WriteCSV].
var csvHeader = []string{
	"workspace", "as_of", "severity", "kind", "direction", "account",
	"customer", "subscriptions", "plan", "field", "stripe", "internal",
	"rule", "linked_by", "tried", "fingerprint", "masked",
}

// csvHistoryHeader names the columns [WriteCSV] adds for a report with a
// history section.
var csvHistoryHeader = []string{
	"lifecycle", "first_seen", "since", "runs_seen", "streak", "reopened",
	"days_open", "recurring", "acknowledged_until",
}

// WriteCSV writes one row per finding, after a header row, for
// spreadsheets: RFC 4180 quoting and CRLF line ends, UTF-8 without a byte
// order mark. Every row repeats the workspace and as-of time, so files of
// several runs can be stacked. Lists (subscriptions, link strategies
// tried) are joined by spaces.
//
// Control characters and characters that reorder text are shown escaped,
// as in [WriteText]. A value that a spreadsheet would read as a formula, one starting with
// "=", "+", "-", "@", a tab or a carriage return, is written with a
// leading apostrophe so that it is shown as text and never evaluated.
//
// A report with a history section has the columns of each finding's
// lifecycle after those: its status, the first-seen and since times, the
// runs seen, the streak, the times reopened, the days open, whether it is
// recurring, and the expiry of an acknowledgement (empty when there is
// none). Without the section the header is the
// same as ever.
//
// A report without findings gives the header row alone; the summary,
// notes, coverage and the entries of findings no longer present are not
// part of this format. The caller closes w.
func WriteCSV(w io.Writer, r *Report) error {
	cw := csv.NewWriter(w) // buffered; its first error sticks
	cw.UseCRLF = true
	idx := entryIndex(r.History)
	if idx != nil {
		cw.Write(append(slices.Clone(csvHeader), csvHistoryHeader...))
	} else {
		cw.Write(csvHeader)
	}
	asOf := r.AsOf.UTC().Format(time.RFC3339Nano)
	masked := "false"
	if r.Masked {
		masked = "true"
	}
	for i := range r.Findings {
		f := &r.Findings[i]
		row := []string{
			r.Workspace, asOf, string(f.Severity), string(f.Kind),
			string(f.Direction), f.Account, f.CustomerID,
			strings.Join(f.Subscriptions, " "), f.Plan, f.Field, f.Stripe,
			f.Internal, f.Rule, f.LinkedBy, strings.Join(f.Tried, " "),
			f.Fingerprint, masked,
		}
		if idx != nil {
			row = append(row, csvLife(idx[f.Fingerprint])...)
		}
		for j := range row {
			row[j] = inertCell(printable(row[j]))
		}
		cw.Write(row)
	}
	cw.Flush()
	return cw.Error()
}

// csvLife gives the lifecycle cells of a finding's entry.
func csvLife(e *HistoryEntry) []string {
	if e == nil {
		return make([]string, len(csvHistoryHeader))
	}
	t := func(v time.Time) string { return v.UTC().Format(time.RFC3339Nano) }
	n := strconv.Itoa
	ack := ""
	if a := e.Ack; a != nil {
		ack = t(a.Expires)
	}
	return []string{string(e.Status), t(e.FirstSeen), t(e.Since),
		n(e.RunsSeen), n(e.Streak), n(e.Reopened), n(e.DaysOpen),
		strconv.FormatBool(e.Recurring), ack}
}

// inertCell keeps a spreadsheet from evaluating a cell as a formula.
func inertCell(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + s
	}
	return s
}

package report

import (
	"encoding/csv"
	"io"
	"strings"
	"time"
)

// csvHeader names the columns of [WriteCSV].
var csvHeader = []string{
	"workspace", "as_of", "severity", "kind", "direction", "account",
	"customer", "subscriptions", "plan", "field", "stripe", "internal",
	"rule", "linked_by", "tried", "fingerprint", "masked",
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
// A report without findings gives the header row alone; the summary,
// notes and coverage are not part of this format. The caller closes w.
func WriteCSV(w io.Writer, r *Report) error {
	cw := csv.NewWriter(w) // buffered; its first error sticks
	cw.UseCRLF = true
	cw.Write(csvHeader)
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
		for j := range row {
			row[j] = inertCell(printable(row[j]))
		}
		cw.Write(row)
	}
	cw.Flush()
	return cw.Error()
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

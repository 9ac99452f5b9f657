package report_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/csv"
	"encoding/xml"
	"errors"
	"html"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"github.com/driftexact/driftexact/compare"
	"github.com/driftexact/driftexact/report"
)

func TestTextFitsInAHundredColumns(t *testing.T) {
	long := driftInput()
	long.Grants[3].Plan = strings.Repeat("very-long-plan-name ", 12) +
		strings.Repeat("x", 150)
	reports := []*report.Report{build(t, long, "stripe", strings.Repeat("s", 120))}
	for _, s := range scenarios {
		reports = append(reports, s.build(t, s.input()))
	}
	for _, r := range reports {
		out := render(t, r, report.FormatText)
		for i, line := range strings.Split(string(out), "\n") {
			if n := utf8.RuneCountInString(line); n > 100 {
				t.Errorf("%s line %d has %d columns: %q", r.Workspace, i+1, n, line)
			}
			if strings.HasSuffix(line, " ") {
				t.Errorf("%s line %d ends in a space", r.Workspace, i+1)
			}
		}
	}
}

func TestHumanFormatsShowControlCharactersEscaped(t *testing.T) {
	r := build(t, hostileInput(), "stripe", "sql")
	for _, f := range []report.Format{report.FormatText, report.FormatMarkdown,
		report.FormatCSV, report.FormatHTML, report.FormatJUnit} {
		out := render(t, r, f)
		if bytes.ContainsAny(out, "\x1b\u202e") {
			t.Errorf("%s output holds a raw escape or bidi override", f)
		}
		shown := `\x1b[2J\u202eevil`
		if f == report.FormatMarkdown {
			shown = `\\x1b\[2J\\u202eevil`
		}
		if !bytes.Contains(out, []byte(shown)) {
			t.Errorf("%s output does not show the escaped customer id", f)
		}
	}
}

func TestCSVIsOneInertRowPerFinding(t *testing.T) {
	r := build(t, hostileInput(), "stripe", "sql")
	rows, err := csv.NewReader(bytes.NewReader(render(t, r, report.FormatCSV))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != len(r.Findings)+1 {
		t.Fatalf("%d rows for %d findings and a header", len(rows), len(r.Findings))
	}
	acct := slices.Index(rows[0], "account")
	var accounts []string
	for _, row := range rows[1:] {
		accounts = append(accounts, row[acct])
		for _, cell := range row {
			if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
				t.Errorf("cell %q would be read as a formula", cell)
			}
		}
	}
	if !slices.Contains(accounts, "'"+hostileFormula) {
		t.Errorf("formula account not kept as text: %q", accounts)
	}
	for _, v := range []string{"+1", "-1", "@SUM(A1)", "\t=1", "\r=1"} {
		in := hostileInput()
		in.Grants[0].Plan = v
		rows, err := csv.NewReader(bytes.NewReader(
			render(t, build(t, in, "stripe", "sql"), report.FormatCSV))).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		plan := slices.Index(rows[0], "plan")
		got := rows[len(rows)-1][plan]
		if strings.ContainsRune("=+-@\t\r", rune(got[0])) {
			t.Errorf("plan %q written as %q", v, got)
		}
	}
}

func TestMarkdownCellsCannotBreakOut(t *testing.T) {
	out := string(render(t, build(t, hostileInput(), "stripe", "sql"), report.FormatMarkdown))
	unescaped := regexp.MustCompile(`(^|[^\\])(\\\\)*[|<>\[\]*_` + "`" + `@#~&$]`)
	inTable := false
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "| # |") {
			inTable = true
			continue
		}
		if !inTable || strings.HasPrefix(line, "|--") {
			continue
		}
		if line == "" {
			break
		}
		// A row has 12 cells: 13 pipes that are not escaped.
		cells := strings.Trim(line, "|")
		parts := regexp.MustCompile(`(^|[^\\])\|`).FindAllStringIndex(cells, -1)
		if len(parts) != 11 {
			t.Errorf("row has %d cell separators, want 11: %s", len(parts), line)
		}
		for _, cell := range splitCells(cells) {
			if unescaped.MatchString(cell) && !strings.HasPrefix(cell, "**") {
				t.Errorf("cell holds unescaped markup: %q", cell)
			}
		}
	}
	for _, raw := range []string{hostileImg, hostileScript, hostilePlan} {
		if strings.Contains(out, raw) {
			t.Errorf("markdown holds %q unescaped", raw)
		}
	}
}

// splitCells splits a table row at pipes that are not escaped.
func splitCells(row string) []string {
	var cells []string
	start := 0
	for i := 0; i < len(row); i++ {
		switch row[i] {
		case '\\':
			i++
		case '|':
			cells = append(cells, strings.TrimSpace(row[start:i]))
			start = i + 1
		}
	}
	return append(cells, strings.TrimSpace(row[start:]))
}

type junitDoc struct {
	Tests    int `xml:"tests,attr"`
	Failures int `xml:"failures,attr"`
	Skipped  int `xml:"skipped,attr"`
	Suites   []struct {
		Name  string `xml:"name,attr"`
		Cases []struct {
			Name    string `xml:"name,attr"`
			Failure *struct {
				Type string `xml:"type,attr"`
				Text string `xml:",chardata"`
			} `xml:"failure"`
			Skipped *struct {
				Message string `xml:"message,attr"`
			} `xml:"skipped"`
		} `xml:"testcase"`
	} `xml:"testsuite"`
}

func parseJUnit(t *testing.T, r *report.Report) junitDoc {
	t.Helper()
	var doc junitDoc
	if err := xml.Unmarshal(render(t, r, report.FormatJUnit), &doc); err != nil {
		t.Fatalf("JUnit output is not well-formed XML: %v", err)
	}
	return doc
}

func TestJUnitFailsWhereFindingsAre(t *testing.T) {
	r := build(t, driftInput(), "stripe", "sql")
	doc := parseJUnit(t, r)
	failing := map[string][]string{}
	tests, failures := 0, 0
	var texts string
	for _, s := range doc.Suites {
		for _, c := range s.Cases {
			tests++
			if c.Failure != nil {
				failures++
				failing[s.Name] = append(failing[s.Name], c.Name)
				texts += c.Failure.Text
			}
		}
	}
	want := map[string][]string{
		"driftexact.link": {"acct_nostripe", "subscription sub_1POrphan",
			"subscription sub_1PShared"},
		"driftexact.access":     {"acct_gone", "acct_locked"},
		"driftexact.plan":       {"acct_legacy", "acct_up"},
		"driftexact.duplicates": {"acct_dup"},
		"driftexact.seats":      {"acct_seats"},
		"driftexact.expiry":     {"acct_late"},
	}
	if diff := cmp.Diff(want, failing); diff != "" {
		t.Errorf("failing cases (-want +got):\n%s", diff)
	}
	if doc.Tests != tests || doc.Failures != failures || doc.Skipped != 0 {
		t.Errorf("totals %d/%d/%d, counted %d/%d/0",
			doc.Tests, doc.Failures, doc.Skipped, tests, failures)
	}
	for _, f := range r.Findings {
		if strings.Count(texts, f.Fingerprint) != 1 {
			t.Errorf("finding %s is not in exactly one failure", f.Fingerprint)
		}
	}
}

func TestJUnitSkipsChecksThatDidNotRun(t *testing.T) {
	doc := parseJUnit(t, build(t, cleanInput(), "stripe", "sql"))
	if doc.Failures != 0 || doc.Skipped != 1 || doc.Tests != 6 {
		t.Errorf("tests %d failures %d skipped %d, want 6, 0, 1",
			doc.Tests, doc.Failures, doc.Skipped)
	}
	for _, s := range doc.Suites {
		c := s.Cases[0]
		if s.Name == "driftexact.seats" {
			if c.Skipped == nil || !strings.Contains(c.Skipped.Message, "no seats column") {
				t.Errorf("seats case not skipped with its reason: %+v", c)
			}
		} else if c.Skipped != nil || c.Name != "all accounts" {
			t.Errorf("suite %s: case %+v", s.Name, c)
		}
	}
	parseJUnit(t, build(t, hostileInput(), "stripe", "sql"))
}

var cspMeta = regexp.MustCompile(`<meta http-equiv="Content-Security-Policy" content="([^"]*)">`)

func TestHTMLIsSelfContained(t *testing.T) {
	for _, s := range scenarios {
		out := string(render(t, s.build(t, s.input()), report.FormatHTML))
		tag := regexp.MustCompile(`<[^>]*\s(src|href|action|style|on[a-z]+)=`)
		if m := tag.FindString(out); m != "" {
			t.Errorf("%s: page loads or styles something inline: %q", s.name, m)
		}
		for _, banned := range []string{"<script", "<link", "<iframe", "<img", "@import", "url("} {
			if strings.Contains(out, banned) {
				t.Errorf("%s: page holds %q", s.name, banned)
			}
		}
		sheets := regexp.MustCompile(`(?s)<style>(.*?)</style>`).FindAllStringSubmatch(out, -1)
		if len(sheets) == 0 {
			t.Errorf("%s: page has no style sheet", s.name)
		}
		var allowed []string
		if m := cspMeta.FindStringSubmatch(out); m != nil {
			for _, d := range strings.Split(html.UnescapeString(m[1]), ";") {
				if f := strings.Fields(d); len(f) > 0 && f[0] == "style-src" {
					allowed = f[1:]
				}
			}
		}
		for i, css := range sheets {
			sum := sha256.Sum256([]byte(css[1]))
			hash := "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
			if !slices.Contains(allowed, hash) {
				t.Errorf("%s: the policy does not allow the page's style sheet %d", s.name, i+1)
			}
		}
	}
}

func TestFormats(t *testing.T) {
	for _, f := range report.Formats {
		got, err := report.ParseFormat(strings.ToUpper(string(f)))
		if err != nil || got != f {
			t.Errorf("ParseFormat(%q) = %q, %v", f, got, err)
		}
		if f.Ext() == "" || f.ContentType() == "" {
			t.Errorf("%s has no extension or media type", f)
		}
	}
	for alias, want := range map[string]report.Format{
		"md": report.FormatMarkdown, "txt": report.FormatText, "xml": report.FormatJUnit,
	} {
		if got, err := report.ParseFormat(alias); err != nil || got != want {
			t.Errorf("ParseFormat(%q) = %q, %v", alias, got, err)
		}
	}
	if _, err := report.ParseFormat("yaml"); err == nil {
		t.Error("unknown format accepted")
	}
	var b bytes.Buffer
	if err := report.Write(&b, build(t, cleanInput(), "s", "a"), "pdf"); err == nil || b.Len() > 0 {
		t.Errorf("unknown format: err %v, wrote %d bytes", err, b.Len())
	}
}

// failWriter accepts n bytes, then fails.
type failWriter struct{ n int }

var errDiskFull = errors.New("disk full")

func (w *failWriter) Write(p []byte) (int, error) {
	if len(p) > w.n {
		k := w.n
		w.n = 0
		return k, errDiskFull
	}
	w.n -= len(p)
	return len(p), nil
}

func TestWriteErrorsAreReturned(t *testing.T) {
	r := build(t, driftInput(), "stripe", "sql")
	for _, f := range report.Formats {
		size := len(render(t, r, f))
		for _, n := range []int{0, size / 2, size - 1} {
			if err := report.Write(&failWriter{n: n}, r, f); !errors.Is(err, errDiskFull) {
				t.Errorf("%s failing after %d bytes: got %v", f, n, err)
			}
		}
	}
}

func TestRenderingLeavesTheReportAlone(t *testing.T) {
	r := build(t, driftInput(), "stripe", "sql")
	want := build(t, driftInput(), "stripe", "sql")
	for _, f := range report.Formats {
		render(t, r, f)
	}
	if diff := cmp.Diff(want, r); diff != "" {
		t.Errorf("rendering changed the report (-want +got):\n%s", diff)
	}
}

// TestUnknownKindsAndSeveritiesAreNotDropped renders a finding of a kind
// and severity that this package does not know, as a newer compare might
// produce.
func TestUnknownKindsAndSeveritiesAreNotDropped(t *testing.T) {
	r := build(t, cleanInput(), "stripe", "sql")
	r.Findings = append(r.Findings, compare.Finding{
		Kind: "trial_abuse", Severity: "critical", Account: "acctNewKind",
		Field: "f", Stripe: "s", Internal: "i", Rule: "r",
		Fingerprint: strings.Repeat("ab", 16),
	})
	for _, f := range report.Formats {
		if !bytes.Contains(render(t, r, f), []byte("acctNewKind")) {
			t.Errorf("%s output drops the finding", f)
		}
	}
}

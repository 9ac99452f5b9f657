package report

import (
	"bufio"
	"crypto/sha256"
	_ "embed"
	"encoding/base64"
	"fmt"
	"html/template"
	"io"
	"strconv"
	"strings"

	"github.com/driftexact/driftexact/compare"
)

var (
	//go:embed html/report.html
	htmlSource string
	//go:embed html/report.css
	htmlCSS string

	htmlPage = template.Must(template.New("report").Parse(htmlSource))
	// htmlCSP allows the page's own style sheet and nothing else: no
	// script, no image, no font, no fetch, even if markup got in.
	htmlCSP = "default-src 'none'; style-src 'sha256-" + cssHash(htmlCSS) +
		"'; base-uri 'none'; form-action 'none'"
)

func cssHash(css string) string {
	h := sha256.Sum256([]byte(css))
	return base64.StdEncoding.EncodeToString(h[:])
}

// WriteHTML writes r as one self-contained HTML page: no script, no
// external asset, an inline SVG chart of findings by kind and severity,
// the findings table, notes, coverage and integrity stamps; with a
// history section, also the recurring drift, a lifecycle column and the
// findings resolved or left unchecked, styled by a second sheet that the
// policy allows by its hash. Every value
// is escaped by html/template, so markup in a value shows as text, and
// the page's content security policy forbids scripts and any load should
// markup get in all the same. Control characters and characters that
// reorder text are shown escaped, as in [WriteText]. The caller closes w.
func WriteHTML(w io.Writer, r *Report) error {
	bw := bufio.NewWriter(w)
	if err := htmlPage.Execute(bw, newHTMLView(r)); err != nil {
		return err
	}
	return bw.Flush()
}

type htmlView struct {
	Title, Headline, CSP string
	CSS, HistoryCSS      template.CSS
	Engine               string
	Schema               int
	Masked               bool
	Caveats              []string
	Meta, Integrity      []labelled
	Severities           []htmlSeverity
	Chart                *chartView
	Findings             []htmlFinding
	Notes                []htmlNote
	Coverage             htmlCoverage
	History              *htmlHistory
}

type labelled struct{ Label, Value string }

type htmlSeverity struct {
	Name, Class string
	Count       int
}

type htmlFinding struct {
	N                               int
	Severity, SeverityClass, Kind   string
	Direction, Account, Plan, Field string
	Stripe, Internal, Rule, Link    string
	Fingerprint                     string
	IDs                             []string
	Life                            *htmlLife
}

type htmlNote struct{ Who, Text string }

type htmlCoverage struct {
	Records    string
	Checks     []compare.Check
	Unknown    string
	Incomplete []compare.Incomplete
	OutOfScope []string
}

func newHTMLView(r *Report) *htmlView {
	v := &htmlView{
		Title:    "DriftExact report: " + printable(r.Workspace) + ", " + stamp(r.AsOf),
		Headline: headline(r),
		CSP:      htmlCSP,
		CSS:      template.CSS(htmlCSS),
		Engine:   r.Engine,
		Schema:   r.SchemaVersion,
		Masked:   r.Masked,
		Caveats:  caveats(r),
		Meta:     htmlMeta(r),
		Chart:    newChart(r.Findings),
		Coverage: htmlCov(&r.Coverage),
		History:  newHTMLHistory(r.History),
	}
	v.HistoryCSS, v.CSP = historyStyle(r)
	v.Integrity = htmlIntegrity(r)
	for _, sc := range r.Counts.BySeverity {
		v.Severities = append(v.Severities,
			htmlSeverity{Name: string(sc.Severity), Class: string(sc.Severity), Count: sc.Count})
	}
	for i, m := range v.Meta {
		v.Meta[i].Value = printable(m.Value)
	}
	n := 0
	idx := entryIndex(r.History)
	for _, g := range groups(r.Findings) {
		for _, f := range g.Findings {
			n++
			hf := htmlFind(n, f)
			hf.Life = newHTMLLife(idx[f.Fingerprint])
			v.Findings = append(v.Findings, hf)
		}
	}
	for _, no := range r.Notes {
		v.Notes = append(v.Notes, htmlNote{
			Who:  printable(strings.TrimSpace(no.Account + " " + no.Subscription)),
			Text: printable(no.Text),
		})
	}
	return v
}

func htmlMeta(r *Report) []labelled {
	return []labelled{
		{"Workspace", r.Workspace},
		{"As of", stamp(r.AsOf)},
		{"Billing", pullLine(r.Billing)},
		{"Access", pullLine(r.Access)},
		{"Policy", policyLine(r.Policy)},
		{"Engine", r.Engine + ", report schema " + strconv.Itoa(r.SchemaVersion)},
	}
}

func htmlIntegrity(r *Report) []labelled {
	sig := "none"
	if r.Integrity.Signature != "" {
		sig = r.Integrity.Signature
		if r.Integrity.KeyID != "" {
			sig += " (key " + strconv.Quote(r.Integrity.KeyID) + ")"
		}
	}
	return []labelled{
		{"Report digest", or(r.Integrity.Digest, "not sealed")},
		{"Signature", printable(sig)},
		{"Profile", r.Digests.Profile},
		{"Policy", r.Digests.Policy},
		{"Billing input", r.Digests.Billing},
		{"Access input", r.Digests.Access},
	}
}

func htmlFind(n int, f *compare.Finding) htmlFinding {
	ids := htmlIDs(f.CustomerID, f.Subscriptions)
	p := printable
	return htmlFinding{
		N: n, Severity: p(string(f.Severity)), SeverityClass: severityClass(f.Severity),
		Kind: p(string(f.Kind)), Direction: p(string(f.Direction)),
		Account: p(f.Account), Plan: p(f.Plan), Field: p(f.Field),
		Stripe: p(f.Stripe), Internal: p(f.Internal), Rule: p(f.Rule),
		Link: p(linkLine(f)), Fingerprint: p(f.Fingerprint), IDs: ids,
	}
}

func htmlCov(c *compare.Coverage) htmlCoverage {
	h := htmlCoverage{
		Records: fmt.Sprintf("%s and %s read; %s linked to an account.",
			plural(c.Subscriptions, "subscription"), plural(c.Grants, "grant"),
			plural(c.Linked, "subscription")),
		Unknown: printable(strings.Join(c.UnknownStatuses, ", ")),
	}
	for _, ch := range c.Checks {
		h.Checks = append(h.Checks, compare.Check{
			Name: printable(ch.Name), Ran: ch.Ran, Reason: printable(ch.Reason),
		})
	}
	for _, in := range c.Incomplete {
		h.Incomplete = append(h.Incomplete, compare.Incomplete{
			Side: printable(in.Side), ID: printable(in.ID), Reason: printable(in.Reason),
		})
	}
	for _, s := range c.OutOfScope {
		h.OutOfScope = append(h.OutOfScope, printable(s))
	}
	return h
}

// The chart's geometry, in pixels. Bars are stacked by severity and
// scaled to the kind with the most findings.
const (
	chartWidth  = 760
	chartBarX   = 230 // where bars start; kind labels end just before
	chartBarMax = 470 // the longest bar
	chartTop    = 34  // below the legend
	chartRowH   = 26
	chartBarH   = 16
)

type chartView struct {
	Width, Height, BarX, AxisY int
	Legend                     []legendItem
	Rows                       []chartRow
}

type legendItem struct {
	X, TextX     int
	Class, Label string
}

type chartRow struct {
	Kind                  string
	LabelX, TextY, TotalX int
	Total                 int
	Segments              []segment
}

type segment struct {
	X, Y, W, H   int
	Class, Title string
}

// newChart lays out the chart, or returns nil when there is nothing to
// draw. Widths are whole pixels computed with integers, so the page is
// the same on every machine.
func newChart(fs []compare.Finding) *chartView {
	if len(fs) == 0 {
		return nil
	}
	m := matrix(fs)
	longest := 1
	for _, row := range m {
		longest = max(longest, total(row))
	}
	c := &chartView{Width: chartWidth, BarX: chartBarX}
	for i, sev := range compare.Severities {
		x := chartBarX + i*100
		c.Legend = append(c.Legend, legendItem{
			X: x, TextX: x + 18, Class: "sev-" + string(sev), Label: string(sev),
		})
	}
	for k, kind := range compare.Kinds {
		y := chartTop + k*chartRowH
		row := chartRow{Kind: string(kind), LabelX: chartBarX - 10, TextY: y + 13}
		x := chartBarX
		for s, n := range m[k] {
			if n == 0 {
				continue
			}
			w := max(2, n*chartBarMax/longest)
			sev := compare.Severities[s]
			row.Segments = append(row.Segments, segment{
				X: x, Y: y, W: w, H: chartBarH, Class: "sev-" + string(sev),
				Title: fmt.Sprintf("%s: %d %s", kind, n, sev),
			})
			x += w
		}
		row.Total = total(m[k])
		row.TotalX = x + 8
		c.Rows = append(c.Rows, row)
	}
	c.AxisY = chartTop + len(compare.Kinds)*chartRowH - 6
	c.Height = c.AxisY + 8
	return c
}

func total(xs []int) int {
	n := 0
	for _, x := range xs {
		n += x
	}
	return n
}

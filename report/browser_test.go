package report_test

import (
	"bytes"
	"context"
	"encoding/xml"
	"flag"
	"image/png"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/driftexact/driftexact/compare"
	"github.com/driftexact/driftexact/report"
)

var screenshots = flag.String("screenshots", "",
	"keep the screenshots of the HTML reports in this directory")

// The HTML report is opened in headless Chromium, which loads nothing but
// the file written here: every network feature it has is switched off,
// and the page's own policy forbids loads and scripts.

func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("skipping: no chromium on PATH; install Debian's chromium package " +
		"to open the HTML report in a browser")
	return ""
}

// page is what Chromium made of one HTML report.
type page struct {
	dom    *element
	stderr string
	shot   string // path of the screenshot
}

// openInChromium writes r as HTML, opens it and returns the DOM after
// rendering together with a screenshot.
func openInChromium(t *testing.T, bin string, r *report.Report, name string) page {
	t.Helper()
	dir := t.TempDir()
	file := filepath.Join(dir, name+".html")
	if err := os.WriteFile(file, render(t, r, report.FormatHTML), 0o644); err != nil {
		t.Fatal(err)
	}
	shot := filepath.Join(dir, name+".png")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin,
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
		"--no-first-run", "--disable-background-networking",
		"--disable-component-update", "--disable-sync",
		"--user-data-dir="+filepath.Join(dir, "profile"),
		"--enable-logging=stderr", "--v=0", "--hide-scrollbars",
		"--window-size=1280,2200", "--screenshot="+shot,
		"--dump-dom", "file://"+file)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.WaitDelay = 10 * time.Second
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium: %v\n%s", err, stderr.String())
	}
	dom, err := parseDOM(stdout.Bytes())
	if err != nil {
		t.Fatalf("parse the DOM chromium dumped: %v", err)
	}
	if *screenshots != "" {
		keep(t, shot, filepath.Join(*screenshots, name+".png"))
	}
	return page{dom: dom, stderr: stderr.String(), shot: shot}
}

func keep(t *testing.T, from, to string) {
	b, err := os.ReadFile(from)
	if err == nil {
		err = os.WriteFile(to, b, 0o644)
	}
	if err != nil {
		t.Errorf("keep screenshot: %v", err)
	}
}

// consoleMessages returns what the page wrote to the browser console, such
// as a blocked load or a refused style sheet. A page without script that
// renders cleanly writes nothing.
func (p page) consoleMessages() []string {
	var out []string
	for _, line := range strings.Split(p.stderr, "\n") {
		if strings.Contains(line, ":CONSOLE") {
			out = append(out, line)
		}
	}
	return out
}

func TestHTMLInChromium(t *testing.T) {
	bin := chromiumPath(t)
	r := signed(t, build(t, driftInput(), "stripe", "sql"))
	p := openInChromium(t, bin, r, "drift")
	if msgs := p.consoleMessages(); len(msgs) > 0 {
		t.Errorf("the page logged to the console:\n%s", strings.Join(msgs, "\n"))
	}
	checkScreenshot(t, p.shot)

	if got, want := p.dom.find("title")[0].text(), "DriftExact report: acme-prod, "+
		"2024-06-15T00:00:00Z"; got != want {
		t.Errorf("title %q, want %q", got, want)
	}
	rows := p.dom.findClass("tr", "finding")
	if len(rows) != len(r.Findings) {
		t.Fatalf("findings table has %d rows, want %d", len(rows), len(r.Findings))
	}
	for i, row := range rows {
		checkRow(t, i, row, &r.Findings[i])
	}
	if n := len(p.dom.find("svg")[0].findClass("g", "row")); n != len(compare.Kinds) {
		t.Errorf("chart has %d rows, want one per kind (%d)", n, len(compare.Kinds))
	}
	checks := p.dom.findClass("tr", "check")
	if len(checks) != len(r.Coverage.Checks) {
		t.Errorf("coverage lists %d checks, want %d", len(checks), len(r.Coverage.Checks))
	}
}

func checkRow(t *testing.T, i int, row *element, f *compare.Finding) {
	t.Helper()
	cell := func(class string) string {
		cells := row.findClass("td", class)
		if len(cells) != 1 {
			t.Fatalf("row %d has %d %q cells", i+1, len(cells), class)
		}
		return strings.TrimSpace(cells[0].text())
	}
	got := []string{row.attr("data-kind"), row.attr("data-fingerprint"),
		cell("num"), cell("sev"), cell("account"), cell("ids")}
	want := []string{string(f.Kind), f.Fingerprint, strconv.Itoa(i + 1),
		string(f.Severity), f.Account,
		strings.Join(append(nonEmpty(f.CustomerID), f.Subscriptions...), "")}
	for j := range want {
		if got[j] != want[j] {
			t.Errorf("row %d: got %q, want %q", i+1, got, want)
			break
		}
	}
	if !strings.Contains(cell("diff"), f.Stripe) || !strings.Contains(cell("rule"), f.Rule) {
		t.Errorf("row %d lacks the values or the rule of finding %s", i+1, f.Fingerprint)
	}
}

func nonEmpty(s string) []string {
	if s == "" {
		return nil
	}
	return []string{s}
}

// TestHTMLMarkupDoesNotExecute opens a report whose values hold an image
// with an onerror handler, a script element and inline markup, and checks
// that the browser made text of them: no such element exists, the title
// is unchanged, and the values read back verbatim.
func TestHTMLMarkupDoesNotExecute(t *testing.T) {
	bin := chromiumPath(t)
	r := build(t, hostileInput(), "stripe", "sql "+hostileScript)
	p := openInChromium(t, bin, r, "hostile")
	if msgs := p.consoleMessages(); len(msgs) > 0 {
		t.Errorf("the page logged to the console (markup got in?):\n%s",
			strings.Join(msgs, "\n"))
	}
	checkScreenshot(t, p.shot)
	for _, name := range []string{"img", "script", "b", "a", "code"} {
		if n := len(p.dom.find(name)); n > 0 {
			t.Errorf("the page holds %d %s elements made from values", n, name)
		}
	}
	want := "DriftExact report: acme <b>prod</b>, 2024-06-15T00:00:00Z"
	if got := p.dom.find("title")[0].text(); got != want {
		t.Errorf("title %q, want %q", got, want)
	}
	var accounts []string
	for _, td := range p.dom.findClass("td", "account") {
		accounts = append(accounts, td.text())
	}
	for _, v := range []string{hostileImg, hostileFormula} {
		if !contains(accounts, v) {
			t.Errorf("account %q not shown verbatim; accounts: %q", v, accounts)
		}
	}
	if about := p.dom.byID("about").text(); !strings.Contains(about, hostileScript) {
		t.Errorf("source name with a script element not shown verbatim: %q", about)
	}
}

func contains(list []string, v string) bool {
	for _, s := range list {
		if s == v {
			return true
		}
	}
	return false
}

// checkScreenshot makes sure a picture of the page was taken and that it
// shows more than a blank page.
func checkScreenshot(t *testing.T, path string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("no screenshot: %v", err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	b := img.Bounds()
	if b.Dx() != 1280 || b.Dy() != 2200 {
		t.Errorf("screenshot is %dx%d, want 1280x2200", b.Dx(), b.Dy())
	}
	colours := map[[3]uint32]bool{}
	for y := b.Min.Y; y < b.Max.Y; y += 7 {
		for x := b.Min.X; x < b.Max.X; x += 7 {
			r, g, bl, _ := img.At(x, y).RGBA()
			colours[[3]uint32{r >> 8, g >> 8, bl >> 8}] = true
		}
	}
	if len(colours) < 20 {
		t.Errorf("screenshot has %d colours; the page looks blank", len(colours))
	}
}

// element is a node of the DOM that Chromium dumped.
type element struct {
	name    string
	attrs   map[string]string
	content []any // *element and string, in document order
}

// parseDOM reads HTML as serialised by a browser, with encoding/xml in
// its lenient HTML mode.
func parseDOM(b []byte) (*element, error) {
	dec := xml.NewDecoder(bytes.NewReader(b))
	dec.Strict = false
	dec.AutoClose = xml.HTMLAutoClose
	dec.Entity = xml.HTMLEntity
	root := &element{name: "#document"}
	stack := []*element{root}
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return root, nil
		}
		if err != nil {
			return nil, err
		}
		top := stack[len(stack)-1]
		switch tok := tok.(type) {
		case xml.StartElement:
			el := &element{name: strings.ToLower(tok.Name.Local), attrs: map[string]string{}}
			for _, a := range tok.Attr {
				el.attrs[strings.ToLower(a.Name.Local)] = a.Value
			}
			top.content = append(top.content, el)
			stack = append(stack, el)
		case xml.EndElement:
			if len(stack) > 1 {
				stack = stack[:len(stack)-1]
			}
		case xml.CharData:
			top.content = append(top.content, string(tok))
		}
	}
}

func (e *element) attr(name string) string { return e.attrs[name] }

// text returns the element's text content.
func (e *element) text() string {
	var b strings.Builder
	for _, c := range e.content {
		switch c := c.(type) {
		case string:
			b.WriteString(c)
		case *element:
			b.WriteString(c.text())
		}
	}
	return b.String()
}

// find returns the descendants named name, in document order.
func (e *element) find(name string) []*element {
	var out []*element
	for _, c := range e.content {
		if c, ok := c.(*element); ok {
			if c.name == name {
				out = append(out, c)
			}
			out = append(out, c.find(name)...)
		}
	}
	return out
}

func (e *element) findClass(name, class string) []*element {
	var out []*element
	for _, el := range e.find(name) {
		for _, c := range strings.Fields(el.attrs["class"]) {
			if c == class {
				out = append(out, el)
				break
			}
		}
	}
	return out
}

func (e *element) byID(id string) *element {
	for _, el := range e.find("section") {
		if el.attrs["id"] == id {
			return el
		}
	}
	return &element{}
}

// TestHTMLHistoryInChromium opens a report with a history section, whose
// second style sheet the page's policy must allow, and reads the
// recurring drift, the lifecycle of each finding and what was resolved
// back from the rendered page.
func TestHTMLHistoryInChromium(t *testing.T) {
	bin := chromiumPath(t)
	r := signed(t, historyReport(t))
	p := openInChromium(t, bin, r, "history")
	if msgs := p.consoleMessages(); len(msgs) > 0 {
		t.Errorf("the page logged to the console (a style sheet refused?):\n%s",
			strings.Join(msgs, "\n"))
	}
	checkScreenshot(t, p.shot)
	var recurring []string
	for _, row := range p.dom.findClass("tr", "recurring") {
		recurring = append(recurring, row.attr("data-fingerprint")[:4]+" "+
			row.attr("data-status"))
	}
	want := []string{"4f42 persisting", "3ae6 reopened", "f205 persisting",
		"bee5 reopened", "0b7e unchecked"}
	if !slices.Equal(recurring, want) {
		t.Errorf("recurring rows %q, want %q", recurring, want)
	}
	rows := p.dom.findClass("tr", "finding")
	if len(rows) != len(r.Findings) {
		t.Fatalf("findings table has %d rows, want %d", len(rows), len(r.Findings))
	}
	for i, row := range rows {
		life := row.findClass("td", "life")
		if len(life) != 1 {
			t.Fatalf("row %d has %d lifecycle cells", i+1, len(life))
		}
		e := r.History.Entries[i]
		if got := life[0].text(); !strings.HasPrefix(got, string(e.Status)) ||
			(e.Ack != nil) != strings.Contains(got, "acknowledged until") {
			t.Errorf("row %d: lifecycle %q for entry %+v", i+1, got, e)
		}
	}
	resolved := p.dom.byID("resolved").findClass("li", "resolved")
	if len(resolved) != 1 || !strings.Contains(resolved[0].text(), "acct_fixed") {
		t.Errorf("resolved section: %d items", len(resolved))
	}
	if n := len(p.dom.byID("unchecked").findClass("li", "unchecked")); n != 1 {
		t.Errorf("unchecked section: %d items, want 1", n)
	}
}

package compare_test

// The cases under testdata/cases are drift scenarios, one per file. Each
// file starts with a description and holds sections introduced by lines of
// the form "-- name --":
//
//	stripe.json   subscriptions as Stripe's API returns them (an array)
//	access        access rows, one a line:
//	              account | customer | subscription | plan | seats | access | expires
//	              NULL is an empty value; access "active" is on, any other
//	              value is off; "#" starts a comment line
//	profile.json  optional changes to testdata/profile.json, decoded over it
//	input.json    optional: {"as_of", "incomplete", "unavailable"}
//	verdict       the expected findings and notes, written by hand, one a
//	              line: "kind severity direction account subs" (with "-"
//	              for an empty field and subs comma-separated), or
//	              "note account subscription text-prefix", or "no drift"
//	want.json     the expected result in full, compared with cmp.Diff and
//	              rewritten by go test -update; the verdict guards it

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	stripe "github.com/stripe/stripe-go/v76"

	"github.com/driftexact/driftexact/compare"
	"github.com/driftexact/driftexact/source"
	"github.com/driftexact/driftexact/stripesrc"
)

var update = flag.Bool("update", false, "rewrite the want.json sections of testdata/cases")

// defaultAsOf is the instant cases are judged at unless they say otherwise.
var defaultAsOf = time.Date(2024, 6, 15, 0, 0, 0, 0, time.UTC)

// scenario is one parsed case file.
type scenario struct {
	name     string
	path     string
	raw      []byte
	sections map[string]string
	order    []string // section names in file order

	in      compare.Input
	profile *compare.Profile
	asOf    time.Time
}

// want is the part of a result a case pins down.
type want struct {
	Policy   compare.Policy    `json:"policy"`
	Findings []compare.Finding `json:"findings"`
	Notes    []compare.Note    `json:"notes,omitempty"`
	Coverage compare.Coverage  `json:"coverage"`
}

func TestCases(t *testing.T) {
	for _, sc := range loadScenarios(t) {
		t.Run(sc.name, func(t *testing.T) {
			res, err := compare.Compare(sc.in, sc.profile, sc.asOf)
			if err != nil {
				t.Fatal(err)
			}
			checkVerdict(t, sc.sections["verdict"], res)
			got := want{res.Policy, res.Findings, res.Notes, res.Coverage}
			if *update {
				sc.rewrite(t, got)
				return
			}
			var w want
			if err := json.Unmarshal([]byte(sc.sections["want.json"]), &w); err != nil {
				t.Fatalf("want.json: %v (run go test -update)", err)
			}
			if diff := cmp.Diff(w, got); diff != "" {
				t.Errorf("result (-want +got):\n%s", diff)
			}
		})
	}
}

func loadScenarios(t testing.TB) []*scenario {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "cases", "*.txt"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no cases in testdata/cases: %v", err)
	}
	base, err := os.ReadFile(filepath.Join("testdata", "profile.json"))
	if err != nil {
		t.Fatal(err)
	}
	var out []*scenario
	for _, f := range files {
		sc, err := parseScenario(f, base)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		out = append(out, sc)
	}
	return out
}

func parseScenario(path string, baseProfile []byte) (*scenario, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	sc := &scenario{
		name:     strings.TrimSuffix(filepath.Base(path), ".txt"),
		path:     path,
		raw:      raw,
		sections: map[string]string{},
		asOf:     defaultAsOf,
	}
	sc.split(raw)
	sc.profile = &compare.Profile{}
	for _, p := range []string{string(baseProfile), sc.sections["profile.json"]} {
		if strings.TrimSpace(p) == "" {
			continue
		}
		if err := strictDecode(p, sc.profile); err != nil {
			return nil, fmt.Errorf("profile: %w", err)
		}
	}
	if err := sc.decodeInput(); err != nil {
		return nil, err
	}
	subs, err := decodeStripe(sc.sections["stripe.json"], sc.profile.MetadataKeys())
	if err != nil {
		return nil, fmt.Errorf("stripe.json: %w", err)
	}
	sc.in.Subscriptions = subs
	sc.in.Grants, err = parseRows(sc.sections["access"])
	if err != nil {
		return nil, fmt.Errorf("access: %w", err)
	}
	return sc, nil
}

// split cuts the file into its sections.
func (sc *scenario) split(raw []byte) {
	name := ""
	var body strings.Builder
	flush := func() {
		if name != "" {
			sc.sections[name] = body.String()
			sc.order = append(sc.order, name)
		}
		body.Reset()
	}
	for line := range strings.Lines(string(raw)) {
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "-- ") && strings.HasSuffix(trimmed, " --") {
			flush()
			name = strings.TrimSuffix(strings.TrimPrefix(trimmed, "-- "), " --")
			continue
		}
		body.WriteString(line)
	}
	flush()
}

func (sc *scenario) decodeInput() error {
	sc.in.Workspace = "ws_cases"
	text := sc.sections["input.json"]
	if strings.TrimSpace(text) == "" {
		return nil
	}
	var opt struct {
		AsOf        time.Time            `json:"as_of"`
		Incomplete  []compare.Incomplete `json:"incomplete"`
		Unavailable []string             `json:"unavailable"`
	}
	if err := strictDecode(text, &opt); err != nil {
		return fmt.Errorf("input.json: %w", err)
	}
	if !opt.AsOf.IsZero() {
		sc.asOf = opt.AsOf
	}
	sc.in.Incomplete, sc.in.Unavailable = opt.Incomplete, opt.Unavailable
	return nil
}

func strictDecode(text string, v any) error {
	dec := json.NewDecoder(strings.NewReader(text))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}

// decodeStripe reads subscriptions in the API's JSON shape with stripe-go's
// own types and normalises them as the Stripe adapter does. stripe-go v76
// has no item-level current_period_end (newer API versions moved the
// period there), so that field is read here and laid over the items.
func decodeStripe(text string, metadataKeys []string) ([]source.Subscription, error) {
	if strings.TrimSpace(text) == "" {
		return nil, nil
	}
	var raws []json.RawMessage
	if err := json.Unmarshal([]byte(text), &raws); err != nil {
		return nil, err
	}
	var subs []source.Subscription
	for i, raw := range raws {
		var s stripe.Subscription
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, fmt.Errorf("subscription %d: %w", i, err)
		}
		var periods struct {
			Items struct {
				Data []struct {
					CurrentPeriodEnd int64 `json:"current_period_end"`
				} `json:"data"`
			} `json:"items"`
		}
		if err := json.Unmarshal(raw, &periods); err != nil {
			return nil, fmt.Errorf("subscription %q: items: %w", s.ID, err)
		}
		sub := stripesrc.Normalize(&s, metadataKeys)
		for j, it := range periods.Items.Data {
			if j < len(sub.Items) && it.CurrentPeriodEnd != 0 {
				sub.Items[j].CurrentPeriodEnd = time.Unix(it.CurrentPeriodEnd, 0).UTC()
			}
		}
		subs = append(subs, sub)
	}
	return subs, nil
}

// parseRows reads access rows in the pipe-separated form.
func parseRows(text string) ([]source.Grant, error) {
	var grants []source.Grant
	for line := range strings.Lines(text) {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		g, err := parseRow(line)
		if err != nil {
			return nil, fmt.Errorf("row %q: %w", line, err)
		}
		grants = append(grants, g)
	}
	return grants, nil
}

func parseRow(line string) (source.Grant, error) {
	f := strings.Split(line, "|")
	if len(f) != 7 {
		return source.Grant{}, fmt.Errorf("%d fields, want 7", len(f))
	}
	for i := range f {
		if f[i] = strings.TrimSpace(f[i]); f[i] == "NULL" {
			f[i] = ""
		}
	}
	g := source.Grant{AccountID: f[0], CustomerID: f[1], SubscriptionID: f[2],
		Plan: f[3], Active: f[5] == "active"}
	if f[4] != "" {
		n, err := strconv.ParseInt(f[4], 10, 64)
		if err != nil {
			return g, fmt.Errorf("seats: %w", err)
		}
		g.Seats = &n
	}
	if f[6] != "" {
		t, err := time.Parse(time.RFC3339, f[6])
		if err != nil {
			return g, fmt.Errorf("expires: %w", err)
		}
		g.Expires = t.UTC()
	}
	return g, nil
}

// checkVerdict compares the hand-written verdict with the result's
// findings (kind, severity, direction, account, subscriptions) and notes.
func checkVerdict(t *testing.T, verdict string, res *compare.Result) {
	t.Helper()
	var wantF, wantN []string
	for line := range strings.Lines(verdict) {
		line = strings.Join(strings.Fields(line), " ")
		switch {
		case line == "" || line == "no drift":
		case strings.HasPrefix(line, "note "):
			wantN = append(wantN, line)
		default:
			wantF = append(wantF, line)
		}
	}
	var gotF, gotN []string
	for _, f := range res.Findings {
		gotF = append(gotF, strings.Join([]string{string(f.Kind),
			string(f.Severity), dash(string(f.Direction)), dash(f.Account),
			dash(strings.Join(f.Subscriptions, ","))}, " "))
	}
	for _, n := range res.Notes {
		line := strings.Join([]string{"note", dash(n.Account), dash(n.Subscription),
			n.Text}, " ")
		// A verdict note names a prefix of the text.
		for _, w := range wantN {
			if strings.HasPrefix(line, w) {
				line = w
			}
		}
		gotN = append(gotN, line)
	}
	if diff := cmp.Diff(wantF, gotF); diff != "" {
		t.Errorf("findings differ from the verdict (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(wantN, gotN); diff != "" {
		t.Errorf("notes differ from the verdict (-want +got):\n%s", diff)
	}
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// rewrite replaces the case file's want.json section with got.
func (sc *scenario) rewrite(t *testing.T, got want) {
	t.Helper()
	js, err := json.MarshalIndent(got, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	raw := sc.raw
	if i := bytes.Index(raw, []byte("-- want.json --")); i >= 0 {
		raw = raw[:i]
	}
	if !bytes.HasSuffix(raw, []byte("\n")) {
		raw = append(raw, '\n')
	}
	raw = slices.Concat(raw, []byte("-- want.json --\n"), js, []byte("\n"))
	if err := os.WriteFile(sc.path, raw, 0o644); err != nil {
		t.Fatal(err)
	}
}

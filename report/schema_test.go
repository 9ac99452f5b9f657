package report_test

import (
	"bytes"
	"encoding/json"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/driftexact/driftexact/compare"
	"github.com/driftexact/driftexact/report"
)

func TestJSONFollowsSchema(t *testing.T) {
	for _, s := range scenarios {
		t.Run(s.name, func(t *testing.T) {
			out := render(t, s.build(t, s.input()), report.FormatJSON)
			if err := report.ValidateJSON(out); err != nil {
				t.Error(err)
			}
		})
	}
	t.Run("empty result", func(t *testing.T) {
		r := report.New(&compare.Result{Workspace: "w"}, report.Meta{})
		if err := report.ValidateJSON(render(t, r, report.FormatJSON)); err != nil {
			t.Error(err)
		}
	})
}

// TestSchemaRejects breaks a valid report in one place at a time and
// expects the validator to name that place.
func TestSchemaRejects(t *testing.T) {
	valid := render(t, build(t, driftInput(), "stripe", "sql"), report.FormatJSON)
	tests := []struct {
		name, path string
		edit       func(m map[string]any)
	}{
		{"missing findings", "$", func(m map[string]any) { delete(m, "findings") }},
		{"unknown member", "$", func(m map[string]any) { m["extra"] = 1 }},
		{"wrong schema version", "$.schema_version", func(m map[string]any) { m["schema_version"] = 2 }},
		{"as_of not a time", "$.as_of", func(m map[string]any) { m["as_of"] = "yesterday" }},
		{"records as text", "$.billing.records", func(m map[string]any) {
			m["billing"].(map[string]any)["records"] = "14"
		}},
		{"negative count", "$.counts.total", func(m map[string]any) {
			m["counts"].(map[string]any)["total"] = -1
		}},
		{"fractional count", "$.coverage.linked", func(m map[string]any) {
			m["coverage"].(map[string]any)["linked"] = 1.5
		}},
		{"unknown kind", "$.findings[0].kind", func(m map[string]any) {
			finding(m, 0)["kind"] = "vibes"
		}},
		{"unknown finding member", "$.findings[1]", func(m map[string]any) {
			finding(m, 1)["note"] = "x"
		}},
		{"short fingerprint", "$.findings[2].fingerprint", func(m map[string]any) {
			finding(m, 2)["fingerprint"] = "abc"
		}},
		{"subscriptions not a list", "$.findings[0].subscriptions", func(m map[string]any) {
			finding(m, 0)["subscriptions"] = "sub_1"
		}},
		{"bad digest", "$.integrity.digest", func(m map[string]any) {
			m["integrity"].(map[string]any)["digest"] = "md5:00"
		}},
		{"bad grace", "$.policy.grace.unpaid", func(m map[string]any) {
			m["policy"].(map[string]any)["grace"] = map[string]any{"unpaid": "three days"}
		}},
		{"unknown side", "$.coverage.incomplete[0].side", func(m map[string]any) {
			m["coverage"].(map[string]any)["incomplete"].([]any)[0].(map[string]any)["side"] = "both"
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var m map[string]any
			if err := json.Unmarshal(valid, &m); err != nil {
				t.Fatal(err)
			}
			tt.edit(m)
			b, err := json.Marshal(m)
			if err != nil {
				t.Fatal(err)
			}
			err = report.ValidateJSON(b)
			if err == nil {
				t.Fatal("broken report accepted")
			}
			if !strings.Contains(err.Error(), tt.path+":") {
				t.Errorf("error %q does not name %s", err, tt.path)
			}
		})
	}
}

func finding(m map[string]any, i int) map[string]any {
	return m["findings"].([]any)[i].(map[string]any)
}

func TestSchemaRejectsDuplicateMembers(t *testing.T) {
	valid := render(t, build(t, cleanInput(), "stripe", "sql"), report.FormatJSON)
	dup := bytes.Replace(valid, []byte(`"workspace": "acme-staging",`),
		[]byte(`"workspace": "acme-staging", "workspace": "other",`), 1)
	if err := report.ValidateJSON(dup); err == nil {
		t.Error("report with a member given twice accepted")
	}
}

// TestSchemaMatchesModel keeps the schema and the Go types in step: every
// JSON member of each type is in the schema and the other way round, and
// the enumerations list exactly the kinds and severities compare knows.
func TestSchemaMatchesModel(t *testing.T) {
	var schema struct {
		Properties map[string]any `json:"properties"`
		Defs       map[string]struct {
			Properties map[string]any `json:"properties"`
			Enum       []string       `json:"enum"`
		} `json:"$defs"`
	}
	if err := json.Unmarshal(report.Schema(), &schema); err != nil {
		t.Fatal(err)
	}
	types := map[string]reflect.Type{
		"pull":            reflect.TypeFor[report.Pull](),
		"digests":         reflect.TypeFor[report.Digests](),
		"policy":          reflect.TypeFor[compare.Policy](),
		"check":           reflect.TypeFor[compare.Check](),
		"incomplete":      reflect.TypeFor[compare.Incomplete](),
		"coverage":        reflect.TypeFor[compare.Coverage](),
		"finding":         reflect.TypeFor[compare.Finding](),
		"note":            reflect.TypeFor[compare.Note](),
		"integrity":       reflect.TypeFor[report.Integrity](),
		"history":         reflect.TypeFor[report.History](),
		"history_counts":  reflect.TypeFor[report.HistoryCounts](),
		"history_entry":   reflect.TypeFor[report.HistoryEntry](),
		"acknowledgement": reflect.TypeFor[report.Acknowledgement](),
	}
	check := func(name string, props map[string]any, typ reflect.Type) {
		want := jsonNames(typ)
		var got []string
		for p := range props {
			got = append(got, p)
		}
		slices.Sort(got)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("schema %q and Go type %s differ; update report/schema/report.v1.json "+
				"(-Go +schema):\n%s", name, typ, diff)
		}
	}
	check("report", schema.Properties, reflect.TypeFor[report.Report]())
	for name, typ := range types {
		check(name, schema.Defs[name].Properties, typ)
	}
	var kinds []string
	for _, k := range compare.Kinds {
		kinds = append(kinds, string(k))
	}
	if diff := cmp.Diff(kinds, schema.Defs["kind"].Enum); diff != "" {
		t.Errorf("schema kinds differ from compare.Kinds (-Go +schema):\n%s", diff)
	}
	var sevs []string
	for _, s := range compare.Severities {
		sevs = append(sevs, string(s))
	}
	if diff := cmp.Diff(sevs, schema.Defs["severity"].Enum); diff != "" {
		t.Errorf("schema severities differ (-Go +schema):\n%s", diff)
	}
	var statuses []string
	for _, s := range report.LifecycleStatuses {
		statuses = append(statuses, string(s))
	}
	if diff := cmp.Diff(statuses, schema.Defs["lifecycle_status"].Enum); diff != "" {
		t.Errorf("schema lifecycle statuses differ (-Go +schema):\n%s", diff)
	}
}

// jsonNames returns the sorted JSON member names of a struct type.
func jsonNames(typ reflect.Type) []string {
	var names []string
	for f := range typ.Fields() {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name != "-" && f.IsExported() {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	return names
}

func TestSchemaIsTheShippedFile(t *testing.T) {
	file, err := os.ReadFile("schema/report.v1.json")
	if err != nil {
		t.Fatal(err)
	}
	got := report.Schema()
	if !bytes.Equal(got, file) {
		t.Error("Schema() differs from schema/report.v1.json")
	}
	got[0] = 'x'
	if report.Schema()[0] == 'x' {
		t.Error("Schema() returns shared bytes that callers can change")
	}
}

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/driftexact/driftexact/compare"
	"github.com/driftexact/driftexact/report"
)

func TestQuickstartFindsEveryFirstKind(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), "json", &out); err != nil {
		t.Fatal(err)
	}
	var rep report.Report
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatalf("quickstart JSON does not decode: %v", err)
	}
	got := map[compare.Kind][]string{}
	for _, f := range rep.Findings {
		got[f.Kind] = append(got[f.Kind], f.Account+"|"+f.Subscriptions[0])
	}
	want := map[compare.Kind][]string{
		compare.PaidWithoutAccess:    {"acct_locked_out|sub_QS_locked_out"},
		compare.AccessWithoutPayment: {"acct_cancelled|sub_QS_cancelled"},
		compare.PlanMismatch:         {"acct_upgraded|sub_QS_upgraded"},
		compare.UnmappedPrice:        {"acct_legacy|sub_QS_legacy"},
		compare.MissingIdentifier:    {"|sub_QS_orphan"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
	if rep.SchemaVersion != report.SchemaVersion || rep.Workspace != "quickstart" {
		t.Errorf("schema %d workspace %q", rep.SchemaVersion, rep.Workspace)
	}
	if rep.Billing.Records != 8 || rep.Access.Records != 8 {
		t.Errorf("records: billing %d access %d, want 8 and 8",
			rep.Billing.Records, rep.Access.Records)
	}
}

func TestQuickstartJSONIsByteIdentical(t *testing.T) {
	var a, b bytes.Buffer
	if err := run(context.Background(), "json", &a); err != nil {
		t.Fatal(err)
	}
	if err := run(context.Background(), "json", &b); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Errorf("two runs differ:\n%s", cmp.Diff(a.String(), b.String()))
	}
}

func TestQuickstartText(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), "text", &out); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"paid_without_access", "acct_locked_out", "COVERAGE"} {
		if !bytes.Contains(out.Bytes(), []byte(s)) {
			t.Errorf("text report lacks %q", s)
		}
	}
	if err := run(context.Background(), "yaml", &out); err == nil {
		t.Error("unknown format accepted")
	}
}

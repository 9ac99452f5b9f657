package report_test

import (
	"fmt"
	"io"
	"testing"

	"github.com/driftexact/driftexact/compare"
	"github.com/driftexact/driftexact/report"
	"github.com/driftexact/driftexact/source"
)

// bigReport builds a report from n accounts, one in four of them locked
// out of a paid subscription and one in four on the wrong plan.
func bigReport(b *testing.B, n int) *report.Report {
	in := compare.Input{Workspace: "bench"}
	for i := range n {
		sub := fmt.Sprintf("sub_1Bench%08d", i)
		in.Subscriptions = append(in.Subscriptions, source.Subscription{
			ID: sub, CustomerID: fmt.Sprintf("cus_Bench%08d", i), Status: "active",
			Items: items("price_pro_m", 1), CurrentPeriodEnd: jul1,
		})
		in.Grants = append(in.Grants, source.Grant{
			AccountID: fmt.Sprintf("acct_%08d", i), SubscriptionID: sub,
			Plan: []string{"pro", "basic", "pro", "pro"}[i%4], Active: i%4 != 0,
			Expires: jul1,
		})
	}
	return build(b, in, "stripe", "sql")
}

func BenchmarkWrite(b *testing.B) {
	r := bigReport(b, 10000)
	b.Logf("%d findings", len(r.Findings))
	for _, f := range report.Formats {
		b.Run(string(f), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := report.Write(io.Discard, r, f); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkMask(b *testing.B) {
	r := bigReport(b, 10000)
	m, err := report.NewMasker("bench", maskKey)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := m.Mask(r); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerify(b *testing.B) {
	r := bigReport(b, 10000)
	if err := r.Sign(signKey, "bench"); err != nil {
		b.Fatal(err)
	}
	data := render(b, r, report.FormatJSON)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := report.Verify(data, signKey); err != nil {
			b.Fatal(err)
		}
	}
}

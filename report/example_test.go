package report_test

import (
	"bufio"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/driftexact/driftexact/compare"
	"github.com/driftexact/driftexact/report"
	"github.com/driftexact/driftexact/source"
)

// exampleReport builds a small report: one account is locked out although
// its subscription is paid, and another agrees with Stripe.
func exampleReport() *report.Report {
	at := time.Date(2024, 6, 15, 0, 0, 0, 0, time.UTC)
	in := compare.Input{
		Workspace: "acme",
		Subscriptions: []source.Subscription{
			{ID: "sub_A", CustomerID: "cus_A", Status: "active",
				Items: []source.Item{{PriceID: "price_pro", Quantity: 1}}},
			{ID: "sub_B", CustomerID: "cus_B", Status: "active",
				Items: []source.Item{{PriceID: "price_pro", Quantity: 1}}},
		},
		Grants: []source.Grant{
			{AccountID: "acct_1", SubscriptionID: "sub_A", Plan: "pro", Active: false},
			{AccountID: "acct_2", SubscriptionID: "sub_B", Plan: "pro", Active: true},
		},
	}
	profile := &compare.Profile{PriceIDs: map[string]string{"price_pro": "pro"}}
	res, err := compare.Compare(in, profile, at)
	if err != nil {
		panic(err)
	}
	return report.New(res, report.Meta{
		Billing: report.Pull{Source: "stripe", Started: at, Finished: at.Add(time.Second),
			Records: 2, Pages: 1},
		Access:  report.Pull{Source: "sql", Started: at, Finished: at, Records: 2},
		Digests: report.Digest(in, profile),
	})
}

// elideFingerprints shortens the fingerprints in an example's output.
func elideFingerprints(s string, r *report.Report) string {
	for _, f := range r.Findings {
		s = strings.ReplaceAll(s, f.Fingerprint, "…")
	}
	return s
}

func ExampleWriteText() {
	r := exampleReport()
	// Show the report down to its findings.
	var b bytes.Buffer
	if err := report.WriteText(&b, r); err != nil {
		panic(err)
	}
	text, _, _ := strings.Cut(b.String(), "      fingerprint")
	fmt.Print(text)
	// Output:
	// DriftExact report: 1 finding (1 high)
	//
	//   workspace      acme
	//   as of          2024-06-15T00:00:00Z
	//   billing        stripe: 2 records in 1 page, pulled 2024-06-15T00:00:00Z to 2024-06-15T00:00:01Z
	//   access         sql: 2 records, pulled 2024-06-15T00:00:00Z to 2024-06-15T00:00:00Z
	//   policy         entitling active, past_due, trialing; paused collection never; no grace
	//   engine         driftexact-go/0.1.0, report schema 1
	//
	// SUMMARY
	//   kind                          high  medium     low   total
	//   paid_without_access              1       -       -       1
	//   all kinds                        1       -       -       1
	//   caveat         1 check did not run (see COVERAGE)
	//
	// HIGH (1)
	//
	//    1. paid_without_access, under_granted
	//       account        acct_1
	//       customer       cus_A
	//       subscriptions  sub_A
	//       plan           pro
	//       compared       access
	//       stripe         entitled by sub_A active
	//       internal       access off
	//       rule           Stripe entitles the account at the as-of time, but its access is off
	//       link           linked by subscription_id
}

func ExampleWriteJSON() {
	r := exampleReport()
	var b bytes.Buffer
	if err := report.WriteJSON(&b, r); err != nil {
		panic(err)
	}
	// Show the first lines, then check the whole against the schema.
	lines := strings.SplitAfter(b.String(), "\n")
	fmt.Print(strings.Join(lines[:12], ""))
	fmt.Println("valid:", report.ValidateJSON(b.Bytes()) == nil)
	// Output:
	// {
	//   "schema_version": 1,
	//   "engine": "driftexact-go/0.1.0",
	//   "workspace": "acme",
	//   "as_of": "2024-06-15T00:00:00Z",
	//   "billing": {
	//     "source": "stripe",
	//     "started": "2024-06-15T00:00:00Z",
	//     "finished": "2024-06-15T00:00:01Z",
	//     "records": 2,
	//     "pages": 1
	//   },
	// valid: true
}

func ExampleWriteCSV() {
	r := exampleReport()
	var b bytes.Buffer
	if err := report.WriteCSV(&b, r); err != nil {
		panic(err)
	}
	// Rows end in CRLF, as RFC 4180 has it; print them as plain lines.
	out := strings.ReplaceAll(b.String(), "\r\n", "\n")
	fmt.Print(elideFingerprints(out, r))
	// Output:
	// workspace,as_of,severity,kind,direction,account,customer,subscriptions,plan,field,stripe,internal,rule,linked_by,tried,fingerprint,masked
	// acme,2024-06-15T00:00:00Z,high,paid_without_access,under_granted,acct_1,cus_A,sub_A,pro,access,entitled by sub_A active,access off,"Stripe entitles the account at the as-of time, but its access is off",subscription_id,,…,false
}

func ExampleWriteMarkdown() {
	r := exampleReport()
	var b bytes.Buffer
	if err := report.WriteMarkdown(&b, r); err != nil {
		panic(err)
	}
	// Show the findings table.
	_, table, _ := strings.Cut(b.String(), "### Findings\n\n")
	table, _, _ = strings.Cut(table, "\n\n")
	fmt.Println(elideFingerprints(table, r))
	// Output:
	// | # | severity | kind | account | Stripe ids | plan | compared | Stripe | internal | rule | link | fingerprint |
	// |--:|---|---|---|---|---|---|---|---|---|---|---|
	// | 1 | high | paid\_without\_access, under\_granted | acct\_1 | cus\_A sub\_A | pro | access | entitled by sub\_A active | access off | Stripe entitles the account at the as-of time, but its access is off | linked by subscription\_id | … |
}

func ExampleWriteHTML() {
	r := exampleReport()
	var b bytes.Buffer
	if err := report.WriteHTML(&b, r); err != nil {
		panic(err)
	}
	// Show the title and the opening tag of each findings row.
	sc := bufio.NewScanner(&b)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "<title>DriftExact") ||
			strings.HasPrefix(line, `<tr class="finding"`) {
			fmt.Println(elideFingerprints(line, r))
		}
	}
	// Output:
	// <title>DriftExact report: acme, 2024-06-15T00:00:00Z</title>
	// <tr class="finding" data-kind="paid_without_access" data-severity="high" data-fingerprint="…">
}

func ExampleWriteJUnit() {
	var b bytes.Buffer
	if err := report.WriteJUnit(&b, exampleReport()); err != nil {
		panic(err)
	}
	// Read the XML back and show its suites, cases and failures.
	attr := func(e xml.StartElement, name string) string {
		for _, a := range e.Attr {
			if a.Name.Local == name {
				return a.Value
			}
		}
		return ""
	}
	dec := xml.NewDecoder(&b)
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			panic(err)
		}
		e, ok := tok.(xml.StartElement)
		switch {
		case !ok:
		case e.Name.Local == "testsuite":
			fmt.Printf("%s: %s tests, %s failed\n",
				attr(e, "name"), attr(e, "tests"), attr(e, "failures"))
		case e.Name.Local == "testcase":
			fmt.Println("  " + attr(e, "name"))
		case e.Name.Local == "failure":
			fmt.Println("    failure: " + attr(e, "type"))
		}
	}
	// Output:
	// driftexact.link: 1 tests, 0 failed
	//   all accounts
	// driftexact.access: 2 tests, 1 failed
	//   acct_1
	//     failure: paid_without_access
	//   every other account
	// driftexact.plan: 1 tests, 0 failed
	//   all accounts
	// driftexact.duplicates: 1 tests, 0 failed
	//   all accounts
	// driftexact.seats: 1 tests, 0 failed
	//   all accounts
	// driftexact.expiry: 1 tests, 0 failed
	//   all accounts
}

// A cron worker can write every format side by side.
func ExampleWrite() {
	r := exampleReport()
	for _, f := range report.Formats {
		var b bytes.Buffer
		if err := report.Write(&b, r, f); err != nil {
			panic(err)
		}
		fmt.Printf("report%s\t%s\n", f.Ext(), f.ContentType())
	}
	// Output:
	// report.txt	text/plain; charset=utf-8
	// report.json	application/json
	// report.csv	text/csv; charset=utf-8; header=present
	// report.md	text/markdown; charset=utf-8
	// report.html	text/html; charset=utf-8
	// report.xml	application/xml
}

func ExampleVerify() {
	key := []byte("a key of 32 bytes held by the ops") // keep it in a secret store
	r := exampleReport()
	if err := r.Sign(key, "ops-2024"); err != nil {
		panic(err)
	}
	var b bytes.Buffer
	if err := report.WriteJSON(&b, r); err != nil {
		panic(err)
	}
	data := b.Bytes()
	if _, err := report.Verify(data, key); err == nil {
		fmt.Println("signed report verified")
	}

	// Grant the account after the fact, in the file.
	forged := bytes.Replace(data, []byte(`"access off"`), []byte(`"access on"`), 1)
	_, err := report.Verify(forged, key)
	fmt.Println(errors.Is(err, report.ErrTampered), err)
	// Output:
	// signed report verified
	// true report: integrity check failed: digest does not match the content
}

func ExampleMask() {
	key := []byte("a masking key the team keeps safe") // at least 16 bytes
	m, err := report.Mask(exampleReport(), key)
	if err != nil {
		panic(err)
	}
	f := m.Findings[0]
	fmt.Println(f.Account, f.CustomerID, f.Subscriptions)
	fmt.Println(f.Stripe)

	// The team can find an account's pseudonym with the same key.
	masker, _ := report.NewMasker("acme", key)
	fmt.Println(masker.Account("acct_1") == f.Account)
	// Output:
	// acct-fb98ab3177da4b86 cus-8aec7876cc68843c [sub-c18723166705f435]
	// entitled by sub-c18723166705f435 active
	// true
}

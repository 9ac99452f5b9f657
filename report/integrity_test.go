package report_test

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/driftexact/driftexact/report"
)

func TestVerifyAcceptsWhatWasWritten(t *testing.T) {
	r := signed(t, build(t, driftInput(), "stripe", "sql"))
	data := render(t, r, report.FormatJSON)
	for _, key := range [][]byte{signKey, nil} {
		got, err := report.Verify(data, key)
		if err != nil {
			t.Fatalf("key %v: %v", key != nil, err)
		}
		if diff := cmp.Diff(r, got); diff != "" {
			t.Errorf("verified report differs from the one written (-want +got):\n%s", diff)
		}
	}
}

func TestVerifyEveryScenario(t *testing.T) {
	for _, s := range scenarios {
		r := s.build(t, s.input())
		if err := r.Sign(signKey, ""); err != nil {
			t.Fatal(err)
		}
		if _, err := report.Verify(render(t, r, report.FormatJSON), signKey); err != nil {
			t.Errorf("%s: %v", s.name, err)
		}
	}
}

func TestVerifyUnsigned(t *testing.T) {
	data := render(t, build(t, cleanInput(), "stripe", "sql"), report.FormatJSON)
	if _, err := report.Verify(data, nil); err != nil {
		t.Errorf("digest check of an untouched report: %v", err)
	}
	if _, err := report.Verify(data, signKey); !errors.Is(err, report.ErrUnsigned) {
		t.Errorf("got %v, want ErrUnsigned", err)
	}
}

// TestVerifyDetectsEveryByteChange changes each byte of a small signed
// report in four ways (two bit flips, deletion, duplication) and requires
// Verify to refuse every result.
func TestVerifyDetectsEveryByteChange(t *testing.T) {
	r := signed(t, build(t, cleanInput(), "stripe", "sql"))
	data := render(t, r, report.FormatJSON)
	if _, err := report.Verify(data, signKey); err != nil {
		t.Fatal(err)
	}
	tries := 0
	for i := range data {
		for _, bad := range tampered(data, i) {
			tries++
			if _, err := report.Verify(bad, signKey); !errors.Is(err, report.ErrTampered) {
				t.Fatalf("change at byte %d (%q) not detected: %v", i, data[i], err)
			}
		}
	}
	t.Logf("%d changed copies of a %d-byte report refused", tries, len(data))
}

// tampered returns copies of data changed at byte i.
func tampered(data []byte, i int) [][]byte {
	var out [][]byte
	for _, mask := range []byte{0x01, 0x20} {
		b := bytes.Clone(data)
		b[i] ^= mask
		out = append(out, b)
	}
	out = append(out, append(bytes.Clone(data[:i]), data[i+1:]...))
	out = append(out, append(bytes.Clone(data[:i+1]), data[i:]...))
	return out
}

func TestVerifyRefusesAnotherKey(t *testing.T) {
	data := render(t, signed(t, build(t, cleanInput(), "stripe", "sql")), report.FormatJSON)
	other := []byte("another key that is long enough!")
	if _, err := report.Verify(data, other); !errors.Is(err, report.ErrTampered) {
		t.Errorf("got %v, want ErrTampered", err)
	}
}

// TestDigestAloneCanBeForged shows why a signature is needed against
// deliberate change: whoever edits a report can seal it again, which the
// digest check accepts and the signature check does not.
func TestDigestAloneCanBeForged(t *testing.T) {
	r := signed(t, build(t, driftInput(), "stripe", "sql"))
	sig := r.Integrity.Signature
	r.Findings = r.Findings[1:]
	if err := r.Seal(); err != nil {
		t.Fatal(err)
	}
	if r.Integrity.Signature != "" {
		t.Fatal("Seal kept a signature over other content")
	}
	forged := render(t, r, report.FormatJSON)
	if _, err := report.Verify(forged, nil); err != nil {
		t.Errorf("resealed report fails the digest check: %v", err)
	}
	if _, err := report.Verify(forged, signKey); !errors.Is(err, report.ErrUnsigned) {
		t.Errorf("got %v, want ErrUnsigned", err)
	}
	r.Integrity.Signature = sig
	_, err := report.Verify(render(t, r, report.FormatJSON), signKey)
	if !errors.Is(err, report.ErrTampered) {
		t.Errorf("old signature on new content: got %v, want ErrTampered", err)
	}
}

func TestChangeAfterNewBreaksTheDigest(t *testing.T) {
	r := build(t, driftInput(), "stripe", "sql")
	r.Findings[0].Account = "acct_someone_else"
	_, err := report.Verify(render(t, r, report.FormatJSON), nil)
	if !errors.Is(err, report.ErrTampered) {
		t.Errorf("got %v, want ErrTampered", err)
	}
	if err := r.Seal(); err != nil {
		t.Fatal(err)
	}
	if _, err := report.Verify(render(t, r, report.FormatJSON), nil); err != nil {
		t.Errorf("after Seal: %v", err)
	}
}

func TestCanonicalLeavesOutTheSeal(t *testing.T) {
	r := build(t, driftInput(), "stripe", "sql")
	before, err := r.Canonical()
	if err != nil {
		t.Fatal(err)
	}
	signed(t, r)
	after, err := r.Canonical()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(before, after) {
		t.Error("signing changed the canonical encoding")
	}
	if bytes.Contains(after, []byte("integrity")) || bytes.Contains(after, []byte("\n")) {
		t.Error("canonical encoding holds the seal or line breaks")
	}
}

func TestKeysAreCheckedAndNeverShown(t *testing.T) {
	r := build(t, driftInput(), "stripe", "sql")
	short := []byte("0123456789abcde") // one byte short
	errs := []error{r.Sign(short, "k")}
	_, err := report.Verify(render(t, r, report.FormatJSON), short)
	errs = append(errs, err)
	_, err = report.Mask(r, short)
	errs = append(errs, err)
	_, err = report.NewMasker("acme-prod", nil)
	errs = append(errs, err)
	for i, err := range errs {
		if err == nil {
			t.Errorf("call %d accepted a short key", i)
		} else if strings.Contains(err.Error(), string(short)) {
			t.Errorf("error %q shows the key", err)
		}
	}

	// Sign, mask and sign again, then look for either key in every
	// format and in the errors of a failed verification.
	signed(t, r)
	m := masked(t, r)
	if err := m.Sign(signKey, "test-2024"); err != nil {
		t.Fatal(err)
	}
	var outs [][]byte
	for _, rep := range []*report.Report{r, m} {
		for _, f := range report.Formats {
			outs = append(outs, render(t, rep, f))
		}
	}
	data := render(t, m, report.FormatJSON)
	data[len(data)/2] ^= 1
	_, err = report.Verify(data, signKey)
	outs = append(outs, []byte(err.Error()))
	for _, key := range [][]byte{signKey, maskKey} {
		for _, form := range []string{string(key), hex.EncodeToString(key),
			base64.StdEncoding.EncodeToString(key)} {
			for i, out := range outs {
				if bytes.Contains(out, []byte(form)) {
					t.Errorf("output %d shows a key", i)
				}
			}
		}
	}
}

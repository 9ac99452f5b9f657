package report

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/driftexact/driftexact/compare"
)

func TestIDTextReplacesWholeIDsOnly(t *testing.T) {
	x := newIDText()
	x.add("acct_1", "A1")
	x.add("acct_10", "A10")
	x.add("sub_9", "S9")
	x.add("42", "N42")
	x.add("a-b", "AB")
	tests := []struct{ in, want string }{
		{"acct_1", "A1"},
		{"acct_10 and acct_1", "A10 and A1"},
		{"acct_100", "acct_100"},
		{"xacct_1", "xacct_1"},
		{"(acct_1, sub_9)", "(A1, S9)"},
		{"sub_9active", "sub_9active"},
		{`record "42": bad "421"`, `record "N42": bad "421"`},
		{"42 seats", "42 seats"},
		{"a-b-c", "AB-c"},
		{"é_acct_1 ü acct_1é", "é_acct_1 ü acct_1é"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := x.replace(tt.in); got != tt.want {
			t.Errorf("replace(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestPrintable(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain text, ünïcode", "plain text, ünïcode"},
		{"a\nb\tc", `a\x0ab\x09c`},
		{"\x1b[2J", `\x1b[2J`},
		{"abc\u202edef", `abc\u202edef`},
		{"bad \xff byte", `bad \xff byte`},
		{"\u0085", `\x85`},
	}
	for _, tt := range tests {
		if got := printable(tt.in); got != tt.want {
			t.Errorf("printable(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestWrap(t *testing.T) {
	tests := []struct {
		in    string
		width int
		want  []string
	}{
		{"", 10, []string{""}},
		{"one two three", 7, []string{"one two", "three"}},
		{"abcdefghij", 4, []string{"abcd", "efgh", "ij"}},
		{"ab ééééé", 5, []string{"ab", "éé", "éé", "é"}},
	}
	for _, tt := range tests {
		got := wrap(tt.in, tt.width)
		if len(got) != len(tt.want) {
			t.Errorf("wrap(%q, %d) = %q, want %q", tt.in, tt.width, got, tt.want)
			continue
		}
		for i := range got {
			if got[i] != tt.want[i] {
				t.Errorf("wrap(%q, %d) = %q, want %q", tt.in, tt.width, got, tt.want)
				break
			}
		}
	}
}

// BenchmarkIDText compares the length-bucketed lookup that masking uses
// with the plain alternative, trying every known id at every position.
func BenchmarkIDText(b *testing.B) {
	const n = 5000
	x := newIDText()
	var ids []string
	for i := range n {
		id := fmt.Sprintf("sub_1Bench%08d", i)
		ids = append(ids, id)
		x.add(id, fmt.Sprintf("sub-%016x", i))
	}
	text := "entitled (" + ids[n/2] + " active, " + ids[n-1] + " past_due)"
	b.Run("buckets", func(b *testing.B) {
		for b.Loop() {
			x.replace(text)
		}
	})
	b.Run("every id", func(b *testing.B) {
		for b.Loop() {
			naiveReplace(text, ids, x.ids)
		}
	})
}

// naiveReplace tries each id in turn at each position.
func naiveReplace(s string, ids []string, to map[string]string) string {
	var out strings.Builder
	for i := 0; i < len(s); {
		hit := ""
		for _, id := range ids {
			if strings.HasPrefix(s[i:], id) && (i == 0 || !isWordByte(s[i-1])) &&
				(i+len(id) == len(s) || !isWordByte(s[i+len(id)])) && len(id) > len(hit) {
				hit = id
			}
		}
		if hit == "" {
			out.WriteByte(s[i])
			i++
			continue
		}
		out.WriteString(to[hit])
		i += len(hit)
	}
	return out.String()
}

// TestMaskKnowsEveryFindingField fails when compare adds a field to
// Finding that masking could not reach: every field is either masked by
// name or holds text, which masking treats as free text.
func TestMaskKnowsEveryFindingField(t *testing.T) {
	typ := reflect.TypeFor[compare.Finding]()
	for f := range typ.Fields() {
		if slices.Contains(maskedFields, f.Name) {
			continue
		}
		k := f.Type.Kind()
		if k != reflect.String && !(k == reflect.Slice && f.Type.Elem().Kind() == reflect.String) {
			t.Errorf("Finding.%s is a %s, which masking cannot reach; mask it by name",
				f.Name, f.Type)
		}
	}
	for _, name := range maskedFields {
		if _, ok := typ.FieldByName(name); !ok {
			t.Errorf("maskedFields names %s, which Finding no longer has", name)
		}
	}
}

// TestMaskReachesFieldsItDoesNotKnow masks a struct shaped like a finding
// from a later version of compare, with an account list and a price.
func TestMaskReachesFieldsItDoesNotKnow(t *testing.T) {
	m, err := NewMasker("ws", []byte("0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	tb := &maskTable{m: m, stripe: newIDText(), all: newIDText(),
		exact: map[string]string{}, seen: map[[2]string]string{}}
	tb.known("sub_1", tb.subscription("sub_1"), true)
	tb.known("20", tb.account("20"), false)
	tb.known("acct_x", tb.account("acct_x"), false)
	later := struct {
		Account  string
		Accounts []string
		Price    string
		Note     string
		Count    int
		hidden   string
	}{"acct_x", []string{"20", "acct_x"}, "price_1", "moved from sub_1", 20, "acct_x"}
	tb.maskStrings(reflect.ValueOf(&later).Elem(), []string{"Account"})
	want := []string{m.Account("20"), m.Account("acct_x")}
	if later.Account != "acct_x" || !slices.Equal(later.Accounts, want) ||
		later.Price != "price_1" || later.Note != "moved from "+m.Subscription("sub_1") ||
		later.Count != 20 || later.hidden != "acct_x" {
		t.Errorf("got %+v", later)
	}
}

// TestMaskKnowsEveryEntryField fails when a field is added to
// HistoryEntry that masking could not reach: every field is masked by
// name, holds text (masked as free text), or holds no text at all.
func TestMaskKnowsEveryEntryField(t *testing.T) {
	typ := reflect.TypeFor[HistoryEntry]()
	noText := []reflect.Type{reflect.TypeFor[int](), reflect.TypeFor[bool](),
		reflect.TypeFor[time.Time]()}
	for f := range typ.Fields() {
		k := f.Type.Kind()
		switch {
		case slices.Contains(maskedEntryFields, f.Name), f.Name == "Ack",
			slices.Contains(noText, f.Type), k == reflect.String,
			k == reflect.Slice && f.Type.Elem().Kind() == reflect.String:
			continue
		}
		t.Errorf("HistoryEntry.%s is a %s, which masking cannot reach; mask it by name",
			f.Name, f.Type)
	}
	for _, name := range maskedEntryFields {
		if _, ok := typ.FieldByName(name); !ok {
			t.Errorf("maskedEntryFields names %s, which HistoryEntry no longer has", name)
		}
	}
	ack := reflect.TypeFor[Acknowledgement]()
	for f := range ack.Fields() {
		if f.Name != "Author" && f.Name != "Reason" && f.Type != reflect.TypeFor[time.Time]() {
			t.Errorf("Acknowledgement.%s is not masked", f.Name)
		}
	}
}

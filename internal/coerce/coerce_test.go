package coerce

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"
)

var jul1 = time.Date(2024, 7, 1, 0, 0, 0, 0, time.UTC)

func TestTime(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Skipf("no zone data: %v", err)
	}
	tests := []struct {
		name string
		in   any
		loc  *time.Location
		want time.Time
	}{
		{"nil", nil, nil, time.Time{}},
		{"zero time", time.Time{}, nil, time.Time{}},
		{"driver time in a zone", jul1.In(berlin), nil, jul1},
		{"unix seconds", int64(1719792000), nil, jul1},
		{"unix zero is absent", int64(0), nil, time.Time{}},
		{"unsigned unix", uint64(1719792000), nil, jul1},
		{"float unix", 1719792000.5, nil, jul1.Add(500 * time.Millisecond)},
		{"unix text", "1719792000", nil, jul1},
		{"empty text", "  ", nil, time.Time{}},
		{"mysql zero date", "0000-00-00 00:00:00", nil, time.Time{}},
		{"bytes", []byte("2024-07-01"), nil, jul1},
		{"date", "2024-07-01", nil, jul1},
		{"date in loc", "2024-07-01", berlin, jul1.Add(-2 * time.Hour)},
		{"rfc3339", "2024-07-01T00:00:00Z", nil, jul1},
		{"rfc3339 fraction", "2024-06-30T23:59:59.999Z", nil, jul1.Add(-time.Millisecond)},
		{"offset colon", "2024-07-01T02:00:00+02:00", nil, jul1},
		{"space and offset", "2024-07-01 02:00:00+02:00", berlin, jul1},
		{"postgres short offset", "2024-06-30 19:00:00-05", nil, jul1},
		{"four-digit offset", "2024-07-01 05:30:00+0530", nil, jul1},
		{"space before zone", "2024-07-01 00:00:00 +00:00", nil, jul1},
		{"utc word", "2024-07-01 00:00:00 UTC", berlin, jul1},
		{"naive text is utc", "2024-07-01 00:00:00", nil, jul1},
		{"naive text in loc", "2024-07-01 02:00:00", berlin, jul1},
		{"minutes, stripe export", "2024-07-01 00:00", nil, jul1},
		{"naive T", "2024-07-01T00:00:00.000000", nil, jul1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Time(tc.in, tc.loc)
			if err != nil {
				t.Fatal(err)
			}
			if !got.Equal(tc.want) || got.Location() != time.UTC {
				t.Errorf("Time(%#v) = %v, want %v in UTC", tc.in, got, tc.want)
			}
		})
	}
}

func TestTimeRefuses(t *testing.T) {
	for _, in := range []any{
		"next tuesday", "2024/07/01", "01/07/2024", "2024-07-01X00:00",
		"2024-13-01", "2024-07-01 25:00:00", "2024-07-01 00:00:00 CEST",
		int64(1719792000000), int64(-5), "-5", "1719792000000", math.NaN(),
		true, 3.5e15,
	} {
		_, err := Time(in, nil)
		if err == nil {
			t.Errorf("Time(%#v) succeeded", in)
			continue
		}
		if _, isBool := in.(bool); !isBool && !errors.Is(err, ErrNotTime) {
			t.Errorf("Time(%#v) = %v, want ErrNotTime", in, err)
		}
	}
	_, err := Time(int64(1719792000000), nil)
	if !strings.Contains(err.Error(), "milliseconds") {
		t.Errorf("millisecond error does not say so: %v", err)
	}
}

func TestCount(t *testing.T) {
	good := []struct {
		in   any
		want int64
		ok   bool
	}{
		{nil, 0, false}, {"", 0, false}, {" ", 0, false},
		{int64(3), 3, true}, {uint64(3), 3, true}, {3.0, 3, true},
		{"5", 5, true}, {"5.00", 5, true}, {[]byte("7"), 7, true},
		{" 0 ", 0, true}, {"+2", 2, true},
	}
	for _, tc := range good {
		n, ok, err := Count(tc.in)
		if err != nil || n != tc.want || ok != tc.ok {
			t.Errorf("Count(%#v) = %d, %v, %v; want %d, %v", tc.in, n, ok, err, tc.want, tc.ok)
		}
	}
	for _, in := range []any{"many", "2.5", 2.5, int64(-1), "-3",
		uint64(math.MaxUint64), true, time.Now(), "NaN", "1e30"} {
		if _, _, err := Count(in); err == nil {
			t.Errorf("Count(%#v) succeeded", in)
		}
	}
}

func TestText(t *testing.T) {
	for _, tc := range []struct {
		in   any
		want string
	}{
		{nil, ""}, {" a1 ", "a1"}, {[]byte("b2"), "b2"}, {int64(42), "42"},
		{uint64(7), "7"}, {12.0, "12"}, {"a1  ", "a1"},
	} {
		got, err := Text(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("Text(%#v) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	for _, in := range []any{true, 1.5, time.Now(), "\xff\xfe", []byte{0xc3}} {
		if _, err := Text(in); err == nil {
			t.Errorf("Text(%#v) succeeded", in)
		}
	}
}

func TestSwitch(t *testing.T) {
	loose := NewSwitch(nil, nil)
	for in, want := range map[any]bool{
		true: true, false: false, int64(1): true, int64(0): false,
		int64(2): true, "Active": true, " ON ": true, "revoked": false,
		"": false, "1": true, "0": false, 1.0: true,
	} {
		got, err := loose.Read(in)
		if err != nil || got != want {
			t.Errorf("loose.Read(%#v) = %v, %v; want %v", in, got, err, want)
		}
	}
	if on, err := loose.Read(nil); on || err != nil {
		t.Errorf("nil: %v %v", on, err)
	}
	strict := NewSwitch([]string{"paid", "trialing"}, []string{"canceled", "revoked"})
	for in, want := range map[string]bool{
		"PAID": true, "trialing": true, "canceled": false, " revoked": false, "": false,
	} {
		got, err := strict.ReadString(in)
		if err != nil || got != want {
			t.Errorf("strict.ReadString(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	if _, err := strict.ReadString("active"); err == nil {
		t.Error("strict switch read an unlisted status")
	}
	if _, err := loose.Read(time.Now()); err == nil {
		t.Error("a time read as on/off")
	}
}

func TestBool(t *testing.T) {
	for in, want := range map[string]bool{
		"true": true, "TRUE": true, "false": false, "": false, "1": true, "no": false,
	} {
		if got, err := Bool(in); err != nil || got != want {
			t.Errorf("Bool(%q) = %v, %v", in, got, err)
		}
	}
	if _, err := Bool("maybe"); err == nil {
		t.Error(`Bool("maybe") succeeded`)
	}
}

func FuzzTimeString(f *testing.F) {
	for _, s := range []string{"2024-07-01", "2024-07-01 00:00:00+02", "1719792000",
		"2024-07-01T00:00Z", "0000-00-00", "2024-07-01 00:00:00 UTC"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := TimeString(s, nil)
		if err == nil && !got.IsZero() && got.Location() != time.UTC {
			t.Errorf("TimeString(%q) = %v, not in UTC", s, got)
		}
	})
}

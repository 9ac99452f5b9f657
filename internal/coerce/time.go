package coerce

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// maxUnix is the last second of year 9999. A larger integer is almost
// always a time in milliseconds, which is refused rather than misread.
const maxUnix = 253402300799

// Time reads v as an instant and returns it in UTC. NULL, empty text, a
// zero time (as MySQL's driver gives for 0000-00-00) and the integer 0 are
// absent and give the zero time. Integers and numeric text are Unix
// seconds. Text is read by [TimeString]. loc is the zone of times that
// carry none; nil means UTC.
func Time(v any, loc *time.Location) (time.Time, error) {
	switch x := v.(type) {
	case nil:
		return time.Time{}, nil
	case time.Time:
		if x.IsZero() {
			return time.Time{}, nil
		}
		return x.UTC(), nil
	case int64:
		return unix(x, 0, strconv.FormatInt(x, 10))
	case uint64:
		if x > maxUnix {
			return unix(math.MaxInt64, 0, strconv.FormatUint(x, 10))
		}
		return unix(int64(x), 0, "")
	case float64:
		sec, frac := math.Modf(x)
		if math.IsNaN(x) || math.Abs(sec) > maxUnix {
			return unix(math.MaxInt64, 0, strconv.FormatFloat(x, 'g', -1, 64))
		}
		return unix(int64(sec), int64(math.Round(frac*1e9)), "")
	case string:
		return TimeString(x, loc)
	case []byte:
		return TimeString(string(x), loc)
	}
	return time.Time{}, fmt.Errorf("cannot read a %s as a time", typeName(v))
}

func unix(sec, nsec int64, text string) (time.Time, error) {
	switch {
	case sec == 0 && nsec == 0:
		return time.Time{}, nil
	case sec < 0 || nsec < 0:
		return time.Time{}, fmt.Errorf("%s is a negative Unix time: %w", text, ErrNotTime)
	case sec > maxUnix:
		return time.Time{}, fmt.Errorf(
			"%s is past year 9999 as Unix seconds (milliseconds are not read): %w",
			text, ErrNotTime)
	}
	return time.Unix(sec, nsec).UTC(), nil
}

// TimeString reads text as an instant in UTC. It accepts
//
//   - Unix seconds ("1719792000");
//   - a date ("2024-07-01"), taken as midnight in loc;
//   - a date and time joined by "T" or a space, to the minute or the
//     second, with any fraction of a second ("2024-07-01 12:30",
//     "2024-07-01T12:30:05.123");
//   - followed by an optional zone: "Z", "UTC", "+02:00", "+0200" or "+02",
//     with or without a space before it. Without a zone the time is read
//     in loc, and nil loc means UTC.
//
// Empty text and MySQL's zero date ("0000-00-00…") give the zero time.
func TimeString(s string, loc *time.Location) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" || strings.HasPrefix(s, "0000-00-00") {
		return time.Time{}, nil
	}
	if loc == nil {
		loc = time.UTC
	}
	if isDigits(s) {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return time.Time{}, fmt.Errorf("%q is not a Unix time: %w", s, ErrNotTime)
		}
		return unix(n, 0, s)
	}
	layout, text, zone, ok := timeLayout(s)
	if !ok {
		return time.Time{}, fmt.Errorf("cannot read %q as a time: %w", s, ErrNotTime)
	}
	if zone {
		loc = time.UTC
	}
	t, err := time.ParseInLocation(layout, text, loc)
	if err != nil {
		return time.Time{}, fmt.Errorf("cannot read %q as a time: %w", s, ErrNotTime)
	}
	return t.UTC(), nil
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// Layouts are chosen by the shape of the text rather than tried in turn,
// so a value costs one parse and a failed attempt allocates nothing.
const (
	zoneNone = iota
	zoneColon
	zoneFour
	zoneTwo
	zoneKinds
)

var layouts [2][2][2][zoneKinds]string

func init() {
	zones := [zoneKinds]string{"", "Z07:00", "Z0700", "Z07"}
	for si, sep := range []string{"T", " "} {
		for ci, clock := range []string{"15:04", "15:04:05"} {
			for gi, gap := range []string{"", " "} {
				for z, zl := range zones {
					g := gap
					if z == zoneNone {
						g = ""
					}
					layouts[si][ci][gi][z] = "2006-01-02" + sep + clock + g + zl
				}
			}
		}
	}
}

// timeLayout returns the layout for s and the text to parse with it (s,
// or s without a trailing "UTC"). zone reports whether s names its zone.
func timeLayout(s string) (layout, text string, zone, ok bool) {
	if len(s) < 10 || s[4] != '-' || s[7] != '-' {
		return "", "", false, false
	}
	if len(s) == 10 {
		return "2006-01-02", s, false, true
	}
	sep := 0
	switch s[10] {
	case 'T':
	case ' ':
		sep = 1
	default:
		return "", "", false, false
	}
	if len(s) < 16 || s[13] != ':' {
		return "", "", false, false
	}
	clock, end := 0, 16
	if len(s) >= 19 && s[16] == ':' {
		clock, end = 1, 19
		for end < len(s) && (s[end] == '.' || s[end] == ',' ||
			(s[end] >= '0' && s[end] <= '9')) {
			end++
		}
	}
	tail := s[end:]
	gap := 0
	if strings.HasPrefix(tail, " ") {
		gap, tail = 1, strings.TrimLeft(tail, " ")
	}
	kind, text := zoneNone, s
	switch {
	case tail == "":
		gap = 0
	case tail == "Z" || tail == "z":
		kind = zoneColon
	case strings.EqualFold(tail, "UTC") || strings.EqualFold(tail, "GMT"):
		return layouts[sep][clock][0][zoneNone], strings.TrimRight(s[:end], " "), true, true
	case len(tail) == 6 && tail[3] == ':':
		kind = zoneColon
	case len(tail) == 5:
		kind = zoneFour
	case len(tail) == 3:
		kind = zoneTwo
	default:
		return "", "", false, false
	}
	return layouts[sep][clock][gap][kind], text, kind != zoneNone, true
}

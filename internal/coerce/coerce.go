// Package coerce reads the loosely typed values that SQL drivers and CSV
// cells hold as grant and subscription fields. It is shared by the sqlsrc
// and csvsrc adapters so that both read the same text the same way.
//
// Every function reports a value it cannot read as an error that quotes the
// value and says what was expected; none of them panics or guesses. NULL
// (nil) and empty text are "absent", which callers map to the zero value of
// the field.
package coerce

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Text reads v as trimmed text. Integers are formatted in base 10, so that
// numeric account ids read as text; a float must be a whole number.
func Text(v any) (string, error) {
	switch x := v.(type) {
	case nil:
		return "", nil
	case string:
		return TextString(x)
	case []byte:
		return TextString(string(x))
	case int64:
		return strconv.FormatInt(x, 10), nil
	case uint64:
		return strconv.FormatUint(x, 10), nil
	case float64:
		if x != math.Trunc(x) || math.Abs(x) >= 1<<53 {
			return "", fmt.Errorf("%v is not a whole number and cannot be an id", x)
		}
		return strconv.FormatInt(int64(x), 10), nil
	}
	return "", fmt.Errorf("cannot read a %s as text", typeName(v))
}

// TextString trims s and checks that it is valid UTF-8.
func TextString(s string) (string, error) {
	s = strings.TrimSpace(s)
	if !utf8.ValidString(s) {
		return "", fmt.Errorf("%q is not valid UTF-8", s)
	}
	return s, nil
}

// Count reads v as a non-negative whole number, such as a seat count. ok is
// false when v is NULL or empty text. Text may carry a decimal part of zeros
// ("5.00"), as NUMERIC and DECIMAL columns print it.
func Count(v any) (n int64, ok bool, err error) {
	switch x := v.(type) {
	case nil:
		return 0, false, nil
	case int64:
		n = x
	case uint64:
		if x > math.MaxInt64 {
			return 0, false, fmt.Errorf("%d is too large", x)
		}
		n = int64(x)
	case float64:
		if n, err = whole(x, strconv.FormatFloat(x, 'g', -1, 64)); err != nil {
			return 0, false, err
		}
	case string:
		return CountString(x)
	case []byte:
		return CountString(string(x))
	default:
		return 0, false, fmt.Errorf("cannot read a %s as a number", typeName(v))
	}
	if n < 0 {
		return 0, false, fmt.Errorf("%d is negative", n)
	}
	return n, true, nil
}

// CountString is [Count] for text.
func CountString(s string) (n int64, ok bool, err error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, false, nil
	}
	n, err = strconv.ParseInt(s, 10, 64)
	if err != nil {
		f, ferr := strconv.ParseFloat(s, 64)
		if ferr != nil {
			return 0, false, fmt.Errorf("%q is not a whole number", s)
		}
		if n, err = whole(f, s); err != nil {
			return 0, false, err
		}
	}
	if n < 0 {
		return 0, false, fmt.Errorf("%q is negative", s)
	}
	return n, true, nil
}

func whole(f float64, text string) (int64, error) {
	if f != math.Trunc(f) || math.IsInf(f, 0) || math.Abs(f) >= 1<<63 {
		return 0, fmt.Errorf("%q is not a whole number", text)
	}
	return int64(f), nil
}

// Bool reads a yes/no flag such as Stripe's cancel_at_period_end: true,
// false, t, f, yes, no, y, n, 1 and 0 in any case. Empty text is false.
func Bool(s string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true", "t", "yes", "y", "1":
		return true, nil
	case "false", "f", "no", "n", "0", "":
		return false, nil
	}
	return false, fmt.Errorf("%q is not true or false", s)
}

func typeName(v any) string {
	switch v.(type) {
	case bool:
		return "boolean"
	case time.Time:
		return "time"
	case float64:
		return "floating-point number"
	}
	return fmt.Sprintf("%T", v)
}

// ErrNotTime is wrapped by the errors of [Time] and [TimeString].
var ErrNotTime = errors.New("not a time")

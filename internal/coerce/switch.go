package coerce

import (
	"fmt"
	"strings"
)

// DefaultOn are the texts that mean "access on" when a caller names none.
var DefaultOn = []string{"active", "on", "true", "yes", "enabled", "1", "t"}

// Switch reads an access on/off value: a boolean, an integer (any value but
// 0 is on) or a text compared with lists of words, ignoring case and
// surrounding space. NULL and empty text are off. A Switch is safe for
// concurrent use.
type Switch struct {
	on, off []string
}

// NewSwitch returns a switch for which the texts in on mean "access on";
// nil on means [DefaultOn]. When off is nil every other text is off; when
// it is not nil, a text in neither list is an error, so that a status the
// caller did not foresee is reported instead of read as off.
func NewSwitch(on, off []string) *Switch {
	if on == nil {
		on = DefaultOn
	}
	s := &Switch{on: trimAll(on)}
	if off != nil {
		s.off = trimAll(off)
	}
	return s
}

func trimAll(words []string) []string {
	out := make([]string, len(words))
	for i, w := range words {
		out[i] = strings.TrimSpace(w)
	}
	return out
}

// Strict reports whether texts outside both lists are errors.
func (s *Switch) Strict() bool { return s.off != nil }

// Read reads v as on or off.
func (s *Switch) Read(v any) (bool, error) {
	switch x := v.(type) {
	case nil:
		return false, nil
	case bool:
		return x, nil
	case int64:
		return x != 0, nil
	case uint64:
		return x != 0, nil
	case float64:
		return x != 0, nil
	case string:
		return s.ReadString(x)
	case []byte:
		return s.ReadString(string(x))
	}
	return false, fmt.Errorf("cannot read a %s as access on or off", typeName(v))
}

// ReadString is [Switch.Read] for text.
func (s *Switch) ReadString(text string) (bool, error) {
	t := strings.TrimSpace(text)
	if t == "" {
		return false, nil
	}
	for _, w := range s.on {
		if strings.EqualFold(t, w) {
			return true, nil
		}
	}
	if s.off == nil {
		return false, nil
	}
	for _, w := range s.off {
		if strings.EqualFold(t, w) {
			return false, nil
		}
	}
	return false, fmt.Errorf("%q is neither an access-on nor an access-off value", t)
}

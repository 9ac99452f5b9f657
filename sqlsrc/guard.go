package sqlsrc

import (
	"fmt"
	"strings"
	"unicode"
)

// checkSelect accepts a single SELECT or WITH statement. It skips quoted
// strings, quoted identifiers and comments, refuses a second statement, and
// refuses a first keyword other than SELECT or WITH. The read-only
// transaction remains the real guard; this check gives a clear error early.
func checkSelect(q string) error {
	stripped, err := stripSQL(q)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrNotSelect, err)
	}
	body := strings.TrimSpace(stripped)
	body = strings.TrimSpace(strings.TrimSuffix(body, ";"))
	if strings.Contains(body, ";") {
		return fmt.Errorf("%w: the query holds more than one statement", ErrNotSelect)
	}
	words := strings.FieldsFunc(body, func(r rune) bool { return !unicode.IsLetter(r) })
	if len(words) == 0 {
		return fmt.Errorf("%w: the query is empty", ErrNotSelect)
	}
	if first := strings.ToUpper(words[0]); first != "SELECT" && first != "WITH" {
		return fmt.Errorf("%w: the query starts with %s", ErrNotSelect, strings.ToUpper(words[0]))
	}
	return nil
}

// stripSQL blanks out comments and quoted text so that keywords and
// semicolons inside them are not seen.
func stripSQL(q string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case c == '-' && i+1 < len(q) && q[i+1] == '-':
			for i < len(q) && q[i] != '\n' {
				i++
			}
			b.WriteByte(' ')
		case c == '#':
			for i < len(q) && q[i] != '\n' {
				i++
			}
			b.WriteByte(' ')
		case c == '/' && i+1 < len(q) && q[i+1] == '*':
			end := strings.Index(q[i+2:], "*/")
			if end < 0 {
				return "", fmt.Errorf("unterminated comment")
			}
			i += end + 3
			b.WriteByte(' ')
		case c == '\'' || c == '"' || c == '`':
			j := i + 1
			for ; j < len(q); j++ {
				if q[j] == '\\' && c == '\'' {
					j++
					continue
				}
				if q[j] == c {
					if j+1 < len(q) && q[j+1] == c {
						j++
						continue
					}
					break
				}
			}
			if j >= len(q) {
				return "", fmt.Errorf("unterminated quote")
			}
			i = j
			b.WriteString(" x ")
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), nil
}

package sqlsrc

import (
	"fmt"
	"strings"
	"unicode"
)

// dialect says how one family of engines reads quotes and comments. The
// guard reads a query under every dialect and accepts it only if all of
// them see a single SELECT: text that one engine takes as a string or a
// comment may be code to another.
type dialect struct {
	name      string
	backslash bool // backslash escapes a quote inside a string
	hash      bool // '#' starts a comment
	dashSpace bool // "--" starts a comment only before a space
	bracket   bool // "[" starts an identifier that "]" ends (SQLite)
}

var dialects = []dialect{
	{name: "standard"},
	{name: "mysql", backslash: true, hash: true, dashSpace: true},
	{name: "sqlite", bracket: true},
}

// writeWords may not appear anywhere in an access query, even where an
// engine would accept them (a data-modifying WITH, SELECT … INTO, FOR
// UPDATE). Quoted identifiers are not words, so a column named "update"
// still works when quoted.
var writeWords = map[string]bool{
	"INSERT": true, "UPDATE": true, "DELETE": true, "MERGE": true,
	"UPSERT": true, "TRUNCATE": true, "DROP": true, "ALTER": true,
	"CREATE": true, "GRANT": true, "REVOKE": true, "INTO": true,
	"CALL": true, "EXEC": true, "EXECUTE": true, "COPY": true,
	"LOAD": true, "HANDLER": true, "RENAME": true, "LOCK": true,
	// Statements that end a transaction, change the session or reach
	// another database could undo the read-only safeguards.
	"COMMIT": true, "ROLLBACK": true, "BEGIN": true, "SAVEPOINT": true,
	"RELEASE": true, "PRAGMA": true, "ATTACH": true, "DETACH": true,
	"VACUUM": true, "REINDEX": true,
}

// checkSelect accepts a single SELECT or WITH … SELECT statement, with an
// optional trailing semicolon. It is the first of two guards: the
// statement then runs prepared, inside a read-only transaction, which is
// what finally stops a write.
func checkSelect(q string) error {
	for _, d := range dialects {
		if err := checkAs(q, d); err != nil {
			return err
		}
	}
	return nil
}

func checkAs(q string, d dialect) error {
	code, err := stripSQL(q, d)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrNotSelect, err)
	}
	body := strings.TrimSpace(code)
	body = strings.TrimSpace(strings.TrimSuffix(body, ";"))
	if strings.Contains(body, ";") {
		return fmt.Errorf("%w: the query holds more than one statement", ErrNotSelect)
	}
	words := strings.FieldsFunc(body, notWordRune)
	if len(words) == 0 {
		return fmt.Errorf("%w: the query is empty", ErrNotSelect)
	}
	if first := strings.ToUpper(words[0]); first != "SELECT" && first != "WITH" {
		return fmt.Errorf("%w: the query starts with %s", ErrNotSelect, first)
	}
	for _, w := range words {
		if up := strings.ToUpper(w); writeWords[up] {
			return fmt.Errorf("%w: the query holds %s", ErrNotSelect, up)
		}
	}
	return nil
}

func notWordRune(r rune) bool {
	return !(unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' || r == '$')
}

// stripSQL blanks out comments and quoted text as dialect d reads them, so
// that words and semicolons inside them are not seen. The opening of an
// executable comment (MySQL's "/*!" and MariaDB's "/*M!") is dropped but its
// body is kept, since those engines run it.
func stripSQL(q string, d dialect) (string, error) {
	var b strings.Builder
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case c == '-' && strings.HasPrefix(q[i:], "--") &&
			(!d.dashSpace || i+2 >= len(q) || q[i+2] <= ' '):
			i = lineEnd(q, i)
			b.WriteByte(' ')
		case c == '#' && d.hash:
			i = lineEnd(q, i)
			b.WriteByte(' ')
		case strings.HasPrefix(q[i:], "/*!"):
			i += 2
			b.WriteByte(' ')
		case strings.HasPrefix(q[i:], "/*M!"):
			i += 3
			b.WriteByte(' ')
		case strings.HasPrefix(q[i:], "/*"):
			end := strings.Index(q[i+2:], "*/")
			if end < 0 {
				return "", fmt.Errorf("unterminated comment")
			}
			i += end + 3
			b.WriteByte(' ')
		case c == '[' && d.bracket:
			end := strings.IndexByte(q[i+1:], ']')
			if end < 0 {
				return "", fmt.Errorf("unterminated [identifier]")
			}
			i += end + 1
			b.WriteString(" x ")
		case c == '\'' || c == '"' || c == '`':
			j, err := quoteEnd(q, i, d.backslash && c != '`')
			if err != nil {
				return "", err
			}
			i = j
			b.WriteString(" x ")
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), nil
}

// lineEnd returns the index of the newline ending the comment at i, or the
// end of q.
func lineEnd(q string, i int) int {
	for i < len(q) && q[i] != '\n' {
		i++
	}
	return i
}

// quoteEnd returns the index of the quote closing the one at i; a doubled
// quote, and with backslash a backslash-escaped one, does not close it.
func quoteEnd(q string, i int, backslash bool) (int, error) {
	c := q[i]
	for j := i + 1; j < len(q); j++ {
		switch {
		case backslash && q[j] == '\\':
			j++
		case q[j] == c && j+1 < len(q) && q[j+1] == c:
			j++
		case q[j] == c:
			return j, nil
		}
	}
	return 0, fmt.Errorf("unterminated quote")
}

// hasPlaceholder reports whether the query has a bind parameter outside
// quotes and comments: "?", "$1" or a named ":x", "@x" or "$x".
func hasPlaceholder(q string) bool {
	code, err := stripSQL(q, dialects[0])
	if err != nil {
		return false
	}
	for i := 0; i < len(code); i++ {
		c := code[i]
		var next byte
		if i+1 < len(code) {
			next = code[i+1]
		}
		switch {
		case c == '?':
			return true
		case c == '$' && (isDigit(next) || isLetter(next)) && (i == 0 || !isWord(code[i-1])):
			return true
		case (c == ':' || c == '@') && isLetter(next) && (i == 0 || code[i-1] != ':'):
			return true
		}
	}
	return false
}

func isDigit(c byte) bool  { return c >= '0' && c <= '9' }
func isLetter(c byte) bool { return c == '_' || (c|0x20 >= 'a' && c|0x20 <= 'z') }
func isWord(c byte) bool   { return isDigit(c) || isLetter(c) }

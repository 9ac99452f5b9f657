package csvsrc

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"sync"
	"unicode"

	"github.com/driftexact/driftexact/source"
)

// ErrBadRow is wrapped by the error that ends a pull at a row that cannot
// be read, when FailOnBadRow is set.
var ErrBadRow = errors.New("csvsrc: a row could not be read")

// ErrReread is wrapped by the error of a second pull from an io.Reader that
// cannot seek back to its start.
var ErrReread = errors.New("csvsrc: the reader was already read; " +
	"pass an io.ReadSeeker or a path to read it again")

// LineError places a bad row or value in the file. Line counts from 1 and
// is where the record (or, for a value, its field) starts; a quoted field
// may span several lines.
type LineError struct {
	Line int
	Err  error
}

// Error returns "line N: " and the message of Err.
func (e *LineError) Error() string { return fmt.Sprintf("line %d: %v", e.Line, e.Err) }

// Unwrap returns Err.
func (e *LineError) Unwrap() error { return e.Err }

// input is where a source's CSV comes from: a path, opened anew for each
// pull, or a caller's reader, read once or rewound with Seek.
type input struct {
	path  string
	r     io.Reader
	comma rune

	mu     sync.Mutex
	busy   bool    // a pull is reading r
	first  *cursor // r past its header, kept from the opening for the first pull
	header []string
}

// cursor reads one pass over the file, past the header row.
type cursor struct {
	cr     *csv.Reader
	closer io.Closer // the file, when the source opened it
	header []string
}

func openInput(path string, r io.Reader, comma rune) (*input, error) {
	if comma == 0 {
		comma = ','
	}
	in := &input{path: path, r: r, comma: comma}
	c, err := in.open()
	if err != nil {
		return nil, err
	}
	in.header = c.header
	if path != "" {
		c.close()
	} else {
		in.first = c
	}
	return in, nil
}

// open starts a pass at the top of the input.
func (in *input) open() (*cursor, error) {
	if in.path == "" {
		return newCursor(in.r, nil, in.comma)
	}
	f, err := os.Open(in.path)
	if err != nil {
		return nil, fmt.Errorf("csvsrc: %w", err)
	}
	c, err := newCursor(f, f, in.comma)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%w (%s)", err, in.path)
	}
	return c, nil
}

var (
	bomUTF8    = []byte{0xEF, 0xBB, 0xBF}
	bomUTF16LE = []byte{0xFF, 0xFE}
	bomUTF16BE = []byte{0xFE, 0xFF}
)

// newCursor skips a UTF-8 byte-order mark, refuses UTF-16, and reads the
// header row.
func newCursor(r io.Reader, closer io.Closer, comma rune) (*cursor, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	head, _ := br.Peek(3)
	switch {
	case bytes.HasPrefix(head, bomUTF8):
		br.Discard(len(bomUTF8))
	case bytes.HasPrefix(head, bomUTF16LE), bytes.HasPrefix(head, bomUTF16BE):
		return nil, errors.New("csvsrc: the file is UTF-16; save it as UTF-8")
	}
	cr := csv.NewReader(br)
	cr.Comma = comma
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err == io.EOF {
		return nil, errors.New("csvsrc: the file is empty: it has no header row")
	}
	if err != nil {
		return nil, fmt.Errorf("csvsrc: header: %w", err)
	}
	c := &cursor{cr: cr, closer: closer, header: make([]string, len(header))}
	for i, h := range header {
		c.header[i] = strings.TrimSpace(h)
		if strings.ContainsAny(c.header[i], "\r\n") {
			return nil, fmt.Errorf("%w (header field %d holds a line break)",
				errLoneCR, i+1)
		}
	}
	return c, nil
}

// errLoneCR refuses a header that holds a line break. A file whose lines
// end in a lone CR (classic Mac OS) reads as one header row holding every
// line, so it would otherwise give no records and no error.
var errLoneCR = errors.New("csvsrc: the header row holds a line break: " +
	"files whose lines end in a lone CR are not supported; " +
	"convert the line ends to LF or CRLF (for example with tr '\\r' '\\n')")

func (c *cursor) close() {
	if c.closer != nil {
		c.closer.Close()
	}
}

// take returns a cursor for one pull and the function that releases it.
func (in *input) take() (*cursor, func(), error) {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.path == "" && in.busy {
		return nil, nil, errors.New("csvsrc: the reader is being read by another pull")
	}
	c, err := in.rewind()
	if err != nil {
		return nil, nil, err
	}
	if !slices.Equal(c.header, in.header) {
		c.close()
		return nil, nil, errors.New("csvsrc: the header row changed since the source was opened")
	}
	in.busy = true
	return c, func() {
		c.close()
		in.mu.Lock()
		in.busy = false
		in.mu.Unlock()
	}, nil
}

func (in *input) rewind() (*cursor, error) {
	switch {
	case in.first != nil:
		c := in.first
		in.first = nil
		return c, nil
	case in.path != "":
		return in.open()
	}
	s, ok := in.r.(io.Seeker)
	if !ok {
		return nil, ErrReread
	}
	if _, err := s.Seek(0, io.SeekStart); err != nil {
		return nil, fmt.Errorf("csvsrc: rewind: %w", err)
	}
	return in.open()
}

// next reads the next record that is not blank. It returns io.EOF at the
// end, a *csv.ParseError wrapping csv.ErrFieldCount (with the record) for a
// row of the wrong width, a *LineError for the header row repeated, and any
// other error as fatal. A record whose
// fields are all empty (",,,") is skipped like a blank line.
func (c *cursor) next() ([]string, error) {
	for {
		rec, err := c.cr.Read()
		if err != nil {
			return rec, err
		}
		if blank(rec) {
			continue
		}
		if c.isHeader(rec) {
			return rec, &LineError{Line: c.line(0), Err: errHeaderAgain}
		}
		return rec, nil
	}
}

var errHeaderAgain = errors.New("the row repeats the header row " +
	"(were two files joined?)")

// isHeader reports whether rec is the header row again, as where two
// exports were joined, with or without a byte-order mark of its own.
func (c *cursor) isHeader(rec []string) bool {
	if len(rec) != len(c.header) {
		return false
	}
	for i, f := range rec {
		if i == 0 {
			f = strings.TrimPrefix(strings.TrimSpace(f), "\uFEFF")
		}
		if !strings.EqualFold(strings.TrimSpace(f), c.header[i]) {
			return false
		}
	}
	return true
}

// idText checks an id for characters no id holds but a joined or damaged
// file can: NUL, and a byte-order mark inside the text.
func idText(v string) error {
	switch {
	case strings.ContainsRune(v, 0):
		return fmt.Errorf("%q holds a NUL character", v)
	case strings.ContainsRune(v, '\uFEFF'):
		return fmt.Errorf("%q holds a byte-order mark (U+FEFF)", v)
	}
	return nil
}

func blank(rec []string) bool {
	for _, f := range rec {
		if f != "" {
			return false
		}
	}
	return true
}

// line returns the line on which field i of the current record starts.
func (c *cursor) line(i int) int {
	if i < 0 {
		i = 0
	}
	line, _ := c.cr.FieldPos(i)
	return line
}

// rowError reports a row of the wrong width, or another per-row failure.
func rowError(line int, err error) *source.RecordError {
	return &source.RecordError{
		Record: fmt.Sprintf("line %d", line),
		Err:    &LineError{Line: line, Err: err},
	}
}

// rowFault reports whether err is a failure of one row that the reader
// goes on after: a row of the wrong width, or the header row repeated.
func rowFault(err error) (*source.RecordError, bool) {
	if err == nil {
		return nil, false
	}
	var pe *csv.ParseError
	if errors.As(err, &pe) && errors.Is(pe.Err, csv.ErrFieldCount) {
		return rowError(pe.StartLine, err), true
	}
	var le *LineError
	if errors.As(err, &le) && errors.Is(le.Err, errHeaderAgain) {
		return rowError(le.Line, le.Err), true
	}
	return nil, false
}

// normal reduces a header to lower-case letters and digits, so that
// "Customer ID", "customer_id" and "CustomerId" compare equal.
func normal(s string) string {
	var b strings.Builder
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

// column describes one field a header can feed.
type column struct {
	option   string   // the Columns field's name, for errors
	names    []string // names looked for when none is given, normalised, best first
	required bool
}

// resolve finds the header position of each column: the name the caller
// gave (matched without regard to case or surrounding space) or, unless
// exact, the first of the column's common names the header holds. Named
// columns are placed first, so detection never takes one. It returns -1
// for a column absent from the file, and the header spelling of each
// column found. A name the header holds twice, or two fields given one
// column, is an error.
func resolve(header []string, given []string, cols []column, exact bool) ([]int, []string, error) {
	pos := make([]int, len(cols))
	used := make([]string, len(cols))
	owner := make([]int, len(header)) // the field at each column, plus one
	for f, col := range cols {
		pos[f] = -1
		name := strings.TrimSpace(given[f])
		if name == "" {
			continue
		}
		at, err := named(header, name, col)
		if err != nil {
			return nil, nil, err
		}
		if o := owner[at]; o != 0 {
			return nil, nil, fmt.Errorf("csvsrc: %s and %s both name the column %q",
				cols[o-1].option, col.option, header[at])
		}
		pos[f], owner[at] = at, f+1
	}
	for f, col := range cols {
		if pos[f] < 0 && !exact {
			at, err := detect(header, owner, col)
			if err != nil {
				return nil, nil, err
			}
			if at >= 0 {
				pos[f], owner[at] = at, f+1
			}
		}
		if pos[f] >= 0 {
			used[f] = header[pos[f]]
		} else if col.required {
			return nil, nil, fmt.Errorf("csvsrc: no column for %s (the header has %s)",
				col.option, quoteAll(header))
		}
	}
	return pos, used, nil
}

// named returns the position of the one header equal to name, ignoring
// case.
func named(header []string, name string, col column) (int, error) {
	at := -1
	for i, h := range header {
		if !strings.EqualFold(h, name) {
			continue
		}
		if at >= 0 {
			return 0, fmt.Errorf("csvsrc: %s: the header has the column %q twice "+
				"(columns %d and %d)", col.option, name, at+1, i+1)
		}
		at = i
	}
	if at < 0 {
		return 0, fmt.Errorf("csvsrc: %s: the header has no column %q (it has %s)",
			col.option, name, quoteAll(header))
	}
	return at, nil
}

// detect returns the position of the first of col's common names that one
// free header holds, or -1.
func detect(header []string, owner []int, col column) (int, error) {
	for _, want := range col.names {
		at := -1
		for i, h := range header {
			if owner[i] != 0 || normal(h) != want {
				continue
			}
			if at >= 0 {
				return 0, fmt.Errorf("csvsrc: %s: both %q and %q could hold it; name one in the options",
					col.option, header[at], h)
			}
			at = i
		}
		if at >= 0 {
			return at, nil
		}
	}
	return -1, nil
}

func quoteAll(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	return strings.Join(q, ", ")
}

// field returns the value at pos, or "" when pos is -1.
func field(rec []string, pos int) string {
	if pos < 0 {
		return ""
	}
	return rec[pos]
}

// detach copies the strings ps point to into one new allocation, so that
// a record kept by the consumer holds only its own fields and not the whole
// line the CSV reader cut them from.
func detach(ps ...*string) {
	n := 0
	for _, p := range ps {
		n += len(*p)
	}
	var b strings.Builder
	b.Grow(n)
	for _, p := range ps {
		b.WriteString(*p)
	}
	all := b.String()
	for _, p := range ps {
		*p, all = all[:len(*p)], all[len(*p):]
	}
}

// slab hands out pointers to counts cut from a shared block, so that a
// million rows make thousands of allocations rather than a million.
type slab []int64

func (s *slab) ptr(n int64) *int64 {
	if len(*s) == 0 {
		*s = make([]int64, 512)
	}
	p := &(*s)[0]
	*p, *s = n, (*s)[1:]
	return p
}

// stats guards the figures of the last complete pull.
type stats struct {
	mu   sync.Mutex
	last source.Stats
}

func (s *stats) set(n int) {
	s.mu.Lock()
	s.last = source.Stats{Records: n}
	s.mu.Unlock()
}

func (s *stats) get() source.Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.last
}

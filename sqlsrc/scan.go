package sqlsrc

import (
	"database/sql"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/driftexact/driftexact/source"
)

// scanner maps one query's columns to grant fields.
type scanner struct {
	rows *sql.Rows
	src  *Source
	vals []any
	ptrs []any
	idx  map[string]int // grant field → column position
}

func newScanner(rows *sql.Rows, s *Source) (*scanner, error) {
	names, err := rows.Columns()
	if err != nil {
		return nil, fmt.Errorf("sqlsrc: columns: %w", err)
	}
	pos := map[string]int{}
	for i, n := range names {
		pos[strings.ToLower(n)] = i
	}
	sc := &scanner{rows: rows, src: s, idx: map[string]int{},
		vals: make([]any, len(names)), ptrs: make([]any, len(names))}
	for i := range sc.vals {
		sc.ptrs[i] = &sc.vals[i]
	}
	c := s.opts.Columns
	for field, col := range map[string]string{
		"account_id": c.AccountID, "customer_id": c.CustomerID,
		"subscription_id": c.SubscriptionID, "plan": c.Plan, "seats": c.Seats,
		"access": c.Access, "expires": c.Expires,
	} {
		if col == "" {
			continue
		}
		i, ok := pos[strings.ToLower(col)]
		if !ok {
			return nil, fmt.Errorf("sqlsrc: columns.%s: the query has no column %q", field, col)
		}
		sc.idx[field] = i
	}
	return sc, nil
}

// scan reads the current row. On a bad value it returns the grant as far as
// it was read and a *source.RecordError naming the account and the column.
func (sc *scanner) scan(n int) (source.Grant, error) {
	var g source.Grant
	if err := sc.rows.Scan(sc.ptrs...); err != nil {
		return g, &source.RecordError{Record: fmt.Sprintf("row %d", n), Err: err}
	}
	var err error
	str := func(field string) string {
		if i, ok := sc.idx[field]; ok {
			s, e := asString(sc.vals[i])
			if e != nil && err == nil {
				err = sc.fail(n, g.AccountID, field, e)
			}
			return s
		}
		return ""
	}
	g.AccountID = str("account_id")
	if g.AccountID == "" && err == nil {
		err = sc.fail(n, "", "account_id", fmt.Errorf("empty account id"))
	}
	g.CustomerID = str("customer_id")
	g.SubscriptionID = str("subscription_id")
	g.Plan = str("plan")
	if i, ok := sc.idx["seats"]; ok {
		v, e := asInt(sc.vals[i])
		if e != nil && err == nil {
			err = sc.fail(n, g.AccountID, "seats", e)
		}
		g.Seats = v
	}
	if i, ok := sc.idx["access"]; ok {
		v, e := sc.asActive(sc.vals[i])
		if e != nil && err == nil {
			err = sc.fail(n, g.AccountID, "access", e)
		}
		g.Active = v
	}
	if i, ok := sc.idx["expires"]; ok {
		v, e := asTime(sc.vals[i])
		if e != nil && err == nil {
			err = sc.fail(n, g.AccountID, "expires", e)
		}
		g.Expires = v
	}
	return g, err
}

func (sc *scanner) fail(n int, acct, field string, err error) error {
	rec := acct
	if rec == "" {
		rec = fmt.Sprintf("row %d", n)
	}
	col := sc.colName(field)
	return &source.RecordError{Record: rec, Field: col, Err: err}
}

func (sc *scanner) colName(field string) string {
	c := sc.src.opts.Columns
	switch field {
	case "account_id":
		return c.AccountID
	case "customer_id":
		return c.CustomerID
	case "subscription_id":
		return c.SubscriptionID
	case "plan":
		return c.Plan
	case "seats":
		return c.Seats
	case "access":
		return c.Access
	}
	return c.Expires
}

func asString(v any) (string, error) {
	switch x := v.(type) {
	case nil:
		return "", nil
	case string:
		return strings.TrimSpace(x), nil
	case []byte:
		return strings.TrimSpace(string(x)), nil
	case int64:
		return strconv.FormatInt(x, 10), nil
	}
	return "", fmt.Errorf("cannot read %T as text", v)
}

func asInt(v any) (*int64, error) {
	var n int64
	switch x := v.(type) {
	case nil:
		return nil, nil
	case int64:
		n = x
	case float64:
		if x != math.Trunc(x) {
			return nil, fmt.Errorf("%v is not a whole number", x)
		}
		n = int64(x)
	case string, []byte:
		s, _ := asString(x)
		if s == "" {
			return nil, nil
		}
		var err error
		if n, err = parseWhole(s); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("cannot read %T as a number", v)
	}
	if n < 0 {
		return nil, fmt.Errorf("negative seat count %d", n)
	}
	return &n, nil
}

// parseWhole reads an integer, accepting a numeric text such as "5.00".
func parseWhole(s string) (int64, error) {
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return n, nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f != math.Trunc(f) || math.IsInf(f, 0) {
		return 0, fmt.Errorf("%q is not a whole number", s)
	}
	return int64(f), nil
}

func (sc *scanner) asActive(v any) (bool, error) {
	switch x := v.(type) {
	case nil:
		return false, nil
	case bool:
		return x, nil
	case int64:
		return x != 0, nil
	case string, []byte:
		s, _ := asString(x)
		return sc.src.active[strings.ToLower(s)], nil
	}
	return false, fmt.Errorf("cannot read %T as access on/off", v)
}

// timeLayouts are the text forms accepted for expiry, tried in order.
// Texts without a zone are taken as UTC.
var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02 15:04:05.999999999-07:00",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02",
}

func asTime(v any) (time.Time, error) {
	switch x := v.(type) {
	case nil:
		return time.Time{}, nil
	case time.Time:
		return x.UTC(), nil
	case int64:
		return time.Unix(x, 0).UTC(), nil
	case float64:
		return time.Unix(int64(x), 0).UTC(), nil
	case string, []byte:
		s, _ := asString(x)
		if s == "" {
			return time.Time{}, nil
		}
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return time.Unix(n, 0).UTC(), nil
		}
		for _, l := range timeLayouts {
			if t, err := time.Parse(l, s); err == nil {
				return t.UTC(), nil
			}
		}
		return time.Time{}, fmt.Errorf("cannot read %q as a time", s)
	}
	return time.Time{}, fmt.Errorf("cannot read %T as a time", v)
}

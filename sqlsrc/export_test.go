package sqlsrc

import "database/sql"

// NewUnguarded builds a Source without the single-SELECT check, so tests can
// show that the read-only transaction refuses writes on its own.
func NewUnguarded(db *sql.DB, query string, opts *Options) *Source {
	s, err := New(db, "SELECT 1", opts)
	if err != nil {
		panic(err)
	}
	s.query = query
	return s
}

package sqlsrc

import (
	"errors"
	"testing"
)

func TestGuardRefuses(t *testing.T) {
	for _, q := range []string{
		"",
		"   ;  ",
		"DELETE FROM g",
		"UPDATE g SET a = 1",
		"INSERT INTO g VALUES (1)",
		"SELECT 1; DELETE FROM g",
		"SELECT 1; COMMIT; DELETE FROM g",
		"/* SELECT */ INSERT INTO g VALUES ('x')",
		"EXPLAIN ANALYZE DELETE FROM g",
		"WITH d AS (DELETE FROM g RETURNING *) SELECT * FROM d",
		"WITH u AS (UPDATE g SET a = 1 RETURNING a) SELECT a FROM u",
		"SELECT * INTO backup FROM g",
		"SELECT * FROM g INTO OUTFILE '/tmp/g'",
		"SELECT * FROM g FOR UPDATE",
		"SELECT * FROM g LOCK IN SHARE MODE",
		"SELECT 1 /*! ; DELETE FROM g */",
		"SELECT 1 /*M!100000 INTO OUTFILE '/tmp/x' */",
		// MySQL reads \' as an escaped quote and runs the DELETE; a
		// standard engine reads the same text another way. Both readings
		// must be a single SELECT.
		`SELECT 'a\'; DELETE FROM g; -- '`,
		// In MySQL "--" needs a space to start a comment.
		"SELECT 1 --1; DELETE FROM g",
		// In MySQL '#' starts a comment; elsewhere it does not.
		"SELECT 1 # ; DELETE FROM g",
		"SELECT 'unterminated",
		"SELECT 1 /* unterminated",
		"select 1; drop table g",
		"TABLE g",
		"VALUES (1)",
		"CALL refresh()",
		// SQLite reads [..] as an identifier, so the quotes below hide
		// nothing from it: it sees four statements.
		"SELECT 1 AS [x']; COMMIT; PRAGMA query_only=0; DELETE FROM g; SELECT 1 AS [y']",
		"SELECT 1 AS [x']; DELETE FROM g; SELECT [y']",
		"SELECT 1 AS [unterminated",
		// Words that would end the transaction or lift the safeguards.
		"SELECT 1 FROM g WHERE 0 AND (PRAGMA query_only)",
		"SELECT * FROM pragma_table_info('g') UNION SELECT 1 ATTACH",
		"SELECT 1 /* */ COMMIT",
		"SELECT VACUUM FROM g",
	} {
		if err := checkSelect(q); !errors.Is(err, ErrNotSelect) {
			t.Errorf("%q: got %v, want ErrNotSelect", q, err)
		}
	}
}

func TestGuardAccepts(t *testing.T) {
	for _, q := range []string{
		"SELECT account_id FROM g WHERE account_id <> ';'",
		"WITH x AS (SELECT account_id FROM g) SELECT * FROM x;",
		"-- DELETE\nSELECT account_id FROM g",
		"/* UPDATE */ SELECT 1",
		"/*+ MAX_EXECUTION_TIME(1000) */ SELECT 1",
		`SELECT "update", "delete" FROM g`,
		"SELECT `insert` FROM g",
		"SELECT updated_at, deleted, created_by, into_count FROM g",
		"(SELECT 1) UNION ALL (SELECT 2)",
		"SELECT 'it''s; fine' AS note",
		"select a from g where b = $1 and c = ?",
		"SELECT a::text FROM g",
	} {
		if err := checkSelect(q); err != nil {
			t.Errorf("%q refused: %v", q, err)
		}
	}
}

func TestHasPlaceholder(t *testing.T) {
	for q, want := range map[string]bool{
		"SELECT * FROM g WHERE w = ?":         true,
		"SELECT * FROM g WHERE w = $1":        true,
		"SELECT * FROM g WHERE w = :ws":       true,
		"SELECT * FROM g WHERE w = @ws":       true,
		"SELECT * FROM g WHERE w = '?'":       false,
		"SELECT a::text FROM g":               false,
		"SELECT * FROM g -- WHERE w = ?":      false,
		"SELECT price$1 FROM g":               false,
		"SELECT * FROM g WHERE w = 'a' AND 1": false,
	} {
		if got := hasPlaceholder(q); got != want {
			t.Errorf("hasPlaceholder(%q) = %v, want %v", q, got, want)
		}
	}
}

package report

import (
	"encoding/json"
	"io"
)

// WriteJSON writes r as indented JSON following schema version
// [SchemaVersion] (see [Schema]), ending with a newline. Its output is
// what [Verify] checks. The caller closes w.
func WriteJSON(w io.Writer, r *Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

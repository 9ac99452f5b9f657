package report

import (
	"bytes"
	_ "embed"
	"fmt"

	"github.com/driftexact/driftexact/report/internal/jsonschema"
)

//go:embed schema/report.v1.json
var schemaV1 []byte

var compiledSchema = mustCompile(schemaV1)

func mustCompile(b []byte) *jsonschema.Schema {
	s, err := jsonschema.Compile(b)
	if err != nil {
		panic("report: embedded schema: " + err.Error())
	}
	return s
}

// Schema returns the JSON Schema (draft 2020-12) of the report's JSON form,
// version [SchemaVersion]. The same file is report/schema/report.v1.json in
// the repository. Each call returns a new copy.
func Schema() []byte { return bytes.Clone(schemaV1) }

// ValidateJSON checks that data is one JSON report following [Schema]. The
// error names the first place, as a path such as $.findings[2].kind,
// where data breaks the schema. It checks the form only; [Verify] checks
// the seal.
func ValidateJSON(data []byte) error {
	if err := compiledSchema.Validate(data); err != nil {
		return fmt.Errorf("report: schema version %d: %w", SchemaVersion, err)
	}
	return nil
}

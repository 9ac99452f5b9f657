package jsonschema

import (
	"strings"
	"testing"
)

const testSchema = `{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "title": "t",
  "type": "object",
  "additionalProperties": false,
  "required": ["id", "n"],
  "properties": {
    "id": {"type": "string", "pattern": "^x[0-9]+$"},
    "n": {"$ref": "#/$defs/count"},
    "f": {"type": "number"},
    "v": {"const": 1},
    "at": {"type": "string", "format": "date-time"},
    "color": {"enum": ["red", "green"]},
    "maybe": {"type": ["string", "null"]},
    "tags": {"type": "array", "items": {"type": "string"}},
    "labels": {"type": "object", "additionalProperties": {"type": "boolean"}},
    "open": {"type": "object"}
  },
  "$defs": {"count": {"type": "integer", "minimum": 0}}
}`

func TestValidate(t *testing.T) {
	s, err := Compile([]byte(testSchema))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		doc     string
		wantErr string // "" means valid
	}{
		{`{"id": "x1", "n": 0}`, ""},
		{`{"id": "x1", "n": 3.0, "f": 2.5, "v": 1.0}`, ""},
		{`{"id": "x1", "n": 1, "at": "2024-06-15T00:00:00.5+02:00"}`, ""},
		{`{"id": "x1", "n": 1, "maybe": null, "tags": [], "labels": {"a": true}}`, ""},
		{`{"id": "x1", "n": 1, "open": {"anything": [1, "two"]}}`, ""},
		{`{"id": "x1"}`, `$: required member "n" is missing`},
		{`{"id": "x1", "n": 1, "zz": 1}`, `$: member "zz" is not allowed`},
		{`{"id": "y1", "n": 1}`, `$.id: "y1" does not match`},
		{`{"id": 7, "n": 1}`, `$.id: 7 is not of type string`},
		{`{"id": "x1", "n": -1}`, `$.n: -1 is less than 0`},
		{`{"id": "x1", "n": 1.5}`, `$.n: 1.5 is not of type integer`},
		{`{"id": "x1", "n": "1"}`, `$.n: "1" is not of type integer`},
		{`{"id": "x1", "n": 1, "v": 2}`, `$.v: 2 is not 1`},
		{`{"id": "x1", "n": 1, "at": "2024-06-15"}`, `$.at: "2024-06-15" is not an RFC 3339`},
		{`{"id": "x1", "n": 1, "color": "blue"}`, `$.color: "blue" is not one of`},
		{`{"id": "x1", "n": 1, "maybe": 1}`, `$.maybe: 1 is not of type string or null`},
		{`{"id": "x1", "n": 1, "tags": ["a", 2]}`, `$.tags[1]: 2 is not of type string`},
		{`{"id": "x1", "n": 1, "labels": {"a": "yes"}}`, `$.labels.a: "yes" is not of type boolean`},
		{`[]`, `$: an array is not of type object`},
		{`{"id": "x1", "n": 1, "n": 2}`, `member "n" appears twice`},
		{`{"id": "x1", "n": 1} {}`, `data after the JSON value`},
		{`{"id": "x1", "n": 1} x`, `data after the JSON value`},
		{`{"id": "x1", "n": `, `document:`},
	}
	for _, tt := range tests {
		err := s.Validate([]byte(tt.doc))
		switch {
		case tt.wantErr == "" && err != nil:
			t.Errorf("%s: unexpected error %v", tt.doc, err)
		case tt.wantErr != "" && err == nil:
			t.Errorf("%s: accepted, want error %q", tt.doc, tt.wantErr)
		case tt.wantErr != "" && !strings.Contains(err.Error(), tt.wantErr):
			t.Errorf("%s: error %q, want it to contain %q", tt.doc, err, tt.wantErr)
		}
	}
}

// TestCompileRefusesWhatItCannotCheck makes sure a keyword outside the
// supported subset is an error rather than silently ignored.
func TestCompileRefusesWhatItCannotCheck(t *testing.T) {
	for _, schema := range []string{
		`{"type": "object", "minProperties": 1}`,
		`{"oneOf": [{"type": "string"}]}`,
		`{"type": "string", "format": "email"}`,
		`{"type": "strin"}`,
		`{"$ref": "#/$defs/missing"}`,
		`{"$ref": "other.json"}`,
		`{"properties": {"a": {"type": "string", "maxLength": 3}}}`,
		`{"pattern": "("}`,
		`{"enum": []}`,
		`[]`,
	} {
		if _, err := Compile([]byte(schema)); err == nil {
			t.Errorf("%s: compiled, want an error", schema)
		}
	}
}

func TestRefLoopIsBounded(t *testing.T) {
	s, err := Compile([]byte(`{"$ref": "#/$defs/a", "$defs": {"a": {"$ref": "#/$defs/a"}}}`))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Validate([]byte(`1`)); err == nil || !strings.Contains(err.Error(), "deeper") {
		t.Errorf("got %v, want a depth error", err)
	}
}

// Package jsonschema validates JSON documents against the small subset of
// JSON Schema (draft 2020-12) that the report schema uses: type, enum,
// const, properties, required, additionalProperties, items, minimum,
// pattern, format "date-time", and $ref to "#/$defs/NAME". Annotations
// ($schema, $id, $comment, title, description) are ignored. A schema that
// uses any other keyword is refused when compiled, so that nothing is
// skipped in silence.
package jsonschema

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"
)

// Schema is a compiled schema. It is safe for concurrent use.
type Schema struct {
	root *node
	defs map[string]*node
}

// node is one compiled schema object.
type node struct {
	types      []string
	enum       []any
	hasConst   bool
	constant   any
	props      map[string]*node
	required   []string
	additional *node // nil: any; see closed
	closed     bool  // additionalProperties: false
	items      *node
	minimum    *big.Float
	pattern    *regexp.Regexp
	dateTime   bool
	ref        string
}

var annotations = []string{"$schema", "$id", "$comment", "title", "description", "$defs"}

var knownTypes = []string{"object", "array", "string", "integer", "number", "boolean", "null"}

// Compile parses and checks a schema.
func Compile(data []byte) (*Schema, error) {
	raw, err := decode(data)
	if err != nil {
		return nil, fmt.Errorf("jsonschema: schema: %w", err)
	}
	obj, ok := raw.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("jsonschema: schema is not an object")
	}
	s := &Schema{defs: map[string]*node{}}
	if defs, ok := obj["$defs"].(map[string]any); ok {
		for _, name := range sortedKeys(defs) {
			n, err := compile(defs[name], "#/$defs/"+name)
			if err != nil {
				return nil, err
			}
			s.defs[name] = n
		}
	}
	if s.root, err = compile(obj, "#"); err != nil {
		return nil, err
	}
	if err := s.checkRefs(s.root, "#"); err != nil {
		return nil, err
	}
	for _, name := range sortedKeys(s.defs) {
		if err := s.checkRefs(s.defs[name], "#/$defs/"+name); err != nil {
			return nil, err
		}
	}
	return s, nil
}

func compile(v any, at string) (*node, error) {
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("jsonschema: %s: schema is not an object", at)
	}
	n := &node{}
	for _, k := range sortedKeys(obj) {
		if err := n.keyword(k, obj[k], at); err != nil {
			return nil, err
		}
	}
	return n, nil
}

// keyword compiles one keyword of a schema object.
func (n *node) keyword(k string, v any, at string) error {
	bad := func(want string) error {
		return fmt.Errorf("jsonschema: %s: %s must be %s", at, k, want)
	}
	var err error
	switch k {
	case "type":
		n.types, err = typeList(v)
		if err != nil {
			return fmt.Errorf("jsonschema: %s: %w", at, err)
		}
	case "enum":
		list, ok := v.([]any)
		if !ok || len(list) == 0 {
			return bad("a non-empty array")
		}
		n.enum = list
	case "const":
		n.hasConst, n.constant = true, v
	case "properties":
		obj, ok := v.(map[string]any)
		if !ok {
			return bad("an object")
		}
		n.props = map[string]*node{}
		for _, p := range sortedKeys(obj) {
			if n.props[p], err = compile(obj[p], at+"/properties/"+p); err != nil {
				return err
			}
		}
	case "required":
		list, ok := v.([]any)
		if !ok {
			return bad("an array of strings")
		}
		for _, r := range list {
			s, ok := r.(string)
			if !ok {
				return bad("an array of strings")
			}
			n.required = append(n.required, s)
		}
	case "additionalProperties":
		if b, ok := v.(bool); ok {
			n.closed = !b
			return nil
		}
		n.additional, err = compile(v, at+"/additionalProperties")
		return err
	case "items":
		n.items, err = compile(v, at+"/items")
		return err
	case "minimum":
		num, ok := v.(json.Number)
		if !ok {
			return bad("a number")
		}
		n.minimum, _, err = big.ParseFloat(string(num), 10, 128, big.ToNearestEven)
		return err
	case "pattern":
		s, ok := v.(string)
		if !ok {
			return bad("a string")
		}
		if n.pattern, err = regexp.Compile(s); err != nil {
			return fmt.Errorf("jsonschema: %s: pattern: %w", at, err)
		}
	case "format":
		if v != "date-time" {
			return fmt.Errorf("jsonschema: %s: format %v is not supported", at, v)
		}
		n.dateTime = true
	case "$ref":
		s, ok := v.(string)
		if !ok || !strings.HasPrefix(s, "#/$defs/") {
			return bad(`a string "#/$defs/NAME"`)
		}
		n.ref = strings.TrimPrefix(s, "#/$defs/")
	default:
		if !slices.Contains(annotations, k) {
			return fmt.Errorf("jsonschema: %s: keyword %q is not supported", at, k)
		}
	}
	return nil
}

func typeList(v any) ([]string, error) {
	var list []string
	switch t := v.(type) {
	case string:
		list = []string{t}
	case []any:
		for _, x := range t {
			s, ok := x.(string)
			if !ok {
				return nil, fmt.Errorf("type must be a string or an array of strings")
			}
			list = append(list, s)
		}
	default:
		return nil, fmt.Errorf("type must be a string or an array of strings")
	}
	for _, s := range list {
		if !slices.Contains(knownTypes, s) {
			return nil, fmt.Errorf("unknown type %q", s)
		}
	}
	return list, nil
}

// checkRefs reports a $ref to a definition that does not exist.
func (s *Schema) checkRefs(n *node, at string) error {
	if n == nil {
		return nil
	}
	if n.ref != "" && s.defs[n.ref] == nil {
		return fmt.Errorf("jsonschema: %s: $ref to missing definition %q", at, n.ref)
	}
	for _, p := range sortedKeys(n.props) {
		if err := s.checkRefs(n.props[p], at+"/properties/"+p); err != nil {
			return err
		}
	}
	if err := s.checkRefs(n.additional, at+"/additionalProperties"); err != nil {
		return err
	}
	return s.checkRefs(n.items, at+"/items")
}

// Validate checks one JSON document. The error names the first place, as
// a path such as $.findings[2].kind, where the document breaks the schema.
func (s *Schema) Validate(doc []byte) error {
	v, err := decode(doc)
	if err != nil {
		return fmt.Errorf("jsonschema: document: %w", err)
	}
	return s.check(s.root, v, "$", 0)
}

// maxDepth bounds $ref chains, so a schema that refers to itself without
// end cannot loop.
const maxDepth = 64

func (s *Schema) check(n *node, v any, path string, depth int) error {
	if depth > maxDepth {
		return fmt.Errorf("%s: schema nests deeper than %d", path, maxDepth)
	}
	if n.ref != "" {
		if err := s.check(s.defs[n.ref], v, path, depth+1); err != nil {
			return err
		}
	}
	if len(n.types) > 0 && !slices.ContainsFunc(n.types, func(t string) bool { return isType(v, t) }) {
		return fmt.Errorf("%s: %s is not of type %s", path, describe(v), strings.Join(n.types, " or "))
	}
	if n.enum != nil && !slices.ContainsFunc(n.enum, func(e any) bool { return equal(e, v) }) {
		return fmt.Errorf("%s: %s is not one of the allowed values", path, describe(v))
	}
	if n.hasConst && !equal(n.constant, v) {
		return fmt.Errorf("%s: %s is not %s", path, describe(v), describe(n.constant))
	}
	switch x := v.(type) {
	case string:
		return n.checkString(x, path)
	case json.Number:
		return n.checkNumber(x, path)
	case []any:
		return s.checkArray(n, x, path, depth)
	case map[string]any:
		return s.checkObject(n, x, path, depth)
	}
	return nil
}

func (n *node) checkString(x, path string) error {
	if n.pattern != nil && !n.pattern.MatchString(x) {
		return fmt.Errorf("%s: %q does not match %s", path, x, n.pattern)
	}
	if n.dateTime {
		if _, err := time.Parse(time.RFC3339Nano, x); err != nil {
			return fmt.Errorf("%s: %q is not an RFC 3339 date-time", path, x)
		}
	}
	return nil
}

func (n *node) checkNumber(x json.Number, path string) error {
	if n.minimum == nil {
		return nil
	}
	f, _, err := big.ParseFloat(string(x), 10, 128, big.ToNearestEven)
	if err != nil || f.Cmp(n.minimum) < 0 {
		return fmt.Errorf("%s: %s is less than %s", path, x, n.minimum.Text('g', -1))
	}
	return nil
}

func (s *Schema) checkArray(n *node, x []any, path string, depth int) error {
	if n.items == nil {
		return nil
	}
	for i, e := range x {
		if err := s.check(n.items, e, fmt.Sprintf("%s[%d]", path, i), depth+1); err != nil {
			return err
		}
	}
	return nil
}

func (s *Schema) checkObject(n *node, x map[string]any, path string, depth int) error {
	for _, r := range n.required {
		if _, ok := x[r]; !ok {
			return fmt.Errorf("%s: required member %q is missing", path, r)
		}
	}
	for _, k := range sortedKeys(x) {
		sub := n.props[k]
		if sub == nil {
			switch {
			case n.closed:
				return fmt.Errorf("%s: member %q is not allowed", path, k)
			case n.additional != nil:
				sub = n.additional
			default:
				continue
			}
		}
		if err := s.check(sub, x[k], path+"."+k, depth+1); err != nil {
			return err
		}
	}
	return nil
}

func isType(v any, t string) bool {
	switch x := v.(type) {
	case nil:
		return t == "null"
	case bool:
		return t == "boolean"
	case string:
		return t == "string"
	case []any:
		return t == "array"
	case map[string]any:
		return t == "object"
	case json.Number:
		if t == "number" {
			return true
		}
		f, _, err := big.ParseFloat(string(x), 10, 256, big.ToNearestEven)
		return t == "integer" && err == nil && f.IsInt()
	}
	return false
}

// equal compares two decoded JSON values; numbers compare by value.
func equal(a, b any) bool {
	an, aok := a.(json.Number)
	bn, bok := b.(json.Number)
	if aok && bok {
		af, _, err1 := big.ParseFloat(string(an), 10, 256, big.ToNearestEven)
		bf, _, err2 := big.ParseFloat(string(bn), 10, 256, big.ToNearestEven)
		return err1 == nil && err2 == nil && af.Cmp(bf) == 0
	}
	ab, err1 := json.Marshal(a)
	bb, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && bytes.Equal(ab, bb)
}

func describe(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case string:
		return fmt.Sprintf("%q", x)
	case map[string]any:
		return "an object"
	case []any:
		return "an array"
	}
	return fmt.Sprint(v)
}

// decode reads exactly one JSON value, keeping numbers exact and refusing
// duplicate object members, which JSON parsers resolve differently.
func decode(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	v, err := value(dec)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("data after the JSON value")
	}
	return v, nil
}

// value decodes one value token by token.
func value(dec *json.Decoder) (any, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		if t == '[' {
			return array(dec)
		}
		return object(dec)
	}
	return tok, nil
}

func array(dec *json.Decoder) (any, error) {
	list := []any{}
	for dec.More() {
		v, err := value(dec)
		if err != nil {
			return nil, err
		}
		list = append(list, v)
	}
	_, err := dec.Token() // ]
	return list, err
}

func object(dec *json.Decoder) (any, error) {
	obj := map[string]any{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		k := tok.(string) // the decoder yields only string keys here
		if _, dup := obj[k]; dup {
			return nil, fmt.Errorf("member %q appears twice", k)
		}
		if obj[k], err = value(dec); err != nil {
			return nil, err
		}
	}
	_, err := dec.Token() // }
	return obj, err
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

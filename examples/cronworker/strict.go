package main

import (
	"bytes"
	"encoding"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"reflect"
	"slices"
	"strings"
)

// decodeStrict decodes one JSON object from data into v, a pointer to a
// struct. Unlike json.Decoder.DisallowUnknownFields alone, its errors name
// the offending field by its full path ("stripe.rate", "outputs[1].format"),
// for unknown fields, values of the wrong type and text values a field's
// type refuses (such as a malformed duration).
func decodeStrict(data []byte, v any) error {
	var tree any
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	if err := d.Decode(&tree); err != nil {
		return syntaxError(data, err)
	}
	if _, ok := tree.(map[string]any); !ok {
		return errors.New("the file must hold one JSON object")
	}
	if _, err := d.Token(); err != io.EOF {
		return errors.New("unexpected data after the top-level object")
	}
	if err := walk(tree, reflect.TypeOf(v).Elem(), ""); err != nil {
		return err
	}
	d = json.NewDecoder(bytes.NewReader(data))
	d.DisallowUnknownFields()
	if err := d.Decode(v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			return fmt.Errorf("%s: want %s, got a JSON %s", te.Field, kindName(te.Type), te.Value)
		}
		return err
	}
	return nil
}

// syntaxError turns a decoding error into one that gives the line.
func syntaxError(data []byte, err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		line := 1 + bytes.Count(data[:se.Offset], []byte("\n"))
		return fmt.Errorf("line %d: %v", line, se)
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return errors.New("the file holds no complete JSON object")
	}
	return err
}

var textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()

// walk checks a decoded JSON value against type t: every object key must
// name a field, and every string meant for a text-decoded type must decode.
func walk(v any, t reflect.Type, path string) error {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if reflect.PointerTo(t).Implements(textUnmarshaler) {
		if s, ok := v.(string); ok {
			if err := reflect.New(t).Interface().(encoding.TextUnmarshaler).
				UnmarshalText([]byte(s)); err != nil {
				return fmt.Errorf("%s: %v", path, err)
			}
		}
		return nil
	}
	switch t.Kind() {
	case reflect.Struct:
		return walkStruct(v, t, path)
	case reflect.Map:
		m, ok := v.(map[string]any)
		if !ok {
			return nil // a type error, reported by the second decoding
		}
		for _, k := range slices.Sorted(maps.Keys(m)) {
			if err := walk(m[k], t.Elem(), join(path, k)); err != nil {
				return err
			}
		}
	case reflect.Slice, reflect.Array:
		a, _ := v.([]any)
		for i, e := range a {
			if err := walk(e, t.Elem(), fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
	}
	return nil
}

func walkStruct(v any, t reflect.Type, path string) error {
	m, ok := v.(map[string]any)
	if !ok {
		return nil
	}
	// Keys in order, so the first error is always the same one.
	for _, k := range slices.Sorted(maps.Keys(m)) {
		f, ok := fieldFor(t, k)
		if !ok {
			if path == "" {
				return fmt.Errorf("%s: unknown field", k)
			}
			return fmt.Errorf("%s: unknown field %q", path, k)
		}
		if err := walk(m[k], f.Type, join(path, k)); err != nil {
			return err
		}
	}
	return nil
}

// fieldFor finds the field that encoding/json would fill from key: an
// exact name match first, then a case-insensitive one.
func fieldFor(t reflect.Type, key string) (reflect.StructField, bool) {
	var fold reflect.StructField
	found := false
	for f := range t.Fields() {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" || !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		if name == key {
			return f, true
		}
		if !found && strings.EqualFold(name, key) {
			fold, found = f, true
		}
	}
	return fold, found
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func kindName(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int64, reflect.Int32, reflect.Float64, reflect.Float32:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Struct, reflect.Map:
		return "an object"
	}
	return t.String()
}

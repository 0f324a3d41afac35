// Package jsonin reads request JSON strictly, for the decoders of calc,
// calc/damage and calc/ecocomp. It parses into a small tree that keeps
// object keys in order, rejects duplicate keys, keeps every number as the
// text it was written in (never a float64), and names every fault by its
// JSON path. A Reader then walks the tree and collects every fault instead
// of stopping at the first, so a user sees all of them at once.
//
// Two passes cost a little, but they let every rejection name its path
// (unknown fields, duplicate keys, wrong types), which encoding/json's
// struct decoding cannot do.
//
// jsonin does not import calc (calc imports jsonin); its Error has the
// fields of calc.FieldError, so callers convert with calc.FieldError(e).
package jsonin

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
)

// Error names one fault by its JSON path, e.g. "sources[2].pollutants[0].emission_kg".
type Error struct {
	Path    string
	Code    string // invalid_json, invalid_type, unknown_field, duplicate_field, required, invalid_number, invalid_value
	Message string
}

// Kind is the type of a JSON value.
type Kind uint8

const (
	KindNull Kind = iota
	KindBool
	KindNumber
	KindString
	KindObject
	KindArray
)

// String names a kind for messages: "want an object, got string".
func (k Kind) String() string {
	return [...]string{"null", "boolean", "number", "string", "object", "array"}[k]
}

// Value is one parsed JSON value.
type Value struct {
	Kind   Kind
	Text   string // a string's value, or a number's text as written
	Bool   bool
	Fields []Field // an object's members, in the order written
	Items  []*Value
}

// Field is one member of an object.
type Field struct {
	Key   string
	Value *Value
}

// Root is the path of the whole document.
const Root = "$"

// Parse reads exactly one JSON value nested at most maxDepth levels deep;
// trailing data is an error. Numbers keep their text (json.Number).
func Parse(data []byte, maxDepth int) (*Value, *Error) {
	p := parser{dec: json.NewDecoder(bytes.NewReader(data)), maxDepth: maxDepth}
	p.dec.UseNumber()
	v, ferr := p.value(Root, 0)
	if ferr != nil {
		return nil, ferr
	}
	if _, err := p.dec.Token(); !errors.Is(err, io.EOF) {
		return nil, &Error{Path: Root, Code: "invalid_json", Message: "unexpected data after the JSON document"}
	}
	return v, nil
}

type parser struct {
	dec      *json.Decoder
	maxDepth int
}

func syntaxError(path string, err error) *Error {
	msg := err.Error()
	var se *json.SyntaxError
	if errors.As(err, &se) {
		msg = fmt.Sprintf("%s (at byte %d)", se.Error(), se.Offset)
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		msg = "unexpected end of JSON input"
	}
	return &Error{Path: path, Code: "invalid_json", Message: msg}
}

func (p *parser) value(path string, depth int) (*Value, *Error) {
	if depth > p.maxDepth {
		return nil, &Error{Path: path, Code: "invalid_json", Message: "nesting too deep"}
	}
	tok, err := p.dec.Token()
	if err != nil {
		return nil, syntaxError(path, err)
	}
	switch t := tok.(type) {
	case nil:
		return &Value{Kind: KindNull}, nil
	case bool:
		return &Value{Kind: KindBool, Bool: t}, nil
	case json.Number:
		return &Value{Kind: KindNumber, Text: string(t)}, nil
	case string:
		return &Value{Kind: KindString, Text: t}, nil
	case json.Delim:
		switch t {
		case '{':
			return p.object(path, depth)
		case '[':
			return p.array(path, depth)
		}
	}
	return nil, &Error{Path: path, Code: "invalid_json", Message: fmt.Sprintf("unexpected token %v", tok)}
}

func (p *parser) object(path string, depth int) (*Value, *Error) {
	v := &Value{Kind: KindObject}
	// A map, not a scan of the keys so far: an object of many keys must
	// not cost quadratic time.
	seen := map[string]bool{}
	for p.dec.More() {
		kt, err := p.dec.Token()
		if err != nil {
			return nil, syntaxError(path, err)
		}
		key, ok := kt.(string)
		if !ok {
			return nil, &Error{Path: path, Code: "invalid_json", Message: "object key is not a string"}
		}
		kp := Key(path, key)
		if seen[key] {
			return nil, &Error{Path: kp, Code: "duplicate_field", Message: "field given twice"}
		}
		seen[key] = true
		val, ferr := p.value(kp, depth+1)
		if ferr != nil {
			return nil, ferr
		}
		v.Fields = append(v.Fields, Field{Key: key, Value: val})
	}
	if _, err := p.dec.Token(); err != nil {
		return nil, syntaxError(path, err)
	}
	return v, nil
}

func (p *parser) array(path string, depth int) (*Value, *Error) {
	v := &Value{Kind: KindArray}
	for p.dec.More() {
		item, ferr := p.value(Index(path, len(v.Items)), depth+1)
		if ferr != nil {
			return nil, ferr
		}
		v.Items = append(v.Items, item)
	}
	if _, err := p.dec.Token(); err != nil {
		return nil, syntaxError(path, err)
	}
	return v, nil
}

// Key appends an object key to a JSON path: a.b for plain keys (letters,
// digits, underscore, any non-ASCII), a["x y"] for anything else,
// including the empty key. A key of the root stands alone ("sources"), so
// "" and Root both mean the root.
func Key(path, key string) string {
	plain := key != ""
	for _, c := range key {
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c > 127) {
			plain = false
			break
		}
	}
	if path == "" {
		path = Root
	}
	if !plain {
		q, _ := json.Marshal(key)
		return path + "[" + string(q) + "]"
	}
	if path == Root {
		return key
	}
	return path + "." + key
}

// Index appends an array index to a JSON path: a[3].
func Index(path string, i int) string {
	return path + "[" + strconv.Itoa(i) + "]"
}

package calc

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
)

// The request decoder reads JSON into a small tree first, then binds the
// tree to Go types field by field. Two passes cost a little, but they let
// every rejection name its JSON path (unknown fields, duplicate keys,
// wrong types), which encoding/json's struct decoding cannot do.

type jkind uint8

const (
	jNull jkind = iota
	jBool
	jNumber
	jString
	jObject
	jArray
)

func (k jkind) String() string {
	return [...]string{"null", "boolean", "number", "string", "object", "array"}[k]
}

type jfield struct {
	key string
	val *jnode
}

type jnode struct {
	kind   jkind
	str    string // string value or number text
	b      bool
	fields []jfield
	items  []*jnode
}

// maxDepth bounds nesting; the contract needs 4 levels.
const maxDepth = 16

// parseTree parses one JSON value and rejects trailing data. Numbers keep
// their text (json.Number), never passing through float64.
func parseTree(data []byte) (*jnode, *FieldError) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	n, ferr := parseValue(dec, "$", 0)
	if ferr != nil {
		return nil, ferr
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, &FieldError{Path: "$", Code: "invalid_json", Message: "unexpected data after the JSON document"}
	}
	return n, nil
}

func syntaxError(path string, err error) *FieldError {
	msg := err.Error()
	var se *json.SyntaxError
	if errors.As(err, &se) {
		msg = fmt.Sprintf("%s (at byte %d)", se.Error(), se.Offset)
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		msg = "unexpected end of JSON input"
	}
	return &FieldError{Path: path, Code: "invalid_json", Message: msg}
}

func parseValue(dec *json.Decoder, path string, depth int) (*jnode, *FieldError) {
	if depth > maxDepth {
		return nil, &FieldError{Path: path, Code: "invalid_json", Message: "nesting too deep"}
	}
	tok, err := dec.Token()
	if err != nil {
		return nil, syntaxError(path, err)
	}
	switch t := tok.(type) {
	case nil:
		return &jnode{kind: jNull}, nil
	case bool:
		return &jnode{kind: jBool, b: t}, nil
	case json.Number:
		return &jnode{kind: jNumber, str: string(t)}, nil
	case string:
		return &jnode{kind: jString, str: t}, nil
	case json.Delim:
		switch t {
		case '{':
			n := &jnode{kind: jObject}
			seen := map[string]bool{}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, syntaxError(path, err)
				}
				key, ok := kt.(string)
				if !ok {
					return nil, &FieldError{Path: path, Code: "invalid_json", Message: "object key is not a string"}
				}
				fpath := fieldPath(path, key)
				if seen[key] {
					return nil, &FieldError{Path: fpath, Code: "duplicate_field", Message: "field given twice"}
				}
				seen[key] = true
				v, ferr := parseValue(dec, fpath, depth+1)
				if ferr != nil {
					return nil, ferr
				}
				n.fields = append(n.fields, jfield{key: key, val: v})
			}
			if _, err := dec.Token(); err != nil {
				return nil, syntaxError(path, err)
			}
			return n, nil
		case '[':
			n := &jnode{kind: jArray}
			for i := 0; dec.More(); i++ {
				v, ferr := parseValue(dec, path+"["+strconv.Itoa(i)+"]", depth+1)
				if ferr != nil {
					return nil, ferr
				}
				n.items = append(n.items, v)
			}
			if _, err := dec.Token(); err != nil {
				return nil, syntaxError(path, err)
			}
			return n, nil
		}
	}
	return nil, &FieldError{Path: path, Code: "invalid_json", Message: fmt.Sprintf("unexpected token %v", tok)}
}

// fieldPath appends an object key to a JSON path: a.b for plain keys,
// a["x y"] for anything else (including the empty key).
func fieldPath(path, key string) string {
	plain := key != ""
	for _, c := range key {
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c > 127) {
			plain = false
			break
		}
	}
	if !plain {
		q, _ := json.Marshal(key)
		return path + "[" + string(q) + "]"
	}
	if path == "$" {
		return key
	}
	return path + "." + key
}

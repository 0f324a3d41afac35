package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/ecotax/ecotax/calc"
	"github.com/ecotax/ecotax/filing"
)

// decodeJSON reads a request body strictly into dst (a pointer to a
// struct): unknown fields, duplicate keys, wrong types and malformed
// numbers are each reported with their JSON path, and numbers go straight
// from their text into decimals, never through float64. It is reflection
// over the json tags, so request types stay plain structs.
func decodeJSON(body []byte, dst any) *calc.Error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	root, ferr := readNode(dec, "$", 0)
	if ferr == nil {
		if _, err := dec.Token(); !errors.Is(err, io.EOF) {
			ferr = &calc.FieldError{Path: "$", Code: "invalid_json", Message: "unexpected data after the JSON document"}
		}
	}
	if ferr != nil {
		return calc.Invalid([]calc.FieldError{*ferr})
	}
	b := &binder{}
	b.bind(root, reflect.ValueOf(dst).Elem(), "")
	if len(b.errs) > 0 {
		return calc.Invalid(b.errs)
	}
	return nil
}

type node struct {
	kind   string // null, boolean, number, string, object, array
	text   string
	b      bool
	keys   []string
	fields map[string]*node
	items  []*node
}

const maxDepth = 12

func readNode(dec *json.Decoder, path string, depth int) (*node, *calc.FieldError) {
	if depth > maxDepth {
		return nil, &calc.FieldError{Path: path, Code: "invalid_json", Message: "nesting too deep"}
	}
	tok, err := dec.Token()
	if err != nil {
		msg := "malformed JSON"
		var se *json.SyntaxError
		switch {
		case errors.As(err, &se):
			msg = fmt.Sprintf("%s (at byte %d)", se.Error(), se.Offset)
		case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
			msg = "unexpected end of JSON input"
		}
		return nil, &calc.FieldError{Path: path, Code: "invalid_json", Message: msg}
	}
	switch t := tok.(type) {
	case nil:
		return &node{kind: "null"}, nil
	case bool:
		return &node{kind: "boolean", b: t}, nil
	case json.Number:
		return &node{kind: "number", text: string(t)}, nil
	case string:
		return &node{kind: "string", text: t}, nil
	case json.Delim:
		if t == '[' {
			n := &node{kind: "array"}
			for dec.More() {
				it, ferr := readNode(dec, fmt.Sprintf("%s[%d]", path, len(n.items)), depth+1)
				if ferr != nil {
					return nil, ferr
				}
				n.items = append(n.items, it)
			}
			if _, err := dec.Token(); err != nil {
				return nil, &calc.FieldError{Path: path, Code: "invalid_json", Message: "unterminated array"}
			}
			return n, nil
		}
		n := &node{kind: "object", fields: map[string]*node{}}
		for dec.More() {
			kt, err := dec.Token()
			key, ok := kt.(string)
			if err != nil || !ok {
				return nil, &calc.FieldError{Path: path, Code: "invalid_json", Message: "malformed object"}
			}
			p := joinPath(path, key)
			v, ferr := readNode(dec, p, depth+1)
			if ferr != nil {
				return nil, ferr
			}
			if _, dup := n.fields[key]; dup {
				return nil, &calc.FieldError{Path: p, Code: "duplicate_field", Message: fmt.Sprintf("field %q appears twice", key)}
			}
			n.keys = append(n.keys, key)
			n.fields[key] = v
		}
		if _, err := dec.Token(); err != nil {
			return nil, &calc.FieldError{Path: path, Code: "invalid_json", Message: "unterminated object"}
		}
		return n, nil
	}
	return nil, &calc.FieldError{Path: path, Code: "invalid_json", Message: "unexpected token"}
}

func joinPath(path, key string) string {
	if key == "" {
		key = `""` // an empty key still needs a visible path
	}
	if path == "" || path == "$" {
		return key
	}
	return path + "." + key
}

type binder struct{ errs []calc.FieldError }

func (b *binder) fail(path, code, format string, args ...any) {
	if path == "" {
		path = "$"
	}
	b.errs = append(b.errs, calc.FieldError{Path: path, Code: code, Message: fmt.Sprintf(format, args...)})
}

var (
	typNullDecimal = reflect.TypeOf(decimal.NullDecimal{})
	typDate        = reflect.TypeOf(filing.Date(""))
)

// Limits of the contract for every quantity: no more than 12 decimals and
// below 1e15.
var maxQuantity = decimal.New(1, 15)

func (b *binder) bind(n *node, v reflect.Value, path string) {
	t := v.Type()
	switch {
	case t == typNullDecimal:
		if n.kind == "null" {
			return
		}
		d, msg := parseQuantity(n)
		if msg != "" {
			b.fail(path, "invalid_number", "%s", msg)
			return
		}
		v.Set(reflect.ValueOf(decimal.NullDecimal{Decimal: d, Valid: true}))
		return
	case t == typDate:
		if n.kind == "null" {
			return
		}
		if n.kind != "string" {
			b.fail(path, "invalid_type", "want a date YYYY-MM-DD as a string, got %s", n.kind)
			return
		}
		d, err := filing.ParseDate(n.text)
		if err != nil {
			b.fail(path, "invalid_value", "%q is not a day YYYY-MM-DD", n.text)
			return
		}
		v.Set(reflect.ValueOf(d))
		return
	}
	switch t.Kind() {
	case reflect.Pointer:
		if n.kind == "null" {
			return
		}
		p := reflect.New(t.Elem())
		b.bind(n, p.Elem(), path)
		v.Set(p)
	case reflect.Struct:
		if n.kind != "object" {
			b.fail(path, "invalid_type", "want an object, got %s", n.kind)
			return
		}
		fields := map[string]int{}
		for i := 0; i < t.NumField(); i++ {
			name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
			if name != "" && name != "-" {
				fields[name] = i
			}
		}
		for _, k := range n.keys {
			i, ok := fields[k]
			if !ok {
				b.fail(joinPath(path, k), "unknown_field", "unknown field %q", k)
				continue
			}
			b.bind(n.fields[k], v.Field(i), joinPath(path, k))
		}
	case reflect.Slice:
		if n.kind == "null" {
			return
		}
		if n.kind != "array" {
			b.fail(path, "invalid_type", "want an array, got %s", n.kind)
			return
		}
		s := reflect.MakeSlice(t, len(n.items), len(n.items))
		for i, it := range n.items {
			b.bind(it, s.Index(i), fmt.Sprintf("%s[%d]", orRoot(path), i))
		}
		v.Set(s)
	case reflect.String:
		if n.kind != "string" {
			b.fail(path, "invalid_type", "want a string, got %s", n.kind)
			return
		}
		v.SetString(n.text)
	case reflect.Bool:
		if n.kind != "boolean" {
			b.fail(path, "invalid_type", "want true or false, got %s", n.kind)
			return
		}
		v.SetBool(n.b)
	case reflect.Int, reflect.Int64:
		if n.kind != "number" {
			b.fail(path, "invalid_type", "want a whole number, got %s", n.kind)
			return
		}
		x, err := strconv.ParseInt(n.text, 10, 64)
		if err != nil || x < 0 || x > 1<<53 {
			b.fail(path, "invalid_number", "%s is not a whole number from 0 to 2^53", n.text)
			return
		}
		v.SetInt(x)
	default:
		panic("api: decodeJSON cannot bind " + t.String())
	}
}

func orRoot(path string) string {
	if path == "" {
		return "$"
	}
	return path
}

// parseQuantity reads a non-negative plain decimal from a JSON string or
// number: no sign, no exponent, at most 12 decimals, below 1e15.
func parseQuantity(n *node) (decimal.Decimal, string) {
	if n.kind != "string" && n.kind != "number" {
		return decimal.Decimal{}, "want a decimal number as a string, got " + n.kind
	}
	s := n.text
	if s == "" {
		return decimal.Decimal{}, "empty string is not a number"
	}
	whole, frac, hasDot := strings.Cut(s, ".")
	if whole == "" || (hasDot && frac == "") || strings.Trim(whole, "0123456789") != "" || strings.Trim(frac, "0123456789") != "" {
		return decimal.Decimal{}, fmt.Sprintf("%q is not a plain non-negative decimal (no sign, no exponent)", s)
	}
	if len(frac) > 12 {
		return decimal.Decimal{}, fmt.Sprintf("%q has more than 12 decimals", s)
	}
	d, err := decimal.NewFromString(s)
	if err != nil {
		return decimal.Decimal{}, fmt.Sprintf("%q is not a decimal", s)
	}
	if !d.LessThan(maxQuantity) {
		return decimal.Decimal{}, fmt.Sprintf("%q is not below 1e15", s)
	}
	return d, ""
}

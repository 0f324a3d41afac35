package ecocomp

// A small strict JSON reader: it keeps object keys in order, rejects
// duplicate and unknown keys, reads numbers (JSON numbers or strings)
// straight into decimals without passing through float64, and names every
// fault by its JSON path. damage carries an identical copy (jsonin.go):
// each package owns its decoder, and the copy is small enough to keep in
// step by hand. A shared calc/jsonin package would remove the copy.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/ecotax/ecotax/calc"
	"github.com/ecotax/ecotax/calc/param"
)

const (
	maxDepth     = 32
	maxNumberLen = 40 // digits, sign and point: far beyond any real amount
)

// jvalue is one parsed JSON value.
type jvalue struct {
	kind  byte // 'o' object, 'a' array, 's' string, 'n' number, 'b' bool, 'z' null
	str   string
	b     bool
	keys  []string
	vals  []*jvalue
	items []*jvalue
}

func kindName(k byte) string {
	switch k {
	case 'o':
		return "an object"
	case 'a':
		return "an array"
	case 's':
		return "a string"
	case 'n':
		return "a number"
	case 'b':
		return "true or false"
	}
	return "null"
}

// parseJSON reads exactly one JSON value; trailing data is an error.
func parseJSON(data []byte) (*jvalue, *calc.FieldError) {
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	v, ferr := parseValue(d, "", 0)
	if ferr != nil {
		return nil, ferr
	}
	if _, err := d.Token(); !errors.Is(err, io.EOF) {
		return nil, &calc.FieldError{Path: "", Code: "invalid_json", Message: "data after the top-level value"}
	}
	return v, nil
}

func parseValue(d *json.Decoder, path string, depth int) (*jvalue, *calc.FieldError) {
	if depth > maxDepth {
		return nil, &calc.FieldError{Path: path, Code: "invalid_json", Message: fmt.Sprintf("nested deeper than %d levels", maxDepth)}
	}
	tok, err := d.Token()
	if err != nil {
		msg := err.Error()
		if errors.Is(err, io.EOF) {
			msg = "unexpected end of input"
		}
		return nil, &calc.FieldError{Path: path, Code: "invalid_json", Message: msg}
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			v := &jvalue{kind: 'o'}
			for d.More() {
				kt, err := d.Token()
				if err != nil {
					return nil, &calc.FieldError{Path: path, Code: "invalid_json", Message: err.Error()}
				}
				key, ok := kt.(string)
				if !ok {
					return nil, &calc.FieldError{Path: path, Code: "invalid_json", Message: "object key is not a string"}
				}
				kp := joinPath(path, key)
				for _, k := range v.keys {
					if k == key {
						return nil, &calc.FieldError{Path: kp, Code: "duplicate_field", Message: fmt.Sprintf("field %q appears twice", key)}
					}
				}
				val, ferr := parseValue(d, kp, depth+1)
				if ferr != nil {
					return nil, ferr
				}
				v.keys = append(v.keys, key)
				v.vals = append(v.vals, val)
			}
			if _, err := d.Token(); err != nil {
				return nil, &calc.FieldError{Path: path, Code: "invalid_json", Message: err.Error()}
			}
			return v, nil
		case '[':
			v := &jvalue{kind: 'a'}
			for d.More() {
				item, ferr := parseValue(d, fmt.Sprintf("%s[%d]", path, len(v.items)), depth+1)
				if ferr != nil {
					return nil, ferr
				}
				v.items = append(v.items, item)
			}
			if _, err := d.Token(); err != nil {
				return nil, &calc.FieldError{Path: path, Code: "invalid_json", Message: err.Error()}
			}
			return v, nil
		}
		return nil, &calc.FieldError{Path: path, Code: "invalid_json", Message: "unexpected " + t.String()}
	case string:
		return &jvalue{kind: 's', str: t}, nil
	case json.Number:
		return &jvalue{kind: 'n', str: string(t)}, nil
	case bool:
		return &jvalue{kind: 'b', b: t}, nil
	case nil:
		return &jvalue{kind: 'z'}, nil
	}
	return nil, &calc.FieldError{Path: path, Code: "invalid_json", Message: fmt.Sprintf("unexpected token %v", tok)}
}

func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// reader collects field errors while a request is walked, so that one
// pass reports every fault.
type reader struct {
	errs []calc.FieldError
}

func (r *reader) fail(path, code, format string, args ...any) {
	r.errs = append(r.errs, calc.FieldError{Path: path, Code: code, Message: fmt.Sprintf(format, args...)})
}

// object is a JSON object being read; finish reports the keys nobody asked for.
type object struct {
	r    *reader
	path string
	v    *jvalue
	used map[string]bool
}

func (r *reader) object(path string, v *jvalue) *object {
	if v == nil || v.kind != 'o' {
		k := byte('z')
		if v != nil {
			k = v.kind
		}
		r.fail(path, "invalid_type", "want an object, got %s", kindName(k))
		return nil
	}
	return &object{r: r, path: path, v: v, used: map[string]bool{}}
}

// get returns the value of a key, nil when absent or null.
func (o *object) get(key string) *jvalue {
	o.used[key] = true
	for i, k := range o.v.keys {
		if k == key {
			if o.v.vals[i].kind == 'z' {
				return nil
			}
			return o.v.vals[i]
		}
	}
	return nil
}

func (o *object) has(key string) bool {
	for i, k := range o.v.keys {
		if k == key && o.v.vals[i].kind != 'z' {
			return true
		}
	}
	return false
}

func (o *object) at(key string) string { return joinPath(o.path, key) }

func (o *object) finish() {
	for _, k := range o.v.keys {
		if !o.used[k] {
			o.r.fail(o.at(k), "unknown_field", "unknown field %q", k)
		}
	}
}

// str reads a string; a required string must not be empty.
func (o *object) str(key string, required bool) string {
	v := o.get(key)
	if v == nil {
		if required {
			o.r.fail(o.at(key), "required", "required")
		}
		return ""
	}
	if v.kind != 's' {
		o.r.fail(o.at(key), "invalid_type", "want a string, got %s", kindName(v.kind))
		return ""
	}
	if required && strings.TrimSpace(v.str) == "" {
		o.r.fail(o.at(key), "required", "must not be empty")
	}
	return v.str
}

// boolean reads true or false; ok is false when absent or wrong.
func (o *object) boolean(key string) (val, ok bool) {
	v := o.get(key)
	if v == nil {
		return false, false
	}
	if v.kind != 'b' {
		o.r.fail(o.at(key), "invalid_type", "want true or false, got %s", kindName(v.kind))
		return false, false
	}
	return v.b, true
}

// date reads YYYY-MM-DD.
func (o *object) date(key string, required bool) param.Date {
	s := o.str(key, required)
	if s == "" {
		return 0
	}
	d, err := param.ParseDate(s)
	if err != nil {
		o.r.fail(o.at(key), "invalid_value", "%v", err)
		return 0
	}
	return d
}

// decimal reads a number written as a JSON number or a string holding a
// plain decimal (optional minus, digits, optional point and digits). An
// exponent is refused: amounts in law are written out.
func (o *object) decimal(key string, required bool) decimal.NullDecimal {
	v := o.get(key)
	if v == nil {
		if required {
			o.r.fail(o.at(key), "required", "required")
		}
		return decimal.NullDecimal{}
	}
	if v.kind != 's' && v.kind != 'n' {
		o.r.fail(o.at(key), "invalid_type", "want a number or a string holding one, got %s", kindName(v.kind))
		return decimal.NullDecimal{}
	}
	d, err := parseDecimal(v.str)
	if err != nil {
		o.r.fail(o.at(key), "invalid_number", "%v", err)
		return decimal.NullDecimal{}
	}
	return decimal.NullDecimal{Decimal: d, Valid: true}
}

func parseDecimal(s string) (decimal.Decimal, error) {
	if len(s) > maxNumberLen {
		return decimal.Decimal{}, fmt.Errorf("%d characters is too long for a number", len(s))
	}
	body := strings.TrimPrefix(s, "-")
	intPart, frac, hasPoint := strings.Cut(body, ".")
	if intPart == "" || (hasPoint && frac == "") || !digits(intPart) || !digits(frac) {
		return decimal.Decimal{}, fmt.Errorf("%q is not a plain decimal such as 1234.56", s)
	}
	return decimal.NewFromString(s)
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// list reads an array; absent means empty.
func (o *object) list(key string) []*jvalue {
	v := o.get(key)
	if v == nil {
		return nil
	}
	if v.kind != 'a' {
		o.r.fail(o.at(key), "invalid_type", "want an array, got %s", kindName(v.kind))
		return nil
	}
	return v.items
}

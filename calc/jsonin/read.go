package jsonin

import (
	"fmt"
	"iter"
	"strings"

	"github.com/shopspring/decimal"
)

// NumberFunc reads the text of a number (a JSON number or a string) into
// a decimal under one package's rules; its error becomes the message of an
// invalid_number fault.
type NumberFunc func(text string) (decimal.Decimal, error)

// Reader walks a parsed document and collects every fault.
type Reader struct {
	Number NumberFunc
	Errs   []Error
}

// Read parses data, checks that it is an object and hands it to read,
// which reads it with the Object's methods. It returns every fault found,
// nil when there is none.
func Read(data []byte, maxDepth int, number NumberFunc, read func(root *Object)) []Error {
	v, ferr := Parse(data, maxDepth)
	if ferr != nil {
		return []Error{*ferr}
	}
	r := &Reader{Number: number}
	if o := r.Object(v, Root); o != nil {
		read(o)
	}
	return r.Errs
}

// Fail records a fault at path.
func (r *Reader) Fail(path, code, format string, args ...any) {
	r.Errs = append(r.Errs, Error{Path: path, Code: code, Message: fmt.Sprintf(format, args...)})
}

// Object returns v as an object, or reports invalid_type at path and
// returns nil. A nil v counts as null.
func (r *Reader) Object(v *Value, path string) *Object {
	if v == nil || v.Kind != KindObject {
		k := KindNull
		if v != nil {
			k = v.Kind
		}
		r.Fail(path, "invalid_type", "want an object, got %s", k)
		return nil
	}
	return &Object{r: r, Path: path, v: v, state: make([]fieldState, len(v.Fields))}
}

// Decimal reads v, a number or a string holding one, with r.Number.
func (r *Reader) Decimal(v *Value, path string) decimal.NullDecimal {
	if v.Kind != KindString && v.Kind != KindNumber {
		r.Fail(path, "invalid_type", "want a decimal number as a string, got %s", v.Kind)
		return decimal.NullDecimal{}
	}
	d, err := r.Number(v.Text)
	if err != nil {
		r.Fail(path, "invalid_number", "%v", err)
		return decimal.NullDecimal{}
	}
	return decimal.NullDecimal{Decimal: d, Valid: true}
}

type fieldState uint8

const (
	unread fieldState = iota
	read
	rejected // reported as unknown; reads as absent
)

// Object is an object being read. Unknown keys are reported either up
// front, by Only (when the allowed keys depend on something, such as a
// source's kind), or at the end, by Finish (every key not read). Every
// method works on a nil *Object as on an empty one, so a caller need not
// check what Object returned before reading optional fields.
type Object struct {
	r     *Reader
	Path  string
	v     *Value
	state []fieldState
}

// Reader is the reader collecting this object's faults.
func (o *Object) Reader() *Reader { return o.r }

// At is the path of a key of this object.
func (o *Object) At(key string) string { return Key(o.Path, key) }

// Fail records a fault at a key of this object.
func (o *Object) Fail(key, code, format string, args ...any) {
	o.r.Fail(o.At(key), code, format, args...)
}

// Only reports every key not among keys as unknown_field, at once, and
// reads those keys as absent from then on. It returns o.
func (o *Object) Only(keys ...string) *Object {
	if o == nil {
		return nil
	}
	for i, f := range o.v.Fields {
		known := false
		for _, k := range keys {
			if k == f.Key {
				known = true
				break
			}
		}
		if known {
			o.state[i] = read
		} else if o.state[i] != rejected {
			o.state[i] = rejected
			o.Fail(f.Key, "unknown_field", "unknown field %q", f.Key)
		}
	}
	return o
}

// Finish reports every key nobody read as unknown_field.
func (o *Object) Finish() {
	if o == nil {
		return
	}
	for i, f := range o.v.Fields {
		if o.state[i] == unread {
			o.state[i] = rejected
			o.Fail(f.Key, "unknown_field", "unknown field %q", f.Key)
		}
	}
}

// Lookup returns the value of key as written, null included, and whether
// the key is there.
func (o *Object) Lookup(key string) (*Value, bool) {
	if o == nil {
		return nil, false
	}
	for i, f := range o.v.Fields {
		if f.Key == key && o.state[i] != rejected {
			o.state[i] = read
			return f.Value, true
		}
	}
	return nil, false
}

// Get returns the value of key; nil when absent or null.
func (o *Object) Get(key string) *Value {
	v, _ := o.Lookup(key)
	if v == nil || v.Kind == KindNull {
		return nil
	}
	return v
}

// Str reads a string; "" when absent, null or not a string. A required
// string must be there and not blank.
func (o *Object) Str(key string, required bool) string {
	v := o.Get(key)
	if v == nil {
		if required {
			o.Fail(key, "required", "required")
		}
		return ""
	}
	if v.Kind != KindString {
		o.Fail(key, "invalid_type", "want a string, got %s", v.Kind)
		return ""
	}
	if required && strings.TrimSpace(v.Text) == "" {
		o.Fail(key, "required", "must not be empty")
	}
	return v.Text
}

// OneOf reads an optional string that must be one of allowed.
func (o *Object) OneOf(key string, allowed ...string) string {
	s := o.Str(key, false)
	if s == "" {
		return ""
	}
	for _, a := range allowed {
		if s == a {
			return s
		}
	}
	o.Fail(key, "invalid_value", "%q is not one of %s", s, strings.Join(allowed, ", "))
	return ""
}

// Bool reads true or false; ok is false when absent, null or not a boolean.
func (o *Object) Bool(key string) (val, ok bool) {
	v := o.Get(key)
	if v == nil {
		return false, false
	}
	if v.Kind != KindBool {
		o.Fail(key, "invalid_type", "want true or false, got %s", v.Kind)
		return false, false
	}
	return v.Bool, true
}

// Decimal reads a number with the reader's NumberFunc; not Valid when
// absent, null or rejected.
func (o *Object) Decimal(key string, required bool) decimal.NullDecimal {
	v := o.Get(key)
	if v == nil {
		if required {
			o.Fail(key, "required", "required")
		}
		return decimal.NullDecimal{}
	}
	// The path is built only for a fault: most numbers are fine, and
	// building it for each cost a string per number read.
	if v.Kind == KindString || v.Kind == KindNumber {
		if d, err := o.r.Number(v.Text); err == nil {
			return decimal.NullDecimal{Decimal: d, Valid: true}
		}
	}
	return o.r.Decimal(v, o.At(key))
}

// Object reads an optional nested object: nil when absent or null, and
// nil with a fault when not an object.
func (o *Object) Object(key string) *Object {
	v := o.Get(key)
	if v == nil {
		return nil
	}
	return o.r.Object(v, o.At(key))
}

// Objects reads an optional array of objects, yielding each item that is
// an object and reporting each that is not, in order.
func (o *Object) Objects(key string) iter.Seq[*Object] {
	return func(yield func(*Object) bool) {
		v := o.Get(key)
		if v == nil {
			return
		}
		path := o.At(key)
		if v.Kind != KindArray {
			o.r.Fail(path, "invalid_type", "want an array, got %s", v.Kind)
			return
		}
		for i, item := range v.Items {
			if obj := o.r.Object(item, Index(path, i)); obj != nil && !yield(obj) {
				return
			}
		}
	}
}

// Parsed reads a string and converts it with parse (a date, say); a
// conversion error is reported as invalid_value.
func Parsed[T any](o *Object, key string, required bool, parse func(string) (T, error)) T {
	var zero T
	s := o.Str(key, required)
	if s == "" {
		return zero
	}
	x, err := parse(s)
	if err != nil {
		o.Fail(key, "invalid_value", "%v", err)
		return zero
	}
	return x
}

// PlainDecimal is the number rule of damage, ecocomp, fees and the
// budget: an optional minus, digits, and an optional point followed by
// digits, within the shared limits (WithinLimits: at most 12 decimals, at
// most 1e15 in size). An exponent is refused: amounts in law are written
// out.
func PlainDecimal(s string) (decimal.Decimal, error) {
	const maxLen = 40 // digits, sign and point: far beyond any real amount
	if len(s) > maxLen {
		return decimal.Decimal{}, fmt.Errorf("%d characters is too long for a number", len(s))
	}
	intPart, frac, hasPoint := strings.Cut(strings.TrimPrefix(s, "-"), ".")
	if intPart == "" || (hasPoint && frac == "") || !digits(intPart) || !digits(frac) {
		return decimal.Decimal{}, fmt.Errorf("%q is not a plain decimal such as 1234.56", s)
	}
	d, err := decimal.NewFromString(s)
	if err != nil {
		return decimal.Decimal{}, err
	}
	if err := WithinLimits(s, d); err != nil {
		return decimal.Decimal{}, err
	}
	return d, nil
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// A Source hands a document's root to a reader and returns every fault:
// Bytes parses a document, FromValue takes one already parsed (a request
// nested in another document is read where it lies, never written out
// as JSON to be parsed again).
type Source func(number NumberFunc, read func(root *Object)) []Error

// Bytes is the document data, parsed with Parse.
func Bytes(data []byte, maxDepth int) Source {
	return func(number NumberFunc, read func(root *Object)) []Error {
		return Read(data, maxDepth, number, read)
	}
}

// FromValue is a parsed value as a document: its faults' paths are
// relative to it (a caller nesting it prefixes them).
func FromValue(v *Value) Source {
	return func(number NumberFunc, read func(root *Object)) []Error {
		r := &Reader{Number: number}
		if o := r.Object(v, Root); o != nil {
			read(o)
		}
		return r.Errs
	}
}

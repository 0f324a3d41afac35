package api

import (
	"reflect"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/ecotax/ecotax/calc"
	"github.com/ecotax/ecotax/calc/jsonin"
	"github.com/ecotax/ecotax/calc/param"
	"github.com/ecotax/ecotax/filing"
)

// decodeJSON reads a request body strictly into dst (a pointer to a
// struct): unknown fields, duplicate keys, wrong types and malformed
// numbers are each reported with their JSON path, and numbers go straight
// from their text into decimals, never through float64. The body is parsed
// by calc/jsonin, the strict reader every decoder shares; binding is
// reflection over the json tags, so request types stay plain structs.
func decodeJSON(body []byte, dst any) *calc.Error {
	root, ferr := jsonin.Parse(body, maxDepth)
	if ferr != nil {
		return calc.Invalid([]calc.FieldError{calc.FieldError(*ferr)})
	}
	r := &jsonin.Reader{Number: param.ParseQuantity}
	bind(r, root, reflect.ValueOf(dst).Elem(), jsonin.Root)
	if len(r.Errs) > 0 {
		return calc.Invalid(calc.FieldErrors(r.Errs))
	}
	return nil
}

// maxDepth bounds nesting: a declaration's figures are three levels deep.
const maxDepth = 12

var (
	typNullDecimal = reflect.TypeOf(decimal.NullDecimal{})
	typDate        = reflect.TypeOf(filing.Date(""))
)

// bind sets v from the parsed value n, reporting every fault to r.
func bind(r *jsonin.Reader, n *jsonin.Value, v reflect.Value, path string) {
	t := v.Type()
	switch {
	case t == typNullDecimal:
		if n.Kind == jsonin.KindNull {
			return
		}
		if d := r.Decimal(n, path); d.Valid {
			v.Set(reflect.ValueOf(d))
		}
		return
	case t == typDate:
		if n.Kind == jsonin.KindNull {
			return
		}
		if n.Kind != jsonin.KindString {
			r.Fail(path, "invalid_type", "want a date YYYY-MM-DD as a string, got %s", n.Kind)
			return
		}
		d, err := filing.ParseDate(n.Text)
		if err != nil {
			r.Fail(path, "invalid_value", "%q is not a day YYYY-MM-DD", n.Text)
			return
		}
		v.Set(reflect.ValueOf(d))
		return
	}
	switch t.Kind() {
	case reflect.Pointer:
		if n.Kind == jsonin.KindNull {
			return
		}
		p := reflect.New(t.Elem())
		bind(r, n, p.Elem(), path)
		v.Set(p)
	case reflect.Struct:
		if n.Kind != jsonin.KindObject {
			r.Fail(path, "invalid_type", "want an object, got %s", n.Kind)
			return
		}
		fields := map[string]int{}
		for i := 0; i < t.NumField(); i++ {
			name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
			if name != "" && name != "-" {
				fields[name] = i
			}
		}
		// Keys in the order written (jsonin has already refused duplicates).
		for _, f := range n.Fields {
			at := jsonin.Key(path, f.Key)
			i, ok := fields[f.Key]
			if !ok {
				r.Fail(at, "unknown_field", "unknown field %q", f.Key)
				continue
			}
			bind(r, f.Value, v.Field(i), at)
		}
	case reflect.Slice:
		if n.Kind == jsonin.KindNull {
			return
		}
		if n.Kind != jsonin.KindArray {
			r.Fail(path, "invalid_type", "want an array, got %s", n.Kind)
			return
		}
		s := reflect.MakeSlice(t, len(n.Items), len(n.Items))
		for i, it := range n.Items {
			bind(r, it, s.Index(i), jsonin.Index(path, i))
		}
		v.Set(s)
	case reflect.String:
		if n.Kind != jsonin.KindString {
			r.Fail(path, "invalid_type", "want a string, got %s", n.Kind)
			return
		}
		v.SetString(n.Text)
	case reflect.Bool:
		if n.Kind != jsonin.KindBool {
			r.Fail(path, "invalid_type", "want true or false, got %s", n.Kind)
			return
		}
		v.SetBool(n.Bool)
	case reflect.Int, reflect.Int64:
		if n.Kind != jsonin.KindNumber {
			r.Fail(path, "invalid_type", "want a whole number, got %s", n.Kind)
			return
		}
		x, err := strconv.ParseInt(n.Text, 10, 64)
		if err != nil || x < 0 || x > 1<<53 {
			r.Fail(path, "invalid_number", "%s is not a whole number from 0 to 2^53", n.Text)
			return
		}
		v.SetInt(x)
	default:
		panic("api: decodeJSON cannot bind " + t.String())
	}
}

package jsonin_test

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
	"unicode/utf8"

	"github.com/ecotax/ecotax/calc/jsonin"
)

// untyped turns a tree into what encoding/json makes of the same text with
// UseNumber, so the two readers can be compared.
func untyped(v *jsonin.Value) any {
	switch v.Kind {
	case jsonin.KindBool:
		return v.Bool
	case jsonin.KindNumber:
		return json.Number(v.Text)
	case jsonin.KindString:
		return v.Text
	case jsonin.KindObject:
		m := map[string]any{}
		for _, f := range v.Fields {
			m[f.Key] = untyped(f.Value)
		}
		return m
	case jsonin.KindArray:
		a := []any{}
		for _, it := range v.Items {
			a = append(a, untyped(it))
		}
		return a
	}
	return nil
}

// walk reads every member of every object, as a decoder would, checking
// that no fault lacks a path, code or message.
func walk(o *jsonin.Object, v *jsonin.Value) {
	for _, f := range v.Fields {
		switch f.Value.Kind {
		case jsonin.KindObject:
			if n := o.Object(f.Key); n != nil {
				walk(n, f.Value)
			}
		case jsonin.KindArray:
			i := 0
			for n := range o.Objects(f.Key) {
				for f.Value.Items[i].Kind != jsonin.KindObject {
					i++
				}
				walk(n, f.Value.Items[i])
				i++
			}
		case jsonin.KindNumber:
			o.Decimal(f.Key, true)
		case jsonin.KindBool:
			o.Bool(f.Key)
		default:
			o.Str(f.Key, true)
		}
	}
	o.Finish()
}

const fuzzDepth = 8

// FuzzParse: Parse never panics; what it accepts is valid JSON that
// encoding/json reads to the same values (numbers as the same text), and
// that reads back to the same tree once written out; what valid JSON it
// refuses is refused for a duplicate key or for depth; every fault has a
// path, a code and a message, and so has every fault a Reader reports.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		`{"sources":[{"id":"DA001","kind":"air","month":"2024-01","pollutants":[{"name":"二氧化硫","emission_kg":"100.5"}]}]}`,
		`{"a b":1,"":[true,false,null],"x":{"y":{"z":-1.5e-3}}}`,
		`{"a":1,"a":2}`,
		`[[[[[[[[[[1]]]]]]]]]]`,
		`{"s":"\u00e9\ud83d\ude00\"\\"}`,
		`{} []`,
		`{"a":`,
		` 12345678901234567890123456789012345678901234567890 `,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		v, ferr := jsonin.Parse(data, fuzzDepth)
		if ferr != nil {
			if ferr.Path == "" || ferr.Message == "" || (ferr.Code != "invalid_json" && ferr.Code != "duplicate_field" && ferr.Code != "invalid_text") {
				t.Fatalf("unclear fault %+v", ferr)
			}
			if ferr.Code == "invalid_text" && utf8.Valid(data) && !bytes.Contains(data, []byte(`\u`)) {
				t.Fatalf("valid text refused: %+v", ferr)
			}
			if json.Valid(data) && ferr.Code != "duplicate_field" && ferr.Code != "invalid_text" && ferr.Message != "nesting too deep" {
				t.Fatalf("valid JSON refused: %+v", ferr)
			}
			return
		}
		if !json.Valid(data) {
			t.Fatalf("invalid JSON accepted: %q", data)
		}
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.UseNumber()
		var std any
		if err := dec.Decode(&std); err != nil {
			t.Fatal(err)
		}
		if got := untyped(v); !reflect.DeepEqual(got, std) {
			t.Fatalf("tree %#v, encoding/json %#v", got, std)
		}
		var b bytes.Buffer
		b.Write(v.AppendJSON(nil))
		again, ferr := jsonin.Parse(b.Bytes(), fuzzDepth)
		if ferr != nil || !reflect.DeepEqual(again, v) {
			t.Fatalf("round trip of %s: %+v", b.Bytes(), ferr)
		}
		errs := jsonin.Read(data, fuzzDepth, jsonin.PlainDecimal, func(o *jsonin.Object) { walk(o, v) })
		if v.Kind != jsonin.KindObject && len(errs) != 1 {
			t.Fatalf("a %s root gave %v", v.Kind, errs)
		}
		for _, e := range errs {
			if e.Path == "" || e.Code == "" || e.Message == "" {
				t.Fatalf("unclear fault %+v", e)
			}
		}
	})
}

package jsonin_test

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/ecotax/ecotax/calc/jsonin"
)

func TestKey(t *testing.T) {
	cases := []struct{ path, key, want string }{
		{"$", "sources", "sources"},
		{"", "sources", "sources"},
		{"sources[0]", "kind", "sources[0].kind"},
		{"a", "emission_kg", "a.emission_kg"},
		{"a", "二氧化硫", "a.二氧化硫"},
		{"a", "PM2.5", `a["PM2.5"]`},
		{"a", "x y", `a["x y"]`},
		{"a", "", `a[""]`},
		{"$", "", `$[""]`},
		{"", "a-b", `$["a-b"]`},
		{"a", `q"`, `a["q\""]`},
	}
	for _, c := range cases {
		if got := jsonin.Key(c.path, c.key); got != c.want {
			t.Errorf("Key(%q, %q) = %s, want %s", c.path, c.key, got, c.want)
		}
	}
	if got := jsonin.Index("a.b", 12); got != "a.b[12]" {
		t.Errorf("Index = %s", got)
	}
}

// Parse stops at the first fault (the rest of the document cannot be
// trusted) and names where it is.
func TestParseRejects(t *testing.T) {
	cases := []struct {
		name, in, code, path string
	}{
		{"empty", ``, "invalid_json", "$"},
		{"blank", "  \n", "invalid_json", "$"},
		{"trailing value", `{} {}`, "invalid_json", "$"},
		{"trailing garbage", `1 x`, "invalid_json", "$"},
		{"cut inside", `{"a": [1, `, "invalid_json", "a[1]"},
		{"cut after key", `{"a":`, "invalid_json", "a"},
		{"trailing comma", `{"a":1,}`, "invalid_json", "$"},
		{"non-string key", `{1:2}`, "invalid_json", "$"},
		{"bad literal", `{"a": nul}`, "invalid_json", "a"},
		{"duplicate", `{"a":1,"a":2}`, "duplicate_field", "a"},
		{"nested duplicate", `{"s":[{},{"k":{"x":1,"x":1}}]}`, "duplicate_field", "s[1].k.x"},
		{"odd duplicate", `{"a b":1,"a b":2}`, "duplicate_field", `$["a b"]`},
		{"root array", `[1,{"a":1,"a":1}]`, "duplicate_field", "$[1].a"},
		{"too deep", `[[[[[[1]]]]]]`, "invalid_json", "$[0][0][0][0][0]"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v, ferr := jsonin.Parse([]byte(c.in), 4)
			if ferr == nil {
				t.Fatalf("accepted: %+v", v)
			}
			if ferr.Code != c.code || ferr.Path != c.path || ferr.Message == "" {
				t.Errorf("got %+v, want %s at %s", ferr, c.code, c.path)
			}
		})
	}
}

func TestParseKeepsOrderAndText(t *testing.T) {
	v, ferr := jsonin.Parse([]byte(` {"z":1.50,"a":"1e3","m":[true,null,-0.0000000000000000000001],"b":{}} `), 4)
	if ferr != nil {
		t.Fatal(ferr)
	}
	var keys []string
	for _, f := range v.Fields {
		keys = append(keys, f.Key)
	}
	if !slices.Equal(keys, []string{"z", "a", "m", "b"}) {
		t.Errorf("keys in order %v", keys)
	}
	if z := v.Fields[0].Value; z.Kind != jsonin.KindNumber || z.Text != "1.50" {
		t.Errorf("number kept as %v %q", z.Kind, z.Text)
	}
	if a := v.Fields[1].Value; a.Kind != jsonin.KindString || a.Text != "1e3" {
		t.Errorf("string %v %q", a.Kind, a.Text)
	}
	m := v.Fields[2].Value
	if len(m.Items) != 3 || !m.Items[0].Bool || m.Items[1].Kind != jsonin.KindNull || m.Items[2].Text != "-0.0000000000000000000001" {
		t.Errorf("array %+v", m.Items)
	}
	if b := v.Fields[3].Value; b.Kind != jsonin.KindObject || len(b.Fields) != 0 {
		t.Errorf("empty object %+v", b)
	}
}

// read runs Read over in with PlainDecimal and returns the faults as
// "path code" strings.
func read(t *testing.T, in string, fn func(o *jsonin.Object)) []string {
	t.Helper()
	var out []string
	for _, e := range jsonin.Read([]byte(in), 8, jsonin.PlainDecimal, fn) {
		if e.Message == "" {
			t.Errorf("%s %s without a message", e.Path, e.Code)
		}
		out = append(out, e.Path+" "+e.Code)
	}
	return out
}

func TestReadCollectsEveryFault(t *testing.T) {
	in := `{"name": 5, "when": "2020-13-01", "n": "1e3", "ok": "yes", "list": [{"x": 1, "y": true}, 7, {"y": "1.5", "extra": null}], "pick": "c", "zz": 1}`
	got := read(t, in, func(o *jsonin.Object) {
		o.Str("name", true)
		jsonin.Parsed(o, "when", true, func(s string) (int, error) { return 0, errors.New("not a date") })
		o.Decimal("n", false)
		o.Bool("ok")
		o.Str("missing", true)
		o.Decimal("missing_number", true)
		for item := range o.Objects("list") {
			item.Decimal("y", false)
			item.Finish()
		}
		o.OneOf("pick", "a", "b")
		o.Finish()
	})
	want := []string{
		"name invalid_type",
		"when invalid_value",
		"n invalid_number",
		"ok invalid_type",
		"missing required",
		"missing_number required",
		"list[0].y invalid_type",
		"list[0].x unknown_field",
		"list[1] invalid_type",
		"list[2].extra unknown_field",
		"pick invalid_value",
		"zz unknown_field",
	}
	if !slices.Equal(got, want) {
		t.Errorf("faults\n got %v\nwant %v", got, want)
	}
}

func TestReadRoot(t *testing.T) {
	called := false
	got := read(t, `[1]`, func(*jsonin.Object) { called = true })
	if called || !slices.Equal(got, []string{"$ invalid_type"}) {
		t.Errorf("array root: called %v, faults %v", called, got)
	}
	got = read(t, `{"a":1,"a":2}`, func(*jsonin.Object) { called = true })
	if called || !slices.Equal(got, []string{"a duplicate_field"}) {
		t.Errorf("duplicate: called %v, faults %v", called, got)
	}
	if errs := jsonin.Read([]byte(`{}`), 8, jsonin.PlainDecimal, func(o *jsonin.Object) { o.Finish() }); errs != nil {
		t.Errorf("empty object: %v", errs)
	}
}

// Only reports unknown keys at once and hides them from later reads;
// Finish then adds nothing for keys Only allowed, read or not.
func TestOnly(t *testing.T) {
	var name string
	var seen bool
	got := read(t, `{"b": 1, "name": "x", "a": "y", "c": null}`, func(o *jsonin.Object) {
		o.Only("name", "c")
		name = o.Str("name", false)
		_, seen = o.Lookup("a")
		o.Finish()
	})
	if !slices.Equal(got, []string{"b unknown_field", "a unknown_field"}) || name != "x" || seen {
		t.Errorf("faults %v, name %q, rejected key seen %v", got, name, seen)
	}
}

// Null reads as absent, but Lookup still tells it was written.
func TestNullAndNilObject(t *testing.T) {
	got := read(t, `{"a": null, "o": null, "s": "str"}`, func(o *jsonin.Object) {
		if v, ok := o.Lookup("a"); !ok || v.Kind != jsonin.KindNull || o.Get("a") != nil {
			t.Error("null: Lookup must see it, Get must not")
		}
		if _, ok := o.Lookup("absent"); ok {
			t.Error("absent key found")
		}
		// A nil *Object (absent, null or wrong) reads as empty.
		for _, key := range []string{"o", "absent", "s"} {
			n := o.Object(key).Only("x")
			if n.Str("x", false) != "" || n.Decimal("x", false).Valid || n.Get("x") != nil {
				t.Errorf("%s: nil object read a value", key)
			}
			if _, ok := n.Bool("x"); ok {
				t.Errorf("%s: nil object read a boolean", key)
			}
			n.Finish()
		}
		o.Finish()
	})
	if !slices.Equal(got, []string{"s invalid_type"}) {
		t.Errorf("faults %v", got)
	}
}

func TestDecimalUsesTheNumberRule(t *testing.T) {
	var vals []string
	got := read(t, `{"a": 1.50, "b": "2", "c": "-0", "d": 1e3, "e": "0x1", "f": [], "g": null}`, func(o *jsonin.Object) {
		for _, k := range []string{"a", "b", "c", "d", "e", "f", "g"} {
			if d := o.Decimal(k, false); d.Valid {
				vals = append(vals, d.Decimal.String())
			}
		}
	})
	if !slices.Equal(vals, []string{"1.5", "2", "0"}) || !slices.Equal(got, []string{"d invalid_number", "e invalid_number", "f invalid_type"}) {
		t.Errorf("values %v, faults %v", vals, got)
	}
	// Another package's rule goes through the same path.
	errs := jsonin.Read([]byte(`{"q": "7"}`), 8, func(string) (decimal.Decimal, error) { return decimal.Decimal{}, errors.New("never") },
		func(o *jsonin.Object) { o.Decimal("q", false) })
	if len(errs) != 1 || errs[0].Message != "never" || errs[0].Code != "invalid_number" {
		t.Errorf("custom rule: %+v", errs)
	}
}

func TestStrRequired(t *testing.T) {
	got := read(t, `{"blank": "  ", "empty": "", "null": null}`, func(o *jsonin.Object) {
		for _, k := range []string{"blank", "empty", "null", "absent"} {
			o.Str(k, true)
		}
	})
	if !slices.Equal(got, []string{"blank required", "empty required", "null required", "absent required"}) {
		t.Errorf("faults %v", got)
	}
}

func TestPlainDecimal(t *testing.T) {
	ok := map[string]string{"0": "0", "-0": "0", "1234.56": "1234.56", "-7": "-7", "007": "7", "0.000001": "0.000001",
		"999999999999999.999999999999": "999999999999999.999999999999", "-1000000000000000": "-1000000000000000"}
	for in, want := range ok {
		d, err := jsonin.PlainDecimal(in)
		if err != nil || d.String() != want {
			t.Errorf("PlainDecimal(%q) = %s, %v; want %s", in, d, err, want)
		}
	}
	for _, in := range []string{"", "-", ".5", "5.", "+1", "1e3", "1E3", "1.2.3", "0x10", "1_000", " 1", "1 ", "NaN", "Inf", "--1", "١", strings.Repeat("9", 41),
		strings.Repeat("9", 30), "1000000000000000.01", "-1000000000000001", "0.0000000000001", "1." + strings.Repeat("0", 30) + "1"} {
		if d, err := jsonin.PlainDecimal(in); err == nil {
			t.Errorf("PlainDecimal(%q) accepted as %s", in, d)
		}
	}
}

// TestBadText (issue 11, item 3): NUL, invalid UTF-8 and lone surrogates
// in a key or a value are refused with the string's path.
func TestBadText(t *testing.T) {
	for in, path := range map[string]string{
		`{"name":"a\u0000b"}`:           "name",
		"{\"name\":\"a\xffb\"}":         "name",
		`{"x":["ok","\ud800"]}`:         "x[1]",
		`{"x":"\udc00\ud800"}`:          "x",
		`{"a\u0000":1}`:                 "$",
		`{"s":"\ud83d\ude00 é \u00e9"}`: "",
	} {
		_, ferr := jsonin.Parse([]byte(in), 8)
		if path == "" {
			if ferr != nil {
				t.Errorf("%q refused: %+v", in, ferr)
			}
			continue
		}
		if ferr == nil || ferr.Code != "invalid_text" || !strings.HasPrefix(ferr.Path, path) {
			t.Errorf("%q: %+v, want invalid_text at %s", in, ferr, path)
		}
	}
}

// A value nested in a document reads as a document of its own: the same
// faults as its bytes would give, at paths relative to it.
func TestFromValueReadsInPlace(t *testing.T) {
	outer, ferr := jsonin.Parse([]byte(`{"inner":{"n":"1.5x","s":"ok","extra":1}}`), 8)
	if ferr != nil {
		t.Fatal(ferr)
	}
	read := func(src jsonin.Source) []jsonin.Error {
		return src(jsonin.PlainDecimal, func(o *jsonin.Object) {
			o.Decimal("n", true)
			o.Str("s", true)
			o.Finish()
		})
	}
	inner := outer.Fields[0].Value
	got := read(jsonin.FromValue(inner))
	want := read(jsonin.Bytes(inner.AppendJSON(nil), 8))
	if len(got) != 2 || !reflect.DeepEqual(got, want) {
		t.Fatalf("in place %v, from bytes %v", got, want)
	}
	if got[0].Path != "n" || got[1].Path != "extra" {
		t.Fatalf("paths %v", got)
	}
}

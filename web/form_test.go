package web

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"net/url"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/ecotax/ecotax/calc"
	"github.com/ecotax/ecotax/calc/jsonin"
)

// canonical decodes JSON with numbers as text and booleans false dropped,
// so that a request written by the form compares equal to one written by
// hand (the form writes every figure as a string and no false checkbox).
func canonical(t testing.TB, data []byte) any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("%v: %s", err, data)
	}
	var norm func(any) any
	norm = func(v any) any {
		switch x := v.(type) {
		case map[string]any:
			out := map[string]any{}
			for k, vv := range x {
				if b, ok := vv.(bool); ok && !b {
					continue
				}
				out[k] = norm(vv)
			}
			return out
		case []any:
			for i := range x {
				x[i] = norm(x[i])
			}
			return x
		case json.Number:
			return x.String()
		}
		return v
	}
	return norm(v)
}

// The real example goes JSON → form → posted fields → form → JSON and
// comes back as the same request: the page sends the engine exactly what
// the API would get.
func TestFormRoundTripExample(t *testing.T) {
	data, err := os.ReadFile("../fixtures/examples/chongqing-chemical-2024Q1.json")
	if err != nil {
		t.Fatal(err)
	}
	f, dropped, err := FormFromJSON(data)
	if err != nil || len(dropped) > 0 {
		t.Fatalf("FormFromJSON: %v, dropped %v", err, dropped)
	}
	back := ParseForm(f.Values()).JSON()
	if got, want := canonical(t, back), canonical(t, data); !reflect.DeepEqual(got, want) {
		t.Fatalf("round trip differs:\n got %s", back)
	}
	if _, err := calc.DecodeRequest(back); err != nil {
		t.Fatalf("the form's request does not decode: %v", err)
	}
}

func TestParseFormClosesUpIndicesAndIgnoresOthers(t *testing.T) {
	v := url.Values{
		"_csrf": {"x"}, "_op": {"assess"}, "bogus": {"1"}, "sources[7].nope": {"1"},
		"region": {" 500000 "}, "period": {"2024-Q1"},
		"sources[5].kind": {"air"}, "sources[5].id": {"DA002"}, "sources[5].month": {"2024-01"},
		"sources[5].pollutants[9].name": {"氮氧化物"}, "sources[5].pollutants[2].name": {"二氧化硫"},
		"sources[5].pollutants[2].emission_kg": {"10"},
		"sources[2].kind":                      {"noise"}, "sources[2].id": {"N1"}, "sources[2].day.limit_db": {"65"},
		"sources[2].fugitive": {"true"}, // not a noise field: not written
		"sources[01].id":      {"leading zero: ignored"},
		"sources[99999].id":   {"too long: ignored"},
	}
	f := ParseForm(v)
	if len(f.Sources) != 2 || f.Sources[0].F["id"] != "N1" || f.Sources[1].F["id"] != "DA002" {
		t.Fatalf("sources %+v", f.Sources)
	}
	if p := f.Sources[1].Pollutants; len(p) != 2 || p[0]["name"] != "二氧化硫" || p[1]["name"] != "氮氧化物" {
		t.Fatalf("pollutants %+v", p)
	}
	got := string(f.JSON())
	want := `{"region":"500000","period":"2024-Q1","sources":[{"kind":"noise","id":"N1","day":{"limit_db":"65"}},` +
		`{"kind":"air","id":"DA002","month":"2024-01","pollutants":[{"name":"二氧化硫","emission_kg":"10"},{"name":"氮氧化物"}]}]}`
	if got != want {
		t.Fatalf("JSON\n got %s\nwant %s", got, want)
	}
}

func TestApply(t *testing.T) {
	f := &Form{Top: map[string]string{}}
	for _, op := range []string{"add:air", "add:noise", "addp:0", "copy:0", "delp:0:0", "del:2"} {
		if !f.Apply(op) {
			t.Fatalf("%s refused", op)
		}
	}
	for _, op := range []string{"add:nothing", "del:9", "delp:0:7", "addp:-1", "copy:x", "zap:1", ""} {
		if f.Apply(op) {
			t.Fatalf("%s accepted", op)
		}
	}
	// air (1 row after delp), its copy (2 rows, next month) — noise deleted.
	if len(f.Sources) != 2 || f.Sources[0].Kind() != "air" || len(f.Sources[0].Pollutants) != 1 || len(f.Sources[1].Pollutants) != 2 {
		t.Fatalf("%+v", f.Sources)
	}
	f.Sources[0].F["month"] = "2024-12"
	f.Apply("copy:0")
	if f.Sources[1].F["month"] != "2025-01" {
		t.Fatalf("copy month %q", f.Sources[1].F["month"])
	}
}

func TestPeriodMonths(t *testing.T) {
	for in, want := range map[string]string{"2024-Q1": "2024-01 2024-02 2024-03", "2024-q4": "2024-10 2024-11 2024-12",
		"2024-07": "2024-07", "2024-07-15": "2024-07", "2024-Q5": "", "x": "", "2024-13": ""} {
		if got := strings.Join(PeriodMonths(in), " "); got != want {
			t.Errorf("%s: %q, want %q", in, got, want)
		}
	}
}

// Errors land beside the input their path names; a path of a source or a
// pollutant row (or a field the form has no input for) on the nearest
// card or row; "$" only in the summary, which lists every error.
func TestBuildFormPlacesErrors(t *testing.T) {
	f := ParseForm(url.Values{"period": {"2024-Q1"}, "sources[0].kind": {"air"}, "sources[0].id": {"DA001"},
		"sources[0].pollutants[0].name": {"二氧化硫"}, "sources[1].kind": {"water"}, "sources[1].id": {"DW001"}})
	errs := []calc.FieldError{
		{Path: "sources[0].pollutants[0].emission_kg", Code: "required", Message: "m1"},
		{Path: "sources[1].pollutants", Code: "required", Message: "m2"},
		{Path: "sources[0].pollutants[0].emission_t", Code: "invalid_number", Message: "m3"},
		{Path: "region", Code: "required", Message: "m4"},
		{Path: "$", Code: "invalid_json", Message: "m5"},
	}
	v := BuildForm(f, errs, Choices{})
	if len(v.Summary) != 5 {
		t.Fatalf("summary %d", len(v.Summary))
	}
	field := func(fs []FieldView, name string) FieldView {
		for _, x := range fs {
			if x.Name == name {
				return x
			}
		}
		t.Fatalf("no field %s", name)
		return FieldView{}
	}
	p0 := v.Sources[0].Pollutants[0]
	if e := field(p0.Fields, "sources[0].pollutants[0].emission_kg").Errors; len(e) != 1 || e[0].Detail != "m1" || e[0].Message != "排放量（千克）必须填写。" || e[0].Title != "缺少必填项" {
		t.Errorf("emission_kg errors %+v", e)
	}
	if len(p0.Errors) != 1 || p0.Errors[0].Detail != "m3" || !strings.Contains(p0.Errors[0].Message, "数字") {
		t.Errorf("row errors %+v", p0.Errors)
	}
	if len(v.Sources[1].Errors) != 1 || v.Sources[1].Errors[0].Detail != "m2" {
		t.Errorf("card errors %+v", v.Sources[1].Errors)
	}
	if e := field(v.Top, "region").Errors; len(e) != 1 || v.Summary[3].Anchor != "f-region" {
		t.Errorf("region %+v %+v", e, v.Summary[3])
	}
	if v.Summary[4].Anchor != "" {
		t.Errorf("$ anchored at %q", v.Summary[4].Anchor)
	}
	if got := FieldID("sources[12].day.limit_db"); got != "f-sources-12-day-limit_db" {
		t.Errorf("FieldID %s", got)
	}
}

// FuzzParseForm: any posted body gives a form whose request is valid JSON,
// and reading that request back gives the same request (nothing is lost
// or invented between the page and the engine).
func FuzzParseForm(f *testing.F) {
	f.Add("region=500000&period=2024-Q1&sources%5B0%5D.kind=air&sources%5B0%5D.pollutants%5B0%5D.name=SO2")
	f.Add("sources[3].kind=noise&sources[3].day.limit_db=65&sources[3].night.exceed_days=3&sources[3].boundary_over_100m_multiple_points=true")
	f.Add("sources[0].kind=%22%3C%3E&sources[0].pollutants[0].value=%00&taxpayer.name=%E2%80%AE")
	f.Fuzz(func(t *testing.T, body string) {
		vals, err := url.ParseQuery(body)
		if err != nil {
			return
		}
		form := ParseForm(vals)
		out := form.JSON()
		if !json.Valid(out) {
			t.Fatalf("invalid JSON %s", out)
		}
		back, _, err := FormFromJSON(out)
		if err != nil {
			t.Fatalf("%v: %s", err, out)
		}
		if again := ParseForm(back.Values()).JSON(); !bytes.Equal(canonicalBytes(t, again), canonicalBytes(t, out)) {
			t.Fatalf("not stable:\n%s\n%s", out, again)
		}
		BuildForm(form, []calc.FieldError{{Path: "sources[0].pollutants[0].name", Code: "required"}}, Choices{})
		// The page refuses bad text (invalid UTF-8, NUL …) before reading
		// the form (httpx.CheckForm), as the JSON reader refuses it.
		valid := true
		for k, vs := range vals {
			valid = valid && utf8.ValidString(k)
			for _, v := range vs {
				valid = valid && utf8.ValidString(v)
			}
		}
		if _, ferr := jsonin.Parse(out, 16); valid && ferr == nil {
			sameAsDecoder(t, form)
		}
	})
}

// sameAsDecoder checks that the form read directly (Form.Request) is the
// request the contract's decoder reads from the form's JSON, or is refused
// with the same faults.
func sameAsDecoder(t *testing.T, form *Form) {
	t.Helper()
	out := form.JSON()
	want, werr := calc.DecodeRequest(out)
	got, gerrs := form.Request()
	if werr == nil {
		if gerrs != nil {
			t.Fatalf("the decoder accepts %s, the form says %v", out, gerrs)
		}
		if !reflect.DeepEqual(want, got) {
			t.Fatalf("requests differ for %s:\n decoder %+v\n form    %+v", out, want, got)
		}
		return
	}
	var ce *calc.Error
	if !errors.As(werr, &ce) {
		t.Fatalf("decoder: %v", werr)
	}
	if w, g := sortFaults(ce.Errors), sortFaults(gerrs); !reflect.DeepEqual(w, g) {
		t.Fatalf("faults differ for %s:\n decoder %v\n form    %v", out, w, g)
	}
}

func sortFaults(errs []calc.FieldError) []calc.FieldError {
	out := slices.Clone(errs)
	slices.SortFunc(out, func(a, b calc.FieldError) int {
		return cmp.Or(strings.Compare(a.Path, b.Path), strings.Compare(a.Code, b.Code), strings.Compare(a.Message, b.Message))
	})
	return out
}

// The form is read into the engine's request without JSON, and reads as
// the decoder reads its JSON: the shipped example, and forms with every
// kind of fault a person makes.
func TestFormRequestIsTheDecodersRequest(t *testing.T) {
	data, err := os.ReadFile("../fixtures/examples/chongqing-chemical-2024Q1.json")
	if err != nil {
		t.Fatal(err)
	}
	f, _, err := FormFromJSON(data)
	if err != nil {
		t.Fatal(err)
	}
	req, errs := f.Request()
	if errs != nil {
		t.Fatalf("the shipped example refused: %v", errs)
	}
	if want, _ := calc.DecodeRequest(data); !reflect.DeepEqual(want, req) {
		t.Fatal("the example read from the form differs from the decoded example")
	}
	sameAsDecoder(t, f)
	// And back: the request laid out as the form (the template upload's
	// way) reads as the same request, with nothing left out.
	back, dropped := FormFromRequest(req)
	if len(dropped) > 0 {
		t.Fatalf("dropped %v", dropped)
	}
	if again, errs := back.Request(); errs != nil || !reflect.DeepEqual(again, req) {
		t.Fatalf("FormFromRequest then Request: %v", errs)
	}
	for _, body := range []string{
		"period=2024-Q5&region=12345&sources[0].kind=air&sources[0].id=DA001&sources[0].month=2024-03&sources[0].pollutants[0].name=SO2&sources[0].pollutants[0].emission_kg=1,820.5",
		"sources[0].kind=water&sources[0].month=2024-3&sources[0].wastewater_t=-3&sources[0].pollutants[0].emission_kg=abc&sources[0].pollutants[0].method=guess",
		"sources[0].kind=noise&sources[0].id=N1&sources[0].month=2024-01&sources[0].day.limit_db=65&sources[0].day.exceed_days=40",
		"sources[0].kind=noise&sources[0].id=N1&sources[0].month=2024-01",
		"sources[0].kind=solid_waste&sources[0].id=S&sources[0].month=2024-01&sources[0].stored_t=１２",
		"sources[0].kind=livestock&sources[0].id=L&sources[0].month=2024-01&sources[0].species=猪&sources[0].stock_start=1e99999",
		"sources[0].kind=sampling&sources[0].id=X&sources[0].month=2024-01&sources[0].item=小型企业&sources[0].quantity=3&rounding=nearest",
		"sources[0].kind=radiation&sources[0].id=R",
		"region=500107&period=2024-03",
	} {
		vals, err := url.ParseQuery(body)
		if err != nil {
			t.Fatal(err)
		}
		form := ParseForm(vals)
		sameAsDecoder(t, form)
		if _, errs := form.Request(); body != "" && errs == nil && !strings.Contains(body, "小型企业") {
			t.Errorf("%s: accepted", body)
		}
	}
}

func canonicalBytes(t testing.TB, data []byte) []byte {
	b, _ := json.Marshal(canonical(t, data))
	return b
}

// Every page parses with the layout (a template error would stop start-up).
func TestTemplatesParse(t *testing.T) {
	u, err := New()
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"home", "signin", "error", "precheck", "taxpayers", "taxpayer", "source", "declaration",
		"reconciliation", "recon_taxpayer", "recon_item", "reviews", "review", "budget"}
	have := map[string]bool{}
	for _, p := range u.Pages() {
		have[p] = true
	}
	for _, p := range want {
		if !have[p] {
			t.Errorf("no page %s", p)
		}
	}
}

package calc_test

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/ecotax/ecotax/calc"
)

// hostileMark is what TestTraceTextsHostileInput adds to request
// strings: everything JSON escapes (a quote, a backslash, control
// characters, U+2028, U+2029). NUL and bytes that are not UTF-8 are
// refused by the decoder (invalid_text), so they never reach a trace;
// the string writer's handling of them is TestJSONStringEveryByte's.
const hostileMark = "«\"\\\x01\x1f\n\t\u2028\u2029»"

// TestTraceTextsHostileInput: the result writer copies the trace's
// wording and figures without checking them and checks only the pieces
// a request can reach (appendText with esc). For every shipped request
// and every member name holding strings in it, each string under that
// name is given hostile characters, one name at a time; wherever the
// changed request still assesses, the answer at every level is byte for
// byte the reference writer's (encoding/json over the strings StepsAt
// builds) and valid JSON. The test fails if no hostile character
// reached a text built piece by piece and a note, so that it keeps
// testing what it says. (Pollutant names, months, periods and the notes
// taken from the tables are checked by the decoder or looked up, so the
// changed requests that still assess carry the characters into the
// trace through sources' IDs and noise boundaries; the writer checks
// every piece that is not its own wording or a figure all the same.)
func TestTraceTextsHostileInput(t *testing.T) {
	e := testEngine(t)
	reached := map[string]int{} // step kind → texts holding the mark
	assessed := 0
	for _, in := range decodeInputs(t) {
		var doc any
		dec := json.NewDecoder(bytes.NewReader(in))
		dec.UseNumber()
		if dec.Decode(&doc) != nil {
			continue
		}
		if _, err := calc.DecodeRequest(in); err != nil {
			continue
		}
		keys := map[string]bool{}
		stringKeys(doc, "", keys)
		names := make([]string, 0, len(keys))
		for k := range keys {
			names = append(names, k)
		}
		slices.Sort(names)
		for _, key := range names {
			for _, prefix := range []bool{false, true} {
				{
					data := marshal(t, withMark(doc, "", key, hostileMark, prefix))
					req, err := calc.DecodeRequest(data)
					if err != nil {
						continue
					}
					res, err := e.Assess(req)
					if err != nil {
						continue
					}
					assessed++
					for _, level := range []calc.TraceLevel{calc.TraceFull, calc.TraceSummary, calc.TraceNone} {
						got := res.AppendJSON(nil, level)
						if want := res.AppendJSONReference(nil, level); !bytes.Equal(got, want) {
							t.Fatalf("%s with the mark in %q: the writers differ:\n%s\n%s", level, key, got, want)
						}
						if !json.Valid(got) {
							t.Fatalf("%s with the mark in %q: not JSON: %s", level, key, got)
						}
					}
					for _, s := range res.StepsAt(calc.TraceFull) {
						if strings.Contains(s.Text, "«") {
							reached[s.Step]++
						}
					}
				}
			}
		}
	}
	t.Logf("%d changed requests assessed; trace texts holding request characters, by step: %v", assessed, reached)
	// exceed_gate's text is built piece by piece (the source's ID in
	// it), no_reduction's is a note holding the source's ID.
	if reached[calc.StepGate] == 0 || reached[calc.StepNoReduction] == 0 {
		t.Fatal("no hostile character reached a built trace text or a note")
	}
}

// stringKeys collects the member names (by path without indexes) whose
// values are strings.
func stringKeys(v any, path string, keys map[string]bool) {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			if _, ok := x.(string); ok {
				keys[path+"."+k] = true
			}
			stringKeys(x, path+"."+k, keys)
		}
	case []any:
		for _, x := range v {
			stringKeys(x, path, keys)
		}
	}
}

// withMark copies v with mark added to every string under the member
// path key (before it with prefix).
func withMark(v any, path, key, mark string, prefix bool) any {
	switch v := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, x := range v {
			if s, ok := x.(string); ok && path+"."+k == key {
				if prefix {
					s = mark + s
				} else {
					s += mark
				}
				out[k] = s
				continue
			}
			out[k] = withMark(x, path+"."+k, key, mark, prefix)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = withMark(x, path, key, mark, prefix)
		}
		return out
	}
	return v
}

// marshal writes v as JSON, HTML characters as they are.
func marshal(t *testing.T, v any) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// FuzzTraceWriter: on any request that assesses, the result writer gives
// the reference writer's bytes at every level (the trace's texts written
// straight into the answer, their figures in 64-bit integers).
func FuzzTraceWriter(f *testing.F) {
	for _, in := range decodeInputs(f) {
		f.Add(in)
	}
	f.Add([]byte(`{"sources":[{"id":"S\"\\\u2028","kind":"solid","month":"2024-01","waste":"冶炼渣","generated_t":"310.5","stored_t":"0.25","disposed_t":"1e2","utilized_t":"96"}]}`))
	f.Add([]byte(`{"region":"130600","sources":[{"id":"W\n","kind":"water","month":"2024-01","wastewater_t":"10","pollutants":[{"name":"pH","value":"3"},{"name":"色度","measured":"9.37","standard":"3"}]}]}`))
	e := testEngine(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		req, err := calc.DecodeRequest(data)
		if err != nil {
			return
		}
		res, err := e.Assess(req)
		if err != nil {
			return
		}
		for _, level := range []calc.TraceLevel{calc.TraceFull, calc.TraceSummary, calc.TraceNone} {
			if got, want := res.AppendJSON(nil, level), res.AppendJSONReference(nil, level); !bytes.Equal(got, want) {
				t.Fatalf("%s: the writers differ:\n%s\n%s", level, got, want)
			}
		}
	})
}

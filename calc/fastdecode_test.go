package calc_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/ecotax/ecotax/calc"
)

// decodeInputs gathers every request the repository ships: the goldens'
// requests, the examples, the API's and the contract's test files, the
// fuzz corpus, and generated batch lines.
func decodeInputs(t testing.TB) [][]byte {
	var ins [][]byte
	goldens, _ := filepath.Glob("../testdata/tax/*.yaml")
	for _, f := range goldens {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var gc goldenCase
		if err := yaml.Unmarshal(data, &gc); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		js, err := yamlToJSON(&gc.Request)
		if err != nil {
			t.Fatal(err)
		}
		ins = append(ins, []byte(js))
	}
	var files []string
	for _, g := range []string{"../fixtures/examples/*.json", "../api/testdata/assessment*.json", "testdata/*.json", "testdata/fuzz/FuzzDecodeAndAssess/*", "testdata/fuzz/FuzzFastDecode/*"} {
		m, _ := filepath.Glob(g)
		files = append(files, m...)
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.HasPrefix(data, []byte("go test fuzz v1")) {
			// The corpus format: one []byte("…") line.
			var s string
			if _, err := fmt.Sscanf(string(bytes.SplitN(data, []byte("\n"), 2)[1]), "[]byte(%q)", &s); err != nil {
				continue
			}
			data = []byte(s)
		}
		ins = append(ins, data)
	}
	for i := 0; i < 8; i++ {
		ins = append(ins, []byte(fmt.Sprintf(` { "taxpayer" : {"credit_code":"91X","name":"示例"}, "region":"500107","period":"2024-0%d","rounding":"exact",
		"sources":[{"id":"DA%03d","name":"锅炉","kind":"air","month":"2024-0%d","fugitive":%v,"exemption":"","penalty":"","facility":"",
		"pollutants":[{"name":" 二氧化硫 ","emission_kg":%d.%d,"method":"automatic","avg_concentration":"40","max_concentration":"60.50","standard_concentration":"100","exceeds_standard":false,"monitoring_month":"2024-0%d","below_detection_limit":true},
		{"name":"氮氧化物","emission_t":"0.0%d"}]},
		{"kind":"water","id":"DW1","month":"2024-0%d","wastewater_t":"1000","pollutants":[{"name":"pH","value":"%d"},{"name":"色度","measured":"9","standard":"3","exceed_multiple":"3"},{"name":"COD","emission_kg":"0","generated_kg":"1"}]}]}`+"\n",
			i+1, i, i+1, i%2 == 0, 100+i, i, i+1, i, i+1, 3+i)))
	}
	return ins
}

// sameDecoding checks that where the fast path answers, the strict
// decoder gives the same request and no fault; it reports whether the
// fast path answered.
func sameDecoding(t testing.TB, data []byte) bool {
	fast, ok := calc.FastRequest(data)
	strict, err := calc.DecodeStrict(data)
	if ok {
		// DecodeRequest does not validate what the fast path reads: the
		// fast path must step aside at every fault Validate finds.
		if errs := fast.Validate(); errs != nil {
			t.Fatalf("the fast path accepted a request Validate faults (%v): %q", errs, data)
		}
	}
	if !ok {
		// DecodeRequest is the strict decoder here: same request or fault.
		got, gerr := calc.DecodeRequest(data)
		if !reflect.DeepEqual(got, strict) || fmt.Sprint(gerr) != fmt.Sprint(err) {
			t.Fatalf("DecodeRequest differs from the strict decoder on %q", data)
		}
		return false
	}
	if err != nil {
		t.Fatalf("the fast path accepted what the strict decoder refuses (%v): %q", err, data)
	}
	if !reflect.DeepEqual(fast, strict) {
		t.Fatalf("the decoders differ on %q:\nfast   %+v\nstrict %+v", data, fast, strict)
	}
	return true
}

// The fast path gives exactly the strict decoder's request wherever it
// answers, over every shipped request and over single-byte changes of
// each (deleted, doubled, replaced by a byte that matters to JSON).
func TestFastDecodeSameAsStrict(t *testing.T) {
	ins := decodeInputs(t)
	fast := 0
	for _, in := range ins {
		if sameDecoding(t, in) {
			fast++
		}
	}
	if fast < len(ins)/3 {
		t.Fatalf("the fast path answered only %d of %d requests", fast, len(ins))
	}
	t.Logf("fast path answered %d of %d requests", fast, len(ins))
	swaps := []byte("\"\\{}],:0 .-n\x00\xe4")
	mutated, mutFast := 0, 0
	for _, in := range ins {
		step := 1 + len(in)/50 // bounded work for the large examples
		for i := 0; i < len(in); i += step {
			variants := [][]byte{
				append(append([]byte{}, in[:i]...), in[i+1:]...),
				append(append([]byte{}, in[:i+1]...), in[i:]...),
			}
			for _, c := range swaps {
				v := append([]byte{}, in...)
				v[i] = c
				variants = append(variants, v)
			}
			for _, v := range variants {
				mutated++
				if sameDecoding(t, v) {
					mutFast++
				}
			}
		}
	}
	t.Logf("%d variants, %d answered by the fast path", mutated, mutFast)
}

// The fast path reads every key of a pollutant line (decodeInputs' last
// eight requests hold them all; as they are, compact, indented, and with
// white space before each colon): a key it took for
// unknown would send every request that has it the strict way, correct
// but slow, and no other test would notice.
func TestFastDecodeReadsEveryKey(t *testing.T) {
	ins := decodeInputs(t)
	for _, in := range ins[len(ins)-8:] {
		var compact bytes.Buffer
		if err := json.Compact(&compact, in); err != nil {
			t.Fatal(err)
		}
		var indented bytes.Buffer
		if err := json.Indent(&indented, in, "", "\t"); err != nil {
			t.Fatal(err)
		}
		spaced := bytes.ReplaceAll(compact.Bytes(), []byte(`":`), []byte("\" \n:"))
		for _, v := range [][]byte{in, compact.Bytes(), indented.Bytes(), spaced} {
			if !sameDecoding(t, v) {
				t.Fatalf("the fast path stepped aside: %s", v)
			}
		}
	}
}

// FuzzFastDecode: on any input the fast path either steps aside or gives
// the strict decoder's request.
func FuzzFastDecode(f *testing.F) {
	for _, in := range decodeInputs(f) {
		f.Add(in)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		sameDecoding(t, data)
	})
}

// The result writer gives byte for byte what the member-by-member
// writer gave, at every trace level, for every shipped request that
// assesses (and the string writer agrees with encoding/json:
// TestJSONStringMatchesEncodingJSON).
func TestAppendJSONSameAsReference(t *testing.T) {
	e := testEngine(t)
	n := 0
	for _, in := range decodeInputs(t) {
		req, err := calc.DecodeRequest(in)
		if err != nil {
			continue
		}
		res, err := e.Assess(req)
		if err != nil {
			continue
		}
		n++
		for _, level := range []calc.TraceLevel{calc.TraceFull, calc.TraceSummary, calc.TraceNone} {
			got := string(res.AppendJSON([]byte("x"), level))
			if want := string(res.AppendJSONReference([]byte("x"), level)); got != want {
				t.Fatalf("%s: the writers differ:\n%s\n%s", level, got, want)
			}
		}
	}
	if n < 20 {
		t.Fatalf("only %d requests assessed", n)
	}
}

// TestAssessUntracedSameAsNone: a result assessed without its trace
// (AssessTrace at TraceNone, as ecotax calc --jsonl does) is written byte
// for byte as the traced result is at TraceNone, at every level asked,
// and a request that fails fails with the same error.
func TestAssessUntracedSameAsNone(t *testing.T) {
	e := testEngine(t)
	n := 0
	for _, in := range decodeInputs(t) {
		req, err := calc.DecodeRequest(in)
		if err != nil {
			continue
		}
		res, err := e.Assess(req)
		bare, berr := e.AssessTrace(req, calc.TraceNone)
		if fmt.Sprint(err) != fmt.Sprint(berr) {
			t.Fatalf("errors differ: %v / %v", err, berr)
		}
		if err != nil {
			continue
		}
		n++
		want := string(res.AppendJSON(nil, calc.TraceNone))
		for _, level := range []calc.TraceLevel{calc.TraceFull, calc.TraceSummary, calc.TraceNone} {
			if got := string(bare.AppendJSON(nil, level)); got != want {
				t.Fatalf("%s: untraced result differs:\n%s\n%s", level, got, want)
			}
		}
		if len(bare.Steps()) != 0 {
			t.Fatal("an untraced result has steps")
		}
	}
	if n < 20 {
		t.Fatalf("only %d requests assessed", n)
	}
}

// TestReleaseReuse: results assessed on lines released by earlier
// results (Result.Release, as ecotax calc --jsonl does) are written byte
// for byte as fresh ones, at every level, over every shipped request
// taken twice in turn.
func TestReleaseReuse(t *testing.T) {
	e := testEngine(t)
	var reqs []*calc.Request
	var want [][3]string
	levels := []calc.TraceLevel{calc.TraceFull, calc.TraceSummary, calc.TraceNone}
	for _, in := range decodeInputs(t) {
		req, err := calc.DecodeRequest(in)
		if err != nil {
			continue
		}
		res, err := e.Assess(req)
		if err != nil {
			continue
		}
		var w [3]string
		for k, level := range levels {
			w[k] = string(res.AppendJSON(nil, level))
		}
		reqs, want = append(reqs, req), append(want, w)
	}
	for round := 0; round < 2; round++ {
		for i, req := range reqs {
			for k, level := range levels {
				res, err := e.AssessTrace(req, level)
				if err != nil {
					t.Fatal(err)
				}
				if got := string(res.AppendJSON(nil, level)); got != want[i][k] {
					t.Fatalf("request %d at %s after reuse:\n%s\n%s", i, level, got, want[i][k])
				}
				res.Release()
				res.Release() // a second call does nothing
			}
		}
	}
}

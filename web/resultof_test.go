package web

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/ecotax/ecotax/calc"
	"github.com/ecotax/ecotax/fixtures"
)

// The page's view of a fresh result is the view of its JSON: on every
// shipped example and every golden case the engine assesses, ResultOf
// gives what ParseResult reads from the contract's answer.
func TestResultOfIsTheAnswersView(t *testing.T) {
	tables, err := fixtures.Load()
	if err != nil {
		t.Fatal(err)
	}
	eng, err := calc.NewEngine(tables)
	if err != nil {
		t.Fatal(err)
	}
	var requests [][]byte
	examples, _ := filepath.Glob("../fixtures/examples/*.json")
	for _, f := range examples {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		requests = append(requests, data)
	}
	goldens, _ := filepath.Glob("../testdata/tax/*.yaml")
	for _, f := range goldens {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var gc struct {
			Request map[string]any `yaml:"request"`
		}
		if err := yaml.Unmarshal(data, &gc); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		js, err := json.Marshal(gc.Request)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		requests = append(requests, js)
	}
	assessed := 0
	for i, data := range requests {
		req, err := calc.DecodeRequest(data)
		if err != nil {
			continue
		}
		res, err := eng.Assess(req)
		if err != nil {
			continue
		}
		assessed++
		out, _ := res.MarshalJSON()
		want, err := ParseResult(out)
		if err != nil {
			t.Fatal(err)
		}
		if got := ResultOf(res); !reflect.DeepEqual(got, want) {
			t.Errorf("request %d: the page's view differs from the answer's\n got  %+v\n want %+v", i, got, want)
		}
	}
	if assessed < 30 {
		t.Fatalf("only %d of %d requests assessed", assessed, len(requests))
	}
}

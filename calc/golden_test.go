package calc_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/ecotax/ecotax/calc"
	"github.com/ecotax/ecotax/fixtures"
)

var (
	engineOnce sync.Once
	engine     *calc.Engine
	engineErr  error
)

// testEngine loads the shipped parameter tables once per test binary.
func testEngine(t testing.TB) *calc.Engine {
	t.Helper()
	engineOnce.Do(func() {
		tables, err := fixtures.Load()
		if err != nil {
			engineErr = err
			return
		}
		engine, engineErr = calc.NewEngine(tables)
	})
	if engineErr != nil {
		t.Fatalf("loading parameter tables: %v", engineErr)
	}
	return engine
}

// goldenCase is one file of testdata/tax.
type goldenCase struct {
	Name    string    `yaml:"name"`
	Source  string    `yaml:"source"`
	Status  string    `yaml:"status"`
	Note    string    `yaml:"note"`
	Request yaml.Node `yaml:"request"`
	Expect  yaml.Node `yaml:"expect"`
}

// yamlToJSON turns a YAML node into JSON text, writing numbers as JSON
// numbers from their literal text (never through float64) and everything
// else as written.
func yamlToJSON(n *yaml.Node) (string, error) {
	var b strings.Builder
	var walk func(n *yaml.Node) error
	walk = func(n *yaml.Node) error {
		switch n.Kind {
		case yaml.DocumentNode:
			return walk(n.Content[0])
		case yaml.MappingNode:
			b.WriteByte('{')
			for i := 0; i < len(n.Content); i += 2 {
				if i > 0 {
					b.WriteByte(',')
				}
				k, _ := json.Marshal(n.Content[i].Value)
				b.Write(k)
				b.WriteByte(':')
				if err := walk(n.Content[i+1]); err != nil {
					return err
				}
			}
			b.WriteByte('}')
		case yaml.SequenceNode:
			b.WriteByte('[')
			for i, c := range n.Content {
				if i > 0 {
					b.WriteByte(',')
				}
				if err := walk(c); err != nil {
					return err
				}
			}
			b.WriteByte(']')
		case yaml.ScalarNode:
			switch n.Tag {
			case "!!int", "!!float", "!!bool", "!!null":
				b.WriteString(n.Value)
			default:
				s, _ := json.Marshal(n.Value)
				b.Write(s)
			}
		default:
			return fmt.Errorf("line %d: unsupported YAML node", n.Line)
		}
		return nil
	}
	err := walk(n)
	return b.String(), err
}

func TestGoldenCases(t *testing.T) {
	e := testEngine(t)
	files, err := filepath.Glob("../testdata/tax/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden cases found: %v", err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			var gc goldenCase
			dec := yaml.NewDecoder(bytes.NewReader(data))
			dec.KnownFields(true)
			if err := dec.Decode(&gc); err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			switch gc.Status {
			case "published", "derived", "reading":
			default:
				t.Fatalf("status %q must be published, derived or reading", gc.Status)
			}
			if gc.Name == "" || gc.Source == "" {
				t.Fatal("a golden case needs a name and a source")
			}
			reqJSON, err := yamlToJSON(&gc.Request)
			if err != nil {
				t.Fatal(err)
			}
			expJSON, err := yamlToJSON(&gc.Expect)
			if err != nil {
				t.Fatal(err)
			}
			var expect map[string]any
			if err := json.Unmarshal([]byte(expJSON), &expect); err != nil {
				t.Fatal(err)
			}
			got, assessErr := assessJSON(e, []byte(reqJSON))
			if want, ok := expect["error"]; ok {
				checkError(t, assessErr, want)
				return
			}
			if assessErr != nil {
				t.Fatalf("%s: unexpected error: %v", gc.Name, assessErr)
			}
			checkResult(t, got, expect)
		})
	}
}

// assessJSON runs a request through the decoder, the engine and the JSON
// encoder, as the CLI and the API do, and decodes the answer generically.
func assessJSON(e *calc.Engine, req []byte) (map[string]any, error) {
	r, err := calc.DecodeRequest(req)
	if err != nil {
		return nil, err
	}
	res, err := e.Assess(r)
	if err != nil {
		return nil, err
	}
	out, err := json.Marshal(res)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(out))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		return nil, err
	}
	return m, nil
}

func checkError(t *testing.T, err error, want any) {
	t.Helper()
	w, ok := want.(map[string]any)
	if !ok {
		t.Fatalf("expect.error must be a mapping of code and path")
	}
	var ce *calc.Error
	if !errors.As(err, &ce) {
		t.Fatalf("want error %v, got %v", w, err)
	}
	if ce.Kind != calc.KindInvalid {
		t.Errorf("kind %s, want invalid", ce.Kind)
	}
	for _, fe := range ce.Errors {
		if fe.Code == w["code"] && fe.Path == w["path"] {
			if sub, ok := w["message_contains"].(string); ok && !strings.Contains(fe.Message, sub) {
				t.Errorf("message %q does not contain %q", fe.Message, sub)
			}
			return
		}
	}
	t.Errorf("want error %v at %v, got %v", w["code"], w["path"], ce.Errors)
}

func checkResult(t *testing.T, got, expect map[string]any) {
	t.Helper()
	for k, v := range expect {
		switch k {
		case "lines":
			checkLines(t, got["lines"].([]any), v.([]any))
		case "warnings":
			checkWarnings(t, got["warnings"].([]any), v.([]any))
		case "months":
			for _, wm := range v.([]any) {
				want := wm.(map[string]any)
				found := false
				for _, gm := range got["months"].([]any) {
					if gm.(map[string]any)["month"] == want["month"] {
						found = true
						compareFields(t, "month "+fmt.Sprint(want["month"]), gm.(map[string]any), want)
					}
				}
				if !found {
					t.Errorf("month %v missing", want["month"])
				}
			}
		default:
			if fmt.Sprint(got[k]) != fmt.Sprint(v) {
				t.Errorf("%s = %v, want %v", k, got[k], v)
			}
		}
	}
}

func checkWarnings(t *testing.T, got, want []any) {
	t.Helper()
	for _, w := range want {
		code := w.(map[string]any)["code"]
		found := false
		for _, g := range got {
			found = found || g.(map[string]any)["code"] == code
		}
		if !found {
			t.Errorf("warning %v missing", code)
		}
	}
}

// checkLines finds each expected line by pollutant (and source, month
// when given) and compares the listed fields.
func checkLines(t *testing.T, got, want []any) {
	t.Helper()
	for _, w := range want {
		wl := w.(map[string]any)
		var match map[string]any
		n := 0
		for _, g := range got {
			gl := g.(map[string]any)
			ok := true
			for _, key := range []string{"pollutant", "source", "month"} {
				if v, has := wl[key]; has && gl[key] != v {
					ok = false
				}
			}
			if ok {
				match = gl
				n++
			}
		}
		if n != 1 {
			t.Errorf("expected line %v matches %d lines", wl, n)
			continue
		}
		compareFields(t, fmt.Sprint(wl["pollutant"]), match, wl)
	}
}

func compareFields(t *testing.T, what string, got, want map[string]any) {
	t.Helper()
	for k, v := range want {
		g, ok := got[k]
		if !ok {
			// Omitted fields are false/zero in the JSON shape.
			switch v {
			case false, json.Number("0"):
				continue
			}
			t.Errorf("%s: field %s missing, want %v", what, k, v)
			continue
		}
		if fmt.Sprint(g) != fmt.Sprint(v) {
			t.Errorf("%s: %s = %v, want %v", what, k, g, v)
		}
	}
}

package api_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"testing"

	"github.com/ecotax/ecotax/api"
	"github.com/ecotax/ecotax/store/storetest"
)

// fileExample registers the sources of the shipped Chongqing quarter
// (fixtures/examples/chongqing-chemical-2024Q1.json) for taxpayer A — one
// source per outlet and pollutant, noise point, waste — and files its
// figures as a declaration; it returns the declaration's id.
func fileExample(tb testing.TB, e *env) int64 {
	tb.Helper()
	var req struct {
		Sources []map[string]any `json:"sources"`
	}
	dec := json.NewDecoder(bytes.NewReader(exampleRequest(tb)))
	dec.UseNumber()
	if err := dec.Decode(&req); err != nil {
		tb.Fatal(err)
	}
	if r := e.do("tax_officer", "POST", "/v1/taxpayers", map[string]any{"credit_code": codeA, "name": "重庆示例化工有限公司", "region": "500107"}, nil); r.status != 201 {
		tb.Fatalf("taxpayer: %d %s", r.status, trim(r.body))
	}
	ids := map[string]int64{}
	source := func(key string, in map[string]any) int64 {
		if id, ok := ids[key]; ok {
			return id
		}
		in["valid_from"] = "2018-01-01"
		r := e.do("enterprise", "POST", "/v1/taxpayers/"+codeA+"/sources", in, nil)
		if r.status != 201 {
			tb.Fatalf("source %s: %d %s", key, r.status, trim(r.body))
		}
		var out struct{ ID int64 }
		r.json(tb, &out)
		ids[key] = out.ID
		return out.ID
	}
	var figs []map[string]any
	for _, s := range req.Sources {
		kind, id, month := s["kind"].(string), s["id"].(string), s["month"].(string)
		name, _ := s["name"].(string)
		switch kind {
		case "air", "water":
			for _, p := range s["pollutants"].([]any) {
				p := p.(map[string]any)
				in := map[string]any{"outlet_no": id, "outlet_name": name, "kind": kind, "pollutant": p["name"], "fugitive": s["fugitive"] == true}
				if m, ok := p["method"]; ok {
					in["method"] = m
				}
				if sc, ok := p["standard_concentration"]; ok {
					in["standard_concentration"] = sc
				}
				f := map[string]any{"source_id": source(kind+id+p["name"].(string), in), "month": month}
				for _, k := range []string{"emission_kg", "avg_concentration", "max_concentration", "value", "measured", "standard"} {
					if v, ok := p[k]; ok {
						f[k] = v
					}
				}
				if w, ok := s["wastewater_t"]; ok {
					f["wastewater_t"] = w
				}
				figs = append(figs, f)
			}
		case "noise":
			day, night := s["day"].(map[string]any), s["night"].(map[string]any)
			in := map[string]any{"outlet_no": id, "outlet_name": name, "kind": kind, "day_limit_db": day["limit_db"], "night_limit_db": night["limit_db"]}
			figs = append(figs, map[string]any{"source_id": source(kind+id, in), "month": month,
				"day_measured_db": day["measured_db"], "day_exceed_days": day["exceed_days"],
				"night_measured_db": night["measured_db"], "night_exceed_days": night["exceed_days"]})
		case "solid_waste":
			in := map[string]any{"outlet_no": id, "outlet_name": name, "kind": kind, "pollutant": s["waste"]}
			f := map[string]any{"source_id": source(kind+id, in), "month": month}
			for _, k := range []string{"generated_t", "stored_t", "disposed_t", "utilized_t"} {
				f[k] = s[k]
			}
			figs = append(figs, f)
		}
	}
	r := e.do("enterprise", "POST", "/v1/taxpayers/"+codeA+"/declarations", map[string]any{"period": "2024-Q1", "figures": figs}, nil)
	if r.status != 201 {
		tb.Fatalf("declaration: %d %s", r.status, trim(r.body))
	}
	var d struct{ ID int64 }
	r.json(tb, &d)
	return d.ID
}

// post sends a request as the enterprise without the OpenAPI check of
// e.do, so that a benchmark times the server alone.
func (e *env) post(tb testing.TB, path string, body string) []byte {
	req, _ := http.NewRequest("POST", e.srv.URL+path, bytes.NewReader([]byte(body)))
	req.Header.Set("Authorization", "Bearer "+e.tokens["enterprise"])
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer res.Body.Close()
	out, _ := io.ReadAll(res.Body)
	if res.StatusCode >= 300 {
		tb.Fatalf("%s: %d %s", path, res.StatusCode, trim(out))
	}
	return out
}

// BenchmarkFilingPath times the filing path of the shipped Chongqing
// quarter (41 sources, 3 months) through the API as a client sees it:
// the pre-check of the draft (load the sources and figures, check them,
// build the engine request, assess, answer), and a correction filed and
// submitted (a new revision, its figures copied, assessed and stored).
// The same file runs against an older commit to compare (docs/architecture.md).
func BenchmarkFilingPath(b *testing.B) {
	e := newEnv(b, storetest.OpenSQLite(b), api.Config{})
	id := fileExample(b, e)
	path := "/v1/declarations/" + strconv.FormatInt(id, 10)
	b.Run("precheck", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			e.post(b, path+"/precheck", "")
		}
	})
	e.post(b, path+"/submit", `{"version":1}`)
	b.Run("correct+submit", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var d struct {
				ID      int64 `json:"id"`
				Version int   `json:"version"`
			}
			json.Unmarshal(e.post(b, path+"/corrections", ""), &d)
			path = "/v1/declarations/" + strconv.FormatInt(d.ID, 10)
			e.post(b, path+"/submit", `{"version":`+strconv.Itoa(d.Version)+`}`)
		}
	})
}

// The example files as a declaration whose pre-check assesses every line.
func TestFilingPathExample(t *testing.T) {
	e := newEnv(t, storetest.OpenSQLite(t), api.Config{})
	id := fileExample(t, e)
	var out struct {
		OK         bool
		Errors     []map[string]any
		Assessment struct {
			TotalTax string `json:"total_tax"`
			Lines    []any  `json:"lines"`
		}
	}
	if err := json.Unmarshal(e.post(t, "/v1/declarations/"+strconv.FormatInt(id, 10)+"/precheck", ""), &out); err != nil {
		t.Fatal(err)
	}
	if !out.OK || len(out.Assessment.Lines) < 60 || out.Assessment.TotalTax == "" {
		t.Fatalf("pre-check: ok %v, %d lines, errors %v", out.OK, len(out.Assessment.Lines), out.Errors)
	}
	// The same quarter through the public calculator: the same tax.
	calc := e.do("", "POST", "/v1/tax/assessments", string(exampleRequest(t)), nil)
	var want struct {
		TotalTax string `json:"total_tax"`
		Lines    []any  `json:"lines"`
	}
	calc.json(t, &want)
	if want.TotalTax != out.Assessment.TotalTax || len(want.Lines) != len(out.Assessment.Lines) {
		t.Errorf("declaration: %s in %d lines; calculator: %s in %d lines", out.Assessment.TotalTax, len(out.Assessment.Lines), want.TotalTax, len(want.Lines))
	}
}

package api_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/ecotax/ecotax/api"
	"github.com/ecotax/ecotax/store/storetest"
)

// The calculator's trace levels: the default is summary; full is the
// contract's full trace; none has no steps; all three give the same
// lines, months, parameters and totals; a summary step has the number
// of the same step in the full trace.
func TestAssessTraceLevels(t *testing.T) {
	e := newEnv(t, storetest.OpenSQLite(t), api.Config{})
	body := string(exampleRequest(t))
	type result struct {
		TraceLevel string            `json:"trace_level"`
		TotalTax   string            `json:"total_tax"`
		Lines      []json.RawMessage `json:"lines"`
		Months     json.RawMessage   `json:"months"`
		Parameters []json.RawMessage `json:"parameters"`
		Trace      []struct {
			N    int    `json:"n"`
			Step string `json:"step"`
			Text string `json:"text"`
		} `json:"trace"`
	}
	get := func(q string) result {
		t.Helper()
		r := e.do("", "POST", "/v1/tax/assessments"+q, body, nil)
		if r.status != 200 {
			t.Fatalf("%s: %d %s", q, r.status, trim(r.body))
		}
		var res result
		if err := json.Unmarshal(r.body, &res); err != nil {
			t.Fatal(err)
		}
		return res
	}
	def, full, sum, none := get(""), get("?trace=full"), get("?trace=summary"), get("?trace=none")
	if def.TraceLevel != "summary" || sum.TraceLevel != "summary" || none.TraceLevel != "none" || full.TraceLevel != "" {
		t.Fatalf("trace_level: default %q, summary %q, none %q, full %q", def.TraceLevel, sum.TraceLevel, none.TraceLevel, full.TraceLevel)
	}
	if len(none.Trace) != 0 || len(sum.Trace) == 0 || len(sum.Trace) >= len(full.Trace) {
		t.Fatalf("steps: full %d, summary %d, none %d", len(full.Trace), len(sum.Trace), len(none.Trace))
	}
	byN := map[int]string{}
	for _, s := range full.Trace {
		byN[s.N] = s.Step + "\x00" + s.Text
	}
	for _, s := range sum.Trace {
		if byN[s.N] != s.Step+"\x00"+s.Text {
			t.Fatalf("summary step %d (%s) is not step %d of the full trace", s.N, s.Step, s.N)
		}
		switch s.Step {
		case "equivalents", "rate", "tax_due", "reduction":
			t.Fatalf("summary keeps arithmetic step %d %s", s.N, s.Step)
		}
	}
	for _, r := range []result{sum, none} {
		if r.TotalTax != full.TotalTax || string(r.Months) != string(full.Months) || len(r.Lines) != len(full.Lines) || len(r.Parameters) != len(full.Parameters) {
			t.Fatalf("%s: figures differ from the full answer", r.TraceLevel)
		}
		for _, l := range r.Lines {
			airWater := strings.Contains(string(l), `"kind":"air"`) || strings.Contains(string(l), `"kind":"water"`)
			if airWater && strings.Contains(string(l), `"taxed":true`) && strings.Contains(string(l), `"rate"`) && !strings.Contains(string(l), `"params":[`) {
				t.Fatalf("%s: taxed line without its parameters: %s", r.TraceLevel, l)
			}
		}
	}
	if r := e.do("", "POST", "/v1/tax/assessments?trace=all", body, nil); r.status != 400 {
		t.Fatalf("trace=all: %d", r.status)
	}
}

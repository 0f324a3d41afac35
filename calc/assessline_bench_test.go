package calc_test

import (
	"slices"
	"testing"

	"github.com/ecotax/ecotax/internal/jsontest"

	"github.com/ecotax/ecotax/calc"
)

// BenchmarkAssessLine: the engine alone (AssessTrace and Release, as the
// batch and the API call it) per line at the levels the batch and the API
// use, on decoded declarations: 100 (few enough to stay in the caches, as a declaration just decoded is) of the batch benchmark's kind (20
// pollutant lines each, half with concentrations), and the shipped
// Chongqing quarter (50 times an iteration). It reports the CPU time per line (cpu-ns/line): on
// a shared machine, compare it only with a run of another build made in
// the same minutes.
func BenchmarkAssessLine(b *testing.B) {
	e := testEngine(b)
	batch := benchDeclarations(b, 100)
	quarter := fileRequest(b, "../fixtures/examples/chongqing-chemical-2024Q1.json")
	for _, c := range []struct {
		name string
		reqs []*calc.Request
	}{{"batch", slices.Repeat(batch, 10)}, {"quarter", slices.Repeat([]*calc.Request{quarter}, 50)}} {
		for _, level := range []calc.TraceLevel{calc.TraceNone, calc.TraceSummary} {
			b.Run(c.name+"/"+level.String(), func(b *testing.B) {
				b.ReportAllocs()
				lines := 0
				c0 := processCPU()
				for b.Loop() {
					for _, req := range c.reqs {
						res, err := e.AssessTrace(req, level)
						if err != nil {
							b.Fatal(err)
						}
						lines += len(res.Lines)
						res.Release()
					}
				}
				cpu := processCPU() - c0
				b.ReportMetric(float64(cpu.Nanoseconds())/float64(lines), "cpu-ns/line")
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(lines), "ns/line")
			})
		}
	}
}

// benchDeclarations decodes n declarations like the batch benchmark's
// (cmd/ecotax benchJSONL).
func benchDeclarations(b *testing.B, n int) []*calc.Request {
	reqs := make([]*calc.Request, 0, n)
	for i := 0; i < n; i++ {
		req, err := calc.DecodeRequest(jsontest.BatchDeclaration(i))
		if err != nil {
			b.Fatal(err)
		}
		reqs = append(reqs, req)
	}
	return reqs
}

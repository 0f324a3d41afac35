package calc_test

import (
	"testing"

	"github.com/ecotax/ecotax/calc"
)

// BenchmarkAppendJSON: the result writer alone, per pollutant line, on
// the batch benchmark's declarations (20 lines, assessed without a trace
// as ecotax calc --jsonl does, written at none) and on the shipped
// Chongqing quarter (traced, written at summary, the API's default, and
// at none). CPU time per operation, not wall time, is the figure to
// compare on a machine shared with other work.
func BenchmarkAppendJSON(b *testing.B) {
	e := testEngine(b)
	batch := newBenchBatch(0).reqs[:10]
	var untraced []*calc.Result
	lines := 0
	for _, req := range batch {
		res, err := e.AssessTrace(req, calc.TraceNone)
		if err != nil {
			b.Fatal(err)
		}
		untraced = append(untraced, res)
		lines += len(res.Lines)
	}
	b.Run("batch/none", func(b *testing.B) {
		b.ReportAllocs()
		var buf []byte
		c0 := processCPU()
		for b.Loop() {
			buf = buf[:0]
			for _, res := range untraced {
				buf = res.AppendJSON(buf, calc.TraceNone)
			}
		}
		b.ReportMetric(float64((processCPU()-c0).Nanoseconds())/float64(b.N*lines), "cpu-ns/line")
	})
	res := fileResult(b, e, "../fixtures/examples/chongqing-chemical-2024Q1.json")
	for _, level := range []calc.TraceLevel{calc.TraceSummary, calc.TraceNone, calc.TraceFull} {
		b.Run("quarter/"+level.String(), func(b *testing.B) {
			b.ReportAllocs()
			var buf []byte
			c0 := processCPU()
			for b.Loop() {
				buf = res.AppendJSON(buf[:0], level)
			}
			b.ReportMetric(float64((processCPU()-c0).Nanoseconds())/float64(b.N), "cpu-ns/op")
			b.ReportMetric(float64(len(buf)), "bytes/answer")
		})
	}
}

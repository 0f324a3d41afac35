package main

import (
	"bytes"
	"testing"

	"github.com/ecotax/ecotax/calc"
)

// BenchmarkDecodeJSONL: decoding alone of calc --jsonl's benchmark lines
// (20 pollutant lines each), per pollutant line of CPU time: fresh is
// calc.DecodeRequest, reuse a calc.Decoder kept from line to line as
// each batch worker keeps one.
func BenchmarkDecodeJSONL(b *testing.B) {
	lines := bytes.Split(bytes.TrimSuffix(benchJSONL(2_000), []byte("\n")), []byte("\n"))
	run := func(b *testing.B, decode func([]byte) (*calc.Request, error)) {
		n := 0
		c0 := cpuTime()
		for b.Loop() {
			for _, line := range lines {
				req, err := decode(line)
				if err != nil {
					b.Fatal(err)
				}
				for i := range req.Sources {
					n += len(req.Sources[i].Pollutants)
				}
			}
		}
		b.ReportMetric(float64(cpuTime()-c0)/float64(n), "cpu-ns/line")
	}
	b.Run("fresh", func(b *testing.B) { run(b, calc.DecodeRequest) })
	b.Run("reuse", func(b *testing.B) {
		var dec calc.Decoder
		run(b, dec.Decode)
	})
}

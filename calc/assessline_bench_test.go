package calc_test

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

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
	data, err := os.ReadFile("../fixtures/examples/chongqing-chemical-2024Q1.json")
	if err != nil {
		b.Fatal(err)
	}
	quarter, err := calc.DecodeRequest(data)
	if err != nil {
		b.Fatal(err)
	}
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
	air := []string{"二氧化硫", "氮氧化物", "烟尘", "一氧化碳", "氯化氢", "甲苯", "硫化氢"}
	water := []string{"化学需氧量", "生化需氧量", "氨氮", "总磷", "悬浮物", "石油类", "总铬", "总镍", "挥发酚", "总锌"}
	reqs := make([]*calc.Request, 0, n)
	for i := 0; i < n; i++ {
		var sb strings.Builder
		sb.WriteString(`{"region":"500107","period":"2024-01","rounding":"per_line_2dp","rates":{"air":"2.4","water":"3"},"sources":[`)
		for o, src := range []struct {
			kind, id string
			n        int
		}{{"air", "DA001", 5}, {"air", "DA002", 5}, {"water", "DW001", 10}} {
			if o > 0 {
				sb.WriteByte(',')
			}
			fmt.Fprintf(&sb, `{"id":"%s","kind":"%s","month":"2024-01","pollutants":[`, src.id, src.kind)
			for j := 0; j < src.n; j++ {
				name := air[(j+o)%len(air)]
				if src.kind == "water" {
					name = water[j]
				}
				if j > 0 {
					sb.WriteByte(',')
				}
				fmt.Fprintf(&sb, `{"name":"%s","emission_kg":"%d.%02d","method":"automatic"`, name, (i*7919+j*104729)%100000, (i+j)%100)
				if i%2 == 0 {
					sb.WriteString(`,"avg_concentration":"40","max_concentration":"60","standard_concentration":"100"`)
				}
				sb.WriteByte('}')
			}
			sb.WriteString("]}")
		}
		sb.WriteString("]}")
		req, err := calc.DecodeRequest([]byte(sb.String()))
		if err != nil {
			b.Fatal(err)
		}
		reqs = append(reqs, req)
	}
	return reqs
}

package budget_test

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/ecotax/ecotax/budget"
	"github.com/ecotax/ecotax/budget/report"
	"github.com/ecotax/ecotax/calc"
)

// benchInput is a region of n taxpayers, each with twelve declared months
// of two air and one water pollutant, and three scenarios (a rate step, an
// emission trend, a neutral one): four outcomes.
func benchInput(b *testing.B, n int) (*budget.Input, []budget.Scenario) {
	c := calculators(b)
	var tps []doc
	for i := 0; i < n; i++ {
		var months []doc
		for m := 1; m <= 12; m++ {
			month := fmt.Sprintf("2021-%02d", m)
			months = append(months, doc{"month": month, "basis": "declaration", "declared_tax": "1000.00",
				"requests": []doc{{"region": "500103", "sources": []doc{
					{"id": "DA001", "kind": "air", "month": month, "pollutants": []doc{
						{"name": "二氧化硫", "emission_kg": fmt.Sprintf("%d.%02d", 100+i, m)},
						{"name": "氮氧化物", "emission_kg": fmt.Sprintf("%d.5", 80+m)}}},
					{"id": "DW001", "kind": "water", "month": month, "pollutants": []doc{
						{"name": "化学需氧量", "emission_kg": fmt.Sprintf("%d", 2000+i)}}}}}}})
		}
		tps = append(tps, doc{"credit_code": fmt.Sprintf("91500000MA5U%05dX", i), "name": "n", "district": []string{"500103", "500104", "500105"}[i%3], "months": months})
	}
	data, err := json.Marshal(doc{"region": "500000", "year": 2021, "taxpayers": tps, "scenarios": []doc{
		{"id": "step", "rates": []doc{{"class": "air", "value": "2.4"}}},
		{"id": "trend", "trends": doc{"air": "-5", "water": "3"}},
		{"id": "zero", "trends": doc{"air": "0"}}}})
	if err != nil {
		b.Fatal(err)
	}
	in, scs, err := budget.DecodeInput(data, c, limits)
	if err != nil {
		b.Fatal(err)
	}
	return in, scs
}

// engineOnly is the yardstick: the tax engine run on every month's request
// as many times as the budget runs it (once for the base, once per
// scenario), with no copying, aggregation or explanation.
func engineOnly(b *testing.B, e *calc.Engine, in *budget.Input, runs int) {
	for r := 0; r < runs; r++ {
		for _, tp := range in.Taxpayers {
			for _, m := range tp.Months {
				for _, req := range m.Requests {
					if _, err := e.Assess(req); err != nil {
						b.Fatal(err)
					}
				}
			}
		}
	}
}

// BenchmarkBudget: go test ./budget -run X -bench Budget -benchtime 3x.
// "interleaved" runs the budget and the yardstick on each iteration and
// reports budget/engine, the figure that stays meaningful on a shared
// machine.
func BenchmarkBudget(b *testing.B) {
	c := calculators(b)
	in, scs := benchInput(b, 100)
	b.Run("engine-only", func(b *testing.B) {
		for b.Loop() {
			engineOnly(b, c.Engine, in, 1+len(scs))
		}
	})
	b.Run("budget", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := budget.Compute(c, in, scs); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("interleaved", func(b *testing.B) {
		var tb, te time.Duration
		for b.Loop() {
			t0 := time.Now()
			if _, err := budget.Compute(c, in, scs); err != nil {
				b.Fatal(err)
			}
			t1 := time.Now()
			engineOnly(b, c.Engine, in, 1+len(scs))
			tb, te = tb+t1.Sub(t0), te+time.Since(t1)
		}
		b.ReportMetric(tb.Seconds()/te.Seconds(), "budget/engine")
	})
}

// BenchmarkReport compares writing the same budget as XLSX and as SVG with
// encoding it as JSON (interleaved, ratios reported).
func BenchmarkReport(b *testing.B) {
	c := calculators(b)
	in, scs := benchInput(b, 100)
	res, err := budget.Compute(c, in, scs)
	if err != nil {
		b.Fatal(err)
	}
	var tj, tx, ts time.Duration
	for b.Loop() {
		t0 := time.Now()
		if _, err := json.Marshal(res); err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		if _, err := report.ViewXLSX(report.NewView(res, nil)); err != nil {
			b.Fatal(err)
		}
		t2 := time.Now()
		report.SVG(res)
		tj, tx, ts = tj+t1.Sub(t0), tx+t2.Sub(t1), ts+time.Since(t2)
	}
	b.ReportMetric(tx.Seconds()/tj.Seconds(), "xlsx/json")
	b.ReportMetric(ts.Seconds()/tj.Seconds(), "svg/json")
}

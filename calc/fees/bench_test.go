package fees

import (
	"testing"

	"github.com/shopspring/decimal"
)

// Benchmarks compare the engine with a hand-written decimal computation of
// the same bill in the same run; read the ratio, not the absolute time:
//
//	go test ./calc/fees -run XXX -bench . -count 5

func benchWater() *Schedule {
	return sched(
		Part{Name: "supply", Kind: KindBlock, Label: "s", Rates: []Rate{tier(">=0", "<=180", "1.42"), tier(">180", "<=300", "2.13"), tier(">300", "", "4.26")}},
		Part{Name: "sewage", Kind: KindPerUnit, Label: "w", Rates: []Rate{{Price: nd("1.42"), Rule: "r", Meta: testMeta}}},
		Part{Name: "resource", Kind: KindPerUnit, Label: "r", Rates: []Rate{{Price: nd("0.20"), Rule: "r", Meta: testMeta}}},
	)
}

var sink decimal.Decimal

func BenchmarkEngineWaterBlock(b *testing.B) {
	s := benchWater()
	if err := Validate(s); err != nil {
		b.Fatal(err)
	}
	req := Request{Date: day, Quantity: d("350")}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		r, err := Calculate(s, req)
		if err != nil {
			b.Fatal(err)
		}
		sink = r.Total.Decimal
	}
}

// BenchmarkBaselineWaterBlock is the same bill without the engine: three
// tiers and two flat parts in straight decimal code, no trace.
func BenchmarkBaselineWaterBlock(b *testing.B) {
	q := d("350")
	bounds := []decimal.Decimal{d("0"), d("180"), d("300")}
	prices := []decimal.Decimal{d("1.42"), d("2.13"), d("4.26")}
	flat := d("1.42").Add(d("0.20"))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		total := decimal.Zero
		for j := range bounds {
			top := q
			if j+1 < len(bounds) && bounds[j+1].LessThan(q) {
				top = bounds[j+1]
			}
			if p := top.Sub(bounds[j]); p.Sign() > 0 {
				total = total.Add(p.Mul(prices[j]))
			}
		}
		sink = total.Add(q.Mul(flat))
	}
	if !sink.Equal(d("1291.2")) {
		b.Fatal(sink)
	}
}

func BenchmarkEngineAluminiumStep(b *testing.B) {
	s := sched(
		Part{Name: "sur", Kind: KindStep, Label: "s", Measure: "m", Rates: []Rate{{Lower: bound(">13650", true), Step: nd("20"), Partial: Ceil, Price: nd("0.01"), Rule: "r", Meta: testMeta}}},
		Part{Name: "late", Kind: KindMultiply, Label: "l", Targets: []string{"sur"}, Rates: []Rate{{When: []Cond{{"late", "=", "yes"}}, Factor: nd("1.5"), Rule: "r", Meta: testMeta}}},
	)
	s.Inputs = []Input{{Name: "m", Type: Number, Unit: "kWh/t", Label: "m"}, {Name: "late", Type: Choice, Choices: []string{"no", "yes"}, Label: "l"}}
	if err := Validate(s); err != nil {
		b.Fatal(err)
	}
	req := Request{Date: day, Quantity: d("1000000"), Inputs: map[string]string{"m": "13750", "late": "yes"}}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		r, err := Calculate(s, req)
		if err != nil {
			b.Fatal(err)
		}
		sink = r.Total.Decimal
	}
}

func BenchmarkBaselineAluminiumStep(b *testing.B) {
	q, m := d("1000000"), d("13750")
	threshold, step, price, late := d("13650"), d("20"), d("0.01"), d("1.5")
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		n, rem := m.Sub(threshold).QuoRem(step, 0)
		if rem.Sign() > 0 {
			n = n.Add(decimal.NewFromInt(1))
		}
		sink = n.Mul(price).Mul(q).Mul(late)
	}
	if !sink.Equal(d("75000")) {
		b.Fatal(sink)
	}
}

package calc_test

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/ecotax/ecotax/calc"
)

// The benchmark set is about one million pollutant lines: 50,000
// declarations of one month, each with two air outlets and one water outlet
// (20 pollutant lines), half of them with concentrations (so half the lines
// get a reduction). It is generated deterministically in batches of 1,000
// declarations outside the timer, as a server would receive them, so that
// neither sub-benchmark pays for scanning a gigabyte of live input.
const (
	benchRequests = 50_000
	benchBatch    = 1_000
	benchLines    = 20
)

type benchBatchData struct {
	reqs []*calc.Request
	// The same figures as flat slices, for the bare kernel.
	qty, value, rate, share, std, avg []decimal.Decimal
	reduce                            []bool
}

var (
	benchAir   = []struct{ name, value string }{{"二氧化硫", "0.95"}, {"氮氧化物", "0.95"}, {"烟尘", "2.18"}, {"一氧化碳", "16.7"}, {"氯化氢", "10.75"}, {"甲苯", "0.18"}, {"硫化氢", "0.29"}}
	benchWater = []struct{ name, value string }{{"化学需氧量", "1"}, {"生化需氧量", "0.5"}, {"氨氮", "0.8"}, {"总磷", "0.25"}, {"悬浮物", "4"}, {"石油类", "0.1"}, {"总铬", "0.04"}, {"总镍", "0.025"}, {"挥发酚", "0.08"}, {"总锌", "0.2"}}
)

func newBenchBatch(first int) *benchBatchData {
	airRate, waterRate := decimal.RequireFromString("2.4"), decimal.RequireFromString("3")
	half := decimal.RequireFromString("0.5")
	s := &benchBatchData{}
	for i := first; i < first+benchBatch; i++ {
		rng := rand.New(rand.NewPCG(uint64(i), 2))
		amount := func() decimal.Decimal { return decimal.New(rng.Int64N(10_000_000), -int32(rng.IntN(3))) }
		req := &calc.Request{Rounding: calc.PerLine2dp, Region: "500107"}
		req.Rates.Air = decimal.NullDecimal{Decimal: airRate, Valid: true}
		req.Rates.Water = decimal.NullDecimal{Decimal: waterRate, Valid: true}
		withConc := i%2 == 0
		for o, spec := range []struct {
			kind, id string
			n        int
		}{{calc.KindAir, "DA001", 5}, {calc.KindAir, "DA002", 5}, {calc.KindWater, "DW001", 10}} {
			src := calc.Source{Path: fmt.Sprintf("sources[%d]", o), ID: spec.id, Kind: spec.kind, MonthRaw: "2024-01", Month: 202401}
			for j := 0; j < spec.n; j++ {
				name, value, rate := benchAir[(j+o)%len(benchAir)].name, benchAir[(j+o)%len(benchAir)].value, airRate
				if spec.kind == calc.KindWater {
					name, value, rate = benchWater[j].name, benchWater[j].value, waterRate
				}
				q := amount()
				p := calc.PollutantInput{Path: fmt.Sprintf("%s.pollutants[%d]", src.Path, j), Name: name,
					EmissionKg: decimal.NullDecimal{Decimal: q, Valid: true}, Method: "automatic"}
				std, avg := decimal.NewFromInt(100), decimal.NewFromInt(40)
				if withConc {
					p.AvgConcentration = decimal.NullDecimal{Decimal: avg, Valid: true}
					p.MaxConcentration = decimal.NullDecimal{Decimal: decimal.NewFromInt(60), Valid: true}
					p.StandardConcentration = decimal.NullDecimal{Decimal: std, Valid: true}
				}
				src.Pollutants = append(src.Pollutants, p)
				s.qty = append(s.qty, q)
				s.value = append(s.value, decimal.RequireFromString(value))
				s.rate = append(s.rate, rate)
				s.share = append(s.share, half)
				s.std, s.avg = append(s.std, std), append(s.avg, avg)
				s.reduce = append(s.reduce, withConc)
			}
			req.Sources = append(req.Sources, src)
		}
		s.reqs = append(s.reqs, req)
	}
	return s
}

var sink decimal.Decimal

// processCPU is the CPU time the process has used (user and system).
func processCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkAssess compares the engine with a bare shopspring kernel doing
// the same per-line arithmetic (当量数 to 2 dp, tax due, the two
// concentration tests, reduction, tax, totals) over the same lines in the
// same run. The ratio of their ns/line is the engine's overhead: names,
// ranking, rules, rate lookup, trace and result building.
func BenchmarkAssess(b *testing.B) {
	e := testEngine(b)
	one := decimal.NewFromInt(1)
	r70, r50 := decimal.RequireFromString("0.7"), decimal.RequireFromString("0.5")
	lines := benchRequests * benchLines
	run := func(b *testing.B, work func(*benchBatchData)) {
		b.ReportAllocs()
		var mallocs uint64
		var ms0, ms1 runtime.MemStats
		for n := 0; n < b.N; n++ {
			for first := 0; first < benchRequests; first += benchBatch {
				b.StopTimer()
				batch := newBenchBatch(first)
				runtime.ReadMemStats(&ms0)
				b.StartTimer()
				work(batch)
				b.StopTimer()
				runtime.ReadMemStats(&ms1)
				mallocs += ms1.Mallocs - ms0.Mallocs
				b.StartTimer()
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(lines), "ns/line")
		b.ReportMetric(float64(mallocs)/float64(b.N)/float64(lines), "allocs/line")
	}
	kernel := func(s *benchBatchData) {
		var due, red, tax decimal.Decimal
		for i := range s.qty {
			eq := s.qty[i].DivRound(s.value[i], 2)
			d := eq.Mul(s.rate[i]).Round(2)
			r := decimal.Zero
			if s.reduce[i] && s.avg[i].LessThan(s.std[i].Mul(r70)) {
				if s.avg[i].LessThan(s.std[i].Mul(r50)) {
					r = d.Mul(one.Sub(s.share[i])).Round(2)
				}
			}
			due, red, tax = due.Add(d), red.Add(r), tax.Add(d.Sub(r))
		}
		sink = tax
	}
	engine := func(s *benchBatchData) {
		for _, req := range s.reqs {
			res, err := e.Assess(req)
			if err != nil {
				b.Fatal(err)
			}
			sink = res.TotalTax
		}
	}
	b.Run("kernel", func(b *testing.B) { run(b, kernel) })
	b.Run("engine", func(b *testing.B) { run(b, engine) })
	// interleaved runs both on each batch, alternately, and reports the
	// ratio of their times: on a shared machine the load changes between
	// two sub-benchmarks, but hardly within one batch.
	//
	// It also reports the ratio of the process's CPU time in each
	// (engine/kernel-cpu): on a machine shared with other work, wall time
	// includes the minutes the scheduler gave to others, CPU time does
	// not (it includes the garbage collector's work done meanwhile, which
	// is each side's own cost as long as it falls on the side that made
	// the garbage).
	b.Run("interleaved", func(b *testing.B) {
		var tk, te, ck, ce time.Duration
		for n := 0; n < b.N; n++ {
			for first := 0; first < benchRequests; first += benchBatch {
				batch := newBenchBatch(first)
				c0, t0 := processCPU(), time.Now()
				kernel(batch)
				c1, t1 := processCPU(), time.Now()
				engine(batch)
				c2, t2 := processCPU(), time.Now()
				tk, te = tk+t1.Sub(t0), te+t2.Sub(t1)
				ck, ce = ck+c1-c0, ce+c2-c1
			}
		}
		b.ReportMetric(float64(te)/float64(tk), "engine/kernel")
		b.ReportMetric(float64(ce)/float64(ck), "engine/kernel-cpu")
	})
}

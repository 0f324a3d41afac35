package calc_test

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/ecotax/ecotax/calc"
)

// BenchmarkRoundTrip measures what the public calculator does per request
// (decode, assess, encode the result with its trace) against encoding/json
// reading the same request into untyped values and writing it back, in
// the same run.
func BenchmarkRoundTrip(b *testing.B) {
	e := testEngine(b)
	for name, file := range map[string]string{"contract": "testdata/contract-full.json", "quarter": "../fixtures/examples/chongqing-chemical-2024Q1.json"} {
		data, err := os.ReadFile(file)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(name+"/std", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				var v any
				if err := json.Unmarshal(data, &v); err != nil {
					b.Fatal(err)
				}
				if _, err := json.Marshal(v); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(name+"/ecotax", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				roundTrip(b, e, data, calc.TraceFull)
			}
		})
	}
}

// BenchmarkOnePollutant is the smallest useful request, where the fixed
// cost per request (parameters, warnings, trace) shows.
func BenchmarkOnePollutant(b *testing.B) {
	e := testEngine(b)
	data := []byte(`{"region":"500000","period":"2024-01","rates":{"air":"2.4"},"sources":[{"id":"DA001","kind":"air","month":"2024-01","pollutants":[{"name":"二氧化硫","emission_kg":"100","method":"automatic","avg_concentration":"120","max_concentration":"150","standard_concentration":"200"}]}]}`)
	req, err := calc.DecodeRequest(data)
	if err != nil {
		b.Fatal(err)
	}
	res, err := e.Assess(req)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("decode", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := calc.DecodeRequest(data); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("assess", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := e.Assess(req); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encode", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := res.MarshalJSON(); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkEncodeContract writes the contract example's result, the part
// of the public calculator's answer that grows with the request.
func BenchmarkEncodeContract(b *testing.B) {
	e := testEngine(b)
	res := fileResult(b, e, "testdata/contract-full.json")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := res.MarshalJSON(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkQuarterLevels: the shipped Chongqing quarter (72 lines) through
// decode, assess and write at each trace level.
func BenchmarkQuarterLevels(b *testing.B) {
	e := testEngine(b)
	data, err := os.ReadFile("../fixtures/examples/chongqing-chemical-2024Q1.json")
	if err != nil {
		b.Fatal(err)
	}
	for _, level := range []calc.TraceLevel{calc.TraceFull, calc.TraceSummary, calc.TraceNone} {
		b.Run(level.String(), func(b *testing.B) {
			b.ReportAllocs()
			var size int
			for b.Loop() {
				size = len(roundTrip(b, e, data, level))
			}
			b.ReportMetric(float64(size), "bytes/answer")
		})
	}
}

// roundTrip is the calculator's path: decode, assess, write at a level.
func roundTrip(b *testing.B, e *calc.Engine, data []byte, level calc.TraceLevel) []byte {
	req, err := calc.DecodeRequest(data)
	if err != nil {
		b.Fatal(err)
	}
	res, err := e.Assess(req)
	if err != nil {
		b.Fatal(err)
	}
	return res.AppendJSON(nil, level)
}

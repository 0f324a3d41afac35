package calc_test

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/ecotax/ecotax/calc"
)

// A request the decoder accepts is one Validate accepts: the decoder is
// decoding plus Validate, so a builder that fills the same values cannot
// be refused where the JSON would pass.
func TestValidateAcceptsDecodedExamples(t *testing.T) {
	files, _ := filepath.Glob("../fixtures/examples/*.json")
	if len(files) == 0 {
		t.Fatal("no shipped examples")
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		req, err := calc.DecodeRequest(data)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if errs := req.Validate(); errs != nil {
			t.Errorf("%s: decoded, then refused: %v", f, errs)
		}
	}
}

func nd(s string) decimal.NullDecimal { return decimal.NewNullDecimal(decimal.RequireFromString(s)) }

// air is a valid one-source request built in code.
func air() *calc.Request {
	return &calc.Request{
		Region: "500107",
		Period: calc.Period{Kind: calc.PeriodMonth, Text: "2024-03", Year: 2024, First: 3, Last: 3},
		Sources: []calc.Source{{Path: "sources[0]", ID: "DA001", Kind: calc.KindAir, MonthRaw: "2024-03", Month: 202403,
			Pollutants: []calc.PollutantInput{{Path: "sources[0].pollutants[0]", Name: "二氧化硫", EmissionKg: nd("100")}}}},
	}
}

// Each fault of a request built in code is named at its path, all of them
// in one pass.
func TestValidateNamesEveryFault(t *testing.T) {
	if errs := air().Validate(); errs != nil {
		t.Fatalf("a valid request refused: %v", errs)
	}
	type fault struct{ path, code string }
	for name, c := range map[string]struct {
		spoil func(r *calc.Request)
		want  []fault
	}{
		"region 000000": {func(r *calc.Request) { r.Region = "000000" }, []fault{{"region", "invalid_value"}}},
		"period 2017":   {func(r *calc.Request) { r.Period = calc.Period{Text: "2017-01"} }, []fault{{"period", "invalid_value"}}},
		"period month 13": {func(r *calc.Request) { r.Period.First, r.Period.Last = 13, 13 },
			[]fault{{"period", "invalid_value"}}},
		"rounding":  {func(r *calc.Request) { r.Rounding = "nearest" }, []fault{{"rounding", "invalid_value"}}},
		"policy":    {func(r *calc.Request) { r.Policy.ExceedScope = "world" }, []fault{{"policy.exceed_scope", "invalid_value"}}},
		"rate":      {func(r *calc.Request) { r.Rates.Air = nd("-1.2") }, []fault{{"rates.air", "invalid_number"}}},
		"no source": {func(r *calc.Request) { r.Sources = nil }, []fault{{"sources", "required"}}},
		"kind":      {func(r *calc.Request) { r.Sources[0].Kind = "radiation" }, []fault{{"sources[0].kind", "invalid_value"}}},
		"several at once": {func(r *calc.Request) {
			s := &r.Sources[0]
			s.ID, s.MonthRaw, s.Month = " ", "2024-13", 0
			s.Pollutants[0].Name = ""
			s.Pollutants[0].EmissionKg = nd("0.0000000000001")
			s.Pollutants[0].Method = "guess"
			s.Pollutants[0].StandardConcentration = nd("0")
		}, []fault{{"sources[0].id", "required"}, {"sources[0].month", "invalid_value"},
			{"sources[0].pollutants[0].name", "required"}, {"sources[0].pollutants[0].method", "invalid_value"},
			{"sources[0].pollutants[0].standard_concentration", "invalid_number"}, {"sources[0].pollutants[0].emission_kg", "invalid_number"}}},
		"above 1e15": {func(r *calc.Request) { r.Sources[0].Pollutants[0].EmissionKg = nd("1000000000000000.01") },
			[]fault{{"sources[0].pollutants[0].emission_kg", "invalid_number"}}},
		"kg and t": {func(r *calc.Request) { r.Sources[0].Pollutants[0].EmissionT = nd("1") },
			[]fault{{"sources[0].pollutants[0].emission_t", "invalid_value"}}},
		"misplaced": {func(r *calc.Request) { r.Sources[0].Species = "猪" }, []fault{{"sources[0].species", "unknown_field"}}},
		"no pollutant": {func(r *calc.Request) { r.Sources[0].Pollutants = nil },
			[]fault{{"sources[0].pollutants", "required"}}},
		"paths from positions": {func(r *calc.Request) {
			r.Sources[0].Path, r.Sources[0].Pollutants[0].Path = "", ""
			r.Sources[0].Pollutants[0].Name = " "
		}, []fault{{"sources[0].pollutants[0].name", "required"}}},
		"noise": {func(r *calc.Request) {
			r.Sources = append(r.Sources, calc.Source{Path: "sources[1]", ID: "N1", Kind: calc.KindNoise, MonthRaw: "2024-03", Month: 202403,
				Day: &calc.NoisePeriod{Path: "sources[1].day", LimitDB: nd("65"), ExceedDays: 40, ExceedDaysGiven: true, Burst: "frequent", PeakDB: nd("90")}},
				calc.Source{Path: "sources[2]", ID: "N2", Kind: calc.KindNoise, MonthRaw: "2024-03", Month: 202403})
		}, []fault{{"sources[1].day.measured_db", "required"}, {"sources[1].day.exceed_days", "invalid_number"},
			{"sources[1].day.peak_db", "invalid_value"}, {"sources[2].day", "required"}}},
		"solid waste": {func(r *calc.Request) {
			r.Sources = append(r.Sources, calc.Source{Path: "sources[1]", ID: "S1", Kind: calc.KindSolidWaste, MonthRaw: "2024-03", Month: 202403,
				StoredT: nd("-1")})
		}, []fault{{"sources[1].waste", "required"}, {"sources[1].generated_t", "required"}, {"sources[1].stored_t", "invalid_number"}}},
	} {
		t.Run(name, func(t *testing.T) {
			r := air()
			c.spoil(r)
			var got []fault
			for _, e := range r.Validate() {
				if e.Message == "" {
					t.Errorf("%s: no message", e.Path)
				}
				got = append(got, fault{e.Path, e.Code})
			}
			if !slices.Equal(got, c.want) {
				t.Errorf("faults\n got  %v\n want %v", got, c.want)
			}
		})
	}
}

// The decoder reports a malformed value once: not also as missing.
func TestDecodeReportsMalformedOnce(t *testing.T) {
	_, err := calc.DecodeRequest([]byte(`{"sources":[{"id":"W","kind":"solid_waste","month":7,"waste":"尾矿","generated_t":"-3"}]}`))
	ce, ok := err.(*calc.Error)
	if !ok {
		t.Fatalf("want a *calc.Error, got %v", err)
	}
	seen := map[string]int{}
	for _, e := range ce.Errors {
		seen[e.Path]++
	}
	if seen["sources[0].month"] != 1 || seen["sources[0].generated_t"] != 1 || len(seen) != 2 {
		t.Fatalf("faults %v", ce.Errors)
	}
}

// Whatever the bytes, a request the decoder returns passes Validate.
func FuzzDecodeThenValidate(f *testing.F) {
	files, _ := filepath.Glob("../fixtures/examples/*.json")
	for _, file := range files {
		if data, err := os.ReadFile(file); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte(`{"sources":[{"id":"N","kind":"noise","month":"2024-01","night":{"limit_db":"55","measured_db":"58","exceed_days":29,"burst":"occasional","peak_db":"80.5"}}]}`))
	f.Add([]byte(`{"rounding":"exact","policy":{"exceed_scope":"outlet"},"sources":[{"id":"S","kind":"sampling","month":"2024-01","item":"小型企业","quantity":"3"}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		req, err := calc.DecodeRequest(data)
		if err != nil {
			if req != nil {
				t.Fatal("a refused request came back")
			}
			return
		}
		if errs := req.Validate(); errs != nil {
			t.Fatalf("decoded, then refused: %v", errs)
		}
	})
}

package filing

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"testing"

	"github.com/shopspring/decimal"
)

var update = flag.Bool("update", false, "rewrite golden files")

func dec(s string) decimal.NullDecimal {
	return decimal.NullDecimal{Decimal: decimal.RequireFromString(s), Valid: true}
}

func intp(n int) *int { return &n }

func exampleDeclaration() (*Taxpayer, Period, map[int64]*Source, []Figure) {
	tp := &Taxpayer{CreditCode: "91350100M000100Y43", Name: "示例化工有限公司", Region: "500000"}
	per, _ := ParsePeriod("2024-Q1")
	srcs := map[int64]*Source{
		1: {ID: 1, OutletNo: "DA001", Kind: KindAir, Pollutant: "二氧化硫", Method: "automatic", StandardConcentration: dec("200"), ValidFrom: "2018-01-01"},
		2: {ID: 2, OutletNo: "DA001", Kind: KindAir, Pollutant: "氮氧化物", Method: "automatic", ValidFrom: "2018-01-01"},
		3: {ID: 3, OutletNo: "DW001", Kind: KindWater, Pollutant: "化学需氧量", ValidFrom: "2018-01-01"},
		4: {ID: 4, OutletNo: "DW001", Kind: KindWater, Pollutant: "pH值", ValidFrom: "2018-01-01"},
		5: {ID: 5, OutletNo: "N1", Kind: KindNoise, DayLimitDB: dec("65"), ValidFrom: "2018-01-01", MultiplePoints: true},
		6: {ID: 6, OutletNo: "S1", Kind: KindSolidWaste, Pollutant: "尾矿", ValidFrom: "2018-01-01"},
	}
	figs := []Figure{
		{SourceID: 1, Month: "2024-01", EmissionKg: dec("100"), AvgConcentration: dec("120"), MaxConcentration: dec("150")},
		{SourceID: 2, Month: "2024-01", EmissionKg: dec("80")},
		{SourceID: 3, Month: "2024-01", EmissionKg: dec("2880"), WastewaterT: dec("24000")},
		{SourceID: 4, Month: "2024-01", Value: dec("4"), WastewaterT: dec("24000")},
		{SourceID: 5, Month: "2024-01", DayMeasuredDB: dec("77.6"), DayExceedDays: intp(16)},
		{SourceID: 6, Month: "2024-01", GeneratedT: dec("1000"), StoredT: dec("200"), DisposedT: dec("0"), UtilizedT: dec("300")},
		{SourceID: 1, Month: "2024-02", EmissionKg: dec("90")},
	}
	return tp, per, srcs, figs
}

func TestBuildRequestGolden(t *testing.T) {
	tp, per, srcs, figs := exampleDeclaration()
	if errs := CheckFigures(per, srcs, figs); len(errs) > 0 {
		t.Fatalf("figures rejected: %v", errs)
	}
	b, errs := BuildRequest(tp, per, srcs, figs)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	var out bytes.Buffer
	if err := json.Indent(&out, b.JSON, "", "  "); err != nil {
		t.Fatal(err)
	}
	out.WriteByte('\n')
	const golden = "testdata/request.golden.json"
	if *update {
		os.WriteFile(golden, out.Bytes(), 0o644)
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out.Bytes(), want) {
		t.Errorf("request differs from %s (run with -update after checking):\n%s", golden, out.Bytes())
	}
	paths := map[string]string{
		"sources[0].pollutants[1].emission_kg":            "figures[1].emission_kg",
		"sources[0].pollutants[0].standard_concentration": "figures[0].source_id",
		"sources[1].wastewater_t":                         "figures[2].wastewater_t",
		"sources[1].pollutants[1].value":                  "figures[3].value",
		"sources[2].day.exceed_days":                      "figures[4].day_exceed_days",
		"sources[2].day.limit_db":                         "figures[4].source_id",
		"sources[3].waste":                                "figures[5].source_id",
		"sources[3].utilized_t":                           "figures[5].utilized_t",
		"sources[4].pollutants[0]":                        "figures[6]",
		"sources[9]":                                      "figures",
	}
	for in, want := range paths {
		if got := b.FigurePath(in); got != want {
			t.Errorf("FigurePath(%s) = %s, want %s", in, got, want)
		}
	}
}

func TestCheckFigures(t *testing.T) {
	tp, per, srcs, figs := exampleDeclaration()
	_ = tp
	srcs[2].ValidTo = "2024-01-31"
	bad := append([]Figure{}, figs...)
	bad = append(bad,
		Figure{SourceID: 1, Month: "2024-04", EmissionKg: dec("1")},      // outside the quarter
		Figure{SourceID: 99, Month: "2024-01"},                           // unknown source
		Figure{SourceID: 1, Month: "2024-01", EmissionKg: dec("1")},      // duplicate
		Figure{SourceID: 5, Month: "2024-02", GeneratedT: dec("1")},      // wrong kind
		Figure{SourceID: 2, Month: "2024-03", EmissionKg: dec("1")},      // source ended
		Figure{SourceID: 5, Month: "2024-03", NightMeasuredDB: dec("1")}, // no night limit
	)
	errs := CheckFigures(per, srcs, bad)
	want := map[string]string{
		"figures[7].month":              "month_outside_period",
		"figures[8].source_id":          "unknown_source",
		"figures[9]":                    "duplicate_figure",
		"figures[10].generated_t":       "not_applicable",
		"figures[11].month":             "source_not_valid",
		"figures[12].night_measured_db": "not_applicable",
	}
	got := map[string]string{}
	for _, e := range errs {
		got[e.Path] = e.Code
	}
	for p, c := range want {
		if got[p] != c {
			t.Errorf("%s: got %q, want %q (all: %v)", p, got[p], c, errs)
		}
	}
	if len(errs) != len(want) {
		t.Errorf("%d errors, want %d: %v", len(errs), len(want), errs)
	}
	missing := Missing(per, []*Source{srcs[1], srcs[2]}, figs)
	// Source 1 lacks March; source 2 (ended in January) lacks nothing more.
	if len(missing) != 1 {
		t.Errorf("missing: %v", missing)
	}
}

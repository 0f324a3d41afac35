package filing

import (
	"cmp"
	"errors"
	"fmt"
	"math/big"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
	"pgregory.net/rapid"

	"github.com/ecotax/ecotax/calc"
)

// sameRequest reports the first difference between two requests, "" when
// there is none. Decimals must agree in coefficient and exponent, not only
// in value: the engine gets exactly what the decoder would have given it.
func sameRequest(a, b *calc.Request) string {
	return diffValue("request", reflect.ValueOf(a), reflect.ValueOf(b))
}

var decimalType = reflect.TypeOf(decimal.Decimal{})

func diffValue(path string, a, b reflect.Value) string {
	if a.Type() == decimalType {
		x, y := a.Interface().(decimal.Decimal), b.Interface().(decimal.Decimal)
		if x.Exponent() != y.Exponent() || x.Coefficient().Cmp(y.Coefficient()) != 0 {
			return fmt.Sprintf("%s: %s (exp %d) vs %s (exp %d)", path, x, x.Exponent(), y, y.Exponent())
		}
		return ""
	}
	switch a.Kind() {
	case reflect.Pointer:
		if a.IsNil() || b.IsNil() {
			if a.IsNil() != b.IsNil() {
				return path + ": nil vs not nil"
			}
			return ""
		}
		return diffValue(path, a.Elem(), b.Elem())
	case reflect.Struct:
		for i := 0; i < a.NumField(); i++ {
			if d := diffValue(path+"."+a.Type().Field(i).Name, a.Field(i), b.Field(i)); d != "" {
				return d
			}
		}
		return ""
	case reflect.Slice:
		if a.Len() != b.Len() {
			return fmt.Sprintf("%s: %d vs %d elements", path, a.Len(), b.Len())
		}
		for i := 0; i < a.Len(); i++ {
			if d := diffValue(fmt.Sprintf("%s[%d]", path, i), a.Index(i), b.Index(i)); d != "" {
				return d
			}
		}
		return ""
	default:
		if !reflect.DeepEqual(a.Interface(), b.Interface()) {
			return fmt.Sprintf("%s: %#v vs %#v", path, a.Interface(), b.Interface())
		}
		return ""
	}
}

// fataler is what checkDirect needs of a *testing.T or a *rapid.T.
type fataler interface {
	Helper()
	Fatalf(format string, args ...any)
}

// checkDirect builds the declaration both ways and compares: the same
// errors from the builder; where the decoder accepts the JSON, the direct
// request is the decoded one; where it refuses, Validate refuses the
// direct request with the same faults. No JSON is written either way. It
// returns whether the request was accepted.
func checkDirect(t fataler, tp *Taxpayer, per Period, srcs map[int64]*Source, figs []Figure, pens map[FigureKey]PenaltyBase) bool {
	t.Helper()
	viaJSON, errs1 := BuildRequestWith(tp, per, srcs, figs, pens)
	direct, errs2 := BuildDirect(tp, per, srcs, figs, pens)
	if !reflect.DeepEqual(errs1, errs2) {
		t.Fatalf("builder errors differ:\n json:   %v\n direct: %v", errs1, errs2)
	}
	if errs1 != nil {
		return false
	}
	want, werr := calc.DecodeRequest(viaJSON.JSON)
	got, gerr := direct.Request()
	if (werr == nil) != (gerr == nil) {
		t.Fatalf("the decoder says %v, the direct request %v\n%s", werr, gerr, viaJSON.JSON)
	}
	if werr != nil {
		// The same faults, worded alike; the decoder lists those of the
		// JSON's shape first, so compare them as sets.
		if w, g := sortedFaults(werr), sortedFaults(gerr); !reflect.DeepEqual(w, g) {
			t.Fatalf("errors differ:\n decoder: %v\n direct:  %v", w, g)
		}
		return false
	}
	if gerr != nil {
		t.Fatalf("direct request refused: %v", gerr)
	}
	if d := sameRequest(want, got); d != "" {
		t.Fatalf("direct request differs from the decoded JSON: %s\n%s", d, viaJSON.JSON)
	}
	// The same links back to the figures, found directly as by the scan.
	if !reflect.DeepEqual(viaJSON.links, direct.links) {
		t.Fatalf("links differ")
	}
	for _, l := range direct.links {
		for _, p := range []string{l.prefix, l.prefix + ".emission_kg", l.prefix + "[0]", l.prefix + "x"} {
			got, grest := direct.find(p)
			want, wrest := direct.scan(p)
			if got != want || grest != wrest {
				t.Fatalf("find(%s) = %v %q, the scan gives %v %q", p, got, grest, want, wrest)
			}
		}
	}
	return true
}

func TestBuildDirectGolden(t *testing.T) {
	tp, per, srcs, figs := exampleDeclaration()
	if !checkDirect(t, tp, per, srcs, figs, nil) {
		t.Fatal("the example declaration did not take the direct path")
	}
	// With penalty bases: an air outlet-month and a solid-waste stream.
	pens := map[FigureKey]PenaltyBase{
		{1, "2024-01"}: {Case: "no_monitoring_installed", GeneratedKg: dec("300")},
		{2, "2024-01"}: {Case: "no_monitoring_installed"},
		{6, "2024-01"}: {Case: "illegal_dumping"},
	}
	if !checkDirect(t, tp, per, srcs, figs, pens) {
		t.Fatal("the example declaration with penalties did not take the direct path")
	}
	pens[FigureKey{1, "2024-01"}] = PenaltyBase{Case: "no_monitoring\xff", GeneratedKg: dec("300.50")}
	if !checkDirect(t, tp, per, srcs, figs, pens) {
		t.Fatal("a penalty case with invalid UTF-8 did not take the direct path")
	}
	// Figures as a database gives them back: NUMERIC keeps trailing zeros.
	figs2 := append([]Figure{}, figs...)
	figs2[0].EmissionKg = decimal.NullDecimal{Decimal: decimal.New(10000, -2), Valid: true}
	figs2[1].EmissionKg = decimal.NullDecimal{Decimal: decimal.New(8, 1), Valid: true}
	figs2[2].EmissionKg = decimal.NullDecimal{Decimal: decimal.New(0, -3), Valid: true}
	if !checkDirect(t, tp, per, srcs, figs2, nil) {
		t.Fatal("trailing zeros: not direct")
	}
	// Every refusal is Validate's, worded as the decoder words it.
	for name, spoil := range map[string]func(s map[int64]*Source, f []Figure){
		"negative":       func(s map[int64]*Source, f []Figure) { f[0].EmissionKg = dec("-1") },
		"13 decimals":    func(s map[int64]*Source, f []Figure) { f[0].EmissionKg = dec("0.0000000000001") },
		"above 1e15":     func(s map[int64]*Source, f []Figure) { f[0].EmissionKg = dec("1000000000000000.01") },
		"bad method":     func(s map[int64]*Source, f []Figure) { s[1].Method = "guess" },
		"zero standard":  func(s map[int64]*Source, f []Figure) { s[1].StandardConcentration = dec("0.00") },
		"bad month":      func(s map[int64]*Source, f []Figure) { f[0].Month = "2024-13" },
		"blank outlet":   func(s map[int64]*Source, f []Figure) { s[1].OutletNo = "  " },
		"unknown kind":   func(s map[int64]*Source, f []Figure) { s[1].Kind = "radiation" },
		"no noise level": func(s map[int64]*Source, f []Figure) { f[4].DayMeasuredDB = decimal.NullDecimal{} },
		"days above 31":  func(s map[int64]*Source, f []Figure) { f[4].DayExceedDays = intp(32) },
		"fugitive water": func(s map[int64]*Source, f []Figure) { s[3].Fugitive = true },
		"no waste":       func(s map[int64]*Source, f []Figure) { s[6].Pollutant = "" },
		"no generated_t": func(s map[int64]*Source, f []Figure) { f[5].GeneratedT = decimal.NullDecimal{} },
		// A blank name was let through to the engine before Validate;
		// it is a missing name, and now said so.
		"blank pollutant": func(s map[int64]*Source, f []Figure) { s[2].Pollutant = "  " },
	} {
		tp, per, srcs, figs := exampleDeclaration()
		spoil(srcs, figs)
		if checkDirect(t, tp, per, srcs, figs, nil) {
			t.Errorf("%s: the decoder accepted it", name)
		}
	}
	// Accepted oddities: the decoder takes them, so must the direct path.
	for name, spoil := range map[string]func(tp *Taxpayer, s map[int64]*Source, f []Figure){
		"invalid UTF-8 name": func(tp *Taxpayer, s map[int64]*Source, f []Figure) { tp.Name = "示例\xff\xfe化工" },
		"spaced pollutant":   func(tp *Taxpayer, s map[int64]*Source, f []Figure) { s[2].Pollutant = " 氮氧化物\t" },
		"exactly 1e15":       func(tp *Taxpayer, s map[int64]*Source, f []Figure) { f[0].EmissionKg = dec("1000000000000000.000") },
		"12 decimals":        func(tp *Taxpayer, s map[int64]*Source, f []Figure) { f[0].EmissionKg = dec("0.000000000001") },
		"big coefficient":    func(tp *Taxpayer, s map[int64]*Source, f []Figure) { f[0].EmissionKg = dec("123456789.123456789000") },
		"no region":          func(tp *Taxpayer, s map[int64]*Source, f []Figure) { tp.Region = "" },
	} {
		tp, per, srcs, figs := exampleDeclaration()
		spoil(tp, srcs, figs)
		if !checkDirect(t, tp, per, srcs, figs, nil) {
			t.Errorf("%s: not direct", name)
		}
	}
}

// TestContractAmount: the direct reading of an amount is ParseAmount of
// its text, coefficient and exponent alike, on any decimal.
func TestContractAmount(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		v := genDecimal(t, "v")
		got, ok := ContractAmount(v)
		want, msg := calc.ParseAmount(v.String())
		if ok != (msg == "") {
			t.Fatalf("%s (coefficient %s, exp %d): ok %v, ParseAmount says %q", v, v.Coefficient(), v.Exponent(), ok, msg)
		}
		if ok && (got.Exponent() != want.Exponent() || got.Coefficient().Cmp(want.Coefficient()) != 0) {
			t.Fatalf("%s: got %s exp %d, want %s exp %d", v, got, got.Exponent(), want, want.Exponent())
		}
	})
}

// genDecimal draws decimals of every shape: small and huge coefficients,
// trailing zeros, negative, positive and very negative exponents.
func genDecimal(t *rapid.T, label string) decimal.Decimal {
	exp := int32(rapid.IntRange(-20, 20).Draw(t, label+".exp"))
	switch rapid.IntRange(0, 5).Draw(t, label+".shape") {
	case 0: // a figure as typed: a few digits
		return decimal.New(rapid.Int64Range(0, 100000).Draw(t, label+".c"), int32(rapid.IntRange(-4, 1).Draw(t, label+".e")))
	case 1: // with trailing zeros, as NUMERIC gives them back
		c := rapid.Int64Range(0, 1000).Draw(t, label+".c")
		z := rapid.IntRange(0, 6).Draw(t, label+".z")
		return decimal.New(c*pow10[z], -int32(z)-int32(rapid.IntRange(0, 3).Draw(t, label+".f")))
	case 2: // up to 16 digits, around the 12-decimal limit
		c := rapid.Int64Range(-1_000_000_000_000, 9_999_999_999_999_999).Draw(t, label+".c")
		return decimal.New(c, int32(rapid.IntRange(-16, 4).Draw(t, label+".e")))
	case 3:
		return decimal.New(rapid.Int64().Draw(t, label+".c"), exp)
	case 4: // beyond int64
		c := new(big.Int).Lsh(big.NewInt(rapid.Int64Range(1, 1<<40).Draw(t, label+".c")), uint(rapid.IntRange(24, 80).Draw(t, label+".sh")))
		if rapid.Bool().Draw(t, label+".neg") {
			c.Neg(c)
		}
		return decimal.NewFromBigInt(c, exp)
	default: // near the limits: 1e15 and 12 decimals
		c := pow10[15+rapid.IntRange(0, 3).Draw(t, label+".k")] + rapid.Int64Range(-2, 2).Draw(t, label+".d")
		return decimal.New(c, -int32(rapid.IntRange(0, 3).Draw(t, label+".k2")))
	}
}

// rare is true about once in 40 draws: each declaration has dozens of
// values, and one odd value spoils the whole request. (Not 0: rapid
// draws the ends of a range more often than the middle.)
func rare(t *rapid.T, label string) bool { return rapid.IntRange(0, 39).Draw(t, label) == 23 }

// genText draws the strings a database may hold: ordinary ones and,
// rarely, blanks, spaced ones and invalid UTF-8.
func genText(t *rapid.T, label string, usual ...string) string {
	if rare(t, label+".odd") {
		return rapid.SampledFrom([]string{"", " ", " x ", "a\xffb", "\xc3", "引号\"与\\反斜杠\n"}).Draw(t, label)
	}
	return rapid.SampledFrom(usual).Draw(t, label)
}

// genAmount draws a figure as typed or as NUMERIC gives it back and,
// rarely, any decimal at all.
func genAmount(t *rapid.T, label string) decimal.Decimal {
	if rare(t, label+".odd") {
		return genDecimal(t, label)
	}
	c := rapid.Int64Range(0, 10_000_000).Draw(t, label+".c")
	return decimal.New(c, -int32(rapid.IntRange(0, 5).Draw(t, label+".e")))
}

func genNull(t *rapid.T, label string) decimal.NullDecimal {
	if rapid.Bool().Draw(t, label+".set") {
		return decimal.NullDecimal{}
	}
	return decimal.NullDecimal{Decimal: genAmount(t, label), Valid: true}
}

// genDeclaration draws a declaration of every kind of source, mostly
// sensible and sometimes not, unchecked (the builder must cope).
func genDeclaration(t *rapid.T) (*Taxpayer, Period, map[int64]*Source, []Figure, map[FigureKey]PenaltyBase) {
	tp := &Taxpayer{CreditCode: genText(t, "cc", "91350100M000100Y43"), Name: genText(t, "name", "示例化工有限公司"),
		Region: genText(t, "region", "500000", "500101", "110105")}
	if rare(t, "badRegion") {
		tp.Region = rapid.SampledFrom([]string{"5001", "50010a", "５00000"}).Draw(t, "region")
	}
	per, err := ParsePeriod(rapid.SampledFrom([]string{"2024-Q1", "2023-Q4", "2024-03-15"}).Draw(t, "period"))
	if err != nil {
		t.Fatal(err)
	}
	if rare(t, "badPeriod") {
		per.Text = rapid.SampledFrom([]string{"2017-Q1", "2024-Q5", "2024-02", "2024-02-30", "2024"}).Draw(t, "periodText")
	}
	kinds := []string{KindAir, KindWater, KindNoise, KindSolidWaste, KindLivestock, KindSampling}
	pollutants := map[string][]string{
		KindAir:        {"二氧化硫", "氮氧化物", "一氧化碳", "烟尘"},
		KindWater:      {"化学需氧量", "氨氮", "pH值", "色度", "大肠菌群数"},
		KindNoise:      {""},
		KindSolidWaste: {"尾矿", "煤矸石", "危险废物"},
		KindLivestock:  {"牛", "猪", "鸡"},
		KindSampling:   {"小型企业", "饮食娱乐服务业"},
		"radiation":    {"氡"},
	}
	months := per.Months()
	srcs := map[int64]*Source{}
	n := rapid.IntRange(1, 6).Draw(t, "sources")
	for id := int64(1); id <= int64(n); id++ {
		kind := rapid.SampledFrom(kinds).Draw(t, "kind")
		if rare(t, "badKind") {
			kind = "radiation"
		}
		method := ""
		if kind == KindAir || kind == KindWater {
			method = rapid.SampledFrom([]string{"", "automatic", "factor", "monitoring"}).Draw(t, "method")
		}
		if rare(t, "badMethod") {
			method = "guess"
		}
		s := &Source{ID: id, Kind: kind, OutletNo: genText(t, "outlet", "DA001", "DA002", "DW001"),
			Pollutant: genText(t, "pollutant", pollutants[kind]...), Fugitive: kind == KindAir && rapid.IntRange(0, 5).Draw(t, "fug") == 0 || rare(t, "badFug"),
			Method: method, StandardConcentration: genNull(t, "std"), DayLimitDB: genNull(t, "day"), NightLimitDB: genNull(t, "night"),
			MultiplePoints: rapid.Bool().Draw(t, "multi")}
		srcs[id] = s
	}
	var figs []Figure
	pens := map[FigureKey]PenaltyBase{}
	days := func(label string) *int {
		if rapid.IntRange(0, 4).Draw(t, label+".set") == 0 {
			return nil
		}
		d := rapid.IntRange(0, 31).Draw(t, label)
		if rare(t, label+".odd") {
			d = rapid.SampledFrom([]int{-1, 32, 100}).Draw(t, label)
		}
		return &d
	}
	for i := rapid.IntRange(1, 10).Draw(t, "figures"); i > 0; i-- {
		f := Figure{SourceID: rapid.Int64Range(1, int64(n)).Draw(t, "source"), Month: rapid.SampledFrom(months).Draw(t, "month")}
		if rare(t, "badSource") {
			f.SourceID = 99
		}
		if rare(t, "badMonth") {
			f.Month = rapid.SampledFrom([]string{"2024-13", "202401", "2024-Q1", "", "2024-00", "2024-+1", "2024--1", "+024-01",
				"2017-12", "3000-01", "2999-12", "2024-1a", "2024-1", "2024/01", "2024-011"}).Draw(t, "month")
		}
		// The fields of the source's kind, and rarely any other.
		kind := ""
		if s := srcs[f.SourceID]; s != nil {
			kind = s.Kind
		}
		want := func(label string, kinds ...string) decimal.NullDecimal {
			if oneOf(kind, kinds) || rare(t, label+".other") {
				if rapid.IntRange(0, 4).Draw(t, label+".set") > 0 {
					return decimal.NullDecimal{Decimal: genAmount(t, label), Valid: true}
				}
			}
			return decimal.NullDecimal{}
		}
		f.EmissionKg = want("kg", KindAir, KindWater)
		f.WastewaterT = want("ww", KindWater)
		f.AvgConcentration, f.MaxConcentration = want("avg", KindAir, KindWater), want("max", KindAir, KindWater)
		f.Value, f.Measured, f.Standard = want("value", KindWater), want("measured", KindWater), want("standard", KindWater)
		f.DayMeasuredDB, f.NightMeasuredDB = want("dayDB", KindNoise), want("nightDB", KindNoise)
		if kind == KindNoise {
			f.DayExceedDays, f.NightExceedDays = days("dayDays"), days("nightDays")
		}
		f.GeneratedT, f.StoredT = want("gen", KindSolidWaste), want("stored", KindSolidWaste)
		f.DisposedT, f.UtilizedT = want("disposed", KindSolidWaste), want("utilized", KindSolidWaste)
		f.StockStart, f.StockEnd = want("start", KindLivestock), want("end", KindLivestock)
		f.Quantity = want("qty", KindSampling)
		if rapid.IntRange(0, 4).Draw(t, "penalised") == 0 {
			pens[FigureKey{f.SourceID, f.Month}] = PenaltyBase{Case: genText(t, "case", "no_monitoring_installed", "illegal_dumping"), GeneratedKg: genNull(t, "pkg")}
		}
		figs = append(figs, f)
	}
	return tp, per, srcs, figs, pens
}

// genSensible draws a declaration that CheckFigures accepts, with
// decimals as a database returns them: the declarations a
// reconciliation meets.
func genSensible(t *rapid.T) (*Taxpayer, Period, map[int64]*Source, []Figure) {
	tp := &Taxpayer{CreditCode: "91350100M000100Y43", Name: "示例化工有限公司", Region: rapid.SampledFrom([]string{"500000", "500101", "110105", "440300"}).Draw(t, "region")}
	per, _ := ParsePeriod("2024-Q1")
	amount := func(label string) decimal.NullDecimal {
		c := rapid.Int64Range(0, 10_000_000).Draw(t, label)
		return decimal.NullDecimal{Decimal: decimal.New(c, -int32(rapid.IntRange(0, 4).Draw(t, label+".e"))), Valid: true}
	}
	srcs := map[int64]*Source{}
	air := []string{"二氧化硫", "氮氧化物", "一氧化碳", "烟尘", "硫化氢"}
	water := []string{"化学需氧量", "氨氮", "总磷", "悬浮物"}
	id := int64(0)
	for _, outlet := range []string{"DA001", "DA002", "DW001"} {
		names, kind := air, KindAir
		if outlet == "DW001" {
			names, kind = water, KindWater
		}
		for _, p := range names[:rapid.IntRange(1, len(names)).Draw(t, outlet)] {
			id++
			s := &Source{ID: id, Kind: kind, OutletNo: outlet, Pollutant: p, Method: rapid.SampledFrom([]string{"automatic", "factor", ""}).Draw(t, "method")}
			if rapid.Bool().Draw(t, "hasStd") {
				s.StandardConcentration = decimal.NullDecimal{Decimal: decimal.New(rapid.Int64Range(1, 500).Draw(t, "std"), 0), Valid: true}
			}
			srcs[id] = s
		}
	}
	var figs []Figure
	for _, m := range per.Months() {
		for sid := int64(1); sid <= id; sid++ {
			f := Figure{SourceID: sid, Month: m, EmissionKg: amount("kg")}
			if srcs[sid].StandardConcentration.Valid && rapid.Bool().Draw(t, "conc") {
				f.AvgConcentration, f.MaxConcentration = amount("avg"), amount("max")
			}
			if srcs[sid].Kind == KindWater {
				f.WastewaterT = decimal.NullDecimal{Decimal: decimal.New(24000, 0), Valid: true}
			}
			figs = append(figs, f)
		}
	}
	return tp, per, srcs, figs
}

// TestBuildDirectProperty: on any declaration, direct and JSON agree; on
// the sensible ones the direct path is always taken.
func TestBuildDirectProperty(t *testing.T) {
	direct, refused := 0, 0
	rapid.Check(t, func(t *rapid.T) {
		tp, per, srcs, figs, pens := genDeclaration(t)
		if checkDirect(t, tp, per, srcs, figs, pens) {
			direct++
		} else {
			refused++
		}
	})
	t.Logf("%d direct, %d refused", direct, refused)
	// Both outcomes must have been met for the property to say anything.
	if direct == 0 || refused == 0 {
		t.Errorf("generated %d direct and %d refused declarations; the generator needs both", direct, refused)
	}
	rapid.Check(t, func(t *rapid.T) {
		tp, per, srcs, figs := genSensible(t)
		if errs := CheckFigures(per, srcs, figs); len(errs) > 0 {
			t.Fatalf("generator: %v", errs)
		}
		if !checkDirect(t, tp, per, srcs, figs, nil) {
			t.Fatal("a sensible declaration did not take the direct path")
		}
	})
}

// sortedFaults is an error's field faults in path, code and message order.
func sortedFaults(err error) []calc.FieldError {
	var ce *calc.Error
	if !errors.As(err, &ce) {
		return []calc.FieldError{{Message: err.Error()}}
	}
	out := slices.Clone(ce.Errors)
	slices.SortFunc(out, func(a, b calc.FieldError) int {
		return cmp.Or(strings.Compare(a.Path, b.Path), strings.Compare(a.Code, b.Code), strings.Compare(a.Message, b.Message))
	})
	return out
}

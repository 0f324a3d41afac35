package ecocomp_test

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/shopspring/decimal"
	"pgregory.net/rapid"

	"github.com/ecotax/ecotax/calc"
	"github.com/ecotax/ecotax/calc/ecocomp"
	"github.com/ecotax/ecotax/internal/jsontest"
)

var parties = []string{"甲区", "乙区", "丙区", "丁县", "市级财政"}

// genBasin draws a year of sections between a few parties, for the
// Chongqing or the Beijing scheme.
func genBasin(t *rapid.T) *ecocomp.Request {
	req := &ecocomp.Request{Scheme: rapid.SampledFrom([]string{"cq_basin_2018", "beijing_water_2015"}).Draw(t, "scheme"), Year: 2020}
	classes := ecocomp.ClassNames()
	for i, n := 0, rapid.IntRange(1, 6).Draw(t, "sections"); i < n; i++ {
		up := rapid.SampledFrom(parties).Draw(t, "up")
		down := rapid.SampledFrom(parties).Filter(func(p string) bool { return p != up }).Draw(t, "down")
		sec := ecocomp.Section{Path: fmt.Sprintf("sections[%d]", i), ID: fmt.Sprintf("S%d", i), Upstream: up, Downstream: down,
			TargetRaw: rapid.SampledFrom(classes).Draw(t, "target")}
		for m := 1; m <= 12; m++ {
			if rapid.IntRange(0, 5).Draw(t, "skip") == 0 {
				continue
			}
			sec.Periods = append(sec.Periods, ecocomp.Observation{Path: fmt.Sprintf("%s.periods[%d]", sec.Path, len(sec.Periods)),
				Period: fmt.Sprintf("2020-%02d", m), ClassRaw: rapid.SampledFrom(classes).Draw(t, "class"), CompareRaw: rapid.SampledFrom(classes).Draw(t, "compare")})
		}
		if len(sec.Periods) == 0 {
			sec.Periods = append(sec.Periods, ecocomp.Observation{Path: sec.Path + ".periods[0]", Period: "2020-06", ClassRaw: "III", CompareRaw: "II"})
		}
		req.Sections = append(req.Sections, sec)
	}
	return req
}

// TestNettingIsAntisymmetric: A owes B x exactly when B owes A −x, every
// party owes itself nothing, and the balances sum to zero.
func TestNettingIsAntisymmetric(t *testing.T) {
	cat := loadCatalog(t)
	rapid.Check(t, func(t *rapid.T) {
		res, err := ecocomp.Settle(cat, genBasin(t))
		if err != nil {
			t.Fatalf("valid request rejected: %v", err)
		}
		for _, x := range parties {
			if !res.Owes(x, x).IsZero() {
				t.Fatalf("%s owes itself %s", x, res.Owes(x, x))
			}
			for _, y := range parties {
				if !res.Owes(x, y).Equal(res.Owes(y, x).Neg()) {
					t.Fatalf("Owes(%s,%s) = %s but Owes(%s,%s) = %s", x, y, res.Owes(x, y), y, x, res.Owes(y, x))
				}
			}
		}
		checkInvariants(t, res)
	})
}

// TestMonthsSumToYear: settling each month on its own and adding the
// results gives the annual settlement, pair by pair; and each pair's net
// equals the signed sum of its lines.
func TestMonthsSumToYear(t *testing.T) {
	cat := loadCatalog(t)
	rapid.Check(t, func(t *rapid.T) {
		req := genBasin(t)
		year, err := ecocomp.Settle(cat, req)
		if err != nil {
			t.Fatalf("valid request rejected: %v", err)
		}
		for _, x := range parties {
			for _, y := range parties {
				fromLines := decimal.Zero
				for _, l := range year.Lines {
					switch {
					case l.Payer == x && l.Payee == y:
						fromLines = fromLines.Add(l.Amount.Decimal)
					case l.Payer == y && l.Payee == x:
						fromLines = fromLines.Sub(l.Amount.Decimal)
					}
				}
				if !fromLines.Equal(year.Owes(x, y)) {
					t.Fatalf("%s→%s: lines say %s, settlement %s", x, y, fromLines, year.Owes(x, y))
				}
			}
		}
		sum := map[[2]string]decimal.Decimal{}
		for m := 1; m <= 12; m++ {
			period := fmt.Sprintf("2020-%02d", m)
			one := &ecocomp.Request{Scheme: req.Scheme, Year: req.Year}
			for _, s := range req.Sections {
				i := slices.IndexFunc(s.Periods, func(o ecocomp.Observation) bool { return o.Period == period })
				if i < 0 {
					continue
				}
				s.Periods = []ecocomp.Observation{s.Periods[i]}
				one.Sections = append(one.Sections, s)
			}
			if len(one.Sections) == 0 {
				continue
			}
			res, err := ecocomp.Settle(cat, one)
			if err != nil {
				t.Fatalf("month %s rejected: %v", period, err)
			}
			for _, x := range parties {
				for _, y := range parties {
					k := [2]string{x, y}
					sum[k] = sum[k].Add(res.Owes(x, y))
				}
			}
		}
		for _, x := range parties {
			for _, y := range parties {
				if !sum[[2]string{x, y}].Equal(year.Owes(x, y)) {
					t.Fatalf("%s→%s: months add to %s, year says %s", x, y, sum[[2]string{x, y}], year.Owes(x, y))
				}
			}
		}
	})
}

// TestUnknownWaterClassAlwaysErrors: any class spelling outside I…劣V is
// rejected naming its path, and nothing is computed.
func TestUnknownWaterClassAlwaysErrors(t *testing.T) {
	cat := loadCatalog(t)
	valid := ecocomp.ClassNames()
	rapid.Check(t, func(t *rapid.T) {
		bad := rapid.OneOf(rapid.String(), rapid.SampledFrom([]string{"Ⅲ", "iii", "3", "VI", "劣五", "劣Ⅴ", " III", "III ", "II-III"})).
			Filter(func(s string) bool { return s != "" && !slices.Contains(valid, s) }).Draw(t, "bad")
		req := genBasin(t)
		si := rapid.IntRange(0, len(req.Sections)-1).Draw(t, "section")
		pi := rapid.IntRange(0, len(req.Sections[si].Periods)-1).Draw(t, "period")
		var path string
		switch rapid.IntRange(0, 2).Draw(t, "field") {
		case 0:
			req.Sections[si].Periods[pi].ClassRaw = bad
			path = req.Sections[si].Periods[pi].Path + ".class"
		case 1:
			req.Sections[si].Periods[pi].CompareRaw = bad
			path = req.Sections[si].Periods[pi].Path + ".compare_class"
		default:
			req.Sections[si].TargetRaw = bad
			path = req.Sections[si].Path + ".target_class"
		}
		res, err := ecocomp.Settle(cat, req)
		var ce *calc.Error
		if !errors.As(err, &ce) || ce.Code != "unknown_water_class" || len(ce.Errors) != 1 || ce.Errors[0].Path != path {
			t.Fatalf("class %q at %s: got %v", bad, path, err)
		}
		if res != nil {
			t.Fatal("a rejected request must compute nothing")
		}
	})
}

// FuzzDecodeRequest: the decoder never panics; it either rejects the input
// with an invalid-kind *calc.Error whose every field error has a path, a
// code and a message, or yields a request that Settle rejects the same way
// or settles consistently.
func FuzzDecodeRequest(f *testing.F) {
	for _, r := range jsontest.Requests(f, "../../testdata/ecocomp/*.json") {
		f.Add(r)
	}
	f.Add([]byte(`{"scheme":"cq_basin_2018","year":"2019.5"}`))
	f.Add([]byte(`{"scheme":"cq_forest_quota_2018","year":2019,"trades":[{"buyer":"a","seller":"a","date":"2019-02-30","quantity":-1}]}`))
	run := settle(loadCatalog(f))
	f.Fuzz(func(t *testing.T, data []byte) {
		if res := jsontest.Run(t, data, run); res != nil {
			checkInvariants(t, res)
		}
	})
}

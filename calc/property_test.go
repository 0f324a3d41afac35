package calc_test

import (
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
	"pgregory.net/rapid"

	"github.com/ecotax/ecotax/calc"
)

// A pool of statutory names to draw from, chosen to hit the rules: the
// COD/BOD5/TOC and coliform/chlorine groups, class-1 items, pH and 色度.
var (
	airNames   = []string{"二氧化硫", "氮氧化物", "一氧化碳", "氟化物", "氯化氢", "硫酸雾", "烟尘", "一般性粉尘", "甲苯", "硫化氢", "氨"}
	waterNames = []string{"化学需氧量", "生化需氧量", "总有机碳", "悬浮物", "氨氮", "总磷", "石油类", "总汞", "总镉", "总铬", "总砷", "总铅", "总镍", "挥发酚", "pH值", "色度", "大肠菌群数", "余氯量"}
)

func genAmount(t *rapid.T, label string) decimal.Decimal {
	units := rapid.Int64Range(0, 5_000_000).Draw(t, label)
	places := rapid.Int32Range(0, 3).Draw(t, label+"_places")
	return decimal.New(units, -places)
}

// genRequest draws a request of air and water outlets over a quarter.
func genRequest(t *rapid.T, withConcentrations bool) *calc.Request {
	req := &calc.Request{Rounding: calc.Rounding(rapid.SampledFrom([]string{"per_line_2dp", "exact"}).Draw(t, "rounding"))}
	req.Rates.Air = decimal.NullDecimal{Decimal: decimal.RequireFromString("2.4"), Valid: true}
	req.Rates.Water = decimal.NullDecimal{Decimal: decimal.RequireFromString("3"), Valid: true}
	per, _ := calc.ParsePeriod("2024-Q2")
	req.Period = per
	nsrc := rapid.IntRange(1, 6).Draw(t, "sources")
	seen := map[string]bool{}
	for i := 0; i < nsrc; i++ {
		kind := rapid.SampledFrom([]string{calc.KindAir, calc.KindWater}).Draw(t, "kind")
		month := rapid.IntRange(4, 6).Draw(t, "month")
		id := fmt.Sprintf("D%c%03d", kind[0], rapid.IntRange(1, 3).Draw(t, "id"))
		key := fmt.Sprintf("%s-%d", id, month)
		if seen[key] {
			continue
		}
		seen[key] = true
		s := calc.Source{Path: fmt.Sprintf("sources[%d]", len(req.Sources)), ID: id, Kind: kind,
			MonthRaw: fmt.Sprintf("2024-%02d", month), Month: calc.Month(202400 + month)}
		names := airNames
		if kind == calc.KindWater {
			names = waterNames
			s.WastewaterT = decimal.NullDecimal{Decimal: genAmount(t, "ww"), Valid: true}
		}
		picked := rapid.SliceOfNDistinct(rapid.SampledFrom(names), 1, 8, func(s string) string { return s }).Draw(t, "pollutants")
		for j, name := range picked {
			p := calc.PollutantInput{Path: fmt.Sprintf("%s.pollutants[%d]", s.Path, j), Name: name}
			switch name {
			case "pH值":
				p.Value = decimal.NullDecimal{Decimal: decimal.New(rapid.Int64Range(0, 1400).Draw(t, "ph"), -2), Valid: true}
			case "色度":
				p.Measured = decimal.NullDecimal{Decimal: genAmount(t, "measured"), Valid: true}
				p.Standard = decimal.NullDecimal{Decimal: decimal.NewFromInt(rapid.Int64Range(1, 500).Draw(t, "std")), Valid: true}
			case "大肠菌群数", "余氯量":
				if rapid.Bool().Draw(t, "measured_given") {
					p.Measured = decimal.NullDecimal{Decimal: decimal.New(rapid.Int64Range(0, 2000).Draw(t, "measured"), -1), Valid: true}
					p.Standard = decimal.NullDecimal{Decimal: decimal.New(rapid.Int64Range(1, 2000).Draw(t, "std"), -1), Valid: true}
				}
			default:
				p.EmissionKg = decimal.NullDecimal{Decimal: genAmount(t, "kg"), Valid: true}
				if withConcentrations {
					std := decimal.NewFromInt(rapid.Int64Range(1, 400).Draw(t, "std"))
					avg := decimal.NewFromInt(rapid.Int64Range(0, 500).Draw(t, "avg"))
					mx := avg.Add(decimal.NewFromInt(rapid.Int64Range(0, 100).Draw(t, "spread")))
					p.AvgConcentration = decimal.NullDecimal{Decimal: avg, Valid: true}
					p.MaxConcentration = decimal.NullDecimal{Decimal: mx, Valid: true}
					p.StandardConcentration = decimal.NullDecimal{Decimal: std, Valid: true}
					p.Method = rapid.SampledFrom([]string{"", "automatic", "monitoring", "self_monitoring"}).Draw(t, "method")
					if p.Method != "" && p.Method != "automatic" && rapid.Bool().Draw(t, "monitoring_month") {
						p.MonitoringMonthRaw, p.MonitoringMonth = s.MonthRaw, s.Month
					}
				}
			}
			s.Pollutants = append(s.Pollutants, p)
		}
		req.Sources = append(req.Sources, s)
	}
	return req
}

type lineKey struct{ source, kind, month, pollutant string }

func summary(res *calc.Result) map[lineKey]string {
	m := map[lineKey]string{}
	for _, l := range res.Lines {
		m[lineKey{l.Source, l.Kind, l.Month, l.Pollutant}] = fmt.Sprintf("%t %d %s %s %s", l.Taxed, l.Rank, l.TaxDue, l.Reduction, l.Tax)
	}
	return m
}

func mustAssess(t *rapid.T, e *calc.Engine, req *calc.Request) *calc.Result {
	res, err := e.Assess(req)
	if err != nil {
		t.Fatalf("assess: %v", err)
	}
	return res
}

func TestPropertyOrderDoesNotMatter(t *testing.T) {
	e := testEngine(t)
	rapid.Check(t, func(t *rapid.T) {
		req := genRequest(t, true)
		res := mustAssess(t, e, req)
		// Shuffle sources and pollutants (paths move with their items).
		perm := rapid.Permutation(req.Sources).Draw(t, "perm")
		shuffled := *req
		shuffled.Sources = make([]calc.Source, len(perm))
		for i, s := range perm {
			s.Pollutants = rapid.Permutation(s.Pollutants).Draw(t, "pperm")
			shuffled.Sources[i] = s
		}
		res2 := mustAssess(t, e, &shuffled)
		if !res.TotalTax.Equal(res2.TotalTax) || !res.TotalTaxDue.Equal(res2.TotalTaxDue) || !res.TotalReduction.Equal(res2.TotalReduction) {
			t.Fatalf("totals changed with order: %s/%s vs %s/%s", res.TotalTaxDue, res.TotalTax, res2.TotalTaxDue, res2.TotalTax)
		}
		a, b := summary(res), summary(res2)
		for k, v := range a {
			if b[k] != v {
				t.Fatalf("line %v: %s, after shuffle %s", k, v, b[k])
			}
		}
	})
}

func TestPropertyMoreEmissionNeverLowersTax(t *testing.T) {
	e := testEngine(t)
	rapid.Check(t, func(t *rapid.T) {
		req := genRequest(t, false) // one rate per class, no reductions
		res := mustAssess(t, e, req)
		si := rapid.IntRange(0, len(req.Sources)-1).Draw(t, "source")
		src := req.Sources[si]
		pi := rapid.IntRange(0, len(src.Pollutants)-1).Draw(t, "pollutant")
		p := src.Pollutants[pi]
		if !p.EmissionKg.Valid {
			t.Skip("special item")
		}
		more := *req
		more.Sources = append([]calc.Source(nil), req.Sources...)
		ps := append([]calc.PollutantInput(nil), src.Pollutants...)
		ps[pi].EmissionKg.Decimal = p.EmissionKg.Decimal.Add(genAmount(t, "extra"))
		more.Sources[si].Pollutants = ps
		res2 := mustAssess(t, e, &more)
		if res2.TotalTax.LessThan(res.TotalTax) {
			t.Fatalf("tax fell from %s to %s when %s rose", res.TotalTax, res2.TotalTax, p.Name)
		}
	})
}

func TestPropertyLineInvariants(t *testing.T) {
	e := testEngine(t)
	rapid.Check(t, func(t *rapid.T) {
		req := genRequest(t, true)
		res := mustAssess(t, e, req)
		var due, red, tax decimal.Decimal
		type group struct{ source, month, group string }
		groups := map[group][]calc.Line{}
		for _, l := range res.Lines {
			if l.Tax.GreaterThan(l.TaxDue) || l.Tax.IsNegative() || l.Reduction.IsNegative() {
				t.Fatalf("%s %s: tax %s, due %s, reduction %s", l.Source, l.Pollutant, l.Tax, l.TaxDue, l.Reduction)
			}
			if !l.TaxDue.Sub(l.Reduction).Equal(l.Tax) {
				t.Fatalf("%s: tax ≠ due − reduction", l.Pollutant)
			}
			if !l.Taxed && !l.TaxDue.IsZero() {
				t.Fatalf("%s: not taxed but tax due %s", l.Pollutant, l.TaxDue)
			}
			if l.TaxDue.Exponent() < -2 {
				t.Fatalf("%s: money with more than 2 decimals: %s", l.Pollutant, l.TaxDue)
			}
			due, red, tax = due.Add(l.TaxDue), red.Add(l.Reduction), tax.Add(l.Tax)
			if l.Rank > 0 {
				g := group{l.Source + l.Kind, l.Month, l.Group}
				groups[g] = append(groups[g], l)
			}
		}
		if !due.Equal(res.TotalTaxDue) || !red.Equal(res.TotalReduction) || !tax.Equal(res.TotalTax) {
			t.Fatal("totals are not the sums of the lines")
		}
		for g, ls := range groups {
			top := 3
			if g.group == "water1" {
				top = 5
			}
			sort.Slice(ls, func(i, j int) bool { return ls[i].Rank < ls[j].Rank })
			taxed := 0
			for i, l := range ls {
				if l.Rank != i+1 {
					t.Fatalf("%v: ranks not 1..n: %d at %d", g, l.Rank, i)
				}
				if l.Taxed {
					taxed++
					if l.Rank > top {
						t.Fatalf("%v: rank %d taxed beyond top %d", g, l.Rank, top)
					}
				}
				if i > 0 && req.Rounding == calc.PerLine2dp && ls[i-1].Equivalents.Decimal.LessThan(l.Equivalents.Decimal) {
					t.Fatalf("%v: rank %d has fewer equivalents than rank %d", g, i, i+1)
				}
			}
			if want := min(top, len(ls)); taxed != want {
				t.Fatalf("%v: %d taxed, want %d", g, taxed, want)
			}
			// At most one of each "only one" group is ranked.
			n := map[string]int{}
			for _, l := range ls {
				switch {
				case strings.HasPrefix(l.Pollutant, "化学需氧量"), strings.HasPrefix(l.Pollutant, "生化需氧量"), strings.HasPrefix(l.Pollutant, "总有机碳"):
					n["cod"]++
				case strings.HasPrefix(l.Pollutant, "大肠菌群数"), strings.HasPrefix(l.Pollutant, "余氯量"):
					n["coliform"]++
				}
			}
			if n["cod"] > 1 || n["coliform"] > 1 {
				t.Fatalf("%v: more than one item of an only-one group ranked: %v", g, n)
			}
		}
	})
}

func TestPropertyQuarterIsSumOfMonths(t *testing.T) {
	e := testEngine(t)
	rapid.Check(t, func(t *rapid.T) {
		req := genRequest(t, true)
		res := mustAssess(t, e, req)
		var sum decimal.Decimal
		for _, m := range res.Months {
			sum = sum.Add(m.Tax)
			// The month computed alone gives the same figures.
			alone := *req
			alone.Sources = nil
			for _, s := range req.Sources {
				if s.MonthRaw == m.Month {
					alone.Sources = append(alone.Sources, s)
				}
			}
			r2 := mustAssess(t, e, &alone)
			if !r2.TotalTax.Equal(m.Tax) || !r2.TotalTaxDue.Equal(m.TaxDue) {
				t.Fatalf("month %s alone: %s, within the quarter: %s", m.Month, r2.TotalTax, m.Tax)
			}
		}
		if !sum.Equal(res.TotalTax) {
			t.Fatalf("quarter %s ≠ sum of months %s", res.TotalTax, sum)
		}
	})
}

// exceeds tells, from the request alone, whether an item is over its
// standard in the sense of 实施条例 第十条 and 财税〔2018〕117号: a mean or
// highest average over the standard, pH outside 6–9, 色度 over its
// standard, 大肠菌群数 or 余氯量 over theirs (大肠菌群数 declared without
// readings is declared as 超标).
func exceeds(p calc.PollutantInput) bool {
	six, nine := decimal.NewFromInt(6), decimal.NewFromInt(9)
	switch {
	case p.ExceedsStandard:
		return true
	case p.Value.Valid:
		return p.Value.Decimal.LessThan(six) || p.Value.Decimal.GreaterThan(nine)
	case p.Name == "大肠菌群数" && !p.Measured.Valid:
		return true
	case p.Measured.Valid:
		return p.Measured.Decimal.GreaterThan(p.Standard.Decimal)
	case p.StandardConcentration.Valid:
		return p.AvgConcentration.Decimal.GreaterThan(p.StandardConcentration.Decimal) ||
			p.MaxConcentration.Decimal.GreaterThan(p.StandardConcentration.Decimal)
	}
	return false
}

// A month in which any item of any outlet exceeds its standard has no
// reduction at all (the default, taxpayer-wide reading of 117号).
func TestPropertyExceedingMonthHasNoReduction(t *testing.T) {
	e := testEngine(t)
	rapid.Check(t, func(t *rapid.T) {
		req := genRequest(t, true)
		res := mustAssess(t, e, req)
		over := map[string]bool{}
		for _, s := range req.Sources {
			for _, p := range s.Pollutants {
				if exceeds(p) {
					over[s.MonthRaw] = true
				}
			}
		}
		for _, m := range res.Months {
			if over[m.Month] && !m.Reduction.IsZero() {
				t.Fatalf("month %s has an exceedance but a reduction of %s", m.Month, m.Reduction)
			}
		}
	})
}

// Taking away the month's own monitoring data of one item — its data now
// carried from an earlier month, or its emission estimated by a factor —
// never increases a reduction (实施条例 第十条; 财税〔2018〕117号 三).
func TestPropertyLessMonitoringNeverMoreReduction(t *testing.T) {
	e := testEngine(t)
	rapid.Check(t, func(t *rapid.T) {
		req := genRequest(t, true)
		res := mustAssess(t, e, req)
		si := rapid.IntRange(0, len(req.Sources)-1).Draw(t, "source")
		src := req.Sources[si]
		pi := rapid.IntRange(0, len(src.Pollutants)-1).Draw(t, "pollutant")
		if !src.Pollutants[pi].AvgConcentration.Valid {
			t.Skip("no concentrations")
		}
		less := *req
		less.Sources = append([]calc.Source(nil), req.Sources...)
		ps := append([]calc.PollutantInput(nil), src.Pollutants...)
		switch how := rapid.SampledFrom([]string{"carried", "factor", "sampling"}).Draw(t, "how"); how {
		case "carried":
			ps[pi].Method = "monitoring"
			back := rapid.IntRange(1, 6).Draw(t, "back") // within or across the quarter
			m := calc.Month(202400 + src.Month.Num() - back)
			if src.Month.Num()-back < 1 {
				m = calc.Month(202300 + 12 + src.Month.Num() - back)
			}
			ps[pi].MonitoringMonth, ps[pi].MonitoringMonthRaw = m, m.String()
		default:
			ps[pi].Method = how
			ps[pi].MonitoringMonth, ps[pi].MonitoringMonthRaw = 0, ""
		}
		less.Sources[si].Pollutants = ps
		res2 := mustAssess(t, e, &less)
		if res2.TotalReduction.GreaterThan(res.TotalReduction) {
			t.Fatalf("reduction rose from %s to %s when %s lost its month's monitoring data", res.TotalReduction, res2.TotalReduction, ps[pi].Name)
		}
		if !res2.TotalTaxDue.Equal(res.TotalTaxDue) {
			t.Fatalf("tax due changed from %s to %s", res.TotalTaxDue, res2.TotalTaxDue)
		}
	})
}

// On one unit boundary of at most 100 m, only the highest point is taxed:
// adding points that exceed less never changes the tax, and the order of
// the points never matters (附表一 噪声 注1).
func TestPropertyNoiseBoundaryHighestOnly(t *testing.T) {
	e := testEngine(t)
	rapid.Check(t, func(t *rapid.T) {
		limit := decimal.NewFromInt(55)
		n := rapid.IntRange(1, 5).Draw(t, "points")
		req := &calc.Request{}
		top := decimal.Zero
		for i := 0; i < n; i++ {
			db := limit.Add(decimal.New(rapid.Int64Range(-30, 250).Draw(t, "over"), -1))
			days := rapid.IntRange(1, 31).Draw(t, "days")
			s := calc.Source{Path: fmt.Sprintf("sources[%d]", i), ID: fmt.Sprintf("N%d", i), Kind: calc.KindNoise,
				MonthRaw: "2024-03", Month: 202403, Boundary: "A", BoundaryLengthM: decimal.NullDecimal{Decimal: decimal.NewFromInt(100), Valid: true},
				Night: &calc.NoisePeriod{Path: fmt.Sprintf("sources[%d].night", i), LimitDB: decimal.NewNullDecimal(limit), MeasuredDB: decimal.NewNullDecimal(db), ExceedDays: days, ExceedDaysGiven: true}}
			req.Sources = append(req.Sources, s)
			if i == 0 || db.GreaterThan(top) {
				top = db
			}
		}
		res := mustAssess(t, e, req)
		taxed := 0
		for _, l := range res.Lines {
			if l.Taxed {
				taxed++
				if l.Doubled {
					t.Fatalf("a boundary of 100 m is not over 100 m: %s doubled", l.Source)
				}
			}
		}
		if taxed > 1 {
			t.Fatalf("%d points of one boundary taxed", taxed)
		}
		perm := rapid.Permutation(req.Sources).Draw(t, "perm")
		shuffled := &calc.Request{Sources: perm}
		if res2 := mustAssess(t, e, shuffled); !res2.TotalTax.Equal(res.TotalTax) {
			t.Fatalf("order changed the tax: %s vs %s", res.TotalTax, res2.TotalTax)
		}
		// The boundary pays what its highest point would pay alone.
		var maxEx decimal.Decimal
		alone := map[string]decimal.Decimal{}
		for _, s := range req.Sources {
			r := mustAssess(t, e, &calc.Request{Sources: []calc.Source{s}})
			alone[s.ID] = r.TotalTax
			if ex := r.Lines[0].ExceedDB.Decimal; ex.GreaterThan(maxEx) {
				maxEx = ex
			}
		}
		ok := false
		for _, l := range res.Lines {
			if l.Taxed && l.ExceedDB.Decimal.Equal(maxEx) && alone[l.Source].Equal(res.TotalTax) {
				ok = true
			}
		}
		if maxEx.IsZero() && res.TotalTax.IsZero() {
			ok = true
		}
		if !ok {
			t.Fatalf("boundary tax %s is not the tax of its highest point (%s dB) alone: %v", res.TotalTax, maxEx, alone)
		}
	})
}

// A centralised plant pays only for the pollutants it discharges over
// their standard (法 第十二条第一款第三项: 相应应税污染物).
func TestPropertyCentralizedPaysOnlyForExceedances(t *testing.T) {
	e := testEngine(t)
	rapid.Check(t, func(t *rapid.T) {
		req := genRequest(t, true)
		for i := range req.Sources {
			if req.Sources[i].Kind == calc.KindWater {
				req.Sources[i].Facility = calc.FacilityCentralized
			}
		}
		res := mustAssess(t, e, req)
		for _, l := range res.Lines {
			if l.Kind != calc.KindWater || !l.Taxed {
				continue
			}
			for _, s := range req.Sources {
				if s.ID != l.Source || s.MonthRaw != l.Month || s.Kind != calc.KindWater {
					continue
				}
				for _, p := range s.Pollutants {
					if p.Path == l.Path && p.StandardConcentration.Valid && !exceeds(p) {
						t.Fatalf("%s %s %s is within its standard but taxed %s", l.Source, l.Month, l.Pollutant, l.Tax)
					}
				}
			}
		}
	})
}

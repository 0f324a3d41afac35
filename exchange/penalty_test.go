package exchange_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/ecotax/ecotax/calc"
	"github.com/ecotax/ecotax/exchange"
	"github.com/ecotax/ecotax/filing"
	"github.com/ecotax/ecotax/fixtures"
)

func dec(s string) decimal.NullDecimal {
	return decimal.NullDecimal{Decimal: decimal.RequireFromString(s), Valid: true}
}

func engine(t *testing.T) *calc.Engine {
	t.Helper()
	tables, err := fixtures.Load()
	if err != nil {
		t.Fatal(err)
	}
	e, err := calc.NewEngine(tables)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// declaration: outlet DA001 (SO2, NOx), DW001 (COD) and a tailings pond,
// January and February 2024.
func declaration() (*filing.Taxpayer, filing.Period, map[int64]*filing.Source, []*filing.Source, []filing.Figure) {
	tp := &filing.Taxpayer{CreditCode: "91350100M000100Y43", Name: "示例化工", Region: "500103"}
	per, _ := filing.ParsePeriod("2024-Q1")
	list := []*filing.Source{
		{ID: 1, OutletNo: "DA001", Kind: filing.KindAir, Pollutant: "二氧化硫", Method: "automatic", ValidFrom: "2018-01-01"},
		{ID: 2, OutletNo: "DA001", Kind: filing.KindAir, Pollutant: "氮氧化物", Method: "automatic", ValidFrom: "2018-01-01"},
		{ID: 3, OutletNo: "DW001", Kind: filing.KindWater, Pollutant: "化学需氧量", ValidFrom: "2018-01-01"},
		{ID: 4, OutletNo: "S1", Kind: filing.KindSolidWaste, Pollutant: "尾矿", ValidFrom: "2018-01-01"},
	}
	m := map[int64]*filing.Source{}
	for _, s := range list {
		m[s.ID] = s
	}
	figs := []filing.Figure{
		{SourceID: 1, Month: "2024-01", EmissionKg: dec("100")},
		{SourceID: 2, Month: "2024-01", EmissionKg: dec("80")},
		{SourceID: 3, Month: "2024-01", EmissionKg: dec("2880"), WastewaterT: dec("24000")},
		{SourceID: 4, Month: "2024-01", GeneratedT: dec("1000"), StoredT: dec("200"), DisposedT: dec("0"), UtilizedT: dec("300")},
		{SourceID: 1, Month: "2024-02", EmissionKg: dec("90")},
		{SourceID: 2, Month: "2024-02", EmissionKg: dec("70")},
	}
	return tp, per, m, list, figs
}

func assess(t *testing.T, e *calc.Engine, b *filing.Built) (*calc.Result, *calc.Error) {
	t.Helper()
	req, err := b.Request()
	if err == nil {
		var res *calc.Result
		if res, err = e.Assess(req); err == nil {
			return res, nil
		}
	}
	var ce *calc.Error
	if !errors.As(err, &ce) {
		t.Fatal(err)
	}
	return nil, b.TranslateError(ce)
}

// TestPenaltyFixesTheBase: a tampered-data record on DA001 for January
// makes both pollutants of the outlet that month taxed on the 产生量 given
// in the record; February, outside the violation, keeps the emission.
func TestPenaltyFixesTheBase(t *testing.T) {
	e := engine(t)
	tp, per, srcs, list, figs := declaration()
	pen := &exchange.Penalty{CreditCode: tp.CreditCode, CaseNo: "渝环罚〔2024〕12号", OutletNo: "DA001", Revision: 1,
		Status: exchange.PenaltyActive, CaseCode: "tampered_data", PeriodFrom: "2024-01-05", PeriodTo: "2024-01-20", DecidedOn: "2024-04-10",
		Pollutants: []string{"二氧化硫", "氮氧化物"},
		Generated: []exchange.Generated{
			{Pollutant: "二氧化硫", Month: "2024-01", GeneratedKg: decimal.RequireFromString("500")},
			{Pollutant: "氮氧化物", Month: "2024-01", GeneratedKg: decimal.RequireFromString("400.5")},
		}}
	if errs := exchange.CheckPenalty(pen, list, e.Tables().Penalties); len(errs) > 0 {
		t.Fatalf("good record refused: %v", errs)
	}
	bases := exchange.PenaltyBases([]*exchange.Penalty{pen}, srcs, figs)
	if len(bases) != 2 {
		t.Fatalf("bases: %v", bases)
	}
	b, errs := filing.BuildDirect(tp, per, srcs, figs, bases)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	for _, s := range b.Draft().Sources {
		want := s.ID == "DA001" && s.MonthRaw == "2024-01"
		if (s.Penalty == "tampered_data") != want {
			t.Errorf("%s %s: penalty %q", s.ID, s.MonthRaw, s.Penalty)
		}
		for _, p := range s.Pollutants {
			if p.GeneratedKg.Valid != want {
				t.Errorf("%s %s %s: generated_kg %v", s.ID, s.MonthRaw, p.Name, p.GeneratedKg)
			}
		}
	}
	res, ce := assess(t, e, b)
	if ce != nil {
		t.Fatalf("assessment refused: %v", ce.Errors)
	}
	found := 0
	for _, l := range res.Lines {
		if l.Source == "DA001" && l.Month == "2024-01" {
			want := map[string]string{"二氧化硫": "500", "氮氧化物": "400.5"}[l.Pollutant]
			if !l.Quantity.Equal(decimal.RequireFromString(want)) {
				t.Errorf("%s January base %s, want the 产生量 %s", l.Pollutant, l.Quantity, want)
			}
			found++
		}
		if l.Source == "DA001" && l.Month == "2024-02" && l.Pollutant == "二氧化硫" && !l.Quantity.Equal(decimal.NewFromInt(90)) {
			t.Errorf("February base %s, want the emission 90", l.Quantity)
		}
	}
	if found != 2 {
		t.Errorf("%d January DA001 lines", found)
	}
	out, _ := res.MarshalJSON()
	if !strings.Contains(string(out), `"penalty_base"`) {
		t.Error("no penalty_base step in the trace")
	}
}

// TestPenaltyWithoutGeneratedIsFlagged: a record naming only SO2 with no
// 产生量 leaves the declaration unassessable, with errors on the figures
// that need one (both pollutants of the outlet, since the case is per
// outlet and month).
func TestPenaltyWithoutGeneratedIsFlagged(t *testing.T) {
	e := engine(t)
	tp, per, srcs, _, figs := declaration()
	pen := &exchange.Penalty{OutletNo: "DA001", Status: exchange.PenaltyActive, CaseCode: "no_monitoring",
		PeriodFrom: "2024-02-01", PeriodTo: "2024-02-29", Pollutants: []string{"二氧化硫"}}
	b, errs := filing.BuildDirect(tp, per, srcs, figs, exchange.PenaltyBases([]*exchange.Penalty{pen}, srcs, figs))
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	_, ce := assess(t, e, b)
	if ce == nil {
		t.Fatal("a declaration covered by a penalty without 产生量 was assessed")
	}
	got := map[string]bool{}
	for _, fe := range ce.Errors {
		got[fe.Path] = true
	}
	if !got["figures[4].generated_kg"] || !got["figures[5].generated_kg"] || len(ce.Errors) != 2 {
		t.Errorf("errors %v, want figures[4] and figures[5].generated_kg", ce.Errors)
	}
}

// TestPenaltySolidWaste: illegal dumping makes the month's generated_t the
// base of the tailings.
func TestPenaltySolidWaste(t *testing.T) {
	e := engine(t)
	tp, per, srcs, list, figs := declaration()
	pen := &exchange.Penalty{CreditCode: tp.CreditCode, CaseNo: "x", OutletNo: "S1", Status: exchange.PenaltyActive, CaseCode: "illegal_dumping",
		PeriodFrom: "2024-01-01", PeriodTo: "2024-01-31", DecidedOn: "2024-03-01", Pollutants: []string{"尾矿"}}
	if errs := exchange.CheckPenalty(pen, list, e.Tables().Penalties); len(errs) > 0 {
		t.Fatal(errs)
	}
	b, _ := filing.BuildDirect(tp, per, srcs, figs, exchange.PenaltyBases([]*exchange.Penalty{pen}, srcs, figs))
	res, ce := assess(t, e, b)
	if ce != nil {
		t.Fatal(ce.Errors)
	}
	for _, l := range res.Lines {
		if l.Source == "S1" && !l.Quantity.Equal(decimal.NewFromInt(1000)) {
			t.Errorf("tailings base %s t, want the 1000 t generated", l.Quantity)
		}
	}
}

func TestCheckPenaltyRefuses(t *testing.T) {
	e := engine(t)
	_, _, _, list, _ := declaration()
	base := func() *exchange.Penalty {
		return &exchange.Penalty{CaseNo: "n", OutletNo: "DA001", CaseCode: "tampered_data", PeriodFrom: "2024-01-05",
			PeriodTo: "2024-02-20", DecidedOn: "2024-04-10", Pollutants: []string{"二氧化硫"}}
	}
	cases := map[string]struct {
		edit func(p *exchange.Penalty)
		path string
	}{
		"unknown case":   {func(p *exchange.Penalty) { p.CaseCode = "speeding" }, "case_code"},
		"unknown outlet": {func(p *exchange.Penalty) { p.OutletNo = "DA404" }, "outlet_no"},
		"unknown poll":   {func(p *exchange.Penalty) { p.Pollutants = []string{"汞及其化合物"} }, "pollutants[0]"},
		"kind not cased": {func(p *exchange.Penalty) { p.OutletNo, p.Pollutants = "S1", []string{"尾矿"} }, "pollutants[0]"},
		"reversed dates": {func(p *exchange.Penalty) { p.PeriodTo = "2024-01-01" }, "period_to"},
		"month outside": {func(p *exchange.Penalty) {
			p.Generated = []exchange.Generated{{Pollutant: "二氧化硫", Month: "2024-03"}}
		}, "generated[0].month"},
		"other pollutant": {func(p *exchange.Penalty) {
			p.Generated = []exchange.Generated{{Pollutant: "氮氧化物", Month: "2024-01"}}
		}, "generated[0].pollutant"},
		"no pollutants":  {func(p *exchange.Penalty) { p.Pollutants = nil }, "pollutants"},
		"twice":          {func(p *exchange.Penalty) { p.Pollutants = []string{"二氧化硫", "二氧化硫"} }, "pollutants[1]"},
		"before the law": {func(p *exchange.Penalty) { p.PeriodFrom = "2017-12-01" }, "period_from"},
	}
	for name, c := range cases {
		p := base()
		c.edit(p)
		errs := exchange.CheckPenalty(p, list, e.Tables().Penalties)
		if len(errs) == 0 || errs[0].Path != c.path {
			t.Errorf("%s: %v, want an error at %s", name, errs, c.path)
		}
	}
}

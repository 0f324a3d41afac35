package budget_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/ecotax/ecotax/budget"
	"github.com/ecotax/ecotax/filing"
)

type fakeMonitoring struct {
	figs  []budget.MonitoredFigure
	err   error
	calls int
}

func (f *fakeMonitoring) MonthlyFigures(string, int) ([]budget.MonitoredFigure, error) {
	f.calls++
	return f.figs, f.err
}

func storedTaxpayer() budget.StoredTaxpayer {
	return budget.StoredTaxpayer{
		Taxpayer: filing.Taxpayer{CreditCode: "91350100M000100Y43", Name: "示例", Region: "500103"},
		Sources: []*filing.Source{
			{ID: 1, OutletNo: "DA001", Kind: filing.KindAir, Pollutant: "二氧化硫", ValidFrom: "2018-01-01"},
			// Valid from March: January and February expect nothing.
			{ID: 2, OutletNo: "DW001", Kind: filing.KindWater, Pollutant: "化学需氧量", ValidFrom: "2024-03-01", ValidTo: "2024-10-31"},
		},
	}
}

func months(tps []budget.Taxpayer) map[string]budget.TaxMonth {
	out := map[string]budget.TaxMonth{}
	for _, m := range tps[0].Months {
		out[m.Month] = m
	}
	return out
}

// Without monitoring, every month without a declaration says why it has
// no amount; monitoring is asked once per taxpayer, not once per month.
func TestGatherMonitoringUnavailable(t *testing.T) {
	c := calculators(t)
	mon := &fakeMonitoring{err: &budget.UnavailableError{Reason: "no device data"}}
	tps, err := budget.Gather(c, 2024, []budget.StoredTaxpayer{storedTaxpayer()}, mon)
	if err != nil {
		t.Fatal(err)
	}
	ms := months(tps)
	if len(ms) != 12 || mon.calls != 1 {
		t.Fatalf("%d months, %d calls", len(ms), mon.calls)
	}
	for _, m := range ms {
		if m.Basis != budget.BasisNone || m.Monitoring != "monitoring unavailable: no device data" || len(m.Requests) != 0 {
			t.Errorf("%s: %+v", m.Month, m)
		}
	}
	res, err := budget.Compute(c, &budget.Input{Region: "500000", Year: 2024, Taxpayers: tps}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Outcomes[0].Total.Missing != 12 || !res.Outcomes[0].Total.Tax.IsZero() {
		t.Errorf("total %+v", res.Outcomes[0].Total)
	}
	if len(res.Warnings) == 0 || res.Warnings[0].Code != "tax_basis_missing" {
		t.Errorf("warnings %+v", res.Warnings)
	}
	// A nil Monitoring is the same as an unavailable one.
	tps, err = budget.Gather(c, 2024, []budget.StoredTaxpayer{storedTaxpayer()}, nil)
	if err != nil || !strings.HasPrefix(months(tps)["2024-05"].Monitoring, "monitoring unavailable") {
		t.Errorf("nil monitoring: %v %+v", err, tps)
	}
}

// A failing monitoring store is our failure, not a missing figure.
func TestGatherMonitoringError(t *testing.T) {
	c := calculators(t)
	boom := errors.New("connection reset")
	if _, err := budget.Gather(c, 2024, []budget.StoredTaxpayer{storedTaxpayer()}, &fakeMonitoring{err: boom}); !errors.Is(err, boom) {
		t.Errorf("error %v, want the store's", err)
	}
}

// Monitored figures give an estimate for the outlets they cover and list
// the sources they do not; a figure the engine cannot assess leaves the
// month without a basis, saying why; months with no figure say so.
func TestGatherFromMonitoring(t *testing.T) {
	c := calculators(t)
	kg := decimal.RequireFromString("95")
	mon := &fakeMonitoring{figs: []budget.MonitoredFigure{
		{Outlet: "DA001", Kind: "air", Pollutant: "二氧化硫", Month: "2024-01", EmissionKg: kg, Verified: true, Ref: "m1"},
		{Outlet: "DA001", Kind: "air", Pollutant: "二氧化硫", Month: "2024-03", EmissionKg: kg, Verified: false, Ref: "m3"},
		{Outlet: "DA001", Kind: "air", Pollutant: "不是污染物", Month: "2024-04", EmissionKg: kg, Verified: true},
	}}
	tps, err := budget.Gather(c, 2024, []budget.StoredTaxpayer{storedTaxpayer()}, mon)
	if err != nil {
		t.Fatal(err)
	}
	ms := months(tps)
	jan, mar, apr, may := ms["2024-01"], ms["2024-03"], ms["2024-04"], ms["2024-05"]
	if jan.Basis != budget.BasisMonitoring || jan.Unverified || len(jan.Uncovered) != 0 || jan.Refs[0] != "m1" {
		t.Errorf("January: %+v", jan)
	}
	if mar.Basis != budget.BasisMonitoring || !mar.Unverified || len(mar.Uncovered) != 1 || !strings.Contains(mar.Uncovered[0], "DW001") {
		t.Errorf("March: %+v", mar)
	}
	if apr.Basis != budget.BasisNone || !strings.Contains(apr.Monitoring, "cannot be assessed") {
		t.Errorf("April: %+v", apr)
	}
	if may.Basis != budget.BasisNone || may.Monitoring != "no monitored figures for the month" {
		t.Errorf("May: %+v", may)
	}
	if _, ok := ms["2024-11"]; !ok {
		t.Errorf("November: the air source is still valid")
	}
	res, err := budget.Compute(c, &budget.Input{Region: "500000", Year: 2024, Taxpayers: tps}, nil)
	if err != nil {
		t.Fatal(err)
	}
	// 95 kg ÷ 0.95 = 100 当量 × 3.5 元 (重庆 大气 2021 起) = 350.00
	for _, l := range res.Outcomes[0].Lines {
		if l.Month == "2024-01" && (!l.Amount.Valid || l.Amount.Decimal.String() != "350") {
			t.Errorf("January %v: %s", l.Amount, l.Text)
		}
	}
}

// Declarations: the latest revision that is not a draft holds the month;
// a month whose stored assessment has no line is a declared zero, noted.
func TestGatherDeclarations(t *testing.T) {
	c := calculators(t)
	st := storedTaxpayer()
	st.Sources = st.Sources[:1]
	figs := func(kg string) []filing.Figure {
		var out []filing.Figure
		for _, m := range []string{"2024-01", "2024-02", "2024-03"} {
			out = append(out, filing.Figure{SourceID: 1, Month: m, EmissionKg: decimal.NullDecimal{Decimal: decimal.RequireFromString(kg), Valid: true}})
		}
		return out
	}
	assessment := `{"months":[{"month":"2024-01","tax":"%s"},{"month":"2024-02","tax":"%s"}],"lines":[{"month":"2024-02","unverified":true}]}`
	st.Declarations = []budget.StoredDeclaration{
		{Declaration: filing.Declaration{ID: 1, Period: "2024-Q1", Revision: 1, Status: filing.StatusSubmitted,
			Assessment: filing.RawJSON(strings.ReplaceAll(assessment, "%s", "1.00"))}, Figures: figs("1")},
		{Declaration: filing.Declaration{ID: 2, Period: "2024-Q1", Revision: 2, Status: filing.StatusAccepted,
			Assessment: filing.RawJSON(strings.ReplaceAll(assessment, "%s", "2.00"))}, Figures: figs("2")},
		{Declaration: filing.Declaration{ID: 3, Period: "2024-Q1", Revision: 3, Status: filing.StatusDraft}, Figures: figs("3")},
		{Declaration: filing.Declaration{ID: 4, Period: "2023-Q4", Revision: 1, Status: filing.StatusSubmitted,
			Assessment: filing.RawJSON(`{"months":[],"lines":[]}`)}},
	}
	tps, err := budget.Gather(c, 2024, []budget.StoredTaxpayer{st}, &fakeMonitoring{})
	if err != nil {
		t.Fatal(err)
	}
	ms := months(tps)
	jan, feb, mar := ms["2024-01"], ms["2024-02"], ms["2024-03"]
	if jan.Basis != budget.BasisDeclaration || jan.Declared.Decimal.String() != "2" || len(jan.Refs) != 1 || !strings.Contains(jan.Refs[0], "申报#2") || jan.Unverified {
		t.Errorf("January: %+v", jan)
	}
	if !feb.Unverified || len(feb.Requests) != 1 {
		t.Errorf("February: %+v", feb)
	}
	if mar.Basis != budget.BasisDeclaration || !mar.Declared.Decimal.IsZero() || !strings.Contains(mar.Note, "no tax line") {
		t.Errorf("March: %+v", mar)
	}
	if apr := ms["2024-04"]; apr.Basis != budget.BasisNone {
		t.Errorf("April: %+v", apr)
	}
}

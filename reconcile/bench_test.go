package reconcile_test

import (
	"testing"

	"github.com/shopspring/decimal"

	"github.com/ecotax/ecotax/calc/param"
	"github.com/ecotax/ecotax/filing"
	"github.com/ecotax/ecotax/monitor"
	"github.com/ecotax/ecotax/reconcile"
)

// benchInput is one taxpayer of the 10 000-taxpayer benchmark: 4 air
// pollutants at DA001 and 4 water pollutants at DW001, declared and
// monitored for 3 months, one item in ten monitored 30 % higher.
func benchInput(b *testing.B, r *reconcile.Reconciler) *reconcile.Input {
	per, _ := filing.ParsePeriod("2024-Q1")
	tp := &filing.Taxpayer{CreditCode: "91500000MA00000001", Name: "企业", Region: "500101", Industry: "2601"}
	in := &reconcile.Input{Taxpayer: tp, Period: per, Deadline: param.NewDate(2024, 4, 15), AsOf: param.NewDate(2024, 5, 10),
		Devices: []reconcile.Device{{ID: 1, MN: "A", CreditCode: tp.CreditCode, OutletNo: "DA001", ValidFrom: "2023-01-01"},
			{ID: 2, MN: "W", CreditCode: tp.CreditCode, OutletNo: "DW001", ValidFrom: "2023-01-01"}},
		Declared: &reconcile.Declared{ID: 1, Revision: 1, Status: filing.StatusSubmitted}}
	codes := []string{"a21026", "a21002", "a21005", "a21024", "w01018", "w21003", "w01012", "w20123"}
	for j, code := range codes {
		p, _ := r.Codes.Pollutant(code)
		kind, outlet := "air", "DA001"
		if j >= 4 {
			kind, outlet = "water", "DW001"
		}
		in.Sources = append(in.Sources, &filing.Source{ID: int64(j + 1), CreditCode: tp.CreditCode, OutletNo: outlet, OutletName: outlet,
			Kind: kind, Pollutant: p.Name, Method: "automatic", ValidFrom: "2018-01-01"})
		for m, month := range per.Months() {
			kg := decimal.New(int64(1000+37*((j+m)%50)), -1)
			in.Declared.Figures = append(in.Declared.Figures, filing.Figure{SourceID: int64(j + 1), Month: month, EmissionKg: decimal.NullDecimal{Decimal: kg, Valid: true}})
			total := kg
			if (j+m)%10 == 0 {
				total = kg.Mul(decimal.RequireFromString("1.3"))
			}
			dev, basis, units := int64(1), monitor.Hourly, 744
			if j >= 4 {
				dev, basis, units = 2, monitor.Daily, 31
			}
			in.Figures = append(in.Figures, reconcile.DeviceFigure{DeviceID: dev, Code: code, Month: month, Basis: basis, Total: total,
				TotalCount: units, Valid: units, Units: units})
		}
	}
	return in
}

// BenchmarkTaxpayer: one taxpayer's reconciliation against its ceiling,
// the engine alone (Engine.Assess) on two requests built beforehand (the
// declared one twice: one reconciliation assesses the declared and the
// monitored figures), in the same loop. (Until Request.Validate, a third
// timing ran the old contract path, the declaration written as JSON and
// decoded; no product path writes that JSON any more.)
func BenchmarkTaxpayer(b *testing.B) {
	r := reconciler(b, param.NewDate(2024, 3, 31))
	in := benchInput(b, r)
	srcs := map[int64]*filing.Source{}
	for _, s := range in.Sources {
		srcs[s.ID] = s
	}
	built, errs := filing.BuildDirect(in.Taxpayer, in.Period, srcs, in.Declared.Figures, nil)
	if len(errs) > 0 {
		b.Fatal(errs)
	}
	req, err := built.Request()
	if err != nil {
		b.Fatal(err)
	}
	res, err := r.Taxpayer(in)
	if err != nil || !res.MonitoredTax.Valid || res.TaxDifference.Decimal.Sign() == 0 {
		b.Fatalf("%v %+v", err, res)
	}
	var tAll, tEngine float64
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0 := nowNanos()
		if _, err := r.Taxpayer(in); err != nil {
			b.Fatal(err)
		}
		t1 := nowNanos()
		for k := 0; k < 2; k++ {
			if _, err := r.Engine.Assess(req); err != nil {
				b.Fatal(err)
			}
		}
		tEngine += float64(nowNanos() - t1)
		tAll += float64(t1 - t0)
	}
	b.ReportMetric(tAll/float64(b.N)/1e3, "taxpayer-µs")
	b.ReportMetric(tEngine/float64(b.N)/1e3, "assess-µs")
	b.ReportMetric(tAll/tEngine, "taxpayer/assess")
}

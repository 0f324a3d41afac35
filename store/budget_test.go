package store_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/ecotax/ecotax/budget"
	"github.com/ecotax/ecotax/calc"
	"github.com/ecotax/ecotax/calc/param"
	"github.com/ecotax/ecotax/filing"
	"github.com/ecotax/ecotax/fixtures"
	"github.com/ecotax/ecotax/reconcile"
	"github.com/ecotax/ecotax/reconcile/reconciletest"
	"github.com/ecotax/ecotax/store"
	"github.com/ecotax/ecotax/store/storetest"
)

func budgetCalculators(t *testing.T) (budget.Calculators, *reconcile.Params) {
	t.Helper()
	tables, err := fixtures.Load()
	if err != nil {
		t.Fatal(err)
	}
	var c budget.Calculators
	if c.Engine, err = calc.NewEngine(tables); err != nil {
		t.Fatal(err)
	}
	if c.Fees, err = fixtures.LoadFees(); err != nil {
		t.Fatal(err)
	}
	if c.Ecocomp, err = fixtures.LoadEcocomp(); err != nil {
		t.Fatal(err)
	}
	if c.Damage, err = fixtures.LoadDamage(); err != nil {
		t.Fatal(err)
	}
	rp, err := fixtures.LoadReconcile()
	if err != nil {
		t.Fatal(err)
	}
	return c, rp
}

// TestBudgetRecords: the three recorded inputs round-trip exactly on both
// databases, list by region and year, and delete with their children.
func TestBudgetRecords(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		fixedClock(db)
		dc := &store.BudgetDamageCase{District: "500103", Case: "案", Claim: filing.RawJSON(`{"date":"2020-01-01"}`),
			ClaimTotal: filing.MoneyOf(decimal.RequireFromString("999999999999999.99")), ClaimUnverified: true,
			Receipts:  []store.BudgetReceipt{{Month: "2024-02", Amount: filing.MoneyOf(decimal.RequireFromString("0.01"))}, {Month: "2025-01", Amount: filing.MoneyOf(decimal.NewFromInt(5)), Received: true}},
			CreatedBy: "finance#1"}
		es := &store.BudgetEcoSettlement{Year: 2024, Scheme: "cq_basin_2018", Request: filing.RawJSON(`{"scheme":"cq_basin_2018"}`),
			Gross: param.MoneyOf(decimal.NewFromInt(3000000)), Parties: map[string]string{"甲区": "500103", "乙县": "510100"}, CreatedBy: "finance#1"}
		fb := &store.BudgetFeeBill{District: "500104", Payer: "p", Schedule: "cn-sewage-min-city", Inputs: filing.RawJSON(`{"category":"residential"}`),
			Months:    []store.BudgetFeeMonth{{Month: "2024-03", Day: "2024-03-15", Quantity: decimal.RequireFromString("123.456789012345"), Amount: param.MoneyOf(decimal.RequireFromString("117.28394956172775")), Sched: "cn-sewage-min-city@2016", Verified: true}},
			CreatedBy: "finance#1"}
		tx(t, db, func(tx *store.Tx) error {
			if err := tx.InsertBudgetDamageCase(dc); err != nil {
				return err
			}
			if err := tx.InsertBudgetEcoSettlement(es); err != nil {
				return err
			}
			return tx.InsertBudgetFeeBill(fb)
		})
		tx(t, db, func(tx *store.Tx) error {
			gd, err := tx.GetBudgetDamageCase(dc.ID)
			if err != nil {
				return err
			}
			if gd.ClaimTotal.Decimal.String() != "999999999999999.99" || !gd.ClaimUnverified || len(gd.Receipts) != 2 ||
				gd.Receipts[0].Amount.Decimal.String() != "0.01" || !gd.Receipts[1].Received || gd.SettledAmount.Valid || gd.SettledOn != "" {
				t.Errorf("damage case %+v", gd)
			}
			ge, err := tx.GetBudgetEcoSettlement(es.ID)
			if err != nil {
				return err
			}
			if ge.Parties["乙县"] != "510100" || !ge.Gross.Equal(es.Gross.Decimal) || string(ge.Request) != string(es.Request) {
				t.Errorf("settlement %+v", ge)
			}
			gf, err := tx.GetBudgetFeeBill(fb.ID)
			if err != nil {
				return err
			}
			if m := gf.Months[0]; m.Quantity.String() != "123.456789012345" || m.Amount.String() != "117.28394956172775" || m.Day != "2024-03-15" || !m.Verified {
				t.Errorf("fee bill %+v", gf.Months)
			}
			for _, c := range []struct {
				prefix string
				year   int
				want   int
			}{{"50", 2024, 1}, {"50", 2025, 1}, {"50", 2023, 0}, {"5001", 0, 1}, {"11", 0, 0}} {
				list, err := tx.ListBudgetDamageCases(c.prefix, c.year)
				if err != nil || len(list) != c.want {
					t.Errorf("damage cases %s %d: %d %v", c.prefix, c.year, len(list), err)
				}
			}
			// A settlement shows under the region of any of its parties.
			for prefix, want := range map[string]int{"5101": 1, "500103": 1, "500104": 0} {
				if list, err := tx.ListBudgetEcoSettlements(prefix, 2024); err != nil || len(list) != want {
					t.Errorf("settlements %s: %d %v", prefix, len(list), err)
				}
			}
			if list, err := tx.ListBudgetFeeBills("500104", 2024); err != nil || len(list) != 1 {
				t.Errorf("fee bills: %d %v", len(list), err)
			}
			return nil
		})
		tx(t, db, func(tx *store.Tx) error {
			if err := tx.DeleteBudgetDamageCase(dc.ID); err != nil {
				return err
			}
			if err := tx.DeleteBudgetEcoSettlement(es.ID); err != nil {
				return err
			}
			return tx.DeleteBudgetFeeBill(fb.ID)
		})
		tx(t, db, func(tx *store.Tx) error {
			if _, err := tx.GetBudgetDamageCase(dc.ID); kindOf(err) != calc.KindNotFound {
				t.Errorf("deleted case: %v", err)
			}
			if _, err := tx.GetBudgetEcoSettlement(es.ID); kindOf(err) != calc.KindNotFound {
				t.Errorf("deleted settlement: %v", err)
			}
			if _, err := tx.GetBudgetFeeBill(fb.ID); kindOf(err) != calc.KindNotFound {
				t.Errorf("deleted bill: %v", err)
			}
			return nil
		})
	})
}

// TestBudgetGather: a taxpayer's months rest on its submitted declaration
// (a draft correction changes nothing), then on stored monitoring (a month
// of generated HJ 212 hour data: complete → vouched for, with gaps →
// unverified), then on nothing; another province's taxpayer is not read.
func TestBudgetGather(t *testing.T) {
	c, rp := budgetCalculators(t)
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		fixedClock(db)
		tp := &filing.Taxpayer{CreditCode: "91350100M000100Y43", Name: "示例化工", Region: "500103"}
		other := &filing.Taxpayer{CreditCode: "91440300708461136T", Name: "北京某厂", Region: "110101"}
		// The standard (20 mg/m³) is below the monitored means (about 30),
		// so no reduction applies and the monitored tax is 当量数 × rate.
		so2 := &filing.Source{CreditCode: tp.CreditCode, OutletNo: "DA001", OutletName: "锅炉排口", Kind: filing.KindAir,
			Pollutant: "二氧化硫", Method: "automatic", StandardConcentration: dec("20"), ValidFrom: "2018-01-01"}
		noise := &filing.Source{CreditCode: tp.CreditCode, OutletNo: "N1", OutletName: "厂界", Kind: filing.KindNoise,
			DayLimitDB: dec("65"), ValidFrom: "2018-01-01"}
		tx(t, db, func(tx *store.Tx) error {
			for _, x := range []*filing.Taxpayer{tp, other} {
				if err := tx.InsertTaxpayer(x); err != nil {
					return err
				}
			}
			for _, s := range []*filing.Source{so2, noise} {
				if err := tx.InsertSource(s, "test"); err != nil {
					return err
				}
			}
			return tx.InsertSource(&filing.Source{CreditCode: other.CreditCode, OutletNo: "X", OutletName: "x", Kind: filing.KindAir,
				Pollutant: "二氧化硫", ValidFrom: "2018-01-01"}, "test")
		})
		// Q1 declared and submitted; a correction left as a draft.
		per, _ := filing.ParsePeriod("2024-Q1")
		var figs []filing.Figure
		days := 16
		for _, m := range per.Months() {
			figs = append(figs, filing.Figure{SourceID: so2.ID, Month: m, EmissionKg: dec("100")},
				filing.Figure{SourceID: noise.ID, Month: m, DayMeasuredDB: dec("70"), DayExceedDays: &days})
		}
		built, errs := filing.BuildRequest(tp, per, map[int64]*filing.Source{so2.ID: so2, noise.ID: noise}, figs)
		if len(errs) > 0 {
			t.Fatal(errs)
		}
		req, err := calc.DecodeRequest(built.JSON)
		if err != nil {
			t.Fatal(err)
		}
		assessed, err := c.Engine.Assess(req)
		if err != nil {
			t.Fatal(err)
		}
		out, _ := assessed.MarshalJSON()
		tx(t, db, func(tx *store.Tx) error {
			d := &filing.Declaration{CreditCode: tp.CreditCode, Period: "2024-Q1", Revision: 1, Deadline: "2024-04-15"}
			if err := tx.InsertDeclaration(d); err != nil {
				return err
			}
			if err := tx.PutFigures(d.ID, figs); err != nil {
				return err
			}
			if err := tx.Submit(d, assessed.TotalTaxDue, assessed.TotalReduction, assessed.TotalTax, out, "test"); err != nil {
				return err
			}
			draft := &filing.Declaration{CreditCode: tp.CreditCode, Period: "2024-Q1", Revision: 2, ReplacesID: &d.ID, Deadline: "2024-04-15"}
			return tx.InsertDeclaration(draft)
		})
		// April complete, May with a third of its hours missing.
		dev := reconcile.Device{MN: "MN-BUDGET", CreditCode: tp.CreditCode, OutletNo: "DA001", ValidFrom: "2024-01-01"}
		tx(t, db, func(tx *store.Tx) error { return tx.InsertDevice(&dev) })
		gen := reconciletest.Device{MN: dev.MN, Factors: []reconciletest.Factor{{Code: "a21026", CouMilli: 1500, AvgTenths: 300}}}
		april, exp, err := reconciletest.Month(gen, "2024-04")
		if err != nil {
			t.Fatal(err)
		}
		gen.Gaps = map[int]bool{}
		for h := 0; h < 250; h++ {
			gen.Gaps[h] = true
		}
		may, _, err := reconciletest.Month(gen, "2024-05")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Ingest(ctx, incoming(append(april, may...), "budget")); err != nil {
			t.Fatal(err)
		}
		refresh(t, db)

		codes := reconcile.NewCodes(c.Engine.Tables().HJ212, c.Engine.Names())
		var in *budget.Input
		tx(t, db, func(tx *store.Tx) error {
			var err error
			in, err = tx.BudgetInput(c, "500000", "重庆市", 2024, tx.BudgetMonitoring(codes, rp))
			return err
		})
		if len(in.Taxpayers) != 1 || in.Taxpayers[0].CreditCode != tp.CreditCode {
			t.Fatalf("taxpayers %+v", in.Taxpayers)
		}
		months := map[string]budget.TaxMonth{}
		for _, m := range in.Taxpayers[0].Months {
			months[m.Month] = m
		}
		if len(months) != 12 {
			t.Fatalf("%d months", len(months))
		}
		for _, mt := range assessed.Months {
			m := months[mt.Month]
			if m.Basis != budget.BasisDeclaration || !m.Declared.Decimal.Equal(mt.Tax) || len(m.Refs) != 1 || !strings.Contains(m.Refs[0], "第1次") {
				t.Errorf("%s: %+v, want declared %s", mt.Month, m, mt.Tax)
			}
		}
		apr, mayM := months["2024-04"], months["2024-05"]
		// Every monitored month is unverified while cou.kg_per_unit is
		// (fixtures/reconcile/params.csv); May also misses the completeness.
		if apr.Basis != budget.BasisMonitoring || !apr.Unverified || fmt.Sprint(apr.Uncovered) != "[税源 "+fmt.Sprint(noise.ID)+" N1]" ||
			len(apr.Refs) != 1 || strings.Contains(apr.Refs[0], "完整率") || !strings.Contains(apr.Refs[0], "cou.kg_per_unit") {
			t.Errorf("April: %+v", apr)
		}
		if mayM.Basis != budget.BasisMonitoring || !mayM.Unverified || len(mayM.Refs) != 1 || !strings.Contains(mayM.Refs[0], "完整率") {
			t.Errorf("May (incomplete data) must say so: %+v", mayM)
		}
		if jun := months["2024-06"]; jun.Basis != budget.BasisNone || jun.Monitoring != "no monitored figures for the month" {
			t.Errorf("June: %+v", jun)
		}

		res, err := budget.Compute(c, in, nil)
		if err != nil {
			t.Fatal(err)
		}
		// April by hand: 当量数 = kg ÷ 0.95 to 2 places; × 3.5 元 (Chongqing air from 2021) to 分.
		want := exp["a21026"].TotalKg.Div(decimal.RequireFromString("0.95")).Round(2).Mul(decimal.RequireFromString("3.5")).Round(2)
		for _, l := range res.Outcomes[0].Lines {
			if l.Month == "2024-04" && (!l.Amount.Valid || !l.Amount.Decimal.Equal(want) || !l.Partial) {
				t.Errorf("April tax %v, want %s for %s kg (partial: noise not monitored): %s", l.Amount, want, exp["a21026"].TotalKg, l.Text)
			}
		}
		if res.Outcomes[0].Total.Missing != 7 {
			t.Errorf("missing %d, want 7 (June–December)", res.Outcomes[0].Total.Missing)
		}
	})
}

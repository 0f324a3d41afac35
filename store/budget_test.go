package store_test

import (
	"testing"

	"github.com/shopspring/decimal"

	"github.com/ecotax/ecotax/budget"
	"github.com/ecotax/ecotax/calc"
	"github.com/ecotax/ecotax/calc/param"
	"github.com/ecotax/ecotax/filing"
	"github.com/ecotax/ecotax/fixtures"
	"github.com/ecotax/ecotax/reconcile"
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

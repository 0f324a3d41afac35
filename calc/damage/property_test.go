package damage_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/shopspring/decimal"
	"pgregory.net/rapid"

	"github.com/ecotax/ecotax/calc"
	"github.com/ecotax/ecotax/calc/damage"
	"github.com/ecotax/ecotax/calc/param"
	"github.com/ecotax/ecotax/internal/jsontest"
)

var claimDate = param.NewDate(2020, 6, 1)

// money draws an amount in 分 up to 10亿元.
func money(t *rapid.T, label string) decimal.Decimal {
	return decimal.New(rapid.Int64Range(0, 100_000_000_000).Draw(t, label), -2)
}

// TestClaimTotalIsSumOfItems: whatever the items and virtual-cost lines,
// the total is the sum of the line amounts, which is the sum of the
// category totals, and stated items pass through unchanged.
func TestClaimTotalIsSumOfItems(t *testing.T) {
	p := loadParams(t)
	rapid.Check(t, func(t *rapid.T) {
		req := &damage.Request{Date: claimDate, ParamSet: "recommended_2014"}
		statedSum := decimal.Zero
		for i, n := 0, rapid.IntRange(0, 8).Draw(t, "items"); i < n; i++ {
			cat := rapid.SampledFrom(damage.Categories).Draw(t, "category").ID
			amt := money(t, "amount")
			statedSum = statedSum.Add(amt)
			req.Items = append(req.Items, damage.Item{Path: fmt.Sprintf("items[%d]", i), Category: cat, Amount: amt})
		}
		for i, n := 0, rapid.IntRange(0, 4).Draw(t, "lines"); i < n; i++ {
			// A multiplier inside 4.5–6 (class III surface water), in 0.01 steps.
			m := decimal.New(rapid.Int64Range(450, 600).Draw(t, "multiplier"), -2)
			req.VirtualCost = append(req.VirtualCost, damage.VirtualCostLine{
				Path: fmt.Sprintf("virtual_cost[%d]", i), Category: rapid.SampledFrom(damage.Categories).Draw(t, "vcat").ID,
				Medium: "surface_water", FunctionClass: "III",
				Discharge:  decimal.NewNullDecimal(decimal.New(rapid.Int64Range(0, 10_000_000).Draw(t, "discharge"), -int32(rapid.IntRange(0, 3).Draw(t, "dexp")))),
				UnitCost:   decimal.NewNullDecimal(decimal.New(rapid.Int64Range(0, 100_000).Draw(t, "unit_cost"), -2)),
				Multiplier: decimal.NewNullDecimal(m),
			})
		}
		if len(req.Items)+len(req.VirtualCost) == 0 {
			return
		}
		res, err := damage.Calc(p, req)
		if err != nil {
			t.Fatalf("valid claim rejected: %v", err)
		}
		checkInvariants(t, res)
		if len(res.Lines) != len(req.Items)+len(req.VirtualCost) {
			t.Fatalf("%d lines for %d inputs", len(res.Lines), len(req.Items)+len(req.VirtualCost))
		}
		lineSum := decimal.Zero
		for _, l := range res.Lines {
			if l.Method == "stated" {
				lineSum = lineSum.Add(l.Amount.Decimal)
			} else if !l.Amount.Equal(l.VirtualCost.Mul(*l.Multiplier).Round(2)) {
				t.Fatalf("%s: %s ≠ round(%s × %s)", l.Path, l.Amount, l.VirtualCost, l.Multiplier)
			}
		}
		if !lineSum.Equal(statedSum) {
			t.Fatalf("stated items sum to %s, lines show %s", statedSum, lineSum)
		}
	})
}

// TestMultiplierOutsideRangeAlwaysErrors: for every known range, a value
// outside it is rejected naming the multiplier field, and nothing is
// computed; a value inside is accepted.
func TestMultiplierOutsideRangeAlwaysErrors(t *testing.T) {
	p := loadParams(t)
	rapid.Check(t, func(t *rapid.T) {
		r := rapid.SampledFrom(p.Multipliers).Draw(t, "range")
		if !r.Known {
			return
		}
		step := decimal.New(rapid.Int64Range(1, 100_000).Draw(t, "step"), -3)
		var m decimal.Decimal
		switch {
		case rapid.Bool().Draw(t, "below"):
			m = r.Low.Sub(step)
			if r.LowExclusive && rapid.Bool().Draw(t, "at_open_end") {
				m = r.Low
			}
		case r.High.Valid:
			m = r.High.Decimal.Add(step)
		default:
			m = r.Low.Sub(step)
		}
		req := &damage.Request{Date: claimDate, ParamSet: r.Set, VirtualCost: []damage.VirtualCostLine{{
			Path: "virtual_cost[0]", Category: damage.Restoration, Medium: r.Medium, FunctionClass: r.Class,
			Discharge: decimal.NewNullDecimal(decimal.NewFromInt(100)), UnitCost: decimal.NewNullDecimal(decimal.NewFromInt(10)),
			Multiplier: decimal.NewNullDecimal(m),
		}}}
		res, err := damage.Calc(p, req)
		var ce *calc.Error
		if !errors.As(err, &ce) || ce.Code != "multiplier_out_of_range" || len(ce.Errors) != 1 || ce.Errors[0].Path != "virtual_cost[0].multiplier" {
			t.Fatalf("multiplier %s outside %s: got %v", m, r.Text(), err)
		}
		if res != nil {
			t.Fatal("a rejected claim must compute nothing")
		}
		// The same request with a multiplier inside the range computes.
		in := r.Low
		if r.LowExclusive || rapid.Bool().Draw(t, "not_low") {
			in = r.Low.Add(step)
			if r.High.Valid && in.GreaterThan(r.High.Decimal) {
				in = r.High.Decimal
			}
		}
		req.VirtualCost[0].Multiplier = decimal.NewNullDecimal(in)
		if _, err := damage.Calc(p, req); err != nil {
			t.Fatalf("multiplier %s inside %s rejected: %v", in, r.Text(), err)
		}
	})
}

// FuzzDecodeRequest: the decoder never panics; it either rejects the input
// with an invalid-kind *calc.Error whose every field error has a path, a
// code and a message, or yields a request that Calc either rejects the
// same way or quantifies with a consistent total.
func FuzzDecodeRequest(f *testing.F) {
	for _, r := range jsontest.Requests(f, "../../testdata/damage/*.json") {
		f.Add(r)
	}
	f.Add([]byte(`{"date":"2020-01-01","parameter_set":"recommended_2014","items":[{"category":"interim_loss","amount":1e3}]}`))
	f.Add([]byte(`{"date":"2020-01-01","date":"2020-01-02"}`))
	f.Add([]byte(`[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]`))
	run := claim(loadParams(f))
	f.Fuzz(func(t *testing.T, data []byte) {
		if res := jsontest.Run(t, data, run); res != nil {
			checkInvariants(t, res)
		}
	})
}

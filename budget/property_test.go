package budget_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
	"pgregory.net/rapid"

	"github.com/ecotax/ecotax/budget"
)

type doc = map[string]any

func amount(t *rapid.T, label string, max int) string {
	return fmt.Sprintf("%d.%02d", rapid.IntRange(0, max).Draw(t, label), rapid.IntRange(0, 99).Draw(t, label+"_cents"))
}

// genInput draws a budget input for Chongqing: taxpayers in a few
// districts whose months rest on declarations, monitoring or nothing,
// damage receipts, a basin settlement and fee bills.
func genInput(t *rapid.T, year int) doc {
	districts := []string{"500103", "500104", "500105", "500106"}
	var tps []doc
	for i, n := 0, rapid.IntRange(0, 4).Draw(t, "taxpayers"); i < n; i++ {
		code := fmt.Sprintf("91500000MA5U%05dX", i)
		district := rapid.SampledFrom(districts).Draw(t, "district")
		var months []doc
		for m := 1; m <= 12; m++ {
			month := fmt.Sprintf("%d-%02d", year, m)
			basis := rapid.SampledFrom([]string{"declaration", "monitoring", "none", "skip"}).Draw(t, "basis")
			if basis == "skip" {
				continue
			}
			md := doc{"month": month, "basis": basis}
			if basis == "none" {
				md["monitoring"] = "no monitored figures for the month"
				months = append(months, md)
				continue
			}
			var sources []doc
			if rapid.Bool().Draw(t, "air") {
				pols := []doc{{"name": "二氧化硫", "emission_kg": amount(t, "so2", 5000)}}
				if rapid.Bool().Draw(t, "nox") {
					pols = append(pols, doc{"name": "氮氧化物", "emission_kg": amount(t, "nox", 5000)})
				}
				sources = append(sources, doc{"id": "DA001", "kind": "air", "month": month, "pollutants": pols})
			}
			if basis == "declaration" && (len(sources) == 0 || rapid.Bool().Draw(t, "water")) {
				sources = append(sources, doc{"id": "DW001", "kind": "water", "month": month,
					"pollutants": []doc{{"name": "化学需氧量", "emission_kg": amount(t, "cod", 50000)}}})
			}
			if basis == "monitoring" && len(sources) == 0 {
				sources = append(sources, doc{"id": "DA002", "kind": "air", "month": month,
					"pollutants": []doc{{"name": "一般性粉尘", "emission_kg": amount(t, "dust", 5000)}}})
			}
			if basis == "declaration" && rapid.Bool().Draw(t, "waste") {
				sources = append(sources, doc{"id": "S1", "kind": "solid_waste", "month": month, "waste": "尾矿",
					"generated_t": amount(t, "gen", 1000), "stored_t": "0", "disposed_t": "0", "utilized_t": "0"})
			}
			md["requests"] = []doc{{"region": district, "sources": sources}}
			if basis == "declaration" {
				md["declared_tax"] = amount(t, "declared", 100000)
			}
			months = append(months, md)
		}
		tps = append(tps, doc{"credit_code": code, "name": "纳税人" + code[12:], "district": district, "months": months})
	}
	var cases []doc
	for i, n := 0, rapid.IntRange(0, 3).Draw(t, "cases"); i < n; i++ {
		var receipts []doc
		for j, k := 0, rapid.IntRange(1, 3).Draw(t, "receipts"); j < k; j++ {
			receipts = append(receipts, doc{"month": fmt.Sprintf("%d-%02d", year, rapid.IntRange(1, 12).Draw(t, "rmonth")),
				"amount": fmt.Sprintf("%d.%02d", rapid.IntRange(1, 100000).Draw(t, "r"), rapid.IntRange(0, 99).Draw(t, "rc"))})
		}
		cases = append(cases, doc{"id": fmt.Sprintf("D%d", i), "district": rapid.SampledFrom(districts).Draw(t, "cdistrict"),
			"case": "case", "settlement": doc{"amount": "100000000.00"}, "receipts": receipts})
	}
	var setts []doc
	if rapid.Bool().Draw(t, "basin") {
		classes := []string{"I", "II", "III", "IV", "V", "劣V"}
		var periods []doc
		for m := 1; m <= 12; m++ {
			periods = append(periods, doc{"period": fmt.Sprintf("%d-%02d", year, m), "class": rapid.SampledFrom(classes).Draw(t, "class"),
				"compare_class": rapid.SampledFrom(classes).Draw(t, "compare")})
		}
		setts = append(setts, doc{"id": "E1", "settlement": doc{"scheme": "cq_basin_2018", "year": year, "sections": []doc{{"id": "s",
			"upstream": "甲", "downstream": "乙", "target_class": "III", "periods": periods}}},
			"parties": doc{"甲": rapid.SampledFrom(districts).Draw(t, "up"), "乙": "500000"}})
	}
	var bills []doc
	for i, n := 0, rapid.IntRange(0, 2).Draw(t, "bills"); i < n; i++ {
		var months []doc
		for m := 1; m <= 12; m++ {
			if rapid.Bool().Draw(t, "billed") {
				months = append(months, doc{"month": fmt.Sprintf("%d-%02d", year, m), "quantity": amount(t, "qty", 100000)})
			}
		}
		if len(months) == 0 {
			continue
		}
		bills = append(bills, doc{"id": fmt.Sprintf("F%d", i), "district": rapid.SampledFrom(districts).Draw(t, "fdistrict"), "payer": "p",
			"schedule": "cn-sewage-min-city", "inputs": doc{"category": rapid.SampledFrom([]string{"residential", "non_residential"}).Draw(t, "cat")},
			"months": months})
	}
	return doc{"region": "500000", "year": year, "taxpayers": tps, "damage_cases": cases, "ecocomp_settlements": setts, "fee_bills": bills}
}

func compute(t *rapid.T, c budget.Calculators, in doc) *budget.Result {
	data, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	input, scs, err := budget.DecodeInput(data, c, limits)
	if err != nil {
		t.Fatalf("generated input rejected: %v\n%s", err, data)
	}
	res, err := budget.Compute(c, input, scs)
	if err != nil {
		t.Fatalf("compute: %v\n%s", err, data)
	}
	return res
}

// A scenario that changes nothing — every trend 0 %, every rate the one the
// tables hold — gives the base, line by line, although it recomputes every
// tax month.
func TestPropNeutralScenarioIsBase(t *testing.T) {
	c := calculators(t)
	rapid.Check(t, func(t *rapid.T) {
		year := rapid.SampledFrom([]int{2019, 2021}).Draw(t, "year")
		in := genInput(t, year)
		air := "2.4" // Chongqing: 2.4 until 2020, 3.5 from 2021 (fixtures/tax/rates.csv)
		if year >= 2021 {
			air = "3.5"
		}
		neutral := []doc{
			{"id": "zero", "trends": doc{"air": "0", "water": "0.0", "solid_waste": "0", "fees": "0"}},
			{"id": "same-rates", "rates": []doc{{"class": "air", "value": air}, {"class": "water", "value": "3"}}},
			{"id": "same-scheme", "schemes": doc{"cq_basin_2018": "cq_basin_2018"}, "schedules": doc{"cn-sewage-min-city": "cn-sewage-min-city"}},
		}
		in["scenarios"] = neutral
		res := compute(t, c, in)
		base := res.Outcomes[0]
		for _, o := range res.Outcomes[1:] {
			if len(o.Lines) != len(base.Lines) {
				t.Fatalf("%s: %d lines, base %d", o.ID, len(o.Lines), len(base.Lines))
			}
			for i, l := range o.Lines {
				b := base.Lines[i]
				if l.ID != b.ID || l.Amount.Valid != b.Amount.Valid || (l.Amount.Valid && !l.Amount.Decimal.Equal(b.Amount.Decimal)) {
					t.Fatalf("%s: line %s = %v, base %s = %v (%s)", o.ID, l.ID, l.Amount, b.ID, b.Amount, l.Text)
				}
			}
			if !rowEqual(o.Total, base.Total) || !o.VsBase.Net.IsZero() {
				t.Fatalf("%s: total %+v, base %+v", o.ID, o.Total, base.Total)
			}
		}
	})
}

// Totals are the sums of the months, of the districts, of the cells and of
// the lines, stream by stream, in every outcome; the net is receipts minus
// payments; lines without an amount are counted, not summed.
func TestPropTotalsAreSums(t *testing.T) {
	c := calculators(t)
	rapid.Check(t, func(t *rapid.T) {
		in := genInput(t, 2021)
		in["scenarios"] = []doc{{"id": "s", "rates": []doc{{"class": "air", "value": amount(t, "rate", 12), "from": "2021-07"}},
			"trends": doc{"air": fmt.Sprintf("-%d", rapid.IntRange(0, 100).Draw(t, "down")), "fees": fmt.Sprint(rapid.IntRange(0, 50).Draw(t, "up"))}}}
		res := compute(t, c, in)
		for _, o := range res.Outcomes {
			var months, districts, cells, lines budget.Row
			for _, r := range o.ByMonth {
				months = addRow(months, r)
			}
			for _, r := range o.ByDistrict {
				districts = addRow(districts, r)
			}
			for _, cl := range o.Cells {
				r := budget.Row{Missing: cl.Missing, Partial: cl.Partial}
				setStream(&r, cl.Stream, cl.Amount)
				cells = addRow(cells, r)
			}
			for _, l := range o.Lines {
				r := budget.Row{}
				if l.Amount.Valid {
					setStream(&r, l.Stream, l.Amount.Decimal)
				} else {
					r.Missing = 1
				}
				if l.Partial {
					r.Partial = 1
				}
				lines = addRow(lines, r)
			}
			for name, sum := range map[string]budget.Row{"months": months, "districts": districts, "cells": cells, "lines": lines} {
				if !rowEqual(sum, o.Total) {
					t.Fatalf("%s: sum of %s %+v, total %+v", o.ID, name, sum, o.Total)
				}
			}
			want := o.Total.Tax.Add(o.Total.Damage).Add(o.Total.EcoIn).Sub(o.Total.EcoOut).Add(o.Total.Fees)
			if !o.Total.Net.Equal(want) {
				t.Fatalf("%s: net %s, want %s", o.ID, o.Total.Net, want)
			}
		}
	})
}

// Scaling air emissions up never lowers a month's tax (equal scaling keeps
// the ranking; 当量数 rounding is monotone).
func TestPropAirTrendMonotone(t *testing.T) {
	c := calculators(t)
	rapid.Check(t, func(t *rapid.T) {
		in := genInput(t, 2021)
		lo := rapid.IntRange(-100, 200).Draw(t, "lo")
		hi := lo + rapid.IntRange(0, 200).Draw(t, "step")
		in["scenarios"] = []doc{{"id": "lo", "trends": doc{"air": fmt.Sprint(lo)}}, {"id": "hi", "trends": doc{"air": fmt.Sprint(hi)}}}
		res := compute(t, c, in)
		a, b := res.Outcomes[1], res.Outcomes[2]
		for i := range a.Lines {
			la, lb := a.Lines[i], b.Lines[i]
			if la.Stream == budget.StreamTax && la.Amount.Valid && lb.Amount.Decimal.LessThan(la.Amount.Decimal) {
				t.Fatalf("%s: air %+d%% gives %s, %+d%% gives %s", la.ID, lo, la.Amount.Decimal, hi, lb.Amount.Decimal)
			}
		}
	})
}

func setStream(r *budget.Row, stream string, v decimal.Decimal) {
	switch stream {
	case budget.StreamTax:
		r.Tax = v
	case budget.StreamDamage:
		r.Damage = v
	case budget.StreamEcoIn:
		r.EcoIn = v
	case budget.StreamEcoOut:
		r.EcoOut = v
	case budget.StreamFees:
		r.Fees = v
	}
}

func addRow(a, b budget.Row) budget.Row {
	return budget.Row{Tax: a.Tax.Add(b.Tax), Damage: a.Damage.Add(b.Damage), EcoIn: a.EcoIn.Add(b.EcoIn), EcoOut: a.EcoOut.Add(b.EcoOut),
		Fees: a.Fees.Add(b.Fees), Net: a.Net.Add(b.Net), Missing: a.Missing + b.Missing, Partial: a.Partial + b.Partial}
}

// rowEqual compares the streams and counts (the net of a summed row of
// cells or lines is not filled, so it is compared separately).
func rowEqual(a, b budget.Row) bool {
	return a.Tax.Equal(b.Tax) && a.Damage.Equal(b.Damage) && a.EcoIn.Equal(b.EcoIn) && a.EcoOut.Equal(b.EcoOut) &&
		a.Fees.Equal(b.Fees) && a.Missing == b.Missing && a.Partial == b.Partial
}

// The JSON of a result writes money with two decimals and unknown amounts
// as null.
func TestMoneyJSON(t *testing.T) {
	r := budget.Row{Key: "x", Tax: decimal.RequireFromString("7000000"), Fees: decimal.RequireFromString("0.125")}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]json.RawMessage
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]string{"tax": `"7000000.00"`, "fees": `"0.125"`, "damage": `"0.00"`, "key": `"x"`} {
		if string(got[k]) != want {
			t.Errorf("row JSON %s: %s = %s, want %s", b, k, got[k], want)
		}
	}
	l := budget.Line{ID: "a"}
	if b, _ := json.Marshal(l); !strings.Contains(string(b), `"amount":null`) || strings.Count(string(b), `"amount"`) != 1 {
		t.Errorf("line JSON %s", b)
	}
}

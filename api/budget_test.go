package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/shopspring/decimal"
	"github.com/xuri/excelize/v2"

	"github.com/ecotax/ecotax/api"
	"github.com/ecotax/ecotax/filing"
	"github.com/ecotax/ecotax/hj212"
	"github.com/ecotax/ecotax/reconcile"
	"github.com/ecotax/ecotax/reconcile/reconciletest"
	"github.com/ecotax/ecotax/store"
	"github.com/ecotax/ecotax/store/storetest"
)

func init() {
	openapi3filter.RegisterBodyDecoder("image/svg+xml", openapi3filter.FileBodyDecoder)
}

// addToken adds a token of a role bound to a region to the test world.
func addToken(t *testing.T, e *env, name string, role filing.Role, region string) {
	t.Helper()
	secret := filing.TokenPrefix + "test-" + name
	tok := &filing.Token{Role: role, Region: region}
	if err := e.db.InTx(context.Background(), func(tx *store.Tx) error { return tx.InsertToken(tok, filing.HashToken(secret)) }); err != nil {
		t.Fatal(err)
	}
	e.tokens[name] = secret
}

// Inputs of the budget world, [H] figures except the guiding case.
var (
	gc130Claim = obj{"case": "指导案例130号（藏金阁/首旭）", "date": "2017-12-22", "parameter_set": "recommended_2014",
		"virtual_cost": []obj{{"category": "cleanup_restoration", "medium": "surface_water", "function_class": "III",
			"discharge": "145624", "discharge_unit": "t", "unit_cost": "22", "multiplier": "4.5"}}}
	damageCase = obj{"district": "500103", "case": "指导案例130号（藏金阁/首旭）", "claim": gc130Claim,
		"settlement": obj{"amount": "14416776.00", "date": "2024-03-15"},
		"receipts":   []obj{{"month": "2024-06", "amount": "7000000.00", "received": true}, {"month": "2024-12", "amount": "7416776.00"}}}
	feeBill = obj{"district": "500103", "payer": "示例化工 排污权有偿使用", "schedule": "cq-emission-permit-base",
		"inputs": obj{"pollutant": "cod"}, "months": []obj{{"month": "2024-03", "quantity": "10"}}}
)

func ecoSettlement(class0 string) obj {
	var periods []obj
	for m := 1; m <= 12; m++ {
		cls, cmp := "II", "III" // improved: downstream pays upstream 100万
		if m > 9 {
			cls, cmp = "III", "II" // declined (Oct–Dec): upstream pays downstream 100万
		}
		if m == 1 {
			cls = class0
		}
		periods = append(periods, obj{"period": fmt.Sprintf("2024-%02d", m), "class": cls, "compare_class": cmp})
	}
	return obj{"settlement": obj{"scheme": "cq_basin_2018", "year": 2024, "sections": []obj{{"id": "渝中—大渡口界", "upstream": "渝中区",
		"downstream": "大渡口区", "target_class": "III", "periods": periods}}},
		"parties": obj{"渝中区": "500103", "大渡口区": "500104"}}
}

type budgetRow struct {
	Key                                   string
	Tax, Damage, EcoIn, EcoOut, Fees, Net decimal.Decimal
	Missing, Partial                      int
	Unverified                            bool
}

func (r *budgetRow) UnmarshalJSON(b []byte) error {
	var raw struct {
		Key        string          `json:"key"`
		Tax        decimal.Decimal `json:"tax"`
		Damage     decimal.Decimal `json:"damage"`
		EcoIn      decimal.Decimal `json:"ecocomp_receipts"`
		EcoOut     decimal.Decimal `json:"ecocomp_payments"`
		Fees       decimal.Decimal `json:"fees"`
		Net        decimal.Decimal `json:"net"`
		Missing    int             `json:"missing"`
		Partial    int             `json:"partial"`
		Unverified bool            `json:"unverified"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	*r = budgetRow{raw.Key, raw.Tax, raw.Damage, raw.EcoIn, raw.EcoOut, raw.Fees, raw.Net, raw.Missing, raw.Partial, raw.Unverified}
	return nil
}

func (r budgetRow) sum(o budgetRow) budgetRow {
	return budgetRow{Tax: r.Tax.Add(o.Tax), Damage: r.Damage.Add(o.Damage), EcoIn: r.EcoIn.Add(o.EcoIn), EcoOut: r.EcoOut.Add(o.EcoOut),
		Fees: r.Fees.Add(o.Fees), Net: r.Net.Add(o.Net), Missing: r.Missing + o.Missing, Partial: r.Partial + o.Partial}
}

func (r budgetRow) equal(o budgetRow) bool {
	return r.Tax.Equal(o.Tax) && r.Damage.Equal(o.Damage) && r.EcoIn.Equal(o.EcoIn) && r.EcoOut.Equal(o.EcoOut) &&
		r.Fees.Equal(o.Fees) && r.Net.Equal(o.Net) && r.Missing == o.Missing && r.Partial == o.Partial
}

type budgetLine struct {
	ID         string
	Stream     string
	District   string
	Month      string
	Amount     *decimal.Decimal
	Basis      string
	Partial    bool
	Unverified bool
	Text       string
}

type budgetResult struct {
	Region    string
	Districts []string
	Outcomes  []struct {
		ID         string
		Base       bool
		Lines      []budgetLine
		ByMonth    []budgetRow `json:"by_month"`
		ByDistrict []budgetRow `json:"by_district"`
		Total      budgetRow
		VsBase     *budgetRow `json:"vs_base"`
	}
	Coverage []struct {
		CreditCode string `json:"credit_code"`
		Month      string
		Basis      string
		Monitoring string
	} `json:"tax_coverage"`
	Warnings []struct{ Code string }
}

// TestBudgetEndToEnd records the inputs of a budget through HTTP as the
// roles that keep them, computes Chongqing's 2024 budget as finance (JSON,
// XLSX, SVG) on both databases, and checks what each role may do.
func TestBudgetEndToEnd(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, api.Config{})
		addToken(t, e, "finance_bj", filing.RoleFinance, "110000")
		addToken(t, e, "finance_500103", filing.RoleFinance, "500103")
		ids := registerA(t, e)
		var d declaration
		must(t, e.do("enterprise", "POST", "/v1/taxpayers/"+codeA+"/declarations", obj{"period": "2024-Q1", "figures": quarter(ids, "100")}, nil), 201).json(t, &d)
		must(t, e.do("enterprise", "POST", fmt.Sprintf("/v1/declarations/%d/submit", d.ID), nil, hdr{"If-Match": `"1"`}), 200)
		var stored struct {
			Assessment struct {
				Months []struct{ Month, Tax string }
			}
		}
		must(t, e.do("finance", "GET", fmt.Sprintf("/v1/declarations/%d", d.ID), nil, nil), 200).json(t, &stored)
		declared := map[string]decimal.Decimal{}
		declaredSum := decimal.Zero
		for _, m := range stored.Assessment.Months {
			declared[m.Month] = decimal.RequireFromString(m.Tax)
			declaredSum = declaredSum.Add(declared[m.Month])
		}
		if len(declared) != 3 {
			t.Fatalf("stored months: %+v", stored.Assessment.Months)
		}

		// Inputs, each by a role that keeps it.
		var dc struct {
			ID          int64
			ClaimTotal  string                 `json:"claim_total"`
			ClaimResult struct{ Total string } `json:"claim_result"`
		}
		r := must(t, e.do("env_officer", "POST", "/v1/budget/damage-cases", damageCase, hdr{"Idempotency-Key": "dc-1"}), 201)
		r.json(t, &dc)
		if dc.ClaimTotal != "14416776.00" || r.header.Get("Location") != fmt.Sprintf("/v1/budget/damage-cases/%d", dc.ID) {
			t.Errorf("damage case: %s", trim(r.body))
		}
		again := must(t, e.do("env_officer", "POST", "/v1/budget/damage-cases", damageCase, hdr{"Idempotency-Key": "dc-1"}), 201)
		if again.header.Get("Idempotent-Replayed") != "true" {
			t.Errorf("replay: %v", again.header)
		}
		var es struct{ ID int64 }
		must(t, e.do("finance", "POST", "/v1/budget/eco-settlements", ecoSettlement("II"), nil), 201).json(t, &es)
		var fb struct {
			ID     int64
			Months []struct{ Amount string }
		}
		must(t, e.do("finance", "POST", "/v1/budget/fee-bills", feeBill, nil), 201).json(t, &fb)
		if len(fb.Months) != 1 || !decimal.RequireFromString(fb.Months[0].Amount).Equal(decimal.NewFromInt(13600)) {
			t.Errorf("fee bill: %+v", fb)
		}
		must(t, e.do("env_officer", "POST", "/v1/budget/fee-bills", feeBill, nil), 403)
		must(t, e.do("finance_500103", "POST", "/v1/budget/fee-bills", map[string]any{"district": "500104", "payer": "x",
			"schedule": "cq-emission-permit-base", "inputs": obj{"pollutant": "cod"}, "months": []obj{{"month": "2024-03", "quantity": "1"}}}, nil), 403)

		var lists struct {
			DamageCases []obj `json:"damage_cases"`
		}
		must(t, e.do("env_officer", "GET", "/v1/budget/damage-cases?region=500000&year=2024", nil, nil), 200).json(t, &lists)
		if len(lists.DamageCases) != 1 {
			t.Errorf("damage cases listed: %d", len(lists.DamageCases))
		}
		must(t, e.do("finance_bj", "GET", "/v1/budget/damage-cases?region=500000", nil, nil), 403)
		must(t, e.do("finance_bj", "GET", fmt.Sprintf("/v1/budget/damage-cases/%d", dc.ID), nil, nil), 404)
		must(t, e.do("finance", "GET", fmt.Sprintf("/v1/budget/damage-cases/%d", dc.ID), nil, nil), 200)

		// April monitored: a device on DA001 and a month of HJ 212 hour
		// data (stored as the import command would); May–December nothing.
		dev := &reconcile.Device{MN: "MN-API-BUDGET", CreditCode: codeA, OutletNo: "DA001", ValidFrom: "2024-01-01"}
		if err := db.InTx(context.Background(), func(tx *store.Tx) error { return tx.InsertDevice(dev) }); err != nil {
			t.Fatal(err)
		}
		frames, _, err := reconciletest.Month(reconciletest.Device{MN: dev.MN, Factors: []reconciletest.Factor{{Code: "a21026", CouMilli: 800, AvgTenths: 900}}}, "2024-04")
		if err != nil {
			t.Fatal(err)
		}
		packets := make([]store.Incoming, len(frames))
		for i, f := range frames {
			packets[i] = store.Incoming{Packet: hj212.Parse(f, hj212.Options{}), Origin: "test"}
		}
		if _, err := db.Ingest(context.Background(), packets); err != nil {
			t.Fatal(err)
		}

		// The report.
		req := obj{"region": "500000", "year": 2024, "scenarios": []obj{
			{"id": "step-postponed", "title": "大气税额 2.4", "rates": []obj{{"class": "air", "value": "2.4"}}},
			{"id": "zero", "title": "零趋势", "trends": obj{"air": "0", "water": "0", "solid_waste": "0", "fees": "0"}},
		}}
		var res budgetResult
		must(t, e.do("finance", "POST", "/v1/budget/reports", req, nil), 200).json(t, &res)
		if len(res.Outcomes) != 3 || !res.Outcomes[0].Base {
			t.Fatalf("outcomes: %d", len(res.Outcomes))
		}
		base := res.Outcomes[0]
		taxLines := 0
		monitored := decimal.Zero
		for _, l := range base.Lines {
			if l.Stream != "tax" {
				continue
			}
			taxLines++
			switch want, ok := declared[l.Month]; {
			case ok:
				if l.Basis != "declaration" || l.Amount == nil || !l.Amount.Equal(want) {
					t.Errorf("%s: %s %v, want the declared %s", l.Month, l.Basis, l.Amount, want)
				}
			case l.Month == "2024-04":
				// An estimate from monitoring: SO2 of DA001 only, so partial;
				// unverified while the -Cou kg rule is.
				if l.Basis != "monitoring" || l.Amount == nil || !l.Amount.IsPositive() || !l.Partial || !l.Unverified {
					t.Errorf("April: %+v", l)
				} else {
					monitored = *l.Amount
				}
			default:
				// Nothing to go on: the month says so and has no amount.
				if l.Basis != "none" || l.Amount != nil || !strings.Contains(l.Text, "no monitored figures") {
					t.Errorf("%s: %s %v %q, want no basis", l.Month, l.Basis, l.Amount, l.Text)
				}
			}
		}
		if taxLines != 12 {
			t.Errorf("%d tax lines, want 12", taxLines)
		}
		want := budgetRow{Tax: declaredSum.Add(monitored), Damage: decimal.RequireFromString("14416776"), EcoIn: decimal.NewFromInt(12000000),
			EcoOut: decimal.NewFromInt(12000000), Fees: decimal.NewFromInt(13600), Missing: 8, Partial: 1}
		want.Net = want.Tax.Add(want.Damage).Add(want.EcoIn).Sub(want.EcoOut).Add(want.Fees)
		if !base.Total.equal(want) {
			t.Errorf("base total %+v, want %+v", base.Total, want)
		}
		for _, o := range res.Outcomes {
			var byMonth, byDistrict budgetRow
			for _, row := range o.ByMonth {
				byMonth = byMonth.sum(row)
			}
			for _, row := range o.ByDistrict {
				byDistrict = byDistrict.sum(row)
			}
			if !byMonth.equal(o.Total) || !byDistrict.equal(o.Total) {
				t.Errorf("%s: months %+v, districts %+v, total %+v", o.ID, byMonth, byDistrict, o.Total)
			}
		}
		if step := res.Outcomes[1]; !step.Total.Tax.LessThan(base.Total.Tax) || step.VsBase == nil || !step.VsBase.Tax.IsNegative() {
			t.Errorf("air 2.4 instead of 3.5 should lower the tax: %+v", step.Total)
		}
		if zero := res.Outcomes[2]; !zero.Total.equal(base.Total) {
			t.Errorf("a zero trend changed the budget: %+v vs %+v", zero.Total, base.Total)
		}
		if fmt.Sprint(res.Districts) != "[500103 500104]" {
			t.Errorf("districts %v", res.Districts)
		}
		missing := 0
		for _, c := range res.Coverage {
			if c.Basis == "none" {
				missing++
			}
		}
		if missing != 8 {
			t.Errorf("coverage: %d months without a basis, want 8", missing)
		}

		// XLSX and SVG carry the same figures.
		x := must(t, e.do("finance", "POST", "/v1/budget/reports?format=xlsx", req, nil), 200)
		f, err := excelize.OpenReader(bytes.NewReader(x.body))
		if err != nil {
			t.Fatal(err)
		}
		// The finance page's workbook: its sections, the base net in the
		// summary's first amount column on the 净额 row.
		if sheets := f.GetSheetList(); fmt.Sprint(sheets) != "[汇总 按月 按区县 税款依据 明细 提示]" {
			t.Errorf("sheets %v", sheets)
		}
		net := ""
		rows, _ := f.GetRows("汇总", excelize.Options{RawCellValue: true})
		for _, r := range rows {
			if len(r) > 1 && strings.HasPrefix(r[0], "净额") {
				net = r[1]
				break
			}
		}
		if d, err := decimal.NewFromString(net); err != nil || !d.Equal(base.Total.Net) {
			t.Errorf("workbook base net %q, JSON %s", net, base.Total.Net)
		}
		svg := must(t, e.do("finance", "POST", "/v1/budget/reports?format=svg", req, nil), 200)
		if ct := svg.header.Get("Content-Type"); ct != "image/svg+xml" || !bytes.Contains(svg.body, []byte("<svg")) || bytes.Contains(svg.body, []byte("<script")) {
			t.Errorf("svg: %s %s", ct, trim(svg.body))
		}

		// Who may ask.
		for who, status := range map[string]int{"enterprise": 403, "enterprise_b": 403, "tax_officer": 403, "env_officer": 403,
			"": 401, "finance_bj": 403, "finance_500103": 403, "admin": 200} {
			if r := e.do(who, "POST", "/v1/budget/reports", req, nil); r.status != status {
				t.Errorf("report as %q: %d, want %d", who, r.status, status)
			}
		}
		must(t, e.do("finance_500103", "POST", "/v1/budget/reports", obj{"region": "500103", "year": 2024}, nil), 200)

		// Deleting an input: gone from the budget, kept in the audit log.
		must(t, e.do("finance", "DELETE", fmt.Sprintf("/v1/budget/fee-bills/%d", fb.ID), nil, nil), 204)
		must(t, e.do("finance", "GET", fmt.Sprintf("/v1/budget/fee-bills/%d", fb.ID), nil, nil), 404)
		var after budgetResult
		must(t, e.do("finance", "POST", "/v1/budget/reports", obj{"region": "500000", "year": 2024}, nil), 200).json(t, &after)
		if !after.Outcomes[0].Total.Fees.IsZero() {
			t.Errorf("fees after deletion: %s", after.Outcomes[0].Total.Fees)
		}
		var audit struct{ Entries []struct{ Action string } }
		must(t, e.do("admin", "GET", "/v1/audit?entity=budget_fee_bill", nil, nil), 200).json(t, &audit)
		if len(audit.Entries) != 2 {
			t.Errorf("audit of the fee bill: %+v", audit.Entries)
		}

		// The other two inputs are deleted the same way, each out of sight of
		// a token bound elsewhere, each with its own audit actions.
		must(t, e.do("finance_bj", "DELETE", fmt.Sprintf("/v1/budget/eco-settlements/%d", es.ID), nil, nil), 404)
		must(t, e.do("env_officer", "DELETE", fmt.Sprintf("/v1/budget/damage-cases/%d", dc.ID), nil, nil), 204)
		must(t, e.do("finance", "DELETE", fmt.Sprintf("/v1/budget/eco-settlements/%d", es.ID), nil, nil), 204)
		must(t, e.do("finance", "GET", fmt.Sprintf("/v1/budget/eco-settlements/%d", es.ID), nil, nil), 404)
		for _, entity := range []string{"budget_damage_case", "budget_eco_settlement", "budget_fee_bill"} {
			var audit struct{ Entries []struct{ Action string } }
			must(t, e.do("admin", "GET", "/v1/audit?entity="+entity, nil, nil), 200).json(t, &audit)
			kind := strings.TrimPrefix(entity, "budget_")
			var actions []string
			for _, a := range audit.Entries {
				actions = append(actions, a.Action)
			}
			slices.Sort(actions)
			want := []string{"budget." + kind + ".delete", "budget." + kind + ".record"}
			if !slices.Equal(actions, want) {
				t.Errorf("audit of %s: %v, want %v", entity, actions, want)
			}
		}
	})
}

// TestCompensationCalculators: the public listings and fee calculator, and
// the token-only claim and settlement calculators.
func TestCompensationCalculators(t *testing.T) {
	e := newEnv(t, storetest.OpenSQLite(t), api.Config{})
	for _, p := range []string{"/v1/fees/schedules", "/v1/damage/parameter-sets", "/v1/ecocomp/schemes"} {
		must(t, e.do("", "GET", p, nil, nil), 200)
	}
	var fee struct {
		Total    string
		Verified bool
	}
	must(t, e.do("", "POST", "/v1/fees/calculate", obj{"schedule": "cq-emission-permit-base", "date": "2024-03-01", "quantity": "10",
		"inputs": obj{"pollutant": "cod"}}, nil), 200).json(t, &fee)
	if fee.Total != "13600.00" {
		t.Errorf("permit fee %s, want 13600.00", fee.Total)
	}
	custom := obj{"id": "my-city-waste", "version": "2025", "title": "某市生活垃圾处理费", "fee_kind": "waste", "region": "某市",
		"quantity_unit": "t", "effective_from": "2025-01-01", "source": "made up for the test", "confidence": "unverified", "verified": false,
		"parts": []obj{{"name": "waste", "kind": "per_unit", "label": "处理费", "rule": "每吨 80 元", "rates": []obj{{"price": "80"}}}}}
	must(t, e.do("", "POST", "/v1/fees/calculate", obj{"custom_schedule": custom, "date": "2025-02-01", "quantity": "2.5"}, nil), 200).json(t, &fee)
	if fee.Total != "200.00" || fee.Verified {
		t.Errorf("custom schedule: %+v", fee)
	}
	var claim struct{ Total string }
	for who, status := range map[string]int{"env_officer": 200, "tax_officer": 200, "finance": 200, "admin": 200, "enterprise": 403, "": 401} {
		r := e.do(who, "POST", "/v1/damage/calculate", gc130Claim, nil)
		if r.status != status {
			t.Errorf("damage as %q: %d, want %d", who, r.status, status)
		}
		if r.status == 200 {
			r.json(t, &claim)
			if claim.Total != "14416776.00" {
				t.Errorf("guiding case 130: %s", claim.Total)
			}
		}
		if r := e.do(who, "POST", "/v1/ecocomp/calculate", ecoSettlement("II")["settlement"], nil); r.status != status {
			t.Errorf("ecocomp as %q: %d, want %d", who, r.status, status)
		}
	}
}

// TestBudgetBadInput: each bad request is a 4xx problem naming the field,
// and nothing is computed or stored.
func TestBudgetBadInput(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, api.Config{})
		badClaim := obj{"district": "500103", "case": "x", "claim": obj{"date": "2020-01-01", "parameter_set": "recommended_2014",
			"virtual_cost": []obj{{"category": "cleanup_restoration", "medium": "surface_water", "function_class": "III",
				"discharge": "1", "unit_cost": "1", "multiplier": "7"}}}, "receipts": []obj{{"month": "2024-01", "amount": "1"}}}
		tooMuch := obj{"district": "500103", "case": "x", "settlement": obj{"amount": "100.00"}, "receipts": []obj{{"month": "2024-01", "amount": "100.01"}}}
		noParty := ecoSettlement("II")
		noParty["parties"] = obj{"渝中区": "500103"}
		report := func(mod func(o obj)) obj {
			o := obj{"region": "500000", "year": 2024}
			mod(o)
			return o
		}
		cases := []struct {
			name, who, method, path string
			body                    any
			status                  int
			path0, code             string
		}{
			{"unknown region", "finance", "POST", "/v1/budget/reports", report(func(o obj) { o["region"] = "990000" }), 400, "region", "unknown_region"},
			{"malformed region", "finance", "POST", "/v1/budget/reports", report(func(o obj) { o["region"] = "50" }), 400, "region", "unknown_region"},
			{"year before the tax", "finance", "POST", "/v1/budget/reports", report(func(o obj) { o["year"] = 2017 }), 400, "year", "year_out_of_range"},
			{"year too far ahead", "finance", "POST", "/v1/budget/reports", report(func(o obj) { o["year"] = 2031 }), 400, "year", "year_out_of_range"},
			{"trend out of range", "finance", "POST", "/v1/budget/reports", report(func(o obj) {
				o["scenarios"] = []obj{{"id": "a", "trends": obj{"air": "-150"}}}
			}), 400, "scenarios[0].trends.air", "out_of_range"},
			{"unknown trend", "finance", "POST", "/v1/budget/reports", report(func(o obj) {
				o["scenarios"] = []obj{{"id": "a", "trends": obj{"noise": "5"}}}
			}), 400, "scenarios[0].trends.noise", "unknown_field"},
			{"unknown scheme", "finance", "POST", "/v1/budget/reports", report(func(o obj) {
				o["scenarios"] = []obj{{"id": "a", "schemes": obj{"cq_basin_2018": "nowhere"}}}
			}), 400, "scenarios[0].schemes.cq_basin_2018", "unknown_scheme"},
			{"overlapping rates", "finance", "POST", "/v1/budget/reports", report(func(o obj) {
				o["scenarios"] = []obj{{"id": "a", "rates": []obj{{"class": "air", "value": "3", "to": "2024-06"}, {"class": "air", "value": "4", "from": "2024-06"}}}}
			}), 400, "scenarios[0].rates[1]", "overlapping_rates"},
			{"bad format", "finance", "POST", "/v1/budget/reports?format=pdf", report(func(obj) {}), 400, "format", "invalid_value"},
			{"multiplier out of range", "env_officer", "POST", "/v1/budget/damage-cases", badClaim, 400, "claim.virtual_cost[0].multiplier", "multiplier_out_of_range"},
			{"receipts above the settlement", "finance", "POST", "/v1/budget/damage-cases", tooMuch, 400, "receipts", "receipts_exceed_amount"},
			{"damage case, unknown district", "finance", "POST", "/v1/budget/damage-cases", obj{"district": "990101", "case": "x",
				"settlement": obj{"amount": "1"}, "receipts": []obj{{"month": "2024-01", "amount": "1"}}}, 400, "district", "unknown_region"},
			{"calculator: multiplier out of range", "finance", "POST", "/v1/damage/calculate", badClaim["claim"], 400, "virtual_cost[0].multiplier", "multiplier_out_of_range"},
			{"unknown water class", "finance", "POST", "/v1/budget/eco-settlements", ecoSettlement("VI"), 400, "settlement.sections[0].periods[0].class", "unknown_water_class"},
			{"calculator: unknown water class", "env_officer", "POST", "/v1/ecocomp/calculate", ecoSettlement("Ⅲ")["settlement"], 400, "sections[0].periods[0].class", "unknown_water_class"},
			{"party without a code", "finance", "POST", "/v1/budget/eco-settlements", noParty, 400, "parties", "missing_party"},
			{"unknown fee schedule", "finance", "POST", "/v1/budget/fee-bills", obj{"district": "500103", "payer": "x", "schedule": "nope",
				"months": []obj{{"month": "2024-01", "quantity": "1"}}}, 400, "schedule", "unknown_schedule"},
			{"negative quantity", "finance", "POST", "/v1/budget/fee-bills", obj{"district": "500103", "payer": "x", "schedule": "cq-emission-permit-base",
				"inputs": obj{"pollutant": "cod"}, "months": []obj{{"month": "2024-01", "quantity": "-1"}}}, 400, "months[0].quantity", "invalid_number"},
			{"fee month out of range", "finance", "POST", "/v1/budget/fee-bills", obj{"district": "500103", "payer": "x", "schedule": "cq-emission-permit-base",
				"inputs": obj{"pollutant": "cod"}, "months": []obj{{"month": "2017-12", "quantity": "1"}}}, 400, "months[0].month", "invalid_value"},
			{"calculator: unknown schedule", "", "POST", "/v1/fees/calculate", obj{"schedule": "nope", "date": "2024-01-01", "quantity": "1"}, 400, "schedule", "unknown_schedule"},
			{"calculator: bad custom schedule", "", "POST", "/v1/fees/calculate", obj{"custom_schedule": obj{"id": "x"}, "date": "2024-01-01", "quantity": "1"}, 400, "custom_schedule", ""},
			// 30 digits: refused by every decoder as by the tax contract (issue 11, item 7).
			{"30 digits: fee bill", "finance", "POST", "/v1/budget/fee-bills", obj{"district": "500103", "payer": "x", "schedule": "cq-emission-permit-base",
				"inputs": obj{"pollutant": "cod"}, "months": []obj{{"month": "2024-01", "quantity": "123456789012345678901234567890"}}}, 400, "months[0].quantity", "invalid_number"},
			{"30 digits: fee calculator", "", "POST", "/v1/fees/calculate", obj{"schedule": "cq-emission-permit-base", "date": "2024-03-01", "quantity": "123456789012345678901234567890",
				"inputs": obj{"pollutant": "cod"}}, 400, "quantity", "invalid_number"},
			{"30 digits: damage case", "finance", "POST", "/v1/budget/damage-cases", obj{"district": "500103", "case": "x",
				"settlement": obj{"amount": "123456789012345678901234567890"}, "receipts": []obj{{"month": "2024-01", "amount": "1"}}}, 400, "settlement.amount", "invalid_number"},
			{"13 decimals: damage case", "finance", "POST", "/v1/budget/damage-cases", obj{"district": "500103", "case": "x",
				"settlement": obj{"amount": "1"}, "receipts": []obj{{"month": "2024-01", "amount": "0.0000000000001"}}}, 400, "receipts[0].amount", "invalid_number"},
			{"list: unknown region", "finance", "GET", "/v1/budget/fee-bills?region=990000", nil, 400, "region", "unknown_region"},
			{"list: year out of range", "finance", "GET", "/v1/budget/fee-bills?year=1999", nil, 400, "year", "year_out_of_range"},
			{"unknown field", "finance", "POST", "/v1/budget/reports", report(func(o obj) { o["extra"] = true }), 400, "extra", "unknown_field"},
			{"empty body", "finance", "POST", "/v1/budget/reports", "", 400, "$", "invalid_json"},
		}
		for _, c := range cases {
			r := e.do(c.who, c.method, c.path, c.body, nil)
			if r.status != c.status {
				t.Errorf("%s: status %d, want %d: %s", c.name, r.status, c.status, trim(r.body))
				continue
			}
			p := r.problem(t)
			if got := firstPath(p); got != c.path0 && !strings.HasPrefix(got, c.path0) {
				t.Errorf("%s: path %q, want %q: %v", c.name, got, c.path0, p["errors"])
			}
			if c.code != "" && p["code"] != c.code && !strings.Contains(fmt.Sprint(p["errors"]), c.code) {
				t.Errorf("%s: code %v, want %s: %v", c.name, p["code"], c.code, p["errors"])
			}
		}
		// Nothing was stored.
		for _, p := range []string{"/v1/budget/damage-cases", "/v1/budget/eco-settlements", "/v1/budget/fee-bills"} {
			body := string(must(t, e.do("admin", "GET", p, nil, nil), 200).body)
			if strings.Contains(body, `"id"`) {
				t.Errorf("%s after bad input: %s", p, body)
			}
		}
		for _, entity := range []string{"budget_damage_case", "budget_eco_settlement", "budget_fee_bill"} {
			var audit struct{ Entries []obj }
			must(t, e.do("admin", "GET", "/v1/audit?entity="+entity, nil, nil), 200).json(t, &audit)
			if len(audit.Entries) != 0 {
				t.Errorf("audit %s after bad input: %v", entity, audit.Entries)
			}
		}
	})
}

// TestBudgetRoutesEveryRole walks the compensation and budget routes as
// every role: the roles allowed get past authorization, the others 403,
// no token 401.
func TestBudgetRoutesEveryRole(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, api.Config{})
		var ids struct{ d, s, f int64 }
		var created struct{ ID int64 }
		must(t, e.do("admin", "POST", "/v1/budget/damage-cases", damageCase, nil), 201).json(t, &created)
		ids.d = created.ID
		must(t, e.do("admin", "POST", "/v1/budget/eco-settlements", ecoSettlement("II"), nil), 201).json(t, &created)
		ids.s = created.ID
		must(t, e.do("admin", "POST", "/v1/budget/fee-bills", feeBill, nil), 201).json(t, &created)
		ids.f = created.ID
		compute := []string{"tax_officer", "env_officer", "finance", "admin"}
		keepers := []string{"env_officer", "finance", "admin"}
		financeOnly := []string{"finance", "admin"}
		routes := []struct {
			method, path string
			body         any
			roles        []string
		}{
			{"POST", "/v1/damage/calculate", gc130Claim, compute},
			{"POST", "/v1/ecocomp/calculate", ecoSettlement("II")["settlement"], compute},
			{"POST", "/v1/budget/damage-cases", damageCase, keepers},
			{"GET", "/v1/budget/damage-cases", nil, keepers},
			{"GET", fmt.Sprintf("/v1/budget/damage-cases/%d", ids.d), nil, keepers},
			{"POST", "/v1/budget/eco-settlements", ecoSettlement("II"), keepers},
			{"GET", "/v1/budget/eco-settlements", nil, keepers},
			{"GET", fmt.Sprintf("/v1/budget/eco-settlements/%d", ids.s), nil, keepers},
			{"POST", "/v1/budget/fee-bills", feeBill, financeOnly},
			{"GET", "/v1/budget/fee-bills", nil, keepers},
			{"GET", fmt.Sprintf("/v1/budget/fee-bills/%d", ids.f), nil, keepers},
			{"POST", "/v1/budget/reports", obj{"region": "500000", "year": 2024}, financeOnly},
		}
		for _, role := range []string{"enterprise", "enterprise_b", "tax_officer", "tax_officer_bj", "env_officer", "finance", "admin", ""} {
			for _, r := range routes {
				res := e.do(role, r.method, r.path, r.body, nil)
				switch {
				case role == "":
					if res.status != 401 {
						t.Errorf("%s %s without a token: %d", r.method, r.path, res.status)
					}
				case contains(r.roles, strings.TrimSuffix(strings.TrimSuffix(role, "_bj"), "_b")):
					// A calculator has no region: a tax officer of Beijing may compute.
					if res.status >= 300 {
						t.Errorf("%s %s as %s: %d %s", r.method, r.path, role, res.status, trim(res.body))
					}
				default:
					if res.status != 403 {
						t.Errorf("%s %s as %s: %d, want 403", r.method, r.path, role, res.status)
					}
					res.problem(t)
				}
			}
		}
	})
}

// TestCrossRegionSettlement (issue 11, item 10; docs/budget.md): finance
// of 渝中区 records a settlement with 大渡口区; 大渡口区's side is pending
// — listed to 大渡口区's finance, in no budget of 大渡口区 — until
// 大渡口区's finance confirms it.
func TestCrossRegionSettlement(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, api.Config{})
		addToken(t, e, "finance_500103", filing.RoleFinance, "500103")
		addToken(t, e, "finance_500104", filing.RoleFinance, "500104")
		var es struct {
			ID      int64
			Pending []string `json:"pending_parties"`
		}
		must(t, e.do("finance_500103", "POST", "/v1/budget/eco-settlements", ecoSettlement("II"), nil), 201).json(t, &es)
		if len(es.Pending) != 1 || es.Pending[0] != "大渡口区" {
			t.Fatalf("pending %v", es.Pending)
		}
		ecoLines := func() int {
			var res budgetResult
			must(t, e.do("finance_500104", "POST", "/v1/budget/reports", obj{"region": "500104", "year": 2024}, nil), 200).json(t, &res)
			n := 0
			for _, l := range res.Outcomes[0].Lines {
				if strings.HasPrefix(l.Stream, "eco") {
					n++
				}
			}
			return n
		}
		var listed struct {
			EcoSettlements []struct {
				ID      int64
				Pending []string `json:"pending_parties"`
			} `json:"eco_settlements"`
		}
		must(t, e.do("finance_500104", "GET", "/v1/budget/eco-settlements?year=2024", nil, nil), 200).json(t, &listed)
		if len(listed.EcoSettlements) != 1 || len(listed.EcoSettlements[0].Pending) != 1 {
			t.Fatalf("大渡口区 does not see the pending settlement: %+v", listed)
		}
		if n := ecoLines(); n != 0 {
			t.Errorf("an unconfirmed settlement gave %d lines of 大渡口区's budget", n)
		}
		path := fmt.Sprintf("/v1/budget/eco-settlements/%d/confirm", es.ID)
		must(t, e.do("finance_500103", "POST", path, nil, nil), 409)
		var after struct {
			Pending []string `json:"pending_parties"`
		}
		must(t, e.do("finance_500104", "POST", path, nil, nil), 200).json(t, &after)
		if len(after.Pending) != 0 {
			t.Errorf("after confirming: pending %v", after.Pending)
		}
		if n := ecoLines(); n == 0 {
			t.Error("the confirmed settlement is not in 大渡口区's budget")
		}
		must(t, e.do("finance_500104", "POST", path, nil, nil), 409)
	})
}

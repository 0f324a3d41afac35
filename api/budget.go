package api

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/ecotax/ecotax/budget"
	"github.com/ecotax/ecotax/budget/report"
	"github.com/ecotax/ecotax/calc"
	"github.com/ecotax/ecotax/calc/damage"
	"github.com/ecotax/ecotax/calc/ecocomp"
	"github.com/ecotax/ecotax/calc/param"
	"github.com/ecotax/ecotax/filing"
	"github.com/ecotax/ecotax/reconcile"
	"github.com/ecotax/ecotax/store"
)

// budgetCalculators are the engines a budget computes with.
func (s *Server) budgetCalculators() budget.Calculators {
	return budget.Calculators{Engine: s.engine, Fees: s.fees, Ecocomp: s.ecocomp, Damage: s.damage}
}

// budgetLimits: budgets reach at most five years past the current year in
// Beijing.
func (s *Server) budgetLimits() budget.Limits {
	y, _ := strconv.Atoi(string(filing.Today(s.now()))[:4])
	return budget.Limits{MaxYear: y + 5}
}

// inScope reports whether a region-bound token covers a GB/T 2260 code.
func inScope(p filing.Principal, code string) bool {
	return p.Region == "" || strings.HasPrefix(code, filing.RegionPrefix(p.Region))
}

func outsideScope(p filing.Principal, path, code string) error {
	return apiError(calc.KindForbidden, "outside_region", "超出管辖区域", code+" is outside the token's region "+p.Region,
		calc.FieldError{Path: path, Code: "outside_region", Message: "outside the token's region " + p.Region})
}

// body reads a non-empty JSON body.
func (s *Server) jsonBody(c echo.Context) ([]byte, error) {
	body, err := readBody(c, s.cfg.BodyLimit, "")
	if err != nil {
		return nil, err
	}
	if len(body) == 0 {
		return nil, apiError(calc.KindInvalid, "invalid_json", "JSON 格式错误", "empty body",
			calc.FieldError{Path: "$", Code: "invalid_json", Message: "the body is empty"})
	}
	return body, nil
}

// --- the budget report ---

// budgetReport computes a region's budget for a year with its scenarios:
// JSON (default), XLSX or SVG. Nothing is stored.
func (s *Server) budgetReport(c echo.Context) error {
	p, err := allowed(c, filing.ActBudgetReport)
	if err != nil {
		return err
	}
	format := c.QueryParam("format")
	if format != "" && format != "json" && format != "xlsx" && format != "svg" {
		return calc.Invalid([]calc.FieldError{{Path: "format", Code: "invalid_value", Message: "format is json, xlsx or svg"}})
	}
	body, err := s.jsonBody(c)
	if err != nil {
		return err
	}
	calcs := s.budgetCalculators()
	rr, err := budget.DecodeReport(body, calcs, s.budgetLimits())
	if err != nil {
		return err
	}
	if !inScope(p, rr.Region) {
		return outsideScope(p, "region", rr.Region)
	}
	// Months without a declaration fall back on the stored monitoring
	// figures, which are derived data: bring them up to date first, as the
	// monitoring routes do.
	set, err := s.reconcile.On(param.NewDate(rr.Year, 1, 1))
	if err != nil {
		return err
	}
	if _, err := s.store.RefreshAll(c.Request().Context(), int32(set.Places.Value.IntPart())); err != nil {
		return err
	}
	codes := reconcile.NewCodes(s.engine.Tables().HJ212, s.engine.Names())
	var in *budget.Input
	err = s.view(c, func(tx *store.Tx) error {
		var err error
		in, err = tx.BudgetInput(calcs, rr.Region, rr.RegionName, rr.Year, tx.BudgetMonitoring(codes, s.reconcile))
		return err
	})
	if err != nil {
		return err
	}
	res, err := budget.Compute(calcs, in, rr.Scenarios)
	if err != nil {
		return err
	}
	name := "budget-" + rr.Region + "-" + strconv.Itoa(rr.Year)
	switch format {
	case "xlsx":
		out, err := report.XLSX(res)
		if err != nil {
			return err
		}
		c.Response().Header().Set(echo.HeaderContentDisposition, `attachment; filename="`+name+`.xlsx"`)
		return c.Blob(http.StatusOK, mimeXLSX, out)
	case "svg":
		c.Response().Header().Set(echo.HeaderContentDisposition, `inline; filename="`+name+`.svg"`)
		return c.Blob(http.StatusOK, "image/svg+xml", report.SVG(res))
	}
	return c.JSON(http.StatusOK, res)
}

// --- recorded inputs ---

// listFilter reads ?region= and ?year= of the input listings; a token
// bound to a region lists inside it.
func (s *Server) listFilter(c echo.Context, p filing.Principal) (prefix string, year int, err error) {
	var errs []calc.FieldError
	region := c.QueryParam("region")
	if region == "" {
		region = p.Region
	}
	if region != "" {
		if _, msg := budget.CheckRegion(s.engine, region); msg != "" {
			errs = append(errs, calc.FieldError{Path: "region", Code: "unknown_region", Message: msg})
		} else if !inScope(p, region) {
			return "", 0, outsideScope(p, "region", region)
		}
		prefix = calc.RegionPrefix(region)
	}
	if y := c.QueryParam("year"); y != "" {
		n, convErr := strconv.Atoi(y)
		msg := budget.CheckYear(n, s.budgetLimits())
		if convErr != nil {
			msg = "year is a whole number"
		}
		if msg != "" {
			errs = append(errs, calc.FieldError{Path: "year", Code: "year_out_of_range", Message: msg})
		}
		year = n
	}
	if len(errs) > 0 {
		return "", 0, calc.Invalid(errs)
	}
	return prefix, year, nil
}

func (s *Server) createDamageCase(c echo.Context) error {
	p, err := allowed(c, filing.ActDamageCaseRecord)
	if err != nil {
		return err
	}
	body, err := s.jsonBody(c)
	if err != nil {
		return err
	}
	calcs := s.budgetCalculators()
	rec, err := budget.DecodeDamageCase(body, calcs, s.budgetLimits())
	if err != nil {
		return err
	}
	dc := rec.Case
	if !inScope(p, dc.District) {
		return outsideScope(p, "district", dc.District)
	}
	row := &store.BudgetDamageCase{District: dc.District, Case: dc.Case, Claim: rec.ClaimJSON,
		ClaimTotal: filing.Money{NullDecimal: dc.ClaimTotal}, ClaimUnverified: dc.ClaimUnverified,
		SettledAmount: filing.Money{NullDecimal: dc.Settled}, SettledOn: filing.Date(dc.SettledOn), CreatedBy: p.Actor()}
	for _, r := range dc.Receipts {
		row.Receipts = append(row.Receipts, store.BudgetReceipt{Month: r.Month, Amount: filing.MoneyOf(r.Amount), Received: r.Received})
	}
	return s.create(c, body, func(tx *store.Tx) (*createdResult, error) {
		if err := tx.InsertBudgetDamageCase(row); err != nil {
			return nil, err
		}
		id := strconv.FormatInt(row.ID, 10)
		if err := s.audit(tx, c, filing.ActDamageCaseRecord, "budget_damage_case", id, "", nil, row); err != nil {
			return nil, err
		}
		return &createdResult{location: "/v1/budget/damage-cases/" + id, body: damageCaseView{row, rec.Claim}}, nil
	})
}

// damageCaseView is a recorded case, with the claim's computed result
// when it was just recorded.
type damageCaseView struct {
	*store.BudgetDamageCase
	ClaimResult *damage.Result `json:"claim_result,omitempty"`
}

func (s *Server) listDamageCases(c echo.Context) error {
	p, err := allowed(c, filing.ActBudgetInputsRead)
	if err != nil {
		return err
	}
	prefix, year, err := s.listFilter(c, p)
	if err != nil {
		return err
	}
	var list []*store.BudgetDamageCase
	if err := s.view(c, func(tx *store.Tx) error {
		var err error
		list, err = tx.ListBudgetDamageCases(prefix, year)
		return err
	}); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"damage_cases": list})
}

func (s *Server) getDamageCase(c echo.Context) error {
	p, err := allowed(c, filing.ActBudgetInputsRead)
	if err != nil {
		return err
	}
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var row *store.BudgetDamageCase
	if err := s.view(c, func(tx *store.Tx) error {
		var err error
		row, err = damageCaseOf(tx, p, id)
		return err
	}); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, row)
}

func (s *Server) deleteDamageCase(c echo.Context) error {
	p, err := allowed(c, filing.ActDamageCaseRecord)
	if err != nil {
		return err
	}
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	return s.deleteRecord(c, func(tx *store.Tx) (any, error) {
		row, err := damageCaseOf(tx, p, id)
		if err != nil {
			return nil, err
		}
		if err := tx.DeleteBudgetDamageCase(id); err != nil {
			return nil, err
		}
		return row, s.audit(tx, c, "budget.damage_case.delete", "budget_damage_case", strconv.FormatInt(id, 10), "", row, nil)
	})
}

// damageCaseOf loads a recorded damage case the caller may see; one it may not see
// answers like one that does not exist.
func damageCaseOf(tx *store.Tx, p filing.Principal, id int64) (*store.BudgetDamageCase, error) {
	row, err := tx.GetBudgetDamageCase(id)
	if err == nil && !inScope(p, row.District) {
		err = apiError(calc.KindNotFound, "damage_case_not_found", "损害赔偿案件不存在", "no damage case visible to this token")
	}
	return row, err
}

// ecoSettlementOf loads a recorded eco-compensation settlement the caller may see; one it may not see
// answers like one that does not exist.
func ecoSettlementOf(tx *store.Tx, p filing.Principal, id int64) (*store.BudgetEcoSettlement, error) {
	row, err := tx.GetBudgetEcoSettlement(id)
	if err == nil && !ecoVisible(p, row.Parties) {
		err = apiError(calc.KindNotFound, "eco_settlement_not_found", "生态补偿结算不存在", "no settlement visible to this token")
	}
	return row, err
}

// feeBillOf loads a recorded fee bill the caller may see; one it may not see
// answers like one that does not exist.
func feeBillOf(tx *store.Tx, p filing.Principal, id int64) (*store.BudgetFeeBill, error) {
	row, err := tx.GetBudgetFeeBill(id)
	if err == nil && !inScope(p, row.District) {
		err = apiError(calc.KindNotFound, "fee_bill_not_found", "收费清单不存在", "no fee bill visible to this token")
	}
	return row, err
}

// deleteRecord runs a deletion in one transaction and answers 204.
func (s *Server) deleteRecord(c echo.Context, fn func(tx *store.Tx) (any, error)) error {
	if err := s.store.InTx(c.Request().Context(), func(tx *store.Tx) error {
		_, err := fn(tx)
		return err
	}); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (s *Server) createEcoSettlement(c echo.Context) error {
	p, err := allowed(c, filing.ActEcoSettlementRecord)
	if err != nil {
		return err
	}
	body, err := s.jsonBody(c)
	if err != nil {
		return err
	}
	calcs := s.budgetCalculators()
	rec, err := budget.DecodeEcoSettlement(body, calcs, s.budgetLimits())
	if err != nil {
		return err
	}
	if !ecoVisible(p, rec.Settlement.Parties) {
		return outsideScope(p, "parties", "every party")
	}
	row := &store.BudgetEcoSettlement{Year: rec.Settlement.Request.Year, Scheme: rec.Settlement.Request.Scheme,
		Request: rec.RequestJSON, Gross: rec.Result.Gross, Parties: rec.Settlement.Parties, CreatedBy: p.Actor()}
	return s.create(c, body, func(tx *store.Tx) (*createdResult, error) {
		if err := tx.InsertBudgetEcoSettlement(row); err != nil {
			return nil, err
		}
		id := strconv.FormatInt(row.ID, 10)
		if err := s.audit(tx, c, filing.ActEcoSettlementRecord, "budget_eco_settlement", id, "", nil, row); err != nil {
			return nil, err
		}
		return &createdResult{location: "/v1/budget/eco-settlements/" + id, body: ecoSettlementView{row, rec.Result}}, nil
	})
}

type ecoSettlementView struct {
	*store.BudgetEcoSettlement
	Result *ecocomp.Result `json:"result,omitempty"`
}

// ecoVisible: a settlement concerns a region-bound token when one of its
// parties lies in the token's region.
func ecoVisible(p filing.Principal, parties map[string]string) bool {
	for _, code := range parties {
		if inScope(p, code) {
			return true
		}
	}
	return false
}

func (s *Server) listEcoSettlements(c echo.Context) error {
	p, err := allowed(c, filing.ActBudgetInputsRead)
	if err != nil {
		return err
	}
	prefix, year, err := s.listFilter(c, p)
	if err != nil {
		return err
	}
	var list []*store.BudgetEcoSettlement
	if err := s.view(c, func(tx *store.Tx) error {
		var err error
		list, err = tx.ListBudgetEcoSettlements(prefix, year)
		return err
	}); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"eco_settlements": list})
}

func (s *Server) getEcoSettlement(c echo.Context) error {
	p, err := allowed(c, filing.ActBudgetInputsRead)
	if err != nil {
		return err
	}
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var row *store.BudgetEcoSettlement
	if err := s.view(c, func(tx *store.Tx) error {
		var err error
		row, err = ecoSettlementOf(tx, p, id)
		return err
	}); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, row)
}

func (s *Server) deleteEcoSettlement(c echo.Context) error {
	p, err := allowed(c, filing.ActEcoSettlementRecord)
	if err != nil {
		return err
	}
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	return s.deleteRecord(c, func(tx *store.Tx) (any, error) {
		row, err := ecoSettlementOf(tx, p, id)
		if err != nil {
			return nil, err
		}
		if err := tx.DeleteBudgetEcoSettlement(id); err != nil {
			return nil, err
		}
		return row, s.audit(tx, c, "budget.eco_settlement.delete", "budget_eco_settlement", strconv.FormatInt(id, 10), "", row, nil)
	})
}

func (s *Server) createFeeBill(c echo.Context) error {
	p, err := allowed(c, filing.ActFeeBillRecord)
	if err != nil {
		return err
	}
	body, err := s.jsonBody(c)
	if err != nil {
		return err
	}
	calcs := s.budgetCalculators()
	rec, err := budget.DecodeFeeBill(body, calcs, s.budgetLimits())
	if err != nil {
		return err
	}
	fb := rec.Bill
	if len(rec.Results) != len(fb.Months) {
		return apiError(calc.KindInternal, "internal", "服务器内部错误", "fee bill: a month without its fee")
	}
	if !inScope(p, fb.District) {
		return outsideScope(p, "district", fb.District)
	}
	inputs, err := json.Marshal(fb.Inputs)
	if err != nil {
		return err
	}
	row := &store.BudgetFeeBill{District: fb.District, Payer: fb.Payer, Schedule: fb.Schedule, Inputs: inputs,
		PartialStep: fb.PartialStep, CreatedBy: p.Actor()}
	for i, m := range fb.Months {
		r := rec.Results[i]
		row.Months = append(row.Months, store.BudgetFeeMonth{Month: m.Month, Day: filing.Date(m.Date), Quantity: m.Quantity,
			Amount: r.Total, Sched: r.Schedule.ID + "@" + r.Schedule.Version, Verified: r.Verified})
	}
	return s.create(c, body, func(tx *store.Tx) (*createdResult, error) {
		if err := tx.InsertBudgetFeeBill(row); err != nil {
			return nil, err
		}
		id := strconv.FormatInt(row.ID, 10)
		if err := s.audit(tx, c, filing.ActFeeBillRecord, "budget_fee_bill", id, "", nil, row); err != nil {
			return nil, err
		}
		return &createdResult{location: "/v1/budget/fee-bills/" + id, body: row}, nil
	})
}

func (s *Server) listFeeBills(c echo.Context) error {
	p, err := allowed(c, filing.ActBudgetInputsRead)
	if err != nil {
		return err
	}
	prefix, year, err := s.listFilter(c, p)
	if err != nil {
		return err
	}
	var list []*store.BudgetFeeBill
	if err := s.view(c, func(tx *store.Tx) error {
		var err error
		list, err = tx.ListBudgetFeeBills(prefix, year)
		return err
	}); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"fee_bills": list})
}

func (s *Server) getFeeBill(c echo.Context) error {
	p, err := allowed(c, filing.ActBudgetInputsRead)
	if err != nil {
		return err
	}
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var row *store.BudgetFeeBill
	if err := s.view(c, func(tx *store.Tx) error {
		var err error
		row, err = feeBillOf(tx, p, id)
		return err
	}); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, row)
}

func (s *Server) deleteFeeBill(c echo.Context) error {
	p, err := allowed(c, filing.ActFeeBillRecord)
	if err != nil {
		return err
	}
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	return s.deleteRecord(c, func(tx *store.Tx) (any, error) {
		row, err := feeBillOf(tx, p, id)
		if err != nil {
			return nil, err
		}
		if err := tx.DeleteBudgetFeeBill(id); err != nil {
			return nil, err
		}
		return row, s.audit(tx, c, "budget.fee_bill.delete", "budget_fee_bill", strconv.FormatInt(id, 10), "", row, nil)
	})
}

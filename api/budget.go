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
	// reconciliation does (the parameters of the year must exist).
	if _, err := s.reconcile.On(param.NewDate(rr.Year, 1, 1)); err != nil {
		return err
	}
	if _, err := s.app.RefreshFigures(ctx(c), 0); err != nil {
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
	return damageCases.create(s, c, body, row, damageCaseView{row, rec.Claim})
}

// damageCaseView is a recorded case, with the claim's computed result
// when it was just recorded.
type damageCaseView struct {
	*store.BudgetDamageCase
	ClaimResult *damage.Result `json:"claim_result,omitempty"`
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
	return ecoSettlements.create(s, c, body, row, ecoSettlementView{row, rec.Result})
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
	return feeBills.create(s, c, body, row, row)
}

// budgetInput is one kind of recorded budget input (损害赔偿案件, 生态补偿结算,
// 收费清单): once decoded, each is stored, listed, read and deleted the same
// way, by the methods below.
type budgetInput[T any] struct {
	write   filing.Action // records and deletes one
	deleted filing.Action // the audit action of a deletion
	entity  string        // the audit entity
	path    string        // where one lives, before its id
	key     string        // the listing's JSON key
	insert  func(tx *store.Tx, row *T) error
	idOf    func(row *T) int64 // the id insert gave it
	list    func(tx *store.Tx, prefix string, year int) ([]*T, error)
	get     func(tx *store.Tx, id int64) (*T, error)
	remove  func(tx *store.Tx, id int64) error
	visible func(p filing.Principal, row *T) bool
	// What one the caller may not see answers: the same as one that does
	// not exist.
	hiddenCode, hiddenTitle, hiddenDetail string
}

var (
	damageCases = &budgetInput[store.BudgetDamageCase]{
		write: filing.ActDamageCaseRecord, deleted: "budget.damage_case.delete", entity: "budget_damage_case",
		path: "/v1/budget/damage-cases/", key: "damage_cases",
		insert: (*store.Tx).InsertBudgetDamageCase, idOf: func(row *store.BudgetDamageCase) int64 { return row.ID },
		list: (*store.Tx).ListBudgetDamageCases, get: (*store.Tx).GetBudgetDamageCase, remove: (*store.Tx).DeleteBudgetDamageCase,
		visible:    func(p filing.Principal, row *store.BudgetDamageCase) bool { return inScope(p, row.District) },
		hiddenCode: "damage_case_not_found", hiddenTitle: "损害赔偿案件不存在", hiddenDetail: "no damage case visible to this token",
	}
	ecoSettlements = &budgetInput[store.BudgetEcoSettlement]{
		write: filing.ActEcoSettlementRecord, deleted: "budget.eco_settlement.delete", entity: "budget_eco_settlement",
		path: "/v1/budget/eco-settlements/", key: "eco_settlements",
		insert: (*store.Tx).InsertBudgetEcoSettlement, idOf: func(row *store.BudgetEcoSettlement) int64 { return row.ID },
		list: (*store.Tx).ListBudgetEcoSettlements, get: (*store.Tx).GetBudgetEcoSettlement, remove: (*store.Tx).DeleteBudgetEcoSettlement,
		visible:    func(p filing.Principal, row *store.BudgetEcoSettlement) bool { return ecoVisible(p, row.Parties) },
		hiddenCode: "eco_settlement_not_found", hiddenTitle: "生态补偿结算不存在", hiddenDetail: "no settlement visible to this token",
	}
	feeBills = &budgetInput[store.BudgetFeeBill]{
		write: filing.ActFeeBillRecord, deleted: "budget.fee_bill.delete", entity: "budget_fee_bill",
		path: "/v1/budget/fee-bills/", key: "fee_bills",
		insert: (*store.Tx).InsertBudgetFeeBill, idOf: func(row *store.BudgetFeeBill) int64 { return row.ID },
		list: (*store.Tx).ListBudgetFeeBills, get: (*store.Tx).GetBudgetFeeBill, remove: (*store.Tx).DeleteBudgetFeeBill,
		visible:    func(p filing.Principal, row *store.BudgetFeeBill) bool { return inScope(p, row.District) },
		hiddenCode: "fee_bill_not_found", hiddenTitle: "收费清单不存在", hiddenDetail: "no fee bill visible to this token",
	}
)

func (s *Server) listDamageCases(c echo.Context) error     { return damageCases.listRoute(s, c) }
func (s *Server) getDamageCase(c echo.Context) error       { return damageCases.getRoute(s, c) }
func (s *Server) deleteDamageCase(c echo.Context) error    { return damageCases.deleteRoute(s, c) }
func (s *Server) listEcoSettlements(c echo.Context) error  { return ecoSettlements.listRoute(s, c) }
func (s *Server) getEcoSettlement(c echo.Context) error    { return ecoSettlements.getRoute(s, c) }
func (s *Server) deleteEcoSettlement(c echo.Context) error { return ecoSettlements.deleteRoute(s, c) }
func (s *Server) listFeeBills(c echo.Context) error        { return feeBills.listRoute(s, c) }
func (s *Server) getFeeBill(c echo.Context) error          { return feeBills.getRoute(s, c) }
func (s *Server) deleteFeeBill(c echo.Context) error       { return feeBills.deleteRoute(s, c) }

// create records a row with its audit entry in one transaction (see
// Server.create); the answer shows view.
func (b *budgetInput[T]) create(s *Server, c echo.Context, body []byte, row *T, view any) error {
	return s.create(c, body, func(tx *store.Tx) (*createdResult, error) {
		if err := b.insert(tx, row); err != nil {
			return nil, err
		}
		id := strconv.FormatInt(b.idOf(row), 10)
		if err := s.audit(tx, c, b.write, b.entity, id, "", nil, row); err != nil {
			return nil, err
		}
		return &createdResult{location: b.path + id, body: view}, nil
	})
}

// of loads a record the caller may see; one it may not see answers like
// one that does not exist.
func (b *budgetInput[T]) of(tx *store.Tx, p filing.Principal, id int64) (*T, error) {
	row, err := b.get(tx, id)
	if err == nil && !b.visible(p, row) {
		err = apiError(calc.KindNotFound, b.hiddenCode, b.hiddenTitle, b.hiddenDetail)
	}
	return row, err
}

func (b *budgetInput[T]) listRoute(s *Server, c echo.Context) error {
	p, err := allowed(c, filing.ActBudgetInputsRead)
	if err != nil {
		return err
	}
	prefix, year, err := s.listFilter(c, p)
	if err != nil {
		return err
	}
	var list []*T
	if err := s.view(c, func(tx *store.Tx) error {
		var err error
		list, err = b.list(tx, prefix, year)
		return err
	}); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{b.key: list})
}

func (b *budgetInput[T]) getRoute(s *Server, c echo.Context) error {
	p, err := allowed(c, filing.ActBudgetInputsRead)
	if err != nil {
		return err
	}
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var row *T
	if err := s.view(c, func(tx *store.Tx) error {
		var err error
		row, err = b.of(tx, p, id)
		return err
	}); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, row)
}

// deleteRoute deletes a record in one transaction, keeps it in the audit
// log and answers 204.
func (b *budgetInput[T]) deleteRoute(s *Server, c echo.Context) error {
	p, err := allowed(c, b.write)
	if err != nil {
		return err
	}
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if err := s.store.InTx(c.Request().Context(), func(tx *store.Tx) error {
		row, err := b.of(tx, p, id)
		if err != nil {
			return err
		}
		if err := b.remove(tx, id); err != nil {
			return err
		}
		return s.audit(tx, c, b.deleted, b.entity, strconv.FormatInt(id, 10), "", row, nil)
	}); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

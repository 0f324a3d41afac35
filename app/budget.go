package app

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/ecotax/ecotax/budget"
	"github.com/ecotax/ecotax/calc"
	"github.com/ecotax/ecotax/calc/damage"
	"github.com/ecotax/ecotax/calc/ecocomp"
	"github.com/ecotax/ecotax/calc/param"
	"github.com/ecotax/ecotax/filing"
	"github.com/ecotax/ecotax/reconcile"
	"github.com/ecotax/ecotax/store"
)

// The finance bureau's budget (docs/budget.md): a region's tax, damage
// compensation, eco-compensation and fee receipts for a year, with
// scenarios beside the base; and the inputs recorded for it.

// BudgetCalculators are the engines a budget computes with.
func (t *Tables) BudgetCalculators() budget.Calculators {
	return budget.Calculators{Engine: t.Engine, Fees: t.Fees, Ecocomp: t.Ecocomp, Damage: t.Damage}
}

// BudgetCalculators are the engines a budget computes with.
func (s *Service) BudgetCalculators() budget.Calculators { return s.t.BudgetCalculators() }

// RegionNames gives each region code of the tax tables its name (the
// first row of a code names it), for budget views and workbooks, which
// show 渝中区（500103） where the figures carry only the code.
func (t *Tables) RegionNames() map[string]string {
	names := map[string]string{}
	for _, r := range t.Engine.Regions() {
		if _, ok := names[r.Code]; !ok {
			names[r.Code] = r.Name
		}
	}
	return names
}

// RegionNames: see Tables.RegionNames.
func (s *Service) RegionNames() map[string]string { return s.t.RegionNames() }

// BudgetLimitsAt: on a day, budgets reach at most five years past the
// current year in Beijing.
func BudgetLimitsAt(now time.Time) budget.Limits {
	return budget.Limits{MaxYear: yearOf(now) + 5}
}

// BudgetLimits are BudgetLimitsAt the service's clock.
func (s *Service) BudgetLimits() budget.Limits { return BudgetLimitsAt(s.now()) }

// ThisYear is the current year in Beijing.
func (s *Service) ThisYear() int { return yearOf(s.now()) }

func yearOf(t time.Time) int {
	y, _ := strconv.Atoi(string(filing.Today(t))[:4])
	return y
}

// inScope reports whether a region-bound principal covers a GB/T 2260 code.
func inScope(p filing.Principal, code string) bool {
	return p.Region == "" || calc.Within(code, p.Region)
}

func outsideScope(p filing.Principal, path, code string) error {
	return Fail(KindForbidden, "outside_region", "超出管辖区域", code+" is outside the token's region "+p.Region,
		calc.FieldError{Path: path, Code: "outside_region", Message: "outside the token's region " + p.Region})
}

// BudgetReport computes a region's budget for a year with its scenarios
// (budget.DecodeReport reads the request). Nothing is stored.
func (s *Service) BudgetReport(ctx context.Context, p filing.Principal, rr *budget.ReportRequest) (*budget.Result, error) {
	if err := allowed(p, filing.ActBudgetReport); err != nil {
		return nil, err
	}
	if !inScope(p, rr.Region) {
		return nil, outsideScope(p, "region", rr.Region)
	}
	// The reconciliation parameters of the year must exist: the months
	// without a declaration fall back on the stored monitoring figures,
	// added up as a reconciliation does. Those figures are derived data:
	// bring them up to date first.
	if _, err := s.t.Reconcile.On(param.NewDate(rr.Year, 1, 1)); err != nil {
		return nil, err
	}
	if _, err := s.RefreshFigures(ctx, 0); err != nil {
		return nil, err
	}
	calcs := s.BudgetCalculators()
	var in *budget.Input
	err := s.store.View(ctx, func(tx *store.Tx) error {
		var err error
		in, err = s.budgetInput(tx, calcs, rr.Region, rr.RegionName, rr.Year)
		return err
	})
	if err != nil {
		return nil, err
	}
	return budget.Compute(calcs, in, rr.Scenarios)
}

// budgetInput gathers everything a region's budget for a year is computed
// from: the tax months (declaration, else monitoring, else nothing), the
// damage cases with a receipt in the year, the year's settlements with a
// party in the region, and the fee bills with a month in the year.
func (s *Service) budgetInput(tx *store.Tx, c budget.Calculators, region, regionName string, year int) (*budget.Input, error) {
	prefix := calc.RegionPrefix(region)
	in := &budget.Input{Region: region, RegionName: regionName, Year: year}
	stored, err := tx.BudgetTaxpayers(prefix, year)
	if err != nil {
		return nil, err
	}
	mon := &budgetMonitoring{tx: tx, codes: reconcile.NewCodes(s.t.Engine.Tables().HJ212, s.t.Engine.Names()), params: s.t.Reconcile}
	if in.Taxpayers, err = budget.Gather(c, year, stored, mon); err != nil {
		return nil, err
	}
	cases, err := tx.ListBudgetDamageCases(prefix, year)
	if err != nil {
		return nil, err
	}
	for _, dc := range cases {
		in.Damage = append(in.Damage, damageCase(dc))
	}
	setts, err := tx.ListBudgetEcoSettlements(prefix, year)
	if err != nil {
		return nil, err
	}
	for _, st := range setts {
		req, err := ecocomp.DecodeRequest(st.Request)
		if err != nil {
			return nil, fmt.Errorf("eco-compensation settlement %d: stored request: %w", st.ID, err)
		}
		// A pending party (recorded by another region, not yet confirmed
		// by its own) is left out: its side is in no budget until then.
		parties := map[string]string{}
		for k, v := range st.Parties {
			parties[k] = v
		}
		for _, k := range st.Pending {
			delete(parties, k)
		}
		in.Ecocomp = append(in.Ecocomp, budget.EcoSettlement{ID: "生态补偿结算#" + strconv.FormatInt(st.ID, 10), Request: req, Parties: parties})
	}
	bills, err := tx.ListBudgetFeeBills(prefix, year)
	if err != nil {
		return nil, err
	}
	for _, b := range bills {
		fb, err := feeBill(b)
		if err != nil {
			return nil, err
		}
		in.Fees = append(in.Fees, fb)
	}
	return in, nil
}

func damageCase(dc *store.BudgetDamageCase) budget.DamageCase {
	out := budget.DamageCase{ID: "损害赔偿案件#" + strconv.FormatInt(dc.ID, 10), District: dc.District, Case: dc.Case,
		ClaimTotal: dc.ClaimTotal.NullDecimal, ClaimUnverified: dc.ClaimUnverified, Settled: dc.SettledAmount.NullDecimal,
		SettledOn: string(dc.SettledOn)}
	for _, r := range dc.Receipts {
		out.Receipts = append(out.Receipts, budget.Receipt{Path: out.ID, Month: r.Month, Amount: r.Amount.Decimal, Received: r.Received})
	}
	return out
}

func feeBill(b *store.BudgetFeeBill) (budget.FeeBill, error) {
	out := budget.FeeBill{ID: "收费清单#" + strconv.FormatInt(b.ID, 10), District: b.District, Payer: b.Payer, Schedule: b.Schedule,
		PartialStep: b.PartialStep, Inputs: map[string]string{}}
	if err := json.Unmarshal(b.Inputs, &out.Inputs); err != nil {
		return out, fmt.Errorf("fee bill %d: stored inputs: %w", b.ID, err)
	}
	for _, m := range b.Months {
		out.Months = append(out.Months, budget.FeeMonth{Path: out.ID + " " + m.Month, Month: m.Month, Date: string(m.Day), Quantity: m.Quantity})
	}
	return out, nil
}

// budgetMonitoring is the monitoring the budget consults for months
// without a declaration: the stored monthly figures of the taxpayer's
// devices, added up per outlet, statutory pollutant and month by
// reconcile.Outlets exactly as a reconciliation does, with the dated
// parameters in force in each month (kg per -Cou unit, decimal places,
// minimum completeness).
type budgetMonitoring struct {
	tx     *store.Tx
	codes  *reconcile.Codes
	params *reconcile.Params
}

// MonthlyFigures implements budget.Monitoring. A taxpayer without device
// mappings has no figures (monitoring consulted, nothing found). A figure
// is vouched for (Verified) when its valid records reach the minimum
// completeness and the kg-per-unit rule is verified; otherwise the budget
// line that uses it says unverified.
func (m *budgetMonitoring) MonthlyFigures(creditCode string, year int) ([]budget.MonitoredFigure, error) {
	devs, err := m.tx.ListDevices(store.DeviceFilter{CreditCode: creditCode})
	if err != nil || len(devs) == 0 {
		return nil, err
	}
	figs, err := m.tx.MonthlyFigures(creditCode, fmt.Sprintf("%04d-01", year), fmt.Sprintf("%04d-12", year))
	if err != nil {
		return nil, err
	}
	byMonth := map[string][]reconcile.DeviceFigure{}
	var months []string
	for i := range figs {
		f := figs[i].Slim()
		if _, ok := byMonth[f.Month]; !ok {
			months = append(months, f.Month)
		}
		byMonth[f.Month] = append(byMonth[f.Month], f)
	}
	sort.Strings(months)
	var out []budget.MonitoredFigure
	for _, month := range months {
		first, err := param.ParseDate(month + "-01")
		if err != nil {
			return nil, err
		}
		set, err := m.params.On(first)
		if err != nil {
			return nil, err
		}
		outs, _ := reconcile.Outlets(devs, byMonth[month], m.codes, int32(set.Places.Value.IntPart()), set.CouKg.Value)
		for _, k := range reconcile.SortedOutletKeys(outs) {
			o := outs[k]
			if o.Counted == 0 {
				continue // no -Cou at all: no emission figure to tax
			}
			p := m.codes.Names().ByID(o.PollutantID)
			if p == nil {
				continue
			}
			complete := o.Complete(set.MinCompleteness.Value)
			ref := fmt.Sprintf("监测 %s %s %s：设备 %s，有效 %d/%d", o.OutletNo, o.Pollutant, month, strings.Join(o.Devices, ","), o.Valid, o.Units)
			if !complete {
				ref += fmt.Sprintf("（低于 %s 的完整率要求，%s）", set.MinCompleteness.Value, set.MinCompleteness.Where())
			}
			if !set.CouKg.Verified {
				ref += fmt.Sprintf("（-Cou 折算千克的参数未核实：%s）", set.CouKg.Cite())
			}
			out = append(out, budget.MonitoredFigure{Outlet: o.OutletNo, Kind: p.Class(), Pollutant: o.Pollutant, Month: month,
				EmissionKg: o.TotalKg, AvgConcentration: o.Mean, MaxConcentration: o.Max,
				Verified: complete && set.CouKg.Verified, Ref: ref})
		}
	}
	return out, nil
}

// --- recorded inputs ---

// BudgetFilter narrows a listing of recorded inputs: a region (a token
// bound to a region lists inside it; "" takes the token's) and a year
// as typed ("": every year).
type BudgetFilter struct {
	Region string
	Year   string
}

// prefix checks a filter and returns the region prefix it lists.
func (s *Service) prefix(p filing.Principal, f BudgetFilter) (string, int, error) {
	var errs []calc.FieldError
	region, prefix := f.Region, ""
	if region == "" {
		region = p.Region
	}
	if region != "" {
		if _, msg := s.t.Engine.CheckRegion(region); msg != "" {
			errs = append(errs, calc.FieldError{Path: "region", Code: "unknown_region", Message: msg})
		} else if !inScope(p, region) {
			return "", 0, outsideScope(p, "region", region)
		}
		prefix = calc.RegionPrefix(region)
	}
	year := 0
	if f.Year != "" {
		n, convErr := strconv.Atoi(f.Year)
		msg := budget.CheckYear(n, s.BudgetLimits())
		if convErr != nil {
			msg = "year is a whole number"
		}
		year = n
		if msg != "" {
			errs = append(errs, calc.FieldError{Path: "year", Code: "year_out_of_range", Message: msg})
		}
	}
	if len(errs) > 0 {
		return "", 0, calc.Invalid(errs)
	}
	return prefix, year, nil
}

// DamageCaseView is a recorded case, with the claim's computed result
// when it was just recorded.
type DamageCaseView struct {
	*store.BudgetDamageCase
	ClaimResult *damage.Result `json:"claim_result,omitempty"`
}

// RecordDamageCase records a damage compensation case (损害赔偿案件) read
// by budget.DecodeDamageCase.
func (s *Service) RecordDamageCase(ctx context.Context, p filing.Principal, k Idem, rec *budget.DamageRecord) (*Created[any], error) {
	if err := allowed(p, filing.ActDamageCaseRecord); err != nil {
		return nil, err
	}
	dc := rec.Case
	if !inScope(p, dc.District) {
		return nil, outsideScope(p, "district", dc.District)
	}
	row := &store.BudgetDamageCase{District: dc.District, Case: dc.Case, Claim: rec.ClaimJSON,
		ClaimTotal: filing.Money{NullDecimal: dc.ClaimTotal}, ClaimUnverified: dc.ClaimUnverified,
		SettledAmount: filing.Money{NullDecimal: dc.Settled}, SettledOn: filing.Date(dc.SettledOn), CreatedBy: p.Actor()}
	for _, r := range dc.Receipts {
		row.Receipts = append(row.Receipts, store.BudgetReceipt{Month: r.Month, Amount: filing.MoneyOf(r.Amount), Received: r.Received})
	}
	return DamageCases.create(ctx, s, p, k, row, DamageCaseView{row, rec.Claim})
}

// EcoSettlementView is a recorded settlement with its computed result
// when it was just recorded.
type EcoSettlementView struct {
	*store.BudgetEcoSettlement
	Result *ecocomp.Result `json:"result,omitempty"`
}

// RecordEcoSettlement records an eco-compensation settlement (生态补偿结算)
// read by budget.DecodeEcoSettlement.
func (s *Service) RecordEcoSettlement(ctx context.Context, p filing.Principal, k Idem, rec *budget.EcoRecord) (*Created[any], error) {
	if err := allowed(p, filing.ActEcoSettlementRecord); err != nil {
		return nil, err
	}
	if !ecoVisible(p, rec.Settlement.Parties) {
		return nil, outsideScope(p, "parties", "every party")
	}
	row := &store.BudgetEcoSettlement{Year: rec.Settlement.Request.Year, Scheme: rec.Settlement.Request.Scheme,
		Request: rec.RequestJSON, Gross: rec.Result.Gross, Parties: rec.Settlement.Parties, CreatedBy: p.Actor()}
	// A party outside the recorder's region is pending until a bureau of
	// its region confirms it (ConfirmEcoSettlement; docs/budget.md).
	row.Pending = []string{}
	for _, party := range sortedParties(row.Parties) {
		if !inScope(p, row.Parties[party]) {
			row.Pending = append(row.Pending, party)
		}
	}
	return EcoSettlements.create(ctx, s, p, k, row, EcoSettlementView{row, rec.Result})
}

func sortedParties(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// ConfirmEcoSettlement confirms, for the caller's region, the pending
// parties of a settlement that another region's bureau recorded: from
// then on the settlement enters the budget of that region for them. A
// settlement with no pending party in the caller's region is a conflict.
func (s *Service) ConfirmEcoSettlement(ctx context.Context, p filing.Principal, id int64) (*store.BudgetEcoSettlement, error) {
	if err := allowed(p, filing.ActEcoSettlementRecord); err != nil {
		return nil, err
	}
	var row *store.BudgetEcoSettlement
	err := s.store.InTx(ctx, func(tx *store.Tx) error {
		before, err := EcoSettlements.of(tx, p, id)
		if err != nil {
			return err
		}
		n := 0
		for _, party := range before.Pending {
			if !inScope(p, before.Parties[party]) {
				continue
			}
			ok, err := tx.ConfirmBudgetEcoParty(id, party, p.Actor())
			if err != nil {
				return err
			}
			if ok {
				n++
			}
		}
		if n == 0 {
			return Fail(calc.KindConflict, "nothing_to_confirm", "无待确认的结算方", "no party of this settlement in the token's region awaits confirmation",
				calc.FieldError{Path: "id", Code: "nothing_to_confirm", Message: "no pending party in the token's region"})
		}
		if row, err = tx.GetBudgetEcoSettlement(id); err != nil {
			return err
		}
		return audit(ctx, tx, p, "budget.eco_settlement.confirm", "budget_eco_settlement", itoa(id), "", before, row)
	})
	return row, err
}

// ecoVisible: a settlement concerns a region-bound principal when one of
// its parties lies in the principal's region.
func ecoVisible(p filing.Principal, parties map[string]string) bool {
	for _, code := range parties {
		if inScope(p, code) {
			return true
		}
	}
	return false
}

// RecordFeeBill records a fee bill (收费清单) read by budget.DecodeFeeBill.
func (s *Service) RecordFeeBill(ctx context.Context, p filing.Principal, k Idem, rec *budget.FeeRecord) (*Created[any], error) {
	if err := allowed(p, filing.ActFeeBillRecord); err != nil {
		return nil, err
	}
	fb := rec.Bill
	if len(rec.Results) != len(fb.Months) {
		return nil, Fail(calc.KindInternal, "internal", "服务器内部错误", "fee bill: a month without its fee")
	}
	if !inScope(p, fb.District) {
		return nil, outsideScope(p, "district", fb.District)
	}
	inputs, err := json.Marshal(fb.Inputs)
	if err != nil {
		return nil, err
	}
	row := &store.BudgetFeeBill{District: fb.District, Payer: fb.Payer, Schedule: fb.Schedule, Inputs: inputs,
		PartialStep: fb.PartialStep, CreatedBy: p.Actor()}
	for i, m := range fb.Months {
		r := rec.Results[i]
		row.Months = append(row.Months, store.BudgetFeeMonth{Month: m.Month, Day: filing.Date(m.Date), Quantity: m.Quantity,
			Amount: r.Total, Sched: r.Schedule.ID + "@" + r.Schedule.Version, Verified: r.Verified})
	}
	return FeeBills.create(ctx, s, p, k, row, row)
}

// BudgetInput is one kind of recorded budget input (损害赔偿案件, 生态补偿结算,
// 收费清单): each is stored, listed, read and deleted the same way.
type BudgetInput[T any] struct {
	write   filing.Action // records and deletes one
	deleted filing.Action // the audit action of a deletion
	entity  string        // the audit entity
	ref     string        // where one lives, before its id
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

// The three kinds of recorded input.
var (
	DamageCases = &BudgetInput[store.BudgetDamageCase]{
		write: filing.ActDamageCaseRecord, deleted: "budget.damage_case.delete", entity: "budget_damage_case",
		ref:    "budget/damage-cases/",
		insert: (*store.Tx).InsertBudgetDamageCase, idOf: func(row *store.BudgetDamageCase) int64 { return row.ID },
		list: (*store.Tx).ListBudgetDamageCases, get: (*store.Tx).GetBudgetDamageCase, remove: (*store.Tx).DeleteBudgetDamageCase,
		visible:    func(p filing.Principal, row *store.BudgetDamageCase) bool { return inScope(p, row.District) },
		hiddenCode: "damage_case_not_found", hiddenTitle: "损害赔偿案件不存在", hiddenDetail: "no damage case visible to this token",
	}
	EcoSettlements = &BudgetInput[store.BudgetEcoSettlement]{
		write: filing.ActEcoSettlementRecord, deleted: "budget.eco_settlement.delete", entity: "budget_eco_settlement",
		ref:    "budget/eco-settlements/",
		insert: (*store.Tx).InsertBudgetEcoSettlement, idOf: func(row *store.BudgetEcoSettlement) int64 { return row.ID },
		list: (*store.Tx).ListBudgetEcoSettlements, get: (*store.Tx).GetBudgetEcoSettlement, remove: (*store.Tx).DeleteBudgetEcoSettlement,
		visible:    func(p filing.Principal, row *store.BudgetEcoSettlement) bool { return ecoVisible(p, row.Parties) },
		hiddenCode: "eco_settlement_not_found", hiddenTitle: "生态补偿结算不存在", hiddenDetail: "no settlement visible to this token",
	}
	FeeBills = &BudgetInput[store.BudgetFeeBill]{
		write: filing.ActFeeBillRecord, deleted: "budget.fee_bill.delete", entity: "budget_fee_bill",
		ref:    "budget/fee-bills/",
		insert: (*store.Tx).InsertBudgetFeeBill, idOf: func(row *store.BudgetFeeBill) int64 { return row.ID },
		list: (*store.Tx).ListBudgetFeeBills, get: (*store.Tx).GetBudgetFeeBill, remove: (*store.Tx).DeleteBudgetFeeBill,
		visible:    func(p filing.Principal, row *store.BudgetFeeBill) bool { return inScope(p, row.District) },
		hiddenCode: "fee_bill_not_found", hiddenTitle: "收费清单不存在", hiddenDetail: "no fee bill visible to this token",
	}
)

// create records a row with its audit entry in one transaction; the
// answer shows view.
func (b *BudgetInput[T]) create(ctx context.Context, s *Service, p filing.Principal, k Idem, row *T, view any) (*Created[any], error) {
	return create(ctx, s, p, k, func(tx *store.Tx) (created[any], error) {
		if err := b.insert(tx, row); err != nil {
			return created[any]{}, err
		}
		id := itoa(b.idOf(row))
		if err := audit(ctx, tx, p, b.write, b.entity, id, "", nil, row); err != nil {
			return created[any]{}, err
		}
		return created[any]{view, b.ref + id, 0}, nil
	})
}

// of loads a record the caller may see; one it may not see answers like
// one that does not exist.
func (b *BudgetInput[T]) of(tx *store.Tx, p filing.Principal, id int64) (*T, error) {
	row, err := b.get(tx, id)
	if err == nil && !b.visible(p, row) {
		err = Fail(calc.KindNotFound, b.hiddenCode, b.hiddenTitle, b.hiddenDetail)
	}
	return row, err
}

// List lists the records of a region and year.
func (b *BudgetInput[T]) List(ctx context.Context, s *Service, p filing.Principal, f BudgetFilter) ([]*T, error) {
	if err := allowed(p, filing.ActBudgetInputsRead); err != nil {
		return nil, err
	}
	prefix, year, err := s.prefix(p, f)
	if err != nil {
		return nil, err
	}
	var list []*T
	err = s.store.View(ctx, func(tx *store.Tx) error {
		var err error
		list, err = b.list(tx, prefix, year)
		return err
	})
	return list, err
}

// Get reads one record.
func (b *BudgetInput[T]) Get(ctx context.Context, s *Service, p filing.Principal, id int64) (*T, error) {
	if err := allowed(p, filing.ActBudgetInputsRead); err != nil {
		return nil, err
	}
	var row *T
	err := s.store.View(ctx, func(tx *store.Tx) error {
		var err error
		row, err = b.of(tx, p, id)
		return err
	})
	return row, err
}

// Delete deletes a record, keeping it in the audit log.
func (b *BudgetInput[T]) Delete(ctx context.Context, s *Service, p filing.Principal, id int64) error {
	if err := allowed(p, b.write); err != nil {
		return err
	}
	return s.store.InTx(ctx, func(tx *store.Tx) error {
		row, err := b.of(tx, p, id)
		if err != nil {
			return err
		}
		if err := b.remove(tx, id); err != nil {
			return err
		}
		return audit(ctx, tx, p, b.deleted, b.entity, itoa(id), "", row, nil)
	})
}

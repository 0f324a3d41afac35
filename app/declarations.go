package app

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/ecotax/ecotax/calc"
	"github.com/ecotax/ecotax/exchange"
	"github.com/ecotax/ecotax/filing"
	"github.com/ecotax/ecotax/store"
)

// DeclarationView is a declaration with its figures, deadline and, once
// submitted, what is owed and the late-payment surcharge (滞纳金) as of
// the payment day or today.
type DeclarationView struct {
	*filing.Declaration
	Figures      []filing.Figure   `json:"figures"`
	DeadlineRule filing.Deadline   `json:"deadline_rule"`
	Owed         *filing.Money     `json:"owed,omitempty"`
	Surcharge    *filing.Surcharge `json:"surcharge,omitempty"`
}

// filingSet is everything a declaration is checked and assessed against.
type filingSet struct {
	taxpayer *filing.Taxpayer
	period   filing.Period
	sources  map[int64]*filing.Source
	list     []*filing.Source
}

func loadSet(tx *store.Tx, p filing.Principal, code, period string) (*filingSet, error) {
	tp, err := visibleTaxpayer(tx, p, code)
	if err != nil {
		return nil, err
	}
	per, err := parsePeriod(period)
	if err != nil {
		return nil, err
	}
	list, err := tx.ListSources(code)
	if err != nil {
		return nil, err
	}
	set := &filingSet{taxpayer: tp, period: per, sources: map[int64]*filing.Source{}, list: list}
	for _, s := range list {
		set.sources[s.ID] = s
	}
	return set, nil
}

// declarationOf loads a declaration of a taxpayer the caller may see.
func declarationOf(tx *store.Tx, p filing.Principal, id int64) (*filing.Declaration, error) {
	d, err := tx.GetDeclaration(id)
	if err != nil {
		return nil, err
	}
	if _, err := visibleTaxpayer(tx, p, d.CreditCode); err != nil {
		return nil, Fail(calc.KindNotFound, "declaration_not_found", "申报不存在", "no declaration "+itoa(id)+" visible to this token")
	}
	return d, nil
}

func conflictAsRace(err error) error {
	if isKind(err, calc.KindConflict) {
		return Fail(calc.KindConflict, "declaration_exists", "该期已有同一版本的申报", "another request created this revision first; reload")
	}
	return err
}

// auditView keeps the audit log small: the declaration without its
// assessment, with its figures.
func auditView(d *filing.Declaration, figs []filing.Figure) any {
	cp := *d
	cp.Assessment = nil
	return struct {
		*filing.Declaration
		Figures []filing.Figure `json:"figures,omitempty"`
	}{&cp, figs}
}

func (s *Service) viewOf(tx *store.Tx, d *filing.Declaration) (*DeclarationView, error) {
	figs, err := tx.Figures(d.ID)
	if err != nil {
		return nil, err
	}
	per, err := filing.ParsePeriod(d.Period)
	if err != nil {
		return nil, err
	}
	dl, err := s.t.Filing.DeadlineOf(per)
	if err != nil {
		return nil, err
	}
	v := &DeclarationView{Declaration: d, Figures: figs, DeadlineRule: dl}
	if d.Status != filing.StatusDraft {
		owed := filing.MoneyOf(d.Owed())
		through, paid := d.PaidOn, true
		if through == "" {
			through, paid = filing.Today(tx.Now()), false
		}
		sc, err := s.t.Filing.SurchargeOf(owed.Decimal, d.Deadline, through, paid)
		if err != nil {
			return nil, err
		}
		v.Owed, v.Surcharge = &owed, &sc
	}
	return v, nil
}

// FileDeclaration starts the declaration (纳税申报) of a taxpayer for a
// period with its figures, as a draft of revision 1. A period declared
// already is corrected (更正申报), not declared again.
func (s *Service) FileDeclaration(ctx context.Context, p filing.Principal, k Idem, code, period string, figs []filing.Figure) (*Created[*DeclarationView], error) {
	if err := allowed(p, filing.ActDeclarationFile); err != nil {
		return nil, err
	}
	return create(ctx, s, p, k, func(tx *store.Tx) (created[*DeclarationView], error) {
		var none created[*DeclarationView]
		set, err := loadSet(tx, p, code, period)
		if err != nil {
			return none, err
		}
		if err := invalid(filing.CheckFigures(set.period, set.sources, figs)); err != nil {
			return none, err
		}
		latest, err := tx.LatestRevision(code, set.period.Text)
		if err != nil {
			return none, err
		}
		if latest > 0 {
			return none, Fail(calc.KindConflict, "declaration_exists", "该期已申报", "a declaration for "+set.period.Text+" exists; correct it (更正申报) instead",
				calc.FieldError{Path: "period", Code: "declaration_exists", Message: "already declared; POST /v1/declarations/{id}/corrections"})
		}
		dl, err := s.t.Filing.DeadlineOf(set.period)
		if err != nil {
			return none, err
		}
		d := &filing.Declaration{CreditCode: code, Period: set.period.Text, Revision: 1, Deadline: dl.Date}
		if err := tx.InsertDeclaration(d); err != nil {
			return none, conflictAsRace(err)
		}
		if err := tx.PutFigures(d.ID, figs); err != nil {
			return none, err
		}
		if err := audit(ctx, tx, p, filing.ActDeclarationFile, "declaration", itoa(d.ID), code, nil, auditView(d, figs)); err != nil {
			return none, err
		}
		v, err := s.viewOf(tx, d)
		if err != nil {
			return none, err
		}
		return created[*DeclarationView]{v, "declarations/" + itoa(d.ID), d.Version}, nil
	})
}

// Declarations lists every revision of a taxpayer's declarations.
func (s *Service) Declarations(ctx context.Context, p filing.Principal, code string) ([]filing.Declaration, error) {
	if err := allowed(p, filing.ActDeclarationRead); err != nil {
		return nil, err
	}
	var list []filing.Declaration
	err := s.store.View(ctx, func(tx *store.Tx) error {
		if _, err := visibleTaxpayer(tx, p, code); err != nil {
			return err
		}
		var err error
		list, err = tx.ListDeclarations(code)
		return err
	})
	return list, err
}

// Declaration reads one declaration with its figures, deadline and what
// is owed.
func (s *Service) Declaration(ctx context.Context, p filing.Principal, id int64) (*DeclarationView, error) {
	if err := allowed(p, filing.ActDeclarationRead); err != nil {
		return nil, err
	}
	var v *DeclarationView
	err := s.store.View(ctx, func(tx *store.Tx) error {
		d, err := declarationOf(tx, p, id)
		if err != nil {
			return err
		}
		v, err = s.viewOf(tx, d)
		return err
	})
	return v, err
}

// writeDeclaration runs a change of one declaration in a transaction and
// returns the declaration as it now stands.
func (s *Service) writeDeclaration(ctx context.Context, p filing.Principal, act filing.Action, id int64, fn func(tx *store.Tx, d *filing.Declaration) error) (*DeclarationView, error) {
	if err := allowed(p, act); err != nil {
		return nil, err
	}
	var v *DeclarationView
	err := s.store.InTx(ctx, func(tx *store.Tx) error {
		d, err := declarationOf(tx, p, id)
		if err != nil {
			return err
		}
		before := auditView(d, nil)
		if err := fn(tx, d); err != nil {
			return err
		}
		if v, err = s.viewOf(tx, d); err != nil {
			return err
		}
		return audit(ctx, tx, p, act, "declaration", itoa(d.ID), d.CreditCode, before, auditView(d, v.Figures))
	})
	return v, err
}

// ReplaceFigures replaces a draft's figures at the given version.
func (s *Service) ReplaceFigures(ctx context.Context, p filing.Principal, id int64, version int, figs []filing.Figure) (*DeclarationView, error) {
	return s.writeDeclaration(ctx, p, filing.ActDeclarationFile, id, func(tx *store.Tx, d *filing.Declaration) error {
		if err := d.CanEdit(); err != nil {
			return err
		}
		set, err := loadSet(tx, p, d.CreditCode, d.Period)
		if err != nil {
			return err
		}
		if err := invalid(filing.CheckFigures(set.period, set.sources, figs)); err != nil {
			return err
		}
		d.Version = version
		return tx.ReplaceFigures(d, figs)
	})
}

// Assessed is a declaration's assessment: the engine's result, its JSON
// as stored with a submitted revision, and the request it was built from
// (which maps result lines back to figures).
type Assessed struct {
	Result *calc.Result
	JSON   []byte
	Built  *filing.Built
}

// assessDeclaration checks a declaration for completeness and runs the
// engine on it. Field errors come back with the declaration's paths
// (figures[i].field).
func (s *Service) assessDeclaration(tx *store.Tx, p filing.Principal, d *filing.Declaration) (*Assessed, error) {
	set, err := loadSet(tx, p, d.CreditCode, d.Period)
	if err != nil {
		return nil, err
	}
	figs, err := tx.Figures(d.ID)
	if err != nil {
		return nil, err
	}
	return s.assessSet(tx, set, figs)
}

func (s *Service) assessSet(tx *store.Tx, set *filingSet, figs []filing.Figure) (*Assessed, error) {
	errs := filing.CheckFigures(set.period, set.sources, figs)
	errs = append(errs, filing.Missing(set.period, set.list, figs)...)
	if len(errs) > 0 {
		return nil, calc.Invalid(errs)
	}
	pens, err := penaltyBases(tx, set, figs)
	if err != nil {
		return nil, err
	}
	built, errs := filing.BuildDirect(set.taxpayer, set.period, set.sources, figs, pens)
	if len(errs) > 0 {
		return nil, calc.Invalid(errs)
	}
	req, err := built.Request()
	if err == nil {
		var res *calc.Result
		res, err = s.t.Engine.Assess(req)
		if err == nil {
			out, err := res.MarshalJSON() // not json.Marshal: that would re-compact the bytes, doubling the cost
			s.observer.Assessed("declaration", "ok")
			return &Assessed{Result: res, JSON: out, Built: built}, err
		}
	}
	s.observer.Assessed("declaration", "rejected")
	var ce *calc.Error
	if errors.As(err, &ce) && ce.Kind == calc.KindInvalid {
		return nil, built.TranslateError(ce)
	}
	return nil, err
}

// penaltyBases finds the penalty records covering a declaration's figures
// (环境违法和受行政处罚情况): those figures are taxed on their 产生量
// (实施条例 第七条).
func penaltyBases(tx *store.Tx, set *filingSet, figs []filing.Figure) (map[filing.FigureKey]filing.PenaltyBase, error) {
	pens, err := tx.PenaltiesCovering(set.taxpayer.CreditCode, filing.DateOf(set.period.Start()), filing.DateOf(set.period.End()))
	if err != nil || len(pens) == 0 {
		return nil, err
	}
	return exchange.PenaltyBases(pens, set.sources, figs), nil
}

// Precheck is the answer of a pre-check (预检): every fault at once, or
// the assessment the declaration would get.
type Precheck struct {
	OK         bool
	Errors     []calc.FieldError
	Assessment []byte // the result's JSON; nil when not OK
}

// Precheck runs every check and the assessment of a draft without
// storing anything.
func (s *Service) Precheck(ctx context.Context, p filing.Principal, id int64) (*Precheck, error) {
	if err := allowed(p, filing.ActDeclarationFile); err != nil {
		return nil, err
	}
	var out *Precheck
	err := s.store.View(ctx, func(tx *store.Tx) error {
		d, err := declarationOf(tx, p, id)
		if err != nil {
			return err
		}
		a, err := s.assessDeclaration(tx, p, d)
		var ce *calc.Error
		switch {
		case err == nil:
			out = &Precheck{OK: true, Errors: []calc.FieldError{}, Assessment: a.JSON}
		case errors.As(err, &ce) && ce.Kind == calc.KindInvalid:
			out = &Precheck{OK: false, Errors: ce.Errors}
		default:
			return err
		}
		return nil
	})
	return out, err
}

// Submit files a draft (申报): its assessment is computed and stored with
// it, and it can no longer change.
func (s *Service) Submit(ctx context.Context, p filing.Principal, id int64, version int) (*DeclarationView, error) {
	return s.writeDeclaration(ctx, p, filing.ActDeclarationFile, id, func(tx *store.Tx, d *filing.Declaration) error {
		if err := d.CanEdit(); err != nil {
			return err
		}
		a, err := s.assessDeclaration(tx, p, d)
		if err != nil {
			return err
		}
		d.Version = version
		return tx.Submit(d, a.Result.TotalTaxDue, a.Result.TotalReduction, a.Result.TotalTax, a.JSON, p.Actor())
	})
}

// Correct files a correction (更正申报) of a revision: a new draft
// revision pointing at it, starting from its figures unless figs is
// non-nil.
func (s *Service) Correct(ctx context.Context, p filing.Principal, k Idem, id int64, figs []filing.Figure) (*Created[*DeclarationView], error) {
	if err := allowed(p, filing.ActDeclarationFile); err != nil {
		return nil, err
	}
	return create(ctx, s, p, k, func(tx *store.Tx) (created[*DeclarationView], error) {
		var none created[*DeclarationView]
		old, err := declarationOf(tx, p, id)
		if err != nil {
			return none, err
		}
		d, figs, err := fileCorrection(tx, p, old, func() ([]filing.Figure, error) {
			if figs != nil {
				return figs, nil
			}
			return tx.Figures(old.ID)
		})
		if err != nil {
			return none, err
		}
		if err := audit(ctx, tx, p, filing.ActDeclarationFile, "declaration", itoa(d.ID), d.CreditCode, nil, auditView(d, figs)); err != nil {
			return none, err
		}
		v, err := s.viewOf(tx, d)
		if err != nil {
			return none, err
		}
		return created[*DeclarationView]{v, "declarations/" + itoa(d.ID), d.Version}, nil
	})
}

// fileCorrection stores a correction (更正申报) of old, once the latest
// revision allows one: a new draft revision after the latest, pointing at
// old, keeping its deadline and its tax as the previous tax, with the
// figures figsOf gives (checked against the sources).
func fileCorrection(tx *store.Tx, p filing.Principal, old *filing.Declaration, figsOf func() ([]filing.Figure, error)) (*filing.Declaration, []filing.Figure, error) {
	latest, err := tx.LatestRevision(old.CreditCode, old.Period)
	if err != nil {
		return nil, nil, err
	}
	if err := old.CanCorrect(latest); err != nil {
		return nil, nil, err
	}
	figs, err := figsOf()
	if err != nil {
		return nil, nil, err
	}
	set, err := loadSet(tx, p, old.CreditCode, old.Period)
	if err != nil {
		return nil, nil, err
	}
	if err := invalid(filing.CheckFigures(set.period, set.sources, figs)); err != nil {
		return nil, nil, err
	}
	oldID := old.ID
	d := &filing.Declaration{CreditCode: old.CreditCode, Period: old.Period, Revision: latest + 1, ReplacesID: &oldID,
		Deadline: old.Deadline, PreviousTax: old.TotalTax}
	if err := tx.InsertDeclaration(d); err != nil {
		return nil, nil, conflictAsRace(err)
	}
	if err := tx.PutFigures(d.ID, figs); err != nil {
		return nil, nil, err
	}
	return d, figs, nil
}

// Accept (受理) locks the latest submitted revision.
func (s *Service) Accept(ctx context.Context, p filing.Principal, id int64, version int) (*DeclarationView, error) {
	return s.writeDeclaration(ctx, p, filing.ActDeclarationAccept, id, func(tx *store.Tx, d *filing.Declaration) error {
		latest, err := tx.LatestRevision(d.CreditCode, d.Period)
		if err != nil {
			return err
		}
		if err := d.CanAccept(latest); err != nil {
			return err
		}
		d.Version = version
		return tx.Accept(d, p.Actor())
	})
}

// Pay records that the tax of a revision was paid (税款入库) on a day; the
// surcharge then runs to that day.
func (s *Service) Pay(ctx context.Context, p filing.Principal, id int64, version int, paidOn filing.Date, amount decimal.NullDecimal) (*DeclarationView, error) {
	if err := allowed(p, filing.ActPaymentRecord); err != nil {
		return nil, err
	}
	var errs []calc.FieldError
	if paidOn == "" {
		errs = append(errs, calc.FieldError{Path: "paid_on", Code: "required", Message: "the payment day is required"})
	}
	if !amount.Valid {
		errs = append(errs, calc.FieldError{Path: "amount", Code: "required", Message: "the amount paid is required"})
	}
	if err := invalid(errs); err != nil {
		return nil, err
	}
	return s.writeDeclaration(ctx, p, filing.ActPaymentRecord, id, func(tx *store.Tx, d *filing.Declaration) error {
		if err := d.CanPay(); err != nil {
			return err
		}
		if paidOn > filing.Today(tx.Now()) {
			return calc.Invalid([]calc.FieldError{{Path: "paid_on", Code: "invalid_value", Message: "the payment day is in the future"}})
		}
		d.Version = version
		return tx.Pay(d, paidOn, amount.Decimal)
	})
}

// AuditEntities are the kinds of record the audit log names (api/openapi.yaml
// lists the same).
var AuditEntities = []string{"taxpayer", "source", "declaration", "budget_damage_case", "budget_eco_settlement", "budget_fee_bill",
	"device", "device_key", "output", "reconciliation", "review", "penalty", "exchange_batch", "monitoring_data"}

// Audit lists audit entries; an officer bound to a region reads the
// audit of one visible taxpayer at a time.
func (s *Service) Audit(ctx context.Context, p filing.Principal, f store.AuditFilter) ([]filing.AuditEntry, error) {
	if err := allowed(p, filing.ActAuditRead); err != nil {
		return nil, err
	}
	if f.Entity != "" && !slices.Contains(AuditEntities, f.Entity) {
		return nil, calc.Invalid([]calc.FieldError{{Path: "entity", Code: "invalid_value", Message: "want one of " + strings.Join(AuditEntities, ", ")}})
	}
	var list []filing.AuditEntry
	err := s.store.View(ctx, func(tx *store.Tx) error {
		if p.Region != "" {
			if f.CreditCode == "" {
				return calc.Invalid([]calc.FieldError{{Path: "credit_code", Code: "required", Message: "a regional token must name the taxpayer"}})
			}
			if _, err := visibleTaxpayer(tx, p, f.CreditCode); err != nil {
				return err
			}
		}
		var err error
		list, err = tx.ListAudit(f)
		return err
	})
	return list, err
}

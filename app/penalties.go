package app

// Penalty records from the environment bureau (环境违法和受行政处罚情况, 法
// 第十五条第二款). For the period of the violation the emission base of the
// outlet's named pollutants is the 产生量 (实施条例 第六条、第七条): every
// pre-check and submission of a declaration covering it is assessed with
// the engine's penalty case and the 产生量 the record fixes, or is refused
// with the figures that lack one. See docs/exchange.md.

import (
	"context"
	"fmt"

	"github.com/shopspring/decimal"

	"github.com/ecotax/ecotax/calc"
	"github.com/ecotax/ecotax/exchange"
	"github.com/ecotax/ecotax/filing"
	"github.com/ecotax/ecotax/store"
)

// GeneratedInput is the 产生量 of one pollutant in one month as given.
type GeneratedInput struct {
	Pollutant   string              `json:"pollutant"`
	Month       string              `json:"month"`
	GeneratedKg decimal.NullDecimal `json:"generated_kg"`
}

// PenaltyInput is a penalty record as the environment bureau gives it (the
// JSON names are the API's); ReplacesID names the record a later revision
// supersedes.
type PenaltyInput struct {
	CaseNo     string           `json:"case_no"`
	OutletNo   string           `json:"outlet_no"`
	CaseCode   string           `json:"case_code"`
	PeriodFrom filing.Date      `json:"period_from"`
	PeriodTo   filing.Date      `json:"period_to"`
	DecidedOn  filing.Date      `json:"decided_on"`
	Note       string           `json:"note"`
	Pollutants []string         `json:"pollutants"`
	Generated  []GeneratedInput `json:"generated"`
	ReplacesID *int64           `json:"replaces_id"`
}

// PenaltyView is a record with the filed declarations its period touches:
// those must be (or have been) assessed on the 产生量.
type PenaltyView struct {
	*exchange.Penalty
	Affected []AffectedDeclaration `json:"affected_declarations"`
}

// AffectedDeclaration is a filed revision a penalty record's period touches.
type AffectedDeclaration struct {
	ID       int64         `json:"id"`
	Period   string        `json:"period"`
	Revision int           `json:"revision"`
	Status   filing.Status `json:"status"`
}

func penaltyViewOf(tx *store.Tx, pen *exchange.Penalty) (*PenaltyView, error) {
	v := &PenaltyView{Penalty: pen, Affected: []AffectedDeclaration{}}
	list, err := tx.ListDeclarations(pen.CreditCode)
	if err != nil {
		return nil, err
	}
	for _, d := range list {
		per, err := filing.ParsePeriod(d.Period)
		if err != nil || d.Status == filing.StatusDraft {
			continue
		}
		if per.Start() <= pen.PeriodTo.Day() && per.End() >= pen.PeriodFrom.Day() {
			v.Affected = append(v.Affected, AffectedDeclaration{ID: d.ID, Period: d.Period, Revision: d.Revision, Status: d.Status})
		}
	}
	return v, nil
}

// penaltyOf builds the record an input describes; the revision follows
// the record it replaces.
func penaltyOf(in *PenaltyInput, code, actor string) *exchange.Penalty {
	pen := &exchange.Penalty{CreditCode: code, CaseNo: in.CaseNo, OutletNo: in.OutletNo, Revision: 1, ReplacesID: in.ReplacesID,
		CaseCode: in.CaseCode, PeriodFrom: in.PeriodFrom, PeriodTo: in.PeriodTo, DecidedOn: in.DecidedOn, Note: in.Note,
		CreatedBy: actor, Pollutants: in.Pollutants, Generated: []exchange.Generated{}}
	if pen.Pollutants == nil {
		pen.Pollutants = []string{}
	}
	for _, g := range in.Generated {
		pen.Generated = append(pen.Generated, exchange.Generated{Pollutant: g.Pollutant, Month: g.Month, GeneratedKg: g.GeneratedKg.Decimal})
	}
	return pen
}

// storePenalty checks a record against the taxpayer's sources and the
// penalty cases, and stores it (superseding the record it replaces). The
// import of penalty records uses it too.
func (s *Service) storePenalty(tx *store.Tx, pen *exchange.Penalty, generated []GeneratedInput) error {
	errs, err := s.penaltyErrors(tx, pen, generated)
	if err != nil {
		return err
	}
	if err := invalid(errs); err != nil {
		return err
	}
	if pen.ReplacesID != nil {
		old, err := tx.GetPenalty(*pen.ReplacesID)
		if err != nil || old.CreditCode != pen.CreditCode {
			return calc.Invalid([]calc.FieldError{{Path: "replaces_id", Code: "unknown_penalty", Message: "no penalty record " + itoa(*pen.ReplacesID) + " of this taxpayer"}})
		}
		if old.CaseNo != pen.CaseNo || old.OutletNo != pen.OutletNo {
			return calc.Invalid([]calc.FieldError{{Path: "replaces_id", Code: "inconsistent_value", Message: fmt.Sprintf("record %d is %s at %s; a revision keeps the decision and outlet", old.ID, old.CaseNo, old.OutletNo)}})
		}
		if old.Status != exchange.PenaltyActive {
			return Fail(calc.KindConflict, "penalty_superseded", "处罚记录已被更新", fmt.Sprintf("record %d is superseded; revise the latest revision", old.ID))
		}
		pen.Revision = old.Revision + 1
	}
	if err := tx.InsertPenalty(pen); err != nil {
		if isKind(err, calc.KindConflict) && pen.ReplacesID == nil {
			return Fail(calc.KindConflict, "penalty_exists", "处罚记录已存在", "decision "+pen.CaseNo+" is recorded for outlet "+pen.OutletNo+"; file a revision with replaces_id",
				calc.FieldError{Path: "replaces_id", Code: "required", Message: "a later revision names the record it replaces"})
		}
		return err
	}
	return nil
}

// penaltyErrors names every bad field of a record against the
// taxpayer's sources and the penalty cases in force.
func (s *Service) penaltyErrors(tx *store.Tx, pen *exchange.Penalty, generated []GeneratedInput) ([]calc.FieldError, error) {
	var errs []calc.FieldError
	for i, g := range generated {
		if !g.GeneratedKg.Valid {
			errs = append(errs, calc.FieldError{Path: fmt.Sprintf("generated[%d].generated_kg", i), Code: "required", Message: "the 产生量 in kg is required"})
		}
		if !filing.ValidMonth(g.Month) {
			errs = append(errs, calc.FieldError{Path: fmt.Sprintf("generated[%d].month", i), Code: "invalid_value", Message: "a month YYYY-MM"})
		}
	}
	sources, err := tx.ListSources(pen.CreditCode)
	if err != nil {
		return nil, err
	}
	return append(errs, exchange.CheckPenalty(pen, sources, s.t.Engine.Tables().Penalties)...), nil
}

// CheckPenalty checks a penalty record as RecordPenalty would, storing
// nothing: the pages show a record to confirm only once it passes.
func (s *Service) CheckPenalty(ctx context.Context, p filing.Principal, code string, in PenaltyInput) error {
	if err := allowed(p, filing.ActPenaltyRecord); err != nil {
		return err
	}
	return s.store.View(ctx, func(tx *store.Tx) error {
		if _, err := visibleTaxpayer(tx, p, code); err != nil {
			return err
		}
		errs, err := s.penaltyErrors(tx, penaltyOf(&in, code, p.Actor()), in.Generated)
		if err != nil {
			return err
		}
		return invalid(errs)
	})
}

// RecordPenalty records a penalty record of a taxpayer (or a later
// revision of one, superseding it).
func (s *Service) RecordPenalty(ctx context.Context, p filing.Principal, k Idem, code string, in PenaltyInput) (*Created[*PenaltyView], error) {
	if err := allowed(p, filing.ActPenaltyRecord); err != nil {
		return nil, err
	}
	return create(ctx, s, p, k, func(tx *store.Tx) (created[*PenaltyView], error) {
		var none created[*PenaltyView]
		if _, err := visibleTaxpayer(tx, p, code); err != nil {
			return none, err
		}
		pen := penaltyOf(&in, code, p.Actor())
		if err := s.storePenalty(tx, pen, in.Generated); err != nil {
			return none, err
		}
		if err := audit(ctx, tx, p, filing.ActPenaltyRecord, "penalty", itoa(pen.ID), code, nil, pen); err != nil {
			return none, err
		}
		v, err := penaltyViewOf(tx, pen)
		if err != nil {
			return none, err
		}
		return created[*PenaltyView]{v, "penalties/" + itoa(pen.ID), 0}, nil
	})
}

// Penalties lists the penalty records of a taxpayer, every revision.
func (s *Service) Penalties(ctx context.Context, p filing.Principal, code string) ([]*PenaltyView, error) {
	if err := allowed(p, filing.ActPenaltyRead); err != nil {
		return nil, err
	}
	out := []*PenaltyView{}
	err := s.store.View(ctx, func(tx *store.Tx) error {
		if _, err := visibleTaxpayer(tx, p, code); err != nil {
			return err
		}
		list, err := tx.ListPenalties(store.PenaltyFilter{CreditCode: code})
		if err != nil {
			return err
		}
		for _, pen := range list {
			v, err := penaltyViewOf(tx, pen)
			if err != nil {
				return err
			}
			out = append(out, v)
		}
		return nil
	})
	return out, err
}

// Penalty reads one penalty record; one of a taxpayer the principal may
// not see does not exist.
func (s *Service) Penalty(ctx context.Context, p filing.Principal, id int64) (*PenaltyView, error) {
	if err := allowed(p, filing.ActPenaltyRead); err != nil {
		return nil, err
	}
	var v *PenaltyView
	err := s.store.View(ctx, func(tx *store.Tx) error {
		pen, err := tx.GetPenalty(id)
		if err != nil {
			return err
		}
		if _, err := visibleTaxpayer(tx, p, pen.CreditCode); err != nil {
			return Fail(calc.KindNotFound, "penalty_not_found", "处罚记录不存在", "no penalty record "+itoa(id)+" visible to this token")
		}
		v, err = penaltyViewOf(tx, pen)
		return err
	})
	return v, err
}

package api

// Penalty records from the environment bureau (环境违法和受行政处罚情况, 法
// 第十五条第二款). For the period of the violation the emission base of the
// outlet's named pollutants is the 产生量 (实施条例 第六条、第七条): every
// pre-check and submission of a declaration covering it is assessed with
// the engine's penalty case and the 产生量 the record fixes, or is refused
// with the figures that lack one. See docs/exchange.md.

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"
	"github.com/shopspring/decimal"

	"github.com/ecotax/ecotax/calc"
	"github.com/ecotax/ecotax/exchange"
	"github.com/ecotax/ecotax/filing"
	"github.com/ecotax/ecotax/store"
)

type generatedInput struct {
	Pollutant   string              `json:"pollutant"`
	Month       string              `json:"month"`
	GeneratedKg decimal.NullDecimal `json:"generated_kg"`
}

type penaltyInput struct {
	CaseNo     string           `json:"case_no"`
	OutletNo   string           `json:"outlet_no"`
	CaseCode   string           `json:"case_code"`
	PeriodFrom filing.Date      `json:"period_from"`
	PeriodTo   filing.Date      `json:"period_to"`
	DecidedOn  filing.Date      `json:"decided_on"`
	Note       string           `json:"note"`
	Pollutants []string         `json:"pollutants"`
	Generated  []generatedInput `json:"generated"`
	ReplacesID *int64           `json:"replaces_id"`
}

// penaltyView is a record with the filed declarations its period touches:
// those must be (or have been) assessed on the 产生量.
type penaltyView struct {
	*exchange.Penalty
	Affected []affectedDeclaration `json:"affected_declarations"`
}

type affectedDeclaration struct {
	ID       int64         `json:"id"`
	Period   string        `json:"period"`
	Revision int           `json:"revision"`
	Status   filing.Status `json:"status"`
}

func (s *Server) penaltyViewOf(tx *store.Tx, pen *exchange.Penalty) (*penaltyView, error) {
	v := &penaltyView{Penalty: pen, Affected: []affectedDeclaration{}}
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
			v.Affected = append(v.Affected, affectedDeclaration{ID: d.ID, Period: d.Period, Revision: d.Revision, Status: d.Status})
		}
	}
	return v, nil
}

// penaltyFromInput builds the record a request describes; the revision
// follows the record it replaces.
func penaltyFromInput(in *penaltyInput, code, actor string) *exchange.Penalty {
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

// recordPenalty checks a record against the taxpayer's sources and the
// penalty cases, and stores it (superseding the record it replaces).
func (s *Server) recordPenalty(tx *store.Tx, pen *exchange.Penalty, generated []generatedInput) error {
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
		return err
	}
	errs = append(errs, exchange.CheckPenalty(pen, sources, s.engine.Tables().Penalties)...)
	if err := invalid(errs); err != nil {
		return err
	}
	if pen.ReplacesID != nil {
		old, err := tx.GetPenalty(*pen.ReplacesID)
		if err != nil || old.CreditCode != pen.CreditCode {
			return calc.Invalid([]calc.FieldError{{Path: "replaces_id", Code: "unknown_penalty", Message: "no penalty record " + strconv.FormatInt(*pen.ReplacesID, 10) + " of this taxpayer"}})
		}
		if old.CaseNo != pen.CaseNo || old.OutletNo != pen.OutletNo {
			return calc.Invalid([]calc.FieldError{{Path: "replaces_id", Code: "inconsistent_value", Message: fmt.Sprintf("record %d is %s at %s; a revision keeps the decision and outlet", old.ID, old.CaseNo, old.OutletNo)}})
		}
		if old.Status != exchange.PenaltyActive {
			return apiError(calc.KindConflict, "penalty_superseded", "处罚记录已被更新", fmt.Sprintf("record %d is superseded; revise the latest revision", old.ID))
		}
		pen.Revision = old.Revision + 1
	}
	if err := tx.InsertPenalty(pen); err != nil {
		var ce *calc.Error
		if asConflict(err, &ce) && pen.ReplacesID == nil {
			return apiError(calc.KindConflict, "penalty_exists", "处罚记录已存在", "decision "+pen.CaseNo+" is recorded for outlet "+pen.OutletNo+"; file a revision with replaces_id",
				calc.FieldError{Path: "replaces_id", Code: "required", Message: "a later revision names the record it replaces"})
		}
		return err
	}
	return nil
}

func (s *Server) createPenalty(c echo.Context) error {
	p, err := allowed(c, filing.ActPenaltyRecord)
	if err != nil {
		return err
	}
	var in penaltyInput
	body, err := s.decodeBody(c, &in)
	if err != nil {
		return err
	}
	code := c.Param("code")
	return s.create(c, body, func(tx *store.Tx) (*createdResult, error) {
		if _, err := visibleTaxpayer(tx, p, code); err != nil {
			return nil, err
		}
		pen := penaltyFromInput(&in, code, p.Actor())
		if err := s.recordPenalty(tx, pen, in.Generated); err != nil {
			return nil, err
		}
		if err := s.audit(tx, c, filing.ActPenaltyRecord, "penalty", strconv.FormatInt(pen.ID, 10), code, nil, pen); err != nil {
			return nil, err
		}
		v, err := s.penaltyViewOf(tx, pen)
		if err != nil {
			return nil, err
		}
		return &createdResult{location: "/v1/penalties/" + strconv.FormatInt(pen.ID, 10), body: v}, nil
	})
}

func (s *Server) listPenalties(c echo.Context) error {
	p, err := allowed(c, filing.ActPenaltyRead)
	if err != nil {
		return err
	}
	out := []*penaltyView{}
	if err := s.view(c, func(tx *store.Tx) error {
		if _, err := visibleTaxpayer(tx, p, c.Param("code")); err != nil {
			return err
		}
		list, err := tx.ListPenalties(store.PenaltyFilter{CreditCode: c.Param("code")})
		if err != nil {
			return err
		}
		for _, pen := range list {
			v, err := s.penaltyViewOf(tx, pen)
			if err != nil {
				return err
			}
			out = append(out, v)
		}
		return nil
	}); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"penalties": out})
}

func (s *Server) getPenalty(c echo.Context) error {
	p, err := allowed(c, filing.ActPenaltyRead)
	if err != nil {
		return err
	}
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var v *penaltyView
	if err := s.view(c, func(tx *store.Tx) error {
		pen, err := tx.GetPenalty(id)
		if err != nil {
			return err
		}
		if _, err := visibleTaxpayer(tx, p, pen.CreditCode); err != nil {
			return apiError(calc.KindNotFound, "penalty_not_found", "处罚记录不存在", "no penalty record "+c.Param("id")+" visible to this token")
		}
		v, err = s.penaltyViewOf(tx, pen)
		return err
	}); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, v)
}

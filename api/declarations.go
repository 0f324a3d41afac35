package api

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"
	"github.com/shopspring/decimal"

	"github.com/ecotax/ecotax/calc"
	"github.com/ecotax/ecotax/filing"
	"github.com/ecotax/ecotax/store"
)

type declarationInput struct {
	Period  string          `json:"period"`
	Figures []filing.Figure `json:"figures"`
}

type figuresInput struct {
	Figures []filing.Figure `json:"figures"`
	Version int             `json:"version"`
}

type correctionInput struct {
	Figures []filing.Figure `json:"figures"` // omitted: start from the replaced revision's figures
}

type versionInput struct {
	Version int `json:"version"`
}

type paymentInput struct {
	PaidOn  filing.Date         `json:"paid_on"`
	Amount  decimal.NullDecimal `json:"amount"`
	Version int                 `json:"version"`
}

// declarationView is a declaration with its figures, deadline and, once
// submitted, the late-payment surcharge as of the payment day or today.
type declarationView struct {
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

func (s *Server) createDeclaration(c echo.Context) error {
	p, err := allowed(c, filing.ActDeclarationFile)
	if err != nil {
		return err
	}
	var in declarationInput
	body, err := s.decodeBody(c, &in)
	if err != nil {
		return err
	}
	code := c.Param("code")
	return s.create(c, body, func(tx *store.Tx) (*createdResult, error) {
		set, err := loadSet(tx, p, code, in.Period)
		if err != nil {
			return nil, err
		}
		if err := invalid(filing.CheckFigures(set.period, set.sources, in.Figures)); err != nil {
			return nil, err
		}
		latest, err := tx.LatestRevision(code, set.period.Text)
		if err != nil {
			return nil, err
		}
		if latest > 0 {
			return nil, apiError(calc.KindConflict, "declaration_exists", "该期已申报", "a declaration for "+set.period.Text+" exists; correct it (更正申报) instead",
				calc.FieldError{Path: "period", Code: "declaration_exists", Message: "already declared; POST /v1/declarations/{id}/corrections"})
		}
		dl, err := s.filing.DeadlineOf(set.period)
		if err != nil {
			return nil, err
		}
		d := &filing.Declaration{CreditCode: code, Period: set.period.Text, Revision: 1, Deadline: dl.Date}
		if err := tx.InsertDeclaration(d); err != nil {
			return nil, conflictAsRace(err)
		}
		if err := tx.PutFigures(d.ID, in.Figures); err != nil {
			return nil, err
		}
		if err := s.audit(tx, c, filing.ActDeclarationFile, "declaration", strconv.FormatInt(d.ID, 10), code, nil, auditView(d, in.Figures)); err != nil {
			return nil, err
		}
		v, err := s.viewOf(tx, d)
		if err != nil {
			return nil, err
		}
		return &createdResult{location: "/v1/declarations/" + strconv.FormatInt(d.ID, 10), body: v, version: d.Version}, nil
	})
}

func conflictAsRace(err error) error {
	var ce *calc.Error
	if errors.As(err, &ce) && ce.Kind == calc.KindConflict {
		return apiError(calc.KindConflict, "declaration_exists", "该期已有同一版本的申报", "another request created this revision first; reload")
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

func (s *Server) viewOf(tx *store.Tx, d *filing.Declaration) (*declarationView, error) {
	figs, err := tx.Figures(d.ID)
	if err != nil {
		return nil, err
	}
	per, err := filing.ParsePeriod(d.Period)
	if err != nil {
		return nil, err
	}
	dl, err := s.filing.DeadlineOf(per)
	if err != nil {
		return nil, err
	}
	v := &declarationView{Declaration: d, Figures: figs, DeadlineRule: dl}
	if d.Status != filing.StatusDraft {
		owed := filing.MoneyOf(d.Owed())
		through, paid := d.PaidOn, true
		if through == "" {
			through, paid = filing.Today(tx.Now()), false
		}
		sc, err := s.filing.SurchargeOf(owed.Decimal, d.Deadline, through, paid)
		if err != nil {
			return nil, err
		}
		v.Owed, v.Surcharge = &owed, &sc
	}
	return v, nil
}

func (s *Server) listDeclarations(c echo.Context) error {
	p, err := allowed(c, filing.ActDeclarationRead)
	if err != nil {
		return err
	}
	var list []filing.Declaration
	if err := s.view(c, func(tx *store.Tx) error {
		if _, err := visibleTaxpayer(tx, p, c.Param("code")); err != nil {
			return err
		}
		list, err = tx.ListDeclarations(c.Param("code"))
		return err
	}); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"declarations": list})
}

// declarationOf loads a declaration of a taxpayer the caller may see.
func declarationOf(tx *store.Tx, c echo.Context, p filing.Principal) (*filing.Declaration, error) {
	id, err := pathID(c, "id")
	if err != nil {
		return nil, err
	}
	d, err := tx.GetDeclaration(id)
	if err != nil {
		return nil, err
	}
	if _, err := visibleTaxpayer(tx, p, d.CreditCode); err != nil {
		return nil, apiError(calc.KindNotFound, "declaration_not_found", "申报不存在", "no declaration "+c.Param("id")+" visible to this token")
	}
	return d, nil
}

func (s *Server) getDeclaration(c echo.Context) error {
	p, err := allowed(c, filing.ActDeclarationRead)
	if err != nil {
		return err
	}
	var v *declarationView
	if err := s.view(c, func(tx *store.Tx) error {
		d, err := declarationOf(tx, c, p)
		if err != nil {
			return err
		}
		v, err = s.viewOf(tx, d)
		return err
	}); err != nil {
		return err
	}
	setETag(c, v.Version)
	return c.JSON(http.StatusOK, v)
}

// writeDeclaration runs a change of one declaration in a transaction and
// answers with the declaration as it now stands.
func (s *Server) writeDeclaration(c echo.Context, act filing.Action, fn func(tx *store.Tx, d *filing.Declaration) error) error {
	p, err := allowed(c, act)
	if err != nil {
		return err
	}
	var v *declarationView
	err = s.store.InTx(c.Request().Context(), func(tx *store.Tx) error {
		d, err := declarationOf(tx, c, p)
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
		return s.audit(tx, c, act, "declaration", strconv.FormatInt(d.ID, 10), d.CreditCode, before, auditView(d, v.Figures))
	})
	if err != nil {
		return err
	}
	setETag(c, v.Version)
	return c.JSON(http.StatusOK, v)
}

func (s *Server) putFigures(c echo.Context) error {
	var in figuresInput
	if _, err := s.decodeBody(c, &in); err != nil {
		return err
	}
	version, err := ifMatch(c, in.Version)
	if err != nil {
		return err
	}
	return s.replaceFigures(c, version, in.Figures)
}

func (s *Server) replaceFigures(c echo.Context, version int, figs []filing.Figure) error {
	return s.writeDeclaration(c, filing.ActDeclarationFile, func(tx *store.Tx, d *filing.Declaration) error {
		if err := d.CanEdit(); err != nil {
			return err
		}
		set, err := loadSet(tx, who(c), d.CreditCode, d.Period)
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

// assessDeclaration checks a declaration for completeness and runs the
// engine on it through the public contract. Field errors come back with
// the declaration's paths (figures[i].field).
func (s *Server) assessDeclaration(tx *store.Tx, p filing.Principal, d *filing.Declaration) (*calc.Result, []byte, *filing.Built, error) {
	set, err := loadSet(tx, p, d.CreditCode, d.Period)
	if err != nil {
		return nil, nil, nil, err
	}
	figs, err := tx.Figures(d.ID)
	if err != nil {
		return nil, nil, nil, err
	}
	errs := filing.CheckFigures(set.period, set.sources, figs)
	errs = append(errs, filing.Missing(set.period, set.list, figs)...)
	if len(errs) > 0 {
		return nil, nil, nil, calc.Invalid(errs)
	}
	pens, err := penaltyBases(tx, set, figs) // api/penalties.go: 产生量 where a penalty record covers a figure
	if err != nil {
		return nil, nil, nil, err
	}
	built, errs := filing.BuildRequestWith(set.taxpayer, set.period, set.sources, figs, pens)
	if len(errs) > 0 {
		return nil, nil, nil, calc.Invalid(errs)
	}
	req, err := calc.DecodeRequest(built.JSON)
	if err == nil {
		var res *calc.Result
		res, err = s.engine.Assess(req)
		if err == nil {
			out, err := res.MarshalJSON() // not json.Marshal: that would re-compact the bytes, doubling the cost
			s.metrics.assessments.WithLabelValues("declaration", "ok").Inc()
			return res, out, built, err
		}
	}
	s.metrics.assessments.WithLabelValues("declaration", "rejected").Inc()
	var ce *calc.Error
	if errors.As(err, &ce) && ce.Kind == calc.KindInvalid {
		return nil, nil, nil, built.TranslateError(ce)
	}
	return nil, nil, nil, err
}

// precheck (预检) runs every check and the assessment without storing.
func (s *Server) precheck(c echo.Context) error {
	p, err := allowed(c, filing.ActDeclarationFile)
	if err != nil {
		return err
	}
	var out map[string]any
	err = s.view(c, func(tx *store.Tx) error {
		d, err := declarationOf(tx, c, p)
		if err != nil {
			return err
		}
		_, res, _, err := s.assessDeclaration(tx, p, d)
		var ce *calc.Error
		switch {
		case err == nil:
			out = map[string]any{"ok": true, "errors": []calc.FieldError{}, "assessment": json.RawMessage(res)}
		case errors.As(err, &ce) && ce.Kind == calc.KindInvalid:
			out = map[string]any{"ok": false, "errors": ce.Errors, "assessment": nil}
		default:
			return err
		}
		return nil
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) submit(c echo.Context) error {
	version, err := s.versionFrom(c)
	if err != nil {
		return err
	}
	return s.writeDeclaration(c, filing.ActDeclarationFile, func(tx *store.Tx, d *filing.Declaration) error {
		if err := d.CanEdit(); err != nil {
			return err
		}
		res, out, _, err := s.assessDeclaration(tx, who(c), d)
		if err != nil {
			return err
		}
		d.Version = version
		return tx.Submit(d, res.TotalTaxDue, res.TotalReduction, res.TotalTax, out, who(c).Actor())
	})
}

// versionFrom reads an optional {"version": n} body and If-Match.
func (s *Server) versionFrom(c echo.Context) (int, error) {
	var in versionInput
	body, err := readBody(c, s.cfg.BodyLimit, "")
	if err != nil {
		return 0, err
	}
	if len(body) > 0 {
		if e := decodeJSON(body, &in); e != nil {
			return 0, e
		}
	}
	return ifMatch(c, in.Version)
}

// correct files a correction (更正申报): a new draft revision pointing at
// the one it replaces, starting from its figures unless others are given.
func (s *Server) correct(c echo.Context) error {
	p, err := allowed(c, filing.ActDeclarationFile)
	if err != nil {
		return err
	}
	var in correctionInput
	body, err := readBody(c, s.cfg.BodyLimit, "")
	if err != nil {
		return err
	}
	if len(body) > 0 {
		if e := decodeJSON(body, &in); e != nil {
			return e
		}
	}
	return s.create(c, body, func(tx *store.Tx) (*createdResult, error) {
		old, err := declarationOf(tx, c, p)
		if err != nil {
			return nil, err
		}
		d, figs, err := fileCorrection(tx, p, old, func() ([]filing.Figure, error) {
			if in.Figures != nil {
				return in.Figures, nil
			}
			return tx.Figures(old.ID)
		})
		if err != nil {
			return nil, err
		}
		if err := s.audit(tx, c, filing.ActDeclarationFile, "declaration", strconv.FormatInt(d.ID, 10), d.CreditCode, nil, auditView(d, figs)); err != nil {
			return nil, err
		}
		v, err := s.viewOf(tx, d)
		if err != nil {
			return nil, err
		}
		return &createdResult{location: "/v1/declarations/" + strconv.FormatInt(d.ID, 10), body: v, version: d.Version}, nil
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

// accept (受理) locks the latest submitted revision.
func (s *Server) accept(c echo.Context) error {
	version, err := s.versionFrom(c)
	if err != nil {
		return err
	}
	return s.writeDeclaration(c, filing.ActDeclarationAccept, func(tx *store.Tx, d *filing.Declaration) error {
		latest, err := tx.LatestRevision(d.CreditCode, d.Period)
		if err != nil {
			return err
		}
		if err := d.CanAccept(latest); err != nil {
			return err
		}
		d.Version = version
		return tx.Accept(d, who(c).Actor())
	})
}

// pay records that the tax of a revision was paid (税款入库) on a day; the
// surcharge then runs to that day.
func (s *Server) pay(c echo.Context) error {
	var in paymentInput
	if _, err := s.decodeBody(c, &in); err != nil {
		return err
	}
	version, err := ifMatch(c, in.Version)
	if err != nil {
		return err
	}
	var errs []calc.FieldError
	if in.PaidOn == "" {
		errs = append(errs, calc.FieldError{Path: "paid_on", Code: "required", Message: "the payment day is required"})
	}
	if !in.Amount.Valid {
		errs = append(errs, calc.FieldError{Path: "amount", Code: "required", Message: "the amount paid is required"})
	}
	if err := invalid(errs); err != nil {
		return err
	}
	return s.writeDeclaration(c, filing.ActPaymentRecord, func(tx *store.Tx, d *filing.Declaration) error {
		if err := d.CanPay(); err != nil {
			return err
		}
		if in.PaidOn > filing.Today(tx.Now()) {
			return calc.Invalid([]calc.FieldError{{Path: "paid_on", Code: "invalid_value", Message: "the payment day is in the future"}})
		}
		d.Version = version
		return tx.Pay(d, in.PaidOn, in.Amount.Decimal)
	})
}

func (s *Server) listAudit(c echo.Context) error {
	p, err := allowed(c, filing.ActAuditRead)
	if err != nil {
		return err
	}
	f := store.AuditFilter{Entity: c.QueryParam("entity"), EntityID: c.QueryParam("entity_id"), CreditCode: c.QueryParam("credit_code")}
	if f.Limit, err = queryInt(c, "limit", 200, 1, 1000); err != nil {
		return err
	}
	var list []filing.AuditEntry
	err = s.view(c, func(tx *store.Tx) error {
		// An officer bound to a region reads the audit of one visible taxpayer at a time.
		if p.Region != "" {
			if f.CreditCode == "" {
				return calc.Invalid([]calc.FieldError{{Path: "credit_code", Code: "required", Message: "a regional token must name the taxpayer"}})
			}
			if _, err := visibleTaxpayer(tx, p, f.CreditCode); err != nil {
				return err
			}
		}
		list, err = tx.ListAudit(f)
		return err
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"entries": list})
}

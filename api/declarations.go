package api

import (
	"net/http"

	"github.com/ecotax/ecotax/app"
	"github.com/ecotax/ecotax/internal/httpx"

	"github.com/labstack/echo/v4"
	"github.com/shopspring/decimal"

	"github.com/ecotax/ecotax/filing"
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
	r, err := s.app.FileDeclaration(ctx(c), p, idem(c, body), c.Param("code"), in.Period, in.Figures)
	return created(c, r, err)
}

func (s *Server) listDeclarations(c echo.Context) error {
	p, err := allowed(c, filing.ActDeclarationRead)
	if err != nil {
		return err
	}
	list, err := s.app.Declarations(ctx(c), p, c.Param("code"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"declarations": list})
}

func (s *Server) getDeclaration(c echo.Context) error {
	p, err := allowed(c, filing.ActDeclarationRead)
	if err != nil {
		return err
	}
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	v, err := s.app.Declaration(ctx(c), p, id)
	if err != nil {
		return err
	}
	return versioned(c, v, v.Version)
}

func (s *Server) putFigures(c echo.Context) error {
	p, err := allowed(c, filing.ActDeclarationFile)
	if err != nil {
		return err
	}
	var in figuresInput
	id, version, err := s.writeArgs(c, &in, &in.Version)
	if err != nil {
		return err
	}
	v, err := s.app.ReplaceFigures(ctx(c), p, id, version, in.Figures)
	if err != nil {
		return err
	}
	return versioned(c, v, v.Version)
}

// precheck (预检) runs every check and the assessment without storing.
func (s *Server) precheck(c echo.Context) error {
	p, err := allowed(c, filing.ActDeclarationFile)
	if err != nil {
		return err
	}
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	r, err := s.app.Precheck(ctx(c), p, id)
	if err != nil {
		return err
	}
	b := make([]byte, 0, len(r.Assessment)+64)
	b = append(b, `{"ok":`...)
	if r.OK {
		b = append(b, `true,"errors":[],"assessment":`...)
		b = append(b, r.Assessment...)
		b = append(b, '}')
		return c.JSONBlob(http.StatusOK, b)
	}
	return c.JSON(http.StatusOK, map[string]any{"ok": false, "errors": r.Errors, "assessment": nil})
}

func (s *Server) submit(c echo.Context) error {
	p, err := allowed(c, filing.ActDeclarationFile)
	if err != nil {
		return err
	}
	version, err := s.versionFrom(c)
	if err != nil {
		return err
	}
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	v, err := s.app.Submit(ctx(c), p, id, version)
	if err != nil {
		return err
	}
	return versioned(c, v, v.Version)
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
	return httpx.IfMatch(c, in.Version)
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
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	r, err := s.app.Correct(ctx(c), p, idem(c, body), id, in.Figures)
	return created(c, r, err)
}

// accept (受理) locks the latest submitted revision.
func (s *Server) accept(c echo.Context) error {
	p, err := allowed(c, filing.ActDeclarationAccept)
	if err != nil {
		return err
	}
	version, err := s.versionFrom(c)
	if err != nil {
		return err
	}
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	v, err := s.app.Accept(ctx(c), p, id, version)
	if err != nil {
		return err
	}
	return versioned(c, v, v.Version)
}

// pay records that the tax of a revision was paid (税款入库) on a day.
func (s *Server) pay(c echo.Context) error {
	p, err := allowed(c, filing.ActPaymentRecord)
	if err != nil {
		return err
	}
	var in paymentInput
	id, version, err := s.writeArgs(c, &in, &in.Version)
	if err != nil {
		return err
	}
	v, err := s.app.Pay(ctx(c), p, id, version, in.PaidOn, in.Amount)
	if err != nil {
		return err
	}
	return versioned(c, v, v.Version)
}

func (s *Server) listAudit(c echo.Context) error {
	p, err := allowed(c, filing.ActAuditRead)
	if err != nil {
		return err
	}
	f := app.AuditFilter{Entity: c.QueryParam("entity"), EntityID: c.QueryParam("entity_id"), CreditCode: c.QueryParam("credit_code")}
	if f.Limit, err = queryInt(c, "limit", 200, 1, 1000); err != nil {
		return err
	}
	list, err := s.app.Audit(ctx(c), p, f)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"entries": list})
}

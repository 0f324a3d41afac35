package api

import (
	"net/http"

	"github.com/ecotax/ecotax/internal/httpx"

	"github.com/labstack/echo/v4"
	"github.com/shopspring/decimal"

	"github.com/ecotax/ecotax/calc"
	"github.com/ecotax/ecotax/filing"
)

// sourceInput is a source as registered or changed (新增/变更).
type sourceInput struct {
	OutletNo              string              `json:"outlet_no"`
	OutletName            string              `json:"outlet_name"`
	Location              string              `json:"location"`
	Kind                  string              `json:"kind"`
	Fugitive              bool                `json:"fugitive"`
	Pollutant             string              `json:"pollutant"`
	Method                string              `json:"method"`
	Standard              string              `json:"standard"`
	StandardConcentration decimal.NullDecimal `json:"standard_concentration"`
	DayLimitDB            decimal.NullDecimal `json:"day_limit_db"`
	NightLimitDB          decimal.NullDecimal `json:"night_limit_db"`
	MultiplePoints        bool                `json:"multiple_points"`
	ValidFrom             filing.Date         `json:"valid_from"`
	ValidTo               filing.Date         `json:"valid_to"`
	Version               int                 `json:"version"`
}

func (in *sourceInput) source(code string) filing.Source {
	s := filing.Source{CreditCode: code}
	s.SetFields(&filing.Source{OutletNo: in.OutletNo, OutletName: in.OutletName, Location: in.Location, Kind: in.Kind, Fugitive: in.Fugitive,
		Pollutant: in.Pollutant, Method: in.Method, Standard: in.Standard, StandardConcentration: in.StandardConcentration,
		DayLimitDB: in.DayLimitDB, NightLimitDB: in.NightLimitDB, MultiplePoints: in.MultiplePoints, ValidFrom: in.ValidFrom, ValidTo: in.ValidTo})
	return s
}

type endInput struct {
	ValidTo filing.Date `json:"valid_to"`
	Version int         `json:"version"`
}

func (s *Server) createSource(c echo.Context) error {
	p, err := allowed(c, filing.ActSourceWrite)
	if err != nil {
		return err
	}
	var in sourceInput
	body, err := s.decodeBody(c, &in)
	if err != nil {
		return err
	}
	if in.Version != 0 {
		return calc.Invalid([]calc.FieldError{{Path: "version", Code: "unknown_field", Message: "a new source has no version"}})
	}
	r, err := s.app.RegisterSource(ctx(c), p, idem(c, body), in.source(c.Param("code")))
	return created(c, r, err)
}

func (s *Server) listSources(c echo.Context) error {
	p, err := allowed(c, filing.ActSourceRead)
	if err != nil {
		return err
	}
	list, err := s.app.Sources(ctx(c), p, c.Param("code"), c.QueryParam("active_in"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"sources": list})
}

func (s *Server) getSource(c echo.Context) error {
	p, err := allowed(c, filing.ActSourceRead)
	if err != nil {
		return err
	}
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	src, err := s.app.Source(ctx(c), p, c.Param("code"), id)
	if err != nil {
		return err
	}
	return versioned(c, src, src.Version)
}

func (s *Server) sourceHistory(c echo.Context) error {
	p, err := allowed(c, filing.ActSourceRead)
	if err != nil {
		return err
	}
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	r, err := s.app.SourceRecord(ctx(c), p, c.Param("code"), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"history": r.History})
}

// changeSource records a change (变更) of a source.
func (s *Server) changeSource(c echo.Context) error {
	p, err := allowed(c, filing.ActSourceWrite)
	if err != nil {
		return err
	}
	var in sourceInput
	id, version, err := s.writeArgs(c, &in, &in.Version)
	if err != nil {
		return err
	}
	src, err := s.app.ChangeSource(ctx(c), p, c.Param("code"), id, version, in.source(c.Param("code")))
	if err != nil {
		return err
	}
	return versioned(c, src, src.Version)
}

// endSource ends a source's validity (删除 on the form: history is kept).
func (s *Server) endSource(c echo.Context) error {
	p, err := allowed(c, filing.ActSourceWrite)
	if err != nil {
		return err
	}
	var in endInput
	id, version, err := s.writeArgs(c, &in, &in.Version)
	if err != nil {
		return err
	}
	src, err := s.app.EndSource(ctx(c), p, c.Param("code"), id, version, in.ValidTo)
	if err != nil {
		return err
	}
	return versioned(c, src, src.Version)
}

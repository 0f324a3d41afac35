package api

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"
	"github.com/shopspring/decimal"

	"github.com/ecotax/ecotax/calc"
	"github.com/ecotax/ecotax/filing"
	"github.com/ecotax/ecotax/store"
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

func (in *sourceInput) apply(s *filing.Source) {
	s.OutletNo, s.OutletName, s.Location, s.Kind, s.Fugitive = in.OutletNo, in.OutletName, in.Location, in.Kind, in.Fugitive
	s.Pollutant, s.Method, s.Standard = in.Pollutant, in.Method, in.Standard
	s.StandardConcentration, s.DayLimitDB, s.NightLimitDB = in.StandardConcentration, in.DayLimitDB, in.NightLimitDB
	s.MultiplePoints, s.ValidFrom, s.ValidTo = in.MultiplePoints, in.ValidFrom, in.ValidTo
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
	src := &filing.Source{CreditCode: c.Param("code")}
	in.apply(src)
	if err := invalid(src.Validate()); err != nil {
		return err
	}
	return s.create(c, body, func(tx *store.Tx) (*createdResult, error) {
		if _, err := visibleTaxpayer(tx, p, src.CreditCode); err != nil {
			return nil, err
		}
		if err := tx.InsertSource(src, p.Actor()); err != nil {
			return nil, err
		}
		id := strconv.FormatInt(src.ID, 10)
		if err := s.audit(tx, c, filing.ActSourceWrite, "source", id, src.CreditCode, nil, src); err != nil {
			return nil, err
		}
		return &createdResult{location: "/v1/taxpayers/" + src.CreditCode + "/sources/" + id, body: src, version: src.Version}, nil
	})
}

// sourceOf loads a source of a taxpayer the caller may see.
func sourceOf(tx *store.Tx, c echo.Context, p filing.Principal) (*filing.Source, error) {
	id, err := pathID(c, "id")
	if err != nil {
		return nil, err
	}
	if _, err := visibleTaxpayer(tx, p, c.Param("code")); err != nil {
		return nil, err
	}
	src, err := tx.GetSource(id)
	if err != nil {
		return nil, err
	}
	if src.CreditCode != c.Param("code") {
		return nil, apiError(calc.KindNotFound, "source_not_found", "税源不存在", "no such tax source for this taxpayer")
	}
	return src, nil
}

func (s *Server) listSources(c echo.Context) error {
	p, err := allowed(c, filing.ActSourceRead)
	if err != nil {
		return err
	}
	month := c.QueryParam("active_in")
	if month != "" && !filing.ValidMonth(month) {
		return calc.Invalid([]calc.FieldError{{Path: "active_in", Code: "invalid_value", Message: "want a month YYYY-MM"}})
	}
	var list []*filing.Source
	if err := s.view(c, func(tx *store.Tx) error {
		if _, err := visibleTaxpayer(tx, p, c.Param("code")); err != nil {
			return err
		}
		list, err = tx.ListSources(c.Param("code"))
		return err
	}); err != nil {
		return err
	}
	out := []*filing.Source{}
	for _, src := range list {
		if month == "" || src.ActiveIn(month) {
			out = append(out, src)
		}
	}
	return c.JSON(http.StatusOK, map[string]any{"sources": out})
}

func (s *Server) getSource(c echo.Context) error {
	p, err := allowed(c, filing.ActSourceRead)
	if err != nil {
		return err
	}
	var src *filing.Source
	if err := s.view(c, func(tx *store.Tx) error {
		src, err = sourceOf(tx, c, p)
		return err
	}); err != nil {
		return err
	}
	setETag(c, src.Version)
	return c.JSON(http.StatusOK, src)
}

func (s *Server) sourceHistory(c echo.Context) error {
	p, err := allowed(c, filing.ActSourceRead)
	if err != nil {
		return err
	}
	var h []filing.SourceVersion
	if err := s.view(c, func(tx *store.Tx) error {
		src, err := sourceOf(tx, c, p)
		if err != nil {
			return err
		}
		h, err = tx.SourceHistory(src.ID)
		return err
	}); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"history": h})
}

// changeSource records a change (变更): the kind of a source cannot
// change (end it and register a new one).
func (s *Server) changeSource(c echo.Context) error {
	p, err := allowed(c, filing.ActSourceWrite)
	if err != nil {
		return err
	}
	var in sourceInput
	if _, err := s.decodeBody(c, &in); err != nil {
		return err
	}
	version, err := ifMatch(c, in.Version)
	if err != nil {
		return err
	}
	return s.writeSource(c, p, "change", func(src *filing.Source) []calc.FieldError {
		var errs []calc.FieldError
		if in.Kind != src.Kind {
			errs = append(errs, calc.FieldError{Path: "kind", Code: "immutable_field", Message: "the kind of a source cannot change; end it and register a new one"})
		}
		in.apply(src)
		src.Version = version
		return append(errs, src.Validate()...)
	})
}

// endSource ends a source's validity (删除 on the form: history is kept).
func (s *Server) endSource(c echo.Context) error {
	p, err := allowed(c, filing.ActSourceWrite)
	if err != nil {
		return err
	}
	var in endInput
	if _, err := s.decodeBody(c, &in); err != nil {
		return err
	}
	version, err := ifMatch(c, in.Version)
	if err != nil {
		return err
	}
	return s.writeSource(c, p, "end", func(src *filing.Source) []calc.FieldError {
		if in.ValidTo == "" {
			return []calc.FieldError{{Path: "valid_to", Code: "required", Message: "the last valid day is required"}}
		}
		src.ValidTo = in.ValidTo
		src.Version = version
		return src.Validate()
	})
}

func (s *Server) writeSource(c echo.Context, p filing.Principal, change string, edit func(*filing.Source) []calc.FieldError) error {
	var src *filing.Source
	err := s.store.InTx(c.Request().Context(), func(tx *store.Tx) error {
		before, err := sourceOf(tx, c, p)
		if err != nil {
			return err
		}
		after := *before
		if err := invalid(edit(&after)); err != nil {
			return err
		}
		if err := tx.UpdateSource(&after, change, p.Actor()); err != nil {
			return err
		}
		src = &after
		return s.audit(tx, c, filing.ActSourceWrite, "source", strconv.FormatInt(src.ID, 10), src.CreditCode, before, src)
	})
	if err != nil {
		return err
	}
	setETag(c, src.Version)
	return c.JSON(http.StatusOK, src)
}

package api

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/ecotax/ecotax/app"
	"github.com/ecotax/ecotax/calc"
	"github.com/ecotax/ecotax/filing"
	"github.com/ecotax/ecotax/internal/httpx"
)

type taxpayerInput struct {
	CreditCode string `json:"credit_code"`
	Name       string `json:"name"`
	Region     string `json:"region"`
	Industry   string `json:"industry"`
}

type taxpayerPatch struct {
	Name     *string `json:"name"`
	Region   *string `json:"region"`
	Industry *string `json:"industry"`
	Version  int     `json:"version"`
}

func (s *Server) createTaxpayer(c echo.Context) error {
	p, err := allowed(c, filing.ActTaxpayerCreate)
	if err != nil {
		return err
	}
	var in taxpayerInput
	body, err := s.decodeBody(c, &in)
	if err != nil {
		return err
	}
	r, err := s.app.RegisterTaxpayer(ctx(c), p, idem(c, body),
		filing.Taxpayer{CreditCode: in.CreditCode, Name: in.Name, Region: in.Region, Industry: in.Industry})
	return created(c, r, err)
}

func (s *Server) listTaxpayers(c echo.Context) error {
	p, err := allowed(c, filing.ActTaxpayerRead)
	if err != nil {
		return err
	}
	var pg app.Page
	if pg.Limit, err = queryInt(c, "limit", 100, 1, 1000); err != nil {
		return err
	}
	if pg.Offset, err = queryInt(c, "offset", 0, 0, 1<<31-1); err != nil {
		return err
	}
	list, err := s.app.Taxpayers(ctx(c), p, pg)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"taxpayers": list})
}

func queryInt(c echo.Context, name string, def, min, max int) (int, error) {
	s := c.QueryParam(name)
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < min || n > max {
		return 0, calc.Invalid([]calc.FieldError{{Path: name, Code: "invalid_value", Message: "want a whole number from " + strconv.Itoa(min) + " to " + strconv.Itoa(max)}})
	}
	return n, nil
}

func (s *Server) getTaxpayer(c echo.Context) error {
	p, err := allowed(c, filing.ActTaxpayerRead)
	if err != nil {
		return err
	}
	t, err := s.app.Taxpayer(ctx(c), p, c.Param("code"))
	if err != nil {
		return err
	}
	return versioned(c, t, t.Version)
}

func (s *Server) updateTaxpayer(c echo.Context) error {
	p, err := allowed(c, filing.ActTaxpayerUpdate)
	if err != nil {
		return err
	}
	var in taxpayerPatch
	if _, err := s.decodeBody(c, &in); err != nil {
		return err
	}
	version, err := httpx.IfMatch(c, in.Version)
	if err != nil {
		return err
	}
	t, err := s.app.UpdateTaxpayer(ctx(c), p, c.Param("code"), version, app.TaxpayerPatch{Name: in.Name, Region: in.Region, Industry: in.Industry})
	if err != nil {
		return err
	}
	return versioned(c, t, t.Version)
}

package api

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/ecotax/ecotax/calc"
	"github.com/ecotax/ecotax/filing"
	"github.com/ecotax/ecotax/store"
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
	t := &filing.Taxpayer{CreditCode: in.CreditCode, Name: in.Name, Region: in.Region, Industry: in.Industry}
	if err := invalid(t.Validate()); err != nil {
		return err
	}
	if !p.Sees(t.CreditCode, t.Region) {
		return apiError(calc.KindForbidden, "outside_region", "超出管辖区域", "this token may only register taxpayers in region "+p.Region,
			calc.FieldError{Path: "region", Code: "outside_region", Message: "outside the token's region " + p.Region})
	}
	return s.create(c, body, func(tx *store.Tx) (*createdResult, error) {
		if err := tx.InsertTaxpayer(t); err != nil {
			if ce, ok := err.(*calc.Error); ok && ce.Kind == calc.KindConflict {
				return nil, apiError(calc.KindConflict, "taxpayer_exists", "纳税人已登记", "taxpayer "+t.CreditCode+" is already registered",
					calc.FieldError{Path: "credit_code", Code: "taxpayer_exists", Message: "already registered"})
			}
			return nil, err
		}
		if err := s.audit(tx, c, filing.ActTaxpayerCreate, "taxpayer", t.CreditCode, t.CreditCode, nil, t); err != nil {
			return nil, err
		}
		return &createdResult{location: "/v1/taxpayers/" + t.CreditCode, body: t, version: t.Version}, nil
	})
}

func (s *Server) listTaxpayers(c echo.Context) error {
	p, err := allowed(c, filing.ActTaxpayerRead)
	if err != nil {
		return err
	}
	f := store.TaxpayerFilter{}
	if p.Role == filing.RoleEnterprise {
		f.CreditCode = p.CreditCode
	} else if p.Region != "" {
		f.RegionPrefix = filing.RegionPrefix(p.Region)
	}
	if f.Limit, err = queryInt(c, "limit", 100, 1, 1000); err != nil {
		return err
	}
	if f.Offset, err = queryInt(c, "offset", 0, 0, 1<<31-1); err != nil {
		return err
	}
	var list []filing.Taxpayer
	if err := s.view(c, func(tx *store.Tx) error {
		list, err = tx.ListTaxpayers(f)
		return err
	}); err != nil {
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
	var t *filing.Taxpayer
	if err := s.view(c, func(tx *store.Tx) error {
		t, err = visibleTaxpayer(tx, p, c.Param("code"))
		return err
	}); err != nil {
		return err
	}
	setETag(c, t.Version)
	return c.JSON(http.StatusOK, t)
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
	version, err := ifMatch(c, in.Version)
	if err != nil {
		return err
	}
	var t *filing.Taxpayer
	err = s.store.InTx(c.Request().Context(), func(tx *store.Tx) error {
		before, err := visibleTaxpayer(tx, p, c.Param("code"))
		if err != nil {
			return err
		}
		after := *before
		if in.Name != nil {
			after.Name = *in.Name
		}
		if in.Region != nil {
			after.Region = *in.Region
		}
		if in.Industry != nil {
			after.Industry = *in.Industry
		}
		if err := invalid(after.Validate()); err != nil {
			return err
		}
		if !p.Sees(after.CreditCode, after.Region) {
			return apiError(calc.KindForbidden, "outside_region", "超出管辖区域", "the new region is outside this token's region",
				calc.FieldError{Path: "region", Code: "outside_region", Message: "outside the token's region " + p.Region})
		}
		after.Version = version
		if err := tx.UpdateTaxpayer(&after); err != nil {
			return err
		}
		t = &after
		return s.audit(tx, c, filing.ActTaxpayerUpdate, "taxpayer", t.CreditCode, t.CreditCode, before, t)
	})
	if err != nil {
		return err
	}
	setETag(c, t.Version)
	return c.JSON(http.StatusOK, t)
}

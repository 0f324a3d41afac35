package api

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/ecotax/ecotax/calc/damage"
	"github.com/ecotax/ecotax/filing"
)

// Damage compensation (生态环境损害赔偿) claims are government work: the
// calculator needs a tax_officer, env_officer, finance or admin token. The
// parameter sets are law as data and public.

func (s *Server) listDamageParameterSets(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]any{"parameter_sets": s.app.Tables().Damage.Listing(), "categories": damage.Categories})
}

// calculateDamage quantifies a claim (docs/damage.md) with its trace;
// nothing is stored. A multiplier outside its range, an unconfirmed class
// or an unknown field is a 400 naming the field.
func (s *Server) calculateDamage(c echo.Context) error {
	p, err := allowed(c, filing.ActCompensationCompute)
	if err != nil {
		return err
	}
	body, err := s.jsonBody(c)
	if err != nil {
		return err
	}
	req, err := damage.DecodeRequest(body)
	if err != nil {
		return err
	}
	res, err := s.app.CalculateDamage(ctx(c), p, req)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, res)
}

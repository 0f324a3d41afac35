package api

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/ecotax/ecotax/calc/ecocomp"
	"github.com/ecotax/ecotax/filing"
)

// Horizontal ecological compensation (横向生态保护补偿) settlements are
// between governments: the calculator needs a tax_officer, env_officer,
// finance or admin token. The schemes are law as data and public.

func (s *Server) listEcoSchemes(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]any{"schemes": s.app.Tables().Ecocomp.Listing(), "water_classes": ecocomp.ClassNames()})
}

// calculateEcoSettlement settles a year (docs/ecocomp.md) with its trace;
// nothing is stored. An unknown water class is a 400 naming its path.
func (s *Server) calculateEcoSettlement(c echo.Context) error {
	p, err := allowed(c, filing.ActCompensationCompute)
	if err != nil {
		return err
	}
	body, err := s.jsonBody(c)
	if err != nil {
		return err
	}
	req, err := ecocomp.DecodeRequest(body)
	if err != nil {
		return err
	}
	res, err := s.app.SettleEco(ctx(c), p, req)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, res)
}

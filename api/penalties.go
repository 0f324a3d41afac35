package api

// Penalty records from the environment bureau (app/penalties.go holds the
// operations; docs/exchange.md the rules).

import (
	"net/http"

	"github.com/ecotax/ecotax/internal/httpx"

	"github.com/labstack/echo/v4"

	"github.com/ecotax/ecotax/app"
	"github.com/ecotax/ecotax/filing"
)

func (s *Server) createPenalty(c echo.Context) error {
	p, err := allowed(c, filing.ActPenaltyRecord)
	if err != nil {
		return err
	}
	var in app.PenaltyInput
	body, err := s.decodeBody(c, &in)
	if err != nil {
		return err
	}
	r, err := s.app.RecordPenalty(ctx(c), p, idem(c, body), c.Param("code"), in)
	return created(c, r, err)
}

func (s *Server) listPenalties(c echo.Context) error {
	p, err := allowed(c, filing.ActPenaltyRead)
	if err != nil {
		return err
	}
	list, err := s.app.Penalties(ctx(c), p, c.Param("code"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"penalties": list})
}

func (s *Server) getPenalty(c echo.Context) error {
	p, err := allowed(c, filing.ActPenaltyRead)
	if err != nil {
		return err
	}
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	v, err := s.app.Penalty(ctx(c), p, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, v)
}

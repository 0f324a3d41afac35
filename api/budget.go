package api

import (
	"net/http"
	"strconv"

	"github.com/ecotax/ecotax/internal/httpx"

	"github.com/labstack/echo/v4"

	"github.com/ecotax/ecotax/app"
	"github.com/ecotax/ecotax/budget"
	"github.com/ecotax/ecotax/budget/report"
	"github.com/ecotax/ecotax/calc"
	"github.com/ecotax/ecotax/filing"
	"github.com/ecotax/ecotax/internal/sheet"
)

// budgetReport computes a region's budget for a year with its scenarios:
// JSON (default), XLSX or SVG. Nothing is stored.
func (s *Server) budgetReport(c echo.Context) error {
	p, err := allowed(c, filing.ActBudgetReport)
	if err != nil {
		return err
	}
	format := c.QueryParam("format")
	if format != "" && format != "json" && format != "xlsx" && format != "svg" {
		return calc.Invalid([]calc.FieldError{{Path: "format", Code: "invalid_value", Message: "format is json, xlsx or svg"}})
	}
	body, err := s.jsonBody(c)
	if err != nil {
		return err
	}
	rr, err := budget.DecodeReport(body, s.app.BudgetCalculators(), s.app.BudgetLimits())
	if err != nil {
		return err
	}
	res, err := s.app.BudgetReport(ctx(c), p, rr)
	if err != nil {
		return err
	}
	return s.sendBudget(c, res, format)
}

// sendBudget writes a budget as JSON, XLSX or SVG. The workbook is the
// finance page's (report.View): the same tables whichever door asks.
func (s *Server) sendBudget(c echo.Context, res *budget.Result, format string) error {
	name := "budget-" + res.Region + "-" + strconv.Itoa(res.Year)
	switch format {
	case "xlsx":
		out, err := report.ViewXLSX(report.NewView(res, s.app.RegionNames()))
		if err != nil {
			return err
		}
		c.Response().Header().Set(echo.HeaderContentDisposition, `attachment; filename="`+name+`.xlsx"`)
		return c.Blob(http.StatusOK, sheet.MIMEXLSX, out)
	case "svg":
		c.Response().Header().Set(echo.HeaderContentDisposition, `inline; filename="`+name+`.svg"`)
		return c.Blob(http.StatusOK, "image/svg+xml", report.SVG(res))
	}
	return c.JSON(http.StatusOK, res)
}

func (s *Server) createDamageCase(c echo.Context) error {
	p, err := allowed(c, filing.ActDamageCaseRecord)
	if err != nil {
		return err
	}
	body, err := s.jsonBody(c)
	if err != nil {
		return err
	}
	rec, err := budget.DecodeDamageCase(body, s.app.BudgetCalculators(), s.app.BudgetLimits())
	if err != nil {
		return err
	}
	r, err := s.app.RecordDamageCase(ctx(c), p, idem(c, body), rec)
	return created(c, r, err)
}

func (s *Server) createEcoSettlement(c echo.Context) error {
	p, err := allowed(c, filing.ActEcoSettlementRecord)
	if err != nil {
		return err
	}
	body, err := s.jsonBody(c)
	if err != nil {
		return err
	}
	rec, err := budget.DecodeEcoSettlement(body, s.app.BudgetCalculators(), s.app.BudgetLimits())
	if err != nil {
		return err
	}
	r, err := s.app.RecordEcoSettlement(ctx(c), p, idem(c, body), rec)
	return created(c, r, err)
}

func (s *Server) createFeeBill(c echo.Context) error {
	p, err := allowed(c, filing.ActFeeBillRecord)
	if err != nil {
		return err
	}
	body, err := s.jsonBody(c)
	if err != nil {
		return err
	}
	rec, err := budget.DecodeFeeBill(body, s.app.BudgetCalculators(), s.app.BudgetLimits())
	if err != nil {
		return err
	}
	r, err := s.app.RecordFeeBill(ctx(c), p, idem(c, body), rec)
	return created(c, r, err)
}

func (s *Server) listDamageCases(c echo.Context) error {
	return listInputs(s, c, app.DamageCases, "damage_cases")
}
func (s *Server) getDamageCase(c echo.Context) error { return getInput(s, c, app.DamageCases) }
func (s *Server) deleteDamageCase(c echo.Context) error {
	return deleteInput(s, c, app.DamageCases, filing.ActDamageCaseRecord)
}
func (s *Server) listEcoSettlements(c echo.Context) error {
	return listInputs(s, c, app.EcoSettlements, "eco_settlements")
}
func (s *Server) getEcoSettlement(c echo.Context) error { return getInput(s, c, app.EcoSettlements) }
func (s *Server) deleteEcoSettlement(c echo.Context) error {
	return deleteInput(s, c, app.EcoSettlements, filing.ActEcoSettlementRecord)
}

// confirmEcoSettlement confirms a settlement another region's bureau
// recorded, for the caller's region (docs/budget.md).
func (s *Server) confirmEcoSettlement(c echo.Context) error {
	p, err := allowed(c, filing.ActEcoSettlementRecord)
	if err != nil {
		return err
	}
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	row, err := s.app.ConfirmEcoSettlement(ctx(c), p, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, row)
}

func (s *Server) listFeeBills(c echo.Context) error {
	return listInputs(s, c, app.FeeBills, "fee_bills")
}
func (s *Server) getFeeBill(c echo.Context) error { return getInput(s, c, app.FeeBills) }
func (s *Server) deleteFeeBill(c echo.Context) error {
	return deleteInput(s, c, app.FeeBills, filing.ActFeeBillRecord)
}

func listInputs[T any](s *Server, c echo.Context, b *app.BudgetInput[T], key string) error {
	p, err := allowed(c, filing.ActBudgetInputsRead)
	if err != nil {
		return err
	}
	list, err := b.List(ctx(c), s.app, p, app.BudgetFilter{Region: c.QueryParam("region"), Year: c.QueryParam("year")})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{key: list})
}

func getInput[T any](s *Server, c echo.Context, b *app.BudgetInput[T]) error {
	p, err := allowed(c, filing.ActBudgetInputsRead)
	if err != nil {
		return err
	}
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	row, err := b.Get(ctx(c), s.app, p, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, row)
}

// deleteInput deletes a record and answers 204.
func deleteInput[T any](s *Server, c echo.Context, b *app.BudgetInput[T], act filing.Action) error {
	p, err := allowed(c, act)
	if err != nil {
		return err
	}
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	if err := b.Delete(ctx(c), s.app, p, id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

package api

import (
	"errors"
	"fmt"

	"github.com/ecotax/ecotax/internal/httpx"

	"github.com/labstack/echo/v4"

	"github.com/ecotax/ecotax/calc"
	"github.com/ecotax/ecotax/filing"
	"github.com/ecotax/ecotax/internal/sheet"
)

// importFigures replaces a draft's figures with an uploaded workbook's,
// all or nothing: any bad cell rejects the whole file, each error naming
// its row and column.
func (s *Server) importFigures(c echo.Context) error {
	p, err := allowed(c, filing.ActDeclarationFile)
	if err != nil {
		return err
	}
	version, err := httpx.IfMatch(c, 0)
	if err != nil {
		return err
	}
	body, err := readBody(c, s.cfg.ImportLimit, sheet.MIMEXLSX)
	if err != nil {
		return err
	}
	figs, rowOf, cols, errs := sheet.ReadFigures(body)
	if len(errs) > 0 {
		return apiError(calc.KindInvalid, "invalid_import", "导入文件有误", fmt.Sprintf("%d error(s); nothing was imported", len(errs)), errs...)
	}
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	v, err := s.app.ReplaceFigures(ctx(c), p, id, version, figs)
	if err == nil {
		return versioned(c, v, v.Version)
	}
	var ce *calc.Error
	if errors.As(err, &ce) && ce.Kind == calc.KindInvalid {
		// figures[i].field → the cell of that row and column.
		out := *ce
		out.Code, out.Title = "invalid_import", "导入文件有误"
		out.Errors = make([]calc.FieldError, len(ce.Errors))
		for k, fe := range ce.Errors {
			out.Errors[k] = sheet.ToCell(fe, rowOf, cols)
		}
		return &out
	}
	return err
}

// figuresTemplate is the workbook to fill in (sheet.FigureTemplate).
func (s *Server) figuresTemplate(c echo.Context) error {
	p, err := allowed(c, filing.ActDeclarationRead)
	if err != nil {
		return err
	}
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	r, err := s.app.FigureSheet(ctx(c), p, id)
	if err != nil {
		return err
	}
	sh, name := sheet.FigureTemplate(r)
	return download(c, sh, "xlsx", name)
}

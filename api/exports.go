package api

import (
	"net/http"
	"net/url"

	"github.com/ecotax/ecotax/internal/httpx"

	"github.com/labstack/echo/v4"

	"github.com/ecotax/ecotax/calc"
	"github.com/ecotax/ecotax/filing"
	"github.com/ecotax/ecotax/internal/sheet"
)

func format(c echo.Context) (string, error) {
	switch f := c.QueryParam("format"); f {
	case "", "xlsx":
		return "xlsx", nil
	case "csv":
		return "csv", nil
	}
	return "", calc.Invalid([]calc.FieldError{{Path: "format", Code: "invalid_value", Message: "format is xlsx or csv"}})
}

// download sends a form as an attachment.
func download(c echo.Context, sh *sheet.Sheet, kind, filename string) error {
	b, ctype, ext, err := sh.Encode(kind)
	if err != nil {
		return err
	}
	c.Response().Header().Set("Content-Disposition", "attachment; filename*=UTF-8''"+url.PathEscape(filename+ext))
	return c.Blob(http.StatusOK, ctype, b)
}

// exportSources writes the 《环境保护税税源明细表》 (税源基础采集信息).
func (s *Server) exportSources(c echo.Context) error {
	p, err := allowed(c, filing.ActSourceRead)
	if err != nil {
		return err
	}
	kind, err := format(c)
	if err != nil {
		return err
	}
	tp, list, err := s.app.TaxpayerSources(ctx(c), p, c.Param("code"))
	if err != nil {
		return err
	}
	sh, name := sheet.Sources(tp, list)
	return download(c, sh, kind, name)
}

// exportDeclaration writes the declaration's 申报计算及减免信息.
func (s *Server) exportDeclaration(c echo.Context) error {
	p, err := allowed(c, filing.ActDeclarationRead)
	if err != nil {
		return err
	}
	kind, err := format(c)
	if err != nil {
		return err
	}
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	r, err := s.app.DeclarationRecord(ctx(c), p, id)
	if err != nil {
		return err
	}
	sh, name, err := sheet.Declaration(r)
	if err != nil {
		return err
	}
	return download(c, sh, kind, name)
}

func yesNo(b bool) string {
	if b {
		return "是"
	}
	return "否"
}

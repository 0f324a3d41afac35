package api

// The tax–environment exchange (涉税信息共享, 环境保护税法 第十五条):
// app/exchange.go holds the operations (export, import, read, list);
// exchange/ the datasets, formats, signing and verifying;
// docs/exchange.md the rules.

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/ecotax/ecotax/app"
	"github.com/ecotax/ecotax/exchange"
	"github.com/ecotax/ecotax/filing"
)

const mimeZip = "application/zip"

func (s *Server) exportExchange(c echo.Context) error {
	p, err := allowed(c, filing.ActExchangeExport)
	if err != nil {
		return err
	}
	var in app.ExportRequest
	body, err := s.decodeBody(c, &in)
	if err != nil {
		return err
	}
	r, err := s.app.ExportBatch(ctx(c), p, idem(c, body), in)
	return created(c, r, err)
}

func (s *Server) importExchange(c echo.Context) error {
	p, err := allowed(c, filing.ActExchangeImport)
	if err != nil {
		return err
	}
	body, err := readBody(c, s.cfg.ImportLimit, mimeZip)
	if err != nil {
		return err
	}
	v, err := s.app.ImportArchive(ctx(c), p, body)
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, "/v1/exchange/batches/"+v.Batch.BatchID)
	status := http.StatusCreated
	if v.AlreadyImported {
		status = http.StatusOK
	}
	return c.JSON(status, v)
}

func (s *Server) getExchangeBatch(c echo.Context) error {
	p, err := allowed(c, filing.ActExchangeRead)
	if err != nil {
		return err
	}
	v, err := s.app.Batch(ctx(c), p, c.Param("batch"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, v)
}

// exchangeArchive sends the stored files as the batch's ZIP archive, byte
// for byte what was made or received.
func (s *Server) exchangeArchive(c echo.Context) error {
	p, err := allowed(c, filing.ActExchangeRead)
	if err != nil {
		return err
	}
	id, files, err := s.app.BatchFiles(ctx(c), p, c.Param("batch"))
	if err != nil {
		return err
	}
	data, err := exchange.Pack(files)
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderContentDisposition, `attachment; filename="`+id+`.zip"`)
	return c.Blob(http.StatusOK, mimeZip, data)
}

func (s *Server) listExchangeBatches(c echo.Context) error {
	p, err := allowed(c, filing.ActExchangeRead)
	if err != nil {
		return err
	}
	dir := c.QueryParam("direction")
	if err := app.CheckDirection(dir); err != nil {
		return err
	}
	limit, err := queryInt(c, "limit", 100, 1, 1000)
	if err != nil {
		return err
	}
	list, err := s.app.Batches(ctx(c), p, dir, limit)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"batches": list})
}

// exchangeDatasets lists the datasets of the exchange with their fields,
// Chinese labels, units and, for a field this service always sends
// empty, why (docs/exchange.md).
func (s *Server) exchangeDatasets(c echo.Context) error {
	if _, err := allowed(c, filing.ActExchangeRead); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"datasets": app.ExchangeDatasets()})
}

// exchangeWorklist lists the other side's records that match nothing
// here (实施条例 第十九条), as JSON or, with format=csv, as a download.
func (s *Server) exchangeWorklist(c echo.Context) error {
	p, err := allowed(c, filing.ActExchangeRead)
	if err != nil {
		return err
	}
	dir := c.QueryParam("direction")
	format := c.QueryParam("format")
	if format != "" && format != "json" && format != "csv" {
		return app.BadFormat()
	}
	list, err := s.app.Worklist(ctx(c), p, dir)
	if err != nil {
		return err
	}
	if format == "csv" {
		data, err := app.WorklistCSV(list)
		if err != nil {
			return err
		}
		c.Response().Header().Set(echo.HeaderContentDisposition, `attachment; filename="exchange-worklist.csv"`)
		return c.Blob(http.StatusOK, "text/csv; charset=utf-8", data)
	}
	return c.JSON(http.StatusOK, map[string]any{"items": list})
}

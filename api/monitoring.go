package api

import (
	"net/http"

	"github.com/ecotax/ecotax/internal/httpx"

	"github.com/labstack/echo/v4"
	"github.com/shopspring/decimal"

	"github.com/ecotax/ecotax/app"
	"github.com/ecotax/ecotax/calc"
	"github.com/ecotax/ecotax/filing"
	"github.com/ecotax/ecotax/reconcile"
)

// Online monitoring: device mappings (MN → outlet), stored packets, the
// monthly figures per outlet and pollutant, and production output
// (app/monitoring.go).

type deviceInput struct {
	MN        string      `json:"mn"`
	OutletNo  string      `json:"outlet_no"`
	ValidFrom filing.Date `json:"valid_from"`
	ValidTo   filing.Date `json:"valid_to"`
	Note      string      `json:"note"`
	Version   int         `json:"version"`
}

func (in *deviceInput) device(code string) reconcile.Device {
	return reconcile.Device{CreditCode: code, MN: in.MN, OutletNo: in.OutletNo, ValidFrom: in.ValidFrom, ValidTo: in.ValidTo, Note: in.Note}
}

func (s *Server) createDevice(c echo.Context) error {
	p, err := allowed(c, filing.ActDeviceWrite)
	if err != nil {
		return err
	}
	var in deviceInput
	body, err := s.decodeBody(c, &in)
	if err != nil {
		return err
	}
	d := in.device(c.Param("code"))
	d.Version = in.Version
	r, err := s.app.RegisterDevice(ctx(c), p, idem(c, body), d)
	return created(c, r, err)
}

func (s *Server) listDevices(c echo.Context) error {
	p, err := allowed(c, filing.ActMonitoringRead)
	if err != nil {
		return err
	}
	list, err := s.app.Devices(ctx(c), p, c.Param("code"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"devices": list})
}

func (s *Server) getDevice(c echo.Context) error {
	p, err := allowed(c, filing.ActMonitoringRead)
	if err != nil {
		return err
	}
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	d, err := s.app.Device(ctx(c), p, c.Param("code"), id)
	if err != nil {
		return err
	}
	return versioned(c, d, d.Version)
}

// changeDevice changes a mapping (MN, outlet, validity, note); ending one
// is setting valid_to.
func (s *Server) changeDevice(c echo.Context) error {
	p, err := allowed(c, filing.ActDeviceWrite)
	if err != nil {
		return err
	}
	var in deviceInput
	id, version, err := s.writeArgs(c, &in, &in.Version)
	if err != nil {
		return err
	}
	d, err := s.app.ChangeDevice(ctx(c), p, c.Param("code"), id, version, in.device(c.Param("code")))
	if err != nil {
		return err
	}
	return versioned(c, d, d.Version)
}

// monthly answers GET /v1/taxpayers/{code}/monitoring?month=YYYY-MM: the
// monitored figure of each outlet and statutory pollutant, and the
// figures of each device mapping with the records left out (flagged D, M,
// C, B, F, S …) and the trace, as stored.
func (s *Server) monthly(c echo.Context) error {
	p, err := allowed(c, filing.ActMonitoringRead)
	if err != nil {
		return err
	}
	m, err := s.app.Monitoring(ctx(c), p, c.Param("code"), c.QueryParam("month"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, m)
}

// listPackets lists stored packets with their verdicts.
func (s *Server) listPackets(c echo.Context) error {
	p, err := allowed(c, filing.ActMonitoringRead)
	if err != nil {
		return err
	}
	f := app.PacketFilter{MN: c.QueryParam("mn"), Month: c.QueryParam("month"), Verdict: c.QueryParam("verdict")}
	if f.Limit, err = queryInt(c, "limit", 100, 1, 1000); err != nil {
		return err
	}
	before, err := queryInt(c, "before", 0, 0, 1<<53)
	if err != nil {
		return err
	}
	f.Before = int64(before)
	list, err := s.app.Packets(ctx(c), p, f)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"packets": list})
}

// listSplits lists split HJ 212 messages (PNUM/PNO) with their verdicts.
func (s *Server) listSplits(c echo.Context) error {
	p, err := allowed(c, filing.ActMonitoringRead)
	if err != nil {
		return err
	}
	f := app.SplitFilter{MN: c.QueryParam("mn"), Verdict: c.QueryParam("verdict")}
	if f.Limit, err = queryInt(c, "limit", 100, 1, 1000); err != nil {
		return err
	}
	list, err := s.app.SplitSets(ctx(c), p, f)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"splits": list})
}

// setDeviceKey sets or rotates a device's SM4 key (HJ 212-2025). The key
// is sent as 16 characters or 32 hex digits; the answer names it by its
// fingerprint only.
func (s *Server) setDeviceKey(c echo.Context) error {
	p, err := allowed(c, filing.ActDeviceKeyWrite)
	if err != nil {
		return err
	}
	var in struct {
		Key string `json:"key"`
	}
	if _, err := s.decodeBody(c, &in); err != nil {
		return err
	}
	info, err := s.app.SetDeviceKey(ctx(c), p, c.Param("mn"), app.ParseKey(in.Key))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, info)
}

func (s *Server) listDeviceKeys(c echo.Context) error {
	p, err := allowed(c, filing.ActDeviceKeyWrite)
	if err != nil {
		return err
	}
	list, err := s.app.DeviceKeyInfos(ctx(c), p, c.Param("mn"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"keys": list})
}

type outputInput struct {
	Product  string              `json:"product"`
	Unit     string              `json:"unit"`
	Quantity decimal.NullDecimal `json:"quantity"`
	Version  int                 `json:"version"`
}

// putOutput records a month's production output: created when there is
// none (201), else replaced under If-Match (200).
func (s *Server) putOutput(c echo.Context) error {
	p, err := allowed(c, filing.ActOutputWrite)
	if err != nil {
		return err
	}
	var in outputInput
	if _, err := s.decodeBody(c, &in); err != nil {
		return err
	}
	o := reconcile.Output{CreditCode: c.Param("code"), Month: c.Param("month"), Product: in.Product, Unit: in.Unit, Quantity: in.Quantity.Decimal}
	errs := o.Validate()
	if !in.Quantity.Valid {
		errs = append(errs, calc.FieldError{Path: "quantity", Code: "required", Message: "the quantity is required"})
	}
	if err := invalid(errs); err != nil {
		return err
	}
	v := app.IfMatch{Stated: in.Version != 0 || c.Request().Header.Get("If-Match") != ""}
	v.Version, v.Err = httpx.IfMatch(c, in.Version)
	out, isNew, err := s.app.PutOutput(ctx(c), p, o, v)
	if err != nil {
		return err
	}
	setETag(c, out.Version)
	if isNew {
		return c.JSON(http.StatusCreated, out)
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) listOutputs(c echo.Context) error {
	p, err := allowed(c, filing.ActDeclarationRead)
	if err != nil {
		return err
	}
	list, err := s.app.Outputs(ctx(c), p, c.Param("code"), c.QueryParam("from"), c.QueryParam("to"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"outputs": list})
}

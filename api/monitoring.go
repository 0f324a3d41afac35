package api

import (
	"net/http"
	"sort"
	"strconv"

	"github.com/labstack/echo/v4"
	"github.com/shopspring/decimal"

	"github.com/ecotax/ecotax/calc"
	"github.com/ecotax/ecotax/filing"
	"github.com/ecotax/ecotax/reconcile"
	"github.com/ecotax/ecotax/store"
)

// Online monitoring: device mappings (MN → outlet), stored packets, the
// monthly figures per outlet and pollutant, and production output.

type deviceInput struct {
	MN        string      `json:"mn"`
	OutletNo  string      `json:"outlet_no"`
	ValidFrom filing.Date `json:"valid_from"`
	ValidTo   filing.Date `json:"valid_to"`
	Note      string      `json:"note"`
	Version   int         `json:"version"`
}

func (in *deviceInput) apply(d *reconcile.Device) {
	d.MN, d.OutletNo, d.ValidFrom, d.ValidTo, d.Note = in.MN, in.OutletNo, in.ValidFrom, in.ValidTo, in.Note
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
	if in.Version != 0 {
		return calc.Invalid([]calc.FieldError{{Path: "version", Code: "unknown_field", Message: "a new mapping has no version"}})
	}
	d := &reconcile.Device{CreditCode: c.Param("code")}
	in.apply(d)
	if err := invalid(d.Validate()); err != nil {
		return err
	}
	return s.create(c, body, func(tx *store.Tx) (*createdResult, error) {
		if _, err := visibleTaxpayer(tx, p, d.CreditCode); err != nil {
			return nil, err
		}
		if err := tx.InsertDevice(d); err != nil {
			return nil, err
		}
		id := strconv.FormatInt(d.ID, 10)
		if err := s.audit(tx, c, filing.ActDeviceWrite, "device", id, d.CreditCode, nil, d); err != nil {
			return nil, err
		}
		return &createdResult{location: "/v1/taxpayers/" + d.CreditCode + "/devices/" + id, body: d, version: d.Version}, nil
	})
}

func (s *Server) listDevices(c echo.Context) error {
	p, err := allowed(c, filing.ActMonitoringRead)
	if err != nil {
		return err
	}
	var list []reconcile.Device
	if err := s.view(c, func(tx *store.Tx) error {
		if _, err := visibleTaxpayer(tx, p, c.Param("code")); err != nil {
			return err
		}
		list, err = tx.ListDevices(store.DeviceFilter{CreditCode: c.Param("code")})
		return err
	}); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"devices": list})
}

// deviceOf loads a mapping of a taxpayer the caller may see.
func deviceOf(tx *store.Tx, c echo.Context, p filing.Principal) (*reconcile.Device, error) {
	id, err := pathID(c, "id")
	if err != nil {
		return nil, err
	}
	if _, err := visibleTaxpayer(tx, p, c.Param("code")); err != nil {
		return nil, err
	}
	d, err := tx.GetDevice(id)
	if err != nil {
		return nil, err
	}
	if d.CreditCode != c.Param("code") {
		return nil, apiError(calc.KindNotFound, "device_not_found", "监测设备对应关系不存在", "no such device mapping for this taxpayer")
	}
	return d, nil
}

func (s *Server) getDevice(c echo.Context) error {
	p, err := allowed(c, filing.ActMonitoringRead)
	if err != nil {
		return err
	}
	var d *reconcile.Device
	if err := s.view(c, func(tx *store.Tx) error {
		d, err = deviceOf(tx, c, p)
		return err
	}); err != nil {
		return err
	}
	setETag(c, d.Version)
	return c.JSON(http.StatusOK, d)
}

// changeDevice changes a mapping (MN, outlet, validity, note); ending one
// is setting valid_to. The monthly figures of the data concerned are
// recomputed.
func (s *Server) changeDevice(c echo.Context) error {
	p, err := allowed(c, filing.ActDeviceWrite)
	if err != nil {
		return err
	}
	var in deviceInput
	if _, err := s.decodeBody(c, &in); err != nil {
		return err
	}
	version, err := ifMatch(c, in.Version)
	if err != nil {
		return err
	}
	var d *reconcile.Device
	err = s.store.InTx(c.Request().Context(), func(tx *store.Tx) error {
		if d, err = deviceOf(tx, c, p); err != nil {
			return err
		}
		before := *d
		in.apply(d)
		if err := invalid(d.Validate()); err != nil {
			return err
		}
		d.Version = version
		if err := tx.UpdateDevice(d, before.MN); err != nil {
			return err
		}
		return s.audit(tx, c, filing.ActDeviceWrite, "device", strconv.FormatInt(d.ID, 10), d.CreditCode, &before, d)
	})
	if err != nil {
		return err
	}
	setETag(c, d.Version)
	return c.JSON(http.StatusOK, d)
}

// outletView is an outlet's monitored figure for a month.
type outletView struct {
	OutletNo     string              `json:"outlet_no"`
	Pollutant    string              `json:"pollutant"`
	PollutantID  string              `json:"pollutant_id"`
	Basis        string              `json:"basis"`
	EmissionKg   decimal.NullDecimal `json:"emission_kg"`
	Valid        int                 `json:"valid"`
	Units        int                 `json:"units"`
	Completeness decimal.Decimal     `json:"completeness"`
	Mean         decimal.NullDecimal `json:"mean_concentration"`
	Max          decimal.NullDecimal `json:"max_concentration"`
	Excluded     int                 `json:"excluded"`
	Devices      []string            `json:"devices"`
	Codes        []string            `json:"codes"`
	Notes        []string            `json:"notes"`
}

// monthly answers GET /v1/taxpayers/{code}/monitoring?month=YYYY-MM: the
// monitored figure of each outlet and statutory pollutant, and the
// figures of each device mapping with the records left out (flagged D, M,
// C, B, F, S …) and the trace.
func (s *Server) monthly(c echo.Context) error {
	p, err := allowed(c, filing.ActMonitoringRead)
	if err != nil {
		return err
	}
	month := c.QueryParam("month")
	if !filing.ValidMonth(month) {
		return calc.Invalid([]calc.FieldError{{Path: "month", Code: "invalid_value", Message: "want a month YYYY-MM"}})
	}
	set, err := s.reconcile.On(filing.Date(month + "-01").Day())
	if err != nil {
		return err
	}
	places := int32(set.Places.Value.IntPart())
	// The figures are derived data: bring any out-of-date ones up to date
	// before reading (a no-op when nothing changed).
	if _, err := s.store.RefreshAll(c.Request().Context(), places); err != nil {
		return err
	}
	code := c.Param("code")
	var (
		devs []reconcile.Device
		figs []store.MonthlyFigure
	)
	if err := s.view(c, func(tx *store.Tx) error {
		if _, err := visibleTaxpayer(tx, p, code); err != nil {
			return err
		}
		if devs, err = tx.ListDevices(store.DeviceFilter{CreditCode: code}); err != nil {
			return err
		}
		figs, err = tx.MonthlyFigures(code, month, month)
		return err
	}); err != nil {
		return err
	}
	slim := make([]reconcile.DeviceFigure, len(figs))
	for i := range figs {
		slim[i] = figs[i].Slim()
	}
	codes := reconcile.NewCodes(s.engine.Tables().HJ212, s.engine.Names())
	outs, warnings := reconcile.Outlets(devs, slim, codes, places, set.CouKg.Value)
	keys := make([]reconcile.OutletKey, 0, len(outs))
	for k := range outs {
		keys = append(keys, k)
	}
	sortOutletKeys(keys)
	views := []outletView{}
	for _, k := range keys {
		o := outs[k]
		v := outletView{OutletNo: o.OutletNo, Pollutant: o.Pollutant, PollutantID: o.PollutantID, Basis: string(o.Basis),
			Valid: o.Valid, Units: o.Units, Completeness: o.Completeness(places), Mean: o.Mean, Max: o.Max, Excluded: o.Excluded,
			Devices: o.Devices, Codes: o.Codes, Notes: o.Notes}
		if v.Notes == nil {
			v.Notes = []string{}
		}
		if o.Counted > 0 {
			v.EmissionKg = decimal.NullDecimal{Decimal: o.TotalKg, Valid: true}
		}
		views = append(views, v)
	}
	if warnings == nil {
		warnings = []string{}
	}
	warnings = append(warnings, set.Unverified()...)
	return c.JSON(http.StatusOK, map[string]any{"credit_code": code, "month": month, "outlets": views, "devices": figs, "warnings": warnings})
}

func sortOutletKeys(keys []reconcile.OutletKey) {
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].OutletNo != keys[j].OutletNo {
			return keys[i].OutletNo < keys[j].OutletNo
		}
		return keys[i].PollutantID < keys[j].PollutantID
	})
}

// listPackets lists stored packets with their verdicts. An officer without
// a region and the operator may list every packet; anyone else names a
// device (mn) mapped to a taxpayer they may see.
func (s *Server) listPackets(c echo.Context) error {
	p, err := allowed(c, filing.ActMonitoringRead)
	if err != nil {
		return err
	}
	f := store.PacketFilter{MN: c.QueryParam("mn"), Month: c.QueryParam("month"), Verdict: c.QueryParam("verdict")}
	var errs []calc.FieldError
	if f.Month != "" && !filing.ValidMonth(f.Month) {
		errs = append(errs, calc.FieldError{Path: "month", Code: "invalid_value", Message: "want a month YYYY-MM"})
	}
	if f.Verdict != "" && f.Verdict != "valid" && f.Verdict != "lenient" && f.Verdict != "rejected" {
		errs = append(errs, calc.FieldError{Path: "verdict", Code: "invalid_value", Message: "want valid, lenient or rejected"})
	}
	if f.Limit, err = queryInt(c, "limit", 100, 1, 1000); err != nil {
		return err
	}
	before, err := queryInt(c, "before", 0, 0, 1<<53)
	if err != nil {
		return err
	}
	f.Before = int64(before)
	scoped := p.Role == filing.RoleEnterprise || p.Region != ""
	if scoped && f.MN == "" {
		errs = append(errs, calc.FieldError{Path: "mn", Code: "required", Message: "name the device (mn) whose packets to list"})
	}
	if err := invalid(errs); err != nil {
		return err
	}
	var list []store.PacketInfo
	if err := s.view(c, func(tx *store.Tx) error {
		if scoped {
			devs, err := tx.ListDevices(store.DeviceFilter{MN: f.MN})
			if err != nil {
				return err
			}
			ok := false
			for _, d := range devs {
				if _, err := visibleTaxpayer(tx, p, d.CreditCode); err == nil {
					ok = true
					break
				}
			}
			if !ok {
				return apiError(calc.KindNotFound, "device_not_found", "监测设备不存在", "no device "+f.MN+" mapped to a taxpayer visible to this token")
			}
		}
		list, err = tx.ListPackets(f)
		return err
	}); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"packets": list})
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
	o := &reconcile.Output{CreditCode: c.Param("code"), Month: c.Param("month"), Product: in.Product, Unit: in.Unit, Quantity: in.Quantity.Decimal}
	errs := o.Validate()
	if !in.Quantity.Valid {
		errs = append(errs, calc.FieldError{Path: "quantity", Code: "required", Message: "the quantity is required"})
	}
	if err := invalid(errs); err != nil {
		return err
	}
	status := http.StatusOK
	err = s.store.InTx(c.Request().Context(), func(tx *store.Tx) error {
		if _, err := visibleTaxpayer(tx, p, o.CreditCode); err != nil {
			return err
		}
		old, err := tx.GetOutput(o.CreditCode, o.Month)
		if err != nil {
			return err
		}
		entity := o.CreditCode + "/" + o.Month
		if old == nil {
			if in.Version != 0 || c.Request().Header.Get("If-Match") != "" {
				return apiError(calc.KindConflict, "stale_version", "版本已过期", "there is no output for "+o.Month+" to update; send it without a version to create it")
			}
			status = http.StatusCreated
			if err := tx.InsertOutput(o); err != nil {
				return err
			}
			return s.audit(tx, c, filing.ActOutputWrite, "output", entity, o.CreditCode, nil, o)
		}
		if o.Version, err = ifMatch(c, in.Version); err != nil {
			return err
		}
		if err := tx.UpdateOutput(o); err != nil {
			return err
		}
		return s.audit(tx, c, filing.ActOutputWrite, "output", entity, o.CreditCode, old, o)
	})
	if err != nil {
		return err
	}
	setETag(c, o.Version)
	return c.JSON(status, o)
}

func (s *Server) listOutputs(c echo.Context) error {
	p, err := allowed(c, filing.ActDeclarationRead)
	if err != nil {
		return err
	}
	from, to := c.QueryParam("from"), c.QueryParam("to")
	if from == "" {
		from = "2018-01"
	}
	if to == "" {
		to = "2999-12"
	}
	if !filing.ValidMonth(from) || !filing.ValidMonth(to) {
		return calc.Invalid([]calc.FieldError{{Path: "from", Code: "invalid_value", Message: "from and to are months YYYY-MM"}})
	}
	var list []reconcile.Output
	if err := s.view(c, func(tx *store.Tx) error {
		if _, err := visibleTaxpayer(tx, p, c.Param("code")); err != nil {
			return err
		}
		list, err = tx.ListOutputs(c.Param("code"), from, to)
		return err
	}); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"outputs": list})
}

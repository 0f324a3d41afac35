package pages

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/ecotax/ecotax/app"
	"github.com/ecotax/ecotax/calc"
	"github.com/ecotax/ecotax/filing"
	"github.com/ecotax/ecotax/internal/httpx"
	"github.com/ecotax/ecotax/reconcile"
	"github.com/ecotax/ecotax/web"
)

// The register of online monitoring devices (在线监测设备) on pages: which
// device (its HJ 212 MN) measures which outlet of a taxpayer, from and to
// which day. The monitoring data a device sends count for the outlet only
// on the days of its mapping, so an officer keeps this register for the
// reconciliation (比对) to compare declared and monitored emissions. A
// mapping is registered as the permits are (errors beside the inputs with
// what was typed kept, a confirmation step); a mapping that stops is
// ended on a day, never deleted, so what was counted stays explained.
// app.RegisterDevice and app.ChangeDevice do the work.

// devicePage is the register of one taxpayer's devices.
type devicePage struct {
	registerPage
	Devices  []deviceRow
	CanWrite bool
	CanKeys  bool // may set the devices' data encryption keys
	Ended    bool // a mapping was just ended
	Today    string
}

// deviceRow is one mapping as listed.
type deviceRow struct {
	ID                 int64
	MN, OutletNo       string
	OutletName         string
	ValidFrom, ValidTo string
	Note               string
	Version            int
	Open               bool // not ended, or ended after today
}

func (s *Server) webDevices(c echo.Context) error {
	p, err := allowed(c, filing.ActMonitoringRead)
	if err != nil {
		return s.webError(c, err)
	}
	pg := &devicePage{registerPage: registerPage{Code: strings.TrimSpace(c.QueryParam("taxpayer")), Saved: c.QueryParam("saved") == "1"},
		Ended: c.QueryParam("ended") == "1"}
	return s.renderDevices(c, p, http.StatusOK, pg)
}

func (s *Server) renderDevices(c echo.Context, p filing.Principal, status int, pg *devicePage) error {
	pg.CanWrite = p.Can(filing.ActDeviceWrite)
	pg.CanKeys = p.Can(filing.ActDeviceKeyWrite)
	pg.Today = string(filing.Today(s.now()))
	if err := s.fillRegister(c, p, &pg.registerPage); err != nil {
		return s.webError(c, err)
	}
	if pg.Code != "" {
		list, err := s.app.Devices(ctx(c), p, pg.Code)
		if err != nil {
			return s.webError(c, err)
		}
		names := map[string]string{}
		for _, o := range pg.Outlets {
			names[o.Value] = o.Label
		}
		for _, d := range list {
			pg.Devices = append(pg.Devices, deviceRow{ID: d.ID, MN: d.MN, OutletNo: d.OutletNo, OutletName: names[d.OutletNo],
				ValidFrom: string(d.ValidFrom), ValidTo: string(d.ValidTo), Note: d.Note, Version: d.Version,
				Open: d.ValidTo == "" || string(d.ValidTo) >= pg.Today})
		}
	}
	return s.render(c, status, "devices", s.page(c, "在线监测设备", pg))
}

func (s *Server) webRegisterDevice(c echo.Context) error {
	p, err := allowed(c, filing.ActDeviceWrite)
	if err != nil {
		return s.webError(c, err)
	}
	vals, _ := c.FormParams()
	t := func(k string) string { return strings.TrimSpace(vals.Get(k)) }
	pg := &devicePage{registerPage: registerPage{Code: t("taxpayer"), Vals: vals, By: map[string][]string{}}}
	if pg.Code == "" {
		pg.By["taxpayer"] = []string{"请选择纳税人。"}
	}
	d := reconcile.Device{CreditCode: pg.Code, MN: t("mn"), OutletNo: t("outlet_no"), Note: t("note"),
		ValidFrom: readDate(vals, pg.By, "valid_from"), ValidTo: readDate(vals, pg.By, "valid_to")}
	input := func(path string) string {
		if vals.Has(path) {
			return path
		}
		return ""
	}
	for _, e := range d.Validate() {
		// A date that is not one is already said beside its input.
		if len(pg.By[e.Path]) == 0 {
			place([]calc.FieldError{e}, pg.By, &pg.Top, input)
		}
	}
	if len(pg.By) > 0 || len(pg.Top) > 0 {
		return s.renderDevices(c, p, httpx.Status(calc.KindInvalid), pg)
	}
	if vals.Get("confirm") != "1" {
		pg.Confirm = true
		return s.renderDevices(c, p, http.StatusOK, pg)
	}
	if _, err := s.app.RegisterDevice(ctx(c), p, app.Idem{}, d); err != nil {
		if !refused(err, &pg.registerPage, input) {
			return s.webError(c, err)
		}
		return s.renderDevices(c, p, httpx.Status(calc.KindInvalid), pg)
	}
	return c.Redirect(http.StatusSeeOther, "/app/devices?"+url.Values{"taxpayer": {pg.Code}, "saved": {"1"}}.Encode())
}

// webEndDevice ends a mapping on a day (its last day of data for the
// outlet), at the version the list showed.
func (s *Server) webEndDevice(c echo.Context) error {
	p, err := allowed(c, filing.ActDeviceWrite)
	if err != nil {
		return s.webError(c, err)
	}
	id, err := pathID(c, "id")
	if err != nil {
		return s.webError(c, err)
	}
	vals, _ := c.FormParams()
	t := func(k string) string { return strings.TrimSpace(vals.Get(k)) }
	pg := &devicePage{registerPage: registerPage{Code: t("taxpayer"), By: map[string][]string{}}}
	version, verr := strconv.Atoi(t("version"))
	d, err := s.app.Device(ctx(c), p, pg.Code, id)
	if err != nil {
		return s.webError(c, err)
	}
	if verr != nil {
		pg.Top = append(pg.Top, web.Explained{Text: "请刷新页面后再停用。", Path: "version", Code: "invalid_value", Detail: "version must be a whole number"})
		return s.renderDevices(c, p, httpx.Status(calc.KindInvalid), pg)
	}
	end := readDate(vals, pg.By, "valid_to")
	if end == "" && len(pg.By) == 0 {
		pg.By["valid_to"] = []string{"请填写停用日期（该设备数据计入此排放口的最后一天）。"}
	}
	if len(pg.By) > 0 {
		// One date input per row: said at the top, naming the device.
		for _, msg := range pg.By["valid_to"] {
			pg.Top = append(pg.Top, web.Explained{Text: "设备 " + d.MN + "：" + msg, Path: "valid_to", Code: "invalid_value", Detail: "valid_to must be a day YYYY-MM-DD"})
		}
		pg.By = map[string][]string{}
		return s.renderDevices(c, p, httpx.Status(calc.KindInvalid), pg)
	}
	next := *d
	next.ValidTo = end
	if _, err := s.app.ChangeDevice(ctx(c), p, pg.Code, id, version, next); err != nil {
		if !refused(err, &pg.registerPage, func(string) string { return "" }) {
			return s.webError(c, err)
		}
		return s.renderDevices(c, p, httpx.Status(calc.KindInvalid), pg)
	}
	return c.Redirect(http.StatusSeeOther, "/app/devices?"+url.Values{"taxpayer": {pg.Code}, "ended": {"1"}}.Encode())
}

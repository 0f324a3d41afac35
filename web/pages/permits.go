package pages

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/shopspring/decimal"

	"github.com/ecotax/ecotax/app"
	"github.com/ecotax/ecotax/calc"
	"github.com/ecotax/ecotax/exchange"
	"github.com/ecotax/ecotax/filing"
	"github.com/ecotax/ecotax/internal/httpx"
	"github.com/ecotax/ecotax/web"
)

// The environment bureau's registers on pages: the permit register (排污
// 许可, 法 第十五条第二款; app.RegisterPermit) and supervisory
// measurements (监督性监测, 实施条例 第十五条第二项; app.RecordSample). A
// form is checked by the domain's own Validate first, so every error shows
// beside its input at once with what was typed kept; then the entry is
// shown once more to confirm; only then is it recorded. The tax officer
// reads both registers.

const permitLines = 5 // outlet × pollutant rows the permit form offers

// registerPage is the permits or the samples page.
type registerPage struct {
	Taxpayers  []filing.Taxpayer
	Code, Name string // the chosen taxpayer
	Period     string // samples: the period listed
	Periods    []web.Option
	Permits    []exchange.Permit
	Samples    []exchange.Sample
	CanRecord  bool
	Saved      bool
	Confirm    bool
	Vals       url.Values
	By         map[string][]string
	Top        []web.Explained
	Lines      []int
	Outlets    []web.Option // the chosen taxpayer's outlets, offered as typed
	Pollutants []web.Option
	Units      map[string]string // pollutant name → concentration unit
}

// Get is what was typed in an input ("" on a fresh form).
func (r *registerPage) Get(k string) string { return r.Vals.Get(k) }

// Err are the errors beside an input.
func (r *registerPage) Err(k string) []string { return r.By[k] }

// Unit is the concentration unit of a pollutant: mg/m³ for the air
// pollutants of the statutory table, mg/L for the water ones.
func (r *registerPage) Unit(pollutant string) string {
	if u := r.Units[pollutant]; u != "" {
		return u
	}
	return "mg/m³ 或 mg/L"
}

// concUnit is the unit of a pollutant's concentration: mg/m³ for an air
// pollutant of the statutory table, mg/L for a water one; both when the
// name is in neither (or in both).
func (s *Server) concUnit(pollutant string) string {
	var units []string
	for _, kind := range []struct{ list, unit string }{{"names-air", "mg/m³"}, {"names-water", "mg/L"}} {
		for _, o := range s.web.choices[kind.list] {
			if o.Value == pollutant {
				units = append(units, kind.unit)
				break
			}
		}
	}
	if len(units) == 1 {
		return units[0]
	}
	return "mg/m³ 或 mg/L"
}

// registerLabel names the registers' inputs in Chinese, for the errors.
var registerLabel = map[string]string{
	"taxpayer": "纳税人", "permit_no": "排污许可证编号", "valid_from": "有效期起", "valid_to": "有效期止", "lines": "许可事项",
	"outlet_no": "排放口编号", "pollutant": "污染物", "standard": "执行标准", "concentration_limit": "许可排放浓度",
	"annual_limit_kg": "许可年排放量", "sampled_on": "采样日期", "report_no": "监测报告编号", "agency": "监测机构",
	"concentration": "实测浓度", "flow": "流量", "flow_unit": "流量单位",
	"mn": "设备唯一标识（MN）", "note": "备注",
}

// registerText writes a register's field error in plain Chinese.
func registerText(e calc.FieldError) string {
	field := e.Path
	if i := strings.LastIndex(field, "."); i >= 0 {
		field = field[i+1:]
	}
	label := registerLabel[field]
	if label == "" {
		label = "此项"
	}
	switch {
	case e.Code == "required" && field == "lines":
		return "至少填写一个排放口的许可事项（排放口编号和污染物）。"
	case e.Code == "required" && field == "flow_unit":
		return "填写了流量，请同时填写流量单位（如 m³/h、t/d）。"
	case e.Code == "required":
		return label + "必须填写。"
	case e.Code == "invalid_number":
		return label + "不能为负数。"
	case field == "permit_no" && e.Code == "invalid_value":
		if strings.Contains(e.Message, "belongs to") {
			return "排污许可证编号的前 18 位应是该纳税人的统一社会信用代码。"
		}
		return "排污许可证编号应为 22 位：统一社会信用代码 18 位、3 位流水号和 1 个大写字母（HJ 608）。"
	case field == "valid_to" && e.Code == "invalid_value":
		return "有效期止不能早于有效期起。"
	case e.Code == "permit_exists":
		return "该纳税人的这张排污许可证已经登记过。"
	case field == "mn" && e.Code == "invalid_value":
		return "设备唯一标识（MN）应为 1 至 64 个英文字母、数字或符号，不含空格和 ; , & =（HJ 212）。"
	case field == "outlet_no" && e.Code == "invalid_value":
		return "排放口编号最多 50 个字，不能含换行等控制字符。"
	case field == "note" && e.Code == "invalid_value":
		return "备注最多 200 个字，不能换行。"
	case e.Code == "device_overlap":
		return "这台设备在这段时间已对应到一个排放口（有效期重叠）：请先停用原来的对应，或改有效期起。"
	case e.Code == "device_mapped_elsewhere":
		return "这台设备在这一天或之后已对应到其他纳税人。"
	case e.Code == "sample_exists":
		return "这份监测报告（同一排放口、污染物和采样日期）已经记录过。"
	}
	return web.Explain(e, nil).Text
}

// taxpayerOf is the chosen taxpayer of a register page.
func (s *Server) fillRegister(c echo.Context, p filing.Principal, pg *registerPage) error {
	list, err := s.app.Taxpayers(ctx(c), p, app.Page{Limit: 1000})
	if err != nil {
		return err
	}
	pg.Taxpayers = list
	if pg.Code == "" && len(list) == 1 {
		pg.Code = list[0].CreditCode
	}
	for _, t := range list {
		if t.CreditCode == pg.Code {
			pg.Name = t.Name
		}
	}
	if pg.Vals == nil {
		pg.Vals = url.Values{}
	}
	if pg.By == nil {
		pg.By = map[string][]string{}
	}
	pg.Units = map[string]string{}
	for _, list := range []string{"names-air", "names-water"} {
		for _, o := range s.web.choices[list] {
			if _, ok := pg.Units[o.Value]; !ok {
				pg.Units[o.Value] = s.concUnit(o.Value)
				pg.Pollutants = append(pg.Pollutants, o)
			}
		}
	}
	if pg.Code == "" {
		return nil
	}
	srcs, err := s.app.Sources(ctx(c), p, pg.Code, "")
	if err != nil {
		return err
	}
	seen := map[string]bool{}
	for _, src := range srcs {
		if src.OutletNo != "" && !seen[src.OutletNo] {
			seen[src.OutletNo] = true
			pg.Outlets = append(pg.Outlets, web.Option{Value: src.OutletNo, Label: src.OutletName})
		}
	}
	return nil
}

// readDate reads a date input, recording why not.
func readDate(vals url.Values, by map[string][]string, name string) filing.Date {
	v := strings.TrimSpace(vals.Get(name))
	if v == "" {
		return ""
	}
	if _, err := filing.ParseDate(v); err != nil {
		by[name] = append(by[name], registerLabel[name[strings.LastIndex(name, ".")+1:]]+"请按 2024-01-01 的格式填写。")
	}
	return filing.Date(v)
}

// readNumber reads a figure as people type it (separators, full-width
// digits), recording why not.
func readNumber(vals url.Values, by map[string][]string, name string) decimal.NullDecimal {
	v := strings.TrimSpace(vals.Get(name))
	if v == "" {
		return decimal.NullDecimal{}
	}
	d, msg := web.ParseNumber(v)
	if msg != "" {
		by[name] = append(by[name], registerLabel[name[strings.LastIndex(name, ".")+1:]]+msg)
		return decimal.NullDecimal{}
	}
	return decimal.NullDecimal{Decimal: d, Valid: true}
}

// place puts domain errors beside their inputs; input maps an error's
// path to the input's name ("" = at the top).
func place(errs []calc.FieldError, by map[string][]string, top *[]web.Explained, input func(path string) string) {
	for _, e := range errs {
		text := registerText(e)
		if n := input(e.Path); n != "" {
			by[n] = append(by[n], text)
			continue
		}
		*top = append(*top, web.Explained{Text: text, Path: e.Path, Code: e.Code, Detail: e.Message})
	}
}

// refused places an operation's refusal on the form; ok is false when
// the error is not one the person can fix there.
func refused(err error, pg *registerPage, input func(path string) string) bool {
	var ce *calc.Error
	if !errors.As(err, &ce) || (ce.Kind != calc.KindInvalid && ce.Kind != calc.KindConflict) {
		return false
	}
	if len(ce.Errors) == 0 {
		pg.Top = append(pg.Top, web.Explained{Text: ce.Title, Code: ce.Code, Detail: ce.Detail})
	}
	place(ce.Errors, pg.By, &pg.Top, input)
	return true
}

// --- permits ---

func (s *Server) webPermits(c echo.Context) error {
	p, err := allowed(c, filing.ActPermitRead)
	if err != nil {
		return s.webError(c, err)
	}
	pg := &registerPage{Code: strings.TrimSpace(c.QueryParam("taxpayer")), Saved: c.QueryParam("saved") == "1"}
	return s.renderPermits(c, p, http.StatusOK, pg)
}

func (s *Server) renderPermits(c echo.Context, p filing.Principal, status int, pg *registerPage) error {
	pg.CanRecord = p.Can(filing.ActPermitRecord)
	pg.Lines = rows(permitLines)
	if err := s.fillRegister(c, p, pg); err != nil {
		return s.webError(c, err)
	}
	if pg.Code != "" {
		list, err := s.app.Permits(ctx(c), p, pg.Code)
		if err != nil {
			return s.webError(c, err)
		}
		pg.Permits = list
	}
	return s.render(c, status, "permits", s.page(c, "排污许可登记", pg))
}

func (s *Server) webRecordPermit(c echo.Context) error {
	p, err := allowed(c, filing.ActPermitRecord)
	if err != nil {
		return s.webError(c, err)
	}
	vals, _ := c.FormParams()
	t := func(k string) string { return strings.TrimSpace(vals.Get(k)) }
	pg := &registerPage{Code: t("taxpayer"), Vals: vals, By: map[string][]string{}}
	if pg.Code == "" {
		pg.By["taxpayer"] = []string{"请选择纳税人。"}
	}
	pm := exchange.Permit{CreditCode: pg.Code, PermitNo: strings.ToUpper(t("permit_no")),
		ValidFrom: readDate(vals, pg.By, "valid_from"), ValidTo: readDate(vals, pg.By, "valid_to")}
	var row []int // the form row of each line of the permit
	for i := 0; i < permitLines; i++ {
		at := fmt.Sprintf("lines[%d].", i)
		l := exchange.PermitLine{OutletNo: t(at + "outlet_no"), Pollutant: t(at + "pollutant"), Standard: t(at + "standard"),
			ConcentrationLimit: readNumber(vals, pg.By, at+"concentration_limit"), AnnualLimitKg: readNumber(vals, pg.By, at+"annual_limit_kg")}
		if l.OutletNo == "" && l.Pollutant == "" && l.Standard == "" && t(at+"concentration_limit") == "" && t(at+"annual_limit_kg") == "" {
			continue
		}
		pm.Lines = append(pm.Lines, l)
		row = append(row, i)
	}
	input := func(path string) string {
		var k int
		var rest string
		if n, _ := fmt.Sscanf(path, "lines[%d].%s", &k, &rest); n == 2 && k >= 0 && k < len(row) {
			return fmt.Sprintf("lines[%d].%s", row[k], rest)
		}
		if path == "lines" {
			return "lines[0].outlet_no"
		}
		if vals.Has(path) {
			return path
		}
		return ""
	}
	place(pm.Validate(), pg.By, &pg.Top, input)
	if len(pg.By) > 0 || len(pg.Top) > 0 {
		return s.renderPermits(c, p, httpx.Status(calc.KindInvalid), pg)
	}
	if vals.Get("confirm") != "1" {
		pg.Confirm = true
		return s.renderPermits(c, p, http.StatusOK, pg)
	}
	if _, err := s.app.RegisterPermit(ctx(c), p, app.Idem{}, pg.Code, pm); err != nil {
		if !refused(err, pg, input) {
			return s.webError(c, err)
		}
		return s.renderPermits(c, p, httpx.Status(calc.KindInvalid), pg)
	}
	return c.Redirect(http.StatusSeeOther, "/app/permits?"+url.Values{"taxpayer": {pg.Code}, "saved": {"1"}}.Encode())
}

// --- supervisory samples ---

func (s *Server) webSamples(c echo.Context) error {
	p, err := allowed(c, filing.ActSampleRead)
	if err != nil {
		return s.webError(c, err)
	}
	pg := &registerPage{Code: strings.TrimSpace(c.QueryParam("taxpayer")), Period: strings.TrimSpace(c.QueryParam("period")),
		Saved: c.QueryParam("saved") == "1"}
	return s.renderSamples(c, p, http.StatusOK, pg)
}

func (s *Server) renderSamples(c echo.Context, p filing.Principal, status int, pg *registerPage) error {
	pg.CanRecord = p.Can(filing.ActSampleRecord)
	if pg.Period == "" {
		pg.Period = s.defaultPeriod()
	}
	pg.Periods = s.choicesFor("")["periods"]
	if err := s.fillRegister(c, p, pg); err != nil {
		return s.webError(c, err)
	}
	if pg.Code != "" {
		list, err := s.app.Samples(ctx(c), p, pg.Code, pg.Period)
		var ce *calc.Error
		if errors.As(err, &ce) && ce.Kind == calc.KindInvalid {
			pg.Top = append(pg.Top, web.Explained{Text: "所属期请按 2024-Q1（2024 年第一季度）的格式填写。", Path: "period", Code: ce.Code, Detail: ce.Detail})
			err = nil
		}
		if err != nil {
			return s.webError(c, err)
		}
		pg.Samples = list
	}
	return s.render(c, status, "samples", s.page(c, "监督性监测", pg))
}

func (s *Server) webRecordSample(c echo.Context) error {
	p, err := allowed(c, filing.ActSampleRecord)
	if err != nil {
		return s.webError(c, err)
	}
	vals, _ := c.FormParams()
	t := func(k string) string { return strings.TrimSpace(vals.Get(k)) }
	pg := &registerPage{Code: t("taxpayer"), Vals: vals, By: map[string][]string{}}
	if pg.Code == "" {
		pg.By["taxpayer"] = []string{"请选择纳税人。"}
	}
	m := exchange.Sample{CreditCode: pg.Code, OutletNo: t("outlet_no"), Pollutant: t("pollutant"), SampledOn: readDate(vals, pg.By, "sampled_on"),
		ReportNo: t("report_no"), Agency: t("agency"), Concentration: readNumber(vals, pg.By, "concentration"),
		Flow: readNumber(vals, pg.By, "flow"), FlowUnit: t("flow_unit")}
	if m.SampledOn != "" && len(pg.By["sampled_on"]) == 0 {
		// The sample's quarter: the list shown after recording.
		mo, _ := strconv.Atoi(string(m.SampledOn)[5:7])
		pg.Period = fmt.Sprintf("%s-Q%d", string(m.SampledOn)[:4], (mo-1)/3+1)
	}
	input := func(path string) string {
		if vals.Has(path) {
			return path
		}
		return ""
	}
	for _, e := range m.Validate() {
		// An unreadable number is already said beside its input.
		if len(pg.By[e.Path]) == 0 {
			place([]calc.FieldError{e}, pg.By, &pg.Top, input)
		}
	}
	if len(pg.By) > 0 || len(pg.Top) > 0 {
		return s.renderSamples(c, p, httpx.Status(calc.KindInvalid), pg)
	}
	if vals.Get("confirm") != "1" {
		pg.Confirm = true
		return s.renderSamples(c, p, http.StatusOK, pg)
	}
	if _, err := s.app.RecordSample(ctx(c), p, app.Idem{}, pg.Code, m); err != nil {
		if !refused(err, pg, input) {
			return s.webError(c, err)
		}
		return s.renderSamples(c, p, httpx.Status(calc.KindInvalid), pg)
	}
	return c.Redirect(http.StatusSeeOther, "/app/samples?"+url.Values{"taxpayer": {pg.Code}, "period": {pg.Period}, "saved": {"1"}}.Encode())
}

package pages

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/ecotax/ecotax/app"

	"github.com/labstack/echo/v4"
	"github.com/shopspring/decimal"
	"github.com/xuri/excelize/v2"

	"github.com/ecotax/ecotax/calc"
	"github.com/ecotax/ecotax/filing"
	"github.com/ecotax/ecotax/internal/httpx"
	"github.com/ecotax/ecotax/internal/sheet"
	"github.com/ecotax/ecotax/web"
)

// The public pre-check page (申报预检). The form's inputs are named by
// their contract paths; the handler writes the posted form as the
// contract's request and hands it to assessContract, the code path of
// POST /v1/tax/assessments. Nothing is stored.

type precheckPage struct {
	Form       *web.FormView
	Result     *web.Result
	Upload     uploadView
	RegionPick []web.Option
	Region     string
}

type uploadView struct {
	Region, Period, Name string
	Errors               []web.ErrorView
	Notes                []string
}

// defaultPeriod is the quarter most recently ended: the one being declared.
func (s *Server) defaultPeriod() string {
	t := s.now().In(beijing)
	q := (int(t.Month())-1)/3 + 1
	y := t.Year()
	if q--; q == 0 {
		q, y = 4, y-1
	}
	return fmt.Sprintf("%d-Q%d", y, q)
}

func (s *Server) renderPrecheck(c echo.Context, status int, f *web.Form, errs []calc.FieldError, res *web.Result, up uploadView) error {
	if up.Period == "" {
		up.Period = f.Top["period"]
	}
	if up.Region == "" {
		up.Region = f.Top["region"]
	}
	if up.Name == "" {
		up.Name = f.Top["taxpayer.name"]
	}
	pg := &precheckPage{Form: web.BuildForm(f, errs, s.choicesFor(f.Top["period"])), Result: res, Upload: up,
		RegionPick: s.web.regionPick, Region: f.Top["region"]}
	title := "申报预检"
	if len(errs) > 0 {
		title = "有错误 · " + title
	}
	return s.render(c, status, "precheck", s.page(c, title, pg))
}

func (s *Server) webPrecheckForm(c echo.Context) error {
	per := s.defaultPeriod()
	f := &web.Form{Top: map[string]string{"period": per, "rounding": string(calc.PerLine2dp)}}
	f.Sources = append(f.Sources, web.NewSource("air", web.PeriodMonths(per)[0]))
	return s.renderPrecheck(c, http.StatusOK, f, nil, nil, uploadView{})
}

// postedForm reads the pre-check form of a post.
func postedForm(c echo.Context) (*web.Form, error) {
	if err := c.Request().ParseForm(); err != nil {
		return nil, app.Fail(calc.KindInvalid, "invalid_form", "表单无法读取", err.Error())
	}
	f := web.ParseForm(c.Request().PostForm)
	if f.Top["region"] == "" {
		f.Top["region"] = strings.TrimSpace(c.Request().PostForm.Get("_region_pick"))
	}
	return f, nil
}

// assessForm runs the form through the calculator's code path. A bad
// input comes back as field errors (paths are the form's names).
func (s *Server) assessForm(c echo.Context, f *web.Form) (*calc.Result, []calc.FieldError, error) {
	if err := s.rateLimit(c); err != nil {
		return nil, nil, err
	}
	return s.assessAllowed(c, f)
}

// rateLimit takes a token of the client's bucket of the public
// calculator, or answers 429.
func (s *Server) rateLimit(c echo.Context) error {
	if !s.allow(c.RealIP()) {
		c.Response().Header().Set("Retry-After", "1")
		return app.Fail(app.KindTooMany, "rate_limited", "请求过于频繁", "too many requests from this client; retry later")
	}
	return nil
}

// assessAllowed is assessForm once the client's token has been taken: the
// form read into the engine's request (the contract's rules, the
// calculator's code path from there on), the result.
func (s *Server) assessAllowed(c echo.Context, f *web.Form) (*calc.Result, []calc.FieldError, error) {
	req, errs := f.Request()
	if errs != nil {
		s.app.Rejected("web")
		return nil, errs, nil
	}
	res, err := s.app.Assess(ctx(c), "web", req)
	var ce *calc.Error
	if errors.As(err, &ce) && ce.Kind == calc.KindInvalid {
		return nil, ce.Errors, nil
	}
	if err != nil {
		return nil, nil, err
	}
	return res, nil, nil
}

func (s *Server) webPrecheck(c echo.Context) error {
	f, err := postedForm(c)
	if err != nil {
		return s.webError(c, err)
	}
	if op := c.FormValue("_op"); op != "" && op != "assess" && f.Apply(op) {
		return s.renderPrecheck(c, http.StatusOK, f, nil, nil, uploadView{})
	}
	res, errs, err := s.assessForm(c, f)
	if err != nil {
		return s.webError(c, err)
	}
	if len(errs) > 0 {
		return s.renderPrecheck(c, http.StatusBadRequest, f, errs, nil, uploadView{})
	}
	return s.renderPrecheck(c, http.StatusOK, f, nil, web.ResultOf(res), uploadView{})
}

// webPrecheckDownload assesses the posted form again and sends the
// result as XLSX or as the contract's JSON, or the request itself.
func (s *Server) webPrecheckDownload(c echo.Context) error {
	f, err := postedForm(c)
	if err != nil {
		return s.webError(c, err)
	}
	format := c.QueryParam("format")
	if format != "xlsx" && format != "json" && format != "request" {
		return s.webError(c, calc.Invalid([]calc.FieldError{{Path: "format", Code: "invalid_value", Message: "format is xlsx, json or request"}}))
	}
	name := "环境保护税预检-" + safeFileName(f.Top["period"])
	if format == "request" {
		c.Response().Header().Set("Content-Disposition", "attachment; filename*=UTF-8''"+url.PathEscape(name+"-请求.json"))
		return c.Blob(http.StatusOK, echo.MIMEApplicationJSONCharsetUTF8, f.JSON())
	}
	res, errs, err := s.assessForm(c, f)
	if err != nil {
		return s.webError(c, err)
	}
	if len(errs) > 0 {
		return s.renderPrecheck(c, http.StatusBadRequest, f, errs, nil, uploadView{})
	}
	if format == "json" {
		c.Response().Header().Set("Content-Disposition", "attachment; filename*=UTF-8''"+url.PathEscape(name+".json"))
		out, err := res.MarshalJSON()
		if err != nil {
			return s.webError(c, err)
		}
		return c.Blob(http.StatusOK, echo.MIMEApplicationJSONCharsetUTF8, out)
	}
	return httpx.Download(c, resultSheet(web.ResultOf(res)), "xlsx", name)
}

func safeFileName(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' || r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r == '-' {
			b.WriteRune(r)
		}
	}
	if b.Len() == 0 {
		return "未填所属期"
	}
	return b.String()
}

var resultHeaders = []string{"税款所属月份", "排放口编号", "污染物类别", "污染物/项目", "计税依据", "计量单位", "污染当量值", "污染当量数",
	"排序", "是否计税", "说明", "单位税额", "本期应纳税额", "减免比例(仍缴)", "本期减免税额", "本期应缴税额", "法律依据"}

// resultSheet lays a result out as the return's 申报计算及减免信息, with the
// month totals, the total and the warnings below it.
func resultSheet(r *web.Result) *sheet.Sheet {
	info := [][2]string{}
	if r.Taxpayer != nil {
		info = append(info, [2]string{"纳税人名称", r.Taxpayer.Name}, [2]string{"统一社会信用代码", r.Taxpayer.CreditCode})
	}
	info = append(info, [2]string{"行政区划", r.Region}, [2]string{"税款所属期", r.Period}, [2]string{"取整口径", web.RoundingText(r.Rounding)},
		[2]string{"金额单位", "人民币元（列至角分）"}, [2]string{"说明", "申报预检结果，未保存、未申报"})
	sh := &sheet.Sheet{Name: "申报计算及减免信息", Title: "环境保护税申报预检（申报计算及减免信息）", Info: info, Headers: resultHeaders}
	for _, l := range r.Lines {
		reason := l.Reason
		if l.ExceedDB != "" {
			reason += "；超标 " + l.ExceedDB + " dB"
		}
		sh.Rows = append(sh.Rows, []string{l.Month, l.Source, web.KindLabel[l.Kind], l.Pollutant, l.Quantity, l.Unit, l.EquivalentValue,
			l.Equivalents, rankText(l.Rank), sheet.YesNo(l.Taxed), reason, l.Rate, l.TaxDue, l.ReductionFactor, l.Reduction, l.Tax, strings.Join(l.Rules, "；")})
	}
	for _, m := range r.Months {
		sh.Summary = append(sh.Summary, [2]string{m.Month + " 应纳税额", m.TaxDue}, [2]string{m.Month + " 减免税额", m.Reduction}, [2]string{m.Month + " 应缴税额", m.Tax})
	}
	sh.Summary = append(sh.Summary, [2]string{"应纳税额合计", r.TotalTaxDue}, [2]string{"减免税额合计", r.TotalReduction}, [2]string{"本期应缴税额", r.TotalTax})
	for _, w := range r.Warnings {
		sh.Summary = append(sh.Summary, [2]string{"提示 " + w.Code, w.Message})
	}
	return sh
}

func rankText(n int) string {
	if n == 0 {
		return ""
	}
	return strconv.Itoa(n)
}

// The pre-check workbook: one row per outlet × pollutant × month (or per
// noise source, waste, farm or sampled item × month), the registration
// columns of the 税源明细表 followed by the figure columns of the
// declaration template (sheet.Columns), so a filled template reads like
// the two official forms side by side.
const precheckSheet = "预检数据"

var precheckRegColumns = []struct{ header, field, note string }{
	{"排放口编号", "outlet_no", "必填。同一排放口的各污染物写同一编号，如 DA001"},
	{"排放口名称或噪声源名称", "outlet_name", "选填"},
	{"污染物类别", "kind", "大气污染物、水污染物、噪声、固体废物、畜禽养殖、抽样测算"},
	{"污染物名称", "pollutant", "法定名称或简称；固体废物填类别，畜禽养殖填牛/猪/鸡/鸭/家禽，抽样测算填表四的类型；噪声留空"},
	{"税款所属月份", "month", "YYYY-MM，须在所属期内"},
	{"污染物排放量计算方法", "method", "自动监测、监测机构监测、自行监测、排污系数、物料衡算、抽样测算（大气、水）"},
	{"标准浓度值", "standard_concentration", "执行标准的浓度限值，用于判断减征"},
	{"无组织排放", "fugitive", "是/否（大气）"},
	{"标准值昼间(6-22时)", "day_limit_db", "dB（噪声）"},
	{"标准值夜间(22-6时)", "night_limit_db", "dB（噪声）"},
	{"两处以上噪声超标", "multiple_points", "是/否：沿边界长度超过100米有两处以上噪声超标（噪声）"},
}

// contractColumn maps the last key of an engine path to the template
// column it came from, for errors found after the workbook was read.
var contractColumn = map[string]string{
	"id": "排放口编号", "name": "污染物名称", "kind": "污染物类别", "month": "税款所属月份", "method": "污染物排放量计算方法",
	"standard_concentration": "标准浓度值", "fugitive": "无组织排放", "waste": "污染物名称", "species": "污染物名称", "item": "污染物名称",
	"boundary_over_100m_multiple_points": "两处以上噪声超标",
}

var kindCells = map[string]string{
	"air": filing.KindAir, "大气污染物": filing.KindAir, "大气": filing.KindAir, "废气": filing.KindAir,
	"water": filing.KindWater, "水污染物": filing.KindWater, "水": filing.KindWater, "废水": filing.KindWater,
	"noise": filing.KindNoise, "噪声": filing.KindNoise, "工业噪声": filing.KindNoise,
	"solid_waste": filing.KindSolidWaste, "固体废物": filing.KindSolidWaste,
	"livestock": filing.KindLivestock, "畜禽养殖": filing.KindLivestock, "禽畜养殖": filing.KindLivestock, "水污染物(禽畜养殖业)": filing.KindLivestock,
	"sampling": filing.KindSampling, "抽样测算": filing.KindSampling, "水污染物(抽样测算)": filing.KindSampling,
}

func methodCell(s string) (string, bool) {
	if s == "" {
		return "", true
	}
	for code, label := range filing.MethodLabel {
		if s == code || s == label {
			return code, true
		}
	}
	return "", false
}

func boolCell(s string) (bool, bool) {
	switch strings.ToLower(s) {
	case "", "否", "false", "0", "n", "no":
		return false, true
	case "是", "true", "1", "y", "yes":
		return true, true
	}
	return false, false
}

// webPrecheckTemplate sends the empty pre-check workbook with a sheet of
// notes on every column.
func (s *Server) webPrecheckTemplate(c echo.Context) error {
	f := excelize.NewFile()
	defer f.Close()
	f.SetSheetName("Sheet1", precheckSheet)
	col := 1
	put := func(sh string, col, row int, v string) {
		cell, _ := excelize.CoordinatesToCellName(col, row)
		f.SetCellStr(sh, cell, v)
	}
	notes := "填写说明"
	if _, err := f.NewSheet(notes); err != nil {
		return s.webError(c, err)
	}
	put(notes, 1, 1, "列")
	put(notes, 2, 1, "说明")
	nr := 2
	for _, rc := range precheckRegColumns {
		put(precheckSheet, col, 1, rc.header)
		put(notes, 1, nr, rc.header)
		put(notes, 2, nr, rc.note)
		col++
		nr++
	}
	for _, ic := range sheet.Columns {
		put(precheckSheet, col, 1, ic.Header)
		put(notes, 1, nr, ic.Header)
		put(notes, 2, nr, "本月数值（"+ic.Field+"），按污染物类别填写相应列")
		col++
		nr++
	}
	put(notes, 1, nr+1, "每行一个排放口的一种污染物（或一个噪声源、一类固体废物、一个养殖场、一个抽样测算类型）一个月。")
	put(notes, 1, nr+2, "行政区划和税款所属期在网页上填写。数值按单元格存储的值读取，不按显示的小数位。")
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		return s.webError(c, err)
	}
	c.Response().Header().Set("Content-Disposition", "attachment; filename*=UTF-8''"+url.PathEscape("环境保护税预检模板.xlsx"))
	return c.Blob(http.StatusOK, sheet.MIMEXLSX, buf.Bytes())
}

// precheckBook is a read pre-check workbook: the sources and figures it
// describes, and where each figure's row is.
type precheckBook struct {
	sources map[int64]*filing.Source
	figs    []filing.Figure
	rowOf   []int
	cols    []string
}

// cellOf names the cell of figure i's column header: 预检数据!C5.
func (b *precheckBook) cellOf(i int, header, code, msg string) calc.FieldError {
	col := 1
	for k, h := range b.cols {
		if h == header {
			col = k + 1
		}
	}
	row := 1
	if i >= 0 && i < len(b.rowOf) {
		row = b.rowOf[i]
	}
	cell, _ := excelize.CoordinatesToCellName(col, row)
	return calc.FieldError{Path: precheckSheet + "!" + cell, Code: code, Message: fmt.Sprintf("第%d行 %s: %s", row, header, msg)}
}

// parsePrecheckBook reads the workbook strictly: unknown columns, bad
// cells and inconsistent rows are all reported by cell; nothing partial
// is returned.
func parsePrecheckBook(data []byte, per filing.Period) (*precheckBook, []calc.FieldError) {
	fx, err := sheet.Open(data)
	if err != nil {
		return nil, []calc.FieldError{{Path: "file", Code: "invalid_xlsx", Message: "not a readable XLSX workbook: " + err.Error()}}
	}
	defer fx.Close()
	sheetName := precheckSheet
	if idx, _ := fx.GetSheetIndex(precheckSheet); idx < 0 {
		sheetName = fx.GetSheetList()[0]
	}
	rows, err := fx.GetRows(sheetName, excelize.Options{RawCellValue: true})
	if err != nil || len(rows) == 0 {
		return nil, []calc.FieldError{{Path: "file", Code: "invalid_xlsx", Message: "the sheet " + sheetName + " has no header row"}}
	}
	b := &precheckBook{sources: map[int64]*filing.Source{}}
	var errs []calc.FieldError
	at := map[string]int{}
	for i, h := range rows[0] {
		h = strings.TrimSpace(h)
		b.cols = append(b.cols, h)
		known := h == ""
		for _, rc := range precheckRegColumns {
			known = known || rc.header == h
		}
		for _, ic := range sheet.Columns {
			known = known || ic.Header == h
		}
		cell, _ := excelize.CoordinatesToCellName(i+1, 1)
		if !known {
			errs = append(errs, calc.FieldError{Path: precheckSheet + "!" + cell, Code: "unknown_column", Message: "第1行 " + h + ": unknown column; use the template's columns"})
		} else if _, dup := at[h]; dup && h != "" {
			errs = append(errs, calc.FieldError{Path: precheckSheet + "!" + cell, Code: "duplicate_column", Message: "第1行 " + h + ": column appears twice"})
		}
		at[h] = i
	}
	for _, need := range []string{"排放口编号", "污染物类别", "税款所属月份"} {
		if _, ok := at[need]; !ok {
			errs = append(errs, calc.FieldError{Path: precheckSheet + "!1", Code: "missing_column", Message: "第1行: column " + need + " is missing"})
		}
	}
	if len(errs) > 0 {
		return nil, errs
	}
	get := func(row []string, h string) string {
		i, ok := at[h]
		if !ok || i >= len(row) {
			return ""
		}
		return strings.TrimSpace(row[i])
	}
	for r := 1; r < len(rows); r++ {
		row, n := rows[r], r+1
		if strings.TrimSpace(strings.Join(row, "")) == "" {
			continue
		}
		i := len(b.figs)
		b.rowOf = append(b.rowOf, n)
		bad := func(h, code, msg string) { errs = append(errs, b.cellOf(i, h, code, msg)) }
		src := &filing.Source{ID: int64(n), OutletNo: get(row, "排放口编号"), OutletName: get(row, "排放口名称或噪声源名称"), Pollutant: get(row, "污染物名称")}
		if src.OutletName == "" {
			src.OutletName = src.OutletNo
		}
		kind, ok := kindCells[get(row, "污染物类别")]
		if !ok {
			bad("污染物类别", "invalid_value", fmt.Sprintf("%q is not one of 大气污染物, 水污染物, 噪声, 固体废物, 畜禽养殖, 抽样测算", get(row, "污染物类别")))
		}
		src.Kind = kind
		month := sheet.MonthCell(get(row, "税款所属月份"))
		if !filing.ValidMonth(month) {
			bad("税款所属月份", "invalid_value", fmt.Sprintf("%q is not a month YYYY-MM", get(row, "税款所属月份")))
		} else {
			src.ValidFrom = filing.Date(month + "-01")
		}
		if src.Method, ok = methodCell(get(row, "污染物排放量计算方法")); !ok {
			bad("污染物排放量计算方法", "invalid_value", fmt.Sprintf("%q is not one of 自动监测, 监测机构监测, 自行监测, 排污系数, 物料衡算, 抽样测算", get(row, "污染物排放量计算方法")))
		}
		for _, bc := range []struct {
			h string
			v *bool
		}{{"无组织排放", &src.Fugitive}, {"两处以上噪声超标", &src.MultiplePoints}} {
			if *bc.v, ok = boolCell(get(row, bc.h)); !ok {
				bad(bc.h, "invalid_value", fmt.Sprintf("%q is not 是 or 否", get(row, bc.h)))
			}
		}
		for _, dc := range []struct {
			h string
			v *decimal.NullDecimal
		}{{"标准浓度值", &src.StandardConcentration}, {"标准值昼间(6-22时)", &src.DayLimitDB}, {"标准值夜间(22-6时)", &src.NightLimitDB}} {
			if t := get(row, dc.h); t != "" {
				d, msg := sheet.Number(t, false)
				if msg != "" {
					bad(dc.h, "invalid_number", msg)
					continue
				}
				*dc.v = decimal.NullDecimal{Decimal: d, Valid: true}
			}
		}
		fig := filing.Figure{SourceID: src.ID, Month: month}
		for _, ic := range sheet.Columns {
			t := get(row, ic.Header)
			if t == "" {
				continue
			}
			d, msg := sheet.Number(t, ic.Whole)
			if msg != "" {
				bad(ic.Header, "invalid_number", msg)
				continue
			}
			ic.Set(&fig, d)
		}
		if kind != "" {
			for _, fe := range src.Validate() {
				bad(regHeader(fe.Path), fe.Code, fe.Message)
			}
		}
		b.sources[src.ID] = src
		b.figs = append(b.figs, fig)
	}
	if len(errs) == 0 && len(b.figs) == 0 {
		errs = append(errs, calc.FieldError{Path: precheckSheet + "!2", Code: "required", Message: "第2行: the sheet has no rows"})
	}
	if len(errs) > 0 {
		return nil, errs
	}
	for _, fe := range filing.CheckFigures(per, b.sources, b.figs) {
		errs = append(errs, b.figureErr(fe))
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return b, nil
}

// regHeader is the column of a registration field error (Source.Validate).
func regHeader(field string) string {
	for _, rc := range precheckRegColumns {
		if rc.field == field {
			return rc.header
		}
	}
	switch field {
	case "valid_from", "valid_to":
		return "税款所属月份"
	}
	return "排放口编号"
}

// figureErr places a figures[i].field error on its cell.
func (b *precheckBook) figureErr(fe calc.FieldError) calc.FieldError {
	var i int
	if _, err := fmt.Sscanf(fe.Path, "figures[%d]", &i); err != nil {
		return fe
	}
	field := ""
	if j := strings.Index(fe.Path, "]."); j >= 0 {
		field = fe.Path[j+2:]
	}
	header := "排放口编号"
	switch field {
	case "month":
		header = "税款所属月份"
	case "", "source_id":
	default:
		for _, ic := range sheet.Columns {
			if ic.Field == field {
				header = ic.Header
			}
		}
	}
	return b.cellOf(i, header, fe.Code, fe.Message)
}

// engineCell places an engine error (a request path) on the cell of the
// row it came from.
func (b *precheckBook) engineCell(built *filing.Built, fe calc.FieldError) calc.FieldError {
	i := built.FigureIndex(fe.Path)
	if i < 0 {
		return fe
	}
	rest := fe.Path
	if k := strings.LastIndexAny(rest, ".]"); k >= 0 {
		rest = rest[k+1:]
	}
	header, ok := contractColumn[rest]
	if !ok {
		mapped := built.FigurePath(fe.Path)
		return b.figureErr(calc.FieldError{Path: mapped, Code: fe.Code, Message: fe.Message})
	}
	return b.cellOf(i, header, fe.Code, fe.Message)
}

// webPrecheckUpload reads a filled pre-check workbook, writes it as the
// contract's request (filing.BuildRequest, the way a stored declaration
// becomes one), fills the form with it and assesses it.
func (s *Server) webPrecheckUpload(c echo.Context) error {
	up := uploadView{Region: strings.TrimSpace(c.FormValue("region")), Period: strings.TrimSpace(c.FormValue("period")),
		Name: strings.TrimSpace(c.FormValue("taxpayer.name"))}
	empty := &web.Form{Top: map[string]string{"region": up.Region, "period": up.Period, "taxpayer.name": up.Name, "rounding": string(calc.PerLine2dp)}}
	fail := func(errs ...calc.FieldError) error {
		for _, e := range errs {
			up.Errors = append(up.Errors, web.NewErrorView(e))
		}
		return s.renderPrecheck(c, http.StatusBadRequest, empty, nil, nil, up)
	}
	// The rate limit comes before the workbook is read: reading it is
	// the costly part of a request anyone may send.
	if err := s.rateLimit(c); err != nil {
		return s.webError(c, err)
	}
	per, err := filing.ParsePeriod(up.Period)
	if err != nil {
		return fail(calc.FieldError{Path: "period", Code: "invalid_value", Message: "税款所属期: " + err.Error()})
	}
	fh, err := c.FormFile("file")
	if err != nil {
		return fail(calc.FieldError{Path: "file", Code: "required", Message: "choose the filled pre-check workbook (.xlsx)"})
	}
	if fh.Size > s.cfg.ImportLimit {
		return fail(calc.FieldError{Path: "file", Code: "body_too_large", Message: "the workbook exceeds the size limit"})
	}
	fr, err := fh.Open()
	if err != nil {
		return s.webError(c, err)
	}
	data, err := io.ReadAll(io.LimitReader(fr, s.cfg.ImportLimit+1))
	fr.Close()
	if err != nil {
		return s.webError(c, err)
	}
	book, errs := parsePrecheckBook(data, per)
	if len(errs) > 0 {
		return fail(errs...)
	}
	tp := &filing.Taxpayer{Name: up.Name, Region: up.Region}
	built, errs := filing.BuildDirect(tp, per, book.sources, book.figs, nil)
	if len(errs) > 0 {
		for i := range errs {
			errs[i] = book.figureErr(errs[i])
		}
		return fail(errs...)
	}
	f, dropped := web.FormFromRequest(built.Draft())
	if len(dropped) > 0 { // the form has an input for every field a declaration carries; say so if not
		return s.webError(c, fmt.Errorf("pre-check upload: fields without an input: %v", dropped))
	}
	f.Top["rounding"] = string(calc.PerLine2dp)
	up.Notes = append(up.Notes, fmt.Sprintf("已读取 %d 行，合并为 %d 个税源·月份，已填入下方表单。", len(book.figs), len(f.Sources)))
	res, ferrs, err := s.assessAllowed(c, f)
	if err != nil {
		return s.webError(c, err)
	}
	if len(ferrs) > 0 {
		for _, fe := range ferrs {
			ce := book.engineCell(built, fe)
			up.Errors = append(up.Errors, web.NewErrorView(ce))
		}
		return s.renderPrecheck(c, http.StatusBadRequest, f, ferrs, nil, up)
	}
	return s.renderPrecheck(c, http.StatusOK, f, nil, web.ResultOf(res), up)
}

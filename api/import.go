package api

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/shopspring/decimal"
	"github.com/xuri/excelize/v2"

	"github.com/ecotax/ecotax/calc"
	"github.com/ecotax/ecotax/filing"
)

// importColumn is one column of the monthly-figures workbook: its Chinese
// header, the figure field it fills, and how.
type importColumn struct {
	header string
	field  string
	set    func(f *filing.Figure, d decimal.Decimal, n int)
	whole  bool
}

func setter(p func(f *filing.Figure) *decimal.NullDecimal) func(*filing.Figure, decimal.Decimal, int) {
	return func(f *filing.Figure, d decimal.Decimal, _ int) { *p(f) = decimal.NullDecimal{Decimal: d, Valid: true} }
}

const (
	colSourceID = "税源编号"
	colMonth    = "税款所属月份"
	importSheet = "申报数据"
)

// importColumns are the data columns after 税源编号 and 税款所属月份.
var importColumns = []importColumn{
	{"污染物排放量(千克)", "emission_kg", setter(func(f *filing.Figure) *decimal.NullDecimal { return &f.EmissionKg }), false},
	{"废水排放量(吨)", "wastewater_t", setter(func(f *filing.Figure) *decimal.NullDecimal { return &f.WastewaterT }), false},
	{"月均浓度", "avg_concentration", setter(func(f *filing.Figure) *decimal.NullDecimal { return &f.AvgConcentration }), false},
	{"最高浓度", "max_concentration", setter(func(f *filing.Figure) *decimal.NullDecimal { return &f.MaxConcentration }), false},
	{"pH值", "value", setter(func(f *filing.Figure) *decimal.NullDecimal { return &f.Value }), false},
	{"实测值(色度/大肠菌群数)", "measured", setter(func(f *filing.Figure) *decimal.NullDecimal { return &f.Measured }), false},
	{"标准值(色度/大肠菌群数)", "standard", setter(func(f *filing.Figure) *decimal.NullDecimal { return &f.Standard }), false},
	{"昼间监测分贝数", "day_measured_db", setter(func(f *filing.Figure) *decimal.NullDecimal { return &f.DayMeasuredDB }), false},
	{"昼间超标天数", "day_exceed_days", func(f *filing.Figure, _ decimal.Decimal, n int) { f.DayExceedDays = &n }, true},
	{"夜间监测分贝数", "night_measured_db", setter(func(f *filing.Figure) *decimal.NullDecimal { return &f.NightMeasuredDB }), false},
	{"夜间超标天数", "night_exceed_days", func(f *filing.Figure, _ decimal.Decimal, n int) { f.NightExceedDays = &n }, true},
	{"本月产生量(吨)", "generated_t", setter(func(f *filing.Figure) *decimal.NullDecimal { return &f.GeneratedT }), false},
	{"本月贮存量(吨)", "stored_t", setter(func(f *filing.Figure) *decimal.NullDecimal { return &f.StoredT }), false},
	{"本月处置量(吨)", "disposed_t", setter(func(f *filing.Figure) *decimal.NullDecimal { return &f.DisposedT }), false},
	{"本月综合利用量(吨)", "utilized_t", setter(func(f *filing.Figure) *decimal.NullDecimal { return &f.UtilizedT }), false},
	{"月初存栏量", "stock_start", setter(func(f *filing.Figure) *decimal.NullDecimal { return &f.StockStart }), false},
	{"月末存栏量", "stock_end", setter(func(f *filing.Figure) *decimal.NullDecimal { return &f.StockEnd }), false},
	{"特征指标数量", "quantity", setter(func(f *filing.Figure) *decimal.NullDecimal { return &f.Quantity }), false},
}

// Informational columns of the template, ignored on import.
var infoColumns = []string{"排放口编号", "排放口名称或噪声源名称", "污染物类别", "污染物名称"}

// cellErr is one row-level import error: the cell (sheet!C5) as path.
func cellErr(col, row int, header, code, msg string) calc.FieldError {
	cell, _ := excelize.CoordinatesToCellName(col, row)
	return calc.FieldError{Path: importSheet + "!" + cell, Code: code, Message: fmt.Sprintf("第%d行 %s: %s", row, header, msg)}
}

// parseWorkbook reads the figures of the first sheet: row 1 holds the
// headers, each later non-blank row one source and month. Every bad cell
// is reported; rows maps figure i to its sheet row.
func parseWorkbook(data []byte) ([]filing.Figure, []int, []string, []calc.FieldError) {
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		return nil, nil, nil, []calc.FieldError{{Path: "$", Code: "invalid_xlsx", Message: "not a readable XLSX workbook: " + err.Error()}}
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return nil, nil, nil, []calc.FieldError{{Path: "$", Code: "invalid_xlsx", Message: "the workbook has no sheet"}}
	}
	rows, err := f.GetRows(sheets[0], excelize.Options{RawCellValue: true})
	if err != nil || len(rows) == 0 {
		return nil, nil, nil, []calc.FieldError{{Path: "$", Code: "invalid_xlsx", Message: "the first sheet has no header row"}}
	}
	var errs []calc.FieldError
	byHeader := map[string]int{}
	cols := make([]string, len(rows[0]))
	for i, h := range rows[0] {
		h = strings.TrimSpace(h)
		cols[i] = h
		known := h == colSourceID || h == colMonth || h == ""
		for _, c := range importColumns {
			known = known || c.header == h
		}
		for _, c := range infoColumns {
			known = known || c == h
		}
		if !known {
			errs = append(errs, cellErr(i+1, 1, h, "unknown_column", "unknown column; the template's columns are 税源编号, 税款所属月份, "+importHeaders()))
		}
		if _, dup := byHeader[h]; dup && h != "" {
			errs = append(errs, cellErr(i+1, 1, h, "duplicate_column", "column appears twice"))
		}
		byHeader[h] = i
	}
	for _, need := range []string{colSourceID, colMonth} {
		if _, ok := byHeader[need]; !ok {
			errs = append(errs, calc.FieldError{Path: importSheet + "!1", Code: "missing_column", Message: "第1行: column " + need + " is missing"})
		}
	}
	if len(errs) > 0 {
		return nil, nil, cols, errs
	}
	cell := func(row []string, i int) string {
		if i < len(row) {
			return strings.TrimSpace(row[i])
		}
		return ""
	}
	var figs []filing.Figure
	var rowOf []int
	for r := 1; r < len(rows); r++ {
		row, n := rows[r], r+1
		if strings.TrimSpace(strings.Join(row, "")) == "" {
			continue
		}
		var fig filing.Figure
		ic := byHeader[colSourceID]
		if id, err := strconv.ParseInt(cell(row, ic), 10, 64); err != nil || id <= 0 {
			errs = append(errs, cellErr(ic+1, n, colSourceID, "invalid_value", fmt.Sprintf("%q is not a 税源编号 (a whole number)", cell(row, ic))))
		} else {
			fig.SourceID = id
		}
		im := byHeader[colMonth]
		fig.Month = monthCell(cell(row, im))
		if !filing.ValidMonth(fig.Month) {
			errs = append(errs, cellErr(im+1, n, colMonth, "invalid_value", fmt.Sprintf("%q is not a month YYYY-MM", cell(row, im))))
		}
		for _, c := range importColumns {
			i, ok := byHeader[c.header]
			if !ok || cell(row, i) == "" {
				continue
			}
			d, msg := cellNumber(cell(row, i), c.whole)
			if msg != "" {
				errs = append(errs, cellErr(i+1, n, c.header, "invalid_number", msg))
				continue
			}
			c.set(&fig, d, int(d.IntPart()))
		}
		figs = append(figs, fig)
		rowOf = append(rowOf, n)
	}
	if len(errs) == 0 && len(figs) == 0 {
		errs = append(errs, calc.FieldError{Path: importSheet + "!2", Code: "required", Message: "第2行: the sheet has no figures"})
	}
	return figs, rowOf, cols, errs
}

func importHeaders() string {
	hs := make([]string, len(importColumns))
	for i, c := range importColumns {
		hs[i] = c.header
	}
	return strings.Join(hs, ", ")
}

// monthCell accepts YYYY-MM written as text, or a date cell (an Excel
// serial day number) whose month is taken.
func monthCell(s string) string {
	if filing.ValidMonth(s) {
		return s
	}
	if n, err := strconv.ParseFloat(s, 64); err == nil && n > 40000 && n < 80000 { // a serial date, not a quantity
		if t, err := excelize.ExcelDateToTime(n, false); err == nil {
			return t.Format("2006-01")
		}
	}
	if len(s) == 10 && filing.ValidMonth(s[:7]) { // 2024-01-01 typed as text
		return s[:7]
	}
	return s
}

// cellNumber reads a cell's stored text exactly (excelize's raw value, so
// no display rounding), allowing the exponent form spreadsheets write.
func cellNumber(s string, whole bool) (decimal.Decimal, string) {
	d, err := decimal.NewFromString(s)
	switch {
	case err != nil:
		return d, fmt.Sprintf("%q is not a number", s)
	case d.Sign() < 0:
		return d, fmt.Sprintf("%s is negative", s)
	case d.Exponent() < -12 && !d.Equal(d.Round(12)):
		return d, fmt.Sprintf("%s has more than 12 decimals", s)
	case !d.LessThan(maxQuantity):
		return d, fmt.Sprintf("%s is not below 1e15", s)
	case whole && (!d.IsInteger() || d.GreaterThan(decimal.NewFromInt(31))):
		return d, fmt.Sprintf("%s is not a whole number of days (0-31)", s)
	}
	return d, ""
}

// importFigures replaces a draft's figures with an uploaded workbook's,
// all or nothing: any bad cell rejects the whole file, each error naming
// its row and column.
func (s *Server) importFigures(c echo.Context) error {
	p, err := allowed(c, filing.ActDeclarationFile)
	if err != nil {
		return err
	}
	version, err := ifMatch(c, 0)
	if err != nil {
		return err
	}
	body, err := readBody(c, s.cfg.ImportLimit, mimeXLSX)
	if err != nil {
		return err
	}
	figs, rowOf, cols, errs := parseWorkbook(body)
	if len(errs) > 0 {
		return apiError(calc.KindInvalid, "invalid_import", "导入文件有误", fmt.Sprintf("%d error(s); nothing was imported", len(errs)), errs...)
	}
	id, err := pathID(c, "id")
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
			out.Errors[k] = toCell(fe, rowOf, cols)
		}
		return &out
	}
	return err
}

func toCell(fe calc.FieldError, rowOf []int, cols []string) calc.FieldError {
	var i int
	var field string
	if _, err := fmt.Sscanf(fe.Path, "figures[%d]", &i); err != nil || i < 0 || i >= len(rowOf) {
		return fe
	}
	if j := strings.Index(fe.Path, "]."); j >= 0 {
		field = fe.Path[j+2:]
	}
	header := colSourceID
	switch field {
	case "", "source_id":
	case "month":
		header = colMonth
	default:
		for _, c := range importColumns {
			if c.field == field {
				header = c.header
			}
		}
	}
	col := 1
	for k, h := range cols {
		if h == header {
			col = k + 1
		}
	}
	return cellErr(col, rowOf[i], header, fe.Code, fe.Message)
}

// figuresTemplate is the workbook to fill in: one row per source valid in
// each month of the period, with the figures already entered.
func (s *Server) figuresTemplate(c echo.Context) error {
	p, err := allowed(c, filing.ActDeclarationRead)
	if err != nil {
		return err
	}
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	r, err := s.app.FigureSheet(ctx(c), p, id)
	if err != nil {
		return err
	}
	d, figs := r.View.Declaration, r.View.Figures
	have := map[string]filing.Figure{}
	for _, f := range figs {
		have[fmt.Sprintf("%d/%s", f.SourceID, f.Month)] = f
	}
	headers := append([]string{colSourceID, colMonth}, infoColumns...)
	for _, c := range importColumns {
		headers = append(headers, c.header)
	}
	sh := &sheet{name: importSheet, headers: headers}
	for _, m := range r.Period.Months() {
		for _, src := range r.Sources {
			if !src.ActiveIn(m) {
				continue
			}
			f := have[fmt.Sprintf("%d/%s", src.ID, m)]
			row := []string{strconv.FormatInt(src.ID, 10), m, src.OutletNo, src.OutletName, kindLabel[src.Kind], src.Pollutant}
			vals := map[string]string{
				"emission_kg": nd(f.EmissionKg), "wastewater_t": nd(f.WastewaterT), "avg_concentration": nd(f.AvgConcentration),
				"max_concentration": nd(f.MaxConcentration), "value": nd(f.Value), "measured": nd(f.Measured), "standard": nd(f.Standard),
				"day_measured_db": nd(f.DayMeasuredDB), "day_exceed_days": intText(f.DayExceedDays), "night_measured_db": nd(f.NightMeasuredDB),
				"night_exceed_days": intText(f.NightExceedDays), "generated_t": nd(f.GeneratedT), "stored_t": nd(f.StoredT),
				"disposed_t": nd(f.DisposedT), "utilized_t": nd(f.UtilizedT), "stock_start": nd(f.StockStart), "stock_end": nd(f.StockEnd),
				"quantity": nd(f.Quantity),
			}
			for _, c := range importColumns {
				row = append(row, vals[c.field])
			}
			sh.rows = append(sh.rows, row)
		}
	}
	return send(c, sh, "xlsx", fmt.Sprintf("申报数据-%s-%s-%d", d.CreditCode, d.Period, d.Revision))
}

func intText(n *int) string {
	if n == nil {
		return ""
	}
	return strconv.Itoa(*n)
}

package sheet

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"
	"github.com/xuri/excelize/v2"

	"github.com/ecotax/ecotax/calc"
	"github.com/ecotax/ecotax/calc/jsonin"
	"github.com/ecotax/ecotax/filing"
)

// The monthly-figures workbook (申报数据): the template a declaration's
// figures are filled in, and the reading of a filled one.

// Limits on an uploaded workbook: what its parts may expand to when
// unzipped (a 1 MB upload must not become 600 MB in memory), and the
// longest text a number cell may hold.
const (
	UnzipLimit    = 64 << 20
	UnzipXMLLimit = 16 << 20
	maxNumberText = 40
)

// Open reads an uploaded workbook within the unzip limits.
func Open(data []byte) (*excelize.File, error) {
	return excelize.OpenReader(bytes.NewReader(data), excelize.Options{UnzipSizeLimit: UnzipLimit, UnzipXMLSizeLimit: UnzipXMLLimit})
}

// FigureLabel names a figure field with the template's header.
func FigureLabel(field string) string {
	for _, c := range Columns {
		if c.Field == field {
			return c.Header
		}
	}
	return field
}

// Set stores a cell's number in the figure field of the column.
func (c Column) Set(f *filing.Figure, d decimal.Decimal) { c.set(f, d, int(d.IntPart())) }

// importColumn is one column of the monthly-figures workbook: its Chinese
// header, the figure field it fills, and how.
type Column struct {
	Header string
	Field  string
	set    func(f *filing.Figure, d decimal.Decimal, n int)
	Whole  bool
}

func setter(p func(f *filing.Figure) *decimal.NullDecimal) func(*filing.Figure, decimal.Decimal, int) {
	return func(f *filing.Figure, d decimal.Decimal, _ int) { *p(f) = decimal.NullDecimal{Decimal: d, Valid: true} }
}

const (
	ColSourceID  = "税源编号"
	ColMonth     = "税款所属月份"
	FiguresSheet = "申报数据"
)

// Columns are the data columns after 税源编号 and 税款所属月份.
var Columns = []Column{
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
var InfoColumns = []string{"排放口编号", "排放口名称或噪声源名称", "污染物类别", "污染物名称"}

// cellErr is one row-level import error: the cell (sheet!C5) as path.
func CellErr(col, row int, header, code, msg string) calc.FieldError {
	cell, _ := excelize.CoordinatesToCellName(col, row)
	return calc.FieldError{Path: FiguresSheet + "!" + cell, Code: code, Message: fmt.Sprintf("第%d行 %s: %s", row, header, msg)}
}

// parseWorkbook reads the figures of the first sheet: row 1 holds the
// headers, each later non-blank row one source and month. Every bad cell
// is reported; rows maps figure i to its sheet row.
func ReadFigures(data []byte) ([]filing.Figure, []int, []string, []calc.FieldError) {
	f, err := Open(data)
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
		known := h == ColSourceID || h == ColMonth || h == ""
		for _, c := range Columns {
			known = known || c.Header == h
		}
		for _, c := range InfoColumns {
			known = known || c == h
		}
		if !known {
			errs = append(errs, CellErr(i+1, 1, h, "unknown_column", "unknown column; the template's columns are 税源编号, 税款所属月份, "+columnHeaders()))
		}
		if _, dup := byHeader[h]; dup && h != "" {
			errs = append(errs, CellErr(i+1, 1, h, "duplicate_column", "column appears twice"))
		}
		byHeader[h] = i
	}
	for _, need := range []string{ColSourceID, ColMonth} {
		if _, ok := byHeader[need]; !ok {
			errs = append(errs, calc.FieldError{Path: FiguresSheet + "!1", Code: "missing_column", Message: "第1行: column " + need + " is missing"})
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
		ic := byHeader[ColSourceID]
		if id, err := strconv.ParseInt(cell(row, ic), 10, 64); err != nil || id <= 0 {
			errs = append(errs, CellErr(ic+1, n, ColSourceID, "invalid_value", fmt.Sprintf("%q is not a 税源编号 (a whole number)", cell(row, ic))))
		} else {
			fig.SourceID = id
		}
		im := byHeader[ColMonth]
		fig.Month = MonthCell(cell(row, im))
		if !filing.ValidMonth(fig.Month) {
			errs = append(errs, CellErr(im+1, n, ColMonth, "invalid_value", fmt.Sprintf("%q is not a month YYYY-MM", cell(row, im))))
		}
		for _, c := range Columns {
			i, ok := byHeader[c.Header]
			if !ok || cell(row, i) == "" {
				continue
			}
			d, msg := Number(cell(row, i), c.Whole)
			if msg != "" {
				errs = append(errs, CellErr(i+1, n, c.Header, "invalid_number", msg))
				continue
			}
			c.set(&fig, d, int(d.IntPart()))
		}
		figs = append(figs, fig)
		rowOf = append(rowOf, n)
	}
	if len(errs) == 0 && len(figs) == 0 {
		errs = append(errs, calc.FieldError{Path: FiguresSheet + "!2", Code: "required", Message: "第2行: the sheet has no figures"})
	}
	return figs, rowOf, cols, errs
}

func columnHeaders() string {
	hs := make([]string, len(Columns))
	for i, c := range Columns {
		hs[i] = c.Header
	}
	return strings.Join(hs, ", ")
}

// monthCell accepts YYYY-MM written as text, or a date cell (an Excel
// serial day number) whose month is taken.
func MonthCell(s string) string {
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
func Number(s string, whole bool) (decimal.Decimal, string) {
	if !boundedNumber(s) {
		return decimal.Decimal{}, fmt.Sprintf("%q is not a number below 1e15 with at most 12 decimals", clip(s))
	}
	d, err := decimal.NewFromString(s)
	switch {
	case err != nil:
		return d, fmt.Sprintf("%q is not a number", s)
	case d.Sign() < 0:
		return d, fmt.Sprintf("%s is negative", s)
	case jsonin.WithinLimits(s, d) != nil: // the policy every decoder shares
		return d, jsonin.WithinLimits(s, d).Error()
	case whole && (!d.IsInteger() || d.GreaterThan(decimal.NewFromInt(31))):
		return d, fmt.Sprintf("%s is not a whole number of days (0-31)", s)
	}
	return d, ""
}

// boundedNumber refuses, before any arithmetic, a text no figure can be:
// too long, or with an exponent beyond ±15 (1E-10000000 would otherwise
// cost seconds of CPU to parse and compare).
func boundedNumber(s string) bool {
	if len(s) > maxNumberText {
		return false
	}
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		e, err := strconv.Atoi(strings.TrimPrefix(s[i+1:], "+"))
		if err != nil || e > jsonin.MaxExponent || e < -jsonin.MaxExponent {
			return false
		}
	}
	return true
}

func clip(s string) string {
	if len(s) > maxNumberText {
		return s[:maxNumberText] + "…"
	}
	return s
}

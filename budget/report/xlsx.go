// Package report shows a budget (budget.Result) as the finance page's
// tables (View), written as a workbook (ViewXLSX, excelize) for every
// door alike, or as a chart (hand-written SVG). It only formats: every
// figure is the exact decimal of the result, written as a number cell
// from its text, never through a float.
package report

import (
	"github.com/shopspring/decimal"
	"github.com/xuri/excelize/v2"

	"github.com/ecotax/ecotax/budget"
)

var basisNames = map[string]string{
	budget.BasisDeclaration: "申报", budget.BasisMonitoring: "自动监测估算", budget.BasisNone: "无依据（金额未知）",
	budget.BasisSettlement: "协议/判决", budget.BasisClaim: "索赔（未达成协议）", "bill": "收费清单",
}

func streamName(id string) string {
	for _, s := range budget.Streams {
		if s.ID == id {
			return s.Name
		}
	}
	return id
}

type book struct {
	f                   *excelize.File
	err                 error
	money, head, title_ int
	extra               map[int32]int // number formats by decimal places beyond two
}

func (w *book) styles() {
	var err error
	fmtMoney := "#,##0.00;-#,##0.00"
	if w.money, err = w.f.NewStyle(&excelize.Style{CustomNumFmt: &fmtMoney}); err != nil {
		w.err = err
	}
	if w.head, err = w.f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true},
		Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"#E8EEF4"}}}); err != nil {
		w.err = err
	}
	if w.title_, err = w.f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true, Size: 14}}); err != nil {
		w.err = err
	}
}

func (w *book) sheet(name string) {
	if w.err != nil {
		return
	}
	if _, err := w.f.NewSheet(name); err != nil {
		w.err = err
	}
}

func cell(col, row int) string {
	name, _ := excelize.CoordinatesToCellName(col, row)
	return name
}

func (w *book) str(sh string, col, row int, s string) {
	if w.err == nil {
		w.err = w.f.SetCellStr(sh, cell(col, row), s)
	}
}

// num writes an exact decimal as a number cell (its text, no float).
func (w *book) num(sh string, col, row int, d decimal.Decimal) {
	if w.err == nil {
		w.err = w.f.SetCellDefault(sh, cell(col, row), d.String())
	}
	if w.err == nil {
		w.err = w.f.SetCellStyle(sh, cell(col, row), cell(col, row), w.money)
	}
}

func (w *book) header(sh string, row int, cols ...string) {
	for i, c := range cols {
		w.str(sh, i+1, row, c)
	}
	if w.err == nil && len(cols) > 0 {
		w.err = w.f.SetCellStyle(sh, cell(1, row), cell(len(cols), row), w.head)
	}
}

func (w *book) widths(sh string, widths ...float64) {
	for i, wd := range widths {
		if w.err == nil {
			col, _ := excelize.ColumnNumberToName(i + 1)
			w.err = w.f.SetColWidth(sh, col, col, wd)
		}
	}
}

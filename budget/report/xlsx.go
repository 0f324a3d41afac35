// Package report writes a budget (budget.Result) as a workbook (XLSX,
// excelize) or a chart (hand-written SVG). It only formats: every figure
// is the exact decimal of the result, written as a number cell from its
// text, never through a float.
package report

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/shopspring/decimal"
	"github.com/xuri/excelize/v2"

	"github.com/ecotax/ecotax/budget"
)

// Sheet names, in order.
const (
	sheetSummary  = "汇总"
	sheetMonths   = "按月"
	sheetDistrict = "按区"
	sheetLines    = "明细"
	sheetCoverage = "税款依据"
	sheetNotes    = "提示"
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

func yes(b bool) string {
	if b {
		return "是"
	}
	return ""
}

// XLSX writes the budget as a workbook: a summary per outcome, sums by
// month and by district, every line with its basis and explanation, the
// tax basis of every taxpayer-month, and the warnings.
func XLSX(res *budget.Result) ([]byte, error) {
	f := excelize.NewFile()
	defer f.Close()
	w := &book{f: f}
	w.styles()
	w.summary(res)
	w.rows(sheetMonths, "月份", res, func(o *budget.Outcome) []budget.Row { return o.ByMonth })
	w.rows(sheetDistrict, "区划", res, func(o *budget.Outcome) []budget.Row { return o.ByDistrict })
	w.lines(res)
	w.coverage(res)
	w.notes(res)
	if w.err != nil {
		return nil, w.err
	}
	f.DeleteSheet("Sheet1")
	f.SetActiveSheet(0)
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
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

func (w *book) int(sh string, col, row int, n int) {
	if w.err == nil {
		w.err = w.f.SetCellInt(sh, cell(col, row), int64(n))
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

func streamHeaders() []string {
	var out []string
	for _, s := range budget.Streams {
		out = append(out, s.Name)
	}
	return append(out, "净额", "金额未知项", "部分估算项", "含未核实数")
}

func (w *book) rowValues(sh string, col, row int, r budget.Row) {
	for i, s := range budget.Streams {
		w.num(sh, col+i, row, r.Stream(s.ID))
	}
	n := len(budget.Streams)
	w.num(sh, col+n, row, r.Net)
	w.int(sh, col+n+1, row, r.Missing)
	w.int(sh, col+n+2, row, r.Partial)
	w.str(sh, col+n+3, row, yes(r.Unverified))
}

func (w *book) summary(res *budget.Result) {
	sh := sheetSummary
	w.sheet(sh)
	title := fmt.Sprintf("%s（%s）%d 年 环境资金预算", res.RegionName, res.Region, res.Year)
	w.str(sh, 1, 1, title)
	if w.err == nil {
		w.err = w.f.SetCellStyle(sh, "A1", "A1", w.title_)
	}
	w.str(sh, 1, 2, "单位：元（人民币）。净额 = 环境保护税 + 损害赔偿金 + 生态补偿收入 − 生态补偿支出 + 收费收入；金额未知的项目不计入合计，其数目单列。")
	row := 4
	w.header(sh, row, append([]string{"情景", "说明"}, streamHeaders()...)...)
	for _, o := range res.Outcomes {
		row++
		w.str(sh, 1, row, o.Title)
		w.str(sh, 2, row, changes(o))
		w.rowValues(sh, 3, row, o.Total)
	}
	if len(res.Outcomes) > 1 {
		row += 2
		w.str(sh, 1, row, "与基准相比")
		row++
		w.header(sh, row, append([]string{"情景", "说明"}, streamHeaders()...)...)
		for _, o := range res.Outcomes[1:] {
			row++
			w.str(sh, 1, row, o.Title)
			w.str(sh, 2, row, changes(o))
			w.rowValues(sh, 3, row, *o.VsBase)
		}
	}
	w.widths(sh, 22, 40, 16, 16, 16, 16, 16, 16, 10, 10, 10)
}

func changes(o *budget.Outcome) string {
	if o.Base {
		return "按已登记的申报、监测、案件、结算和收费清单"
	}
	return strings.Join(o.Changes, "；")
}

func (w *book) rows(sh, key string, res *budget.Result, pick func(*budget.Outcome) []budget.Row) {
	w.sheet(sh)
	w.header(sh, 1, append([]string{"情景", key}, streamHeaders()...)...)
	row := 1
	for _, o := range res.Outcomes {
		for _, r := range pick(o) {
			row++
			w.str(sh, 1, row, o.Title)
			w.str(sh, 2, row, r.Key)
			w.rowValues(sh, 3, row, r)
		}
		row++
		w.str(sh, 1, row, o.Title)
		w.str(sh, 2, row, "合计")
		w.rowValues(sh, 3, row, o.Total)
	}
	w.widths(sh, 22, 12, 16, 16, 16, 16, 16, 16, 10, 10, 10)
}

func (w *book) lines(res *budget.Result) {
	sh := sheetLines
	w.sheet(sh)
	w.header(sh, 1, "情景", "编号", "类别", "区划", "月份", "金额", "依据", "来源", "对方", "部分估算", "含未核实数", "说明")
	row := 1
	for _, o := range res.Outcomes {
		for _, l := range o.Lines {
			row++
			w.str(sh, 1, row, o.Title)
			w.str(sh, 2, row, l.ID)
			w.str(sh, 3, row, streamName(l.Stream))
			w.str(sh, 4, row, l.District)
			w.str(sh, 5, row, l.Month)
			if l.Amount.Valid {
				w.num(sh, 6, row, l.Amount.Decimal)
			} else {
				w.str(sh, 6, row, "未知")
			}
			w.str(sh, 7, row, basisNames[l.Basis])
			w.str(sh, 8, row, l.Ref)
			w.str(sh, 9, row, l.Counterparty)
			w.str(sh, 10, row, yes(l.Partial))
			w.str(sh, 11, row, yes(l.Unverified))
			w.str(sh, 12, row, l.Text)
		}
	}
	w.widths(sh, 18, 40, 16, 9, 9, 16, 16, 30, 12, 9, 9, 100)
}

func (w *book) coverage(res *budget.Result) {
	sh := sheetCoverage
	w.sheet(sh)
	w.header(sh, 1, "纳税人识别号", "名称", "区划", "月份", "依据", "来源", "自动监测", "未覆盖的税源", "含未核实数", "备注")
	for i, c := range res.Coverage {
		row := i + 2
		w.str(sh, 1, row, c.CreditCode)
		w.str(sh, 2, row, c.Name)
		w.str(sh, 3, row, c.District)
		w.str(sh, 4, row, c.Month)
		w.str(sh, 5, row, basisNames[c.Basis])
		w.str(sh, 6, row, strings.Join(c.Refs, "; "))
		w.str(sh, 7, row, c.Monitoring)
		w.str(sh, 8, row, strings.Join(c.Uncovered, "; "))
		w.str(sh, 9, row, yes(c.Unverified))
		w.str(sh, 10, row, c.Note)
	}
	w.widths(sh, 22, 24, 9, 9, 16, 40, 40, 40, 9, 40)
}

func (w *book) notes(res *budget.Result) {
	sh := sheetNotes
	w.sheet(sh)
	w.header(sh, 1, "代码", "内容", "涉及")
	for i, n := range res.Warnings {
		w.str(sh, 1, i+2, n.Code)
		w.str(sh, 2, i+2, n.Message)
		w.str(sh, 3, i+2, n.Ref)
	}
	w.widths(sh, 26, 120, 30)
}

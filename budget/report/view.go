package report

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/ecotax/ecotax/budget"
	"github.com/ecotax/ecotax/calc/param"
)

// The budget as the finance page shows it and as the page's workbook
// writes it: the same tables, row for row and cell for cell, so that what
// is downloaded is exactly what is on the screen. Every table belongs to
// a sheet; a sheet holds its tables one under another.

// View is a budget laid out as tables, in plain Chinese.
type View struct {
	Title   string   // 重庆市（500000）2024 年环境资金预算
	Columns []string // the outcomes' titles, base first
	// Coverage is the year's tax basis in one phrase, shown beside the
	// tax figure: "3 / 12 个月有依据；…".
	Coverage string
	// Complete: every taxpayer-month of the year has a basis.
	Complete bool
	Sheets   []Sheet
	Notes    []Note
	// Unverified: some figure rests on an unverified parameter or figure.
	Unverified bool
}

// Sheet is one sheet of the workbook and one section of the page.
type Sheet struct {
	Name   string
	Tables []Table
}

// Table is a captioned table: a header row and body rows. Basis marks a table of 依据详情 (the inputs'
// references, which may carry codes).
type Table struct {
	Sheet   string // the sheet it belongs to
	ID      string
	Caption string
	Head    []string
	Rows    []Row
	Basis   bool
}

// Row is a labelled row of cells. Class is a hint for the page (e.g.
// "diff" for the rows compared with the base).
type Row struct {
	Label string
	Cells []Cell
	Class string
}

// Cell is text, or an amount in 元 (written as a number in the workbook).
// A cell with neither is empty.
type Cell struct {
	Text   string
	Amount decimal.NullDecimal
}

// Show is the cell as the page writes it and as the workbook's number
// format shows it: an amount with two decimals and thousands separators.
func (c Cell) Show() string {
	if c.Amount.Valid {
		return param.MoneyOf(c.Amount.Decimal).Grouped()
	}
	return c.Text
}

// Note is a warning in plain Chinese; Code and Detail are the engine's,
// for 依据详情.
type Note struct {
	Text, Code, Detail string
}

// Sheet names, in order (the page's sections).
const (
	SheetSummary   = "汇总"
	SheetMonths    = "按月"
	SheetDistricts = "按区县"
	SheetCoverage  = "税款依据"
	SheetLines     = "明细"
)

// MonthLabel writes 2024-03 as 3 月.
func MonthLabel(m string) string {
	if len(m) == 7 {
		if n, err := strconv.Atoi(m[5:]); err == nil {
			return strconv.Itoa(n) + " 月"
		}
	}
	return m
}

// Place writes a region code with its name: 渝中区（500103）.
func Place(code string, names map[string]string) string {
	if n := names[code]; n != "" {
		return n + "（" + code + "）"
	}
	if code == "" {
		return "（未注明区县）"
	}
	return code
}

func amount(d decimal.Decimal) Cell {
	return Cell{Amount: decimal.NullDecimal{Decimal: d, Valid: true}}
}

// StreamLabel names a stream as the page's rows do.
func StreamLabel(id string) string {
	switch id {
	case "net":
		return "净额"
	case budget.StreamFees:
		return "差别化收费收入"
	}
	return streamName(id)
}

// outcomeTitle is an outcome's column heading.
func outcomeTitle(o *budget.Outcome) string {
	t := o.Title
	if t == "" {
		t = o.ID
	}
	if o.Base && t != "基准" {
		t += "（基准）"
	}
	return t
}

// monthCover is what is known of the tax basis of one month.
type monthCover struct{ all, none, monitored int }

// NewView lays a budget out; names maps region codes to their names.
func NewView(res *budget.Result, names map[string]string) *View {
	v := &View{Title: fmt.Sprintf("%s（%s）%d 年环境资金预算", orCode(res.RegionName, names[res.Region], res.Region), res.Region, res.Year)}
	for _, o := range res.Outcomes {
		v.Columns = append(v.Columns, outcomeTitle(o))
		v.Unverified = v.Unverified || o.Unverified
	}
	v.Unverified = v.Unverified || res.Unverified
	cover := map[string]*monthCover{}
	for _, m := range res.Months {
		cover[m] = &monthCover{}
	}
	none, monitored := 0, 0
	for _, c := range res.Coverage {
		mc := cover[c.Month]
		if mc == nil {
			mc = &monthCover{}
			cover[c.Month] = mc
		}
		mc.all++
		switch c.Basis {
		case budget.BasisNone:
			mc.none++
			none++
		case budget.BasisMonitoring:
			mc.monitored++
			monitored++
		}
	}
	covered := 0
	for _, m := range res.Months {
		if cover[m].none == 0 {
			covered++
		}
	}
	v.Complete = none == 0
	switch {
	case len(res.Coverage) == 0:
		v.Coverage = "本年度没有登记了应税税源的纳税人，税额为 0"
	default:
		v.Coverage = fmt.Sprintf("%d / %d 个月有依据", covered, len(res.Months))
		if none > 0 {
			v.Coverage += fmt.Sprintf("；%d 个纳税人月份既无申报也无监测数据，金额未知，未计入", none)
		}
		if monitored > 0 {
			v.Coverage += fmt.Sprintf("；%d 个纳税人月份按自动监测数据估算", monitored)
		}
	}
	v.Sheets = []Sheet{
		{Name: SheetSummary, Tables: []Table{v.summary(res)}},
		{Name: SheetMonths, Tables: v.months(res, cover)},
		{Name: SheetDistricts, Tables: []Table{v.districts(res, names)}},
		{Name: SheetCoverage, Tables: []Table{v.coverage(res, names)}},
		{Name: SheetLines, Tables: []Table{v.lines(res, names)}},
	}
	for i := range v.Sheets {
		for j := range v.Sheets[i].Tables {
			v.Sheets[i].Tables[j].Sheet = v.Sheets[i].Name
		}
	}
	v.Notes = notes(res)
	return v
}

func orCode(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}

// inputsOf counts the recorded inputs behind a stream's lines.
func inputsOf(res *budget.Result, stream string) int {
	refs := map[string]bool{}
	if len(res.Outcomes) == 0 {
		return 0
	}
	for _, l := range res.Outcomes[0].Lines {
		if l.Stream == stream {
			refs[l.Ref] = true
		}
	}
	return len(refs)
}

func (v *View) summary(res *budget.Result) Table {
	t := Table{ID: "budget-summary", Caption: "全年合计（元）", Head: append(append([]string{"项目"}, v.Columns...), "依据")}
	basis := map[string]string{
		budget.StreamTax:    v.Coverage,
		budget.StreamDamage: fmt.Sprintf("%d 个赔偿案件", inputsOf(res, budget.StreamDamage)),
		budget.StreamEcoIn:  "已生效的生态补偿结算",
		budget.StreamEcoOut: "已生效的生态补偿结算",
		budget.StreamFees:   fmt.Sprintf("%d 份收费清单", inputsOf(res, budget.StreamFees)),
		"net":               "税 + 赔偿 + 补偿收入 − 补偿支出 + 收费",
	}
	ids := append(streamIDs(), "net")
	for _, id := range ids {
		label := StreamLabel(id)
		if id == budget.StreamTax && !v.Complete {
			label += "（仅有依据的月份）"
		}
		if id == "net" && !v.Complete {
			label += "（不含金额未知的月份）"
		}
		r := Row{Label: label}
		for _, o := range res.Outcomes {
			r.Cells = append(r.Cells, amount(rowStream(&o.Total, id)))
		}
		r.Cells = append(r.Cells, Cell{Text: basis[id]})
		t.Rows = append(t.Rows, r)
	}
	if len(res.Outcomes) > 1 {
		for _, id := range ids {
			r := Row{Label: StreamLabel(id) + " 较基准", Class: "diff", Cells: []Cell{{}}}
			for _, o := range res.Outcomes[1:] {
				if o.VsBase == nil {
					r.Cells = append(r.Cells, Cell{})
					continue
				}
				r.Cells = append(r.Cells, amount(rowStream(o.VsBase, id)))
			}
			r.Cells = append(r.Cells, Cell{Text: "情景减基准"})
			t.Rows = append(t.Rows, r)
		}
	}
	return t
}

func streamIDs() []string {
	var out []string
	for _, s := range budget.Streams {
		out = append(out, s.ID)
	}
	return out
}

func rowStream(r *budget.Row, id string) decimal.Decimal {
	if id == "net" {
		return r.Net
	}
	return r.Stream(id)
}

// StreamTableID is the id of a stream's month table (and its chart).
func StreamTableID(id string) string { return "budget-month-" + strings.ReplaceAll(id, "_", "-") }

func (v *View) months(res *budget.Result, cover map[string]*monthCover) []Table {
	var out []Table
	for _, id := range append(streamIDs(), "net") {
		t := Table{ID: StreamTableID(id), Caption: StreamLabel(id) + "：按月（元）", Head: append([]string{"月份"}, v.Columns...)}
		if id == budget.StreamTax {
			t.Head = append(t.Head, "依据")
		}
		for mi, m := range res.Months {
			r := Row{Label: MonthLabel(m)}
			for _, o := range res.Outcomes {
				if mi < len(o.ByMonth) {
					r.Cells = append(r.Cells, amount(rowStream(&o.ByMonth[mi], id)))
				} else {
					r.Cells = append(r.Cells, Cell{})
				}
			}
			if id == budget.StreamTax {
				r.Cells = append(r.Cells, Cell{Text: monthBasis(cover[m])})
			}
			t.Rows = append(t.Rows, r)
		}
		r := Row{Label: "合计", Class: "total"}
		for _, o := range res.Outcomes {
			r.Cells = append(r.Cells, amount(rowStream(&o.Total, id)))
		}
		if id == budget.StreamTax {
			r.Cells = append(r.Cells, Cell{Text: v.Coverage})
		}
		t.Rows = append(t.Rows, r)
		out = append(out, t)
	}
	return out
}

func monthBasis(mc *monthCover) string {
	switch {
	case mc == nil || mc.all == 0:
		return "无应税税源"
	case mc.none > 0:
		return fmt.Sprintf("%d / %d 户无依据，金额未计入", mc.none, mc.all)
	case mc.monitored > 0:
		return fmt.Sprintf("有依据（%d 户按监测估算）", mc.monitored)
	}
	return "有依据"
}

func (v *View) districts(res *budget.Result, names map[string]string) Table {
	t := Table{ID: "budget-districts", Caption: "按区县（元）", Head: []string{"区县"}}
	for _, id := range streamIDs() {
		t.Head = append(t.Head, StreamLabel(id))
	}
	t.Head = append(t.Head, "净额")
	for _, o := range res.Outcomes[1:] {
		t.Head = append(t.Head, "净额（"+outcomeTitle(o)+"）")
	}
	if len(res.Outcomes) == 0 {
		return t
	}
	for di, d := range res.Districts {
		r := Row{Label: Place(d, names)}
		b := res.Outcomes[0].ByDistrict[di]
		for _, id := range append(streamIDs(), "net") {
			r.Cells = append(r.Cells, amount(rowStream(&b, id)))
		}
		for _, o := range res.Outcomes[1:] {
			r.Cells = append(r.Cells, amount(o.ByDistrict[di].Net))
		}
		t.Rows = append(t.Rows, r)
	}
	return t
}

var basisShort = map[string]string{budget.BasisDeclaration: "申报", budget.BasisMonitoring: "监测", budget.BasisNone: "无"}

func (v *View) coverage(res *budget.Result, names map[string]string) Table {
	t := Table{ID: "budget-coverage", Caption: "各纳税人各月的税款依据（申报 = 已提交的申报；监测 = 按自动监测数据估算；无 = 金额未知）",
		Head: []string{"纳税人"}}
	for _, m := range res.Months {
		t.Head = append(t.Head, MonthLabel(m))
	}
	t.Head = append(t.Head, "有依据的月份")
	type tp struct {
		label  string
		months map[string]string
	}
	var order []string
	by := map[string]*tp{}
	for _, c := range res.Coverage {
		x := by[c.CreditCode]
		if x == nil {
			name := c.Name
			if name == "" {
				name = c.CreditCode
			}
			x = &tp{label: name + "（" + Place(c.District, names) + "）", months: map[string]string{}}
			by[c.CreditCode] = x
			order = append(order, c.CreditCode)
		}
		x.months[c.Month] = basisShort[c.Basis]
	}
	sort.SliceStable(order, func(i, j int) bool { return by[order[i]].label < by[order[j]].label })
	for _, code := range order {
		x := by[code]
		r := Row{Label: x.label}
		n, with := 0, 0
		for _, m := range res.Months {
			b := x.months[m]
			r.Cells = append(r.Cells, Cell{Text: b})
			if b != "" {
				n++
				if b != basisShort[budget.BasisNone] {
					with++
				}
			}
		}
		r.Cells = append(r.Cells, Cell{Text: fmt.Sprintf("%d / %d", with, n)})
		t.Rows = append(t.Rows, r)
	}
	return t
}

func (v *View) lines(res *budget.Result, names map[string]string) Table {
	t := Table{ID: "budget-lines", Caption: "明细（每项金额的来源）", Basis: true,
		Head: append([]string{"项目", "类别", "区县", "月份", "依据"}, v.Columns...)}
	t.Head = append(t.Head, "说明")
	if len(res.Outcomes) == 0 {
		return t
	}
	amounts := make([]map[string]decimal.NullDecimal, len(res.Outcomes))
	for i, o := range res.Outcomes {
		amounts[i] = map[string]decimal.NullDecimal{}
		for _, l := range o.Lines {
			amounts[i][l.ID] = l.Amount
		}
	}
	for _, l := range res.Outcomes[0].Lines {
		label := l.Ref
		if l.Counterparty != "" {
			label += "（对方：" + l.Counterparty + "）"
		}
		r := Row{Label: label, Cells: []Cell{{Text: StreamLabel(l.Stream)}, {Text: Place(l.District, names)}, {Text: MonthLabel(l.Month)}, {Text: orCode(basisNames[l.Basis], l.Basis)}}}
		for i := range res.Outcomes {
			if a, ok := amounts[i][l.ID]; ok && a.Valid {
				r.Cells = append(r.Cells, amount(a.Decimal))
			} else {
				r.Cells = append(r.Cells, Cell{Text: "未知"})
			}
		}
		r.Cells = append(r.Cells, Cell{Text: l.Text})
		t.Rows = append(t.Rows, r)
	}
	return t
}

// plainNotes are the budget's own warnings in plain words.
var plainNotes = map[string]string{
	"tax_basis_missing": "有纳税人月份既无已提交的申报，也无自动监测数据：这些月份的税额未知，没有计入合计（见“税款依据”）。",
	"tax_basis_partial": "有纳税人月份按自动监测数据估算，但监测只覆盖其部分税源，估算偏低。",
	"unverified":        "部分金额依据尚未与官方文本核实的参数或数据，仅供参考。",
}

func notes(res *budget.Result) []Note {
	var out []Note
	seen := map[string]bool{}
	for _, w := range res.Warnings {
		text := plainNotes[w.Code]
		if text == "" {
			switch {
			case strings.HasPrefix(w.Code, "unverified"):
				text = plainNotes["unverified"]
			case !hasLatin(w.Message):
				text = w.Message
			default:
				text = "计算中有一项需要核对的提示（见依据详情）。"
			}
		}
		detail := w.Message
		if w.Ref != "" {
			detail += "（" + w.Ref + "）"
		}
		if seen[text] {
			// One sentence per kind; every original stays in 依据详情.
			for i := range out {
				if out[i].Text == text {
					out[i].Detail += "；" + detail
				}
			}
			continue
		}
		seen[text] = true
		out = append(out, Note{Text: text, Code: w.Code, Detail: detail})
	}
	return out
}

func hasLatin(s string) bool {
	run := 0
	for _, r := range s {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r == '_' {
			run++
			if run >= 4 {
				return true
			}
		} else {
			run = 0
		}
	}
	return false
}

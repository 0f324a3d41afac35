package pages

import (
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/ecotax/ecotax/app"
	"github.com/ecotax/ecotax/budget/report"
	"github.com/ecotax/ecotax/internal/httpx"
	"github.com/ecotax/ecotax/internal/sheet"

	"github.com/labstack/echo/v4"
	"github.com/shopspring/decimal"

	"github.com/ecotax/ecotax/budget"
	"github.com/ecotax/ecotax/calc"
	"github.com/ecotax/ecotax/filing"
	"github.com/ecotax/ecotax/web"
)

// The finance bureau's budget page: a region and year, up to two
// scenarios beside the base, computed by the budget route (POST
// /v1/budget/reports) itself; charts by month and district; the route's
// XLSX for download.

const budgetScenarios = 2

// budgetForm is the page's inputs, as typed.
type budgetForm struct {
	Region, Year string
	Scenarios    []scenarioForm
}

type scenarioForm struct {
	N                                int
	Title, Air, Water, From, To      string
	TrendAir, TrendWater, TrendSolid string
	TrendFees                        string
	Errors                           []web.Explained
}

func (sf *scenarioForm) empty() bool {
	return sf.Air == "" && sf.Water == "" && sf.TrendAir == "" && sf.TrendWater == "" && sf.TrendSolid == "" && sf.TrendFees == ""
}

func readBudgetForm(q url.Values, p filing.Principal, thisYear int) *budgetForm {
	f := &budgetForm{Region: strings.TrimSpace(q.Get("region")), Year: strings.TrimSpace(q.Get("year"))}
	if f.Region == "" {
		f.Region = p.Region
	}
	if f.Year == "" {
		f.Year = strconv.Itoa(thisYear)
	}
	for i := 1; i <= budgetScenarios; i++ {
		k := "s" + strconv.Itoa(i) + "."
		g := func(name string) string { return strings.TrimSpace(q.Get(k + name)) }
		f.Scenarios = append(f.Scenarios, scenarioForm{N: i, Title: g("title"), Air: g("air"), Water: g("water"), From: g("from"), To: g("to"),
			TrendAir: g("trend_air"), TrendWater: g("trend_water"), TrendSolid: g("trend_solid"), TrendFees: g("trend_fees")})
	}
	return f
}

type budgetPage struct {
	Form   *budgetForm
	Result *budget.Result
	View   *report.View
	// Tax and Net are the base's year figures shown first, the tax with
	// its coverage beside it.
	Tax, Net  string
	Charts    []*budgetChart
	XLSX      template.URL
	TopErrors []web.Explained
	Names     map[string]string   // region codes offered to the region input
	Waiting   int                 // settlements awaiting the viewer's confirmation
	By        map[string][]string // errors beside the region and year inputs
}

// budgetChart is one stream's chart with its month table.
type budgetChart struct {
	Chart *web.Chart
	Table *report.Table
	Note  string
}

func (s *Server) budgetYear() int { return s.app.ThisYear() }

// webBudgetReport reads the form into a budget.ReportRequest, checks it
// as the budget route checks its body, and computes the report; index
// maps the request's scenarios to the form's.
func (s *Server) webBudgetReport(c echo.Context, p filing.Principal, f *budgetForm) (*budget.Result, []int, error) {
	in, read, index := f.report()
	rr, err := budget.CheckReportAfter(in, read, s.app.BudgetCalculators(), s.app.BudgetLimits())
	if err != nil {
		return nil, index, err
	}
	res, err := s.app.BudgetReport(ctx(c), p, rr)
	return res, index, err
}

func (s *Server) webBudget(c echo.Context) error {
	p, err := allowed(c, filing.ActBudgetReport)
	if err != nil {
		return s.webError(c, err)
	}
	f := readBudgetForm(c.QueryParams(), p, s.budgetYear())
	pg := &budgetPage{Form: f, Names: s.regionNames(), By: map[string][]string{}}
	// Settlements another region recorded with a party here are in no
	// budget of this region until confirmed: say so where the budget is.
	if list, err := app.EcoSettlements.List(ctx(c), s.app, p, app.BudgetFilter{Region: p.Region}); err == nil {
		for _, st := range list {
			if s.settlementRow(p, st, nil, nil).CanConfirm {
				pg.Waiting++
			}
		}
	}
	if c.QueryParam("region") == "" && p.Region == "" {
		return s.render(c, http.StatusOK, "budget", s.page(c, "预算", pg)) // nothing asked yet
	}
	res, index, err := s.webBudgetReport(c, p, f)
	if ce, ok := err.(*calc.Error); ok && (ce.Kind == calc.KindInvalid || ce.Kind == app.KindForbidden) {
		for _, fe := range ce.Errors {
			x := budgetExplain(fe)
			var i int
			if n, _ := fmt.Sscanf(fe.Path, "scenarios[%d]", &i); n == 1 && i >= 0 && i < len(index) {
				f.Scenarios[index[i]-1].Errors = append(f.Scenarios[index[i]-1].Errors, x)
				top := x
				top.Text = "情景 " + strconv.Itoa(index[i]) + "：" + x.Text // in the summary at the top too
				pg.TopErrors = append(pg.TopErrors, top)
			} else if fe.Path == "region" || fe.Path == "year" {
				pg.By[fe.Path] = append(pg.By[fe.Path], x.Text) // beside its input
				pg.TopErrors = append(pg.TopErrors, x)
			} else {
				pg.TopErrors = append(pg.TopErrors, x)
			}
		}
		if len(ce.Errors) == 0 {
			pg.TopErrors = append(pg.TopErrors, web.Explained{Text: ce.Title + "。", Code: ce.Code, Detail: ce.Detail})
		}
		return s.render(c, httpx.Status(ce.Kind), "budget", s.page(c, "预算", pg))
	}
	if err != nil {
		return s.webError(c, err)
	}
	names := pg.Names
	v := report.NewView(res, names)
	pg.Result, pg.View = res, v
	pg.Tax, pg.Net = web.Money(res.Outcomes[0].Total.Tax), web.Money(res.Outcomes[0].Total.Net)
	pg.XLSX = template.URL("/app/budget.xlsx?" + f.query().Encode())
	pg.Charts = budgetCharts(res, v, names)
	return s.render(c, http.StatusOK, "budget", s.page(c, "预算 "+report.Place(res.Region, names)+" "+strconv.Itoa(res.Year)+" 年", pg))
}

// query writes the form back as the page's query: the XLSX link carries
// exactly the region, year and scenarios of the screen.
func (f *budgetForm) query() url.Values {
	q := url.Values{"region": {f.Region}, "year": {f.Year}}
	for _, sf := range f.Scenarios {
		k := "s" + strconv.Itoa(sf.N) + "."
		for name, v := range map[string]string{"title": sf.Title, "air": sf.Air, "water": sf.Water, "from": sf.From, "to": sf.To,
			"trend_air": sf.TrendAir, "trend_water": sf.TrendWater, "trend_solid": sf.TrendSolid, "trend_fees": sf.TrendFees} {
			if v != "" {
				q.Set(k+name, v)
			}
		}
	}
	return q
}

// A chart is drawn in 万元 once its largest bar reaches a million 元
// (the figures stay exact: 万元 is the 元 figure shifted four places).
var wanYuan = decimal.NewFromInt(1_000_000)

// budgetCharts draws one chart per stream (and the net) by month, each
// series an outcome, and the net by district; the tax chart marks the
// months where some taxpayer's tax is unknown.
func budgetCharts(res *budget.Result, v *report.View, names map[string]string) []*budgetChart {
	var labels []string
	for _, m := range res.Months {
		labels = append(labels, report.MonthLabel(m))
	}
	tables := map[string]*report.Table{}
	for i := range v.Sheets {
		for j := range v.Sheets[i].Tables {
			t := &v.Sheets[i].Tables[j]
			tables[t.ID] = t
		}
	}
	missing := map[string]bool{}
	for _, c := range res.Coverage {
		if c.Basis == budget.BasisNone {
			missing[c.Month] = true
		}
	}
	var out []*budgetChart
	for _, id := range []string{budget.StreamTax, budget.StreamDamage, budget.StreamEcoIn, budget.StreamEcoOut, budget.StreamFees, "net"} {
		ch := &web.Chart{Title: report.StreamLabel(id) + "（按月）", Labels: labels, Bars: true}
		for _, o := range res.Outcomes {
			sr := web.Series{Name: outcomeName(o)}
			for i := range res.Months {
				var d decimal.Decimal
				if i < len(o.ByMonth) {
					d = budgetStream(&o.ByMonth[i], id)
				}
				sr.Values = append(sr.Values, decimal.NullDecimal{Decimal: d, Valid: true})
			}
			ch.Series = append(ch.Series, sr)
		}
		bc := &budgetChart{Chart: ch, Table: tables[report.StreamTableID(id)]}
		if id == budget.StreamTax {
			for i, m := range res.Months {
				if missing[m] {
					ch.Marks = append(ch.Marks, i)
				}
			}
			if len(ch.Marks) > 0 {
				bc.Note = fmt.Sprintf("横轴下的红色短线标出 %d 个有纳税人无依据的月份：这些月份的税额只含有依据的部分。", len(ch.Marks))
			}
		}
		inUnits(ch)
		out = append(out, bc)
	}
	if len(res.Districts) > 1 {
		ch := &web.Chart{Title: "净额（按区县）", Bars: true}
		for _, d := range res.Districts {
			ch.Labels = append(ch.Labels, orName(names[d], d))
		}
		for _, o := range res.Outcomes {
			sr := web.Series{Name: outcomeName(o)}
			for i := range res.Districts {
				sr.Values = append(sr.Values, decimal.NullDecimal{Decimal: o.ByDistrict[i].Net, Valid: true})
			}
			ch.Series = append(ch.Series, sr)
		}
		inUnits(ch)
		out = append(out, &budgetChart{Chart: ch})
	}
	return out
}

func orName(name, code string) string {
	if name != "" {
		return name
	}
	return code
}

func outcomeName(o *budget.Outcome) string {
	if o.Title != "" {
		return o.Title
	}
	return o.ID
}

func budgetStream(r *budget.Row, id string) decimal.Decimal {
	if id == "net" {
		return r.Net
	}
	return r.Stream(id)
}

// inUnits sets the chart's unit: 元, or 万元 for large figures.
func inUnits(ch *web.Chart) {
	ch.Unit = "元"
	top := decimal.Zero
	for _, s := range ch.Series {
		for _, v := range s.Values {
			top = decimal.Max(top, v.Decimal.Abs())
		}
	}
	if top.LessThan(wanYuan) {
		return
	}
	ch.Unit = "万元"
	for i := range ch.Series {
		for j := range ch.Series[i].Values {
			ch.Series[i].Values[j].Decimal = ch.Series[i].Values[j].Decimal.Shift(-4)
		}
	}
}

// budgetFieldLabel names the budget form's inputs by the last part of an
// error's path.
var budgetFieldLabel = map[string]string{"region": "行政区划代码", "year": "年度", "air": "大气排放量增减", "water": "水排放量增减",
	"solid_waste": "固体废物增减", "fees": "收费量增减", "value": "税额", "from": "税额自", "to": "税额至", "title": "情景名称"}

// budgetExplain says what is wrong with a budget input in plain words;
// the engine's words stay in 依据详情.
func budgetExplain(fe calc.FieldError) web.Explained {
	x := web.Explained{Path: fe.Path, Code: fe.Code, Detail: fe.Message}
	field := fe.Path
	if i := strings.LastIndex(field, "."); i >= 0 {
		field = field[i+1:]
	}
	label := budgetFieldLabel[field]
	if label == "" {
		label = "这一项"
	}
	switch {
	case fe.Code == "unknown_region":
		x.Text = "区划代码不在国家统计局的区划代码表中，请从提示中选择。"
	case fe.Code == "outside_region":
		x.Text = "只能编制本辖区的预算。"
	case fe.Code == "year_out_of_range" || field == "year":
		x.Text = "年度超出可编制预算的范围，请填写四位数的年份（最多到今后五年）。"
	case fe.Code == "required":
		x.Text = "请填写" + label + "。"
	case field == "from" || field == "to":
		x.Text = label + "应写成 2024-07 这样的年月。"
	case field == "value":
		x.Text = "税额应为不小于 0 的数字（元/当量）。"
	case fe.Code == "invalid_number" || fe.Code == "invalid_type" || fe.Code == "invalid_value":
		x.Text = label + "应为数字，如 -10 或 5.5（百分比）。"
	default:
		x.Text = label + "需要修改（原因见依据详情）。"
	}
	return x
}

// webBudgetXLSX sends, for the page's inputs, the workbook of exactly
// the tables the page shows (report.View).
func (s *Server) webBudgetXLSX(c echo.Context) error {
	p, err := allowed(c, filing.ActBudgetReport)
	if err != nil {
		return s.webError(c, err)
	}
	f := readBudgetForm(c.QueryParams(), p, s.budgetYear())
	res, _, err := s.webBudgetReport(c, p, f)
	if err != nil {
		return s.webError(c, err)
	}
	out, err := report.ViewXLSX(report.NewView(res, s.regionNames()))
	if err != nil {
		return s.webError(c, err)
	}
	c.Response().Header().Set(echo.HeaderContentDisposition, `attachment; filename="budget-`+res.Region+"-"+strconv.Itoa(res.Year)+`.xlsx"`)
	return c.Blob(http.StatusOK, sheet.MIMEXLSX, out)
}

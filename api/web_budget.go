package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/ecotax/ecotax/app"
	"github.com/ecotax/ecotax/internal/httpx"

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
	Errors                           []calc.FieldError
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

// request writes the form as the budget route's body. The year goes as a
// JSON number when it is one, as text otherwise (the route then says
// why); every amount and percentage as text.
func (f *budgetForm) request() (map[string]any, []int) {
	body := map[string]any{"region": f.Region}
	if n, err := strconv.Atoi(f.Year); err == nil && strconv.Itoa(n) == f.Year {
		body["year"] = json.Number(f.Year)
	} else {
		body["year"] = f.Year
	}
	scs := []any{}
	var index []int // request index → scenario number
	for _, sf := range f.Scenarios {
		if sf.empty() {
			continue
		}
		sc := map[string]any{"id": "s" + strconv.Itoa(sf.N)}
		if sf.Title != "" {
			sc["title"] = sf.Title
		}
		var rates []any
		for _, r := range []struct{ class, v string }{{"air", sf.Air}, {"water", sf.Water}} {
			if r.v == "" {
				continue
			}
			rc := map[string]any{"class": r.class, "value": r.v}
			if sf.From != "" {
				rc["from"] = sf.From
			}
			if sf.To != "" {
				rc["to"] = sf.To
			}
			rates = append(rates, rc)
		}
		if rates != nil {
			sc["rates"] = rates
		}
		trends := map[string]any{}
		for k, v := range map[string]string{budget.TrendAir: sf.TrendAir, budget.TrendWater: sf.TrendWater, budget.TrendSolidWaste: sf.TrendSolid, budget.TrendFees: sf.TrendFees} {
			if v != "" {
				trends[k] = v
			}
		}
		if len(trends) > 0 {
			sc["trends"] = trends
		}
		scs = append(scs, sc)
		index = append(index, sf.N)
	}
	body["scenarios"] = scs
	return body, index
}

type budgetRowView struct {
	Label  string
	Values []string // per outcome
	Diffs  []string // per outcome: vs base ("" for the base)
}

type budgetPage struct {
	Form      *budgetForm
	Result    *budget.Result
	Rows      []budgetRowView
	Charts    []*web.Chart
	Query     string
	Errors    []calc.FieldError
	TopErrors []calc.FieldError
}

var budgetStreams = []struct {
	label string
	get   func(r *budget.Row) decimal.Decimal
}{
	{"环境保护税", func(r *budget.Row) decimal.Decimal { return r.Tax }},
	{"生态环境损害赔偿收入", func(r *budget.Row) decimal.Decimal { return r.Damage }},
	{"生态补偿收入", func(r *budget.Row) decimal.Decimal { return r.EcoIn }},
	{"生态补偿支出", func(r *budget.Row) decimal.Decimal { return r.EcoOut }},
	{"差别化收费收入", func(r *budget.Row) decimal.Decimal { return r.Fees }},
	{"净额", func(r *budget.Row) decimal.Decimal { return r.Net }},
}

func (s *Server) budgetYear() int { return s.app.ThisYear() }

// webBudgetReport reads the form as the budget route reads its body and
// computes the report; index maps the request's scenarios to the form's.
func (s *Server) webBudgetReport(c echo.Context, p filing.Principal, f *budgetForm) (*budget.Result, []int, error) {
	body, index := f.request()
	data, err := json.Marshal(body)
	if err != nil {
		return nil, nil, err
	}
	rr, err := budget.DecodeReport(data, s.app.BudgetCalculators(), s.app.BudgetLimits())
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
	pg := &budgetPage{Form: f}
	if c.QueryParam("region") == "" && p.Region == "" {
		return s.render(c, http.StatusOK, "budget", s.page(c, "预算", pg)) // nothing asked yet
	}
	res, index, err := s.webBudgetReport(c, p, f)
	if ce, ok := err.(*calc.Error); ok && (ce.Kind == calc.KindInvalid || ce.Kind == app.KindForbidden) {
		for _, fe := range ce.Errors {
			var i int
			if n, _ := fmt.Sscanf(fe.Path, "scenarios[%d]", &i); n == 1 && i >= 0 && i < len(index) {
				f.Scenarios[index[i]-1].Errors = append(f.Scenarios[index[i]-1].Errors, fe)
			} else {
				pg.TopErrors = append(pg.TopErrors, fe)
			}
		}
		if len(ce.Errors) == 0 {
			pg.TopErrors = append(pg.TopErrors, calc.FieldError{Path: "$", Code: ce.Code, Message: ce.Title + "：" + ce.Detail})
		}
		return s.render(c, httpx.Status(ce.Kind), "budget", s.page(c, "预算", pg))
	}
	if err != nil {
		return s.webError(c, err)
	}
	pg.Result = res
	q := c.QueryParams()
	if q.Get("region") == "" {
		q.Set("region", f.Region)
	}
	pg.Query = q.Encode()
	for _, st := range budgetStreams {
		row := budgetRowView{Label: st.label}
		for _, o := range res.Outcomes {
			row.Values = append(row.Values, st.get(&o.Total).StringFixed(2))
			d := ""
			if o.VsBase != nil {
				d = st.get(o.VsBase).StringFixed(2)
			}
			row.Diffs = append(row.Diffs, d)
		}
		pg.Rows = append(pg.Rows, row)
	}
	byMonth := &web.Chart{Title: "按月净额", Unit: "元", Labels: res.Months, Bars: true}
	byDistrict := &web.Chart{Title: "按区县净额", Unit: "元", Labels: res.Districts, Bars: true}
	for _, o := range res.Outcomes {
		name := o.Title
		if name == "" {
			name = o.ID
		}
		byMonth.Series = append(byMonth.Series, web.Series{Name: name, Values: rowValues(o.ByMonth, res.Months)})
		byDistrict.Series = append(byDistrict.Series, web.Series{Name: name, Values: rowValues(o.ByDistrict, res.Districts)})
	}
	pg.Charts = []*web.Chart{byMonth, byDistrict}
	return s.render(c, http.StatusOK, "budget", s.page(c, "预算 "+res.Region+" "+strconv.Itoa(res.Year), pg))
}

func rowValues(rows []budget.Row, keys []string) []decimal.NullDecimal {
	by := map[string]decimal.Decimal{}
	for _, r := range rows {
		by[r.Key] = r.Net
	}
	out := make([]decimal.NullDecimal, len(keys))
	for i, k := range keys {
		if v, ok := by[k]; ok {
			out[i] = decimal.NullDecimal{Decimal: v, Valid: true}
		}
	}
	return out
}

// webBudgetXLSX sends the budget route's workbook for the page's inputs.
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
	if err := sendBudget(c, res, "xlsx"); err != nil {
		return s.webError(c, err)
	}
	return nil
}

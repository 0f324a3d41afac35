package pages

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/ecotax/ecotax/app"
	"github.com/ecotax/ecotax/budget"
	"github.com/ecotax/ecotax/calc"
	"github.com/ecotax/ecotax/calc/ecocomp"
	"github.com/ecotax/ecotax/filing"
	"github.com/ecotax/ecotax/web"
)

// Eco-compensation settlements (生态补偿结算) on the pages: the scheme is
// chosen first, since what is asked depends on it — a water-class scheme
// asks each monitored section's class against its comparison, month by
// month or year by year; an index scheme the index or the published
// verdict; a quota scheme the trades. A settlement may hold several
// sections (a district pair settled over several sections, or a basin's
// sections between several pairs); "再加一个断面" adds one without
// script. The form is read into a budget.EcoInput (ecoInput), checked by
// budget.CheckEcoSettlementAfter and recorded by app.RecordEcoSettlement;
// inputs are named by their paths, so an error lands beside its input.
// Each party's region code is asked beside its name (code.<path of the
// name>).

const (
	ecoSectionsDefault = 2  // sections the form offers at first
	ecoSectionsMax     = 20 // sections one form can grow to
	ecoTradesDefault   = 3
	ecoTradesMax       = 30
)

type ecoScheme struct {
	ID, Title, Measure, Period, Unit, Jurisdiction string
	Verified                                       bool
}

// Rows of periods per section: a monthly scheme 12, a yearly one 1.
func (s *ecoScheme) Periods() []int {
	if s.Period == ecocomp.PeriodMonth {
		return rows(12)
	}
	return rows(1)
}

func (s *ecoScheme) PeriodWord() string {
	if s.Period == ecocomp.PeriodMonth {
		return "月份（如 2024-01）"
	}
	return "年度（如 2024）"
}

func (s *ecoScheme) Water() bool { return s.Measure == string(ecocomp.MeasureWaterClass) }
func (s *ecoScheme) Index() bool { return s.Measure == string(ecocomp.MeasureIndex) }
func (s *ecoScheme) Quota() bool { return s.Measure == string(ecocomp.MeasureQuota) }

// settlementRow is a recorded settlement as the list shows it.
type settlementRow struct {
	*app.Settlement
	Title      string
	Parties    []string // 渝中区（500103）
	Items      []string // the sections or trades
	Pending    []string // parties awaiting their region's confirmation, named
	CanConfirm bool     // a pending party lies in the viewer's region
}

type ecoPage struct {
	Vals        url.Values
	By          map[string][]string
	Top         []web.Explained
	Schemes     []ecoScheme
	Scheme      *ecoScheme
	Classes     []string
	Settlements []*settlementRow
	Waiting     []*settlementRow // pending on the viewer's side
	Names       map[string]string
	Sections    []int
	Trades      []int
	Done        string // what was just done, in words
	TradeCols   []tradeCol
}

// tradeCol is one input of a trade row: Pre "code." for a party's code.
type tradeCol struct {
	Pre, Key, Label string
	Code, Num       bool
}

var tradeCols = []tradeCol{{Key: "id", Label: "编号"}, {Key: "buyer", Label: "购买方"}, {Pre: "code.", Key: "buyer", Label: "购买方区划代码", Code: true},
	{Key: "seller", Label: "出让方"}, {Pre: "code.", Key: "seller", Label: "出让方区划代码", Code: true}, {Key: "date", Label: "交易日期"},
	{Key: "quantity", Label: "交易量", Num: true}, {Key: "price", Label: "约定价格", Num: true}}

func (s *Server) ecoSchemes() []ecoScheme {
	var out []ecoScheme
	for _, l := range s.app.BudgetCalculators().Ecocomp.Listing() {
		unit := l.QuantityUnit
		if unit == "mu" {
			unit = "亩"
		}
		out = append(out, ecoScheme{ID: l.ID, Title: l.Title, Measure: l.Measure, Period: l.Period, Unit: unit,
			Jurisdiction: l.Jurisdiction, Verified: l.Verified})
	}
	return out
}

func (s *Server) webEcoSettlements(c echo.Context) error {
	vals := url.Values{}
	if sc := c.QueryParam("scheme"); sc != "" {
		vals.Set("settlement.scheme", sc)
	}
	if y := strings.TrimSpace(c.QueryParam("year")); y != "" {
		vals.Set("settlement.year", y)
	}
	return s.renderEco(c, http.StatusOK, &ecoPage{Vals: vals})
}

var doneWords = map[string]string{"saved": "结算已登记。", "deleted": "已删除。删除记录保留在审计日志中。", "confirmed": "已确认：该结算从此计入本辖区的预算。"}

func (s *Server) renderEco(c echo.Context, status int, pg *ecoPage) error {
	p, err := allowed(c, filing.ActEcoSettlementRecord)
	if err != nil {
		return s.webError(c, err)
	}
	list, err := app.EcoSettlements.List(ctx(c), s.app, p, app.BudgetFilter{Region: p.Region})
	if err != nil {
		return s.webError(c, err)
	}
	pg.Names = s.regionNames()
	pg.Schemes = s.ecoSchemes()
	for i := range pg.Schemes {
		if pg.Schemes[i].ID == pg.Vals.Get("settlement.scheme") {
			pg.Scheme = &pg.Schemes[i]
		}
	}
	titles := map[string]string{}
	for _, sc := range pg.Schemes {
		titles[sc.ID] = sc.Title
	}
	for _, st := range list {
		r := s.settlementRow(p, st, titles, pg.Names)
		pg.Settlements = append(pg.Settlements, r)
		if r.CanConfirm {
			pg.Waiting = append(pg.Waiting, r)
		}
	}
	pg.Classes = ecocomp.ClassNames()
	pg.TradeCols = tradeCols
	pg.Sections = rows(formCount(pg.Vals, "nsec", ecoSectionsDefault, ecoSectionsMax))
	prefillPeriods(pg)
	pg.Trades = rows(formCount(pg.Vals, "ntrade", ecoTradesDefault, ecoTradesMax))
	if pg.Done == "" {
		pg.Done = doneWords[c.QueryParam("done")]
	}
	return s.render(c, status, "ecosettlement", s.page(c, "生态补偿结算", pg))
}

// prefillPeriods writes the periods of the settlement year into every
// empty period input (2024-01 … 2024-12, or 2024), so only the results
// are left to type; a period left without a result is not submitted.
func prefillPeriods(pg *ecoPage) {
	y := web.NormalizeNumber(strings.TrimSpace(pg.Vals.Get("settlement.year")))
	if pg.Scheme == nil || pg.Scheme.Quota() || len(y) != 4 {
		return
	}
	if _, err := strconv.Atoi(y); err != nil {
		return
	}
	for _, i := range pg.Sections {
		for _, j := range pg.Scheme.Periods() {
			name := fmt.Sprintf("settlement.sections[%d].periods[%d].period", i, j)
			if strings.TrimSpace(pg.Vals.Get(name)) != "" {
				continue
			}
			if pg.Scheme.Period == ecocomp.PeriodMonth {
				pg.Vals.Set(name, fmt.Sprintf("%s-%02d", y, j+1))
			} else {
				pg.Vals.Set(name, y)
			}
		}
	}
}

// formCount reads a hidden row count, within bounds.
func formCount(vals url.Values, name string, def, most int) int {
	n, err := strconv.Atoi(vals.Get(name))
	if err != nil || n < def {
		return def
	}
	return min(n, most)
}

func (s *Server) settlementRow(p filing.Principal, st *app.Settlement, titles, names map[string]string) *settlementRow {
	r := &settlementRow{Settlement: st, Title: titles[st.Scheme]}
	if r.Title == "" {
		r.Title = "补偿方案（已停用）"
	}
	for _, name := range sortedKeys(st.Parties) {
		r.Parties = append(r.Parties, partyLabel(name, st.Parties[name], names))
	}
	for _, name := range st.Pending {
		r.Pending = append(r.Pending, partyLabel(name, st.Parties[name], names))
		if p.Region == "" || calc.Within(st.Parties[name], p.Region) {
			r.CanConfirm = true
		}
	}
	if req, err := ecocomp.DecodeRequest(st.Request); err == nil {
		for _, sec := range req.Sections {
			r.Items = append(r.Items, fmt.Sprintf("断面「%s」%s → %s（%d 期）", sec.ID, sec.Upstream, sec.Downstream, len(sec.Periods)))
		}
		unit := ""
		for _, sc := range s.ecoSchemes() {
			if sc.ID == st.Scheme {
				unit = sc.Unit
			}
		}
		for _, t := range req.Trades {
			r.Items = append(r.Items, fmt.Sprintf("%s 向 %s 购买 %s %s（%s）", t.Buyer, t.Seller, t.Quantity, unit, t.Date))
		}
	}
	return r
}

// partyLabel names a party with its district: 渝中区（500103）, or
// 市级财政（重庆市 500000）when the name is not the district's.
func partyLabel(name, code string, names map[string]string) string {
	dn := names[code]
	switch {
	case dn == name:
		return name + "（" + code + "）"
	case dn != "":
		return name + "（" + dn + " " + code + "）"
	}
	return name + "（" + code + "）"
}

func sortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// resultBlank reports whether a period row has no result: no class, no
// comparison, no index, no verdict.
func resultBlank(vals url.Values, row string) bool {
	for _, k := range []string{"class", "compare_class", "index", "meets_target"} {
		if strings.TrimSpace(vals.Get(row+k)) != "" {
			return false
		}
	}
	return true
}

// sectionBlank reports whether a section was left empty: nothing typed
// but, perhaps, the months filled in advance.
func sectionBlank(vals url.Values, sec string) bool {
	for k, v := range vals {
		if !strings.HasPrefix(k, sec) && !strings.HasPrefix(k, "code."+sec) || strings.TrimSpace(strings.Join(v, "")) == "" {
			continue
		}
		if strings.HasSuffix(k, ".period") {
			continue
		}
		return false
	}
	return true
}

// blank reports whether every input under a prefix is empty.
func blank(vals url.Values, prefix string) bool {
	for k, v := range vals {
		if (strings.HasPrefix(k, prefix) || strings.HasPrefix(k, "code."+prefix)) && strings.TrimSpace(strings.Join(v, "")) != "" {
			return false
		}
	}
	return true
}

var quoted = regexp.MustCompile(`"([^"]+)"|「([^」]+)」|\["([^"]+)"\]`)

// ecoInputOf finds the code input of the party an error names (by its
// path or message), searching the form's name inputs in order.
func ecoInputOf(vals url.Values, e *calc.FieldError, sc *ecoScheme) string {
	var names []string
	if rest, ok := strings.CutPrefix(e.Path, "parties."); ok {
		names = append(names, rest) // a plain key: parties.渝中区
	}
	for _, m := range quoted.FindAllStringSubmatch(e.Path+" "+e.Message, -1) {
		names = append(names, m[1]+m[2]+m[3])
	}
	var inputs []string
	if sc != nil && sc.Quota() {
		for i := 0; i < formCount(vals, "ntrade", ecoTradesDefault, ecoTradesMax); i++ {
			p := "settlement.trades[" + strconv.Itoa(i) + "]."
			inputs = append(inputs, p+"buyer", p+"seller")
		}
	} else {
		for i := 0; i < formCount(vals, "nsec", ecoSectionsDefault, ecoSectionsMax); i++ {
			p := "settlement.sections[" + strconv.Itoa(i) + "]."
			inputs = append(inputs, p+"upstream", p+"downstream")
		}
	}
	for _, n := range names {
		for _, in := range inputs {
			if strings.TrimSpace(vals.Get(in)) == n {
				return "code." + in
			}
		}
	}
	return ""
}

// ecoExplain says in plain words what is wrong with a settlement input.
func ecoExplain(e *calc.FieldError, x *web.Explained, sc *ecoScheme) {
	field := e.Path
	if i := strings.LastIndex(field, "."); i >= 0 {
		field = field[i+1:]
	}
	switch e.Code {
	case "unknown_region":
		x.Text = "区划代码不在国家统计局的区划代码表中，请从提示中选择。"
	case "missing_party":
		x.Text = "请填写这一方所在区县的区划代码（6 位数字）。"
	case "unknown_party":
		x.Text = "这一方不在任何断面或交易中。"
	case "unknown_scheme":
		x.Text = "请先选择补偿方案。"
	case "unknown_water_class":
		x.Text = "水质类别应为 I、II、III、IV、V 或劣V 类，请从列表中选择。"
	case "year_out_of_range":
		x.Text = fmt.Sprintf("预算只编制 %d 年（环境保护税开征）至今后五年的年度。", budget.MinYear)
	case "same_party":
		x.Text = "两方不能是同一个区县（名称相同）。"
	case "duplicate_section":
		x.Text = "这个断面名称已经填过一次。"
	case "duplicate_period":
		x.Text = "这一期已经填过一次。"
	case "period_outside_year":
		x.Text = "不在结算年度内。"
	case "conflicting_fields":
		x.Text = "指数和“是否达标”只填一项。"
	case "not_applicable":
		x.Text = "所选方案不考核这一项，请留空。"
	case "empty_settlement":
		if sc != nil && sc.Quota() {
			x.Text = "请至少填写一笔指标交易。"
		} else {
			x.Text = "请至少填写一个断面及其考核结果。"
		}
	case "parameter_not_found":
		if field == "date" {
			x.Text = "该日期没有适用的指标价格，请填写约定价格。"
		} else {
			x.Text = "所选方案在这一期没有适用的补偿规则（不在方案执行期内）。"
		}
	case "required":
		switch field {
		case "id":
			x.Text = "请填写断面名称。"
		case "upstream", "downstream", "buyer", "seller":
			x.Text = "请填写名称（区县名称，或“市级财政”）。"
		case "class":
			x.Text = "请选择本期水质类别。"
		case "target_class":
			x.Text = "请选择这个断面的水质目标类别。"
		case "index":
			x.Text = "请填写指数，或选择公布的“是否达标”。"
		case "period":
			x.Text = "请填写期间。"
		case "year":
			x.Text = "请填写年度。"
		case "date":
			x.Text = "请填写交易日期。"
		case "quantity":
			x.Text = "请填写交易量。"
		case "periods":
			x.Text = "请至少填写一期考核结果。"
		}
	case "invalid_value", "invalid_number", "invalid_type":
		switch field {
		case "period":
			if sc != nil && sc.Period == ecocomp.PeriodMonth {
				x.Text = "月份应写成 2024-01 这样的格式。"
			} else {
				x.Text = "年度应写成 2024 这样的四位数。"
			}
		case "year":
			x.Text = "年度应写成 2024 这样的四位数。"
		case "date":
			x.Text = "日期应写成 2024-03-15 这样的格式。"
		case "quantity":
			x.Text = "交易量应为大于 0 的数字。"
		case "price":
			x.Text = "约定价格应为大于 0 的数字（元）。"
		case "index":
			x.Text = "指数应为不小于 0 的数字。"
		}
	}
}

func (s *Server) webRecordEcoSettlement(c echo.Context) error {
	p, err := allowed(c, filing.ActEcoSettlementRecord)
	if err != nil {
		return s.webError(c, err)
	}
	vals, _ := c.FormParams()
	var sc *ecoScheme
	for _, x := range s.ecoSchemes() {
		if x.ID == vals.Get("settlement.scheme") {
			sc = &x
		}
	}
	// Adding a section or a trade row is not a submission: the form comes
	// back one row longer, every entry kept.
	switch vals.Get("_op") {
	case "addsec":
		vals.Set("nsec", strconv.Itoa(formCount(vals, "nsec", ecoSectionsDefault, ecoSectionsMax)+1))
		return s.renderEco(c, http.StatusOK, &ecoPage{Vals: vals})
	case "addtrade":
		vals.Set("ntrade", strconv.Itoa(formCount(vals, "ntrade", ecoTradesDefault, ecoTradesMax)+1))
		return s.renderEco(c, http.StatusOK, &ecoPage{Vals: vals})
	}
	in, by, read := ecoInput(vals, sc)
	pg := &ecoPage{Vals: vals, By: by}
	// A number the form could not read is left out and said beside its
	// input; the rest is still checked, so every error shows in one pass.
	{
		rec, err := budget.CheckEcoSettlementAfter(in, read, s.app.BudgetCalculators(), s.app.BudgetLimits())
		if err == nil && len(by) == 0 {
			if _, err = s.app.RecordEcoSettlement(ctx(c), p, app.Idem{}, rec); err == nil {
				return c.Redirect(http.StatusSeeOther, "/app/budget/eco-settlements?done=saved&scheme="+url.QueryEscape(vals.Get("settlement.scheme")))
			}
		}
		fix := func(e *calc.FieldError, x *web.Explained) {
			if strings.HasPrefix(e.Path, "parties") {
				if in := ecoInputOf(vals, e, sc); in != "" {
					e.Path = in
				}
			}
			if e.Code == "outside_region" {
				x.Text = "至少一方应在本辖区内。"
			}
			ecoExplain(e, x, sc)
			if e.Code == "empty_settlement" || e.Path == "settlement.sections" || e.Path == "settlement.trades" {
				if sc != nil && sc.Quota() {
					e.Path = "settlement.trades[0].buyer"
				} else {
					e.Path = "settlement.sections[0].id"
				}
			}
			if strings.HasSuffix(e.Path, ".periods") {
				e.Path += "[0].period"
			}
		}
		if err := placeErrors(err, vals, pg.By, &pg.Top, fix, func(path string) bool {
			return strings.HasPrefix(path, "settlement.") || strings.HasPrefix(path, "code.")
		}); err != nil {
			return s.webError(c, err)
		}
	}
	return s.renderEco(c, http.StatusBadRequest, pg)
}

// webConfirmEcoSettlement confirms, for the viewer's region, a settlement
// another region's bureau recorded (app.ConfirmEcoSettlement).
func (s *Server) webConfirmEcoSettlement(c echo.Context) error {
	p, err := allowed(c, filing.ActEcoSettlementRecord)
	if err != nil {
		return s.webError(c, err)
	}
	id, err := pathID(c, "id")
	if err != nil {
		return s.webError(c, err)
	}
	if _, err := s.app.ConfirmEcoSettlement(ctx(c), p, id); err != nil {
		return s.webError(c, err)
	}
	return c.Redirect(http.StatusSeeOther, "/app/budget/eco-settlements?done=confirmed")
}

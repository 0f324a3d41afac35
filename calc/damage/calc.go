package damage

import (
	"fmt"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/ecotax/ecotax/calc"
	"github.com/ecotax/ecotax/calc/explain"
	"github.com/ecotax/ecotax/calc/param"
)

// Result is a quantified claim. Total is the sum of the line amounts, and
// each category total the sum of its lines.
type Result struct {
	Case         string          `json:"case,omitempty"`
	Date         string          `json:"date"`
	ParameterSet SetInfo         `json:"parameter_set"`
	Lines        []Line          `json:"lines"`
	Categories   []CategoryTotal `json:"categories"`
	Total        param.Money     `json:"total"`
	Currency     string          `json:"currency"`
	Unverified   bool            `json:"unverified"` // some figure used is not verified
	Parameters   []ParamUse      `json:"parameters"`
	Warnings     []Warning       `json:"warnings"`
	Trace        []Step          `json:"trace"`
}

// SetInfo describes a parameter set, in results and in listings.
type SetInfo struct {
	ID            string `json:"id"`
	Method        Method `json:"method"`
	Title         string `json:"title"`
	Note          string `json:"note,omitempty"`
	EffectiveFrom string `json:"effective_from"`
	EffectiveTo   string `json:"effective_to,omitempty"`
	Source        string `json:"source"`
	Confidence    string `json:"confidence"`
	Verified      bool   `json:"verified"`
	Where         string `json:"where"`
}

// Info describes the set.
func (s *ParamSet) Info() SetInfo {
	return SetInfo{ID: s.ID, Method: s.Method, Title: s.Title, Note: s.Note,
		EffectiveFrom: s.From.String(), EffectiveTo: s.To.String(), Source: s.Source,
		Confidence: s.Confidence, Verified: s.Verified, Where: s.Where()}
}

// Line is one item of the claim.
type Line struct {
	Path            string           `json:"path"`
	ID              string           `json:"id,omitempty"`
	Description     string           `json:"description,omitempty"`
	Category        Category         `json:"category"`
	CategoryName    string           `json:"category_name"`
	Basis           string           `json:"basis"`
	Method          string           `json:"method"` // multiplier, gamma or stated
	Medium          string           `json:"medium,omitempty"`
	FunctionClass   string           `json:"function_class,omitempty"`
	Discharge       *decimal.Decimal `json:"discharge,omitempty"`
	DischargeUnit   string           `json:"discharge_unit,omitempty"`
	UnitCost        *decimal.Decimal `json:"unit_cost,omitempty"`
	VirtualCost     *param.Money     `json:"virtual_cost,omitempty"`
	Multiplier      *decimal.Decimal `json:"multiplier,omitempty"`
	MultiplierRange string           `json:"multiplier_range,omitempty"`
	Alpha           *decimal.Decimal `json:"alpha,omitempty"`
	Omega           *decimal.Decimal `json:"omega,omitempty"`
	Kappa           *decimal.Decimal `json:"kappa,omitempty"`
	Tau             *decimal.Decimal `json:"tau,omitempty"`
	Gamma           *decimal.Decimal `json:"gamma,omitempty"`
	Exact           param.Money      `json:"exact"`  // before rounding to 分 (written with every decimal)
	Amount          param.Money      `json:"amount"` // 元, 2 decimals
	Unverified      bool             `json:"unverified,omitempty"`
}

// CategoryTotal sums the lines of one category.
type CategoryTotal struct {
	Category Category    `json:"category"`
	Name     string      `json:"name"`
	Basis    string      `json:"basis"`
	Amount   param.Money `json:"amount"`
}

// Step, Warning and ParamUse are the explanation shared with calc/ecocomp.
type (
	Step     = explain.Step
	Warning  = explain.Warning
	ParamUse = explain.ParamUse
)

const (
	ruleRounding = "金额以元为单位保留两位小数（分），四舍五入；每行舍入一次，合计为各行之和"
	ruleSum      = "民法典 第一千二百三十五条：赔偿下列损失和费用"
)

// Calc quantifies a claim. On bad input it returns a *calc.Error naming
// every bad field and computes nothing.
func Calc(p *Params, req *Request) (*Result, error) {
	c := &calcRun{p: p, req: req}
	return c.run()
}

type calcRun struct {
	p    *Params
	req  *Request
	set  *ParamSet
	errs []calc.FieldError
	res  *Result
	used map[string]bool
}

func (c *calcRun) fail(path, code, format string, args ...any) {
	c.errs = append(c.errs, calc.FieldError{Path: path, Code: code, Message: fmt.Sprintf(format, args...)})
}

func (c *calcRun) step(path, rule, where, format string, args ...any) {
	c.res.Trace = append(c.res.Trace, Step{Path: path, Rule: rule, Where: where, Text: fmt.Sprintf(format, args...)})
}

func (c *calcRun) useParam(key, value, verification string, m param.Meta) {
	if c.used[key+"@"+m.Where()] {
		return
	}
	c.used[key+"@"+m.Where()] = true
	c.res.Parameters = append(c.res.Parameters, explain.Use(key, value, verification, m))
	if !m.Verified {
		c.res.Unverified = true
	}
}

func (c *calcRun) warn(code, path, format string, args ...any) {
	c.res.Warnings = append(c.res.Warnings, Warning{Code: code, Path: path, Message: fmt.Sprintf(format, args...)})
}

func (c *calcRun) run() (*Result, error) {
	req := c.req
	c.res = &Result{Case: req.Case, Date: req.Date.String(), Currency: "CNY",
		Parameters: []ParamUse{}, Warnings: []Warning{}, Trace: []Step{}, Lines: []Line{}}
	c.used = map[string]bool{}
	set, known := c.p.Set(req.ParamSet, req.Date)
	switch {
	case set != nil:
		c.set = set
	case known != nil:
		c.fail("date", "parameter_not_found", "parameter set %q is not in force on %s (%s)", req.ParamSet, req.Date, known.Range)
	default:
		c.fail("parameter_set", "unknown_parameter_set", "unknown parameter set %q; known: %s", req.ParamSet, strings.Join(c.setIDs(), ", "))
	}
	if len(req.VirtualCost) == 0 && len(req.Items) == 0 {
		c.fail("items", "empty_claim", "a claim needs at least one virtual_cost line or item")
	}
	if c.set != nil {
		c.res.ParameterSet = c.set.Info()
		c.step("", c.set.Source, c.set.Where(), "参数集 %s（%s），%s 有效", c.set.ID, c.set.Title, c.set.Range)
		if !c.set.Verified {
			c.res.Unverified = true
			c.warn("unverified_method", "parameter_set", "参数集 %s 未经核实（confidence=%s）：%s 结果仅供参考，不得作为定论", c.set.ID, c.set.Confidence, c.set.Note)
		}
		for i := range req.VirtualCost {
			c.virtualLine(&req.VirtualCost[i])
		}
	}
	for i := range req.Items {
		c.item(&req.Items[i])
	}
	if len(c.errs) > 0 {
		return nil, explain.Invalid(c.errs, titles)
	}
	c.totals()
	return c.res, nil
}

func (c *calcRun) setIDs() []string {
	var ids []string
	seen := map[string]bool{}
	for _, s := range c.p.Sets {
		if !seen[s.ID] {
			seen[s.ID] = true
			ids = append(ids, s.ID)
		}
	}
	return ids
}

func (c *calcRun) category(path string, cat Category) (CategoryInfo, bool) {
	ci, ok := categoryInfo(cat)
	if !ok {
		ids := make([]string, len(Categories))
		for i, x := range Categories {
			ids[i] = string(x.ID)
		}
		c.fail(path, "unknown_category", "unknown category %q; one of %s", cat, strings.Join(ids, ", "))
	}
	return ci, ok
}

func nonNegative(c *calcRun, path string, d decimal.NullDecimal) {
	if d.Valid && d.Decimal.IsNegative() {
		c.fail(path, "invalid_value", "%s is negative", d.Decimal)
	}
}

func ptr(d decimal.Decimal) *decimal.Decimal { return &d }

// virtualLine values one discharge: virtual cost, then the set's factor.
func (c *calcRun) virtualLine(l *VirtualCostLine) {
	nerr := len(c.errs)
	ci, _ := c.category(l.Path+".category", l.Category)
	nonNegative(c, l.Path+".discharge", l.Discharge)
	nonNegative(c, l.Path+".unit_cost", l.UnitCost)
	nonNegative(c, l.Path+".virtual_cost", l.VirtualCost)
	direct := l.VirtualCost.Valid
	switch {
	case direct && (l.Discharge.Valid || l.UnitCost.Valid):
		c.fail(l.Path+".virtual_cost", "conflicting_fields", "give either virtual_cost or discharge and unit_cost, not both")
	case !direct && !l.Discharge.Valid:
		c.fail(l.Path+".discharge", "required", "required (or give virtual_cost as the assessor stated it)")
	case !direct && !l.UnitCost.Valid:
		c.fail(l.Path+".unit_cost", "required", "required (or give virtual_cost as the assessor stated it)")
	}
	if l.DischargeUnit != "" && l.DischargeUnit != "t" && l.DischargeUnit != "m3" {
		c.fail(l.Path+".discharge_unit", "invalid_value", "%q is not t or m3", l.DischargeUnit)
	}
	line := Line{Path: l.Path, ID: l.ID, Description: l.Description, Category: l.Category,
		CategoryName: ci.Name, Basis: ci.Basis, Method: string(c.set.Method),
		Medium: l.Medium, FunctionClass: l.FunctionClass}
	var factor decimal.Decimal
	var factorSteps []func()
	switch c.set.Method {
	case MethodMultiplier:
		for _, f := range []struct {
			name string
			v    decimal.NullDecimal
		}{{"alpha", l.Alpha}, {"omega", l.Omega}, {"kappa", l.Kappa}} {
			if f.v.Valid {
				c.fail(l.Path+"."+f.name, "not_applicable", "parameter set %s uses a multiplier, not the γ coefficients", c.set.ID)
			}
		}
		if l.FunctionClass == "" {
			c.fail(l.Path+".function_class", "required", "required: the multiplier range depends on the environmental function class")
		}
		if !l.Multiplier.Valid {
			c.fail(l.Path+".multiplier", "required", "required: choose a multiplier inside the range of the function class")
		}
		if l.FunctionClass == "" || !l.Multiplier.Valid {
			break
		}
		r := c.p.Multiplier(c.set.ID, l.Medium, l.FunctionClass, c.req.Date)
		m := l.Multiplier.Decimal
		switch {
		case r == nil:
			c.fail(l.Path+".function_class", "parameter_not_found", "no multiplier range for %s class %s in parameter set %s on %s; known: %s", l.Medium, l.FunctionClass, c.set.ID, c.req.Date, strings.Join(c.p.Classes(c.set.ID, c.req.Date), ", "))
		case !r.Known:
			c.fail(l.Path+".function_class", "multiplier_unconfirmed", "the multiplier range for %s class %s was never confirmed (%s, %s); no figure can be used", l.Medium, l.FunctionClass, r.Verification, r.Where())
		case !r.Allows(m):
			c.fail(l.Path+".multiplier", "multiplier_out_of_range", "multiplier %s is outside the range %s for %s class %s (%s, %s)", m, r.Text(), l.Medium, l.FunctionClass, r.Source, r.Where())
		default:
			factor = m
			line.Multiplier = ptr(m)
			line.MultiplierRange = r.Text()
			line.Unverified = !r.Verified
			factorSteps = append(factorSteps, func() {
				c.useParam("multiplier/"+l.Medium+"/"+l.FunctionClass, r.Text(), r.Verification, r.Meta)
				c.step(l.Path+".multiplier", r.Source, r.Where(), "%s %s 类环境功能区调整系数范围 %s，所选调整系数 %s 在范围内", MediumName(l.Medium), l.FunctionClass, r.Text(), m)
				if !r.Verified {
					c.warn("unverified_parameter", l.Path+".multiplier", "%s %s 类的调整系数范围 %s 未经核实（%s, %s）", MediumName(l.Medium), l.FunctionClass, r.Text(), r.Verification, r.Where())
				}
			})
		}
	case MethodGamma:
		if l.Multiplier.Valid {
			c.fail(l.Path+".multiplier", "not_applicable", "parameter set %s computes γ = α × τ × ω; give alpha, omega and kappa instead of a multiplier", c.set.ID)
		}
		alpha := c.rangeCoef(l, CoefAlpha, "alpha", l.Alpha)
		omega := c.rangeCoef(l, CoefOmega, "omega", l.Omega)
		if !l.Kappa.Valid {
			c.fail(l.Path+".kappa", "required", "required: the maximum exceedance multiple κ = (Z − B) / B")
		}
		var tau *Coefficient
		if l.Kappa.Valid {
			if tau = c.p.Tau(c.set.ID, l.Medium, l.Kappa.Decimal, c.req.Date); tau == nil {
				c.fail(l.Path+".kappa", "parameter_not_found", "no τ band for κ = %s (%s) in parameter set %s on %s", l.Kappa.Decimal, l.Medium, c.set.ID, c.req.Date)
			}
		}
		if alpha == nil || omega == nil || tau == nil {
			break
		}
		gamma := l.Alpha.Decimal.Mul(tau.Low).Mul(l.Omega.Decimal)
		factor = gamma
		line.Alpha, line.Omega, line.Kappa = ptr(l.Alpha.Decimal), ptr(l.Omega.Decimal), ptr(l.Kappa.Decimal)
		line.Tau, line.Gamma = ptr(tau.Low), ptr(gamma)
		line.Unverified = true
		factorSteps = append(factorSteps, func() {
			for _, co := range []*Coefficient{alpha, omega, tau} {
				c.useParam(co.Name+"/"+co.Medium, coefText(co), co.Verification, co.Meta)
			}
			c.step(l.Path+".alpha", alpha.Source, alpha.Where(), "危害系数 α = %s，在 %s–%s 之内", l.Alpha.Decimal, alpha.Low, alpha.High)
			c.step(l.Path+".omega", omega.Source, omega.Where(), "环境功能系数 ω = %s，在 %s–%s 之内", l.Omega.Decimal, omega.Low, omega.High)
			c.step(l.Path+".kappa", tau.Source, tau.Where(), "最大超标倍数 κ = %s 落在 %s，超标系数 τ = %s", l.Kappa.Decimal, coefText(tau), tau.Low)
			c.step(l.Path, c.set.Source, c.set.Where(), "调整系数 γ = α × τ × ω = %s × %s × %s = %s", l.Alpha.Decimal, tau.Low, l.Omega.Decimal, gamma)
		})
	}
	if len(c.errs) > nerr {
		return
	}
	var virtual decimal.Decimal
	if direct {
		virtual = l.VirtualCost.Decimal
		c.step(l.Path+".virtual_cost", c.set.Source, "", "虚拟治理成本按鉴定评估意见为 %s 元", virtual)
	} else {
		virtual = l.Discharge.Decimal.Mul(l.UnitCost.Decimal)
		line.Discharge, line.UnitCost, line.DischargeUnit = ptr(l.Discharge.Decimal), ptr(l.UnitCost.Decimal), l.DischargeUnit
		c.step(l.Path+".virtual_cost", c.set.Source, "", "虚拟治理成本 = 排放量 × 单位治理成本 = %s %s × %s 元 = %s 元", l.Discharge.Decimal, unitName(l.DischargeUnit), l.UnitCost.Decimal, virtual)
	}
	line.VirtualCost = param.MoneyPtr(virtual)
	for _, f := range factorSteps {
		f()
	}
	exact := virtual.Mul(factor)
	line.Exact = param.MoneyOf(exact)
	line.Amount = param.MoneyOf(exact.Round(2))
	c.step(l.Path, c.set.Source, "", "损害数额 = 虚拟治理成本 × 调整系数 = %s × %s = %s 元", virtual, factor, exact)
	c.rounding(l.Path, exact, line.Amount.Decimal)
	c.step(l.Path+".category", ci.Basis, "", "计入“%s”", ci.Name)
	c.res.Lines = append(c.res.Lines, line)
}

// rangeCoef checks a chosen α or ω against its range.
func (c *calcRun) rangeCoef(l *VirtualCostLine, name, field string, v decimal.NullDecimal) *Coefficient {
	path := l.Path + "." + field
	if !v.Valid {
		c.fail(path, "required", "required: parameter set %s needs %s", c.set.ID, field)
		return nil
	}
	co := c.p.Coef(c.set.ID, l.Medium, name, c.req.Date)
	if co == nil {
		c.fail(l.Path+".medium", "parameter_not_found", "no %s range for medium %q in parameter set %s on %s", field, l.Medium, c.set.ID, c.req.Date)
		return nil
	}
	if v.Decimal.LessThan(co.Low) || v.Decimal.GreaterThan(co.High) {
		c.fail(path, "coefficient_out_of_range", "%s %s is outside the range %s–%s (%s, %s)", field, v.Decimal, co.Low, co.High, co.Source, co.Where())
		return nil
	}
	return co
}

func coefText(c *Coefficient) string {
	if c.Name != CoefTau {
		return c.Low.String() + "–" + c.High.String()
	}
	lo, hi := c.band()
	return fmt.Sprintf("κ ∈ (%s, %s] → τ = %s", lo, hi, c.Low)
}

func (c *calcRun) rounding(path string, exact, rounded decimal.Decimal) {
	if !exact.Equal(rounded) {
		c.step(path, ruleRounding, "", "%s 元四舍五入到分为 %s 元", exact, rounded.StringFixed(2))
	}
}

func (c *calcRun) item(it *Item) {
	nerr := len(c.errs)
	ci, _ := c.category(it.Path+".category", it.Category)
	if it.Amount.IsNegative() {
		c.fail(it.Path+".amount", "invalid_value", "%s is negative", it.Amount)
	}
	if it.Amount.Exponent() < -2 && !it.Amount.Equal(it.Amount.Round(2)) {
		c.fail(it.Path+".amount", "invalid_value", "%s has more than 2 decimals; amounts are in 元 to 分", it.Amount)
	}
	if len(c.errs) > nerr {
		return
	}
	c.res.Lines = append(c.res.Lines, Line{Path: it.Path, ID: it.ID, Description: it.Description,
		Category: it.Category, CategoryName: ci.Name, Basis: ci.Basis, Method: "stated",
		Exact: param.MoneyOf(it.Amount), Amount: param.MoneyOf(it.Amount.Round(2))})
	c.step(it.Path, ci.Basis, "", "按所列金额 %s 元计入“%s”", it.Amount.StringFixed(2), ci.Name)
}

func (c *calcRun) totals() {
	total := decimal.Zero
	for _, ci := range Categories {
		sum, n := decimal.Zero, 0
		for _, l := range c.res.Lines {
			if l.Category == ci.ID {
				sum = sum.Add(l.Amount.Decimal)
				n++
			}
		}
		if n == 0 {
			continue
		}
		c.res.Categories = append(c.res.Categories, CategoryTotal{Category: ci.ID, Name: ci.Name, Basis: ci.Basis, Amount: param.MoneyOf(sum)})
		c.step("", ci.Basis, "", "%s：%d 项，小计 %s 元", ci.Name, n, sum.StringFixed(2))
		total = total.Add(sum)
	}
	c.res.Total = param.MoneyOf(total)
	c.step("", ruleSum, "", "赔偿总额 = 各项之和 = %s 元", total.StringFixed(2))
	if c.res.Unverified {
		c.warn("unverified_result", "", "结果使用了未经核实的参数，仅供参考")
	}
}

// MediumName is the Chinese name of a medium.
func MediumName(m string) string {
	switch m {
	case "surface_water":
		return "地表水"
	case "ambient_air":
		return "环境空气"
	case "groundwater":
		return "地下水"
	case "soil":
		return "土壤"
	case "water":
		return "水"
	}
	return m
}

func unitName(u string) string {
	switch u {
	case "t":
		return "吨"
	case "m3":
		return "立方米"
	}
	return "单位"
}

package fees

import (
	"fmt"
	"sort"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/ecotax/ecotax/calc"
	"github.com/ecotax/ecotax/calc/explain"
	"github.com/ecotax/ecotax/calc/param"
)

// Request is one fee calculation.
type Request struct {
	Date     param.Date        // the day the fee is owed for; picks the schedule version
	Quantity decimal.Decimal   // billed quantity in the schedule's unit; never negative
	Inputs   map[string]string // other inputs by name, as text: plain decimals or choice words
	// PartialStep, when set to ceil or floor, replaces every step rule's own
	// partial-step rule: a what-if for sources that do not say (the result
	// warns that it is not the schedule's rule).
	PartialStep string
}

// Result is a computed fee with its explanation.
type Result struct {
	Schedule     ScheduleInfo    `json:"schedule"`
	Date         string          `json:"date"`
	Quantity     decimal.Decimal `json:"quantity"`
	QuantityUnit string          `json:"quantity_unit"`
	Inputs       []InputUse      `json:"inputs"`
	Lines        []Line          `json:"lines"`
	Total        param.Money     `json:"total"`
	Currency     string          `json:"currency"`
	// Verified is false when any figure the result used is not verified.
	Verified bool      `json:"verified"`
	Warnings []Warning `json:"warnings"`
	Trace    []Step    `json:"trace"`
}

// ScheduleInfo identifies the schedule version used.
type ScheduleInfo struct {
	ID            string `json:"id"`
	Version       string `json:"version"`
	Title         string `json:"title"`
	FeeKind       string `json:"fee_kind"`
	Region        string `json:"region"`
	EffectiveFrom string `json:"effective_from"`
	EffectiveTo   string `json:"effective_to"`
	Source        string `json:"source"`
	Confidence    string `json:"confidence"`
	Verified      bool   `json:"verified"` // the schedule and all its figures
	Origin        string `json:"origin"`
}

// Info describes a schedule version for listings and results.
func (s *Schedule) Info() ScheduleInfo {
	return ScheduleInfo{
		ID: s.ID, Version: s.Version, Title: s.Title, FeeKind: s.FeeKind, Region: s.Region,
		EffectiveFrom: s.Meta.From.String(), EffectiveTo: s.Meta.To.String(),
		Source: s.Meta.Source, Confidence: s.Meta.Confidence, Verified: s.Verified(), Origin: s.Origin,
	}
}

// InputUse is one input as the calculation used it.
type InputUse struct {
	Name      string `json:"name"`
	Label     string `json:"label"`
	Value     string `json:"value"`
	Unit      string `json:"unit,omitempty"`
	Defaulted bool   `json:"defaulted"` // the request omitted it; the schedule's default was used
}

// Line is one part of the bill. For a charging part Amount is its amount
// before modifiers; for a modifier it is the change it made. The lines add
// up to Total (before any rounding the schedule orders).
type Line struct {
	Part         string              `json:"part"`
	Label        string              `json:"label"`
	Kind         Kind                `json:"kind"`
	Measure      string              `json:"measure,omitempty"`
	MeasureValue decimal.NullDecimal `json:"measure_value,omitzero"`
	Tier         string              `json:"tier,omitempty"` // the tier the measure falls in
	Tiers        []TierUse           `json:"tiers,omitempty"`
	Steps        decimal.NullDecimal `json:"steps,omitzero"`
	UnitPrice    decimal.NullDecimal `json:"unit_price,omitzero"` // CNY per quantity unit
	Factor       decimal.NullDecimal `json:"factor,omitzero"`     // modifiers: what the targets were multiplied by
	Applied      bool                `json:"applied"`             // modifiers: whether the condition held
	Amount       param.Money         `json:"amount"`
	Verified     bool                `json:"verified"`
	Where        string              `json:"where,omitempty"`
}

// TierUse is the share of the quantity billed in one tier of a block
// tariff.
type TierUse struct {
	Tier    string          `json:"tier"`
	Portion decimal.Decimal `json:"portion"`
	Price   decimal.Decimal `json:"price"`
	Amount  param.Money     `json:"amount"`
	Where   string          `json:"where,omitempty"`
}

// Warning is the project's one warning (calc/explain); Where names the
// clause or row it comes from.
type Warning = explain.Warning

// Step is one line of the explanation, citing the clause and source of
// the figure it used.
type Step struct {
	Part     string `json:"part,omitempty"`
	Text     string `json:"text"`
	Rule     string `json:"rule,omitempty"`
	Source   string `json:"source,omitempty"`
	Where    string `json:"where,omitempty"`
	Verified bool   `json:"verified"`
}

// value is an input's value: a number, or a choice word.
type value struct {
	num   decimal.Decimal
	word  string
	isNum bool
}

func (v value) String() string {
	if v.isNum {
		return v.num.String()
	}
	return v.word
}

var errTitles = map[string]string{
	"negative_value":        "数值不能为负",
	"unknown_input":         "未知的输入项",
	"required":              "缺少必填项",
	"invalid_number":        "数值无效",
	"invalid_value":         "取值无效",
	"schedule_not_in_force": "收费标准在该日期不适用",
	"unknown_schedule":      "未知的收费标准",
	"invalid_request":       "请求有误",
}

// Calculate computes the fee of one request under a schedule that has
// passed Validate. Any input fault returns a *calc.Error naming each bad
// field, and no result.
func Calculate(s *Schedule, req Request) (*Result, error) {
	var errs []calc.FieldError
	if req.Date == 0 {
		errs = append(errs, calc.FieldError{Path: "date", Code: "required", Message: "the date the fee is owed for is required"})
	} else if !s.Meta.Range.Contains(req.Date) {
		return nil, &calc.Error{Kind: calc.KindInvalid, Code: "schedule_not_in_force", Title: errTitles["schedule_not_in_force"],
			Detail: fmt.Sprintf("schedule %s is valid %s, not on %s", s.Key(), s.Meta.Range, req.Date),
			Errors: []calc.FieldError{{Path: "date", Code: "schedule_not_in_force", Message: fmt.Sprintf("%s is outside %s (%s)", req.Date, s.Meta.Range, s.Key())}}}
	}
	if req.Quantity.Sign() < 0 {
		errs = append(errs, calc.FieldError{Path: "quantity", Code: "negative_value", Message: fmt.Sprintf("quantity %s is negative", req.Quantity)})
	}
	if req.PartialStep != "" && req.PartialStep != Ceil && req.PartialStep != Floor {
		errs = append(errs, calc.FieldError{Path: "partial_step", Code: "invalid_value", Message: fmt.Sprintf("%q is not %s or %s", req.PartialStep, Ceil, Floor)})
	}
	vals, uses, ierrs := resolveInputs(s, req.Inputs)
	errs = append(errs, ierrs...)
	if len(errs) == 0 {
		errs = checkScales(s, vals)
	}
	if len(errs) > 0 {
		return nil, explain.Invalid(errs, errTitles)
	}
	vals[Quantity] = value{num: req.Quantity, isNum: true}

	c := &calculation{s: s, req: req, vals: vals, amounts: map[string]decimal.Decimal{}, used: map[*Rate]bool{}}
	res := &Result{
		Schedule: s.Info(), Date: req.Date.String(), Quantity: req.Quantity, QuantityUnit: s.QuantityUnit,
		Inputs: uses, Currency: "CNY",
	}
	c.res = res
	c.trace("", fmt.Sprintf("收费标准：%s（%s），%s，适用期 %s；计费日期 %s；计费量 %s %s",
		s.Title, s.Key(), s.Region, s.Meta.Range, req.Date, req.Quantity, s.QuantityUnit), "", s.Meta.Source, s.Origin, s.Meta.Verified)
	for _, u := range uses {
		if u.Defaulted {
			c.warn("input_defaulted", fmt.Sprintf("未提供输入项 %s（%s），按收费标准的默认值 %s 计算", u.Name, u.Label, u.Value), "")
			c.trace("", fmt.Sprintf("输入项 %s（%s）未提供，采用默认值 %s %s", u.Name, u.Label, u.Value, u.Unit), "", "", "", true)
		}
	}
	if req.PartialStep != "" {
		c.warn("partial_step_override", fmt.Sprintf("按请求把所有“步进”规则的不足一步处理改为 %s；这不是收费标准本身的规定，结果仅供比较", req.PartialStep), "")
	}
	for i := range s.Parts {
		p := &s.Parts[i]
		if p.Kind.IsModifier() {
			continue
		}
		line, err := c.charge(p)
		if err != nil {
			return nil, err
		}
		c.amounts[p.Name] = line.Amount.Decimal
		res.Lines = append(res.Lines, line)
	}
	for i := range s.Parts {
		p := &s.Parts[i]
		if !p.Kind.IsModifier() {
			continue
		}
		res.Lines = append(res.Lines, c.modify(p))
	}
	total := decimal.Zero
	for _, l := range res.Lines {
		total = total.Add(l.Amount.Decimal)
	}
	c.trace("", fmt.Sprintf("合计 = %s 元", total), "", "", "", true)
	if r := s.Rounding; r != nil {
		rounded := total.Round(r.Places) // amounts are never negative: half away from zero is half up
		c.trace("", fmt.Sprintf("按规定四舍五入到 %d 位小数：%s → %s 元", r.Places, total, rounded), r.Rule, s.Meta.Source, r.Where, s.Meta.Verified)
		total = rounded
	}
	res.Total = param.MoneyOf(total)

	// Warnings about provenance, in schedule order.
	res.Verified = s.Meta.Verified
	if !s.Meta.Verified {
		c.warn("unverified_schedule", fmt.Sprintf("收费标准 %s 的来源未经核实（可信度 %s）：%s", s.Key(), s.Meta.Confidence, s.Meta.Source), s.Origin)
	}
	for i := range s.Parts {
		for j := range s.Parts[i].Rates {
			r := &s.Parts[i].Rates[j]
			if c.used[r] && !r.Meta.Verified {
				res.Verified = false
				c.warn("unverified_figure", fmt.Sprintf("%s（%s）所用数据未经核实（可信度 %s）：%s；来源 %s", s.Parts[i].Label, s.Parts[i].Name, r.Meta.Confidence, r.Rule, r.Meta.Source), r.Where())
			}
		}
	}
	for _, cv := range s.Caveats {
		c.warn("caveat", cv, s.Origin)
	}
	return res, nil
}

// resolveInputs reads every input of the request against the schedule's
// declarations: unknown names, missing required inputs, non-numbers,
// negative numbers, values above max and unknown choices are errors.
func resolveInputs(s *Schedule, raw map[string]string) (map[string]value, []InputUse, []calc.FieldError) {
	var errs []calc.FieldError
	names := make([]string, 0, len(raw))
	for n := range raw {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if s.Input(n) == nil {
			declared := make([]string, len(s.Inputs))
			for i, in := range s.Inputs {
				declared[i] = in.Name
			}
			takes := "no inputs"
			if len(declared) > 0 {
				takes = "inputs " + strings.Join(declared, ", ")
			}
			errs = append(errs, calc.FieldError{Path: "inputs." + n, Code: "unknown_input", Message: fmt.Sprintf("schedule %s has no input %q; it takes %s", s.Key(), n, takes)})
		}
	}
	vals := map[string]value{}
	var uses []InputUse
	for _, in := range s.Inputs {
		path := "inputs." + in.Name
		text, given := raw[in.Name]
		if !given {
			if in.Default == "" {
				errs = append(errs, calc.FieldError{Path: path, Code: "required", Message: fmt.Sprintf("input %s (%s) is required", in.Name, in.Label)})
				continue
			}
			text = in.Default
		}
		switch in.Type {
		case Number:
			d, err := ParseNonNegative(text)
			if err != nil {
				if n, err2 := ParseSigned(text); err2 == nil && n.Sign() < 0 {
					errs = append(errs, calc.FieldError{Path: path, Code: "negative_value", Message: fmt.Sprintf("%s is negative", text)})
				} else {
					errs = append(errs, calc.FieldError{Path: path, Code: "invalid_number", Message: err.Error()})
				}
				continue
			}
			if in.Max.Valid && d.GreaterThan(in.Max.Decimal) {
				errs = append(errs, calc.FieldError{Path: path, Code: "invalid_value", Message: fmt.Sprintf("%s is above the maximum %s %s", d, in.Max.Decimal, in.Unit)})
				continue
			}
			vals[in.Name] = value{num: d, isNum: true}
		case Choice:
			if !contains(in.Choices, text) {
				errs = append(errs, calc.FieldError{Path: path, Code: "invalid_value", Message: fmt.Sprintf("%q is not one of %s", text, strings.Join(in.Choices, ", "))})
				continue
			}
			vals[in.Name] = value{word: text}
		}
		uses = append(uses, InputUse{Name: in.Name, Label: in.Label, Value: text, Unit: in.Unit, Defaulted: !given})
	}
	return vals, uses, errs
}

// checkScales rejects a zero scale: tier bounds that are multiples of 0
// would collapse and the tiers would no longer partition the measure.
func checkScales(s *Schedule, vals map[string]value) []calc.FieldError {
	var errs []calc.FieldError
	seen := map[string]bool{}
	for _, p := range s.Parts {
		if p.Scale == "" || seen[p.Scale] {
			continue
		}
		seen[p.Scale] = true
		if v, ok := vals[p.Scale]; ok && v.num.Sign() <= 0 {
			errs = append(errs, calc.FieldError{Path: "inputs." + p.Scale, Code: "invalid_value", Message: fmt.Sprintf("%s must be above 0: the tiers of %s are multiples of it", p.Scale, p.Name)})
		}
	}
	return errs
}

type calculation struct {
	s       *Schedule
	req     Request
	vals    map[string]value
	amounts map[string]decimal.Decimal
	used    map[*Rate]bool
	res     *Result
}

func (c *calculation) trace(part, text, rule, source, where string, verified bool) {
	c.res.Trace = append(c.res.Trace, Step{Part: part, Text: text, Rule: rule, Source: source, Where: where, Verified: verified})
}

func (c *calculation) traceRate(p *Part, r *Rate, text string) {
	c.used[r] = true
	c.trace(p.Name, text, r.Rule, r.Meta.Source, r.Where(), r.Meta.Verified)
}

func (c *calculation) warn(code, msg, where string) {
	c.res.Warnings = append(c.res.Warnings, Warning{Code: code, Message: msg, Where: where})
}

// pick returns the one rate whose condition holds. Validate guarantees
// exactly one for charging parts.
func (c *calculation) pick(p *Part) (*Rate, error) {
	for i := range p.Rates {
		if matches(p.Rates[i].When, c.vals) {
			return &p.Rates[i], nil
		}
	}
	return nil, &calc.Error{Kind: calc.KindInternal, Code: "invalid_schedule", Title: "收费标准无效",
		Detail: fmt.Sprintf("schedule %s part %s: no rate applies (schedule not validated?)", c.s.Key(), p.Name)}
}

// price is a rate's price per unit: its own, or factor × an input.
func (c *calculation) price(r *Rate) (decimal.Decimal, string) {
	if r.Price.Valid {
		return r.Price.Decimal, r.Price.Decimal.String()
	}
	base := c.vals[r.PriceOf].num
	p := r.Factor.Decimal.Mul(base)
	return p, fmt.Sprintf("%s × %s（%s）= %s", r.Factor.Decimal, base, r.PriceOf, p)
}

func (c *calculation) measure(p *Part) decimal.Decimal { return c.vals[p.measure()].num }

func (c *calculation) scale(p *Part) decimal.Decimal {
	if p.Scale == "" {
		return decimal.NewFromInt(1)
	}
	return c.vals[p.Scale].num
}

func scaled(b Bound, f decimal.Decimal) Bound {
	if !b.Set {
		return b
	}
	return Bound{Set: true, Value: b.Value.Mul(f), Inclusive: b.Inclusive}
}

func (c *calculation) unit() string { return "元/" + c.s.QuantityUnit }

func (c *calculation) charge(p *Part) (Line, error) {
	q := c.req.Quantity
	line := Line{Part: p.Name, Label: p.Label, Kind: p.Kind, Applied: true, Verified: true}
	switch p.Kind {
	case KindFixed:
		r, err := c.pick(p)
		if err != nil {
			return line, err
		}
		line.Amount = param.MoneyOf(r.Price.Decimal)
		line.Verified, line.Where = r.Meta.Verified, r.Where()
		c.traceRate(p, r, fmt.Sprintf("%s：固定金额 %s 元%s", p.Label, r.Price.Decimal, whenText(r)))
	case KindPerUnit:
		r, err := c.pick(p)
		if err != nil {
			return line, err
		}
		price, how := c.price(r)
		line.UnitPrice = decimal.NewNullDecimal(price)
		line.Amount = param.MoneyOf(price.Mul(q))
		line.Verified, line.Where = r.Meta.Verified, r.Where()
		c.traceRate(p, r, fmt.Sprintf("%s：%s × 单价 %s %s = %s 元%s", p.Label, q, how, c.unit(), line.Amount, whenText(r)))
	case KindBlock:
		f := c.scale(p)
		line.Measure, line.MeasureValue = Quantity, decimal.NewNullDecimal(q)
		for i := range p.Rates {
			r := &p.Rates[i]
			lo, hi := scaled(r.Lower, f), scaled(r.Upper, f)
			iv := Interval(lo, hi, "")
			if Contains(lo, hi, q) {
				line.Tier = iv
				c.used[r] = true
				c.trace(p.Name, fmt.Sprintf("%s：计费量 %s 落在第 %d 档 %s%s", p.Label, q, i+1, Interval(r.Lower, r.Upper, p.Scale), scaleText(p, f)), r.Rule, r.Meta.Source, r.Where(), r.Meta.Verified)
			}
			top := q
			if hi.Set && hi.Value.LessThan(q) {
				top = hi.Value
			}
			portion := top.Sub(lo.Value)
			if portion.Sign() <= 0 {
				continue
			}
			price, how := c.price(r)
			amt := portion.Mul(price)
			line.Tiers = append(line.Tiers, TierUse{Tier: iv, Portion: portion, Price: price, Amount: param.MoneyOf(amt), Where: r.Where()})
			line.Amount.Decimal = line.Amount.Add(amt)
			line.Verified = line.Verified && r.Meta.Verified
			c.traceRate(p, r, fmt.Sprintf("%s 第 %d 档 %s：%s × %s %s = %s 元", p.Label, i+1, iv, portion, how, c.unit(), amt))
		}
		c.trace(p.Name, fmt.Sprintf("%s 小计 %s 元", p.Label, line.Amount), "", "", "", line.Verified)
	case KindBand:
		f := c.scale(p)
		m := c.measure(p)
		line.Measure, line.MeasureValue = p.measure(), decimal.NewNullDecimal(m)
		var r *Rate
		for i := range p.Rates {
			lo, hi := scaled(p.Rates[i].Lower, f), scaled(p.Rates[i].Upper, f)
			if Contains(lo, hi, m) {
				r = &p.Rates[i]
				line.Tier = Interval(lo, hi, "")
				price, how := c.price(r)
				line.UnitPrice = decimal.NewNullDecimal(price)
				line.Amount = param.MoneyOf(price.Mul(q))
				line.Verified, line.Where = r.Meta.Verified, r.Where()
				c.traceRate(p, r, fmt.Sprintf("%s：%s = %s 落在第 %d 档 %s%s，全量适用单价 %s %s；%s × %s = %s 元",
					p.Label, p.measure(), m, i+1, Interval(p.Rates[i].Lower, p.Rates[i].Upper, p.Scale), scaleText(p, f), how, c.unit(), q, price, line.Amount))
				break
			}
		}
		if r == nil {
			return line, &calc.Error{Kind: calc.KindInternal, Code: "invalid_schedule", Title: "收费标准无效",
				Detail: fmt.Sprintf("schedule %s part %s: %s is in no tier (schedule not validated?)", c.s.Key(), p.Name, m)}
		}
	case KindStep:
		r, err := c.pick(p)
		if err != nil {
			return line, err
		}
		m := c.measure(p)
		steps, how := c.steps(r, m)
		price, phow := c.price(r)
		unit := steps.Mul(price)
		line.Measure, line.MeasureValue = p.measure(), decimal.NewNullDecimal(m)
		line.Steps, line.UnitPrice = decimal.NewNullDecimal(steps), decimal.NewNullDecimal(unit)
		line.Amount = param.MoneyOf(unit.Mul(q))
		line.Verified, line.Where = r.Meta.Verified, r.Where()
		c.traceRate(p, r, fmt.Sprintf("%s：%s；单价 = %s × %s = %s %s；%s × %s = %s 元%s",
			p.Label, how, steps, phow, unit, c.unit(), q, unit, line.Amount, whenText(r)))
	}
	return line, nil
}

// steps counts the steps of m beyond a rate's threshold, exactly: the
// quotient of two decimals taken with QuoRem, never a rounded division.
func (c *calculation) steps(r *Rate, m decimal.Decimal) (decimal.Decimal, string) {
	var excess decimal.Decimal
	var how string
	if r.Lower.Set {
		t := r.Lower.Value
		if Contains(r.Lower, Bound{}, m) {
			excess = m.Sub(t)
		}
		how = fmt.Sprintf("%s 超出 %s 的部分 = %s", m, r.Lower.LowerString(), excess)
	} else {
		t := r.Upper.Value
		if Contains(Bound{Set: true, Inclusive: true}, r.Upper, m) {
			excess = t.Sub(m)
		}
		how = fmt.Sprintf("%s 低于 %s 的部分 = %s", m, r.Upper.UpperString(), excess)
	}
	partial := r.Partial
	if c.req.PartialStep != "" {
		partial = c.req.PartialStep
	}
	q, rem := excess.QuoRem(r.Step.Decimal, 0)
	if partial == Ceil && rem.Sign() > 0 {
		q = q.Add(decimal.NewFromInt(1))
	}
	word := "不足一步按一步计"
	if partial == Floor {
		word = "不足一步不计"
	}
	return q, fmt.Sprintf("%s，步长 %s，步数 = %s(%s ÷ %s) = %s（%s）", how, r.Step.Decimal, partial, excess, r.Step.Decimal, q, word)
}

func (c *calculation) modify(p *Part) Line {
	r := &p.Rates[0]
	line := Line{Part: p.Name, Label: p.Label, Kind: p.Kind, Verified: r.Meta.Verified, Where: r.Where()}
	applied := matches(r.When, c.vals)
	factor := decimal.NewFromInt(1)
	var how string
	switch p.Kind {
	case KindMultiply:
		if applied {
			factor = r.Factor.Decimal
		}
		how = fmt.Sprintf("系数 %s", r.Factor.Decimal)
	case KindReducePerStep:
		m := c.measure(p)
		steps, show := c.steps(r, m)
		line.Measure, line.MeasureValue, line.Steps = p.measure(), decimal.NewNullDecimal(m), decimal.NewNullDecimal(steps)
		share := steps.Mul(r.Factor.Decimal)
		capped := ""
		if share.GreaterThan(decimal.NewFromInt(1)) {
			share, capped = decimal.NewFromInt(1), "（以 100% 为限）"
		}
		if applied {
			factor = decimal.NewFromInt(1).Sub(share)
		}
		how = fmt.Sprintf("%s；降低比例 = %s × %s = %s%s，系数 = 1 − %s = %s", show, steps, r.Factor.Decimal, share, capped, share, decimal.NewFromInt(1).Sub(share))
	}
	line.Applied = applied
	line.Factor = decimal.NewNullDecimal(factor)
	cond := ""
	if len(r.When) > 0 {
		cond = "条件 " + WhenString(r.When)
		if applied {
			cond += " 成立"
		} else {
			cond += " 不成立"
		}
		cond += "；"
	}
	if !applied {
		c.traceRate(p, r, fmt.Sprintf("%s：%s不调整（%s）", p.Label, cond, how))
		return line
	}
	for _, t := range p.Targets {
		old := c.amounts[t]
		nw := old.Mul(factor)
		c.amounts[t] = nw
		line.Amount.Decimal = line.Amount.Add(nw.Sub(old))
		c.traceRate(p, r, fmt.Sprintf("%s：%s%s；%s %s × %s = %s 元（变动 %s 元）", p.Label, cond, how, t, old, factor, nw, nw.Sub(old)))
	}
	return line
}

func whenText(r *Rate) string {
	if len(r.When) == 0 {
		return ""
	}
	return "（" + WhenString(r.When) + "）"
}

func scaleText(p *Part, f decimal.Decimal) string {
	if p.Scale == "" {
		return ""
	}
	return fmt.Sprintf("（%s = %s）", p.Scale, f)
}

// matches reports whether every comparison holds for the given values.
// A comparison naming a value that is absent does not hold.
func matches(conds []Cond, vals map[string]value) bool {
	for _, c := range conds {
		l, ok := vals[c.Left]
		if !ok {
			return false
		}
		if !l.isNum {
			eq := l.word == c.Right
			if (c.Op == "=") != eq {
				return false
			}
			continue
		}
		var r decimal.Decimal
		if rv, ok := vals[c.Right]; ok && rv.isNum {
			r = rv.num
		} else {
			d, err := ParseNonNegative(c.Right)
			if err != nil {
				return false
			}
			r = d
		}
		cmp := l.num.Cmp(r)
		var hold bool
		switch c.Op {
		case "=":
			hold = cmp == 0
		case "!=":
			hold = cmp != 0
		case "<":
			hold = cmp < 0
		case "<=":
			hold = cmp <= 0
		case ">":
			hold = cmp > 0
		case ">=":
			hold = cmp >= 0
		}
		if !hold {
			return false
		}
	}
	return true
}

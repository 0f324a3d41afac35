package ecocomp

import (
	"fmt"
	"sort"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/ecotax/ecotax/calc"
	"github.com/ecotax/ecotax/calc/explain"
	"github.com/ecotax/ecotax/calc/param"
)

// Result is an annual settlement. Every line is one section-period (or
// trade); Pairs net the lines per pair of parties, period by period, and
// the annual net of a pair is the sum of its periods.
type Result struct {
	Scheme     SchemeInfo  `json:"scheme"`
	Year       int         `json:"year"`
	Lines      []Line      `json:"lines"`
	Pairs      []Pair      `json:"pairs"`
	Balances   []Balance   `json:"balances"`
	Gross      param.Money `json:"gross"` // sum of all line amounts before netting
	Currency   string      `json:"currency"`
	Unverified bool        `json:"unverified"`
	Parameters []ParamUse  `json:"parameters"`
	Warnings   []Warning   `json:"warnings"`
	Trace      []Step      `json:"trace"`
}

// SchemeInfo describes a scheme, in results and in listings.
type SchemeInfo struct {
	ID            string `json:"id"`
	Jurisdiction  string `json:"jurisdiction"`
	Title         string `json:"title"`
	Measure       string `json:"measure"`
	Period        string `json:"period"`
	Comparison    string `json:"comparison,omitempty"`
	IndexMax      string `json:"index_max,omitempty"`
	QuantityUnit  string `json:"quantity_unit,omitempty"`
	Note          string `json:"note,omitempty"`
	EffectiveFrom string `json:"effective_from"`
	EffectiveTo   string `json:"effective_to,omitempty"`
	Source        string `json:"source"`
	Verification  string `json:"verification"`
	Confidence    string `json:"confidence"`
	Verified      bool   `json:"verified"`
	Where         string `json:"where"`
}

// Info describes the scheme.
func (s *Scheme) Info() SchemeInfo {
	in := SchemeInfo{ID: s.ID, Jurisdiction: s.Jurisdiction, Title: s.Title, Measure: string(s.Measure),
		Period: s.Period, Comparison: s.Comparison, QuantityUnit: s.QuantityUnit, Note: s.Note,
		EffectiveFrom: s.From.String(), EffectiveTo: s.To.String(), Source: s.Source,
		Verification: s.Verification, Confidence: s.Confidence, Verified: s.Verified, Where: s.Where()}
	if s.IndexMax.Valid {
		in.IndexMax = s.IndexMax.Decimal.String()
	}
	return in
}

// Line is the outcome of one section in one period, or of one trade.
type Line struct {
	Path         string           `json:"path"`
	Section      string           `json:"section"`
	River        string           `json:"river,omitempty"`
	Period       string           `json:"period"`
	Class        string           `json:"class,omitempty"`
	CompareClass string           `json:"compare_class,omitempty"`
	TargetClass  string           `json:"target_class,omitempty"`
	Index        *decimal.Decimal `json:"index,omitempty"`
	Quantity     *decimal.Decimal `json:"quantity,omitempty"`
	Price        *decimal.Decimal `json:"price,omitempty"`
	Target       string           `json:"target"` // meets, misses, any
	Trend        string           `json:"trend"`  // improved, unchanged, declined, any
	Classes      int              `json:"classes,omitempty"`
	Payer        string           `json:"payer,omitempty"`
	Payee        string           `json:"payee,omitempty"`
	Amount       param.Money      `json:"amount"`
	Rule         string           `json:"rule"` // fixture file:line, or "request"
	Unverified   bool             `json:"unverified,omitempty"`

	partyA, partyB string // the two parties of the section or trade
	rule           *Rule  // nil when the request stated the price
}

// Pair is the netted settlement between two parties, A < B in byte order.
// Net > 0: A pays B; Net < 0: B pays A.
type Pair struct {
	A       string       `json:"a"`
	B       string       `json:"b"`
	Periods []PairPeriod `json:"periods"`
	Net     param.Money  `json:"net_a_to_b"`
	Payer   string       `json:"payer,omitempty"`
	Payee   string       `json:"payee,omitempty"`
	Amount  param.Money  `json:"amount"`
}

// PairPeriod is the net of one period (month, year or trade date).
type PairPeriod struct {
	Period string      `json:"period"`
	Net    param.Money `json:"net_a_to_b"`
}

// Balance is one party's position after netting.
type Balance struct {
	Party    string      `json:"party"`
	Receives param.Money `json:"receives"`
	Pays     param.Money `json:"pays"`
	Net      param.Money `json:"net"` // receives − pays
}

// Step, Warning and ParamUse are the explanation shared with calc/damage.
type (
	Step     = explain.Step
	Warning  = explain.Warning
	ParamUse = explain.ParamUse
)

// Owes is what x pays y over the year after netting; negative when y pays
// x, zero when they share no pair. Owes(x, y) = −Owes(y, x).
func (r *Result) Owes(x, y string) decimal.Decimal {
	for _, p := range r.Pairs {
		switch {
		case p.A == x && p.B == y:
			return p.Net.Decimal
		case p.A == y && p.B == x:
			return p.Net.Neg()
		}
	}
	return decimal.Zero
}

const ruleRounding = "金额以元为单位保留两位小数（分），四舍五入"

// Settle computes the settlement. On bad input it returns a *calc.Error
// naming every bad field and computes nothing.
func Settle(c *Catalog, req *Request) (*Result, error) {
	s := &settleRun{c: c, req: req, used: map[*Rule]int{}}
	return s.run()
}

type settleRun struct {
	c      *Catalog
	req    *Request
	scheme *Scheme
	errs   []calc.FieldError
	res    *Result
	used   map[*Rule]int // lines using each rule
	rules  []*Rule       // in first-use order
}

func (s *settleRun) fail(path, code, format string, args ...any) {
	s.errs = append(s.errs, calc.FieldError{Path: path, Code: code, Message: fmt.Sprintf(format, args...)})
}

func (s *settleRun) step(path, rule, where, format string, args ...any) {
	s.res.Trace = append(s.res.Trace, Step{Path: path, Rule: rule, Where: where, Text: fmt.Sprintf(format, args...)})
}

func (s *settleRun) run() (*Result, error) {
	req := s.req
	s.res = &Result{Year: req.Year, Currency: "CNY", Lines: []Line{}, Pairs: []Pair{}, Balances: []Balance{},
		Parameters: []ParamUse{}, Warnings: []Warning{}, Trace: []Step{}}
	s.scheme = s.c.Scheme(req.Scheme)
	if s.scheme == nil {
		s.fail("scheme", "unknown_scheme", "unknown scheme %q; known: %s", req.Scheme, strings.Join(s.c.IDs(), ", "))
		return nil, explain.Invalid(s.errs, titles)
	}
	sc := s.scheme
	s.res.Scheme = sc.Info()
	if sc.Measure == MeasureQuota {
		if len(req.Sections) > 0 {
			s.fail("sections", "not_applicable", "scheme %s settles quota trades, not sections", sc.ID)
		}
		if len(req.Trades) == 0 {
			s.fail("trades", "empty_settlement", "scheme %s needs at least one trade", sc.ID)
		}
		for i := range req.Trades {
			s.trade(&req.Trades[i])
		}
	} else {
		if len(req.Trades) > 0 {
			s.fail("trades", "not_applicable", "scheme %s settles sections, not quota trades", sc.ID)
		}
		if len(req.Sections) == 0 {
			s.fail("sections", "empty_settlement", "scheme %s needs at least one section", sc.ID)
		}
		ids := map[string]string{}
		for i := range req.Sections {
			sec := &req.Sections[i]
			if prev, ok := ids[sec.ID]; ok && sec.ID != "" {
				s.fail(sec.Path+".id", "duplicate_section", "section %q already given at %s", sec.ID, prev)
			}
			ids[sec.ID] = sec.Path
			s.section(sec)
		}
	}
	if len(s.errs) > 0 {
		return nil, explain.Invalid(s.errs, titles)
	}
	s.step("", sc.Source, sc.Where(), "方案 %s（%s），%s 有效，结算年度 %d", sc.ID, sc.Title, sc.Range, req.Year)
	s.lineSteps()
	s.net()
	s.warnUnverified()
	return s.res, nil
}

// periodSpan reads a period of the scheme's unit and checks it lies in
// the settlement year.
func (s *settleRun) periodSpan(path, text string) (param.Date, param.Date, bool) {
	var first, last param.Date
	switch s.scheme.Period {
	case PeriodMonth:
		d, err := param.ParseDate(text + "-01")
		if err != nil || len(text) != 7 {
			s.fail(path, "invalid_value", "%q is not a month YYYY-MM (scheme %s settles by month)", text, s.scheme.ID)
			return 0, 0, false
		}
		first, last = d, param.NewDate(d.Year(), d.Month(), param.DaysIn(d.Year(), d.Month()))
	case PeriodYear:
		d, err := param.ParseDate(text + "-01-01")
		if err != nil || len(text) != 4 {
			s.fail(path, "invalid_value", "%q is not a year YYYY (scheme %s settles by year)", text, s.scheme.ID)
			return 0, 0, false
		}
		first, last = d, param.NewDate(d.Year(), 12, 31)
	}
	if first.Year() != s.req.Year {
		s.fail(path, "period_outside_year", "%s is not in the settlement year %d", text, s.req.Year)
		return 0, 0, false
	}
	return first, last, true
}

func (s *settleRun) class(path, raw string) (Class, bool) {
	if raw == "" {
		s.fail(path, "required", "required: a water class (%s)", strings.Join(ClassNames(), ", "))
		return 0, false
	}
	c, ok := ParseClass(raw)
	if !ok {
		s.fail(path, "unknown_water_class", "unknown water class %q; valid: %s", raw, strings.Join(ClassNames(), ", "))
	}
	return c, ok
}

func (s *settleRun) section(sec *Section) {
	sc := s.scheme
	if sec.Upstream != "" && sec.Upstream == sec.Downstream {
		s.fail(sec.Path+".downstream", "same_party", "upstream and downstream are both %q", sec.Upstream)
	}
	var target Class
	targetOK := false
	if sc.Measure == MeasureWaterClass {
		target, targetOK = s.class(sec.Path+".target_class", sec.TargetRaw)
	} else if sec.TargetRaw != "" {
		s.fail(sec.Path+".target_class", "not_applicable", "scheme %s compares an index, not water classes", sc.ID)
	}
	if len(sec.Periods) == 0 {
		s.fail(sec.Path+".periods", "required", "at least one period")
	}
	seen := map[string]string{}
	for i := range sec.Periods {
		ob := &sec.Periods[i]
		first, last, ok := s.periodSpan(ob.Path+".period", ob.Period)
		if ok {
			if prev, dup := seen[ob.Period]; dup {
				s.fail(ob.Path+".period", "duplicate_period", "%s already given at %s", ob.Period, prev)
				ok = false
			}
			seen[ob.Period] = ob.Path
		}
		line := Line{Path: ob.Path, Section: sec.ID, River: sec.River, Period: ob.Period, partyA: sec.Upstream, partyB: sec.Downstream}
		switch sc.Measure {
		case MeasureWaterClass:
			if ob.Index.Valid {
				s.fail(ob.Path+".index", "not_applicable", "scheme %s compares water classes", sc.ID)
			}
			if ob.MeetsTarget != nil {
				s.fail(ob.Path+".meets_target", "not_applicable", "scheme %s decides from the water classes", sc.ID)
			}
			cl, ok1 := s.class(ob.Path+".class", ob.ClassRaw)
			cmp, ok2 := s.class(ob.Path+".compare_class", ob.CompareRaw)
			if !ok || !ok1 || !ok2 || !targetOK {
				continue
			}
			line.Class, line.CompareClass, line.TargetClass = cl.String(), cmp.String(), target.String()
			line.Target = TargetMisses
			if cl <= target {
				line.Target = TargetMeets
			}
			switch {
			case cl < cmp:
				line.Trend = TrendImproved
			case cl > cmp:
				line.Trend = TrendDeclined
			default:
				line.Trend = TrendUnchanged
			}
			s.apply(sec, ob, &line, first, last, cl, cmp, target)
		case MeasureIndex:
			if ob.ClassRaw != "" {
				s.fail(ob.Path+".class", "not_applicable", "scheme %s compares an index, not water classes", sc.ID)
			}
			if ob.CompareRaw != "" {
				s.fail(ob.Path+".compare_class", "not_applicable", "scheme %s compares an index, not water classes", sc.ID)
			}
			switch {
			case ob.Index.Valid && ob.MeetsTarget != nil:
				s.fail(ob.Path+".meets_target", "conflicting_fields", "give either index or meets_target, not both")
				continue
			case ob.Index.Valid && ob.Index.Decimal.IsNegative():
				s.fail(ob.Path+".index", "invalid_value", "%s: an index is not negative", ob.Index.Decimal)
				continue
			case ob.Index.Valid:
				line.Index = &ob.Index.Decimal
				line.Target = TargetMisses
				if ob.Index.Decimal.LessThanOrEqual(sc.IndexMax.Decimal) {
					line.Target = TargetMeets
				}
			case ob.MeetsTarget != nil:
				line.Target = TargetMisses
				if *ob.MeetsTarget {
					line.Target = TargetMeets
				}
			default:
				s.fail(ob.Path+".index", "required", "required: the index, or meets_target as published")
				continue
			}
			line.Trend = Any
			if ok {
				s.apply(sec, ob, &line, first, last, 0, 0, 0)
			}
		}
	}
	if sc.Period == PeriodMonth && len(seen) < 12 && len(sec.Periods) > 0 {
		s.res.Warnings = append(s.res.Warnings, Warning{Code: "incomplete_year", Path: sec.Path,
			Message: fmt.Sprintf("断面 %s 只给出 %d 个月，年度结算只含这些月份", sec.ID, len(seen))})
	}
}

// apply finds the rule for the line's outcome and prices it.
func (s *settleRun) apply(sec *Section, ob *Observation, line *Line, first, last param.Date, cl, cmp, target Class) {
	r := s.c.rule(s.scheme.ID, line.Target, line.Trend, first, last)
	if r == nil {
		s.fail(ob.Path+".period", "parameter_not_found", "scheme %s has no rule for %s/%s in force over the whole of %s (scheme %s)", s.scheme.ID, line.Target, line.Trend, ob.Period, s.scheme.Range)
		return
	}
	amount := r.Amount
	switch r.Basis {
	case BasisPerClass:
		n := int(cl - cmp)
		if n < 0 {
			n = -n
		}
		line.Classes = n
		amount = r.Amount.Mul(decimal.NewFromInt(int64(n)))
	case BasisPerClassOver:
		line.Classes = int(cl - target)
		amount = r.Amount.Mul(decimal.NewFromInt(int64(line.Classes)))
	}
	switch r.Payer {
	case PayerUpstream:
		line.Payer, line.Payee = sec.Upstream, sec.Downstream
	case PayerDownstream:
		line.Payer, line.Payee = sec.Downstream, sec.Upstream
	}
	line.Amount = param.MoneyOf(amount)
	s.useRule(r, line)
	s.res.Lines = append(s.res.Lines, *line)
}

func (s *settleRun) useRule(r *Rule, line *Line) {
	line.Rule = r.Where()
	line.rule = r
	line.Unverified = !r.Verified
	if s.used[r] == 0 {
		s.rules = append(s.rules, r)
	}
	s.used[r]++
}

func (s *settleRun) trade(t *Trade) {
	sc := s.scheme
	nerr := len(s.errs)
	if t.Buyer != "" && t.Buyer == t.Seller {
		s.fail(t.Path+".seller", "same_party", "buyer and seller are both %q", t.Buyer)
	}
	switch {
	case t.Date != 0 && t.Date.Year() != s.req.Year:
		s.fail(t.Path+".date", "period_outside_year", "%s is not in the settlement year %d", t.Date, s.req.Year)
	case t.Date != 0 && !sc.Contains(t.Date):
		s.fail(t.Path+".date", "parameter_not_found", "scheme %s is not in force on %s (%s)", sc.ID, t.Date, sc.Range)
	}
	if !t.Quantity.IsPositive() {
		s.fail(t.Path+".quantity", "invalid_value", "%s: the quantity traded must be above 0", t.Quantity)
	}
	if t.Price.Valid && !t.Price.Decimal.IsPositive() {
		s.fail(t.Path+".price", "invalid_value", "%s: an agreed price must be above 0", t.Price.Decimal)
	}
	if len(s.errs) > nerr || t.Date == 0 {
		return
	}
	line := Line{Path: t.Path, Section: t.ID, Period: t.Date.String(), Target: Any, Trend: Any,
		Payer: t.Buyer, Payee: t.Seller, Quantity: &t.Quantity, partyA: t.Buyer, partyB: t.Seller}
	var price decimal.Decimal
	if t.Price.Valid {
		price = t.Price.Decimal
		line.Rule = "request"
	} else {
		r := s.c.rule(sc.ID, Any, Any, t.Date, t.Date)
		if r == nil {
			s.fail(t.Path+".date", "parameter_not_found", "scheme %s has no price in force on %s (scheme %s); give the agreed price", sc.ID, t.Date, sc.Range)
			return
		}
		price = r.Amount
		s.useRule(r, &line)
	}
	line.Price = &price
	line.Amount = param.MoneyOf(t.Quantity.Mul(price).Round(2))
	s.res.Lines = append(s.res.Lines, line)
}

var (
	targetNames = map[string]string{TargetMeets: "达标", TargetMisses: "未达标", Any: ""}
	trendNames  = map[string]string{TrendImproved: "改善", TrendUnchanged: "持平", TrendDeclined: "变差", Any: ""}
)

func compareName(c string) string {
	if c == CompareInflow {
		return "入境断面"
	}
	return "上年同期"
}

// lineSteps explains each line.
func (s *settleRun) lineSteps() {
	sc := s.scheme
	for _, l := range s.res.Lines {
		rule, r := sc.Source, l.rule
		if r != nil {
			rule = r.Source
		}
		var what string
		switch sc.Measure {
		case MeasureWaterClass:
			what = fmt.Sprintf("断面 %s %s：水质 %s 类，目标 %s 类 → %s；%s %s 类 → %s", l.Section, l.Period, l.Class, l.TargetClass,
				targetNames[l.Target], compareName(sc.Comparison), l.CompareClass, trendNames[l.Trend])
		case MeasureIndex:
			if l.Index != nil {
				what = fmt.Sprintf("断面 %s %s：指数 %s，限值 %s → %s", l.Section, l.Period, l.Index, sc.IndexMax.Decimal, targetNames[l.Target])
			} else {
				what = fmt.Sprintf("断面 %s %s：按公布的考核结论 → %s", l.Section, l.Period, targetNames[l.Target])
			}
		case MeasureQuota:
			src := "方案价格"
			if r == nil {
				src = "交易约定价格"
			}
			what = fmt.Sprintf("交易 %s %s：%s 向 %s 购买 %s %s × %s 元（%s）", l.Section, l.Period, l.Payer, l.Payee, l.Quantity, sc.QuantityUnit, l.Price, src)
		}
		if r != nil {
			what += "；" + ruleText(r, l)
		}
		if l.Payer == "" {
			what += "；不发生补偿"
		} else {
			what += fmt.Sprintf("；%s 付 %s %s 元", l.Payer, l.Payee, l.Amount.StringFixed(2))
		}
		s.step(l.Path, rule, l.Rule, "%s", what)
		if sc.Measure == MeasureQuota && !l.Quantity.Mul(*l.Price).Equal(l.Amount.Decimal) {
			s.step(l.Path, ruleRounding, "", "%s × %s = %s 元，四舍五入到分为 %s 元", l.Quantity, l.Price, l.Quantity.Mul(*l.Price), l.Amount.StringFixed(2))
		}
	}
}

func ruleText(r *Rule, l Line) string {
	payer := map[string]string{PayerUpstream: "上游补偿下游", PayerDownstream: "下游补偿上游", PayerBuyer: "购买方支付", PayerNone: "不补偿"}[r.Payer]
	switch r.Basis {
	case BasisPerClass:
		return fmt.Sprintf("规则：%s，每变化一个类别 %s 元 × %d 类", payer, r.Amount.StringFixed(2), l.Classes)
	case BasisPerClassOver:
		return fmt.Sprintf("规则：%s，每超出目标一个类别 %s 元 × %d 类", payer, r.Amount.StringFixed(2), l.Classes)
	case BasisPerUnit:
		return fmt.Sprintf("规则：%s，单价 %s 元", payer, r.Amount.StringFixed(2))
	}
	if r.Payer == PayerNone {
		return "规则：" + payer
	}
	return fmt.Sprintf("规则：%s %s 元", payer, r.Amount.StringFixed(2))
}

// net builds the pairs (period by period, then the year) and balances.
func (s *settleRun) net() {
	type key struct{ a, b string }
	pairs := map[key]map[string]decimal.Decimal{}
	gross := decimal.Zero
	addPair := func(x, y string) key {
		k := key{x, y}
		if y < x {
			k = key{y, x}
		}
		if pairs[k] == nil {
			pairs[k] = map[string]decimal.Decimal{}
		}
		return k
	}
	for _, sec := range s.req.Sections {
		addPair(sec.Upstream, sec.Downstream)
	}
	for _, l := range s.res.Lines {
		gross = gross.Add(l.Amount.Decimal)
		if l.Payer == "" {
			// A period with no transfer still counts among its pair's periods.
			k := addPair(l.partyA, l.partyB)
			pairs[k][l.Period] = pairs[k][l.Period].Add(decimal.Zero)
			continue
		}
		k := addPair(l.Payer, l.Payee)
		v := l.Amount.Decimal
		if l.Payer != k.a {
			v = v.Neg()
		}
		pairs[k][l.Period] = pairs[k][l.Period].Add(v)
	}
	s.res.Gross = param.MoneyOf(gross)
	keys := make([]key, 0, len(pairs))
	for k := range pairs {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].a != keys[j].a {
			return keys[i].a < keys[j].a
		}
		return keys[i].b < keys[j].b
	})
	bal := map[string]*Balance{}
	balance := func(p string) *Balance {
		if bal[p] == nil {
			bal[p] = &Balance{Party: p}
		}
		return bal[p]
	}
	settle := "月核算、月通报、年清缴：各期净额相加为年度净额，按每对区县轧差结算"
	if s.scheme.Measure == MeasureQuota {
		settle = "各笔指标交易按买卖双方汇总轧差"
	} else if s.scheme.Period == PeriodYear {
		settle = "按年考核：各年度净额按每对地区轧差结算"
	}
	for _, k := range keys {
		periods := make([]string, 0, len(pairs[k]))
		for p := range pairs[k] {
			periods = append(periods, p)
		}
		sort.Strings(periods)
		pair := Pair{A: k.a, B: k.b, Periods: []PairPeriod{}}
		for _, p := range periods {
			pair.Periods = append(pair.Periods, PairPeriod{Period: p, Net: param.MoneyOf(pairs[k][p])})
			pair.Net.Decimal = pair.Net.Add(pairs[k][p])
		}
		pair.Amount.Decimal = pair.Net.Abs()
		switch {
		case pair.Net.IsPositive():
			pair.Payer, pair.Payee = k.a, k.b
		case pair.Net.IsNegative():
			pair.Payer, pair.Payee = k.b, k.a
		}
		balance(k.a)
		balance(k.b)
		if pair.Payer != "" {
			balance(pair.Payer).Pays.Decimal = balance(pair.Payer).Pays.Add(pair.Amount.Decimal)
			balance(pair.Payee).Receives.Decimal = balance(pair.Payee).Receives.Add(pair.Amount.Decimal)
			s.step("", settle, "", "%s 与 %s：%d 期净额合计，%s 应付 %s %s 元", k.a, k.b, len(pair.Periods), pair.Payer, pair.Payee, pair.Amount.StringFixed(2))
		} else {
			s.step("", settle, "", "%s 与 %s：%d 期净额合计为 0，互不支付", k.a, k.b, len(pair.Periods))
		}
		s.res.Pairs = append(s.res.Pairs, pair)
	}
	parties := make([]string, 0, len(bal))
	for p := range bal {
		parties = append(parties, p)
	}
	sort.Strings(parties)
	for _, p := range parties {
		b := bal[p]
		b.Net.Decimal = b.Receives.Sub(b.Pays.Decimal)
		s.res.Balances = append(s.res.Balances, *b)
	}
}

func (s *settleRun) useParam(key, value, verification string, m param.Meta) {
	s.res.Parameters = append(s.res.Parameters, explain.Use(key, value, verification, m))
	if !m.Verified {
		s.res.Unverified = true
	}
}

// warnUnverified lists the figures used and warns about each unverified one.
func (s *settleRun) warnUnverified() {
	sc := s.scheme
	indexUsed := false
	for _, l := range s.res.Lines {
		if l.Index != nil {
			indexUsed = true
		}
	}
	if indexUsed {
		s.useParam("index_max/"+sc.ID, sc.IndexMax.Decimal.String(), sc.Verification, sc.Meta)
		if !sc.Verified {
			s.res.Warnings = append(s.res.Warnings, Warning{Code: "unverified_parameter", Path: "",
				Message: fmt.Sprintf("方案 %s 的指数限值 %s 未经核实（%s, %s）", sc.ID, sc.IndexMax.Decimal, sc.Verification, sc.Where())})
		}
	}
	for _, r := range s.rules {
		s.useParam(fmt.Sprintf("rule/%s/%s/%s", r.Scheme, r.Target, r.Trend), ruleValue(r), r.Verification, r.Meta)
		if !r.Verified {
			s.res.Warnings = append(s.res.Warnings, Warning{Code: "unverified_parameter",
				Message: fmt.Sprintf("%d 项使用了未经核实的规则 %s（%s，%s, %s）：%s", s.used[r], ruleLabel(r), ruleValue(r), r.Verification, r.Where(), r.Note)})
		}
	}
	if s.res.Unverified {
		s.res.Warnings = append(s.res.Warnings, Warning{Code: "unverified_result", Message: "结算使用了未经核实的规则或数额，仅供参考"})
	}
}

// ruleLabel names the outcome a rule covers, e.g. 达标/持平.
func ruleLabel(r *Rule) string {
	var parts []string
	if r.Target != Any {
		parts = append(parts, targetNames[r.Target])
	}
	if r.Trend != Any {
		parts = append(parts, trendNames[r.Trend])
	}
	if len(parts) == 0 {
		return "（所有情形）"
	}
	return strings.Join(parts, "/")
}

func ruleValue(r *Rule) string {
	if r.Payer == PayerNone {
		return "不补偿"
	}
	return fmt.Sprintf("%s pays %s 元 (%s)", r.Payer, r.Amount.StringFixed(2), r.Basis)
}

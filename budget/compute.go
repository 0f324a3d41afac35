package budget

import (
	"fmt"
	"sort"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/ecotax/ecotax/calc"
	"github.com/ecotax/ecotax/calc/ecocomp"
	"github.com/ecotax/ecotax/calc/fees"
	"github.com/ecotax/ecotax/calc/param"
)

var hundred = decimal.NewFromInt(100)

// Compute works out the base and every scenario. Any fault (a scenario
// naming an unknown scheme, a stored input that no longer computes) is a
// *calc.Error naming each bad part, and nothing is returned.
func Compute(c Calculators, in *Input, scenarios []Scenario) (*Result, error) {
	if c.Engine == nil || c.Fees == nil || c.Ecocomp == nil {
		return nil, &calc.Error{Kind: calc.KindInternal, Code: "internal", Title: "服务器内部错误", Detail: "budget: calculators missing"}
	}
	if errs := checkScenarios(c, in, scenarios); len(errs) > 0 {
		return nil, invalid(errs)
	}
	r := &run{c: c, in: in, memo: map[*calc.Request]assessed{}}
	res := &Result{Region: in.Region, RegionName: in.RegionName, Year: in.Year, Currency: "CNY", Streams: Streams,
		Months: yearMonths(in.Year), Districts: []string{}, Outcomes: []*Outcome{}, Coverage: coverage(in), Warnings: []Warning{}}
	res.Warnings = append(res.Warnings, in.Notes...)
	base := r.outcome(nil)
	res.Outcomes = append(res.Outcomes, base)
	for i := range scenarios {
		o := r.outcome(&scenarios[i])
		res.Outcomes = append(res.Outcomes, o)
	}
	if len(r.errs) > 0 {
		return nil, invalid(r.errs)
	}
	res.Warnings = append(res.Warnings, r.warnings...)
	districts := map[string]bool{}
	for _, o := range res.Outcomes {
		for _, l := range o.Lines {
			districts[l.District] = true
		}
		aggregate(o, res.Months)
		res.Unverified = res.Unverified || o.Unverified
	}
	for d := range districts {
		res.Districts = append(res.Districts, d)
	}
	sort.Strings(res.Districts)
	for _, o := range res.Outcomes {
		o.ByDistrict = districtRows(o, res.Districts)
		if !o.Base {
			o.VsBase = diffRow(o.Total, base.Total)
		}
	}
	res.Warnings = append(res.Warnings, summaryWarnings(res)...)
	return res, nil
}

type assessed struct {
	tax        decimal.Decimal
	unverified bool
	warnings   []calc.Warning
}

type run struct {
	c        Calculators
	in       *Input
	memo     map[*calc.Request]assessed // the unmodified requests, assessed once
	errs     []calc.FieldError
	warnings []Warning
	warned   map[string]bool
}

func (r *run) fail(path, code, format string, args ...any) {
	r.errs = append(r.errs, calc.FieldError{Path: path, Code: code, Message: fmt.Sprintf(format, args...)})
}

func (r *run) warn(code, ref, format string, args ...any) {
	if r.warned == nil {
		r.warned = map[string]bool{}
	}
	msg := fmt.Sprintf(format, args...)
	if r.warned[code+"|"+ref+"|"+msg] {
		return
	}
	r.warned[code+"|"+ref+"|"+msg] = true
	r.warnings = append(r.warnings, Warning{Code: code, Message: msg, Ref: ref})
}

func (r *run) outcome(sc *Scenario) *Outcome {
	o := &Outcome{ID: "base", Title: "基准", Base: true, Changes: []string{}, Lines: []Line{}}
	if sc != nil {
		o.ID, o.Title, o.Base, o.Changes = sc.ID, sc.Title, false, describe(sc)
		if o.Title == "" {
			o.Title = sc.ID
		}
	}
	r.taxLines(o, sc)
	r.damageLines(o)
	r.ecoLines(o, sc)
	r.feeLines(o, sc)
	for _, l := range o.Lines {
		o.Unverified = o.Unverified || l.Unverified
	}
	return o
}

// --- tax ---

// assess runs the engine on one month's request and returns that month's
// tax. Unmodified requests are memoised: the base and every scenario
// share one assessment of them.
func (r *run) assess(req *calc.Request, month, path string, memo bool) (assessed, bool) {
	if memo {
		if a, ok := r.memo[req]; ok {
			return a, true
		}
	}
	res, err := r.c.Engine.Assess(req)
	if err != nil {
		detail := err.Error()
		if ce, ok := err.(*calc.Error); ok && len(ce.Errors) > 0 {
			detail = ce.Errors[0].Path + ": " + ce.Errors[0].Message
		}
		r.fail(path, "input_not_computable", "the tax engine rejects the figures of %s: %s", month, detail)
		return assessed{}, false
	}
	a := assessed{tax: decimal.Zero, warnings: res.Warnings}
	for _, m := range res.Months {
		if m.Month == month {
			a.tax = a.tax.Add(m.Tax)
		}
	}
	for i := range res.Lines {
		if res.Lines[i].Month == month && res.Lines[i].Unverified {
			a.unverified = true
		}
	}
	if memo {
		r.memo[req] = a
	}
	return a, true
}

func (r *run) taxLines(o *Outcome, sc *Scenario) {
	for _, tp := range r.in.Taxpayers {
		for i := range tp.Months {
			tm := &tp.Months[i]
			l := Line{ID: "tax:" + tp.CreditCode + ":" + tm.Month, Stream: StreamTax, District: tp.District, Month: tm.Month,
				Basis: tm.Basis, Ref: strings.Join(tm.Refs, "; "), Unverified: tm.Unverified, Partial: len(tm.Uncovered) > 0}
			who := tp.Name + "（" + tp.CreditCode + "）"
			if tm.Basis == BasisNone {
				l.Text = fmt.Sprintf("%s %s：无已提交的申报；监测：%s。金额未知，不计入合计", who, tm.Month, tm.Monitoring)
				if tm.Note != "" {
					l.Text += "（" + tm.Note + "）"
				}
				o.Lines = append(o.Lines, l)
				continue
			}
			var base decimal.Decimal
			var recomputed decimal.Decimal
			ok := true
			var parts []string
			for _, req := range tm.Requests {
				a, fine := r.assess(req, tm.Month, tm.Path, true)
				ok = ok && fine
				recomputed = recomputed.Add(a.tax)
				l.Unverified = l.Unverified || a.unverified
			}
			if !ok {
				continue
			}
			switch tm.Basis {
			case BasisDeclaration:
				base = tm.Declared.Decimal
				parts = append(parts, fmt.Sprintf("%s %s：申报税额 %s 元（%s）", who, tm.Month, money(base), l.Ref))
				if !recomputed.Equal(base) && sc == nil {
					r.warn("declared_differs", l.Ref, "%s %s：申报税额 %s 元，同一数据按现行参数重算为 %s 元；基准保留申报税额，情景在其上计入变动",
						tp.CreditCode, tm.Month, money(base), money(recomputed))
				}
			case BasisMonitoring:
				base = recomputed
				parts = append(parts, fmt.Sprintf("%s %s：无申报，按自动监测月数据估算（环境保护税法 第十条第（一）项）：%s 元（%s）", who, tm.Month, money(base), l.Ref))
			}
			if len(tm.Uncovered) > 0 {
				parts = append(parts, "未覆盖的税源："+strings.Join(tm.Uncovered, "、")+"（其税额未计入）")
			}
			amount := base
			if sc != nil && touchesTax(sc, tm.Month) {
				var changed decimal.Decimal
				for _, req := range tm.Requests {
					a, fine := r.assess(modify(req, sc, tm.Month), tm.Month, tm.Path, false)
					ok = ok && fine
					changed = changed.Add(a.tax)
					l.Unverified = l.Unverified || a.unverified
				}
				if !ok {
					continue
				}
				amount = base.Add(changed).Sub(recomputed)
				parts = append(parts, fmt.Sprintf("情景：%s + 情景重算 %s − 基准重算 %s = %s 元", money(base), money(changed), money(recomputed), money(amount)))
			} else if sc != nil {
				parts = append(parts, "情景未改变本月税额的计算")
			}
			l.Amount = decimal.NullDecimal{Decimal: amount, Valid: true}
			l.Text = strings.Join(parts, "；")
			o.Lines = append(o.Lines, l)
		}
	}
}

// touchesTax reports whether a scenario changes any tax figure of month m.
func touchesTax(sc *Scenario, m string) bool {
	if _, ok := rateFor(sc, "air", m); ok {
		return true
	}
	if _, ok := rateFor(sc, "water", m); ok {
		return true
	}
	for _, k := range []string{TrendAir, TrendWater, TrendSolidWaste} {
		if _, ok := sc.Trends[k]; ok {
			return true
		}
	}
	return false
}

func rateFor(sc *Scenario, class, m string) (decimal.Decimal, bool) {
	for _, rc := range sc.Rates {
		if rc.Class == class && (rc.From == "" || rc.From <= m) && (rc.To == "" || m <= rc.To) {
			return rc.Value, true
		}
	}
	return decimal.Decimal{}, false
}

func factor(sc *Scenario, key string) (decimal.Decimal, bool) {
	x, ok := sc.Trends[key]
	if !ok {
		return decimal.Decimal{}, false
	}
	return hundred.Add(x).Div(hundred), true
}

func scale(d *decimal.NullDecimal, f decimal.Decimal) {
	if d.Valid {
		d.Decimal = d.Decimal.Mul(f)
	}
}

// modify copies a request and applies the scenario's rates and trends for
// month m. The original is never changed.
func modify(req *calc.Request, sc *Scenario, m string) *calc.Request {
	cp := *req
	cp.Sources = make([]calc.Source, len(req.Sources))
	copy(cp.Sources, req.Sources)
	if v, ok := rateFor(sc, "air", m); ok {
		cp.Rates.Air = decimal.NullDecimal{Decimal: v, Valid: true}
	}
	if v, ok := rateFor(sc, "water", m); ok {
		cp.Rates.Water = decimal.NullDecimal{Decimal: v, Valid: true}
	}
	for i := range cp.Sources {
		s := &cp.Sources[i]
		s.Pollutants = append([]calc.PollutantInput(nil), s.Pollutants...)
		// The trend keys are the source kinds they scale; noise, livestock
		// and sampled sources have no emission to scale.
		f, ok := factor(sc, s.Kind)
		if !ok {
			continue
		}
		switch s.Kind {
		case calc.KindAir, calc.KindWater:
			if s.Kind == calc.KindWater {
				scale(&s.WastewaterT, f)
			}
			for j := range s.Pollutants {
				p := &s.Pollutants[j]
				scale(&p.EmissionKg, f)
				scale(&p.EmissionT, f)
				scale(&p.GeneratedKg, f)
			}
		case calc.KindSolidWaste:
			scale(&s.GeneratedT, f)
			scale(&s.StoredT, f)
			scale(&s.DisposedT, f)
			scale(&s.UtilizedT, f)
		}
	}
	return &cp
}

// --- damage compensation ---

func (r *run) damageLines(o *Outcome) {
	for _, dc := range r.in.Damage {
		for i, rc := range dc.Receipts {
			if !inYear(rc.Month, r.in.Year) {
				continue
			}
			l := Line{ID: fmt.Sprintf("damage:%s:%d", dc.ID, i), Stream: StreamDamage, District: dc.District, Month: rc.Month,
				Amount: decimal.NullDecimal{Decimal: rc.Amount, Valid: true}, Ref: dc.ID}
			state := "预计"
			if rc.Received {
				state = "已收"
			}
			if dc.Settled.Valid {
				l.Basis = BasisSettlement
				l.Text = fmt.Sprintf("%s：赔偿金%s %s 元（赔偿协议/判决金额 %s 元", dc.Case, state, money(rc.Amount), money(dc.Settled.Decimal))
				if dc.SettledOn != "" {
					l.Text += "，" + dc.SettledOn
				}
				l.Text += "）"
			} else {
				l.Basis = BasisClaim
				l.Unverified = dc.ClaimUnverified
				l.Text = fmt.Sprintf("%s：赔偿金%s %s 元（尚未达成协议，按索赔金额 %s 元计，民法典 第一千二百三十五条）", dc.Case, state, money(rc.Amount), money(dc.ClaimTotal.Decimal))
				if dc.ClaimUnverified {
					l.Text += "；索赔计算使用了未经核实的参数"
				}
			}
			if !o.Base {
				l.Text += "；情景未改变"
			}
			o.Lines = append(o.Lines, l)
		}
	}
}

// --- ecological compensation ---

func (r *run) ecoLines(o *Outcome, sc *Scenario) {
	for _, es := range r.in.Ecocomp {
		req := *es.Request
		scheme := req.Scheme
		if sc != nil {
			if to, ok := sc.Schemes[scheme]; ok {
				req.Scheme = to
			}
		}
		res, err := ecocomp.Settle(r.c.Ecocomp, &req)
		if err != nil {
			path := es.ID
			if req.Scheme != scheme {
				path = sc.Path + ".schemes." + scheme
			}
			detail := err.Error()
			if ce, ok := err.(*calc.Error); ok && len(ce.Errors) > 0 {
				detail = ce.Errors[0].Path + ": " + ce.Errors[0].Message
			}
			r.fail(path, "input_not_computable", "settlement %s under scheme %s: %s", es.ID, req.Scheme, detail)
			continue
		}
		for _, w := range res.Warnings {
			r.warn("ecocomp_"+w.Code, es.ID, "%s（%s）：%s", es.ID, req.Scheme, w.Message)
		}
		unverified := map[string]bool{} // pair|period
		for _, ln := range res.Lines {
			if ln.Unverified && ln.Payer != "" {
				unverified[pairKey(ln.Payer, ln.Payee)+"|"+ln.Period] = true
			}
		}
		for _, p := range res.Pairs {
			for _, pp := range p.Periods {
				if pp.Net.IsZero() {
					continue
				}
				month, note := periodMonth(pp.Period)
				if !inYear(month, r.in.Year) {
					continue
				}
				payer, payee, amt := p.A, p.B, pp.Net.Decimal
				if amt.Sign() < 0 {
					payer, payee, amt = p.B, p.A, amt.Neg()
				}
				unv := unverified[pairKey(p.A, p.B)+"|"+pp.Period]
				text := fmt.Sprintf("%s %s：%s 向 %s 支付 %s 元（方案 %s，按月核算、年度清缴，月内按断面轧差）%s", es.ID, pp.Period, payer, payee, money(amt), req.Scheme, note)
				if req.Scheme != scheme {
					text += fmt.Sprintf("；情景：方案 %s 改为 %s", scheme, req.Scheme)
				}
				for _, side := range []struct {
					stream, party, other string
				}{{StreamEcoIn, payee, payer}, {StreamEcoOut, payer, payee}} {
					code := es.Parties[side.party]
					if !(len(code) == 6 && calc.Within(code, r.in.Region)) {
						continue
					}
					o.Lines = append(o.Lines, Line{ID: fmt.Sprintf("%s:%s:%s:%s", side.stream, es.ID, pairKey(p.A, p.B), pp.Period),
						Stream: side.stream, District: code, Month: month, Amount: decimal.NullDecimal{Decimal: amt, Valid: true},
						Basis: "settlement", Ref: es.ID, Counterparty: side.other, Unverified: unv, Text: side.party + "：" + text})
				}
			}
		}
	}
}

func pairKey(a, b string) string {
	if b < a {
		a, b = b, a
	}
	return a + "/" + b
}

// periodMonth places a settlement period in a month: a month is itself, a
// trade date its month, a year (an annual scheme) its December.
func periodMonth(p string) (string, string) {
	switch len(p) {
	case 7:
		return p, ""
	case 10:
		return p[:7], ""
	case 4:
		return p + "-12", "（年度考核，记入12月）"
	}
	return p, ""
}

// --- fees ---

func (r *run) feeLines(o *Outcome, sc *Scenario) {
	for _, fb := range r.in.Fees {
		ref := fb.Schedule
		id, _, _ := strings.Cut(ref, "@")
		if sc != nil {
			if to, ok := sc.Schedules[id]; ok {
				ref = to
			}
		}
		f, trend := decimal.NewFromInt(1), sc != nil
		if trend {
			f, trend = factor(sc, TrendFees)
		}
		for _, fm := range fb.Months {
			if !inYear(fm.Month, r.in.Year) {
				continue
			}
			day := fm.Date
			if day == "" {
				day = fm.Month + "-01"
			}
			d, err := param.ParseDate(day)
			if err != nil {
				r.fail(fm.Path+".date", "invalid_value", "%q is not a day", day)
				continue
			}
			path := fm.Path
			if ref != fb.Schedule {
				path = sc.Path + ".schedules." + id
			}
			s, err := r.c.Fees.Find(ref, d)
			if err != nil {
				r.fail(path, "input_not_computable", "fee bill %s, %s: %v", fb.ID, fm.Month, err)
				continue
			}
			qty := fm.Quantity
			if trend {
				qty = qty.Mul(f)
			}
			res, err := fees.Calculate(s, fees.Request{Date: d, Quantity: qty, Inputs: fb.Inputs, PartialStep: fb.PartialStep})
			if err != nil {
				detail := err.Error()
				if ce, ok := err.(*calc.Error); ok && len(ce.Errors) > 0 {
					detail = ce.Errors[0].Path + ": " + ce.Errors[0].Message
				}
				r.fail(path, "input_not_computable", "fee bill %s, %s under %s: %s", fb.ID, fm.Month, s.Key(), detail)
				continue
			}
			text := fmt.Sprintf("%s %s：%s，%s %s × 收费标准 %s（%s）= %s 元", fb.ID, fm.Month, fb.Payer, qty, s.QuantityUnit, s.Key(), s.Title, money(res.Total.Decimal))
			if trend {
				text += fmt.Sprintf("；情景：数量 %s × %s", fm.Quantity, f)
			}
			if ref != fb.Schedule {
				text += fmt.Sprintf("；情景：收费标准 %s 改为 %s", fb.Schedule, ref)
			}
			for _, w := range res.Warnings {
				if w.Code == "unverified_figure" {
					r.warn("fees_unverified_figure", fb.ID, "%s（%s）：%s", fb.ID, s.Key(), w.Message)
				}
			}
			o.Lines = append(o.Lines, Line{ID: fmt.Sprintf("fees:%s:%s", fb.ID, fm.Month), Stream: StreamFees, District: fb.District,
				Month: fm.Month, Amount: decimal.NullDecimal{Decimal: res.Total.Decimal, Valid: true}, Basis: "bill", Ref: fb.ID,
				Unverified: !res.Verified, Text: text})
		}
	}
}

// --- sums ---

func aggregate(o *Outcome, months []string) {
	type key struct{ month, district, stream string }
	cells := map[key]*Cell{}
	byMonth := map[string]*Row{}
	for _, m := range months {
		byMonth[m] = &Row{Key: m}
	}
	o.Total = Row{Key: "total"}
	for _, l := range o.Lines {
		k := key{l.Month, l.District, l.Stream}
		c := cells[k]
		if c == nil {
			c = &Cell{Month: l.Month, District: l.District, Stream: l.Stream}
			cells[k] = c
		}
		c.Lines++
		row := byMonth[l.Month]
		for _, rw := range []*Row{row, &o.Total} {
			if rw == nil {
				continue
			}
			count(rw, l)
		}
		if !l.Amount.Valid {
			c.Missing++
		} else {
			c.Amount = c.Amount.Add(l.Amount.Decimal)
		}
		if l.Partial {
			c.Partial++
		}
		c.Unverified = c.Unverified || l.Unverified
	}
	o.Cells = make([]Cell, 0, len(cells))
	for _, c := range cells {
		o.Cells = append(o.Cells, *c)
	}
	sort.Slice(o.Cells, func(i, j int) bool {
		a, b := o.Cells[i], o.Cells[j]
		if a.Month != b.Month {
			return a.Month < b.Month
		}
		if a.District != b.District {
			return a.District < b.District
		}
		return streamOrder(a.Stream) < streamOrder(b.Stream)
	})
	o.ByMonth = make([]Row, 0, len(months))
	for _, m := range months {
		byMonth[m].net()
		o.ByMonth = append(o.ByMonth, *byMonth[m])
	}
	o.Total.net()
}

func count(rw *Row, l Line) {
	if l.Amount.Valid {
		rw.add(l.Stream, l.Amount.Decimal)
	} else {
		rw.Missing++
	}
	if l.Partial {
		rw.Partial++
	}
	rw.Unverified = rw.Unverified || l.Unverified
}

func districtRows(o *Outcome, districts []string) []Row {
	rows := map[string]*Row{}
	for _, d := range districts {
		rows[d] = &Row{Key: d}
	}
	for _, l := range o.Lines {
		count(rows[l.District], l)
	}
	out := make([]Row, 0, len(districts))
	for _, d := range districts {
		rows[d].net()
		out = append(out, *rows[d])
	}
	return out
}

func diffRow(a, b Row) *Row {
	d := &Row{Key: "vs_base", Tax: a.Tax.Sub(b.Tax), Damage: a.Damage.Sub(b.Damage), EcoIn: a.EcoIn.Sub(b.EcoIn),
		EcoOut: a.EcoOut.Sub(b.EcoOut), Fees: a.Fees.Sub(b.Fees), Missing: a.Missing - b.Missing, Partial: a.Partial - b.Partial,
		Unverified: a.Unverified || b.Unverified}
	d.net()
	return d
}

func streamOrder(s string) int {
	for i, st := range Streams {
		if st.ID == s {
			return i
		}
	}
	return len(Streams)
}

func coverage(in *Input) []Coverage {
	out := []Coverage{}
	for _, tp := range in.Taxpayers {
		for _, tm := range tp.Months {
			c := Coverage{CreditCode: tp.CreditCode, Name: tp.Name, District: tp.District, Month: tm.Month, Basis: tm.Basis,
				Refs: tm.Refs, Monitoring: tm.Monitoring, Uncovered: tm.Uncovered, Unverified: tm.Unverified, Note: tm.Note}
			if c.Refs == nil {
				c.Refs = []string{}
			}
			if c.Uncovered == nil {
				c.Uncovered = []string{}
			}
			out = append(out, c)
		}
	}
	return out
}

func summaryWarnings(res *Result) []Warning {
	var out []Warning
	base := res.Outcomes[0]
	if base.Total.Missing > 0 {
		out = append(out, Warning{Code: "tax_basis_missing", Message: fmt.Sprintf(
			"%d 个纳税人月份既无已提交的申报，也无监测数据：其税额未知，未计入合计（见 tax_coverage）", base.Total.Missing)})
	}
	if base.Total.Partial > 0 {
		out = append(out, Warning{Code: "tax_basis_partial", Message: fmt.Sprintf(
			"%d 个纳税人月份按自动监测数据估算，但监测只覆盖其部分税源", base.Total.Partial)})
	}
	if res.Unverified {
		out = append(out, Warning{Code: "unverified", Message: "部分金额依据未经核实的参数或数据，相应明细行标有 unverified: true"})
	}
	return out
}

// --- helpers ---

func yearMonths(y int) []string {
	out := make([]string, 12)
	for m := 1; m <= 12; m++ {
		out[m-1] = fmt.Sprintf("%04d-%02d", y, m)
	}
	return out
}

func inYear(month string, y int) bool {
	return len(month) == 7 && month[:4] == fmt.Sprintf("%04d", y)
}

// money writes an amount as results write it (param.MoneyText: two
// decimals, or all of them when there are more; nothing is rounded here).
func money(d decimal.Decimal) string { return param.MoneyText(d) }

// describe lists what a scenario changes, in words.
func describe(sc *Scenario) []string {
	out := []string{}
	names := map[string]string{"air": "大气污染物", "water": "水污染物", "solid_waste": "固体废物", "fees": "收费数量"}
	for _, rc := range sc.Rates {
		span := ""
		switch {
		case rc.From != "" && rc.To != "":
			span = "（" + rc.From + " 至 " + rc.To + "）"
		case rc.From != "":
			span = "（" + rc.From + " 起）"
		case rc.To != "":
			span = "（至 " + rc.To + "）"
		}
		out = append(out, fmt.Sprintf("%s税额 %s 元/污染当量%s", names[rc.Class], rc.Value, span))
	}
	for _, k := range []string{TrendAir, TrendWater, TrendSolidWaste, TrendFees} {
		if x, ok := sc.Trends[k]; ok {
			sign := ""
			if x.Sign() > 0 {
				sign = "+"
			}
			out = append(out, fmt.Sprintf("%s %s%s%%", names[k], sign, x))
		}
	}
	for _, k := range sortedKeys(sc.Schemes) {
		out = append(out, fmt.Sprintf("生态补偿方案 %s → %s", k, sc.Schemes[k]))
	}
	for _, k := range sortedKeys(sc.Schedules) {
		out = append(out, fmt.Sprintf("收费标准 %s → %s", k, sc.Schedules[k]))
	}
	return out
}

func sortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

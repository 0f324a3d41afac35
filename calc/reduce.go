package calc

import "github.com/shopspring/decimal"

// gate is why a month (or an outlet in it) gets no reduction under
// 财税〔2018〕117号: the first line found over the standard.
type gate struct {
	line int
}

// reduce applies 法 第十三条 and 实施条例 第十条、第十一条 per outlet and
// pollutant, behind the gate of 财税〔2018〕117号 whose scope is a dated
// parameter (taxpayer-wide by default, per month).
func (a *assessment) reduce() {
	lines := a.res.Lines
	// Find the exceedances of each month (and outlet) first: the first
	// line over its standard of each month, and of each source (by
	// index, line+1; 0 for none), in lists kept between calls.
	monthGate := a.monthGate[:0]
	outletGate := a.outletGate[:0]
	for i := range lines {
		if !a.anyExceeded {
			break // no line exceeds: no gate
		}
		l := &lines[i]
		if !l.exceeded {
			continue
		}
		if len(outletGate) == 0 {
			outletGate = append(outletGate, make([]int, len(a.req.Sources))...)
		}
		si := a.srcOf[i]
		s := &a.req.Sources[si]
		if s.Exemption != "" {
			continue
		}
		if _, ok := gateOf(monthGate, s.Month); !ok {
			monthGate = append(monthGate, monthGateAt{s.Month, gate{line: i}, false})
		}
		if outletGate[si] == 0 {
			outletGate[si] = i + 1
		}
	}
	a.monthGate, a.outletGate = monthGate, outletGate
	for i := range lines {
		l := &lines[i]
		if !l.Taxed || l.pol == nil || (l.Kind != KindAir && l.Kind != KindWater) {
			continue
		}
		si := a.srcOf[i]
		s := &a.req.Sources[si]
		p := l.in
		if p == nil || !p.AvgConcentration.Valid || !p.StandardConcentration.Valid {
			continue // no concentrations declared: nothing to test
		}
		mp := a.month(s.Month)
		if s.Penalty != "" {
			a.step(Step{Kind: StepNoReduction, L: i, Rule: "环境保护税法实施条例 第七条、第十条", Note: "以污染物产生量作为计税依据（实施条例 第七条），没有当月排放浓度的监测值，不适用浓度减征"})
			continue
		}
		switch p.Method {
		case "factor", "material_balance":
			a.step(Step{Kind: StepNoReduction, L: i, Rule: "环境保护税法实施条例 第十条", Note: "按排污系数或物料衡算法计算的排放量没有监测浓度值，不适用浓度减征"})
			continue
		case "sampling":
			a.step(Step{Kind: StepNoReduction, L: i, Rule: "环境保护税法 第十条第四项；环境保护税法实施条例 第十条", Note: "按抽样测算方法核定的排放量没有当月监测浓度值，不适用浓度减征"})
			continue
		}
		if p.MonitoringMonth != 0 && p.MonitoringMonth != s.Month {
			note := "当月无监测数据（沿用 " + p.MonitoringMonthRaw + " 的监测数据计算排放量），减征须有当月监测的浓度值，不予减征"
			if quarterOf(p.MonitoringMonth) != quarterOf(s.Month) {
				note = "监测数据属于 " + p.MonitoringMonthRaw + "，不得跨季度沿用（财税〔2018〕117号 第三条），且当月无监测浓度值，不予减征"
			}
			a.step(Step{Kind: StepNoReduction, L: i, Rule: "环境保护税法实施条例 第十条；财税〔2018〕117号 第三条", Note: note})
			continue
		}
		if !p.MaxConcentration.Valid && !p.ExceedsStandard {
			a.step(Step{Kind: StepNoReduction, L: i, Rule: "环境保护税法实施条例 第十条第二款", Note: "未申报当月最高浓度（小时或日均值），无法确认任一均值均未超标，不予减征"})
			continue
		}
		if l.exceeded {
			a.step(Step{Kind: StepNoReduction, L: i, Rule: "环境保护税法实施条例 第十条第二款", Note: "当月有小时（日）均值或监测值超过排放标准，不予减征"})
			continue
		}
		a.useScalar(mp, scExceedScope)
		var g gate
		var blocked bool
		var mg *monthGateAt
		switch mp.scope {
		case "taxpayer":
			mg, blocked = gateOf(monthGate, s.Month)
			if blocked {
				g = mg.gate
			}
		case "outlet":
			if len(outletGate) > 0 && outletGate[si] > 0 {
				g, blocked = gate{line: outletGate[si] - 1}, true
			}
		}
		if blocked {
			if mp.scope == "taxpayer" && !mg.stepped {
				mg.stepped = true
				a.step(Step{Kind: StepGate, L: g.line, Rule: "环境保护税法实施条例 第十条；财税〔2018〕117号 第二条", Note: mp.scope})
			}
			if !a.res.untraced {
				a.step(Step{Kind: StepNoReduction, L: i, Rule: "财税〔2018〕117号 第二条", Note: gateNote(mp.scope, &lines[g.line])})
			}
			continue
		}
		a.useScalar(mp, scBoundary)
		avg, std := p.AvgConcentration.Decimal, p.StandardConcentration.Decimal
		below := func(ratio decimal.Decimal) bool {
			// avg < std × ratio, compared exactly, without dividing.
			c := cmpProduct(avg, std, ratio)
			return c < 0 || (c == 0 && mp.inclusive)
		}
		var share, off decimal.Decimal
		switch {
		case below(mp.tier2Ratio):
			share, off = mp.tier2Share, mp.tier2Off
			a.useScalar(mp, scTier2Ratio)
			a.useScalar(mp, scTier2Share)
		case below(mp.tier1Ratio):
			share, off = mp.tier1Share, mp.tier1Off
			a.useScalar(mp, scTier1Ratio)
			a.useScalar(mp, scTier1Share)
		default:
			a.useScalar(mp, scTier1Ratio)
			a.stepWith(Step{Kind: StepNoReduction, L: i, Rule: "环境保护税法 第十三条", Note: "月均浓度未低于排放标准的百分之三十"}, [4]decimal.Decimal{avg, std, mp.tier1Ratio})
			continue
		}
		l.ReductionFactor = decimal.NullDecimal{Decimal: share, Valid: true}
		// 减免税额 is taken from the tax due, which is already money (分), in
		// both rounding modes: the contract's one formula.
		l.Reduction = a.nums.mulRound(l.TaxDue, off, 2)
		l.Tax = a.nums.sub(l.TaxDue, l.Reduction)
		l.Rules = rulesAirWaterRed
		bound := "<"
		if mp.inclusive {
			bound = "≤"
		}
		// One step; on output it reads as the reduction and its rounding.
		a.step(Step{Kind: StepReduction, L: i, Rule: "环境保护税法 第十三条；环境保护税法实施条例 第十条、第十一条", Note: bound})
		a.assumedMonitoring(s, i, p)
	}
}

// monthGateAt is the gate of a month, and whether its step is written.
type monthGateAt struct {
	month   Month
	gate    gate
	stepped bool
}

func gateOf(gs []monthGateAt, m Month) (*monthGateAt, bool) {
	for i := range gs {
		if gs[i].month == m {
			return &gs[i], true
		}
	}
	return nil, false
}

func gateNote(scope string, l *Line) string {
	who := l.Source + " " + l.Pollutant
	if l.exceedWhy != "" {
		who += "：" + l.exceedWhy
	}
	if scope == "outlet" {
		return "同一排放口 " + who + " 当月超标，该排放口不予减征"
	}
	return "纳税人当月有排放口或无组织排放超标（" + who + "），当月不予减征"
}

// assumedMonitoring records what a granted reduction took for granted when
// the request did not say it: an old request without a method, or agency
// data without their month, is read as monitoring data of the tax month.
func (a *assessment) assumedMonitoring(s *Source, i int, p *PollutantInput) {
	var note string
	switch {
	case p.Method == "":
		note = "未申报排放量计算方法（method）：按当月自动监测或监测机构当月监测的浓度值计算减征（假定）"
	case p.Method != "automatic" && p.MonitoringMonth == 0:
		note = "未申报监测数据所属月份（monitoring_month）：按 " + s.MonthRaw + " 当月的监测数据计算减征（假定）"
	default:
		return
	}
	a.step(Step{Kind: StepMonitoring, L: i, Rule: "环境保护税法实施条例 第十条", Note: note})
	a.res.Warnings = append(a.res.Warnings, Warning{Code: "assumed_monitoring", Path: p.Path, Message: s.ID + " " + s.MonthRaw + " " + a.res.Lines[i].Pollutant + "：" + note})
}

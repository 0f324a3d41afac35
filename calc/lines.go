package calc

import (
	"slices"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/ecotax/ecotax/calc/param"
)

var (
	thousand = decimal.NewFromInt(1000)
	two      = decimal.NewFromInt(2)
	fourteen = decimal.NewFromInt(14)
	one      = decimal.NewFromInt(1)
)

// Citations attached to lines. Shared slices: lines never modify them.
var (
	rulesAirWater     = []string{"环境保护税法 第八条", "环境保护税法 第九条", "环境保护税法 第十一条"}
	rulesAirWaterRed  = []string{"环境保护税法 第八条", "环境保护税法 第九条", "环境保护税法 第十一条", "环境保护税法 第十三条"}
	rulesSpecial      = []string{"环境保护税法 附表二 表三", "环境保护税法 第九条", "环境保护税法 第十一条"}
	rulesColour       = []string{"环境保护税法 附表二 表三", "财税〔2018〕23号 第二条", "环境保护税法 第九条", "环境保护税法 第十一条"}
	rulesTable4       = []string{"环境保护税法 附表二 表四", "环境保护税法 第十一条"}
	rulesLivestock    = []string{"环境保护税法 附表二 表四", "财税〔2018〕23号", "环境保护税法实施条例 第四条", "环境保护税法 第十一条"}
	rulesNoise        = []string{"环境保护税法 第七条第四项", "环境保护税法 附表一 噪声", "财税〔2018〕23号 第四条", "环境保护税法 第十一条第四项"}
	rulesSolid        = []string{"环境保护税法实施条例 第五条", "环境保护税法 附表一 固体废物", "环境保护税法 第十一条第三项"}
	rulesSolidPenalty = []string{"环境保护税法实施条例 第六条", "环境保护税法 附表一 固体废物", "环境保护税法 第十一条第三项"}
)

// newLine appends a line for source si and returns its index.
func (a *assessment) newLine(s *Source, si int, name, path string) int {
	// Filled in place: the slice was made for every line, so the slot is
	// zero, and a Line is too large to build and copy (with the write
	// barriers of its pointers) on every append.
	n := len(a.res.Lines)
	if n == cap(a.res.Lines) {
		a.res.Lines = append(a.res.Lines, Line{})
	} else {
		a.res.Lines = a.res.Lines[:n+1]
	}
	l := &a.res.Lines[n]
	l.Source, l.Month, l.Kind, l.Fugitive, l.Pollutant, l.Path = s.ID, s.MonthRaw, s.Kind, s.Fugitive, name, path
	a.srcOf = append(a.srcOf, si)
	return n
}

// buildLines turns every input item into a line: its base quantity, its
// 污染当量数 (as an exact fraction and as shown), or, for noise and solid
// waste, its tax due. Ranking and rates come later.
func (a *assessment) buildLines() {
	for si := range a.req.Sources {
		s := &a.req.Sources[si]
		if s.Month == 0 || s.Kind == "" {
			continue // already reported by the decoder
		}
		mp := a.monthParams(s.Month, s.Path)
		ex := a.exemption(s)
		pen := a.penalty(s)
		switch s.Kind {
		case KindAir, KindWater:
			first := len(a.res.Lines)
			a.polSeen = 0
			for pi := range s.Pollutants {
				a.pollutantLine(s, si, &s.Pollutants[pi], ex, pen, first)
			}
		case KindNoise:
			a.noiseLines(s, si, ex, mp)
		case KindSolidWaste:
			a.solidLine(s, si, ex, pen)
		case KindLivestock:
			a.livestockLine(s, si, ex)
		case KindSampling:
			a.samplingLine(s, si, ex)
		}
	}
	a.noiseTax()
}

// exemption resolves a source's exemption flag, if any.
func (a *assessment) exemption(s *Source) *Exemption {
	return a.sourceFlag(s, s.Exemption, "exemption", "an exemption", a.e.exempt, a.e.t.Exemptions)
}

// penalty resolves a source's penalty flag (产生量 as the base), if any.
func (a *assessment) penalty(s *Source) *Penalty {
	return a.sourceFlag(s, s.Penalty, "penalty", "a penalty case", a.e.penalties, a.e.t.Penalties)
}

// sourceFlag finds the flag named code that is in force for the whole
// month and open to the source's kind; anything else is an error at the
// source's field.
func (a *assessment) sourceFlag(s *Source, code, field, what string, index map[string][]*SourceFlag, all []SourceFlag) *SourceFlag {
	if code == "" {
		return nil
	}
	first, last := monthBounds(s.Month)
	for _, f := range index[code] {
		if !f.Covers(first, last) {
			continue
		}
		if slices.Contains(f.Kinds, s.Kind) {
			a.use(&f.Meta, "")
			return f
		}
		a.fail(s.Path+"."+field, "invalid_value", "%s does not apply to a %s source (allowed: %s)", code, s.Kind, strings.Join(f.Kinds, ", "))
		return nil
	}
	codes := make([]string, 0, len(all))
	for _, f := range all {
		codes = append(codes, f.Code)
	}
	a.fail(s.Path+"."+field, "invalid_value", "%q is not %s in force in %s (known: %s)", code, what, s.MonthRaw, strings.Join(codes, ", "))
	return nil
}

// notTaxed marks a line as outside the tax with its reason.
func (l *Line) notTaxed(reason string, rules []string) {
	l.Taxed = false
	l.Group = ""
	l.Reason = reason
	l.Rules = rules
}

// setEquivalents fixes a line's 污染当量数 = num ÷ den and records the
// division and its rounding in the trace.
func (a *assessment) setEquivalents(li int, num, den, value decimal.Decimal) {
	l := &a.res.Lines[li]
	l.num, l.den = num, den
	l.EquivalentValue = decimal.NullDecimal{Decimal: value, Valid: true}
	places := int32(2)
	if a.req.Rounding == Exact {
		places = 4
	}
	eq := a.nums.divRound(num, den, places)
	l.Equivalents = decimal.NullDecimal{Decimal: eq, Valid: true}
	// One step; on output it reads as the division and its rounding.
	a.step(Step{Kind: StepEquivalents, L: li, Rule: "环境保护税法 第八条"})
}

// pollutantLine adds the line of one air or water item; the source's lines
// so far start at index first (to find a pollutant listed twice).
func (a *assessment) pollutantLine(s *Source, si int, p *PollutantInput, ex *Exemption, pen *Penalty, first int) {
	if p.Name == "" {
		return // reported by the decoder
	}
	pol := a.lookup(len(a.res.Lines), s.Kind, p.Name)
	if pol == nil {
		a.fail(p.Path+".name", "unknown_pollutant", "%q is not a taxable %s pollutant of 《应税污染物和当量值表》; closest: %s",
			p.Name, kindZh(s.Kind), strings.Join(a.e.names.Suggest(s.Kind, p.Name), "、"))
		return
	}
	// The source's lines so far are searched only when one of them has
	// the same table order modulo 64 (polSeen): a search per line
	// through the lines, a few hundred bytes apart, was a tenth of it.
	if bit := uint64(1) << (uint(pol.Order) & 63); a.polSeen&bit == 0 {
		a.polSeen |= bit
	} else {
		for j := first; j < len(a.res.Lines); j++ {
			if a.res.Lines[j].pol == pol {
				a.fail(p.Path+".name", "duplicate_pollutant", "%s is already listed at %s for this outlet", pol.Name, a.res.Lines[j].Path)
				return
			}
		}
	}
	li := a.newLine(s, si, pol.Name, p.Path)
	l := &a.res.Lines[li]
	l.pol, l.order, l.in = pol, pol.Order, p
	switch pol.Category {
	case CatAir:
		l.Group = "air"
	case CatWater1:
		l.Group = "water1"
	default:
		l.Group = "water_other"
	}
	l.Rules = rulesAirWater
	if pol.Special == SpecialNone {
		a.plainPollutant(s, li, p, pol, pen)
	} else {
		a.specialItem(s, li, p, pol)
	}
	l = &a.res.Lines[li]
	if !l.Unverified && !pol.Verified {
		l.Unverified = true
	}
	// Only these lines exceed (plainPollutant, specialItem): reduce
	// looks for the exceedances only when there are some.
	a.anyExceeded = a.anyExceeded || l.exceeded
	if s.Facility == FacilityCentralized && ex == nil {
		a.centralizedItem(li, p)
	}
	if ex != nil {
		l.notTaxed(ex.Reason, []string{ex.Rule})
		a.step(Step{Kind: StepExempt, L: li, Rule: ex.Rule, Note: ex.Reason})
	}
}

// plainPollutant handles the rows with an emission in kg.
func (a *assessment) plainPollutant(s *Source, li int, p *PollutantInput, pol *Pollutant, pen *Penalty) {
	// Tested one by one before the loop that names them: building the
	// list for every line cost a twentieth of assessing one.
	if p.Value.Valid || p.Measured.Valid || p.Standard.Valid || p.ExceedMultiple.Valid {
		for _, f := range []struct {
			v    decimal.NullDecimal
			name string
		}{{p.Value, "value"}, {p.Measured, "measured"}, {p.Standard, "standard"}, {p.ExceedMultiple, "exceed_multiple"}} {
			if f.v.Valid {
				a.fail(p.Path+"."+f.name, "invalid_value", "%s is used only for pH值, 色度 and 大肠菌群数, not for %s", f.name, pol.Name)
			}
		}
	}
	a.checkMonitoring(s, p)
	var qty decimal.Decimal
	switch {
	case pen != nil:
		if !p.GeneratedKg.Valid {
			a.fail(p.Path+".generated_kg", "required", "%s: the 产生量 generated_kg is the base (%s)", pen.Reason, pen.Rule)
			return
		}
		qty = p.GeneratedKg.Decimal
		a.stepWith(Step{Kind: StepPenaltyBase, L: li, Rule: pen.Rule, Note: pen.Reason}, [4]decimal.Decimal{qty})
	case p.GeneratedKg.Valid:
		a.fail(p.Path+".generated_kg", "invalid_value", "generated_kg (产生量) is the base only when the source names a penalty case (实施条例 第七条)")
		return
	case p.BelowDetectionLimit && a.month(s.Month).belowDL == "zero":
		a.belowDetection(s, li, p) // qty stays 0
	case p.EmissionT.Valid:
		qty = p.EmissionT.Decimal.Mul(thousand)
		a.stepWith(Step{Kind: StepTonnes, L: li}, [4]decimal.Decimal{p.EmissionT.Decimal, qty})
		if p.BelowDetectionLimit {
			a.belowDetection(s, li, p)
		}
	case p.EmissionKg.Valid:
		qty = p.EmissionKg.Decimal
		if p.BelowDetectionLimit {
			a.belowDetection(s, li, p)
		}
	default:
		a.fail(p.Path+".emission_kg", "required", "the month's emission (emission_kg or emission_t) of %s is required", pol.Name)
		return
	}
	l := &a.res.Lines[li]
	l.Quantity, l.Unit = qty, "kg"
	// An exceedance counts for the reduction test of this line and for
	// the taxpayer-wide gate of 财税〔2018〕117号.
	std := p.StandardConcentration
	if std.Valid {
		l.exceeded = (p.MaxConcentration.Valid && cmp(p.MaxConcentration.Decimal, std.Decimal) > 0) ||
			(p.AvgConcentration.Valid && cmp(p.AvgConcentration.Decimal, std.Decimal) > 0)
	}
	l.exceeded = l.exceeded || p.ExceedsStandard
	a.setEquivalents(li, qty, pol.Value, pol.Value)
	a.use(&pol.Meta, "")
}

// specialItem handles 表三: pH, 色度, 大肠菌群数, 余氯量, all based on the
// month's wastewater in tonnes.
func (a *assessment) specialItem(s *Source, li int, p *PollutantInput, pol *Pollutant) {
	if p.EmissionKg.Valid || p.EmissionT.Valid || p.GeneratedKg.Valid || p.AvgConcentration.Valid || p.MaxConcentration.Valid || p.StandardConcentration.Valid {
		for _, f := range []struct {
			v    decimal.NullDecimal
			name string
		}{{p.EmissionKg, "emission_kg"}, {p.EmissionT, "emission_t"}, {p.GeneratedKg, "generated_kg"},
			{p.AvgConcentration, "avg_concentration"}, {p.MaxConcentration, "max_concentration"}, {p.StandardConcentration, "standard_concentration"}} {
			if f.v.Valid {
				a.fail(p.Path+"."+f.name, "invalid_value", "%s is not used for %s: its base is the wastewater in tonnes (表三)", f.name, pol.Name)
			}
		}
	}
	if p.MonitoringMonth != 0 || p.BelowDetectionLimit {
		a.fail(p.Path, "invalid_value", "monitoring_month and below_detection_limit are for concentration items, not for %s (its base is the wastewater in tonnes)", pol.Name)
	}
	if !s.WastewaterT.Valid {
		a.fail(s.Path+".wastewater_t", "required", "%s is computed from the month's wastewater in tonnes (wastewater_t)", pol.Name)
		return
	}
	ww := s.WastewaterT.Decimal
	l := &a.res.Lines[li]
	l.Quantity, l.Unit = ww, "t"
	// A declared exceedance counts for the 117号 gate whatever the item.
	if p.ExceedsStandard {
		l.exceeded, l.exceedWhy = true, "申报超标"
	}
	if pol.Special == SpecialColour {
		l.Rules = rulesColour
	} else {
		l.Rules = rulesSpecial
	}
	switch pol.Special {
	case SpecialPH:
		if !p.Value.Valid {
			a.fail(p.Path+".value", "required", "the month's pH value is required")
			return
		}
		if cmp(p.Value.Decimal, fourteen) > 0 {
			a.fail(p.Path+".value", "invalid_number", "pH %s is outside 0–14", p.Value.Decimal)
			return
		}
		l.detail().PHValue = p.Value
		band := a.phBand(p.Value.Decimal, s.Month)
		if band == nil {
			l.notTaxed("pH值 "+decText(p.Value.Decimal)+" 在6–9之间，不属于应税范围", rulesSpecial)
			a.step(Step{Kind: StepNotTaxable, L: li, Rule: "环境保护税法 附表二 表三", Note: l.Reason})
			return
		}
		a.use(&band.Meta, "")
		// Outside 6–9 the discharge is over the pH standard: an exceeding
		// outlet for the 117号 gate (实施条例 第十条; 财税〔2018〕117号 第二条).
		l.exceeded = true
		if !a.res.untraced { // the reason is read only by the trace
			l.exceedWhy = "pH值 " + decText(p.Value.Decimal) + " 不在6–9之间"
		}
		a.stepWith(Step{Kind: StepPHBand, L: li, Rule: "环境保护税法 附表二 表三 注", Note: band.Label}, [4]decimal.Decimal{p.Value.Decimal, band.Value})
		a.setEquivalents(li, ww, band.Value, band.Value)
		return
	case SpecialColour:
		var num, den decimal.Decimal
		switch {
		case p.ExceedMultiple.Valid:
			if p.Measured.Valid || p.Standard.Valid {
				a.fail(p.Path+".exceed_multiple", "invalid_value", "give exceed_multiple, or measured and standard, not both")
				return
			}
			num, den = a.nums.mul(ww, p.ExceedMultiple.Decimal), pol.Value
			l.detail().ColourMultiple = p.ExceedMultiple
			if p.ExceedMultiple.Decimal.IsZero() {
				l.notTaxed("色度未超标", rulesColour)
				a.step(Step{Kind: StepNotTaxable, L: li, Rule: "财税〔2018〕23号 第二条", Note: l.Reason})
				return
			}
			l.exceeded = true
			if !a.res.untraced { // the reason is read only by the trace
				l.exceedWhy = "色度超标倍数 " + decText(p.ExceedMultiple.Decimal)
			}
		case p.Measured.Valid && p.Standard.Valid:
			if p.Standard.Decimal.IsZero() {
				a.fail(p.Path+".standard", "invalid_number", "the 色度 standard must be above zero")
				return
			}
			over := a.nums.sub(p.Measured.Decimal, p.Standard.Decimal)
			if over.IsPositive() {
				l.detail().ColourMultiple = decimal.NullDecimal{Decimal: a.nums.divRound(over, p.Standard.Decimal, 4), Valid: true}
			} else {
				l.detail().ColourMultiple = decimal.NullDecimal{Decimal: decimal.Zero, Valid: true}
			}
			a.stepWith(Step{Kind: StepColourMultiple, L: li, Rule: "财税〔2018〕23号 第二条"}, [4]decimal.Decimal{p.Measured.Decimal, p.Standard.Decimal})
			if !over.IsPositive() {
				l.notTaxed("色度 "+decText(p.Measured.Decimal)+" 未超过标准 "+decText(p.Standard.Decimal), rulesColour)
				a.step(Step{Kind: StepNotTaxable, L: li, Rule: "财税〔2018〕23号 第二条", Note: l.Reason})
				return
			}
			// 当量数 = 吨 × (实测 − 标准) ÷ 标准 ÷ 当量值, kept as one fraction.
			num, den = a.nums.mul(ww, over), a.nums.mul(pol.Value, p.Standard.Decimal)
			l.exceeded = true
			if !a.res.untraced { // the reason is read only by the trace
				l.exceedWhy = "色度 " + decText(p.Measured.Decimal) + " 超过标准 " + decText(p.Standard.Decimal)
			}
		default:
			a.fail(p.Path+".measured", "required", "色度 needs measured and standard (or exceed_multiple)")
			return
		}
		a.use(&pol.Meta, "")
		a.setEquivalents(li, num, den, pol.Value)
		return
	case SpecialColiform:
		if p.Measured.Valid != p.Standard.Valid {
			a.fail(p.Path+".standard", "required", "give both measured and standard, or neither (the item is then declared as exceeding)")
			return
		}
		if p.Measured.Valid && cmp(p.Measured.Decimal, p.Standard.Decimal) <= 0 {
			l.notTaxed("大肠菌群数未超标，不征收", rulesSpecial)
			a.step(Step{Kind: StepNotTaxable, L: li, Rule: "环境保护税法 附表二 表三（大肠菌群数(超标)）", Note: l.Reason})
			return
		}
		// 大肠菌群数 is taxed only over its standard (表三: "超标"), so a
		// taxed line is an exceedance for the 117号 gate.
		if p.Measured.Valid {
			l.exceeded = true
			if !a.res.untraced { // the reason is read only by the trace
				l.exceedWhy = "大肠菌群数 " + decText(p.Measured.Decimal) + " 超过标准 " + decText(p.Standard.Decimal)
			}
		} else {
			l.exceeded, l.exceedWhy = true, "大肠菌群数(超标)"
		}
	case SpecialChlorine:
		// 余氯量 is taxed on the wastewater tonnes whether or not it is
		// over its standard; measured and standard (optional, both or
		// neither) only tell the 117号 gate whether the outlet exceeded.
		if p.Value.Valid || p.ExceedMultiple.Valid {
			a.fail(p.Path, "invalid_value", "余氯量 is based on the wastewater tonnes only (value and exceed_multiple are for pH值 and 色度)")
			return
		}
		if p.Measured.Valid != p.Standard.Valid {
			a.fail(p.Path+".standard", "required", "余氯量: give both measured and standard (mg/L), or neither")
			return
		}
		if p.Measured.Valid && cmp(p.Measured.Decimal, p.Standard.Decimal) > 0 {
			l.exceeded = true
			if !a.res.untraced { // the reason is read only by the trace
				l.exceedWhy = "余氯量 " + decText(p.Measured.Decimal) + " 超过标准 " + decText(p.Standard.Decimal)
			}
		}
	}
	if pol.Special != SpecialColiform && pol.Special != SpecialChlorine && (p.Value.Valid || p.ExceedMultiple.Valid) {
		a.fail(p.Path, "invalid_value", "value and exceed_multiple are used only for pH值 and 色度")
		return
	}
	a.use(&pol.Meta, "")
	a.setEquivalents(li, ww, pol.Value, pol.Value)
}

// decText is d.String(), printed without big arithmetic (param.FormatDecimal).
func decText(d decimal.Decimal) string { return param.FormatDecimal(d, -1) }

// phBand finds the band of a pH value; nil means 6–9, not taxed.
func (a *assessment) phBand(v decimal.Decimal, m Month) *PHBand {
	first, last := monthBounds(m)
	for i := range a.e.t.PHBands {
		b := &a.e.t.PHBands[i]
		if b.Covers(first, last) && b.contains(v) {
			return b
		}
	}
	return nil
}

func (a *assessment) noiseLines(s *Source, si int, ex *Exemption, mp *monthParams) {
	a.anyNoise = true
	days := param.DaysIn(s.Month.Year(), s.Month.Num())
	for _, per := range []struct {
		np   *NoisePeriod
		name string
	}{{s.Day, "工业噪声(昼间)"}, {s.Night, "工业噪声(夜间)"}} {
		np := per.np
		if np == nil {
			continue
		}
		if np.ExceedDays > days {
			a.fail(np.Path+".exceed_days", "invalid_value", "%d days exceed the %d days of %s", np.ExceedDays, days, s.MonthRaw)
			continue
		}
		li := a.newLine(s, si, per.name, np.Path)
		l := &a.res.Lines[li]
		l.Unit, l.Rules = "dB", rulesNoise
		// 财税〔2018〕23号 第四条: a fractional exceedance is rounded half
		// up to a whole decibel before the band is read.
		diff := a.nums.sub(np.MeasuredDB.Decimal, np.LimitDB.Decimal)
		if !a.res.untraced {
			shown := a.nums.round(diff, 0)
			if shown.IsNegative() {
				shown = decimal.Zero
			}
			a.stepWith(Step{Kind: StepNoiseExceed, L: li, Rule: "财税〔2018〕23号 第四条"}, [4]decimal.Decimal{np.MeasuredDB.Decimal, np.LimitDB.Decimal, diff, shown})
		}
		if np.Burst != "" && np.PeakDB.Valid {
			// 附表一 噪声 注5: night bursts are taxed on the higher of the
			// equivalent-level and the peak-level exceedance; the peak may
			// exceed the limit by the GB 12348 allowance.
			allow, key, what := mp.burstFrequent, scBurstFrequent, "频发"
			if np.Burst == "occasional" {
				allow, key, what = mp.burstOccasional, scBurstOccasional, "偶发"
			}
			a.useScalar(mp, key)
			peak := np.PeakDB.Decimal.Sub(np.LimitDB.Decimal.Add(allow))
			a.stepWith(Step{Kind: StepNoisePeak, L: li, Rule: "环境保护税法 附表一 噪声 注5；GB 12348-2008", Note: what},
				[4]decimal.Decimal{np.PeakDB.Decimal, np.LimitDB.Decimal, allow, peak})
			if cmp(peak, diff) > 0 {
				diff = peak
			}
		}
		exceed := a.nums.round(diff, 0)
		if exceed.Sign() < 0 {
			exceed = decimal.Zero
		}
		l.Quantity = exceed
		l.ExceedDB = decimal.NullDecimal{Decimal: exceed, Valid: true}
		l.noise = &noiseDetail{diff: diff}
		if ex != nil {
			l.notTaxed(ex.Reason, []string{ex.Rule})
			a.step(Step{Kind: StepExempt, L: li, Rule: ex.Rule, Note: ex.Reason})
			continue
		}
		if !exceed.IsPositive() {
			l.notTaxed("未超过国家规定的噪声排放标准", rulesNoise)
			a.step(Step{Kind: StepNotTaxable, L: li, Rule: "环境保护税法 第七条第四项", Note: l.Reason})
			continue
		}
		if np.ExceedDays == 0 {
			a.fail(np.Path+".exceed_days", "invalid_value", "the point exceeds its limit by %s dB, so it exceeded on at least one day: exceed_days cannot be 0", exceed)
			continue
		}
		band := a.noiseBand(int(exceed.IntPart()), s.Month)
		if band == nil {
			a.fail(np.Path, "parameter_not_found", "no noise band covers %s dB in %s", exceed, s.MonthRaw)
			continue
		}
		a.use(&band.Meta, "")
		l.Rate = decimal.NullDecimal{Decimal: band.Amount, Valid: true}
		l.Halved = np.ExceedDays < mp.halfDays
		l.Doubled = s.BoundaryOver100mMultiplePoints
		l.noise.days = np.ExceedDays
		l.Taxed = true
		l.Reason = "超标 " + decText(exceed) + " 分贝"
	}
}

// noiseTax applies 附表一 噪声 注 to the noise lines once every point is
// known: the points of one unit boundary in a month and period are taxed
// on the highest only, and twice when the boundary is over 100 m with two
// or more exceeding points (注1); fewer than 15 days halves (注4).
func (a *assessment) noiseTax() {
	if !a.anyNoise {
		return // no noise lines: nothing to look for
	}
	lines := a.res.Lines
	type key struct {
		boundary string
		month    Month
		period   string
	}
	groups := map[key][]int{}
	var order []key
	for i := range lines {
		l := &lines[i]
		if l.Kind != KindNoise || !l.Taxed {
			continue
		}
		s := &a.req.Sources[a.srcOf[i]]
		if s.Boundary == "" {
			continue
		}
		k := key{s.Boundary, s.Month, l.Pollutant}
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], i)
	}
	for _, k := range order {
		idx := groups[k]
		// The highest exceedance; equal ones by the exact difference,
		// then by source id, so input order never matters.
		best := idx[0]
		for _, i := range idx[1:] {
			x, b := &lines[i], &lines[best]
			c := x.ExceedDB.Decimal.Cmp(b.ExceedDB.Decimal)
			if c == 0 {
				c = x.noise.diff.Cmp(b.noise.diff)
			}
			if c > 0 || (c == 0 && x.Source < b.Source) {
				best = i
			}
		}
		var length decimal.Decimal
		for _, i := range idx {
			if s := &a.req.Sources[a.srcOf[i]]; s.BoundaryLengthM.Valid && s.BoundaryLengthM.Decimal.GreaterThan(length) {
				length = s.BoundaryLengthM.Decimal
			}
		}
		b := &lines[best]
		for _, i := range idx {
			if i == best {
				continue
			}
			l := &lines[i]
			l.notTaxed("同一单位边界（"+k.boundary+"）当月有多处超标，按最高一处（"+b.Source+" 超标 "+decText(b.ExceedDB.Decimal)+" 分贝）计算", rulesNoise)
			l.Rate = decimal.NullDecimal{}
			a.step(Step{Kind: StepNotTaxable, L: i, Rule: "环境保护税法 附表一 噪声 注1（一个单位边界上有多处噪声超标，根据最高一处超标声级计算应纳税额）", Note: l.Reason})
		}
		if len(idx) >= 2 && length.GreaterThan(decimal.NewFromInt(100)) {
			b.Doubled = true
			b.noise.count = len(idx)
		}
	}
	for i := range lines {
		l := &lines[i]
		if l.Kind != KindNoise || !l.Taxed {
			continue
		}
		s := &a.req.Sources[a.srcOf[i]]
		mp := a.month(s.Month)
		a.useScalar(mp, scHalfDays)
		tax := l.Rate.Decimal
		if l.Halved {
			a.useScalar(mp, scHalfShare)
			tax = mul(tax, mp.halfShare)
		}
		if l.Doubled {
			a.useScalar(mp, scMultiplier)
			tax = mul(tax, mp.multiplier)
		}
		l.TaxDue = a.nums.round(tax, 2)
		l.Tax = l.TaxDue
		if !a.res.untraced {
			a.stepWith(Step{Kind: StepNoiseTax, L: i, Rule: "环境保护税法 附表一 噪声 注", N: mp.halfDays}, [4]decimal.Decimal{l.Rate.Decimal, decimal.NewFromInt(int64(l.noise.days)), tax})
		}
	}
}

func bandLabel(b *NoiseBand) string {
	if b.MaxDB == 0 {
		return itoa(b.MinDB) + "+"
	}
	return itoa(b.MinDB) + "-" + itoa(b.MaxDB)
}

func (a *assessment) noiseBand(db int, m Month) *NoiseBand {
	first, last := monthBounds(m)
	for i := range a.e.t.NoiseBands {
		b := &a.e.t.NoiseBands[i]
		if b.Covers(first, last) && db >= b.MinDB && (b.MaxDB == 0 || db <= b.MaxDB) {
			return b
		}
	}
	return nil
}

func (a *assessment) solidLine(s *Source, si int, ex *Exemption, pen *Penalty) {
	first, last := monthBounds(s.Month)
	var rate *SolidWasteRate
	for _, r := range a.e.solid[s.Waste] {
		if r.Covers(first, last) {
			rate = r
		}
	}
	if rate == nil {
		names := make([]string, 0, len(a.e.t.SolidWaste))
		for _, r := range a.e.t.SolidWaste {
			names = append(names, r.Waste)
		}
		a.fail(s.Path+".waste", "invalid_value", "%q is not a solid waste of 附表一 in force in %s (known: %s)", s.Waste, s.MonthRaw, strings.Join(names, "、"))
		return
	}
	if !s.GeneratedT.Valid {
		return // reported by the decoder
	}
	g := s.GeneratedT.Decimal
	st, d, u := s.StoredT.Decimal, s.DisposedT.Decimal, s.UtilizedT.Decimal // absent = none
	if s.HazardousClass != "" && s.Waste != "危险废物" {
		a.fail(s.Path+".hazardous_class", "invalid_value", "hazardous_class is the class of a 危险废物 (e.g. HW08), not of %s", s.Waste)
		return
	}
	li := a.newLine(s, si, s.Waste, s.Path)
	l := &a.res.Lines[li]
	l.Unit, l.Rules = "t", rulesSolid
	if s.HazardousClass != "" {
		l.detail().HazardousClass = s.HazardousClass
	}
	var base decimal.Decimal
	if pen != nil {
		base = g
		l.Rules = rulesSolidPenalty
		a.stepWith(Step{Kind: StepPenaltyBase, L: li, Rule: pen.Rule, Note: pen.Reason}, [4]decimal.Decimal{g})
	} else if s.DeductionsNotMeasured && !(st.IsZero() && d.IsZero() && u.IsZero()) {
		// 财税〔2018〕23号 三: amounts stored, disposed or utilised that were
		// not accurately measured cannot be deducted.
		base = g
		a.step(Step{Kind: StepMonitoring, L: li, Rule: "财税〔2018〕23号 第三条", Note: "贮存量、处置量、综合利用量未准确计量（deductions_measured = false），不予扣除：排放量 = 产生量 " + g.String() + " 吨"})
	} else {
		base = a.nums.sub(a.nums.sub(a.nums.sub(g, st), d), u)
		a.stepWith(Step{Kind: StepSolidBase, L: li, Rule: "环境保护税法实施条例 第五条"}, [4]decimal.Decimal{g, st, d, u})
		if !s.DeductionsGiven && !(st.IsZero() && d.IsZero() && u.IsZero()) {
			a.step(Step{Kind: StepMonitoring, L: li, Rule: "财税〔2018〕23号 第三条", Note: "未申报扣除量是否准确计量（deductions_measured）：按已准确计量扣除（假定）"})
		}
		if base.Sign() < 0 {
			a.fail(s.Path+".generated_t", "negative_remainder", "产生量 %s − 贮存量 %s − 处置量 %s − 综合利用量 %s = %s is negative", g, st, d, u, base)
			return
		}
	}
	l.Quantity = base
	a.use(&rate.Meta, "")
	if ex != nil {
		l.notTaxed(ex.Reason, []string{ex.Rule})
		a.step(Step{Kind: StepExempt, L: li, Rule: ex.Rule, Note: ex.Reason})
		return
	}
	l.Rate = decimal.NullDecimal{Decimal: rate.Value, Valid: true}
	l.TaxDue = a.nums.mulRound(base, rate.Value, 2)
	l.Tax, l.Taxed = l.TaxDue, true
	l.Reason = "固体废物排放量 × 单位税额"
	if !a.res.untraced {
		a.stepWith(Step{Kind: StepSolidTax, L: li, Rule: "环境保护税法 第十一条第三项"}, [4]decimal.Decimal{base, rate.Value, mul(base, rate.Value), l.TaxDue})
	}
}

func (a *assessment) livestockLine(s *Source, si int, ex *Exemption) {
	pol := a.e.names.Lookup("table4", s.Species)
	if pol == nil || pol.Special != SpecialStock {
		a.fail(s.Path+".species", "invalid_value", "%q is not a livestock row of 表四 (牛, 猪, 鸡, 鸭, 家禽)", s.Species)
		return
	}
	if !s.StockStart.Valid || !s.StockEnd.Valid {
		return // reported by the decoder
	}
	li := a.newLine(s, si, pol.Name, s.Path)
	l := &a.res.Lines[li]
	l.pol, l.order, l.Rules, l.Unverified = pol, pol.Order, rulesLivestock, !pol.Verified
	sum := s.StockStart.Decimal.Add(s.StockEnd.Decimal)
	avg := sum.Div(two) // exact: halving adds at most one decimal
	l.Quantity, l.Unit = avg, pol.Unit
	a.stepWith(Step{Kind: StepStock, L: li, Rule: "财税〔2018〕23号（月均存栏量 = (月初存栏 + 月末存栏) ÷ 2）"}, [4]decimal.Decimal{s.StockStart.Decimal, s.StockEnd.Decimal, avg})
	a.use(&pol.Meta, "")
	a.setEquivalents(li, sum, pol.Value.Mul(two), pol.Value)
	l = &a.res.Lines[li]
	l.Taxed = true
	switch {
	case ex != nil:
		l.notTaxed(ex.Reason, []string{ex.Rule})
		a.step(Step{Kind: StepExempt, L: li, Rule: ex.Rule, Note: ex.Reason})
	case pol.Threshold.Valid && !avg.GreaterThan(pol.Threshold.Decimal):
		l.notTaxed("月均存栏 "+avg.String()+" 未超过规模标准 "+pol.Threshold.Decimal.String()+"，属农业生产，免征", []string{"环境保护税法 附表二 表四 注", "环境保护税法 第十二条第一款第一项"})
		a.step(Step{Kind: StepBelowThreshold, L: li, Rule: "环境保护税法 附表二 表四 注", Note: l.Reason})
	case a.belowProvincialScale(s, li, pol, avg):
	case s.NoOutlet:
		// 实施条例 第四条: a scale farm is taxed only when it has a
		// pollutant outlet.
		l.notTaxed("规模化养殖场没有污染物排放口，不缴纳环境保护税", []string{"环境保护税法实施条例 第四条"})
		a.step(Step{Kind: StepNotTaxable, L: li, Rule: "环境保护税法实施条例 第四条", Note: l.Reason})
	default:
		l.Reason = "月均存栏超过规模标准"
		if !s.OutletGiven {
			a.step(Step{Kind: StepMonitoring, L: li, Rule: "环境保护税法实施条例 第四条", Note: "未申报是否有污染物排放口（has_outlet）：按有排放口计征（假定）"})
		}
	}
}

func (a *assessment) samplingLine(s *Source, si int, ex *Exemption) {
	pol := a.e.names.Lookup("table4", s.Item)
	if pol == nil || pol.Special != SpecialT4 {
		a.fail(s.Path+".item", "invalid_value", "%q is not a row of 表四 for small dischargers; closest: %s", s.Item, strings.Join(a.e.names.Suggest("table4", s.Item), "、"))
		return
	}
	if !s.Quantity.Valid {
		return // reported by the decoder
	}
	beds := s.Beds
	if pol.ThresholdOf == "beds" && !beds.Valid {
		if pol.Unit != "bed" {
			a.fail(s.Path+".beds", "required", "%s: the number of beds decides whether the hospital is taxed (表四: 床位20张以上)", pol.Name)
			return
		}
		beds = s.Quantity
	}
	if pol.ThresholdOf != "beds" && beds.Valid {
		a.fail(s.Path+".beds", "invalid_value", "beds is used only for hospitals")
		return
	}
	li := a.newLine(s, si, pol.Name, s.Path)
	l := &a.res.Lines[li]
	l.pol, l.order, l.Rules, l.Unverified = pol, pol.Order, rulesTable4, !pol.Verified
	l.Quantity, l.Unit = s.Quantity.Decimal, pol.Unit
	a.use(&pol.Meta, "")
	a.setEquivalents(li, s.Quantity.Decimal, pol.Value, pol.Value)
	l = &a.res.Lines[li]
	l.Taxed = true
	switch {
	case ex != nil:
		l.notTaxed(ex.Reason, []string{ex.Rule})
		a.step(Step{Kind: StepExempt, L: li, Rule: ex.Rule, Note: ex.Reason})
	case pol.Threshold.Valid && !beds.Decimal.GreaterThan(pol.Threshold.Decimal):
		l.notTaxed("床位 "+beds.Decimal.String()+" 张，未超过 "+pol.Threshold.Decimal.String()+" 张，不征收", []string{"环境保护税法 附表二 表四 注"})
		a.step(Step{Kind: StepBelowThreshold, L: li, Rule: "环境保护税法 附表二 表四 注", Note: l.Reason})
	default:
		l.Reason = "表四 特征值计算"
	}
}

func kindZh(kind string) string {
	switch kind {
	case KindAir:
		return "air (大气)"
	case KindWater:
		return "water (水)"
	}
	return kind
}

// measuredMethod reports whether a method yields measured concentrations
// of the month (法 第十条第一、二项; 实施条例 第九条: self-monitoring that
// meets the rules counts as agency monitoring). "" is an old request that
// named no method: read as measured, and the result says so.
func measuredMethod(m string) bool {
	switch m {
	case "", "automatic", "monitoring", "self_monitoring":
		return true
	}
	return false
}

// checkMonitoring rejects monitoring fields that cannot be true of the
// line: a monitoring month after the tax month, automatic data of another
// month, monitoring fields on an estimated emission.
func (a *assessment) checkMonitoring(s *Source, p *PollutantInput) {
	if !measuredMethod(p.Method) {
		if p.MonitoringMonth != 0 {
			a.fail(p.Path+".monitoring_month", "invalid_value", "monitoring_month is the month of measured data; method %s measures nothing", p.Method)
		}
		if p.BelowDetectionLimit {
			a.fail(p.Path+".below_detection_limit", "invalid_value", "below_detection_limit describes measured readings; method %s measures nothing", p.Method)
		}
		return
	}
	if p.MonitoringMonth != 0 && p.MonitoringMonth < s.Month && quarterOf(p.MonitoringMonth) != quarterOf(s.Month) {
		a.res.Warnings = append(a.res.Warnings, Warning{Code: "monitoring_across_quarter", Path: p.Path + ".monitoring_month",
			Message: s.ID + " " + s.MonthRaw + "：沿用 " + p.MonitoringMonthRaw + " 的监测数据跨越季度，财税〔2018〕117号 第三条不允许跨季度沿用监测数据，排放量应重新监测或按法 第十条的其他方法确定；本结果不予减征"})
	}
	switch {
	case p.MonitoringMonth == 0:
	case p.MonitoringMonth > s.Month:
		a.fail(p.Path+".monitoring_month", "invalid_value", "monitoring data of %s cannot be the data of the earlier tax month %s", p.MonitoringMonthRaw, s.MonthRaw)
	case p.Method == "automatic" && p.MonitoringMonth != s.Month:
		a.fail(p.Path+".monitoring_month", "invalid_value", "automatic monitoring gives the month's own data (%s), not %s; data carried from an earlier month are agency data (method monitoring)", s.MonthRaw, p.MonitoringMonthRaw)
	}
	if p.BelowDetectionLimit && a.month(s.Month).belowDL == "as_declared" && !p.EmissionKg.Valid && !p.EmissionT.Valid && s.Penalty == "" {
		a.fail(p.Path+".emission_kg", "required", "below the detection limit, the declared emission is used (monitoring.below_detection_limit = as_declared): give emission_kg or emission_t")
	}
}

func quarterOf(m Month) int { return m.Year()*10 + (m.Num()+2)/3 }

// FacilityCentralized marks a 城乡污水集中处理场所 or 生活垃圾集中处理场所.
const FacilityCentralized = "centralized_treatment"

var rulesCentralized = []string{"环境保护税法 第十二条第一款第三项", "环境保护税法 第五条"}

// centralizedItem applies 法 第十二条第一款第三项 per pollutant: a
// centralised sewage or household-garbage plant is exempt for each taxable
// pollutant it discharges within the standard ("相应应税污染物"), so only the
// items over their standard are taxed and ranked (法 第五条). An item
// whose readings show no exceedance is exempt; one with no readings is
// taken as declared over the standard, and the trace says so.
func (a *assessment) centralizedItem(li int, p *PollutantInput) {
	l := &a.res.Lines[li]
	if l.exceeded || l.Group == "" && l.Reason != "" {
		return // over the standard, or already out of the tax (pH 6–9, …)
	}
	within := p.StandardConcentration.Valid && (p.AvgConcentration.Valid || p.MaxConcentration.Valid) ||
		p.Measured.Valid && p.Standard.Valid
	if !within {
		a.step(Step{Kind: StepMonitoring, L: li, Rule: "环境保护税法 第五条", Note: "集中处理场所未申报该污染物的浓度，按超过排放标准计征（假定）"})
		return
	}
	l.notTaxed("集中处理场所排放的该污染物未超过排放标准，免征（相应应税污染物）", rulesCentralized)
	a.step(Step{Kind: StepExempt, L: li, Rule: "环境保护税法 第十二条第一款第三项", Note: l.Reason})
}

// belowProvincialScale applies a province's own scale standard (实施条例
// 第四条: 达到省级人民政府确定的规模标准) where the tables have one for the
// request's region, the species and the month: a farm whose average stock
// does not reach it is not taxed.
func (a *assessment) belowProvincialScale(s *Source, li int, pol *Pollutant, avg decimal.Decimal) bool {
	if len(a.req.Region) != 6 {
		return false
	}
	prov := a.req.Region[:2]
	first, last := monthBounds(s.Month)
	for i := range a.e.t.LivestockScales {
		x := &a.e.t.LivestockScales[i]
		if x.Province != prov || x.PollutantID != pol.ID || !x.Covers(first, last) {
			continue
		}
		a.use(&x.Meta, prov+"0000")
		if !avg.LessThan(x.MinStock) {
			return false
		}
		l := &a.res.Lines[li]
		l.notTaxed("月均存栏 "+avg.String()+" 未达到本省规模标准 "+x.MinStock.String()+"，不属于规模化养殖，不缴纳环境保护税", []string{"环境保护税法实施条例 第四条", "环境保护税法 第十二条第一款第一项"})
		a.step(Step{Kind: StepBelowThreshold, L: li, Rule: "环境保护税法实施条例 第四条（省级人民政府确定的规模标准）", Note: l.Reason})
		return true
	}
	return false
}

// belowDetection records how readings below the detection limit made the
// emission (财税〔2018〕117号 三): none at all ("视同排放量为零", parameter
// value zero) or the declared amount (as_declared).
func (a *assessment) belowDetection(s *Source, li int, p *PollutantInput) {
	mp := a.month(s.Month)
	a.useScalar(mp, scBelowDL)
	note := "当月监测浓度值低于检出限：按参数 monitoring.below_detection_limit = as_declared 采用申报的排放量"
	if mp.belowDL == "zero" {
		note = "当月监测浓度值低于检出限，视同排放量为零（未申报排放量）"
		if p.EmissionKg.Valid || p.EmissionT.Valid {
			note = "当月监测浓度值低于检出限，视同排放量为零（申报的排放量不予采用）"
		}
	}
	a.step(Step{Kind: StepMonitoring, L: li, Rule: "财税〔2018〕117号 第三条（监测浓度值低于检出限）", Note: note})
}

package calc

import (
	"slices"
	"strings"
	"unsafe"

	"github.com/shopspring/decimal"

	"github.com/ecotax/ecotax/calc/param"
)

type rateAnswer struct {
	value decimal.Decimal
	rule  *RateRule // nil for a what-if override
	from  string    // "request" for overrides
	code  string    // error code when no rate applies
	msg   string
}

// applyRates gives every taxed air, water and 表四 line its applicable
// amount and its tax due (法 第十一条).
func (a *assessment) applyRates() {
	lines := a.res.Lines
	if a.res.untraced {
		if cap(a.res.rates) < len(lines) {
			a.res.rates = make([]*RateRule, len(lines))
		} else {
			a.res.rates = a.res.rates[:len(lines)]
			clear(a.res.rates)
		}
	}
	for i := range lines {
		l := &lines[i]
		if !l.Taxed || l.pol == nil {
			continue
		}
		s := &a.req.Sources[a.srcOf[i]]
		// The rate's value and row, read where they are: a copy of the
		// whole answer per line was a sixth of applying rates.
		var value decimal.Decimal
		var rule *RateRule
		if ov := a.classOverride(l.pol); ov != nil {
			value = ov.Decimal
		} else {
			var code, msg string
			if value, rule, code, msg = a.rateAt(l.pol, s.Month, s.Facility); code != "" {
				a.fail(l.Path, code, "%s", msg)
				continue
			}
		}
		l.Rate = decimal.NullDecimal{Decimal: value, Valid: true}
		if a.req.Rounding == Exact {
			l.TaxDue = l.num.Mul(value).DivRound(l.den, 2)
		} else {
			l.TaxDue = a.nums.mulRound(l.Equivalents.Decimal, value, 2)
		}
		l.Tax = l.TaxDue
		if a.res.untraced {
			// The writer names the rate row of each line (lineParams),
			// which the tax-due step otherwise keeps.
			a.res.rates[i] = rule
		}
		// One step; on output it reads as the rate, the product and its rounding.
		a.step(Step{Kind: StepTaxDue, L: i, Rule: "环境保护税法 第十一条", rate: rule})
	}
}

// rateOf finds the rate of a pollutant for a month, honouring what-if
// overrides first.
func (a *assessment) rateOf(p *Pollutant, m Month, facility string) rateAnswer {
	if ov := a.classOverride(p); ov != nil {
		return rateAnswer{value: ov.Decimal, from: "request"}
	}
	v, rule, code, msg := a.rateAt(p, m, facility)
	switch {
	case code != "":
		return rateAnswer{code: code, msg: msg}
	case rule == nil:
		return rateAnswer{value: v, from: "request"}
	}
	return rateAnswer{value: v, rule: rule, from: "table"}
}

// classOverride is the class-wide what-if amount that is the rate of p
// (rates.air or rates.water) when no pollutant has its own, else nil: it
// is rateAt's answer at once, with nothing used.
func (a *assessment) classOverride(p *Pollutant) *decimal.NullDecimal {
	if len(a.override) > 0 {
		return nil
	}
	ov := &a.req.Rates.Air
	if p.Category != CatAir { // p.Class() == KindWater
		ov = &a.req.Rates.Water
	}
	if ov.Valid {
		return ov
	}
	return nil
}

// rateAt is the rate of p for month m: a what-if amount of the request
// (rule nil), or the tables' in the request's region (rule and the rows
// it relied on noted as used), or an error code and message.
func (a *assessment) rateAt(p *Pollutant, m Month, facility string) (value decimal.Decimal, rule *RateRule, code, msg string) {
	class := p.Class()
	if v, ok := a.override[p.ID]; ok {
		return v, nil, "", ""
	}
	ov := a.req.Rates.Air
	if class == KindWater {
		ov = a.req.Rates.Water
	}
	if ov.Valid {
		return ov.Decimal, nil, "", ""
	}
	if a.req.Region == "" {
		return decimal.Decimal{}, nil, "rate_not_found", "no region given and no rates." + class + " override: the applicable amount of " + p.Name + " is unknown"
	}
	h := a.tableRate(p, m, facility)
	if h.code != "" {
		return decimal.Decimal{}, nil, h.code, h.msg
	}
	if h.zone != nil {
		a.use(&h.zone.Meta, h.zone.Code)
	}
	a.use(&h.rule.Meta, h.region)
	return h.rule.Value, h.rule, "", ""
}

// ratePM and rateKey are what the tables' rate of a pollutant depends on
// besides the region (one per request): without and with a facility.
type ratePM struct {
	pol   *Pollutant
	month Month
}

type rateKey struct {
	ratePM
	facility string
}

// rateHit is the tables' answer for a key: the rule, the region it is
// shown for and the zone row that made it apply, or an error.
type rateHit struct {
	rule      *RateRule
	region    string
	zone      *Region
	code, msg string
}

// maxRateHits bounds the answers an assessment keeps for the next ones
// (half of rateTable).
const maxRateHits = 1 << (rateTabBits - 1)

// tableRate is the rate the tables give p in the request's region (not
// empty) for month m, remembered with the assessment for the requests
// after it of the same engine and region (like names): declarations ask
// the same questions one after another, and Engine.Rate's search of the
// province's rules, with its map lookups, was a twentieth of assessing a
// quarter. The answer depends on nothing else.
func (a *assessment) tableRate(p *Pollutant, m Month, facility string) *rateHit {
	t := a.rateTab
	if !a.rateRegionSeen {
		a.rateRegionSeen = true
		if t == nil || a.req.Region != a.rateRegion || t.n >= maxRateHits {
			if t == nil {
				t = new(rateTable)
				a.rateTab = t
			}
			clear(t.slots[:])
			t.n, a.rateFacHits = 0, nil
			a.rateRegion = strings.Clone(a.req.Region) // the request's string is not kept
		}
	}
	if facility != "" {
		key := rateKey{ratePM{p, m}, facility}
		if h := a.rateFacHits[key]; h != nil {
			return h
		}
		h := a.e.tableRate(a.req.Region, p, facility, m)
		if a.rateFacHits == nil {
			a.rateFacHits = map[rateKey]*rateHit{}
		}
		key.facility = strings.Clone(facility)
		a.rateFacHits[key] = h
		return h
	}
	// Open addressing on the row's address and the month, at most half
	// full (maxRateHits): a map hashed the pair at several times the cost.
	key := uintptr(unsafe.Pointer(p))
	i := ((uint64(key) ^ uint64(m)<<32) * 0x9E3779B97F4A7C15) >> (64 - rateTabBits)
	for {
		c := &t.slots[i]
		if c.hit == nil {
			break
		}
		if c.pol == key && c.month == m {
			return c.hit
		}
		i = (i + 1) & (1<<rateTabBits - 1)
	}
	h := a.e.tableRate(a.req.Region, p, facility, m)
	if t.n < maxRateHits { // else full: the next request starts afresh
		t.slots[i] = rateSlot{pol: key, month: m, hit: h}
		t.n++
	}
	return h
}

// rateTable holds tableRate's answers without a facility, by pollutant
// row (its address: the engine, memoOf, keeps it alive) and month.
type rateTable struct {
	slots [1 << rateTabBits]rateSlot
	n     int
}

type rateSlot struct {
	pol   uintptr
	month Month
	hit   *rateHit
}

const rateTabBits = 9

// tableRate finds the rule of Rate and where it applies.
func (e *Engine) tableRate(region string, p *Pollutant, facility string, m Month) *rateHit {
	rule, code, msg := e.Rate(region, p.Class(), p, facility, m)
	if code != "" {
		return &rateHit{code: code, msg: msg}
	}
	h := &rateHit{rule: rule, region: e.provinceCode(rule.Province)}
	if z := rule.matchedZone(region); z != "" {
		if reg := e.zones[z]; reg != nil {
			h.region, h.zone = reg.Code, reg
		}
	}
	return h
}

func rateParamKey(r *RateRule, n *Names) string {
	key := "rate." + r.Class
	if r.Facility != "" {
		key += "." + r.Facility
	}
	if r.Group != "" {
		key += "." + string(r.Group)
	}
	if len(r.Pollutants) > 0 {
		names := make([]string, len(r.Pollutants))
		for i, id := range r.Pollutants {
			names[i] = n.ByID(id).Name
		}
		key += "[" + strings.Join(names, "|") + "]"
	}
	return key
}

// checkOverrides warns about what-if rates outside 附表一's range, once per
// override and month of the request.
func (a *assessment) checkOverrides() {
	months := a.overrideMonths[:0] // kept: no list made per request
	for i := range a.req.Sources {
		if m := a.req.Sources[i].Month; m != 0 && !slices.Contains(months, m) {
			months = append(months, m)
		}
	}
	for _, m := range months {
		if a.req.Rates.Air.Valid {
			a.checkOverride(KindAir, a.req.Rates.Air.Decimal, "rates.air", m)
		}
		if a.req.Rates.Water.Valid {
			a.checkOverride(KindWater, a.req.Rates.Water.Decimal, "rates.water", m)
		}
		for _, o := range a.req.PollutantRates {
			for _, cls := range []string{KindAir, KindWater} {
				if a.e.names.Lookup(cls, o.Name) != nil {
					a.checkOverride(cls, o.Value, o.Path, m)
				}
			}
		}
	}
	a.overrideMonths = months
}

// checkOverride warns when a what-if rate lies outside 附表一's range.
func (a *assessment) checkOverride(class string, v decimal.Decimal, path string, m Month) {
	// A batch names the same amounts month after month: the first range
	// an amount is outside of (or none) is remembered, by class, with the
	// assessment for the next requests of the same engine.
	c, fits := small(v)
	memo := &a.overrideMemo[0]
	if class == KindWater {
		memo = &a.overrideMemo[1]
	}
	if fits && memo.set && memo.m == m && memo.c == c && memo.exp == v.Exponent() {
		if memo.g != nil {
			a.overrideWarning(memo.g, v, path)
		}
		return
	}
	first, last := monthBounds(m)
	var out *RateRange
	for i := range a.e.t.RateRanges {
		g := &a.e.t.RateRanges[i]
		if g.Class != class || !g.Covers(first, last) {
			continue
		}
		if cmp(v, g.Min) < 0 || cmp(v, g.Max) > 0 {
			out = g
			break
		}
	}
	if fits {
		*memo = overrideMemo{set: true, m: m, c: c, exp: v.Exponent(), g: out}
	}
	if out != nil {
		a.overrideWarning(out, v, path)
	}
}

// overrideMemo is checkOverride's answer for a class: the first range
// an amount c×10^exp is outside of in month m, nil for none.
type overrideMemo struct {
	set bool
	m   Month
	c   int64
	exp int32
	g   *RateRange
}

// overrideWarning warns, once per path, that v lies outside g.
func (a *assessment) overrideWarning(g *RateRange, v decimal.Decimal, path string) {
	for _, w := range a.res.Warnings {
		if w.Code == "override_out_of_range" && w.Path == path {
			return
		}
	}
	a.res.Warnings = append(a.res.Warnings, Warning{Code: "override_out_of_range", Path: path,
		Message: "覆盖税额 " + v.String() + " 超出法定幅度 " + g.Min.String() + "–" + g.Max.String() + " 元/污染当量（环境保护税法 附表一），仅供测算"})
}

// matchedZone returns the longest zone prefix of the rule that the region
// falls in ("" for a whole-province rule).
func (r *RateRule) matchedZone(region string) string {
	pre := RegionPrefix(region)
	best := ""
	for _, z := range r.Zones {
		if strings.HasPrefix(pre, z) && len(z) > len(best) {
			best = z
		}
	}
	return best
}

// Rate finds the applicable amount for a pollutant in a region and month.
// The most specific rule wins: a facility rule over a general one, a rule
// naming the pollutant over a class-1 group rule over an "all" rule, then
// the longest matching zone. A region coarser than a zone that could apply
// (a city whose counties sit in different zones) is an error, never a
// guess. It returns an error code and message when no rule applies.
func (e *Engine) Rate(region, class string, p *Pollutant, facility string, m Month) (*RateRule, string, string) {
	if len(region) != 6 {
		return nil, "unknown_region", "region " + region + " is not a 6-digit code"
	}
	prov := region[:2]
	if e.provinces[prov] == nil {
		return nil, "unknown_region", "region " + region + " is not in a province the rate tables know"
	}
	pre := RegionPrefix(region)
	first, last := monthBounds(m)
	type score struct{ fac, pol, zone int }
	better := func(x, y score) bool {
		if x.fac != y.fac {
			return x.fac > y.fac
		}
		if x.pol != y.pol {
			return x.pol > y.pol
		}
		return x.zone > y.zone
	}
	var best *RateRule
	var bestScore score
	var coarse []score
	partial := false
	for _, r := range e.rates[prov] {
		if r.Class != class {
			continue
		}
		if r.Facility != "" && r.Facility != facility {
			continue
		}
		sc := score{}
		if r.Facility != "" {
			sc.fac = 1
		}
		switch {
		case len(r.Pollutants) > 0:
			if !containsStr(r.Pollutants, p.ID) {
				continue
			}
			sc.pol = 2
		case r.Group != "":
			if p.Category != r.Group {
				continue
			}
			sc.pol = 1
		}
		if !r.Covers(first, last) {
			if r.Overlaps(param.Range{From: first, To: last}) {
				partial = true
			}
			continue
		}
		if len(r.Zones) > 0 {
			sc.zone = -1
			for _, z := range r.Zones {
				switch {
				case strings.HasPrefix(pre, z):
					if len(z) > sc.zone {
						sc.zone = len(z)
					}
				case strings.HasPrefix(z, pre):
					coarse = append(coarse, score{sc.fac, sc.pol, 0})
				}
			}
			if sc.zone < 0 {
				continue
			}
		}
		if best == nil || better(sc, bestScore) {
			best, bestScore = r, sc
		}
	}
	for _, c := range coarse {
		if best == nil || c.fac > bestScore.fac || (c.fac == bestScore.fac && c.pol >= bestScore.pol) {
			return nil, "region_too_coarse", "region " + region + " contains areas with different applicable amounts for " + p.Name + "; give the county or city code (GB/T 2260)"
		}
	}
	if best == nil {
		msg := "no applicable amount for " + p.Name + " (" + class + ") in " + e.provinces[prov].Name + " for " + m.String()
		if partial {
			msg += ": the amount changes within the month"
		}
		return nil, "rate_not_found", msg + "; give rates." + class + " to compute with your own figure"
	}
	return best, "", ""
}

func containsStr(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}
